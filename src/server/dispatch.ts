// The path around every command, as Redis's processCommand() → call(): resolve the command
// (writing nothing), pass it through the gates, then run it inside an execution unit. EXEC,
// scripts, blocked clients and AOF loading reuse resolve + gates + call.

import type { Client } from './client.js';
import { Command, getCommandKeys } from './command.js';
import { ERR_NOAUTH, errUnknownSubcommand, errWrongArgs } from './errors.js';
import { allowProtectedAction, errProtectedCommand } from './protected.js';
import { cString } from '../util/cstring.js';
import { discardTransaction, queueCommand } from './multi.js';

/** What resolving an argv gives: the command, or the error that rejects it. */
export type Resolved = Command | { error: string; cmd: Command | null };

/**
 * Finds the command or subcommand argv names and checks its arity. Writes nothing: the caller
 * replies (or queues the error inside MULTI). On an arity error the command is returned too,
 * so its rejected_calls can be counted.
 */
export function resolveCommand(c: Client, argv: string[]): Resolved {
  const cmd = c.server.table.lookup(argv[0]);
  if (!cmd) {
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) {
      args += `'${cString(argv[i], 128 - args.length)}' `;
    }
    return { error: `ERR unknown command '${cString(argv[0], 128)}', with args beginning with: ${args}`, cmd: null };
  }
  if (cmd.subcommands.size === 0 || argv.length < 2) return checkArity(cmd, argv.length);
  const sub = cmd.subcommands.get(argv[1].toLowerCase());
  if (!sub) return { error: errUnknownSubcommand(argv[1], cmd.fullName), cmd: null };
  return checkArity(sub, argv.length);
}

function checkArity(cmd: Command, argc: number): Resolved {
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
    return { error: errWrongArgs(cmd.fullName), cmd };
  }
  return cmd;
}

/**
 * A check a command must pass before it runs: Redis's error text when it may not, else null.
 * Gates run in Redis's order (authentication, ACL, OOM, read-only replica, pub/sub context,
 * loading, busy script …); features add theirs with addGate.
 */
export type Gate = (c: Client, cmd: Command, argv: string[]) => string | null;

/**
 * DEBUG and MODULE run only where enable-debug-command / enable-module-command allow them. Redis
 * checks this with the arity, before the gates (authentication first), and counts a refusal as
 * rejected. Only for commands with protectedBy set.
 */
function protectedCommandError(c: Client, cmd: Command, option: string): string | null {
  if (allowProtectedAction(c, c.server.config.get(option))) return null;
  return errProtectedCommand((cmd.parent ?? cmd).fullName.toUpperCase(), option);
}

const authGate: Gate = (c, cmd) => (!c.authenticated && !cmd.noAuth && c.authRequired() ? ERR_NOAUTH : null);

/** Commands flagged no-multi (SAVE, SYNC, SHUTDOWN …) are refused inside MULTI, after AUTH. */
const noMultiGate: Gate = (c, cmd) =>
  c.multi !== null && cmd.flags.includes('no_multi') ? 'ERR Command not allowed inside a transaction' : null;

/**
 * A replica's link, or a MONITOR connection (both replicas to Redis), may not read or write data
 * (Redis: so that they cannot slip past CLIENT PAUSE).
 */
const replicaKeyspaceGate: Gate = (c, cmd) =>
  (c.monitor || c.replica !== null) && cmd.touchesKeyspace ? "ERR Replica can't interact with the keyspace" : null;

/** The gates, in order. Each feature module registers its own at load time. */
const gates: Gate[] = [authGate, noMultiGate, replicaKeyspaceGate];

/**
 * Adds a gate. `after` places it after the gate given (Redis's order matters: the first failing
 * gate's error is the reply); by default it goes last.
 */
export function addGate(gate: Gate, after?: Gate): void {
  if (gates.includes(gate)) return;
  const i = after ? gates.indexOf(after) : -1;
  if (i < 0) gates.push(gate);
  else gates.splice(i + 1, 0, gate);
}

/** Removes a gate (a feature switched off; tests). */
export function removeGate(gate: Gate): void {
  const i = gates.indexOf(gate);
  if (i >= 0) gates.splice(i, 1);
}

export { authGate, noMultiGate };

/** Resolves and checks a command line: the command to run, or the error rejecting it. */
export function checkCommand(c: Client, argv: string[]): Resolved {
  const r = resolveCommand(c, argv);
  if (!(r instanceof Command)) return r;
  // The primary's commands were judged where they first ran (mustObeyClient).
  if (c.isMaster) return r;
  if (r.protectedBy !== null) {
    const err = protectedCommandError(c, r, r.protectedBy);
    if (err !== null) return { error: err, cmd: r };
  }
  for (let i = 0; i < gates.length; i++) {
    const err = gates[i](c, r, argv);
    if (err !== null) return { error: err, cmd: r };
  }
  return r;
}

/**
 * Counts and answers a rejected command as Redis's rejectCommand does: an error reply (which
 * errorstats counts) and rejected_calls for a known command.
 */
export function rejectCommand(c: Client, rejected: { error: string; cmd: Command | null }): void {
  if (rejected.cmd) rejected.cmd.stats.rejectedCalls++;
  if (rejected.cmd !== null && rejected.cmd.fullName === 'exec') {
    // A refused EXEC ends the transaction, if any, naming why (Redis's execCommandAbort; the
    // errors Redis formats itself lose their "ERR ").
    discardTransaction(c);
    const why = rejected.error.startsWith('ERR ') ? rejected.error.slice(4) : rejected.error;
    c.error(`EXECABORT Transaction discarded because of: ${why}`);
    return;
  }
  // Inside MULTI the transaction is flagged: EXEC will abort (Redis's flagTransaction).
  if (c.multi !== null) c.multiError = true;
  c.error(rejected.error);
}

/**
 * Holds a command back until what it needs is ready, returning true when it did (the Lua engine
 * loads asynchronously on the first script: the script's client waits, its later input unread,
 * and runs the command again from the start once the engine is there). Set by scripting.
 */
export type CommandHolder = (c: Client, cmd: Command, argv: string[]) => boolean;
let holdCommand: CommandHolder = () => false;

export function setCommandHolder(h: CommandHolder): void {
  holdCommand = h;
}

/** What still runs at once inside MULTI; everything else is queued for EXEC. */
const RUN_IN_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/**
 * Runs one command from a client's input. Its duration is not read from the clock here: the
 * commands of one read share that read's time (see Server.settleCommandTimes).
 */
export function processCommand(c: Client, argv: string[]): void {
  const mark = c.replyBytes;
  const replica = c.replica !== null && c.replica.online;
  const r = checkCommand(c, argv);
  let ran: Command | null = null;
  if (!(r instanceof Command)) {
    // As Redis's c->lastcmd: the command found, even when rejected (NULL when unknown).
    c.lastCommand = r.cmd ? r.cmd.fullName : 'NULL';
    rejectCommand(c, r);
    // CLIENT CACHING lapses after any command but CLIENT's, outside a transaction (resetClient).
    const t = c.tracking;
    if (t !== null && t.caching && c.multi === null && (r.cmd?.parent ?? r.cmd)?.fullName !== 'client') t.caching = false;
  } else if (c.server.pause.active && c.server.pause.holds(c, r, argv)) {
    // CLIENT PAUSE: the command waits, and runs from the start once the pause is over (it has
    // not run, so nothing counts it yet; CLIENT LIST shows it as the client's command).
    c.lastCommand = r.fullName;
    c.server.blocking.postpone(c, r, argv);
  } else if ((c.multi === null ? r.needsEngine : r.fullName === 'exec') && holdCommand(c, r, argv)) {
    c.lastCommand = r.fullName;
  } else if (c.multi !== null && !RUN_IN_MULTI.has(r.fullName)) {
    // (Queued, not run: a queued CLIENT REPLY's +QUEUED obeys the reply mode like any other.)
    c.lastCommand = r.fullName;
    queueCommand(c, r, argv);
    c.simple('QUEUED');
  } else {
    ran = r;
    c.lastCommand = r.fullName;
    call(c, r, argv);
  }
  // A command that blocked has not replied yet: the reply mode applies when it does.
  if (c.replyMode !== 'on' && c.blocked === null) applyReplyMode(c, mark, ran);
  if (replica && c.replyBytes !== mark) dropReplyingReplica(c, mark);
  else if (c.isMaster && c.replyBytes !== mark) dropMasterReply(c, mark);
}

/**
 * The primary reads no replies (only REPLCONF ACK, written apart): they are dropped; an error
 * is logged, as a replica disagreeing with its primary is worth knowing (Redis's afterErrorReply).
 */
function dropMasterReply(c: Client, mark: number): void {
  const reply = c.takeFrom(mark);
  if (reply.charCodeAt(0) === 45 /* '-' */) {
    const end = reply.indexOf('\r\n');
    c.server.log.warning(
      `== CRITICAL == This replica is sending an error to its master: '${reply.slice(1, end < 0 ? 128 : Math.min(end, 128))}' after processing the command '${c.lastCommand}'`,
    );
  }
}

/**
 * Runs a command as one execution unit (or inside the unit already open: EXEC, a script): the
 * handler, its statistics, and what it propagates. A write that changed the dataset (dirty)
 * propagates its argv, or what the handler rewrote it to. The outermost unit then delivers what
 * it gathered (see Server.endUnit). Calls and failures count at once; the duration is settled
 * with the other commands of the same read (one clock read per read, not per command). An
 * exception is a bug in nodis: logged, and answered with an error.
 */
export function call(c: Client, cmd: Command, argv: string[]): void {
  const server = c.server;
  server.beginUnit(c, cmd.touchesArbitraryKeys);
  // Error replies are charged to the command that wrote them: a nested call (EXEC's commands)
  // moves the mark past its own, so EXEC does not fail because a command inside it did.
  server.errorsSeen = server.stats.totalErrorReplies;
  const dirtyBefore = server.dirty;
  c.propagateArgv = null;
  c.propagateMode = 0;
  const replyMark = c.replyBytes;
  const deferredDepth = c.deferredDepth;
  // A command that may be slow is timed on its own, so its time is never spread over others.
  const exact = !cmd.fast;
  // (Fast commands run before it get their share first; with none, it starts at tick.)
  if (exact && server.timedCount !== 0) server.settleCommandTimes();
  // A running background save keeps the command's keys as they are before it may change them
  // in place (persistence/snapshot.ts); Database's own methods cover the rest.
  if (c.db.snap !== null && (cmd.write || cmd.mayReplicate)) keepKeysForSnapshot(c, cmd, argv);
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    // A half-written reply would leave the client waiting for items that never come: it is
    // replaced by the error.
    c.truncate(replyMark);
    c.abandonDeferred(deferredDepth);
    server.logFault(`Error in '${cmd.fullName}'`, e);
    c.error(`ERR internal error in '${cmd.fullName}': ${e instanceof Error ? e.message : String(e)}`);
  }
  // Propagate what changed the dataset (or was forced to), as received or as the handler restated it.
  // A counter that went down (SAVE resets it) is no change, as Redis clamps it at 0.
  const mode: number = c.propagateMode; // (set by the handler, which TypeScript cannot see)
  if (mode === 1 || (mode === 0 && server.dirty > dirtyBefore)) {
    server.alsoPropagate(c.db.id, c.propagateArgv ?? argv);
  }
  let shown = argv;
  if (c.redacted !== null) {
    shown = argv.slice();
    for (const i of c.redacted) if (i < shown.length) shown[i] = '(redacted)';
    c.redacted = null;
  }
  // MONITOR sees a command when it first runs, not when a blocked client's runs again.
  if (server.monitors.size !== 0 && !cmd.skipMonitor && !rerunning) server.feedMonitors(c, shown);
  // A command that blocked counts (and is timed and slow-logged) when it is served, times out or
  // is unblocked (keyspace/blocking.ts), as Redis 7.2 counts it; a tracking client's reads
  // remember their keys then too (Redis does this after propagating).
  if (c.blocked === null) {
    if (c.tracking !== null) server.tracking.commandDone(c, c.tracking, cmd, argv);
    cmd.stats.calls++;
    server.stats.commandsProcessed++;
    server.commandRan(cmd, c, shown);
  }
  if (exact) server.settleCommandTimes();
  // More errors than at the mark (CONFIG RESETSTAT zeroes the count: that is no failure).
  if (server.stats.totalErrorReplies > server.errorsSeen) cmd.stats.failedCalls++;
  server.errorsSeen = server.stats.totalErrorReplies;
  // Every unit is closed, nested ones too (EXEC's commands); only the outermost delivers.
  server.endUnit();
}

function keepKeysForSnapshot(c: Client, cmd: Command, argv: string[]): void {
  const db = c.db;
  for (const k of getCommandKeys(cmd, argv)) db.keepForSnapshot(argv[k.pos]);
}

/** A blocked client's command is running again (rerun): MONITOR has seen it already. */
let rerunning = false;

/**
 * Whether the running command is a blocked client's, run again because a key it waits on is
 * ready (XREAD BLOCK serves such a run as Redis 7.0 serves a blocked reader).
 */
export function isRerun(): boolean {
  return rerunning;
}

/**
 * Runs a blocked client's command again, now that a key it waits on is ready (Redis 7.2's
 * reprocessing of a blocked command): as a unit of its own, through call(), but not shown to
 * MONITOR a second time.
 */
export function rerun(c: Client, cmd: Command, argv: string[]): void {
  rerunning = true;
  try {
    call(c, cmd, argv);
  } finally {
    rerunning = false;
  }
}

/**
 * A replica's link carries the stream one way: a command of the replica that produced a reply
 * (anything but REPLCONF ACK) means a rogue replica, which Redis disconnects, keeping the reply.
 */
function dropReplyingReplica(c: Client, mark: number): void {
  c.truncate(mark);
  c.server.log.warning(`Replica generated a reply to command '${c.lastCommand}', disconnecting it: id=${c.id} addr=${c.addr}`);
  // Freed at once, as Redis's freeClientAsync: nothing more is read or written.
  c.closeAfterReply = true;
  c.drop();
}

/** CLIENT REPLY OFF drops replies; SKIP drops the next command's reply. */
export function applyReplyMode(c: Client, mark: number, ran: Command | null): void {
  // CLIENT REPLY itself sets the mode when it runs; its own reply is already handled by it.
  if (ran && ran.fullName === 'client|reply') return;
  c.truncate(mark);
  if (c.pushed.length !== 0) {
    c.raw(c.pushed);
    c.pushed = '';
  }
  if (c.replyMode === 'skip') c.replyMode = 'on';
}
