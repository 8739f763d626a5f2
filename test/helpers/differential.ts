// The differential harness: the same commands go to real Redis and to nodis; raw replies must match.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type NodisServer, type StartOptions } from '../../src/index.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, type Oracle } from './oracle.js';
import { RawConnection, encodeCommand, hello3, replyLength } from './resp.js';

export { ORACLE_SKIP_MESSAGE, oracleAvailable };

/** Options for one command in a sequence. */
export interface Step {
  cmd: string[];
  /** Redis promises no order for this reply: sort the top-level elements before comparing. */
  unordered?: boolean;
  /** Compare only that both replies are of the same type (first byte), e.g. for random output. */
  typeOnly?: boolean;
}

export type StepLike = string[] | Step;

/** Splits a RESP aggregate reply into its element replies (raw). */
export function splitAggregate(reply: string): { header: string; items: string[] } {
  const nl = reply.indexOf('\r\n');
  const header = reply.slice(0, nl + 2);
  const type = reply[0];
  let n = Number(reply.slice(1, nl));
  if (type === '%') n *= 2;
  const items: string[] = [];
  let p = nl + 2;
  for (let i = 0; i < n; i++) {
    const len = replyLength(reply, p);
    items.push(reply.slice(p, p + len));
    p += len;
  }
  return { header, items };
}

function normalize(reply: string | null, step: Step): string | null {
  if (reply === null) return null;
  if (step.typeOnly) return reply[0];
  if (step.unordered && '*~%'.includes(reply[0]) && !reply.startsWith('*-1')) {
    const { header, items } = splitAggregate(reply);
    if (reply[0] === '%') {
      const pairs: string[] = [];
      for (let i = 0; i < items.length; i += 2) pairs.push(items[i] + items[i + 1]);
      return header + pairs.sort().join('');
    }
    return header + items.sort().join('');
  }
  return reply;
}

export interface SessionOptions {
  /** Switch both connections to RESP3 with HELLO 3 first. */
  resp3?: boolean;
  /** FLUSHALL both servers first (the default); false keeps what is there. */
  flush?: boolean;
}

/** FLUSHALL on both connections, asserting that both servers emptied. */
async function flushBoth(n: RawConnection, o: RawConnection): Promise<void> {
  for (const c of [n, o]) assert.equal(await c.call('FLUSHALL'), '+OK\r\n', 'FLUSHALL');
}

/**
 * A nodis server and a real Redis side by side. Use inside a describe() whose options come from
 * differentialSuite(), so the suite skips with a clear message where redis-server is missing.
 */
export class Differential {
  nodis!: NodisServer;
  oracle!: Oracle;
  /** nodis's `dir` (a fresh temporary directory unless the options name one), removed by stop(). */
  dir = '';

  async start(nodisOptions: StartOptions = {}, oracleArgs: string[] = []): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'nodis-test-'));
    this.nodis = await startServer({ 'enable-debug-command': 'yes', dir: this.dir, ...nodisOptions });
    this.oracle = await startOracle(oracleArgs);
  }

  async stop(): Promise<void> {
    await this.nodis?.close();
    await this.oracle?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** A connection to each server. */
  async connect(): Promise<[RawConnection, RawConnection]> {
    return [await RawConnection.open({ port: this.nodis.port }), await this.oracle.connect()];
  }

  /** Empties every database of both servers with FLUSHALL. */
  async flushAll(): Promise<void> {
    const [n, o] = await this.connect();
    try {
      await flushBoth(n, o);
    } finally {
      n.close();
      o.close();
    }
  }

  /**
   * Fresh connections to both servers, nodis first: after FLUSHALL on both (unless flush is false),
   * and switched to RESP3 with HELLO 3 when resp3 is set.
   */
  async session(opts: SessionOptions = {}): Promise<[RawConnection, RawConnection]> {
    const [n, o] = await this.connect();
    try {
      if (opts.flush !== false) await flushBoth(n, o);
      if (opts.resp3) {
        await hello3(n);
        await hello3(o);
      }
    } catch (e) {
      n.close();
      o.close();
      throw e;
    }
    return [n, o];
  }

  /**
   * Runs the steps on fresh connections to both servers (after FLUSHALL) and asserts that every
   * raw reply is the same. With resp3, both connections first switch with HELLO 3.
   */
  async check(steps: StepLike[], opts: SessionOptions = {}): Promise<void> {
    const [n, o] = await this.session(opts);
    try {
      for (const s of steps) {
        const step: Step = Array.isArray(s) ? { cmd: s } : s;
        const [rn, ro] = await Promise.all([n.call(...step.cmd), o.call(...step.cmd)]);
        assert.equal(
          normalize(rn, step),
          normalize(ro, step),
          `reply to ${JSON.stringify(step.cmd)} differs (nodis first, redis second)`,
        );
      }
    } finally {
      n.close();
      o.close();
    }
  }

  /** Sends raw bytes to both and compares everything each sends back until it closes or goes quiet. */
  async checkRaw(bytes: string, waitMs = 300): Promise<[string, string]> {
    const [n, o] = await this.connect();
    try {
      n.write(bytes);
      o.write(bytes);
      const [rn, ro] = await Promise.all([n.readUntilClose(waitMs), o.readUntilClose(waitMs)]);
      assert.equal(rn, ro, `raw exchange for ${JSON.stringify(bytes.slice(0, 80))} differs`);
      return [rn, ro];
    } finally {
      n.close();
      o.close();
    }
  }
}

/** describe() options: skip with a one-line reason when redis-server is not installed. */
export function differentialSuite(): { skip?: string } {
  return oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
}

export { encodeCommand };
