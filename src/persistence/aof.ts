// The append-only file, as Redis 7 keeps it (aof.c): a directory (appenddirname) holding a BASE
// file (a snapshot: an RDB, or commands when aof-use-rdb-preamble is off), the INCR files of the
// commands written since, and a manifest naming them in order:
//
//   file appendonly.aof.1.base.rdb seq 1 type b
//   file appendonly.aof.1.incr.aof seq 1 type i
//
// Every write reaches the INCR file as the replication stream carries it (the same commands, the
// same rewrites, MULTI/EXEC around a transaction or script), buffered during an event-loop turn
// and written before the replies of that turn go out; appendfsync says when it is fsynced
// (always: before the replies; everysec: in the background once a second; no: never by us).
// A rewrite (BGREWRITEAOF) writes a new BASE from the dataset, starts a new INCR file and turns
// the old ones into HISTORY files, deleted once the new manifest is in place.

import { closeSync, existsSync, fstatSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { splitArgs } from '../protocol/parser.js';
import { encodeArgv } from '../protocol/writer.js';
import { quoteRepr, strerror } from '../server/config.js';
import { sleepSync } from '../util/time.js';
import { ByteWriter } from '../util/bytes.js';
import { removeQuietly } from '../util/files.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

/** A manifest Redis would refuse to start with: its reason, and the line it was read at. */
export class AofManifestError extends Error {
  constructor(
    readonly reason: string,
    readonly lineNumber = 0,
    readonly line = '',
  ) {
    super(reason);
    this.name = 'AofManifestError';
  }
}

/** Characters sdsneedsrepr quotes a file name for. */
const NEEDS_REPR = /[\\"\n\r\t\x07\b]|[^\x21-\x7e]/;

/** The manifest: which files make up the AOF, in order (aofManifest). */
export class AofManifest {
  base: AofFileInfo | null = null;
  /** Files of earlier rewrites, waiting to be deleted. */
  history: AofFileInfo[] = [];
  incr: AofFileInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  /** Reads a manifest as aofLoadManifestFromFile does; throws an AofManifestError. */
  static parse(text: string): AofManifest {
    const m = new AofManifest();
    let maxSeq = 0;
    let lineNumber = 0;
    let at = 0;
    for (;;) {
      if (at >= text.length) {
        if (lineNumber === 0) throw new AofManifestError('Found an empty AOF manifest');
        return m;
      }
      const nl = text.indexOf('\n', at);
      // fgets reads at most 1024 bytes of a line.
      const raw = nl < 0 ? text.slice(at) : text.slice(at, nl + 1);
      at = nl < 0 ? text.length : nl + 1;
      lineNumber++;
      if (raw[0] === '#') continue;
      if (!raw.endsWith('\n') || raw.length > 1024) throw new AofManifestError('The AOF manifest file contains too long line', lineNumber, raw);
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') throw new AofManifestError('Invalid AOF manifest file format', lineNumber, line);
      const argv = splitArgs(line);
      if (argv === null || argv.length < 6 || argv.length % 2) throw new AofManifestError('Invalid AOF manifest file format', lineNumber, line);
      let name = '';
      let seq = 0;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].toLowerCase();
        if (key === 'file') {
          name = argv[i + 1];
          if (name.includes('/') || name.includes('\\')) throw new AofManifestError("File can't be a path, just a filename", lineNumber, line);
        } else if (key === 'seq') {
          seq = atoll(argv[i + 1]);
        } else if (key === 'type') {
          type = argv[i + 1][0] ?? '';
        }
      }
      if (!name || !seq || !type) throw new AofManifestError('Invalid AOF manifest file format', lineNumber, line);
      const info = { name, seq, type: type as AofFileType };
      if (type === 'b') {
        if (m.base) throw new AofManifestError('Found duplicate base file information', lineNumber, line);
        m.base = info;
        m.baseSeq = seq;
      } else if (type === 'h') {
        m.history.push(info);
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new AofManifestError('Found a non-monotonic sequence number', lineNumber, line);
        m.incr.push(info);
        m.incrSeq = maxSeq = seq;
      } else {
        throw new AofManifestError('Unknown AOF file type', lineNumber, line);
      }
    }
  }

  /** The manifest's text: the base, then history, then incr files (getAofManifestAsString). */
  toString(): string {
    let s = '';
    for (const f of [...(this.base ? [this.base] : []), ...this.history, ...this.incr]) {
      const name = NEEDS_REPR.test(f.name) ? quoteRepr(f.name) : f.name;
      s += `file ${name} seq ${f.seq} type ${f.type}\n`;
    }
    return s;
  }

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base && { ...this.base };
    m.history = this.history.map((f) => ({ ...f }));
    m.incr = this.incr.map((f) => ({ ...f }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  /** Names a new base file (the old one becomes history) and returns its name. */
  newBase(filename: string, rdbPreamble: boolean): string {
    if (this.base) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    const seq = ++this.baseSeq;
    this.base = { name: `${filename}.${seq}.base${rdbPreamble ? '.rdb' : '.aof'}`, seq, type: 'b' };
    return this.base.name;
  }

  /** Names a new incr file, appended to the list, and returns its name. */
  newIncr(filename: string): string {
    const seq = ++this.incrSeq;
    const info: AofFileInfo = { name: `${filename}.${seq}.incr.aof`, seq, type: 'i' };
    this.incr.push(info);
    return info.name;
  }

  /** The incr file to append to (a new one when there is none). */
  lastIncr(filename: string): string {
    return this.incr.length ? this.incr[this.incr.length - 1].name : this.newIncr(filename);
  }

  /**
   * After a rewrite (markRewrittenIncrAofAsHistory): the incr files become history, ahead of the
   * older history, but for the last one when keepLast (the file being written, when the AOF is on).
   */
  incrsToHistory(keepLast: boolean): void {
    const moved = keepLast ? this.incr.slice(0, -1) : this.incr;
    for (const f of moved) f.type = 'h';
    this.history.unshift(...moved);
    this.incr = keepLast ? this.incr.slice(-1) : [];
  }
}

/** atoll: leading blanks, an optional sign, digits; 0 when there are none. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------------------------
// Reading commands

/** How reading an AOF's commands ended. */
export type AofReadStatus = 'ok' | 'eof' | 'format';

export interface AofReadResult {
  status: AofReadStatus;
  /** Where the last whole command (outside an unfinished MULTI) ended. */
  validUpTo: number;
  /** An 'eof' inside a MULTI … EXEC block (validUpTo is then before its MULTI). */
  insideMulti?: boolean;
}

/** fgets's buffer in loadSingleAppendOnlyFile: a line is read in pieces of at most this. */
const LINE_MAX = 1024;

/**
 * Reads the commands of an AOF from buf[start..] as loadSingleAppendOnlyFile does: `#` lines are
 * annotations, every command is a RESP array of bulk strings. run(argv) gets each command; a
 * MULTI … EXEC block is handed over whole when its EXEC has been read, so a file that ends
 * inside one loses the block ('eof', validUpTo before its MULTI).
 */
export function readAofCommands(buf: Buffer, start: number, run: (argv: string[]) => void): AofReadResult {
  let at = start;
  let validUpTo = start;
  let beforeMulti = start;
  let block: string[][] | null = null;
  const line = (): string | null => {
    if (at >= buf.length) return null;
    const nl = buf.indexOf(10, at);
    const end = nl < 0 || nl - at >= LINE_MAX - 1 ? Math.min(buf.length, at + LINE_MAX - 1) : nl + 1;
    const s = buf.toString('latin1', at, end);
    at = end;
    return s;
  };
  for (;;) {
    const head = line();
    if (head === null) break;
    if (head[0] === '#') continue;
    if (head[0] !== '*') return { status: 'format', validUpTo };
    if (head.length === 1) return { status: 'eof', validUpTo };
    const argc = atoll(head.slice(1));
    if (argc < 1) return { status: 'format', validUpTo };
    const argv: string[] = [];
    for (let j = 0; j < argc; j++) {
      const lenLine = line();
      if (lenLine === null) return block ? { status: 'eof', validUpTo: beforeMulti, insideMulti: true } : { status: 'eof', validUpTo };
      if (lenLine[0] !== '$') return { status: 'format', validUpTo };
      const len = Math.max(0, atoll(lenLine.slice(1)));
      if (at + len + 2 > buf.length) return block ? { status: 'eof', validUpTo: beforeMulti, insideMulti: true } : { status: 'eof', validUpTo };
      argv.push(buf.toString('latin1', at, at + len));
      at += len + 2;
    }
    const name = argv[0].toLowerCase();
    if (name === 'multi' && block === null) {
      beforeMulti = validUpTo;
      block = [];
    } else if (name === 'exec' && block !== null) {
      const commands = block;
      block = null;
      run(['MULTI']);
      for (const c of commands) run(c);
      run(argv);
    } else if (block !== null) {
      block.push(argv);
    } else {
      run(argv);
    }
    if (block === null) validUpTo = at;
  }
  // A MULTI without its EXEC: treated as a short read, as Redis reverts it.
  if (block !== null) return { status: 'eof', validUpTo: beforeMulti, insideMulti: true };
  return { status: 'ok', validUpTo: at };
}

// ---------------------------------------------------------------------------------------------
// Writing

export type AppendFsync = 'always' | 'everysec' | 'no';

/** What the AOF needs of the server: its settings, its log, and the time. */
export interface AofHost {
  dir(): string;
  dirname(): string;
  filename(): string;
  fsyncPolicy(): AppendFsync;
  timestamps(): boolean;
  /** no-appendfsync-on-rewrite while a background save or rewrite runs: written, not fsynced. */
  skipFsync(): boolean;
  nowMs(): number;
  log: { notice(m: string): void; warning(m: string): void; verbose(m: string): void };
}

/** Redis logs a failing AOF write at most this often (seconds). */
const WRITE_ERROR_LOG_RATE = 30;
/** The AOF buffer's size; one grown past AOF_BUFFER_KEEP_BYTES by a burst is let go once written. */
const AOF_BUFFER_BYTES = 64 * 1024;
const AOF_BUFFER_KEEP_BYTES = 4 * 1024 * 1024;

/**
 * The incr file being appended to: the buffer of the current event-loop turn, the database the
 * file last selected, and the fsync bookkeeping (Redis's aof_buf, aof_selected_db, aof_fd …).
 */
export class AofWriter {
  private fd = -1;
  /**
   * The turn's commands, as bytes: each is copied in once, and the buffer is reused from turn to
   * turn. (A string grown by += and turned into a Buffer at each flush cost 40% of a primary's time
   * under pipelined MSET: the join and the copy of a long rope, and a fresh Buffer every turn.)
   */
  private buffer = new ByteWriter(AOF_BUFFER_BYTES);
  private selectedDb = -1;
  private lastTimestamp = 0;
  /** Bytes of the incr file written, and how many of them are known to be on disk. */
  incrSize = 0;
  private fsyncedSize = 0;
  private lastFsyncSec = 0;
  private fsyncRunning = false;
  /** A descriptor closed while its background fsync ran, to close when the fsync is done. */
  private closeAfterFsync = -1;
  private postponedSince = 0;
  private lastErrorLog = 0;
  /** Whether the last write failed (INFO aof_last_write_status, MISCONF), and why. */
  lastWriteOk = true;
  lastWriteError: string | undefined;
  /** The error of the last background fsync (everysec), until one succeeds (aof_bio_fsync_status). */
  fsyncError: string | undefined;
  /** Writes delayed because a background fsync was slow (INFO aof_delayed_fsync). */
  delayedFsync = 0;
  /** Bytes written since the AOF was opened, base included (INFO aof_current_size). */
  currentSize = 0;
  /** DEBUG AOF-FLUSH-SLEEP: microseconds to wait before each write (for tests of its ordering). */
  flushSleepUs = 0;

  constructor(private readonly host: AofHost) {}

  get open(): boolean {
    return this.fd !== -1;
  }

  /** Bytes waiting for the end of the turn (INFO aof_buffer_length). */
  get pending(): number {
    return this.buffer.pos;
  }

  get fsyncPending(): boolean {
    return this.fsyncRunning;
  }

  /** Opens path for appending. */
  openFile(path: string): void {
    this.fd = openSync(path, 'a');
    this.incrSize = this.fsyncedSize = fstatSync(this.fd).size;
    // A new file has selected no database yet.
    this.selectedDb = -1;
  }

  /** Switches to another file (a rewrite's new incr file): what is buffered goes to the old one. */
  switchTo(path: string): void {
    this.flush(true);
    this.syncNow();
    this.closeFile();
    this.openFile(path);
  }

  closeFile(): void {
    if (this.fd === -1) return;
    // A background fsync still holds the descriptor: it is closed when that fsync is done (closed
    // now, the fsync would fail with EBADF, or sync whatever file reused the number).
    if (this.fsyncRunning) this.closeAfterFsync = this.fd;
    else closeQuietly(this.fd);
    this.fd = -1;
  }

  /**
   * Appends one command (feedAppendOnlyFile): a SELECT first when the database changes. encoded:
   * argv as RESP, when the caller has it already.
   */
  feed(dbid: number, argv: readonly string[], encoded = encodeArgv(argv)): void {
    if (this.host.timestamps()) {
      const sec = Math.floor(this.host.nowMs() / 1000);
      if (sec > this.lastTimestamp) {
        this.buffer.latin1(`#TS:${sec}\r\n`);
        this.lastTimestamp = sec;
      }
    }
    if (dbid >= 0 && dbid !== this.selectedDb) {
      const id = String(dbid);
      this.buffer.latin1(`*2\r\n$6\r\nSELECT\r\n$${id.length}\r\n${id}\r\n`);
      this.selectedDb = dbid;
    }
    this.buffer.latin1(encoded);
  }

  /**
   * Writes the buffer (flushAppendOnlyFile), at the end of each event-loop turn before the
   * replies go out, then fsyncs as appendfsync says. With everysec and a background fsync still
   * running, the write waits up to two seconds unless forced. Returns false when the write failed
   * under appendfsync always, which Redis cannot recover from.
   */
  flush(force = false): boolean {
    if (this.fd === -1) return true;
    const policy = this.host.fsyncPolicy();
    const nowSec = Math.floor(this.host.nowMs() / 1000);
    if (this.buffer.pos === 0) {
      if (this.fsyncedSize === this.incrSize) return true;
      if (policy === 'everysec' && (nowSec <= this.lastFsyncSec || this.fsyncRunning)) return true;
      if (policy === 'no') return true;
      return this.sync(policy, nowSec);
    }
    if (policy === 'everysec' && !force && this.fsyncRunning) {
      if (this.postponedSince === 0) {
        this.postponedSince = nowSec;
        return true;
      }
      if (nowSec - this.postponedSince < 2) return true;
      this.delayedFsync++;
      this.host.log.notice('Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.');
    }
    this.postponedSince = 0;
    if (this.flushSleepUs > 0) sleepSync(this.flushSleepUs / 1000);
    const data = this.buffer.buf.subarray(0, this.buffer.pos);
    let written = 0;
    let error: string | undefined;
    try {
      while (written < data.length) written += writeSync(this.fd, data, written, data.length - written);
    } catch (e) {
      error = (e as NodeJS.ErrnoException).code ?? 'EIO';
    }
    if (written !== data.length) {
      const canLog = nowSec - this.lastErrorLog > WRITE_ERROR_LOG_RATE;
      if (canLog) this.lastErrorLog = nowSec;
      if (written === 0) {
        if (canLog) this.host.log.warning(`Error writing to the AOF file: ${strerror(error)}`);
        this.lastWriteError = error;
      } else {
        if (canLog) this.host.log.warning(`Short write while writing to the AOF file: (nwritten=${written}, expected=${data.length})`);
        // Take the partial command back out, so the file stays loadable.
        try {
          ftruncateSync(this.fd, this.incrSize);
          written = 0;
        } catch (e) {
          if (canLog) this.host.log.warning(`Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: ${strerror((e as NodeJS.ErrnoException).code)}`);
        }
        this.lastWriteError = 'ENOSPC';
      }
      if (policy === 'always') {
        this.host.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        return false;
      }
      this.lastWriteOk = false;
      if (written > 0) {
        this.currentSize += written;
        this.incrSize += written;
        data.copyWithin(0, written);
        this.buffer.pos -= written;
      }
      return true;
    }
    if (!this.lastWriteOk) {
      this.host.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteOk = true;
      this.lastWriteError = undefined;
    }
    this.currentSize += written;
    this.incrSize += written;
    this.buffer.pos = 0;
    if (this.buffer.buf.length > AOF_BUFFER_KEEP_BYTES) this.buffer = new ByteWriter(AOF_BUFFER_BYTES);
    return this.sync(policy, nowSec);
  }

  private sync(policy: AppendFsync, nowSec: number): boolean {
    if (policy !== 'no' && this.host.skipFsync()) return true;
    if (policy === 'always') {
      try {
        fsyncSync(this.fd);
      } catch (e) {
        this.host.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror((e as NodeJS.ErrnoException).code)}. Exiting...`);
        return false;
      }
      this.fsyncedSize = this.incrSize;
      this.lastFsyncSec = nowSec;
    } else if (policy === 'everysec' && nowSec > this.lastFsyncSec) {
      if (!this.fsyncRunning) {
        this.fsyncRunning = true;
        const fd = this.fd;
        const size = this.incrSize;
        fsync(fd, (err) => {
          this.fsyncRunning = false;
          if (this.closeAfterFsync === fd) {
            // The file was switched or closed meanwhile, and synced then: its result is moot.
            this.closeAfterFsync = -1;
            closeQuietly(fd);
            return;
          }
          if (err) {
            this.fsyncError = err.code ?? 'EIO';
            this.host.log.warning(`Fail to fsync the AOF file: ${strerror(this.fsyncError)}`);
            return;
          }
          this.fsyncError = undefined;
          if (this.fd === fd) this.fsyncedSize = Math.max(this.fsyncedSize, size);
        });
      }
      this.lastFsyncSec = nowSec;
    }
    return true;
  }

  /** Writes and fsyncs everything now (shutdown, a rewrite switching files, appendonly no). */
  syncNow(): void {
    if (this.fd === -1) return;
    this.flush(true);
    try {
      fsyncSync(this.fd);
      this.fsyncedSize = this.incrSize;
    } catch {
      // Reported by the next write.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Files

/** dir/appenddirname. */
export function aofDirPath(host: Pick<AofHost, 'dir' | 'dirname'>): string {
  return join(host.dir(), host.dirname());
}

/** The manifest's path. */
export function manifestPath(host: Pick<AofHost, 'dir' | 'dirname' | 'filename'>): string {
  return join(aofDirPath(host), `${host.filename()}.manifest`);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already unusable: nothing more to lose.
  }
}

/**
 * Writes the manifest as writeAofManifestFile does: into temp-<filename>.manifest, fsynced, then
 * renamed into place, and the directory fsynced. Throws the file system's error.
 */
export function writeManifest(host: Pick<AofHost, 'dir' | 'dirname' | 'filename'>, m: AofManifest): void {
  const dir = aofDirPath(host);
  const tmp = join(dir, `temp-${host.filename()}.manifest`);
  const fd = openSync(tmp, 'w');
  try {
    const data = Buffer.from(m.toString(), 'latin1');
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, manifestPath(host));
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads the manifest if there is one (null when the directory or the manifest is missing). */
export function readManifest(host: Pick<AofHost, 'dir' | 'dirname' | 'filename'>): AofManifest | null {
  const path = manifestPath(host);
  if (!existsSync(path)) return null;
  return AofManifest.parse(readFileSync(path, 'latin1'));
}

/** Deletes the history files and forgets them (aofDelHistoryFiles). */
export function deleteHistory(host: AofHost, m: AofManifest): void {
  if (m.history.length === 0) return;
  const dir = aofDirPath(host);
  for (const f of m.history) {
    host.log.notice(`Removing the history file ${f.name} in the background`);
    try {
      unlinkSync(join(dir, f.name));
    } catch {
      // Already gone.
    }
  }
  m.history = [];
  writeManifest(host, m);
}

/** The size of a file of the AOF directory, or -1 when it does not exist. */
export function aofFileSize(host: Pick<AofHost, 'dir' | 'dirname'>, name: string): number {
  try {
    return statSync(join(aofDirPath(host), name)).size;
  } catch {
    return -1;
  }
}

/** Creates dir/appenddirname if it is missing. */
export function ensureAofDir(host: Pick<AofHost, 'dir' | 'dirname'>): void {
  mkdirSync(aofDirPath(host), { recursive: true });
}

/** Truncates a file of the AOF directory (aof-load-truncated). */
export function truncateAofFile(host: Pick<AofHost, 'dir' | 'dirname'>, name: string, size: number): void {
  truncateSync(join(aofDirPath(host), name), size);
}

// ---------------------------------------------------------------------------------------------
// The server's append-only file

/** AOF_ON, AOF_OFF, AOF_WAIT_REWRITE. */
export type AofState = 'on' | 'off' | 'wait-rewrite';

/** A rewrite's base being written in the background (a snapshot: persistence/snapshot.ts). */
export interface RewriteJob {
  /** Settles when the base file is in place (true) or the writing failed or was stopped (false). */
  readonly done: Promise<boolean>;
  /** Stops the writing and removes its temp file (Redis kills its child). */
  abort(): void;
  /** Bytes kept aside for keys changed meanwhile (INFO aof_last_cow_size). */
  readonly keptBytes: number;
}

/** How loading the AOF at start-up went (loadAppendOnlyFiles). */
export type AofLoadStatus = 'ok' | 'not-exist' | 'empty' | 'truncated' | 'failed';

/** What the AOF needs to run loaded commands and to write snapshots (the server). */
export interface AofServer {
  readonly log: AofHost['log'];
  readonly config: { bool(name: string): boolean; get(name: string): string; num(name: string): number };
  readonly clock: { now(): number };
  /** Marks the dataset as loading (no expiry meanwhile). */
  setLoading(on: boolean): void;
  /** A background save is running: a rewrite waits for it (hasActiveChildProcess). */
  saving(): boolean;
  /** Runs one command read from the file on the loading client; false for an unknown command. */
  runLoaded(argv: string[]): boolean;
  /** The dataset as an RDB (the base file, aof-base set). */
  snapshotRdb(): Buffer;
  /**
   * Starts writing the dataset as of now to path, through tempFile, in the background: as an RDB
   * (aof-base set) with the preamble, else as commands.
   */
  startBaseSnapshot(path: string, tempFile: string, preamble: boolean): RewriteJob;
  /** The dataset as commands (the base file without an RDB preamble). */
  snapshotCommands(timestamps: boolean): Buffer;
  /** Loads an RDB at the start of buf into the dataset; returns where it ended. Throws on error. */
  loadRdbPrefix(buf: Buffer): number;
}

export class AppendOnlyFile {
  state: AofState = 'off';
  manifest = new AofManifest();
  readonly writer: AofWriter;
  readonly host: AofHost;
  /** INFO: aof_rewrites, aof_last_bgrewrite_status, aof_last_rewrite_time_sec, aof_rewrite_scheduled. */
  rewrites = 0;
  lastRewriteOk = true;
  lastRewriteTimeSec = -1;
  rewriteScheduled = false;
  /** The size of the AOF after the last rewrite (aof_rewrite_base_size, for auto rewrites). */
  baseSize = 0;
  /** The rewrite whose base is being written in the background, and when it started (ms). */
  private job: RewriteJob | null = null;
  private jobStartedAt = 0;
  /** Whether the running rewrite writes an RDB (the base file's name says which). */
  private jobPreamble = true;
  /** INFO aof_rewrites_consecutive_failures, aof_last_cow_size; the retry limit's state. */
  consecutiveFailures = 0;
  lastCowSize = 0;
  private limitDelayMin = 0;
  private limitUntil = 0;

  constructor(private readonly server: AofServer) {
    const config = server.config;
    this.host = {
      dir: () => config.get('dir'),
      dirname: () => config.get('appenddirname'),
      filename: () => config.get('appendfilename'),
      fsyncPolicy: () => config.get('appendfsync') as AppendFsync,
      timestamps: () => config.bool('aof-timestamp-enabled'),
      skipFsync: () => (this.job !== null || server.saving()) && config.bool('no-appendfsync-on-rewrite'),
      nowMs: () => server.clock.now(),
      log: server.log,
    };
    this.writer = new AofWriter(this.host);
  }

  /**
   * A write reaches the file while the AOF is on. While it waits for its first rewrite (turned on
   * during a BGSAVE) nothing is kept: that rewrite's base is taken later and holds the write.
   */
  feed(dbid: number, argv: readonly string[], encoded?: string): void {
    // While turning on, the rewrite running in the background has its temp incr file open.
    if (this.state === 'on' || (this.state === 'wait-rewrite' && this.job !== null)) this.writer.feed(dbid, argv, encoded);
  }

  /**
   * BGREWRITEAOF: at once, or once the running background save is done (or the transaction that
   * asks for it, inside EXEC); refused while a rewrite runs.
   */
  requestRewrite(inExec = false): 'started' | 'scheduled' | 'in-progress' | 'failed' {
    if (this.job !== null) return 'in-progress';
    if (this.server.saving() || inExec) {
      this.rewriteScheduled = true;
      // Asked for by hand: the limit on retries after failures does not apply.
      this.consecutiveFailures = 0;
      return 'scheduled';
    }
    return this.rewrite() ? 'started' : 'failed';
  }

  /** Whether a rewrite's base is being written (Redis's AOF child). */
  get rewriting(): boolean {
    return this.job !== null;
  }

  /**
   * Each cron tick: a scheduled rewrite starts once no background job runs; with the AOF on and
   * auto-aof-rewrite-percentage set, so does one when the AOF has grown that much past the size
   * the last rewrite left (and past auto-aof-rewrite-min-size).
   */
  cron(): void {
    if (this.job !== null || this.server.saving()) return;
    if (this.rewriteScheduled && !this.rewriteLimited()) {
      this.rewrite();
      return;
    }
    if (this.state !== 'on') return;
    const perc = this.server.config.num('auto-aof-rewrite-percentage');
    const current = this.writer.currentSize;
    if (perc === 0 || current <= this.server.config.num('auto-aof-rewrite-min-size')) return;
    const base = this.baseSize !== 0 ? this.baseSize : 1;
    const growth = Math.floor((current * 100) / base) - 100;
    if (growth >= perc && !this.rewriteLimited()) {
      this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.rewrite();
    }
  }

  /**
   * aofRewriteLimited: after three failed rewrites in a row, automatic ones wait 1, 2, 4 … up to
   * 60 minutes between tries (BGREWRITEAOF still starts one at once).
   */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < 3) {
      this.limitDelayMin = 0;
      this.limitUntil = 0;
      return false;
    }
    const now = Math.floor(this.server.clock.now() / 1000);
    if (this.limitUntil !== 0) {
      if (now < this.limitUntil) return true;
      this.limitUntil = 0;
      return false;
    }
    this.limitDelayMin = this.limitDelayMin === 0 ? 1 : Math.min(60, this.limitDelayMin * 2);
    this.limitUntil = now + this.limitDelayMin * 60;
    this.server.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.limitDelayMin} minutes`);
    return true;
  }

  /**
   * Why writes are refused (writeCommandsDeniedByDiskError's AOF half): the last write to the
   * file, or the last background fsync, failed; its error code, else undefined.
   */
  diskError(): string | undefined {
    if (this.state === 'off') return undefined;
    return this.writer.lastWriteOk ? this.writer.fsyncError : (this.writer.lastWriteError ?? 'EIO');
  }

  /** Before the replies of this turn go out; false when the server must stop (fsync always). */
  flush(force = false): boolean {
    return this.state === 'off' ? true : this.writer.flush(force);
  }

  // ---- Loading ----------------------------------------------------------------------------

  /**
   * Whether loading may need the Lua engine (a function library in an RDB base, a FUNCTION LOAD
   * or an old-style EVAL among the commands): taken to be so whenever there is anything to load,
   * a file of Redis before 7 in dir or a non-empty file the manifest names. Start-up loads the
   * engine first only then: a server with an empty or no AOF starts without it.
   */
  mayNeedEngine(): boolean {
    const host = this.host;
    try {
      if (statSync(join(host.dir(), host.filename())).size > 0) return true;
    } catch {
      // No old-style file.
    }
    let m: AofManifest | null;
    try {
      m = readManifest(host);
    } catch {
      // A bad manifest stops loading before anything runs.
      return false;
    }
    if (m === null) return false;
    if (m.base !== null && aofFileSize(host, m.base.name) > 0) return true;
    return m.incr.some((f) => aofFileSize(host, f.name) > 0);
  }

  /** Loads the files the manifest names (loadAppendOnlyFiles), logging as Redis does. */
  load(): AofLoadStatus {
    const host = this.host;
    const log = this.server.log;
    let m: AofManifest;
    try {
      m = readManifest(host) ?? new AofManifest();
    } catch (e) {
      if (!(e instanceof AofManifestError)) throw e;
      log.warning('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
      if (e.lineNumber) {
        log.warning(`Reading the manifest file, at line ${e.lineNumber}\n`);
        log.warning(`>>> '${e.line}'\n`);
      }
      log.warning(`${e.reason}\n`);
      return 'failed';
    }
    // An AOF of Redis before 7 (one file in dir) moves into the directory as the base.
    const filename = host.filename();
    const legacy = join(host.dir(), filename);
    if (existsSync(legacy) && !existsSync(join(aofDirPath(host), filename))) {
      const onlyLegacyBase = m.base !== null && m.incr.length === 0 && m.base.name === filename;
      if (!existsSync(aofDirPath(host)) || (m.base === null && m.incr.length === 0) || onlyLegacyBase) {
        try {
          ensureAofDir(host);
          m.base = { name: filename, seq: 1, type: 'b' };
          m.baseSeq = 1;
          writeManifest(host, m);
          renameSync(legacy, join(aofDirPath(host), filename));
        } catch (e) {
          log.warning(`Error trying to move the old AOF file ${filename} into dir ${host.dirname()}: ${strerror((e as NodeJS.ErrnoException).code)}`);
          return 'failed';
        }
        log.notice(`Successfully migrated an old-style AOF file (${filename}) into the AOF directory (${host.dirname()}).`);
      }
    }
    this.manifest = m;
    const files = [...(m.base ? [m.base] : []), ...m.incr];
    if (files.length === 0) return 'not-exist';
    let total = 0;
    for (const f of files) {
      const size = aofFileSize(host, f.name);
      if (size < 0) {
        log.warning(`The append log file ${f.name} doesn't exist: ${strerror('ENOENT')}`);
        return 'failed';
      }
      total += size;
    }
    if (total === 0) return 'empty';
    this.server.setLoading(true);
    try {
      return this.loadFiles(m, files, total);
    } finally {
      this.server.setLoading(false);
    }
  }

  private loadFiles(m: AofManifest, files: AofFileInfo[], total: number): AofLoadStatus {
    const log = this.server.log;
    let status: AofLoadStatus = 'ok';
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const last = i === files.length - 1;
      const start = performance.now();
      const r = this.loadFile(f.name);
      if (r === 'ok' || (r === 'truncated' && last)) {
        const kind = f === m.base ? 'base' : 'incr';
        log.notice(`DB loaded from ${kind} file ${f.name}: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
      }
      if (r === 'truncated' && !last) {
        log.warning('Fatal error: the truncated file is not the last file');
        return 'failed';
      }
      if (r === 'failed') return 'failed';
      if (r === 'truncated') status = 'truncated';
    }
    this.writer.currentSize = total;
    this.baseSize = m.base ? Math.max(0, aofFileSize(this.host, m.base.name)) : 0;
    return status;
  }

  /** One file (loadSingleAppendOnlyFile): an RDB preamble if it starts with one, then commands. */
  private loadFile(name: string): AofLoadStatus | 'empty' {
    const log = this.server.log;
    const path = join(aofDirPath(this.host), name);
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (e) {
      log.warning(`Fatal error: can't open the append log file ${name} for reading: ${strerror((e as NodeJS.ErrnoException).code)}`);
      return 'failed';
    }
    if (buf.length === 0) return 'empty';
    let start = 0;
    if (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS') {
      const oldStyle = name === this.host.filename();
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        start = this.server.loadRdbPrefix(buf);
      } catch {
        log.warning(
          oldStyle
            ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
            : `Error reading the RDB base file ${name}, AOF loading aborted`,
        );
        return this.shortRead(name, path, -1);
      }
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    let unknown: string | null = null;
    const r = readAofCommands(buf, start, (argv) => {
      if (unknown === null && !this.server.runLoaded(argv)) unknown = argv[0];
    });
    if (unknown !== null) {
      log.warning(`Unknown command '${unknown}' reading the append only file ${name}`);
      return 'failed';
    }
    if (r.status === 'format') {
      log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
      return 'failed';
    }
    if (r.status === 'eof') {
      if (r.insideMulti === true) {
        log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      }
      return this.shortRead(name, path, r.validUpTo);
    }
    return 'ok';
  }

  /** A file that ends early: truncated and kept with aof-load-truncated, else a failure. */
  private shortRead(name: string, path: string, validUpTo: number): AofLoadStatus {
    const log = this.server.log;
    if (this.server.config.bool('aof-load-truncated')) {
      log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      if (validUpTo === -1) {
        log.warning('Last valid command offset is invalid');
      } else {
        try {
          truncateSync(path, validUpTo);
          log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
          return 'truncated';
        } catch (e) {
          log.warning(`Error truncating the AOF file ${name}: ${strerror((e as NodeJS.ErrnoException).code)}`);
        }
      }
    }
    log.warning(
      `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
    );
    return 'failed';
  }

  // ---- Opening and rewriting ----------------------------------------------------------------

  /**
   * At start-up with appendonly yes (aofOpenIfNeededOnServerStart): the directory, a base file
   * when there is nothing yet, the last incr file opened for appending, the manifest written.
   * False when the server must not start (logged).
   */
  openOnStart(): boolean {
    const host = this.host;
    const log = this.server.log;
    try {
      ensureAofDir(host);
    } catch (e) {
      log.warning(`Can't open or create append-only dir ${host.dirname()}: ${strerror((e as NodeJS.ErrnoException).code)}`);
      return false;
    }
    const m = this.manifest;
    const hadIncr = m.incr.length !== 0;
    if (!m.base && !hadIncr) {
      const base = m.newBase(host.filename(), this.server.config.bool('aof-use-rdb-preamble'));
      // (Not counted in aof_current_size or aof_base_size, as Redis does not count it either.)
      if (this.writeBase(base) < 0) return false;
      log.notice(`Creating AOF base file ${base} on server start`);
    }
    const incr = m.lastIncr(host.filename());
    try {
      this.writer.openFile(join(aofDirPath(host), incr));
      writeManifest(host, m);
    } catch (e) {
      log.warning(`Can't open the append-only file ${incr}: ${strerror((e as NodeJS.ErrnoException).code)}`);
      return false;
    }
    log.notice(hadIncr ? `Opening AOF incr file ${incr} on server start` : `Creating AOF incr file ${incr} on server start`);
    this.state = 'on';
    try {
      deleteHistory(host, m);
    } catch {
      // Left for the next rewrite.
    }
    return true;
  }

  /** Writes the dataset to the base file name, through a temp file (rewriteAppendOnlyFile); its size, or -1. */
  private writeBase(name: string): number {
    const host = this.host;
    const dir = aofDirPath(host);
    const tmp = join(dir, `temp-rewriteaof-${process.pid}.aof`);
    const data = this.server.config.bool('aof-use-rdb-preamble')
      ? this.server.snapshotRdb()
      : this.server.snapshotCommands(host.timestamps());
    try {
      const fd = openSync(tmp, 'w');
      try {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      this.server.log.warning(`Write error writing append only file on disk: ${strerror((e as NodeJS.ErrnoException).code)}`);
      removeQuietly(tmp);
      return -1;
    }
    try {
      renameSync(tmp, join(dir, name));
    } catch (e) {
      this.server.log.warning(`Error moving temp append only file on the final destination: ${strerror((e as NodeJS.ErrnoException).code)}`);
      return -1;
    }
    return data.length;
  }

  /**
   * rewriteAppendOnlyFileBackground: a new incr file takes the writes from now on and the base is
   * written from the dataset as of now (an RDB, or commands without the preamble), in slices
   * while clients are served, as Redis's child writes it (persistence/snapshot.ts); the rewrite
   * ends in rewriteDone. False when it could not start.
   */
  rewrite(): boolean {
    const host = this.host;
    const log = this.server.log;
    if (this.job !== null) return false;
    try {
      ensureAofDir(host);
    } catch (e) {
      log.warning(`Can't open or create append-only dir ${host.dirname()}: ${strerror((e as NodeJS.ErrnoException).code)}`);
      this.lastRewriteOk = false;
      return false;
    }
    if (!this.openNewIncr()) {
      this.lastRewriteOk = false;
      return false;
    }
    this.rewrites++;
    const dir = aofDirPath(host);
    const preamble = this.server.config.bool('aof-use-rdb-preamble');
    const job = this.server.startBaseSnapshot(join(dir, `temp-rewriteaof-bg-${process.pid}.aof`), join(dir, `temp-rewriteaof-${process.pid}.aof`), preamble);
    this.job = job;
    this.jobPreamble = preamble;
    this.jobStartedAt = performance.now();
    this.rewriteScheduled = false;
    log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    void job.done.then((ok) => this.rewriteDone(job, ok));
    return true;
  }

  /** The name of the incr file writes go to while the AOF waits for its first rewrite. */
  private tempIncrName(): string {
    return `temp-${this.host.filename()}.incr`;
  }

  /**
   * openNewIncrAofForAppend: with the AOF on, a new incr file in the manifest (written now); while
   * turning on, a temp incr file named into the manifest once the rewrite is done.
   */
  private openNewIncr(): boolean {
    const host = this.host;
    if (this.state === 'off') return true;
    const m = this.state === 'on' ? this.manifest.clone() : null;
    const name = m !== null ? m.newIncr(host.filename()) : this.tempIncrName();
    const path = join(aofDirPath(host), name);
    try {
      if (m === null) closeSync(openSync(path, 'w'));
      if (this.writer.open) this.writer.switchTo(path);
      else this.writer.openFile(path);
      if (m !== null) writeManifest(host, m);
    } catch (e) {
      this.server.log.warning(`Can't open the append-only file ${name}: ${strerror((e as NodeJS.ErrnoException).code)}`);
      return false;
    }
    if (m !== null) this.manifest = m;
    this.server.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    return true;
  }

  /** backgroundRewriteDoneHandler: the base file named into the manifest, the old files history. */
  private rewriteDone(job: RewriteJob, ok: boolean): void {
    // Stopped by killRewrite: that has cleaned up.
    if (this.job !== job) return;
    this.job = null;
    const host = this.host;
    const log = this.server.log;
    const dir = aofDirPath(host);
    const tempBase = `temp-rewriteaof-bg-${process.pid}.aof`;
    this.lastCowSize = job.keptBytes;
    this.lastRewriteTimeSec = Math.round((performance.now() - this.jobStartedAt) / 1000);
    if (ok) ok = this.installRewrite(dir, tempBase);
    else log.warning('Background AOF rewrite terminated with error');
    if (ok) return;
    this.lastRewriteOk = false;
    this.consecutiveFailures++;
    removeQuietly(join(dir, tempBase));
    if (this.state === 'wait-rewrite') {
      // The writes gathered for the failed rewrite go with it; the next one starts afresh.
      this.writer.closeFile();
      removeQuietly(join(dir, this.tempIncrName()));
      this.rewriteScheduled = true;
    }
  }

  private installRewrite(dir: string, tempBase: string): boolean {
    const host = this.host;
    const log = this.server.log;
    log.notice('Background AOF rewrite terminated with success');
    const m = this.manifest.clone();
    const base = m.newBase(host.filename(), this.jobPreamble);
    try {
      renameSync(join(dir, tempBase), join(dir, base));
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF base file ${tempBase} into ${base}: ${strerror((e as NodeJS.ErrnoException).code)}`);
      return false;
    }
    log.notice(`Successfully renamed the temporary AOF base file ${tempBase} into ${base}`);
    let incr: string | null = null;
    if (this.state === 'wait-rewrite') {
      const temp = this.tempIncrName();
      incr = m.newIncr(host.filename());
      try {
        // The open file keeps its descriptor under the new name.
        renameSync(join(dir, temp), join(dir, incr));
      } catch (e) {
        log.warning(`Error trying to rename the temporary AOF incr file ${temp} into ${incr}: ${strerror((e as NodeJS.ErrnoException).code)}`);
        removeQuietly(join(dir, base));
        return false;
      }
      log.notice(`Successfully renamed the temporary AOF incr file ${temp} into ${incr}`);
    }
    m.incrsToHistory(this.state !== 'off');
    try {
      writeManifest(host, m);
    } catch {
      removeQuietly(join(dir, base));
      if (incr !== null) removeQuietly(join(dir, incr));
      return false;
    }
    this.manifest = m;
    if (this.state !== 'off') {
      this.writer.currentSize = Math.max(0, aofFileSize(host, base)) + this.writer.incrSize;
      this.baseSize = this.writer.currentSize;
    }
    this.collectHistory();
    this.lastRewriteOk = true;
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
    if (this.state === 'wait-rewrite') this.state = 'on';
    return true;
  }

  /** killAppendOnlyChild: stops a rewrite in progress and removes its temp files. */
  killRewrite(): void {
    const job = this.job;
    if (job === null) return;
    this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    this.job = null;
    job.abort();
    const dir = aofDirPath(this.host);
    removeQuietly(join(dir, `temp-rewriteaof-bg-${process.pid}.aof`));
    this.lastRewriteTimeSec = Math.round((performance.now() - this.jobStartedAt) / 1000);
  }

  /** Deletes the history files unless aof-disable-auto-gc (after a rewrite, and when it is set back to no). */
  collectHistory(): void {
    if (this.server.config.bool('aof-disable-auto-gc')) return;
    try {
      deleteHistory(this.host, this.manifest);
    } catch {
      // Left for the next time.
    }
  }

  /**
   * CONFIG SET appendonly yes (startAppendOnly): a rewrite makes the base, and writes go to its
   * temp incr file meanwhile; during a background save (or inside EXEC) the rewrite is scheduled
   * and writes wait for it. A rewrite already running is replaced: it gathers no writes.
   */
  start(inExec = false): boolean {
    if (this.state !== 'off') return true;
    const log = this.server.log;
    this.state = 'wait-rewrite';
    if (this.server.saving()) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      return true;
    }
    if (inExec) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
      return true;
    }
    if (this.job !== null) {
      log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      this.killRewrite();
    }
    if (!this.rewrite()) {
      this.failStart();
      return false;
    }
    return true;
  }

  private failStart(): void {
    this.state = 'off';
    this.writer.closeFile();
    this.server.log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
  }

  /**
   * CONFIG SET appendonly no, shutdown (stopAppendOnly): what is buffered is written and synced,
   * and a rewrite in progress is stopped.
   */
  stop(): void {
    this.rewriteScheduled = false;
    if (this.state === 'off') {
      this.killRewrite();
      return;
    }
    this.writer.syncNow();
    this.writer.closeFile();
    this.state = 'off';
    this.killRewrite();
  }

  /** INFO persistence's AOF fields (before module_fork_*). */
  infoFields(): Array<[string, string | number]> {
    const fields: Array<[string, string | number]> = [
      ['aof_enabled', this.state !== 'off' ? 1 : 0],
      ['aof_rewrite_in_progress', this.job !== null ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteTimeSec],
      ['aof_current_rewrite_time_sec', this.job !== null ? Math.round((performance.now() - this.jobStartedAt) / 1000) : -1],
      ['aof_last_bgrewrite_status', this.lastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.writer.lastWriteOk ? 'ok' : 'err'],
      ['aof_last_cow_size', this.lastCowSize],
    ];
    return fields;
  }

  /** The fields INFO adds (after module_fork_*) while the AOF is on. */
  infoFieldsWhenOn(): Array<[string, string | number]> {
    if (this.state === 'off') return [];
    return [
      ['aof_current_size', this.writer.currentSize],
      ['aof_base_size', this.baseSize],
      ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', this.writer.pending],
      ['aof_pending_bio_fsync', this.writer.fsyncPending ? 1 : 0],
      ['aof_delayed_fsync', this.writer.delayedFsync],
    ];
  }
}

