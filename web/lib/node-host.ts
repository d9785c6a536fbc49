// Node's side of the API (see host.ts): a worker thread running node-worker.ts, image files read
// from disk, os.availableParallelism() threads. Imported by the Node entry (node.ts) only.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Host, WorkerHandle } from './host.js';

function spawnNodeWorker(): WorkerHandle {
  const url = new URL('./node-worker.js', import.meta.url);
  // A worker thread inherits the process's flags, and refuses to start with --input-type
  // (as in `node --input-type=module -e "..."`): leave that one out.
  const execArgv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i];
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) execArgv.push(arg);
  }
  const worker = new Worker(url, { execArgv });
  let terminated = false;
  let failed = false;
  return {
    post: (message, transfer) => worker.postMessage(message, (transfer ?? []) as ArrayBuffer[]),
    onMessage: (handler) => worker.on('message', handler),
    onError: (handler) => {
      worker.on('error', (error) => {
        failed = true;
        handler(new Error(`${error.message} (worker thread ${url.href})`));
      });
      worker.on('messageerror', (error) => {
        failed = true;
        handler(new Error(`a message from the worker thread could not be deserialised: ${error.message}`));
      });
      // A worker thread that dies without an 'error' event (e.g. the wasm heap could not grow
      // and the thread was killed) must not leave its jobs waiting forever.
      worker.on('exit', (code) => {
        if (!terminated && !failed) handler(new Error(`the worker thread exited unexpectedly (code ${code})`));
      });
    },
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
    keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
  };
}

export const nodeHost: Host = {
  spawnWorker: spawnNodeWorker,
  readImageFile: async (path) => new Uint8Array(await readFile(path)),
  hardwareThreads: () => availableParallelism(),
  relativeBase: () => pathToFileURL(`${process.cwd()}/`).href,
};
