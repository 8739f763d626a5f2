// Real redis-sentinel managing a group of servers: three sentinels monitor a primary with two
// replicas, the primary is killed (SIGKILL), the sentinels elect a leader, promote a replica with
// the commands they send (REPLICAOF NO ONE, CONFIG REWRITE, CLIENT KILL … inside MULTI), point the
// other replica at it, and ioredis's sentinel support follows the new primary. The same test runs
// on redis-server, which proves it, and then on nodis-server.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, oracleAvailable } from '../helpers/oracle.js';
import { RawConnection } from '../helpers/resp.js';
import { eventually } from '../helpers/eventually.js';

const CLI = fileURLToPath(new URL('../../src/nodis-server.js', import.meta.url));
const GROUP = 'mymaster';

/** redis-sentinel is installed (in CI it must be: .ci/run installs it). */
function sentinelAvailable(): boolean {
  const ok = spawnSync('redis-sentinel', ['--version']).status === 0;
  if (!ok && (process.env.CI || process.env.NODIS_REQUIRE_ORACLE)) throw new Error('redis-sentinel is required in CI, but it was not found');
  return ok;
}

/** A server or sentinel process started from a config file in its own directory. */
interface Instance {
  readonly port: number;
  readonly child: ChildProcess;
  readonly dir: string;
  log(): string;
}

async function launch(command: string, args: string[], config: string[], port: number): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'nodis-sentinel-'));
  const file = join(dir, 'instance.conf');
  writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...config, ''].join('\n'));
  const child = spawn(command, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  await eventually(async () => {
    const c = await RawConnection.open({ port });
    try {
      assert.equal(await c.call('PING'), '+PONG\r\n');
    } finally {
      c.close();
    }
  }, 10000);
  return { port, child, dir, log: () => out };
}

async function stop(i: Instance | undefined): Promise<void> {
  if (!i) return;
  if (i.child.exitCode === null && i.child.signalCode === null) {
    const exited = new Promise((r) => i.child.once('exit', r));
    i.child.kill('SIGKILL');
    await exited;
  }
  rmSync(i.dir, { recursive: true, force: true });
}

/** One command on a fresh connection to port. */
async function ask(port: number, ...argv: string[]): Promise<string> {
  const c = await RawConnection.open({ port });
  try {
    return (await c.call(...argv))!;
  } finally {
    c.close();
  }
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\r\\n)${name}:([^\\r]*)`).exec(info)?.[1];
}

const SERVERS: Record<string, { command: string; args: string[] }> = {
  'redis-server': { command: 'redis-server', args: [] },
  nodis: { command: process.execPath, args: [CLI] },
};

const runnable = oracleAvailable() && sentinelAvailable();

for (const kind of ['redis-server', 'nodis']) {
  describe(`redis-sentinel failing over ${kind}`, { skip: runnable ? false : 'redis-server and redis-sentinel are needed' }, () => {
    const servers: Instance[] = [];
    const sentinels: Instance[] = [];
    let client: Redis | undefined;

    before(async () => {
      const { command, args } = SERVERS[kind];
      const common = ['save ""', 'appendonly no', 'enable-debug-command yes', 'repl-diskless-sync no'];
      const primaryPort = await freePort();
      servers.push(await launch(command, args, common, primaryPort));
      for (let i = 0; i < 2; i++) {
        servers.push(await launch(command, args, [...common, `replicaof 127.0.0.1 ${primaryPort}`], await freePort()));
      }
      for (const r of servers.slice(1)) {
        await eventually(async () => assert.equal(field(await ask(r.port, 'INFO', 'replication'), 'master_link_status'), 'up'));
      }
      for (let i = 0; i < 3; i++) {
        const config = [
          `sentinel monitor ${GROUP} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${GROUP} 1000`,
          `sentinel failover-timeout ${GROUP} 10000`,
          `sentinel parallel-syncs ${GROUP} 1`,
        ];
        sentinels.push(await launch('redis-sentinel', [], config, await freePort()));
      }
    });

    after(async () => {
      client?.disconnect();
      for (const i of [...sentinels, ...servers]) await stop(i);
    });

    it('the sentinels discover both replicas and each other', async () => {
      for (const s of sentinels) {
        await eventually(async () => {
          const master = await ask(s.port, 'SENTINEL', 'MASTER', GROUP);
          assert.match(master, /\$10\r\nnum-slaves\r\n\$1\r\n2\r\n/);
          assert.match(master, /\$19\r\nnum-other-sentinels\r\n\$1\r\n2\r\n/);
        }, 20000);
      }
    });

    it('fails over after the primary is killed; the other replica and the client follow', async () => {
      client = new Redis({ sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: GROUP, maxRetriesPerRequest: 50 });
      // Connection errors while the primary is down are expected; the commands retry.
      client.on('error', () => {});
      // Writes both replicas acknowledged (WAIT) must survive the failover.
      for (let i = 0; i < 100; i++) await client.set(`k${i}`, `v${i}`);
      assert.equal(await client.wait(2, 5000), 2);

      const [primary, ...replicas] = servers;
      const exited = new Promise((r) => primary.child.once('exit', r));
      primary.child.kill('SIGKILL');
      await exited;

      let promoted: Instance | undefined;
      await eventually(async () => {
        const addr = await ask(sentinels[0].port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', GROUP);
        const port = Number(/\$\d+\r\n(\d+)\r\n$/.exec(addr)?.[1]);
        promoted = replicas.find((r) => r.port === port);
        assert.ok(promoted, `the sentinels still name ${addr}`);
      }, 30000);
      const other = replicas.find((r) => r !== promoted)!;

      // The promoted server is a primary, its config file rewritten without replicaof.
      assert.match(await ask(promoted!.port, 'ROLE'), /^\*3\r\n\$6\r\nmaster\r\n/);
      // The other replica follows it, in sync.
      await eventually(async () => {
        const info = await ask(other.port, 'INFO', 'replication');
        assert.equal(field(info, 'master_port'), String(promoted!.port));
        assert.equal(field(info, 'master_link_status'), 'up');
      }, 30000);

      // Nothing acknowledged was lost, and the client writes to the new primary.
      for (let i = 0; i < 100; i++) assert.equal(await client.get(`k${i}`), `v${i}`);
      await eventually(async () => assert.equal(await client!.set('after', 'failover'), 'OK'), 20000);
      assert.equal(await ask(promoted!.port, 'GET', 'after'), '$8\r\nfailover\r\n');
      await eventually(async () => assert.equal(await ask(other.port, 'GET', 'after'), '$8\r\nfailover\r\n'));
    });
  });
}
