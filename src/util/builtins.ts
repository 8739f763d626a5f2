// Node's built-in modules that start-up does not need, loaded on their first use instead. Node
// compiles a built-in module from its own sources the first time one is loaded, and start-up is
// timed to the first PONG: node:crypto alone added ~6 ms to it, most of what nodis's built-ins
// cost. Types come from `typeof import(...)`, which emits no code.

import { createRequire } from 'node:module';

/** process.getBuiltinModule where Node has it (20.16 and later), require() on older Node 20. */
const loadBuiltin: (id: string) => unknown =
  typeof process.getBuiltinModule === 'function'
    ? (id) => process.getBuiltinModule(id)
    : createRequire(process.execPath);

function lazyBuiltin<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= loadBuiltin(id) as T);
}

export const nodeCrypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');
export const workerThreads = lazyBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
export const fsPromises = lazyBuiltin<typeof import('node:fs/promises')>('node:fs/promises');

/** n random bytes as 2n lowercase hex digits (run and replication ids, temporary file names). */
export function randomHex(n: number): string {
  return nodeCrypto().randomBytes(n).toString('hex');
}
