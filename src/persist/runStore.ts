// Where autosaves live: a tiny key-value store over IndexedDB (one database, one object store),
// and an in-memory one with the same behaviour for tests. Values are structured-cloned, so
// ArrayBuffers and typed arrays are stored as they are.

export interface RunStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

const DB_NAME = 'reciprocal-depth';
const STORE = 'autosave';

function promised<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** The autosave store in this browser's IndexedDB (per origin). */
export function indexedDbRunStore(dbName = DB_NAME): RunStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') return reject(new Error('this browser has no IndexedDB (private mode?)'));
      const req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this app'));
    }).catch((e: unknown) => {
      db = undefined; // try again next time
      throw e;
    });
    return db;
  };
  const tx = async <T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const t = (await open()).transaction(STORE, mode);
    const result = promised(run(t.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted (storage full?)'));
    });
    return result;
  };
  return {
    get: <T>(key: string) => tx('readonly', (s) => s.get(key) as IDBRequest<T | undefined>),
    put: async (key, value) => {
      await tx('readwrite', (s) => s.put(value, key));
    },
    delete: async (key) => {
      await tx('readwrite', (s) => s.delete(key));
    },
  };
}

/** The same in memory (values cloned in and out, as IndexedDB does). */
export function memoryRunStore(): RunStore & { readonly data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async <T>(key: string) => (data.has(key) ? (structuredClone(data.get(key)) as T) : undefined),
    put: async (key, value) => void data.set(key, structuredClone(value)),
    delete: async (key) => void data.delete(key),
  };
}
