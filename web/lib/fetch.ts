// Reading the package's own files (models, manifest) by URL: file: URLs from disk in Node,
// anything else with fetch. Never reaches outside the URLs it is given.
import { SupercolorError } from './errors.js';
import { isNode } from './detect.js';

export async function readBytes(url: string): Promise<Uint8Array> {
  if (isNode && url.startsWith('file:')) {
    const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    try {
      return new Uint8Array(await readFile(fileURLToPath(url)));
    } catch (error) {
      throw new SupercolorError('backend_unavailable', `cannot read ${url}: ${(error as Error).message}`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new SupercolorError('backend_unavailable', `cannot fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new SupercolorError('backend_unavailable', `cannot fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
