// Background saves without fork (BGSAVE, save points): a point-in-time cut of every database,
// written out in slices between event-loop turns while clients keep being served.
//
// At the cut each non-empty database gets a SnapshotSource holding its maps. Until the source has
// written them, every change to one of its keys first calls keep(key) (Database's methods, the
// write path in dispatch for values changed in place): the key's value and expiry time as they
// still are, that is as they were at the cut, are kept aside (a string by reference, since it
// cannot change; a collection encoded, since it may be changed in place), or its absence is noted.
// Writing a database then freezes its list of keys (keys created after the cut are in the list
// but noted absent) and writes, for each key, what was kept aside or else the value it still
// holds; kept keys no longer in the database (deleted, expired, moved) are written first. The
// file is therefore exactly the dataset at the cut. FLUSHALL/FLUSHDB leave a source its maps
// (the database starts on new ones); SWAPDB moves a source with its maps.

import type { FileHandle } from 'node:fs/promises';
import { openSync, closeSync, fsyncSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Server } from '../server/server.js';
import type { Database } from '../keyspace/db.js';
import type { Value } from '../types/value.js';
import { Crc64 } from '../util/crc64.js';
import { strerror } from '../server/config.js';
import { rewriteDbHeader, rewriteFunctions, rewriteKey, rewriteTimestamp } from './aofrewrite.js';
import {
  RdbWriter,
  decodeEncodedValue,
  encodeValue,
  keyRecordMeta,
  rdbFilePath,
  writeDbHeader,
  writeEncodedRecord,
  writeKeyRecord,
  writeRdbEof,
  writeRdbHeader,
  writeRdbFunctions,
  type EncodedValue,
} from './rdb.js';
import { removeQuietly } from '../util/files.js';
import { fsPromises } from '../util/builtins.js';

/** A key as it was at the cut, kept aside before its first change. */
interface Kept {
  /** A string value itself (immutable), or a collection's encoding. */
  readonly value: string | EncodedValue;
  readonly expire: number | bigint | undefined;
}

/** In the aside map: the key did not exist at the cut. */
const ABSENT = null;
/** In the aside map: the key's cut state is already in the file. */
const WRITTEN: Kept = Object.freeze({ value: '', expire: undefined });

/** Serialise (and checksum) for about this long per event-loop turn (ms). */
const SLICE_MS = 1;
/** Hand the file at most this many bytes at a time. */
const CHUNK_BYTES = 1 << 20;

/** One database's contents at the cut, until they are written. */
export class SnapshotSource {
  /** The database holding these maps now (SWAPDB moves them), or null once they are left frozen. */
  owner: Database | null;
  readonly dict: Map<string, Value>;
  readonly expires: Map<string, number>;
  readonly exactExpires: Map<string, bigint>;
  /** Keys changed since the cut, as they were at it (ABSENT, or WRITTEN once in the file). */
  readonly aside = new Map<string, Kept | null>();
  /** Keys and volatile keys at the cut (the RESIZEDB hint). */
  readonly size: number;
  readonly volatile: number;
  /** The keys to write, frozen when this database's turn comes, and how far the writing is. */
  keys: string[] | null = null;
  next = 0;

  constructor(
    private readonly save: BackgroundSave,
    /** The database number at the cut: its keys are written under it. */
    readonly id: number,
    db: Database,
  ) {
    this.owner = db;
    this.dict = db.dict;
    this.expires = db.expires;
    this.exactExpires = db.exactExpires;
    this.size = db.dict.size;
    this.volatile = db.expires.size;
  }

  /** Before the first change to key since the cut: keeps it (or its absence) as it is. */
  keep(key: string): void {
    if (this.aside.has(key)) return;
    const v = this.dict.get(key);
    if (v === undefined) {
      this.aside.set(key, ABSENT);
      return;
    }
    const expire = this.expireOf(key);
    if (typeof v === 'string') {
      this.aside.set(key, { value: v, expire });
      this.save.keptBytes += v.length;
    } else {
      const enc = encodeValue(v, this.save.compress);
      this.aside.set(key, { value: enc, expire });
      this.save.keptBytes += enc.bytes.length;
    }
  }

  /** The maps stay as they are from now on (FLUSHDB replaced them): no more keeping needed. */
  detach(): void {
    this.owner = null;
  }

  /** All written: changes to the database no longer concern this save. */
  finish(): void {
    if (this.owner !== null && this.owner.snap === this) this.owner.snap = null;
    this.owner = null;
    this.keys = null;
    this.aside.clear();
  }

  expireOf(key: string): number | bigint | undefined {
    const when = this.expires.get(key);
    if (when === undefined || Number.isSafeInteger(when)) return when;
    const exact = this.exactExpires.get(key);
    if (exact !== undefined && Number(exact) === when) return exact;
    return Number.isFinite(when) ? BigInt(Math.trunc(when)) : BigInt(Number.MAX_SAFE_INTEGER);
  }
}

/** Why a background save stopped early. */
class SaveAborted extends Error {}

/** Where a background save writes (BGSAVE's defaults: dir/dbfilename through temp-<pid>.rdb). */
export interface BackgroundSaveTarget {
  readonly path: string;
  readonly tempFile: string;
  /** An AOF rewrite's base: its own log line at the end, and either an RDB with the aof-base aux field set or commands. */
  readonly aofBase?: 'rdb' | 'commands';
  /** A snapshot for replicas: the replication aux fields (repl-stream-db, repl-id, repl-offset). */
  readonly repl?: { streamDb: number; replId: string; offset: number };
  /**
   * Diskless replication: the bytes go to this sink (replicas' sockets) instead of a file; a
   * returned promise holds the writing until the sockets have taken what they were given.
   */
  readonly sink?: (chunk: Buffer) => Promise<void> | void;
  /** Only the functions, no keys (REPLCONF rdb-filter-only functions: redis-cli --functions-rdb). */
  readonly functionsOnly?: boolean;
}

/** How a snapshot's records are written: as an RDB, or as commands (an AOF base without a preamble). */
interface SnapshotFormat {
  /** A CRC-64 ends the file (an RDB's, zero when rdbchecksum is off). */
  readonly checksummed: boolean;
  header(w: RdbWriter): void;
  db(w: RdbWriter, id: number, size: number, volatile: number): void;
  key(w: RdbWriter, key: string, value: Value, expire: number | bigint | undefined): void;
  kept(w: RdbWriter, key: string, enc: EncodedValue, expire: number | bigint | undefined): void;
  end(w: RdbWriter): void;
}

function rdbFormat(server: Server, aofBase: boolean, repl?: BackgroundSaveTarget['repl']): SnapshotFormat {
  const meta = keyRecordMeta(server);
  return {
    checksummed: true,
    header: (w) => {
      writeRdbHeader(w, server, { aofBase, repl });
      // Libraries are never changed in place (FUNCTION LOAD REPLACE makes a new one): written at the cut.
      writeRdbFunctions(w, server);
    },
    db: writeDbHeader,
    key: (w, key, value, expire) => writeKeyRecord(w, key, value, expire, meta),
    kept: (w, key, enc, expire) => writeEncodedRecord(w, key, enc, expire, meta),
    end: writeRdbEof,
  };
}

/** rewriteAppendOnlyFileRio's format: SELECT, then each key's commands (a kept value decoded first). */
function commandsFormat(server: Server): SnapshotFormat {
  const out: string[] = [];
  const put = (w: RdbWriter): void => {
    for (let i = 0; i < out.length; i++) w.latin1(out[i]);
    out.length = 0;
  };
  return {
    checksummed: false,
    header: (w) => {
      if (server.config.bool('aof-timestamp-enabled')) w.latin1(rewriteTimestamp(server));
      rewriteFunctions(out, server);
      put(w);
    },
    db: (w, id) => w.latin1(rewriteDbHeader(id)),
    key: (w, key, value, expire) => {
      rewriteKey(out, key, value, expire);
      put(w);
    },
    kept: (w, key, enc, expire) => {
      rewriteKey(out, key, decodeEncodedValue(enc), expire);
      put(w);
    },
    end: () => {},
  };
}

/** A background save in progress (the server's `bgsave`, or an AOF rewrite's base). */
export class BackgroundSave {
  /** Bytes kept aside for keys changed during the save (INFO rdb_last_cow_size). */
  keptBytes = 0;
  /** Keys written so far, and at the cut (INFO current_save_keys_processed / _total). */
  keysDone = 0;
  readonly keysTotal: number;
  /** When it started (unix ms). */
  readonly startedAt: number;
  readonly compress: boolean;
  private readonly checksum: boolean;
  private readonly format: SnapshotFormat;
  private readonly sources: SnapshotSource[] = [];
  private current = 0;
  private w: RdbWriter;
  private readonly crc = new Crc64();
  /** How much of w the checksum has taken in (the CRC runs within each slice's time). */
  private crcPos = 0;
  private aborted = false;
  /** rdb-key-save-delay owed (µs): the writing sleeps it off in whole milliseconds. */
  private delayOwedUs = 0;
  readonly path: string;
  readonly tempFile: string;
  private readonly aofBase: boolean;
  private readonly sink: BackgroundSaveTarget['sink'];
  /** Settles when the save has ended (true: the file is in place). */
  readonly done: Promise<boolean>;

  constructor(
    private readonly server: Server,
    target?: BackgroundSaveTarget,
  ) {
    const config = server.config;
    this.compress = config.bool('rdbcompression');
    this.format = target?.aofBase === 'commands' ? commandsFormat(server) : rdbFormat(server, target?.aofBase === 'rdb', target?.repl);
    this.checksum = this.format.checksummed && config.bool('rdbchecksum');
    this.startedAt = server.clock.now();
    this.path = target?.path ?? rdbFilePath(server);
    this.tempFile = target?.tempFile ?? join(dirname(this.path), `temp-${process.pid}.rdb`);
    this.aofBase = target?.aofBase !== undefined;
    this.sink = target?.sink;
    this.w = new RdbWriter(this.compress, CHUNK_BYTES + 65536);
    // The cut: the header as of now, and every database's contents held from here on.
    this.format.header(this.w);
    let total = 0;
    for (const db of target?.functionsOnly ? [] : server.dbs) {
      if (db.dict.size === 0) continue;
      const source = new SnapshotSource(this, db.id, db);
      db.snap = source;
      this.sources.push(source);
      total += db.dict.size;
    }
    this.keysTotal = total;
    server.snapshotsStarted++;
    this.done = this.run();
  }

  /**
   * Stops the save at once (FLUSHALL, SHUTDOWN, a synchronous save): its temp file is removed
   * now, so that a synchronous save may write its own under the same name.
   */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.release();
    if (this.sink === undefined) removeQuietly(this.tempFile);
  }

  private release(): void {
    for (const s of this.sources) s.finish();
  }

  private check(): void {
    if (this.aborted) throw new SaveAborted();
  }

  private async run(): Promise<boolean> {
    const log = this.server.log;
    let fh: FileHandle | null = null;
    let step = 'rdbSaveRio';
    try {
      // Start writing on the next turn: the command that started the save replies first.
      await nextTurn();
      this.check();
      if (this.sink !== undefined) return await this.runToSink(this.sink);
      try {
        fh = await fsPromises().open(this.tempFile, 'w');
      } catch (e) {
        this.check();
        log.warning(
          `Failed opening the temp RDB file ${basename(this.tempFile)} (in server root dir ${this.server.config.get('dir')}) ` +
            `for saving: ${strerror((e as NodeJS.ErrnoException).code)}`,
        );
        return this.failed();
      }
      this.check();
      const file = fh;
      await this.writeSlices((chunk) => writeAll(file, chunk));
      step = 'fsync';
      await fh.sync();
      this.check();
      step = 'fclose';
      await fh.close();
      fh = null;
      this.check();
      try {
        await fsPromises().rename(this.tempFile, this.path);
      } catch (e) {
        this.check();
        log.warning(
          `Error moving temp DB file ${basename(this.tempFile)} on the final destination ${this.path} ` +
            `(in server root dir ${this.server.config.get('dir')}): ${strerror((e as NodeJS.ErrnoException).code)}`,
        );
        removeQuietly(this.tempFile);
        return this.failed();
      }
      step = 'fsyncFileDir';
      syncDir(dirname(this.path));
    } catch (e) {
      if (e instanceof SaveAborted) {
        // abort() removed the temp file, unless this one was created after it: then it is
        // removed here (a synchronous save in between never leaves one of its own).
        if (fh !== null) await this.removeOwnTemp(fh);
        return false;
      }
      if (fh !== null) await fh.close().catch(() => undefined);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === undefined) {
        // A bug in nodis, not a disk error: logged with its stack.
        this.server.logFault('Error in background save', e);
      } else {
        log.warning(`Write error saving DB on disk(${step}): ${strerror(code)}`);
      }
      removeQuietly(this.tempFile);
      return this.failed();
    }
    if (this.aborted) return false;
    if (this.aofBase) log.notice(`Successfully created the temporary AOF base file ${basename(this.path)}`);
    else log.notice('DB saved on disk');
    return this.succeeded();
  }

  /** Diskless replication: the same slices, handed to the sink instead of a file. */
  private async runToSink(sink: (chunk: Buffer) => Promise<void> | void): Promise<boolean> {
    // The writer's buffer is reused for the next slice: the sink gets a copy.
    await this.writeSlices((chunk) => sink(Buffer.from(chunk)));
    return this.succeeded();
  }

  /**
   * Serialises the snapshot slice by slice, one per event-loop turn (or after the sleep that
   * rdb-key-save-delay owes), handing each slice's bytes to put before the buffer is reused.
   */
  private async writeSlices(put: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    for (;;) {
      const last = this.fillSlice();
      const chunk = this.w.finish();
      if (chunk.length !== 0) {
        await put(chunk);
        // Written: the buffer is free for the next slice.
        this.w.pos = 0;
        this.crcPos = 0;
        this.check();
      }
      if (last) return;
      if (this.delayOwedUs >= 1000) {
        const ms = Math.floor(this.delayOwedUs / 1000);
        this.delayOwedUs -= ms * 1000;
        await sleep(ms);
      } else {
        await nextTurn();
      }
      this.check();
    }
  }

  private async removeOwnTemp(fh: FileHandle): Promise<void> {
    try {
      const mine = await fh.stat();
      const there = statSync(this.tempFile);
      if (mine.ino === there.ino && mine.dev === there.dev) unlinkSync(this.tempFile);
    } catch {
      // Gone already.
    }
    await fh.close().catch(() => undefined);
  }

  /**
   * Serialises for one slice: true when everything is written (EOF and checksum included).
   */
  private fillSlice(): boolean {
    const w = this.w;
    const start = performance.now();
    let n = 0;
    // rdb-key-save-delay (a test setting, read afresh as Redis does for every key): microseconds
    // per key; a negative value -n sleeps 1 µs for one key in n.
    const delay = this.server.config.num('rdb-key-save-delay');
    while (this.current < this.sources.length) {
      const s = this.sources[this.current];
      if (s.keys === null) this.beginSource(s);
      const keys = s.keys!;
      const aside = s.aside;
      while (s.next < keys.length) {
        const key = keys[s.next++];
        let kept: Kept | null | undefined;
        if (aside.size !== 0 && (kept = aside.get(key)) !== undefined) {
          if (kept === ABSENT || kept === WRITTEN) continue;
          this.writeKept(s, key, kept);
        } else {
          const v = s.dict.get(key);
          if (v === undefined) continue;
          this.format.key(w, key, v, s.volatile === 0 && s.expires.size === 0 ? undefined : s.expireOf(key));
          this.keysDone++;
        }
        if (delay !== 0) {
          this.delayOwedUs += delay > 0 ? delay : Math.random() * -delay < 1 ? 1 : 0;
          if (this.delayOwedUs >= 1000) {
            this.sliceDone(start);
            return false;
          }
        }
        if ((++n & 63) === 0 && this.sliceDone(start)) return false;
      }
      s.finish();
      this.current++;
      if (this.sliceDone(start)) return false;
    }
    this.format.end(w);
    if (!this.format.checksummed) return true;
    w.reserve(8);
    if (this.checksum) {
      this.crc.update(w.buf, this.crcPos, w.pos);
      this.crc.writeLE(w.buf, w.pos);
    } else {
      w.buf.fill(0, w.pos, w.pos + 8);
    }
    w.pos += 8;
    return true;
  }

  /** Checksums what was written so far; true when the slice has used its time or the chunk is full. */
  private sliceDone(start: number): boolean {
    const w = this.w;
    if (this.checksum) {
      this.crc.update(w.buf, this.crcPos, w.pos);
      this.crcPos = w.pos;
    }
    return w.pos >= CHUNK_BYTES || performance.now() - start >= SLICE_MS;
  }

  /** A database's turn: its header, the kept keys it no longer holds, then its keys frozen. */
  private beginSource(s: SnapshotSource): void {
    this.format.db(this.w, s.id, s.size, s.volatile);
    for (const [key, kept] of s.aside) {
      if (kept === ABSENT || kept === WRITTEN || s.dict.has(key)) continue;
      this.writeKept(s, key, kept);
    }
    s.keys = Array.from(s.dict.keys());
    s.next = 0;
  }

  private writeKept(s: SnapshotSource, key: string, kept: Kept): void {
    if (typeof kept.value === 'string') this.format.key(this.w, key, kept.value, kept.expire);
    else this.format.kept(this.w, key, kept.value, kept.expire);
    s.aside.set(key, WRITTEN);
    this.keysDone++;
  }

  private succeeded(): boolean {
    this.release();
    return true;
  }

  private failed(): boolean {
    this.release();
    return false;
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}


// ---------------------------------------------------------------------------------------------
// The server's side: starting, ending and scheduling background saves

/** Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed save, save points wait this long (s). */
const BGSAVE_RETRY_DELAY = 5;

/**
 * rdbSaveBackground: starts a background save of dir/dbfilename. False when one is running
 * already. Its end updates the changes counter, LASTSAVE and INFO's fields, as Redis's
 * backgroundSaveDoneHandler.
 */
export function startBackgroundSave(server: Server, repl?: BackgroundSaveTarget['repl']): boolean {
  if (server.bgsave !== null) return false;
  server.rdbSaves++;
  const dirtyBefore = server.dirty;
  server.lastBgsaveTry = Math.floor(server.clock.now() / 1000);
  const save = new BackgroundSave(server, repl === undefined ? undefined : { path: rdbFilePath(server), tempFile: join(dirname(rdbFilePath(server)), `temp-${process.pid}.rdb`), repl });
  server.bgsave = save;
  server.log.notice(`Background saving started by pid ${process.pid}`);
  void save.done.then((ok) => {
    if (server.bgsave !== save) return;
    server.bgsave = null;
    server.lastBgsaveTimeSec = Math.floor((server.clock.now() - save.startedAt) / 1000);
    server.lastCowSize = save.keptBytes;
    if (ok) {
      server.log.notice('Background saving terminated with success');
      server.dirty -= dirtyBefore;
      server.lastSave = Math.floor(server.clock.now() / 1000);
      server.lastBgsaveOk = true;
    } else {
      server.log.warning('Background saving error');
      server.lastBgsaveOk = false;
    }
    server.emit('bgsave-done', ok);
  });
  return true;
}

/**
 * Stops a running background save (Redis kills its child: FLUSHALL, SHUTDOWN, a synchronous
 * save), removing its temp file. Not a failure: the last save status stays.
 */
export function abortBackgroundSave(server: Server, logged = true): void {
  const save = server.bgsave;
  if (save === null) return;
  server.bgsave = null;
  save.abort();
  server.lastBgsaveTimeSec = Math.floor((server.clock.now() - save.startedAt) / 1000);
  // As Redis logs a child killed with SIGUSR1 (not when it exits at once: shutdown).
  if (logged) server.log.warning('Background saving terminated by signal 10');
  server.emit('bgsave-done', false);
}

/**
 * Each cron tick (serverCron): a scheduled BGSAVE starts once nothing runs; else the first save
 * point reached (enough changes in enough seconds, and not within 5 seconds of a failed try)
 * starts one.
 */
export function saveCron(server: Server): void {
  if (server.bgsave !== null || server.aof.rewriting) return;
  const now = Math.floor(server.clock.now() / 1000);
  const mayRetry = now - server.lastBgsaveTry > BGSAVE_RETRY_DELAY || server.lastBgsaveOk;
  if (server.bgsaveScheduled && mayRetry) {
    if (startBackgroundSave(server)) server.bgsaveScheduled = false;
    return;
  }
  for (const sp of server.config.savePoints()) {
    if (server.dirty >= sp.changes && now - server.lastSave > sp.seconds && mayRetry) {
      server.log.notice(`${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
      startBackgroundSave(server);
      break;
    }
  }
}
