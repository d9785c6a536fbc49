// Node and Chromium decode the same ICC-tagged files alike (issue 9 fault 6): a crop of the
// example pair, tagged with a real camera photo's profile (tests/icc-fixtures.mjs), as a JPEG and
// as a PNG, decoded by the package in headless Chromium (a Blob: the worker's createImageBitmap +
// sRGB canvas, which converts the profile with skcms) and in Node (the wasm core: Little CMS).
// Both go through applyLut with an identity LUT, so each is the package's own decode path. The
// page also decodes each file without colour conversion, which shows that the profile matters
// (else agreement would prove nothing) and that the two JPEG decoders (libjpeg-turbo in both:
// Chromium's, and the one compiled into the core) agree exactly before any colour conversion.
// And an ImageData in 'display-p3' is converted to sRGB.
//  - PNG (lossless: the colour conversions alone): within 2/255 (measured: 1).
//  - JPEG: the same pixels before conversion; within 2/255 after it (measured: 1; the colour
//    conversions alone, skcms vs Little CMS, as for the PNG).
// Needs dist/ (bash tools/build.sh), ../shared and /usr/bin/chromium (else skipped).
//
//   node --test tests/browser/icc.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { IDENTITY_CUBE, cameraTaggedJpeg, cameraTaggedPng, examplePixelsPng, rgbDifference, withProfile } from '../icc-fixtures.mjs';
import { chromiumMissing as skip, distUrl, launchChromium, serve } from '../support.mjs';

// The page: the bundled package (./pkg/) decodes a file; window.decodeTagged(cube, url) returns
// its pixels (base64), and those of the browser's decode without colour conversion.
const PAGE = `<!doctype html>
<meta charset="utf-8" />
<title>supercolor: ICC decode</title>
<script type="module">
  import { createColorTransfer } from './pkg/index.js';
  const base64 = (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  window.decodeTagged = async (cube, url) => {
    const blob = await (await fetch(url)).blob();
    const logs = [];
    const ct = await createColorTransfer({ baseUrl: new URL('./pkg/', location.href).href, logger: (level, message) => logs.push(level + ': ' + message) });
    const result = await ct.applyLut(cube, blob);
    ct.dispose();
    const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
    context.drawImage(bitmap, 0, 0);
    const raw = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { width: result.width, height: result.height, data: base64(new Uint8Array(result.data.buffer)), raw: base64(new Uint8Array(raw.buffer)), logs };
  };
  // A 'display-p3' ImageData given to the package, and the same pixels converted by the browser
  // itself (putImageData onto an sRGB canvas).
  window.displayP3 = async (cube) => {
    const width = 64, height = 48, data = new Uint8ClampedArray(4 * width * height);
    for (let i = 0; i < width * height; i++) data.set([40 + (i % width) * 3, 200 - (i % 37), 60 + ((i / width) | 0) * 3, 255], 4 * i);
    const p3 = new ImageData(data, width, height, { colorSpace: 'display-p3' });
    const ct = await createColorTransfer({ baseUrl: new URL('./pkg/', location.href).href, logger: () => undefined });
    const result = await ct.applyLut(cube, p3);
    ct.dispose();
    const context = new OffscreenCanvas(width, height).getContext('2d', { colorSpace: 'srgb' });
    context.putImageData(p3, 0, 0);
    const browser = context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
    return { data: base64(new Uint8Array(result.data.buffer)), browser: base64(new Uint8Array(browser.buffer)), raw: base64(new Uint8Array(data.buffer)) };
  };
  window.__ready = true;
</script>`;

describe('ICC-tagged JPEG: Node and Chromium agree', { skip }, () => {
  let root;
  let server;
  let browser;
  const files = {};

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'supercolor-browser-icc-'));
    const { bundleWeb } = await import('../../tools/bundle-web.mjs');
    await bundleWeb(path.join(root, 'pkg'));
    files['tagged.jpg'] = await cameraTaggedJpeg();
    files['tagged.png'] = await cameraTaggedPng();
    for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(root, name), bytes);
    writeFileSync(path.join(root, 'icc.html'), PAGE);
    server = await serve(root, false);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function decodeBoth(name) {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${server.url}icc.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });
    const chromium = await page.evaluate(([cube, url]) => window.decodeTagged(cube, url), [IDENTITY_CUBE, `./${name}`]);
    await page.close();
    assert.deepEqual(problems, []);
    assert.ok(!chromium.logs.some((line) => /colour profile/.test(line)), chromium.logs.join(' | '));

    const { createColorTransfer } = await import(distUrl('index.js'));
    const { decodeImage } = await import(distUrl('codec.js'));
    const ct = await createColorTransfer({ threads: 1, logger: () => undefined });
    const node = await ct.applyLut(IDENTITY_CUBE, files[name]);
    ct.dispose();
    assert.equal(chromium.width, node.width);
    assert.equal(chromium.height, node.height);
    const inChromium = new Uint8Array(Buffer.from(chromium.data, 'base64'));
    const unconvertedInChromium = new Uint8Array(Buffer.from(chromium.raw, 'base64'));
    // Node's decode of the same file with its profile segments or chunk removed, i.e. as sRGB.
    const untagged = await decodeImage(name.endsWith('.png') ? await examplePixelsPng() : withProfile(files[name], null));
    let within2 = 0;
    for (let i = 0; i < inChromium.length; i++) if (i % 4 !== 3 && Math.abs(inChromium[i] - node.data[i]) <= 2) within2++;
    return {
      agreement: { ...rgbDifference(inChromium, node.data), within2: within2 / ((inChromium.length / 4) * 3) },
      decoders: rgbDifference(unconvertedInChromium, untagged.data),
      profileEffect: rgbDifference(untagged.data, node.data),
    };
  }

  const report = (t, name, r) => t.diagnostic(`${name}: Node vs Chromium max ${r.agreement.max}/255, mean ${r.agreement.mean.toFixed(3)}, ${(100 * r.agreement.within2).toFixed(3)} % within 2; decoders without conversion max ${r.decoders.max}; profile effect max ${r.profileEffect.max}, mean ${r.profileEffect.mean.toFixed(2)}`);

  test('a display-p3 ImageData is converted to sRGB as the browser converts it', { timeout: 120_000 }, async (t) => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}icc.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });
    const r = await page.evaluate((cube) => window.displayP3(cube), IDENTITY_CUBE);
    await page.close();
    const [data, inBrowser, raw] = [r.data, r.browser, r.raw].map((b) => new Uint8Array(Buffer.from(b, 'base64')));
    const agreement = rgbDifference(data, inBrowser);
    const effect = rgbDifference(data, raw);
    t.diagnostic(`display-p3 ImageData: package vs browser max ${agreement.max}; vs unconverted max ${effect.max}, mean ${effect.mean.toFixed(2)}`);
    assert.ok(agreement.max <= 1, `package and browser differ by ${agreement.max}`);
    assert.ok(effect.max >= 10, 'the conversion changes the pixels');
  });

  test('PNG with an iCCP profile: within 2/255', { timeout: 120_000 }, async (t) => {
    const r = await decodeBoth('tagged.png');
    report(t, 'PNG', r);
    assert.equal(r.decoders.max, 0, 'PNG decoders are exact');
    assert.ok(r.profileEffect.max >= 8 && r.profileEffect.mean >= 2, 'the profile changes the pixels');
    assert.ok(r.agreement.max <= 2, `Node and Chromium differ by ${r.agreement.max}/255`);
  });

  test('JPEG with an APP2 profile: the same decoded pixels, within 2/255 after conversion', { timeout: 120_000 }, async (t) => {
    const r = await decodeBoth('tagged.jpg');
    report(t, 'JPEG', r);
    assert.equal(r.decoders.max, 0, 'the JPEG decoders (libjpeg-turbo both) agree exactly before conversion');
    assert.ok(r.profileEffect.max >= 8 && r.profileEffect.mean >= 2, 'the profile changes the pixels');
    assert.ok(r.agreement.max <= 2, `Node and Chromium differ by ${r.agreement.max}/255`);
    assert.ok(r.agreement.mean <= 0.1, `mean difference ${r.agreement.mean}`);
  });
});
