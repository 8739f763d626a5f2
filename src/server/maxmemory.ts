// maxmemory without eviction: the OOM gate of Redis's processCommand. With maxmemory set and the
// policy noeviction, a command flagged denyoom (a write that may grow the dataset), an EXEC whose
// queue holds one, or any command queued inside MULTI (but EXEC, DISCARD, QUIT and RESET) is
// refused with -OOM while used memory is past maxmemory. Used memory is INFO's used_memory (the
// process's V8 heap plus external memory), read at most once a millisecond. Eviction policies
// are not built: under them nothing is refused or evicted (server/inert.ts warns).

import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import type { Client } from './client.js';
import type { Command } from './command.js';
import { addGate, noMultiGate, type Gate } from './dispatch.js';

export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** Commands that stay allowed inside MULTI when out of memory. */
const MULTI_OOM_EXEMPT = new Set(['exec', 'discard', 'quit', 'reset']);

let sampledAt = -Infinity;
let sampled = 0;

/** Used memory as INFO's used_memory counts it, sampled at most once a millisecond. */
export function usedMemory(): number {
  const now = performance.now();
  if (now - sampledAt >= 1) {
    const h = getHeapStatistics();
    sampled = h.used_heap_size + h.external_memory;
    sampledAt = now;
  }
  return sampled;
}

/** Whether the command would grow memory (denyoom), counting an EXEC's queue. */
function deniedOnOom(c: Client, cmd: Command): boolean {
  if (cmd.denyOom) return true;
  const queue = c.multi;
  if (queue === null) return false;
  if (cmd.fullName === 'exec') {
    for (let i = 0; i < queue.length; i++) if (queue[i].cmd.denyOom) return true;
    return false;
  }
  // Queueing itself takes memory without bound: refused too.
  return !MULTI_OOM_EXEMPT.has(cmd.fullName);
}

/** The OOM gate (after authentication and MULTI's no-multi check, as in Redis). */
export const oomGate: Gate = (c, cmd) => {
  const server = c.server;
  if (server.maxmemory === 0 || !server.maxmemoryRefuses) return null;
  if (!deniedOnOom(c, cmd)) return null;
  return usedMemory() > server.maxmemory ? ERR_OOM : null;
};

addGate(oomGate, noMultiGate);
