// What every slice of the store is built from: zustand's set / get, the worker client, the
// buffers beside the store and the environment.
import type { StoreApi } from 'zustand/vanilla';
import type { Decoders } from '../data/intake';
import type { TrainClient } from '../train/client';
import type { AppBuffers } from './buffers';
import type { AppState } from './store';

export interface SliceDeps {
  set: StoreApi<AppState>['setState'];
  get: StoreApi<AppState>['getState'];
  client: TrainClient;
  buffers: AppBuffers;
  decoders?: Decoders;
}

/** Replaces some fields of one slice (zustand merges the top level only). */
export function patch<K extends keyof AppState>(deps: Pick<SliceDeps, 'set'>, key: K, fields: Partial<AppState[K]>): void {
  deps.set((s) => ({ [key]: { ...(s[key] as object), ...fields } }) as unknown as Partial<AppState>);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
