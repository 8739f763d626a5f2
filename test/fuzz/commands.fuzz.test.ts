// Differential fuzzer over the whole command table: random command sequences go to nodis and to
// a real redis-server, and every raw reply must match, byte for byte, except where this file says
// why it may not (Redis's own non-determinism, or a documented nodis difference).
//
//   FUZZ_SEED=123 replays one run; FUZZ_RUNS=5000 runs longer; FUZZ_STEPS sets the longest sequence.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  Differential, differentialSuite, splitAggregate, approxEqual, bulkPayload, collectScan, isError, sorted, type Pair,
} from '../helpers/differential.js';
import { encodeCommand, type RawConnection } from '../helpers/resp.js';
import type { Command, CommandTable } from '../../src/server/command.js';
import { cString, optionWord } from '../../src/util/cstring.js';
import { parseLongDouble } from '../../src/util/longdouble.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const MAX_STEPS = Number(process.env.FUZZ_STEPS ?? 25);
/** FUZZ_STATS=1 prints, per command, how many replies were errors: is the vocabulary reaching past them? */
const STATS = process.env.FUZZ_STATS ? new Map<string, { ok: number; err: number }>() : null;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;

// ---------------------------------------------------------------------------------------------
// What the oracle (Redis 7.0) knows, to tell "nodis lacks it" from "nobody has it".

interface RawInfo extends Array<unknown> {
  0: string;
  9: RawInfo[];
}
const REDIS_COMMANDS = new Set<string>();
for (const r of JSON.parse(readFileSync(new URL('../../../data/command-info.json', import.meta.url), 'latin1')) as RawInfo[]) {
  REDIS_COMMANDS.add(r[0]);
  for (const s of r[9]) REDIS_COMMANDS.add(s[0]);
}

/** Names no Redis knows, for the unknown-command path. */
const UNKNOWN_NAMES = ['nosuch', 'GETX', '', '\0', 'se\0t', 'x'.repeat(140), 'café'];

// ---------------------------------------------------------------------------------------------
// Never sent, or sent only in a safe form (each with its reason):
// - SHUTDOWN, QUIT: end the server or the connection the fuzzer talks on.
// - CLIENT KILL: may kill the fuzzer's own connection; client ids differ between the servers.
// - CLIENT SETINFO, CLIENT NO-TOUCH: Redis 7.2 commands that nodis implements; the 7.0 oracle
//   answers "unknown subcommand".
// - DEBUG: only PROTOCOL, OBJECT, DIGEST, DIGEST-VALUE and SET-ACTIVE-EXPIRE 0 (the others sleep, crash, reload, log,
//   populate big data, or differ by design: README lists what nodis's DEBUG implements). Each
//   run switches active expiry off (so expired keys go only when touched, the same on both
//   servers) and back on at its end; 0 is thus the only value that cannot change a run.
// - CONFIG REWRITE: neither server has a config file to write; CONFIG SET: only the parameters in
//   CONFIG_SETTABLE, whose change cannot break the harness (no port/bind/dir/unixsocket/
//   requirepass/maxclients/timeout/protected-mode/enable-*, no output-buffer limits or
//   persistence), and which are restored after every run. maxmemory is left out: eviction and
//   OOM refusals are not built yet (README).
const CONFIG_SETTABLE = [
  'hz', 'maxmemory-policy', 'lfu-log-factor', 'lfu-decay-time', 'slowlog-log-slower-than', 'slowlog-max-len',
  'notify-keyspace-events', 'list-max-listpack-size', 'hash-max-listpack-entries', 'set-max-intset-entries',
  'zset-max-listpack-entries', 'latency-tracking', 'latency-tracking-info-percentiles', 'lazyfree-lazy-user-del',
  'lazyfree-lazy-user-flush', 'activerehashing', 'maxmemory-samples', 'busy-reply-threshold', 'acllog-max-len',
  'active-expire-effort', 'stream-node-max-entries', 'hll-sparse-max-bytes',
];
/** Names CONFIG SET may also use: aliases, immutable parameters (an error) and unknown ones. */
const CONFIG_SET_EXTRA = ['list-max-ziplist-size', 'zset-max-ziplist-entries', 'lua-time-limit', 'databases', 'daemonize', 'nosuch-param'];
const CONFIG_SET_ALLOWED = new Set([...CONFIG_SETTABLE, ...CONFIG_SET_EXTRA]);

const DEBUG_ALLOWED = new Set(['protocol', 'object', 'set-active-expire', 'digest', 'digest-value', 'nosuch']);

// ---------------------------------------------------------------------------------------------
// Vocabulary

const KEYS = ['k', 'a', 'b', 'n', '', 'x\0y', '\xff'];
const INTEGERS = [
  '0', '-1', '1', '2', '3', '10', '100', '-100', '44', '45',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809',
  '18446744073709551615', '18446744073709551616', '2147483647', '2147483648', '-2147483649', '4294967296',
  '99999999999999999999', '536870912', '4611686018427387904', '01', '+1', ' 1', '1 ', '1.5', '-1.5',
  'inf', '-inf', 'nan', '-0', '0x10', '1e3', '',
];
const FLOATS = ['0.1', '3.14', '-0.0', '1e308', '1e309', '-1e308', '5e-324', '1e-400', '.5', '5.', '0x1p3', 'inf', '+inf', '-inf', 'nan', '1.7976931348623157e308', '10.50', '1e'];
const TIMES = ['0', '1', '-1', '4102444800', '4102444800000', '9223372036854775807', '92233720368547758', '1700000000'];
const PATTERNS = ['*', 'k*', '?', '[ab]', '[^a]*', '[a-', '\\*', '[', '*\0*', 'a*a*a*a*a*a*a*a*a*b', 'x\\', '**', ''];
const STRINGS = ['v', 'hello', 'secret', 'default', 'string', 'list', 'none', 'Hash', '', '\0', '\xff\xfe', '\r\n', 'a b', 'foo\r\nbar', '"q"', "'", 'x'.repeat(45), 'y'.repeat(300), '12345', '-7', '3.0',
  // Long enough for LZF (DEBUG OBJECT) and LCS to have something to chew on.
  'abcdefghij'.repeat(150) + '\0\xff'.repeat(50) + 'hello world '.repeat(40)];
const YES_NO = ['yes', 'no', 'YES', 'nO', 'y', '1', 'yes\0x', 'no\0'];
const CONFIG_VALUES_OF: Record<string, string[]> = {
  hz: ['1', '10', '100', '500', '0', '501', '-1', '10\0', '1e1'],
  'maxmemory-policy': ['allkeys-lfu', 'volatile-lfu', 'allkeys-lru', 'volatile-lru', 'noeviction', 'allkeys-random', 'volatile-ttl', 'LRU', 'allkeys-lfu\0x'],
  'notify-keyspace-events': ['KEA', 'Ex', '', 'x', 'g$lshzxetdmn', 'A', 'K', 'nK', 'q'],
  'list-max-listpack-size': ['-1', '-2', '-5', '-6', '128', '0'],
  'list-max-ziplist-size': ['-1', '-2', '8'],
  'latency-tracking': YES_NO,
  'latency-tracking-info-percentiles': ['50 99', '', '101', '0x10', '-0', '1e2 5.', '50 nan', ' 1'],
  'lazyfree-lazy-user-del': YES_NO,
  'lazyfree-lazy-user-flush': YES_NO,
  activerehashing: YES_NO,
  daemonize: YES_NO,
  'maxmemory-samples': ['1', '5', '64', '65', '0'],
  'active-expire-effort': ['1', '10', '11', '0'],
  'hll-sparse-max-bytes': ['1k', '1mb', '3000', '1gb', '-1', '1k\0x', '2KB', '1b', '100\0'],
};
const CONFIG_VALUES = ['yes', 'no', '0', '1', '-1', '100', '1mb', '1k', 'allkeys-lfu', 'volatile-lru', 'noeviction', 'allkeys-lru', 'KEA', 'Ex', '50 99', '', 'abc', '1gb', '2 3 4', '-2', '500'];
const PROTOCOL_TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nosuch'];

/** Random letter case, so names and tokens are matched case-insensitively. */
function anyCase(s: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(s) },
    { weight: 1, arbitrary: fc.constant(s.toLowerCase()) },
    { weight: 1, arbitrary: fc.constant(s.toUpperCase()) },
    {
      weight: 1,
      arbitrary: fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) =>
        [...s].map((ch, i) => (up[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
      ),
    },
  );
}

/**
 * An option token in any case; sometimes followed by a NUL and more bytes, which Redis's
 * strcasecmp does not see (it compares C strings).
 */
function tokenArb(t: string): fc.Arbitrary<string> {
  return fc.oneof({ weight: 12, arbitrary: anyCase(t) }, { weight: 1, arbitrary: anyCase(t).map((x) => `${x}\0x`) });
}

const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a).toString('latin1'));
const key = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: bytes });
const integer = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...INTEGERS) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 16 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: -50, max: 50 }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String) },
);
const double = fc.oneof(fc.constantFrom(...FLOATS), integer);
const time = fc.constantFrom(...TIMES);
const pattern = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PATTERNS) }, { weight: 1, arbitrary: key });
const value = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 2, arbitrary: integer },
  { weight: 1, arbitrary: bytes },
  { weight: 1, arbitrary: key },
);

/** Every option token in a command's docs (EX, PX, MATCH, COUNT …). */
function tokensOf(cmd: Command): string[] {
  const out = new Set<string>();
  const walk = (args: unknown): void => {
    for (const a of (args as DocArg[] | undefined) ?? []) {
      if (a.token) out.add(a.token);
      walk(a.arguments);
    }
  };
  walk(cmd.docs.arguments);
  return [...out];
}

interface DocArg {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: DocArg[];
}

/** Any argument at all, mixing the command's own tokens into the vocabulary. */
function anyArg(tokens: string[]): fc.Arbitrary<string> {
  const arbs: Array<fc.WeightedArbitrary<string>> = [
    { weight: 3, arbitrary: key },
    { weight: 3, arbitrary: integer },
    { weight: 3, arbitrary: value },
    { weight: 1, arbitrary: double },
    { weight: 1, arbitrary: pattern },
  ];
  if (tokens.length) arbs.push({ weight: 4, arbitrary: fc.constantFrom(...tokens).chain(tokenArb) });
  return fc.oneof(...arbs);
}

/** Arguments that follow a command's docs (a mostly valid call). */
function docArgs(args: DocArg[] | undefined): fc.Arbitrary<string[]> {
  if (!args || args.length === 0) return fc.constant([]);
  return fc.tuple(...args.map(docArg)).map((parts) => parts.flat());
}

function docArg(a: DocArg): fc.Arbitrary<string[]> {
  let inner: fc.Arbitrary<string[]>;
  switch (a.type) {
    case 'key': inner = key.map((k) => [k]); break;
    case 'integer': inner = integer.map((v) => [v]); break;
    case 'double': inner = double.map((v) => [v]); break;
    case 'unix-time': inner = time.map((v) => [v]); break;
    case 'pattern': inner = pattern.map((v) => [v]); break;
    case 'pure-token': inner = fc.constant([]); break;
    case 'oneof': inner = fc.oneof(...(a.arguments ?? []).map(docArg)); break;
    case 'block': inner = docArgs(a.arguments); break;
    default: inner = value.map((v) => [v]);
  }
  const flags = a.flags ?? [];
  const token = a.token;
  const withToken = (arb: fc.Arbitrary<string[]>): fc.Arbitrary<string[]> =>
    token ? fc.tuple(tokenArb(token), arb).map(([t, rest]) => [t, ...rest]) : arb;
  let arb: fc.Arbitrary<string[]>;
  if (flags.includes('multiple')) {
    const one = flags.includes('multiple_token') ? withToken(inner) : inner;
    const many = fc.array(one, { minLength: 1, maxLength: 3 }).map((xs) => xs.flat());
    arb = flags.includes('multiple_token') ? many : withToken(many);
  } else {
    arb = withToken(inner);
  }
  return flags.includes('optional') ? fc.oneof(fc.constant<string[]>([]), arb) : arb;
}

type Mutation = { kind: 'insert' | 'replace' | 'delete' | 'truncate'; pos: number; arg: string };

/** Too few, too many, or wrong arguments. */
function mutate(args: string[], muts: Mutation[]): string[] {
  const out = [...args];
  for (const m of muts) {
    const at = out.length ? m.pos % (out.length + (m.kind === 'insert' ? 1 : 0)) : 0;
    if (m.kind === 'insert') out.splice(at, 0, m.arg);
    else if (m.kind === 'replace' && out.length) out[at] = m.arg;
    else if (m.kind === 'delete' && out.length) out.splice(at, 1);
    else if (m.kind === 'truncate') out.length = at;
  }
  return out;
}

/** argv for one command (a container picks one of its subcommands first). */
function commandArb(cmd: Command): fc.Arbitrary<string[]> {
  const tokens = tokensOf(cmd);
  let body: fc.Arbitrary<string[]>;
  if (cmd.subcommands.size) {
    const subs = [...cmd.subcommands.values()].filter((s) => !NEVER_SUBCOMMANDS.has(s.fullName));
    for (const s of subs) tokens.push(...tokensOf(s));
    body = fc.oneof(
      ...subs.map((s) => fc.tuple(anyCase(s.name), docArgs(s.docs.arguments as DocArg[] | undefined)).map(([n, r]) => [n, ...r])),
    );
  } else {
    body = docArgs(cmd.docs.arguments as DocArg[] | undefined);
  }
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    kind: fc.constantFrom<Mutation['kind']>('insert', 'replace', 'delete', 'truncate', 'insert'),
    pos: fc.nat(20),
    arg: anyArg(tokens),
  });
  const random = fc.array(anyArg(tokens), { maxLength: 6 });
  const args = fc.oneof(
    { weight: 5, arbitrary: body },
    { weight: 3, arbitrary: fc.tuple(body, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([b, m]) => mutate(b, m)) },
    { weight: 1, arbitrary: random },
  );
  return fc.tuple(anyCase(cmd.name), args).map(([n, a]) => [n, ...a]);
}

// SYNC and PSYNC turn the connection into a replica (Redis sends its snapshot from a background
// save, later); REPLCONF ACK/GETACK get no reply: test/replication covers them. The subscribe
// family answers with one confirmation per channel (pushes in RESP3) and puts the connection in
// subscribed mode, which a one-reply-per-step model cannot follow; it is covered by
// test/commands/pubsub.test.ts. (PUBLISH and PUBSUB stay: without subscribers they are plain.)
// MONITOR streams lines between the replies (test/commands/monitor.test.ts). The slow log and
// the latency histograms hold timings, which differ between any two servers
// (test/commands/slowlog.test.ts, latency.test.ts).
// PFSELFTEST adds ten million elements (half a second in Redis, about two in nodis) and answers
// only OK: test/commands/hyperloglog.test.ts runs it. BGSAVE and BGREWRITEAOF end in the
// background, at a different moment on each server (a SAVE, BGSAVE or BGREWRITEAOF after them
// may find one running on one side only): test/persistence/snapshot.test.ts and aof.test.ts
// cover them.
// REPLICAOF/SLAVEOF turn the server into a replica of a random address (READONLY for the runs
// after it), and WAIT with replicas asked for blocks until its random timeout:
// test/replication/ covers them against redis-server.
const NEVER_COMMANDS = new Set([
  'shutdown', 'quit', 'sync', 'psync', 'replconf', 'monitor', 'replicaof', 'slaveof', 'wait',
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe',
  'pfselftest', 'bgsave', 'bgrewriteaof',
]);
// CLIENT PAUSE with a random timeout (536870912 ms) leaves both servers paused for the runs
// after it: test/commands/pause.test.ts covers it.
const NEVER_SUBCOMMANDS = new Set([
  'client|kill', 'client|setinfo', 'client|no-touch', 'client|pause', 'config|rewrite',
  'slowlog|get', 'slowlog|len', 'latency|histogram',
  // SCRIPT DEBUG YES turns Redis's next EVAL into a debugging session; nodis has no debugger
  // (README, Scripting): test/commands/scripting.test.ts covers what both answer.
  'script|debug',
]);

/** DEBUG in the forms the fuzzer may send. */
const debugArb: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(anyCase('PROTOCOL'), fc.constantFrom(...PROTOCOL_TYPES).chain(anyCase)).map(([s, t]) => ['DEBUG', s, t]),
  fc.tuple(anyCase('OBJECT'), key).map(([s, k]) => ['DEBUG', s, k]),
  anyCase('SET-ACTIVE-EXPIRE').map((s) => ['DEBUG', s, '0']),
  // The dataset's digest, and a few values': both servers must hold the same data.
  anyCase('DIGEST').map((s) => ['DEBUG', s]),
  fc.tuple(anyCase('DIGEST-VALUE'), fc.array(key, { maxLength: 3 })).map(([s, ks]) => ['DEBUG', s, ...ks]),
  fc.array(value, { maxLength: 2 }).map((rest) => ['debug', 'nosuch', ...rest]),
  fc.constant<string[]>(['DEBUG']),
  fc.tuple(fc.constantFrom('PROTOCOL', 'OBJECT'), fc.array(value, { maxLength: 3 })).map(([s, rest]) => ['DEBUG', s, ...rest]),
);

/** CONFIG SET of the parameters that are safe to change (see CONFIG_SETTABLE). */
const configPairArb: fc.Arbitrary<[string, string]> = fc.constantFrom(...CONFIG_SET_ALLOWED).chain((p) => {
  const own = CONFIG_VALUES_OF[p];
  const generic = fc.oneof(fc.constantFrom(...CONFIG_VALUES), integer);
  const v = own ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...own) }, { weight: 1, arbitrary: generic }) : fc.oneof(fc.integer({ min: 0, max: 2000 }).map(String), generic);
  return fc.tuple(anyCase(p), v);
});
const configSetArb: fc.Arbitrary<string[]> = fc
  .array(configPairArb, { minLength: 0, maxLength: 3 })
  .chain((pairs) => fc.tuple(fc.constant(pairs.flat()), fc.boolean()))
  .map(([flat, odd]) => ['CONFIG', 'SET', ...(odd && flat.length ? flat.slice(0, -1) : flat)]);

/** CONFIG GET with names and globs. */
const configGetArb: fc.Arbitrary<string[]> = fc
  .array(fc.oneof(fc.constantFrom(...CONFIG_SET_ALLOWED, '*', '*max*', 'maxmemory', 'port', 'dir', 'save', '*-policy', 'h?', 'appendonly', 'bind')), { maxLength: 3 })
  .map((ps) => ['CONFIG', 'GET', ...ps]);

/** COMMAND GETKEYS / INFO / DOCS about commands nodis has, or nobody has. */
function commandAboutArb(names: string[]): fc.Arbitrary<string[]> {
  return fc.oneof(
    fc.tuple(fc.constantFrom('GETKEYS', 'GETKEYSANDFLAGS'), fc.constantFrom(...names, 'nosuch'), fc.array(anyArg(['GET', 'STORE', 'KEYS']), { maxLength: 4 })).map(
      ([s, n, rest]) => ['COMMAND', s, n, ...rest],
    ),
    fc.tuple(fc.constantFrom('INFO', 'DOCS'), fc.array(fc.constantFrom(...names, 'nosuch', 'config|get', 'object|help'), { maxLength: 3 })).map(([s, ns]) => [
      'COMMAND',
      s,
      ...ns,
    ]),
  );
}

/**
 * The last word on what is sent: forbidden forms become PING, and relative TTLs that would expire
 * within a run are pushed a minute out, so no reply depends on how fast each server answers.
 */
function sanitize(input: string[]): string[] {
  const argv = unambiguousNames(input);
  const name = argv[0].toLowerCase();
  const sub = (argv[1] ?? '').toLowerCase();
  if (NEVER_COMMANDS.has(name)) return ['PING'];
  if (argv.length > 1 && NEVER_SUBCOMMANDS.has(`${name}|${sub}`)) return ['PING'];
  // REPLICAOF/SLAVEOF with a valid port would make both servers replicas of a random host for
  // the runs after it (Redis resolving the name blocks it meanwhile): only NO ONE and the forms
  // refused before connecting are sent; test/replication/replica.test.ts covers the rest.
  if ((name === 'replicaof' || name === 'slaveof') && argv.length === 3) {
    const noOne = cString(argv[1]).toLowerCase() === 'no' && cString(argv[2]).toLowerCase() === 'one';
    if (!noOne && /^(0|[1-9]\d{0,4})$/.test(argv[2]) && Number(argv[2]) <= 65535) return ['PING'];
  }
  if (name === 'debug' && argv.length > 1) {
    if (!DEBUG_ALLOWED.has(sub)) return ['PING'];
    if (sub === 'set-active-expire' && argv.length === 3) return [argv[0], argv[1], '0'];
  }
  if (name === 'config' && sub === 'get') {
    // A name without glob characters before a NUL is looked up by hash (see unambiguousNames).
    return argv.map((a, i) => (i >= 2 && a.includes('\0') && !/[[*?]/.test(cString(a)) ? cString(a) : a));
  }
  if (name === 'config' && sub === 'set') {
    const out = [...argv];
    for (let i = 2; i < out.length; i += 2) if (!CONFIG_SET_ALLOWED.has(out[i].toLowerCase())) out[i] = 'hz';
    return out;
  }
  if (name === 'srandmember' || name === 'hrandfield' || name === 'zrandmember') return boundRandomCount(name, argv);
  return safeBlocking(name, pushTtlsOut(name, argv));
}

/** Where each blocking command's timeout is (a negative index counts from the end). */
const BLOCKING_TIMEOUT_AT: Record<string, number> = {
  blpop: -1,
  brpop: -1,
  blmpop: 1,
  blmove: 5,
  brpoplpush: 3,
  bzpopmin: -1,
  bzpopmax: -1,
  bzmpop: 1,
};

/**
 * A blocking command waits 10 ms at most: one connection cannot serve it, and a timeout of 0 would
 * never end. Timeouts that Redis 7.0 (the oracle) and 7.2 (nodis) read differently go the same
 * way: 7.0 truncates what 7.2 rounds up (0.0001 is forever there) and calls an overflow
 * "negative" where 7.2 says "out of range" (README). Invalid and clearly negative timeouts stay,
 * for their errors. LPOS's RANK -2^63 is refused by 7.2 only: it becomes -1.
 */
function safeBlocking(name: string, argv: string[]): string[] {
  if (name === 'lpos') return argv.map((a, i) => (i > 2 && a === '-9223372036854775808' ? '-1' : a));
  if (name === 'xread' || name === 'xreadgroup') {
    // BLOCK <ms> among the options before STREAMS: a valid, non-negative one waits 10 ms.
    const out = [...argv];
    for (let i = 1; i + 1 < out.length; i++) {
      const word = optionWord(out[i]);
      if (word === 'streams') break;
      if (word === 'block' && /^(0|[1-9][0-9]{0,18})$/.test(out[i + 1]) && BigInt(out[i + 1]) < 2n ** 63n) out[i + 1] = '10';
    }
    return out;
  }
  const at = BLOCKING_TIMEOUT_AT[name];
  if (at === undefined) return argv;
  const i = at < 0 ? argv.length + at : at;
  if (i < 1 || i >= argv.length) return argv;
  // strtold's syntax (hex floats, inf …), read up to a NUL as Redis reads it.
  if (parseLongDouble(cString(argv[i])) === null) return argv;
  const v = Number(argv[i]);
  if (!Number.isNaN(v) && v <= -1) return argv;
  const out = [...argv];
  out[i] = '0.01';
  return out;
}

/**
 * SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a negative count answer that many picks: a count of billions
 * would make both servers build a reply of gigabytes. Counts below -1000 (that are not errors)
 * become -1000.
 */
function boundRandomCount(name: string, argv: string[]): string[] {
  if (argv.length < 3) return argv;
  const n = /^-[1-9][0-9]*$/.test(argv[2]) && argv[2].length <= 20 ? BigInt(argv[2]) : 0n;
  const floor = -(2n ** 63n - 1n);
  const withValues =
    argv.length === 4 && ((name === 'hrandfield' && optionWord(argv[3]) === 'withvalues') || (name === 'zrandmember' && optionWord(argv[3]) === 'withscores'));
  // Past these the count is an error, which is deterministic and cheap.
  if (n >= -1000n || n < (withValues ? floor / 2n : floor)) return argv;
  return [argv[0], argv[1], '-1000', ...argv.slice(3)];
}

/**
 * A command or subcommand name with a NUL byte in it: Redis hashes the whole name but compares
 * names up to the NUL (strcasecmp), so "get\0x" finds GET only when the hashes happen to share a
 * bucket, which depends on the process's random hash seed. Such a name is cut at the NUL when
 * what comes before it is a command; any other NUL name is reliably unknown.
 */
function unambiguousNames(argv: string[]): string[] {
  const out = [...argv];
  const base = cString(out[0]).toLowerCase();
  if (out[0].includes('\0') && REDIS_COMMANDS.has(base)) out[0] = cString(out[0]);
  if (out.length > 1 && out[1].includes('\0') && REDIS_COMMANDS.has(`${out[0].toLowerCase()}|${cString(out[1]).toLowerCase()}`)) {
    out[1] = cString(out[1]);
  }
  return out;
}

/** True if some name in words is ambiguous in that way (COMMAND INFO, DOCS and GETKEYS look names up). */
function ambiguousName(words: string[]): boolean {
  return words.some((w) => w.includes('\0') && [...REDIS_COMMANDS].some((c) => c === cString(w).toLowerCase() || c.startsWith(`${cString(w).toLowerCase()}|`)));
}

const PLAIN_POSITIVE = /^[1-9][0-9]*$/;

function pushTtlsOut(name: string, argv: string[]): string[] {
  const out = [...argv];
  const bump = (i: number, unitMs: number): void => {
    if (i < out.length && PLAIN_POSITIVE.test(out[i]) && Number(out[i]) * unitMs < 60_000) {
      out[i] = String(Number(out[i]) + Math.ceil(60_000 / unitMs));
    }
  };
  if (name === 'set' || name === 'getex') {
    for (let i = 2; i < out.length - 1; i++) {
      const t = optionWord(out[i]);
      if (t === 'px') bump(i + 1, 1);
      else if (t === 'ex') bump(i + 1, 1000);
    }
  } else if (name === 'psetex' || name === 'pexpire') bump(2, 1);
  else if (name === 'setex' || name === 'expire') bump(2, 1000);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Normalisation: what may differ between the two replies, and why. The rule for a command comes
// from Redis's own command tips (COMMAND INFO, data/command-info.json) unless EXCEPTIONS names it:
//   nondeterministic_output        the reply varies from run to run: compare its type only
//   nondeterministic_output_order  the reply is a set in any order: compare it sorted (maps by pairs)
//   neither                        compare exactly
// request_policy / response_policy tips are about cluster routing and play no part here.

/** The tips of every command and subcommand Redis 7.0 has, by full name (get, config|get). */
const TIPS = new Map<string, string[]>();
for (const r of JSON.parse(readFileSync(new URL('../../../data/command-info.json', import.meta.url), 'latin1')) as RawInfo[]) {
  TIPS.set(r[0], r[7] as string[]);
  for (const sub of r[9]) TIPS.set(sub[0], sub[7] as string[]);
}

/** What one step's rule sees. */
interface Ctx {
  argv: string[];
  rn: string;
  ro: string;
  notes: RunNotes;
  table: CommandTable;
  n: RawConnection;
  o: RawConnection;
}

type Rule = (c: Ctx) => Compared | Promise<Compared>;

/** Both replies rewritten the same way. */
const both = (f: (r: string) => string) => (c: Ctx): Compared => ({ nodis: f(c.rn), redis: f(c.ro) });
const exact = (c: Ctx): Compared => ({ nodis: c.rn, redis: c.ro });
const typeOnly = both((r) => r[0]);

/** Integers that depend on when each server ran the command: allowed to differ by tolerance. */
const withinTime = (tolerance: number): Rule => (c) =>
  c.rn[0] === ':' && approxEqual(c.rn, c.ro, tolerance) ? { nodis: c.ro, redis: c.ro } : exact(c);

/** The rule Redis's tips give a command (see above). */
function ruleFromTips(name: string): Rule {
  const tips = TIPS.get(name) ?? [];
  if (tips.includes('nondeterministic_output')) return typeOnly;
  if (tips.includes('nondeterministic_output_order')) return both(sorted);
  return exact;
}

/**
 * Where the tips do not say enough, each with the reason. Commands with a tip are here only when
 * they can be compared more closely than the tip allows (TTL within a tolerance rather than by
 * type), or must be compared more loosely for a reason of nodis's (documented in README).
 */
const EXCEPTIONS: Record<string, Rule> = {
  // Tip nondeterministic_output (time passes between the two servers' replies): within 2 s / 2000 ms.
  ttl: withinTime(2),
  pttl: withinTime(2000),
  // No tip (Redis stores absolute times), but one set relatively (EXPIRE 100) is computed from
  // each server's own clock.
  expiretime: withinTime(2),
  pexpiretime: withinTime(2000),
  // Tip nondeterministic_output (the encoding and sharing depend on the value's history and the
  // configuration): both servers see the same history and configuration, so they must agree.
  'object|encoding': exact,
  'object|refcount': exact,
  // Tip nondeterministic_output: INFO is compared by the facts the commands determine (infoFacts).
  info: (c) => both((r) => infoFacts(r, c.notes))(c),
  // Tip nondeterministic_output: SCAN is compared by the set a whole iteration finds (scanCompare).
  scan: (c) => scanCompare(c.argv, c.rn, c.ro, c.n, c.o),
  // No tip: prints the server version (7.2.4 in nodis, README; 7.0.15 in the oracle).
  lolwut: typeOnly,
  // No tip: connection ids count every connection each server has accepted.
  'client|id': typeOnly,
  // No tip: 7.2's help (nodis) adds the NO-TOUCH and SETINFO lines to 7.0's.
  'client|help': typeOnly,
  // No tip: nodis counts and lists only the commands it implements, and 7.2's (README).
  'command|count': typeOnly,
  // Tip nondeterministic_output_order, but the contents differ too, as for COMMAND COUNT.
  command: typeOnly,
  'command|list': typeOnly,
  // Tip nondeterministic_output_order: comparable where both have the same commands; the order of
  // the entries follows the names asked for, the order of subcommands is Redis's hash table's.
  'command|info': (c) => commandAbout(c, 'info'),
  'command|docs': (c) => commandAbout(c, 'docs'),
  // No tip: an estimate of what the key costs in each server's own memory (README).
  'memory|usage': typeOnly,
  // No tip: the object's address and LRU clock are Redis internals.
  debug: (c) =>
    optionWord(c.argv[1]) === 'object'
      ? both((r) => r.replace(/Value at:0x[0-9a-f]+/, 'Value at:?').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:?'))(c)
      : exact(c),
  // No tip: version (nodis reports 7.2.4, README) and the connection id.
  hello: (c) =>
    c.rn[0] === '%' || c.rn[0] === '*' ? both((r) => normalizePairs(r, (k, v) => (k === 'version' || k === 'id' ? '?' : v)))(c) : exact(c),
  // No tip: parameters that come from how the two servers were started (SETUP_PARAMS).
  'config|get': (c) => (c.rn[0] === '%' || c.rn[0] === '*' ? both((r) => normalizePairs(r, (k, v) => (SETUP_PARAMS.has(k) ? null : v)))(c) : exact(c)),
  // Tip nondeterministic_output: a page that ends the iteration (a listpack or intset answers in
  // one) is compared as a set; any other page by its shape (cursors differ).
  hscan: (c) => collectionScanPage(c, true),
  sscan: (c) => collectionScanPage(c, false),
  zscan: (c) => collectionScanPage(c, true),
  // Tip nondeterministic_output_order, but in RESP2 the map is a flat field, value … array: sort by pairs.
  hgetall: (c) => (c.rn[0] === '*' ? both((r) => normalizePairs(r, (_k, v) => v))(c) : both(sorted)(c)),
};

/**
 * CONFIG GET parameters whose values come from how the two servers were started (the oracle on
 * a unix socket in a temporary directory, with loglevel warning; nodis on 127.0.0.1), and
 * maxclients, which Redis lowers to what the machine's file descriptor limit allows.
 */
const SETUP_PARAMS = new Set(['dir', 'port', 'bind', 'unixsocket', 'save', 'loglevel', 'maxclients']);

function fullName(argv: string[], table: CommandTable): string {
  const cmd = table.lookup(argv[0]);
  if (!cmd) return '';
  if (cmd.subcommands.size && argv.length > 1) return `${cmd.fullName}|${argv[1].toLowerCase()}`;
  return cmd.fullName;
}

/** A map (RESP3) or flat array of pairs (RESP2), with some pairs dropped or rewritten. */
function normalizePairs(reply: string, rewrite: (name: string, item: string) => string | null, sort = true): string {
  const { items } = splitAggregate(reply);
  const pairs: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const v = rewrite(bulkPayload(items[i]), items[i + 1]);
    if (v !== null) pairs.push(items[i] + v);
  }
  if (sort) pairs.sort();
  return `${reply[0]}${reply[0] === '%' ? pairs.length : pairs.length * 2}\r\n${pairs.join('')}`;
}

/** What earlier steps of a run did that INFO's statistics cannot agree on. */
interface RunNotes {
  /** keyspace_hits and keyspace_misses: a SCAN with TYPE ran. */
  hitsDiffer: boolean;
  /** errorstat_*: a HELLO failed with another error than in Redis 7.0 (see normalize). */
  errorCodesDiffer: boolean;
  /**
   * Which expired keys are still stored (DBSIZE, INFO keyspace, DEBUG OBJECT): a RANDOMKEY or
   * a SCAN from a cursor other than 0 whose reply was off, so forgetExpired could not follow it.
   */
  keysDiffer: boolean;
}

/** Notes what a step does to the statistics, whether or not its reply is sent (CLIENT REPLY). */
function noteStep(notes: RunNotes, argv: string[], name: string, replied: boolean): void {
  // SCAN ... TYPE looks each visited key up (a keyspace hit); which keys a cursor other than 0
  // visits differs between the servers, and Redis may visit a key twice.
  if (name === 'scan' && argv.some((a) => optionWord(a) === 'type')) notes.hitsDiffer = true;
  // SCAN deletes the expired keys it visits, and which keys a cursor other than 0 visits
  // differs: forgetExpired follows such a SCAN when its reply is read.
  if (name === 'scan' && !replied && argv[1] !== '0') notes.keysDiffer = true;
  if (!replied) {
    // Without the reply, a HELLO error cannot be told apart (see normalize), nor can
    // forgetExpired follow a RANDOMKEY.
    if (name === 'hello') notes.errorCodesDiffer = true;
    if (name === 'randomkey') notes.keysDiffer = true;
  }
}

/**
 * RANDOMKEY deletes the expired keys it happens to pick: which ones is random; SCAN from a
 * cursor other than 0 deletes those it visits, which differ. A full SCAN afterwards deletes
 * every expired key of the database on both servers, so they agree again.
 */
async function forgetExpired(p: Pair): Promise<void> {
  for (const conn of [p.nodis, p.redis]) await collectScan(conn, ['SCAN', '0', 'COUNT', '1000']);
}

/**
 * SPOP took random members, not the same ones on both servers: both are given nodis's set again
 * (deleted and built anew on both, so the encodings agree too; a time to live goes on both). The
 * same commands go to both servers, so the statistics still agree.
 */
async function sameSetAfterSpop(p: Pair, model: ReplyModel, key: string): Promise<void> {
  const run = async (...argv: string[]): Promise<[string | null, string | null]> => {
    model.step(argv);
    return p.both(...argv);
  };
  const [members] = await run('SMEMBERS', key);
  const left = members !== null && members[0] !== '-' ? splitAggregate(members).items.map(bulkPayload) : [];
  await run('DEL', key);
  if (left.length) await run('SADD', key, ...left);
}

interface Compared {
  nodis: string | null;
  redis: string | null;
}

/**
 * The two replies as they should be compared: errors exactly (but for two HELLO differences
 * between 7.0 and 7.2), replies by the command's rule (EXCEPTIONS, else its tips).
 */
async function normalize(
  notes: RunNotes,
  argv: string[],
  rn: string | null,
  ro: string | null,
  table: CommandTable,
  n: RawConnection,
  o: RawConnection,
): Promise<Compared> {
  const name = fullName(argv, table);
  if (name === 'hello' && isError(rn) && ro?.startsWith('-WRONGPASS')) {
    // Redis 7.2 (nodis) parses all of HELLO's options (syntax, SETNAME's name) before it tries
    // AUTH; 7.0 authenticates as soon as it meets AUTH, so a bad password is reported first.
    notes.errorCodesDiffer = true;
    return { nodis: ro, redis: ro };
  }
  const helloNoauth = '-NOAUTH HELLO must be called with the client already authenticated';
  if (name === 'hello' && rn?.startsWith(helloNoauth) && ro?.startsWith(helloNoauth)) {
    // Redis 7.2 (nodis) words the rest "HELLO <proto> AUTH <user> <pass>", 7.0 "HELLO AUTH ...".
    return { nodis: ro, redis: ro };
  }
  const lookups = name === 'command|getkeys' || name === 'command|getkeysandflags' ? argv.slice(2, 4) : name === 'command|info' || name === 'command|docs' ? argv.slice(2) : [];
  if (rn !== null && ro !== null && ambiguousName(lookups)) {
    // Redis finds a command named with a NUL byte only by chance (see unambiguousNames).
    return { nodis: rn[0], redis: ro[0] };
  }
  if (rn === null || ro === null || isError(rn) || isError(ro)) return { nodis: rn, redis: ro };
  // Which expired keys are still stored differs (see RunNotes.keysDiffer).
  if (notes.keysDiffer && (name === 'dbsize' || name === 'debug')) return typeOnly({ argv, rn, ro, notes, table, n, o });
  const rule = EXCEPTIONS[name] ?? ruleFromTips(name);
  return rule({ argv, rn, ro, notes, table, n, o });
}

/** COMMAND INFO / DOCS: comparable only where both servers have the same commands. */
function commandAbout(c: Ctx, sub: 'info' | 'docs'): Compared {
  // nodis implements a part of Redis, CLIENT has 7.2's subcommands and MEMORY only USAGE and HELP
  // (README). Without names, both list every command.
  const comparable = c.argv.length > 2 && c.argv.slice(2).every((x) => {
    const l = x.toLowerCase();
    return !l.startsWith('client') && !l.startsWith('memory') && c.table.lookupFull(l) !== undefined === REDIS_COMMANDS.has(l);
  });
  if (!comparable) return typeOnly(c);
  // Redis keeps subcommands in a hash table with a per-process random seed: their order is random.
  if (sub === 'info') return both((r) => mapItems(r, (entry) => (entry[0] === '*' ? mapItems(entry, (x, i) => (i === 9 ? sorted(x) : x)) : entry)))(c);
  return both((r) => normalizePairs(r, (_k, doc) => normalizePairs(doc, (k, v) => (k === 'subcommands' ? normalizePairs(v, (_s, sd) => sd) : v), false)))(c);
}

/**
 * An HSCAN/SSCAN/ZSCAN page: compared as a set of elements (or pairs) when an iteration from cursor 0
 * ends with it on both (what another cursor means differs: README).
 */
function collectionScanPage(c: Ctx, pairs: boolean): Compared {
  const last = (r: string): boolean => r.startsWith('*2\r\n$1\r\n0\r\n');
  if (c.argv[2] !== '0' || !last(c.rn) || !last(c.ro)) return typeOnly(c);
  const page = (r: string): string => {
    const [cursor, arr] = splitAggregate(r).items;
    return cursor + (pairs ? normalizePairs(arr, (_k, v) => v) : sorted(arr));
  };
  return { nodis: page(c.rn), redis: page(c.ro) };
}

/** An aggregate with each element rewritten. */
function mapItems(r: string, f: (item: string, index: number) => string): string {
  const { header, items } = splitAggregate(r);
  return header + items.map(f).join('');
}

/**
 * INFO: memory, CPU, uptime, versions, ids and timings are the machine's; what both servers must
 * agree on is what the commands did: error counts, per-command call/rejected/failed counts,
 * keyspace hits and misses, keys and volatile keys per database. (SCAN's calls are left out: the
 * fuzzer finishes SCAN iterations itself, with as many calls as each server's cursors need.)
 */
function infoFacts(r: string, notes: RunNotes): string {
  if (r[0] !== '$' && r[0] !== '=') return r;
  const facts: string[] = [];
  for (const line of bulkPayload(r).split('\r\n')) {
    const cmd = /^cmdstat_([^:]+):calls=(\d+),usec=[^,]*,usec_per_call=[^,]*,rejected_calls=(\d+),failed_calls=(\d+)$/.exec(line);
    const db = notes.keysDiffer ? null : /^(db\d+):keys=(\d+),expires=(\d+),/.exec(line);
    if (cmd) {
      if (cmd[1] !== 'scan') facts.push(`${cmd[1]} calls=${cmd[2]} rejected=${cmd[3]} failed=${cmd[4]}`);
    } else if (db) facts.push(`${db[1]} keys=${db[2]} expires=${db[3]}`);
    else if (line.startsWith('total_error_replies:')) facts.push(line);
    else if (/^keyspace_(hits|misses):/.test(line) && !notes.hitsDiffer) facts.push(line);
    else if (line.startsWith('errorstat_') && !notes.errorCodesDiffer) facts.push(line);
  }
  return `${r[0]} ${facts.sort().join(' | ')}`;
}

/**
 * SCAN cursors mean different things on the two servers (README: nodis's are opaque), and how
 * many keys one call returns depends on Redis's hash table. From cursor 0, the fuzzer finishes
 * the iteration on each server and compares the sets of keys found; from any other cursor, only
 * the reply's shape.
 */
async function scanCompare(argv: string[], rn: string, ro: string, n: RawConnection, o: RawConnection): Promise<Compared> {
  const shape = (r: string): string => {
    if (!r.startsWith('*2\r\n')) return r;
    const [cursor, keys] = splitAggregate(r).items;
    return `*2 ${cursor[0]} ${keys[0]}`;
  };
  if (argv[1] !== '0') return { nodis: shape(rn), redis: shape(ro) };
  const finish = async (conn: RawConnection, first: string): Promise<string> => {
    const found = await collectScan(conn, argv, first);
    return typeof found === 'string' ? found : `scan: ${found.join('')}`;
  };
  return { nodis: await finish(n, rn), redis: await finish(o, ro) };
}

/**
 * argv as an inline (telnet) request: plain words as they are, anything else double-quoted with
 * C escapes, which Redis's sdssplitargs reads back byte for byte.
 */
function encodeInline(argv: string[]): string {
  const quote = (a: string): string => {
    if (/^[\x21-\x7e]+$/.test(a) && !/["'\\]/.test(a)) return a;
    let q = '"';
    for (const ch of a) {
      const code = ch.charCodeAt(0);
      if (ch === '"' || ch === '\\') q += `\\${ch}`;
      else if (code >= 0x20 && code <= 0x7e) q += ch;
      else q += `\\x${code.toString(16).padStart(2, '0')}`;
    }
    return `${q}"`;
  };
  return `${argv.map(quote).join(' ')}\r\n`;
}

/** A command's reply; push messages before it (DEBUG PROTOCOL push sends one) are kept in front. */
async function readReply(conn: RawConnection): Promise<string | null> {
  let pushes = '';
  for (;;) {
    const r = await conn.read(3000);
    if (r === null || r[0] !== '>') return r === null ? null : pushes + r;
    pushes += r;
  }
}

// ---------------------------------------------------------------------------------------------
// CLIENT REPLY: which commands get a reply at all, following Redis's client flags.

class ReplyModel {
  private off = false;
  private skip = false;
  private skipNext = false;

  /** Whether argv's reply will be sent; updates the state as Redis does. */
  step(argv: string[]): boolean {
    const suppressed = this.off || this.skip;
    let replied = !suppressed;
    const isReply = argv.length === 3 && argv[0].toLowerCase() === 'client' && argv[1].toLowerCase() === 'reply';
    if (isReply) {
      const mode = optionWord(argv[2]);
      if (mode === 'on') {
        // The flags are cleared before the OK is added, so it is always sent.
        this.off = this.skip = false;
        replied = true;
      } else if (mode === 'off') {
        this.off = true;
        replied = false;
      } else if (mode === 'skip') {
        if (!this.off) this.skipNext = true;
        replied = false;
      }
    } else if (argv.length === 1 && argv[0].toLowerCase() === 'reset') {
      // RESET clears OFF (and a pending SKIP) before it replies; an active SKIP still applies.
      this.off = false;
      this.skipNext = false;
      replied = !this.skip;
    }
    this.skip = this.skipNext;
    this.skipNext = false;
    return replied;
  }

  get quiet(): boolean {
    return this.off || this.skip;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * One fuzzing suite: a nodis and a Redis side by side, the same random sequences to both. With a
 * password, both servers require it: each run starts unauthenticated, and AUTH, HELLO AUTH and
 * the NOAUTH refusals are part of what is compared.
 */
function fuzzSuite(title: string, password?: string): void {
  describe(title, differentialSuite(), () => {
    const d = new Differential();
    const internalErrors: string[] = [];
    const initialConfig: Array<[string, string]> = [];

    /** Fresh connections to both servers (not flushed), authenticated if the servers want a password. */
    const opened = { auth: password !== undefined, flush: false };

    before(async () => {
      if (password) await d.startWith({ requirepass: password });
      else await d.start();
      const log = d.nodis.server.log;
      const warning = log.warning.bind(log);
      log.warning = (m: string): void => {
        if (m.startsWith('Error in ')) internalErrors.push(m);
        warning(m);
      };
      // The settable parameters' start values, to restore after each run (the same on both).
      await d.withPair(async (p) => {
        for (const name of CONFIG_SETTABLE) {
          const items = splitAggregate(await p.do('CONFIG', 'GET', name)).items;
          assert.equal(items.length, 2, `CONFIG GET ${name} names one parameter`);
          initialConfig.push([name, bulkPayload(items[1])]);
        }
      }, opened);
    });
    after(() => d.stop());

    /**
     * A run's connections: both servers emptied, statistics zeroed, active expiry off (a key
     * whose time has passed, SET ... PXAT 1, then stays until a command touches it, on both
     * servers alike, instead of whenever a background cycle runs); then RESP3 if asked, or,
     * with a password, RESET to start unauthenticated.
     */
    function session(resp3: boolean): Promise<Pair> {
      return d.pair({
        auth: password !== undefined,
        prepare: async (p) => {
          assert.equal(await p.do('CONFIG', 'RESETSTAT'), '+OK\r\n');
          assert.equal(await p.do('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
          if (password) assert.equal(await p.do('RESET'), '+RESET\r\n');
        },
        resp3: resp3 && !password,
      });
    }

    /** The settable parameters back at their start values (one CONFIG SET), active expiry on again. */
    async function restoreConfig(): Promise<void> {
      await d.withPair(async (p) => {
        assert.equal(await p.do('CONFIG', 'SET', ...initialConfig.flat()), '+OK\r\n', 'config restored');
        assert.equal(await p.do('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), '+OK\r\n');
      }, opened);
    }

    it('answers random command sequences like Redis, and never fails inside', async () => {
      const table = d.nodis.server.table;
      const commands = [...table.commands.values()].filter((c) => !NEVER_COMMANDS.has(c.fullName));
      const names = commands.map((c) => c.fullName);
      const special: Record<string, fc.Arbitrary<string[]>> = {
        debug: debugArb,
        // numkeys must match the keys that follow for the command to get past its checks.
        sintercard: fc.oneof(
          fc.tuple(fc.array(key, { minLength: 1, maxLength: 3 }), fc.option(fc.tuple(tokenArb('LIMIT'), integer))).map(([ks, l]) => ['SINTERCARD', String(ks.length), ...ks, ...(l ?? [])]),
          commandArb(table.commands.get('sintercard')!),
        ),
      };
      // Containers weigh more, so each of their subcommands is reached about as often as a command.
      const perCommand = commands.map((c) => ({ weight: 1 + Math.floor(c.subcommands.size / 2), arbitrary: special[c.fullName] ?? commandArb(c) }));
      const unknown = fc.tuple(fc.constantFrom(...UNKNOWN_NAMES), fc.array(value, { maxLength: 3 })).map(([nm, a]) => [nm, ...a]);
      const clientReply = fc.tuple(fc.constantFrom('ON', 'OFF', 'SKIP', 'on', 'skip', 'Off', 'x'), fc.array(value, { maxLength: 1 })).map(([m, extra]) => [
        'CLIENT',
        'REPLY',
        m,
        ...extra,
      ]);
      const auth = fc.oneof(
        fc.constantFrom<string[]>(['AUTH', PASSWORD], ['AUTH', 'default', PASSWORD], ['AUTH', 'wrong'], ['HELLO', '3', 'AUTH', 'default', PASSWORD], ['HELLO', '2', 'AUTH', 'default', PASSWORD]),
        fc.tuple(fc.constantFrom('2', '3'), fc.constantFrom('default', 'Default', 'nosuchuser'), fc.constantFrom(PASSWORD, 'wrong', ''), fc.array(value, { maxLength: 2 })).map(
          ([v, u, pw, rest]) => ['HELLO', v, 'AUTH', u, pw, ...rest],
        ),
      );
      const step = fc
        .oneof(
          { weight: 30, arbitrary: fc.oneof(...perCommand) },
          { weight: 2, arbitrary: configSetArb },
          { weight: 2, arbitrary: configGetArb },
          { weight: 2, arbitrary: commandAboutArb(names) },
          // With a password, a reply model would have to know when each connection is
          // authenticated: CLIENT REPLY is left to the suite without one.
          { weight: password ? 0 : 1, arbitrary: clientReply },
          { weight: password ? 3 : 1, arbitrary: auth },
          { weight: 1, arbitrary: unknown },
        )
        .map(sanitize)
        .map((argv) => (password && fullName(argv, table) === 'client|reply' ? ['PING'] : argv));

      // Now and then a step goes as an inline request instead of a RESP array.
      const sent = fc.tuple(step, fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }));
      const property = fc.asyncProperty(fc.boolean(), fc.array(sent, { minLength: 1, maxLength: MAX_STEPS }), async (resp3, steps) => {
        const errorsBefore = internalErrors.length;
        const p = await session(resp3);
        const { nodis: n, redis: o } = p;
        const model = new ReplyModel();
        const notes: RunNotes = { hitsDiffer: false, errorCodesDiffer: false, keysDiffer: false };
        let connected = true;
        try {
          for (const [sent, inline] of steps) {
            const replied = model.step(sent);
            // SPOP takes random members: without its reply (to set both servers' sets equal
            // after it), only the form that pops the whole set is sent.
            const argv = fullName(sent, table) === 'spop' && !replied && (sent.length === 2 || sent.length === 3) ? [sent[0], sent[1], '999999999'] : sent;
            p.write(inline ? encodeInline(argv) : encodeCommand(argv));
            noteStep(notes, argv, fullName(argv, table), replied);
            if (!replied) continue;
            const [rn, ro] = await Promise.all([readReply(n), readReply(o)]);
            if (STATS) {
              const key = fullName(argv, table) || '(unknown)';
              const st = STATS.get(key) ?? { ok: 0, err: 0 };
              if (isError(ro)) st.err++;
              else st.ok++;
              STATS.set(key, st);
            }
            const cmp = await normalize(notes, argv, rn, ro, table, n, o);
            assert.equal(cmp.nodis, cmp.redis, `reply to ${JSON.stringify(argv)} differs (nodis first, redis second)`);
            assert.ok(!rn?.startsWith('-ERR internal error'), `internal error for ${JSON.stringify(argv)}: ${rn}`);
            if (rn === null) {
              // Both closed the connection (a protocol error, e.g. an unauthenticated client's
              // too-long request): the run ends here.
              connected = false;
              break;
            }
            const done = fullName(argv, table);
            if (done === 'randomkey' || (done === 'scan' && argv[1] !== '0')) await forgetExpired(p);
            if (done === 'spop' && !isError(rn) && !isError(ro)) await sameSetAfterSpop(p, model, argv[1]);
            if (password && fullName(argv, table) === 'hello' && (isError(rn) || isError(ro)) && argv.some((a) => optionWord(a) === 'auth')) {
              // Redis 7.0 runs HELLO's AUTH as soon as it parses it, and stays authenticated if
              // a later option fails; 7.2 (nodis) checks every option first. Authenticate both.
              await p.setup('AUTH', password);
            }
          }
          if (connected) {
            // Nothing left over on either side: the next reply is the marker's. With replies off, a
            // transaction left open would queue CLIENT REPLY ON: DISCARD first (its reply, or its
            // error outside MULTI, is not sent).
            if (model.quiet) p.write(encodeCommand(['DISCARD']));
            const sync = model.quiet ? [['CLIENT', 'REPLY', 'ON'], ['ECHO', 'sync-marker']] : [['ECHO', 'sync-marker']];
            for (const argv of sync) {
              p.write(encodeCommand(argv));
              // Push messages (DEBUG PROTOCOL push) are sent even while replies are off.
              const [rn, ro] = await Promise.all([readReply(n), readReply(o)]);
              assert.equal(rn, ro, `after the sequence, ${JSON.stringify(argv)}`);
            }
          }
          // The statistics of what the sequence did (counted since the run's CONFIG RESETSTAT).
          await d.withPair((q) => q.norm((r) => infoFacts(r, notes), 'INFO', 'everything'), opened);
        } finally {
          p.close();
          await restoreConfig();
        }
        assert.deepEqual(internalErrors.slice(errorsBefore), [], 'nodis logged an internal error');
      });

      try {
        await fc.assert(property, { seed: SEED, numRuns: password ? Math.ceil(RUNS / 4) : RUNS });
      } catch (e) {
        const err = e as Error;
        const cause = err.cause instanceof Error ? `\n${err.cause.message}` : '';
        err.message = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_STEPS=${MAX_STEPS} reproduces this run\n${err.message}${cause}`;
        throw err;
      }
      if (STATS) {
        const rows = [...STATS].sort((x, y) => x[0].localeCompare(y[0]));
        for (const [k, v] of rows) console.log(`${k.padEnd(24)} ok ${String(v.ok).padStart(6)}  err ${String(v.err).padStart(6)}`);
      }
      assert.deepEqual(internalErrors, [], 'nodis logged no internal error');
    });
  });
}

/** The password of the suite whose servers require one. */
const PASSWORD = 'secret';

fuzzSuite('differential fuzzer: the whole command table', undefined);
fuzzSuite('differential fuzzer: the whole command table, with requirepass', PASSWORD);
