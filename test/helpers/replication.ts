// Shared by the replication tests: INFO fields, waiting for a replica's link, and a real
// redis-server listening on TCP (a replica or primary must reach it by host and port).

import assert from 'node:assert/strict';
import { freePort, startOracle, type Oracle, type OracleConfig } from './oracle.js';
import type { RawConnection } from './resp.js';
import { eventually } from './eventually.js';

/** One INFO field's value (undefined when absent). */
export function infoField(info: string | null, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\n)${name}:([^\\r\\n]*)`).exec(info ?? '');
  return m?.[1];
}

/** Waits until the replica on conn reports master_link_status:up. */
export async function linkUp(conn: RawConnection, timeoutMs = 15000): Promise<void> {
  await eventually(async () => assert.equal(infoField(await conn.call('INFO', 'replication'), 'master_link_status'), 'up'), timeoutMs);
}

/** A real redis-server listening on a TCP port of its own (and its unix socket for the test). */
export async function tcpOracle(config: OracleConfig = {}): Promise<{ oracle: Oracle; port: number; conn: RawConnection }> {
  const port = await freePort();
  const oracle = await startOracle({ 'repl-diskless-sync-delay': 0, ...config, port });
  const conn = await oracle.connect();
  return { oracle, port, conn };
}
