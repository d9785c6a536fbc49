// Globals that pages set on `window`, for the type-check of the JavaScript (tsconfig.check.json,
// run by tools/check.sh). The browser tests read them inside page.evaluate() callbacks.
// Type-only: nothing here is emitted or shipped.

interface Window {
  /**
   * The demo's state object (web/demo/state.js) on the demo page; on a consumer test app's page
   * (tests/consumers/app.js) its result, {ok, data, width, height, backend, logs, ...}.
   */
  __supercolor: any;
  /** tests/consumers/app.js: one transfer with extra createColorTransfer options; {ok} or {code, message}. */
  __supercolorTry: (options: Record<string, unknown>) => Promise<any>;
  /** tests/browser/pages/features-page.mjs: the feature extraction under test. */
  supercolorFeatures: { run: (options: Record<string, unknown>) => Promise<any> };
  /** tests/browser/pages/package.html, tools/bench-rerun.mjs's page: set when the page is ready. */
  __ready: boolean;
  /**
   * One transfer through the package: (options) on tests/browser/pages/package.html,
   * (target, reference, params) on tools/bench-rerun.mjs's page.
   */
  runTransfer: (...args: any[]) => Promise<any>;
  /** tests/browser/pages/package.html: a transfer on corrupt bytes; its error. */
  runCorrupt: () => Promise<any>;
  /** tests/browser/pages/package.html: a large synthetic pair; figures without the pixels. */
  runLarge: (size: [number, number]) => Promise<any>;
  /** tests/browser/icc.test.mjs's page: decodes a file with the package (see the test). */
  decodeTagged: (cube: string, url: string) => Promise<any>;
  /** tests/browser/icc.test.mjs's page: a Display P3 canvas through the package (see the test). */
  displayP3: (cube: string) => Promise<any>;
  /** tests/browser/demo.test.mjs: what the demo's live region announced. */
  __announced: string[];
  /** axe-core, injected by tests/browser/demo.test.mjs for the accessibility audit. */
  axe: { run: (context: Document, options: Record<string, unknown>) => Promise<{ violations: any[] }> };
}

interface Navigator {
  /** WebGPU (not in TypeScript's DOM library yet); feature-tested before use. */
  readonly gpu?: { requestAdapter(options?: Record<string, unknown>): Promise<any> };
}
