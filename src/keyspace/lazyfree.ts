// Lazy freeing, as Redis counts it (lazyfree.c). Redis hands a big value removed by UNLINK (or by
// DEL with lazyfree-lazy-user-del, FLUSHDB/FLUSHALL ASYNC …) to a background thread and counts it
// in INFO's lazyfreed_objects. Here V8's garbage collector frees every value off the command path
// anyway, so "lazy" means: count the value as Redis would, and tell the memory reclaimer how much
// was let go, so a collection runs soon and used_memory falls as it does on Redis. The objects are
// pending (lazyfree_pending_objects) until that collection has finished, then freed.

import { RECLAIM_THRESHOLD_BYTES, type MemoryReclaimer } from '../util/gc.js';
import { HashValue } from '../types/hash.js';
import { ListValue } from '../types/list.js';
import { SetValue } from '../types/set.js';
import { StreamValue } from '../types/stream.js';
import { ZSetValue } from '../types/zset.js';
import type { Value } from '../types/value.js';

/** Redis frees a value in the background only when its effort is above this. */
export const LAZYFREE_THRESHOLD = 64;

/** What a value element costs, roughly, for the reclaimer (a Map entry and its strings). */
const BYTES_PER_ELEMENT = 100;
/** What a list node holds, roughly (8 KB listpacks by default). */
const BYTES_PER_LIST_NODE = 8192;

/**
 * How many allocations freeing v takes, as lazyfreeGetFreeEffort: a list's nodes, a hashtable
 * set's or hash's size, a skiplist's length, a stream's radix-tree nodes plus its groups times
 * (one plus the first group's PEL); 1 for everything else (strings, listpack and intset values).
 */
export function freeEffort(v: Value): number {
  if (typeof v === 'string') return 1;
  if (v instanceof ListValue) return v.nodeCount;
  if (v instanceof SetValue) return v.isIntset ? 1 : v.size;
  if (v instanceof HashValue) return v.isListpack ? 1 : v.size;
  if (v instanceof ZSetValue) return v.isListpack ? 1 : v.size;
  if (v instanceof StreamValue) {
    let effort = v.raxNodes();
    const groups = v.groups;
    if (groups !== null && groups.size !== 0) {
      const first = v.sortedGroups()[0][1];
      effort += groups.size * (1 + first.pel.size);
    }
    return effort;
  }
  return 1;
}

/** Where a lazy free is accounted: the memory reclaimer counts the objects once they are gone. */
export interface LazyFreeHost {
  readonly memory: MemoryReclaimer;
}

/** v was just removed by an asynchronous delete (freeObjAsync). */
export function freeValueAsync(host: LazyFreeHost, v: Value): void {
  const effort = freeEffort(v);
  if (effort <= LAZYFREE_THRESHOLD) return;
  host.memory.released(effort * (v instanceof ListValue ? BYTES_PER_LIST_NODE : BYTES_PER_ELEMENT), 1);
}

/**
 * A database of keys keys was just emptied asynchronously (emptyDbAsync): every key counts, and
 * a collection is asked for whatever the keys held (a flush is rare; sizing it would walk them).
 */
export function freeDatabaseAsync(host: LazyFreeHost, keys: number): void {
  if (keys === 0) return;
  host.memory.released(RECLAIM_THRESHOLD_BYTES, keys);
}
