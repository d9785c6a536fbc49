// A TypeScript consumer of the Node entry (nodenext resolution picks it): the API plus the PNG/JPEG
// helpers, on a file path.
import { createColorTransfer, decodeImage, encodeJpeg, encodePng } from 'supercolor';
import { readFile, writeFile } from 'node:fs/promises';

export async function recolourFiles(target: string, reference: string, out: string): Promise<void> {
  const ct = await createColorTransfer({ core: 'simd' });
  const result = await ct.transfer(await decodeImage(new Uint8Array(await readFile(target))), reference);
  const png: Uint8Array = await encodePng(result);
  const jpeg: Uint8Array = await encodeJpeg(result, 85);
  await writeFile(out, png.length > jpeg.length ? jpeg : png);
}
