// Differential tests of the protocol edge: every protocol error, the replies to the commands
// pipelined before it, inline quoting, limits, and that an error closes only its own connection.
// Raw bytes go to real Redis and to nodis; everything each sends back must be identical.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite, encodeCommand } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';

const K64 = 64 * 1024;
/** How long to wait for an exchange that ends with the server closing the connection. */
const CLOSES = 5000;

describe('protocol errors', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('invalid multibulk length, after the commands before it', async () => {
    for (const head of ['*x', '*-0', '*01', '*+1', '*', '*2147483648', '*-9223372036854775809', '*99999999999999999999']) {
      await d.checkRaw(`PING\r\n*1\r\n$4\r\nPING\r\n${head}\r\nPING\r\n`);
    }
  });

  it('counts up to INT_MAX are accepted; *0, *-1 and huge negative counts are skipped', async () => {
    await d.checkRaw('*2147483647\r\n');
    await d.checkRaw('*0\r\n*-1\r\n*-9223372036854775808\r\nPING\r\nQUIT\r\n');
  });

  it('invalid bulk length', async () => {
    for (const head of ['$-1', '$x', '$+4', '$04', '$', '$-0', '$9223372036854775807', '$536870913']) {
      await d.checkRaw(`ECHO a\r\n*2\r\n$4\r\nECHO\r\n${head}\r\n`);
    }
    await d.checkRaw('*1\r\n$536870912\r\n'); // proto-max-bulk-len itself is fine: Redis waits for it
  });

  it("expected '$', got '<byte>'", async () => {
    await d.checkRaw('PING\r\n*2\r\n$4\r\nECHO\r\nx4\r\nPING\r\n');
    await d.checkRaw('*1\r\n\r\n'); // CR, shown as a space
    await d.checkRaw('*1\r\n\nxx\r\n'); // LF, shown as a space
    await d.checkRaw('*1\r\n\xffxx\r\n');
    await d.checkRaw('*1\r\n:1\r\n');
  });

  it('unbalanced quotes in request', async () => {
    for (const line of ['ECHO "abc', "ECHO 'abc", 'ECHO "abc"d', "ECHO 'a'b", 'ECHO a"b"c', 'ECHO "a\\"', '"']) {
      await d.checkRaw(`PING\r\n${line}\r\nPING\r\n`);
    }
  });

  it('too big inline request', async () => {
    await d.checkRaw('PING\r\n' + 'a'.repeat(K64)); // just at the limit: Redis keeps waiting
    await d.checkRaw('PING\r\n' + 'a'.repeat(K64 + 1), CLOSES);
    await d.checkRaw('PING\r\n' + 'a'.repeat(3 * K64), CLOSES);
  });

  it('too big mbulk count string / too big bulk count string', async () => {
    // Both servers close the connection: wait for that (a loaded machine can take over 300 ms).
    await d.checkRaw('PING\r\n*' + '1'.repeat(K64), CLOSES);
    await d.checkRaw('*1\r\n$' + '1'.repeat(K64 - 2), CLOSES);
    await d.checkRaw('*1\r\n$' + '1'.repeat(2 * K64), CLOSES);
  });

  it('a NUL before a line end hides it (Redis searches like strchr): no reply, then "too big"', async () => {
    await d.checkRaw('PING\0\r\nPING\r\n');
    await d.checkRaw('*1\0\r\n$4\r\nPING\r\n');
    await d.checkRaw('*1\r\n$4\0\r\nPING\r\n');
    await d.checkRaw('PING\r\nECHO a\0b\r\n' + 'x'.repeat(K64));
    await d.checkRaw('*1\0\r\n' + 'x'.repeat(K64));
    await d.checkRaw('*1\r\n$1\0\r\n' + 'x'.repeat(K64));
  });

  it('QUIT: nothing after it is read, not even a protocol error', async () => {
    await d.checkRaw('PING\r\nQUIT\r\n*x\r\n');
    await d.checkRaw('QUIT\r\nPING\r\n');
  });

  it('answers a big pipelined reply in full before the protocol error', async () => {
    const value = 'v'.repeat(3 * 1024 * 1024);
    await d.withPair(async (p) => assert.equal(await p.do('SET', 'protocol:big', value), '+OK\r\n'), { flush: false });
    const [rn] = await d.checkRaw('GET protocol:big\r\nGET protocol:big\r\n*x\r\n', 2000);
    assert.equal(rn.length, 2 * ('$3145728\r\n'.length + value.length + 2) + '-ERR Protocol error: invalid multibulk length\r\n'.length);
  });

  it('a protocol error closes only that connection', async () => {
    for (const target of [d.left, d.right]) {
      const bad = await target.connect();
      const good = await target.connect();
      try {
        assert.equal(await good.call('ECHO', 'before'), '$6\r\nbefore\r\n');
        bad.write('*1\r\n$4\r\nPING\r\n*x\r\n');
        assert.equal(await bad.readUntilClose(2000), '+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n');
        assert.ok(bad.closed, `${target.name} closed the connection with the error`);
        assert.equal(await good.call('ECHO', 'after'), '$5\r\nafter\r\n');
        assert.equal(await good.call('PING'), '+PONG\r\n');
      } finally {
        bad.close();
        good.close();
      }
    }
  });
});

describe('protocol: inline and binary requests', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('inline quoting and escapes (sdssplitargs)', async () => {
    const lines = [
      'ECHO "a\\x41\\x4g\\n\\r\\t\\b\\a\\\\\\"\\q"',
      'ECHO "\\x4"', 'ECHO "\\xZZ"', 'ECHO "\\X41"', 'ECHO "\\xff\\x00\\x0d\\x0A"',
      "ECHO 'ab\\'c'", "ECHO 'a\\nb\"'", 'ECHO a"b c"', "ECHO a'b c'", 'ECHO ""', "ECHO ''",
      'ECHO "x"\t', 'ECHO "x"\v', 'ECHO "x"\f', 'ECHO a\fb', 'PING\v', '\v\fPING', '\t PING \t',
    ];
    await d.checkRaw(lines.map((l) => `${l}\r\n`).join('') + 'QUIT\r\n');
  });

  it('empty lines, blank lines and LF-only line ends', async () => {
    await d.checkRaw('\r\n\n\r\n  \r\n\t\r\nPING\nECHO x\n\nECHO y\r\nQUIT\n');
  });

  it('binary arguments: NUL, CR, LF and high bytes in bulk payloads', async () => {
    await d.checkRaw(
      encodeCommand(['ECHO', '\0\r\n\xff\x80 "\'']) + encodeCommand(['ECHO', '']) +
        encodeCommand(['SET', 'bin\0key', 'a\0b']) + encodeCommand(['GET', 'bin\0key']) + 'QUIT\r\n',
    );
  });

  it('the byte after a header CR and the two after a payload are skipped unchecked', async () => {
    await d.checkRaw('*1\rX$4\rYPINGzz*1\r\n$4\r\nPING\r\nQUIT\r\n');
  });

  it('many pipelined commands split across reads', async () => {
    let req = '';
    for (let i = 0; i < 3000; i++) req += i % 2 ? encodeCommand(['ECHO', `m${i}`]) : `ECHO i${i}\r\n`;
    await d.checkRaw(req + 'QUIT\r\n', 5000);
  });
});

describe('protocol: proto-max-bulk-len and client-query-buffer-limit at 1mb', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startWith({ 'proto-max-bulk-len': '1mb', 'client-query-buffer-limit': '1mb' }));
  after(() => d.stop());

  it('a bulk longer than proto-max-bulk-len is an invalid bulk length', async () => {
    await d.checkRaw('PING\r\n*1\r\n$1048577\r\n');
    await d.checkRaw('*1\r\n$1048576\r\n');
  });

  it('an argument outgrowing the query buffer limit closes the connection without a reply', async () => {
    const [rn] = await d.checkRaw('PING\r\n' + encodeCommand(['SET', 'k', 'x'.repeat(1024 * 1024)]) + 'PING\r\n', 2000);
    assert.equal(rn, '+PONG\r\n');
  });

  it('arguments under the limit pass, even when together they are over it', async () => {
    const v = 'y'.repeat(600 * 1024);
    await d.checkRaw(encodeCommand(['SET', 'a', v]) + encodeCommand(['ECHO', v]) + 'PING\r\nQUIT\r\n', 2000);
  });
});

describe('protocol: limits before AUTH', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startWith({ requirepass: 'pw' }));
  after(() => d.stop());

  it('unauthenticated multibulk length: more than 10 arguments', async () => {
    await d.checkRaw('*11\r\n');
    await d.checkRaw('PING\r\n*11\r\n');
    await d.checkRaw('*10\r\n');
  });

  it('unauthenticated bulk length: an argument over 16384 bytes', async () => {
    await d.checkRaw('*1\r\n$16385\r\n');
    const args = ['SET', ...Array.from({ length: 9 }, () => 'z'.repeat(16384))];
    await d.checkRaw(encodeCommand(args) + '*2\r\n$4\r\nECHO\r\n$16385\r\n');
  });
});

describe('protocol: nodis only', () => {
  it('with CLIENT REPLY OFF a protocol error is silent and, as in Redis, the connection lingers', async () => {
    const { startServer } = await import('../../src/embed.js');
    const nodis = await startServer();
    const c = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(await c.call('PING'), '+PONG\r\n');
      const client = [...nodis.server.clients.values()].at(-1)!;
      client.replyMode = 'off';
      c.write('*x\r\nPING\r\n');
      assert.equal(await c.readUntilClose(300), '');
      assert.equal(c.closed, false);
      assert.equal(nodis.server.clients.has(client.id), true);
    } finally {
      c.close();
      await nodis.close();
    }
  });

  it('CONFIG SET of the limits applies to connected clients', async () => {
    const { startServer } = await import('../../src/embed.js');
    const nodis = await startServer();
    const c = await RawConnection.open({ port: nodis.port });
    try {
      assert.equal(await c.call('PING'), '+PONG\r\n');
      nodis.server.config.set('proto-max-bulk-len', '1mb');
      c.write('*1\r\n$1048577\r\n');
      assert.equal(await c.readUntilClose(2000), '-ERR Protocol error: invalid bulk length\r\n');
    } finally {
      c.close();
      await nodis.close();
    }
  });
});
