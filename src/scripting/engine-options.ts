// How a Lua engine is loaded: Redis 7.0's sandbox and the redis table's constants, shared by the
// server's engine (scripting/lua.ts) and the worker thread's (scripting/lua-worker.ts), so that a
// script sees the same environment wherever it runs.

import type { LoadOptions } from 'lua-redis-wasm';
import { REDIS_VERSION } from '../version.js';

/** The constants and no-op helpers of Redis 7.0's redis table that the engine does not define. */
const REDIS_PROPS = {
  REDIS_VERSION: { value: REDIS_VERSION },
  REDIS_VERSION_NUM: { value: versionNumber(REDIS_VERSION) },
  REPL_NONE: { value: 0 },
  REPL_AOF: { value: 1 },
  REPL_SLAVE: { value: 2 },
  REPL_REPLICA: { value: 2 },
  REPL_ALL: { value: 3 },
  // Effects replication is the only mode in Redis 7: asking for it succeeds and changes nothing.
  replicate_commands: { returns: true },
  // Not honoured yet: every command a script runs propagates (see README's limits).
  set_repl: { returns: null },
  // The Lua debugger (SCRIPT DEBUG) is not built: outside it these do nothing, as in Redis.
  breakpoint: { returns: false },
  debug: { returns: null },
  // No ACL rules exist beyond the default user, which may run every command.
  acl_check_cmd: { returns: true },
} as const;

function versionNumber(v: string): number {
  const [a, b, c] = v.split('.').map(Number);
  return (a << 16) | (b << 8) | c;
}

/** The engine's load options, with a budget of maxFuel Lua instructions per run. */
export function engineLoadOptions(maxFuel: number): LoadOptions {
  return { profile: 'redis-7.0', redisProps: REDIS_PROPS, limits: { maxFuel } };
}
