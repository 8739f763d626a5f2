// Servers a library integration test runs against: nodis in-process, and the real redis-server
// when it is installed, so the same test proves itself right on Redis and then checks nodis.

import { before, after } from 'node:test';
import { startServer, type EmbeddedServer } from '../../src/embed.js';
import { oracleAvailable, startOracle, type Oracle } from './oracle.js';

/** Where a library connects: ioredis-style options (a TCP port or a unix socket path). */
export type Connection = { host?: string; port?: number; path?: string };

export interface Target {
  /** 'nodis' or 'redis-server': the name a describe block carries. */
  readonly name: string;
  /** Set by the before hook. */
  connection: Connection;
  /** node-redis's url for the same server. */
  url: string;
}

/** The servers to run against: nodis, and redis-server when it can be run. */
export function targetNames(): string[] {
  return oracleAvailable() ? ['nodis', 'redis-server'] : ['nodis'];
}

/** For the enclosing describe: a fresh server of the named kind, started before its tests. */
export function serverTarget(name: string): Target {
  const target: Target = { name, connection: {}, url: '' };
  let nodis: EmbeddedServer | undefined;
  let oracle: Oracle | undefined;
  before(async () => {
    if (name === 'nodis') {
      nodis = await startServer();
      target.connection = { host: '127.0.0.1', port: nodis.port };
      target.url = nodis.url;
    } else {
      oracle = await startOracle();
      target.connection = { path: oracle.socketPath };
      target.url = `unix://${oracle.socketPath}`;
    }
  });
  after(async () => {
    await nodis?.close();
    await oracle?.close();
  });
  return target;
}
