// The dataset as commands (rewriteAppendOnlyFileRio): what an AOF base file holds when
// aof-use-rdb-preamble is off. Each function library first, as its FUNCTION LOAD; then each key becomes the commands that rebuild it (SET, RPUSH, SADD,
// ZADD, HMSET in batches of 64 items, a stream's XADDs with its XSETID, groups and pending
// entries), then PEXPIREAT for a key with a time to live, database by database.

import type { Server } from '../server/server.js';
import { encodeArgv, formatDouble17g } from '../protocol/writer.js';
import { HashValue } from '../types/hash.js';
import { ListValue, listCursor } from '../types/list.js';
import { SetValue } from '../types/set.js';
import { StreamValue, ID_MAX, ID_MIN, idText, makeId } from '../types/stream.js';
import { ZSetValue } from '../types/zset.js';
import { stringValue, type Value } from '../types/value.js';
import { scriptingIfUsed } from '../scripting/lua.js';

/** How many elements one rewritten command carries (AOF_REWRITE_ITEMS_PER_CMD). */
const ITEMS_PER_COMMAND = 64;

/** Appends argv in batches: head (e.g. RPUSH key) then up to 64 items of width values each. */
function batched(out: string[], head: readonly string[], items: readonly string[], width: number): void {
  const per = ITEMS_PER_COMMAND * width;
  for (let i = 0; i < items.length; i += per) out.push(encodeArgv([...head, ...items.slice(i, i + per)]));
}

function rewriteValue(out: string[], key: string, v: Value): void {
  const s = stringValue(v);
  if (s !== null) {
    out.push(encodeArgv(['SET', key, s]));
  } else if (v instanceof ListValue) {
    const items: string[] = [];
    const cursor = listCursor.seek(v, 0);
    for (let i = 0; i < v.length; i++) items.push(cursor.next());
    batched(out, ['RPUSH', key], items, 1);
  } else if (v instanceof SetValue) {
    batched(out, ['SADD', key], v.members(), 1);
  } else if (v instanceof ZSetValue) {
    const items: string[] = [];
    v.forEach((member, score) => items.push(formatDouble17g(score), member));
    batched(out, ['ZADD', key], items, 2);
  } else if (v instanceof HashValue) {
    batched(out, ['HMSET', key], v.pairs(), 2);
  } else if (v instanceof StreamValue) {
    rewriteStream(out, key, v);
  }
}

function rewriteStream(out: string[], key: string, s: StreamValue): void {
  if (s.length !== 0) {
    s.range(ID_MIN, ID_MAX, 0, false, (id, node, i) => {
      out.push(encodeArgv(['XADD', key, idText(id), ...node.entry(i)]));
    });
  } else {
    // An empty stream: created by an entry trimmed away at once.
    out.push(encodeArgv(['XADD', key, 'MAXLEN', '0', idText(makeId(0, 1)), 'x', 'y']));
  }
  out.push(encodeArgv(['XSETID', key, idText(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idText(s.maxDeletedId)]));
  for (const [name, g] of s.sortedGroups()) {
    out.push(encodeArgv(['XGROUP', 'CREATE', key, name, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]));
    for (const consumer of g.sortedConsumers()) {
      if (consumer.pel.size === 0) {
        out.push(encodeArgv(['XGROUP', 'CREATECONSUMER', key, name, consumer.name]));
        continue;
      }
      for (const [id, nack] of consumer.pel.from()) {
        out.push(
          encodeArgv(['XCLAIM', key, name, consumer.name, '0', idText(id), 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE']),
        );
      }
    }
  }
}

/** The commands that rebuild one key (and its time to live, an absolute unix time in ms). */
export function rewriteKey(out: string[], key: string, v: Value, expire: number | bigint | undefined): void {
  rewriteValue(out, key, v);
  if (expire !== undefined) out.push(encodeArgv(['PEXPIREAT', key, String(expire)]));
}

/** What opens a database's commands. */
export function rewriteDbHeader(id: number): string {
  return encodeArgv(['SELECT', String(id)]);
}

/** One FUNCTION LOAD per library, ahead of the keys (rewriteFunctions in Redis's aof.c). */
export function rewriteFunctions(out: string[], server: Server): void {
  const libraries = scriptingIfUsed(server)?.functions.libraries.values() ?? [];
  for (const lib of libraries) out.push(encodeArgv(['FUNCTION', 'LOAD', lib.payload]));
}

/** The #TS annotation that opens a base file when aof-timestamp-enabled is set. */
export function rewriteTimestamp(server: Server): string {
  return `#TS:${Math.floor(server.clock.now() / 1000)}\r\n`;
}

/** The whole dataset as commands, with a #TS annotation first when timestamps is set. */
export function rewriteAsCommands(server: Server, timestamps: boolean): Buffer {
  const out: string[] = [];
  if (timestamps) out.push(rewriteTimestamp(server));
  rewriteFunctions(out, server);
  for (const db of server.dbs) {
    if (db.dict.size === 0) continue;
    out.push(rewriteDbHeader(db.id));
    for (const [key, v] of db.dict) rewriteKey(out, key, v, db.getExpireExact(key));
  }
  return Buffer.from(out.join(''), 'latin1');
}
