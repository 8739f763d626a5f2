// SORT and SORT_RO (Redis's sort.c): the elements of a list, set or sorted set, sorted by their
// own value or by weights read from other keys (BY pattern, hash fields with "->"), numerically
// or byte-wise (ALPHA), with LIMIT, GET patterns, and STORE into a list.
//
// What decides the exact output, as in Redis:
//  - a numeric sort breaks ties between equal weights by comparing the elements' bytes;
//  - without LIMIT (or without BY) the sort is glibc's qsort, a stable merge sort, so equal
//    ALPHA weights keep the order the elements were read in; with BY and a LIMIT that cuts the
//    output, it is Redis's partial quicksort (util/pqsort.ts), whose order for ties is its own;
//  - ALPHA compares as strcoll in the C locale (strcmp: bytes up to the first NUL) when the
//    result is replied, and by every byte when it is stored;
//  - BY with a pattern without '*' (e.g. "nosort") skips sorting: lists and sorted sets keep
//    their order (with LIMIT taken straight from it), a set stored with STORE is sorted ALPHA
//    so that replicas get the same list.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Database } from '../keyspace/db.js';
import { ERR_WRONGTYPE } from '../server/errors.js';
import { NOTIFY } from '../keyspace/notify.js';
import { ListValue, listCursor } from '../types/list.js';
import { SetValue } from '../types/set.js';
import { HashValue } from '../types/hash.js';
import { ZSetValue } from '../types/zset.js';
import { stringValue } from '../types/value.js';
import { ArgCursor, integerArg } from './args.js';
import { strtodWhole } from '../util/numbers.js';
import { cString } from '../util/cstring.js';
import { partialSort } from '../util/pqsort.js';

const ERR_BAD_DOUBLE = "ERR One or more scores can't be converted into double";
const ERR_BY_CLUSTER = 'ERR BY option of SORT denied in Cluster mode.';
const ERR_GET_CLUSTER = 'ERR GET option of SORT denied in Cluster mode.';

/** One element to sort, with what it is sorted by. */
interface SortItem {
  /** The element itself. */
  value: string;
  /** Its numeric weight (0 when its BY key is missing). */
  score: number;
  /** Its ALPHA weight, read through BY (null when that key is missing). */
  weight: string | null;
}

/**
 * What a SORT pattern names for one element (Redis's lookupKeyByPattern): "#" is the element
 * itself; otherwise the first '*' is replaced by the element to name a key, whose string value
 * is the result, or, when the pattern continues with "->field" after the '*', that field of the
 * hash at the key. null when there is no '*', the key is missing or of another type, or the
 * field is missing. The pattern's '*' and "->" are found as C finds them (before a NUL byte).
 */
function lookupByPattern(db: Database, pattern: string, element: string): string | null {
  if (pattern.charCodeAt(0) === 35 /* # */ && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return element;
  const nul = pattern.indexOf('\0');
  const cEnd = nul < 0 ? pattern.length : nul;
  const star = pattern.indexOf('*');
  if (star < 0 || star >= cEnd) return null;
  // A field needs "->" followed by at least one byte (before the C string's end).
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < cEnd;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, hasField ? arrow : pattern.length);
  const v = db.lookupRead(key);
  if (v === undefined) return null;
  if (hasField) return v instanceof HashValue ? (v.get(pattern.slice(arrow + 2)) ?? null) : null;
  return stringValue(v);
}

/** strcmp on what two C strings hold: bytes up to the first NUL. */
function compareC(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < y ? -1 : 1;
    if (x === 0) return 0;
  }
  const x = a.length > n ? a.charCodeAt(n) : 0;
  const y = b.length > n ? b.charCodeAt(n) : 0;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Every byte compared (memcmp, then the length): Redis's compareStringObjects. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Redis's sortCompare for the options in force. */
function comparator(alpha: boolean, byPattern: boolean, store: boolean, desc: boolean): (a: SortItem, b: SortItem) => number {
  let cmp: (a: SortItem, b: SortItem) => number;
  if (!alpha) {
    cmp = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.value, b.value));
  } else if (byPattern) {
    const compare = store ? compareBytes : compareC;
    cmp = (a, b) => {
      if (a.weight === null || b.weight === null) return a.weight === b.weight ? 0 : a.weight === null ? -1 : 1;
      return compare(a.weight, b.weight);
    };
  } else {
    const compare = store ? compareBytes : compareC;
    cmp = (a, b) => compare(a.value, b.value);
  }
  return desc ? (a, b) => -cmp(a, b) : cmp;
}

function item(value: string): SortItem {
  return { value, score: 0, weight: null };
}

/** SORT and SORT_RO (sortCommandGeneric); SORT_RO takes no STORE. */
function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontSort = false;
  let sortBy: string | null = null;
  let storeKey: string | null = null;
  const gets: string[] = [];
  const cluster = c.server.config.bool('cluster-enabled');

  const opts = new ArgCursor(c, argv, 2);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'asc') desc = false;
    else if (opt === 'desc') desc = true;
    else if (opt === 'alpha') alpha = true;
    else if (opt === 'limit' && opts.hasValue(2)) {
      const start = integerArg(c, opts.value());
      if (start === null) return;
      const count = integerArg(c, opts.value());
      if (count === null) return;
      limitStart = start;
      limitCount = count;
    } else if (opt === 'store' && !readonly && opts.hasValue()) {
      storeKey = opts.value();
    } else if (opt === 'by' && opts.hasValue()) {
      sortBy = opts.value();
      // A pattern without '*' names one key for every element: there is nothing to sort by.
      if (!cString(sortBy).includes('*')) dontSort = true;
      else if (cluster) {
        c.error(ERR_BY_CLUSTER);
        return;
      }
    } else if (opt === 'get' && opts.hasValue()) {
      if (cluster) {
        c.error(ERR_GET_CLUSTER);
        return;
      }
      gets.push(opts.value());
    } else {
      opts.syntaxError();
      return;
    }
  }

  const db = c.db;
  const found = db.lookupRead(argv[1]);
  if (found !== undefined && !(found instanceof ListValue) && !(found instanceof SetValue) && !(found instanceof ZSetValue)) {
    c.error(ERR_WRONGTYPE);
    return;
  }
  // A missing key sorts as an empty list.
  const source = found ?? null;

  // A set has no order of its own: one stored (or sorted in a script) is sorted ALPHA instead,
  // so the result is the same everywhere it is replayed.
  if (dontSort && source instanceof SetValue && (storeKey !== null || c.scriptClient)) {
    dontSort = false;
    alpha = true;
    sortBy = null;
  }

  // Redis converts a listpack-encoded sorted set for good before sorting it (OBJECT ENCODING shows it).
  if (source instanceof ZSetValue) source.toSkiplist();

  let vectorLen = source === null ? 0 : source instanceof ListValue ? source.length : source.size;

  // LIMIT, clamped to the elements there are.
  let start = Math.min(Math.max(limitStart, 0), vectorLen);
  const count = Math.min(Math.max(limitCount, -1), vectorLen);
  let end = count < 0 ? vectorLen - 1 : start + count - 1;
  if (start >= vectorLen) {
    start = vectorLen - 1;
    end = vectorLen - 2;
  }
  if (end >= vectorLen) end = vectorLen - 1;

  // Unsorted lists and sorted sets are read only over the range LIMIT asks for.
  const ordered = source instanceof ListValue || source instanceof ZSetValue;
  if (ordered && dontSort && (start !== 0 || end !== vectorLen - 1)) vectorLen = end - start + 1;

  const vector: SortItem[] = new Array(vectorLen);
  if (source instanceof ListValue && dontSort) {
    if (end >= start) {
      const cursor = listCursor.seek(source, desc ? source.length - start - 1 : start, desc);
      for (let j = 0; j < vectorLen; j++) vector[j] = item(cursor.next());
      end -= start;
      start = 0;
    }
  } else if (source instanceof ListValue) {
    const cursor = listCursor.seek(source, 0);
    for (let j = 0; j < vectorLen; j++) vector[j] = item(cursor.next());
  } else if (source instanceof SetValue) {
    const members = source.members();
    for (let j = 0; j < vectorLen; j++) vector[j] = item(members[j]);
  } else if (source instanceof ZSetValue && dontSort) {
    // Score order (from the highest with DESC), from rank start.
    const size = source.size;
    const [first, last] = desc ? [size - start - vectorLen, size - 1 - start] : [start, start + vectorLen - 1];
    let j = 0;
    for (const [member] of source.rangeByRank(first, last, desc)) vector[j++] = item(member);
    end -= start;
    start = 0;
  } else if (source instanceof ZSetValue) {
    let j = 0;
    source.forEach((member) => (vector[j++] = item(member)));
  }

  if (!dontSort) {
    let badDouble = false;
    for (const it of vector) {
      let by: string | null;
      if (sortBy !== null) {
        by = lookupByPattern(db, sortBy, it.value);
        if (by === null) continue;
      } else by = it.value;
      if (alpha) {
        if (sortBy !== null) it.weight = by;
      } else {
        const score = strtodWhole(by);
        if (score === null) badDouble = true;
        else it.score = score;
      }
    }
    // Redis reads every weight (each a key lookup), sorts, then replies the error: the sort
    // changes nothing anyone sees, so it is skipped.
    if (badDouble) {
      c.error(ERR_BAD_DOUBLE);
      return;
    }
    const cmp = comparator(alpha, sortBy !== null, storeKey !== null, desc);
    if (sortBy !== null && (start !== 0 || end !== vectorLen - 1)) partialSort(vector, cmp, start, end);
    else vector.sort(cmp);
  }

  const getCount = gets.length;
  const outputLen = getCount ? getCount * (end - start + 1) : end - start + 1;
  if (storeKey === null) {
    c.arrayLen(outputLen);
    for (let j = start; j <= end; j++) {
      const value = vector[j].value;
      if (getCount === 0) c.bulk(value);
      for (let g = 0; g < getCount; g++) c.bulkOrNull(lookupByPattern(db, gets[g], value));
    }
    return;
  }

  const result = new ListValue(c.server.config.num('list-max-listpack-size'));
  for (let j = start; j <= end; j++) {
    const value = vector[j].value;
    if (getCount === 0) result.pushTail(value);
    // A missing GET result is stored as an empty string.
    for (let g = 0; g < getCount; g++) result.pushTail(lookupByPattern(db, gets[g], value) ?? '');
  }
  if (outputLen > 0) {
    // setKey: a key whose time passed is expired first, then replaced (its time to live dropped).
    if (db.expires.size !== 0) db.expireIfNeeded(storeKey);
    db.set(storeKey, result);
    db.changed(storeKey, NOTIFY.LIST, 'sortstore', outputLen);
  } else if (db.delete(storeKey, false)) {
    db.changed(storeKey, NOTIFY.GENERIC, 'del');
  }
  c.integer(outputLen);
}

export const sortCommands: CommandSpec[] = [
  { name: 'sort', handler: (c, argv) => sortGeneric(c, argv, false) },
  { name: 'sort_ro', handler: (c, argv) => sortGeneric(c, argv, true) },
];
