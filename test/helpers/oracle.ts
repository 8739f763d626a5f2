// The oracle: a real redis-server started by the tests, on its own unix socket.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawConnection } from './resp.js';

export const ORACLE_SKIP_MESSAGE =
  'redis-server not found: differential tests skipped (install it with `apt-get install -y redis-server`, or run `bash .ci/run`)';

let available: boolean | null = null;

/** True if redis-server can be run. In CI (CI or NODIS_REQUIRE_ORACLE set) its absence is an error. */
export function oracleAvailable(): boolean {
  if (available === null) {
    const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    available = r.status === 0;
    if (!available && (process.env.CI || process.env.NODIS_REQUIRE_ORACLE)) {
      throw new Error('redis-server is required in CI for the differential tests, but it was not found');
    }
  }
  return available;
}

/** A TCP port nobody listens on right now (the kernel's pick), on host. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Oracle {
  socketPath: string;
  /** Its working directory (`dir`): where SAVE writes dump.rdb. Removed by close(). */
  dir: string;
  connect(): Promise<RawConnection>;
  close(): Promise<void>;
}

/** Directives as a config object: { 'notify-keyspace-events': 'KEA', maxclients: 10 }. */
export type OracleConfig = Record<string, string | number | boolean>;

/** `--name value` arguments for redis-server from a config object (booleans as yes/no). */
export function configArgs(config: OracleConfig): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) out.push(`--${k}`, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  return out;
}

/**
 * Starts a real redis-server on its own unix socket and temporary directory. extra: more
 * `--name value` arguments, or the same as a config object (`{ 'notify-keyspace-events': 'KEA' }`).
 */
export async function startOracle(extra: string[] | OracleConfig = []): Promise<Oracle> {
  if (!Array.isArray(extra)) extra = configArgs(extra);
  const dir = mkdtempSync(join(tmpdir(), 'nodis-oracle-'));
  const socketPath = join(dir, 'redis.sock');
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socketPath, '--save', '', '--appendonly', 'no', '--dir', dir,
      '--enable-debug-command', 'yes', '--daemonize', 'no', '--loglevel', 'warning', ...extra],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      const c = await RawConnection.open({ path: socketPath });
      c.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error('redis-server did not start');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    socketPath,
    dir,
    connect: () => RawConnection.open({ path: socketPath }),
    close: async () => {
      // A server that already ended (SHUTDOWN) emits no second 'exit'.
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * redis-server started on dir/dbfilename (so it loads that file; extra arguments follow): fn runs
 * on a connection to it, and the server is stopped after.
 */
export async function withOracleLoading<T>(dir: string, dbfilename: string, fn: (o: RawConnection) => Promise<T>, extra: string[] = []): Promise<T> {
  const oracle = await startOracle(['--dir', dir, '--dbfilename', dbfilename, ...extra]);
  try {
    const o = await oracle.connect();
    try {
      return await fn(o);
    } finally {
      o.close();
    }
  } finally {
    await oracle.close();
  }
}
