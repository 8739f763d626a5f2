// Persistence under load, nodis against Redis: SAVE time of BENCH_KEYS keys (DEBUG POPULATE), and
// redis-benchmark's GET/SET latency (p50, p99, max) with no save running against a background job
// kept running for the whole benchmark (a new one as soon as one ends): BGSAVE, or with
// BENCH_JOB=bgrewriteaof an AOF rewrite (the servers then run with appendonly yes). Each server is
// pinned to CPU 0 and the benchmark to CPU 1, as in bench/run.ts.
//
//   npm run build && node dist/bench/bgsave.js
//
// Environment: BENCH_KEYS (default 1000000), BENCH_N (requests per test, default 200000),
// BENCH_CLIENTS (default 50), BENCH_SERVERS (default nodis,redis), BENCH_JOB (bgsave or
// bgrewriteaof), REDIS_SERVER / REDIS_BENCHMARK (binaries to use).

import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { RawConnection } from '../test/helpers/resp.js';
import { startPinnedServer, type PinnedServer } from './pinned-server.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const N = Number(process.env.BENCH_N ?? 200_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const JOB = process.env.BENCH_JOB === 'bgrewriteaof' ? 'bgrewriteaof' : 'bgsave';
/** The job's command, the INFO fields saying it runs, how long the last took and what it kept aside. */
const FIELDS =
  JOB === 'bgsave'
    ? { running: 'rdb_bgsave_in_progress', time: 'rdb_last_bgsave_time_sec', cow: 'rdb_last_cow_size' }
    : { running: 'aof_rewrite_in_progress', time: 'aof_last_rewrite_time_sec', cow: 'aof_last_cow_size' };
const REDIS_BENCHMARK = process.env.REDIS_BENCHMARK ?? 'redis-benchmark';

async function start(kind: 'nodis' | 'redis'): Promise<PinnedServer> {
  const args = ['--save', '', '--enable-debug-command', 'yes'];
  if (JOB === 'bgrewriteaof') args.push('--appendonly', 'yes');
  return startPinnedServer(kind, 'bgsave', args);
}

interface Latency {
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

/** redis-benchmark --csv for one test: requests per second and latencies (ms). */
function benchmark(port: number, test: string): Promise<Latency> {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', '1', REDIS_BENCHMARK, '-p', String(port), '-t', test, '-n', String(N), '-c', String(CLIENTS), '-r', String(KEYS), '--csv']);
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.once('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}"`));
      if (!line) return reject(new Error(`no result in ${out}`));
      const f = line.split(',').map((s) => Number(s.replace(/"/g, '')));
      // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      resolve({ rps: f[1], p50: f[4], p99: f[6], max: f[7] });
    });
  });
}

async function info(c: RawConnection, field: string): Promise<string> {
  const text = (await c.call('INFO', 'persistence'))!;
  return new RegExp(`${field}:(.*)\r\n`).exec(text)![1];
}

async function measure(kind: 'nodis' | 'redis'): Promise<void> {
  const s = await start(kind);
  const c = await RawConnection.open({ port: s.port });
  try {
    await c.call('DEBUG', 'POPULATE', String(KEYS));
    const saves: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await c.call('SAVE');
      saves.push(performance.now() - t);
    }
    saves.sort((a, b) => a - b);
    const rss = (): number => Number(spawnSync('ps', ['-o', 'rss=', '-p', String(s.child.pid)], { encoding: 'utf8' }).stdout.trim()) * 1024;
    const idle: Record<string, Latency> = {};
    for (const t of ['get', 'set']) idle[t] = await benchmark(s.port, t);
    // The same benchmarks with a background save running all the time.
    const busy: Record<string, Latency> = {};
    let running = true;
    let jobs = 0;
    let peakRss = rss();
    const keeper = (async () => {
      const k = await RawConnection.open({ port: s.port });
      while (running) {
        if ((await info(k, FIELDS.running)) === '0') {
          await k.call(JOB);
          jobs++;
        }
        peakRss = Math.max(peakRss, rss());
        await new Promise((r) => setTimeout(r, 20));
      }
      k.close();
    })();
    for (const t of ['get', 'set']) busy[t] = await benchmark(s.port, t);
    running = false;
    await keeper;
    const saveTime = Number(await info(c, FIELDS.time));
    const cow = Number(await info(c, FIELDS.cow));
    console.log(
      `${kind}: SAVE of ${KEYS} keys median ${saves[1].toFixed(0)} ms; ${JOB.toUpperCase()}s during the benchmark ${jobs}, ` +
        `last took ${saveTime} s, kept aside ${(cow / 1048576).toFixed(1)} MB; peak RSS of the server ${(peakRss / 1048576).toFixed(0)} MB`,
    );
    for (const t of ['get', 'set']) {
      const a = idle[t];
      const b = busy[t];
      console.log(
        `${kind} ${t}: no save ${a.rps.toFixed(0)} req/s p50 ${a.p50} p99 ${a.p99} max ${a.max} ms | ` +
          `during ${JOB.toUpperCase()} ${b.rps.toFixed(0)} req/s p50 ${b.p50} p99 ${b.p99} max ${b.max} ms`,
      );
    }
  } finally {
    c.close();
    s.child.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true, maxRetries: 10 });
  }
}

for (const kind of (process.env.BENCH_SERVERS ?? 'nodis,redis').split(',')) await measure(kind as 'nodis' | 'redis');
