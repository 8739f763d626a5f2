// The receiving side of the pub/sub, MONITOR and tracking benchmarks, run by bench/run.ts as a
// child process (pinned to the benchmark's CPU). It reads everything its connections receive and
// throws it away, counting bytes:
//
//   node dist/bench/sink.js subscribe PORT N CHANNEL MESSAGE_BYTES
//       N connections SUBSCRIBE to CHANNEL; prints "ready" once all are subscribed. A line
//       "wait TOTAL" on stdin is answered with "done COUNT SECONDS" once TOTAL messages have
//       arrived over all connections (or 30 s passed): COUNT messages, SECONDS between the first
//       and the last byte of them.
//   node dist/bench/sink.js monitor PORT
//       one connection in MONITOR mode; prints "ready".
//   node dist/bench/sink.js invalidations PORT
//       one connection subscribed to __redis__:invalidate (a REDIRECT target for tracking
//       clients); prints "ready ID" with its client id.

import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';

const [mode, portArg, ...rest] = process.argv.slice(2);
const port = Number(portArg);

/** Opens a connection whose reads land in one shared buffer; onBytes gets each read's size. */
function open(onBytes: (n: number, buf: Buffer) => void): Promise<Socket> {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  return new Promise((resolve, reject) => {
    const s = connect({
      port,
      host: '127.0.0.1',
      noDelay: true,
      onread: {
        buffer,
        callback: (n: number): boolean => {
          onBytes(n, buffer);
          return true;
        },
      },
    });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

async function subscribe(n: number, channel: string, messageBytes: number): Promise<void> {
  const confirmation = '*3\r\n' + bulk('subscribe') + bulk(channel) + ':1\r\n';
  const frame = '*3\r\n' + bulk('message') + bulk(channel) + '$' + messageBytes + '\r\n' + 'x'.repeat(messageBytes) + '\r\n';
  let bytes = -n * confirmation.length;
  let first = 0;
  let last = 0;
  let confirmed = 0;
  let waiting: { total: number; resolve: () => void } | null = null;
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    let mine = 0;
    const s = await open((got) => {
      // Until its confirmation is in, a connection's bytes are the confirmation's.
      if (mine < confirmation.length) {
        mine += got;
        if (mine >= confirmation.length) {
          confirmed++;
          if (confirmed === n) process.stdout.write('ready\n');
        }
      }
      const now = performance.now();
      if (bytes <= 0 && bytes + got > 0) first = now;
      bytes += got;
      last = now;
      if (waiting !== null && bytes >= waiting.total * frame.length) waiting.resolve();
    });
    s.write(`SUBSCRIBE ${channel}\r\n`);
    sockets.push(s);
  }
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, arg] = line.split(' ');
    if (cmd !== 'wait') continue;
    const total = Number(arg);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      waiting = {
        total,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      if (bytes >= total * frame.length) waiting.resolve();
    });
    waiting = null;
    const count = Math.floor(Math.max(0, bytes) / frame.length);
    process.stdout.write(`done ${count} ${(last - first) / 1000}\n`);
    bytes = 0;
    first = 0;
  }
  for (const s of sockets) s.destroy();
}

async function monitor(): Promise<void> {
  let seen = 0;
  const s = await open((n) => {
    if (seen === 0) process.stdout.write('ready\n');
    seen += n;
  });
  s.write('MONITOR\r\n');
}

async function invalidations(): Promise<void> {
  let text = '';
  let id = '';
  const s = await open((n, buf) => {
    if (id !== '') return;
    text += buf.toString('latin1', 0, n);
    const m = /^:(\d+)\r\n/.exec(text);
    if (m && text.includes('subscribe')) {
      id = m[1];
      process.stdout.write(`ready ${id}\n`);
    }
  });
  s.write('CLIENT ID\r\nSUBSCRIBE __redis__:invalidate\r\n');
}

const run =
  mode === 'subscribe'
    ? subscribe(Number(rest[0]), rest[1], Number(rest[2]))
    : mode === 'monitor'
      ? monitor()
      : mode === 'invalidations'
        ? invalidations()
        : Promise.reject(new Error(`unknown mode ${mode}`));
run.catch((e: unknown) => {
  process.stderr.write(`sink: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
