// Loads a build of the supercolor core (wasm/supercolor-{threads,simd}.mjs + .wasm) in Node or
// a browser. The module URL can be overridden (createColorTransfer's baseUrl).
import type { CoreModule, CoreKind } from './core.js';
import { SupercolorError } from './errors.js';
import { isNode } from './detect.js';

type Factory = (options: Record<string, unknown>) => Promise<CoreModule & { PThread?: { unusedWorkers: { unref?(): void }[]; runningWorkers: { unref?(): void }[] } }>;

/** Pool size of the threaded build: the core uses at most pool + 1 threads. */
export function poolSize(threads: number): number {
  return Math.max(1, Math.min(threads, 16) - 1);
}

export async function loadCore(moduleUrl: string, kind: CoreKind, threads = 1): Promise<CoreModule> {
  try {
    if (isNode) {
      const [{ readFile }, { fileURLToPath }, { createRequire }, path] = await Promise.all([
        import('node:fs/promises'),
        import('node:url'),
        import('node:module'),
        import('node:path'),
      ]);
      const file = fileURLToPath(moduleUrl);
      const dir = path.dirname(file);
      // Emscripten 3.1.6's ES module reads __dirname and require in Node (TOOLCHAIN.md).
      const g = globalThis as { __dirname?: string; require?: unknown };
      g.__dirname ??= dir;
      g.require ??= createRequire(file);
      const wasmBinary = await readFile(file.replace(/\.mjs$/, '.wasm'));
      const factory = ((await import(moduleUrl)) as { default: Factory }).default;
      const module = await factory({
        wasmBinary,
        locateFile: (name: string) => path.join(dir, name),
        ...(kind === 'threads' ? { pthreadPoolSize: poolSize(threads) } : {}),
      });
      // Idle pool threads must not keep the Node process alive.
      if (module.PThread) for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref?.();
      return module;
    }
    const factory = ((await import(/* @vite-ignore */ moduleUrl)) as { default: Factory }).default;
    return await factory({
      locateFile: (name: string) => new URL(name, moduleUrl).href,
      mainScriptUrlOrBlob: moduleUrl,
      ...(kind === 'threads' ? { pthreadPoolSize: poolSize(threads) } : {}),
    });
  } catch (error) {
    if (error instanceof SupercolorError) throw error;
    throw new SupercolorError('backend_unavailable', `cannot load the supercolor core from ${moduleUrl}: ${(error as Error).message}`);
  }
}
