// The Offline entry of the status bar: the page is cached at once, the engine (wasm, models:
// megabytes) once the visitor uses the page and the engine is idle.
import { formatBytes } from './images.js';
import { makeAvailableOffline, offlineStatus, registerServiceWorker, serviceWorkerSupported } from './offline.js';
import { query, state } from './state.js';
import { setStatus } from './status.js';

let scheduled = false;

export function scheduleOfflineCache() {
  if (scheduled || query.has('nosw') || !serviceWorkerSupported()) return;
  scheduled = true;
  state.offline = { state: 'scheduled' };
  setStatus('offline', 'the engine will be saved for offline use once it is idle', { state: 'scheduled' });
  const go = async () => {
    // Wait until the engine is idle: what it fetched is then in the HTTP cache and the service
    // worker only revalidates it (no second download).
    if (state.running || state.warmup?.state === 'running') {
      setTimeout(go, 1000);
      return;
    }
    state.offline = { state: 'caching' };
    setStatus('offline', 'saving the page, wasm and models for offline use…', { state: 'caching' });
    try {
      const r = await makeAvailableOffline();
      state.offline = { state: r.failed.length ? 'partial' : 'ready', ...r };
      setStatus('offline', r.failed.length ? `partly available offline (${r.failed.length} files failed)` : `available offline (${formatBytes(r.bytes)} cached)`, { state: state.offline.state });
    } catch (error) {
      state.offline = { state: 'unavailable', error: error.message };
      setStatus('offline', `not available offline: ${error.message}`, { state: 'unavailable' });
    }
  };
  void go();
}

export async function showOfflineStatus() {
  if (query.has('nosw')) {
    setStatus('offline', 'service worker disabled (?nosw)', { state: 'unavailable' });
    return;
  }
  if (!serviceWorkerSupported()) {
    setStatus('offline', 'not available (no service workers in this context)', { state: 'unavailable' });
    return;
  }
  await registerServiceWorker().catch(() => undefined);
  const s = await offlineStatus().catch(() => null);
  if (s && s.cached === s.total) {
    state.offline = { state: 'ready', ...s };
    setStatus('offline', `available offline (${formatBytes(s.bytes)} cached)`, { state: 'ready' });
    scheduled = true;
  } else if (!scheduled) {
    state.offline = { state: 'pending' };
    setStatus('offline', 'the page is cached; the engine will be once you use it', { state: 'pending' });
  }
}
