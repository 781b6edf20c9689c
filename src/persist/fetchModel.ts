// Downloads a model (model.json, then the weight files it lists) with a progress callback and
// size limits, checking everything that can be checked without tfjs on the way: the answer is
// not an error page or HTML, model.json is JSON in our format and version, the weights are
// within the limit before any is downloaded, and exactly as long as the manifest says. The
// worker then checks every tensor's shape and finiteness (src/model/io.ts).
import { ModelFormatError, manifestBytes, parseModelJson, type ModelJson } from '../model/format';
import { checkFetchable, quote } from './modelUrl';

/** Largest model.json read (ours are ~10 KB). */
export const MAX_MODEL_JSON_BYTES = 1024 * 1024;
/** Largest total of weights loaded (the default preset is 3.3 MB). */
export const MAX_WEIGHT_BYTES = 64 * 1024 * 1024;

/** A model that could not be loaded; the message says why, for people. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface LoadProgress {
  /** Weight bytes received so far, and in all. */
  loaded: number;
  total: number;
}

export interface FetchOptions {
  fetcher?: typeof fetch;
  onProgress?: (p: LoadProgress) => void;
  /** The page's origin: a failed request to another origin may be a missing CORS header. */
  pageOrigin?: string;
  signal?: AbortSignal;
}

export interface FetchedModel {
  modelJson: ModelJson;
  /** All shards, concatenated in manifest order. */
  weightData: ArrayBuffer;
}

function megabytes(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

async function request(url: URL, what: string, opts: FetchOptions): Promise<Response> {
  const fetcher = opts.fetcher ?? fetch;
  let res: Response;
  try {
    res = await fetcher(url.href, { mode: 'cors', credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    const crossOrigin = opts.pageOrigin !== undefined && url.origin !== opts.pageOrigin;
    throw new ModelLoadError(
      crossOrigin
        ? `Could not fetch ${what} from ${url.href}: the server did not answer, or it is on another site and does not let this page read it (it must send the CORS header Access-Control-Allow-Origin).`
        : `Could not fetch ${what} from ${url.href}: the request failed (${(e as Error).message}).`,
    );
  }
  if (!res.ok) {
    const hint = res.status === 404 ? ' (no such file)' : res.status === 401 || res.status === 403 ? ' (not allowed)' : '';
    throw new ModelLoadError(`Could not fetch ${what} from ${url.href}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${hint}.`);
  }
  if ((res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html')) {
    throw new ModelLoadError(`${url.href} is an HTML page, not ${what} (a wrong address, or a host that answers missing files with a page).`);
  }
  return res;
}

/** Reads a body, refusing it as soon as it passes `limit` bytes (whatever Content-Length says). */
async function readLimited(res: Response, limit: number, tooLarge: () => string, onChunk?: (bytes: number) => void): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit && !res.headers.get('content-encoding')) throw new ModelLoadError(tooLarge());
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body === null) {
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.length > limit) throw new ModelLoadError(tooLarge());
    onChunk?.(all.length);
    return all;
  }
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ModelLoadError(tooLarge());
    }
    chunks.push(value);
    onChunk?.(value.length);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Fetches and checks model.json at `url`. */
export async function fetchModelJson(url: URL, opts: FetchOptions = {}): Promise<ModelJson> {
  checkFetchable(url);
  const res = await request(url, 'the model description (model.json)', opts);
  const bytes = await readLimited(res, MAX_MODEL_JSON_BYTES, () => `${url.href} is larger than ${MAX_MODEL_JSON_BYTES / 1024} KB: not a model.json of this app.`);
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  if (/^\s*</.test(text)) throw new ModelLoadError(`${url.href} is an HTML or XML page, not a model.json (a wrong address, or a host that answers missing files with a page).`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(`${url.href} is not JSON (${(e as Error).message}); it starts with ${quote(text.slice(0, 40))}.`);
  }
  try {
    return parseModelJson(json);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelLoadError(`${url.href}: ${e.message}.`);
    throw e;
  }
}

/**
 * Fetches a model: model.json at `url`, then its weight files (relative to it) with progress.
 * Throws ModelLoadError (or ModelUrlError for an address that is not fetched) with a message.
 */
export async function fetchModel(url: URL, opts: FetchOptions = {}): Promise<FetchedModel> {
  const modelJson = await fetchModelJson(url, opts);
  const total = manifestBytes(modelJson.weightsManifest);
  if (total > MAX_WEIGHT_BYTES) {
    throw new ModelLoadError(`The model at ${url.href} has ${megabytes(total)} of weights; this app loads at most ${megabytes(MAX_WEIGHT_BYTES)}.`);
  }
  const shards = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => checkFetchable(new URL(p, url), `a weight file of ${url.href}`));
  const out = new Uint8Array(total);
  let loaded = 0;
  opts.onProgress?.({ loaded, total });
  for (const shard of shards) {
    const res = await request(shard, 'the weights', opts);
    let received = 0;
    const bytes = await readLimited(
      res,
      total - loaded,
      () => `${shard.href} holds more weight data than ${url.href} describes (${total} bytes in all).`,
      (n) => opts.onProgress?.({ loaded: loaded + (received += n), total }),
    );
    out.set(bytes, loaded);
    loaded += bytes.length;
    opts.onProgress?.({ loaded, total });
  }
  if (loaded !== total) throw new ModelLoadError(`The weight files of ${url.href} hold ${loaded} bytes but model.json describes ${total}.`);
  return { modelJson, weightData: out.buffer };
}
