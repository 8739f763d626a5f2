// A server without sockets, driven through processCommand, on a clock that only moves when told.

import assert from 'node:assert/strict';
import { Server } from '../../src/server/server.js';
import { Config } from '../../src/server/config.js';
import { Clock } from '../../src/server/clock.js';
import { processCommand } from '../../src/server/dispatch.js';
import { allCommands } from '../../src/commands/index.js';

/** A clock that only moves when told, for exact expiry tests. */
export class FixedClock extends Clock {
  t = 1_700_000_000_000;
  override now(): number {
    return this.t;
  }
  override nowUs(): number {
    return this.t * 1000;
  }
  override advance(ms: number): void {
    this.t += ms;
    this.moved();
  }
}

/** A server with one fake client; run(...argv) returns the raw reply bytes. */
export function localServer(settings: Record<string, string> = {}) {
  const config = new Config();
  // No save points unless asked: FLUSHALL and save points would write dump.rdb in the work tree.
  if (!('save' in settings)) assert.equal(config.set('save', ''), null);
  for (const [k, v] of Object.entries(settings)) assert.equal(config.set(k, v), null);
  const clock = new FixedClock();
  const server = new Server(config, clock, allCommands);
  server.log.silent = true;
  const c = server.createFakeClient();
  const run = (...argv: string[]): string => {
    c.discardReplies();
    processCommand(c, argv);
    return c.takeReplies();
  };
  return { clock, server, c, run, db: server.dbs[0] };
}
