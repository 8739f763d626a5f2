// examples/jest-esm/session.test.mjs (Jest, ES modules: NODE_OPTIONS=--experimental-vm-modules)
import { afterAll, beforeAll, beforeEach, expect, jest, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { startServer } from 'nodis';

let server;
let redis;

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
  jest.useFakeTimers();
  try {
    await redis.set('token', 'x', 'PX', 1000);
    jest.advanceTimersByTime(60_000);
    expect(await redis.get('token')).toBe('x');
    server.clock.advance(1001);
    expect(await redis.get('token')).toBeNull();
  } finally {
    jest.useRealTimers();
  }
});
