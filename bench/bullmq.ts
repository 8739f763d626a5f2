// BullMQ throughput, nodis against Redis in the same run: BENCH_JOBS jobs added with addBulk (in
// batches of 1000), then processed by one Worker at each concurrency in BENCH_CONCURRENCY, timed
// from the worker's start to the last 'completed' event. Every job runs BullMQ's Lua scripts
// (addStandardJob, moveToActive, moveToFinished), so this measures scripting, not the network.
// Each server is pinned to CPU 0 and this process (BullMQ's client side) to CPU 1, as in
// bench/run.ts.
//
//   npm run build && taskset -c 1 node dist/bench/bullmq.js
//
// Environment: BENCH_JOBS (default 5000), BENCH_CONCURRENCY (default 1,50), BENCH_ROUNDS (default
// 2; the best round counts), BENCH_SERVERS (default nodis,redis), REDIS_SERVER (binary to use).

import { rmSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { startPinnedServer, type PinnedServer } from './pinned-server.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,50').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SERVERS = (process.env.BENCH_SERVERS ?? 'nodis,redis').split(',');
const BATCH = 1000;

function start(kind: string): Promise<PinnedServer> {
  return startPinnedServer(kind as 'nodis' | 'redis', 'bullmq', ['--save', '', '--appendonly', 'no']);
}

interface Round {
  addPerSec: number;
  processPerSec: number;
}

/** One round on a fresh queue: add JOBS jobs, then process them all at the given concurrency. */
async function round(port: number, name: string, concurrency: number): Promise<Round> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const addStart = performance.now();
  for (let i = 0; i < JOBS; i += BATCH) {
    const n = Math.min(BATCH, JOBS - i);
    await queue.addBulk(Array.from({ length: n }, (_, j) => ({ name: 'job', data: { i: i + j }, opts: { removeOnComplete: true } })));
  }
  const addMs = performance.now() - addStart;
  let done = 0;
  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => (finish = resolve));
  const processStart = performance.now();
  const worker = new Worker(name, async (job) => job.data.i, { connection, concurrency });
  worker.on('completed', () => {
    if (++done === JOBS) finish();
  });
  await allDone;
  const processMs = performance.now() - processStart;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { addPerSec: (JOBS * 1000) / addMs, processPerSec: (JOBS * 1000) / processMs };
}

const results = new Map<string, Round>();
const servers = new Map<string, PinnedServer>();
try {
  for (const kind of SERVERS) servers.set(kind, await start(kind));
  // Rounds interleave the servers, so a change in the machine's load touches both.
  for (let r = 0; r < ROUNDS; r++) {
    for (const concurrency of CONCURRENCY) {
      for (const kind of SERVERS) {
        const got = await round(servers.get(kind)!.port, `bench-${r}-${concurrency}`, concurrency);
        const key = `${kind} ${concurrency}`;
        const best = results.get(key);
        results.set(key, {
          addPerSec: Math.max(best?.addPerSec ?? 0, got.addPerSec),
          processPerSec: Math.max(best?.processPerSec ?? 0, got.processPerSec),
        });
      }
    }
  }
} finally {
  for (const s of servers.values()) {
    s.child.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
}

console.log(`BullMQ, ${JOBS} jobs, best of ${ROUNDS} rounds (jobs/s)`);
for (const concurrency of CONCURRENCY) {
  const line: string[] = [];
  for (const kind of SERVERS) {
    const r = results.get(`${kind} ${concurrency}`)!;
    line.push(`${kind}: addBulk ${r.addPerSec.toFixed(0)}, processed ${r.processPerSec.toFixed(0)}`);
  }
  const n = results.get(`nodis ${concurrency}`);
  const d = results.get(`redis ${concurrency}`);
  if (n && d) line.push(`ratio addBulk ${(n.addPerSec / d.addPerSec).toFixed(2)}, processed ${(n.processPerSec / d.processPerSec).toFixed(2)}`);
  console.log(`concurrency ${concurrency}: ${line.join(' | ')}`);
}
