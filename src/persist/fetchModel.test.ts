import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStereoNet, exportModel, stereoNetConfig, type ModelJson } from '../model/index';
import { fetchModel, MAX_WEIGHT_BYTES, ModelLoadError, type LoadProgress } from './fetchModel';
import { ModelUrlError } from './modelUrl';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BASE = 'https://models.example.com/run/';

interface Route {
  status?: number;
  type?: string;
  body: Uint8Array | string;
  /** Sent in chunks of this many bytes. */
  chunk?: number;
}

/** A fetch over a table of routes; records what was requested and how many body bytes were read. */
function fakeFetch(routes: Record<string, Route | 'network-error'>) {
  const requested: string[] = [];
  let bytesRead = 0;
  const fetcher = (async (input: RequestInfo | URL) => {
    const url = String(input);
    requested.push(url);
    const route = routes[url];
    if (route === 'network-error') throw new TypeError('Failed to fetch');
    if (!route) return new Response('not found', { status: 404, statusText: 'Not Found' });
    const bytes = typeof route.body === 'string' ? new TextEncoder().encode(route.body) : route.body;
    const size = route.chunk ?? 4096;
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        const piece = bytes.slice(at, at + size);
        at += piece.length;
        bytesRead += piece.length;
        controller.enqueue(piece);
      },
    });
    return new Response(stream, { status: route.status ?? 200, headers: { 'content-type': route.type ?? 'application/octet-stream' } });
  }) as typeof fetch;
  return { fetcher, requested, bytesRead: () => bytesRead };
}

/** A real model split over two shards, as tfjs splits big models. */
async function twoShardModel(): Promise<{ json: ModelJson; a: Uint8Array; b: Uint8Array; all: Uint8Array }> {
  const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 4 }));
  const { modelJson, weightData } = await exportModel({ stereo });
  stereo.dispose();
  const all = new Uint8Array(weightData);
  const cut = 40000;
  const json: ModelJson = { ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0], paths: ['part1.bin', 'shards/part2.bin'] }] };
  return { json, a: all.slice(0, cut), b: all.slice(cut), all };
}

const url = new URL(`${BASE}model.json`);
const load = (f: ReturnType<typeof fakeFetch>, onProgress?: (p: LoadProgress) => void) => fetchModel(url, { fetcher: f.fetcher, onProgress, pageOrigin: 'https://app.example.org' });

async function expectError(routes: Parameters<typeof fakeFetch>[0], re: RegExp): Promise<ReturnType<typeof fakeFetch>> {
  const f = fakeFetch(routes);
  const err = await load(f).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(re);
  expect(err instanceof ModelLoadError || err instanceof ModelUrlError).toBe(true);
  return f;
}

describe('fetchModel', () => {
  it('loads model.json and its shards (relative to it) with progress up to the exact total', async () => {
    const m = await twoShardModel();
    const f = fakeFetch({
      [`${BASE}model.json`]: { body: JSON.stringify(m.json), type: 'application/json' },
      [`${BASE}part1.bin`]: { body: m.a, chunk: 10000 },
      [`${BASE}shards/part2.bin`]: { body: m.b, chunk: 10000 },
    });
    const progress: LoadProgress[] = [];
    const got = await load(f, (p) => progress.push(p));
    expect(new Uint8Array(got.weightData)).toEqual(m.all);
    expect(got.modelJson.userDefinedMetadata.networks.stereo?.preset).toBe('tiny');
    expect(progress[0]).toEqual({ loaded: 0, total: m.all.length });
    expect(progress.at(-1)).toEqual({ loaded: m.all.length, total: m.all.length });
    expect(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1].loaded)).toBe(true);
    expect(progress.length).toBeGreaterThan(4);
  });

  it('gives a clear message for 404, HTML, not JSON, a foreign JSON and a wrong version', async () => {
    const m = await twoShardModel();
    await expectError({}, /model\.json: HTTP 404 Not Found \(no such file\)/);
    await expectError({ [`${BASE}model.json`]: { body: '<!doctype html><title>Home</title>', type: 'text/html; charset=utf-8' } }, /is an HTML page, not the model description/);
    await expectError({ [`${BASE}model.json`]: { body: '\n  <!DOCTYPE html><p>x', type: 'text/plain' } }, /is an HTML or XML page, not a model\.json/);
    await expectError({ [`${BASE}model.json`]: { body: '{"format": "reciprocal-depth",', type: 'application/json' } }, /is not JSON \(.*\); it starts with "\{\\"format/);
    await expectError({ [`${BASE}model.json`]: { body: JSON.stringify({ modelTopology: {}, weightsManifest: [] }) } }, /is not a reciprocal-depth model \(format: undefined\)/);
    await expectError({ [`${BASE}model.json`]: { body: JSON.stringify({ ...m.json, formatVersion: 9 }) } }, /format version 9; this app reads version 1/);
    await expectError({ [`${BASE}model.json`]: { body: 'x'.repeat(1024 * 1024 + 1) } }, /larger than 1024 KB/);
  });

  it('refuses too many weights before downloading any, and a shard longer or shorter than described', async () => {
    const m = await twoShardModel();
    const huge = structuredClone(m.json);
    huge.weightsManifest[0].weights.push({ name: 'stereo/extra', shape: [4096, 4096, 2], dtype: 'float32' });
    const f = await expectError({ [`${BASE}model.json`]: { body: JSON.stringify(huge) } }, new RegExp(`has 134\\.4 MB of weights; this app loads at most ${(MAX_WEIGHT_BYTES / 1e6).toFixed(1)} MB`));
    expect(f.requested).toEqual([`${BASE}model.json`]);

    const long = await expectError(
      {
        [`${BASE}model.json`]: { body: JSON.stringify(m.json) },
        [`${BASE}part1.bin`]: { body: new Uint8Array(50 * 1024 * 1024), chunk: 65536 },
      },
      /part1\.bin holds more weight data than .*model\.json describes/,
    );
    expect(long.bytesRead()).toBeLessThan(m.all.length + 2 * 65536 + 4096); // stopped reading at the limit
    await expectError(
      { [`${BASE}model.json`]: { body: JSON.stringify(m.json) }, [`${BASE}part1.bin`]: { body: m.a }, [`${BASE}shards/part2.bin`]: { body: m.b.slice(1) } },
      /hold \d+ bytes but model\.json describes \d+/,
    );
    await expectError({ [`${BASE}model.json`]: { body: JSON.stringify(m.json) }, [`${BASE}part1.bin`]: { body: '<html>', type: 'text/html' } }, /part1\.bin is an HTML page, not the weights/);
  });

  it('network failures name CORS for other sites; shard paths that are not http(s) are not fetched', async () => {
    await expectError({ [`${BASE}model.json`]: 'network-error' }, /does not let this page read it \(it must send the CORS header Access-Control-Allow-Origin\)/);
    const same = fakeFetch({ [`${BASE}model.json`]: 'network-error' });
    const err = await fetchModel(url, { fetcher: same.fetcher, pageOrigin: 'https://models.example.com' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/the request failed \(Failed to fetch\)/);
    const m = await twoShardModel();
    const evil = structuredClone(m.json);
    evil.weightsManifest[0].paths = ['javascript:alert(1)'];
    const f = await expectError({ [`${BASE}model.json`]: { body: JSON.stringify(evil) } }, /Only http\(s\) addresses .* a weight file of/);
    expect(f.requested).toHaveLength(1);
  });
});
