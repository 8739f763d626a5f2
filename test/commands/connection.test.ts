// Connection commands: PING ECHO QUIT RESET SELECT HELLO AUTH and CLIENT, against real Redis.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSuite, Differential, encodeCommand } from '../helpers/differential.js';
import { RawConnection, bulkText, intReply } from '../helpers/resp.js';

/** HELLO's reply with the two values that must differ (version, id) blanked out. */
function normHello(r: string | null): string {
  assert.ok(r !== null);
  return r
    .replace(/(\$7\r\nversion\r\n)\$\d+\r\n[^\r]*\r\n/, '$1<VERSION>')
    .replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1<ID>');
}

/** CLIENT INFO / LIST line → ordered [field, value] pairs. */
function fields(line: string): [string, string][] {
  return line.split(' ').map((kv) => {
    const eq = kv.indexOf('=');
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  });
}

function fieldMap(line: string): Map<string, string> {
  return new Map(fields(line));
}

describe('connection commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('PING and ECHO, RESP2 and RESP3', async () => {
    const steps = [
      ['PING'],
      ['ping', 'hello'],
      ['PING', ''],
      ['PING', '\x00\xff\r\nbin'],
      ['PING', 'a', 'b'],
      ['ECHO', 'x'],
      ['ECHO', ''],
      ['ECHO', '\x00\x01\xfe\xff'],
      ['ECHO'],
      ['ECHO', 'a', 'b'],
    ];
    await d.check(steps);
    await d.check(steps, { resp3: true });
  });

  it('SELECT: valid and invalid indexes', async () => {
    await d.check([
      ['SELECT', '0'],
      ['SELECT', '15'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'abc'],
      ['SELECT', ''],
      ['SELECT', '01'],
      ['SELECT', ' 1'],
      ['SELECT', '1.0'],
      ['SELECT', '2147483647'],
      ['SELECT', '2147483648'],
      ['SELECT', '-2147483649'],
      ['SELECT', '4294967296'],
      ['SELECT', '99999999999999999999'],
      ['SELECT'],
      ['SELECT', '1', '2'],
    ]);
  });

  it('SELECT switches the keyspace', async () => {
    await d.check([
      ['SELECT', '1'],
      ['SET', 'selkey', 'one'],
      ['GET', 'selkey'],
      ['SELECT', '0'],
      ['GET', 'selkey'],
      ['SELECT', '1'],
      ['GET', 'selkey'],
    ]);
  });

  it('QUIT replies OK and closes, ignoring what follows', async () => {
    const [rn] = await d.checkRaw(encodeCommand(['QUIT']));
    assert.equal(rn, '+OK\r\n');
    await d.checkRaw('PING\r\nQUIT\r\nPING\r\n');
    await d.checkRaw(encodeCommand(['QUIT', 'extra', 'args']) + encodeCommand(['PING']));
  });

  it('RESET restores db, protocol, name and reply mode', async () => {
    const p = await d.pair({ flush: false });
    try {
      await p.do('SELECT', '2');
      await p.do('SET', 'resetkey', 'v');
      await p.do('CLIENT', 'SETNAME', 'before');
      await p.norm(normHello, 'HELLO', '3');
      await p.do('CLIENT', 'GETNAME');
      assert.equal(await p.do('RESET'), '+RESET\r\n');
      assert.equal(await p.do('CLIENT', 'GETNAME'), '$-1\r\n'); // RESP2 again, no name
      assert.equal(await p.do('GET', 'resetkey'), '$-1\r\n'); // back in db 0
      await p.do('SELECT', '2');
      await p.do('GET', 'resetkey');
      await p.do('RESET', 'extra');
    } finally {
      p.close();
    }
    // RESET turns CLIENT REPLY OFF back on (and its own reply is sent), but a SKIP already in
    // force still swallows RESET's reply.
    await d.checkRaw('CLIENT REPLY OFF\r\nPING\r\nRESET\r\nPING\r\n');
    await d.checkRaw('CLIENT REPLY SKIP\r\nRESET\r\nPING\r\n');
  });

  it('RESET clears NO-EVICT, NO-TOUCH and the name but keeps lib-name (nodis)', async () => {
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      await c.call('CLIENT', 'NO-EVICT', 'on');
      await c.call('CLIENT', 'NO-TOUCH', 'on');
      await c.call('CLIENT', 'SETNAME', 'nm');
      await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib');
      let info = fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd());
      assert.equal(info.get('flags'), 'eT');
      assert.equal(await c.call('RESET'), '+RESET\r\n');
      info = fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd());
      assert.equal(info.get('flags'), 'N');
      assert.equal(info.get('name'), '');
      assert.equal(info.get('lib-name'), 'mylib');
    } finally {
      c.close();
    }
  });

  it('AUTH without requirepass', async () => {
    await d.check([
      ['AUTH', 'x'],
      ['AUTH', 'default', 'x'],
      ['AUTH', 'default', ''],
      ['AUTH', 'foo', 'x'],
      ['AUTH', 'a', 'b', 'c'],
      ['AUTH'],
      ['PING'],
    ]);
  });

  it('HELLO: protocol versions and the reply map, RESP2 and RESP3', async () => {
    const p = await d.pair({ flush: false });
    try {
      for (const argv of [['HELLO'], ['HELLO', '2'], ['HELLO', '3'], ['HELLO'], ['HELLO', '2'], ['hello', '3']]) {
        await p.norm(normHello, ...argv);
      }
      // In RESP3 now: a null is "_".
      assert.equal(await p.do('GET', 'nosuchkey'), '_\r\n');
      await p.do('HELLO', '4');
      await p.do('HELLO', '1');
      await p.do('HELLO', '0');
      await p.do('HELLO', '-1');
      await p.do('HELLO', 'x');
      await p.do('HELLO', '3.0');
      await p.do('HELLO', '99999999999999999999');
      await p.do('HELLO', '3', 'foo');
      await p.do('HELLO', '3', 'AUTH', 'default');
      await p.do('HELLO', '3', 'SETNAME');
      await p.do('HELLO', 'AUTH', 'default', 'x');
      await p.do('HELLO', '2', 'AUTH', 'foo', 'x');
      // An option is named as C prints it: up to a NUL byte (fuzzer finding).
      await p.do('HELLO', '2', 'x\0y', 'AUTH', 'v', 'v');
      await p.do('HELLO', '3', '\0');
      await p.do('HELLO', '2', 'SETNAME\0x', 'a b');
      // Errors leave the protocol alone.
      assert.equal(await p.do('GET', 'nosuchkey'), '_\r\n');
    } finally {
      p.close();
    }
  });

  it('HELLO reports version 7.2.4 and the connection id (nodis)', async () => {
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      const id = intReply(await c.call('CLIENT', 'ID'));
      const r = await c.call('HELLO', '3');
      assert.equal(
        r,
        '%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:3\r\n' +
          `$2\r\nid\r\n:${id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n` +
          '$7\r\nmodules\r\n*0\r\n',
      );
      const r2 = await c.call('HELLO', '2');
      assert.ok(r2?.startsWith('*14\r\n$6\r\nserver\r\n'));
      assert.ok(r2?.includes('$5\r\nproto\r\n:2\r\n'));
    } finally {
      c.close();
    }
  });

  it('HELLO SETNAME and HELLO AUTH', async () => {
    const p = await d.pair({ flush: false });
    try {
      await p.norm(normHello, 'HELLO', '3', 'SETNAME', 'viahello');
      assert.equal(await p.do('CLIENT', 'GETNAME'), '$8\r\nviahello\r\n');
      await p.do('HELLO', '3', 'SETNAME', 'a b');
      await p.do('HELLO', '2', 'SETNAME', 'x\ny');
      await p.do('CLIENT', 'GETNAME');
      // No requirepass: the default user takes any password.
      await p.norm(normHello, 'HELLO', '2', 'AUTH', 'default', 'anything', 'SETNAME', 'n2');
      await p.do('CLIENT', 'GETNAME');
      await p.do('HELLO', '3', 'AUTH', 'nosuchuser', 'x');
    } finally {
      p.close();
    }
  });

  it('CLIENT ID is the id HELLO and CLIENT INFO report (nodis)', async () => {
    const a = await RawConnection.open({ port: d.nodis.port });
    const b = await RawConnection.open({ port: d.nodis.port });
    try {
      const ida = intReply(await a.call('CLIENT', 'ID'));
      const idb = intReply(await b.call('CLIENT', 'ID'));
      assert.ok(idb > ida);
      const info = fieldMap(bulkText(await a.call('CLIENT', 'INFO')).trimEnd());
      assert.equal(info.get('id'), String(ida));
      assert.equal(await a.call('CLIENT', 'ID'), `:${ida}\r\n`);
    } finally {
      a.close();
      b.close();
    }
    await d.check([{ cmd: ['CLIENT', 'ID'], typeOnly: true }, ['CLIENT', 'ID', 'x'], ['CLIENT']]);
  });

  it('CLIENT SETNAME / GETNAME', async () => {
    const steps = [
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'myname'],
      ['CLIENT', 'GETNAME'],
      ['client', 'setname', 'a!~z'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'SETNAME', 'a\nb'],
      ['CLIENT', 'SETNAME', 'tab\t'],
      ['CLIENT', 'SETNAME', '\x7f'],
      ['CLIENT', 'SETNAME', 'caf\xe9'],
      ['CLIENT', 'SETNAME', '\x00'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME'],
      ['CLIENT', 'SETNAME', 'a', 'b'],
      ['CLIENT', 'GETNAME', 'x'],
    ];
    await d.check(steps);
    await d.check(steps, { resp3: true });
  });

  it('CLIENT SETINFO (Redis 7.2; nodis only)', async () => {
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-name', 'redis-py'), '+OK\r\n');
      assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-VER', '5.0.1'), '+OK\r\n');
      let info = fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd());
      assert.equal(info.get('lib-name'), 'redis-py');
      assert.equal(info.get('lib-ver'), '5.0.1');
      assert.equal(
        await c.call('CLIENT', 'SETINFO', 'lib-foo', 'x'),
        "-ERR Unrecognized option 'lib-foo'\r\n",
      );
      assert.equal(
        await c.call('CLIENT', 'SETINFO', 'Lib-Name', 'a b'),
        '-ERR Lib-Name cannot contain spaces, newlines or special characters.\r\n',
      );
      assert.equal(
        await c.call('CLIENT', 'SETINFO', 'lib-ver', '1\n2'),
        '-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n',
      );
      assert.equal(
        await c.call('CLIENT', 'SETINFO', 'lib-name'),
        "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
      );
      assert.equal(
        await c.call('CLIENT', 'SETINFO', 'lib-name', 'a', 'b'),
        "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
      );
      // An empty value clears the attribute.
      assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', ''), '+OK\r\n');
      info = fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd());
      assert.equal(info.get('lib-name'), 'redis-py');
      assert.equal(info.get('lib-ver'), '');
    } finally {
      c.close();
    }
    const cmd = d.nodis.server.table.lookupFull('client|setinfo');
    assert.ok(cmd);
    assert.equal(cmd.arity, 4);
    assert.deepEqual(cmd.flags, ['noscript', 'loading', 'stale']);
    assert.deepEqual(cmd.categories, ['@slow', '@connection']);
    assert.equal(cmd.docs.since, '7.2.0');
  });

  it('CLIENT INFO: the fields and their order are Redis 7.2 (7.0 plus lib-name, lib-ver)', async () => {
    const p = await d.pair({ flush: false });
    try {
      const [rn, ro] = await p.both('CLIENT', 'INFO');
      const ln = bulkText(rn);
      const lo = bulkText(ro);
      assert.ok(ln.endsWith('\n') && lo.endsWith('\n'));
      const names = fields(ln.trimEnd()).map(([k]) => k);
      const oracleNames = fields(lo.trimEnd()).map(([k]) => k);
      assert.deepEqual(names, [...oracleNames, 'lib-name', 'lib-ver']);
      // RESP3: a verbatim string on both.
      await p.both('HELLO', '3');
      const [vn, vo] = await p.both('CLIENT', 'INFO');
      assert.equal(vn?.[0], '=');
      assert.equal(vo?.[0], '=');
      assert.deepEqual(
        fields(bulkText(vn).trimEnd()).map(([k]) => k),
        [...fields(bulkText(vo).trimEnd()).map(([k]) => k), 'lib-name', 'lib-ver'],
      );
      await p.do('CLIENT', 'INFO', 'x');
    } finally {
      p.close();
    }
  });

  it('CLIENT INFO qbuf: the query buffer still holds the batch being run (the command itself included)', async () => {
    const p = await d.pair({ flush: false });
    try {
      const qbuf = (r: string | null): string => fieldMap(bulkText(r).trimEnd()).get('qbuf')!;
      const [a, b] = await p.both('CLIENT', 'INFO');
      assert.equal(qbuf(a), '26');
      assert.equal(qbuf(a), qbuf(b));
      // Pipelined with a PING after it: both in one read, as both servers get them here.
      p.write(encodeCommand(['CLIENT', 'INFO']) + encodeCommand(['PING']));
      const [ra, rb] = await Promise.all([p.nodis.read(), p.redis.read()]);
      await Promise.all([p.nodis.read(), p.redis.read()]);
      assert.equal(qbuf(ra), String(26 + 14));
      assert.equal(qbuf(ra), qbuf(rb));
    } finally {
      p.close();
    }
  });

  it('CLIENT INFO values (nodis)', async () => {
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      const id = intReply(await c.call('CLIENT', 'ID'));
      await c.call('SELECT', '5');
      await c.call('CLIENT', 'SETNAME', 'valname');
      await c.call('HELLO', '3');
      const line = bulkText(await c.call('CLIENT', 'INFO')).trimEnd();
      const f = fieldMap(line);
      assert.equal(f.get('id'), String(id));
      assert.match(f.get('addr')!, /^127\.0\.0\.1:\d+$/);
      assert.equal(f.get('laddr'), `127.0.0.1:${d.nodis.port}`);
      assert.match(f.get('fd')!, /^\d+$/);
      assert.equal(f.get('name'), 'valname');
      assert.equal(f.get('age'), '0');
      assert.equal(f.get('idle'), '0');
      assert.equal(f.get('flags'), 'N');
      assert.equal(f.get('db'), '5');
      assert.equal(f.get('sub'), '0');
      assert.equal(f.get('psub'), '0');
      assert.equal(f.get('ssub'), '0');
      assert.equal(f.get('multi'), '-1');
      assert.equal(f.get('argv-mem'), '10'); // "CLIENT" + "INFO"
      assert.equal(f.get('events'), 'r');
      assert.equal(f.get('cmd'), 'client|info');
      assert.equal(f.get('user'), 'default');
      assert.equal(f.get('redir'), '-1');
      assert.equal(f.get('resp'), '3');
      for (const k of ['qbuf', 'qbuf-free', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem']) {
        assert.match(f.get(k)!, /^\d+$/, k);
      }
      d.nodis.clock.advance(10_000);
      const later = fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd());
      assert.ok(['10', '11'].includes(later.get('age')!), `age=${later.get('age')}`);
      assert.equal(later.get('idle'), '0');
    } finally {
      c.close();
    }
  });

  it('CLIENT LIST: every client, ID and TYPE filters', async () => {
    const a = await RawConnection.open({ port: d.nodis.port });
    const b = await RawConnection.open({ port: d.nodis.port });
    try {
      const ida = intReply(await a.call('CLIENT', 'ID'));
      const idb = intReply(await b.call('CLIENT', 'ID'));
      await b.call('CLIENT', 'SETNAME', 'bee');
      await b.call('PING');
      d.nodis.clock.advance(5_000);
      const all = bulkText(await a.call('CLIENT', 'LIST')).split('\n');
      assert.equal(all.pop(), '');
      const ids = all.map((l) => Number(fieldMap(l).get('id')));
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      assert.ok(ids.includes(ida) && ids.includes(idb));
      const bl = fieldMap(all.find((l) => fieldMap(l).get('id') === String(idb))!);
      assert.equal(bl.get('name'), 'bee');
      assert.equal(bl.get('cmd'), 'ping');
      assert.equal(bl.get('argv-mem'), '0');
      assert.ok(['5', '6'].includes(bl.get('idle')!), `idle=${bl.get('idle')}`);
      const al = fieldMap(all.find((l) => fieldMap(l).get('id') === String(ida))!);
      assert.equal(al.get('cmd'), 'client|list');

      const only = bulkText(await a.call('CLIENT', 'LIST', 'ID', String(idb), '999999', String(ida)));
      assert.deepEqual(
        only.split('\n').filter(Boolean).map((l) => fieldMap(l).get('id')),
        [String(idb), String(ida)],
      );
      const normal = bulkText(await a.call('CLIENT', 'LIST', 'TYPE', 'NORMAL')).split('\n').filter(Boolean);
      assert.equal(normal.length, all.length);
      for (const t of ['pubsub', 'master', 'replica', 'slave']) {
        assert.equal(await a.call('CLIENT', 'LIST', 'TYPE', t), '$0\r\n\r\n');
      }
    } finally {
      a.close();
      b.close();
    }
    const steps = [
      ['CLIENT', 'LIST', 'TYPE', 'foo'],
      ['CLIENT', 'LIST', 'TYPE'],
      ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'],
      ['CLIENT', 'LIST', 'ID'],
      ['CLIENT', 'LIST', 'ID', 'abc'],
      ['CLIENT', 'LIST', 'ID', '1', 'abc'],
      ['CLIENT', 'LIST', 'ID', '999999'],
      ['CLIENT', 'LIST', 'ID', '-5'],
      ['CLIENT', 'LIST', 'foo'],
      ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'LIST', 'TYPE', 'master'],
    ];
    await d.check(steps);
    await d.check(steps, { resp3: true });
  });

  it('CLIENT LIST field names match Redis 7.0 plus lib-name/lib-ver', async () => {
    const p = await d.pair({ flush: false });
    try {
      const [rn, ro] = await p.both('CLIENT', 'LIST');
      const n = bulkText(rn).split('\n').filter(Boolean);
      const o = bulkText(ro).split('\n').filter(Boolean);
      const oracleNames = fields(o[0]).map(([k]) => k);
      for (const l of n) assert.deepEqual(fields(l).map(([k]) => k), [...oracleNames, 'lib-name', 'lib-ver']);
    } finally {
      p.close();
    }
  });

  it('CLIENT KILL: argument errors', async () => {
    await d.check([
      ['CLIENT', 'KILL'],
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'ID', '0'],
      ['CLIENT', 'KILL', 'ID', '-1'],
      ['CLIENT', 'KILL', 'ID', 'abc'],
      ['CLIENT', 'KILL', 'ID', '999999'],
      ['CLIENT', 'KILL', 'TYPE', 'foo'],
      ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
      ['CLIENT', 'KILL', 'TYPE', 'master'],
      ['CLIENT', 'KILL', 'ID', '999999', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'ID', '999999', 'SKIPME'],
      ['CLIENT', 'KILL', 'USER', 'nosuchuser'],
      // Names in errors stop at a NUL byte, as C prints them (fuzzer finding).
      ['CLIENT', 'KILL', 'USER', 'a\0b'],
      ['CLIENT', 'KILL', 'TYPE', 'a\0b'],
      ['CLIENT', 'LIST', 'TYPE', 'a\0b'],
      { cmd: ['CLIENT', 'LIST', 'type\0x', 'normal'], typeOnly: true },
      ['CLIENT', 'KILL', 'ID\0', '999999', 'SKIPME', 'yes\0x'],
      ['CLIENT', 'KILL', 'ID', '999999', 'SKIPME', 'yesx'],
      { cmd: ['CLIENT', 'LIST', 'TYPE', 'normal\0'], typeOnly: true },
      ['CLIENT', 'KILL', 'foo', 'bar'],
      ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'addr', '1.2.3.4:5', 'id', '0'],
      ['CLIENT', 'KILL', 'ID', '999999', 'SKIPME', 'yes', 'TYPE', 'normal'],
    ]);
  });

  it('CLIENT KILL closes another client', async () => {
    for (const filter of [['ID'], ['ID', 'SKIPME', 'no']]) {
      const a = await d.pair({ flush: false });
      const b = await d.pair({ flush: false });
      try {
        const [bn, bo] = await b.both('CLIENT', 'ID');
        const nArgs = ['CLIENT', 'KILL', filter[0], String(intReply(bn)), ...filter.slice(1)];
        const oArgs = ['CLIENT', 'KILL', filter[0], String(intReply(bo)), ...filter.slice(1)];
        const [kn, ko] = await Promise.all([a.nodis.call(...nArgs), a.redis.call(...oArgs)]);
        assert.equal(kn, ':1\r\n');
        assert.equal(ko, ':1\r\n');
        await b.raw('', 2000);
        assert.ok(b.nodis.closed && b.redis.closed);
        assert.equal(await a.do('PING'), '+PONG\r\n');
      } finally {
        a.close();
        b.close();
      }
    }
  });

  it('CLIENT KILL by TYPE and USER skips the caller by default', async () => {
    for (const filter of [['TYPE', 'normal'], ['USER', 'default'], ['TYPE', 'NORMAL', 'SKIPME', 'yes']]) {
      const a = await d.pair({ flush: false });
      const b = await d.pair({ flush: false });
      const c = await d.pair({ flush: false });
      try {
        assert.equal(await a.do('CLIENT', 'KILL', ...filter), ':2\r\n');
        await Promise.all([b.nodis.readUntilClose(2000), b.redis.readUntilClose(2000), c.nodis.readUntilClose(2000), c.redis.readUntilClose(2000)]);
        assert.ok(b.nodis.closed && b.redis.closed && c.nodis.closed && c.redis.closed);
        assert.equal(await a.do('PING'), '+PONG\r\n');
      } finally {
        a.close();
        b.close();
        c.close();
      }
    }
  });

  it('CLIENT KILL can kill the caller: the reply is sent, then the connection closes', async () => {
    // New form with SKIPME no; commands pipelined behind it are not run.
    const p = await d.pair({ flush: false });
    const [idn, ido] = await p.both('CLIENT', 'ID');
    p.nodis.write(encodeCommand(['CLIENT', 'KILL', 'ID', String(intReply(idn)), 'SKIPME', 'no']) + 'PING\r\n');
    p.redis.write(encodeCommand(['CLIENT', 'KILL', 'ID', String(intReply(ido)), 'SKIPME', 'no']) + 'PING\r\n');
    const [rn, ro] = await Promise.all([p.nodis.readUntilClose(2000), p.redis.readUntilClose(2000)]);
    assert.equal(rn, ':1\r\n');
    assert.equal(ro, ':1\r\n');
    assert.ok(p.nodis.closed && p.redis.closed);

    // SKIPME defaults to yes in the new form.
    const q = await d.pair({ flush: false });
    try {
      const [qn, qo] = await q.both('CLIENT', 'ID');
      const [kn, ko] = await Promise.all([
        q.nodis.call('CLIENT', 'KILL', 'ID', String(intReply(qn))),
        q.redis.call('CLIENT', 'KILL', 'ID', String(intReply(qo))),
      ]);
      assert.equal(kn, ':0\r\n');
      assert.equal(ko, ':0\r\n');
      assert.equal(await q.do('PING'), '+PONG\r\n');
    } finally {
      q.close();
    }

    // The old form, by the caller's own address.
    const r = await d.pair({ flush: false });
    const [an, ao] = await r.both('CLIENT', 'INFO');
    const addrN = fieldMap(bulkText(an).trimEnd()).get('addr')!;
    const addrO = fieldMap(bulkText(ao).trimEnd()).get('addr')!;
    r.nodis.write(encodeCommand(['CLIENT', 'KILL', addrN]) + 'PING\r\n');
    r.redis.write(encodeCommand(['CLIENT', 'KILL', addrO]) + 'PING\r\n');
    const [on, oo] = await Promise.all([r.nodis.readUntilClose(2000), r.redis.readUntilClose(2000)]);
    assert.equal(on, '+OK\r\n');
    assert.equal(oo, '+OK\r\n');
    assert.ok(r.nodis.closed && r.redis.closed);
  });

  it('CLIENT KILL MAXAGE (Redis 7.4; nodis only): clients connected at least that many seconds', async () => {
    const [older, newer, admin] = [
      await RawConnection.open({ port: d.nodis.port }),
      null as RawConnection | null,
      await RawConnection.open({ port: d.nodis.port }),
    ];
    let young: RawConnection | null = newer;
    try {
      assert.equal(await admin.call('CLIENT', 'KILL', 'MAXAGE', 'x'), '-ERR maxage is not an integer or out of range\r\n');
      assert.equal(await admin.call('CLIENT', 'KILL', 'MAXAGE', '0'), '-ERR maxage should be greater than 0\r\n');
      assert.equal(await admin.call('CLIENT', 'KILL', 'MAXAGE', '-5'), '-ERR maxage should be greater than 0\r\n');
      d.nodis.clock.advance(100_000);
      young = await RawConnection.open({ port: d.nodis.port });
      const olderId = intReply(await older.call('CLIENT', 'ID'));
      // The older ones (the caller skipped, as by default), not the one just connected.
      const killed = intReply(await admin.call('CLIENT', 'KILL', 'MAXAGE', '50', 'SKIPME', 'yes'));
      assert.ok(killed >= 1);
      assert.equal(await older.readUntilClose(1000), '');
      assert.ok(older.closed);
      assert.equal(await young.call('PING'), '+PONG\r\n');
      assert.equal(await admin.call('CLIENT', 'KILL', 'ID', String(olderId), 'MAXAGE', '1'), ':0\r\n');
    } finally {
      for (const c of [older, young, admin]) c?.close();
    }
  });

  it('CLIENT KILL ADDR and LADDR (nodis)', async () => {
    const a = await RawConnection.open({ port: d.nodis.port });
    const b = await RawConnection.open({ port: d.nodis.port });
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      const addrB = fieldMap(bulkText(await b.call('CLIENT', 'INFO')).trimEnd()).get('addr')!;
      assert.equal(await a.call('CLIENT', 'KILL', 'ADDR', addrB), ':1\r\n');
      await b.readUntilClose(2000);
      assert.ok(b.closed);
      assert.equal(await a.call('CLIENT', 'KILL', 'LADDR', `127.0.0.1:${d.nodis.port}`), ':1\r\n');
      await c.readUntilClose(2000);
      assert.ok(c.closed);
      assert.equal(await a.call('CLIENT', 'KILL', 'LADDR', `127.0.0.1:${d.nodis.port}`, 'SKIPME', 'yes'), ':0\r\n');
      assert.equal(await a.call('PING'), '+PONG\r\n');
    } finally {
      a.close();
      b.close();
      c.close();
    }
  });

  it('CLIENT REPLY ON|OFF|SKIP', async () => {
    await d.checkRaw(
      'CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n' +
        'CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\n' +
        'CLIENT REPLY SKIP\r\nCLIENT REPLY BAD\r\nPING 3\r\n' +
        'CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING 4\r\nCLIENT REPLY BAD\r\nNOSUCHCMD\r\nCLIENT REPLY\r\n' +
        'CLIENT REPLY ON\r\nPING 5\r\nCLIENT REPLY BAD\r\nclient reply maybe\r\nCLIENT REPLY ON x\r\n' +
        'CLIENT REPLY SKIP\r\nNOSUCHCMD\r\nPING 6\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY\r\nPING 7\r\n',
    );
    // The mode is compared as a C string, up to a NUL byte (fuzzer finding).
    await d.checkRaw(
      encodeCommand(['CLIENT', 'REPLY', 'OFF\0x']) + 'PING 1\r\n' + encodeCommand(['CLIENT', 'REPLY', 'on\0']) +
        encodeCommand(['CLIENT', 'REPLY', 'skip\0on']) + 'PING 2\r\nPING 3\r\n' + encodeCommand(['CLIENT', 'REPLY', '\0on']),
    );
    // Commands still run while their replies are dropped.
    const p = await d.pair({ flush: false });
    try {
      p.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
      p.write(encodeCommand(['SET', 'replykey', 'v']));
      assert.equal(await p.do('CLIENT', 'REPLY', 'ON'), '+OK\r\n');
      assert.equal(await p.do('GET', 'replykey'), '$1\r\nv\r\n');
    } finally {
      p.close();
    }
  });

  it('CLIENT NO-EVICT and NO-TOUCH', async () => {
    await d.check([
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'OFF'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT'],
      ['CLIENT', 'NO-EVICT', 'on', 'x'],
      ['CLIENT', 'NO-EVICT', 'ON\0x'],
      ['CLIENT', 'NO-EVICT', 'off\0'],
    ]);
    // NO-TOUCH is Redis 7.2's: nodis only.
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'ON'), '+OK\r\n');
      assert.equal(fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd()).get('flags'), 'eT');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'maybe'), '-ERR syntax error\r\n');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH'), "-ERR wrong number of arguments for 'client|no-touch' command\r\n");
      assert.equal(await c.call('CLIENT', 'NO-EVICT', 'off'), '+OK\r\n');
      assert.equal(fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd()).get('flags'), 'T');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'off'), '+OK\r\n');
      assert.equal(fieldMap(bulkText(await c.call('CLIENT', 'INFO')).trimEnd()).get('flags'), 'N');
    } finally {
      c.close();
    }
    const cmd = d.nodis.server.table.lookupFull('client|no-touch');
    assert.ok(cmd);
    assert.equal(cmd.arity, 3);
    assert.deepEqual(cmd.categories, ['@slow', '@connection']);
  });

  it('CLIENT HELP: Redis text for the subcommands nodis has', async () => {
    const p = await d.pair({ flush: false });
    try {
      const [rn, ro] = await p.both('CLIENT', 'HELP');
      assert.ok(rn !== null && ro !== null);
      const lines = (r: string): string[] => {
        const out = r.split('\r\n').slice(1, -1);
        for (const l of out) assert.equal(l[0], '+');
        return out.map((l) => l.slice(1));
      };
      const oracle = lines(ro);
      // Group the oracle's lines into one block per subcommand (a block starts unindented).
      const head = oracle[0];
      const blocks: { sub: string; lines: string[] }[] = [];
      for (const l of oracle.slice(1)) {
        if (l[0] !== ' ') blocks.push({ sub: l.split(' ')[0].toLowerCase(), lines: [l] });
        else blocks[blocks.length - 1].lines.push(l);
      }
      const help = blocks.pop()!;
      assert.equal(help.sub, 'help');
      const has = (sub: string): boolean => !!d.nodis.server.table.lookupFull(`client|${sub}`);
      const expected = [head];
      for (const b of blocks) {
        if (!has(b.sub)) continue;
        expected.push(...b.lines);
        // Redis 7.2 lists SETINFO after SETNAME and NO-TOUCH after NO-EVICT.
        if (b.sub === 'setname') {
          expected.push(
            'SETINFO <option> <value>',
            '    Set client meta attr. Options are:',
            '    * LIB-NAME: the client lib name.',
            '    * LIB-VER: the client lib version.',
          );
        }
        if (b.sub === 'no-evict') {
          expected.push('NO-TOUCH (ON|OFF)', '    Will not touch LRU/LFU stats when this mode is on.');
        }
      }
      expected.push(...help.lines);
      // Redis 7.4's MAXAGE filter closes the KILL options.
      const skipMe = expected.indexOf('      Skip killing current connection (default: yes).');
      expected.splice(skipMe + 1, 0, '    * MAXAGE <maxage>', '      Kill connections older than the specified age.');
      assert.equal(rn, `*${expected.length}\r\n` + expected.map((l) => `+${l}\r\n`).join(''));
      await p.do('CLIENT', 'HELP', 'x');
      await p.do('CLIENT', 'NOSUCHSUB');
      await p.do('client', 'nosuchsub', 'a');
    } finally {
      p.close();
    }
  });
});

describe('connection commands with requirepass', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.startWith({ requirepass: 'pw' }));
  after(() => d.stop());

  it('NOAUTH before AUTH, then AUTH', async () => {
    await d.check(
      [
        ['PING'],
        ['GET', 'k'],
        ['ECHO', 'x'],
        ['SELECT', '1'],
        ['CLIENT', 'ID'],
        ['CLIENT', 'SETNAME', 'x'],
        ['NOSUCHCMD'],
        ['GET'],
        ['AUTH'],
        ['AUTH', 'wrong'],
        ['AUTH', 'default', 'wrong'],
        ['AUTH', 'nosuchuser', 'pw'],
        ['AUTH', 'a', 'b', 'c'],
        ['PING'],
        ['AUTH', 'pw'],
        ['PING'],
        ['AUTH', 'wrong'], // a failed AUTH keeps the connection authenticated
        ['PING'],
        ['AUTH', 'default', 'pw'],
        ['CLIENT', 'GETNAME'],
      ],
      { flush: false },
    );
  });

  it('QUIT works before AUTH', async () => {
    await d.checkRaw('PING\r\nQUIT\r\nPING\r\n');
  });

  it('RESET requires AUTH again', async () => {
    await d.check(
      [['AUTH', 'pw'], ['SELECT', '3'], ['RESET'], ['PING'], ['AUTH', 'pw'], ['PING'], ['RESET']],
      { flush: false },
    );
  });

  it('HELLO with and without AUTH', async () => {
    const p = await d.pair({ flush: false });
    try {
      await p.do('HELLO', '3', 'AUTH', 'default', 'wrong');
      await p.do('HELLO', '3', 'AUTH', 'nosuchuser', 'pw');
      await p.do('HELLO', '4', 'AUTH', 'default', 'pw');
      await p.do('HELLO', '3', 'SETNAME', 'a b');
      await p.do('PING');
      const rn = await p.norm(normHello, 'HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'authed');
      assert.ok(rn?.startsWith('%7\r\n'));
      assert.equal(await p.do('PING'), '+PONG\r\n');
      assert.equal(await p.do('CLIENT', 'GETNAME'), '$6\r\nauthed\r\n');
      await p.norm(normHello, 'HELLO');
      assert.equal(await p.do('RESET'), '+RESET\r\n');
      await p.do('PING');
    } finally {
      p.close();
    }
  });

  it('HELLO before AUTH: Redis 7.2 wording, and the name is not set (nodis)', async () => {
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      assert.equal(
        await c.call('HELLO', '3', 'SETNAME', 'early'),
        '-NOAUTH HELLO must be called with the client already authenticated, otherwise the ' +
          'HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and ' +
          'select the RESP protocol version at the same time\r\n',
      );
      // 7.2 checks the name before authenticating.
      assert.equal(
        await c.call('HELLO', '3', 'AUTH', 'default', 'wrong', 'SETNAME', 'a b'),
        '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
      );
      assert.equal(await c.call('AUTH', 'pw'), '+OK\r\n');
      assert.equal(await c.call('CLIENT', 'GETNAME'), '$-1\r\n');
    } finally {
      c.close();
    }
  });

  it('an unauthenticated client may send only small requests', async () => {
    const big = encodeCommand(['PING', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    await d.checkRaw(big);
    await d.checkRaw(encodeCommand(['ECHO', 'x'.repeat(16385)]));
    await d.checkRaw(encodeCommand(['ECHO', 'x'.repeat(16384)]) + 'PING\r\n');
    // Authenticated (by AUTH or HELLO AUTH), the limits go; after RESET they are back.
    await d.checkRaw('AUTH pw\r\n' + big + encodeCommand(['ECHO', 'x'.repeat(20000)]));
    await d.checkRaw('AUTH default pw\r\n' + big);
    await d.checkRaw('AUTH pw\r\nRESET\r\n' + big);
    // HELLO's reply differs in version and id, so that path is checked on nodis alone.
    const c = await RawConnection.open({ port: d.nodis.port });
    try {
      c.write('HELLO 2 AUTH default pw\r\n' + big);
      const hello = await c.read();
      assert.ok(hello?.startsWith('*14\r\n'));
      assert.equal(await c.read(), "-ERR wrong number of arguments for 'ping' command\r\n");
      c.write('RESET\r\n' + big);
      assert.equal(await c.read(), '+RESET\r\n');
      assert.equal(await c.read(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
      assert.equal(await c.read(), null);
    } finally {
      c.close();
    }
  });

  it('CLIENT LIST shows the user and KILL USER filters by it', async () => {
    const a = await RawConnection.open({ port: d.nodis.port });
    const b = await RawConnection.open({ port: d.nodis.port });
    try {
      await a.call('AUTH', 'pw');
      const line = bulkText(await a.call('CLIENT', 'INFO')).trimEnd();
      assert.equal(fieldMap(line).get('user'), 'default');
      // b has not authenticated, but is the default user all the same.
      assert.equal(await a.call('CLIENT', 'KILL', 'USER', 'default'), ':1\r\n');
      await b.readUntilClose(2000);
      assert.ok(b.closed);
    } finally {
      a.close();
      b.close();
    }
  });
});
