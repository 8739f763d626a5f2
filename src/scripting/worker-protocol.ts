// What the main thread and a script's worker thread (scripting/lua-worker.ts) exchange.
//
// Counters (Int32 slots of the shared buffer): REQUESTS is bumped after each message the worker
// posts (the main thread waits on it), REPLIES after each reply the main thread posts.

import type { ReplyValue } from 'lua-redis-wasm';

export const REQUESTS = 0;
export const REPLIES = 1;

/** A script to run: the code as the engine runs it, and its KEYS and ARGV. */
export interface WorkerJob {
  code: Uint8Array;
  keys: Uint8Array[];
  args: Uint8Array[];
}

/**
 * What the worker posts to the main thread. A call's arguments go as one-byte (latin1) strings,
 * and its reply comes back as the RESP text the command wrote: strings cross threads by a plain
 * copy, where a Buffer would take its whole backing store along (a pooled one is 8 KB).
 */
export type WorkerMessage =
  | { type: 'call'; args: string[] }
  | { type: 'log'; level: number; message: Uint8Array }
  | { type: 'resp'; version: 2 | 3 }
  | { type: 'done'; result: ReplyValue }
  | { type: 'panic'; message: string };

/**
 * Buffers cross threads as plain Uint8Arrays (structured clone): turned back into Buffers, which
 * the engine's reply encoder and the server's reply writer expect.
 */
export function revive(v: unknown): ReplyValue {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
    return v as ReplyValue;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'meta') o[k] = revive(o[k]);
    return o as ReplyValue;
  }
  return v as ReplyValue;
}

