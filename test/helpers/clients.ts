// Client-library fixtures for the integration tests: a nodis server per describe block with
// ioredis or node-redis connections to it, made before its tests and closed after them.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type EmbeddedServer, type StartOptions } from '../../src/embed.js';

/** A server and named ioredis connections; the fields are set once the before hook has run. */
export type IoredisFixture<Name extends string> = { server: EmbeddedServer } & Record<Name, Redis>;

/**
 * For the enclosing describe: a nodis server (started with options) and one ioredis connection
 * per name (RESP protocol; the library's default when undefined), connected before the tests.
 */
export function ioredisFixture<Name extends string>(
  protocol: 2 | 3 | undefined,
  names: readonly Name[],
  options: StartOptions = {},
): IoredisFixture<Name> {
  const fixture = {} as IoredisFixture<Name>;
  const clients: Redis[] = [];
  before(async () => {
    fixture.server = await startServer(options);
    for (const name of names) {
      const client = new Redis({ port: fixture.server.port, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
      clients.push(client);
      (fixture as Record<Name, Redis>)[name] = client;
    }
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await fixture.server?.close();
  });
  return fixture;
}

/** A node-redis client speaking RESP protocol. */
export type NodeRedisClient<P extends 2 | 3> = ReturnType<typeof createClient<Record<string, never>, Record<string, never>, Record<string, never>, P>>;

/** For the enclosing describe: a nodis server and one node-redis client (RESP protocol) to it. */
export function nodeRedisFixture<P extends 2 | 3>(protocol: P): { server: EmbeddedServer; client: NodeRedisClient<P> } {
  const fixture = {} as { server: EmbeddedServer; client: NodeRedisClient<P> };
  before(async () => {
    fixture.server = await startServer();
    fixture.client = createClient({ url: fixture.server.url, RESP: protocol });
    // Errors reach the commands that fail; the client's own event would otherwise throw.
    fixture.client.on('error', () => {});
    await fixture.client.connect();
  });
  after(async () => {
    fixture.client?.destroy();
    await fixture.server?.close();
  });
  return fixture;
}

/** Waits until the server reports n blocked clients (INFO clients, read through client). */
export async function waitBlockedClients(client: Redis, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = await client.info('clients');
    if (new RegExp(`blocked_clients:${n}\\r\\n`).test(info)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`blocked_clients never reached ${n}`);
}
