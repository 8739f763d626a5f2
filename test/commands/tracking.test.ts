// Client-side caching against real Redis: CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO and
// their errors, and the invalidations every kind of change sends: RESP3 pushes on the tracking
// connection, `message`s on __redis__:invalidate to a RESP2 redirect client, BCAST prefixes,
// OPTIN/OPTOUT, NOLOOP, expiry, FLUSHALL/FLUSHDB, MULTI/EXEC, a redirect client that went away,
// the tracking table's limit, INFO and CLIENT LIST.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { RawConnection, encodeCommand, intReply, bulkText } from '../helpers/resp.js';

/** One step: a command sent on the named connection. */
interface Step {
  on: string;
  /** "@name" stands for the id of connection name on the same server. */
  cmd: string[];
  /** Wait this long before reading what every connection received (expiry). */
  waitMs?: number;
}
type StepLike = Step | [string, ...string[]];

const SYNC = '__sync__';
/** PING __sync__'s reply: plain, or as a subscribed RESP2 client gets it. */
const SYNC_REPLIES = new Set([`$8\r\n${SYNC}\r\n`, `*2\r\n$4\r\npong\r\n$8\r\n${SYNC}\r\n`]);

/** One server's side of the script's connections: name → connection and its client id. */
type Side = Map<string, { conn: RawConnection; id: number }>;

/**
 * What a connection received, with what must differ between the servers blanked: HELLO's
 * version and id, and client ids (redirect targets) shown as the connection's name.
 */
function normalize(frame: string, side: Side, getredir: boolean): string {
  const name = (id: string): string => {
    for (const [n, v] of side) if (String(v.id) === id) return `<${n}>`;
    return id;
  };
  let f = frame
    .replace(/(\$7\r\nversion\r\n)\$\d+\r\n[^\r]*\r\n/, '$1<VERSION>')
    .replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1<ID>')
    .replace(/(\$8\r\nredirect\r\n):(\d+)\r\n/, (_m, a: string, id: string) => `${a}:${name(id)}\r\n`)
    .replace(/(tracking-redir-broken\r\n):(\d+)\r\n/, (_m, a: string, id: string) => `${a}:${name(id)}\r\n`);
  if (getredir) f = f.replace(/^:(\d+)\r\n$/, (_m, id: string) => `:${name(id)}\r\n`);
  return f;
}

/**
 * Everything c received up to the reply to a PING __sync__ (or up to the close, after QUIT). With
 * first, the PING is sent once a first reply came: a command's BCAST invalidations are sent at
 * the end of the event-loop turn that ran it, which must not be the PING's turn too.
 */
async function drain(c: RawConnection, closing: boolean, first: boolean): Promise<string[]> {
  const frames: string[] = [];
  if (first && !closing) {
    const r = await c.read();
    if (r === null) return ['<closed>'];
    frames.push(r);
  }
  if (!closing) c.write(encodeCommand(['PING', SYNC]));
  for (;;) {
    const r = await c.read();
    if (r === null) {
      frames.push('<closed>');
      return frames;
    }
    if (SYNC_REPLIES.has(r)) return frames;
    frames.push(r);
  }
}

/**
 * Named connections to both servers. Each step sends a command on one connection; then every
 * connection is drained (the acting one first), and what each received must be the same on both
 * servers (after normalize).
 */
class Script {
  private sides: [Side, Side] = [new Map(), new Map()];
  /**
   * Connections that cannot be synced with a PING now: in MULTI (it would be queued), with
   * CLIENT REPLY OFF or SKIP (unanswered). They are read once they can answer again.
   */
  private unsynced = new Map<string, 'multi' | 'off' | 'skip'>();
  constructor(private d: Differential) {}

  /** Follows the states in which a connection cannot be synced. */
  private track(name: string, cmd: string[]): void {
    const word = cmd.map((a) => a.toLowerCase()).join(' ');
    const state = this.unsynced.get(name);
    if (state === 'skip') this.unsynced.delete(name);
    if (word === 'multi') this.unsynced.set(name, 'multi');
    else if ((word === 'exec' || word === 'discard') && state === 'multi') this.unsynced.delete(name);
    else if (word === 'client reply off') this.unsynced.set(name, 'off');
    else if (word === 'client reply on') this.unsynced.delete(name);
    else if (word === 'client reply skip' && state !== 'off') this.unsynced.set(name, 'skip');
  }

  private async open(name: string): Promise<void> {
    if (this.sides[0].has(name)) return;
    const conns = await this.d.connect();
    for (let i = 0; i < 2; i++) {
      const id = intReply(await conns[i].call('CLIENT', 'ID'));
      this.sides[i].set(name, { conn: conns[i], id });
    }
  }

  /** The id of connection name on side i (0: nodis, 1: redis). */
  id(name: string, i: number): number {
    return this.sides[i].get(name)!.id;
  }

  conn(name: string, i: number): RawConnection {
    return this.sides[i].get(name)!.conn;
  }

  /** Runs the steps; returns what the last step's connection received (nodis, normalized). */
  async run(steps: StepLike[]): Promise<string[]> {
    let last: string[] = [];
    for (const s of steps) {
      const step: Step = Array.isArray(s) ? { on: s[0], cmd: s.slice(1) } : s;
      await this.open(step.on);
      for (const a of step.cmd) if (a.startsWith('@')) await this.open(a.slice(1));
      for (let i = 0; i < 2; i++) {
        const argv = step.cmd.map((a) => (a.startsWith('@') ? String(this.id(a.slice(1), i)) : a));
        this.conn(step.on, i).write(encodeCommand(argv));
      }
      // A command whose reply is skipped (CLIENT REPLY SKIP before it) answers nothing.
      const answers = this.unsynced.get(step.on) !== 'skip';
      this.track(step.on, step.cmd);
      if (step.waitMs) await sleep(step.waitMs);
      const getredir = step.cmd.length === 2 && step.cmd[1].toUpperCase() === 'GETREDIR';
      const names = [step.on, ...[...this.sides[0].keys()].filter((k) => k !== step.on)];
      for (const name of names) {
        const [n, o] = [this.conn(name, 0), this.conn(name, 1)];
        if ((n.closed && o.closed) || this.unsynced.has(name)) continue;
        const closing = name === step.on && step.cmd[0].toUpperCase() === 'QUIT';
        const first = name === step.on && answers;
        const [fn, fo] = await Promise.all([drain(n, closing, first), drain(o, closing, first)]);
        const mine = name === step.on && getredir;
        const a = fn.map((f) => normalize(f, this.sides[0], mine));
        const b = fo.map((f) => normalize(f, this.sides[1], mine));
        assert.deepEqual(a, b, `${name} after ${step.on}: ${JSON.stringify(step.cmd)} (nodis first, redis second)`);
        if (name === step.on) last = a;
      }
    }
    return last;
  }

  close(): void {
    for (const side of this.sides) for (const v of side.values()) v.conn.close();
  }
}

describe('client-side caching', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  async function script(steps: StepLike[]): Promise<string[]> {
    await d.flushAll();
    const s = new Script(d);
    try {
      return await s.run(steps);
    } finally {
      s.close();
    }
  }

  it('CLIENT TRACKING: syntax, REDIRECT and option errors, in Redis order', async () => {
    await script([
      ['a', 'CLIENT', 'TRACKING'],
      ['a', 'CLIENT', 'TRACKING', 'maybe'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'nosuch'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'PREFIX'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '0'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '-1'],
      // Options are read before ON/OFF is.
      ['a', 'CLIENT', 'TRACKING', 'maybe', 'REDIRECT', '999999'],
      ['a', 'CLIENT', 'TRACKING', 'maybe', 'BCAST'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@b', 'REDIRECT', '@b'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'PREFIX', 'x'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTOUT'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'PREFIX', 'x', 'OPTIN'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      // OFF takes any option and ignores it.
      ['a', 'CLIENT', 'TRACKING', 'off', 'BCAST', 'PREFIX', 'x', 'OPTIN', 'OPTOUT'],
      ['a', 'CLIENT', 'TRACKING', 'OFF'],
      ['a', 'client', 'tracking', 'On', 'redirect', '@a', 'noloop'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
    ]);
  });

  it('CLIENT TRACKING: switching modes while on is refused; the same mode again updates it', async () => {
    await script([
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTIN'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTIN', 'REDIRECT', '@b'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'GETREDIR'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'NOLOOP'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'GETREDIR'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
    ]);
  });

  it('BCAST prefixes: overlaps refused (with the existing ones too), more added later, listed sorted', async () => {
    await script([
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOOBAR', 'PREFIX', 'FOO'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'FOOBAR'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'x'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'BAR'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FO'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BARB'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ZED', 'PREFIX', 'A\x00b'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'A\x00bc'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      // No prefix: the empty prefix, every key; adding it to others is no overlap check at all.
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x'],
    ]);
  });

  it('an overlap between two later prefixes answers the error, then enables tracking and answers +OK (as Redis)', async () => {
    const [n, o] = await d.connect();
    try {
      const req = encodeCommand(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'b', 'PREFIX', 'bc']) + encodeCommand(['CLIENT', 'TRACKINGINFO']);
      n.write(req);
      o.write(req);
      const got = await Promise.all([n, o].map(async (c) => [await c.read(), await c.read(), await c.read()]));
      assert.deepEqual(got[0], got[1]);
      assert.match(got[0][0]!, /^-ERR Prefix 'b' overlaps with another provided prefix 'bc'/);
      assert.equal(got[0][1], '+OK\r\n');
    } finally {
      n.close();
      o.close();
    }
  });

  it('CLIENT CACHING errors; GETREDIR -1, 0 and the redirect', async () => {
    await script([
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'CLIENT', 'CACHING'],
      ['a', 'CLIENT', 'GETREDIR'],
      ['a', 'CLIENT', 'GETREDIR', 'x'],
      ['a', 'CLIENT', 'TRACKINGINFO', 'x'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'CLIENT', 'GETREDIR'],
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'CLIENT', 'CACHING', 'no'],
      ['a', 'CLIENT', 'CACHING', 'maybe'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTIN'],
      ['a', 'CLIENT', 'CACHING', 'no'],
      ['a', 'CLIENT', 'CACHING', 'maybe'],
      ['a', 'CLIENT', 'CACHING', 'YES'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTOUT', 'REDIRECT', '@b'],
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'CLIENT', 'CACHING', 'no'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'GETREDIR'],
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'GETREDIR'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
    ]);
  });

  it('RESP3: a key read while tracking is invalidated by a write, once; a RESP2 client gets nothing', async () => {
    await script([
      ['w', 'MSET', 'k', '1', 'other', '2'],
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'GET', 'k'],
      ['a', 'MGET', 'other', 'missing', 'k'],
      ['w', 'SET', 'k', '2'],
      // Forgotten after the invalidation: read it again to hear of the next change.
      ['w', 'SET', 'k', '3'],
      ['a', 'GET', 'k'],
      ['w', 'DEL', 'k'],
      ['w', 'SET', 'missing', 'now'],
      // Any database: tracking ignores it.
      ['w', 'SELECT', '5'],
      ['w', 'SET', 'other', 'db5'],
      ['a', 'EXISTS', 'x1'],
      ['a', 'STRLEN', 'x2'],
      ['a', 'TTL', 'x3'],
      ['a', 'TYPE', 'x4'],
      // Writes do not track: only read-only commands.
      ['a', 'SET', 'x5', 'v'],
      ['a', 'INCR', 'x6'],
      ['w', 'MSET', 'x1', '1', 'x2', '2', 'x3', '3', 'x4', '4', 'x5', '5', 'x6', '6'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', '4'],
      // RESP2 without REDIRECT: tracked, but nowhere to send to.
      ['b', 'CLIENT', 'TRACKING', 'on'],
      ['b', 'GET', 'k'],
      ['w', 'SET', 'k', '5'],
      ['b', 'HELLO', '3'],
      ['w', 'SET', 'k', '6'],
      ['b', 'GET', 'k'],
      ['w', 'SET', 'k', '7'],
    ]);
  });

  it("RESP3: the client's own write is invalidated after its reply; NOLOOP skips it", async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'MSET', 'x', '1', 'y', '2'],
      ['a', 'MGET', 'x', 'y'],
      ['a', 'MSET', 'x', '3', 'y', '4'],
      ['a', 'GET', 'x'],
      ['a', 'INCR', 'x'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'NOLOOP'],
      ['a', 'MGET', 'x', 'y'],
      ['a', 'SET', 'x', '1'],
      ['w', 'SET', 'y', '1'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r', 'NOLOOP'],
      ['r', 'SUBSCRIBE', '__redis__:invalidate'],
      ['a', 'MGET', 'p', 'q'],
      ['w', 'SET', 'p', '1'],
      ['a', 'SET', 'q', '1'],
    ]);
  });

  it('RESP2 REDIRECT: messages on __redis__:invalidate to a subscribed client; nothing to an unsubscribed RESP2 one', async () => {
    await script([
      ['r', 'SUBSCRIBE', '__redis__:invalidate'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
      ['w', 'MSET', 'a{t}', '1', 'b{t}', '1'],
      ['a', 'GET', 'a{t}'],
      ['w', 'INCR', 'b{t}'],
      ['w', 'INCR', 'a{t}'],
      ['a', 'MGET', 'a{t}', 'b{t}', 'c{t}'],
      ['w', 'DEL', 'a{t}', 'b{t}', 'c{t}'],
      // Any subscription will do: the message names __redis__:invalidate all the same.
      ['r', 'UNSUBSCRIBE'],
      ['r', 'PSUBSCRIBE', 'nothing*'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', 'v'],
      ['r', 'PUNSUBSCRIBE'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', 'v2'],
      // A RESP3 redirect client gets pushes, subscribed or not.
      ['r', 'HELLO', '3'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', 'v3'],
      ['r', 'SUBSCRIBE', 'x'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', 'v4'],
      // Several clients may redirect to one.
      ['b', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
      ['b', 'GET', 'k'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', 'v5'],
      // A client switching to RESP3 keeps the redirect.
      ['a', 'HELLO', '3'],
      ['a', 'GET', 'k'],
      ['w', 'SET', 'k', 'v6'],
    ]);
  });

  it('BCAST: keys changed under each prefix in one message per prefix, sorted, after the turn', async () => {
    await script([
      ['r', 'SUBSCRIBE', '__redis__:invalidate'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', '@r'],
      ['w', 'MSET', 'c', '3', 'a', '1', 'b', '2'],
      ['w', 'DEL', 'b', 'nothing'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', '@r', 'PREFIX', 'b:', 'PREFIX', 'a:'],
      ['w', 'MULTI'],
      ['w', 'INCR', 'b:2'],
      ['w', 'INCR', 'a:2'],
      ['w', 'INCR', 'c:1'],
      ['w', 'INCR', 'a:1'],
      ['w', 'INCR', 'b:1'],
      ['w', 'INCR', 'a:2'],
      ['w', 'EXEC'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', '@r', 'PREFIX', 'c:'],
      ['w', 'INCR', 'c:1234'],
      ['w', 'SET', 'a', 'x'],
      // RESP3 on the same connection, its own writes too.
      ['b', 'HELLO', '3'],
      ['b', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:'],
      ['b', 'SET', 'user:1', 'x'],
      ['w', 'MSET', 'user:2', 'y', 'user', 'z', 'user:3', 'w'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['b', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP', 'PREFIX', 'k'],
      ['b', 'SET', 'user:1', 'mine'],
      ['b', 'MSET', 'user:4', 'mine', 'k1', 'mine'],
      ['w', 'SET', 'user:5', 'theirs'],
      ['b', 'CLIENT', 'TRACKINGINFO'],
      ['b', 'CLIENT', 'TRACKING', 'off'],
      ['w', 'SET', 'user:6', 'x'],
    ]);
  });

  it('switching from normal tracking to BCAST: keys read before are not invalidated any more', async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['w', 'SET', 'key1', '1'],
      ['a', 'GET', 'key1'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'other'],
      ['w', 'INCR', 'key1'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['w', 'INCR', 'key1'],
    ]);
  });

  it('OPTIN: only after CLIENT CACHING yes, for the next command or transaction; OPTOUT: all but after CACHING no', async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['w', 'MSET', 'k1', '1', 'k2', '2', 'k3', '3', 'k4', '4'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTIN'],
      ['a', 'GET', 'k1'],
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'GET', 'k2'],
      ['a', 'GET', 'k3'],
      ['w', 'MSET', 'k1', 'x', 'k2', 'x', 'k3', 'x'],
      // CACHING survives other CLIENT subcommands and a transaction; a rejected command ends it.
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['a', 'CLIENT', 'GETNAME'],
      ['a', 'MULTI'],
      ['a', 'GET', 'k1'],
      ['a', 'GET', 'k2'],
      ['a', 'EXEC'],
      ['a', 'CLIENT', 'TRACKINGINFO'],
      ['w', 'MSET', 'k1', 'y', 'k2', 'y'],
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'GET'],
      ['a', 'GET', 'k3'],
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'NOSUCHCOMMAND'],
      ['a', 'GET', 'k4'],
      ['a', 'CLIENT', 'CACHING', 'yes'],
      ['a', 'CLIENT', 'NOSUCH'],
      ['a', 'GET', 'k4'],
      ['w', 'MSET', 'k3', 'z', 'k4', 'z'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      ['a', 'GET', 'k1'],
      ['a', 'CLIENT', 'CACHING', 'no'],
      ['a', 'GET', 'k2'],
      ['a', 'GET', 'k3'],
      ['w', 'MSET', 'k1', 'w', 'k2', 'w', 'k3', 'w'],
      ['a', 'CLIENT', 'CACHING', 'no'],
      ['a', 'MULTI'],
      ['a', 'GET', 'k1'],
      ['a', 'DISCARD'],
      ['a', 'GET', 'k2'],
      ['w', 'MSET', 'k1', 'v', 'k2', 'v'],
    ]);
  });

  it('expiry invalidates: by the active cycle, and lazily inside a read (after its reply)', async () => {
    await script([
      ['r', 'SUBSCRIBE', '__redis__:invalidate'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', '@r', 'NOLOOP'],
      ['a', 'SET', 'mykey', 'myval', 'PX', '1'],
      { on: 'a', cmd: ['SET', 'mykeyotherkey', 'myval'], waitMs: 400 },
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['b', 'HELLO', '3'],
      ['b', 'CLIENT', 'TRACKING', 'on'],
      ['b', 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['b', 'MULTI'],
      ['b', 'MSET', 'x', '1', 'y', '2'],
      ['b', 'PEXPIRE', 'y', '100'],
      ['b', 'GET', 'y'],
      { on: 'b', cmd: ['EXEC'], waitMs: 200 },
      ['b', 'MGET', 'x', 'y'],
      ['b', 'SET', 'z', '1', 'PX', '100'],
      ['b', 'GET', 'z'],
      { on: 'b', cmd: ['PING'], waitMs: 200 },
      ['w', 'GET', 'z'],
      ['b', 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['b', 'SET', 'e', '1', 'PX', '100'],
      ['b', 'GET', 'e'],
      { on: 'b', cmd: ['PING'], waitMs: 400 },
    ]);
  });

  it('FLUSHALL and FLUSHDB: a null invalidation to every tracking client, after the reply for the client itself', async () => {
    await script([
      ['r', 'SUBSCRIBE', '__redis__:invalidate'],
      ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
      ['b', 'HELLO', '3'],
      ['b', 'CLIENT', 'TRACKING', 'on'],
      ['c', 'HELLO', '3'],
      ['c', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'zz'],
      ['d', 'HELLO', '3'],
      ['d', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
      ['w', 'SET', 'key1', '1'],
      ['a', 'GET', 'key1'],
      ['w', 'FLUSHALL'],
      ['b', 'FLUSHDB'],
      ['w', 'SELECT', '3'],
      ['w', 'FLUSHDB', 'ASYNC'],
      ['w', 'FLUSHALL', 'SYNC'],
      ['w', 'FLUSHDB', 'bad'],
      ['b', 'MULTI'],
      ['b', 'FLUSHDB'],
      ['b', 'PING'],
      ['b', 'EXEC'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'FLUSHALL'],
      ['w', 'SWAPDB', '0', '1'],
    ]);
  });

  it('MULTI/EXEC: invalidations of its own writes follow the whole EXEC reply; other clients get theirs at once', async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['a', 'MSET', 'a{t}', '1', 'b{t}', '2'],
      ['a', 'GET', 'a{t}'],
      ['b', 'HELLO', '3'],
      ['b', 'CLIENT', 'TRACKING', 'on'],
      ['b', 'GET', 'b{t}'],
      ['a', 'MULTI'],
      ['a', 'INCR', 'a{t}'],
      ['a', 'GET', 'b{t}'],
      ['a', 'INCR', 'b{t}'],
      ['a', 'EXEC'],
      ['a', 'GET', 'a{t}'],
      ['a', 'MULTI'],
      ['a', 'INCR', 'a{t}'],
      ['a', 'CLIENT', 'TRACKING', 'off'],
      ['a', 'EXEC'],
    ]);
  });

  it('a redirect client that went away: tracking-redir-broken to a RESP3 client, broken_redirect and flag R', async () => {
    const s = new Script(d);
    await d.flushAll();
    try {
      await s.run([
        ['r', 'SUBSCRIBE', '__redis__:invalidate'],
        ['a', 'HELLO', '3'],
        ['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
        ['b', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
        ['w', 'MSET', 'key1', '1', 'key2', '2'],
        ['a', 'GET', 'key1'],
        ['b', 'GET', 'key2'],
        ['r', 'QUIT'],
        ['a', 'CLIENT', 'TRACKINGINFO'],
        ['w', 'SET', 'key1', '2'],
        ['w', 'SET', 'key2', '2'],
        ['a', 'CLIENT', 'TRACKINGINFO'],
        ['b', 'CLIENT', 'TRACKINGINFO'],
        ['a', 'CLIENT', 'GETREDIR'],
        ['a', 'GET', 'key1'],
        ['a', 'CLIENT', 'REPLY', 'OFF'],
        ['w', 'SET', 'key1', '3'],
        ['a', 'CLIENT', 'REPLY', 'ON'],
        ['a', 'FLUSHALL'],
        // Enabling tracking again clears the broken state.
        ['a', 'CLIENT', 'TRACKING', 'on'],
        ['a', 'CLIENT', 'TRACKINGINFO'],
      ]);
      for (let i = 0; i < 2; i++) {
        const a = s.conn('b', i);
        const line = bulkText(await a.call('CLIENT', 'INFO'));
        assert.match(line, / flags=tRU? /, `${['nodis', 'redis'][i]}: ${line}`);
        assert.match(line, new RegExp(` redir=${s.id('r', i)} `));
      }
    } finally {
      s.close();
    }
  });

  it('CLIENT REPLY OFF does not hold back invalidations (RESP3, itself and redirected)', async () => {
    await script([
      ['a', 'HELLO', '3'],
      ['a', 'CLIENT', 'TRACKING', 'on'],
      ['w', 'SET', 'foo', 'bar'],
      ['a', 'GET', 'foo'],
      ['a', 'CLIENT', 'REPLY', 'OFF'],
      ['w', 'SET', 'foo', 'bar2'],
      ['a', 'GET', 'foo'],
      ['a', 'SET', 'foo', 'own'],
      ['a', 'CLIENT', 'REPLY', 'ON'],
      ['a', 'GET', 'foo'],
      ['a', 'CLIENT', 'REPLY', 'SKIP'],
      ['a', 'SET', 'foo', 'skipped'],
      ['a', 'PING'],
      ['r', 'HELLO', '3'],
      ['b', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'],
      ['b', 'GET', 'foo'],
      ['r', 'CLIENT', 'REPLY', 'OFF'],
      ['w', 'SET', 'foo', 'bar3'],
      ['r', 'CLIENT', 'REPLY', 'ON'],
    ]);
  });

  /** The tracking fields of INFO on each side, nodis first. */
  async function trackingInfo(s: Script): Promise<[string, string]> {
    const out: string[] = [];
    for (let i = 0; i < 2; i++) {
      const info = bulkText(await s.conn('info', i).call('INFO', 'everything'));
      out.push(info.split('\r\n').filter((l) => l.startsWith('tracking_')).join(' '));
    }
    return [out[0], out[1]];
  }

  it('INFO tracking fields; RESET and closing the connection turn tracking off and free what the client held', async () => {
    const s = new Script(d);
    await d.flushAll();
    try {
      await s.run([['info', 'PING'], ['w', 'PING']]);
      const check = async (want: string): Promise<void> => {
        const [n, o] = await trackingInfo(s);
        assert.equal(n, o);
        assert.equal(n, want);
      };
      await check('tracking_clients:0 tracking_total_keys:0 tracking_total_items:0 tracking_total_prefixes:0');
      await s.run([
        ['a', 'HELLO', '3'],
        ['a', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p', 'PREFIX', 'q'],
        ['c', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p'],
        ['b', 'CLIENT', 'TRACKING', 'on'],
        ['b', 'MGET', 'k1', 'k2', 'k1'],
        ['e', 'CLIENT', 'TRACKING', 'on'],
        ['e', 'GET', 'k2'],
        ['e', 'CLIENT', 'TRACKING', 'off'],
      ]);
      await check('tracking_clients:3 tracking_total_keys:2 tracking_total_items:3 tracking_total_prefixes:2');
      // Flags t and B, redir=0.
      for (let i = 0; i < 2; i++) {
        const line = bulkText(await s.conn('a', i).call('CLIENT', 'INFO'));
        assert.match(line, / flags=tBU? /);
        assert.match(line, / redir=0 /);
        const other = bulkText(await s.conn('w', i).call('CLIENT', 'INFO'));
        assert.match(other, / flags=(N|U) /);
        assert.match(other, / redir=-1 /);
      }
      await s.run([['a', 'RESET'], ['a', 'CLIENT', 'TRACKINGINFO'], ['w', 'SET', 'p1', 'x']]);
      await check('tracking_clients:2 tracking_total_keys:2 tracking_total_items:3 tracking_total_prefixes:1');
      // Ids of clients gone stay in the table until their keys change.
      await s.run([['b', 'QUIT'], ['c', 'QUIT']]);
      await sleep(100);
      await check('tracking_clients:0 tracking_total_keys:2 tracking_total_items:3 tracking_total_prefixes:0');
      await s.run([['w', 'SET', 'k1', 'x']]);
      await check('tracking_clients:0 tracking_total_keys:1 tracking_total_items:2 tracking_total_prefixes:0');
      await s.run([['w', 'FLUSHALL']]);
      await check('tracking_clients:0 tracking_total_keys:0 tracking_total_items:0 tracking_total_prefixes:0');
    } finally {
      s.close();
    }
  });

  it('tracking-table-max-keys: keys beyond it are dropped at random, their clients told', async () => {
    await d.withConfig(['tracking-table-max-keys'], async () => {
      const s = new Script(d);
      await d.flushAll();
      try {
        await s.run([['r', 'SUBSCRIBE', '__redis__:invalidate']]);
        const got: string[][] = [[], []];
        await s.run([['a', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '@r'], ['w', 'MSET', 'k1', '1', 'k2', '2', 'k3', '3']]);
        for (let i = 0; i < 2; i++) {
          const a = s.conn('a', i);
          for (const k of ['k1', 'k2', 'k3']) await a.call('GET', k);
          assert.equal(await a.call('CONFIG', 'SET', 'tracking-table-max-keys', '1'), '+OK\r\n');
          const r = s.conn('r', i);
          for (let j = 0; j < 2; j++) got[i].push((await r.read())!);
          const info = bulkText(await a.call('INFO', 'stats'));
          assert.match(info, /tracking_total_keys:1\r\n/);
        }
        // Which keys go is random: two messages of one key each, different keys.
        for (const msgs of got) {
          const keys = msgs.map((m) => {
            const match = /^\*3\r\n\$7\r\nmessage\r\n\$20\r\n__redis__:invalidate\r\n\*1\r\n\$2\r\n(k[123])\r\n$/.exec(m);
            assert.ok(match, JSON.stringify(m));
            return match[1];
          });
          assert.notEqual(keys[0], keys[1]);
        }
      } finally {
        s.close();
      }
    });
  });

  it('tracking-table-max-keys lowered while the cron is paused (DEBUG PAUSE-CRON): the push comes before the next reply (#11715)', async () => {
    await d.withConfig({ 'tracking-table-max-keys': '2' }, async () => {
      await d.flushAll();
      const [n, o] = await d.connect();
      const [an, ao] = await d.connect();
      try {
        const got: string[][] = [];
        for (const [c, admin] of [[n, an], [o, ao]] as const) {
          assert.equal(await admin.call('DEBUG', 'PAUSE-CRON', '1'), '+OK\r\n');
          await c.call('HELLO', '3');
          await c.call('CLIENT', 'TRACKING', 'on');
          await c.call('MGET', '1{tag}', '2{tag}');
          await c.call('MULTI');
          assert.equal(await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '1'), '+OK\r\n');
          c.write(encodeCommand(['PING']) + encodeCommand(['EXEC']));
          const frames = [(await c.read())!, (await c.read())!, (await c.read())!];
          got.push(frames.map((f) => f.replace(/\$6\r\n[12]\{tag\}\r\n/, '$6\r\nK{tag}\r\n')));
          assert.equal(await admin.call('DEBUG', 'PAUSE-CRON', '0'), '+OK\r\n');
        }
        assert.deepEqual(got[0], got[1]);
        assert.deepEqual(got[0], ['>2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\nK{tag}\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
      } finally {
        for (const c of [n, o, an, ao]) c.close();
      }
    });
  });

  it('DEBUG PAUSE-CRON stops the cron: no active expiry until it resumes', async () => {
    await d.check([
      ['DEBUG', 'PAUSE-CRON'],
      ['DEBUG', 'PAUSE-CRON', '1'],
      ['SET', 'k', 'v', 'PX', '30'],
    ]);
    await sleep(300);
    await d.withPair((p) => p.run([['DBSIZE'], ['DEBUG', 'PAUSE-CRON', '0']]), { flush: false });
    await sleep(300);
    await d.withPair((p) => p.run([['DBSIZE']]), { flush: false });
  });
});
