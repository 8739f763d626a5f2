// nodis-server as a child process, for tests of what survives a crash (SIGKILL).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/nodis-server.js', import.meta.url));

export interface CliServer {
  readonly child: ChildProcess;
  /** The unix socket it listens on (in dir). */
  readonly socket: string;
  /** What it has logged so far. */
  out(): string;
}

/**
 * Starts dist/src/nodis-server.js (or another entry: the nodis-server command, bin.cjs) on a unix
 * socket in dir, with save points off; resolves once it accepts connections.
 */
export async function startCliServer(dir: string, args: readonly string[] = [], entry = CLI): Promise<CliServer> {
  const socket = join(dir, 's.sock');
  const child = spawn(process.execPath, [entry, '--port', '0', '--unixsocket', socket, '--dir', dir, '--save', '', '--enable-debug-command', 'yes', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  for (let i = 0; i < 500 && !out.includes('Ready to accept connections'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(out.includes('Ready to accept connections'), out);
  return { child, socket, out: () => out };
}

/** SIGKILL: the process ends at once, with whatever it has written. */
export async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
