// Model builder: structure, determinism, manifest, source verification, --check.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import * as ort from 'onnxruntime-node';

import { DEFAULT_SOURCE, buildAll, manifestEntry, readManifest, sha256Hex } from '../../tools/build-model.mjs';
import { decodeModel } from '../../tools/onnx-proto.mjs';
import { FEATURE_LAYERS, layerGeometry } from '../../web/lib/features/vgg.mjs';
import { ROOT } from '../support.mjs';

const run = promisify(execFile);
const BUILDER = path.join(ROOT, 'tools', 'build-model.mjs');

const manifest = await readManifest();
const built = await buildAll(manifest);
const byDeepest = Object.fromEntries(built.map((b) => [b.deepest, b]));

test('one model per deepest layer, each with every feature layer up to it', () => {
  assert.deepEqual(built.map((b) => b.deepest), FEATURE_LAYERS);
  assert.deepEqual(byDeepest.relu1_2.outputs, ['relu1_2']);
  assert.deepEqual(byDeepest.relu2_2.outputs, ['relu1_2', 'relu2_1', 'relu2_2']);
  assert.deepEqual(byDeepest.relu3_1.outputs, FEATURE_LAYERS);
});

test('the build is deterministic and matches the manifest', async () => {
  const again = await buildAll(manifest);
  for (let i = 0; i < built.length; i++) assert.ok(Buffer.from(built[i].bytes).equals(Buffer.from(again[i].bytes)));
  assert.deepEqual(built.map(manifestEntry), manifest.models);
});

test('structure: opset, input, outputs, nodes, initializers', () => {
  const expectedOps = {
    relu1_2: 'Gather Mul Sub Conv Relu Conv Relu',
    relu3_1: 'Gather Mul Sub Conv Relu Conv Relu MaxPool Conv Relu Conv Relu MaxPool Conv Relu',
  };
  for (const b of built) {
    const m = decodeModel(b.bytes);
    assert.equal(m.irVersion, 7);
    assert.deepEqual(m.opsets, [{ domain: '', version: 13 }]);
    assert.equal(m.graph.inputs.length, 1);
    assert.deepEqual(m.graph.inputs[0], { name: 'image', elemType: 1, shape: [1, 3, 'height', 'width'] });
    assert.deepEqual(
      m.graph.outputs.map((o) => [o.name, o.shape[0], o.shape[1], o.elemType]),
      b.outputs.map((l) => [l, 1, layerGeometry(l).channels, 1]),
    );
    if (expectedOps[b.deepest]) assert.equal(m.graph.nodes.map((n) => n.opType).join(' '), expectedOps[b.deepest]);
    for (const n of m.graph.nodes.filter((x) => x.opType === 'Conv')) {
      assert.deepEqual(Object.fromEntries(n.attributes.map((a) => [a.name, a.value])), {
        kernel_shape: [3, 3],
        pads: [1, 1, 1, 1],
        strides: [1, 1],
      });
    }
    for (const n of m.graph.nodes.filter((x) => x.opType === 'MaxPool')) {
      assert.deepEqual(Object.fromEntries(n.attributes.map((a) => [a.name, a.value])), { kernel_shape: [2, 2], strides: [2, 2] });
    }
    const licence = m.metadata.find((e) => e.key === 'weights_licence');
    assert.equal(licence?.value, 'CC BY 4.0');
  }
});

test('weights: first biases of block1_conv1, kernels transposed HWIO -> OIHW', async () => {
  const m = decodeModel(byDeepest.relu3_1.bytes);
  const init = Object.fromEntries(m.graph.initializers.map((t) => [t.name, t]));
  const f32 = (t) => new Float32Array(t.raw.slice().buffer);
  const bias = f32(init['block1_conv1/b']);
  assert.deepEqual(init['block1_conv1/b'].dims, [64]);
  [0.73018, 0.06494, 0.03429, 0.82604].forEach((v, i) => assert.ok(Math.abs(bias[i] - v) < 5e-6, `bias[${i}] = ${bias[i]}`));

  // block2_conv1: compare every value with the raw HWIO shard.
  const t = init['block2_conv1/W'];
  assert.deepEqual(t.dims, [128, 64, 3, 3]);
  const W = f32(t);
  const shard = await fs.readFile(path.join(DEFAULT_SOURCE, 'group3-shard1of1'));
  const hwio = new Float32Array(shard.buffer.slice(shard.byteOffset, shard.byteOffset + 3 * 3 * 64 * 128 * 4));
  let mismatches = 0;
  for (let o = 0; o < 128; o++)
    for (let i = 0; i < 64; i++)
      for (let h = 0; h < 3; h++)
        for (let w = 0; w < 3; w++) if (W[((o * 64 + i) * 3 + h) * 3 + w] !== hwio[((h * 3 + w) * 64 + i) * 128 + o]) mismatches++;
  assert.equal(mismatches, 0);
  const pre = Object.fromEntries(['bgr_index', 'mean_bgr', 'scale_255'].map((n) => [n, init[n]]));
  assert.deepEqual(Array.from(new BigInt64Array(pre.bgr_index.raw.slice().buffer), Number), [2, 1, 0]);
  assert.deepEqual(Array.from(f32(pre.mean_bgr)), [103.939, 116.779, 123.68].map(Math.fround));
  assert.deepEqual(Array.from(f32(pre.scale_255)), [255]);
});

test('ONNX Runtime loads every model; dynamic H, W; floor pooling', async () => {
  for (const b of built) {
    const s = await ort.InferenceSession.create(b.bytes);
    try {
      assert.deepEqual(s.inputNames, ['image']);
      assert.deepEqual(s.outputNames, b.outputs);
      for (const [h, w] of [
        [13, 9],
        [16, 21],
      ]) {
        const r = await s.run({ image: new ort.Tensor('float32', new Float32Array(3 * h * w).fill(0.5), [1, 3, h, w]) });
        for (const l of b.outputs) {
          const { channels, stride } = layerGeometry(l);
          assert.deepEqual(r[l].dims, [1, channels, Math.floor(h / stride), Math.floor(w / stride)]);
        }
      }
    } finally {
      await s.release();
    }
  }
});

test('onnx.checker accepts the models (optional: Debian python3-onnx)', async (t) => {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return t.skip('no /usr/bin/python3');
  try {
    await run(py, ['-c', 'import onnx']);
  } catch {
    return t.skip('python3-onnx not installed');
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sc-onnx-'));
  try {
    for (const b of built) await fs.writeFile(path.join(dir, b.file), b.bytes);
    const script =
      'import onnx, sys\n' +
      'for f in sys.argv[1:]:\n' +
      '    onnx.checker.check_model(onnx.load(f), full_check=True)\n' +
      "print('ok')\n";
    const { stdout } = await run(py, ['-c', script, ...built.map((b) => path.join(dir, b.file))]);
    assert.equal(stdout.trim(), 'ok');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('CLI: builds into --out, --check passes, then fails on a corrupted or missing model', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sc-model-'));
  try {
    await run(process.execPath, [BUILDER, '--out', dir]);
    for (const m of manifest.models) {
      assert.equal(sha256Hex(await fs.readFile(path.join(dir, m.file))), m.sha256);
    }
    assert.deepEqual((await fs.readdir(dir)).sort(), manifest.models.map((m) => m.file).sort(), 'no temporary files left');
    const { stdout } = await run(process.execPath, [BUILDER, '--check', '--out', dir]);
    assert.match(stdout, /^ok:/);

    const f = path.join(dir, manifest.models[1].file);
    const bytes = await fs.readFile(f);
    bytes[bytes.length >> 1] ^= 0x01;
    await fs.writeFile(f, bytes);
    await fs.rm(path.join(dir, manifest.models[2].file));
    await assert.rejects(run(process.execPath, [BUILDER, '--check', '--out', dir]), (/** @type {any} */ e) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, new RegExp(`${manifest.models[1].file}: .*sha256`));
      assert.match(e.stderr, new RegExp(`${manifest.models[2].file}: missing`));
      return true;
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('CLI: a source file that does not match the manifest is refused with a clear error', async () => {
  const src = await fs.mkdtemp(path.join(os.tmpdir(), 'sc-src-'));
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'sc-out-'));
  try {
    for (const f of manifest.source.files) await fs.copyFile(path.join(DEFAULT_SOURCE, f.path), path.join(src, f.path));
    const shard = path.join(src, 'group2-shard1of1');
    const bytes = await fs.readFile(shard);
    bytes[100] ^= 0x80;
    await fs.writeFile(shard, bytes);
    await assert.rejects(run(process.execPath, [BUILDER, '--source', src, '--out', out]), (/** @type {any} */ e) => {
      assert.match(e.stderr, /group2-shard1of1 does not match the manifest/);
      assert.match(e.stderr, new RegExp(manifest.source.files.find((x) => x.path === 'group2-shard1of1').sha256));
      return true;
    });
    assert.deepEqual(await fs.readdir(out), [], 'nothing written');
  } finally {
    await fs.rm(src, { recursive: true, force: true });
    await fs.rm(out, { recursive: true, force: true });
  }
});

test('--source URL: the same files over HTTP give the same models; HTTP errors are reported', async () => {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    try {
      if (url.pathname.startsWith('/missing/')) throw new Error('not found');
      res.end(await fs.readFile(path.join(DEFAULT_SOURCE, path.basename(url.pathname))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  const origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  try {
    const viaHttp = await buildAll(manifest, `${origin}/vgg19-tensorflowjs-model/model`);
    assert.deepEqual(viaHttp.map((b) => b.sha256), built.map((b) => b.sha256));
    await assert.rejects(buildAll(manifest, `${origin}/missing/`), /cannot read VGG-19 source file .*\/missing\/model\.json: HTTP 404/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
