// A small static HTTP server for the browser tests, started inside a test: a folder served
// under a base path (the built app on "any static host, any base path"), and/or fixed routes
// (model files, error pages). It can send the cross-origin isolation headers the app wants and
// CORS headers for use from another origin, or leave them out.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** What the README asks static hosts to send (as vite.config.ts does for the dev server). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export interface Route {
  status?: number;
  type?: string;
  body: string | Uint8Array;
  /** Send the body in this many pieces, `delayMs` apart (a slow download, to see progress). */
  pieces?: number;
  delayMs?: number;
}

export interface ServerOptions {
  /** Serve this folder under `base` (e.g. '/some/base/'), index.html for folders. */
  root?: string;
  base?: string;
  /** Exact paths (with the query dropped) answered before the folder. */
  routes?: Record<string, Route>;
  /** Send COOP/COEP. */
  isolation?: boolean;
  /** Send Access-Control-Allow-Origin: * (readable from other origins). */
  cors?: boolean;
}

export interface TestServer {
  origin: string;
  /** Paths requested, in order. */
  requests: string[];
  close: () => Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.pgm': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
};

async function fromFolder(root: string, rel: string): Promise<Route | undefined> {
  const file = path.resolve(root, `.${decodeURIComponent(rel)}`);
  if (!file.startsWith(path.resolve(root))) return undefined;
  const info = await stat(file).catch(() => undefined);
  const target = info?.isDirectory() ? path.join(file, 'index.html') : file;
  const body = await readFile(target).catch(() => undefined);
  return body === undefined ? undefined : { body, type: TYPES[path.extname(target)] ?? 'application/octet-stream' };
}

export async function startServer(opts: ServerOptions): Promise<TestServer> {
  const requests: string[] = [];
  const base = opts.base ?? '/';
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(pathname);
    let route = opts.routes?.[pathname];
    if (!route && opts.root && pathname.startsWith(base)) route = await fromFolder(opts.root, `/${pathname.slice(base.length)}`);
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...(opts.isolation ? ISOLATION_HEADERS : {}), ...(opts.cors ? { 'Access-Control-Allow-Origin': '*' } : {}) };
    if (!route) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(route.status ?? 200, { ...headers, 'Content-Type': route.type ?? 'application/octet-stream' });
    const body = typeof route.body === 'string' ? Buffer.from(route.body) : route.body;
    const pieces = route.pieces ?? 1;
    for (let i = 0; i < pieces; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, route.delayMs ?? 0));
      res.write(body.subarray(Math.floor((i * body.length) / pieces), Math.floor(((i + 1) * body.length) / pieces)));
    }
    res.end();
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
