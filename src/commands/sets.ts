// Set commands (t_set.c): SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE
// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN. The structure is
// types/set.ts; here are the encoding rules of Redis 7.0's commands (set-max-intset-entries),
// the replies and the side effects.

import type { CommandSpec, Handler } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Database } from '../keyspace/db.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { SetValue } from '../types/set.js';
import { NOTIFY } from '../keyspace/notify.js';
import { readAs, writeAs, valueAs } from './lookup.js';
import { ArgCursor, positiveArg, rangeArg, signedCountArg } from './args.js';
import { scanCollection } from './scan.js';
import { distinctIndexes } from './hashes.js';

const ERR_NUMKEYS = "ERR numkeys should be greater than 0";
const ERR_TOO_MANY_NUMKEYS = "ERR Number of keys can't be greater than number of args";
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

/** set-max-intset-entries */
function maxIntset(c: Client): number {
  return c.server.config.num('set-max-intset-entries');
}

/** A new set holding members, built as Redis builds results: an intset, converted as it grows. */
function buildSet(c: Client, members: Iterable<string>): SetValue {
  const limit = maxIntset(c);
  const s = SetValue.intset();
  for (const m of members) s.add(m, limit);
  return s;
}

/**
 * Stores a computed set at dst (the *STORE commands): a non-empty result replaces whatever dst
 * held (its time to live too), with the event; an empty one deletes dst. Replies the size.
 */
function storeResult(c: Client, dst: string, result: SetValue, event: string): void {
  const db = c.db;
  if (result.size > 0) {
    // Redis's setKey looks the key up first: one whose time passed is expired, then created anew.
    if (db.expires.size !== 0) db.expireIfNeeded(dst);
    db.set(dst, result);
    c.integer(result.size);
    db.changed(dst, NOTIFY.SET, event);
    return;
  }
  c.integer(0);
  // dbDelete: no expiry check, so a key whose time passed is deleted (not expired) here.
  if (db.delete(dst, false)) db.changed(dst, NOTIFY.GENERIC, 'del');
}

/** Removes a set that became empty, with the 'del' event. */
function removeEmpty(db: Database, key: string): void {
  db.delete(key);
  db.changed(key, NOTIFY.GENERIC, 'del', 0);
}

/** The sets at keys for a read (missing keys are null); undefined after replying WRONGTYPE. */
function readSets(c: Client, keys: readonly string[]): (SetValue | null)[] | undefined {
  const sets: (SetValue | null)[] = [];
  for (const key of keys) {
    const v = c.db.lookupRead(key);
    if (v === undefined) {
      sets.push(null);
      continue;
    }
    const s = valueAs(c, v, SetValue);
    if (s === null) return undefined;
    sets.push(s);
  }
  return sets;
}

// ---- Members ----------------------------------------------------------------------------------

function sadd(c: Client, argv: string[]): void {
  const key = argv[1];
  let s = writeAs(c, key, SetValue);
  if (s === null) return;
  if (s === undefined) {
    s = SetValue.forMember(argv[2]);
    c.db.set(key, s);
  }
  const limit = maxIntset(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], limit)) added++;
  if (added) c.db.changed(key, NOTIFY.SET, 'sadd', added);
  c.integer(added);
}

function srem(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = writeAs(c, key, SetValue);
  if (s === null) return;
  if (s === undefined) {
    c.integer(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (!s.remove(argv[i])) continue;
    deleted++;
    if (s.size === 0) {
      // An empty set disappears.
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted) {
    c.db.changed(key, NOTIFY.SET, 'srem', deleted);
    if (removed) c.db.changed(key, NOTIFY.GENERIC, 'del', 0);
  }
  c.integer(deleted);
}

function smove(c: Client, argv: string[]): void {
  const db = c.db;
  const [srcKey, dstKey, member] = [argv[1], argv[2], argv[3]];
  const srcValue = db.lookupWrite(srcKey);
  const dstValue = db.lookupWrite(dstKey);
  if (srcValue === undefined) {
    c.integer(0);
    return;
  }
  const src = valueAs(c, srcValue, SetValue);
  if (src === null) return;
  let dst = dstValue === undefined ? undefined : valueAs(c, dstValue, SetValue);
  if (dst === null) return;
  if (src === dst) {
    c.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    c.integer(0);
    return;
  }
  db.changed(srcKey, NOTIFY.SET, 'srem');
  if (src.size === 0) removeEmpty(db, srcKey);
  if (dst === undefined) {
    dst = SetValue.forMember(member);
    db.set(dstKey, dst);
  }
  if (dst.add(member, maxIntset(c))) db.changed(dstKey, NOTIFY.SET, 'sadd');
  c.integer(1);
}

function sismember(c: Client, argv: string[]): void {
  const s = readAs(c, argv[1], SetValue);
  if (s === null) return;
  c.integer(s !== undefined && s.has(argv[2]) ? 1 : 0);
}

function smismember(c: Client, argv: string[]): void {
  // A missing key is an empty set: one 0 per member.
  const v = c.db.lookupRead(argv[1]);
  const s = v === undefined ? undefined : valueAs(c, v, SetValue);
  if (s === null) return;
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.integer(s !== undefined && s.has(argv[i]) ? 1 : 0);
}

function scard(c: Client, argv: string[]): void {
  const s = readAs(c, argv[1], SetValue);
  if (s === null) return;
  c.integer(s === undefined ? 0 : s.size);
}

// ---- Random members ---------------------------------------------------------------------------

/** How many times bigger than the count a set must be to sample it rather than drop from it. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;
/** How many times the members left must exceed the count for SPOP to pop them one by one. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function srandmember(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 2) {
    const s = readAs(c, argv[1], SetValue);
    if (s === null) return;
    c.bulkOrNull(s === undefined ? null : s.random());
    return;
  }
  const l = signedCountArg(c, argv[2]);
  if (l === null) return;
  const s = readAs(c, argv[1], SetValue);
  if (s === null) return;
  if (s === undefined || l === 0 || l === 0n) {
    c.arrayLen(0);
    return;
  }
  const count = Math.abs(Number(l));
  if (l < 0 || count === 1) {
    // Repeats allowed: count independent picks (until an output limit drops the client).
    c.arrayLen(typeof l === 'bigint' ? (l < 0n ? -l : l) : count);
    for (let n = 0; n < count && !c.closed; n++) c.bulk(s.random());
    return;
  }
  const members = s.members();
  if (count >= members.length) {
    c.bulkArray(members);
    return;
  }
  c.arrayLen(count);
  for (const i of distinctIndexes(members.length, count, SRANDMEMBER_SUB_STRATEGY_MUL)) c.bulk(members[i]);
}

function spop(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  }
  const key = argv[1];
  const s = writeAs(c, key, SetValue);
  if (s === null) return;
  if (s === undefined) {
    c.nullBulk();
    return;
  }
  const member = s.popRandom();
  c.db.changed(key, NOTIFY.SET, 'spop');
  // Propagated as the removal it was, so replicas remove the same member.
  c.rewriteArgv(['SREM', key, member]);
  c.bulk(member);
  if (s.size === 0) removeEmpty(c.db, key);
}

function spopWithCount(c: Client, argv: string[]): void {
  const count = positiveArg(c, argv[2]);
  if (count === null) return;
  const key = argv[1];
  const db = c.db;
  const s = writeAs(c, key, SetValue);
  if (s === null) return;
  if (s === undefined || count === 0) {
    c.setLen(0);
    return;
  }
  const size = s.size;
  db.changed(key, NOTIFY.SET, 'spop', Math.min(count, size));
  if (count >= size) {
    // The whole set, replied as SUNION of the one key replies it (a second lookup, a second hit).
    db.lookupRead(key);
    c.setLen(size);
    for (const m of s.members()) c.bulk(m);
    removeEmpty(db, key);
    c.rewriteArgv(['DEL', key]);
    return;
  }
  // Propagated as one SREM per member popped.
  c.preventPropagation();
  c.setLen(count);
  const remaining = size - count;
  for (let n = 0; n < count; n++) {
    const m = s.popRandom();
    c.bulk(m);
    c.server.alsoPropagate(db.id, ['SREM', key, m]);
  }
  if (remaining * SPOP_MOVE_STRATEGY_MUL <= count) {
    // Redis builds a new set from the members that stay (then of the encoding they call for).
    db.replace(key, buildSetFrom(c, s.members()));
  }
}

/** setTypeCreate(first member) and setTypeAdd of the rest. */
function buildSetFrom(c: Client, members: readonly string[]): SetValue {
  const limit = maxIntset(c);
  const s = SetValue.forMember(members[0]);
  for (const m of members) s.add(m, limit);
  return s;
}

// ---- Algebra ----------------------------------------------------------------------------------

/** SINTER, SMEMBERS, SINTERSTORE, SINTERCARD: sinterGenericCommand. */
function sinterGeneric(c: Client, keys: readonly string[], dst: string | null, cardinalityOnly: boolean, limit: number): void {
  const found = readSets(c, keys);
  if (found === undefined) return;
  if (found.includes(null)) {
    // An intersection with an empty set is empty.
    if (dst !== null) storeResult(c, dst, SetValue.intset(), 'sinterstore');
    else if (cardinalityOnly) c.integer(0);
    else c.setLen(0);
    return;
  }
  const sets = (found as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const smallest = sets[0];
  const result: string[] = [];
  for (const m of smallest.members()) {
    let inAll = true;
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] !== smallest && !sets[j].has(m)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    result.push(m);
    if (cardinalityOnly && limit !== 0 && result.length >= limit) break;
  }
  if (cardinalityOnly) c.integer(result.length);
  else if (dst !== null) storeResult(c, dst, buildSet(c, result), 'sinterstore');
  else {
    c.setLen(result.length);
    for (const m of result) c.bulk(m);
  }
}

function sinter(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(1), null, false, 0);
}

function sinterstore(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(2), argv[1], false, 0);
}

function sintercard(c: Client, argv: string[]): void {
  const numkeys = rangeArg(c, argv[1], 1, Infinity, ERR_NUMKEYS);
  if (numkeys === null) return;
  if (numkeys > argv.length - 2) {
    c.error(ERR_TOO_MANY_NUMKEYS);
    return;
  }
  let limit = 0;
  const opts = new ArgCursor(c, argv, 2 + numkeys);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'limit' && opts.hasValue()) {
      const n = positiveArg(c, opts.value(), ERR_LIMIT_NEGATIVE);
      if (n === null) return;
      limit = n;
    } else {
      opts.syntaxError();
      return;
    }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

/** SUNION, SDIFF and their STORE forms: sunionDiffGenericCommand. */
function sunionDiffCommand(op: 'union' | 'diff', store: boolean): Handler {
  return (c, argv) => {
    const dst = store ? argv[1] : null;
    const sets = readSets(c, argv.slice(store ? 2 : 1));
    if (sets === undefined) return;
    const result = op === 'union' ? union(c, sets) : diff(c, sets);
    if (dst !== null) {
      storeResult(c, dst, result, op === 'union' ? 'sunionstore' : 'sdiffstore');
      return;
    }
    const members = result.members();
    c.setLen(members.length);
    for (const m of members) c.bulk(m);
  };
}

function union(c: Client, sets: readonly (SetValue | null)[]): SetValue {
  const limit = maxIntset(c);
  const out = SetValue.intset();
  for (const s of sets) {
    if (s === null) continue;
    for (const m of s.members()) out.add(m, limit);
  }
  return out;
}

/**
 * The first set less the others. Redis picks one of two algorithms by the work each would take,
 * and they build the result differently: the first adds only what is left, the second adds the
 * whole first set and removes the rest, so its result may stay a hashtable where the first's
 * would be an intset (OBJECT ENCODING of SDIFFSTORE's result shows which ran).
 */
function diff(c: Client, sets: readonly (SetValue | null)[]): SetValue {
  const limit = maxIntset(c);
  const out = SetValue.intset();
  const first = sets[0];
  if (first === null) return out;
  // A later key holding the first set itself: nothing is left.
  for (let j = 1; j < sets.length; j++) if (sets[j] === first) return out;
  let algoOne = 0;
  let algoTwo = 0;
  for (const s of sets) {
    if (s === null) continue;
    algoOne += first.size;
    algoTwo += s.size;
  }
  algoOne = Math.floor(algoOne / 2);
  if (algoOne <= algoTwo) {
    for (const m of first.members()) {
      let found = false;
      for (let j = 1; j < sets.length; j++) {
        const s = sets[j];
        if (s !== null && s.has(m)) {
          found = true;
          break;
        }
      }
      if (!found) out.add(m, limit);
    }
    return out;
  }
  for (const m of first.members()) out.add(m, limit);
  for (let j = 1; j < sets.length && out.size > 0; j++) {
    const s = sets[j];
    if (s === null) continue;
    for (const m of s.members()) out.remove(m);
  }
  return out;
}

// ---- SMEMBERS, SSCAN ------------------------------------------------------------------------

function smembers(c: Client, argv: string[]): void {
  // Redis 7.0 answers SMEMBERS with SINTER of the one key.
  sinterGeneric(c, [argv[1]], null, false, 0);
}

function sscan(c: Client, argv: string[]): void {
  scanCollection(c, argv, SetValue, { all: (s) => s.members(), valueOf: null });
}

export const setCommands: CommandSpec[] = [
  { name: 'sadd', handler: sadd },
  { name: 'srem', handler: srem },
  { name: 'smove', handler: smove },
  { name: 'sismember', handler: sismember },
  { name: 'smismember', handler: smismember },
  { name: 'scard', handler: scard },
  { name: 'smembers', handler: smembers },
  { name: 'srandmember', handler: srandmember },
  { name: 'spop', handler: spop },
  { name: 'sinter', handler: sinter },
  { name: 'sintercard', handler: sintercard },
  { name: 'sinterstore', handler: sinterstore },
  { name: 'sunion', handler: sunionDiffCommand('union', false) },
  { name: 'sunionstore', handler: sunionDiffCommand('union', true) },
  { name: 'sdiff', handler: sunionDiffCommand('diff', false) },
  { name: 'sdiffstore', handler: sunionDiffCommand('diff', true) },
  { name: 'sscan', handler: sscan },
];
