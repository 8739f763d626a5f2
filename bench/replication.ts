// Replication, nodis against Redis (each server replicating to its own kind):
//   - full synchronisation of a mixed dataset (strings from DEBUG POPULATE, plus hashes, lists,
//     sets and sorted sets): the time from REPLICAOF to master_link_status:up;
//   - a primary's SET throughput (redis-benchmark -c 50) with no replica, and with two;
//   - replication lag during that load: primary offset minus each replica's, sampled every 50 ms.
// Primaries are pinned to CPU 0; replicas and redis-benchmark share CPU 1.
//
//   node dist/bench/replication.js     (BENCH_KEYS=1000000 BENCH_N=200000)

import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCommand, RawConnection } from '../test/helpers/resp.js';
import { infoField } from '../test/helpers/replication.js';
import { startPinnedServer, type PinnedServer } from './pinned-server.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const N = Number(process.env.BENCH_N ?? 200_000);
type Kind = 'nodis' | 'redis';

async function stop(s: PinnedServer): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGKILL');
  await exited;
  rmSync(s.dir, { recursive: true, force: true });
}

async function info(port: number, section: string): Promise<string> {
  const c = await RawConnection.open({ port });
  try {
    return (await c.call('INFO', section))!;
  } finally {
    c.close();
  }
}

/** Fills a primary: 70% strings (DEBUG POPULATE), the rest small collections, sent with redis-cli --pipe. */
async function fill(s: PinnedServer): Promise<void> {
  const strings = Math.round(KEYS * 0.7);
  const c = await RawConnection.open({ port: s.port });
  await c.call('DEBUG', 'POPULATE', String(strings), 'str', '16');
  c.close();
  const parts: string[] = [];
  const each = Math.round((KEYS - strings) / 4);
  for (let i = 0; i < each; i++) {
    parts.push(encodeCommand(['HSET', `h:${i}`, 'a', String(i), 'b', 'value-b', 'c', 'value-c']));
    parts.push(encodeCommand(['RPUSH', `l:${i}`, 'one', 'two', 'three', String(i)]));
    parts.push(encodeCommand(['SADD', `s:${i}`, 'x', 'y', String(i)]));
    parts.push(encodeCommand(['ZADD', `z:${i}`, '1', 'a', '2', 'b', String(i), 'c']));
  }
  const file = join(s.dir, 'fill.resp');
  writeFileSync(file, parts.join(''), 'latin1');
  const r = spawnSync('sh', ['-c', `redis-cli -p ${s.port} --pipe < ${file}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli --pipe failed: ${r.stderr}`);
}

async function linkUp(port: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (infoField(await info(port, 'replication'), 'master_link_status') !== 'up') {
    if (Date.now() > deadline) throw new Error('replica did not sync');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function replicaOf(kind: Kind, name: string, primary: number): Promise<PinnedServer> {
  const r = await startPinnedServer(kind, name, ['--save', '', '--appendonly', 'no']);
  // Replicas share CPU 1 with the benchmark client.
  spawnSync('taskset', ['-pc', '1', String(r.child.pid)], { stdio: 'ignore' });
  const c = await RawConnection.open({ port: r.port });
  await c.call('REPLICAOF', '127.0.0.1', String(primary));
  c.close();
  return r;
}

function benchmark(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', '1', 'redis-benchmark', '-p', String(port), '-c', '50', '-n', String(N), '-t', 'set', '-r', '100000', '--csv'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', () => {
      const m = /"SET","([\d.]+)"/.exec(out);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`redis-benchmark: ${out}`));
    });
  });
}

/** The benchmark's throughput, and the largest and mean replica lag (bytes) sampled during it. */
async function loadWithLag(primary: number, replicas: number[]): Promise<{ rps: number; maxLag: number; meanLag: number }> {
  let done = false;
  const lags: number[] = [];
  const sampler = (async () => {
    while (!done) {
      const p = Number(infoField(await info(primary, 'replication'), 'master_repl_offset'));
      for (const r of replicas) lags.push(Math.max(0, p - Number(infoField(await info(r, 'replication'), 'slave_repl_offset'))));
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const rps = await benchmark(primary);
  done = true;
  await sampler;
  const maxLag = lags.length ? Math.max(...lags) : 0;
  const meanLag = lags.length ? Math.round(lags.reduce((a, b) => a + b, 0) / lags.length) : 0;
  return { rps, maxLag, meanLag };
}

async function run(kind: Kind): Promise<Record<string, number>> {
  const primary = await startPinnedServer(kind, 'repl-primary', ['--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0']);
  const replicas: PinnedServer[] = [];
  try {
    await fill(primary);
    const keys = Number(/keys=(\d+)/.exec(await info(primary.port, 'keyspace'))?.[1]);
    // Throughput with no replica attached yet.
    const solo = await loadWithLag(primary.port, []);
    const t0 = performance.now();
    replicas.push(await replicaOf(kind, 'repl-a', primary.port));
    await linkUp(replicas[0].port);
    const syncMs = performance.now() - t0;
    replicas.push(await replicaOf(kind, 'repl-b', primary.port));
    await linkUp(replicas[1].port);
    const two = await loadWithLag(primary.port, replicas.map((r) => r.port));
    return { keys, syncMs: Math.round(syncMs), soloRps: solo.rps, twoRps: two.rps, maxLag: two.maxLag, meanLag: two.meanLag };
  } finally {
    for (const r of replicas) await stop(r);
    await stop(primary);
  }
}

const results: Record<Kind, Record<string, number>> = { nodis: await run('nodis'), redis: await run('redis') };
const row = (label: string, key: string, ratio: boolean): string =>
  `| ${label} | ${results.nodis[key]} | ${results.redis[key]} | ${ratio ? (results.nodis[key] / results.redis[key]).toFixed(2) : ''} |`;
console.log(`| replication (${results.nodis.keys} keys, -c 50 -n ${N}) | nodis | Redis | nodis/Redis |`);
console.log('|---|---|---|---|');
console.log(row('full sync to a replica of its kind (ms)', 'syncMs', true));
console.log(row('SET req/s, no replica', 'soloRps', true));
console.log(row('SET req/s, two replicas', 'twoRps', true));
console.log(row('replica lag during the load, max (bytes)', 'maxLag', false));
console.log(row('replica lag during the load, mean (bytes)', 'meanLag', false));
