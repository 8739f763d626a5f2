// Transactions (multi.c): MULTI queues (dispatch does the queueing and flags refused commands),
// EXEC runs the queue as one execution unit, WATCH makes EXEC conditional on keys not changing.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { applyReplyMode, call } from '../server/dispatch.js';
import { discardTransaction, unwatchAll, watchKey, watchedKeyExpired } from '../server/multi.js';

const ERR_EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

function multi(c: Client): void {
  if (c.multi !== null) {
    c.error('ERR MULTI calls can not be nested');
    return;
  }
  c.multi = [];
  c.ok();
}

function discard(c: Client): void {
  if (c.multi === null) {
    c.error('ERR DISCARD without MULTI');
    return;
  }
  discardTransaction(c);
  c.ok();
}

/**
 * Runs the queued commands, each through call() inside EXEC's own unit: one "now" for all, and
 * their effects propagate together, wrapped in MULTI/EXEC when there is more than one.
 */
function exec(c: Client): void {
  const queue = c.multi;
  if (queue === null) {
    c.error('ERR EXEC without MULTI');
    return;
  }
  // A watched key that expired since WATCH counts as changed (Redis 7).
  if (!c.casDirty && watchedKeyExpired(c)) c.casDirty = true;
  if (c.multiError || c.casDirty) {
    if (c.multiError) c.error(ERR_EXECABORT);
    else c.nullArray();
    discardTransaction(c);
    return;
  }
  unwatchAll(c);
  const denyBlocking = c.denyBlocking;
  c.denyBlocking = true;
  // Each reply obeys the reply mode in force when it is written, as in Redis, where a CLIENT
  // REPLY inside the transaction switches replies on or off for the commands after it.
  let mark = c.replyBytes;
  c.arrayLen(queue.length);
  if (c.replyMode !== 'on') c.truncate(mark);
  // The queue stays in place while it runs: CLIENT LIST shows flags=x and multi=n meanwhile.
  const server = c.server;
  const inExec = server.inExec;
  server.inExec = true;
  try {
    for (let i = 0; i < queue.length; i++) {
      mark = c.replyBytes;
      call(c, queue[i].cmd, queue[i].argv);
      if (c.replyMode !== 'on') applyReplyMode(c, mark, queue[i].cmd);
    }
  } finally {
    server.inExec = inExec;
  }
  c.denyBlocking = denyBlocking;
  discardTransaction(c);
  // EXEC itself never propagates; the commands it ran did.
  c.preventPropagation();
}

function watch(c: Client, argv: string[]): void {
  if (c.multi !== null) {
    c.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  for (let i = 1; i < argv.length; i++) watchKey(c, argv[i]);
  c.ok();
}

function unwatch(c: Client): void {
  unwatchAll(c);
  c.casDirty = false;
  c.ok();
}

export const transactionCommands: CommandSpec[] = [
  { name: 'discard', handler: discard },
  { name: 'exec', handler: exec },
  { name: 'multi', handler: multi },
  { name: 'unwatch', handler: unwatch },
  { name: 'watch', handler: watch },
];
