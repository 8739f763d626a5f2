// Sorted set commands (Redis 7.0's t_zset.c): the 35 commands of the sorted-set group. The
// structure is types/zset.ts; here are the argument rules, the encoding rules of Redis's
// commands (zset-max-listpack-entries/-value, through the server's live zsetLimits), the replies
// and the side effects.
//
// Each write follows zaddGenericCommand's shape: parse everything, look up (WRONGTYPE checked),
// create the set if needed, change it, reply, then db.changed() for the event and dirty count; a
// set left empty is deleted (the "del" event). Blocking pops that find data take the non-blocking
// path and propagate as ZPOPMIN/ZPOPMAX (with the count for BZMPOP), as Redis rewrites them.

import type { CommandSpec, Handler } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX, ERR_WRONGTYPE } from '../server/errors.js';
import { NOTIFY } from '../keyspace/notify.js';
import { BLOCKED_ZSET } from '../keyspace/blocking.js';
import {
  ZSetValue,
  ZCursor,
  LEX_MINUS,
  LEX_PLUS,
  type LexBound,
  type LexRange,
  type ScoreRange,
} from '../types/zset.js';
import { SetValue } from '../types/set.js';
import type { Value } from '../types/value.js';
import { readAs, writeAs } from './lookup.js';
import { ArgCursor, doubleArg, integerArg, positiveArg, rangeArg, signedCountArg, timeoutArg } from './args.js';
import { scanCollection } from './scan.js';
import { optionWord } from '../util/cstring.js';
import { d2string, parseStrtod } from '../util/numbers.js';
import { formatDouble17g } from '../protocol/writer.js';

const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const ERR_NX_XX = 'ERR XX and NX options at the same time are not compatible';
const ERR_GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
const ERR_INCR_PAIR = 'ERR INCR option supports a single increment-element pair';
const ERR_SCORE_RANGE = 'ERR min or max is not a float';
const ERR_LEX_RANGE = 'ERR min or max not valid string range item';
const ERR_WEIGHT = 'ERR weight value is not a float';
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
const ERR_LIMIT_RANK = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
const ERR_WITHSCORES_LEX = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_COUNT_POSITIVE = 'ERR count should be greater than 0';
const ERR_OUT_OF_RANGE = 'ERR value is out of range';

/** Which end a pop takes from (Redis's ZSET_MIN / ZSET_MAX). */
const MIN = 0;
const MAX = 1;

/** What a blocked pop waits for: a sorted set (one with members: empty sets do not exist). */
function zsetReady(v: Value | undefined): boolean {
  return v instanceof ZSetValue && v.size !== 0;
}

// ---- Ranges -----------------------------------------------------------------------------------

/** zslParseRange: two score bounds, "(" for exclusive; null after replying its error. */
function scoreRangeArg(c: Client, minArg: string, maxArg: string): ScoreRange | null {
  const minex = minArg.charCodeAt(0) === 40; /* ( */
  const maxex = maxArg.charCodeAt(0) === 40;
  const min = parseStrtod(minex ? minArg.slice(1) : minArg);
  const max = min === null ? null : parseStrtod(maxex ? maxArg.slice(1) : maxArg);
  if (min === null || max === null) {
    c.error(ERR_SCORE_RANGE);
    return null;
  }
  return { min, max, minex, maxex };
}

/** zslParseLexRangeItem: [x, (x, - or +; null when invalid. */
function lexItem(arg: string): { bound: LexBound; ex: boolean } | null {
  const first = arg.charCodeAt(0);
  // "-" and "+" must stand alone, as far as C sees the argument (up to a NUL byte).
  if (first === 43 /* + */ || first === 45 /* - */) {
    if (arg.length > 1 && arg.charCodeAt(1) !== 0) return null;
    return { bound: first === 43 ? LEX_PLUS : LEX_MINUS, ex: true };
  }
  if (first === 40 /* ( */) return { bound: arg.slice(1), ex: true };
  if (first === 91 /* [ */) return { bound: arg.slice(1), ex: false };
  return null;
}

/** zslParseLexRange: null after replying its error. */
function lexRangeArg(c: Client, minArg: string, maxArg: string): LexRange | null {
  const min = lexItem(minArg);
  const max = min === null ? null : lexItem(maxArg);
  if (min === null || max === null) {
    c.error(ERR_LEX_RANGE);
    return null;
  }
  return { min: min.bound, max: max.bound, minex: min.ex, maxex: max.ex };
}

// ---- Replies ----------------------------------------------------------------------------------

/** The array header of n elements, with their scores: flat in RESP2, pairs in RESP3. */
function elementsLen(c: Client, n: number, withscores: boolean): void {
  c.arrayLen(withscores && c.resp === 2 ? 2 * n : n);
}

/** One element of such an array. */
function element(c: Client, member: string, score: number, withscores: boolean): void {
  if (withscores && c.resp !== 2) c.arrayLen(2);
  c.bulk(member);
  if (withscores) c.double(score);
}

/** Reused by the commands that walk a range (one command runs at a time). */
const cursor = new ZCursor();

/** Replies n elements from rank `from`, walking down when reverse. */
function replyRun(c: Client, z: ZSetValue, from: number, n: number, reverse: boolean, withscores: boolean): void {
  elementsLen(c, n, withscores);
  if (n === 0) return;
  z.seekRank(from, cursor);
  for (let i = 0; i < n; i++) {
    element(c, cursor.member, cursor.score, withscores);
    if (reverse) cursor.prev();
    else cursor.next();
  }
  cursor.leaf = null;
}

// ---- Storing results --------------------------------------------------------------------------

/** A new set from sorted, distinct members and scores, encoded as Redis ends up encoding it. */
function buildResult(c: Client, members: string[], scores: number[]): ZSetValue {
  const limits = c.server.zsetLimits;
  let listpack = members.length <= limits.maxListpackEntries;
  if (listpack) {
    for (const m of members) {
      if (m.length > limits.maxListpackValue) {
        listpack = false;
        break;
      }
    }
  }
  return ZSetValue.fromSorted(limits, members, scores, listpack);
}

/**
 * Stores a computed set at dst (the *STORE commands, setKey): a non-empty result replaces
 * whatever dst held (its time to live too), with the event; an empty one deletes dst. Replies
 * the size.
 */
function storeResult(c: Client, dst: string, result: ZSetValue, event: string): void {
  const db = c.db;
  if (result.size > 0) {
    if (db.expires.size !== 0) db.expireIfNeeded(dst);
    db.set(dst, result);
    c.integer(result.size);
    db.changed(dst, NOTIFY.ZSET, event);
    return;
  }
  c.integer(0);
  if (db.delete(dst, false)) db.changed(dst, NOTIFY.GENERIC, 'del');
}

/** After members went: the event (dirty counted), and the key deleted when empty ("del"). */
function removed(c: Client, key: string, z: ZSetValue, event: string, count: number): void {
  const db = c.db;
  db.changed(key, NOTIFY.ZSET, event, count);
  if (z.size === 0) {
    db.delete(key, false);
    db.changed(key, NOTIFY.GENERIC, 'del', 0);
  }
}

// ---- ZADD ZINCRBY ZREM ------------------------------------------------------------------------

/** zaddGenericCommand: ZADD, and ZINCRBY as ZADD INCR. */
function zaddGeneric(c: Client, argv: string[], incrCommand: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let scoreIdx = 2;
  // Options come first; ZINCRBY reads them too (its increment can look like one).
  for (; scoreIdx < argv.length; scoreIdx++) {
    const opt = optionWord(argv[scoreIdx]);
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt === 'ch') ch = true;
    else if (opt === 'incr') incr = true;
    else if (opt === 'gt') gt = true;
    else if (opt === 'lt') lt = true;
    else break;
  }
  const args = argv.length - scoreIdx;
  if (args === 0 || args % 2 !== 0) {
    c.error(ERR_SYNTAX);
    return;
  }
  const elements = args / 2;
  if (nx && xx) {
    c.error(ERR_NX_XX);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.error(ERR_GT_LT_NX);
    return;
  }
  if (incr && elements > 1) {
    c.error(ERR_INCR_PAIR);
    return;
  }
  // Every score is read before anything changes: the command runs whole or not at all.
  const scores = new Array<number>(elements);
  for (let j = 0; j < elements; j++) {
    const s = doubleArg(c, argv[scoreIdx + 2 * j]);
    if (s === null) return;
    scores[j] = s;
  }
  const db = c.db;
  const key = argv[1];
  let z = writeAs(c, key, ZSetValue);
  if (z === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (z === undefined) {
    if (xx) {
      if (incr) c.nullBulk();
      else c.integer(0);
      return;
    }
    z = ZSetValue.create(c.server.zsetLimits, argv[scoreIdx + 1].length);
    db.set(key, z);
  }
  for (let j = 0; j < elements; j++) {
    const member = argv[scoreIdx + 1 + 2 * j];
    let s = scores[j];
    const current = z.score(member);
    if (current !== undefined) {
      if (nx) continue;
      if (incr) {
        s += current;
        if (s !== s) {
          c.error(ERR_NAN);
          if (added || updated) db.changed(key, NOTIFY.ZSET, incr ? 'zincr' : 'zadd', added + updated);
          return;
        }
      }
      if ((lt && s >= current) || (gt && s <= current)) continue;
      if (s !== current) {
        z.add(member, s);
        updated++;
      }
    } else {
      if (xx) continue;
      z.add(member, s);
      added++;
    }
    processed++;
    score = s;
  }
  if (incr) {
    if (processed) c.double(score);
    else c.nullBulk();
  } else {
    c.integer(ch ? added + updated : added);
  }
  if (added || updated) db.changed(key, NOTIFY.ZSET, incr ? 'zincr' : 'zadd', added + updated);
}

function zadd(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, false);
}

function zincrby(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, true);
}

function zrem(c: Client, argv: string[]): void {
  const key = argv[1];
  const z = writeAs(c, key, ZSetValue);
  if (z === null) return;
  if (z === undefined) {
    c.integer(0);
    return;
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    if (z.delete(argv[j])) deleted++;
    if (z.size === 0) break;
  }
  if (deleted) removed(c, key, z, 'zrem', deleted);
  c.integer(deleted);
}

// ---- ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ------------------------------------------

const RANK = 0;
const SCORE = 1;
const LEX = 2;

/** zremrangeGenericCommand */
function zremrangeCommand(type: number): Handler {
  const event = type === RANK ? 'zremrangebyrank' : type === SCORE ? 'zremrangebyscore' : 'zremrangebylex';
  return (c, argv) => {
    let start = 0;
    let end = 0;
    let scoreRange: ScoreRange | null = null;
    let lexRange: LexRange | null = null;
    if (type === RANK) {
      const s = integerArg(c, argv[2]);
      if (s === null) return;
      const e = integerArg(c, argv[3]);
      if (e === null) return;
      start = s;
      end = e;
    } else if (type === SCORE) {
      scoreRange = scoreRangeArg(c, argv[2], argv[3]);
      if (scoreRange === null) return;
    } else {
      lexRange = lexRangeArg(c, argv[2], argv[3]);
      if (lexRange === null) return;
    }
    const key = argv[1];
    const z = writeAs(c, key, ZSetValue);
    if (z === null) return;
    if (z === undefined) {
      c.integer(0);
      return;
    }
    let deleted: number;
    if (type === RANK) {
      const len = z.size;
      if (start < 0) start = len + start;
      if (end < 0) end = len + end;
      if (start < 0) start = 0;
      if (start > end || start >= len) {
        c.integer(0);
        return;
      }
      if (end >= len) end = len - 1;
      deleted = z.deleteRangeByRank(start, end);
    } else if (type === SCORE) {
      deleted = z.deleteRangeByScore(scoreRange!);
    } else {
      deleted = z.deleteRangeByLex(lexRange!);
    }
    if (deleted) removed(c, key, z, event, deleted);
    c.integer(deleted);
  };
}

// ---- ZUNION ZINTER ZDIFF and their STORE forms, ZINTERCARD ------------------------------------

const UNION = 0;
const INTER = 1;
const DIFF = 2;

const SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

/** One input of the set algebra: a sorted set, a set (each member scoring 1), or nothing. */
interface Source {
  value: ZSetValue | SetValue | null;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.value === null ? 0 : s.value.size;
}

/** A member's score in a source (1 in a plain set), or undefined. */
function sourceScore(s: Source, member: string): number | undefined {
  const v = s.value;
  if (v === null) return undefined;
  if (v instanceof ZSetValue) return v.score(member);
  return v.has(member) ? 1 : undefined;
}

/** Calls fn for each member of a source with its score. */
function eachOf(s: Source, fn: (member: string, score: number) => void): void {
  const v = s.value;
  if (v === null) return;
  if (v instanceof ZSetValue) v.forEach(fn);
  else for (const m of v.members()) fn(m, 1);
}

/** zunionInterAggregate */
function aggregate(target: number, value: number, how: number): number {
  if (how === SUM) {
    const sum = target + value;
    // +inf plus -inf: Redis's convention is 0.
    return sum !== sum ? 0 : sum;
  }
  if (how === AGG_MIN) return value < target ? value : target;
  return value > target ? value : target;
}

/** A result held as a Map (member → score) sorted into a set's order. */
function sortedEntries(result: Map<string, number>): [string[], number[]] {
  const entries = [...result];
  entries.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const members = new Array<string>(entries.length);
  const scores = new Array<number>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    members[i] = entries[i][0];
    scores[i] = entries[i][1];
  }
  return [members, scores];
}

/**
 * zunionInterDiffGenericCommand: numkeys at argv[numkeysIdx], dst (the *STORE forms) or null,
 * and for ZINTERCARD only the cardinality.
 */
function zsetAlgebra(c: Client, argv: string[], dst: string | null, numkeysIdx: number, op: number, cardinalityOnly: boolean): void {
  const setnum = integerArg(c, argv[numkeysIdx]);
  if (setnum === null) return;
  if (setnum < 1) {
    c.error(`ERR at least 1 input key is needed for '${optionWord(argv[0])}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIdx + 1)) {
    c.error(ERR_SYNTAX);
    return;
  }
  const sources: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.lookupRead(argv[j]);
    if (v === undefined) sources.push({ value: null, weight: 1 });
    else if (v instanceof ZSetValue || v instanceof SetValue) sources.push({ value: v, weight: 1 });
    else {
      c.error(ERR_WRONGTYPE);
      return;
    }
  }
  let how = SUM;
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = optionWord(argv[j]);
    if (op !== DIFF && !cardinalityOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = doubleArg(c, argv[j], ERR_WEIGHT);
        if (w === null) return;
        sources[i].weight = w;
      }
    } else if (op !== DIFF && !cardinalityOnly && remaining >= 2 && opt === 'aggregate') {
      const a = optionWord(argv[j + 1]);
      if (a === 'sum') how = SUM;
      else if (a === 'min') how = AGG_MIN;
      else if (a === 'max') how = AGG_MAX;
      else {
        c.error(ERR_SYNTAX);
        return;
      }
      j += 2;
    } else if (dst === null && !cardinalityOnly && opt === 'withscores') {
      withscores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && opt === 'limit') {
      const n = positiveArg(c, argv[j + 1], ERR_LIMIT_NEGATIVE);
      if (n === null) return;
      limit = n;
      j += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  // The smallest first (a stable sort, as glibc's qsort is on arrays this small).
  if (op !== DIFF) sources.sort((a, b) => sourceSize(a) - sourceSize(b));

  const result = new Map<string, number>();
  let cardinality = 0;
  if (op === INTER) {
    const first = sources[0];
    if (sourceSize(first) > 0) {
      // eachOf cannot stop early; ZINTERCARD's LIMIT stops the counting instead.
      let done = false;
      eachOf(first, (member, s) => {
        if (done) return;
        let score = first.weight * s;
        if (score !== score) score = 0;
        for (let k = 1; k < sources.length; k++) {
          const src = sources[k];
          const found = src.value === first.value ? s : sourceScore(src, member);
          if (found === undefined) return;
          score = aggregate(score, found * src.weight, how);
        }
        if (cardinalityOnly) {
          cardinality++;
          if (limit !== 0 && cardinality >= limit) done = true;
        } else {
          result.set(member, score);
        }
      });
    }
  } else if (op === UNION) {
    for (const src of sources) {
      const w = src.weight;
      eachOf(src, (member, s) => {
        let score = w * s;
        if (score !== score) score = 0;
        const prev = result.get(member);
        result.set(member, prev === undefined ? score : aggregate(prev, score, how));
      });
    }
  } else {
    const first = sources[0];
    let same = false;
    for (let k = 1; k < sources.length; k++) if (sources[k].value === first.value && first.value !== null) same = true;
    if (!same && sourceSize(first) > 0) {
      eachOf(first, (member, s) => {
        for (let k = 1; k < sources.length; k++) if (sourceScore(sources[k], member) !== undefined) return;
        result.set(member, s);
      });
    }
  }

  if (cardinalityOnly) {
    c.integer(cardinality);
    return;
  }
  const [members, scores] = sortedEntries(result);
  if (dst !== null) {
    storeResult(c, dst, buildResult(c, members, scores), op === UNION ? 'zunionstore' : op === INTER ? 'zinterstore' : 'zdiffstore');
    return;
  }
  elementsLen(c, members.length, withscores);
  for (let i = 0; i < members.length; i++) element(c, members[i], scores[i], withscores);
}

function algebraCommand(op: number, store: boolean): Handler {
  return (c, argv) => zsetAlgebra(c, argv, store ? argv[1] : null, store ? 2 : 1, op, false);
}

function zintercard(c: Client, argv: string[]): void {
  zsetAlgebra(c, argv, null, 1, INTER, true);
}

// ---- ZRANGE and its older forms, ZRANGESTORE --------------------------------------------------

const AUTO = -1;
const FORWARD = 0;
const REVERSE = 1;

/**
 * zrangeGenericCommand: argv[at] is the source key, then min and max, then the options. type
 * and direction are fixed by the older commands (ZREVRANGE, ZRANGEBYSCORE …) or AUTO (ZRANGE,
 * ZRANGESTORE). dst is ZRANGESTORE's destination (null: reply to the client).
 */
function zrangeGeneric(c: Client, argv: string[], at: number, dst: string | null, type: number, direction: number): void {
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = optionWord(argv[j]);
    if (dst === null && opt === 'withscores') withscores = true;
    else if (opt === 'limit' && left >= 2) {
      const o = integerArg(c, argv[j + 1]);
      if (o === null) return;
      const l = integerArg(c, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === AUTO && opt === 'rev') direction = REVERSE;
    else if (type === AUTO && opt === 'bylex') type = LEX;
    else if (type === AUTO && opt === 'byscore') type = SCORE;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if (direction === AUTO) direction = FORWARD;
  if (type === AUTO) type = RANK;
  if (limit !== -1 && type === RANK) {
    c.error(ERR_LIMIT_RANK);
    return;
  }
  if (withscores && type === LEX) {
    c.error(ERR_WITHSCORES_LEX);
    return;
  }
  const reverse = direction === REVERSE;
  // The by-score and by-lex forms take the range as max, min when reversed.
  let minArg = argv[at + 1];
  let maxArg = argv[at + 2];
  if (reverse && type !== RANK) [minArg, maxArg] = [maxArg, minArg];
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (type === RANK) {
    const s = integerArg(c, minArg);
    if (s === null) return;
    const e = integerArg(c, maxArg);
    if (e === null) return;
    start = s;
    end = e;
  } else if (type === SCORE) {
    scoreRange = scoreRangeArg(c, minArg, maxArg);
    if (scoreRange === null) return;
  } else {
    lexRange = lexRangeArg(c, minArg, maxArg);
    if (lexRange === null) return;
  }
  const v = c.db.lookupRead(argv[at]);
  if (v === undefined) {
    if (dst !== null) storeResult(c, dst, ZSetValue.listpack(c.server.zsetLimits), 'zrangestore');
    else c.arrayLen(0);
    return;
  }
  if (!(v instanceof ZSetValue)) {
    c.error(ERR_WRONGTYPE);
    return;
  }
  const z = v;
  // The run to answer: n elements from rank `from`, walking down when reversed.
  let from = 0;
  let n = 0;
  if (type === RANK) {
    const len = z.size;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start <= end && start < len) {
      if (end >= len) end = len - 1;
      n = end - start + 1;
      from = reverse ? len - 1 - start : start;
    }
  } else {
    const [first, stop] = type === SCORE ? z.scoreRanks(scoreRange!) : z.lexRanks(lexRange!);
    // Redis skips offset elements, then takes up to limit (a negative limit: all); a negative
    // offset walks off the end.
    let available = stop - first - offset;
    if (offset < 0 || available < 0) available = 0;
    n = limit >= 0 && limit < available ? limit : available;
    from = reverse ? stop - 1 - offset : first + offset;
  }
  if (dst === null) {
    replyRun(c, z, from, n, reverse, withscores);
    return;
  }
  const members = new Array<string>(n);
  const scores = new Array<number>(n);
  if (n > 0) {
    z.seekRank(reverse ? from - n + 1 : from, cursor);
    for (let i = 0; i < n; i++) {
      members[i] = cursor.member;
      scores[i] = cursor.score;
      cursor.next();
    }
    cursor.leaf = null;
  }
  storeResult(c, dst, buildResult(c, members, scores), 'zrangestore');
}

function rangeCommand(type: number, direction: number): Handler {
  return (c, argv) => zrangeGeneric(c, argv, 1, null, type, direction);
}

function zrangestore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, argv[1], AUTO, AUTO);
}

// ---- ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT -------------------------------------

function zcard(c: Client, argv: string[]): void {
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  c.integer(z === undefined ? 0 : z.size);
}

function zscore(c: Client, argv: string[]): void {
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  const s = z === undefined ? undefined : z.score(argv[2]);
  if (s === undefined) c.nullBulk();
  else c.double(s);
}

function zmscore(c: Client, argv: string[]): void {
  // A missing key is an empty set: a null per member.
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  c.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) c.nullBulk();
    else c.double(s);
  }
}

function rankCommand(reverse: boolean): Handler {
  return (c, argv) => {
    const z = readAs(c, argv[1], ZSetValue);
    if (z === null) return;
    const r = z === undefined ? -1 : z.rank(argv[2], reverse);
    if (r < 0) c.nullBulk();
    else c.integer(r);
  };
}

function zcount(c: Client, argv: string[]): void {
  const range = scoreRangeArg(c, argv[2], argv[3]);
  if (range === null) return;
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  if (z === undefined) {
    c.integer(0);
    return;
  }
  const [first, end] = z.scoreRanks(range);
  c.integer(end > first ? end - first : 0);
}

function zlexcount(c: Client, argv: string[]): void {
  const range = lexRangeArg(c, argv[2], argv[3]);
  if (range === null) return;
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  if (z === undefined) {
    c.integer(0);
    return;
  }
  const [first, end] = z.lexRanks(range);
  c.integer(end > first ? end - first : 0);
}

// ---- ZPOPMIN ZPOPMAX ZMPOP and the blocking pops ----------------------------------------------

/**
 * genericZpopCommand: pops up to count elements (-1: one, as a plain pop) from the first of keys
 * that holds a sorted set. withKey: the reply starts with the key (BZPOPMIN, ZMPOP …); nested:
 * elements as [member, score] pairs; nullWhenEmpty: no set found is a null, not an empty array.
 * Returns the key popped from (null: none, or an error replied), with popLength set to the
 * number of elements it held.
 */
function zpopGeneric(c: Client, keys: readonly string[], where: number, withKey: boolean, count: number, nested: boolean, nullWhenEmpty: boolean): string | null {
  let key = '';
  let z: ZSetValue | undefined;
  for (const k of keys) {
    const found = writeAs(c, k, ZSetValue);
    if (found === null) return null;
    if (found === undefined) continue;
    key = k;
    z = found;
    break;
  }
  if (z === undefined) {
    if (nullWhenEmpty) c.nullArray();
    else c.arrayLen(0);
    return null;
  }
  if (count === 0) {
    c.arrayLen(0);
    return null;
  }
  if (count === -1) count = 1;
  const len = z.size;
  popLength = len;
  const n = count > len ? len : count;
  if (!withKey) c.arrayLen(nested ? n : 2 * n);
  else if (!nested) {
    c.arrayLen(2 * n + 1);
    c.bulk(key);
  } else {
    c.arrayLen(2);
    c.bulk(key);
    c.arrayLen(n);
  }
  const rank = where === MAX ? len - n : 0;
  z.seekRank(where === MAX ? len - 1 : 0, cursor);
  for (let i = 0; i < n; i++) {
    if (nested) c.arrayLen(2);
    c.bulk(cursor.member);
    c.double(cursor.score);
    if (where === MAX) cursor.prev();
    else cursor.next();
  }
  cursor.leaf = null;
  z.deleteRangeByRank(rank, rank + n - 1);
  removed(c, key, z, where === MAX ? 'zpopmax' : 'zpopmin', n);
  return key;
}

/** How many elements the set zpopGeneric popped from held before. */
let popLength = 0;

function popCommand(where: number): Handler {
  return (c, argv) => {
    if (argv.length > 3) {
      c.error(ERR_SYNTAX);
      return;
    }
    let count = -1;
    if (argv.length === 3) {
      const n = positiveArg(c, argv[2]);
      if (n === null) return;
      count = n;
    }
    // RESP3 nests pairs when a count was given.
    zpopGeneric(c, [argv[1]], where, false, count, c.resp !== 2 && count !== -1, false);
  };
}

/** The propagated form of a pop served by ZMPOP or a blocking pop: ZPOPMIN/ZPOPMAX key [n]. */
function popRewrite(where: number, key: string, count: number, len: number): string[] {
  const name = where === MAX ? 'ZPOPMAX' : 'ZPOPMIN';
  return count === -1 ? [name, key] : [name, key, String(count > len ? len : count)];
}

/**
 * blockingGenericZpopCommand: pops from the first key holding a sorted set, or blocks on all of
 * them. count -1: BZPOPMIN/BZPOPMAX's flat reply; otherwise BZMPOP's nested one.
 */
function blockingPop(c: Client, argv: string[], keys: string[], where: number, timeoutAt: number, count: number, nested: boolean): void {
  const timeout = timeoutArg(c, argv[timeoutAt], 'seconds');
  if (timeout === null) return;
  for (const key of keys) {
    const z = writeAs(c, key, ZSetValue);
    if (z === null) return;
    if (z === undefined || z.size === 0) continue;
    zpopGeneric(c, [key], where, true, count, nested, nested);
    c.rewriteArgv(popRewrite(where, key, count, popLength));
    return;
  }
  const blocking = c.server.blocking;
  // Inside MULTI or a script nothing can wait: the answer is a timeout's.
  if (!blocking.canBlock(c)) {
    c.nullArray();
    return;
  }
  blocking.block(c, BLOCKED_ZSET, keys, timeout, argv, zsetReady);
}

function bpopCommand(where: number): Handler {
  return (c, argv) => blockingPop(c, argv, argv.slice(1, -1), where, argv.length - 1, -1, false);
}

/** zmpopGenericCommand: ZMPOP (numkeys at 1) and BZMPOP (numkeys at 2, the timeout at 1). */
function mpopCommand(block: boolean): Handler {
  return (c, argv) => {
    const at = block ? 2 : 1;
    const numkeys = rangeArg(c, argv[at], 1, Infinity, ERR_NUMKEYS);
    if (numkeys === null) return;
    const whereIdx = at + numkeys + 1;
    if (whereIdx >= argv.length) {
      c.error(ERR_SYNTAX);
      return;
    }
    const w = optionWord(argv[whereIdx]);
    let where: number;
    if (w === 'min') where = MIN;
    else if (w === 'max') where = MAX;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
    let count = -1;
    for (let j = whereIdx + 1; j < argv.length; j++) {
      if (count === -1 && optionWord(argv[j]) === 'count' && j < argv.length - 1) {
        const n = rangeArg(c, argv[++j], 1, Infinity, ERR_COUNT_POSITIVE);
        if (n === null) return;
        count = n;
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    if (count === -1) count = 1;
    const keys = argv.slice(at + 1, at + 1 + numkeys);
    if (block) {
      blockingPop(c, argv, keys, where, 1, count, true);
      return;
    }
    const popped = zpopGeneric(c, keys, where, true, count, true, true);
    // Propagated as the ZPOPMIN/ZPOPMAX with a count it amounted to.
    if (popped !== null) c.rewriteArgv(popRewrite(where, popped, count, popLength));
  };
}

// ---- ZRANDMEMBER ------------------------------------------------------------------------------

/** How many times bigger than the count a set must be to sample it rather than drop from it. */
const ZRANDMEMBER_SUB_STRATEGY_MUL = 3;

function zrandmember(c: Client, argv: string[]): void {
  if (argv.length < 3) {
    const z = readAs(c, argv[1], ZSetValue);
    if (z === null) return;
    if (z === undefined) c.nullBulk();
    else c.bulk(z.random()[0]);
    return;
  }
  const l = signedCountArg(c, argv[2]);
  if (l === null) return;
  let withscores = false;
  if (argv.length > 4 || (argv.length === 4 && optionWord(argv[3]) !== 'withscores')) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 4) {
    withscores = true;
    // The reply would hold twice count items.
    const half = 4611686018427387903n;
    if (typeof l === 'bigint' ? l < -half || l > half : false) {
      c.error(ERR_OUT_OF_RANGE);
      return;
    }
  }
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) {
    c.arrayLen(0);
    return;
  }
  if (!(v instanceof ZSetValue)) {
    c.error(ERR_WRONGTYPE);
    return;
  }
  const z = v;
  if (l === 0 || l === 0n) {
    c.arrayLen(0);
    return;
  }
  const negative = l < 0;
  const size = z.size;
  if (negative || l === 1) {
    // Repeats allowed: independent picks, until an output limit drops the client.
    const big = typeof l === 'bigint' ? (l < 0n ? -l : l) : Math.abs(l);
    const count = Number(big);
    c.arrayLen(withscores && c.resp === 2 ? (typeof big === 'bigint' ? 2n * big : 2 * count) : big);
    for (let n = 0; n < count && !c.closed; n++) {
      const [m, s] = z.random();
      element(c, m, s, withscores);
    }
    return;
  }
  const count = Number(l);
  if (count >= size) {
    // The whole set, in the order Redis walks it for this: from the highest.
    replyRun(c, z, size - 1, size, true, withscores);
    return;
  }
  elementsLen(c, count, withscores);
  if (count * ZRANDMEMBER_SUB_STRATEGY_MUL > size || !z.isListpack) {
    // A random selection in no particular order.
    const picked = new Set<number>();
    if (count * ZRANDMEMBER_SUB_STRATEGY_MUL > size) {
      const all = Array.from({ length: size }, (_, i) => i);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (size - i));
        [all[i], all[j]] = [all[j], all[i]];
        picked.add(all[i]);
      }
    } else {
      while (picked.size < count) picked.add(Math.floor(Math.random() * size));
    }
    for (const i of picked) {
      const [m, s] = z.at(i);
      element(c, m, s, withscores);
    }
    return;
  }
  // A listpack samples in its own order (lpRandomPairsUnique).
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * size));
  const ranks = [...picked].sort((a, b) => a - b);
  for (const i of ranks) {
    const [m, s] = z.at(i);
    element(c, m, s, withscores);
  }
}

// ---- ZSCAN ------------------------------------------------------------------------------------

function zscan(c: Client, argv: string[]): void {
  scanCollection(c, argv, ZSetValue, {
    // A listpack holds its scores as text (d2string); the skiplist's are printed with %.17Lg.
    all: (z) => {
      const out: string[] = [];
      z.forEach((m, s) => out.push(m, d2string(s)));
      return out;
    },
    valueOf: (z, member) => formatDouble17g(z.score(member)!),
  });
}

export const zsetCommands: CommandSpec[] = [
  { name: 'zadd', handler: zadd },
  { name: 'zincrby', handler: zincrby },
  { name: 'zrem', handler: zrem },
  { name: 'zremrangebyrank', handler: zremrangeCommand(RANK) },
  { name: 'zremrangebyscore', handler: zremrangeCommand(SCORE) },
  { name: 'zremrangebylex', handler: zremrangeCommand(LEX) },
  { name: 'zunion', handler: algebraCommand(UNION, false) },
  { name: 'zinter', handler: algebraCommand(INTER, false) },
  { name: 'zdiff', handler: algebraCommand(DIFF, false) },
  { name: 'zunionstore', handler: algebraCommand(UNION, true) },
  { name: 'zinterstore', handler: algebraCommand(INTER, true) },
  { name: 'zdiffstore', handler: algebraCommand(DIFF, true) },
  { name: 'zintercard', handler: zintercard },
  { name: 'zrange', handler: rangeCommand(AUTO, AUTO) },
  { name: 'zrangestore', handler: zrangestore },
  { name: 'zrevrange', handler: rangeCommand(RANK, REVERSE) },
  { name: 'zrangebyscore', handler: rangeCommand(SCORE, FORWARD) },
  { name: 'zrevrangebyscore', handler: rangeCommand(SCORE, REVERSE) },
  { name: 'zrangebylex', handler: rangeCommand(LEX, FORWARD) },
  { name: 'zrevrangebylex', handler: rangeCommand(LEX, REVERSE) },
  { name: 'zcard', handler: zcard },
  { name: 'zscore', handler: zscore },
  { name: 'zmscore', handler: zmscore },
  { name: 'zrank', handler: rankCommand(false) },
  { name: 'zrevrank', handler: rankCommand(true) },
  { name: 'zcount', handler: zcount },
  { name: 'zlexcount', handler: zlexcount },
  { name: 'zpopmin', handler: popCommand(MIN) },
  { name: 'zpopmax', handler: popCommand(MAX) },
  { name: 'zmpop', handler: mpopCommand(false) },
  { name: 'bzpopmin', handler: bpopCommand(MIN) },
  { name: 'bzpopmax', handler: bpopCommand(MAX) },
  { name: 'bzmpop', handler: mpopCommand(true) },
  { name: 'zrandmember', handler: zrandmember },
  { name: 'zscan', handler: zscan },
];
