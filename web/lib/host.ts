// What differs between browsers and Node on the caller's side: how the worker starts, reading an
// image given as a file path, the thread count. index.ts has the browser's; node-host.ts Node's.
import type { FromWorker, ToWorker } from './protocol.js';
import type { CoreCancelFlag } from './protocol.js';

export interface WorkerHandle {
  post(message: ToWorker, transfer?: Transferable[]): void;
  onMessage(handler: (message: FromWorker) => void): void;
  /** Called once if the worker fails to start or dies; the error names the worker's URL. */
  onError(handler: (error: Error) => void): void;
  terminate(): void;
  /** Node: whether the worker thread keeps the process alive (only while work is pending). */
  keepAlive(alive: boolean): void;
  /** The threaded core's own cancellation flag, once the worker is ready. */
  coreCancel?: CoreCancelFlag;
}

export interface Host {
  spawnWorker(): WorkerHandle;
  /** Node: the bytes of an image given as a file path (browsers accept no paths). */
  readImageFile?(path: string | URL): Promise<Uint8Array>;
  /** Logical processors available. */
  hardwareThreads(): number;
  /** What a relative `baseUrl` is resolved against (the page; Node: the working directory). */
  relativeBase(): string;
}

let installed: Host | undefined;

/** The Node entry installs Node's host before anything runs (see index.ts, currentHost). */
export function installHost(host: Host): void {
  installed = host;
}

export function installedHost(): Host | undefined {
  return installed;
}
