// Stream commands (Redis 7.0's t_stream.c): XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD XSETID,
// and consumer groups: XGROUP XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO. The structure is
// types/stream.ts; here are the argument rules, the replies and the side effects: keyspace
// events, and what propagates (XADD with the ID it made and exact trimming, XREADGROUP and
// XAUTOCLAIM as XCLAIM … plus XGROUP SETID / CREATECONSUMER, as Redis states them).
//
// XREAD/XREADGROUP BLOCK wait through keyspace/blocking.ts: the command runs again when a key
// it waits on changes and its ready test passes. "$" is resolved when the client blocks (the
// arguments it runs again with carry the ID), as Redis 7.2 does.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_NO_SUCH_KEY, ERR_SYNTAX, ERR_WRONGTYPE, errSubcommandSyntax, errWrongArgs } from '../server/errors.js';
import { NOTIFY, notifyKeyspaceEvent } from '../keyspace/notify.js';
import { BLOCKED_STREAM } from '../keyspace/blocking.js';
import { isRerun } from '../server/dispatch.js';
import {
  ConsumerGroup,
  ENTRIES_READ_INVALID,
  ID_MAX,
  ID_MIN,
  STREAM_LISTPACK_MAX_SIZE,
  StreamConsumer,
  StreamNack,
  StreamValue,
  type EntryRef,
  type StreamNode,
  idDecr,
  idIncr,
  idText,
  parseId,
  parsedSeqGiven,
  type StreamId,
} from '../types/stream.js';
import type { Value } from '../types/value.js';
import { readAs, writeAs, valueAs } from './lookup.js';
import { integerArg, rangeArg, timeoutArg } from './args.js';
import { replyHelp } from './help.js';
import { cString, optionWord } from '../util/cstring.js';

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ERR_START_INTERVAL = 'ERR invalid start ID for the interval';
const ERR_END_INTERVAL = 'ERR invalid end ID for the interval';
const ERR_ID_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
const ERR_ID_EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';
const ERR_ID_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const ERR_TOO_LARGE = 'ERR Elements are too large to be stored';
const MAX_SEQ = '\xff\xff\xff\xff\xff\xff\xff\xff';
const ERR_MAXLEN_AND_MINID = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
const ERR_KEY_REQUIRED =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

/** The XREAD COUNT a blocked reader is served with when it gave none (Redis 7.0). */
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

// ---- Shared helpers ---------------------------------------------------------------------------

/** An ID argument (streamParseIDOrReply / the strict form); null after replying. */
function idArg(c: Client, arg: string, maxSeq: boolean, strict: boolean): StreamId | null {
  const id = parseId(arg, maxSeq, strict);
  if (id === null) c.error(ERR_INVALID_ID);
  return id;
}

/**
 * A range bound (streamParseIntervalIDOrReply): "(" makes it exclusive (then the strict form),
 * and the bound moves one ID inwards. null after replying.
 */
function intervalArg(c: Client, arg: string, isEnd: boolean): StreamId | null {
  const exclusive = arg.length > 1 && arg.charCodeAt(0) === 40;
  const id = exclusive ? parseId(arg.slice(1), isEnd, true) : parseId(arg, isEnd, false);
  if (id === null) {
    c.error(ERR_INVALID_ID);
    return null;
  }
  if (!exclusive) return id;
  const moved = isEnd ? idDecr(id) : idIncr(id);
  if (moved === null) c.error(isEnd ? ERR_END_INTERVAL : ERR_START_INTERVAL);
  return moved;
}

// (Errors that name a key or group print it as C's %s does: up to a NUL byte.)

/** Entry i of a node as Redis replies it: [id, [field, value, ...]]. */
function replyEntry(c: Client, id: StreamId, node: StreamNode, i: number): void {
  c.arrayLen(2);
  c.bulk(idText(id));
  const start = node.entryStart(i);
  const end = node.entryEnd(i);
  if (!node.isSame(i)) {
    c.arrayLen(end - start);
    for (let j = start; j < end; j++) c.bulk(node.str(j));
    return;
  }
  const m = node.masterFields;
  c.arrayLen(m.length * 2);
  for (let k = 0; k < m.length; k++) {
    c.bulk(m[k]);
    c.bulk(node.str(start + k));
  }
}

/**
 * A stream event for a change Redis makes without signalModifiedKey (group and PEL changes):
 * the keyspace event and dirty, but no WATCH or tracking invalidation. ready: clients blocked
 * on the key look again (XGROUP DESTROY wakes XREADGROUP readers with -NOGROUP).
 */
function groupEvent(c: Client, key: string, event: string, ready = false): void {
  const server = c.server;
  server.dirty++;
  notifyKeyspaceEvent(server, NOTIFY.STREAM, event, key, c.db.id);
  if (ready && server.blocking.waitedKeys !== 0) server.blocking.signal(c.db, key);
}

/** PEL changes count as dirty without an event (XACK, XCLAIM), as Redis's server.dirty++. */
function addDirty(c: Client, n = 1): void {
  c.server.dirty += n;
}

// ---- XADD, XTRIM ------------------------------------------------------------------------------

const TRIM_NONE = 0;
const TRIM_MAXLEN = 1;
const TRIM_MINID = 2;

interface AddTrimArgs {
  strategy: number;
  approx: boolean;
  limit: number;
  maxlen: number;
  minid: StreamId;
  /** Index in argv of the MAXLEN/MINID value (its "~" or "=" is before it). */
  strategyArg: number;
  /** XADD */
  id: StreamId;
  idGiven: boolean;
  seqGiven: boolean;
  noMkstream: boolean;
  /** Index of the ID argument (XADD). */
  idPos: number;
}

/**
 * The one AddTrimArgs that parseAddTrim fills, rather than a new object for every XADD: no
 * command reads it after another one's parse (nothing runs in between within XADD or XTRIM).
 */
const parsedAddTrim: AddTrimArgs = {
  strategy: TRIM_NONE,
  approx: false,
  limit: 0,
  maxlen: 0,
  minid: ID_MIN,
  strategyArg: 0,
  id: ID_MIN,
  idGiven: false,
  seqGiven: true,
  noMkstream: false,
  idPos: 0,
};

/** streamParseAddOrTrimArgsOrReply (into parsedAddTrim, returned); null after replying. */
function parseAddTrim(c: Client, argv: string[], xadd: boolean): AddTrimArgs | null {
  const a = parsedAddTrim;
  a.strategy = TRIM_NONE;
  a.approx = false;
  a.limit = 0;
  a.maxlen = 0;
  a.minid = ID_MIN;
  a.strategyArg = 0;
  a.id = ID_MIN;
  a.idGiven = false;
  a.seqGiven = true;
  a.noMkstream = false;
  a.idPos = 0;
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = cString(argv[i]);
    const word = opt.toLowerCase();
    if (xadd && opt === '*') break;
    if ((word === 'maxlen' || word === 'minid') && more) {
      if (a.strategy !== TRIM_NONE) {
        c.error(ERR_MAXLEN_AND_MINID);
        return null;
      }
      a.approx = false;
      const next = cString(argv[i + 1]);
      if (more >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      if (word === 'maxlen') {
        const n = integerArg(c, argv[i + 1]);
        if (n === null) return null;
        if (n < 0) {
          c.error('ERR The MAXLEN argument must be >= 0.');
          return null;
        }
        a.maxlen = n;
        a.strategy = TRIM_MAXLEN;
      } else {
        const id = idArg(c, argv[i + 1], false, true);
        if (id === null) return null;
        a.minid = id;
        a.strategy = TRIM_MINID;
      }
      i++;
      a.strategyArg = i;
    } else if (word === 'limit' && more) {
      const n = integerArg(c, argv[i + 1]);
      if (n === null) return null;
      if (n < 0) {
        c.error('ERR The LIMIT argument must be >= 0.');
        return null;
      }
      a.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && word === 'nomkstream') {
      a.noMkstream = true;
    } else if (xadd) {
      const id = parseId(argv[i], false, true, true);
      if (id === null) {
        c.error(ERR_INVALID_ID);
        return null;
      }
      a.id = id;
      a.seqGiven = parsedSeqGiven;
      a.idGiven = true;
      break;
    } else {
      c.error(ERR_SYNTAX);
      return null;
    }
  }
  a.idPos = i;
  if (a.limit && a.strategy === TRIM_NONE) {
    c.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return null;
  }
  if (!xadd && a.strategy === TRIM_NONE) {
    c.error('ERR syntax error, XTRIM must be called with a trimming strategy');
    return null;
  }
  if (c.mustObey) {
    // The trim was made exact when it first ran (rewriteApproxTrim): no limit on its work.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) {
      c.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return null;
    }
  } else if (a.approx) {
    // At most 100 nodes' worth of work, capped both ways.
    let limit = 100 * c.server.config.num('stream-node-max-entries');
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    a.limit = limit;
  } else {
    a.limit = 0;
  }
  return a;
}

/** Trims as the arguments say; returns how many entries went. */
function trimBy(s: StreamValue, a: AddTrimArgs): number {
  if (a.strategy === TRIM_NONE) return 0;
  return s.trim(a.strategy === TRIM_MAXLEN ? a.maxlen : -1, a.strategy === TRIM_MINID ? a.minid : null, a.approx, a.limit);
}

/**
 * After `~` trimming, what propagates is the exact trim it came to (streamRewriteTrimArgument):
 * "=" and the length left, or the first ID left (tombstones included).
 */
function rewriteApproxTrim(argv: string[], s: StreamValue, a: AddTrimArgs): void {
  argv[a.strategyArg - 1] = '=';
  argv[a.strategyArg] = a.strategy === TRIM_MAXLEN ? String(s.length) : idText(s.firstIdWithTombstones());
}

function xadd(c: Client, argv: string[]): void {
  const a = parseAddTrim(c, argv, true);
  if (a === null) return;
  const fieldPos = a.idPos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) {
    c.error(errWrongArgs('xadd'));
    return;
  }
  if (a.idGiven && a.seqGiven && a.id === ID_MIN) {
    c.error(ERR_ID_ZERO);
    return;
  }
  const key = argv[1];
  const db = c.db;
  let s = writeAs(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) {
    if (a.noMkstream) {
      c.nullBulk();
      return;
    }
    s = new StreamValue();
    db.set(key, s);
  }
  if (s.lastId === ID_MAX) {
    c.error(ERR_ID_EXHAUSTED);
    return;
  }
  let id: StreamId | null;
  if (!a.idGiven) {
    id = s.nextId(Math.floor(c.server.now()));
  } else if (a.seqGiven) {
    id = a.id;
  } else if (s.lastId.slice(0, 8) === a.id.slice(0, 8)) {
    // "ms-*" within the last ID's millisecond: the next sequence. When none is left, Redis's
    // streamAppendItem fails without setting errno, and XADD then reports the other error.
    if (s.lastId.endsWith(MAX_SEQ)) {
      c.error(ERR_TOO_LARGE);
      return;
    }
    id = idIncr(s.lastId);
  } else {
    id = a.id;
  }
  if (id === null || id <= s.lastId) {
    c.error(ERR_ID_SMALL);
    return;
  }
  let total = 0;
  for (let i = fieldPos; i < argv.length; i++) total += argv[i].length;
  if (total > STREAM_LISTPACK_MAX_SIZE) {
    c.error(ERR_TOO_LARGE);
    return;
  }
  const server = c.server;
  const config = server.config;
  s.append(id, argv, config.num('stream-node-max-bytes'), config.num('stream-node-max-entries'), fieldPos);
  const text = idText(id);
  c.bulk(text);
  db.changed(key, NOTIFY.STREAM, 'xadd');
  // What propagates is restated only when something reads it (the copy of argv is per call).
  const propagating = server.propagationWanted();
  let rewritten: string[] | null = null;
  if (a.strategy !== TRIM_NONE) {
    if (trimBy(s, a)) notifyKeyspaceEvent(server, NOTIFY.STREAM, 'xtrim', key, db.id);
    if (a.approx && propagating) {
      rewritten = argv.slice();
      rewriteApproxTrim(rewritten, s, a);
    }
  }
  // The ID made here propagates as given, so replicas add the same one.
  if ((!a.idGiven || !a.seqGiven) && propagating) {
    rewritten ??= argv.slice();
    rewritten[a.idPos] = text;
  }
  if (rewritten !== null) c.rewriteArgv(rewritten);
}

function xtrim(c: Client, argv: string[]): void {
  const a = parseAddTrim(c, argv, false);
  if (a === null) return;
  const key = argv[1];
  const s = writeAs(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) {
    c.integer(0);
    return;
  }
  const deleted = trimBy(s, a);
  if (deleted) {
    if (a.approx) {
      const rewritten = argv.slice();
      rewriteApproxTrim(rewritten, s, a);
      c.rewriteArgv(rewritten);
    }
    c.db.changed(key, NOTIFY.STREAM, 'xtrim', deleted);
  }
  c.integer(deleted);
}

// ---- XLEN, XRANGE, XREVRANGE, XDEL, XSETID --------------------------------------------------

function xlen(c: Client, argv: string[]): void {
  const s = readAs(c, argv[1], StreamValue);
  if (s === null) return;
  c.integer(s === undefined ? 0 : s.length);
}

function xrangeCommand(rev: boolean) {
  return (c: Client, argv: string[]): void => {
    const start = intervalArg(c, rev ? argv[3] : argv[2], false);
    if (start === null) return;
    const end = intervalArg(c, rev ? argv[2] : argv[3], true);
    if (end === null) return;
    let count = -1;
    for (let j = 4; j < argv.length; j++) {
      if (optionWord(argv[j]) === 'count' && argv.length - j - 1 >= 1) {
        const n = integerArg(c, argv[j + 1]);
        if (n === null) return;
        count = n < 0 ? 0 : n;
        j++;
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    const s = readAs(c, argv[1], StreamValue);
    if (s === null) return;
    if (s === undefined) {
      c.arrayLen(0);
      return;
    }
    if (count === 0) {
      c.nullArray();
      return;
    }
    replyRange(c, s, start, end, count === -1 ? 0 : count, rev);
  };
}

/** The entries in [start, end] as an array (count 0: all). */
function replyRange(c: Client, s: StreamValue, start: StreamId, end: StreamId, count: number, rev: boolean): number {
  const mark = c.deferLen();
  const n = s.range(start, end, count, rev, (id, node, i) => replyEntry(c, id, node, i));
  c.setDeferredArrayLen(mark, n);
  return n;
}

function xdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = writeAs(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) {
    c.integer(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = idArg(c, argv[j], false, true);
    if (id === null) return;
    ids.push(id);
  }
  const deleted = s.deleteIds(ids);
  if (deleted) c.db.changed(key, NOTIFY.STREAM, 'xdel', deleted);
  c.integer(deleted);
}

function xsetid(c: Client, argv: string[]): void {
  const id = idArg(c, argv[2], false, true);
  if (id === null) return;
  let entriesAdded = -1;
  let maxDeleted = ID_MIN;
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i;
    const opt = optionWord(argv[i]);
    if (opt === 'entriesadded' && more) {
      const n = integerArg(c, argv[i + 1]);
      if (n === null) return;
      if (n < 0) {
        c.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = n;
    } else if (opt === 'maxdeletedid' && more) {
      const m = idArg(c, argv[i + 1], false, true);
      if (m === null) return;
      if (id < m) {
        c.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
      maxDeleted = m;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const key = argv[1];
  const s = writeAs(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (s.length > 0) {
    if (id < s.lastValidId()) {
      c.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      c.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted !== ID_MIN) s.maxDeletedId = maxDeleted;
  c.ok();
  groupEvent(c, key, 'xsetid');
}

// ---- XREAD, XREADGROUP ------------------------------------------------------------------------

/** XCLAIM <key> <group> <consumer> 0 <id> TIME <t> RETRYCOUNT <n> FORCE JUSTID LASTID <last>. */
function propagateClaim(c: Client, key: string, g: ConsumerGroup, group: string, idArgText: string, nack: StreamNack): void {
  // (Nothing reads the stream until a replica attaches: the XCLAIM is not even built.)
  if (!c.server.replication.active) return;
  c.server.alsoPropagate(c.db.id, [
    'XCLAIM', key, group, nack.consumer!.name, '0', idArgText,
    'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount),
    'FORCE', 'JUSTID', 'LASTID', idText(g.lastId),
  ]);
}

/** XGROUP SETID <key> <group> <last-id> ENTRIESREAD <n> */
function propagateGroupId(c: Client, key: string, g: ConsumerGroup, group: string): void {
  c.server.alsoPropagate(c.db.id, ['XGROUP', 'SETID', key, group, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** A consumer (streamLookupConsumer, refreshing its seen time) or a new one (with its event). */
function lookupOrCreateConsumer(c: Client, key: string, g: ConsumerGroup, name: string): [StreamConsumer, boolean] {
  const now = Math.floor(c.server.now());
  let consumer = g.consumers.get(name);
  if (consumer !== undefined) {
    consumer.seenTime = now;
    return [consumer, false];
  }
  consumer = new StreamConsumer(name, now);
  g.consumers.set(name, consumer);
  groupEvent(c, key, 'xgroup-createconsumer');
  return [consumer, true];
}

/**
 * streamReplyWithRange for a group: the new entries after start (count 0: all), each moving the
 * group's last ID, and (unless noack) entering the PELs, each propagated as XCLAIM.
 */
function deliverNew(c: Client, s: StreamValue, key: string, groupName: string, g: ConsumerGroup, consumer: StreamConsumer, start: StreamId, count: number, noack: boolean): void {
  const mark = c.deferLen();
  let moved = false;
  const now = Math.floor(c.server.now());
  const n = s.range(start, ID_MAX, count, false, (id, node, i) => {
    if (id > g.lastId) {
      s.advanceGroup(g, id);
      if (noack) moved = true;
    }
    replyEntry(c, id, node, i);
    if (noack) return;
    consumer.activeTime = now;
    let nack = g.pel.get(id);
    if (nack === undefined) {
      nack = new StreamNack(consumer, now, 1);
      g.pel.set(id, nack);
      consumer.pel.set(id, nack);
    } else {
      // Delivered before (the group's ID was set back): the entry changes hands.
      nack.consumer!.pel.delete(id);
      nack.consumer = consumer;
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
      consumer.pel.set(id, nack);
    }
    propagateClaim(c, key, g, groupName, idText(id), nack);
  });
  if (moved) propagateGroupId(c, key, g, groupName);
  c.setDeferredArrayLen(mark, n);
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from start. */
function deliverHistory(c: Client, s: StreamValue, consumer: StreamConsumer, start: StreamId, count: number): void {
  const mark = c.deferLen();
  let n = 0;
  const now = Math.floor(c.server.now());
  for (const [id, nack] of consumer.pel.from(start)) {
    if (count !== 0 && n >= count) break;
    const ref = s.get(id);
    if (ref === null) {
      // Pending but gone from the stream: the ID with a null entry.
      c.arrayLen(2);
      c.bulk(idText(id));
      c.nullArray();
    } else {
      replyEntry(c, id, ref.node, ref.index);
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
    n++;
  }
  c.setDeferredArrayLen(mark, n);
}

/** XREAD and XREADGROUP (xreadCommand). */
function xreadCommand(group: boolean) {
  return (c: Client, argv: string[]): void => {
    let block = false;
    let timeout = 0;
    let count = 0;
    let streamsArg = 0;
    let streamsCount = 0;
    let noack = false;
    let groupName: string | null = null;
    let consumerName = '';
    for (let i = 1; i < argv.length; i++) {
      const more = argv.length - i - 1;
      const o = optionWord(argv[i]);
      if (o === 'block' && more) {
        // A script may not even ask (Redis keeps this error for scripts, apart from MULTI's rule).
        if (c.scriptClient) {
          c.error(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
          return;
        }
        i++;
        const t = timeoutArg(c, argv[i], 'milliseconds');
        if (t === null) return;
        block = true;
        timeout = t;
      } else if (o === 'count' && more) {
        i++;
        const n = integerArg(c, argv[i]);
        if (n === null) return;
        count = n < 0 ? 0 : n;
      } else if (o === 'streams' && more) {
        streamsArg = i + 1;
        streamsCount = argv.length - streamsArg;
        if (streamsCount % 2 !== 0) {
          c.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
          return;
        }
        streamsCount /= 2;
        break;
      } else if (o === 'group' && more >= 2) {
        if (!group) {
          c.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
          return;
        }
        groupName = argv[i + 1];
        consumerName = argv[i + 2];
        i += 2;
      } else if (o === 'noack') {
        if (!group) {
          c.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
          return;
        }
        noack = true;
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    // What a blocked reader ran again: Redis 7.0 served it with its own rules (below).
    const served = isRerun();
    if (served && count === 0) count = XREAD_BLOCKED_DEFAULT_COUNT;
    if (streamsArg === 0) {
      c.error(ERR_SYNTAX);
      return;
    }
    if (group && groupName === null) {
      c.error('ERR Missing GROUP option for XREADGROUP');
      return;
    }
    // Nothing below propagates as sent: XREADGROUP states its effects as XCLAIM and XGROUP.
    c.preventPropagation();
    const db = c.db;
    const ids: StreamId[] = [];
    const groups: ConsumerGroup[] = [];
    /** Keys read with ">" (XREADGROUP) */
    const fresh: boolean[] = [];
    let dollarAt: number[] | null = null;
    for (let i = streamsArg + streamsCount; i < argv.length; i++) {
      const key = argv[i - streamsCount];
      const v = db.lookupRead(key);
      let s: StreamValue | undefined;
      if (v !== undefined) {
        if (!(v instanceof StreamValue)) {
          if (served && groupName !== null) c.error('UNBLOCKED the stream key no longer exists');
          else c.error(ERR_WRONGTYPE);
          return;
        }
        s = v;
      }
      if (groupName !== null) {
        const g = s?.group(groupName);
        if (g === undefined) {
          if (served) {
            c.error(s === undefined ? 'UNBLOCKED the stream key no longer exists' : 'NOGROUP the consumer group this client was blocked on no longer exists');
          } else {
            c.error(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(groupName)}' in XREADGROUP with GROUP option`);
          }
          return;
        }
        groups.push(g);
      }
      // (Compared as C's strcmp does: up to a NUL byte.)
      const arg = cString(argv[i]);
      if (arg === '$') {
        if (group) {
          c.error(
            'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
          );
          return;
        }
        ids.push(s === undefined ? ID_MIN : s.lastId);
        fresh.push(false);
        (dollarAt ??= []).push(i);
        continue;
      }
      if (arg === '>') {
        if (!group) {
          c.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
          return;
        }
        ids.push(ID_MAX);
        fresh.push(true);
        continue;
      }
      const id = idArg(c, argv[i], false, true);
      if (id === null) return;
      ids.push(id);
      // The largest ID is how Redis marks ">": given explicitly, it reads new entries too.
      fresh.push(group && id === ID_MAX);
    }
    // Serve what can be served now.
    let servedKeys = 0;
    let mark = 0;
    for (let i = 0; i < streamsCount; i++) {
      const key = argv[streamsArg + i];
      const v = db.lookupRead(key);
      if (v === undefined) continue;
      const s = v as StreamValue;
      let gt = ids[i];
      let now = false;
      let history = false;
      if (group) {
        if (!fresh[i]) {
          now = true;
          history = true;
        } else if (s.length !== 0 && s.lastValidId() > groups[i].lastId) {
          now = true;
          gt = groups[i].lastId;
        }
      } else if (s.length !== 0 && s.lastValidId() > gt) {
        now = true;
      }
      if (!now) continue;
      servedKeys++;
      if (servedKeys === 1) mark = c.deferLen();
      const start = idIncr(gt) ?? ID_MIN;
      if (c.resp === 2) c.arrayLen(2);
      c.bulk(key);
      if (group) {
        const g = groups[i];
        const [consumer, created] = lookupOrCreateConsumer(c, key, g, consumerName);
        if (created && noack) c.server.alsoPropagate(db.id, ['XGROUP', 'CREATECONSUMER', key, groupName!, consumerName]);
        if (history) deliverHistory(c, s, consumer, start, count);
        else deliverNew(c, s, key, groupName!, g, consumer, start, count, noack);
        addDirty(c);
      } else {
        replyRange(c, s, start, ID_MAX, count, false);
      }
    }
    if (servedKeys !== 0) {
      if (c.resp === 2) c.setDeferredArrayLen(mark, servedKeys);
      else c.setDeferredMapLen(mark, servedKeys);
      return;
    }
    if (!block) {
      c.nullArray();
      return;
    }
    const blocking = c.server.blocking;
    if (!blocking.canBlock(c)) {
      c.nullArray();
      return;
    }
    // "$" becomes the ID it stood for now, so the reader gets only what comes after.
    let waitArgv = argv;
    if (dollarAt !== null) {
      waitArgv = argv.slice();
      for (let k = 0, d = 0; k < streamsCount; k++) {
        const at = streamsArg + streamsCount + k;
        if (dollarAt[d] === at) {
          waitArgv[at] = idText(ids[k]);
          d++;
        }
      }
    }
    const keys = argv.slice(streamsArg, streamsArg + streamsCount);
    const waitIds = new Map<string, StreamId>();
    for (let k = 0; k < streamsCount; k++) if (!waitIds.has(keys[k])) waitIds.set(keys[k], ids[k]);
    // The tests are those of the path that serves at once, so a reader run again is served.
    const ready = group
      ? (v: Value | undefined): boolean => {
          // A reader in a group wakes when the key or the group is gone (with its error) or
          // the stream has live entries past the group's last ID.
          if (!(v instanceof StreamValue)) return true;
          const g = v.group(groupName!);
          return g === undefined || (v.length !== 0 && v.lastValidId() > g.lastId);
        }
      : (v: Value | undefined, key: string): boolean =>
          v instanceof StreamValue && v.length !== 0 && v.lastValidId() > waitIds.get(key)!;
    blocking.block(c, BLOCKED_STREAM, keys, timeout, waitArgv, ready, group);
  };
}

// ---- XGROUP -----------------------------------------------------------------------------------

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

interface XgroupContext {
  s: StreamValue | undefined;
  g: ConsumerGroup | undefined;
  mkstream: boolean;
  entriesRead: number;
}

/** xgroupCommand's common part: options, the key, the group; null after replying. */
function xgroupPrepare(c: Client, argv: string[]): XgroupContext | null {
  const sub = optionWord(argv[1]);
  const create = sub === 'create';
  const setid = sub === 'setid';
  let mkstream = false;
  let entriesRead = ENTRIES_READ_INVALID;
  for (let i = 5; i < argv.length; ) {
    const opt = optionWord(argv[i]);
    if (create && opt === 'mkstream') {
      mkstream = true;
      i++;
    } else if ((create || setid) && opt === 'entriesread' && i + 1 < argv.length) {
      const n = integerArg(c, argv[i + 1]);
      if (n === null) return null;
      if (n < 0 && n !== ENTRIES_READ_INVALID) {
        c.error('ERR value for ENTRIESREAD must be positive or -1');
        return null;
      }
      entriesRead = n;
      i += 2;
    } else {
      c.error(errSubcommandSyntax(argv[1], argv[0]));
      return null;
    }
  }
  const s = writeAs(c, argv[2], StreamValue);
  if (s === null) return null;
  const g = s?.group(argv[3]);
  if (!mkstream) {
    if (s === undefined) {
      c.error(ERR_KEY_REQUIRED);
      return null;
    }
    if (g === undefined && sub !== 'create' && sub !== 'destroy') {
      c.error(`NOGROUP No such consumer group '${cString(argv[3])}' for key name '${cString(argv[2])}'`);
      return null;
    }
  }
  return { s, g, mkstream, entriesRead };
}

function xgroupCreate(c: Client, argv: string[]): void {
  const x = xgroupPrepare(c, argv);
  if (x === null) return;
  if (argv.length > 8) {
    c.error(errSubcommandSyntax(argv[1], argv[0]));
    return;
  }
  const key = argv[2];
  let s = x.s;
  let id: StreamId | null;
  if (cString(argv[4]) === '$') id = s === undefined ? ID_MIN : s.lastId;
  else id = idArg(c, argv[4], false, true);
  if (id === null) return;
  if (s === undefined) {
    s = new StreamValue();
    c.db.set(key, s);
    c.db.changed(key, 0, '', 0);
  }
  if (s.createGroup(argv[3], id, x.entriesRead) === null) {
    c.error('BUSYGROUP Consumer Group name already exists');
    return;
  }
  c.ok();
  groupEvent(c, key, 'xgroup-create');
}

function xgroupSetid(c: Client, argv: string[]): void {
  const x = xgroupPrepare(c, argv);
  if (x === null) return;
  if (argv.length !== 5 && argv.length !== 7) {
    c.error(errSubcommandSyntax(argv[1], argv[0]));
    return;
  }
  const id = cString(argv[4]) === '$' ? x.s!.lastId : idArg(c, argv[4], false, false);
  if (id === null) return;
  x.g!.lastId = id;
  x.g!.entriesRead = x.entriesRead;
  c.ok();
  groupEvent(c, argv[2], 'xgroup-setid');
}

function xgroupDestroy(c: Client, argv: string[]): void {
  const x = xgroupPrepare(c, argv);
  if (x === null) return;
  if (x.g === undefined) {
    c.integer(0);
    return;
  }
  x.s!.groups!.delete(argv[3]);
  c.integer(1);
  groupEvent(c, argv[2], 'xgroup-destroy', true);
}

function xgroupCreateConsumer(c: Client, argv: string[]): void {
  const x = xgroupPrepare(c, argv);
  if (x === null) return;
  const g = x.g!;
  if (g.consumers.has(argv[4])) {
    c.integer(0);
    return;
  }
  g.consumers.set(argv[4], new StreamConsumer(argv[4], Math.floor(c.server.now())));
  c.integer(1);
  groupEvent(c, argv[2], 'xgroup-createconsumer');
}

function xgroupDelConsumer(c: Client, argv: string[]): void {
  const x = xgroupPrepare(c, argv);
  if (x === null) return;
  const g = x.g!;
  const consumer = g.consumers.get(argv[4]);
  if (consumer === undefined) {
    c.integer(0);
    return;
  }
  const pending = consumer.pel.size;
  g.deleteConsumer(consumer);
  c.integer(pending);
  groupEvent(c, argv[2], 'xgroup-delconsumer');
}

// ---- XACK, XPENDING, XCLAIM, XAUTOCLAIM -------------------------------------------------------

/** The stream and group of a group command (a read lookup); undefined when either is missing. */
function streamGroup(c: Client, key: string, group: string): [StreamValue, ConsumerGroup] | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  const s = valueAs(c, v, StreamValue);
  if (s === null) return null;
  const g = s.group(group);
  return g === undefined ? undefined : [s, g];
}

function xack(c: Client, argv: string[]): void {
  const found = streamGroup(c, argv[1], argv[2]);
  if (found === null) return;
  if (found === undefined) {
    c.integer(0);
    return;
  }
  const g = found[1];
  const ids: StreamId[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = idArg(c, argv[j], false, true);
    if (id === null) return;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    g.pel.delete(id);
    nack.consumer?.pel.delete(id);
    acked++;
  }
  addDirty(c, acked);
  c.integer(acked);
}

function xpending(c: Client, argv: string[]): void {
  const argc = argv.length;
  const justinfo = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) {
    c.error(ERR_SYNTAX);
    return;
  }
  let minIdle = 0;
  let count = 0;
  let start = ID_MIN;
  let end = ID_MAX;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let at = 3;
    if (optionWord(argv[3]) === 'idle') {
      const n = integerArg(c, argv[4]);
      if (n === null) return;
      minIdle = n;
      if (argc < 8) {
        c.error(ERR_SYNTAX);
        return;
      }
      at += 2;
    }
    const n = integerArg(c, argv[at + 2]);
    if (n === null) return;
    count = n < 0 ? 0 : n;
    const s0 = intervalArg(c, argv[at], false);
    if (s0 === null) return;
    const e0 = intervalArg(c, argv[at + 1], true);
    if (e0 === null) return;
    start = s0;
    end = e0;
    if (at + 3 < argc) consumerName = argv[at + 3];
  }
  const found = streamGroup(c, argv[1], argv[2]);
  if (found === null) return;
  if (found === undefined) {
    c.error(`NOGROUP No such key '${cString(argv[1])}' or consumer group '${cString(argv[2])}'`);
    return;
  }
  const g = found[1];
  if (justinfo) {
    c.arrayLen(4);
    c.integer(g.pel.size);
    if (g.pel.size === 0) {
      c.nullBulk();
      c.nullBulk();
      c.nullArray();
      return;
    }
    c.bulk(idText(g.pel.first()!));
    c.bulk(idText(g.pel.last()!));
    const mark = c.deferLen();
    let n = 0;
    for (const consumer of g.sortedConsumers()) {
      if (consumer.pel.size === 0) continue;
      c.arrayLen(2);
      c.bulk(consumer.name);
      c.bulk(String(consumer.pel.size));
      n++;
    }
    c.setDeferredArrayLen(mark, n);
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const consumer = g.consumers.get(consumerName);
    if (consumer === undefined) {
      c.arrayLen(0);
      return;
    }
    pel = consumer.pel;
  }
  const now = Math.floor(c.server.now());
  const mark = c.deferLen();
  let n = 0;
  if (count > 0) {
    for (const [id, nack] of pel.from(start)) {
      if (id > end) break;
      if (minIdle && now - nack.deliveryTime < minIdle) continue;
      n++;
      c.arrayLen(4);
      c.bulk(idText(id));
      c.bulk(nack.consumer!.name);
      c.integer(Math.max(0, now - nack.deliveryTime));
      c.integer(nack.deliveryCount);
      if (--count === 0) break;
    }
  }
  c.setDeferredArrayLen(mark, n);
}

function noGroup(c: Client, key: string, group: string): void {
  c.error(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(group)}'`);
}

function xclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const found = streamGroup(c, key, argv[2]);
  if (found === null) return;
  if (found === undefined) {
    noGroup(c, key, argv[2]);
    return;
  }
  const [s, g] = found;
  const minIdleArg = integerArg(c, argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdleArg === null) return;
  const minIdle = minIdleArg < 0 ? 0 : minIdleArg;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseId(argv[j], false, true);
    if (id === null) break;
    ids.push(id);
  }
  const lastIdArg = j - 1;
  const now = Math.floor(c.server.now());
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justid = false;
  let lastId = ID_MIN;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = optionWord(argv[j]);
    if (opt === 'force') force = true;
    else if (opt === 'justid') justid = true;
    else if (opt === 'idle' && more) {
      const n = integerArg(c, argv[++j], 'ERR Invalid IDLE option argument for XCLAIM');
      if (n === null) return;
      deliveryTime = now - n;
    } else if (opt === 'time' && more) {
      const n = integerArg(c, argv[++j], 'ERR Invalid TIME option argument for XCLAIM');
      if (n === null) return;
      deliveryTime = n;
    } else if (opt === 'retrycount' && more) {
      const n = integerArg(c, argv[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (n === null) return;
      retryCount = n;
    } else if (opt === 'lastid' && more) {
      const id = idArg(c, argv[++j], false, true);
      if (id === null) return;
      lastId = id;
    } else {
      c.error(`ERR Unrecognized XCLAIM option '${cString(argv[j])}'`);
      return;
    }
  }
  let propagateLastId = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else {
    deliveryTime = now;
  }
  c.preventPropagation();
  let consumer: StreamConsumer | null = null;
  const mark = c.deferLen();
  let n = 0;
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5];
    let nack = g.pel.get(id);
    const ref = s.get(id);
    if (ref === null) {
      // Gone from the stream: its pending entry goes too.
      if (nack !== undefined) {
        propagateClaim(c, key, g, argv[2], argv[k], nack);
        propagateLastId = false;
        addDirty(c);
        g.pel.delete(id);
        nack.consumer?.pel.delete(id);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new StreamNack(null, now, 1);
      g.pel.set(id, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle && now - nack.deliveryTime < minIdle) continue;
    if (consumer === null) consumer = lookupOrCreateConsumer(c, key, g, argv[3])[0];
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id);
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justid) nack.deliveryCount++;
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack);
      nack.consumer = consumer;
    }
    if (justid) c.bulk(idText(id));
    else replyEntry(c, id, ref.node, ref.index);
    n++;
    consumer.activeTime = now;
    propagateClaim(c, key, g, argv[2], argv[k], nack);
    propagateLastId = false;
    addDirty(c);
  }
  if (propagateLastId) {
    propagateGroupId(c, key, g, argv[2]);
    addDirty(c);
  }
  c.setDeferredArrayLen(mark, n);
}

/** LONG_MAX / max(sizeof(streamID), attempts factor): XAUTOCLAIM's COUNT bound. */
const XAUTOCLAIM_MAX_COUNT = 576460752303423487;

function xautoclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  // Looked up before the arguments are read (a hit or miss counts even when they are wrong).
  const v = c.db.lookupRead(key);
  const minIdleArg = integerArg(c, argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdleArg === null) return;
  const minIdle = minIdleArg < 0 ? 0 : minIdleArg;
  const start = intervalArg(c, argv[5], false);
  if (start === null) return;
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = optionWord(argv[j]);
    if (opt === 'count' && more) {
      const n = rangeArg(c, argv[j + 1], 1, XAUTOCLAIM_MAX_COUNT, 'ERR COUNT must be > 0');
      if (n === null) return;
      count = n;
      j++;
    } else if (opt === 'justid') {
      justid = true;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const s = v === undefined ? undefined : valueAs(c, v, StreamValue);
  if (s === null) return;
  const g = s?.group(argv[2]);
  if (s === undefined || g === undefined) {
    noGroup(c, key, argv[2]);
    return;
  }
  c.preventPropagation();
  let attempts = count * 10;
  const now = Math.floor(c.server.now());
  let consumer: StreamConsumer | null = null;
  const deletedIds: StreamId[] = [];
  // The reply starts with the cursor, known only at the end: the claims are gathered first.
  const claimed: Array<[StreamId, EntryRef | null]> = [];
  const it = g.pel.from(start);
  let step = it.next();
  while (attempts-- && count && !step.done) {
    const [id, nack] = step.value;
    const ref = s.get(id);
    if (ref === null) {
      // Gone from the stream: its pending entry goes, and the reply names it.
      propagateClaim(c, key, g, argv[2], idText(id), nack);
      addDirty(c);
      g.pel.delete(id);
      nack.consumer?.pel.delete(id);
      deletedIds.push(id);
      count--;
      step = it.next();
      continue;
    }
    if (minIdle && now - nack.deliveryTime < minIdle) {
      step = it.next();
      continue;
    }
    if (consumer === null) consumer = lookupOrCreateConsumer(c, key, g, argv[3])[0];
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack);
      nack.consumer = consumer;
    }
    claimed.push([id, justid ? null : ref]);
    consumer.activeTime = now;
    count--;
    propagateClaim(c, key, g, argv[2], idText(id), nack);
    addDirty(c);
    step = it.next();
  }
  // The cursor for the next call: the first entry not looked at (0-0 after the last).
  c.arrayLen(3);
  c.bulk(step.done ? '0-0' : idText(step.value[0]));
  c.arrayLen(claimed.length);
  for (const [id, ref] of claimed) {
    if (ref === null) c.bulk(idText(id));
    else replyEntry(c, id, ref.node, ref.index);
  }
  c.arrayLen(deletedIds.length);
  for (const id of deletedIds) c.bulk(idText(id));
}

// ---- XINFO ------------------------------------------------------------------------------------

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function lagReply(c: Client, s: StreamValue, g: ConsumerGroup): void {
  const lag = s.lag(g);
  if (lag === null) c.nullBulk();
  else c.integer(lag);
}

function entriesReadReply(c: Client, g: ConsumerGroup): void {
  if (g.entriesRead !== ENTRIES_READ_INVALID) c.integer(g.entriesRead);
  else c.nullBulk();
}

function xinfoStreamOf(c: Client, argv: string[]): StreamValue | null {
  const s = readAs(c, argv[2], StreamValue);
  if (s === null) return null;
  if (s === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return null;
  }
  return s;
}

function xinfoConsumers(c: Client, argv: string[]): void {
  const s = xinfoStreamOf(c, argv);
  if (s === null) return;
  const g = s.group(argv[3]);
  if (g === undefined) {
    c.error(`NOGROUP No such consumer group '${cString(argv[3])}' for key name '${cString(argv[2])}'`);
    return;
  }
  const consumers = g.sortedConsumers();
  const now = Math.floor(c.server.now());
  c.arrayLen(consumers.length);
  for (const consumer of consumers) {
    c.mapLen(4);
    c.bulk('name');
    c.bulk(consumer.name);
    c.bulk('pending');
    c.integer(consumer.pel.size);
    c.bulk('idle');
    c.integer(Math.max(0, now - consumer.seenTime));
    // Redis 7.2's field: since the consumer last got an entry, -1 if it never did.
    c.bulk('inactive');
    c.integer(consumer.activeTime === -1 ? -1 : now - consumer.activeTime);
  }
}

function xinfoGroups(c: Client, argv: string[]): void {
  const s = xinfoStreamOf(c, argv);
  if (s === null) return;
  const groups = s.sortedGroups();
  c.arrayLen(groups.length);
  for (const [name, g] of groups) {
    c.mapLen(6);
    c.bulk('name');
    c.bulk(name);
    c.bulk('consumers');
    c.integer(g.consumers.size);
    c.bulk('pending');
    c.integer(g.pel.size);
    c.bulk('last-delivered-id');
    c.bulk(idText(g.lastId));
    c.bulk('entries-read');
    entriesReadReply(c, g);
    c.bulk('lag');
    lagReply(c, s, g);
  }
}

function xinfoStream(c: Client, argv: string[]): void {
  // The options are checked after the key, as Redis does.
  const s = xinfoStreamOf(c, argv);
  if (s === null) return;
  let full = false;
  let count = 10;
  const optc = argv.length - 3;
  if (optc !== 0) {
    if ((optc !== 1 && optc !== 3) || optionWord(argv[3]) !== 'full') {
      c.error(errSubcommandSyntax(argv[1], argv[0]));
      return;
    }
    if (optc === 3) {
      if (optionWord(argv[4]) !== 'count') {
        c.error(errSubcommandSyntax(argv[1], argv[0]));
        return;
      }
      const n = integerArg(c, argv[5]);
      if (n === null) return;
      count = n < 0 ? 10 : n;
    }
    full = true;
  }
  c.mapLen(full ? 9 : 10);
  c.bulk('length');
  c.integer(s.length);
  c.bulk('radix-tree-keys');
  c.integer(s.nodes.length);
  c.bulk('radix-tree-nodes');
  c.integer(s.raxNodes());
  c.bulk('last-generated-id');
  c.bulk(idText(s.lastId));
  c.bulk('max-deleted-entry-id');
  c.bulk(idText(s.maxDeletedId));
  c.bulk('entries-added');
  c.integer(s.entriesAdded);
  c.bulk('recorded-first-entry-id');
  c.bulk(idText(s.firstId));
  if (!full) {
    c.bulk('groups');
    c.integer(s.groups === null ? 0 : s.groups.size);
    for (const first of [true, false]) {
      c.bulk(first ? 'first-entry' : 'last-entry');
      const n = s.range(ID_MIN, ID_MAX, 1, !first, (id, node, i) => replyEntry(c, id, node, i));
      if (n === 0) c.nullBulk();
    }
    return;
  }
  c.bulk('entries');
  replyRange(c, s, ID_MIN, ID_MAX, count, false);
  c.bulk('groups');
  const groups = s.sortedGroups();
  c.arrayLen(groups.length);
  for (const [name, g] of groups) {
    c.mapLen(7);
    c.bulk('name');
    c.bulk(name);
    c.bulk('last-delivered-id');
    c.bulk(idText(g.lastId));
    c.bulk('entries-read');
    entriesReadReply(c, g);
    c.bulk('lag');
    lagReply(c, s, g);
    c.bulk('pel-count');
    c.integer(g.pel.size);
    c.bulk('pending');
    let mark = c.deferLen();
    let n = 0;
    for (const [id, nack] of g.pel.from()) {
      if (count && n >= count) break;
      c.arrayLen(4);
      c.bulk(idText(id));
      c.bulk(nack.consumer!.name);
      c.integer(nack.deliveryTime);
      c.integer(nack.deliveryCount);
      n++;
    }
    c.setDeferredArrayLen(mark, n);
    c.bulk('consumers');
    const consumers = g.sortedConsumers();
    c.arrayLen(consumers.length);
    for (const consumer of consumers) {
      c.mapLen(5);
      c.bulk('name');
      c.bulk(consumer.name);
      c.bulk('seen-time');
      c.integer(consumer.seenTime);
      c.bulk('active-time');
      c.integer(consumer.activeTime);
      c.bulk('pel-count');
      c.integer(consumer.pel.size);
      c.bulk('pending');
      mark = c.deferLen();
      n = 0;
      for (const [id, nack] of consumer.pel.from()) {
        if (count && n >= count) break;
        c.arrayLen(3);
        c.bulk(idText(id));
        c.integer(nack.deliveryTime);
        c.integer(nack.deliveryCount);
        n++;
      }
      c.setDeferredArrayLen(mark, n);
    }
  }
}

// ---------------------------------------------------------------------------------------------

export const streamCommands: CommandSpec[] = [
  { name: 'xadd', handler: xadd },
  { name: 'xlen', handler: xlen },
  { name: 'xrange', handler: xrangeCommand(false) },
  { name: 'xrevrange', handler: xrangeCommand(true) },
  { name: 'xdel', handler: xdel },
  { name: 'xtrim', handler: xtrim },
  { name: 'xread', handler: xreadCommand(false) },
  { name: 'xreadgroup', handler: xreadCommand(true) },
  { name: 'xsetid', handler: xsetid },
  { name: 'xack', handler: xack },
  { name: 'xpending', handler: xpending },
  { name: 'xclaim', handler: xclaim },
  { name: 'xautoclaim', handler: xautoclaim },
  {
    name: 'xgroup',
    subcommands: [
      { name: 'create', handler: xgroupCreate },
      { name: 'setid', handler: xgroupSetid },
      { name: 'destroy', handler: xgroupDestroy },
      { name: 'createconsumer', handler: xgroupCreateConsumer },
      { name: 'delconsumer', handler: xgroupDelConsumer },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], XGROUP_HELP) },
    ],
  },
  {
    name: 'xinfo',
    subcommands: [
      { name: 'consumers', handler: xinfoConsumers },
      { name: 'groups', handler: xinfoGroups },
      { name: 'stream', handler: xinfoStream },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], XINFO_HELP) },
    ],
  },
];

