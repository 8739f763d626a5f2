// A primary's shutdown waits for its replicas (Redis 7.0's prepareForShutdown with
// shutdown-timeout): unless NOW, while some replica has not acknowledged the whole stream, writes
// are paused, the replicas are asked for acknowledgements, and the shutdown goes on once they
// all have, or once shutdown-timeout seconds have passed. SHUTDOWN clients wait blocked
// meanwhile; a second SHUTDOWN joins them; SHUTDOWN ABORT (or a failed final save) lets writes
// go on and answers them with an error.

import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { PAUSE_WRITE } from '../server/pause.js';
import { replicaName } from './primary.js';

const ERR_SHUTDOWN = 'ERR Errors trying to SHUTDOWN. Check logs.';

/** isReadyToShutdown: every replica has acknowledged the whole stream. */
export function replicasCaughtUp(server: Server): boolean {
  const repl = server.replication;
  for (const r of repl.replicas) if (r.replica!.ackOffset !== repl.offset) return false;
  return true;
}

/**
 * Starts waiting for the replicas if the shutdown must (not NOW, shutdown-timeout set, a replica
 * behind); finish runs when the wait ends. c, when given, waits blocked. False: no wait needed.
 */
export function waitForReplicas(server: Server, now: boolean, c: Client | null, finish: () => void): boolean {
  const timeout = server.config.num('shutdown-timeout');
  if (now || timeout === 0 || replicasCaughtUp(server)) return false;
  server.pendingShutdown = { deadline: server.clock.now() + timeout * 1000, clients: [], finish };
  if (!server.pause.active) server.replication.requestAcks();
  server.pause.pause('shutdown', Number.MAX_SAFE_INTEGER, PAUSE_WRITE);
  server.log.notice('Waiting for replicas before shutting down.');
  if (c !== null) joinShutdown(c);
  return true;
}

/** A SHUTDOWN while one waits: its client waits with the others. */
export function joinShutdown(c: Client): void {
  const pending = c.server.pendingShutdown!;
  const cmd = c.server.table.lookup('shutdown')!;
  c.server.blocking.suspend(c, cmd, ['shutdown']);
  pending.clients.push(c);
}

/** Each cron tick and acknowledgement: the wait ends when the replicas caught up or time ran out. */
export function checkPendingShutdown(server: Server): void {
  const pending = server.pendingShutdown;
  if (pending === null) return;
  if (server.clock.now() < pending.deadline && !replicasCaughtUp(server)) return;
  pending.finish();
}

/** finishShutdown's report: each replica still behind, and how many are in sync. */
export function logLaggingReplicas(server: Server): void {
  const repl = server.replication;
  if (repl.replicas.length === 0) return;
  const now = server.clock.now();
  let lagging = 0;
  for (const r of repl.replicas) {
    const st = r.replica!;
    if (st.ackOffset === repl.offset) continue;
    lagging++;
    const lag = st.state === 'online' ? Math.floor((now - st.ackTime) / 1000) : 0;
    server.log.warning(
      `Lagging replica ${replicaName(r)} reported offset ${repl.offset - st.ackOffset} behind master, lag=${lag}, state=${st.state}.`,
    );
  }
  server.log.notice(`${repl.replicas.length - lagging} of ${repl.replicas.length} replicas are in sync when shutting down.`);
}

/**
 * The wait is over without exiting (SHUTDOWN ABORT, a failed final save): writes go on, the
 * waiting SHUTDOWN clients get an error. True if a shutdown was pending.
 */
export function cancelPendingShutdown(server: Server): boolean {
  const pending = server.pendingShutdown;
  if (pending === null) return false;
  server.pendingShutdown = null;
  server.pause.unpause('shutdown');
  for (const c of pending.clients) if (!c.closed) server.blocking.unblock(c, 'error', ERR_SHUTDOWN);
  return true;
}

/** Ends the wait before finishing (the pause stays for the final save's own handling). */
export function endPendingShutdown(server: Server): Client[] {
  const pending = server.pendingShutdown;
  server.pendingShutdown = null;
  return pending?.clients ?? [];
}
