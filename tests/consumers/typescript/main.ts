// A TypeScript consumer of the browser API (type-checked only, never run): every option and
// result is typed, and result.data goes straight into ImageData.
import { createColorTransfer, SupercolorError, type ColorTransfer, type TransferParams, type TransferResult } from 'supercolor';

const params: TransferParams = { tau: 0.02, layers: ['relu1_2'], sigmaG: 'adaptive' };

export async function recolour(target: ImageData, reference: Blob, canvas: HTMLCanvasElement): Promise<TransferResult> {
  const ct: ColorTransfer = await createColorTransfer({ core: 'auto', baseUrl: new URL('/supercolor/', location.href), logger: (level, message) => console.log(level, message) });
  try {
    const result = await ct.transfer(target, reference, params, { onProgress: ({ stage, fraction }) => console.log(stage, fraction) });
    canvas.getContext('2d')?.putImageData(new ImageData(result.data, result.width, result.height), 0, 0);
    return result;
  } catch (error) {
    if (error instanceof SupercolorError && error.code === 'backend_unavailable') console.warn(error.message);
    throw error;
  } finally {
    ct.dispose();
  }
}

// @ts-expect-error: unknown layer names are a type error
export const bad: TransferParams = { layers: ['relu9_9'] };
