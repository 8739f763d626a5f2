// Holds idle connections open to a server for bench/idle.ts: opens COUNT connections to PORT (a
// few hundred connects at a time, within the server's listen backlog), has each answer one PING
// (so the server has made a client of every one), prints "ready <count>" and then keeps them,
// idle, until it is killed or its stdin closes.
//
//   node dist/bench/idle-clients.js PORT COUNT

import { connect, type Socket } from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
/** Connections opening at once. */
const WAVE = 200;

function openOne(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.once('error', reject);
    s.once('connect', () => s.write('PING\r\n'));
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      if (!buf.includes('\r\n')) return;
      s.off('data', onData);
      if (buf.startsWith('+PONG')) resolve(s);
      else reject(new Error(`connection ${count}: ${buf.trim()}`));
    };
    s.on('data', onData);
  });
}

async function main(): Promise<void> {
  const sockets: Socket[] = [];
  while (sockets.length < count) {
    const wave = Array.from({ length: Math.min(WAVE, count - sockets.length) }, openOne);
    sockets.push(...(await Promise.all(wave)));
  }
  for (const s of sockets) s.on('close', () => {
    process.stderr.write('idle-clients: the server closed a connection\n');
    process.exit(1);
  });
  process.stdout.write(`ready ${sockets.length}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stderr.write(`idle-clients: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
