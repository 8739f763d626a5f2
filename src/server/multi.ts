// A client's transaction state (Redis's multi.c): the commands queued since MULTI, the flags
// that make EXEC fail, and the keys it WATCHes. The commands themselves are in
// commands/transactions.ts; dispatch queues and flags.

import type { Client } from './client.js';
import type { Command } from './command.js';
import { unwatchAll } from '../keyspace/db.js';

export interface QueuedCommand {
  readonly cmd: Command;
  readonly argv: string[];
}

/** Queues a command for EXEC; multi-mem counts its arguments as Redis does (bytes + a pointer each). */
export function queueCommand(c: Client, cmd: Command, argv: string[]): void {
  c.multi!.push({ cmd, argv });
  let bytes = 8 * argv.length;
  for (let i = 0; i < argv.length; i++) bytes += argv[i].length;
  c.multiBytes += bytes;
}

/** Ends the transaction (EXEC, DISCARD, RESET, a closed connection) and unwatches every key. */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.multiError = false;
  c.multiBytes = 0;
  c.casDirty = false;
  unwatchAll(c);
}

/** WATCH of one key in the client's database (a key watched already is left as it is). */
export function watchKey(c: Client, key: string): void {
  const db = c.db;
  if (c.watching !== null) {
    for (const wk of c.watching) if (wk.db === db && wk.key === key) return;
  }
  db.watch(c, key);
}

export { unwatchAll };

/**
 * Whether a watched key expired since it was watched (Redis 7's isWatchedKeyExpired): EXEC then
 * fails although nothing deleted the key yet.
 */
export function watchedKeyExpired(c: Client): boolean {
  if (c.watching === null) return false;
  for (const wk of c.watching) {
    if (!wk.expired && wk.db.isExpired(wk.key)) return true;
  }
  return false;
}
