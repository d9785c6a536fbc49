// Reading the package's own files (core, models, manifest) by URL with fetch. Never reaches
// outside the URLs it is given; a failure names the URL (and the HTTP status), so a missing asset
// is an error that says which one, never a hang. Node reads file: URLs itself (node-files.ts).
import { SupercolorError } from './errors.js';

export async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new SupercolorError('backend_unavailable', `cannot fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new SupercolorError('backend_unavailable', `cannot fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
