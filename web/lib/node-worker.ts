// Node's worker thread (started by node-host.ts): the same work as the browser worker, with the
// core and the package's files read from disk.
import { parentPort } from 'node:worker_threads';
import { loadCore } from './loader.js';
import { readBytes } from './node-files.js';
import { runWorker } from './worker-runtime.js';

if (!parentPort) throw new Error('supercolor node-worker: not running in a worker thread');
const port = parentPort;

runWorker(
  {
    post: (message, transfer) => port.postMessage(message, transfer ?? []),
    listen: (handler) => port.on('message', handler),
  },
  {
    loadCore: (config, log) => loadCore(config.assets.core[config.core].module, config.core, config.threads, log),
    readBytes,
  },
);
