// ICC-tagged JPEGs for the colour-profile tests (tests/node/icc.test.mjs, tests/browser/icc.test.mjs),
// built at test time: a crop of the example pair encoded by the package (encodeJpeg, quality 95,
// so no chroma subsampling), whose sRGB profile is replaced by the ICC profile of a real camera
// photo in ../shared (02_beach_coast/reference.jpg: "Camera RGB Profile", ICC v2.2, scanner
// class, one APP2 segment of 1352 bytes; its primaries are far enough from sRGB that reading the
// file as sRGB is off by up to ~40 levels on saturated colours). Not a test file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

import { PAIR, ROOT, crop, distUrl, readPng } from './support.mjs';

/** The real camera photo whose embedded profile the tests use (never committed). */
export const PROFILE_PHOTO = path.resolve(ROOT, '../shared/testdata/large/02_beach_coast/reference.jpg');

const ICC_SIGNATURE = Buffer.from('ICC_PROFILE\0', 'latin1');

/** JPEG segments before the first scan: [{marker, payload}], and the bytes from SOS on. */
export function splitJpeg(bytes) {
  const segments = [];
  let pos = 2;
  while (bytes[pos + 1] !== 0xda) {
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    segments.push({ marker: bytes[pos + 1], payload: bytes.subarray(pos + 4, pos + 2 + length) });
    pos += 2 + length;
  }
  return { segments, tail: bytes.subarray(pos) };
}

export function joinJpeg({ segments, tail }) {
  const parts = [Buffer.from([0xff, 0xd8])];
  for (const { marker, payload } of segments) {
    const length = payload.length + 2;
    parts.push(Buffer.from([0xff, marker, length >> 8, length & 0xff]), Buffer.from(payload));
  }
  parts.push(Buffer.from(tail));
  return new Uint8Array(Buffer.concat(parts));
}

export const isIccSegment = ({ marker, payload }) => marker === 0xe2 && payload.length >= 14 && Buffer.from(payload.subarray(0, 12)).equals(ICC_SIGNATURE);

/** The ICC profile embedded in a JPEG file's APP2 segments (joined in sequence order). */
export function embeddedProfile(file) {
  const chunks = splitJpeg(new Uint8Array(readFileSync(file))).segments.filter(isIccSegment);
  chunks.sort((a, b) => a.payload[12] - b.payload[12]);
  return Buffer.concat(chunks.map(({ payload }) => payload.subarray(14)));
}

/**
 * `jpeg` with its ICC segments replaced by `profile` cut into `count` APP2 segments (after the
 * JFIF APP0), or by none when `profile` is null. `payloads` overrides the segments' payloads.
 */
export function withProfile(jpeg, profile, count = 1, payloads = undefined) {
  const parts = splitJpeg(jpeg);
  parts.segments = parts.segments.filter((segment) => !isIccSegment(segment));
  let segments = payloads ?? [];
  if (!payloads && profile) {
    const step = Math.ceil(profile.length / count);
    for (let i = 0; i < count; i++) {
      segments.push(Buffer.concat([ICC_SIGNATURE, Buffer.from([i + 1, count]), profile.subarray(i * step, (i + 1) * step)]));
    }
  }
  const at = parts.segments[0]?.marker === 0xe0 ? 1 : 0;
  parts.segments.splice(at, 0, ...segments.map((payload) => ({ marker: 0xe2, payload })));
  return joinJpeg(parts);
}

/** A 160x120 crop of the example pair's target as a quality-95 JPEG made by the package (tagged sRGB). */
export async function srgbJpeg() {
  const { encodeJpeg } = await import(distUrl('codec.js'));
  return encodeJpeg(examplePixels(), 95);
}

/** The 160x120 crop of the example target (bottom left: grass, rocks, water) that the fixtures use. */
export function examplePixels() {
  const { rgba, width, height } = crop(readPng(path.join(PAIR, 'target.png')), 0, 240, 160, 120);
  return { data: rgba, width, height };
}

/** The example crop as the package's PNG (tagged sRGB). */
export async function examplePixelsPng() {
  const { encodePng } = await import(distUrl('codec.js'));
  return encodePng(examplePixels());
}

/** The same JPEG tagged with the camera photo's profile. */
export async function cameraTaggedJpeg() {
  return withProfile(await srgbJpeg(), embeddedProfile(PROFILE_PHOTO));
}

/** The example crop as a PNG (written by the package) whose sRGB chunk is replaced by an iCCP chunk with the camera photo's profile. */
export async function cameraTaggedPng() {
  const { encodePng } = await import(distUrl('codec.js'));
  const chunks = pngChunks(await encodePng(examplePixels())).filter((chunk) => chunk.type !== 'sRGB');
  const iccp = Buffer.concat([Buffer.from('camera\0\0', 'latin1'), deflateSync(embeddedProfile(PROFILE_PHOTO))]);
  chunks.splice(1, 0, /** @type {any} */ ({ type: 'iCCP', data: iccp }));
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of chunks) {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    parts.push(length, body, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** CRC-32 of PNG chunks (PNG spec Annex D), for checking chunks the package writes. */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The chunks of a PNG file: [{type, data, crcOk}]. */
export function pngChunks(bytes) {
  const view = Buffer.from(bytes);
  const chunks = [];
  for (let pos = 8; pos + 12 <= view.length; ) {
    const length = view.readUInt32BE(pos);
    const type = view.toString('latin1', pos + 4, pos + 8);
    chunks.push({ type, data: view.subarray(pos + 8, pos + 8 + length), crcOk: crc32(view.subarray(pos + 4, pos + 8 + length)) === view.readUInt32BE(pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

/** Largest and mean absolute difference over RGB of two RGBA buffers. */
export function rgbDifference(a, b) {
  let max = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
    n++;
  }
  return { max, mean: sum / n };
}

/** An identity 3D LUT (.cube, size 2): applyLut with it returns the decoded pixels. */
export const IDENTITY_CUBE = ['LUT_3D_SIZE 2', ...[0, 1].flatMap((b) => [0, 1].flatMap((g) => [0, 1].map((r) => `${r} ${g} ${b}`)))].join('\n') + '\n';
