// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's SHA-1 digests of the dataset and of single values
// (debug.c), equal to Redis's for the same data, so tests (Redis's own among them) can compare
// datasets across a reload, a restart or a replica. Order does not count where Redis keeps none
// (keys, set and sorted set members, hash fields are xor-ed together); it counts within a string or a list.

import { nodeCrypto } from '../util/builtins.js';
import type { Database } from '../keyspace/db.js';
import { ByteString, RawString, type Value } from '../types/value.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ListValue, listCursor } from '../types/list.js';
import { StreamValue, ID_MIN, ID_MAX, idMs, idSeq } from '../types/stream.js';
import { ZSetValue } from '../types/zset.js';
import { formatDouble17g } from '../protocol/writer.js';

/** Redis's object type numbers (OBJ_STRING …), which the digest mixes in. */
const OBJ_TYPE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, module: 5, stream: 6 };

function sha1(data: Buffer): Buffer {
  return nodeCrypto().createHash('sha1').update(data).digest();
}

/** digest ^= SHA1(data) */
function xorDigest(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) digest[i] ^= h[i];
}

/** digest = SHA1(digest ^ SHA1(data)): order counts. */
function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** xorObjectDigest: mixes a value (and whether its key has a time to live) into digest. */
function xorObjectDigest(digest: Buffer, value: Value, volatile: boolean): void {
  const type = typeof value === 'string' ? 'string' : value.type;
  const aux = Buffer.alloc(4);
  aux.writeUInt32BE(OBJ_TYPE[type] ?? 0);
  mixDigest(digest, aux);
  if (typeof value === 'string') mixDigest(digest, bytes(value));
  else if (value instanceof RawString) mixDigest(digest, bytes(value.s));
  else if (value instanceof ByteString) mixDigest(digest, value.bytes.subarray(0, value.length));
  else if (value instanceof ListValue) {
    // Each element in order, integers as their decimal text.
    const n = value.length;
    if (n !== 0) {
      const cursor = listCursor.seek(value, 0);
      for (let i = 0; i < n; i++) mixDigest(digest, bytes(cursor.next()));
    }
  } else if (value instanceof SetValue) {
    for (const m of value.members()) xorDigest(digest, bytes(m));
  } else if (value instanceof HashValue) {
    const pairs = value.pairs();
    for (let i = 0; i < pairs.length; i += 2) {
      const ele = Buffer.alloc(20);
      mixDigest(ele, bytes(pairs[i]));
      mixDigest(ele, bytes(pairs[i + 1]));
      xorDigest(digest, ele);
    }
  } else if (value instanceof StreamValue) {
    // Each live entry in order: "ms.seq", then its fields and values (groups do not count).
    value.range(ID_MIN, ID_MAX, 0, false, (id, node, i) => {
      mixDigest(digest, bytes(`${idMs(id)}.${idSeq(id)}`));
      for (const s of node.entry(i)) mixDigest(digest, bytes(s));
    });
  } else if (value instanceof ZSetValue) {
    // Each member with its score as %.17g text, order free.
    value.forEach((member, score) => {
      const ele = Buffer.alloc(20);
      mixDigest(ele, bytes(member));
      mixDigest(ele, bytes(formatDouble17g(score)));
      xorDigest(digest, ele);
    });
  } else {
    throw new Error(`DEBUG DIGEST does not support ${type} values yet`);
  }
  if (volatile) xorDigest(digest, bytes('!!expire!!'));
}

/** DEBUG DIGEST-VALUE for one key: 40 hex digits (all zero for a missing key). */
export function valueDigest(db: Database, key: string): string {
  const digest = Buffer.alloc(20);
  // Like Redis, the dictionary is read directly: a key whose time passed still counts.
  const v = db.dict.get(key);
  if (v !== undefined) xorObjectDigest(digest, v, db.expires.has(key));
  return digest.toString('hex');
}

/** DEBUG DIGEST: the whole dataset (computeDatasetDigest); zeros when it is empty. */
export function datasetDigest(dbs: readonly Database[]): string {
  const final = Buffer.alloc(20);
  for (const db of dbs) {
    if (db.dict.size === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db.id);
    mixDigest(final, aux);
    for (const [key, value] of db.dict) {
      const digest = Buffer.alloc(20);
      mixDigest(digest, bytes(key));
      xorObjectDigest(digest, value, db.expires.has(key));
      xorDigest(final, digest);
    }
  }
  return final.toString('hex');
}
