// client-output-buffer-limit is checked as replies are added, as Redis checks each reply: a client
// that does not read is dropped within one reply of its limit, not after a whole read's replies.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer } from '../../src/embed.js';

describe('output buffer limits', () => {
  for (const [name, settings, limit] of [
    ['the normal class hard limit', { 'client-output-buffer-limit': 'normal 100kb 0 0' }, 100 * 1024],
    ['the 1 KB allowed before AUTH', { requirepass: 'secret' }, 1024],
  ] as const) {
    it(`drops a client within one reply of ${name}`, async () => {
      const s = await startServer({ ...settings, log: false } as Parameters<typeof startServer>[0]);
      try {
        const server = s.server;
        const seen: number[] = [];
        const warn = server.log.warning.bind(server.log);
        server.log.warning = (m: string) => {
          if (m.includes('overcoming of output buffer limits')) {
            for (const c of server.clients.values()) if (c.socket) seen.push(c.pendingOutput);
          }
          warn(m);
        };
        const value = 'v'.repeat(1000);
        if (!('requirepass' in settings)) {
          const setup = await (await import('../helpers/resp.js')).RawConnection.open({ port: s.port, host: '127.0.0.1' });
          assert.equal(await setup.call('SET', 'k', value), '+OK\r\n');
          setup.close();
        }
        const sock = connect({ port: s.port, host: '127.0.0.1' });
        sock.on('error', () => {});
        await new Promise<void>((r) => sock.once('connect', () => r()));
        sock.pause();
        const closed = new Promise<void>((r) => sock.once('close', () => r()));
        // 3,000 requests in one write: about 3 MB of replies (or NOAUTH errors) from a few reads.
        sock.write('GET k\r\n'.repeat(3000));
        for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        sock.destroy();
        await closed;
        assert.equal(seen.length, 1, 'dropped once');
        const reply = 'requirepass' in settings ? 40 : value.length + 10;
        // Pending output when dropped: at most the 16 KB static buffer, the limit and one reply.
        assert.ok(seen[0] <= 16 * 1024 + limit + reply, `dropped with ${seen[0]} bytes pending`);
      } finally {
        await s.close();
      }
    });
  }
});
