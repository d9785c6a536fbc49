// The page's side of the service worker (sw.js): cross-origin isolation where the host cannot
// send COOP/COEP, and offline use after the first visit.

const SW_URL = new URL('../sw.js', import.meta.url);
const SCOPE = new URL('../', import.meta.url);
const RELOAD_KEY = 'supercolor:coi-reload';

export function serviceWorkerSupported() {
  return 'serviceWorker' in navigator && window.isSecureContext;
}

/** Where the page's cross-origin isolation comes from: 'server', 'service-worker' or null. */
export function isolationSource() {
  if (!window.crossOriginIsolated) return null;
  const nav = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType('navigation')[0]);
  const marker = nav?.serverTiming?.find((t) => t.name === 'coi');
  return marker?.description === 'service-worker' ? 'service-worker' : 'server';
}

function register() {
  return navigator.serviceWorker.register(SW_URL, { scope: SCOPE.pathname });
}

/** Registers the service worker; its install caches only the page itself (small). */
export async function registerServiceWorker() {
  if (!serviceWorkerSupported()) throw new Error('service workers are unavailable here');
  return register();
}

/**
 * Makes sure the page is cross-origin isolated if it can be.
 * Returns {isolated, source, reason?}; or {reloading: true} when it reloads the page to come
 * back isolated (the caller then stops).
 * @param {{disabled?: boolean, onWait?: (message: string) => void}} [options]
 */
export async function ensureIsolation(options = {}) {
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOAD_KEY);
    return { isolated: true, source: isolationSource() };
  }
  if (options.disabled) return { isolated: false, source: null, reason: 'the service worker is disabled (?nosw)' };
  if (!serviceWorkerSupported()) {
    return { isolated: false, source: null, reason: 'the page is not cross-origin isolated and service workers are unavailable here' };
  }
  // A reload already happened in this tab a moment ago and did not help: do not loop.
  const last = Number(sessionStorage.getItem(RELOAD_KEY) || 0);
  if (Date.now() - last < 30000) {
    sessionStorage.removeItem(RELOAD_KEY);
    return { isolated: false, source: null, reason: 'the host sends no COOP/COEP headers and the service worker could not add them' };
  }
  options.onWait?.('Setting up: installing the service worker for threads and offline use…');
  try {
    const registration = await register();
    await withTimeout(navigator.serviceWorker.ready, 20000, 'service worker activation');
    if (!navigator.serviceWorker.controller) {
      await withTimeout(new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true })), 5000, 'service worker control').catch(() => undefined);
    }
    void registration;
  } catch (error) {
    return { isolated: false, source: null, reason: `the host sends no COOP/COEP headers and the service worker failed (${error.message})` };
  }
  sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
  location.reload();
  return { reloading: true };
}

function withTimeout(promise, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function ask(worker, message) {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => (event.data?.ok ? resolve(event.data) : reject(new Error(event.data?.error ?? 'no answer')));
    worker.postMessage(message, [channel.port2]);
  });
}

/**
 * Registers the service worker (if not yet) and has it cache every file of the build, so the
 * next visit works offline. Resolves with {version, total, cached, bytes, failed}.
 */
export async function makeAvailableOffline() {
  if (!serviceWorkerSupported()) throw new Error('service workers are unavailable here');
  await register();
  const registration = await withTimeout(navigator.serviceWorker.ready, 30000, 'service worker activation');
  return ask(registration.active, { type: 'precache' });
}

/** What the active service worker has cached, or null when there is none. */
export async function offlineStatus() {
  if (!serviceWorkerSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration(SCOPE.href);
  if (!registration?.active) return null;
  return ask(registration.active, { type: 'status' });
}
