// The request path under abuse: big values, huge replies, clients that never read, half-sent
// arguments, and who may connect. Each case runs against a real nodis-server process and checks
// that it is still up, that the offender got what Redis sends (or was dropped), that a bystander
// was served correctly, and, where memory was at stake, that it came back.
//
// The cases that must pass V8's ~512 MB string limit move a few GB through loopback and take a
// few seconds each.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection } from '../helpers/resp.js';
import { freePort } from '../helpers/oracle.js';

const CLI = fileURLToPath(new URL('../../src/nodis-server.js', import.meta.url));
const MB = 1024 * 1024;

interface NodisProcess {
  port: number;
  proc: ChildProcess;
  log: () => string;
  rssBytes: () => number;
  stop: () => Promise<void>;
}

async function startNodis(args: string[] = []): Promise<NodisProcess> {
  const port = await freePort();
  // Its own empty directory, so no dump.rdb lying in the working directory is loaded.
  const dir = mkdtempSync(join(tmpdir(), 'nodis-reliability-'));
  const proc = spawn(process.execPath, [CLI, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString('latin1')));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const c = await RawConnection.open({ port, host: '127.0.0.1' });
      c.close();
      break;
    } catch {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`nodis-server did not start:\n${log}`);
      await sleep(30);
    }
  }
  return {
    port,
    proc,
    log: () => log,
    rssBytes: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'latin1'));
      return m ? Number(m[1]) * 1024 : 0;
    },
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs fn against a nodis-server started with args, stopping it afterwards whatever happens. */
async function withNodis(args: string[], fn: (n: NodisProcess) => Promise<void>): Promise<void> {
  const n = await startNodis(args);
  try {
    await fn(n);
  } finally {
    await n.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function bulk(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
}

function command(...args: (string | Buffer)[]): Buffer {
  return Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map(bulk)]);
}

/** A socket with helpers to write with back-pressure and to read an exact byte stream. */
async function open(port: number): Promise<Socket> {
  const s = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  return s;
}

async function writeAll(s: Socket, data: Buffer): Promise<void> {
  if (!s.write(data)) await new Promise<void>((r, j) => {
    s.once('drain', r);
    s.once('close', () => j(new Error('closed while writing')));
  });
}

/**
 * Reads from s until `total` bytes arrived, checking each byte against expected(i) given in
 * blocks: `block` repeated, preceded by `head`. Resolves with the count of bytes that matched.
 */
function expectStream(s: Socket, head: Buffer, block: Buffer, repeat: number, timeoutMs = 120_000): Promise<void> {
  const total = head.length + block.length * repeat;
  let got = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${got} of ${total} bytes`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      s.removeAllListeners('data');
      reject(e);
    };
    s.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i++, got++) {
        const want = got < head.length ? head[got] : block[(got - head.length) % block.length];
        if (chunk[i] !== want) {
          fail(new Error(`byte ${got} is ${chunk[i]}, expected ${want}`));
          return;
        }
      }
      if (got > total) fail(new Error(`${got - total} bytes more than expected`));
      else if (got === total) {
        clearTimeout(timer);
        s.removeAllListeners('data');
        resolve();
      }
    });
    s.once('close', () => got < total && fail(new Error(`closed after ${got} of ${total} bytes`)));
  });
}

/** Resolves when the server closes s; rejects if it stays open for timeoutMs. */
function closedByServer(s: Socket, timeoutMs = 10_000): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not close the connection')), timeoutMs);
    s.on('error', () => {});
    s.resume();
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Waits up to 5 s for the server's log (read through a pipe) to show a line matching re. */
async function logShows(n: NodisProcess, re: RegExp): Promise<void> {
  for (let i = 0; i < 50 && !re.test(n.log()); i++) await sleep(100);
  assert.match(n.log(), re);
}

/** The server is up and serves a fresh client correctly. */
async function bystanderServed(n: NodisProcess, password?: string): Promise<void> {
  assert.equal(n.proc.exitCode, null, `nodis-server exited:\n${n.log()}`);
  const c = await RawConnection.open({ port: n.port, host: '127.0.0.1' });
  try {
    if (password) assert.equal(await c.call('AUTH', password), '+OK\r\n');
    assert.equal(await c.call('SET', 'bystander', 'v'), '+OK\r\n');
    assert.equal(await c.call('GET', 'bystander'), '$1\r\nv\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
  }
}

/** Waits up to 5 s for RSS to come back within 10% of before (plus 4 MB of slack for a small heap). */
async function memoryReturns(n: NodisProcess, before: number): Promise<void> {
  const limit = before * 1.1 + 4 * MB;
  let rss = n.rssBytes();
  for (let i = 0; i < 50 && rss > limit; i++) {
    await sleep(100);
    rss = n.rssBytes();
  }
  assert.ok(rss <= limit, `RSS ${(rss / MB).toFixed(0)} MB 5 s later, ${(before / MB).toFixed(0)} MB before`);
}

describe('request path reliability (nodis-server process)', () => {
  let n: NodisProcess;
  before(async () => {
    n = await startNodis();
  });
  after(async () => {
    await n.stop();
  });

  it('refuses an argument beyond V8 string length (within proto-max-bulk-len) and gives the memory back', async () => {
    const before = n.rssBytes();
    const size = 536_870_900; // under the default 512 MB proto-max-bulk-len, over V8's longest string
    const s = await open(n.port);
    const reply = expectStream(s, Buffer.from('-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n'), Buffer.alloc(0), 0);
    await writeAll(s, Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`));
    const block = Buffer.alloc(MB, 'a');
    let left = size;
    while (left > 0) {
      const n = Math.min(left, block.length);
      await writeAll(s, n === block.length ? block : block.subarray(0, n));
      left -= n;
    }
    await writeAll(s, Buffer.from('\r\n'));
    await reply;
    // The connection goes on: the value was not stored.
    const exists = expectStream(s, Buffer.from(':0\r\n'), Buffer.alloc(0), 0);
    await writeAll(s, command('EXISTS', 'k'));
    await exists;
    s.destroy();
    await bystanderServed(n);
    await memoryReturns(n, before);
  });

  it('answers 9,000 inline GETs of a 100 KB value sent in one write', async () => {
    const value = Buffer.alloc(100 * 1024, 'v');
    const s = await open(n.port);
    await writeAll(s, command('SET', 'big', value));
    await expectStream(s, Buffer.from('+OK\r\n'), Buffer.alloc(0), 0);
    const reply = expectStream(s, Buffer.alloc(0), bulk(value), 9000);
    await writeAll(s, Buffer.from('GET big\r\n'.repeat(9000)));
    await reply;
    s.destroy();
    await bystanderServed(n);
  });

  it('answers an MGET of 600 × 1 MB values byte for byte', async () => {
    const s = await open(n.port);
    const values: Buffer[] = [];
    for (let i = 0; i < 600; i++) values.push(Buffer.alloc(MB, 97 + (i % 26)));
    for (let i = 0; i < 600; i++) await writeAll(s, command('SET', `m${i}`, values[i]));
    await expectStream(s, Buffer.alloc(0), Buffer.from('+OK\r\n'), 600);
    const keys = values.map((_, i) => `m${i}`);
    const expected = Buffer.concat([Buffer.from('*600\r\n'), ...values.map(bulk)]);
    const reply = expectStream(s, expected, Buffer.alloc(0), 0);
    await writeAll(s, command('MGET', ...keys));
    await reply;
    await writeAll(s, command('DEL', ...keys));
    await expectStream(s, Buffer.from(':600\r\n'), Buffer.alloc(0), 0);
    s.destroy();
    await bystanderServed(n);
  });

  it('answers 1,500 pipelined GETs of a 1 MB value', async () => {
    const value = Buffer.alloc(MB, 'q');
    const s = await open(n.port);
    await writeAll(s, command('SET', 'q', value));
    await expectStream(s, Buffer.from('+OK\r\n'), Buffer.alloc(0), 0);
    const reply = expectStream(s, Buffer.alloc(0), bulk(value), 1500);
    const get = command('GET', 'q');
    await writeAll(s, Buffer.concat(Array.from({ length: 1500 }, () => get)));
    await reply;
    s.destroy();
    await bystanderServed(n);
  });

  it('logs a bad request once, not once per command', async () => {
    const lines = n.log().split('\n').filter((l) => l.includes('internal error') || l.includes('    at ')).length;
    assert.equal(lines, 0, n.log());
  });
});

describe('memory and output limits (nodis-server process)', () => {
  it('drops an unauthenticated client that does not read past 1 KB of replies, and frees what it held', async () => {
    await withNodis(['--requirepass', 'secret'], async (n) => {
      await sleep(200);
      const before = n.rssBytes();
      const s = await open(n.port);
      s.on('error', () => {});
      const closed = closedByServer(s);
      s.pause();
      const block = Buffer.from('PING\r\n'.repeat(10_000));
      try {
        for (let sent = 0; sent < 150 * MB && !s.destroyed; sent += block.length) await writeAll(s, block);
      } catch {
        // The server closed the connection under us: that is the point.
      }
      await closed;
      await logShows(n, /closed for overcoming of output buffer limits/);
      await bystanderServed(n, 'secret');
      await memoryReturns(n, before);
    });
  });

  it('gives back a half-received argument dropped at client-query-buffer-limit', async () => {
    await withNodis(['--client-query-buffer-limit', '64mb'], async (n) => {
      await sleep(200);
      const before = n.rssBytes();
      const s = await open(n.port);
      s.on('error', () => {});
      const closed = closedByServer(s);
      await writeAll(s, Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000000\r\n'));
      const block = Buffer.alloc(MB, 'z');
      try {
        for (let i = 0; i < 100 && !s.destroyed; i++) await writeAll(s, block);
      } catch {
        // Closed by the server.
      }
      await closed;
      await logShows(n, /Closing client that reached max query buffer length/);
      await bystanderServed(n);
      await memoryReturns(n, before);
    });
  });

  it('drops a client whose unread replies pass its output hard limit', async () => {
    await withNodis(['--client-output-buffer-limit', 'normal 1mb 0 0'], async (n) => {
      const s = await open(n.port);
      s.on('error', () => {});
      await writeAll(s, command('SET', 'v', Buffer.alloc(100 * 1024, 'v')));
      await expectStream(s, Buffer.from('+OK\r\n'), Buffer.alloc(0), 0);
      s.pause();
      const closed = closedByServer(s);
      // 60 GETs in one write: 6 MB of replies from a single read.
      await writeAll(s, Buffer.concat(Array.from({ length: 60 }, () => command('GET', 'v'))));
      await closed;
      await logShows(n, /closed for overcoming of output buffer limits/);
      await bystanderServed(n);
    });
  });
});

describe('replica output limit (nodis-server process)', () => {
  it('drops a replica that does not read its stream past the replica class hard limit', async () => {
    await withNodis(['--client-output-buffer-limit', 'replica 1mb 0 0'], async (n) => {
      const replica = await open(n.port);
      replica.on('error', () => {});
      await writeAll(replica, Buffer.from('SYNC\r\n'));
      await sleep(300);
      replica.pause(); // and never resumed: the stream piles up in the server
      const writer = await open(n.port);
      const value = Buffer.alloc(100 * 1024, 'r');
      // 40 MB of stream: more than the kernel's socket buffers can take off the server's hands.
      for (let i = 0; i < 400; i++) await writeAll(writer, command('SET', `r${i}`, value));
      await expectStream(writer, Buffer.alloc(0), Buffer.from('+OK\r\n'), 400);
      writer.destroy();
      const admin = await RawConnection.open({ port: n.port, host: '127.0.0.1' });
      let info = '';
      for (let i = 0; i < 100; i++) {
        info = (await admin.call('INFO', 'replication')) ?? '';
        if (info.includes('connected_slaves:0')) break;
        await sleep(100);
      }
      admin.close();
      replica.destroy();
      assert.match(info, /connected_slaves:0/);
      await logShows(n, /closed for overcoming of output buffer limits/);
      await bystanderServed(n);
    });
  });
});

describe('who may connect and when (nodis-server process)', () => {
  it('protected mode lets in 127.0.0.1 and refuses other loopback addresses, as Redis', async () => {
    await withNodis(['--protected-mode', 'yes', '--bind', '127.0.0.1'], async (n) => {
      const local = await RawConnection.open({ port: n.port, host: '127.0.0.1' });
      assert.equal(await local.call('PING'), '+PONG\r\n');
      local.close();
      const other = connect({ port: n.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      let got = '';
      other.on('data', (d: Buffer) => (got += d.toString('latin1')));
      await new Promise<void>((resolve) => other.once('close', () => resolve()));
      assert.match(got, /^-DENIED Redis is running in protected mode/);
    });
  });

  it('clearing requirepass lets connections waiting to AUTH in; setting one keeps open ones in', async () => {
    await withNodis(['--requirepass', 'secret'], async (n) => {
      const waiting = await RawConnection.open({ port: n.port, host: '127.0.0.1' });
      assert.match((await waiting.call('GET', 'x')) ?? '', /^-NOAUTH/);
      const admin = await RawConnection.open({ port: n.port, host: '127.0.0.1' });
      assert.equal(await admin.call('AUTH', 'secret'), '+OK\r\n');
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
      assert.equal(await waiting.call('GET', 'x'), '$-1\r\n');
      // A request with more than 10 arguments is no longer an unauthenticated one.
      assert.equal(await waiting.call('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', '6'), '+OK\r\n');
      // A connection opened while no password was needed stays in when one is set again; one that
      // never authenticated needs AUTH again (checked against Redis 7.0).
      const fresh = await RawConnection.open({ port: n.port, host: '127.0.0.1' });
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'again'), '+OK\r\n');
      assert.equal(await fresh.call('GET', 'a'), '$1\r\n1\r\n');
      assert.match((await waiting.call('GET', 'a')) ?? '', /^-NOAUTH/);
      fresh.close();
      waiting.close();
      admin.close();
    });
  });
});
