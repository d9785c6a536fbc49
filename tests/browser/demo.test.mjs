// The demo page, end to end in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core), on the built page (tools/build-demo.mjs) served by tools/serve.mjs.
//
//   node --test tests/browser/
//
// Environment: SUPERCOLOR_CHROMIUM or CHROMIUM (default /usr/bin/chromium); SUPERCOLOR_DEMO_DIR
// to test an existing build instead of building one; screenshots and figures go to
// out/test-artifacts/browser/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

import { CHROMIUM, ROOT, launchChromium } from '../support.mjs';

// Service-worker requests are only reported to context.on('request') with this switch (set
// before playwright-core is loaded: launchChromium imports it when first called).
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';
const { startServer } = await import('../../tools/serve.mjs');
const { buildDemo } = await import('../../tools/build-demo.mjs');

const ARTIFACTS = join(ROOT, 'out/test-artifacts/browser');
const STAGES = ['decode', 'segment', 'features', 'match', 'fuse', 'regrain', 'upsample'];
const RUN_TIMEOUT = 240_000;

let demoDir;
const figures = {};
const profiles = [];

async function launch({ webgpu = false, viewport = { width: 1280, height: 900 }, bypassCSP = false } = {}) {
  const { context, profile } = await launchChromium({
    args: webgpu ? ['--enable-unsafe-webgpu'] : [],
    viewport,
    acceptDownloads: true,
    bypassCSP,
  });
  profiles.push(profile);
  const requests = [];
  const problems = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return { context, page, requests, problems };
}

async function openPage(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.__supercolor?.ready === true, null, { timeout: 90_000 });
}

async function loadExample(page) {
  await page.click('#example-button');
  await page.waitForFunction(() => Boolean(window.__supercolor.inputs.target && window.__supercolor.inputs.reference), null, { timeout: 30_000 });
}

/** Clicks Recolour and waits for the run to end; returns {ms, error}. */
async function runAndWait(page) {
  const runsBefore = await page.evaluate(() => window.__supercolor.runs);
  await page.waitForFunction(() => !document.getElementById('run-button').disabled, null, { timeout: 30_000 });
  const t0 = Date.now();
  await page.click('#run-button');
  await page.waitForFunction((n) => window.__supercolor.runs > n && !window.__supercolor.running, runsBefore, { timeout: RUN_TIMEOUT });
  const ms = Date.now() - t0;
  const error = await page.evaluate(() => window.__supercolor.lastError);
  return { ms, error };
}

function statusText(page, key) {
  return page.locator(`#status-${key}`).innerText();
}

async function messageText(page) {
  return (await page.locator('#message').isVisible()) ? page.locator('#message').innerText() : '';
}

async function tinyPng(width, height) {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([200, 120, 40, 255], i);
  return PNG.sync.write(png);
}

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  await mkdir(ARTIFACTS, { recursive: true });
  demoDir = process.env.SUPERCOLOR_DEMO_DIR ?? (await buildDemo({ quiet: true })).out;
});

after(async () => {
  for (const profile of profiles) await rm(profile, { recursive: true, force: true }).catch(() => undefined);
  if (Object.keys(figures).length) await writeFile(join(ARTIFACTS, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

describe('tools/serve.mjs', () => {
  test('COOP/COEP by default (off on request), MIME types, revalidation, gzip, nothing outside root', async () => {
    const isolated = await startServer({ root: demoDir, port: 0 });
    const plain = await startServer({ root: demoDir, port: 0, isolation: false });
    try {
      assert.match(isolated.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(isolated.url);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.match(page.headers.get('content-type'), /^text\/html/);
      const noHeaders = await fetch(plain.url);
      assert.equal(noHeaders.status, 200);
      assert.equal(noHeaders.headers.get('cross-origin-opener-policy'), null);
      assert.equal(noHeaders.headers.get('cross-origin-embedder-policy'), null);
      const types = { 'wasm/supercolor-simd.wasm': 'application/wasm', 'wasm/supercolor-simd.mjs': 'text/javascript', 'models/vgg19-relu1_2.onnx': 'application/octet-stream', 'assets/main.js': 'text/javascript', 'sw.js': 'text/javascript', 'manifest.webmanifest': 'application/manifest+json' };
      for (const [path, type] of Object.entries(types)) {
        const response = await fetch(new URL(path, isolated.url));
        assert.equal(response.status, 200, path);
        assert.ok(response.headers.get('content-type').startsWith(type), `${path}: ${response.headers.get('content-type')}`);
        await response.arrayBuffer();
      }
      const wasm = await fetch(new URL('wasm/supercolor-simd.wasm', isolated.url));
      assert.equal(wasm.headers.get('content-encoding'), 'gzip');
      assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())), 'the gzip body decodes to the wasm module');
      const again = await fetch(new URL('wasm/supercolor-simd.wasm', isolated.url), { headers: { 'If-None-Match': wasm.headers.get('etag') } });
      assert.equal(again.status, 304);
      for (const bad of ['/../package.json', '/%2e%2e/package.json', '/.hidden', '/nope.txt']) {
        const { request } = await import('node:http');
        const status = await new Promise((resolvePromise, reject) => {
          const req = request(new URL(isolated.url), { path: bad }, (res) => {
            res.resume();
            resolvePromise(res.statusCode);
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 404, bad);
      }
      assert.equal((await fetch(new URL('models', isolated.url), { redirect: 'manual' })).status, 301);
      assert.equal((await fetch(isolated.url, { method: 'POST' })).status, 405);
    } finally {
      await isolated.close();
      await plain.close();
    }
  });
});

describe('demo page on a host with COOP/COEP', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer({ root: demoDir, port: 0, isolation: true });
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    await browser?.context.close();
    await server?.close();
  });

  test('runs the example: result differs from the target, every stage reported, backend named', async () => {
    // Cold: a fresh profile, from navigation to the first result.
    const t0 = Date.now();
    await openPage(page, server.url);
    await loadExample(page);
    const { ms, error } = await runAndWait(page);
    assert.equal(error, null, `the run failed: ${JSON.stringify(error)}`);
    figures.coldVisitToResultMs = Date.now() - t0;
    figures.coldRunMs = ms;
    figures.firstVisitBytesToResult = server.requests.reduce((sum, r) => sum + r.bytes, 0);
    await page.locator('#result-section').waitFor({ state: 'visible' });
    const check = await page.evaluate(() => {
      const s = window.__supercolor;
      const r = s.lastResult;
      const before = document.getElementById('before-canvas').getContext('2d').getImageData(0, 0, r.width, r.height).data;
      const after = document.getElementById('after-canvas').getContext('2d').getImageData(0, 0, r.width, r.height).data;
      let diff = 0;
      let shown = 0;
      for (let i = 0; i < before.length; i += 4) {
        diff += Math.abs(before[i] - after[i]) + Math.abs(before[i + 1] - after[i + 1]) + Math.abs(before[i + 2] - after[i + 2]);
        shown += after[i] === r.data[i] && after[i + 1] === r.data[i + 1] && after[i + 2] === r.data[i + 2] ? 1 : 0;
      }
      return { width: r.width, height: r.height, meanDiff: diff / (3 * r.width * r.height), shownFraction: shown / (r.width * r.height), stages: s.stagesSeen, backend: r.backend };
    });
    assert.equal(check.width, 481);
    assert.equal(check.height, 361);
    assert.ok(check.shownFraction > 0.999, 'the after canvas shows the result');
    assert.ok(check.meanDiff > 5, `the result should differ from the target (mean |Δ| = ${check.meanDiff})`);
    assert.deepEqual(check.stages, STAGES, 'the progress passed through every stage in order');
    const features = await statusText(page, 'features');
    assert.match(features, /WebAssembly|WebGPU/);
    assert.match(await statusText(page, 'core'), /threaded build, \d+ threads/);
    assert.match(await statusText(page, 'timings'), /features .* regrain/);
    assert.match(await statusText(page, 'sizes'), /481×361/);
    await page.screenshot({ path: join(ARTIFACTS, 'example-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'example-narrow.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling on a narrow screen (${overflow}px too wide)`);
    await page.setViewportSize({ width: 1280, height: 900 });

    // A second run in the same page (engine loaded), for the figures.
    const again = await runAndWait(page);
    assert.equal(again.error, null);
    figures.secondRunSamePageMs = again.ms;
    figures.secondRunTimings = await page.evaluate(() => window.__supercolor.status.timings);
  });

  test('views: boundaries, direct matching, and the attention heat map whose weights sum to 1', async () => {
    await page.check('#boundaries-toggle');
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('reference-overlay');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) n += d[i] > 0 ? 1 : 0;
      return n / (c.width * c.height);
    });
    assert.ok(drawn > 0.02 && drawn < 0.6, `boundaries drawn on the reference (${drawn})`);
    await page.check('input[name=after-mode][value=direct]');
    const direct = await page.evaluate(() => {
      const r = window.__supercolor.lastResult;
      const i = r.intermediates;
      const d = document.getElementById('after-canvas').getContext('2d').getImageData(0, 0, r.width, r.height).data;
      // Every pixel of the direct-matching image is its superpixel's c(i).
      let bad = 0;
      for (let p = 0; p < r.width * r.height; p += 97) {
        const l = i.labelsTarget[p];
        for (let c = 0; c < 3; c++) if (Math.abs(d[4 * p + c] - Math.round(i.directColors[3 * l + c] * 255)) > 1) bad++;
      }
      return bad;
    });
    assert.equal(direct, 0, 'the direct-matching view paints each target superpixel with c(i)');
    await page.check('input[name=after-mode][value=result]');
    await page.uncheck('#boundaries-toggle');

    await page.check('#attention-toggle');
    const canvas = page.locator('#attention-target');
    await canvas.waitFor({ state: 'visible' });
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    await canvas.click({ position: { x: box.width * 0.3, y: box.height * 0.7 } });
    const picked = await page.evaluate(() => {
      const s = window.__supercolor;
      const i = s.lastResult.intermediates;
      const c = document.getElementById('attention-target');
      return { index: s.selectedSuperpixel, nR: i.superpixelsReference, nT: i.superpixelsTarget, length: s.selectedAttentionRow.length,
        sum: s.selectedAttentionRow.reduce((a, b) => a + b, 0), min: Math.min(...s.selectedAttentionRow), width: c.width, height: c.height,
        expected: i.labelsTarget[Math.floor(0.7 * i.targetRgba.height) * i.targetRgba.width + Math.floor(0.3 * i.targetRgba.width)] };
    });
    assert.equal(picked.length, picked.nR);
    assert.ok(Math.abs(picked.sum - 1) < 1e-3, `attention weights sum to ${picked.sum}`);
    assert.ok(picked.min >= 0);
    assert.equal(picked.index, picked.expected, 'the clicked superpixel is selected');
    // The heat map: the reference superpixel with the largest weight is painted brightest.
    const heat = await page.evaluate(() => {
      const s = window.__supercolor;
      const i = s.lastResult.intermediates;
      const row = s.selectedAttentionRow;
      let best = 0;
      for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
      const c = document.getElementById('attention-reference');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let bright = 0;
      let brightest = -1;
      for (let p = 0; p < i.labelsReference.length; p++) {
        const v = d[4 * p] + d[4 * p + 1] + d[4 * p + 2];
        if (v > bright) {
          bright = v;
          brightest = i.labelsReference[p];
        }
      }
      return { best, brightest, weight: row[best], weightBrightest: row[brightest] };
    });
    assert.ok(heat.weightBrightest >= heat.weight * 0.9, `the brightest reference superpixel is (nearly) the most attended (${JSON.stringify(heat)})`);
    // Keyboard: arrow keys move the selection.
    const first = picked.index;
    await canvas.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const moved = await page.evaluate(() => window.__supercolor.selectedSuperpixel);
    assert.notEqual(moved, first, 'arrow keys select another superpixel');
    await page.screenshot({ path: join(ARTIFACTS, 'attention.png'), fullPage: true });
    await page.uncheck('#attention-toggle');
  });

  test('download gives a full-resolution PNG', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-button')]);
    const file = join(ARTIFACTS, 'download.png');
    await download.saveAs(file);
    const png = PNG.sync.read(await (await import('node:fs/promises')).readFile(file));
    assert.equal(png.width, 481);
    assert.equal(png.height, 361);
    assert.match(download.suggestedFilename(), /supercolor\.png$/);
  });

  test('cancel during a run leaves the page usable; a second run succeeds', async () => {
    const runsBefore = await page.evaluate(() => window.__supercolor.runs);
    await page.click('#run-button');
    await page.waitForFunction(() => window.__supercolor.running && window.__supercolor.stagesSeen.length > 0, null, { timeout: 60_000 });
    await page.click('#cancel-button');
    await page.waitForFunction((n) => window.__supercolor.runs > n && !window.__supercolor.running, runsBefore, { timeout: 30_000 });
    assert.equal((await page.evaluate(() => window.__supercolor.lastError))?.code, 'aborted');
    assert.match(await messageText(page), /Cancelled/);
    assert.equal(await page.locator('#run-button').isEnabled(), true);
    assert.equal(await page.locator('#cancel-button').isEnabled(), false);
    const again = await runAndWait(page);
    assert.equal(again.error, null, `the run after cancelling failed: ${JSON.stringify(again.error)}`);
    assert.equal(await messageText(page), '');
  });

  test('a corrupt file and a 1×1 image give a readable error, and the page keeps working', async () => {
    const before = await page.evaluate(() => window.__supercolor.inputs.target.name);
    await page.setInputFiles('#target-file', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('this is a text file, not a PNG\n') });
    await page.waitForFunction(() => window.__supercolor.lastError?.where === 'input', null, { timeout: 10_000 });
    const corrupt = await messageText(page);
    assert.match(corrupt, /broken\.png/);
    assert.match(corrupt, /could not be decoded|not an image/i);
    assert.equal(await page.evaluate(() => window.__supercolor.inputs.target.name), before, 'the previous target is kept');

    await page.setInputFiles('#target-file', { name: 'one-pixel.png', mimeType: 'image/png', buffer: await tinyPng(1, 1) });
    await page.waitForFunction(() => window.__supercolor.lastError?.message?.includes('one-pixel.png'), null, { timeout: 10_000 });
    const tiny = await messageText(page);
    assert.match(tiny, /one-pixel\.png.*1×1.*too small/);
    assert.equal(await page.locator('#message').getAttribute('class'), 'message error');
    assert.equal(await page.evaluate(() => window.__supercolor.inputs.target.name), before, 'the previous target is kept');

    await loadExample(page);
    const ok = await runAndWait(page);
    assert.equal(ok.error, null, `the page must keep working: ${JSON.stringify(ok.error)}`);
  });

  test('drag-and-drop and paste choose the images', async () => {
    const png = (await tinyPng(24, 16)).toString('base64');
    const names = await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const file = (name) => new File([bytes], name, { type: 'image/png' });
      const drop = new DataTransfer();
      drop.items.add(file('dropped.png'));
      const zone = document.getElementById('picker-reference');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: drop, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
      document.getElementById('picker-target').focus();
      const paste = new DataTransfer();
      paste.items.add(file('pasted.png'));
      document.getElementById('picker-target').dispatchEvent(new ClipboardEvent('paste', { clipboardData: paste, bubbles: true, cancelable: true }));
      const s = window.__supercolor;
      for (let i = 0; i < 100 && !(s.inputs.target?.name === 'pasted.png' && s.inputs.reference?.name === 'dropped.png'); i++) await new Promise((r) => setTimeout(r, 50));
      return [s.inputs.target?.name, s.inputs.reference?.name, s.inputs.target?.width];
    }, png);
    assert.deepEqual(names, ['pasted.png', 'dropped.png', 24]);
    assert.match(await page.locator('#target-meta').innerText(), /pasted\.png · 24×16/);
  });

  test('warm cache: a second visit gets everything from the cache', async () => {
    await page.waitForFunction(() => window.__supercolor.offline?.state === 'ready', null, { timeout: 120_000 });
    figures.firstVisitBytesAll = server.requests.reduce((sum, r) => sum + r.bytes, 0);
    figures.firstVisitRequests = server.requests.length;
    const served = server.requests.length;
    const t0 = Date.now();
    await page.reload();
    await page.waitForFunction(() => window.__supercolor?.ready === true, null, { timeout: 60_000 });
    await loadExample(page);
    const { error } = await runAndWait(page);
    assert.equal(error, null);
    figures.warmVisitToResultMs = Date.now() - t0;
    const again = server.requests.slice(served);
    figures.warmVisitBytes = again.reduce((sum, r) => sum + r.bytes, 0);
    figures.warmVisitRequests = again.map((r) => `${r.status} ${r.path}`);
  });

  test('offline: after the first visit, reload with the network off and run the example', async () => {
    await page.waitForFunction(() => window.__supercolor.offline?.state === 'ready', null, { timeout: 120_000 });
    await browser.context.setOffline(true);
    try {
      await page.reload();
      await page.waitForFunction(() => window.__supercolor?.ready === true && window.__supercolor.offline?.state === 'ready', null, { timeout: 60_000 });
      assert.match(await statusText(page, 'offline'), /available offline/);
      await loadExample(page);
      const { error } = await runAndWait(page);
      assert.equal(error, null, `offline run failed: ${JSON.stringify(error)}`);
      assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));
    } finally {
      await browser.context.setOffline(false);
    }
  });

  test('every request is to the page’s own origin', async () => {
    const origin = new URL(server.url).origin;
    assert.ok(browser.requests.length > 10, 'requests were recorded');
    assert.ok(browser.requests.some((url) => url.includes('/ort/ort-wasm')), 'requests made by the workers are observed too');
    const foreign = browser.requests.filter((url) => !(url.startsWith(`${origin}/`) || url.startsWith(`blob:${origin}/`) || url.startsWith('data:')));
    assert.deepEqual(foreign, []);
    // The server saw the page, the worker, the core, the model and the ONNX Runtime files.
    const paths = server.requests.map((r) => r.path);
    for (const expected of ['/assets/worker.js', '/models/vgg19-relu1_2.onnx', '/sw.js']) assert.ok(paths.some((p) => p.startsWith(expected)), `${expected} was served`);
    assert.deepEqual(await page.evaluate(() => window.__supercolor.cspViolations), [], 'no Content-Security-Policy violation');
    assert.deepEqual(browser.problems.filter((p) => !/No available adapters|Failed to load resource.*ERR_INTERNET_DISCONNECTED/.test(p)), []);
  });
});

describe('demo page on a host without COOP/COEP', () => {
  let server;

  before(async () => {
    server = await startServer({ root: demoDir, port: 0, isolation: false });
  });
  after(async () => server?.close());

  test('the service worker provides cross-origin isolation, threads run, and the status says so', async () => {
    const browser = await launch();
    try {
      const t0 = Date.now();
      await openPage(browser.page, server.url);
      assert.equal(await browser.page.evaluate(() => window.crossOriginIsolated), true);
      assert.match(await statusText(browser.page, 'core'), /threads \(cross-origin isolation provided by the service worker\)/);
      await loadExample(browser.page);
      const { error } = await runAndWait(browser.page);
      assert.equal(error, null, JSON.stringify(error));
      figures.firstResultColdNoHeadersMs = Date.now() - t0;
      const origin = new URL(server.url).origin;
      assert.deepEqual(browser.requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith(`blob:${origin}/`)), []);
    } finally {
      await browser.context.close();
    }
  });

  test('without a service worker (?nosw) the page falls back to the single-threaded core and says why', async () => {
    const browser = await launch();
    try {
      await openPage(browser.page, `${server.url}?nosw&maxSide=160`);
      assert.equal(await browser.page.evaluate(() => window.crossOriginIsolated), false);
      const core = await statusText(browser.page, 'core');
      assert.match(core, /single-threaded build/);
      assert.match(core, /cross-origin isolated|COOP|SharedArrayBuffer/);
      await loadExample(browser.page);
      const { error } = await runAndWait(browser.page);
      assert.equal(error, null, JSON.stringify(error));
      assert.equal(await browser.page.evaluate(() => window.__supercolor.lastResult.backend.core), 'simd');
      assert.match(await statusText(browser.page, 'sizes'), /worked at 160×120/);
    } finally {
      await browser.context.close();
    }
  });
});

describe('accessibility', () => {
  let server;
  before(async () => {
    server = await startServer({ root: demoDir, port: 0, isolation: true });
  });
  after(async () => server?.close());

  test('keyboard only: every control is reachable, the example runs, the views respond; no axe-core violations', async (t) => {
    let axeSource = null;
    try {
      axeSource = await (await import('node:fs/promises')).readFile(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
    } catch {
      // reported below
    }
    // bypassCSP only so that axe-core can be injected; the page itself is unchanged.
    const browser = await launch({ bypassCSP: true });
    const { page } = browser;
    try {
      await openPage(page, server.url);
      const focusOrder = async (count) => {
        const seen = [];
        for (let i = 0; i < count; i++) {
          await page.keyboard.press('Tab');
          seen.push(await page.evaluate(() => {
            const e = document.activeElement;
            return e?.id || e?.getAttribute('name') || e?.tagName.toLowerCase();
          }));
        }
        return seen;
      };
      await page.evaluate(() => document.activeElement?.blur());
      const order = await focusOrder(14);
      for (const id of ['example-button', 'picker-target', 'target-file', 'swap-button', 'picker-reference', 'reference-file']) assert.ok(order.includes(id), `${id} is reachable with Tab (order: ${order.join(', ')})`);
      await page.focus('#example-button');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => Boolean(window.__supercolor.inputs.target && window.__supercolor.inputs.reference), null, { timeout: 30_000 });
      // Tab on to the parameters and open them with the keyboard.
      await page.focus('#reference-file');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SUMMARY');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.getElementById('params-details').open), true);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'p-superpixels');
      await page.focus('#run-button');
      const runs = await page.evaluate(() => window.__supercolor.runs);
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => window.__supercolor.runs > n && !window.__supercolor.running, runs, { timeout: RUN_TIMEOUT });
      assert.equal(await page.evaluate(() => window.__supercolor.lastError), null);
      // The before/after divider and the view switches work from the keyboard.
      await page.focus('#compare-range');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      assert.equal(await page.inputValue('#compare-range'), '48');
      await page.focus('#attention-toggle');
      await page.keyboard.press('Space');
      assert.equal(await page.locator('#attention-panel').isVisible(), true);
      await page.focus('#attention-target');
      await page.keyboard.press('Home');
      assert.equal(await page.evaluate(() => window.__supercolor.selectedSuperpixel), 0);
      await page.keyboard.press('ArrowDown');
      assert.notEqual(await page.evaluate(() => window.__supercolor.selectedSuperpixel), 0);

      if (!axeSource) {
        t.skip('axe-core is not installed (npm install: it is a devDependency of the browser tests)');
        return;
      }
      await page.evaluate((src) => {
        const script = document.createElement('script');
        script.textContent = src;
        document.head.append(script);
      }, axeSource);
      const violations = await page.evaluate(async () =>
        (await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] })).violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`),
      );
      assert.deepEqual(violations, []);
    } finally {
      await browser.context.close();
    }
  });
});

describe('WebGPU (SwiftShader)', () => {
  let server;
  before(async () => {
    server = await startServer({ root: demoDir, port: 0, isolation: true });
  });
  after(async () => server?.close());

  test('features on WebGPU, status says WebGPU, and the result matches the wasm run within 1/255', async () => {
    const browser = await launch({ webgpu: true });
    const { page } = browser;
    try {
      // A tiny working size: SwiftShader is about 80× slower than wasm.
      await openPage(page, `${server.url}?features=webgpu&maxSide=40`);
      await loadExample(page);
      const gpu = await runAndWait(page);
      assert.equal(gpu.error, null, `WebGPU run failed: ${JSON.stringify(gpu.error)}`);
      assert.match(await statusText(page, 'features'), /^WebGPU/);
      const gpuData = await page.evaluate(() => Array.from(window.__supercolor.lastResult.data));
      await page.click('#params-details summary');
      await page.selectOption('#p-features', 'wasm');
      const cpu = await runAndWait(page);
      assert.equal(cpu.error, null, `wasm run failed: ${JSON.stringify(cpu.error)}`);
      assert.match(await statusText(page, 'features'), /^WebAssembly/);
      const cpuData = await page.evaluate(() => Array.from(window.__supercolor.lastResult.data));
      assert.equal(gpuData.length, cpuData.length);
      let maxDiff = 0;
      for (let i = 0; i < gpuData.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gpuData[i] - cpuData[i]));
      figures.webgpuVsWasmMaxDiff = maxDiff;
      assert.ok(maxDiff <= 1, `WebGPU and wasm results differ by ${maxDiff}/255`);
    } finally {
      await browser.context.close();
    }
  });
});
