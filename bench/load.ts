// A small load generator for what redis-benchmark cannot send: a request made of several commands
// (MULTI, 10 SETs, EXEC), or connections that run set-up commands first (CLIENT TRACKING ON
// REDIRECT …). Run by bench/run.ts as a child process (pinned to the benchmark's CPU):
//
//   echo '{"port":6379,"clients":50,"pipeline":1,"requests":100000,
//          "setup":[["CLIENT","TRACKING","ON"]],"request":[["GET","key:__rand__"]],
//          "keyspace":10000,"readAll":true}' | node dist/bench/load.js
//
// (The options come on standard input: a set-up command may be longer than an argument may be.)
// Each connection runs its set-up commands (and with readAll, an MGET of every key of the
// keyspace, so a tracking client caches them all), then sends `pipeline` requests at a time and waits
// for all their replies (each command of a request answers once; RESP3 pushes are not replies),
// until `requests` requests have been answered over all connections. `__rand__` in an argument
// becomes a random key number below `keyspace`, zero-padded as redis-benchmark's __rand_int__.
// Prints one JSON line: {"rps": requests per second, "ms": elapsed, "errors": error replies}.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

interface LoadOptions {
  port: number;
  host?: string;
  clients: number;
  pipeline: number;
  requests: number;
  setup?: string[][];
  request: string[][];
  keyspace?: number;
  /** After the set-up commands, read every key of the keyspace once (MGET). */
  readAll?: boolean;
}

/** A key of the keyspace as __rand__ spells it (zero-padded as redis-benchmark's __rand_int__). */
function keyNumber(n: number): string {
  return String(n).padStart(12, '0');
}

function encode(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + Buffer.byteLength(a, 'latin1') + '\r\n' + a + '\r\n';
  return s;
}

/**
 * Counts complete top-level replies in a RESP stream without building them: a byte scanner with
 * the counts of the aggregates still open. Push messages (`>`) are skipped, not counted.
 */
export class ReplyCounter {
  replies = 0;
  errors = 0;
  /** Items still expected in each open aggregate, innermost last. */
  private open: number[] = [];
  /** The current top-level element is a push. */
  private push = false;
  /** Payload bytes (and CRLF) of a bulk string still to skip. */
  private skip = 0;
  /** Inside a header or simple line: its type byte (0: at the start of an element). */
  private type = 0;
  private num = 0;
  private neg = false;

  feed(buf: Buffer, n: number): void {
    let i = 0;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        if (this.skip === 0) this.done();
        continue;
      }
      const b = buf[i++];
      if (this.type === 0) {
        this.type = b;
        this.num = 0;
        this.neg = false;
        if (this.open.length === 0) this.push = b === 62; // '>'
        continue;
      }
      if (b === 13) continue;
      if (b !== 10) {
        if (b === 45) this.neg = true;
        else if (b >= 48 && b <= 57) this.num = this.num * 10 + (b - 48);
        continue;
      }
      // End of a line: what it was depends on its type.
      const type = this.type;
      const count = this.neg ? -this.num : this.num;
      this.type = 0;
      if (type === 36 || type === 61 || type === 33) {
        // $ = ! : a payload follows (unless null)
        if (count >= 0) this.skip = count + 2;
        else this.done();
      } else if (type === 42 || type === 62 || type === 126 || type === 37 || type === 124) {
        // * > ~ % | : an aggregate (maps and attributes count pairs)
        const items = type === 37 || type === 124 ? count * 2 : count;
        if (items > 0) this.open.push(items);
        else this.done();
      } else {
        if (type === 45 && this.open.length === 0) this.errors++;
        this.done();
      }
    }
  }

  /** An element is complete: close the aggregates it completes; count a finished top-level reply. */
  private done(): void {
    const open = this.open;
    while (open.length !== 0) {
      if (--open[open.length - 1] !== 0) return;
      open.pop();
    }
    if (!this.push) this.replies++;
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function main(): Promise<void> {
  const opts = JSON.parse(await readStdin()) as LoadOptions;
  const keyspace = opts.keyspace ?? 100_000;
  const perRequest = opts.request.length;
  // A pool of pre-encoded requests with random keys, cycled through.
  const pool: Buffer[] = [];
  for (let i = 0; i < 4096; i++) {
    let s = '';
    for (const argv of opts.request) {
      s += encode(argv.map((a) => a.replace(/__rand__/g, () => keyNumber(Math.floor(Math.random() * keyspace)))));
    }
    pool.push(Buffer.from(s, 'latin1'));
  }
  let poolAt = 0;
  const batch = (): Buffer => {
    const parts: Buffer[] = [];
    for (let i = 0; i < opts.pipeline; i++) {
      parts.push(pool[poolAt]);
      poolAt = (poolAt + 1) & 4095;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  };
  const setupCommands = [...(opts.setup ?? [])];
  if (opts.readAll) setupCommands.push(['MGET', ...Array.from({ length: keyspace }, (_, i) => `key:${keyNumber(i)}`)]);
  const setup = setupCommands.map(encode).join('');
  const setupReplies = setupCommands.length;

  let started = 0; // requests sent
  let answered = 0;
  let errors = 0;
  let ready = 0;
  let t0 = 0;
  const sockets: Socket[] = [];
  const finished = new Promise<number>((resolve) => {
    const start = (): void => {
      t0 = performance.now();
      for (const s of sockets) next(s);
    };
    const next = (s: Socket): void => {
      if (started >= opts.requests) return;
      started += opts.pipeline;
      s.write(batch());
    };
    for (let i = 0; i < opts.clients; i++) {
      const counter = new ReplyCounter();
      let expected = setupReplies;
      let inSetup = true;
      const buffer = Buffer.allocUnsafe(64 * 1024);
      const s = connect({
        port: opts.port,
        host: opts.host ?? '127.0.0.1',
        noDelay: true,
        onread: {
          buffer,
          callback: (n: number): boolean => {
            counter.feed(buffer, n);
            if (counter.replies < expected) return true;
            counter.replies -= expected;
            if (inSetup) {
              inSetup = false;
              if (counter.errors !== 0) {
                process.stderr.write('set-up command failed\n');
                process.exit(1);
              }
              expected = opts.pipeline * perRequest;
              if (++ready === opts.clients) start();
              return true;
            }
            answered += opts.pipeline;
            if (answered >= opts.requests) resolve(performance.now());
            else next(s);
            return true;
          },
        },
      });
      s.on('error', (e) => {
        process.stderr.write(`connection error: ${e.message}\n`);
        process.exit(1);
      });
      s.on('connect', () => {
        if (setupReplies === 0) {
          inSetup = false;
          expected = opts.pipeline * perRequest;
          if (++ready === opts.clients) start();
        } else s.write(setup);
      });
      sockets.push(s);
      // Errors of the measured commands are counted (an error reply is still a reply).
      Object.defineProperty(s, 'benchErrors', { get: () => counter.errors });
    }
  });
  const t1 = await finished;
  for (const s of sockets) errors += (s as unknown as { benchErrors: number }).benchErrors;
  const ms = t1 - t0;
  process.stdout.write(JSON.stringify({ rps: (answered * 1000) / ms, ms, errors }) + '\n');
  for (const s of sockets) s.destroy();
}

if (process.argv[1]?.endsWith('load.js')) {
  main().catch((e: unknown) => {
    process.stderr.write(`load: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
