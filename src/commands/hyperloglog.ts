// HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE and the PFSELFTEST / PFDEBUG
// debugging commands, on string values that hold Redis's HLL bytes (types/hyperloglog.ts).
//
// A command that may change an HLL (PFADD, PFCOUNT of one key, which caches the count in the
// header, PFMERGE's destination, PFDEBUG) works on it as a ByteString, as Redis unshares it (a
// non-HLL string is refused before that); a dense HLL stays one, changed in place from then on.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_WRONGTYPE } from '../server/errors.js';
import { ByteString, RawString, typeOf, type Value } from '../types/value.js';
import {
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  cachedCount,
  countRegisters,
  createHll,
  decodeSparse,
  hllAdd,
  hllCount,
  hllEncoding,
  invalidateCache,
  isHll,
  mergeInto,
  registersOf,
  selfTest,
  setRegister,
  sparseToDense,
  storeCount,
} from '../types/hyperloglog.js';
import { NOTIFY } from '../keyspace/notify.js';
import { cString, optionWord } from '../util/cstring.js';
import { settleString, stringOrBytesOf, unshareString } from './lookup.js';

const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const ERR_CORRUPT_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const ERR_NO_KEY = 'ERR The specified key does not exist';
const ERR_NOT_SPARSE = 'ERR HLL encoding is not sparse';

/** An HLL value's bytes for reading. */
interface HllBytes {
  bytes: Uint8Array;
  length: number;
}

/**
 * isHLLObjectOrReply: true when v is a string holding a valid HLL header; false after replying
 * WRONGTYPE (another type, or a string that is no HLL).
 */
function checkHll(c: Client, v: Value): boolean {
  if (typeOf(v) !== 'string') {
    c.error(ERR_WRONGTYPE);
    return false;
  }
  const s = stringOrBytesOf(c, v)!;
  const head = typeof s === 'string' ? Buffer.from(s.slice(0, HLL_HDR_SIZE), 'latin1') : s.bytes;
  if (!isHll(head, s.length)) {
    c.error(ERR_NOT_HLL);
    return false;
  }
  return true;
}

/** The bytes of a string value checked with checkHll: a ByteString's own, a copy of a string's. */
function bytesOf(c: Client, v: Value): HllBytes {
  const s = stringOrBytesOf(c, v)!;
  return typeof s === 'string' ? { bytes: Buffer.from(s, 'latin1'), length: s.length } : s;
}

function sparseMaxBytes(c: Client): number {
  return c.server.config.num('hll-sparse-max-bytes');
}

function pfadd(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const v = db.lookupWrite(key);
  let o: ByteString;
  let updated = 0;
  if (v === undefined) {
    o = createHll();
    db.set(key, o);
    updated++;
  } else {
    if (!checkHll(c, v)) return;
    o = unshareString(db, key, v);
  }
  const maxBytes = sparseMaxBytes(c);
  let corrupt = false;
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(o, argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      // What was added before stays added, unannounced, as in Redis.
      corrupt = true;
      break;
    }
  }
  if (!corrupt && updated > 0) invalidateCache(o.bytes);
  settleString(db, key, o);
  if (corrupt) {
    c.error(ERR_CORRUPT_HLL);
    return;
  }
  if (updated > 0) db.changed(key, NOTIFY.STRING, 'pfadd', updated);
  c.integer(updated > 0 ? 1 : 0);
}

function pfcount(c: Client, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    // The count of the union: the registers' maximums, counted without touching any key.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = db.lookupRead(argv[j]);
      if (v === undefined) continue;
      if (!checkHll(c, v)) return;
      const hll = bytesOf(c, v);
      if (!mergeInto(max, hll.bytes, hll.length)) {
        c.error(ERR_CORRUPT_HLL);
        return;
      }
    }
    c.integer(countRegisters(max));
    return;
  }
  const key = argv[1];
  const v = db.lookupRead(key);
  if (v === undefined) {
    c.integer(0);
    return;
  }
  if (!checkHll(c, v)) return;
  const s = stringOrBytesOf(c, v)!;
  const cached = cachedCount(typeof s === 'string' ? Buffer.from(s.slice(0, HLL_HDR_SIZE), 'latin1') : s.bytes);
  if (cached !== -1) {
    // Redis unshares the value all the same: a plain (embstr) string becomes raw.
    if (typeof v === 'string') db.replace(key, new RawString(v));
    c.integer(cached);
    return;
  }
  const o = unshareString(db, key, v);
  const count = hllCount(o.bytes, o.length);
  if (count >= 0) storeCount(o.bytes, count);
  settleString(db, key, o);
  if (count < 0) {
    c.error(ERR_CORRUPT_HLL);
    return;
  }
  // The cache is part of the value: a change (and so propagated), though no keyspace event.
  db.changed(key, 0, '');
  c.integer(count);
}

function pfmerge(c: Client, argv: string[]): void {
  const db = c.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let dense = false;
  // The destination is the first source.
  for (let j = 1; j < argv.length; j++) {
    const v = db.lookupRead(argv[j]);
    if (v === undefined) continue;
    if (!checkHll(c, v)) return;
    const hll = bytesOf(c, v);
    if (hllEncoding(hll.bytes) === HLL_DENSE) dense = true;
    if (!mergeInto(max, hll.bytes, hll.length)) {
      c.error(ERR_CORRUPT_HLL);
      return;
    }
  }
  const key = argv[1];
  const v = db.lookupWrite(key);
  let o: ByteString;
  if (v === undefined) {
    o = createHll();
    db.set(key, o);
  } else {
    o = unshareString(db, key, v);
  }
  // Dense as soon as one source is, rather than growing a sparse value register by register.
  if (dense && !sparseToDense(o)) {
    settleString(db, key, o);
    c.error(ERR_CORRUPT_HLL);
    return;
  }
  const maxBytes = sparseMaxBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) setRegister(o, j, max[j], maxBytes);
  }
  invalidateCache(o.bytes);
  settleString(db, key, o);
  // Redis names the event pfadd: a merge adds elements.
  db.changed(key, NOTIFY.STRING, 'pfadd');
  c.ok();
}

function pfselftest(c: Client): void {
  const failure = selfTest(sparseMaxBytes(c));
  if (failure === null) c.ok();
  else c.error(`ERR ${failure}`);
}

function pfdebug(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[2];
  const v = db.lookupWrite(key);
  if (v === undefined) {
    c.error(ERR_NO_KEY);
    return;
  }
  if (!checkHll(c, v)) return;
  const o = unshareString(db, key, v);
  try {
    pfdebugSubcommand(c, argv[1], key, o);
  } finally {
    settleString(db, key, o);
  }
}

function pfdebugSubcommand(c: Client, sub: string, key: string, o: ByteString): void {
  const db = c.db;
  switch (optionWord(sub)) {
    case 'getreg': {
      if (hllEncoding(o.bytes) === HLL_SPARSE) {
        if (!sparseToDense(o)) {
          c.error(ERR_CORRUPT_HLL);
          return;
        }
        // The new encoding is propagated. (Redis counts it dirty without signalling WATCH;
        // nodis's one side-effect call does both.)
        db.changed(key, 0, '');
      }
      const registers = registersOf(o.bytes);
      c.arrayLen(registers.length);
      for (const r of registers) c.integer(r);
      return;
    }
    case 'decode':
      if (hllEncoding(o.bytes) !== HLL_SPARSE) c.error(ERR_NOT_SPARSE);
      else c.bulk(decodeSparse(o.bytes, o.length));
      return;
    case 'encoding':
      c.simple(hllEncoding(o.bytes) === HLL_DENSE ? 'dense' : 'sparse');
      return;
    case 'todense': {
      let converted = 0;
      if (hllEncoding(o.bytes) === HLL_SPARSE) {
        if (!sparseToDense(o)) {
          c.error(ERR_CORRUPT_HLL);
          return;
        }
        converted = 1;
        db.changed(key, 0, '');
      }
      c.integer(converted);
      return;
    }
    default:
      c.error(`ERR Unknown PFDEBUG subcommand '${cString(sub)}'`);
  }
}

export const hyperloglogCommands: CommandSpec[] = [
  { name: 'pfadd', handler: pfadd },
  { name: 'pfcount', handler: pfcount },
  { name: 'pfdebug', handler: pfdebug },
  { name: 'pfmerge', handler: pfmerge },
  { name: 'pfselftest', handler: pfselftest },
];
