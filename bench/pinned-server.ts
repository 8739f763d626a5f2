// nodis-server or redis-server for the persistence and library benchmarks: started on a free port
// in a fresh directory, pinned to CPU 0 (the benchmark client takes CPU 1), as bench/run.ts does.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection } from '../test/helpers/resp.js';
import { freePort } from '../test/helpers/oracle.js';

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const CLI = fileURLToPath(new URL('../src/bin.cjs', import.meta.url));

export interface PinnedServer {
  child: ChildProcess;
  port: number;
  dir: string;
}

/** Starts the server (args after the port, bind and dir) and resolves once it accepts connections. */
export async function startPinnedServer(kind: 'nodis' | 'redis', name: string, args: readonly string[]): Promise<PinnedServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-${kind}-`));
  const all = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args];
  const cmd = kind === 'nodis' ? [process.execPath, CLI, ...all] : [REDIS_SERVER, ...all];
  const child = spawn('taskset', ['-c', '0', ...cmd], { stdio: 'ignore' });
  for (let i = 0; i < 500; i++) {
    try {
      const c = await RawConnection.open({ port });
      c.close();
      return { child, port, dir };
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${kind} did not start`);
}
