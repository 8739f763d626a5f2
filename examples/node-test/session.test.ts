// examples/node-test/session.test.ts (node:test, TypeScript)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer } from 'nodis';

test('a session expires after an hour', async (t) => {
  const server = await startServer(); // a free port on 127.0.0.1; any redis.conf directive may be passed
  const redis = new Redis(server.url);
  t.after(async () => {
    redis.disconnect();
    await server.close();
  });
  await redis.set('session', 'alice', 'EX', 3600);
  server.clock.advance(3600 * 1000 + 1); // a key expires once the server's clock is past its time
  assert.equal(await redis.get('session'), null);
});

test('await using closes the server, with a password in its url', async () => {
  await using server = await startServer({ requirepass: 's3cret', data: { greeting: 'hello' } });
  const redis = new Redis(server.url); // redis://:s3cret@127.0.0.1:<port>
  try {
    assert.equal(await redis.get('greeting'), 'hello');
  } finally {
    redis.disconnect();
  }
});
