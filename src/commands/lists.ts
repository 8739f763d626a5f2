// List commands (Redis's t_list.c): pushes and pops at both ends, access by index and range,
// searches, moves between lists, and the blocking pops, which wait through keyspace/blocking.ts.
//
// Each write follows pushGenericCommand's shape: look up (WRONGTYPE checked), create the list if
// needed, change it, reply, then db.changed() for the event and dirty count; a list left empty
// is deleted (the "del" event). Blocking commands that find data take the non-blocking path and
// propagate as it does (BLPOP as LPOP, BLMOVE as LMOVE, BLMPOP as LPOP/RPOP with a count).

import type { CommandSpec, Handler } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Database } from '../keyspace/db.js';
import { ERR_NO_SUCH_KEY, ERR_SYNTAX, errWrongArgs } from '../server/errors.js';
import { NOTIFY } from '../keyspace/notify.js';
import { BLOCKED_LIST } from '../keyspace/blocking.js';
import { ListValue, listCursor } from '../types/list.js';
import type { Value } from '../types/value.js';
import { readAs, writeAs } from './lookup.js';
import { int64Arg, integerArg, positiveArg, rangeArg, timeoutArg } from './args.js';
import { optionWord } from '../util/cstring.js';
import { latin1Slice, type Latin1Buffer } from '../util/latin1.js';

const ERR_INDEX_RANGE = 'ERR index out of range';
const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_COUNT_POSITIVE = 'ERR count should be greater than 0';

/** Which end (Redis's LIST_HEAD / LIST_TAIL). */
const HEAD = 0;
const TAIL = 1;

/** A new, empty list, with the node size configured now (its key is added by the caller). */
function newList(c: Client): ListValue {
  return new ListValue(c.server.config.num('list-max-listpack-size'));
}

/** What a blocked list command waits for: a list (one with elements: empty lists do not exist). */
function listReady(v: Value | undefined): boolean {
  return v instanceof ListValue && v.length !== 0;
}

/** LEFT or RIGHT (getListPositionFromObjectOrReply); -1 after replying a syntax error. */
function positionArg(c: Client, arg: string): number {
  const w = optionWord(arg);
  if (w === 'left') return HEAD;
  if (w === 'right') return TAIL;
  c.error(ERR_SYNTAX);
  return -1;
}

/**
 * After elements were popped (listElementsRemoved): the lpop/rpop event, the key deleted when
 * the list is empty (the del event), count dirty changes. True when the key was deleted.
 */
function elementsRemoved(db: Database, key: string, where: number, list: ListValue, count: number): boolean {
  db.changed(key, NOTIFY.LIST, where === HEAD ? 'lpop' : 'rpop', count);
  if (list.length !== 0) return false;
  db.delete(key, false);
  db.changed(key, NOTIFY.GENERIC, 'del', 0);
  return true;
}

/** Where bulkRun builds replies: one buffer, written out as one string per 60 KB. */
const scratch = Buffer.allocUnsafe(64 * 1024) as unknown as Latin1Buffer;
const SCRATCH_FLUSH = 60 * 1024;
/** Elements this long go through the writer's own path (it keeps big values as chunks). */
const BULK_DIRECT = 8 * 1024;

/**
 * n elements from the cursor as bulk strings: their RESP (the same in RESP2 and RESP3) is built
 * in a scratch buffer straight from the nodes' bytes and handed to the writer as one string,
 * instead of a string per element and a concatenation per reply part.
 */
function bulkRun(c: Client, cursor: typeof listCursor, n: number): void {
  const buf = scratch;
  let p = 0;
  for (let i = 0; i < n; i++) {
    let len = cursor.nextRaw();
    const s = len < 0 ? cursor.rawStr : null;
    if (s !== null) len = s.length;
    if (len >= BULK_DIRECT) {
      if (p !== 0) c.raw(buf.latin1Slice(0, p));
      p = 0;
      c.bulk(s !== null ? s : latin1Slice(cursor.rawBuf, cursor.rawStart, cursor.rawStart + len));
      continue;
    }
    if (p + len + 16 > buf.length) {
      c.raw(buf.latin1Slice(0, p));
      p = 0;
    }
    buf[p++] = 36; // $
    if (len < 10) buf[p++] = 48 + len;
    else if (len < 100) {
      buf[p++] = 48 + ((len / 10) | 0);
      buf[p++] = 48 + (len % 10);
    } else p += buf.latin1Write(String(len), p, 10);
    buf[p++] = 13;
    buf[p++] = 10;
    if (s !== null) {
      if (len <= 32) for (let j = 0; j < len; j++) buf[p + j] = s.charCodeAt(j);
      else buf.latin1Write(s, p, len);
    } else {
      const src = cursor.rawBuf;
      const from = cursor.rawStart;
      if (len <= 32) for (let j = 0; j < len; j++) buf[p + j] = src[from + j];
      else buf.set(src.subarray(from, from + len), p);
    }
    p += len;
    buf[p++] = 13;
    buf[p++] = 10;
    if (p >= SCRATCH_FLUSH) {
      c.raw(buf.latin1Slice(0, p));
      p = 0;
    }
  }
  if (p !== 0) c.raw(buf.latin1Slice(0, p));
}

/**
 * The elements from start to end (inclusive, negative counting from the tail) as an array,
 * from end to start when reverse (addListRangeReply).
 */
function replyRange(c: Client, list: ListValue, start: number, end: number, reverse: boolean): void {
  const len = list.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    c.arrayLen(0);
    return;
  }
  if (end >= len) end = len - 1;
  const n = end - start + 1;
  c.arrayLen(n);
  bulkRun(c, listCursor.seek(list, reverse ? end : start, reverse), n);
}

/**
 * Pops count elements (fewer if the list is shorter) from one end and replies [key, [elements]]
 * (listPopRangeAndReplyWithKey), then propagates LPOP/RPOP key count. For LMPOP, BLMPOP.
 */
function popRangeWithKey(c: Client, list: ListValue, key: string, where: number, count: number): void {
  const len = list.length;
  const n = count > len ? len : count;
  c.arrayLen(2);
  c.bulk(key);
  popRange(c, list, where, n);
  elementsRemoved(c.db, key, where, list, n);
  c.rewriteArgv([where === HEAD ? 'LPOP' : 'RPOP', key, String(n)]);
}

/** Replies n elements from one end as an array (the tail's last first) and removes them. */
function popRange(c: Client, list: ListValue, where: number, n: number): void {
  c.arrayLen(n);
  if (n === 0) return;
  if (where === HEAD) {
    bulkRun(c, listCursor.seek(list, 0), n);
    list.removeRange(0, n);
  } else {
    const len = list.length;
    bulkRun(c, listCursor.seek(list, len - 1, true), n);
    list.removeRange(len - n, n);
  }
}

// ---------------------------------------------------------------------------------------------
// LPUSH RPUSH LPUSHX RPUSHX LINSERT

/** pushGenericCommand: LPUSH/RPUSH, and with xx the X forms (only onto an existing list). */
function pushCommand(where: number, xx: boolean): Handler {
  const event = where === HEAD ? 'lpush' : 'rpush';
  return (c, argv) => {
    const db = c.db;
    const key = argv[1];
    let list = writeAs(c, key, ListValue);
    if (list === null) return;
    if (list === undefined) {
      if (xx) {
        c.integer(0);
        return;
      }
      list = newList(c);
      db.set(key, list);
    }
    if (where === HEAD) for (let j = 2; j < argv.length; j++) list.pushHead(argv[j]);
    else for (let j = 2; j < argv.length; j++) list.pushTail(argv[j]);
    c.integer(list.length);
    db.changed(key, NOTIFY.LIST, event, argv.length - 2);
  };
}

function linsert(c: Client, argv: string[]): void {
  const w = optionWord(argv[2]);
  let after: boolean;
  if (w === 'after') after = true;
  else if (w === 'before') after = false;
  else {
    c.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1];
  const list = writeAs(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) {
    c.integer(0);
    return;
  }
  const at = list.indexOf(argv[3]);
  if (at < 0) {
    c.integer(-1);
    return;
  }
  list.insert(at, argv[4], after);
  c.db.changed(key, NOTIFY.LIST, 'linsert');
  c.integer(list.length);
}

// ---------------------------------------------------------------------------------------------
// LLEN LINDEX LSET LRANGE LTRIM LPOS LREM

function llen(c: Client, argv: string[]): void {
  const list = readAs(c, argv[1], ListValue);
  if (list === null) return;
  c.integer(list === undefined ? 0 : list.length);
}

function lindex(c: Client, argv: string[]): void {
  const list = readAs(c, argv[1], ListValue);
  if (list === null) return;
  if (list === undefined) {
    c.nullBulk();
    return;
  }
  let index = integerArg(c, argv[2]);
  if (index === null) return;
  const len = list.length;
  if (index < 0) index += len;
  if (index < 0 || index >= len) c.nullBulk();
  else c.bulk(list.get(index));
}

function lset(c: Client, argv: string[]): void {
  const key = argv[1];
  const list = writeAs(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  let index = integerArg(c, argv[2]);
  if (index === null) return;
  const len = list.length;
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    c.error(ERR_INDEX_RANGE);
    return;
  }
  list.set(index, argv[3]);
  c.ok();
  c.db.changed(key, NOTIFY.LIST, 'lset');
}

function lrange(c: Client, argv: string[]): void {
  const start = integerArg(c, argv[2]);
  if (start === null) return;
  const end = integerArg(c, argv[3]);
  if (end === null) return;
  const list = readAs(c, argv[1], ListValue);
  if (list === null) return;
  if (list === undefined) c.arrayLen(0);
  else replyRange(c, list, start, end, false);
}

function ltrim(c: Client, argv: string[]): void {
  let start = integerArg(c, argv[2]);
  if (start === null) return;
  let end = integerArg(c, argv[3]);
  if (end === null) return;
  const db = c.db;
  const key = argv[1];
  const list = writeAs(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) {
    c.ok();
    return;
  }
  const len = list.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  let ltrimmed: number;
  let rtrimmed: number;
  if (start > end || start >= len) {
    ltrimmed = len;
    rtrimmed = 0;
  } else {
    if (end >= len) end = len - 1;
    ltrimmed = start;
    rtrimmed = len - end - 1;
  }
  list.removeRange(0, ltrimmed);
  list.removeRange(list.length - rtrimmed, rtrimmed);
  // The event even when nothing was trimmed, as Redis; dirty counts what went.
  db.changed(key, NOTIFY.LIST, 'ltrim', ltrimmed + rtrimmed);
  if (list.length === 0) {
    db.delete(key, false);
    db.changed(key, NOTIFY.GENERIC, 'del', 0);
  }
  c.ok();
}

/** INT64_MIN, which LPOS's RANK refuses (its negation is out of range), as Redis 7.2 does. */
const INT64_MIN = -(2n ** 63n);

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lpos(c: Client, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = optionWord(argv[j]);
    const more = j < argv.length - 1;
    if (opt === 'rank' && more) {
      const r = int64Arg(c, argv[++j]);
      if (r === null) return;
      if (r === INT64_MIN) {
        c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
        return;
      }
      if (r === 0 || r === 0n) {
        c.error(ERR_RANK_ZERO);
        return;
      }
      rank = Number(r);
    } else if (opt === 'count' && more) {
      const n = positiveArg(c, argv[++j], "ERR COUNT can't be negative");
      if (n === null) return;
      count = n;
    } else if (opt === 'maxlen' && more) {
      const n = positiveArg(c, argv[++j], "ERR MAXLEN can't be negative");
      if (n === null) return;
      maxlen = n;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  let reverse = false;
  if (rank < 0) {
    rank = -rank;
    reverse = true;
  }
  const list = readAs(c, argv[1], ListValue);
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) c.arrayLen(0);
    else c.nullBulk();
    return;
  }
  const len = list.length;
  const mark = count !== -1 ? c.deferLen() : -1;
  let matches = 0;
  let found = -1;
  let replied = 0;
  const cursor = listCursor.seek(list, reverse ? len - 1 : 0, reverse);
  for (let index = 0; index < len && (maxlen === 0 || index < maxlen); index++) {
    if (!cursor.nextEquals(ele)) continue;
    matches++;
    if (matches < rank) continue;
    const at = reverse ? len - index - 1 : index;
    if (mark < 0) {
      found = at;
      break;
    }
    replied++;
    c.integer(at);
    if (count !== 0 && matches - rank + 1 >= count) break;
  }
  if (mark >= 0) c.setDeferredArrayLen(mark, replied);
  else if (found >= 0) c.integer(found);
  else c.nullBulk();
}

function lrem(c: Client, argv: string[]): void {
  const toRemove = integerArg(c, argv[2]);
  if (toRemove === null) return;
  const db = c.db;
  const key = argv[1];
  const list = writeAs(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) {
    c.integer(0);
    return;
  }
  const removed = list.removeMatching(argv[3], Math.abs(toRemove), toRemove < 0);
  if (removed !== 0) {
    db.changed(key, NOTIFY.LIST, 'lrem', removed);
    if (list.length === 0) {
      db.delete(key, false);
      db.changed(key, NOTIFY.GENERIC, 'del', 0);
    }
  }
  c.integer(removed);
}

// ---------------------------------------------------------------------------------------------
// LPOP RPOP LMPOP

/** popGenericCommand: LPOP/RPOP key [count]. */
function popCommand(where: number): Handler {
  return (c, argv) => {
    if (argv.length > 3) {
      c.error(errWrongArgs(where === HEAD ? 'lpop' : 'rpop'));
      return;
    }
    const hasCount = argv.length === 3;
    let count = 0;
    if (hasCount) {
      const n = positiveArg(c, argv[2]);
      if (n === null) return;
      count = n;
    }
    const key = argv[1];
    const list = writeAs(c, key, ListValue);
    if (list === null) return;
    if (list === undefined) {
      if (hasCount) c.nullArray();
      else c.nullBulk();
      return;
    }
    if (hasCount && count === 0) {
      c.arrayLen(0);
      return;
    }
    if (!hasCount) {
      c.bulk(where === HEAD ? list.popHead() : list.popTail());
      elementsRemoved(c.db, key, where, list, 1);
      return;
    }
    const n = count > list.length ? list.length : count;
    popRange(c, list, where, n);
    elementsRemoved(c.db, key, where, list, n);
  };
}

/**
 * LMPOP/BLMPOP's arguments (lmpopGenericCommand), numkeys at argv[at]: the keys' range, the end
 * and the count (1 unless COUNT). null after replying an error.
 */
function parseMpop(c: Client, argv: string[], at: number): { first: number; numkeys: number; where: number; count: number } | null {
  const numkeys = rangeArg(c, argv[at], 1, Infinity, ERR_NUMKEYS);
  if (numkeys === null) return null;
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(ERR_SYNTAX);
    return null;
  }
  const where = positionArg(c, argv[whereIdx]);
  if (where < 0) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && optionWord(argv[j]) === 'count' && j < argv.length - 1) {
      const n = rangeArg(c, argv[++j], 1, Infinity, ERR_COUNT_POSITIVE);
      if (n === null) return null;
      count = n;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  return { first: at + 1, numkeys, where, count: count === -1 ? 1 : count };
}

function lmpop(c: Client, argv: string[]): void {
  const p = parseMpop(c, argv, 1);
  if (p === null) return;
  for (let j = p.first; j < p.first + p.numkeys; j++) {
    const list = writeAs(c, argv[j], ListValue);
    if (list === null) return;
    if (list === undefined || list.length === 0) continue;
    popRangeWithKey(c, list, argv[j], p.where, p.count);
    return;
  }
  c.nullArray();
}

// ---------------------------------------------------------------------------------------------
// LMOVE RPOPLPUSH

/** lmoveHandlePush: the value onto dst (created if missing), its event, the value replied. */
function pushMoved(c: Client, dstKey: string, dst: ListValue | undefined, value: string, where: number): void {
  const db = c.db;
  if (dst === undefined) {
    dst = newList(c);
    db.set(dstKey, dst);
  }
  if (where === HEAD) dst.pushHead(value);
  else dst.pushTail(value);
  db.changed(dstKey, NOTIFY.LIST, where === HEAD ? 'lpush' : 'rpush', 0);
  c.bulk(value);
}

/**
 * lmoveGenericCommand: pops from argv[1]'s end and pushes onto argv[2]'s; rewrite is what the
 * command propagates as (LMOVE for BLMOVE, RPOPLPUSH for BRPOPLPUSH), null for as received.
 */
function lmoveGeneric(c: Client, argv: string[], from: number, to: number, rewrite: string[] | null): void {
  const db = c.db;
  const srcKey = argv[1];
  const src = writeAs(c, srcKey, ListValue);
  if (src === null) return;
  if (src === undefined || src.length === 0) {
    c.nullBulk();
    return;
  }
  const dst = writeAs(c, argv[2], ListValue);
  if (dst === null) return;
  const value = from === HEAD ? src.popHead() : src.popTail();
  pushMoved(c, argv[2], dst, value, to);
  elementsRemoved(db, srcKey, from, src, 1);
  if (rewrite !== null) c.rewriteArgv(rewrite);
}

function lmove(c: Client, argv: string[]): void {
  const from = positionArg(c, argv[3]);
  if (from < 0) return;
  const to = positionArg(c, argv[4]);
  if (to < 0) return;
  lmoveGeneric(c, argv, from, to, null);
}

function rpoplpush(c: Client, argv: string[]): void {
  lmoveGeneric(c, argv, TAIL, HEAD, null);
}

// ---------------------------------------------------------------------------------------------
// BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH

/**
 * blockingPopGenericCommand: pops from the first key (in argument order) holding a list, or
 * blocks on all of them. count -1: BLPOP/BRPOP's reply [key, element]; otherwise BLMPOP's
 * [key, [elements]].
 */
function blockingPop(c: Client, argv: string[], first: number, numkeys: number, where: number, timeoutAt: number, count: number): void {
  const timeout = timeoutArg(c, argv[timeoutAt], 'seconds');
  if (timeout === null) return;
  const db = c.db;
  for (let j = first; j < first + numkeys; j++) {
    const key = argv[j];
    const list = writeAs(c, key, ListValue);
    if (list === null) return;
    if (list === undefined || list.length === 0) continue;
    if (count !== -1) {
      popRangeWithKey(c, list, key, where, count);
      return;
    }
    c.arrayLen(2);
    c.bulk(key);
    c.bulk(where === HEAD ? list.popHead() : list.popTail());
    elementsRemoved(db, key, where, list, 1);
    c.rewriteArgv([where === HEAD ? 'LPOP' : 'RPOP', key]);
    return;
  }
  const blocking = c.server.blocking;
  // Inside MULTI or a script nothing can wait: the answer is a timeout's.
  if (!blocking.canBlock(c)) {
    c.nullArray();
    return;
  }
  blocking.block(c, BLOCKED_LIST, argv.slice(first, first + numkeys), timeout, argv, listReady);
}

function bpopCommand(where: number): Handler {
  return (c, argv) => blockingPop(c, argv, 1, argv.length - 2, where, argv.length - 1, -1);
}

function blmpop(c: Client, argv: string[]): void {
  const p = parseMpop(c, argv, 2);
  if (p === null) return;
  blockingPop(c, argv, p.first, p.numkeys, p.where, 1, p.count);
}

/** blmoveGenericCommand: LMOVE when the source holds a list, else block on it. */
function blmoveGeneric(c: Client, argv: string[], from: number, to: number, timeout: number, rewrite: string[]): void {
  const src = writeAs(c, argv[1], ListValue);
  if (src === null) return;
  if (src === undefined) {
    const blocking = c.server.blocking;
    if (!blocking.canBlock(c)) c.nullBulk();
    else blocking.block(c, BLOCKED_LIST, [argv[1]], timeout, argv, listReady);
    return;
  }
  lmoveGeneric(c, argv, from, to, rewrite);
}

function blmove(c: Client, argv: string[]): void {
  const from = positionArg(c, argv[3]);
  if (from < 0) return;
  const to = positionArg(c, argv[4]);
  if (to < 0) return;
  const timeout = timeoutArg(c, argv[5], 'seconds');
  if (timeout === null) return;
  blmoveGeneric(c, argv, from, to, timeout, ['LMOVE', argv[1], argv[2], argv[3], argv[4]]);
}

function brpoplpush(c: Client, argv: string[]): void {
  const timeout = timeoutArg(c, argv[3], 'seconds');
  if (timeout === null) return;
  blmoveGeneric(c, argv, TAIL, HEAD, timeout, ['RPOPLPUSH', argv[1], argv[2]]);
}

// ---------------------------------------------------------------------------------------------

export const listCommands: CommandSpec[] = [
  { name: 'lpush', handler: pushCommand(HEAD, false) },
  { name: 'rpush', handler: pushCommand(TAIL, false) },
  { name: 'lpushx', handler: pushCommand(HEAD, true) },
  { name: 'rpushx', handler: pushCommand(TAIL, true) },
  { name: 'linsert', handler: linsert },
  { name: 'llen', handler: llen },
  { name: 'lindex', handler: lindex },
  { name: 'lset', handler: lset },
  { name: 'lrange', handler: lrange },
  { name: 'ltrim', handler: ltrim },
  { name: 'lpos', handler: lpos },
  { name: 'lrem', handler: lrem },
  { name: 'lpop', handler: popCommand(HEAD) },
  { name: 'rpop', handler: popCommand(TAIL) },
  { name: 'lmpop', handler: lmpop },
  { name: 'lmove', handler: lmove },
  { name: 'rpoplpush', handler: rpoplpush },
  { name: 'blpop', handler: bpopCommand(HEAD) },
  { name: 'brpop', handler: bpopCommand(TAIL) },
  { name: 'blmpop', handler: blmpop },
  { name: 'blmove', handler: blmove },
  { name: 'brpoplpush', handler: brpoplpush },
];
