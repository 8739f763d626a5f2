// Start-up time, nodis against Redis: from spawn to the first +PONG (a connect/PING attempt every
// millisecond from this process, no redis-cli), median of BENCH_STARTUP_ROUNDS (5) starts, for
// redis-server, nodis and a bare Node TCP server that answers +PONG (what starting Node costs on
// this machine, the floor under nodis). Then the same with an RDB of BENCH_STARTUP_KEYS (1M) keys to
// load, made once by redis-server (DEBUG POPULATE, SAVE), each server started on a copy of it: to
// the first +PONG (both answer -LOADING or accept nothing while they load) with DBSIZE then
// holding every key.
//
//   node dist/bench/startup.js                             (after a build)
//   BENCH_STARTUP_KEYS=100000 BENCH_STARTUP_ROUNDS=3 node dist/bench/startup.js

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call, enabled, freePort, isMain, kill, median, positiveInt, runAlone, serverCommand, sleep, spawnPinned,
  startServer, type Section, type ServerKind,
} from './harness.js';

type Starter = ServerKind | 'node';

/** A Node TCP server answering +PONG to whatever it reads: Node's own start-up, no nodis code. */
const BARE_SERVER =
  "require('net').createServer((s) => s.on('data', () => s.write('+PONG\\r\\n'))).listen(Number(process.argv[1]), '127.0.0.1')";

/**
 * Tries PING on one connection until it reads +PONG: a refused or closed connection is retried
 * after 1 ms, an error reply (-LOADING) is answered with another PING 1 ms later.
 */
function firstPong(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (Date.now() > deadline) return reject(new Error(`no PONG on port ${port}`));
      const s = connect(port, '127.0.0.1');
      s.setNoDelay(true);
      let buf = '';
      let over = false;
      const retry = (): void => {
        if (over) return;
        over = true;
        s.destroy();
        setTimeout(attempt, 1);
      };
      s.once('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        buf += d.toString('latin1');
        let nl;
        while ((nl = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 2);
          if (line === '+PONG') {
            over = true;
            s.destroy();
            return resolve();
          }
          if (Date.now() > deadline) {
            s.destroy();
            return reject(new Error(`no PONG on port ${port}: ${line}`));
          }
          setTimeout(() => s.write('PING\r\n'), 1);
        }
      });
      s.once('error', retry);
      s.once('close', retry);
    };
    attempt();
  });
}

/**
 * Set in some environments (this machine's among them): every Node process then reads and parses
 * that file of CA certificates as it starts, before any of its own code runs.
 */
const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;

/**
 * Seconds from spawn to the first +PONG of one start (the server is killed afterwards); with
 * withoutExtraCaCerts, NODE_EXTRA_CA_CERTS is taken out of its environment.
 */
async function timeStart(kind: Starter, dir: string, args: readonly string[], expectKeys?: number, withoutExtraCaCerts = false): Promise<number> {
  const port = await freePort();
  const [command, commandArgs] = kind === 'node' ? [process.execPath, ['-e', BARE_SERVER, String(port)]] : serverCommand(kind, port, dir, args);
  const [cmd, a] = withoutExtraCaCerts ? ['env', ['-u', 'NODE_EXTRA_CA_CERTS', command, ...commandArgs]] : [command, commandArgs];
  const start = process.hrtime.bigint();
  const proc = spawnPinned(0, cmd, a);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await Promise.race([
      firstPong(port, Date.now() + 600_000),
      new Promise((_, reject) => proc.once('exit', (code) => reject(new Error(`${kind} exited (${code}) before answering: ${stderr.trim()}`)))),
    ]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (expectKeys !== undefined) {
      const reply = await call(port, 'DBSIZE');
      if (reply !== `:${expectKeys}\r\n`) throw new Error(`${kind} answered PONG with DBSIZE ${reply.trim()}, not ${expectKeys}`);
    }
    return seconds;
  } finally {
    await kill(proc);
  }
}

/** An RDB file of n keys, written by redis-server (DEBUG POPULATE n, SAVE); returns its path. */
async function makeRdb(n: number, dir: string): Promise<string> {
  const server = await startServer('redis', ['--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'], { dir });
  try {
    const populated = await call(server.port, 'DEBUG', 'POPULATE', String(n));
    if (populated !== '+OK\r\n') throw new Error(`DEBUG POPULATE: ${populated.trim()}`);
    const saved = await call(server.port, 'SAVE');
    if (saved !== '+OK\r\n') throw new Error(`SAVE: ${saved.trim()}`);
    return join(dir, 'dump.rdb');
  } finally {
    await kill(server.proc);
  }
}

const ms = (s: number): string => (s * 1000).toFixed(1);

/** The start-up section (BENCH_STARTUP_ROUNDS, BENCH_STARTUP_KEYS). */
export async function startupSection(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<Section> {
  const rounds = positiveInt('BENCH_STARTUP_ROUNDS', 5);
  const keys = positiveInt('BENCH_STARTUP_KEYS', 1_000_000);
  const work = mkdtempSync(join(tmpdir(), 'nodis-bench-startup-'));
  const plain = ['--save', '', '--appendonly', 'no'];
  try {
    // Empty servers, interleaved so a busy moment costs all three alike.
    const empty: Record<Starter, number[]> = { redis: [], nodis: [], node: [] };
    // The two Node processes again without NODE_EXTRA_CA_CERTS, when it is set: what it costs them.
    const emptyWithoutCa: Record<'nodis' | 'node', number[]> = { nodis: [], node: [] };
    const timeEmpty = async (kind: Starter, withoutExtraCaCerts: boolean): Promise<number> => {
      const dir = mkdtempSync(join(work, `${kind}-`));
      const seconds = await timeStart(kind, dir, plain, undefined, withoutExtraCaCerts);
      rmSync(dir, { recursive: true, force: true });
      await sleep(100);
      return seconds;
    };
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['redis', 'nodis', 'node'] as const) empty[kind].push(await timeEmpty(kind, false));
      if (EXTRA_CA_CERTS === undefined) continue;
      for (const kind of ['nodis', 'node'] as const) emptyWithoutCa[kind].push(await timeEmpty(kind, true));
    }
    log(`startup: empty servers, ${rounds} starts each`);

    log(`startup: making an RDB of ${keys.toLocaleString('en-US')} keys …`);
    const rdbDir = mkdtempSync(join(work, 'rdb-'));
    const rdb = await makeRdb(keys, rdbDir);
    const loading: Record<ServerKind, number[]> = { redis: [], nodis: [] };
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['redis', 'nodis'] as const) {
        const dir = mkdtempSync(join(work, `${kind}-rdb-`));
        copyFileSync(rdb, join(dir, 'dump.rdb'));
        loading[kind].push(await timeStart(kind, dir, [...plain, '--dbfilename', 'dump.rdb'], keys));
        rmSync(dir, { recursive: true, force: true });
        await sleep(200);
      }
      log(`startup: RDB load round ${r + 1}/${rounds}`);
    }

    const m = (xs: number[]): number => median(xs);
    const range = (xs: number[], unit = ms): string => `${unit(Math.min(...xs))}–${unit(Math.max(...xs))}`;
    const seconds = (s: number): string => s.toFixed(2);
    const loadRatio = m(loading.nodis) / m(loading.redis);
    return {
      title: 'Start-up',
      intro:
        `From spawn (pinned to CPU 0) to the first +PONG, a connect/PING attempt every millisecond; median of ${rounds} ` +
        `starts. "bare Node server" is a Node TCP server answering +PONG (Node's own start-up, the floor under nodis). ` +
        `The RDB of ${keys.toLocaleString('en-US')} keys was written by redis-server (DEBUG POPULATE, SAVE); each ` +
        `server started on a copy of it, timed to the first +PONG, after which DBSIZE answered ${keys}.`,
      tables: [
        {
          caption: 'Empty server (target: nodis PONG within 150 ms)',
          table: {
            head: ['server', 'median ms', 'range ms'],
            rows: [
              ['redis-server', ms(m(empty.redis)), range(empty.redis)],
              ['nodis', ms(m(empty.nodis)), range(empty.nodis)],
              ['bare Node server', ms(m(empty.node)), range(empty.node)],
              ...(EXTRA_CA_CERTS === undefined
                ? []
                : [
                    ['nodis, without NODE_EXTRA_CA_CERTS', ms(m(emptyWithoutCa.nodis)), range(emptyWithoutCa.nodis)],
                    ['bare Node server, without NODE_EXTRA_CA_CERTS', ms(m(emptyWithoutCa.node)), range(emptyWithoutCa.node)],
                  ]),
            ],
          },
        },
        {
          caption: `Loading an RDB of ${keys.toLocaleString('en-US')} keys (target: nodis/redis ≤ 1.5)`,
          table: {
            head: ['server', 'median s', 'range s', 'less empty start s', 'nodis/redis'],
            rows: [
              ['redis-server', m(loading.redis).toFixed(2), range(loading.redis, seconds), (m(loading.redis) - m(empty.redis)).toFixed(2), ''],
              ['nodis', m(loading.nodis).toFixed(2), range(loading.nodis, seconds), (m(loading.nodis) - m(empty.nodis)).toFixed(2), loadRatio.toFixed(2)],
            ],
          },
        },
      ],
      notes:
        EXTRA_CA_CERTS === undefined
          ? []
          : [
              `NODE_EXTRA_CA_CERTS is set in this environment (${EXTRA_CA_CERTS}): every Node process reads and ` +
                'parses that file as it starts, before running any code of its own. The rows without it show ' +
                'what that costs nodis and the bare Node server alike; the figures above it include it.',
            ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url) && enabled('BENCH_STARTUP', true)) runAlone(() => startupSection());
