// Pub/sub against real Redis: SUBSCRIBE and friends, delivery bytes on RESP2 and RESP3, patterns,
// binary channels, the subscribed context, PUBSUB introspection, cleanup, and propagation.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite, splitAggregate } from '../helpers/differential.js';
import { RawConnection, bulkText, encodeCommand, hello3, intReply } from '../helpers/resp.js';
import { localServer } from '../helpers/local.js';
import { processCommand } from '../../src/server/dispatch.js';
import { startServer } from '../../src/embed.js';
import { connect, type Socket } from 'node:net';

/** One step of a multi-connection script: a command sent on the named connection. */
interface Step {
  on: string;
  cmd: string[];
  /** The step's output comes in an order Redis does not promise (hash order): sort it. */
  sort?: boolean;
}
type StepLike = Step | [string, ...string[]];

const SYNC = '__sync__';
/** PING __sync__'s reply: plain, or as a subscribed RESP2 client gets it. */
const SYNC_REPLIES = new Set([`$8\r\n${SYNC}\r\n`, `*2\r\n$4\r\npong\r\n$8\r\n${SYNC}\r\n`]);

/** HELLO's reply with the values that must differ (version, id) blanked out. */
function normalize(frame: string): string {
  return frame
    .replace(/(\$7\r\nversion\r\n)\$\d+\r\n[^\r]*\r\n/, '$1<VERSION>')
    .replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1<ID>');
}

/**
 * Everything a connection received up to the reply to a PING __sync__ sent after it; or, for a
 * connection told to close (QUIT), up to the close (nothing more is sent to it: a request left
 * unread when the server closes would reset the connection and could lose the last reply).
 */
async function drain(c: RawConnection, closing = false): Promise<string[]> {
  if (!closing) c.write(encodeCommand(['PING', SYNC]));
  const frames: string[] = [];
  for (;;) {
    const r = await c.read();
    if (r === null) {
      frames.push('<closed>');
      return frames;
    }
    if (SYNC_REPLIES.has(r)) return frames;
    frames.push(normalize(r));
  }
}

/**
 * Named connections to both servers. Each step sends a command on one connection; then every
 * connection is drained (the acting one first), and what each received must be the same bytes
 * on both servers.
 */
class Script {
  private n = new Map<string, RawConnection>();
  private o = new Map<string, RawConnection>();
  constructor(private d: Differential) {}

  private async conn(name: string): Promise<[RawConnection, RawConnection]> {
    if (!this.n.has(name)) {
      const [n, o] = await this.d.connect();
      this.n.set(name, n);
      this.o.set(name, o);
    }
    return [this.n.get(name)!, this.o.get(name)!];
  }

  /** Runs the steps; returns what the last step's connection received (nodis). */
  async run(steps: StepLike[]): Promise<string[]> {
    let last: string[] = [];
    for (const s of steps) {
      const step: Step = Array.isArray(s) ? { on: s[0], cmd: s.slice(1) } : s;
      const [n, o] = await this.conn(step.on);
      n.write(encodeCommand(step.cmd));
      o.write(encodeCommand(step.cmd));
      const names = [step.on, ...[...this.n.keys()].filter((k) => k !== step.on)];
      for (const name of names) {
        const nc = this.n.get(name)!;
        const oc = this.o.get(name)!;
        if (nc.closed && oc.closed) continue;
        const closing = name === step.on && step.cmd[0].toUpperCase() === 'QUIT';
        let [fn, fo] = await Promise.all([drain(nc, closing), drain(oc, closing)]);
        if (step.sort && name === step.on) {
          fn = [...fn].sort();
          fo = [...fo].sort();
        }
        assert.deepEqual(fn, fo, `${name} after ${step.on}: ${JSON.stringify(step.cmd)} (nodis first, redis second)`);
        if (name === step.on) last = fn;
      }
    }
    return last;
  }

  close(): void {
    for (const c of [...this.n.values(), ...this.o.values()]) c.close();
  }
}

/** A RESP aggregate's elements sorted (for replies in hash order). */
function sortedAggregate(r: string | null): string {
  assert.ok(r !== null);
  const { header, items } = splitAggregate(r);
  return header + items.sort().join('');
}

describe('pub/sub', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  async function script(steps: StepLike[]): Promise<string[]> {
    const s = new Script(d);
    try {
      return await s.run(steps);
    } finally {
      s.close();
    }
  }

  it('SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE replies and counts, RESP2', async () => {
    await script([
      ['a', 'UNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'UNSUBSCRIBE', 'x', 'y'],
      ['a', 'PUNSUBSCRIBE', 'x*'],
      ['a', 'SUBSCRIBE', 'ch1', 'ch2', 'ch1'],
      ['a', 'SUBSCRIBE', 'ch2'],
      ['a', 'PSUBSCRIBE', 'p*', 'p*', 'q?'],
      ['a', 'UNSUBSCRIBE', 'ch1', 'nope', 'ch1'],
      ['a', 'PUNSUBSCRIBE', 'q?', 'nope'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'SUBSCRIBE'],
      ['a', 'PSUBSCRIBE'],
      ['a', 'subscribe', 'MiXeD'],
      ['a', 'PSUBSCRIBE', 'a', 'b', 'c'],
      // Patterns go in the order they were subscribed.
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'GET', 'x'],
    ]);
  });

  it('the same in RESP3: confirmations are pushes, a missing channel is a null', async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'SUNSUBSCRIBE'],
      ['a', 'SUBSCRIBE', 'ch1', 'ch1'],
      ['a', 'PSUBSCRIBE', 'p*'],
      ['a', 'SSUBSCRIBE', 's1'],
      ['a', 'PUBSUB', 'NUMSUB', 'ch1', 'zz'],
      ['a', 'PUBSUB', 'SHARDNUMSUB', 's1'],
      ['a', 'PUBSUB', 'CHANNELS'],
      ['a', 'PUBSUB', 'NUMPAT'],
      ['a', 'PUBSUB', 'HELP'],
      ['a', 'PUBLISH', 'ch1', 'self'],
      ['a', 'UNSUBSCRIBE', 'ch1', 'zz'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'SUNSUBSCRIBE'],
      ['a', 'UNSUBSCRIBE'],
    ]);
  });

  it('shard channels count apart from channels and patterns', async () => {
    await script([
      ['a', 'SSUBSCRIBE', 's1', 's2', 's1'],
      ['a', 'SUBSCRIBE', 'c1'],
      ['a', 'PSUBSCRIBE', 'p1'],
      ['a', 'SSUBSCRIBE', 's1'],
      ['b', 'SPUBLISH', 's1', 'm'],
      ['b', 'PUBLISH', 's1', 'm'],
      ['b', 'SPUBLISH', 'c1', 'm'],
      ['b', 'PUBSUB', 'SHARDNUMSUB', 's1', 'zz', 's2'],
      ['b', 'PUBSUB', 'SHARDNUMSUB'],
      ['b', 'PUBSUB', 'SHARDCHANNELS', 's1*'],
      ['a', 'SUNSUBSCRIBE', 's1', 'zz'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'GET', 'x'],
      ['a', 'SUNSUBSCRIBE'],
      ['a', 'SUNSUBSCRIBE'],
      ['a', 'GET', 'x'],
    ]);
  });

  it('delivers message and pmessage, RESP2 and RESP3, to every subscriber', async () => {
    await script([
      ['a', 'SUBSCRIBE', 'news', 'other'],
      ['b', 'HELLO', '3'],
      ['b', 'SUBSCRIBE', 'news'],
      ['c', 'PSUBSCRIBE', 'n*'],
      ['d', 'HELLO', '3'],
      ['d', 'PSUBSCRIBE', 'ne?s'],
      ['p', 'PUBLISH', 'news', 'hello'],
      ['p', 'PUBLISH', 'other', ''],
      ['p', 'PUBLISH', 'nope', 'x'],
      ['p', 'PUBLISH', 'n', 'short'],
      ['p', 'PUBSUB', 'NUMSUB', 'news', 'other', 'nope', 'n*'],
      ['p', 'PUBSUB', 'NUMPAT'],
      ['a', 'UNSUBSCRIBE', 'news'],
      ['p', 'PUBLISH', 'news', 'again'],
    ]);
  });

  it('big messages (one buffer shared by every subscriber) and small ones, in order, RESP2 and RESP3', async () => {
    const big = 'B'.repeat(20_000);
    const huge = '\x00\xff\r\n'.repeat(30_000);
    await script([
      ['a', 'SUBSCRIBE', 'news'],
      ['b', 'HELLO', '3'],
      ['b', 'SUBSCRIBE', 'news'],
      ['c', 'PSUBSCRIBE', 'n*'],
      ['d', 'HELLO', '3'],
      ['d', 'PSUBSCRIBE', 'ne*'],
      ['p', 'PUBLISH', 'news', big],
      ['p', 'PUBLISH', 'news', 'small'],
      ['p', 'PUBLISH', 'news', huge],
      ['p', 'SPUBLISH', 'news', big],
      ['d', 'PUBLISH', 'news', huge],
    ]);
  });

  it('fan-out: every one of 100 subscribers receives the same messages in order', async () => {
    const subs: RawConnection[][] = [[], []];
    const [pn, po] = await d.connect();
    try {
      for (let i = 0; i < 100; i++) {
        const [n, o] = await d.connect();
        if (i % 2 === 1) {
          for (const c of [n, o]) await hello3(c);
        }
        subs[0].push(n);
        subs[1].push(o);
        for (const c of [n, o]) await c.call('SUBSCRIBE', 'fan');
      }
      const messages = ['one', 'x'.repeat(70_000), 'three', 'y'.repeat(17_000)];
      for (const m of messages) {
        assert.equal(await pn.call('PUBLISH', 'fan', m), ':100\r\n');
        assert.equal(await po.call('PUBLISH', 'fan', m), ':100\r\n');
      }
      for (let i = 0; i < 100; i++) {
        for (const m of messages) {
          const [a, b] = await Promise.all([subs[0][i].read(), subs[1][i].read()]);
          assert.equal(a, b, `subscriber ${i}`);
          assert.ok(a!.endsWith(`\r\n${m}\r\n`));
        }
      }
    } finally {
      for (const c of [...subs[0], ...subs[1], pn, po]) c.close();
    }
  });

  it('binary channels, patterns and messages', async () => {
    const bin = '\x00\xff\r\n\x80ch';
    await script([
      ['a', 'SUBSCRIBE', bin, ''],
      ['b', 'PSUBSCRIBE', '\x00*\n?\x80*'],
      ['c', 'PSUBSCRIBE', '[\x00-\x7f]*'],
      ['p', 'PUBLISH', bin, '\x00\r\n\xfe\xff'],
      ['p', 'PUBLISH', '', 'empty channel'],
      ['p', 'PUBLISH', '\x00\x00\n\x01\x80', 'm'],
      ['p', 'PUBSUB', 'NUMSUB', bin, ''],
      ['a', 'UNSUBSCRIBE', bin],
      ['a', 'UNSUBSCRIBE'],
    ]);
  });

  it('glob patterns: classes, ranges, escapes, negation', async () => {
    const patterns = ['h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h\\*llo', 'h*', '*o', '?ello', 'x[', 'x\\'];
    const channels = ['hello', 'hallo', 'hbllo', 'h*llo', 'hxllo', 'x[', 'x\\', 'yello'];
    const steps: StepLike[] = [];
    patterns.forEach((p, i) => steps.push([`s${i}`, 'PSUBSCRIBE', p]));
    for (const ch of channels) steps.push(['p', 'PUBLISH', ch, `to ${ch}`]);
    await script(steps);
  });

  it('a publisher subscribed to its own channel (RESP3): the push comes before the reply', async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['a', 'SUBSCRIBE', 'me'],
      ['a', 'PSUBSCRIBE', 'm*'],
      ['a', 'PUBLISH', 'me', 'myself'],
      ['a', 'SET', 'k', 'v'],
      ['a', 'GET', 'k'],
      ['a', 'PING'],
      ['a', 'PING', 'x'],
    ]);
  });

  it('RESP2 subscribed context: only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET', async () => {
    await script([
      ['a', 'SUBSCRIBE', 'ch'],
      ['a', 'PING'],
      ['a', 'PING', 'hi'],
      ['a', 'PING', ''],
      ['a', 'PING', 'a', 'b'],
      ['a', 'GET', 'x'],
      ['a', 'GET'],
      ['a', 'SET', 'k', 'v'],
      ['a', 'PUBLISH', 'ch', 'x'],
      ['a', 'CONFIG', 'GET', 'maxmemory'],
      ['a', 'CONFIG', 'NOPE'],
      ['a', 'CLIENT', 'ID'],
      ['a', 'NOSUCHCOMMAND', 'x'],
      ['a', 'PUBSUB', 'NUMPAT'],
      ['a', 'ECHO', 'x'],
      ['a', 'SELECT', '1'],
      ['a', 'PSUBSCRIBE', 'x*'],
      ['a', 'SSUBSCRIBE', 's'],
      ['a', 'SUNSUBSCRIBE', 's'],
      ['a', 'UNSUBSCRIBE', 'ch'],
      ['a', 'GET', 'x'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'GET', 'x'],
      ['a', 'PING'],
      ['b', 'SUBSCRIBE', 'ch'],
      ['b', 'QUIT'],
    ]);
  });

  it('RESET leaves subscribed mode silently; HELLO switches the context', async () => {
    await script([
      ['a', 'SUBSCRIBE', 'ch'],
      ['a', 'PSUBSCRIBE', 'c*'],
      ['a', 'RESET'],
      ['a', 'GET', 'x'],
      ['b', 'PUBLISH', 'ch', 'gone'],
      ['b', 'PUBSUB', 'NUMSUB', 'ch'],
      ['b', 'PUBSUB', 'NUMPAT'],
      ['c', 'HELLO', '3'],
      ['c', 'SUBSCRIBE', 'ch'],
      ['c', 'GET', 'x'],
      ['c', 'SET', 'x', '1'],
      ['c', 'HELLO', '2'],
      ['c', 'GET', 'x'],
      ['c', 'HELLO', '3'],
      ['c', 'GET', 'x'],
      ['b', 'PUBLISH', 'ch', 'to c'],
      ['c', 'RESET'],
      ['c', 'GET', 'x'],
      ['b', 'PUBLISH', 'ch', 'none'],
    ]);
  });

  it('PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP and their errors', async () => {
    await script([
      ['b', 'PUBSUB', 'CHANNELS'],
      ['b', 'PUBSUB', 'NUMSUB'],
      ['b', 'PUBSUB', 'NUMPAT'],
      ['a', 'SUBSCRIBE', 'news.tech'],
      ['c', 'SUBSCRIBE', 'news.tech', 'news.art'],
      ['c', 'PSUBSCRIBE', 'news.*', 'x', 'news.*'],
      ['a', 'PSUBSCRIBE', 'news.*'],
      ['b', 'PUBSUB', 'CHANNELS', 'news.t*'],
      ['b', 'PUBSUB', 'CHANNELS', 'zzz*'],
      ['b', 'PUBSUB', 'NUMSUB', 'news.tech', 'news.art', 'news.*'],
      ['b', 'PUBSUB', 'NUMPAT'],
      ['b', 'PUBSUB', 'HELP'],
      ['b', 'pubsub', 'help'],
      ['b', 'PUBSUB', 'HELP', 'x'],
      ['b', 'PUBSUB', 'CHANNELS', 'a', 'b'],
      ['b', 'PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
      ['b', 'PUBSUB', 'NUMPAT', 'x'],
      ['b', 'PUBSUB', 'NOPE'],
      ['b', 'PUBSUB'],
      ['b', 'PUBLISH', 'x'],
      ['b', 'PUBLISH', 'x', 'y', 'z'],
      ['b', 'SPUBLISH', 'x'],
    ]);
    // Several channels come in hash order in Redis: compare as sets.
    const { nodis: n, redis: o } = await d.pair();
    const [sn, so] = await d.connect();
    try {
      for (const c of [sn, so]) {
        c.write(encodeCommand(['SUBSCRIBE', 'a1', 'a2', 'b1', 'a3']));
        await drain(c);
      }
      for (const argv of [['PUBSUB', 'CHANNELS'], ['PUBSUB', 'CHANNELS', 'a*'], ['PUBSUB', 'CHANNELS', '*[12]']]) {
        const [rn, ro] = await Promise.all([n.call(...argv), o.call(...argv)]);
        assert.equal(sortedAggregate(rn), sortedAggregate(ro), JSON.stringify(argv));
      }
      // UNSUBSCRIBE without arguments: every channel, in hash order.
      const [un, uo] = await Promise.all([
        (sn.write(encodeCommand(['UNSUBSCRIBE'])), drain(sn)),
        (so.write(encodeCommand(['UNSUBSCRIBE'])), drain(so)),
      ]);
      const channel = (f: string): string => f.split('\r\n')[4];
      assert.deepEqual(un.map(channel).sort(), uo.map(channel).sort());
      // The counts go down one by one whatever the order.
      assert.deepEqual(un.map((f) => f.split('\r\n')[5]), uo.map((f) => f.split('\r\n')[5]));
    } finally {
      for (const c of [n, o, sn, so]) c.close();
    }
  });

  it('a closed connection leaves no subscription behind', async () => {
    const { nodis: n, redis: o } = await d.pair();
    const [sn, so] = await d.connect();
    try {
      for (const c of [sn, so]) {
        c.write(encodeCommand(['SUBSCRIBE', 'bye']));
        c.write(encodeCommand(['PSUBSCRIBE', 'by*']));
        c.write(encodeCommand(['SSUBSCRIBE', 'sbye']));
        await drain(c);
      }
      assert.equal(await n.call('PUBLISH', 'bye', 'x'), ':2\r\n');
      assert.equal(await o.call('PUBLISH', 'bye', 'x'), ':2\r\n');
      sn.close();
      so.close();
      for (const c of [n, o]) {
        const deadline = Date.now() + 5000;
        while (intReply(await c.call('PUBLISH', 'bye', 'x')) !== 0) {
          assert.ok(Date.now() < deadline, 'the subscriber is still registered');
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(await c.call('PUBSUB', 'NUMSUB', 'bye'), '*2\r\n$3\r\nbye\r\n:0\r\n');
        assert.equal(await c.call('PUBSUB', 'NUMPAT'), ':0\r\n');
        assert.equal(await c.call('SPUBLISH', 'sbye', 'x'), ':0\r\n');
        assert.equal(await c.call('PUBSUB', 'SHARDCHANNELS'), '*0\r\n');
      }
    } finally {
      for (const c of [n, o, sn, so]) c.close();
    }
  });

  it('CLIENT LIST sub/psub/ssub and flag P, TYPE pubsub, CLIENT KILL TYPE pubsub, INFO counts', async () => {
    const { nodis: n, redis: o } = await d.pair();
    const [sn, so] = await d.connect();
    try {
      for (const c of [sn, so]) {
        c.write(encodeCommand(['SUBSCRIBE', 'x', 'y']));
        c.write(encodeCommand(['PSUBSCRIBE', 'p*']));
        c.write(encodeCommand(['SSUBSCRIBE', 's']));
        await drain(c);
      }
      const pick = (line: string): string =>
        line
          .split(' ')
          .filter((f) => /^(flags|sub|psub|ssub)=/.test(f))
          .join(' ')
          // The oracle listens on a unix socket (U), nodis on TCP.
          .replace(/flags=(\w*)U/, 'flags=$1')
          .replace('flags= ', 'flags=N ');
      for (const [c, s] of [[n, sn], [o, so]] as const) {
        const all = bulkText(await c.call('CLIENT', 'LIST')).trim().split('\n');
        assert.equal(all.length, 2);
        const pubsubOnly = bulkText(await c.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).trim().split('\n');
        assert.equal(pubsubOnly.length, 1);
        assert.equal(pick(pubsubOnly[0]), 'flags=P sub=2 psub=1 ssub=1');
        const normal = bulkText(await c.call('CLIENT', 'LIST', 'TYPE', 'normal')).trim().split('\n');
        assert.equal(normal.length, 1);
        assert.equal(pick(normal[0]), 'flags=N sub=0 psub=0 ssub=0');
        const info = bulkText(await c.call('INFO', 'stats'));
        assert.match(info, /\r\npubsub_channels:2\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n/);
        assert.equal(await c.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), ':1\r\n');
        assert.equal(await s.read(), null, 'the subscriber was disconnected');
        assert.equal(await c.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), ':0\r\n');
      }
    } finally {
      for (const c of [n, o, sn, so]) c.close();
    }
  });

  it('CLIENT REPLY OFF: confirmations and messages are pushes and still arrive', async () => {
    const { nodis: pn, redis: po } = await d.pair();
    const [sn, so] = await d.connect();
    try {
      const out: string[] = [];
      for (const [p, s] of [[pn, sn], [po, so]] as const) {
        s.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
        s.write(encodeCommand(['SUBSCRIBE', 'q']));
        s.write(encodeCommand(['PING']));
        s.write(encodeCommand(['GET', 'x']));
        // The confirmation arrives although replies are off (wait for it: the subscription is on).
        let got = (await s.read()) ?? '';
        assert.equal(await p.call('PUBLISH', 'q', 'm'), ':1\r\n');
        s.write(encodeCommand(['UNSUBSCRIBE']));
        s.write(encodeCommand(['UNSUBSCRIBE']));
        s.write(encodeCommand(['CLIENT', 'REPLY', 'ON']));
        s.write(encodeCommand(['ECHO', 'end']));
        for (;;) {
          const r = await s.read();
          assert.ok(r !== null);
          if (r === '$3\r\nend\r\n') break;
          got += r;
        }
        out.push(got);
      }
      assert.equal(out[0], out[1]);
      assert.equal(
        out[0],
        '*3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$1\r\nm\r\n' +
          '*3\r\n$11\r\nunsubscribe\r\n$1\r\nq\r\n:0\r\n*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n+OK\r\n',
      );
    } finally {
      for (const c of [pn, po, sn, so]) c.close();
    }
  });
});

describe('pub/sub: reply modes and output limits', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('CLIENT REPLY OFF / SKIP: a RESP3 client gets the messages it publishes to itself, not its replies', async () => {
    const { nodis: n, redis: o } = await d.pair({ resp3: true });
    try {
      const got: string[] = [];
      for (const c of [n, o]) {
        assert.match((await c.call('SUBSCRIBE', 'ch')) ?? '', /^>3/);
        for (const argv of [
          ['CLIENT', 'REPLY', 'OFF'],
          ['PUBLISH', 'ch', 'a'],
          ['SUBSCRIBE', 'ch2'],
          ['CLIENT', 'REPLY', 'SKIP'],
          ['PUBLISH', 'ch', 'b'],
          ['CLIENT', 'REPLY', 'ON'],
          ['CLIENT', 'REPLY', 'SKIP'],
          ['PUBLISH', 'ch', 'c'],
          ['PUBLISH', 'ch', 'd'],
          // A big message (shared with other subscribers) under OFF too.
          ['CLIENT', 'REPLY', 'OFF'],
          ['PUBLISH', 'ch', 'e'.repeat(40_000)],
          ['CLIENT', 'REPLY', 'ON'],
          ['PUBLISH', 'ch', 'f'],
          ['ECHO', 'end'],
        ]) {
          c.write(encodeCommand(argv));
        }
        let all = '';
        for (;;) {
          const r = await c.read();
          assert.ok(r !== null);
          if (r === '$3\r\nend\r\n') break;
          all += r;
        }
        got.push(all);
      }
      assert.equal(got[0], got[1]);
      assert.match(got[0], /message\r\n\$2\r\nch\r\n\$1\r\nd\r\n:1\r\n/);
      assert.match(got[0], /e{40000}\r\n\+OK\r\n>3\r\n\$7\r\nmessage\r\n\$2\r\nch\r\n\$1\r\nf\r\n:1\r\n$/);
    } finally {
      n.close();
      o.close();
    }
  });

  it('client-output-buffer-limit pubsub drops a subscriber that does not read', async () => {
    for (const port of [d.nodis.port, null]) {
      const p = port === null ? await d.oracle.connect() : await RawConnection.open({ port });
      const target = port === null ? { path: d.oracle.socketPath } : { port };
      // A subscriber that stops reading once subscribed.
      const sub = await new Promise<Socket>((resolve, reject) => {
        const s = target.path ? connect(target.path) : connect(target.port!, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
      sub.on('error', () => {});
      try {
        assert.equal(await p.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 100kb 0 0'), '+OK\r\n');
        sub.write(encodeCommand(['SUBSCRIBE', 'big']));
        await new Promise<void>((resolve) => sub.once('data', () => resolve()));
        sub.pause();
        const msg = 'x'.repeat(300 * 1024);
        const counts: string[] = [];
        for (let i = 0; i < 5; i++) counts.push((await p.call('PUBLISH', 'big', msg)) ?? '');
        assert.deepEqual(counts, [':1\r\n', ':0\r\n', ':0\r\n', ':0\r\n', ':0\r\n'], `port ${port}`);
        assert.equal(await p.call('PUBSUB', 'NUMSUB', 'big'), '*2\r\n$3\r\nbig\r\n:0\r\n');
      } finally {
        await p.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
        p.close();
        sub.destroy();
      }
    }
  });
});

describe('pub/sub: soft output limit without traffic (nodis)', () => {
  it('drops a subscriber over the soft limit once its time is up, though nothing more is published', async () => {
    const server = await startServer({ 'client-output-buffer-limit': 'pubsub 0 100000 2' });
    const sub = await new Promise<Socket>((resolve, reject) => {
      const s = connect(server.port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    sub.on('error', () => {});
    const p = await RawConnection.open({ port: server.port });
    try {
      sub.write(encodeCommand(['SUBSCRIBE', 'ch']));
      await new Promise<void>((resolve) => sub.once('data', () => resolve()));
      sub.pause();
      // Past the soft limit (the socket's buffers take some first), then quiet.
      const msg = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 1000; i++) {
        await p.call('PUBLISH', 'ch', msg);
        const list = bulkText(await p.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
        if (Number(/omem=(\d+)/.exec(list)?.[1] ?? 0) > 100_000) break;
      }
      assert.equal(await p.call('PUBSUB', 'NUMSUB', 'ch'), '*2\r\n$2\r\nch\r\n:1\r\n');
      server.clock.advance(3000);
      // The once-a-second client check sees it.
      let numsub = '';
      for (let i = 0; i < 300 && numsub !== '*2\r\n$2\r\nch\r\n:0\r\n'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        numsub = (await p.call('PUBSUB', 'NUMSUB', 'ch')) ?? '';
      }
      assert.equal(numsub, '*2\r\n$2\r\nch\r\n:0\r\n');
    } finally {
      p.close();
      sub.destroy();
      await server.close();
    }
  });
});

describe('pub/sub propagation', () => {
  it('PUBLISH and SPUBLISH go to replicas (with the database selected) without counting as changes', () => {
    const { server, run } = localServer();
    const replica = server.createFakeClient();
    let stream = '';
    // A client without a socket drops what it flushes: keep it instead.
    replica.flush = () => {
      stream += replica.out;
      replica.out = '';
    };
    server.replication.attachOnline(replica);
    replica.flush();
    stream = '';
    const dirty = server.dirty;
    assert.equal(run('SELECT', '3'), '+OK\r\n');
    assert.equal(run('PUBLISH', 'ch', 'm'), ':0\r\n');
    assert.equal(run('SPUBLISH', 'sch', 'm2'), ':0\r\n');
    replica.flush();
    assert.equal(server.dirty, dirty);
    assert.equal(
      stream,
      encodeCommand(['SELECT', '3']) + encodeCommand(['PUBLISH', 'ch', 'm']) + encodeCommand(['SPUBLISH', 'sch', 'm2']),
    );
  });

  it('a message to another client is written after the event-loop turn; to the running client, in order', async () => {
    const { server, c, run } = localServer();
    const other = server.createFakeClient();
    const received: string[] = [];
    other.flush = () => {
      received.push(other.out);
      other.out = '';
    };
    other.resp = 3;
    processCommand(other, ['SUBSCRIBE', 'ch']);
    other.out = '';
    received.length = 0;
    c.resp = 3;
    assert.equal(run('PSUBSCRIBE', 'c*'), '>3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n');
    assert.equal(
      run('PUBLISH', 'ch', 'hi'),
      '>4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n:2\r\n',
    );
    // Queued with the turn's other output (as Redis writes in beforeSleep), not written at once.
    assert.deepEqual(received, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(received, ['>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n']);
  });
});

describe('pub/sub registry (in process)', () => {
  it('keeps channels, patterns and shard channels per client and frees them with the last subscriber', () => {
    const { server, c, run } = localServer();
    const other = server.createFakeClient();
    other.flush = () => {
      other.out = '';
    };
    server.clients.set(other.id, other);
    run('SUBSCRIBE', 'a', 'b');
    run('PSUBSCRIBE', 'p*');
    run('SSUBSCRIBE', 's');
    processCommand(other, ['SUBSCRIBE', 'a']);
    processCommand(other, ['PSUBSCRIBE', 'p*']);
    const ps = server.pubsub;
    assert.deepEqual([...ps.channels.keys()], ['a', 'b']);
    assert.equal(ps.channels.get('a')?.size, 2);
    assert.equal(ps.patterns.get('p*')?.size, 2);
    assert.deepEqual([...(c.pubsub?.channels ?? [])], ['a', 'b']);
    // RESET drops c's subscriptions silently.
    assert.equal(run('RESET'), '+RESET\r\n');
    assert.equal(c.pubsub, null);
    assert.deepEqual([...ps.channels.keys()], ['a']);
    assert.equal(ps.shardChannels.size, 0);
    assert.equal(ps.patterns.get('p*')?.size, 1);
    // A client that goes away takes its subscriptions with it.
    server.unlinkClient(other);
    assert.equal(other.pubsub, null);
    assert.equal(ps.channels.size, 0);
    assert.equal(ps.patterns.size, 0);
    assert.equal(run('PUBLISH', 'a', 'x'), ':0\r\n');
  });

  it('a big message is encoded once: every subscriber of the same protocol holds the same buffer', () => {
    const { server, run } = localServer();
    const subs = [server.createFakeClient(), server.createFakeClient(), server.createFakeClient()];
    subs[2].resp = 3;
    for (const s of subs) processCommand(s, ['SUBSCRIBE', 'ch']);
    for (const s of subs) s.discardReplies();
    const msg = 'm'.repeat(50_000);
    assert.equal(run('PUBLISH', 'ch', msg), ':3\r\n');
    // The writer's pending chunks (protected): looked at here to see that nothing was copied.
    const chunks = subs.map((s) => (s as unknown as { chunks: Array<string | Buffer> }).chunks);
    assert.ok(Buffer.isBuffer(chunks[0][0]));
    assert.equal(chunks[0][0], chunks[1][0]);
    assert.notEqual(chunks[0][0], chunks[2][0]);
    const frame = '$7\r\nmessage\r\n$2\r\nch\r\n$50000\r\n' + msg + '\r\n';
    assert.equal(subs[0].takeReplies(), '*3\r\n' + frame);
    assert.equal(subs[2].takeReplies(), '>3\r\n' + frame);
  });

  it('leaves pub/sub mode when the last subscription of any kind goes', () => {
    const { c, run } = localServer();
    run('SSUBSCRIBE', 's');
    run('PSUBSCRIBE', 'p');
    assert.match(run('GET', 'x'), /^-ERR Can't execute 'get'/);
    run('PUNSUBSCRIBE');
    assert.notEqual(c.pubsub, null);
    assert.equal(run('SUNSUBSCRIBE', 's'), '*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n');
    assert.equal(c.pubsub, null);
    assert.equal(run('GET', 'x'), '$-1\r\n');
  });
});
