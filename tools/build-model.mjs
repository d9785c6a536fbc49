#!/usr/bin/env node
// Builds the VGG-19 early-layer ONNX models from the TF.js weight shards (no Python).
//
//   node tools/build-model.mjs                   build models/vgg19-<layer>.onnx from ../shared/models/vgg19-tfjs
//   node tools/build-model.mjs --source DIR|URL  read the TF.js files from a folder or a base URL
//                                                ("upstream" = the pinned GitHub commit in the manifest)
//   node tools/build-model.mjs --check           verify the built models against models/manifest.json
//   node tools/build-model.mjs --update-manifest record the built models' sha256/size in the manifest
//   node tools/build-model.mjs --out DIR         write the models elsewhere (default: models/)
//
// One model per deepest layer, so that asking for relu1_2 never runs block2/block3:
//   vgg19-relu1_2.onnx  outputs relu1_2
//   vgg19-relu2_1.onnx  outputs relu1_2, relu2_1
//   vgg19-relu2_2.onnx  outputs relu1_2, relu2_1, relu2_2
//   vgg19-relu3_1.onnx  outputs relu1_2, relu2_1, relu2_2, relu3_1
// Graph: image [1,3,H,W] RGB in [0,1] -> Gather(channels 2,1,0) -> Mul 255 -> Sub mean
//        -> (Conv 3x3 pad 1 + Relu) x2 -> MaxPool 2x2/2 -> ... (VGG19_EARLY in web/lib/features/vgg.mjs).
// The preprocessing stays explicit (not folded into block1_conv1): the reference zero-pads the
// *preprocessed* image, which a folded mean would change at the borders.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  CAFFE_MEAN_BGR,
  FEATURE_LAYERS,
  VGG19_EARLY,
  layerGeometry,
  modelFileName,
  modelOutputs,
} from '../web/lib/features/vgg.mjs';
import { DataType, attrInt, attrInts, encodeModel } from './onnx-proto.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST_PATH = path.join(REPO, 'models', 'manifest.json');
export const DEFAULT_SOURCE = path.resolve(REPO, '..', 'shared', 'models', 'vgg19-tfjs');
/** Bump when the graph layout changes on purpose (it is part of the model bytes). */
const BUILDER_VERSION = '1';
const OPSET = 13;
const IR_VERSION = 7;

export const sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');

export async function readManifest(file = MANIFEST_PATH) {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

/** Writes `bytes` to `file` via a temporary file in the same folder and a rename. */
export async function writeAtomic(file, bytes) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Source files

/**
 * Returns `read(name) -> Promise<Uint8Array>` for a folder or an http(s) base URL, checking every
 * file against the manifest's size and sha256 before it is used.
 */
export function sourceReader(manifest, source = DEFAULT_SOURCE) {
  if (source === 'upstream') source = manifest.source.url;
  const isUrl = /^https?:\/\//.test(source);
  const expected = new Map(manifest.source.files.map((f) => [f.path, f]));
  return async (name) => {
    const want = expected.get(name);
    if (!want) throw new Error(`source file ${name} is not listed in ${path.relative(REPO, MANIFEST_PATH)}`);
    let bytes;
    const where = isUrl ? new URL(name, source.endsWith('/') ? source : `${source}/`).href : path.join(source, name);
    try {
      if (isUrl) {
        const res = await fetch(where);
        if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      } else {
        bytes = new Uint8Array(await fs.readFile(where));
      }
    } catch (e) {
      throw new Error(`cannot read VGG-19 source file ${where}: ${e.message}`, { cause: e });
    }
    const sha = sha256Hex(bytes);
    if (bytes.length !== want.size || sha !== want.sha256) {
      throw new Error(
        `VGG-19 source file ${where} does not match the manifest: ` +
          `got ${bytes.length} bytes, sha256 ${sha}; expected ${want.size} bytes, sha256 ${want.sha256}. ` +
          `Use the files of ${manifest.source.repository} @ ${manifest.source.commit} (${manifest.source.folder}/).`,
      );
    }
    return bytes;
  };
}

/**
 * Reads the convolution weights needed by VGG19_EARLY from the TF.js model.
 * @returns {Promise<Map<string, {kernel: Uint8Array, bias: Uint8Array, in: number, out: number}>>}
 *   kernel already in OIHW order, raw little-endian float32 bytes.
 */
export async function loadWeights(read) {
  const modelJson = JSON.parse(new TextDecoder().decode(await read('model.json')));
  const groups = modelJson.weightsManifest;
  if (!Array.isArray(groups)) throw new Error('model.json has no weightsManifest');
  const convs = VGG19_EARLY.filter((l) => l.op === 'conv');
  const out = new Map();
  for (const conv of convs) {
    const group = groups.find((g) => g.weights.some((w) => w.name === `${conv.tensor}/kernel`));
    if (!group) throw new Error(`model.json: no weights for ${conv.tensor}`);
    const shards = await Promise.all(group.paths.map((p) => read(p)));
    const total = shards.reduce((n, s) => n + s.length, 0);
    const buf = new Uint8Array(total);
    let off = 0;
    for (const s of shards) {
      buf.set(s, off);
      off += s.length;
    }
    // Tensors follow each other in the concatenated shards, in weightsManifest order.
    const tensors = new Map();
    off = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32') throw new Error(`model.json: ${w.name} has dtype ${w.dtype}, expected float32`);
      const n = w.shape.reduce((a, b) => a * b, 1) * 4;
      if (off + n > total) throw new Error(`model.json: ${w.name} runs past the end of its shards`);
      tensors.set(w.name, { shape: w.shape, bytes: buf.slice(off, off + n) });
      off += n;
    }
    if (off !== total) throw new Error(`model.json: shards of ${conv.tensor} have ${total - off} extra bytes`);
    const k = tensors.get(`${conv.tensor}/kernel`);
    const b = tensors.get(`${conv.tensor}/bias`);
    const kShape = [3, 3, conv.in, conv.out];
    if (!b || k.shape.join() !== kShape.join() || b.shape.join() !== String(conv.out)) {
      throw new Error(`model.json: ${conv.tensor} has unexpected shapes (kernel ${k.shape}, bias ${b?.shape})`);
    }
    out.set(conv.tensor, { kernel: hwioToOihw(k.bytes, conv.in, conv.out), bias: b.bytes, in: conv.in, out: conv.out });
  }
  return out;
}

/** Transposes a 3x3 kernel from HWIO to OIHW by moving whole 32-bit words (values unchanged). */
function hwioToOihw(bytes, cin, cout) {
  const src = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const dst = new Uint32Array(src.length);
  for (let h = 0; h < 3; h++)
    for (let w = 0; w < 3; w++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) dst[((o * cin + i) * 3 + h) * 3 + w] = src[((h * 3 + w) * cin + i) * cout + o];
  return new Uint8Array(dst.buffer);
}

// ---------------------------------------------------------------------------------------------
// Graph

function floatBytes(values) {
  const b = new Uint8Array(values.length * 4);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return b;
}

function int64Bytes(values) {
  const b = new Uint8Array(values.length * 8);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  return b;
}

const SPATIAL = { 1: ['height', 'width'], 2: ['height_div2', 'width_div2'], 4: ['height_div4', 'width_div4'] };

/** ModelProto bytes for the model whose deepest output is `deepest`. */
export function buildModelBytes(weights, deepest, manifest) {
  const outputs = modelOutputs(deepest);
  const lastIdx = VGG19_EARLY.findIndex((l) => l.name === deepest);
  const nodes = [];
  const inits = [];
  const F = DataType.FLOAT;

  // Caffe preprocessing: RGB [0,1] -> BGR -> x255 -> minus mean.
  inits.push({ name: 'bgr_index', dims: [3], dataType: DataType.INT64, raw: int64Bytes([2, 1, 0]) });
  inits.push({ name: 'scale_255', dims: [], dataType: F, raw: floatBytes([255]) });
  inits.push({ name: 'mean_bgr', dims: [1, 3, 1, 1], dataType: F, raw: floatBytes(CAFFE_MEAN_BGR) });
  nodes.push({ name: 'to_bgr', opType: 'Gather', inputs: ['image', 'bgr_index'], outputs: ['bgr'], attributes: [attrInt('axis', 1)] });
  nodes.push({ name: 'to_255', opType: 'Mul', inputs: ['bgr', 'scale_255'], outputs: ['bgr_255'] });
  nodes.push({ name: 'sub_mean', opType: 'Sub', inputs: ['bgr_255', 'mean_bgr'], outputs: ['preprocessed'] });

  let x = 'preprocessed';
  for (let i = 0; i <= lastIdx; i++) {
    const l = VGG19_EARLY[i];
    if (l.op === 'conv') {
      const w = weights.get(l.tensor);
      inits.push({ name: `${l.tensor}/W`, dims: [l.out, l.in, 3, 3], dataType: F, raw: w.kernel });
      inits.push({ name: `${l.tensor}/b`, dims: [l.out], dataType: F, raw: w.bias });
      nodes.push({
        name: l.tensor,
        opType: 'Conv',
        inputs: [x, `${l.tensor}/W`, `${l.tensor}/b`],
        outputs: [l.tensor],
        attributes: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1]), attrInts('strides', [1, 1])],
      });
      nodes.push({ name: `${l.name}_relu`, opType: 'Relu', inputs: [l.tensor], outputs: [l.name] });
    } else {
      nodes.push({
        name: l.name,
        opType: 'MaxPool',
        inputs: [x],
        outputs: [l.name],
        attributes: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])],
      });
    }
    x = l.name;
  }

  const graphOutputs = outputs.map((name) => {
    const g = layerGeometry(name);
    return { name, elemType: F, shape: [1, g.channels, ...SPATIAL[g.stride]] };
  });
  const src = manifest.source;
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: 'supercolor tools/build-model.mjs',
    producerVersion: BUILDER_VERSION,
    domain: 'supercolor',
    modelVersion: 1,
    doc:
      `VGG-19 early layers up to ${deepest} (outputs ${outputs.join(', ')}). ` +
      `Input: image [1,3,H,W] RGB in [0,1]; caffe preprocessing inside the graph. ${manifest.weights.attribution}`,
    graph: {
      name: `vgg19_${deepest}`,
      nodes,
      initializers: inits,
      inputs: [{ name: 'image', elemType: F, shape: [1, 3, 'height', 'width'] }],
      outputs: graphOutputs,
    },
    opsets: [{ domain: '', version: OPSET }],
    metadata: [
      { key: 'weights_licence', value: manifest.weights.licence },
      { key: 'weights_attribution', value: manifest.weights.attribution },
      { key: 'source', value: `${src.repository} @ ${src.commit} (${src.folder}/)` },
      { key: 'outputs', value: outputs.join(',') },
    ],
  });
}

/** Builds every model in memory. @returns {Promise<{file, deepest, outputs, bytes, sha256}[]>} */
export async function buildAll(manifest, source = DEFAULT_SOURCE) {
  const weights = await loadWeights(sourceReader(manifest, source));
  return FEATURE_LAYERS.map((deepest) => {
    const bytes = buildModelBytes(weights, deepest, manifest);
    return { file: modelFileName(deepest), deepest, outputs: modelOutputs(deepest), bytes, sha256: sha256Hex(bytes) };
  });
}

export function manifestEntry(built) {
  return {
    file: built.file,
    deepest: built.deepest,
    outputs: built.outputs.map((name) => {
      const { channels, stride } = layerGeometry(name);
      return { name, channels, stride };
    }),
    size: built.bytes.length,
    sha256: built.sha256,
  };
}

/** Verifies the .onnx files in `dir` against the manifest. @returns {Promise<string[]>} problems */
export async function checkBuilt(manifest, dir) {
  const problems = [];
  if (!manifest.models?.length) problems.push('the manifest lists no models');
  for (const m of manifest.models ?? []) {
    const file = path.join(dir, m.file);
    let bytes;
    try {
      bytes = await fs.readFile(file);
    } catch {
      problems.push(`${m.file}: missing (run npm run build:model)`);
      continue;
    }
    const sha = sha256Hex(bytes);
    if (bytes.length !== m.size || sha !== m.sha256) {
      problems.push(`${m.file}: ${bytes.length} bytes, sha256 ${sha}; manifest says ${m.size} bytes, sha256 ${m.sha256}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const opts = { source: DEFAULT_SOURCE, out: path.join(REPO, 'models'), check: false, update: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--source') opts.source = value();
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--check') opts.check = true;
    else if (a === '--update-manifest') opts.update = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (opts.source !== 'upstream' && !/^https?:\/\//.test(opts.source)) opts.source = path.resolve(opts.source);
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    const text = await fs.readFile(fileURLToPath(import.meta.url), 'utf8');
    console.log(text.split('\n').slice(1, 17).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return 0;
  }
  const manifest = await readManifest();
  if (opts.check) {
    const problems = await checkBuilt(manifest, opts.out);
    for (const p of problems) console.error(`check failed: ${p}`);
    if (problems.length) return 1;
    console.log(`ok: ${manifest.models.map((m) => m.file).join(', ')} match ${path.relative(REPO, MANIFEST_PATH)}`);
    return 0;
  }

  const built = await buildAll(manifest, opts.source);
  const entries = built.map(manifestEntry);
  if (opts.update) {
    manifest.models = entries;
    await writeAtomic(MANIFEST_PATH, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
    console.log(`updated ${path.relative(REPO, MANIFEST_PATH)}`);
  } else {
    const known = new Map((manifest.models ?? []).map((m) => [m.file, m]));
    const bad = entries.filter((e) => known.get(e.file)?.sha256 !== e.sha256 || known.get(e.file)?.size !== e.size);
    if (bad.length) {
      throw new Error(
        `the built model(s) ${bad.map((e) => `${e.file} (sha256 ${e.sha256})`).join(', ')} differ from ` +
          `${path.relative(REPO, MANIFEST_PATH)}; nothing written. If the builder changed on purpose, ` +
          'rerun with --update-manifest.',
      );
    }
  }
  for (const b of built) {
    await writeAtomic(path.join(opts.out, b.file), b.bytes);
    console.log(`${path.join(path.relative(process.cwd(), opts.out) || '.', b.file)}  ${b.bytes.length} bytes  sha256 ${b.sha256}`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`build-model: ${e.message}`);
      process.exit(1);
    },
  );
}
