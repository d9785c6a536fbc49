// A small, deterministic encoder (and a minimal decoder, for tests) for the subset of ONNX's
// protobuf schema that the model builder needs. Field numbers are those of onnx/onnx.proto
// (proto2): ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
// TypeProto(.Tensor), TensorShapeProto(.Dimension), OperatorSetIdProto, StringStringEntryProto.
//
// Encoding rules: fields are written in the order given, repeated scalars unpacked (the proto2
// default for `dims` and `ints`), strings as UTF-8, no unknown fields, nothing time-dependent, so
// the same model description always gives the same bytes.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** TensorProto.DataType */
export const DataType = Object.freeze({ FLOAT: 1, INT64: 7 });
/** AttributeProto.AttributeType */
export const AttrType = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, INTS: 7 });

// ---------------------------------------------------------------------------------------------
// Wire-level writer

class Writer {
  constructor() {
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.length = 0;
  }
  bytes(b) {
    this.chunks.push(b);
    this.length += b.length;
  }
  varint(v) {
    // Non-negative integers only (all ONNX values written here are).
    let n = BigInt(v);
    if (n < 0n) throw new Error(`negative varint ${v} not supported`);
    const out = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      out.push(byte);
    } while (n > 0n);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) {
    this.varint((field << 3) | wire);
  }
  // Field helpers; `undefined` / `null` means "absent".
  int(field, v) {
    if (v === undefined || v === null) return;
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }
  ints(field, vs) {
    for (const v of vs ?? []) this.int(field, v);
  }
  float(field, v) {
    if (v === undefined || v === null) return;
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }
  lenDelimited(field, b) {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.bytes(b);
  }
  string(field, s) {
    if (s === undefined || s === null) return;
    this.lenDelimited(field, new TextEncoder().encode(s));
  }
  strings(field, ss) {
    for (const s of ss ?? []) this.string(field, s);
  }
  raw(field, b) {
    if (b === undefined || b === null) return;
    this.lenDelimited(field, b);
  }
  message(field, obj, encode) {
    if (obj === undefined || obj === null) return;
    this.lenDelimited(field, encode(obj));
  }
  messages(field, objs, encode) {
    for (const o of objs ?? []) this.message(field, o, encode);
  }
  finish() {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

function encodeWith(fn) {
  return (obj) => {
    const w = new Writer();
    fn(w, obj);
    return w.finish();
  };
}

// ---------------------------------------------------------------------------------------------
// ONNX messages. Plain objects in, bytes out.

/** OperatorSetIdProto { domain = 1; version = 2 } */
const encodeOpset = encodeWith((w, o) => {
  w.string(1, o.domain);
  w.int(2, o.version);
});

/** StringStringEntryProto { key = 1; value = 2 } */
const encodeEntry = encodeWith((w, o) => {
  w.string(1, o.key);
  w.string(2, o.value);
});

/**
 * TensorProto { dims = 1; data_type = 2; name = 8; raw_data = 9; doc_string = 12 }
 * @param {{name: string, dims: number[], dataType: number, raw: Uint8Array, doc?: string}} t
 */
const encodeTensor = encodeWith((w, t) => {
  w.ints(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.raw(9, t.raw);
  w.string(12, t.doc);
});

/** TensorShapeProto.Dimension { dim_value = 1; dim_param = 2 } — a number or a symbolic name. */
const encodeDim = encodeWith((w, d) => {
  if (typeof d === 'number') w.int(1, d);
  else w.string(2, d);
});

/** TypeProto { tensor_type = 1 }, TypeProto.Tensor { elem_type = 1; shape = 2 },
 *  TensorShapeProto { dim = 1 } */
const encodeTensorType = encodeWith((w, t) => {
  w.message(
    1,
    t,
    encodeWith((w2, tt) => {
      w2.int(1, tt.elemType);
      w2.message(2, tt.shape, encodeWith((w3, dims) => w3.messages(1, dims, encodeDim)));
    }),
  );
});

/**
 * ValueInfoProto { name = 1; type = 2; doc_string = 3 }
 * @param {{name: string, elemType: number, shape: (number|string)[], doc?: string}} v
 */
const encodeValueInfo = encodeWith((w, v) => {
  w.string(1, v.name);
  w.message(2, v, encodeTensorType);
  w.string(3, v.doc);
});

/**
 * AttributeProto { name = 1; f = 2; i = 3; s = 4; ints = 8; type = 20 }
 * @param {{name: string, type: number, value: any}} a
 */
const encodeAttribute = encodeWith((w, a) => {
  w.string(1, a.name);
  switch (a.type) {
    case AttrType.FLOAT:
      w.float(2, a.value);
      break;
    case AttrType.INT:
      w.int(3, a.value);
      break;
    case AttrType.STRING:
      w.string(4, a.value);
      break;
    case AttrType.INTS:
      w.ints(8, a.value);
      break;
    default:
      throw new Error(`attribute type ${a.type} not supported by this encoder`);
  }
  w.int(20, a.type);
});

/**
 * NodeProto { input = 1; output = 2; name = 3; op_type = 4; attribute = 5; domain = 7 }
 * @param {{inputs: string[], outputs: string[], name: string, opType: string,
 *          attributes?: object[], domain?: string}} n
 */
const encodeNode = encodeWith((w, n) => {
  w.strings(1, n.inputs);
  w.strings(2, n.outputs);
  w.string(3, n.name);
  w.string(4, n.opType);
  w.messages(5, n.attributes, encodeAttribute);
  w.string(7, n.domain);
});

/** GraphProto { node = 1; name = 2; initializer = 5; doc_string = 10; input = 11; output = 12 } */
const encodeGraph = encodeWith((w, g) => {
  w.messages(1, g.nodes, encodeNode);
  w.string(2, g.name);
  w.messages(5, g.initializers, encodeTensor);
  w.string(10, g.doc);
  w.messages(11, g.inputs, encodeValueInfo);
  w.messages(12, g.outputs, encodeValueInfo);
});

/**
 * ModelProto { ir_version = 1; producer_name = 2; producer_version = 3; domain = 4;
 *              model_version = 5; doc_string = 6; graph = 7; opset_import = 8; metadata_props = 14 }
 * @returns {Uint8Array}
 */
export const encodeModel = encodeWith((w, m) => {
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.string(4, m.domain);
  w.int(5, m.modelVersion);
  w.string(6, m.doc);
  w.message(7, m.graph, encodeGraph);
  w.messages(8, m.opsets, encodeOpset);
  w.messages(14, m.metadata, encodeEntry);
});

// Convenience constructors for attributes.
export const attrInt = (name, value) => ({ name, type: AttrType.INT, value });
export const attrInts = (name, value) => ({ name, type: AttrType.INTS, value });

// ---------------------------------------------------------------------------------------------
// Minimal decoder (for structural checks in tests): wire format -> field lists, then the ONNX
// messages above back to plain objects.

/** Parses one message into a Map field -> array of {wire, value}; value is a BigInt (varint),
 *  a Uint8Array (length-delimited) or a DataView over 4/8 bytes. Throws on malformed input. */
export function parseWire(bytes) {
  const fields = new Map();
  let pos = 0;
  const varint = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let value;
    if (wire === WIRE_VARINT) value = varint();
    else if (wire === WIRE_LEN) {
      const n = Number(varint());
      if (pos + n > bytes.length) throw new Error(`field ${field}: length ${n} past end of message`);
      value = bytes.subarray(pos, pos + n);
      pos += n;
    } else if (wire === WIRE_I32 || wire === WIRE_I64) {
      const n = wire === WIRE_I32 ? 4 : 8;
      if (pos + n > bytes.length) throw new Error(`field ${field}: truncated fixed-width value`);
      value = new DataView(bytes.buffer, bytes.byteOffset + pos, n);
      pos += n;
    } else throw new Error(`unsupported wire type ${wire} (field ${field})`);
    if (field === 0) throw new Error('field number 0');
    if (!fields.has(field)) fields.set(field, []);
    fields.get(field).push({ wire, value });
  }
  return fields;
}

const td = new TextDecoder('utf-8', { fatal: true });
const all = (f, n) => (f.get(n) ?? []).map((x) => x.value);
const one = (f, n) => {
  const v = all(f, n);
  return v.length ? v[v.length - 1] : undefined;
};
const str = (v) => (v === undefined ? undefined : td.decode(v));
const num = (v) => (v === undefined ? undefined : Number(v));
const ints = (f, n) =>
  (f.get(n) ?? []).flatMap(({ wire, value }) =>
    wire === WIRE_VARINT ? [Number(value)] : readPackedVarints(value),
  );
// A packed repeated varint field: the payload is varints back to back.
function readPackedVarints(b) {
  const out = [];
  let v = 0n;
  let shift = 0n;
  for (const byte of b) {
    v |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) {
      out.push(Number(v));
      v = 0n;
      shift = 0n;
    }
  }
  if (shift !== 0n) throw new Error('truncated packed varint');
  return out;
}

function decodeValueInfo(b) {
  const f = parseWire(b);
  const type = one(f, 2);
  let elemType;
  let shape;
  if (type) {
    const tt = one(parseWire(type), 1);
    if (tt) {
      const tf = parseWire(tt);
      elemType = num(one(tf, 1));
      const sh = one(tf, 2);
      if (sh) {
        shape = all(parseWire(sh), 1).map((d) => {
          const df = parseWire(d);
          if (df.has(1)) return num(one(df, 1));
          if (df.has(2)) return str(one(df, 2));
          return null;
        });
      }
    }
  }
  return { name: str(one(f, 1)), elemType, shape };
}

function decodeAttribute(b) {
  const f = parseWire(b);
  const type = num(one(f, 20));
  let value;
  if (type === AttrType.INT) value = num(one(f, 3));
  else if (type === AttrType.INTS) value = ints(f, 8);
  else if (type === AttrType.FLOAT) value = one(f, 2)?.getFloat32(0, true);
  else if (type === AttrType.STRING) value = str(one(f, 4));
  return { name: str(one(f, 1)), type, value };
}

function decodeNode(b) {
  const f = parseWire(b);
  return {
    inputs: all(f, 1).map(str),
    outputs: all(f, 2).map(str),
    name: str(one(f, 3)),
    opType: str(one(f, 4)),
    attributes: all(f, 5).map(decodeAttribute),
    domain: str(one(f, 7)),
  };
}

function decodeTensor(b) {
  const f = parseWire(b);
  return { dims: ints(f, 1), dataType: num(one(f, 2)), name: str(one(f, 8)), raw: one(f, 9) };
}

/** Decodes an ONNX ModelProto (the subset written above) into plain objects. */
export function decodeModel(bytes) {
  const f = parseWire(bytes);
  const g = parseWire(one(f, 7) ?? new Uint8Array());
  return {
    irVersion: num(one(f, 1)),
    producerName: str(one(f, 2)),
    producerVersion: str(one(f, 3)),
    domain: str(one(f, 4)),
    modelVersion: num(one(f, 5)),
    doc: str(one(f, 6)),
    opsets: all(f, 8).map((o) => {
      const of = parseWire(o);
      return { domain: str(one(of, 1)) ?? '', version: num(one(of, 2)) };
    }),
    metadata: all(f, 14).map((e) => {
      const ef = parseWire(e);
      return { key: str(one(ef, 1)), value: str(one(ef, 2)) };
    }),
    graph: {
      name: str(one(g, 2)),
      nodes: all(g, 1).map(decodeNode),
      initializers: all(g, 5).map(decodeTensor),
      inputs: all(g, 11).map(decodeValueInfo),
      outputs: all(g, 12).map(decodeValueInfo),
    },
  };
}
