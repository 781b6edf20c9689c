// What every slice of the store is built from: zustand's set / get, the worker client, the
// buffers beside the store and the environment.
import type { StoreApi } from 'zustand/vanilla';
import type { Decoders } from '../data/intake';
import type { RunStore } from '../persist/runStore';
import type { TrainClient } from '../train/client';
import type { AppBuffers } from './buffers';
import type { AppState } from './store';

export interface SliceDeps {
  set: StoreApi<AppState>['setState'];
  get: StoreApi<AppState>['getState'];
  subscribe: StoreApi<AppState>['subscribe'];
  client: TrainClient;
  buffers: AppBuffers;
  decoders?: Decoders;
  /** Fetch for models (tests pass a fake one). */
  fetcher?: typeof fetch;
  /** Where the app is served: share links start with it (default: location.href). */
  pageHref?: () => string;
  /** Where autosaves go; none: no autosave. */
  runStore?: RunStore;
  /** Milliseconds between autosaves while training. */
  autosaveMs: number;
}

/** Replaces some fields of one slice (zustand merges the top level only). */
export function patch<K extends keyof AppState>(deps: Pick<SliceDeps, 'set'>, key: K, fields: Partial<AppState[K]>): void {
  deps.set((s) => ({ [key]: { ...(s[key] as object), ...fields } }) as unknown as Partial<AppState>);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Resolves when `cond` holds for the store's state (at once if it already does). */
export function when(d: Pick<SliceDeps, 'get' | 'subscribe'>, cond: (s: AppState) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (cond(d.get())) return resolve();
    const unsubscribe = d.subscribe((s) => {
      if (!cond(s)) return;
      unsubscribe();
      resolve();
    });
  });
}
