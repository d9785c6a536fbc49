// For the type-check of the demo's service worker (tsconfig.sw.json): TypeScript types `self` in
// a worker as a WorkerGlobalScope; these add what a service worker's global scope has, and the
// precache manifest that tools/build-demo.mjs prepends to web/demo/sw.js. Type-only.

interface WorkerGlobalScope {
  /** Set by tools/build-demo.mjs: every file of the build with its content hash. */
  __SUPERCOLOR_PRECACHE__?: {
    version: string;
    files: { path: string; hash: string; size: number; shell: boolean }[];
  };
  skipWaiting(): Promise<void>;
  readonly clients: Clients;
}

interface WorkerGlobalScopeEventMap {
  install: ExtendableEvent;
  activate: ExtendableEvent;
  fetch: FetchEvent;
  message: ExtendableMessageEvent;
}
