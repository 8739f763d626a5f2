// examples/vitest/session.test.ts (vitest)
import { afterAll, beforeAll, beforeEach, expect, test, vi } from 'vitest';
import { Redis } from 'ioredis';
import { startServer, type NodisServer } from 'nodis';

let server: NodisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startServer();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.close();
});
beforeEach(async () => {
  await server.flushAll();
  await server.seed({ greeting: 'hello' });
});

test('reads a fixture', async () => {
  expect(await redis.get('greeting')).toBe('hello');
});

test('fake timers leave the server clock alone; server.clock.advance() moves it', async () => {
  vi.useFakeTimers();
  try {
    await redis.set('token', 'x', 'PX', 1000);
    vi.advanceTimersByTime(60_000);
    expect(await redis.get('token')).toBe('x');
    server.clock.advance(1001);
    expect(await redis.get('token')).toBeNull();
  } finally {
    vi.useRealTimers();
  }
});
