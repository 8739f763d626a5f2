// The embedding API (src/index.ts): startServer(), url, clock control, fixtures, logging, handles
// that let the process exit, disposal, and isolation between servers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer as startPublic } from '../src/index.js';
import { startServer } from '../src/embed.js';
import { RawConnection } from './helpers/resp.js';

const INDEX = fileURLToPath(new URL('../src/index.js', import.meta.url));

/** Runs an ES module script with node; resolves with its exit code and output (killed after ms). */
function runScript(source: string, ms = 10_000): Promise<{ code: number | null; killed: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, out });
    });
  });
}

it('starts on a free port and reports its host and url', async () => {
  const server = await startPublic();
  try {
    assert.ok(server.port > 0);
    assert.equal(server.host, '127.0.0.1');
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    const c = await RawConnection.open({ port: server.port });
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await server.close();
  }
});

it('rejects unknown directives and bad values with a clear error', async () => {
  await assert.rejects(startServer({ 'no-such-directive': 'x' }), /no-such-directive/);
  await assert.rejects(startServer({ maxmemory: 'lots' }), /maxmemory/);
  await assert.rejects(startServer({ hz: { a: 'b' } }), /'hz' takes a string, number or boolean/);
});

it('puts the password in the url while requirepass is set', async () => {
  const server = await startServer({ requirepass: 'p@ss wörd' });
  try {
    assert.equal(server.url, `redis://:p%40ss%20w%C3%B6rd@127.0.0.1:${server.port}`);
    const c = await RawConnection.open({ port: server.port });
    // The password is the UTF-8 bytes a client sends.
    assert.equal(await c.call('AUTH', Buffer.from('p@ss wörd').toString('latin1')), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    c.close();
  } finally {
    await server.close();
  }
});

it('moves time with clock.advance(): a key expires once the clock is past its time', async () => {
  const server = await startServer();
  try {
    const c = await RawConnection.open({ port: server.port });
    assert.equal(await c.call('SET', 'session', 'x', 'EX', '3600'), '+OK\r\n');
    server.clock.advance(3599_000);
    assert.equal(await c.call('TTL', 'session'), ':1\r\n');
    server.clock.advance(1_001);
    assert.equal(await c.call('GET', 'session'), '$-1\r\n');
    // One millisecond past the expiry time is always enough, however little real time passed.
    for (let i = 0; i < 50; i++) {
      await c.call('SET', 'k', 'v', 'PX', '1000');
      server.clock.advance(1001);
      assert.equal(await c.call('GET', 'k'), '$-1\r\n');
    }
    c.close();
  } finally {
    await server.close();
  }
});

it("reads the real wall clock, which fake timers' Date does not move", async () => {
  const server = await startServer();
  const realNow = Date.now;
  try {
    Date.now = () => 0;
    assert.ok(Math.abs(server.clock.now() - realNow()) < 1000);
  } finally {
    Date.now = realNow;
    await server.close();
  }
});

it('seeds fixtures (data option, seed()) and empties every database with flushAll()', async () => {
  const server = await startServer({ data: { greeting: 'hello', 'ключ': 'значение', bin: new Uint8Array([0, 255, 10]) } });
  try {
    const c = await RawConnection.open({ port: server.port });
    assert.equal(await c.call('GET', 'greeting'), '$5\r\nhello\r\n');
    const utf8 = (s: string): string => Buffer.from(s).toString('latin1');
    assert.equal(await c.call('GET', utf8('ключ')), `$16\r\n${utf8('значение')}\r\n`);
    assert.equal(await c.call('GET', 'bin'), '$3\r\n\x00\xff\n\r\n');
    assert.equal(await c.call('SELECT', '3'), '+OK\r\n');
    assert.equal(await c.call('SET', 'other', 'db'), '+OK\r\n');
    await server.flushAll();
    assert.equal(await c.call('DBSIZE'), ':0\r\n');
    assert.equal(await c.call('SELECT', '0'), '+OK\r\n');
    assert.equal(await c.call('DBSIZE'), ':0\r\n');
    await server.seed({ a: '1' });
    assert.equal(await c.call('GET', 'a'), '$1\r\n1\r\n');
    c.close();
  } finally {
    await server.close();
  }
});

it('works with `await using`: the server closes at the end of the block', async () => {
  let port = 0;
  {
    await using server = await startPublic();
    port = server.port;
    (await RawConnection.open({ port })).close();
  }
  await assert.rejects(RawConnection.open({ port }));
});

describe('logging', () => {
  it('log: a function receives the log lines, including warnings about directives not acted on', async () => {
    const lines: string[] = [];
    const server = await startServer({ log: (line) => lines.push(line), maxmemory: '10mb', 'maxmemory-policy': 'allkeys-lru' });
    try {
      assert.ok(lines.some((l) => l.includes('# maxmemory 10485760 (maxmemory-policy allkeys-lru): eviction is not implemented yet')), lines.join(''));
      const c = await RawConnection.open({ port: server.port });
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-clients', '10%'), '+OK\r\n');
      c.close();
      assert.ok(lines.some((l) => l.includes('# maxmemory-clients 10%: client eviction is not implemented yet')), lines.join(''));
    } finally {
      await server.close();
    }
  });

  it('log: true prints on standard output; without a log, those warnings are process warnings, once each', async () => {
    const printed = await runScript(`
      import { startServer } from ${JSON.stringify(INDEX)};
      const s = await startServer({ log: true, maxmemory: '1mb', 'maxmemory-policy': 'volatile-lru' });
      await s.close();
    `);
    assert.equal(printed.code, 0, printed.out);
    assert.match(printed.out, /^\d+:M \d\d \w{3} \d{4} [\d:.]+ # maxmemory 1048576 \(maxmemory-policy volatile-lru\): eviction is not implemented/m);
    assert.ok(!printed.out.includes('NodisWarning'), printed.out);

    const warned = await runScript(`
      import { startServer } from ${JSON.stringify(INDEX)};
      for (let i = 0; i < 3; i++) await (await startServer({ 'maxmemory-clients': '10%' })).close();
    `);
    assert.equal(warned.code, 0, warned.out);
    assert.equal(warned.out.split('NodisWarning: maxmemory-clients 10%: client eviction is not implemented yet').length, 2, warned.out);
  });
});

describe('handles', () => {
  it('a forgotten close() does not keep the process alive, even with a connection open', async () => {
    const r = await runScript(`
      import { connect } from 'node:net';
      import { startServer } from ${JSON.stringify(INDEX)};
      const server = await startServer();
      const socket = connect(server.port, '127.0.0.1');
      socket.once('data', () => { socket.unref(); console.log('served'); });
      socket.write('PING\\r\\n');
    `);
    assert.equal(r.killed, false, r.out);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, 'served\n');
  });

  it('unref: false keeps a server meant to stay up running', async () => {
    const r = await runScript(
      `
      import { startServer } from ${JSON.stringify(INDEX)};
      await startServer({ unref: false });
      console.log('up');
    `,
      1500,
    );
    assert.equal(r.killed, true, r.out);
    assert.equal(r.out, 'up\n');
  });
});

it('SHUTDOWN stops an embedded server, saving first when it has save points', async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nodis-embed-')));
  try {
    const server = await startServer({ dir, save: '3600 1', log: () => {} });
    const c = await RawConnection.open({ port: server.port });
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    assert.equal(await c.readUntilClose(), '');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    await assert.rejects(RawConnection.open({ port: server.port }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('keeps two servers in one process apart: keys, clocks, configuration, statistics', async () => {
  const a = await startServer({ requirepass: 'a-secret' });
  const b = await startServer();
  try {
    const ca = await RawConnection.open({ port: a.port });
    const cb = await RawConnection.open({ port: b.port });
    assert.equal(await ca.call('AUTH', 'a-secret'), '+OK\r\n');
    assert.equal(await ca.call('SET', 'k', 'from-a', 'EX', '10'), '+OK\r\n');
    assert.equal(await cb.call('GET', 'k'), '$-1\r\n');
    assert.equal(await cb.call('SET', 'k', 'from-b', 'EX', '10'), '+OK\r\n');
    a.clock.advance(11_000);
    assert.equal(await ca.call('GET', 'k'), '$-1\r\n');
    assert.equal(await cb.call('GET', 'k'), '$6\r\nfrom-b\r\n');
    assert.equal(await cb.call('CONFIG', 'GET', 'requirepass'), '*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n');
    assert.equal(await cb.call('CONFIG', 'SET', 'maxclients', '7'), '+OK\r\n');
    assert.equal(a.server.config.num('maxclients'), 10000);
    assert.notEqual(a.server.runId, b.server.runId);
    assert.equal(b.server.stats.expiredKeys, 0);
    ca.close();
    cb.close();
  } finally {
    await a.close();
    await b.close();
  }
});
