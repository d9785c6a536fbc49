// Node: the bytes at a file: URL (the package's own files) or, for any other URL, by fetch.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SupercolorError } from './errors.js';
import { fetchBytes } from './fetch.js';

export async function readBytes(url: string): Promise<Uint8Array> {
  if (!url.startsWith('file:')) return fetchBytes(url);
  try {
    return new Uint8Array(await readFile(fileURLToPath(url)));
  } catch (error) {
    throw new SupercolorError('backend_unavailable', `cannot read ${url}: ${(error as Error).message}`);
  }
}
