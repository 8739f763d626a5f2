// How sorted set operations scale: the per-operation cost of ZADD, ZRANK, ZRANGE (10 members by
// rank from the middle), ZRANGEBYSCORE … LIMIT 0 10 and ZREM on sets of 10K, 100K and 1M members,
// measured in process twice: on the structure itself (types/zset.ts), and through the command
// path (processCommand with a socketless client: argument checks, lookup, reply encoding), so no
// network time hides the curve. An O(log n) operation should cost about log2(1M)/log2(10K) = 1.5
// times as much at 1M as at 10K, plus what cache misses add on a heap 100 times bigger.
//
//   npm run build && node dist/bench/zset-scale.js
//   ZSET_SCALE_SIZES=10000,100000,1000000 ZSET_SCALE_OPS=20000 ZSET_SCALE_ROUNDS=5 node dist/bench/zset-scale.js

import { ZSetValue, ZCursor, DEFAULT_ZSET_LIMITS } from '../src/types/zset.js';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { Clock } from '../src/server/clock.js';
import { processCommand } from '../src/server/dispatch.js';
import { allCommands } from '../src/commands/index.js';

const SIZES = (process.env.ZSET_SCALE_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const OPS = Number(process.env.ZSET_SCALE_OPS ?? 20000);
const ROUNDS = Number(process.env.ZSET_SCALE_ROUNDS ?? 5);

/** A deterministic generator, so every run measures the same work. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The median of ns per operation over ROUNDS runs of fn (each doing `ops` operations). */
function time(ops: number, fn: () => void, reset?: () => void): number {
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    reset?.();
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / ops);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const OPERATIONS = ['ZADD', 'ZRANK', 'ZRANGE 10 by rank', 'ZRANGEBYSCORE LIMIT 10', 'ZREM'] as const;
type Operation = (typeof OPERATIONS)[number];

interface Row {
  size: number;
  structure: Record<Operation, number>;
  command: Record<Operation, number>;
}

function measure(size: number): Row {
  const rand = rng(size);
  const members: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < size; i++) {
    members.push(`member:${i}`);
    scores.push(Math.floor(rand() * size * 10));
  }
  const probes = Array.from({ length: OPS }, () => Math.floor(rand() * size));
  const fresh = Array.from({ length: OPS }, (_, i) => `fresh:${i}`);
  const freshScores = Array.from({ length: OPS }, () => Math.floor(rand() * size * 10));
  const starts = Array.from({ length: OPS }, () => Math.floor(size / 2 - 500 + rand() * 1000));
  const minScores = Array.from({ length: OPS }, () => Math.floor(rand() * size * 10));

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

const rows = SIZES.map((size) => {
  process.stderr.write(`measuring ${size} members …\n`);
  return measure(size);
});
process.stdout.write(`sorted set operations, ${OPS} per measurement, median of ${ROUNDS} rounds (Node ${process.version})\n`);
table('on the structure (types/zset.ts)', rows, (r) => r.structure);
table('through the command path (processCommand, reply encoded, no socket)', rows, (r) => r.command);
