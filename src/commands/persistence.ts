// Persistence commands: DUMP, RESTORE (and RESTORE-ASKING), SAVE, and DEBUG RELOAD's logic
// (DEBUG itself lives in commands/server.ts and calls debugReload).

import type { CommandSpec } from '../server/command.js';
import { NOTIFY } from '../keyspace/notify.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../server/errors.js';
import { strerror } from '../server/config.js';
import { parseInt64 } from '../util/numbers.js';
import { optionWord } from '../util/cstring.js';
import {
  RdbError,
  dumpPayload,
  encodingLimits,
  loadRdbFile,
  parseDumpPayload,
  rdbFilePath,
  rdbSave,
} from '../persistence/rdb.js';
import type { Value } from '../types/value.js';
import { BackgroundSave, abortBackgroundSave, startBackgroundSave } from '../persistence/snapshot.js';
import { PAUSE_ALL } from '../server/pause.js';
import { addGate, type Gate } from '../server/dispatch.js';
import { oomGate } from '../server/maxmemory.js';
import { scriptingIfUsed } from '../scripting/lua.js';
import { cancelPendingShutdown, endPendingShutdown, logLaggingReplicas, waitForReplicas } from '../replication/shutdown.js';

// ---------------------------------------------------------------------------------------------
// DUMP RESTORE

function dump(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.nullBulk();
  c.bulk(dumpPayload(v, { compress: c.server.config.bool('rdbcompression') }).toString('latin1'));
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restore(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1n;
  let freq = -1n;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const opt = optionWord(argv[j]);
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'absttl') {
      absttl = true;
    } else if (opt === 'idletime' && more >= 1 && freq === -1n) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) return c.error(ERR_NOT_INTEGER);
      if (v < 0n) return c.error('ERR Invalid IDLETIME value, must be >= 0');
      idle = v;
      j++;
    } else if (opt === 'freq' && more >= 1 && idle === -1n) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) return c.error(ERR_NOT_INTEGER);
      if (v < 0n || v > 255n) return c.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = v;
      j++;
    } else {
      return c.error(ERR_SYNTAX);
    }
  }

  const db = c.db;
  const key = argv[1];
  if (!replace && db.lookupWrite(key) !== undefined) {
    return c.error('BUSYKEY Target key name already exists.');
  }
  const ttl = parseInt64(argv[2]);
  if (ttl === null) return c.error(ERR_NOT_INTEGER);
  if (ttl < 0n) return c.error('ERR Invalid TTL value, must be >= 0');

  let value: Value;
  try {
    value = parseDumpPayload(Buffer.from(argv[3], 'latin1'), {
      limits: encodingLimits(c.server.config, c.server.zsetLimits),
      verifyChecksum: !c.server.skipChecksumValidation,
    });
  } catch (e) {
    // A payload no check caught that broke the reader (a read past its end …) is bad data
    // too: RESTORE never fails with an internal error, whatever the bytes.
    if (!(e instanceof RdbError)) {
      c.server.log.verbose(`RESTORE: ${e instanceof Error ? e.message : String(e)}`);
      return c.error('ERR Bad data format');
    }
    if (e.kind === 'version' || e.kind === 'checksum') return c.error('ERR DUMP payload version or checksum are wrong');
    if (e.kind === 'unsupported') return c.error(`ERR Bad data format: ${e.reason}`);
    c.server.log.verbose(`RESTORE: ${e.message}`);
    return c.error('ERR Bad data format');
  }

  // dbDelete, without expiring first: a key whose time passed but is still stored counts as deleted.
  const deleted = replace && db.delete(key, false);
  const now = BigInt(Math.floor(c.server.now()));
  // A relative time counts from now; Redis adds in 64 bits, so a huge TTL wraps into the past.
  const when = ttl !== 0n && !absttl ? BigInt.asIntN(64, ttl + now) : ttl;
  if (ttl !== 0n && when <= now) {
    // Already expired: the key is not created (and REPLACE's old value is gone: a DEL).
    if (deleted) {
      db.changed(key, NOTIFY.GENERIC, 'del');
      c.rewriteArgv(['DEL', key]);
    }
    return c.ok();
  }
  db.set(key, value);
  if (ttl !== 0n) db.setExpire(key, Number.isSafeInteger(Number(when)) ? Number(when) : when);
  if (typeof value !== 'string') {
    // objectSetLRUOrLFU: IDLETIME sets the access time; nodis keeps no LFU counter for FREQ.
    value.lru = idle >= 0n ? Number(now - idle * 1000n) : Number(now);
  }
  db.changed(key, NOTIFY.GENERIC, 'restore');
  // A relative time to live propagates as an absolute one, so replicas expire it at the same instant.
  if (ttl !== 0n && !absttl) c.rewriteArgv([...argv.slice(0, 2), String(when), ...argv.slice(3), 'ABSTTL']);
  c.ok();
}

// ---------------------------------------------------------------------------------------------
// SAVE

const ERR_BGSAVE_RUNNING = 'ERR Background save already in progress';

function save(c: Client): void {
  if (c.server.bgsave !== null) return c.error(ERR_BGSAVE_RUNNING);
  c.server.rdbSaves++;
  if (rdbSave(c.server)) c.ok();
  else c.error('ERR');
}

/**
 * BGSAVE [SCHEDULE]: a point-in-time snapshot written in the background (persistence/snapshot.ts).
 * While an AOF rewrite runs (Redis's other child) it is refused, or with SCHEDULE (and inside
 * MULTI/EXEC) scheduled for the cron, as Redis does.
 */
function bgsave(c: Client, argv: string[]): void {
  const schedule = argv.length === 2 && optionWord(argv[1]) === 'schedule';
  if (argv.length > 1 && !schedule) return c.error(ERR_SYNTAX);
  const server = c.server;
  if (server.bgsave !== null) return c.error(ERR_BGSAVE_RUNNING);
  if (server.aof.rewriting || server.inExec) {
    if (!schedule && !server.inExec) {
      return c.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    server.bgsaveScheduled = true;
    return c.simple('Background saving scheduled');
  }
  if (startBackgroundSave(server)) c.simple('Background saving started');
  else c.error('ERR');
}

/** Redis's shared.bgsaveerr. */
export const ERR_MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors ' +
  'during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs ' +
  'for details about the RDB error.';

/**
 * Redis's writeCommandsDeniedByDiskError: with stop-writes-on-bgsave-error, save points set and
 * the last background save failed, or with the AOF on and its last write (or background fsync)
 * failed, writes (an EXEC holding one) and PING are refused until the disk works again. After the
 * OOM gate, as in processCommand.
 */
export const diskErrorGate: Gate = (c, cmd) => {
  const server = c.server;
  if (server.lastBgsaveOk && server.aof.state === 'off') return null;
  let error: string | null = null;
  if (!server.lastBgsaveOk && server.config.bool('stop-writes-on-bgsave-error') && server.config.savePoints().length !== 0) {
    error = ERR_MISCONF;
  } else {
    const aofError = server.aof.diskError();
    if (aofError !== undefined) error = `MISCONF Errors writing to the AOF file: ${strerror(aofError)}`;
  }
  if (error === null) return null;
  let write = cmd.write || cmd.fullName === 'ping';
  if (!write && cmd.fullName === 'exec' && c.multi !== null) write = c.multi.some((q) => q.cmd.write);
  return write ? error : null;
};

addGate(diskErrorGate, oomGate);

/**
 * While the dataset loads, only commands flagged loading run; the rest get Redis's -LOADING.
 * (A file loads synchronously, so clients see this only while nodis-server waits for the Lua
 * engine the AOF's scripts need, listening already as redis-server does.)
 */
const loadingGate: Gate = (c, cmd) => (c.server.loading && !cmd.flags.includes('loading') ? 'LOADING Redis is loading the dataset in memory' : null);

addGate(loadingGate);

// ---------------------------------------------------------------------------------------------
// SHUTDOWN (the command's parsing lives in commands/server.ts)

/** SHUTDOWN's options, and shutdown-on-sigterm / shutdown-on-sigint's flags. */
export interface ShutdownFlags {
  save?: boolean;
  nosave?: boolean;
  force?: boolean;
  now?: boolean;
}

/** shutdown-on-sigterm / shutdown-on-sigint as ShutdownFlags (NOW changes nothing in nodis). */
export function shutdownFlagsFromConfig(bits: number): ShutdownFlags {
  return { save: (bits & 1) !== 0, nosave: (bits & 2) !== 0, now: (bits & 4) !== 0, force: (bits & 8) !== 0 };
}

/** prepareForShutdown's first step: a background save or AOF rewrite is stopped, its temp file removed. */
function killBackgroundJobs(server: Server, force: boolean): boolean {
  if (server.bgsave !== null) {
    server.log.warning('There is a child saving an .rdb. Killing it!');
    abortBackgroundSave(server, false);
  }
  if (server.aof.rewriting) {
    // The first rewrite after appendonly was turned on holds the only copy of the dataset to come.
    if (server.aof.state === 'wait-rewrite') {
      if (!force) {
        server.log.warning("Writing initial AOF, can't exit.");
        server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
        return false;
      }
      server.log.warning('Writing initial AOF. Exit anyway.');
    }
    server.log.warning('There is a child rewriting the AOF. Killing it!');
    server.aof.killRewrite();
  }
  return true;
}

/**
 * Redis's prepareForShutdown: with save points configured (unless NOSAVE) or SAVE, the final
 * snapshot is written first; if that fails the server keeps running (false), unless FORCE. On
 * success the server stops (its owner exits: nodis-server, or the embedding API closes it).
 */
export function shutdownServer(server: Server, flags: ShutdownFlags = {}, c: Client | null = null): boolean {
  server.log.warning('User requested shutdown...');
  // Unless NOW, lagging replicas may first catch up (src/replication/shutdown.ts).
  const finish = (): void => {
    if (!finishShutdown(server, flags)) cancelPendingShutdown(server);
  };
  if (waitForReplicas(server, flags.now === true, c, finish)) return true;
  return finishShutdown(server, flags);
}

/** finishShutdown: the replicas' report, the final save, then the end (false: the save failed). */
function finishShutdown(server: Server, flags: ShutdownFlags): boolean {
  logLaggingReplicas(server);
  const save = flags.save === true || (flags.nosave !== true && server.config.savePoints().length > 0);
  if (!killBackgroundJobs(server, flags.force === true)) return false;
  if (save) {
    server.log.notice('Saving the final RDB snapshot before exiting.');
    if (!rdbSave(server)) {
      if (flags.force !== true) {
        server.log.warning("Error trying to save the DB, can't exit.");
        server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
        return false;
      }
      server.log.warning('Error trying to save the DB. Exit anyway.');
    }
  }
  server.shutdown();
  return true;
}

/**
 * The shutdown a SIGTERM or SIGINT asked for (serverCron's prepareForShutdown): as
 * shutdownServer, but the final snapshot is written in the background while every client is
 * paused, so that the process still answers signals meanwhile: a second SIGINT ends it at once
 * without the temp file, as Redis's signal handler does during its synchronous save (and
 * rdb-key-save-delay applies, as to Redis's save). A failed save lets clients run again.
 */
export function shutdownOnSignal(server: Server, flags: ShutdownFlags): void {
  if (server.shutdownInProgress || server.pendingShutdown !== null) return;
  server.log.warning('User requested shutdown...');
  const finish = (): void => finishOnSignal(server, flags, endPendingShutdown(server));
  if (!waitForReplicas(server, flags.now === true, null, finish)) finish();
}

/** The signal's shutdown after any wait for replicas: clients that joined it wait on. */
function finishOnSignal(server: Server, flags: ShutdownFlags, waiting: Client[]): void {
  logLaggingReplicas(server);
  const refuse = (): void => {
    server.pause.unpause('shutdown');
    for (const c of waiting) if (!c.closed) server.blocking.unblock(c, 'error', 'ERR Errors trying to SHUTDOWN. Check logs.');
  };
  if (!killBackgroundJobs(server, flags.force === true)) {
    refuse();
    return;
  }
  const save = flags.save === true || (flags.nosave !== true && server.config.savePoints().length > 0);
  if (!save) {
    server.shutdown();
    return;
  }
  server.log.notice('Saving the final RDB snapshot before exiting.');
  server.shutdownInProgress = true;
  server.pause.pause('shutdown', Infinity, PAUSE_ALL);
  const final = new BackgroundSave(server);
  // Counted as the running save: SAVE, BGSAVE and save points wait (the clients are paused anyway).
  server.bgsave = final;
  void final.done.then((ok) => {
    if (server.bgsave === final) server.bgsave = null;
    if (ok) {
      server.dirty = 0;
      server.lastSave = Math.floor(server.clock.now() / 1000);
      server.lastBgsaveOk = true;
    } else if (flags.force === true) {
      server.log.warning('Error trying to save the DB. Exit anyway.');
    } else {
      server.log.warning("Error trying to save the DB, can't exit.");
      server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      server.shutdownInProgress = false;
      refuse();
      return;
    }
    server.shutdown();
  });
}

/** SHUTDOWN ABORT: cancels a shutdown waiting for replicas, or one a signal asked for that has not started yet. */
export function abortShutdown(server: Server): boolean {
  if (!cancelPendingShutdown(server)) {
    if (server.shutdownSignal === null) return false;
    server.shutdownSignal = null;
  }
  server.log.notice('Shutdown manually aborted.');
  return true;
}

// ---------------------------------------------------------------------------------------------
// DEBUG RELOAD

/** The RELOAD lines of DEBUG HELP. */
export const DEBUG_RELOAD_HELP = [
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
];

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless NOSAVE), empty every database (unless
 * NOFLUSH), load the file back (MERGE: its keys replace those present). Where Redis would
 * crash (a corrupt file, a key already present without MERGE), nodis answers the load error
 * and loads nothing.
 */
/**
 * emptyData before DEBUG RELOAD and DEBUG LOADAOF: every database and the function libraries.
 * Not a change to save (dirty stays) nor an event, but flush() touches WATCHed keys.
 */
export function emptyData(server: Server): void {
  for (const db of server.dbs) db.flush();
  server.dataFlushed();
  scriptingIfUsed(server)?.functions.flush();
}

export function debugReload(c: Client, argv: string[]): void {
  let merge = false;
  let flush = true;
  let save = true;
  for (let j = 2; j < argv.length; j++) {
    const opt = optionWord(argv[j]);
    if (opt === 'merge') merge = true;
    else if (opt === 'noflush') flush = false;
    else if (opt === 'nosave') save = false;
    else return c.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const server = c.server;
  if (save) {
    abortBackgroundSave(server);
    if (!rdbSave(server)) return c.error('ERR');
  }
  if (flush) emptyData(server);
  let loaded;
  try {
    loaded = loadRdbFile(server, rdbFilePath(server), { merge });
  } catch (e) {
    // A corrupt file, or one that cannot be read (the file system's error has a code).
    if (!(e instanceof RdbError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
    server.log.warning(`Error loading the RDB dump: ${(e as Error).message}`);
    loaded = null;
  }
  if (loaded === null) return c.error('ERR Error trying to load the RDB dump');
  server.log.warning('DB reloaded by DEBUG RELOAD');
  c.ok();
}

// ---------------------------------------------------------------------------------------------

export const persistenceCommands: CommandSpec[] = [
  { name: 'dump', handler: dump },
  { name: 'restore', handler: restore },
  { name: 'restore-asking', handler: restore },
  { name: 'save', handler: save },
  { name: 'bgsave', handler: bgsave },
];
