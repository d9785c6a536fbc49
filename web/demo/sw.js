// supercolor demo service worker. tools/build-demo.mjs prepends the precache manifest:
//   self.__SUPERCOLOR_PRECACHE__ = { version, files: [{ path, hash, size, shell }] }
//
// Two jobs:
// 1. Offline. Every file of the build is listed with a content hash. The shell (page, styles,
//    scripts) is cached at install; the large files (wasm, model, ONNX Runtime) are cached the
//    first time the page fetches them, and the page asks for the rest ('precache' message) once
//    it is idle, so nothing is downloaded twice. Files are stored under `url?__v=hash`: an update
//    keeps every unchanged file and re-fetches only the changed ones.
// 2. Cross-origin isolation on hosts that cannot send COOP/COEP headers (the technique of
//    coi-serviceworker): every same-origin response it serves gets
//    Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so
//    after one reload the page is crossOriginIsolated and can use wasm threads. A navigation
//    response that lacked the headers is marked `Server-Timing: coi;desc="service-worker"`, so the
//    page can say where its isolation came from.
// It never touches requests to other origins (the page makes none).
/* eslint-env serviceworker */
'use strict';

const MANIFEST = self.__SUPERCOLOR_PRECACHE__ || { version: 'dev', files: [] };
const CACHE = 'supercolor-demo';
const BASE = new URL('./', self.location.href);

/** href without search/hash -> entry */
const ENTRIES = new Map();
for (const file of MANIFEST.files) {
  const href = new URL(file.path, BASE).href;
  ENTRIES.set(href, { ...file, href, key: `${href}?__v=${file.hash}` });
}
const INDEX = ENTRIES.get(new URL('index.html', BASE).href);
if (INDEX) ENTRIES.set(BASE.href, INDEX);
const UNIQUE = [...new Set(ENTRIES.values())];
const KEYS = new Set(UNIQUE.map((e) => e.key));

/** key -> Promise<void> for files being fetched and stored right now. */
const inflight = new Map();

function entryFor(url) {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return ENTRIES.get(u.href);
}

function store(cache, entry, responsePromise) {
  let pending = inflight.get(entry.key);
  if (pending) return pending;
  pending = (async () => {
    const response = await responsePromise;
    if (!response.ok || response.type !== 'basic') throw new Error(`${entry.path}: HTTP ${response.status}`);
    await cache.put(entry.key, response);
  })();
  inflight.set(entry.key, pending);
  pending.then(
    () => inflight.delete(entry.key),
    () => inflight.delete(entry.key),
  );
  return pending;
}

async function precache(entries) {
  const cache = await caches.open(CACHE);
  const failed = [];
  let cached = 0;
  let bytes = 0;
  const queue = [...entries];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      try {
        if (inflight.has(entry.key)) await inflight.get(entry.key);
        else if (!(await cache.match(entry.key))) {
          await store(cache, entry, fetch(new Request(entry.href, { cache: 'no-cache', credentials: 'same-origin' })));
        }
        cached += 1;
        bytes += entry.size;
      } catch (error) {
        failed.push(`${entry.path}: ${error && error.message ? error.message : error}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return { version: MANIFEST.version, total: entries.length, cached, bytes, failed };
}

async function status() {
  const cache = await caches.open(CACHE);
  const keys = new Set((await cache.keys()).map((r) => r.url));
  const present = UNIQUE.filter((e) => keys.has(e.key));
  return {
    version: MANIFEST.version,
    total: UNIQUE.length,
    cached: present.length,
    bytes: present.reduce((sum, e) => sum + e.size, 0),
    totalBytes: UNIQUE.reduce((sum, e) => sum + e.size, 0),
    failed: [],
  };
}

self.addEventListener('install', (event) => {
  self.skipWaiting();
  event.waitUntil(
    precache(UNIQUE.filter((e) => e.shell)).then((result) => {
      if (result.failed.length) throw new Error(`could not cache the page: ${result.failed.join('; ')}`);
    }),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE && name.startsWith('supercolor-demo')) await caches.delete(name);
      }
      // Drop files of older builds (a different hash), keep everything still current.
      const cache = await caches.open(CACHE);
      for (const request of await cache.keys()) {
        if (!KEYS.has(request.url)) await cache.delete(request);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const port = event.ports && event.ports[0];
  const type = event.data && event.data.type;
  const reply = (promise) =>
    event.waitUntil(
      promise.then(
        (value) => port && port.postMessage({ ok: true, ...value }),
        (error) => port && port.postMessage({ ok: false, error: String(error && error.message ? error.message : error) }),
      ),
    );
  if (type === 'precache') reply(precache(UNIQUE));
  else if (type === 'status') reply(status());
});

function withIsolation(response, request) {
  if (!response || response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  const lacked = !headers.has('Cross-Origin-Embedder-Policy') || !headers.has('Cross-Origin-Opener-Policy');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  if (request.mode === 'navigate') {
    headers.delete('Server-Timing');
    headers.set('Server-Timing', `coi;desc="${lacked ? 'service-worker' : 'server'}", sw;desc="${MANIFEST.version}"`);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function respond(event, request, url) {
  const entry = entryFor(url);
  if (entry) {
    const cache = await caches.open(CACHE);
    let response = await cache.match(entry.key, { ignoreVary: true });
    if (!response && inflight.has(entry.key)) {
      await inflight.get(entry.key).catch(() => undefined);
      response = await cache.match(entry.key, { ignoreVary: true });
    }
    if (!response) {
      const network = fetch(request.mode === 'navigate' ? request : new Request(entry.href, { credentials: 'same-origin' }));
      const stored = store(cache, entry, network.then((r) => r.clone()));
      event.waitUntil(stored.catch(() => undefined));
      try {
        response = await network;
      } catch (error) {
        return Response.error();
      }
    }
    return withIsolation(response, request);
  }
  try {
    return withIsolation(await fetch(request), request);
  } catch (error) {
    // Offline and not one of ours: for a page inside the demo, answer with the page itself.
    if (request.mode === 'navigate' && INDEX) {
      const cached = await (await caches.open(CACHE)).match(INDEX.key);
      if (cached) return withIsolation(cached, request);
    }
    return Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  if (request.headers.has('range')) return;
  event.respondWith(respond(event, request, url));
});
