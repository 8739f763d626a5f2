// Hash commands (t_hash.c): HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
// HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. The structure is types/hash.ts; here are the
// encoding rules Redis's commands apply (hash-max-listpack-entries / -value), the replies and
// the side effects.

import type { CommandSpec, Handler } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX, errWrongArgs } from '../server/errors.js';
import { HashValue } from '../types/hash.js';
import { NOTIFY } from '../keyspace/notify.js';
import { INT64_MAX, INT64_MIN, parseInt64, parseInteger } from '../util/numbers.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, LD_ZERO } from '../util/longdouble.js';
import { optionWord } from '../util/cstring.js';
import { readAs, writeAs, valueAs } from './lookup.js';
import { int64Arg, longDoubleArg, signedCountArg } from './args.js';
import { scanCollection } from './scan.js';

const ERR_HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const ERR_HASH_NOT_FLOAT = 'ERR hash value is not a float';
const ERR_INCR_OVERFLOW = 'ERR increment or decrement would overflow';
const ERR_NAN_INF = 'ERR value is NaN or Infinity';
const ERR_INCR_NAN = 'ERR increment would produce NaN or Infinity';
const ERR_OUT_OF_RANGE = 'ERR value is out of range';

/** LONG_MAX / 2: HRANDFIELD … WITHVALUES must be able to double its count. */
const HALF_LONG_MAX = INT64_MAX / 2n;

/** hash-max-listpack-entries */
function maxEntries(c: Client): number {
  return c.server.config.num('hash-max-listpack-entries');
}

/** hash-max-listpack-value */
function maxValue(c: Client): number {
  return c.server.config.num('hash-max-listpack-value');
}

/**
 * hashTypeLookupWriteOrCreate: the hash at key for a write, created (and added to the database)
 * when missing; null after replying WRONGTYPE.
 */
function hashForWrite(c: Client, key: string): HashValue | null {
  const h = writeAs(c, key, HashValue);
  if (h !== undefined) return h;
  const created = HashValue.fromPairs([], true);
  c.db.set(key, created);
  return created;
}

/**
 * hashTypeTryConversion: a listpack that is to take any of argv[from..] longer than
 * hash-max-listpack-value becomes a hashtable first.
 */
function convertForArgs(c: Client, h: HashValue, argv: string[], from: number, to: number): void {
  if (!h.isListpack) return;
  const limit = maxValue(c);
  for (let i = from; i <= to; i++) {
    if (argv[i].length > limit) {
      h.toHashtable();
      return;
    }
  }
}

/** After adding: a listpack past hash-max-listpack-entries becomes a hashtable. */
function convertForSize(c: Client, h: HashValue): void {
  if (h.isListpack && h.size > maxEntries(c)) h.toHashtable();
}

/** hashTypeSet for a computed value (HINCRBY*): converts for a long field or value, sets, converts for size. */
function setComputed(c: Client, h: HashValue, field: string, value: string): void {
  if (h.isListpack) {
    const limit = maxValue(c);
    if (field.length > limit || value.length > limit) h.toHashtable();
  }
  h.set(field, value);
  convertForSize(c, h);
}

// ---- Writing ----------------------------------------------------------------------------------

/** HSET and HMSET: the same command, answering the count of new fields or OK. */
function hsetCommand(name: 'hset' | 'hmset'): Handler {
  return (c, argv) => {
    if (argv.length % 2 === 1) {
      c.error(errWrongArgs(name));
      return;
    }
    const key = argv[1];
    const h = hashForWrite(c, key);
    if (h === null) return;
    convertForArgs(c, h, argv, 2, argv.length - 1);
    let created = 0;
    for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1])) created++;
    convertForSize(c, h);
    if (name === 'hset') c.integer(created);
    else c.ok();
    c.db.changed(key, NOTIFY.HASH, 'hset', (argv.length - 2) / 2);
  };
}

function hsetnx(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = hashForWrite(c, key);
  if (h === null) return;
  if (h.has(argv[2])) {
    c.integer(0);
    return;
  }
  convertForArgs(c, h, argv, 2, 3);
  h.set(argv[2], argv[3]);
  convertForSize(c, h);
  c.integer(1);
  c.db.changed(key, NOTIFY.HASH, 'hset');
}

function hdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = writeAs(c, key, HashValue);
  if (h === null) return;
  if (h === undefined) {
    c.integer(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (!h.delete(argv[i])) continue;
    deleted++;
    if (h.size === 0) {
      // An empty hash disappears.
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted) {
    c.db.changed(key, NOTIFY.HASH, 'hdel', deleted);
    if (removed) c.db.changed(key, NOTIFY.GENERIC, 'del', 0);
  }
  c.integer(deleted);
}

function hincrby(c: Client, argv: string[]): void {
  const incr = int64Arg(c, argv[3]);
  if (incr === null) return;
  const key = argv[1];
  const field = argv[2];
  const h = hashForWrite(c, key);
  if (h === null) return;
  const current = h.get(field);
  let result: string;
  if (typeof incr === 'number' && (current === undefined || current.length <= 15)) {
    // Both below 10^15 in magnitude: the sum is exact and far from 64 bits.
    let n = 0;
    if (current !== undefined) {
      const parsed = parseInteger(current);
      if (parsed === null) {
        c.error(ERR_HASH_NOT_INTEGER);
        return;
      }
      n = parsed;
    }
    result = String(n + incr);
  } else {
    let old = 0n;
    if (current !== undefined) {
      const n = parseInt64(current);
      if (n === null) {
        c.error(ERR_HASH_NOT_INTEGER);
        return;
      }
      old = n;
    }
    const sum = old + BigInt(incr);
    if (sum > INT64_MAX || sum < INT64_MIN) {
      c.error(ERR_INCR_OVERFLOW);
      return;
    }
    result = sum.toString();
  }
  setComputed(c, h, field, result);
  c.integerText(result);
  c.db.changed(key, NOTIFY.HASH, 'hincrby');
}

function hincrbyfloat(c: Client, argv: string[]): void {
  const incr = longDoubleArg(c, argv[3]);
  if (incr === null) return;
  if (incr.inf) {
    c.error(ERR_NAN_INF);
    return;
  }
  const key = argv[1];
  const field = argv[2];
  const h = hashForWrite(c, key);
  if (h === null) return;
  const current = h.get(field);
  let value = LD_ZERO;
  if (current !== undefined) {
    const parsed = parseLongDouble(current);
    if (parsed === null) {
      c.error(ERR_HASH_NOT_FLOAT);
      return;
    }
    value = parsed;
  }
  const sum = addLongDouble(value, incr);
  if (sum.inf) {
    c.error(ERR_INCR_NAN);
    return;
  }
  const text = formatLongDoubleHuman(sum);
  setComputed(c, h, field, text);
  c.bulk(text);
  c.db.changed(key, NOTIFY.HASH, 'hincrbyfloat');
  // The result, not the increment, so float rounding cannot differ on a replica.
  c.rewriteArgv(['HSET', key, field, text]);
}

// ---- Reading ----------------------------------------------------------------------------------

function hget(c: Client, argv: string[]): void {
  const h = readAs(c, argv[1], HashValue);
  if (h === null) return;
  c.bulkOrNull(h === undefined ? null : h.get(argv[2]));
}

function hmget(c: Client, argv: string[]): void {
  // A missing key is an empty hash: one null per field.
  const v = c.db.lookupRead(argv[1]);
  const h = v === undefined ? undefined : valueAs(c, v, HashValue);
  if (h === null) return;
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.bulkOrNull(h === undefined ? null : h.get(argv[i]));
}

function hlen(c: Client, argv: string[]): void {
  const h = readAs(c, argv[1], HashValue);
  if (h === null) return;
  c.integer(h === undefined ? 0 : h.size);
}

function hstrlen(c: Client, argv: string[]): void {
  const h = readAs(c, argv[1], HashValue);
  if (h === null) return;
  c.integer(h?.get(argv[2])?.length ?? 0);
}

function hexists(c: Client, argv: string[]): void {
  const h = readAs(c, argv[1], HashValue);
  if (h === null) return;
  c.integer(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

/** HKEYS (fields), HVALS (values), HGETALL (a map of both). */
function hgetallCommand(fields: boolean, values: boolean): Handler {
  return (c, argv) => {
    const h = readAs(c, argv[1], HashValue);
    if (h === null) return;
    const n = h === undefined ? 0 : h.size;
    if (fields && values) c.mapLen(n);
    else c.arrayLen(n);
    if (h === undefined) return;
    const pairs = h.pairs();
    for (let i = 0; i < pairs.length; i += 2) {
      if (fields) c.bulk(pairs[i]);
      if (values) c.bulk(pairs[i + 1]);
    }
  };
}

// ---- HRANDFIELD -------------------------------------------------------------------------------

/** How many times bigger than the count a hash must be to sample it rather than drop from it. */
const HRANDFIELD_SUB_STRATEGY_MUL = 3;

function replyPair(c: Client, h: HashValue, i: number, withValues: boolean): void {
  if (withValues) c.pairItem();
  c.bulk(h.fieldAt(i));
  if (withValues) c.bulk(h.valueAt(i));
}

function hrandfield(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const h = readAs(c, argv[1], HashValue);
    if (h === null) return;
    c.bulkOrNull(h === undefined ? null : h.fieldAt(h.randomPair()));
    return;
  }
  const l = signedCountArg(c, argv[2]);
  if (l === null) return;
  let withValues = false;
  if (argv.length > 4 || (argv.length === 4 && optionWord(argv[3]) !== 'withvalues')) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 4) {
    withValues = true;
    const big = BigInt(l);
    if (big < -HALF_LONG_MAX || big > HALF_LONG_MAX) {
      c.error(ERR_OUT_OF_RANGE);
      return;
    }
  }
  const h = readAs(c, argv[1], HashValue);
  if (h === null) return;
  if (h === undefined || l === 0 || l === 0n) {
    c.arrayLen(0);
    return;
  }
  const size = h.size;
  const negative = l < 0;
  // Past 2^53 a count is only compared with the size or counted down: a number will do, but the
  // reply's length is written exactly.
  const count = Math.abs(Number(l));
  if (negative || count === 1) {
    // Repeats allowed: count independent picks (until an output limit drops the client).
    const exact = typeof l === 'bigint' ? (l < 0n ? -l : l) : count;
    if (withValues) c.pairsLen(exact);
    else c.arrayLen(exact);
    for (let n = 0; n < count && !c.closed; n++) replyPair(c, h, h.randomPair(), withValues);
    return;
  }
  const n = Math.min(count, size);
  if (withValues) c.pairsLen(n);
  else c.arrayLen(n);
  if (count >= size) {
    for (let i = 0; i < size; i++) replyPair(c, h, i, withValues);
    return;
  }
  for (const i of distinctIndexes(size, count, HRANDFIELD_SUB_STRATEGY_MUL)) replyPair(c, h, i, withValues);
}

/**
 * count distinct indexes in [0, size), uniformly (count < size). When count is a large part of
 * size, a partial shuffle of every index; else random picks until enough are distinct.
 */
export function distinctIndexes(size: number, count: number, mul: number): Iterable<number> {
  if (count * mul > size) {
    const all = new Array<number>(size);
    for (let i = 0; i < size; i++) all[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    all.length = count;
    return all;
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * size));
  return picked;
}

// ---- HSCAN ------------------------------------------------------------------------------------

function hscan(c: Client, argv: string[]): void {
  scanCollection(c, argv, HashValue, {
    all: (h) => h.pairs(),
    valueOf: (h, field) => h.get(field)!,
  });
}

export const hashCommands: CommandSpec[] = [
  { name: 'hset', handler: hsetCommand('hset') },
  { name: 'hmset', handler: hsetCommand('hmset') },
  { name: 'hsetnx', handler: hsetnx },
  { name: 'hget', handler: hget },
  { name: 'hmget', handler: hmget },
  { name: 'hdel', handler: hdel },
  { name: 'hlen', handler: hlen },
  { name: 'hstrlen', handler: hstrlen },
  { name: 'hexists', handler: hexists },
  { name: 'hkeys', handler: hgetallCommand(true, false) },
  { name: 'hvals', handler: hgetallCommand(false, true) },
  { name: 'hgetall', handler: hgetallCommand(true, true) },
  { name: 'hincrby', handler: hincrby },
  { name: 'hincrbyfloat', handler: hincrbyfloat },
  { name: 'hrandfield', handler: hrandfield },
  { name: 'hscan', handler: hscan },
];
