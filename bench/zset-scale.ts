// How sorted set operations scale: the per-operation cost of ZADD, ZRANK, ZRANGE (10 members by
// rank from the middle), ZRANGEBYSCORE … LIMIT 0 10 and ZREM on sets of 10K, 100K and 1M members,
// measured in process twice: on the structure itself (types/zset.ts), and through the command
// path (processCommand with a socketless client: argument checks, lookup, reply encoding), so no
// network time hides the curve. An O(log n) operation should cost about log2(1M)/log2(10K) = 1.5
// times as much at 1M as at 10K, plus what cache misses add on a heap 100 times bigger. Each size
// runs in a process of its own (a fresh heap); each figure is the best of ZSET_SCALE_ROUNDS runs,
// which is what the machine can do when nothing else is running on it. Each is measured twice:
// with the operations' targets drawn from a few hundred places (the working set stays in the CPU
// caches, so the time is the structure's O(log n) work), and uniformly over the whole set (each
// operation then misses the caches at most steps, which a 1M-member set's ~70 MB cannot avoid, in
// Redis's skiplist either). Then the heap a 1M-member set takes per member, beside what
// redis-server's used_memory grows by for the same ZADDs.
//
//   npm run build && node dist/bench/zset-scale.js
//   ZSET_SCALE_SIZES=10000,100000,1000000 ZSET_SCALE_OPS=20000 ZSET_SCALE_ROUNDS=7 node dist/bench/zset-scale.js
//   ZSET_SCALE_SIZES=10000,100000,1000000,10000000 node dist/bench/zset-scale.js   (npm run bench's
//   BENCH_ZSET_SCALE=1; ZSET_SCALE_HEAP_MB sets the measuring processes' heap limit)

import { spawnSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ZSetValue, ZCursor, DEFAULT_ZSET_LIMITS } from '../src/types/zset.js';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { Clock } from '../src/server/clock.js';
import { processCommand } from '../src/server/dispatch.js';
import { allCommands } from '../src/commands/index.js';
import { prng as rng } from '../test/helpers/prng.js';

const SIZES = (process.env.ZSET_SCALE_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const OPS = Number(process.env.ZSET_SCALE_OPS ?? 20000);
const ROUNDS = Number(process.env.ZSET_SCALE_ROUNDS ?? 7);
/**
 * Heap limit (MB) of the measuring processes: ZSET_SCALE_HEAP_MB, else enough for the largest size
 * (a 10M-member set is built twice, on the structure and through the command path, beside its
 * members' strings: about 6 GB).
 */
const HEAP_MB = Number(process.env.ZSET_SCALE_HEAP_MB ?? Math.max(4096, Math.ceil(Math.max(...SIZES) / 1e6) * 800));
/** How many places the "hot" measurements touch. */
const HOT_PLACES = 256;


/** The best ns per operation over ROUNDS runs of fn (each doing `ops` operations). */
function time(ops: number, fn: () => void, reset?: () => void): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    reset?.();
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / ops);
  }
  return best;
}

const OPERATIONS = ['ZADD', 'ZRANK', 'ZRANGE 10 by rank', 'ZRANGEBYSCORE LIMIT 10', 'ZREM'] as const;
type Operation = (typeof OPERATIONS)[number];

interface Row {
  size: number;
  structure: Record<Operation, number>;
  command: Record<Operation, number>;
}

/** A flat one-byte string, as the request parser makes them (a concatenation is a rope in V8). */
function flat(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/**
 * One size: `pool` is how many distinct places the operations touch, drawn at random: OPS for
 * uniform access over the whole set ("cold": each operation walks memory no earlier one touched),
 * a few hundred for a working set that stays in the CPU caches ("hot": what is left is the work
 * the structure does, its O(log n) steps).
 */
function measure(size: number, pool: number): Row {
  const rand = rng(size);
  const members: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < size; i++) {
    members.push(flat(`member:${i}`));
    scores.push(Math.floor(rand() * size * 10));
  }
  const places = Array.from({ length: pool }, () => Math.floor(rand() * size));
  const place = (): number => places[Math.floor(rand() * pool)];
  const probes = Array.from({ length: OPS }, place);
  const fresh = Array.from({ length: OPS }, (_, i) => flat(`fresh:${i}`));
  // New members land beside existing ones (their scores, plus a fraction).
  const freshScores = Array.from({ length: OPS }, () => scores[place()] + 0.5);
  const middle = Array.from({ length: pool }, () => Math.floor(size / 2 - 500 + rand() * 1000));
  const starts = Array.from({ length: OPS }, () => middle[Math.floor(rand() * pool)]);
  const minScores = Array.from({ length: OPS }, () => scores[place()]);

  // ---- The structure ----
  const z = ZSetValue.create(DEFAULT_ZSET_LIMITS);
  for (let i = 0; i < size; i++) z.add(members[i], scores[i]);
  const cursor = new ZCursor();
  let sink = 0;
  const structure = {} as Record<Operation, number>;
  const removeFresh = (): void => {
    for (const m of fresh) z.delete(m);
  };
  structure.ZADD = time(OPS, () => {
    for (let i = 0; i < OPS; i++) z.add(fresh[i], freshScores[i]);
  }, removeFresh);
  structure.ZRANK = time(OPS, () => {
    for (let i = 0; i < OPS; i++) sink += z.rank(members[probes[i]]);
  });
  structure['ZRANGE 10 by rank'] = time(OPS, () => {
    for (let i = 0; i < OPS; i++) {
      z.seekRank(starts[i], cursor);
      for (let k = 0; k < 10; k++) {
        sink += cursor.member.length + cursor.score;
        cursor.next();
      }
    }
  });
  structure['ZRANGEBYSCORE LIMIT 10'] = time(OPS, () => {
    for (let i = 0; i < OPS; i++) {
      const [first, end] = z.scoreRanks({ min: minScores[i], max: Infinity, minex: true, maxex: false });
      const n = Math.min(10, end - first);
      if (n <= 0) continue;
      z.seekRank(first, cursor);
      for (let k = 0; k < n; k++) {
        sink += cursor.member.length + cursor.score;
        cursor.next();
      }
    }
  });
  const addFresh = (): void => {
    for (let i = 0; i < OPS; i++) z.add(fresh[i], freshScores[i]);
  };
  structure.ZREM = time(OPS, removeFresh, addFresh);
  cursor.leaf = null;

  // ---- The command path ----
  const server = new Server(new Config(), new Clock(), allCommands);
  server.log.silent = true;
  const c = server.createFakeClient();
  const run = (argv: string[]): void => {
    processCommand(c, argv);
    c.discardReplies();
  };
  for (let i = 0; i < size; i += 1000) {
    const argv = ['ZADD', 'z'];
    for (let j = i; j < Math.min(size, i + 1000); j++) argv.push(String(scores[j]), members[j]);
    run(argv);
  }
  const zadds = fresh.map((m, i) => ['ZADD', 'z', String(freshScores[i]), m]);
  const zrems = fresh.map((m) => ['ZREM', 'z', m]);
  const zranks = probes.map((p) => ['ZRANK', 'z', members[p]]);
  const zranges = starts.map((s) => ['ZRANGE', 'z', String(s), String(s + 9)]);
  const zbyscores = minScores.map((s) => ['ZRANGEBYSCORE', 'z', `(${s}`, '+inf', 'LIMIT', '0', '10']);
  const command = {} as Record<Operation, number>;
  const runAll = (cmds: string[][]) => (): void => {
    for (const argv of cmds) run(argv);
  };
  command.ZADD = time(OPS, runAll(zadds), runAll(zrems));
  command.ZRANK = time(OPS, runAll(zranks));
  command['ZRANGE 10 by rank'] = time(OPS, runAll(zranges));
  command['ZRANGEBYSCORE LIMIT 10'] = time(OPS, runAll(zbyscores));
  command.ZREM = time(OPS, runAll(zrems), runAll(zadds));
  if (sink === -1) process.stdout.write('');
  return { size, structure, command };
}

function table(title: string, rows: Row[], pick: (r: Row) => Record<Operation, number>): void {
  const base = rows[0];
  const head = ['operation', ...rows.map((r) => `${r.size / 1000}K ns/op`), ...rows.slice(1).map((r) => `x vs ${base.size / 1000}K`)];
  const lines = [head];
  for (const op of OPERATIONS) {
    const b = pick(base)[op];
    lines.push([op, ...rows.map((r) => pick(r)[op].toFixed(0)), ...rows.slice(1).map((r) => (pick(r)[op] / b).toFixed(2))]);
  }
  const logRatios = rows.slice(1).map((r) => (Math.log2(r.size) / Math.log2(base.size)).toFixed(2));
  lines.push(['log2 n ratio', ...rows.map(() => ''), ...logRatios]);
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  process.stdout.write(`\n${title}\n`);
  for (const l of lines) process.stdout.write(l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ') + '\n');
}

/** Heap bytes per member of a 1M-member set built by ZADD through the command path. */
function heapPerMember(size: number): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const server = new Server(new Config(), new Clock(), allCommands);
  server.log.silent = true;
  const c = server.createFakeClient();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < size; i += 1000) {
    const argv = ['ZADD', 'z'];
    for (let j = i; j < Math.min(size, i + 1000); j++) argv.push(String(1_700_000_000_000 + j * 3), `member:${j}`);
    processCommand(c, argv);
    c.discardReplies();
  }
  gc();
  return (process.memoryUsage().heapUsed - before) / size;
}

/** used_memory growth per member of redis-server for the same ZADDs, or null without one. */
async function redisPerMember(size: number): Promise<number | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    let sock: ReturnType<typeof connect> | null = null;
    for (let i = 0; i < 100 && sock === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      sock = await new Promise((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      });
    }
    if (sock === null) return null;
    const conn = sock;
    let buf = '';
    conn.setEncoding('latin1');
    conn.on('data', (d: string) => (buf += d));
    const request = (argv: string[]): string => `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
    const usedMemory = async (): Promise<number> => {
      buf = '';
      conn.write(request(['INFO', 'memory']));
      while (!/used_memory:(\d+)/.test(buf) || !buf.endsWith('\r\n')) await new Promise((r) => setTimeout(r, 5));
      return Number(/used_memory:(\d+)/.exec(buf)![1]);
    };
    const before = await usedMemory();
    let replies = 0;
    buf = '';
    for (let i = 0; i < size; i += 1000) {
      const argv = ['ZADD', 'z'];
      for (let j = i; j < Math.min(size, i + 1000); j++) argv.push(String(1_700_000_000_000 + j * 3), `member:${j}`);
      conn.write(request(argv));
      replies++;
    }
    while ((buf.match(/\r\n/g) ?? []).length < replies) await new Promise((r) => setTimeout(r, 10));
    const after = await usedMemory();
    conn.destroy();
    return (after - before) / size;
  } finally {
    proc.kill();
  }
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const child = process.argv.indexOf('--size');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(measure(Number(process.argv[child + 1]), Number(process.argv[child + 3]))));
    return;
  }
  if (process.argv.includes('--memory')) {
    process.stdout.write(JSON.stringify(heapPerMember(Number(process.argv[process.argv.length - 1]))));
    return;
  }
  const measureAll = (pool: number): Row[] =>
    SIZES.map((size) => {
      process.stderr.write(`measuring ${size} members, ${pool} places …\n`);
      const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, self, '--size', String(size), '--pool', String(pool)], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`measuring ${size} failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as Row;
    });
  const hot = measureAll(HOT_PLACES);
  const cold = measureAll(OPS);
  process.stdout.write(`sorted set operations, ${OPS} per measurement, best of ${ROUNDS} rounds (Node ${process.version})\n`);
  table(`on the structure (types/zset.ts), ${HOT_PLACES} places (a working set in cache)`, hot, (r) => r.structure);
  table('through the command path (processCommand, reply encoded, no socket), the same', hot, (r) => r.command);
  table('on the structure, uniform over the whole set (a cache miss at most steps)', cold, (r) => r.structure);
  table('through the command path, the same', cold, (r) => r.command);
  const size = SIZES[SIZES.length - 1];
  const m = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${HEAP_MB}`, self, '--memory', String(size)], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(`measuring memory failed: ${m.stderr}`);
  const nodis = JSON.parse(m.stdout) as number;
  const redis = await redisPerMember(size);
  process.stdout.write(
    `\nmemory per member of a ${size / 1000}K-member set (members "member:N", scores ms timestamps): nodis heap ${nodis.toFixed(1)} bytes` +
      (redis === null ? '\n' : `, redis-server used_memory ${redis.toFixed(1)} bytes (${(nodis / redis).toFixed(2)}x)\n`),
  );
}

void main();
