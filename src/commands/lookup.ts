// Typed key lookups, as Redis's lookupKeyRead/lookupKeyWrite followed by checkType: a command
// that works on one type looks its key up here and gets
//
//   the value      the key holds that type
//   undefined      no such key
//   null           the key holds another type: WRONGTYPE was replied, the command returns
//
//   const list = writeAs(c, argv[1], ListValue);
//   if (list === null) return;
//   if (list === undefined) ...create it, or reply for a missing key

import type { Client } from '../server/client.js';
import { ERR_WRONGTYPE } from '../server/errors.js';
import type { Database } from '../keyspace/db.js';
import { ByteString, RawString, stringValue, type RObject, type Value } from '../types/value.js';

/** What a typed lookup found: the value, undefined (no key), or null (WRONGTYPE replied). */
export type Found<T> = T | undefined | null;

/** A value class to check against (its instances, or those of a subclass, are that type). */
export type ValueClass<T extends RObject> = abstract new (...args: never[]) => T;

/** The bytes of a found string value; null after replying WRONGTYPE when it is not a string. */
export function stringOf(c: Client, v: Value): string | null {
  if (typeof v === 'string') return v;
  const s = stringValue(v);
  if (s === null) c.error(ERR_WRONGTYPE);
  return s;
}

/** A string key for a read command (keyspace hit or miss counted, access time updated). */
export function readString(c: Client, key: string): Found<string> {
  const v = c.db.lookupRead(key);
  return v === undefined ? undefined : stringOf(c, v);
}

/** A string key for a write command. */
export function writeString(c: Client, key: string): Found<string> {
  const v = c.db.lookupWrite(key);
  return v === undefined ? undefined : stringOf(c, v);
}

/**
 * A found string value as it is held, without decoding: a ByteString's bytes stay bytes (bit and
 * HyperLogLog commands read them in place); null after replying WRONGTYPE.
 */
export function stringOrBytesOf(c: Client, v: Value): string | ByteString | null {
  if (typeof v === 'string' || v instanceof ByteString) return v;
  return stringOf(c, v);
}

/** stringOrBytesOf for a read command's key. */
export function readStringOrBytes(c: Client, key: string): Found<string | ByteString> {
  const v = c.db.lookupRead(key);
  return v === undefined ? undefined : stringOrBytesOf(c, v);
}

/** A found value as type T; null after replying WRONGTYPE when it is another type. */
export function valueAs<T extends RObject>(c: Client, v: Value, type: ValueClass<T>): T | null {
  if (v instanceof type) return v;
  c.error(ERR_WRONGTYPE);
  return null;
}

/** A key of type T for a read command (keyspace hit or miss counted, access time updated). */
export function readAs<T extends RObject>(c: Client, key: string, type: ValueClass<T>): Found<T> {
  const v = c.db.lookupRead(key);
  return v === undefined ? undefined : valueAs(c, v, type);
}

/** A key of type T for a write command. */
export function writeAs<T extends RObject>(c: Client, key: string, type: ValueClass<T>): Found<T> {
  const v = c.db.lookupWrite(key);
  return v === undefined ? undefined : valueAs(c, v, type);
}

/**
 * A string value made changeable in place, as Redis's dbUnshareStringValue makes it raw and
 * unshared: a ByteString, which replaces a plain or raw string under its key (with room for
 * `room` bytes in all, for a write about to grow it). v must be key's value, and a string.
 * The command calls settleString(db, key, result) when it is done with it.
 */
export function unshareString(db: Database, key: string, v: Value, room = 0): ByteString {
  if (v instanceof ByteString) return v;
  const bytes = ByteString.from(stringValue(v)!, room);
  db.replace(key, bytes);
  return bytes;
}

/**
 * Values at least this long stay ByteStrings between writes. A Buffer costs about 220 bytes more
 * than a string; below this length that outweighs what writing in place saves (a short value is
 * copied in and out of a pooled buffer in well under a microsecond).
 */
export const IN_PLACE_MIN_LENGTH = 1024;

/**
 * After a write through unshareString (or to a ByteString just stored under key): a short value
 * is stored as a RawString again, a long one keeps its bytes, moved out of Node's buffer pool.
 * Both are raw-encoded strings, as Redis's value is after an in-place write.
 */
export function settleString(db: Database, key: string, b: ByteString): void {
  if (db.dict.get(key) !== b) return;
  if (b.length < IN_PLACE_MIN_LENGTH) db.replace(key, new RawString(b.toString()));
  else b.own();
}
