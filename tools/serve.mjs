#!/usr/bin/env node
// Static file server for the demo and the browser tests.
//
//   node tools/serve.mjs [root] [--port N] [--no-isolation] [--no-compress] [--quiet]
//
// Serves `root` (default web/dist/demo) on 127.0.0.1 with:
//   - Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp
//     (cross-origin isolation, needed for wasm threads), unless --no-isolation, which plays a
//     static host that cannot send them;
//   - the right MIME types for .wasm (streaming compilation), .mjs, .onnx, .webmanifest;
//   - ETag / Last-Modified revalidation (304) and gzip for compressible types, like a real host.
// Only files under root are served (no directory listings, no dotfiles, no path escapes).
//
// As a module: const { url, close } = await startServer({ root, port: 0, isolation: true }).
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
});

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.webmanifest', '.txt', '.md', '.svg', '.wasm', '.onnx']);

/**
 * Starts the server. Resolves once it listens.
 * @param {{root?: string, port?: number, host?: string, isolation?: boolean, compress?: boolean,
 *          log?: (line: string) => void}} [options]
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, requests: {method: string, path: string, status: number, bytes: number, time: number}[]}>}
 *   requests: every request served (bytes: body bytes sent, after compression)
 */
export async function startServer(options = {}) {
  const root = await realpath(resolve(options.root ?? 'web/dist/demo'));
  const isolation = options.isolation !== false;
  const compress = options.compress !== false;
  const host = options.host ?? '127.0.0.1';
  const log = options.log;
  const gzipCache = new Map(); // path -> {mtimeMs, size, body}
  /** Every request served, for tests. */
  const requests = [];

  async function resolveFile(urlPath) {
    let path;
    try {
      path = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (path.includes('\0')) return null;
    // No dotfiles or dot-folders (.git, .env …); '.well-known' is not needed here.
    if (path.split('/').some((part) => part.startsWith('.') && part.length > 0)) return null;
    let file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return null;
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      if (!urlPath.endsWith('/')) return { redirect: `${urlPath}/` };
      file = join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info?.isFile()) return null;
    // Symlinks must not lead outside root either.
    const real = await realpath(file);
    if (real !== root && !real.startsWith(root + sep)) return null;
    return { file: real, info };
  }

  function baseHeaders() {
    const headers = { 'X-Content-Type-Options': 'nosniff' };
    if (isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    return headers;
  }

  const server = createServer(async (req, res) => {
    const record = { method: req.method ?? '', path: req.url ?? '', status: 0, bytes: 0, time: Date.now() };
    requests.push(record);
    const finish = (status, headers, body) => {
      record.status = status;
      record.bytes = body ? Buffer.byteLength(body) : 0;
      res.writeHead(status, headers);
      res.end(body);
      log?.(`${status} ${req.method} ${req.url}`);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        finish(405, { ...baseHeaders(), Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, 'method not allowed\n');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const found = await resolveFile(url.pathname);
      if (!found) {
        finish(404, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, 'not found\n');
        return;
      }
      if (found.redirect) {
        finish(301, { ...baseHeaders(), Location: found.redirect + url.search }, '');
        return;
      }
      const { file, info } = found;
      const ext = extname(file).toLowerCase();
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      /** @type {Record<string, string>} */
      const headers = {
        ...baseHeaders(),
        'Content-Type': MIME_TYPES[ext] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
        ETag: etag,
        'Last-Modified': new Date(info.mtimeMs).toUTCString(),
      };
      if (req.headers['if-none-match'] === etag) {
        finish(304, headers, '');
        return;
      }
      const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      if (compress && COMPRESSIBLE.has(ext)) headers.Vary = 'Accept-Encoding';
      if (compress && acceptsGzip && COMPRESSIBLE.has(ext) && info.size > 1024) {
        let cached = gzipCache.get(file);
        if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
          cached = { mtimeMs: info.mtimeMs, size: info.size, body: await gzipAsync(await readFile(file), { level: 6 }) };
          gzipCache.set(file, cached);
        }
        headers['Content-Encoding'] = 'gzip';
        headers['Content-Length'] = String(cached.body.length);
        finish(200, headers, req.method === 'HEAD' ? undefined : cached.body);
        return;
      }
      headers['Content-Length'] = String(info.size);
      record.status = 200;
      record.bytes = req.method === 'HEAD' ? 0 : info.size;
      res.writeHead(200, headers);
      if (req.method === 'HEAD') {
        res.end();
      } else {
        createReadStream(file).on('error', () => res.destroy()).pipe(res);
      }
      log?.(`200 ${req.method} ${req.url}`);
    } catch (error) {
      if (!res.headersSent) finish(500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'internal error\n');
      else res.destroy();
      log?.(`500 ${req.method} ${req.url}: ${error?.message ?? error}`);
    }
  });

  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
  return {
    url,
    port,
    requests,
    close: () =>
      new Promise((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections?.();
      }),
  };
}

function parseArgs(argv) {
  const options = { root: undefined, port: 8080, isolation: true, compress: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port' || arg === '-p') options.port = Number(argv[++i]);
    else if (arg.startsWith('--port=')) options.port = Number(arg.slice(7));
    else if (arg === '--no-isolation' || arg === '--no-coop-coep') options.isolation = false;
    else if (arg === '--no-compress') options.compress = false;
    else if (arg === '--quiet' || arg === '-q') options.quiet = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node tools/serve.mjs [root=web/dist/demo] [--port N (0 = any)] [--no-isolation] [--no-compress] [--quiet]');
      process.exit(0);
    } else if (!arg.startsWith('-') && options.root === undefined) options.root = arg;
    else {
      console.error(`serve: unknown argument ${arg}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    console.error('serve: --port must be an integer in [0, 65535]');
    process.exit(2);
  }
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2));
  const root = options.root ?? 'web/dist/demo';
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) {
    console.error(`serve: ${root} is not a folder${options.root === undefined ? ' (build the demo first: node tools/build-demo.mjs)' : ''}`);
    process.exit(1);
  }
  const server = await startServer({ ...options, root, log: options.quiet ? undefined : (line) => console.log(line) });
  console.log(`serving ${resolve(root)} at ${server.url} (${options.isolation ? 'COOP/COEP on: cross-origin isolated' : 'no COOP/COEP headers'}${options.compress ? ', gzip' : ''})`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
