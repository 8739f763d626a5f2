// nodis vs Redis: the same redis-benchmark runs against a real redis-server and against nodis, in
// interleaved rounds, with each server pinned to CPU 0 and the benchmark to CPU 1. Prints the
// median requests per second of each test for both servers and their ratio, and the median of
// redis-benchmark's p50 and p99 latencies (ms) for each; then memory per dataset (bench/memory.ts),
// start-up and RDB loading time (bench/startup.ts), throughput with 10,000 idle connections open
// (bench/idle.ts), and optionally the sorted set scaling curve (bench/zset-scale.ts); and writes it
// all, with the date, the machine, the versions and the command, to bench/RESULTS.md.
//
//   npm run bench                          (builds, then runs this)
//   BENCH_ROUNDS=5 BENCH_N=200000 npm run bench
//   BENCH_ROUNDS=1 BENCH_TESTS=set,get BENCH_MEMORY_KEYS=100000 BENCH_STARTUP_KEYS=100000 \
//     BENCH_IDLE_ROUNDS=1 BENCH_RESULTS=/tmp/results.md npm run bench      (a quick look)
//
// Environment: BENCH_ROUNDS (default 3), BENCH_WARMUP (rounds run first and not counted, default
// 1: nodis's JIT compiler and heap settle over the first few hundred thousand requests of a new
// process, so a first round measures start-up as much as the server), BENCH_N (requests per test, default 100000),
// BENCH_CLIENTS (default 50), BENCH_TESTS (default: redis-benchmark's own default set, ping_inline,
// ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_300,
// lrange_500,lrange_600,mset,xadd, then blpop,setbit,bitcount,pfadd,pfcount,xadd_rand,xreadgroup,
// zrangebyscore,zrank, then the coordination tests publish_1,publish_100,publish_1000,multi_set_10,
// set_monitor,get_monitor,get_load,get_tracking,set_load,set_tracking, and evalsha (EVALSHA of a
// script that GETs and INCRs one key, loaded first with SCRIPT LOAD): redis-benchmark -t names,
// the names in CUSTOM_TESTS, or the ones below), BENCH_PIPELINES (default 1,16), REDIS_SERVER /
// REDIS_BENCHMARK (binaries to use). "blpop" is a ping-pong: one redis-benchmark sends BLPOP while
// another sends RPUSH to the same key, both with BENCH_CLIENTS clients; the BLPOP side's rate is
// reported. "xreadgroup" is a consumer group at work: a stream of BENCH_N entries is filled first,
// then one redis-benchmark reads it with XREADGROUP … COUNT 1 ">" while another acknowledges random
// entries of it with XACK; the XREADGROUP side's rate is reported. zrangebyscore and zrank run on a
// sorted set of 1M members that both servers are given first (ZADD through a pipeline), and that
// fill is reported too.
//
// The other parts, each switched off with 0 (or on with 1) and sized for quick runs:
//   BENCH_THROUGHPUT=0   skips the redis-benchmark table above
//   BENCH_MEMORY=0       memory.ts: BENCH_MEMORY_KEYS (1000000), BENCH_MEMORY_SETS (strings,
//                        strings_ttl,hash,set,zset)
//   BENCH_STARTUP=0      startup.ts: BENCH_STARTUP_ROUNDS (5), BENCH_STARTUP_KEYS (1000000)
//   BENCH_IDLE=0         idle.ts: BENCH_IDLE_CONNECTIONS (10000), BENCH_IDLE_ROUNDS (3),
//                        BENCH_IDLE_N (BENCH_N), BENCH_IDLE_PIPELINES (1,16), BENCH_IDLE_TESTS (set,get)
//   BENCH_ZSET_SCALE=1   zset-scale.ts (off by default: minutes, and ~10 GB at 10M members):
//                        BENCH_ZSET_SCALE_SIZES (10000,100000,1000000,10000000), ZSET_SCALE_OPS,
//                        ZSET_SCALE_ROUNDS
//   BENCH_RESULTS        where the markdown goes (default bench/RESULTS.md)
//
// The coordination tests (issue 10's measurements), with their helpers in bench/sink.ts (the
// receiving side) and bench/load.ts (a load generator for what redis-benchmark cannot send), both
// pinned to the benchmark's CPU:
//   publish_N[_BYTES]  redis-benchmark PUBLISHes a BYTES-byte message (16) to one channel with N
//                      subscribers (sink.ts): the published rate, and the delivered rate (messages
//                      received over all subscribers per second, first to last byte) as a second
//                      row. max(2000, BENCH_N*20/N) messages, so ~2M deliveries per run, but no
//                      more than ~2 GB delivered (publish_100_65536: 305 messages of 64 KB).
//   multi_set_10       MULTI, 10 SETs of random keys, EXEC as one request (load.ts): transactions/s
//   set_monitor, get_monitor   redis-benchmark -t set/get with one MONITOR connection reading
//   set_load, get_load         SET/GET of random keys (10,000) from load.ts: the baseline of ...
//   set_tracking, get_tracking ... the same with every connection in CLIENT TRACKING ON,
//                      REDIRECTing its invalidations to one subscriber (sink.ts): GETs remember
//                      keys; for SET every connection has first read all 10,000 keys (MGET), so
//                      the first SET of a key invalidates it for all of them
// Both servers run with client-output-buffer-limit pubsub 0 0 0, so no slow subscriber is dropped,
// each in a directory of its own; BENCH_SERVER_ARGS gives both more directives, e.g.
//   BENCH_SERVER_ARGS="--appendonly yes --appendfsync always" BENCH_TESTS=set,incr npm run bench
// and BENCH_REPLICA=1 attaches a replica of its own kind to each (pinned to the benchmark's CPU):
//   BENCH_SERVER_ARGS="--appendonly yes --appendfsync everysec" BENCH_REPLICA=1 npm run bench

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createHash } from 'node:crypto';
import {
  REDIS_BENCHMARK, REDIS_SERVER, enabled, fmt, freePort, killAll, infoField, markdownTable, median, pinned, positiveInt, redisBenchmark, serverCommand, sleep, spawnPinned, track, waitPong,
  sectionMarkdown, sectionText, textTable, useTaskset, type Sample, type Section,
} from './harness.js';
import { memorySection } from './memory.js';
import { startupSection } from './startup.js';
import { idleSection } from './idle.js';

const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const N = positiveInt('BENCH_N', 100_000);
const CLIENTS = positiveInt('BENCH_CLIENTS', 50);
/** redis-benchmark's own default test set (what it runs without -t), as issue 15 asks. */
const REDIS_BENCHMARK_DEFAULTS =
  'ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_300,lrange_500,lrange_600,mset,xadd';
const DEFAULT_TESTS =
  `${REDIS_BENCHMARK_DEFAULTS},blpop,setbit,bitcount,pfadd,pfcount,xadd_rand,xreadgroup,zrangebyscore,zrank,` +
  'publish_1,publish_100,publish_1000,multi_set_10,set_monitor,get_monitor,get_load,get_tracking,set_load,set_tracking,evalsha';
const TESTS = (process.env.BENCH_TESTS ?? DEFAULT_TESTS).split(',').map((t) => t.trim()).filter(Boolean);
/**
 * BENCH_REPLICA=1: each server of the throughput part gets a replica of its own kind (started with
 * the same directives, pinned to the benchmark's CPU), attached and in sync before the tests run.
 */
const WITH_REPLICA = process.env.BENCH_REPLICA === '1';
/** BENCH_SERVER_ARGS: directives both servers of the throughput part get. */
const SERVER_EXTRA = (process.env.BENCH_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean);

/**
 * Tests redis-benchmark has no -t name for: the command line it runs (after its own options, such
 * as -r for __rand_int__), which also names the test in its output. SETBIT writes the last bit of
 * an 8 KB bitmap (redis-benchmark's __rand_int__ is zero-padded, which no bit offset accepts), and
 * BITCOUNT counts that bitmap; PFADD adds random elements, PFCOUNT then counts them.
 */
/** Members of the sorted set zrangebyscore and zrank read (member:N with N as __rand_int__ writes it, score N). */
const ZSET_MEMBERS = 1_000_000;
const CUSTOM_TESTS: Record<string, string[]> = {
  setbit: ['SETBIT', 'bench:bits', '65535', '1'],
  bitcount: ['BITCOUNT', 'bench:bits'],
  pfadd: ['-r', '1000000', 'PFADD', 'bench:hll', 'element:__rand_int__'],
  pfcount: ['PFCOUNT', 'bench:hll'],
  // XADD with a value that varies (the xadd test sends the same one every time, as redis-benchmark 7.2's does).
  xadd_rand: ['-r', '1000000', 'XADD', 'bench:stream', '*', 'field', 'value:__rand_int__'],
  zrangebyscore: ['-r', String(ZSET_MEMBERS), 'ZRANGEBYSCORE', 'bench:zset', '(__rand_int__', '+inf', 'LIMIT', '0', '10'],
  zrank: ['-r', String(ZSET_MEMBERS), 'ZRANK', 'bench:zset', 'member:__rand_int__'],
};
const PIPELINES = (process.env.BENCH_PIPELINES ?? '1,16').split(',').map(Number).filter((p) => p > 0);

type ServerName = 'redis' | 'nodis';

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Starts a replica of the primary at primaryPort (same kind, same directives) and waits until its link is up. */
async function startReplica(kind: ServerName, primaryPort: number, dir: string, common: string[]): Promise<void> {
  const port = await freePort();
  mkdirSync(dir);
  const [cmd, args] = serverCommand(kind, port, dir, ['--replicaof', '127.0.0.1', String(primaryPort), ...common]);
  await waitPong(port, track(spawnPinned(1, cmd, args)), `${kind} replica`, 15_000);
  const deadline = Date.now() + 30_000;
  while ((await infoField(port, 'replication', 'master_link_status')) !== 'up') {
    if (Date.now() > deadline) throw new Error(`the ${kind} replica did not sync`);
    await sleep(100);
  }
}

/** One redis-benchmark run of one test (-t, or CUSTOM_TESTS); returns its samples or the error it reported. */
function benchmark(port: number, test: string, pipeline: number): Promise<{ samples: Sample[]; error?: string }> {
  if (test === 'blpop') return pingPong(port, pipeline);
  if (test === 'xreadgroup') return readGroup(port, pipeline);
  const pub = /^publish_(\d+)(?:_(\d+))?$/.exec(test);
  if (pub) return publishTest(port, pipeline, Number(pub[1]), Number(pub[2] ?? 16));
  if (test === 'multi_set_10') {
    const sets = Array.from({ length: 10 }, () => ['SET', 'key:__rand__', 'xxx']);
    return loadTest(port, pipeline, 'MULTI/EXEC (10 SETs)', { request: [['MULTI'], ...sets, ['EXEC']], requests: Math.ceil(N / 10) });
  }
  const monitored = /^(set|get)_monitor$/.exec(test);
  if (monitored) return withMonitor(port, pipeline, monitored[1]);
  const load = /^(set|get)_(load|tracking)$/.exec(test);
  if (load) return trackingTest(port, pipeline, load[1] as 'set' | 'get', load[2] === 'tracking');
  if (test === 'evalsha') return evalshaTest(port, pipeline);
  if (test === 'xadd') {
    // redis-benchmark 7.0 has no xadd test (7.2 added it): the command 7.2 sends, under its name.
    const data = 'x'.repeat(3);
    return runBenchmark(port, pipeline, ['XADD', 'bench:mystream', '*', 'myfield', data]).then((r) => ({
      ...r,
      samples: r.samples.map((x) => ({ ...x, test: 'XADD' })),
    }));
  }
  return runBenchmark(port, pipeline, CUSTOM_TESTS[test] ?? ['-t', test]);
}

/** The script of the evalsha test: a read and a write, as most library scripts do. */
const BENCH_SCRIPT = "local v = redis.call('GET', KEYS[1]) return redis.call('INCR', KEYS[1])";

/** EVALSHA of BENCH_SCRIPT (loaded first with SCRIPT LOAD) on one counter key. */
async function evalshaTest(port: number, pipeline: number): Promise<{ samples: Sample[]; error?: string }> {
  await prepare(port, [['SCRIPT', 'LOAD', BENCH_SCRIPT]]);
  const sha = createHash('sha1').update(BENCH_SCRIPT).digest('hex');
  return runBenchmark(port, pipeline, ['EVALSHA', sha, '1', 'bench:evalsha']);
}

const SINK = fileURLToPath(new URL('./sink.js', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.js', import.meta.url));

/** A sink.ts process on the benchmark's CPU; resolves with it and its first line once that is out. */
function startSink(args: string[]): Promise<{ proc: ChildProcess; first: string; lines: AsyncIterator<string> }> {
  const [cmd, a] = pinned(1, process.execPath, [SINK, ...args]);
  const proc = spawn(cmd, a, { stdio: ['pipe', 'pipe', 'inherit'] });
  track(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return lines.next().then((r) => {
    if (r.done) throw new Error(`sink ${args[0]} ended before it was ready`);
    return { proc, first: r.value, lines };
  });
}

function stopSink(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

/**
 * PUBLISH to a channel with `subscribers` subscribers: redis-benchmark's rate (messages
 * published per second), and the rate at which they arrived over all subscribers.
 */
async function publishTest(port: number, pipeline: number, subscribers: number, bytes: number): Promise<{ samples: Sample[]; error?: string }> {
  const sink = await startSink(['subscribe', String(port), String(subscribers), 'bench:ch', String(bytes)]);
  try {
    // ~2M deliveries (20 per request of BENCH_N), at most ~2 GB delivered, at least 100 messages.
    const messages = Math.max(100, Math.min(N, Math.max(2000, Math.floor((N * 20) / subscribers)), Math.floor(2e9 / (subscribers * (bytes + 40)))));
    const size = bytes === 16 ? '' : `, ${bytes} bytes`;
    const name = `PUBLISH (${subscribers} subscriber${subscribers === 1 ? '' : 's'}${size})`;
    const r = await runBenchmark(port, pipeline, ['-n', String(messages), 'PUBLISH', 'bench:ch', 'x'.repeat(bytes)]);
    sink.proc.stdin!.write(`wait ${messages * subscribers}\n`);
    const done = await sink.lines.next();
    const [, count, seconds] = (done.value ?? '').split(' ');
    const samples = r.samples.map((x) => ({ ...x, test: name }));
    if (Number(count) !== messages * subscribers) {
      return { samples, error: `${count} of ${messages * subscribers} messages arrived` };
    }
    samples.push({ test: `${name}: delivered msg/s`, rps: Number(count) / Number(seconds), p50: NaN, p99: NaN });
    return { ...r, samples };
  } finally {
    await stopSink(sink.proc);
  }
}

/** redis-benchmark -t set or get while one MONITOR connection reads everything it is sent. */
async function withMonitor(port: number, pipeline: number, test: string): Promise<{ samples: Sample[]; error?: string }> {
  const sink = await startSink(['monitor', String(port)]);
  try {
    const r = await runBenchmark(port, pipeline, ['-t', test]);
    return { ...r, samples: r.samples.map((x) => ({ ...x, test: `${x.test} (idle MONITOR)` })) };
  } finally {
    await stopSink(sink.proc);
  }
}

/**
 * SET or GET of random keys (10,000) from load.ts: plain, or with every connection tracking
 * (CLIENT TRACKING ON REDIRECT to a subscriber of __redis__:invalidate).
 */
async function trackingTest(port: number, pipeline: number, test: 'set' | 'get', tracking: boolean): Promise<{ samples: Sample[]; error?: string }> {
  const request = test === 'set' ? [['SET', 'key:__rand__', 'xxx']] : [['GET', 'key:__rand__']];
  const name = `${test.toUpperCase()} (${tracking ? `${CLIENTS} tracking clients` : 'load generator'})`;
  if (!tracking) return loadTest(port, pipeline, name, { request, keyspace: 10_000 });
  const sink = await startSink(['invalidations', String(port)]);
  try {
    const id = sink.first.split(' ')[1];
    // For SET, every client has read (and so caches) every key first: the first SET of each key
    // then invalidates it for all of them.
    const setup = [['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id]];
    return await loadTest(port, pipeline, name, { request, keyspace: 10_000, setup, readAll: test === 'set' });
  } finally {
    await stopSink(sink.proc);
  }
}

/** Runs load.ts with BENCH_CLIENTS connections; one sample named name (no latencies). */
function loadTest(
  port: number,
  pipeline: number,
  name: string,
  opts: { request: string[][]; requests?: number; keyspace?: number; setup?: string[][]; readAll?: boolean },
): Promise<{ samples: Sample[]; error?: string }> {
  const spec = JSON.stringify({ port, clients: CLIENTS, pipeline, requests: opts.requests ?? N, ...opts });
  const [cmd, args] = pinned(1, process.execPath, [LOAD]);
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    proc.stdin.end(spec);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('exit', () => {
      try {
        const r = JSON.parse(stdout) as { rps: number; errors: number };
        resolve({
          samples: [{ test: name, rps: r.rps, p50: NaN, p99: NaN }],
          error: r.errors ? `${r.errors} error replies` : undefined,
        });
      } catch {
        resolve({ samples: [], error: stderr.trim() || 'no output' });
      }
    });
  });
}

/**
 * BLPOP/RPUSH ping-pong: BLPOP clients wait on one key while as many RPUSH clients feed it; the
 * BLPOP side's numbers are reported.
 */
async function pingPong(port: number, pipeline: number): Promise<{ samples: Sample[]; error?: string }> {
  const [pops] = await Promise.all([
    runBenchmark(port, pipeline, ['BLPOP', 'bench:pingpong', '0']),
    runBenchmark(port, pipeline, ['RPUSH', 'bench:pingpong', 'x']),
  ]);
  return { ...pops, samples: pops.samples.map((s) => ({ ...s, test: 'BLPOP/RPUSH ping-pong' })) };
}

/**
 * Sends commands on one connection and resolves once all are answered (a PING after them has
 * its +PONG): the set-up of a test.
 */
function prepare(port: number, commands: string[][]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let tail = '';
    s.once('connect', () => {
      let out = '';
      for (const argv of [...commands, ['PING']]) {
        out += `*${argv.length}\r\n`;
        for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
        if (out.length > 65536) {
          s.write(out);
          out = '';
        }
      }
      s.write(out);
    });
    s.on('data', (d) => {
      tail = (tail + d.toString('latin1')).slice(-16);
      if (tail.endsWith('+PONG\r\n')) {
        s.destroy();
        resolve();
      }
    });
    s.once('error', reject);
  });
}

/**
 * A consumer group at work: a stream of N entries (IDs 1-0 … N-0) and a group at its start; one
 * redis-benchmark delivers entries one at a time with XREADGROUP while another acknowledges
 * random ones (__rand_int__ reads as the ID <n>-0). The XREADGROUP side's numbers are reported.
 */
async function readGroup(port: number, pipeline: number): Promise<{ samples: Sample[]; error?: string }> {
  const setup: string[][] = [['DEL', 'bench:queue'], ['XGROUP', 'CREATE', 'bench:queue', 'workers', '0', 'MKSTREAM']];
  for (let i = 1; i <= N; i++) setup.push(['XADD', 'bench:queue', `${i}-0`, 'job', `payload:${i}`]);
  await prepare(port, setup);
  const [reads] = await Promise.all([
    runBenchmark(port, pipeline, ['XREADGROUP', 'GROUP', 'workers', 'worker', 'COUNT', '1', 'STREAMS', 'bench:queue', '>']),
    runBenchmark(port, pipeline, ['-r', String(N), 'XACK', 'bench:queue', 'workers', '__rand_int__']),
  ]);
  return { ...reads, samples: reads.samples.map((s) => ({ ...s, test: 'XREADGROUP+XACK (COUNT 1)' })) };
}

/** Runs redis-benchmark with these test arguments (-t … or a command). */
function runBenchmark(port: number, pipeline: number, what: string[]): Promise<{ samples: Sample[]; error?: string }> {
  return redisBenchmark(port, { clients: CLIENTS, requests: N, pipeline }, what);
}

/**
 * Gives the server at port the 1M-member sorted set of the zset tests, through one pipelined
 * connection; resolves with the seconds it took.
 */
function fillZset(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const start = Date.now();
    let pending = 0;
    let buf = '';
    s.setEncoding('latin1');
    s.once('error', reject);
    s.on('data', (d: string) => {
      buf += d;
      let at;
      while ((at = buf.indexOf('\r\n')) >= 0) {
        if (buf[0] === '-') reject(new Error(buf.slice(0, at)));
        buf = buf.slice(at + 2);
        if (--pending === 0) {
          s.destroy();
          resolve((Date.now() - start) / 1000);
        }
      }
    });
    s.once('connect', () => {
      const batch = 1000;
      const parts: string[] = [];
      for (let i = 0; i < ZSET_MEMBERS; i += batch) {
        const argv = ['ZADD', 'bench:zset'];
        for (let j = i; j < i + batch; j++) argv.push(String(j), `member:${String(j).padStart(12, '0')}`);
        parts.push(`*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join(''));
        pending++;
      }
      s.write(parts.join(''));
    });
  });
}

/** The throughput part: prints its table as before and returns it as markdown. */
async function throughput(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nodis-bench-'));
  const [redisPort, nodisPort] = [await freePort(), await freePort()];
  // No subscriber is dropped for falling behind (the pub/sub tests measure throughput).
  // BENCH_SERVER_ARGS adds directives to both (e.g. "--appendonly yes --appendfsync always"); each
  // server has a directory of its own for the files they write.
  const common = ['--save', '', '--appendonly', 'no', '--client-output-buffer-limit', 'pubsub 0 0 0', ...SERVER_EXTRA];
  mkdirSync(join(dir, 'redis'));
  mkdirSync(join(dir, 'nodis'));
  const start = (kind: ServerName, port: number, extra: string[]): ChildProcess => {
    const [cmd, args] = serverCommand(kind, port, join(dir, kind), [...extra, ...common]);
    return track(spawnPinned(0, cmd, args));
  };
  const redis = start('redis', redisPort, ['--daemonize', 'no']);
  const nodis = start('nodis', nodisPort, []);
  const ports: Record<ServerName, number> = { redis: redisPort, nodis: nodisPort };
  await waitPong(redisPort, redis, 'redis-server', 15_000);
  await waitPong(nodisPort, nodis, 'nodis', 15_000);
  if (WITH_REPLICA) {
    await startReplica('redis', redisPort, join(dir, 'redis-replica'), common);
    await startReplica('nodis', nodisPort, join(dir, 'nodis-replica'), common);
  }

  const setting =
    `redis-benchmark -c ${CLIENTS} -n ${N}, tests ${TESTS.join(',')}, pipelines ${PIPELINES.join(',')}, ` +
    `${ROUNDS} interleaved rounds${WARMUP > 0 ? ` after ${WARMUP} warm-up round${WARMUP > 1 ? 's' : ''} not counted` : ''}` +
    `${useTaskset ? ', servers on CPU 0, benchmark on CPU 1' : ''}` +
    (SERVER_EXTRA.length ? `, both servers with ${SERVER_EXTRA.join(' ')}` : '') +
    (WITH_REPLICA ? ', each with a replica of its own kind attached (on the benchmark CPU)' : '');
  process.stdout.write(`redis: ${redisVersion()}\nnodis: node ${process.version}\n${setting}\n\n`);
  const md: string[] = [`## Throughput and latency\n\n${setting}.\n`];

  if (TESTS.includes('zrangebyscore') || TESTS.includes('zrank')) {
    const fills: string[] = [];
    for (const server of ['redis', 'nodis'] as const) {
      const seconds = await fillZset(ports[server]);
      fills.push(`${server}: ZADD of ${ZSET_MEMBERS / 1e6}M members (1000 per command, pipelined) in ${seconds.toFixed(1)} s`);
      process.stdout.write(`${fills[fills.length - 1]}\n`);
    }
    process.stdout.write('\n');
    md.push(`The sorted set of zrangebyscore and zrank: ${fills.join('; ')}.\n`);
  }

  // rps[server][test \0 pipeline] = samples over rounds; p50 and p99 likewise
  const rps: Record<ServerName, Map<string, number[]>> = { redis: new Map(), nodis: new Map() };
  const p50: Record<ServerName, Map<string, number[]>> = { redis: new Map(), nodis: new Map() };
  const p99: Record<ServerName, Map<string, number[]>> = { redis: new Map(), nodis: new Map() };
  const add = (m: Map<string, number[]>, key: string, v: number): void => {
    if (Number.isNaN(v)) return;
    const list = m.get(key) ?? [];
    list.push(v);
    m.set(key, list);
  };
  const errors = new Map<string, string>();
  const order: string[] = [];
  // Warm-up rounds, the same for both servers, whose figures are dropped.
  for (let round = 1; round <= WARMUP; round++) {
    for (const server of ['redis', 'nodis'] as const) {
      for (const p of PIPELINES) for (const t of TESTS) await benchmark(ports[server], t, p);
      process.stderr.write(`warm-up ${round}/${WARMUP}: ${server} done\n`);
    }
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const server of ['redis', 'nodis'] as const) {
      for (const p of PIPELINES) {
        for (const t of TESTS) {
          const { samples, error } = await benchmark(ports[server], t, p);
          if (error) errors.set(`${server} -t ${t} -P ${p}`, error);
          for (const s of samples) {
            const key = `${s.test}\0${p}`;
            if (!order.includes(key)) order.push(key);
            add(rps[server], key, s.rps);
            add(p50[server], key, s.p50);
            add(p99[server], key, s.p99);
          }
        }
      }
      process.stderr.write(`round ${round}/${ROUNDS}: ${server} done\n`);
    }
  }

  order.sort((a, b) => Number(a.split('\0')[1]) - Number(b.split('\0')[1]));
  const rows = order.map((key) => {
    const [test, p] = key.split('\0');
    const r = rps.redis.get(key);
    const n = rps.nodis.get(key);
    const mr = r ? median(r) : undefined;
    const mn = n ? median(n) : undefined;
    const ratio = mr && mn ? (mn / mr).toFixed(2) : 'n/a';
    const ms = (m: Map<string, number[]>): string => {
      const xs = m.get(key);
      return xs && xs.length ? median(xs).toFixed(3) : 'n/a';
    };
    return [test, p, fmt(mr), fmt(mn), ratio, ms(p50.redis), ms(p50.nodis), ms(p99.redis), ms(p99.nodis)];
  });
  const table = {
    head: ['test', 'P', 'redis req/s', 'nodis req/s', 'nodis/redis', 'redis p50', 'nodis p50', 'redis p99', 'nodis p99'],
    rows,
  };
  const footnote = `median of ${ROUNDS} rounds each; p50/p99 are redis-benchmark's latencies in ms`;
  process.stdout.write(textTable(table));
  process.stdout.write(`\n${footnote}\n`);
  md.push(markdownTable(table), `\n${footnote[0].toUpperCase()}${footnote.slice(1)}.\n`);
  if (errors.size) {
    process.stdout.write('\nerrors reported by redis-benchmark:\n');
    for (const [what, msg] of errors) process.stdout.write(`  ${what}: ${msg}\n`);
    md.push('\nErrors reported by redis-benchmark:\n\n' + [...errors].map(([what, msg]) => `- ${what}: ${msg}`).join('\n') + '\n');
  }

  await killAll();
  rmSync(dir, { recursive: true, force: true });
  return md.join('\n');
}

function redisVersion(): string {
  return spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** The sorted set scaling curve (bench/zset-scale.ts) at BENCH_ZSET_SCALE_SIZES, its output as is. */
function zsetScaleSection(): Section {
  const sizes = process.env.BENCH_ZSET_SCALE_SIZES ?? '10000,100000,1000000,10000000';
  const script = fileURLToPath(new URL('./zset-scale.js', import.meta.url));
  const env = { ...process.env, ZSET_SCALE_SIZES: sizes };
  process.stderr.write(`zset-scale: ${sizes} members …\n`);
  // Pinned to the servers' CPU (its measuring processes inherit that).
  const [cmd, args] = pinned(0, process.execPath, [script]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`zset-scale failed (status ${r.status})`);
  return {
    title: 'Sorted set scaling',
    intro:
      `bench/zset-scale.ts at ${sizes.split(',').map((s) => Number(s).toLocaleString('en-US')).join(', ')} members ` +
      `(ZSET_SCALE_OPS ${process.env.ZSET_SCALE_OPS ?? 20000}, ZSET_SCALE_ROUNDS ${process.env.ZSET_SCALE_ROUNDS ?? 7}): the cost of ` +
      `one operation in process, on the structure and through the command path, without the network. An O(log n) ` +
      `operation grows as the "log2 n ratio" row.`,
    tables: [],
    notes: [],
    verbatim: r.stdout,
  };
}

/** What the results were measured on: date, CPU, cores, memory, OS, versions, command. */
function machine(): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let os = `${platform()} ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) os = `${pretty} (${platform()} ${release()})`;
  } catch {
    // No /etc/os-release: the kernel's name and release say enough.
  }
  const env = Object.entries(process.env)
    .filter(([k]) => /^(BENCH_|ZSET_SCALE_|REDIS_SERVER$|REDIS_BENCHMARK$)/.test(k) && k !== 'BENCH_RESULTS')
    .map(([k, v]) => `${k}=${quoteEnv(v ?? '')}`)
    .sort();
  const command = [...env, 'npm run bench'].join(' ');
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- CPU: ${model}, ${cpus().length} cores${useTaskset ? ' (servers pinned to CPU 0, redis-benchmark and helpers to CPU 1)' : ' (not pinned: no taskset)'}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os}`,
    `- Node: ${process.version}`,
    `- Redis: ${redisVersion()}`,
    `- redis-benchmark: ${spawnSync(REDIS_BENCHMARK, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
    `- Command: \`${command}\``,
  ].join('\n');
}

function quoteEnv(v: string): string {
  return /^[\w@%+=:,./-]*$/.test(v) && v !== '' ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  if (!has(REDIS_BENCHMARK, ['--version'])) {
    process.stderr.write(
      `${REDIS_BENCHMARK} not found. Install it with your package manager, e.g.\n` +
        '  apt-get install -y redis-tools redis-server   (Debian/Ubuntu)\n' +
        '  brew install redis                            (macOS)\n' +
        'or point REDIS_BENCHMARK / REDIS_SERVER at the binaries.\n',
    );
    process.exit(1);
  }
  if (!has(REDIS_SERVER, ['--version'])) {
    process.stderr.write(`${REDIS_SERVER} not found (needed to compare with). Install redis-server, or set REDIS_SERVER.\n`);
    process.exit(1);
  }
  if (!useTaskset) process.stderr.write('taskset not available: servers and benchmark are not pinned to CPUs\n');

  const parts: string[] = [];
  const skipped: string[] = [];
  if (enabled('BENCH_THROUGHPUT', true)) parts.push(await throughput());
  else skipped.push('throughput (BENCH_THROUGHPUT=0)');
  const sections: Array<[string, string, boolean, () => Promise<Section>]> = [
    ['memory', 'BENCH_MEMORY', true, () => memorySection()],
    ['start-up', 'BENCH_STARTUP', true, () => startupSection()],
    ['idle connections', 'BENCH_IDLE', true, () => idleSection()],
    ['sorted set scaling', 'BENCH_ZSET_SCALE', false, async () => zsetScaleSection()],
  ];
  for (const [name, env, byDefault, run] of sections) {
    if (!enabled(env, byDefault)) {
      skipped.push(`${name} (${env}=${byDefault ? '0' : '1 to run it'})`);
      continue;
    }
    const section = await run();
    process.stdout.write(sectionText(section));
    parts.push(sectionMarkdown(section));
  }

  const results = process.env.BENCH_RESULTS ?? fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  const doc =
    '# nodis benchmark results\n\n' +
    'Written by `npm run bench` (bench/run.ts): nodis against redis-server on the same machine in the same run; ' +
    'ratios are nodis/Redis. See the README\'s benchmark section for what each part measures and how to run it.\n\n' +
    `${machine()}\n` +
    (skipped.length ? `- Not run: ${skipped.join(', ')}\n` : '') +
    '\n' +
    parts.join('\n');
  writeFileSync(results, doc);
  process.stdout.write(`\nwritten to ${results}\n`);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void killAll().then(() => process.exit(130));
  });
}

main().catch(async (e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  await killAll();
  process.exit(1);
});
