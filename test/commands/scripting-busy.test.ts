// Scripts that run past busy-reply-threshold (Redis's "timed out" scripts): other clients get
// -BUSY but for the commands Redis allows, SCRIPT KILL / FUNCTION KILL end a script that has not
// written, UNKILLABLE one that has, SHUTDOWN NOSAVE ends the server anyway. Replies are compared
// with the real redis-server's; in nodis such a script runs in a worker thread once it has spent
// its slice on the server's thread (README: Scripting).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeCommand, differentialSuite } from '../helpers/differential.js';
import { freePort, startOracle, type Oracle } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { startServer, type EmbeddedServer } from '../../src/embed.js';
import { scriptingIfUsed } from '../../src/scripting/lua.js';

const CLI = fileURLToPath(new URL('../../src/nodis-server.js', import.meta.url));

type Connect = () => Promise<RawConnection>;

async function send(conn: RawConnection, argv: string[]): Promise<string> {
  conn.write(encodeCommand(argv));
  const r = await conn.read(10_000);
  assert.ok(r !== null, `no reply to ${argv.join(' ')}`);
  return r;
}

/** Polls with PING until the server answers -BUSY (the script has timed out). */
async function waitBusy(conn: RawConnection): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await send(conn, ['PING']);
    if (r.startsWith('-BUSY')) return r;
    assert.ok(Date.now() < deadline, 'the script never timed out');
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Polls with PING until the server answers it again. */
async function waitFree(conn: RawConnection): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await send(conn, ['PING'])) !== '+PONG\r\n') {
    assert.ok(Date.now() < deadline, 'the server stayed busy');
    await new Promise((res) => setTimeout(res, 20));
  }
}

const LOOP = 'while true do end';
const LIBRARY = "#!lua name=busylib\nredis.register_function('spin', function() local a = 1 while true do a = a + 1 end end)";

/** An EVAL that times out: what the other clients and the caller see, and SCRIPT KILL. */
async function evalKillScenario(connect: Connect): Promise<string[]> {
  const admin = await connect();
  const caller = await connect();
  const out: string[] = [];
  try {
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '50']));
    out.push(await send(admin, ['SCRIPT', 'KILL']));
    // The caller pipelines a PING after its script: it is answered after the script's error.
    caller.write(encodeCommand(['EVAL', LOOP, '0']) + encodeCommand(['PING']));
    out.push(await waitBusy(admin));
    for (const cmd of [['GET', 'x'], ['FUNCTION', 'KILL'], ['FUNCTION', 'STATS'], ['SHUTDOWN'], ['MULTI'], ['INCR', 'x'], ['EXEC']]) {
      out.push(await send(admin, cmd));
    }
    out.push(await send(admin, ['SCRIPT', 'KILL']));
    out.push((await caller.read(10_000))!);
    out.push((await caller.read(10_000))!);
    await waitFree(admin);
    out.push(await send(admin, ['SCRIPT', 'KILL']));
    out.push(await send(admin, ['FUNCTION', 'KILL']));
    out.push(await send(caller, ['GET', 'x']));
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '5000']));
  } finally {
    admin.close();
    caller.close();
  }
  return out;
}

/** A function that times out: SCRIPT KILL refuses it, FUNCTION STATS shows it, FUNCTION KILL ends it. */
async function functionKillScenario(connect: Connect): Promise<string[]> {
  const admin = await connect();
  const caller = await connect();
  const out: string[] = [];
  try {
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '50']));
    out.push(await send(admin, ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]));
    caller.write(encodeCommand(['FCALL', 'spin', '0']));
    out.push(await waitBusy(admin));
    out.push(await send(admin, ['SCRIPT', 'KILL']));
    // The duration varies: masked.
    out.push((await send(admin, ['FUNCTION', 'STATS'])).replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:N'));
    out.push(await send(admin, ['FUNCTION', 'KILL']));
    // Where the script was when killed: Redis names the line, nodis cannot know it (README).
    out.push((await caller.read(10_000))!.replace(/:\d+\.\r\n$/, ':N.\r\n'));
    await waitFree(admin);
    out.push(await send(admin, ['FUNCTION', 'KILL']));
    out.push(await send(admin, ['FUNCTION', 'DELETE', 'busylib']));
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '5000']));
  } finally {
    admin.close();
    caller.close();
  }
  return out;
}

/**
 * A read-only script that times out but ends by itself, then writes: its result, and its write,
 * reach the caller and the data. (Eighty million additions, past nodis's slice.)
 */
async function endsByItselfScenario(connect: Connect): Promise<string[]> {
  const admin = await connect();
  const caller = await connect();
  const out: string[] = [];
  try {
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '20']));
    caller.write(
      encodeCommand(['EVAL', "local n = 0 for i = 1, 80000000 do n = n + 1 end redis.call('set', KEYS[1], n) return redis.call('get', KEYS[1])", '1', 'counted']),
    );
    out.push(await waitBusy(admin));
    out.push((await caller.read(20_000))!);
    await waitFree(admin);
    out.push(await send(admin, ['GET', 'counted']));
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '5000']));
  } finally {
    admin.close();
    caller.close();
  }
  return out;
}

describe('scripting: busy scripts', differentialSuite(), () => {
  let oracle: Oracle;
  let nodis: EmbeddedServer;
  before(async () => {
    oracle = await startOracle();
    nodis = await startServer({ port: 0, log: () => {} });
  });
  after(async () => {
    await oracle.close();
    await nodis.close();
  });
  const onNodis: Connect = () => RawConnection.open({ port: nodis.port });
  const onRedis: Connect = () => oracle.connect();

  it('an EVAL past busy-reply-threshold: -BUSY for others, the allowed commands, SCRIPT KILL, the caller’s error', async () => {
    const expected = await evalKillScenario(onRedis);
    const actual = await evalKillScenario(onNodis);
    assert.deepEqual(actual, expected);
    assert.match(actual[11], /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(actual[12], '+PONG\r\n');
  });

  it('a function past busy-reply-threshold: SCRIPT KILL refused, FUNCTION STATS, FUNCTION KILL', async () => {
    const expected = await functionKillScenario(onRedis);
    const actual = await functionKillScenario(onNodis);
    assert.deepEqual(actual, expected);
    assert.equal(actual[3], '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
  });

  it('a long read-only script that ends by itself: its writes and result, the server usable after', async () => {
    const expected = await endsByItselfScenario(onRedis);
    const actual = await endsByItselfScenario(onNodis);
    assert.deepEqual(actual, expected);
    assert.equal(actual[2], '$8\r\n80000000\r\n');
  });

  it('a caller that disconnects while its script runs: SCRIPT KILL still ends it, nothing breaks', async () => {
    const admin = await onNodis();
    const caller = await onNodis();
    try {
      await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '20']);
      caller.write(encodeCommand(['EVAL', LOOP, '0']));
      await waitBusy(admin);
      caller.close();
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(await send(admin, ['SCRIPT', 'KILL']), '+OK\r\n');
      assert.equal(await send(admin, ['PING']), '+PONG\r\n');
      assert.equal(scriptingIfUsed(nodis.server)?.timedOut ?? null, null);
      assert.equal(nodis.server.unitDepth, 0);
      // The next long script gets a new worker thread.
      const again = await onNodis();
      again.write(encodeCommand(['EVAL', LOOP, '0']));
      await waitBusy(admin);
      assert.equal(await send(admin, ['SCRIPT', 'KILL']), '+OK\r\n');
      assert.match((await again.read(10_000))!, /^-ERR Script killed by user/);
      again.close();
      await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '5000']);
    } finally {
      admin.close();
    }
  });

  it('a script that writes and then spends its slice ends with an error, its write kept (nodis only)', async () => {
    const conn = await onNodis();
    try {
      const r = await send(conn, ['EVAL', "redis.call('set', KEYS[1], 'written') while true do end", '1', 'w']);
      assert.match(r, /^-ERR Script ran past nodis's instruction budget for a script that has written \(its writes are kept\) script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
      assert.equal(await send(conn, ['GET', 'w']), '$7\r\nwritten\r\n');
    } finally {
      conn.close();
    }
  });
});

/** A script that has written cannot be killed; SHUTDOWN NOSAVE ends the server all the same. */
async function unkillableScenario(connect: Connect, exited: () => Promise<void>): Promise<string[]> {
  const admin = await connect();
  const caller = await connect();
  const subscriber = await connect();
  const out: string[] = [];
  try {
    out.push(await send(admin, ['CONFIG', 'SET', 'busy-reply-threshold', '50']));
    // The script says when it has written (a message reaches subscribers while it runs).
    out.push(await send(subscriber, ['SUBSCRIBE', 'written']));
    // Past nodis's slice before it writes (so that it runs in the worker), then a write, then forever.
    caller.write(
      encodeCommand(['EVAL', "local n = 0 for i = 1, 60000000 do n = n + 1 end redis.call('set', KEYS[1], n) redis.call('publish', 'written', 'yes') while true do end", '1', 'x']),
    );
    out.push(String(await subscriber.read(30_000)));
    out.push(await waitBusy(admin));
    out.push(await send(admin, ['SCRIPT', 'KILL']));
    out.push(await send(admin, ['SHUTDOWN']));
    admin.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
    out.push(String(await admin.read(10_000)));
    await exited();
  } finally {
    admin.close();
    caller.close();
    subscriber.close();
  }
  return out;
}

describe('scripting: SHUTDOWN NOSAVE during a busy script', differentialSuite(), () => {
  it('ends the server (a nodis-server process), as redis-server', async () => {
    const oracle = await startOracle();
    let expected: string[];
    try {
      expected = await unkillableScenario(
        () => oracle.connect(),
        async () => {
          const deadline = Date.now() + 10_000;
          for (;;) {
            try {
              (await oracle.connect()).close();
            } catch {
              return;
            }
            assert.ok(Date.now() < deadline, 'redis-server did not exit');
            await new Promise((res) => setTimeout(res, 20));
          }
        },
      );
    } finally {
      await oracle.close().catch(() => {});
    }
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, '--port', String(port), '--save', '', '--loglevel', 'warning'], { stdio: 'ignore' });
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          (await RawConnection.open({ port })).close();
          break;
        } catch {
          assert.ok(Date.now() < deadline, 'nodis-server did not start');
          await new Promise((res) => setTimeout(res, 20));
        }
      }
      const actual = await unkillableScenario(
        () => RawConnection.open({ port }),
        async () => {
          assert.equal(await exit, 0);
        },
      );
      assert.deepEqual(actual, expected);
      assert.match(actual[4], /^-UNKILLABLE Sorry the script already executed write commands/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
