// Memory per dataset, nodis against Redis: each server is started fresh (no persistence), its RSS
// read once it is idle, the dataset loaded through a pipeline (1000 commands or 1000 elements per
// request), and its RSS read again once it has settled; the growth is what the data costs.
// "Settled": before each reading both servers sit idle for IDLE_WAIT_MS (nodis gives its young
// generation back after util/gc.ts's IDLE_SECONDS of quiet, as Redis's allocator returns free
// pages), and RSS is then polled until it stops moving, for both servers alike.
//
//   node dist/bench/memory.js                              (after a build)
//   BENCH_MEMORY_KEYS=100000 BENCH_MEMORY_SETS=strings,hash node dist/bench/memory.js
//
// Datasets (issue 15's), all with 16-byte keys, fields, members and values:
//   strings      BENCH_MEMORY_KEYS (default 1,000,000) SETs: key:000000000001 → value:0000000001
//   strings_ttl  the same, each with EX 100000
//   hash         one hash of that many fields (HSET, 1000 fields per command)
//   set          one set of that many members (SADD)
//   zset         one sorted set of that many members, integer scores (ZADD)

import {
  SERVER_KINDS, call, enabled, isMain, mib, pipelined, positiveInt, processName, rssBytes, runAlone, sleep,
  startServer, stopServer, type RunningServer, type Section, type ServerKind,
} from './harness.js';
import { IDLE_SECONDS } from '../src/util/gc.js';

const DATASETS = ['strings', 'strings_ttl', 'hash', 'set', 'zset'] as const;
type Dataset = (typeof DATASETS)[number];

/** The targets: nodis's growth at most this many times Redis's. */
const TARGETS: Record<Dataset, number> = { strings: 1.0, strings_ttl: 1.1, hash: 2, set: 2, zset: 2 };

const DESCRIPTIONS: Record<Dataset, (n: string) => string> = {
  strings: (n) => `${n} string keys (SET)`,
  strings_ttl: (n) => `${n} string keys with a TTL (SET … EX)`,
  hash: (n) => `hash of ${n} fields (HSET)`,
  set: (n) => `set of ${n} members (SADD)`,
  zset: (n) => `sorted set of ${n} members (ZADD)`,
};

/** A 16-byte name: prefix, then i zero-padded to fill the rest. */
const name16 = (prefix: string, i: number): string => prefix + String(i).padStart(16 - prefix.length, '0');

/** Elements per HSET/SADD/ZADD command. */
const PER_COMMAND = 1000;

/** Loads the dataset with n keys or elements; resolves with the seconds it took. */
function load(port: number, dataset: Dataset, n: number): Promise<number> {
  const commands = Math.ceil(n / PER_COMMAND);
  const many = (head: string[], add: (argv: string[], i: number) => void) => (c: number): string[] => {
    const argv = [...head];
    for (let i = c * PER_COMMAND; i < Math.min(n, (c + 1) * PER_COMMAND); i++) add(argv, i);
    return argv;
  };
  switch (dataset) {
    case 'strings':
      return pipelined(port, n, (i) => ['SET', name16('key:', i), name16('value:', i)]);
    case 'strings_ttl':
      return pipelined(port, n, (i) => ['SET', name16('key:', i), name16('value:', i), 'EX', '100000']);
    case 'hash':
      return pipelined(port, commands, many(['HSET', 'bench:hash'], (a, i) => a.push(name16('field:', i), name16('value:', i))), { batch: 4, window: 2 });
    case 'set':
      return pipelined(port, commands, many(['SADD', 'bench:set'], (a, i) => a.push(name16('member:', i))), { batch: 4, window: 2 });
    case 'zset':
      return pipelined(port, commands, many(['ZADD', 'bench:zset'], (a, i) => a.push(String(i), name16('member:', i))), { batch: 4, window: 2 });
  }
}

/** How many keys or elements the dataset holds once loaded (a check the load went through). */
async function loadedCount(port: number, dataset: Dataset): Promise<number> {
  const argv =
    dataset === 'hash' ? ['HLEN', 'bench:hash'] : dataset === 'set' ? ['SCARD', 'bench:set'] : dataset === 'zset' ? ['ZCARD', 'bench:zset'] : ['DBSIZE'];
  const reply = await call(port, ...argv);
  return Number(reply.slice(1, reply.indexOf('\r\n')));
}

/**
 * Idle time before each reading: nodis asks for a young-generation collection every IDLE_SECONDS
 * of quiet until V8 shrinks that generation, which takes one to three of them.
 */
const IDLE_WAIT_MS = (3 * IDLE_SECONDS + 2) * 1000;

/**
 * RSS once it has stopped moving: polled every 250 ms until five readings in a row are within
 * 0.5% of each other (or 30 s have passed); the last reading.
 */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  const deadline = Date.now() + 30_000;
  for (;;) {
    readings.push(rssBytes(pid));
    const last = readings.slice(-5);
    if (last.length === 5 && (Math.max(...last) - Math.min(...last)) / Math.max(...last) < 0.005) return last[4];
    if (Date.now() > deadline) return readings[readings.length - 1];
    await sleep(250);
  }
}

export interface MemoryRow {
  dataset: Dataset;
  server: ServerKind;
  empty: number;
  loaded: number;
  seconds: number;
}

async function measureOne(kind: ServerKind, dataset: Dataset, n: number): Promise<MemoryRow> {
  const server: RunningServer = await startServer(kind, ['--save', '', '--appendonly', 'no']);
  try {
    const expected = kind === 'nodis' ? 'node' : 'redis-server';
    const comm = processName(server.pid);
    if (!comm.startsWith(expected.slice(0, 15))) throw new Error(`pid ${server.pid} is ${comm}, not ${expected}`);
    await sleep(IDLE_WAIT_MS);
    const empty = await settledRss(server.pid);
    const seconds = await load(server.port, dataset, n);
    const count = await loadedCount(server.port, dataset);
    if (count !== n) throw new Error(`${kind} holds ${count} of the ${n} ${dataset} after loading`);
    await sleep(IDLE_WAIT_MS);
    const loaded = await settledRss(server.pid);
    return { dataset, server: kind, empty, loaded, seconds };
  } finally {
    await stopServer(server);
  }
}

/** The memory section (BENCH_MEMORY_KEYS, BENCH_MEMORY_SETS choose sizes and datasets). */
export async function memorySection(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<Section> {
  const n = positiveInt('BENCH_MEMORY_KEYS', 1_000_000);
  const chosen = (process.env.BENCH_MEMORY_SETS ?? DATASETS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of chosen) if (!(DATASETS as readonly string[]).includes(d)) throw new Error(`BENCH_MEMORY_SETS: unknown dataset ${d} (${DATASETS.join(', ')})`);
  const datasets = chosen as Dataset[];
  const count = n.toLocaleString('en-US');
  const rows: string[][] = [];
  const loadTimes: string[] = [];
  for (const dataset of datasets) {
    const measured = {} as Record<ServerKind, MemoryRow>;
    for (const kind of SERVER_KINDS) {
      log(`memory: ${kind}, ${DESCRIPTIONS[dataset](count)} …`);
      measured[kind] = await measureOne(kind, dataset, n);
    }
    const growth = (r: MemoryRow): number => r.loaded - r.empty;
    const ratio = growth(measured.nodis) / growth(measured.redis);
    rows.push([
      DESCRIPTIONS[dataset](count),
      mib(measured.redis.empty), mib(measured.redis.loaded), mib(growth(measured.redis)), (growth(measured.redis) / n).toFixed(1),
      mib(measured.nodis.empty), mib(measured.nodis.loaded), mib(growth(measured.nodis)), (growth(measured.nodis) / n).toFixed(1),
      ratio.toFixed(2), `≤ ${TARGETS[dataset].toFixed(1)}`, ratio <= TARGETS[dataset] ? 'yes' : 'no',
    ]);
    loadTimes.push(`${dataset} ${measured.redis.seconds.toFixed(1)} / ${measured.nodis.seconds.toFixed(1)}`);
  }
  return {
    title: 'Memory',
    intro:
      `RSS (VmRSS of the server's own process) of a fresh server (--save '' --appendonly no), then after loading ` +
      `each dataset through a pipeline (1000 SETs per write, or 1000 fields/members per HSET/SADD/ZADD) and ` +
      `letting it settle (each server idle for ${IDLE_WAIT_MS / 1000} s, in which nodis gives back its young generation; ` +
      `RSS then polled until stable). 16-byte keys, fields, members ` +
      `and values; sorted set scores are integers. MiB, and bytes per key/element of the growth.`,
    tables: [{
      table: {
        head: ['dataset', 'redis empty', 'redis loaded', 'redis growth', 'B/elem', 'nodis empty', 'nodis loaded', 'nodis growth', 'B/elem', 'nodis/redis', 'target', 'met'],
        rows,
      },
    }],
    notes: [`Loading took (s, redis / nodis): ${loadTimes.join(', ')}.`],
  };
}

if (isMain(import.meta.url) && enabled('BENCH_MEMORY', true)) runAlone(() => memorySection());
