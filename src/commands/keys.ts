// Generic keyspace commands (Redis's db.c, expire.c and object.c): DEL EXISTS EXPIRE … TTL TYPE
// KEYS SCAN RANDOMKEY RENAME COPY MOVE SWAPDB OBJECT DBSIZE FLUSHDB FLUSHALL.

import { abortBackgroundSave } from '../persistence/snapshot.js';
import { rdbSave } from '../persistence/rdb.js';
import type { CommandSpec, Handler } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_DB_INDEX, ERR_NO_SUCH_KEY, ERR_SAME_OBJECT, ERR_SYNTAX } from '../server/errors.js';
import { globMatch, isLiteralPattern } from '../util/glob.js';
import { encodingOf, typeOf, type Value } from '../types/value.js';
import { parseMemory } from '../server/config.js';
import { cString, optionWord as option } from '../util/cstring.js';
import { NOTIFY } from '../keyspace/notify.js';
import { freeDatabaseAsync, freeValueAsync } from '../keyspace/lazyfree.js';
import { replyHelp } from './help.js';
import {
  ArgCursor,
  EXPIRE_RELATIVE,
  EXPIRE_SECONDS,
  dbArg,
  expireTimeArg,
  intArg,
  integerArg,
  scanCursorArg,
} from './args.js';

// Kept for importers of it from here (it lives in commands/args.ts).
export { parseScanCursor } from './args.js';

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TOUCH TYPE DBSIZE RANDOMKEY

function del(c: Client, argv: string[]): void {
  deleteKeys(c, argv, c.server.config.bool('lazyfree-lazy-user-del'));
}

function unlink(c: Client, argv: string[]): void {
  deleteKeys(c, argv, true);
}

/** DEL and UNLINK (delGenericCommand); lazy counts big values as freed in the background. */
function deleteKeys(c: Client, argv: string[], lazy: boolean): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i];
    const v = lazy ? c.db.dict.get(key) : undefined;
    if (c.db.delete(key)) {
      n++;
      if (v !== undefined) freeValueAsync(c.server, v);
      c.db.changed(key, NOTIFY.GENERIC, 'del');
    }
  }
  c.integer(n);
}

function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i], false) !== undefined) n++;
  c.integer(n);
}

function touch(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i]) !== undefined) n++;
  c.integer(n);
}

function type(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1], false);
  c.simple(v === undefined ? 'none' : typeOf(v));
}

function dbsize(c: Client): void {
  // Like Redis, counts keys whose time passed but that were not removed yet.
  c.integer(c.db.size);
}

function randomkey(c: Client): void {
  c.bulkOrNull(c.db.randomKey());
}

// ---------------------------------------------------------------------------------------------
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST TTL PTTL EXPIRETIME PEXPIRETIME

/**
 * The four EXPIRE commands. relative: the time counts from now; seconds: argv[2] is in seconds.
 * The time is checked as Redis checks it (expireTimeArg), after the options.
 */
function expireCommand(name: string, relative: boolean, seconds: boolean): Handler {
  const unit = (relative ? EXPIRE_RELATIVE : 0) | (seconds ? EXPIRE_SECONDS : 0);
  return (c, argv) => {
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    const opts = new ArgCursor(c, argv, 3);
    for (let opt = opts.next(); opt !== null; opt = opts.next()) {
      if (opt === 'nx') nx = true;
      else if (opt === 'xx') xx = true;
      else if (opt === 'gt') gt = true;
      else if (opt === 'lt') lt = true;
      else {
        c.error(`ERR Unsupported option ${cString(opts.arg)}`);
        return;
      }
    }
    if (nx && (xx || gt || lt)) {
      c.error('ERR NX and XX, GT or LT options at the same time are not compatible');
      return;
    }
    if (gt && lt) {
      c.error('ERR GT and LT options at the same time are not compatible');
      return;
    }
    const when = expireTimeArg(c, argv[2], name, unit);
    if (when === null) return;
    const now = Math.floor(c.server.now());

    const db = c.db;
    const key = argv[1];
    if (db.lookupWrite(key) === undefined) {
      c.integer(0);
      return;
    }
    if (nx || xx || gt || lt) {
      const current = db.getExpireExact(key);
      // No time to live counts as an infinite one: GT never wins against it, LT always does.
      if (nx && current !== undefined) return c.integer(0);
      if (xx && current === undefined) return c.integer(0);
      if (gt && (current === undefined || when <= current)) return c.integer(0);
      if (lt && current !== undefined && when >= current) return c.integer(0);
    }
    if (when <= now && !c.server.loading) {
      // A time already past deletes the key (a write, like DEL); not while a file loads.
      db.delete(key);
      db.changed(key, NOTIFY.GENERIC, 'del');
      c.rewriteArgv(['DEL', key]);
    } else {
      db.setExpire(key, when);
      db.changed(key, NOTIFY.GENERIC, 'expire');
      // Propagated as an absolute time in ms, so replicas expire it at the same instant.
      if (name !== 'pexpireat') c.rewriteArgv(['PEXPIREAT', key, String(when), ...argv.slice(3)]);
    }
    c.integer(1);
  };
}

function persist(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) !== undefined && db.removeExpire(key)) {
    db.changed(key, NOTIFY.GENERIC, 'persist');
    c.integer(1);
  } else {
    c.integer(0);
  }
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for no key, -1 for no time to live. */
function ttlCommand(ms: boolean, absolute: boolean): Handler {
  return (c, argv) => {
    const key = argv[1];
    if (c.db.lookupRead(key, false) === undefined) return c.integer(-2);
    const when = c.db.getExpireExact(key);
    if (when === undefined) return c.integer(-1);
    let t = absolute ? when : when - BigInt(Math.floor(c.server.now()));
    if (t < 0n) t = 0n;
    // Seconds round to the nearest.
    c.integer(ms ? t : (t + 500n) / 1000n);
  };
}

// ---------------------------------------------------------------------------------------------
// KEYS SCAN

function keys(c: Client, argv: string[]): void {
  const db = c.db;
  const pattern = argv[1];
  const volatile = db.expires.size !== 0;
  const mark = c.deferLen();
  let n = 0;
  if (isLiteralPattern(pattern)) {
    // Only the key spelled exactly like the pattern can match.
    if (db.dict.has(pattern) && !(volatile && db.isExpired(pattern))) {
      c.bulk(pattern);
      n++;
    }
  } else {
    const all = pattern === '*';
    for (const key of db.dict.keys()) {
      if (!all && !globMatch(pattern, key)) continue;
      // Expired keys are skipped, not removed (KEYS is read-only in Redis too).
      if (volatile && db.isExpired(key)) continue;
      c.bulk(key);
      n++;
    }
  }
  c.setDeferredArrayLen(mark, n);
}

function scan(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(c, argv[1]);
  if (cursor === null) return;
  let count = 10;
  let pattern: string | null = null;
  let typeName: string | null = null;
  const opts = new ArgCursor(c, argv, 2);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    const hasValue = opts.hasValue();
    if (opt === 'count' && hasValue) {
      const n = integerArg(c, opts.value());
      if (n === null) return;
      if (n < 1) {
        opts.syntaxError();
        return;
      }
      count = n;
    } else if (opt === 'match' && hasValue) {
      // "*" matches everything, so it is no filter at all.
      const p = opts.value();
      pattern = p === '*' ? null : p;
    } else if (opt === 'type' && hasValue) {
      typeName = option(opts.value());
    } else {
      opts.syntaxError();
      return;
    }
  }
  const db = c.db;
  const [next, fetched] = db.scan(cursor, count);
  // As in Redis, filters apply after COUNT keys were fetched, so a step may return fewer keys
  // (even none) without the iteration being over.
  const out: string[] = [];
  for (const key of fetched) {
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (typeName !== null) {
      // A lookup, as Redis does it: an expired key is removed here and reads as "none".
      const v = db.lookupRead(key, false);
      if ((v === undefined ? 'none' : typeOf(v)) !== typeName) continue;
    }
    if (db.expires.size !== 0 && db.expireIfNeeded(key)) continue;
    out.push(key);
  }
  c.arrayLen(2);
  c.bulk(String(next));
  c.bulkArray(out);
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX MOVE COPY SWAPDB

function renameCommand(nx: boolean): Handler {
  return (c, argv) => {
    const db = c.db;
    const src = argv[1];
    const dst = argv[2];
    const value = db.lookupWrite(src);
    if (value === undefined) {
      c.error(ERR_NO_SUCH_KEY);
      return;
    }
    if (src === dst) {
      if (nx) c.integer(0);
      else c.ok();
      return;
    }
    const when = db.getExpireExact(src);
    if (db.lookupWrite(dst) !== undefined && nx) {
      c.integer(0);
      return;
    }
    // The destination takes the value and the source's time to live (or none).
    db.delete(dst);
    db.set(dst, value);
    if (when !== undefined) db.setExpire(dst, when);
    db.delete(src);
    db.changed(src, NOTIFY.GENERIC, 'rename_from');
    db.changed(dst, NOTIFY.GENERIC, 'rename_to', 0);
    if (nx) c.integer(1);
    else c.ok();
  };
}

function move(c: Client, argv: string[]): void {
  const dst = dbArg(c, argv[2]);
  if (!dst) return;
  const src = c.db;
  if (src === dst) {
    c.error(ERR_SAME_OBJECT);
    return;
  }
  const key = argv[1];
  const value = src.lookupWrite(key);
  if (value === undefined) return c.integer(0);
  const when = src.getExpireExact(key);
  if (dst.lookupWrite(key) !== undefined) return c.integer(0);
  dst.set(key, value);
  if (when !== undefined) dst.setExpire(key, when);
  src.delete(key);
  src.changed(key, NOTIFY.GENERIC, 'move_from');
  dst.changed(key, NOTIFY.GENERIC, 'move_to', 0);
  c.integer(1);
}

/** An independent copy of a value (COPY). Plain strings are immutable and can be shared. */
function dupValue(v: Value): Value {
  return typeof v === 'string' ? v : v.dup();
}

function copy(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  const opts = new ArgCursor(c, argv, 3);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && opts.hasValue()) {
      const db = dbArg(c, opts.value());
      if (!db) return;
      dst = db;
    } else {
      opts.syntaxError();
      return;
    }
  }
  const key = argv[1];
  const newKey = argv[2];
  if (src === dst && key === newKey) {
    c.error(ERR_SAME_OBJECT);
    return;
  }
  const value = src.lookupRead(key);
  if (value === undefined) return c.integer(0);
  const when = src.getExpireExact(key);
  if (dst.lookupWrite(newKey) !== undefined && !replace) return c.integer(0);
  // A replaced destination is deleted first, so it counts as a new key (the 'new' event).
  dst.delete(newKey);
  dst.set(newKey, dupValue(value));
  if (when !== undefined) dst.setExpire(newKey, when);
  dst.changed(newKey, NOTIFY.GENERIC, 'copy_to');
  c.integer(1);
}

function swapdb(c: Client, argv: string[]): void {
  const id1 = intArg(c, argv[1], 'ERR invalid first DB index');
  if (id1 === null) return;
  const id2 = intArg(c, argv[2], 'ERR invalid second DB index');
  if (id2 === null) return;
  const n = c.server.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) {
    c.error(ERR_DB_INDEX);
    return;
  }
  if (id1 !== id2) {
    c.server.dbs[id1].swapWith(c.server.dbs[id2]);
    // Clients blocked on keys that the swap brought in are served (scanDatabaseForReadyKeys).
    if (c.server.blocking.waitedKeys !== 0) c.server.blocking.swapped(c.server.dbs[id1], c.server.dbs[id2]);
  }
  c.server.dirty++;
  c.ok();
}

// ---------------------------------------------------------------------------------------------
// FLUSHDB FLUSHALL

/**
 * [ASYNC | SYNC]: whether the flush is asynchronous (no argument: lazyfree-lazy-user-flush), or
 * null when the argument is neither. Either way V8 frees the values; async counts them as
 * lazily freed, as Redis does.
 */
function flushIsAsync(c: Client, argv: string[]): boolean | null {
  if (argv.length === 1) return c.server.config.bool('lazyfree-lazy-user-flush');
  if (argv.length !== 2) return null;
  const mode = option(argv[1]);
  return mode === 'async' ? true : mode === 'sync' ? false : null;
}

function flushdb(c: Client, argv: string[]): void {
  const async = flushIsAsync(c, argv);
  if (async === null) {
    c.error(ERR_SYNTAX);
    return;
  }
  const removed = c.db.flush();
  if (async) freeDatabaseAsync(c.server, removed);
  c.server.dirty += removed;
  c.server.dataFlushed();
  // XREADGROUP readers of a stream that went are woken with their error (scanDatabaseForDeletedStreams).
  if (c.server.blocking.waitedKeys !== 0) c.server.blocking.swapped(c.db);
  // Propagated even when the database was already empty (Redis's forceCommandPropagation).
  c.forcePropagation();
  c.ok();
}

function flushall(c: Client, argv: string[]): void {
  const async = flushIsAsync(c, argv);
  if (async === null) {
    c.error(ERR_SYNTAX);
    return;
  }
  let removed = 0;
  for (const db of c.server.dbs) removed += db.flush();
  if (async) freeDatabaseAsync(c.server, removed);
  c.server.dataFlushed();
  if (c.server.blocking.waitedKeys !== 0) c.server.blocking.swapped(...c.server.dbs);
  c.server.dirty += removed;
  // As Redis's flushAllDataAndResetRDB: a background save stops, and with save points the
  // (empty) dataset is saved at once.
  abortBackgroundSave(c.server);
  if (c.server.config.savePoints().length > 0) rdbSave(c.server);
  // Propagated even when every database was already empty (forceCommandPropagation).
  c.forcePropagation();
  c.ok();
}

// ---------------------------------------------------------------------------------------------
// OBJECT

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

const ERR_LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const ERR_LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** Redis's OBJ_SHARED_REFCOUNT: what REFCOUNT reports for the shared small integers. */
const SHARED_REFCOUNT = 2147483647;
/** Redis shares the integer objects 0..9999 (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;
/** LFU_INIT_VAL: the frequency counter of a key that has not been read since it was written. */
const LFU_INIT_VAL = 5;

function policy(c: Client): string {
  return c.server.config.get('maxmemory-policy');
}

function lfuPolicy(c: Client): boolean {
  return policy(c).endsWith('-lfu');
}

/** OBJECT's lookup: no access-time update, but a keyspace hit or miss; a null reply if missing. */
function objectLookup(c: Client, key: string): Value | undefined {
  const v = c.db.lookupRead(key, false, false);
  if (v === undefined) c.nullBulk();
  return v;
}

function objectEncoding(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v !== undefined) c.bulk(encodingOf(v));
}

function objectRefcount(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  // Redis stores SET's small non-negative integers as shared objects unless an LRU/LFU policy
  // with a memory limit is on; those report the shared count. Every other value has one owner.
  // (nodis decides this when asked; Redis decided it when the value was written.)
  let shared = false;
  if (typeof v === 'string' && encodingOf(v) === 'int') {
    const n = Number(v);
    const limit = parseMemory(c.server.config.get('maxmemory')) ?? 0;
    const p = policy(c);
    const noSharing = limit !== 0 && (p.endsWith('-lru') || p.endsWith('-lfu'));
    shared = n >= 0 && n < SHARED_INTEGERS && !noSharing;
  }
  c.integer(shared ? SHARED_REFCOUNT : 1);
}

function objectIdletime(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (lfuPolicy(c)) {
    c.error(ERR_LFU_SELECTED);
    return;
  }
  // Object values carry their last access time. A plain string value is stored as the string
  // itself, without a per-key access time (that is what keeps small keys as cheap as in Redis),
  // so its idle time is not known: it reads as 0, as a just-used key would.
  if (typeof v === 'string' || v.lru === 0) return c.integer(0);
  c.integer(Math.max(0, Math.floor((c.server.clock.now() - v.lru) / 1000)));
}

function objectFreq(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (!lfuPolicy(c)) {
    c.error(ERR_LFU_NOT_SELECTED);
    return;
  }
  // nodis keeps no access-frequency counter, so every key reads as one that was just written.
  c.integer(LFU_INIT_VAL);
}

function objectHelp(c: Client, argv: string[]): void {
  replyHelp(c, argv[0], OBJECT_HELP);
}

// ---------------------------------------------------------------------------------------------

export const keyCommands: CommandSpec[] = [
  { name: 'del', handler: del },
  { name: 'unlink', handler: unlink },
  { name: 'exists', handler: exists },
  { name: 'touch', handler: touch },
  { name: 'type', handler: type },
  { name: 'dbsize', handler: dbsize },
  { name: 'randomkey', handler: randomkey },
  { name: 'expire', handler: expireCommand('expire', true, true) },
  { name: 'pexpire', handler: expireCommand('pexpire', true, false) },
  { name: 'expireat', handler: expireCommand('expireat', false, true) },
  { name: 'pexpireat', handler: expireCommand('pexpireat', false, false) },
  { name: 'persist', handler: persist },
  { name: 'ttl', handler: ttlCommand(false, false) },
  { name: 'pttl', handler: ttlCommand(true, false) },
  { name: 'expiretime', handler: ttlCommand(false, true) },
  { name: 'pexpiretime', handler: ttlCommand(true, true) },
  { name: 'keys', handler: keys },
  { name: 'scan', handler: scan },
  { name: 'rename', handler: renameCommand(false) },
  { name: 'renamenx', handler: renameCommand(true) },
  { name: 'move', handler: move },
  { name: 'copy', handler: copy },
  { name: 'swapdb', handler: swapdb },
  { name: 'flushdb', handler: flushdb },
  { name: 'flushall', handler: flushall },
  {
    name: 'object',
    subcommands: [
      { name: 'encoding', handler: objectEncoding },
      { name: 'refcount', handler: objectRefcount },
      { name: 'idletime', handler: objectIdletime },
      { name: 'freq', handler: objectFreq },
      { name: 'help', handler: objectHelp },
    ],
  },
];
