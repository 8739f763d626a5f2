// Server commands: COMMAND, INFO, TIME, LASTSAVE, DEBUG, LOLWUT, SHUTDOWN — against real Redis.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Differential, differentialSuite, type Normalizer } from '../helpers/differential.js';
import { RawConnection, bulkText, encodeCommand, hello3, replyLength } from '../helpers/resp.js';
import { startServer } from '../../src/embed.js';
import type { Server } from '../../src/server/server.js';
import type { CommandSpec } from '../../src/server/command.js';
import { LatencyHistogram, getCommandKeys } from '../../src/server/command.js';
import { bytesToHuman, infoString, REDIS_VERSION, NODIS_VERSION } from '../../src/commands/server.js';
import { globMatch } from '../../src/util/glob.js';

// ---------------------------------------------------------------------------------------------
// RESP helpers: replies as trees, so orderless parts (subcommands, whose order in Redis follows
// its hash table) can be put in a canonical order before comparing bytes.

interface Node {
  raw: string;
  head: string;
  items: Node[];
}

function parseNode(s: string, pos = 0): Node {
  const len = replyLength(s, pos);
  assert.ok(len > 0, `incomplete reply at ${pos}`);
  const raw = s.slice(pos, pos + len);
  const nl = raw.indexOf('\r\n');
  const head = raw.slice(0, nl + 2);
  const items: Node[] = [];
  if ('*~%>'.includes(raw[0]) && !head.startsWith('*-1')) {
    let n = Number(raw.slice(1, nl));
    if (raw[0] === '%') n *= 2;
    let p = pos + nl + 2;
    for (let i = 0; i < n; i++) {
      const child = parseNode(s, p);
      items.push(child);
      p += child.raw.length;
    }
  }
  return { raw, head, items };
}

const SUBCOMMANDS_KEY = '$11\r\nsubcommands\r\n';

/** A COMMAND INFO entry with its subcommand list sorted. */
function canonInfo(n: Node): string {
  if (n.items.length !== 10) return n.raw;
  const subs = n.items[9];
  const subText = subs.items.length ? subs.head + subs.items.map(canonInfo).sort().join('') : subs.raw;
  return n.head + n.items.slice(0, 9).map((x) => x.raw).join('') + subText;
}

/** A COMMAND DOCS map with the "subcommands" map's pairs sorted. */
function canonDocs(n: Node): string {
  let out = n.head;
  for (let i = 0; i < n.items.length; i += 2) {
    const k = n.items[i];
    const v = n.items[i + 1];
    out += k.raw + (k.raw === SUBCOMMANDS_KEY ? canonDocsMap(v, true) : v.raw);
  }
  return out;
}

function canonDocsMap(n: Node, sort: boolean): string {
  const pairs: string[] = [];
  for (let i = 0; i < n.items.length; i += 2) pairs.push(n.items[i].raw + canonDocs(n.items[i + 1]));
  if (sort) pairs.sort();
  return n.head + pairs.join('');
}

/** Replies to COMMAND / COMMAND INFO (sortTop: the order of the entries does not matter). */
function canonInfoReply(reply: string, sortTop: boolean): string {
  const n = parseNode(reply);
  const items = n.items.map(canonInfo);
  if (sortTop) items.sort();
  return n.head + items.join('');
}

function canonDocsReply(reply: string, sortTop: boolean): string {
  return canonDocsMap(parseNode(reply), sortTop);
}

function bulkValue(n: Node): string {
  assert.equal(n.raw[0], '$');
  return n.raw.slice(n.raw.indexOf('\r\n') + 2, -2);
}

/** The bulk strings of an array reply. */
function bulkItems(reply: string): string[] {
  return parseNode(reply).items.map(bulkValue);
}

interface InfoSection {
  title: string;
  fields: [string, string][];
}

/** Parses INFO text, checking its layout: "# Title" lines, "name:value" lines, all ending in CRLF,
 *  sections separated by one empty line, nothing after the last line. */
function parseInfo(text: string): InfoSection[] {
  if (text === '') return [];
  assert.ok(text.endsWith('\r\n'), 'INFO text ends with CRLF');
  assert.ok(!text.endsWith('\r\n\r\n'), 'no trailing empty line');
  const sections: InfoSection[] = [];
  for (const chunk of text.slice(0, -2).split('\r\n\r\n')) {
    const lines = chunk.split('\r\n');
    const m = /^# (\w+)$/.exec(lines[0]);
    assert.ok(m, `section header: ${JSON.stringify(lines[0])}`);
    const fields: [string, string][] = [];
    for (const line of lines.slice(1)) {
      assert.ok(!line.includes('\n') && !line.includes('\r'), 'one field per line');
      const i = line.indexOf(':');
      assert.ok(i > 0, `field line: ${JSON.stringify(line)}`);
      fields.push([line.slice(0, i), line.slice(i + 1)]);
    }
    sections.push({ title: m[1], fields });
  }
  return sections;
}

function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of parseInfo(text)) for (const [k, v] of s.fields) m.set(k, v);
  return m;
}

async function info(conn: RawConnection, ...sections: string[]): Promise<string> {
  return bulkText(await conn.call('INFO', ...sections));
}

type RawInfo = [string, number, string[], number, number, number, string[], string[], unknown[], RawInfo[]];

/** Registers every command Redis 7.0 has (without handlers where nodis has none), keeping nodis's handlers. */
function registerFullTable(server: Server): void {
  const raw = JSON.parse(
    readFileSync(new URL('../../../data/command-info.json', import.meta.url), 'latin1'),
  ) as RawInfo[];
  const specs: CommandSpec[] = [];
  for (const r of raw) {
    const existing = server.table.lookup(r[0]);
    specs.push({
      name: r[0],
      handler: existing?.handler,
      subcommands: r[9].map((sub) => {
        const name = sub[0].slice(sub[0].indexOf('|') + 1);
        return { name, handler: existing?.subcommands.get(name)?.handler };
      }),
    });
  }
  server.table.register(specs);
}

/**
 * Registered commands whose COMMAND INFO/DOCS can be compared with Redis 7.0: those 7.0 has,
 * except containers whose subcommands nodis implements only in part (their subcommands are
 * compared one by one instead).
 */
function comparableNames(server: Server): string[] {
  const raw = JSON.parse(
    readFileSync(new URL('../../../data/command-info.json', import.meta.url), 'latin1'),
  ) as RawInfo[];
  const redisSubs = new Map<string, string[]>();
  for (const r of raw) {
    redisSubs.set(r[0], r[9].map((sub) => sub[0]));
    for (const sub of r[9]) redisSubs.set(sub[0], []);
  }
  const out: string[] = [];
  for (const cmd of server.table.all()) {
    const subs = redisSubs.get(cmd.fullName);
    if (!subs) continue;
    const ours = [...cmd.subcommands.values()].map((s) => s.fullName);
    if (ours.length !== subs.length || !subs.every((n) => ours.includes(n))) continue;
    out.push(cmd.fullName);
  }
  return out;
}

/** Compares replies of nodis and Redis after canonicalising them. */
function compareCanon(d: Differential, cmd: string[], canon: Normalizer, resp3 = false): Promise<string> {
  return d.withPair((p) => p.norm(canon, ...cmd), { resp3, flush: false });
}

// ---------------------------------------------------------------------------------------------

describe('COMMAND on the commands nodis registers', differentialSuite(), () => {
  const d = new Differential();
  let registered: string[] = [];
  before(async () => {
    await d.start();
    registered = [...d.nodis.server.table.all()].map((c) => c.fullName);
    comparable = comparableNames(d.nodis.server);
  });
  after(() => d.stop());
  let comparable: string[] = [];

  it('COMMAND INFO of every registered command and subcommand matches Redis, RESP2 and RESP3', async () => {
    assert.ok(registered.includes('command|getkeys'));
    for (const resp3 of [false, true]) {
      for (const name of comparable) {
        await compareCanon(d, ['COMMAND', 'INFO', name], (r) => canonInfoReply(r, false), resp3);
      }
      // Several at once, unknown ones (null) in between, in any letter case.
      await compareCanon(
        d,
        ['COMMAND', 'INFO', 'GET', 'nosuch', 'set', 'Command|Info', 'get|x', 'command|info|x', '', '|'],
        (r) => canonInfoReply(r, false),
        resp3,
      );
    }
  });

  it('COMMAND DOCS of every registered command matches Redis, RESP2 and RESP3', async () => {
    for (const resp3 of [false, true]) {
      for (const name of comparable) {
        await compareCanon(d, ['COMMAND', 'DOCS', name], (r) => canonDocsReply(r, false), resp3);
      }
      await compareCanon(d, ['COMMAND', 'DOCS', 'nosuch', 'SET', 'command', 'command|docs'], (r) => canonDocsReply(r, false), resp3);
      await compareCanon(d, ['COMMAND', 'DOCS', 'nosuch'], (r) => r, resp3);
    }
  });

  it('COMMAND COUNT is the number of registered commands; COMMAND and COMMAND DOCS list them all', async () => {
    const n = await RawConnection.open({ port: d.nodis.port });
    try {
      const count = d.nodis.server.table.commands.size;
      assert.equal(await n.call('COMMAND', 'COUNT'), `:${count}\r\n`);
      const all = parseNode((await n.call('COMMAND'))!);
      assert.equal(all.items.length, count);
      assert.deepEqual(
        all.items.map((x) => bulkValue(x.items[0])).sort(),
        [...d.nodis.server.table.commands.keys()].sort(),
      );
      const docs = parseNode((await n.call('COMMAND', 'DOCS'))!);
      assert.equal(docs.items.length, 2 * count);
      assert.deepEqual(bulkItems((await n.call('COMMAND', 'LIST'))!).sort(), [...registered].sort());
    } finally {
      n.close();
    }
  });

  it('COMMAND LIST FILTERBY gives what Redis gives, restricted to registered commands', async () => {
    const filters = [
      [],
      ['FILTERBY', 'ACLCAT', 'string'],
      ['FILTERBY', 'aclcat', 'FAST'],
      ['filterby', 'ACLCAT', 'connection'],
      ['FILTERBY', 'ACLCAT', 'slow'],
      ['FILTERBY', 'ACLCAT', 'admin'],
      ['FILTERBY', 'ACLCAT', 'dangerous'],
      ['FILTERBY', 'ACLCAT', '@read'],
      ['FILTERBY', 'ACLCAT', 'nosuch'],
      ['FILTERBY', 'ACLCAT', 'all'],
      ['FILTERBY', 'MODULE', 'x'],
      ['FILTERBY', 'PATTERN', '*'],
      ['FILTERBY', 'PATTERN', 'command*'],
      ['FILTERBY', 'PATTERN', 'COMMAND|*'],
      ['FILTERBY', 'PATTERN', '?et'],
      ['FILTERBY', 'PATTERN', '[gs]et'],
      ['FILTERBY', 'PATTERN', '*|[^h]*'],
      ['FILTERBY', 'PATTERN', ''],
      ['FILTERBY', 'ACLCAT', 'connection\0x'],
      ['FILTERBY\0', 'pattern\0x', 'c*'],
    ];
    await d.withPair(async ({ nodis: n, redis: o }) => {
      // Commands Redis 7.2 added (CLIENT SETINFO, CLIENT NO-TOUCH) have nothing to compare with.
      const redis70 = new Set(bulkItems((await o.call('COMMAND', 'LIST'))!));
      for (const f of filters) {
        const rn = bulkItems((await n.call('COMMAND', 'LIST', ...f))!)
          .filter((x) => redis70.has(x))
          .sort();
        const ro = bulkItems((await o.call('COMMAND', 'LIST', ...f))!)
          .filter((x) => registered.includes(x))
          .sort();
        assert.deepEqual(rn, ro, `COMMAND LIST ${f.join(' ')}`);
      }
    }, { flush: false });
  });

  it('COMMAND LIST rejects bad filters like Redis', async () => {
    await d.check([
      ['COMMAND', 'LIST', 'FILTERBY'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT'],
      ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'bar'],
      ['COMMAND', 'LIST', 'x'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string', 'extra'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string', 'FILTERBY', 'ACLCAT', 'fast'],
      // Option words and category names end at a NUL byte, as strcasecmp sees them (fuzzer finding).
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN\0x', 'nosuch'],
      ['COMMAND', 'LIST', 'FILTERBY\0', 'ACLCAT', 'nosuch'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'ping\0'],
    ]);
  });

  it('COMMAND GETKEYS and GETKEYSANDFLAGS on registered commands, and their errors', async () => {
    const steps = [
      ['COMMAND', 'GETKEYS', 'get', 'k'],
      ['COMMAND', 'GETKEYS', 'GET', 'k'],
      ['COMMAND', 'GETKEYS', 'set', 'k', 'v'],
      ['COMMAND', 'GETKEYS', 'set', 'k', 'v', 'GET'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'get', 'k'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'get'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'EX', '10', 'GeT'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'getx'],
      ['COMMAND', 'GETKEYS', 'set', '\x00\xff', 'v'],
      ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
      ['COMMAND', 'GETKEYS', 'ping', 'x'],
      ['COMMAND', 'GETKEYS', 'echo', 'x'],
      ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'set', 'k'],
      ['COMMAND', 'GETKEYS', 'command', 'info'],
      ['COMMAND', 'GETKEYS', 'command', 'nosuch'],
      ['COMMAND', 'GETKEYS', 'command', 'getkeys', 'get'],
      ['COMMAND', 'GETKEYS'],
      ['COMMAND', 'GETKEYS', 'get'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'get'],
    ];
    await d.check(steps);
    await d.check(steps, { resp3: true });
  });

  it('COMMAND HELP and unknown subcommands', async () => {
    await d.check([['COMMAND', 'HELP'], ['command', 'help'], ['COMMAND', 'help', 'x'], ['COMMAND', 'nosuch'], ['COMMAND', 'COUNT', 'x']]);
  });
});

describe('COMMAND with the whole Redis 7.0 command table registered', differentialSuite(), () => {
  const d = new Differential();
  before(async () => {
    await d.start();
    registerFullTable(d.nodis.server);
  });
  after(() => d.stop());

  it('COMMAND, COMMAND INFO and COMMAND COUNT match Redis, RESP2 and RESP3', async () => {
    for (const resp3 of [false, true]) {
      await compareCanon(d, ['COMMAND'], (r) => canonInfoReply(r, true), resp3);
      await compareCanon(d, ['COMMAND', 'INFO'], (r) => canonInfoReply(r, true), resp3);
      await compareCanon(d, ['COMMAND', 'COUNT'], (r) => r, resp3);
      await compareCanon(d, ['COMMAND', 'INFO', 'config', 'CONFIG|GET', 'sort', 'xread', 'georadius', 'migrate'], (r) => canonInfoReply(r, false), resp3);
    }
  });

  it('COMMAND DOCS of everything matches Redis, RESP2 and RESP3', async () => {
    for (const resp3 of [false, true]) {
      await compareCanon(d, ['COMMAND', 'DOCS'], (r) => canonDocsReply(r, true), resp3);
      await compareCanon(d, ['COMMAND', 'DOCS', 'georadius', 'client', 'config|set', 'xadd'], (r) => canonDocsReply(r, false), resp3);
    }
  });

  it('COMMAND LIST with every ACL category and some patterns matches Redis', async () => {
    const cats = [
      'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
      'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
      'transaction', 'scripting', 'HyperLogLog', 'nosuch',
    ];
    for (const cat of cats) {
      await d.check([{ cmd: ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', cat], unordered: true }]);
    }
    for (const pattern of ['*', 'x*', '*|*', 'client|*', 'CLIENT|*', '*[aeiou]', 'z?*', '[a-c]*', '[^a-y]*', '\\*', '*range*']) {
      await d.check([{ cmd: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', pattern], unordered: true }]);
    }
    await d.check([{ cmd: ['COMMAND', 'LIST'], unordered: true }, ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x']]);
  });

  it('COMMAND GETKEYS and GETKEYSANDFLAGS match Redis for every kind of key spec', async () => {
    const cases: string[][] = [
      ['mget', 'a', 'b', 'c'],
      ['mset', 'a', '1', 'b', '2'],
      ['mset', 'a', '1', 'b'],
      ['del', 'a', 'b'],
      ['rename', 'a', 'b'],
      ['lmove', 'a', 'b', 'LEFT', 'RIGHT'],
      ['blpop', 'a', 'b', '0'],
      ['zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['zunionstore', 'd', '0', 'a'],
      ['zunionstore', 'd', '5', 'a'],
      ['zunionstore', 'd', '1x', 'a'],
      ['zunionstore', 'd', '-1', 'a'],
      ['zunion', '2', 'a', 'b'],
      ['zunion', '1x', 'a'],
      ['zinter', '0', 'a'],
      ['zdiffstore', 'd', '1', 'a'],
      ['sintercard', '2', 'a', 'b', 'LIMIT', '1'],
      ['zintercard', '1', 'a'],
      ['eval', 'return 1', '0'],
      ['eval', 'return 1', '2', 'a', 'b', 'c'],
      ['eval', 'return 1', '3', 'a'],
      ['eval', 'return 1', 'x'],
      ['evalsha_ro', 'abc', '1', 'k'],
      ['fcall', 'f', '1', 'k', 'arg'],
      ['fcall_ro', 'f', '0'],
      ['lmpop', '2', 'a', 'b', 'LEFT'],
      ['blmpop', '0', '2', 'a', 'b', 'LEFT'],
      ['zmpop', '1', 'a', 'MIN'],
      ['bzmpop', '1', '1', 'a', 'MIN'],
      ['sort', 'k'],
      ['sort', 'k', 'BY', 'w_*', 'STORE', 'd'],
      ['sort', 'k', 'STORE', 'd', 'store', 'e'],
      ['sort', 'k', 'LIMIT', '0', 'STORE', 'x', 'STORE'],
      ['sort', 'k', 'GET', 'STORE', 'BY', 'x'],
      ['sort_ro', 'k', 'BY', 'x'],
      ['migrate', 'h', '1', 'k', '0', '5'],
      ['migrate', 'h', '1', '', '0', '5', 'KEYS', 'a', 'b'],
      ['migrate', 'h', '1', 'k', '0', '5', 'KEYS', 'a', 'b'],
      ['migrate', 'h', '1', '', '0', '5', 'COPY', 'AUTH', 'keys', 'KEYS', 'a'],
      ['migrate', 'h', '1', '', '0', '5', 'AUTH2', 'u', 'KEYS', 'KEYS', 'a'],
      ['georadius', 'k', '0', '0', '1', 'km'],
      ['georadius', 'k', '0', '0', '1', 'km', 'STORE', 'd'],
      ['georadius', 'k', '0', '0', '1', 'km', 'STOREDIST', 'd', 'STORE', 'e'],
      ['georadius', 'k', '0', '0', '1', 'km', 'STORE'],
      ['georadiusbymember', 'k', 'm', '1', 'km', 'store', 'd'],
      ['xread', 'STREAMS', 'a', 'b', '0', '0'],
      ['xread', 'COUNT', '1', 'BLOCK', '0', 'streams', 'a', '0'],
      ['xread', 'STREAMS', 'a', 'b', '0'],
      ['xread', 'STREAMS'],
      ['xreadgroup', 'GROUP', 'g', 'c', 'NOACK', 'STREAMS', 'a', '0'],
      ['xreadgroup', 'GROUP', 'g', 'STREAMS', 'STREAMS', 'a', '0'],
      ['bitfield', 'k', 'GET', 'u8', '0'],
      ['bitfield', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
      ['bitfield', 'k', 'OVERFLOW', 'SAT', 'get', 'u8', '0'],
      ['bitfield', 'k', 'INCRBY', 'u8'],
      ['bitfield_ro', 'k', 'GET', 'u8', '0'],
      ['set', 'k', 'v', 'NX', 'GET'],
      // Keywords are compared as C strings, up to a NUL byte (fuzzer finding).
      ['set', 'k', 'v', 'GET\0x'],
      ['sort', 'k', 'STORE\0x', 'd'],
      ['xread', 'STREAMS\0', 'a', '0'],
      ['migrate', 'h', '1', '', '0', '5', 'KEYS\0x', 'a'],
      ['object', 'encoding', 'k'],
      ['memory', 'usage', 'k'],
      ['xinfo', 'stream', 'k'],
      ['config', 'get', 'x'],
      ['config', 'nosuch'],
      ['config'],
      ['publish', 'ch', 'msg'],
      ['spublish', 'ch', 'msg'],
      ['ssubscribe', 'a', 'b'],
      ['subscribe', 'a'],
      ['watch', 'a', 'b'],
      ['exists', 'a', 'a'],
      ['pfmerge', 'd', 's1', 's2'],
      ['bitop', 'AND', 'd', 'a', 'b'],
      ['smove', 'a', 'b', 'm'],
      ['zrangestore', 'd', 's', '0', '-1'],
      ['copy', 'a', 'b'],
      ['lcs', 'a', 'b'],
      ['xgroup', 'create', 'k', 'g', '$'],
      ['geosearchstore', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
      ['restore', 'k', '0', 'payload'],
      ['msetnx', 'a', '1'],
      ['get'],
      ['ping', 'x'],
      ['nosuch', 'x'],
    ];
    const steps: string[][] = [];
    for (const c of cases) {
      steps.push(['COMMAND', 'GETKEYS', ...c]);
      steps.push(['COMMAND', 'GETKEYSANDFLAGS', ...c]);
    }
    await d.check(steps);
    await d.check(steps, { resp3: true });
  });
});

describe('getCommandKeys', () => {
  it('gives positions and flags that later users (ACL, WATCH, cluster) can rely on', async () => {
    const s = await startServer();
    try {
      registerFullTable(s.server);
      const keys = (argv: string[]): [number, string][] => {
        const cmd = s.server.table.lookupArgv(argv)!;
        return getCommandKeys(cmd, argv).map((k) => [k.pos, k.flags.join(' ')]);
      };
      assert.deepEqual(keys(['GET', 'k']), [[1, 'RO access']]);
      assert.deepEqual(keys(['mset', 'a', '1', 'b', '2']), [[1, 'OW update'], [3, 'OW update']]);
      assert.deepEqual(keys(['set', 'k', 'v', 'get']), [[1, 'RW access update']]);
      assert.deepEqual(keys(['zunionstore', 'd', '2', 'a', 'b']), [[1, 'OW update'], [3, 'RO access'], [4, 'RO access']]);
      assert.deepEqual(keys(['zunionstore', 'd', '2x', 'a', 'b']), [[3, ''], [4, ''], [1, '']]);
      assert.deepEqual(keys(['eval', 's', '0']), []);
      assert.deepEqual(keys(['object', 'encoding', 'k']), [[2, 'RO']]);
      assert.deepEqual(keys(['publish', 'ch', 'm']), []);
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// INFO

/** Fields Redis prints that nodis may leave out, and nodis's own fields. */
/** Fields nodis prints that the 7.0 oracle lacks: its own version, and Redis 7.2's additions. */
const NODIS_ONLY_FIELDS = new Set(['nodis_version', 'pubsub_clients', 'watching_clients', 'total_watched_keys', 'total_blocking_keys', 'total_blocking_keys_on_nokey']);
const REDIS_ONLY_FIELDS = new Set<string>([]);

type ValueKind = 'int' | 'float' | 'percent' | 'human' | 'hex' | 'version' | 'cpu' | 'text';

function kindOf(name: string, v: string): ValueKind {
  if (/^(run_id|master_replid2?|redis_build_id|redis_git_sha1)$/.test(name)) return 'hex';
  if (name === 'gcc_version' || name === 'redis_version') return 'version';
  if (/^used_cpu_/.test(name)) return 'cpu';
  if (/^-?\d+$/.test(v)) return 'int';
  if (/^-?\d+\.\d\d$/.test(v)) return 'float';
  if (/^\d+\.\d\d%$/.test(v)) return 'percent';
  if (/^\d+(\.\d\d)?[BKMGTP]$/.test(v)) return 'human';
  return 'text';
}

function checkKind(name: string, v: string, kind: ValueKind): void {
  const re: Record<ValueKind, RegExp> = {
    int: /^-?\d+$/,
    float: /^-?\d+\.\d\d$/,
    percent: /^\d+\.\d\d%$/,
    human: /^\d+(\.\d\d)?[BKMGTP]$/,
    hex: /^[0-9a-f]+$/,
    version: /^\d+\.\d+\.\d+$/,
    cpu: /^\d+\.\d{6}$/,
    text: /^[^\r\n]*$/,
  };
  assert.match(v, re[kind], `${name}:${v} should look like Redis's (${kind})`);
}

describe('INFO', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  const SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'cluster', 'modules', 'keyspace', 'errorstats', 'commandstats', 'latencystats'];

  it('prints, for each section, the fields Redis prints, in the same order, with values of the same form', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      for (const section of SECTIONS) {
        const sn = parseInfo(await info(n, section));
        const so = parseInfo(await info(o, section));
        assert.deepEqual(sn.map((s) => s.title), so.map((s) => s.title), `section titles for ${section}`);
        if (['keyspace', 'errorstats', 'commandstats', 'latencystats'].includes(section)) continue;
        const fn = sn[0].fields.filter(([k]) => !NODIS_ONLY_FIELDS.has(k));
        const fo = so[0].fields.filter(([k]) => !REDIS_ONLY_FIELDS.has(k));
        assert.deepEqual(fn.map(([k]) => k), fo.map(([k]) => k), `fields of ${section}`);
        for (let i = 0; i < fo.length; i++) checkKind(fn[i][0], fn[i][1], kindOf(fo[i][0], fo[i][1]));
      }
    }, { flush: false });
  });

  it('chooses sections like Redis: default, all, everything, several, unknown, any case', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      const titles = async (c: RawConnection, ...args: string[]): Promise<string[]> =>
        parseInfo(await info(c, ...args)).map((s) => s.title);
      for (const args of [
        [],
        ['default'],
        ['all'],
        ['everything'],
        ['ALL', 'server'],
        ['keyspace', 'server'],
        ['server', 'SERVER', 'Clients'],
        ['default', 'commandstats'],
        ['module_list'],
        ['nosuch'],
        ['nosuch', 'cpu'],
        ['latencystats', 'errorstats'],
      ]) {
        assert.deepEqual(await titles(n, ...args), await titles(o, ...args), `INFO ${args.join(' ')}`);
      }
    }, { flush: false });
  });

  it('replies with the same bytes as Redis where values are deterministic, RESP2 and RESP3', async () => {
    for (const resp3 of [false, true]) {
      await d.check(
        [
          ['INFO', 'nosuch'],
          ['INFO', 'cluster'],
          ['INFO', 'modules'],
          ['INFO', 'module_list', 'nosuch'],
          ['INFO', 'cluster', 'modules'],
        ],
        { resp3 },
      );
    }
  });

  it('keyspace: one line per non-empty database, as Redis writes it', async () => {
    await d.withPair(async (p) => {
      const n = p.nodis;
      await p.setup(['SET', 'a', '1'], ['SET', 'b', '2'], ['SELECT', '3'], ['SET', 'c', '3']);
      await p.do('INFO', 'keyspace');
      await p.do('INFO', 'cluster', 'keyspace');
      assert.equal(bulkText(await n.call('INFO', 'keyspace')), '# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n');
      // Volatile keys: counted in expires, with their average time to live in ms.
      assert.equal(await n.call('SELECT', '0'), '+OK\r\n');
      assert.equal(await n.call('PEXPIRE', 'a', '100000'), ':1\r\n');
      const text = bulkText(await n.call('INFO', 'keyspace'));
      const m = /db0:keys=2,expires=1,avg_ttl=(\d+)\r\n/.exec(text);
      assert.ok(m, text);
      assert.ok(Number(m[1]) > 90_000 && Number(m[1]) <= 100_000, m[1]);
      assert.equal(await n.call('FLUSHALL'), '+OK\r\n');
      assert.equal(bulkText(await n.call('INFO', 'keyspace')), '# Keyspace\r\n');
    });
  });

  it('errorstats: counts per error code move like Redis', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      const stats = async (c: RawConnection): Promise<Map<string, number>> => {
        const m = new Map<string, number>();
        for (const [k, v] of infoFields(await info(c, 'errorstats', 'stats'))) {
          if (k.startsWith('errorstat_')) m.set(k, Number(/^count=(\d+)$/.exec(v)![1]));
          if (k === 'total_error_replies') m.set(k, Number(v));
        }
        return m;
      };
      const before = [await stats(n), await stats(o)];
      for (const c of [n, o]) {
        await c.call('NOSUCHCOMMAND');
        await c.call('GET');
        await c.call('SELECT', 'x');
        await c.call('COMMAND', 'GETKEYS', 'nosuch');
        await c.call('DEBUG', 'ERROR', 'CUSTOM not counted');
      }
      const after = [await stats(n), await stats(o)];
      const delta = (a: Map<string, number>, b: Map<string, number>): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const [k, v] of a) if (v !== (b.get(k) ?? 0)) out[k] = v - (b.get(k) ?? 0);
        return out;
      };
      assert.deepEqual(delta(after[0], before[0]), delta(after[1], before[1]));
      assert.deepEqual(delta(after[0], before[0]), { errorstat_ERR: 4, total_error_replies: 4 });
    }, { flush: false });
  });

  it('errorstats lists codes in byte order; the code is the first word within 32 bytes', () => {
    const s = new Map<string, number>();
    const server = d.nodis.server;
    const saved = server.stats.errorCodes;
    server.stats.errorCodes = s;
    try {
      server.countErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');
      server.countErrorReply('NOAUTH Authentication required.');
      server.countErrorReply('ERR x');
      server.countErrorReply('NOAUTH again');
      server.countErrorReply('A'.repeat(40) + ' long code');
      server.countErrorReply('nospace');
      assert.equal(
        infoString(server, ['errorstats']),
        '# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_NOAUTH:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n',
      );
    } finally {
      server.stats.errorCodes = saved;
    }
  });

  it('commandstats: calls, rejected and failed calls move like Redis', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      const stats = async (c: RawConnection): Promise<Map<string, number[]>> => {
        const m = new Map<string, number[]>();
        for (const [k, v] of infoFields(await info(c, 'commandstats'))) {
          const f = /^calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=(\d+),failed_calls=(\d+)$/.exec(v);
          assert.ok(f, `${k}:${v}`);
          m.set(k, [Number(f[1]), Number(f[4]), Number(f[5])]);
        }
        return m;
      };
      const before = [await stats(n), await stats(o)];
      for (const c of [n, o]) {
        await c.call('SET', 'k', 'v');
        await c.call('GET', 'k');
        await c.call('GET', 'k');
        await c.call('GET', 'missing');
        await c.call('GET');
        await c.call('GET', 'a', 'b');
        await c.call('SELECT', 'x');
        await c.call('SELECT', '0');
        await c.call('COMMAND', 'COUNT');
        await c.call('COMMAND', 'COUNT', 'x');
      }
      const after = [await stats(n), await stats(o)];
      for (const name of ['cmdstat_get', 'cmdstat_set', 'cmdstat_select', 'cmdstat_command|count']) {
        const dn = after[0].get(name)!.map((v, i) => v - (before[0].get(name)?.[i] ?? 0));
        const dr = after[1].get(name)!.map((v, i) => v - (before[1].get(name)?.[i] ?? 0));
        assert.deepEqual(dn, dr, name);
      }
      assert.deepEqual(after[0].get('cmdstat_get')!.map((v, i) => v - (before[0].get('cmdstat_get')?.[i] ?? 0)), [3, 2, 0]);
      assert.deepEqual(after[0].get('cmdstat_select')!.map((v, i) => v - (before[0].get('cmdstat_select')?.[i] ?? 0)), [2, 0, 1]);
    }, { flush: false });
  });

  it('latencystats: one line per called command with the configured percentiles', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      for (const c of [n, o]) await c.call('GET', 'k');
      const fn = infoFields(await info(n, 'latencystats'));
      const fo = infoFields(await info(o, 'latencystats'));
      const re = /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/;
      assert.match(fo.get('latency_percentiles_usec_get')!, re);
      assert.match(fn.get('latency_percentiles_usec_get')!, re);
      for (const [k] of fn) assert.match(k, /^latency_percentiles_usec_[a-z|_-]+$/);
    }, { flush: false });
    d.nodis.server.config.set('latency-tracking', 'no');
    assert.equal(infoString(d.nodis.server, ['latencystats']), '# Latencystats\r\n');
    d.nodis.server.config.set('latency-tracking', 'yes');
  });

  it('stats: keyspace hits and misses, commands processed, dirty count and input bytes move like Redis', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      const pick = ['keyspace_hits', 'keyspace_misses', 'total_commands_processed', 'rdb_changes_since_last_save', 'total_net_input_bytes'];
      const read = async (c: RawConnection): Promise<number[]> => {
        const f = infoFields(await info(c, 'stats', 'persistence'));
        return pick.map((k) => Number(f.get(k)));
      };
      const b = [await read(n), await read(o)];
      for (const c of [n, o]) {
        await c.call('SET', 'x', '1');
        await c.call('SET', 'y', '2');
        await c.call('GET', 'x');
        await c.call('GET', 'nope');
        await c.call('GET', 'nope2');
      }
      const a = [await read(n), await read(o)];
      const dn = a[0].map((v, i) => v - b[0][i]);
      const dr = a[1].map((v, i) => v - b[1][i]);
      assert.deepEqual(dn, dr, pick.join(' '));
      assert.deepEqual(dn.slice(0, 4), [1, 2, 6, 2]);
    }, { flush: false });
  });

  it('server, clients, replication and other values come from the running server', async () => {
    const s = d.nodis.server;
    const conns = [await RawConnection.open({ port: d.nodis.port }), await RawConnection.open({ port: d.nodis.port })];
    try {
      const f = infoFields(await info(conns[0]));
      assert.equal(f.get('redis_version'), REDIS_VERSION);
      assert.equal(REDIS_VERSION, '7.2.4');
      assert.equal(f.get('nodis_version'), NODIS_VERSION);
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      assert.equal(NODIS_VERSION, pkg.version);
      assert.equal(f.get('redis_mode'), 'standalone');
      assert.equal(f.get('process_id'), String(process.pid));
      assert.equal(f.get('run_id'), s.runId);
      assert.equal(f.get('tcp_port'), String(d.nodis.port));
      assert.equal(f.get('config_file'), s.configFile);
      assert.equal(f.get('connected_clients'), String(s.clients.size));
      assert.ok(s.clients.size >= 2);
      assert.equal(f.get('role'), 'master');
      assert.equal(f.get('connected_slaves'), '0');
      assert.match(f.get('master_replid')!, /^[0-9a-f]{40}$/);
      assert.equal(f.get('master_replid'), s.replication.replId);
      assert.equal(f.get('rdb_last_save_time'), String(s.lastSave));
      assert.equal(f.get('maxclients'), '10000');
      const now = d.nodis.clock.now();
      assert.ok(Math.abs(Number(f.get('server_time_usec')) / 1000 - now) < 5000);
      assert.equal(Number(f.get('lru_clock')), Math.floor(now / 1000) % 2 ** 24);
      const used = Number(f.get('used_memory'));
      const m = process.memoryUsage();
      assert.ok(used > 0 && used < 4 * (m.heapUsed + m.external), String(used));
      assert.ok(Number(f.get('used_memory_rss')) > 0);
      assert.equal(f.get('instantaneous_ops_per_sec'), String(Math.floor(s.stats.opsSamples.reduce((a, b) => a + b, 0) / 16)));
      // The uptime follows the server's clock.
      const up = Number(f.get('uptime_in_seconds'));
      d.nodis.clock.advance(2 * 86_400_000);
      const f2 = infoFields(await info(conns[1], 'server'));
      d.nodis.clock.advance(-2 * 86_400_000);
      assert.ok(Number(f2.get('uptime_in_seconds')) >= up + 2 * 86400);
      assert.ok(Number(f2.get('uptime_in_days')) >= 2);
      assert.equal(f2.get('master_replid'), undefined);
      // The replication id is stable, and changes with DEBUG CHANGE-REPL-ID.
      const r1 = infoFields(await info(conns[0], 'replication')).get('master_replid');
      assert.equal(r1, infoFields(await info(conns[1], 'replication')).get('master_replid'));
      assert.equal(await conns[0].call('DEBUG', 'CHANGE-REPL-ID'), '+OK\r\n');
      const r2 = infoFields(await info(conns[0], 'replication'));
      assert.notEqual(r2.get('master_replid'), r1);
      assert.equal(r2.get('master_replid2'), '0'.repeat(40));
      // Expired keys are counted.
      const e1 = Number(infoFields(await info(conns[0], 'stats')).get('expired_keys'));
      s.dbs[0].set('gone', 'v');
      s.dbs[0].setExpire('gone', d.nodis.clock.now() - 1);
      assert.equal(await conns[0].call('GET', 'gone'), '$-1\r\n');
      assert.equal(Number(infoFields(await info(conns[0], 'stats')).get('expired_keys')), e1 + 1);
    } finally {
      for (const c of conns) c.close();
    }
  });

  it('formats human sizes and percentiles like Redis', () => {
    assert.equal(bytesToHuman(0), '0B');
    assert.equal(bytesToHuman(1023), '1023B');
    assert.equal(bytesToHuman(1089152), '1.04M');
    assert.equal(bytesToHuman(25276502016), '23.54G');
    assert.equal(bytesToHuman(32768), '32.00K');
  });
});

describe('LatencyHistogram', () => {
  it('reports the top of the bucket a value falls in, as HdrHistogram does', () => {
    const h = new LatencyHistogram();
    h.record(76_000);
    assert.equal(h.valueAtPercentile(50), 76_287);
    assert.equal(h.valueAtPercentile(99.9), 76_287);
    const g = new LatencyHistogram();
    g.record(10_000);
    assert.equal(g.valueAtPercentile(50), 10_047);
    const k = new LatencyHistogram();
    for (let i = 0; i < 99; i++) k.record(100);
    k.record(1_000_000);
    assert.equal(k.valueAtPercentile(50), 100);
    assert.equal(k.valueAtPercentile(99), 100);
    assert.equal(k.valueAtPercentile(99.9), 1_003_519);
    const z = new LatencyHistogram();
    z.record(0);
    z.record(5e12);
    assert.equal(z.valueAtPercentile(0), 1);
    assert.equal(z.valueAtPercentile(100), 1_002_438_655);
  });
});

// ---------------------------------------------------------------------------------------------
// TIME, LASTSAVE, LOLWUT, SHUTDOWN, DEBUG

describe('TIME, LASTSAVE, LOLWUT, SHUTDOWN', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('TIME is seconds and microseconds from the clock, as bulk strings', async () => {
    await d.check([{ cmd: ['TIME'], typeOnly: true }, ['TIME', 'x']]);
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      const t = (await c.call('TIME'))!;
      const m = /^\*2\r\n\$(\d+)\r\n(\d+)\r\n\$(\d+)\r\n(\d+)\r\n$/.exec(t);
      assert.ok(m, t);
      assert.equal(Number(m[1]), m[2].length);
      assert.equal(Number(m[3]), m[4].length);
      assert.ok(Number(m[4]) < 1_000_000);
      assert.ok(Math.abs(Number(m[2]) - Date.now() / 1000) < 5);
      d.nodis.clock.advance(3_600_000);
      const t2 = bulkItems((await c.call('TIME'))!);
      d.nodis.clock.advance(-3_600_000);
      assert.ok(Number(t2[0]) - Number(m[2]) >= 3600);
      const o = await d.oracle.connect();
      const r = (await o.call('TIME'))!;
      o.close();
      assert.match(r, /^\*2\r\n\$10\r\n\d{10}\r\n\$\d\r\n\d{1,6}\r\n$/);
    } finally {
      c.close();
    }
  });

  it('LASTSAVE is the last save time in seconds', async () => {
    await d.check([{ cmd: ['LASTSAVE'], typeOnly: true }, ['LASTSAVE', 'x']]);
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await c.call('LASTSAVE'), `:${d.nodis.server.lastSave}\r\n`);
    } finally {
      c.close();
    }
  });

  it('LOLWUT prints the version line, verbatim in RESP3', async () => {
    await d.check([['LOLWUT', 'VERSION', 'x'], { cmd: ['LOLWUT'], typeOnly: true }, { cmd: ['LOLWUT', 'VERSION', '5'], typeOnly: true }]);
    await d.check([{ cmd: ['LOLWUT'], typeOnly: true }], { resp3: true });
    // Versions 5 and 6 parse their own numeric arguments; others ignore extra words (fuzzer finding).
    await d.check([
      ['LOLWUT', 'VERSION', '5', 'x'],
      ['LOLWUT', 'version', '5', '1', '2', 'x'],
      ['LOLWUT', 'VERSION', '6', '1', '1.5'],
      ['LOLWUT', 'VERSION', '5', 'VERSION', '6'],
      ['LOLWUT', 'VERSION', '-4294967291', 'x'],
      ['LOLWUT', 'VERSION', '4294967302', '1', ''],
      ['LOLWUT', 'VERSION', '9223372036854775808'],
      { cmd: ['LOLWUT', 'VERSION', '6', '1', '1', 'x'], typeOnly: true },
      { cmd: ['LOLWUT', 'VERSION', '5', '1', '2', '3', 'x'], typeOnly: true },
      { cmd: ['LOLWUT', 'VERSION', '7', 'x', 'y'], typeOnly: true },
      { cmd: ['LOLWUT', 'VERSION', '59', 'x'], typeOnly: true },
      { cmd: ['LOLWUT', '5', 'x'], typeOnly: true },
    ]);
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await c.call('LOLWUT'), '$17\r\nRedis ver. 7.2.4\n\r\n');
      await hello3(c);
      assert.equal(await c.call('LOLWUT', 'VERSION', '6'), '=21\r\ntxt:Redis ver. 7.2.4\n\r\n');
    } finally {
      c.close();
    }
  });

  it('SHUTDOWN rejects bad arguments like Redis', async () => {
    await d.check([
      ['SHUTDOWN', 'foo'],
      ['SHUTDOWN', 'SAVE', 'NOSAVE'],
      ['SHUTDOWN', 'ABORT', 'NOW'],
      ['SHUTDOWN', 'nosave', 'abort'],
      ['SHUTDOWN', 'ABORT'],
      ['shutdown', 'abort'],
    ]);
  });

  it('SHUTDOWN stops the server and closes connections without a reply', async () => {
    for (const args of [['NOSAVE'], ['SAVE', 'NOW', 'FORCE'], []]) {
      const dir = mkdtempSync(join(tmpdir(), 'nodis-shutdown-'));
      const s = await startServer({ dir });
      const closed = new Promise<void>((resolve) => s.server.once('closed', () => resolve()));
      const other = await RawConnection.open({ port: s.port });
      const c = await RawConnection.open({ port: s.port });
      c.write(`*${args.length + 1}\r\n$8\r\nSHUTDOWN\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(''));
      assert.equal(await c.readUntilClose(2000), '');
      assert.equal(await other.readUntilClose(2000), '');
      assert.ok(c.closed && other.closed);
      await closed;
      await assert.rejects(RawConnection.open({ port: s.port }));
      // An embedded server has no save points: only SHUTDOWN SAVE writes the snapshot.
      assert.equal(existsSync(join(dir, 'dump.rdb')), args.includes('SAVE'), args.join(' '));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** DEBUG OBJECT's address and LRU fields differ from run to run (shared integers are as old as the server). */
function maskDebugObject(r: string | null): string | null {
  if (r === null) return null;
  let m = r.replace(/Value at:0x[0-9a-f]+/, 'Value at:ADDR').replace(/ lru:\d+/, ' lru:N');
  if (m.includes('refcount:2147483647')) m = m.replace(/lru_seconds_idle:\d+/, 'lru_seconds_idle:N');
  // Redis's LRU clock ticks with its cron (1 s resolution): a key created a moment ago may read
  // as 0 or 1 s idle there. Larger idle times still compare exactly.
  else m = m.replace(/lru_seconds_idle:[01]\r\n$/, 'lru_seconds_idle:0-1\r\n');
  return m;
}

describe('DEBUG', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('rejects unknown subcommands and wrong argument counts like Redis', async () => {
    await d.check([
      ['DEBUG'],
      ['DEBUG', 'nosuch'],
      ['DEBUG', 'sleep'],
      ['DEBUG', 'SLEEP', '0', 'x'],
      ['DEBUG', 'set-active-expire'],
      ['DEBUG', 'object'],
      ['DEBUG', 'object', 'a', 'b'],
      ['DEBUG', 'populate'],
      ['DEBUG', 'populate', '1', 'a', '1', 'x'],
      ['DEBUG', 'protocol'],
      ['DEBUG', 'error'],
      ['DEBUG', 'help', 'x'],
      ['debug', 'NoSuch'],
      ['DEBUG', 'x'.repeat(200)],
      // strcasecmp stops at a NUL byte (fuzzer finding).
      ['DEBUG', 'object\0x', 'missing'],
      ['DEBUG', 'PROTOCOL\0', 'string\0x'],
      ['LOLWUT', 'version\0x', 'x'],
      ['INFO', 'keyspace\0x'],
    ]);
  });

  it('SLEEP accepts what strtod accepts and replies OK', async () => {
    await d.check([
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'SLEEP', 'abc'],
      ['DEBUG', 'SLEEP', '-1'],
      ['DEBUG', 'SLEEP', '0.001x'],
      ['DEBUG', 'sleep', '.01'],
    ]);
  });

  it('SLEEP blocks the whole server', async () => {
    const a = await RawConnection.open({ port: d.nodis.port });
    const b = await RawConnection.open({ port: d.nodis.port });
    try {
      const start = performance.now();
      const sleeping = a.call('DEBUG', 'SLEEP', '0.3');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await b.call('PING'), '+PONG\r\n');
      assert.equal(await sleeping, '+OK\r\n');
      assert.ok(performance.now() - start >= 290, 'slept');
    } finally {
      a.close();
      b.close();
    }
  });

  it('SET-ACTIVE-EXPIRE switches the active expire cycle', async () => {
    await d.check([
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['DEBUG', 'set-active-expire', '1'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', 'x'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '2'],
    ]);
    const s = d.nodis.server;
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
      assert.equal(s.activeExpireEnabled, false);
      s.dbs[5].set('stale', 'v');
      s.dbs[5].setExpire('stale', d.nodis.clock.now() - 1000);
      await new Promise((r) => setTimeout(r, 350));
      assert.ok(s.dbs[5].dict.has('stale'), 'not expired in the background while disabled');
      assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), '+OK\r\n');
      assert.equal(s.activeExpireEnabled, true);
      const deadline = Date.now() + 3000;
      while (s.dbs[5].dict.has('stale') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(!s.dbs[5].dict.has('stale'), 'expired in the background once enabled');
      assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', 'abc'), '+OK\r\n');
      assert.equal(s.activeExpireEnabled, false);
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    } finally {
      c.close();
    }
  });

  it('OBJECT shows encoding, refcount and serialized length like Redis', async () => {
    await d.withPair(async (p) => {
      const values = ['bar', '12345', '100', '-5', '70000', '3000000000', '0', '01', '', 'z'.repeat(20), '\x00\xff', '9999', '10000', '-0'];
      await p.setup('SELECT', '7');
      for (let i = 0; i < values.length; i++) await p.setup('SET', `o${i}`, values[i]);
      for (let i = 0; i < values.length; i++) {
        const rn = maskDebugObject(await p.nodis.call('DEBUG', 'OBJECT', `o${i}`));
        const ro = maskDebugObject(await p.redis.call('DEBUG', 'OBJECT', `o${i}`));
        assert.equal(rn, ro, `DEBUG OBJECT of ${JSON.stringify(values[i])}`);
      }
      await p.do('DEBUG', 'OBJECT', 'missing');
    }, { flush: false });
  });

  it('OBJECT serializedlength: LZF-compressed sizes of long strings, as Redis computes them', async () => {
    // Redis compresses strings over 20 bytes with liblzf when that saves 4 bytes (fuzzer finding).
    let seed = 12345;
    const rnd = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    const randomFrom = (alphabet: string, len: number): string => {
      let out = '';
      for (let i = 0; i < len; i++) out += alphabet[rnd(alphabet.length)];
      return out;
    };
    const values = [
      'y'.repeat(21), 'y'.repeat(24), 'y'.repeat(25), 'y'.repeat(300), 'x'.repeat(45), 'ab'.repeat(40),
      'abc'.repeat(3000), 'abcdefghij'.repeat(1000), '\0'.repeat(70000),
      'hello world, hello world, hello world!', 'The quick brown fox jumps over the lazy dog. '.repeat(7),
      randomFrom('ab', 21), randomFrom('ab', 100), randomFrom('abc', 1000), randomFrom('abcd', 9000),
      randomFrom('0123456789abcdef', 500), randomFrom('xy\0\xff', 20000),
      // Matches at every offset limit and length limit: 8191/8192 bytes back, 264 bytes long.
      randomFrom('ab', 8191) + randomFrom('ab', 300), randomFrom('abcdefgh', 8200) + 'q'.repeat(600),
      Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('').repeat(3),
    ];
    for (let i = 0; i < 40; i++) values.push(randomFrom('abcde'.slice(0, 1 + rnd(5)), 21 + rnd(400)));
    const steps: string[][] = [];
    for (let i = 0; i < values.length; i++) steps.push(['SET', `o${i}`, values[i]], ['DEBUG', 'OBJECT', `o${i}`]);
    for (const compression of ['yes', 'no']) {
      await d.withConfig({ rdbcompression: compression }, () =>
        d.withPair(async (p) => {
          for (const argv of steps) {
            const rn = maskDebugObject(await p.nodis.call(...argv));
            const ro = maskDebugObject(await p.redis.call(...argv));
            assert.equal(rn, ro, `${argv.slice(0, 3).join(" ").slice(0, 60)} (rdbcompression ${compression})`);
          }
        }),
      );
    }
  });

  it('PROTOCOL replies with each type, RESP2 and RESP3', async () => {
    const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false', 'STRING', 'nosuch'];
    const steps = types.map((t) => ['DEBUG', 'PROTOCOL', t]);
    await d.check([...steps, ['DEBUG', 'PROTOCOL', 'push']]);
    await d.check(steps, { resp3: true });
    // A push message comes with a reply of its own after it.
    await d.withPair(async ({ nodis: n, redis: o }) => {
      const rn = [await n.call('DEBUG', 'PROTOCOL', 'push'), await n.read()];
      const ro = [await o.call('DEBUG', 'PROTOCOL', 'push'), await o.read()];
      assert.deepEqual(rn, ro);
      // The push message is sent even while replies are off or skipped; the reply is not (fuzzer finding).
      const pipeline =
        encodeCommand(['CLIENT', 'REPLY', 'OFF']) + encodeCommand(['DEBUG', 'PROTOCOL', 'push']) +
        encodeCommand(['CLIENT', 'REPLY', 'ON']) + encodeCommand(['CLIENT', 'REPLY', 'SKIP']) +
        encodeCommand(['DEBUG', 'PROTOCOL', 'push']) + encodeCommand(['DEBUG', 'PROTOCOL', 'push']);
      n.write(pipeline);
      o.write(pipeline);
      const [qn, qo] = await Promise.all([n.readUntilClose(300), o.readUntilClose(300)]);
      assert.equal(qn, qo);
      assert.ok(qo.startsWith('>2\r\n'), 'Redis sent the push');
    }, { resp3: true });
  });

  it('ERROR replies with the given text, not counted as an error reply', async () => {
    await d.check([['DEBUG', 'ERROR', 'foo'], ['DEBUG', 'ERROR', '-FOO bar'], ['DEBUG', 'ERROR', 'CODE message'], ['DEBUG', 'ERROR', 'a\r\nb']]);
    const before = d.nodis.server.stats.totalErrorReplies;
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await c.call('DEBUG', 'ERROR', 'X y'), '-X y\r\n');
    } finally {
      c.close();
    }
    assert.equal(d.nodis.server.stats.totalErrorReplies, before);
  });

  it('POPULATE creates keys like Redis, skipping existing ones', async () => {
    await d.check([
      ['SELECT', '9'],
      ['SET', 'key:1', 'mine'],
      ['DEBUG', 'POPULATE', '3'],
      ['GET', 'key:0'],
      ['GET', 'key:1'],
      ['GET', 'key:2'],
      ['GET', 'key:3'],
      ['DEBUG', 'POPULATE', '2', 'p', '3'],
      ['GET', 'p:0'],
      ['DEBUG', 'POPULATE', '1', 'q', '12'],
      ['GET', 'q:0'],
      ['DEBUG', 'POPULATE', '1', 'r', '0'],
      ['GET', 'r:0'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', 'x'],
      ['DEBUG', 'POPULATE', '1', 'x', '-1'],
      ['DEBUG', 'POPULATE', '1', 'x', 'y'],
      ['DEBUG', 'POPULATE', '0'],
      ['INFO', 'keyspace'],
    ]);
  });

  it('LOG writes to the log and replies OK; HELP lists the subcommands', async () => {
    await d.check([['DEBUG', 'LOG', 'hello from the test']]);
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      const help = bulkLines((await c.call('DEBUG', 'HELP'))!);
      assert.equal(help[0], 'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      assert.deepEqual(help.slice(-2), ['HELP', '    Prints this help.']);
      for (const sub of ['SLEEP <seconds>', 'SET-ACTIVE-EXPIRE <0|1>', 'OBJECT <key>', 'POPULATE <count> [<prefix>] [<size>]', 'PROTOCOL <type>']) {
        assert.ok(help.includes(sub), sub);
      }
    } finally {
      c.close();
    }
  });
});

/** The status lines of a HELP reply. */
function bulkLines(reply: string): string[] {
  return parseNode(reply).items.map((x) => {
    assert.equal(x.raw[0], '+');
    return x.raw.slice(1, -2);
  });
}

describe('DEBUG when enable-debug-command is off', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startWith({ 'enable-debug-command': 'no' }));
  after(() => d.stop());

  it('answers with Redis error, after the arity check', async () => {
    await d.check([['DEBUG', 'HELP'], ['DEBUG', 'SLEEP', '0'], ['DEBUG', 'nosuch'], ['DEBUG']]);
  });

  it('with "local", allows loopback clients only', async () => {
    const s = await startServer({ 'enable-debug-command': 'local' });
    try {
      const c = await RawConnection.open({ port: s.port });
      assert.equal(await c.call('DEBUG', 'SLEEP', '0'), '+OK\r\n');
      c.close();
    } finally {
      await s.close();
    }
  });
});

describe('globMatch', () => {
  it('matches like Redis stringmatchlen', () => {
    const cases: [string, string, boolean, boolean?][] = [
      ['*', 'anything', true],
      ['*', '', false],
      ['', '', true],
      ['a*', 'a', true],
      ['a*b', 'a', false],
      ['?', 'x', true],
      ['?', '', false],
      ['h?llo', 'hello', true],
      ['h[ae]llo', 'hallo', true],
      ['h[^e]llo', 'hello', false],
      ['h[a-b]llo', 'hbllo', true],
      ['h[b-a]llo', 'hbllo', true],
      ['h\\*llo', 'h*llo', true],
      ['h\\*llo', 'hello', false],
      ['[abc', 'a', true],
      ['*|*', 'config|get', true],
      ['CONFIG*', 'config|get', true, true],
      ['CONFIG*', 'config|get', false, false],
      ['[A-C]*', 'by', true, true],
      ['a**b', 'axxb', true],
      ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(40), false],
    ];
    for (const [p, s, want, nocase] of cases) assert.equal(globMatch(p, s, nocase ?? false), want, `${p} ~ ${s}`);
  });
});
