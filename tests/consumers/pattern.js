// The image pair every consumer app recolours, made in code so that the page and the Node
// comparison (tests/browser/consumers.test.mjs) start from the same pixels: 64x48 RGBA, smooth
// colour fields with a few edges, different palettes for target and reference.
export const WIDTH = 64;
export const HEIGHT = 48;

function image(pixel) {
  const data = new Uint8ClampedArray(4 * WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const [r, g, b] = pixel(x / (WIDTH - 1), y / (HEIGHT - 1));
      const i = 4 * (y * WIDTH + x);
      data[i] = Math.round(255 * r);
      data[i + 1] = Math.round(255 * g);
      data[i + 2] = Math.round(255 * b);
      data[i + 3] = 255;
    }
  }
  return { data, width: WIDTH, height: HEIGHT };
}

/** {target, reference}: each {data: Uint8ClampedArray (RGBA), width, height}. */
export function makePair() {
  const target = image((u, v) => {
    const sky = v < 0.45 + 0.1 * Math.sin(6 * u);
    return sky ? [0.45 + 0.3 * v, 0.6 + 0.2 * u, 0.9] : [0.3 + 0.4 * u, 0.55 - 0.2 * v, 0.2 + 0.1 * Math.cos(9 * u)];
  });
  const reference = image((u, v) => {
    const sun = (u - 0.7) ** 2 + (v - 0.3) ** 2 < 0.04;
    if (sun) return [1, 0.85, 0.4];
    return v < 0.5 ? [0.95 - 0.3 * v, 0.45 + 0.3 * u, 0.3] : [0.35 + 0.2 * u, 0.2 + 0.2 * v, 0.35];
  });
  return { target, reference };
}
