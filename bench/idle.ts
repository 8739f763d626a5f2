// Idle connections, nodis against Redis: redis-benchmark -t set,get -c 50 without and with
// BENCH_IDLE_CONNECTIONS (10,000) idle connections open to the same server (held by
// bench/idle-clients.ts on the benchmark's CPU), in interleaved rounds; the ratio with/without per
// server (issue 15's target: within 10%). Both servers run with --maxclients 20000 under
// `ulimit -n 20000`.
//
//   node dist/bench/idle.js                                (after a build)
//   BENCH_IDLE_CONNECTIONS=2000 BENCH_IDLE_ROUNDS=1 BENCH_IDLE_N=50000 node dist/bench/idle.js
//
// BENCH_IDLE_N requests per test (default BENCH_N, else 100000), BENCH_CLIENTS (50),
// BENCH_IDLE_PIPELINES (1,16), BENCH_IDLE_TESTS (set,get), BENCH_IDLE_ROUNDS (3).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import {
  SERVER_KINDS, enabled, fmt, infoField, isMain, kill, median, pinned, positiveInt, redisBenchmark, runAlone, sleep,
  startServer, stopServer, track, type RunningServer, type Section, type ServerKind,
} from './harness.js';

const HELPER = fileURLToPath(new URL('./idle-clients.js', import.meta.url));
const OPEN_FILES = 20_000;

/** Starts idle-clients.ts on CPU 1 and resolves once its connections are open and idle. */
async function openIdle(port: number, count: number): Promise<ChildProcess> {
  const [cmd, args] = pinned(1, process.execPath, [HELPER, String(port), String(count)]);
  const line = `ulimit -n ${OPEN_FILES} && exec ${[cmd, ...args].join(' ')}`;
  const proc = track(spawn('bash', ['-c', line], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const first = await createInterface({ input: proc.stdout! })[Symbol.asyncIterator]().next();
  if (first.done || first.value !== `ready ${count}`) {
    await kill(proc);
    throw new Error(`idle-clients did not open ${count} connections: ${stderr.trim() || first.value}`);
  }
  const connected = Number(await infoField(port, 'clients', 'connected_clients'));
  if (connected < count) {
    await kill(proc);
    throw new Error(`the server counts ${connected} clients with ${count} idle connections open`);
  }
  return proc;
}

/** Resolves once the server has dropped the idle connections (the next round starts clean). */
async function closedIdle(port: number, count: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (Number(await infoField(port, 'clients', 'connected_clients')) < count / 100 + 2) return;
    await sleep(50);
  }
  throw new Error(`the server still counts its idle connections 30 s after they closed`);
}

/** The idle-connections section. */
export async function idleSection(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<Section> {
  const count = positiveInt('BENCH_IDLE_CONNECTIONS', 10_000);
  const rounds = positiveInt('BENCH_IDLE_ROUNDS', 3);
  const requests = positiveInt('BENCH_IDLE_N', positiveInt('BENCH_N', 100_000));
  const clients = positiveInt('BENCH_CLIENTS', 50);
  const pipelines = (process.env.BENCH_IDLE_PIPELINES ?? '1,16').split(',').map(Number).filter((p) => p > 0);
  const tests = (process.env.BENCH_IDLE_TESTS ?? 'set,get').split(',').map((t) => t.trim()).filter(Boolean);

  const servers = {} as Record<ServerKind, RunningServer>;
  // rps[server][with?][test \0 pipeline] = one figure per round
  const rps: Record<ServerKind, [Map<string, number[]>, Map<string, number[]>]> = { redis: [new Map(), new Map()], nodis: [new Map(), new Map()] };
  const order: string[] = [];
  const errors: string[] = [];
  try {
    for (const kind of SERVER_KINDS) {
      servers[kind] = await startServer(kind, ['--save', '', '--appendonly', 'no', '--maxclients', '20000'], { openFiles: OPEN_FILES });
    }
    const runAll = async (kind: ServerKind, idle: 0 | 1): Promise<void> => {
      for (const p of pipelines) {
        for (const t of tests) {
          const { samples, error } = await redisBenchmark(servers[kind].port, { clients, requests, pipeline: p }, ['-t', t]);
          if (error) errors.push(`${kind} -t ${t} -P ${p}${idle ? ' (idle connections open)' : ''}: ${error}`);
          for (const s of samples) {
            const key = `${s.test}\0${p}`;
            if (!order.includes(key)) order.push(key);
            const list = rps[kind][idle].get(key) ?? [];
            list.push(s.rps);
            rps[kind][idle].set(key, list);
          }
        }
      }
    };
    for (let r = 1; r <= rounds; r++) {
      for (const kind of SERVER_KINDS) {
        await runAll(kind, 0);
        const helper = await openIdle(servers[kind].port, count);
        try {
          await runAll(kind, 1);
        } finally {
          await kill(helper);
        }
        await closedIdle(servers[kind].port, count);
        log(`idle connections: round ${r}/${rounds}, ${kind} done`);
      }
    }
  } finally {
    for (const kind of SERVER_KINDS) if (servers[kind]) await stopServer(servers[kind]);
  }

  const rows = order.map((key) => {
    const [test, p] = key.split('\0');
    const cells = [test, p];
    for (const kind of SERVER_KINDS) {
      const without = median(rps[kind][0].get(key) ?? [NaN]);
      const withIdle = median(rps[kind][1].get(key) ?? [NaN]);
      cells.push(fmt(without), fmt(withIdle), (withIdle / without).toFixed(2));
    }
    return cells;
  });
  return {
    title: 'Idle connections',
    intro:
      `redis-benchmark -c ${clients} -n ${requests} on each server without and with ${count.toLocaleString('en-US')} idle ` +
      `connections open to it (each has answered one PING, then sends nothing; held by bench/idle-clients.ts on ` +
      `the benchmark's CPU), median of ${rounds} interleaved rounds; servers with --maxclients 20000. ` +
      `Target: with/without ≥ 0.90 for nodis.`,
    tables: [{
      table: {
        head: ['test', 'P', 'redis without', 'redis with', 'redis with/without', 'nodis without', 'nodis with', 'nodis with/without'],
        rows,
      },
    }],
    notes: errors.length ? ['errors reported by redis-benchmark:', ...errors.map((e) => `  ${e}`)] : [],
  };
}

if (isMain(import.meta.url) && enabled('BENCH_IDLE', true)) runAlone(() => idleSection());
