// Container health check: `node dist/src/healthcheck.js [port] [host]` exits 0 when a nodis (or
// Redis) server answers PING on host:port (127.0.0.1:6379 by default), 1 otherwise. NOAUTH counts
// as an answer: a server that asks for a password is up. It needs no shell and no redis-cli, so
// it works in a distroless image.

import { connect } from 'node:net';

const port = Number(process.argv[2] ?? 6379);
const host = process.argv[3] ?? '127.0.0.1';

const socket = connect({ port, host });
socket.setTimeout(3000);
let reply = '';
socket.on('connect', () => socket.write('PING\r\n'));
socket.on('data', (chunk: Buffer) => {
  reply += chunk.toString('latin1');
  if (!reply.includes('\r\n')) return;
  socket.destroy();
  process.exit(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH') ? 0 : 1);
});
socket.on('timeout', () => process.exit(1));
socket.on('error', () => process.exit(1));
