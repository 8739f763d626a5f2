import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { IDLE_SECONDS, MemoryReclaimer } from '../../src/util/gc.js';

/** Grows V8's young generation past the idle collector's floor with short-lived garbage. */
function growYoungGeneration(): number {
  let keep = 0;
  for (let round = 0; round < 50; round++) {
    const junk: { n: number }[] = [];
    for (let i = 0; i < 100_000; i++) junk.push({ n: i });
    keep += junk.length;
  }
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  assert.ok(young && young.physical_space_size >= 2 * 1024 * 1024, 'the young generation grew');
  return keep;
}

test('idleTick: a young-generation collection after IDLE_SECONDS quiet seconds, and every IDLE_SECONDS while quiet', () => {
  growYoungGeneration();
  const m = new MemoryReclaimer();
  let commands = 1_000_000;
  m.idleTick(commands);
  for (let s = 1; s < IDLE_SECONDS; s++) m.idleTick((commands += 10));
  assert.equal(m.idleCollections, 0, 'not before IDLE_SECONDS quiet seconds');
  m.idleTick((commands += 10));
  assert.equal(m.idleCollections, 1);
  growYoungGeneration();
  for (let s = 0; s < IDLE_SECONDS; s++) m.idleTick((commands += 10));
  assert.equal(m.idleCollections, 2, 'asked again while quiet and the generation is still big');
  m.stop();
});

test('idleTick: a busy second starts the quiet count again', () => {
  growYoungGeneration();
  const m = new MemoryReclaimer();
  let commands = 1_000_000;
  m.idleTick(commands);
  for (let s = 1; s < IDLE_SECONDS; s++) m.idleTick((commands += 10));
  m.idleTick((commands += 5000));
  for (let s = 1; s < IDLE_SECONDS; s++) m.idleTick((commands += 10));
  assert.equal(m.idleCollections, 0);
  growYoungGeneration();
  m.idleTick((commands += 10));
  assert.equal(m.idleCollections, 1);
  m.stop();
});
