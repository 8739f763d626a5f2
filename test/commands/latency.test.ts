// LATENCY against real Redis: HELP and errors, events recorded at or over
// latency-monitor-threshold (LATEST, HISTORY, GRAPH, RESET), DOCTOR's report and HISTOGRAM's
// shape. Times and milliseconds differ between the servers and are normalised.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { localServer } from '../helpers/local.js';
import { LatencyHistogram } from '../../src/server/command.js';

/** Every number replaced: the shape and the words must match. */
const digits = (reply: string): string => reply.replace(/\d+/g, 'N');

describe('LATENCY', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('HELP, errors and an empty monitor', async () => {
    await d.check([
      ['LATENCY', 'RESET'],
      ['LATENCY', 'HELP'],
      ['LATENCY', 'HELP', 'x'],
      ['LATENCY', 'NOPE'],
      ['LATENCY', 'LATEST'],
      ['LATENCY', 'HISTORY', 'command'],
      ['LATENCY', 'GRAPH', 'command'],
      ['LATENCY', 'RESET', 'command', 'other'],
      ['LATENCY', 'DOCTOR'],
      ['LATENCY', 'HISTOGRAM', 'nosuch', 'nosuch2'],
    ]);
  });

  it('records a slow command as an event: LATEST, HISTORY, GRAPH, DOCTOR, RESET', async () => {
    await d.withConfig({ 'latency-monitor-threshold': '100' }, async () => {
      await d.check([
        ['LATENCY', 'RESET'],
        ['LATENCY', 'DOCTOR'],
        { cmd: ['DEBUG', 'SLEEP', '0.25'], setup: true },
        { cmd: ['LATENCY', 'LATEST'], norm: digits },
        { cmd: ['LATENCY', 'HISTORY', 'command'], norm: digits },
        { cmd: ['LATENCY', 'GRAPH', 'command'], norm: digits },
        { cmd: ['LATENCY', 'DOCTOR'], norm: digits },
        ['LATENCY', 'RESET', 'nosuch'],
        ['LATENCY', 'RESET'],
        ['LATENCY', 'LATEST'],
      ]);
    });
  });

  it('HISTOGRAM: calls and cumulative counts per command and subcommand', async () => {
    await d.check([
      { cmd: ['CONFIG', 'RESETSTAT'], setup: true },
      ['SET', 'a', 'b'],
      ['SET', 'c', 'd'],
      { cmd: ['CLIENT', 'ID'], setup: true },
      { cmd: ['LATENCY', 'HISTOGRAM', 'set'], norm: (r) => r.replace(/:\d+\r\n:\d+\r\n/g, '') },
      { cmd: ['LATENCY', 'HISTOGRAM', 'client'], norm: (r) => r.replace(/\*\d+\r\n(:\d+\r\n)+$/, '') },
    ]);
  });
});

describe('LATENCY (nodis only)', () => {
  it('keeps the worst sample per second, 160 seconds, and the all-time maximum', () => {
    const { server, clock } = localServer({ 'latency-monitor-threshold': '10' });
    server.latencySample('command', 5);
    assert.equal(server.latency.events.size, 0, 'under the threshold');
    server.latencySample('command', 20);
    server.latencySample('command', 50);
    server.latencySample('command', 30);
    assert.deepEqual(server.latency.events.get('command')!.samples.map((s) => s.latency), [50]);
    for (let i = 0; i < 200; i++) {
      clock.advance(1000);
      server.latencySample('command', 11 + (i % 3));
    }
    const series = server.latency.events.get('command')!;
    assert.equal(series.samples.length, 160);
    assert.equal(series.max, 50);
  });

  it('HISTOGRAM levels: the highest value of each doubling from 1024 ns, counts cumulative', () => {
    const { server } = localServer();
    const cmd = server.table.lookup('get')!;
    for (const ns of [500, 1000, 3000, 3000, 70_000]) cmd.recordLatencyAt(LatencyHistogram.indexOf(ns));
    assert.deepEqual(cmd.latency!.cumulative(), [
      [1, 2],
      [4, 4],
      [132, 5],
    ]);
  });
});
