// Differential fuzzer of the request path, bytes in and bytes out: random and mutated RESP
// multibulk and inline requests go, split into several writes, to a nodis-server and a real
// redis-server (both child processes on unix sockets, same limits), each on a fresh connection.
// Everything each sends back until it closes the connection or goes quiet must be the same bytes,
// and both must close (or not) alike. After every case both must still answer PING on a new
// connection and ECHO on a "bystander" connection opened before the case; nodis must not crash,
// hang or log an internal error.
//
//   FUZZ_SEED=123 replays a run (a failure prints its seed); FUZZ_RUNS=5000 runs longer.
//   FUZZ_SHRINK_MS bounds the time spent shrinking a failure (default 30 s); FUZZ_DEBUG=1 prints
//   the cases retried after a socket error.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { differentialSuite } from '../helpers/differential.js';
import { encodeCommand, replyLength } from '../helpers/resp.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const SHRINK_MS = Number(process.env.FUZZ_SHRINK_MS ?? 30_000);

/**
 * proto-max-bulk-len on both servers: Redis's minimum, so that lengths on either side of the
 * limit are cheap to send (at the default 512 MB both servers would reserve the announced size).
 */
const MAX_BULK = 1024 * 1024;
/** PROTO_INLINE_MAX_SIZE: the longest line (inline request, *count, $len) either waits for. */
const INLINE_MAX = 64 * 1024;
/**
 * A line longer than INLINE_MAX fails with "too big ..." only if a read ends before its
 * terminator arrives; Redis's reads grow with its query buffer (up to about 128 KB here, and up
 * to 1 MB right after a big argument), so between INLINE_MAX and this length Redis promises
 * nothing. The generators keep deliberate long lines outside that range.
 */
const CERTAINLY_TOO_BIG = 300_000;

const CLI = fileURLToPath(new URL('../../src/nodis-server.js', import.meta.url));

// ---------------------------------------------------------------------------------------------
// The two servers, as child processes: a crash is an exit, a hang is a PING that times out.

class ServerProcess {
  proc!: ChildProcess;
  log = '';
  exited: string | null = null;
  readonly socketPath: string;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly command: string[],
  ) {
    this.socketPath = join(dir, `${name}.sock`);
  }

  async start(): Promise<void> {
    this.exited = null;
    const args = [
      ...this.command.slice(1),
      '--port', '0', '--unixsocket', this.socketPath, '--save', '', '--appendonly', 'no', '--dir', this.dir,
      '--daemonize', 'no', '--loglevel', 'warning', '--proto-max-bulk-len', String(MAX_BULK),
    ];
    this.proc = spawn(this.command[0], args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const grab = (d: Buffer): void => {
      this.log += d.toString('latin1');
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
    };
    this.proc.stdout!.on('data', grab);
    this.proc.stderr!.on('data', grab);
    this.proc.once('exit', (code, signal) => {
      this.exited = `exited with ${signal ?? code}`;
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const c = await Probe.open(this.socketPath);
        const r = await c.call(['PING'], 2000);
        c.destroy();
        if (r === '+PONG\r\n') return;
      } catch {
        // not listening yet
      }
      if (this.exited || Date.now() > deadline) throw new Error(`${this.name} did not start (${this.exited ?? 'timeout'}): ${this.log.slice(-2000)}`);
      await sleep(30);
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await done;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  open(): Promise<Probe> {
    return Probe.open(this.socketPath);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A raw connection that records every byte received, whether the server closed, and socket errors. */
class Probe {
  private chunks: Buffer[] = [];
  size = 0;
  closed = false;
  /** A socket error: EPIPE on a write after the server closed, or ECONNRESET. */
  errored = false;
  /** Bumped on every event, so a waiter can tell that something happened. */
  version = 0;
  /** Writes not completed yet (see write). */
  private writing: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    // Node destroys a socket whose write fails (EPIPE once the server has closed), and with it
    // whatever the server sent before closing that was not read yet: a protocol error's reply
    // would go missing at random. With autoDestroy off, a failed write only emits 'error', and
    // reading goes on to the end of the stream.
    const states = socket as unknown as { _readableState: { autoDestroy: boolean; errored: Error | null }; _writableState: { autoDestroy: boolean } };
    states._readableState.autoDestroy = false;
    states._writableState.autoDestroy = false;
    const end = (): void => {
      this.closed = true;
      this.version++;
      for (const f of this.writing.splice(0)) f();
    };
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.size += d.length;
      this.version++;
    });
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.errored = true;
      // A failed write also marks the readable side failed, which stops delivering what is still
      // to be read (the reply to the request that made the server close): undo that.
      if (e.syscall === 'write') states._readableState.errored = null;
      // A failed read (ECONNRESET: the server closed with bytes of ours unread) ends the stream.
      if (e.syscall !== 'write') end();
      for (const f of this.writing.splice(0)) f();
    });
  }

  static open(path: string): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new Probe(s));
      });
      s.once('error', reject);
    });
  }

  /** Writes b; resolves once it is handed to the kernel (or failed, or was not sent: the stream ended). */
  write(b: Buffer): Promise<void> {
    if (this.closed || this.errored || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      // A write queued behind a failed one never completes: the stream's end resolves it too.
      this.writing.push(resolve);
      this.socket.write(b, () => resolve());
    });
  }

  text(): string {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks.length ? this.chunks[0].toString('latin1') : '';
  }

  /** Sends one command and waits for one complete reply (null: closed or timed out). */
  async call(argv: string[], timeoutMs: number): Promise<string | null> {
    const from = this.size;
    void this.write(Buffer.from(encodeCommand(argv), 'latin1'));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.size > from) {
        const t = this.text().slice(from);
        const n = replyLength(t);
        if (n >= 0) return t.slice(0, n);
      }
      if (this.closed) return null;
      await sleep(2);
    }
    return null;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Cases: a list of segments (each a piece of a request stream), byte mutations over the whole,
// and the splits into writes.

/** One piece of the stream; clean: well-formed, and no line in it is of a length Redis promises nothing about. */
interface Segment {
  bytes: string;
  clean: boolean;
  label: string;
}

const SMALL_VALUES = [
  '', 'v', 'hallo', '0', '1', '-1', '10', '9223372036854775807', '9223372036854775808', '1.5', ' ', '\0', 'a\0b', '\r\n', '\r', '\n',
  '"', "'", '\\', '\\x41', 'a b', '"a b"', '*1', '$3', '-ERR', '+OK', '\xff\xfe', 'PING\r\n',
];
const BIG_SIZES = [1000, 16383, 16384, 16385, 32767, 32768, 32769, 65000, 65536, 65537, 100_000, MAX_BULK - 1, MAX_BULK];
const KEYS = ['k', 'n', 'a', '', 'k\0', 'x y'];

const bytesArb = (max: number): fc.Arbitrary<string> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a).toString('latin1'));
const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: bytesArb(6) });
const smallValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SMALL_VALUES) }, { weight: 2, arbitrary: bytesArb(12) }, { weight: 1, arbitrary: fc.integer().map(String) });
const bigValue = fc.tuple(fc.constantFrom(...BIG_SIZES), fc.constantFrom('x', 'ab', '\0', ' ')).map(([n, fill]) => fill.repeat(Math.ceil(n / fill.length)).slice(0, n));
const value = fc.oneof({ weight: 30, arbitrary: smallValue }, { weight: 1, arbitrary: bigValue });

function anyCase(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(name) },
    { weight: 1, arbitrary: fc.constant(name.toLowerCase()) },
    { weight: 1, arbitrary: fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join('')) },
  );
}

/** A command from the small vocabulary: mostly valid calls, some with the wrong number of arguments. */
const argvArb: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(anyCase('PING'), fc.array(value, { maxLength: 1 })).map(([c, a]) => [c, ...a]) },
  { weight: 3, arbitrary: fc.tuple(anyCase('ECHO'), value).map(([c, v]) => [c, v]) },
  { weight: 4, arbitrary: fc.tuple(anyCase('SET'), key, value).map(([c, k, v]) => [c, k, v]) },
  { weight: 3, arbitrary: fc.tuple(anyCase('GET'), key).map(([c, k]) => [c, k]) },
  { weight: 2, arbitrary: fc.tuple(anyCase('MGET'), fc.array(key, { minLength: 1, maxLength: 4 })).map(([c, ks]) => [c, ...ks]) },
  { weight: 2, arbitrary: fc.tuple(anyCase('DEL'), fc.array(key, { minLength: 1, maxLength: 3 })).map(([c, ks]) => [c, ...ks]) },
  { weight: 2, arbitrary: fc.tuple(anyCase('INCR'), key).map(([c, k]) => [c, k]) },
  { weight: 2, arbitrary: fc.tuple(anyCase('APPEND'), key, value).map(([c, k, v]) => [c, k, v]) },
  { weight: 2, arbitrary: fc.tuple(anyCase('STRLEN'), key).map(([c, k]) => [c, k]) },
  // Wrong arity, unknown names, and the two commands that change how the connection goes on.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('GET', 'SET', 'ECHO', 'INCR', 'STRLEN', 'nosuch', 'GETX', 'ping\0x'), fc.array(smallValue, { maxLength: 4 })).map(([c, a]) => [c, ...a]) },
  { weight: 1, arbitrary: fc.constant<string[]>(['QUIT']) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ON', 'OFF', 'SKIP'), fc.constantFrom('CLIENT', 'client')).map(([m, c]) => [c, 'REPLY', m]) },
);

/** Interesting texts for a '*' count or a '$' length that is not the true one. */
const BAD_NUMBERS = [
  '0', '-1', '-2', '+1', '01', '00', '-0', ' 1', '1 ', '', 'x', '1x', '1.0', '1e2', '0x1', '\t1', '1\0',
  '2147483647', '2147483648', '4294967296', '9223372036854775807', '9223372036854775808', '-9223372036854775808',
  '-9223372036854775809', '18446744073709551616', '99999999999999999999', '123456789012345678901',
  String(MAX_BULK), String(MAX_BULK + 1), String(512 * 1024 * 1024), String(512 * 1024 * 1024 + 1),
];
const HEADER_ENDS = ['\r\n', '\r\n', '\r\n', '\r\n', '\n', '\r', '\rx', '\r\r\n', '\r\0', ' \r\n'];
const PAYLOAD_ENDS = ['\r\n', '\r\n', '\r\n', '\r\n', '\n', '', 'xx', '\r', '\n\r', '\0\0'];

/** How a number in a header is changed: kept, off by one, or replaced by an awkward text. */
const numberEdit = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | number | null>(null) },
  { weight: 2, arbitrary: fc.constantFrom<string | number | null>(-1, 1) },
  { weight: 2, arbitrary: fc.constantFrom<string | number | null>(...BAD_NUMBERS) },
);
const editNumber = (n: number, e: string | number | null): string => (e === null ? String(n) : typeof e === 'number' ? String(n + e) : e);

interface ArgEncoding {
  len: string | number | null;
  marker: string | null;
  headerEnd: string;
  payloadEnd: string;
}
const argEncoding: fc.Arbitrary<ArgEncoding> = fc.record({
  len: numberEdit,
  marker: fc.oneof({ weight: 25, arbitrary: fc.constant<string | null>(null) }, { weight: 1, arbitrary: fc.constantFrom<string | null>('*', ':', '+', '-', '', ' ', 'x', '\0', '$$') }),
  headerEnd: fc.oneof({ weight: 20, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom(...HEADER_ENDS) }),
  payloadEnd: fc.oneof({ weight: 20, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom(...PAYLOAD_ENDS) }),
});

/** A RESP multibulk request, sometimes with a wrong count, a wrong length, a wrong marker or terminator. */
const malformedMultibulk: fc.Arbitrary<Segment> = fc
  .tuple(argvArb, numberEdit, fc.oneof({ weight: 20, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom(...HEADER_ENDS) }), fc.array(argEncoding, { minLength: 6, maxLength: 6 }))
  .map(([argv, countEdit, countEnd, encs]) => {
    let s = `*${editNumber(argv.length, countEdit)}${countEnd}`;
    let clean = countEdit === null && countEnd === '\r\n';
    argv.forEach((a, i) => {
      const e = encs[i % encs.length];
      s += `${e.marker ?? '$'}${editNumber(a.length, e.len)}${e.headerEnd}${a}${e.payloadEnd}`;
      clean &&= e.marker === null && e.len === null && e.headerEnd === '\r\n' && e.payloadEnd === '\r\n';
    });
    return { bytes: s, clean, label: clean ? 'multibulk' : 'multibulk (malformed)' };
  });
const multibulk: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 3, arbitrary: argvArb.map((argv) => ({ bytes: encodeCommand(argv), clean: true, label: 'multibulk' })) },
  { weight: 1, arbitrary: malformedMultibulk },
);

/** An argument written for an inline request: bare, "double-quoted" with escapes, or 'single-quoted'. */
function quoteInline(a: string, style: number): string {
  if (style === 0 && a !== '' && !/[\s"'\0]/.test(a)) return a;
  if (style === 2 && !a.includes('\0')) return `'${a.replace(/'/g, "\\'")}'`;
  let out = '"';
  for (const ch of a) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 32 || c > 126) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

const INLINE_DEFECTS = ['', '', '', '', '', '', '"', "'", '"a"b', "'a'b", '\\', '"\\', '\0', '"\\x4"', '"\\xZZ"', 'a"b c"', '\t', '\v', '\f'];

/** An inline request: quoted arguments, odd separators and terminators, sometimes unbalanced quotes or a NUL. */
const inline: fc.Arbitrary<Segment> = fc
  .tuple(
    argvArb,
    fc.array(fc.nat(2), { minLength: 6, maxLength: 6 }),
    fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t '),
    fc.constantFrom('\r\n', '\r\n', '\n', '\n', '\r', '', ' \r\n'),
    fc.constantFrom(...INLINE_DEFECTS),
    fc.boolean(),
  )
  .map(([argv, styles, sep, end, defect, before]) => {
    const words = argv.map((a, i) => quoteInline(a, styles[i % styles.length]));
    if (defect) words.splice(before ? 0 : words.length, 0, defect);
    let line = words.join(sep);
    // A line between INLINE_MAX and CERTAINLY_TOO_BIG bytes may or may not be "too big" for
    // Redis (its read sizes decide): pad it past the range, so the outcome is certain.
    if (line.length > INLINE_MAX - 16 && line.length < CERTAINLY_TOO_BIG) line = line.padEnd(CERTAINLY_TOO_BIG + 10, ' ');
    const clean = defect === '' && (end === '\r\n' || end === '\n');
    return { bytes: line + end, clean, label: clean ? 'inline' : 'inline (odd)' };
  });

/**
 * A line of a given length before its terminator, near the 64 KB limit: an inline request, a
 * "*count" or a "$len" line. Lengths up to INLINE_MAX never fail, from CERTAINLY_TOO_BIG on they
 * always do ("too big ..."); lengths between are left out (see CERTAINLY_TOO_BIG).
 */
const longLine: fc.Arbitrary<Segment> = fc
  .tuple(fc.constantFrom('inline', 'count', 'bulklen', 'inline-nul'), fc.constantFrom(1000, INLINE_MAX - 100, INLINE_MAX - 2, INLINE_MAX - 1, INLINE_MAX, CERTAINLY_TOO_BIG, CERTAINLY_TOO_BIG + 50_000), fc.boolean())
  .map(([kind, n, terminated]) => {
    let s: string;
    switch (kind) {
      case 'inline': s = ('ECHO ' + 'a'.repeat(n)).slice(0, n - 1) + '\r' + (terminated ? '\n' : ''); break;
      case 'inline-nul': s = ('PING \0' + 'b'.repeat(n)).slice(0, n) + (terminated ? '\r\n' : ''); break;
      case 'count': s = ('*1' + ' '.repeat(n)).slice(0, n) + (terminated ? '\r\n$4\r\nPING\r\n' : ''); break;
      default: s = '*2\r\n$4\r\nECHO\r\n' + ('$1' + ' '.repeat(n)).slice(0, n) + (terminated ? '\r\nx\r\n' : '');
    }
    return { bytes: s, clean: true, label: `long ${kind} line of ${n}` };
  });

/** Many small commands in one go (a pipeline), multibulk or inline. */
const pipeline: fc.Arbitrary<Segment> = fc
  .tuple(fc.constantFrom(['PING'], ['INCR', 'n'], ['GET', 'n'], ['ECHO', 'e'], ['SET', 'p', 'v'], ['MGET', 'a', 'n', 'p']), fc.integer({ min: 2, max: 3000 }), fc.boolean())
  .map(([argv, n, inl]) => ({ bytes: (inl ? argv.join(' ') + '\r\n' : encodeCommand(argv)).repeat(n), clean: true, label: `pipeline of ${n}` }));

const TOKENS = ['*', '$', '\r', '\n', '\r\n', '\0', '1', '3', '-', '-1', '"', "'", '\\', ' ', 'x', 'PING', '*1\r\n', '$4\r\n', 'ECHO'];
/** Bytes with no structure, or from the protocol's own alphabet. */
const raw: fc.Arbitrary<Segment> = fc
  .oneof(bytesArb(20), fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }).map((t) => t.join('')))
  .map((bytes) => ({ bytes, clean: false, label: 'raw' }));

const BLANK = ['\r\n', '\n', ' \r\n', '*0\r\n', '*-1\r\n', '\t\n'];
const blank: fc.Arbitrary<Segment> = fc.constantFrom(...BLANK).map((bytes) => ({ bytes, clean: true, label: 'blank' }));

const segment: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 10, arbitrary: multibulk },
  { weight: 5, arbitrary: inline },
  { weight: 1, arbitrary: longLine },
  { weight: 1, arbitrary: pipeline },
  { weight: 1, arbitrary: raw },
  { weight: 1, arbitrary: blank },
);

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKENS), bytesArb(4)) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(s: string, muts: Mutation[]): string {
  for (const m of muts) {
    const at = s.length === 0 ? 0 : m.at % (s.length + (m.kind === 'insert' ? 1 : 0));
    switch (m.kind) {
      case 'flip':
        if (s.length) s = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ m.mask) + s.slice(at + 1);
        break;
      case 'insert': s = s.slice(0, at) + m.text + s.slice(at); break;
      case 'delete': s = s.slice(0, at) + s.slice(at + m.len); break;
      case 'duplicate': s = s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at); break;
    }
  }
  return s;
}

/** Where the byte stream is cut into writes, and how long to wait after each piece (ms). */
const split = fc.array(fc.tuple(fc.nat(), fc.constantFrom(0, 0, 0, 1, 3, 10)), { maxLength: 8 });

interface Case {
  segments: Segment[];
  mutations: Mutation[];
  splits: Array<[number, number]>;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  segments: fc.array(segment, { minLength: 1, maxLength: 6 }),
  mutations: fc.oneof({ weight: 3, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
  splits: split,
});

/** The bytes a case sends, and the pieces they go in (end offset, delay after). */
function render(c: Case): { data: string; pieces: Array<[number, number]> } {
  const data = mutate(c.segments.map((s) => s.bytes).join(''), c.mutations);
  const cuts = new Map<number, number>();
  for (const [at, delay] of c.splits) if (data.length > 1) cuts.set(1 + (at % (data.length - 1)), delay);
  const pieces = [...cuts].sort((a, b) => a[0] - b[0]);
  pieces.push([data.length, 0]);
  return { data, pieces };
}

/**
 * The longest stretch a line search could cover: from any byte to the next '\n' (inline) or '\r'
 * (multibulk lines) that a search stopping at NUL (strchr) would see, or to the end.
 */
function longestLine(data: string): number {
  let longest = 0;
  for (const term of ['\n', '\r']) {
    let start = 0;
    let nul = false;
    for (let i = 0; i <= data.length; i++) {
      const ch = data[i];
      if (i === data.length || ch === term) {
        longest = Math.max(longest, nul || i === data.length ? data.length - start : i - start);
        start = i + 1;
        nul = false;
      } else if (ch === '\0') {
        nul = true;
      }
    }
  }
  return longest;
}

// ---------------------------------------------------------------------------------------------
// Running a case

interface Outcome {
  out: string;
  closed: boolean;
  errored: boolean;
}

/** How long both sides must stay quiet, with the same output, for a case to be over. */
const QUIET_MS = 40;
/** How long to wait for the slower side when the outputs still differ. */
const CATCH_UP_MS = 1500;
/** The largest single write (see exchange). */
const WRITE_CHUNK = 64 * 1024;

async function exchange(servers: ServerProcess[], data: string, pieces: Array<[number, number]>): Promise<Outcome[]> {
  const conns = await Promise.all(servers.map((s) => s.open()));
  try {
    const buf = Buffer.from(data, 'latin1');
    let from = 0;
    // A write after a server closed fails with EPIPE, and Node then stops delivering what was
    // received but not yet read: so bytes go in writes of at most WRITE_CHUNK (one big write
    // keeps writing while the server closes), each after the last one's completion and a poll
    // for input, and the servers get time to act on a piece before the next. The rare race left
    // is retried (see the property).
    for (const [end, delay] of pieces) {
      for (; from < end; from = Math.min(end, from + WRITE_CHUNK)) {
        await Promise.all(conns.map((c) => c.write(buf.subarray(from, Math.min(end, from + WRITE_CHUNK)))));
        await new Promise((r) => setImmediate(r));
      }
      if (end < buf.length) await sleep(Math.max(1, delay));
    }
    const start = Date.now();
    let seen = conns.map((c) => c.version).join();
    let since = Date.now();
    for (;;) {
      await sleep(5);
      const now = conns.map((c) => c.version).join();
      if (now !== seen) {
        seen = now;
        since = Date.now();
      }
      if (conns.every((c) => c.closed)) break;
      const same = conns[0].size === conns[1].size && conns[0].closed === conns[1].closed && conns[0].text() === conns[1].text();
      const quiet = Date.now() - since;
      if (same && quiet >= QUIET_MS) break;
      if (quiet >= CATCH_UP_MS || Date.now() - start > 20_000) break;
    }
    return conns.map((c) => ({ out: c.text(), closed: c.closed, errored: c.errored }));
  } finally {
    for (const c of conns) c.destroy();
  }
}

/** A short, readable form of bytes for a failure message. */
function show(s: string, max = 400): string {
  return s.length <= max ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, max / 2))} … (${s.length} bytes) … ${JSON.stringify(s.slice(-max / 2))}`;
}

/**
 * Differences that are known nodis bugs: each returns the name of the difference when the case
 * and the two outputs have its shape, so the fuzz skips exactly those. (nodis's output first.)
 * None now: the two found first (when Redis closes after QUIT or a protocol error under CLIENT
 * REPLY OFF/SKIP, and an empty request using up a SKIP) are fixed.
 */
const KNOWN_DIFFERENCES: Array<(data: string, nodis: Outcome, redis: Outcome) => string | null> = [];

/**
 * Whether a difference may come from Redis's read sizes alone: a line longer than INLINE_MAX can
 * be seen whole or reported "too big" depending on where a read ends (see CERTAINLY_TOO_BIG).
 */
function readSizeDependent(data: string, clean: boolean, a: Outcome, b: Outcome): boolean {
  const line = longestLine(data);
  if (line <= INLINE_MAX || (clean && line >= CERTAINLY_TOO_BIG)) return false;
  return /Protocol error: too big/.test(a.out + b.out);
}

describe('differential fuzzer: the request path (bytes in, bytes out)', differentialSuite(), () => {
  let dir = '';
  let servers: ServerProcess[] = [];
  const stats = { cases: 0, bytes: 0, closed: 0, known: new Map<string, number>(), readSize: 0, retried: 0 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodis-reqfuzz-'));
    servers = [new ServerProcess('nodis', dir, [process.execPath, CLI]), new ServerProcess('redis', dir, ['redis-server'])];
    await Promise.all(servers.map((s) => s.start()));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Both servers alive and answering, on a new connection and on the bystander; restarts a dead one. */
  async function health(bystanders: Probe[]): Promise<string[]> {
    const problems: string[] = [];
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i];
      const by = await bystanders[i].call(['ECHO', 'bystander'], 3000);
      if (by !== '$9\r\nbystander\r\n') problems.push(`${s.name}: the bystander connection got ${show(by ?? 'nothing')}`);
      let pong: string | null = null;
      try {
        const c = await s.open();
        pong = await c.call(['PING'], 3000);
        c.destroy();
      } catch (e) {
        pong = `connect failed: ${(e as Error).message}`;
      }
      if (pong !== '+PONG\r\n') problems.push(`${s.name}: PING on a new connection got ${show(pong ?? 'nothing (timeout)')}${s.exited ? `; the server ${s.exited}` : ''}`);
      const internal = s.log.match(/Error in '[^\n]*(\n\s+at [^\n]*)*/);
      if (internal) problems.push(`${s.name} logged an internal error: ${internal[0].slice(0, 2000)}`);
      if (problems.length && (s.exited || pong !== '+PONG\r\n')) problems.push(`${s.name} log: ${s.log.slice(-3000)}`);
    }
    return problems;
  }

  it('answers random and mutated request bytes like Redis, and stays up', async () => {
    let failedAt = 0;
    const property = fc.asyncProperty(caseArb, async (c) => {
      // Shrinking is bounded in time: past the budget every candidate passes, which ends it.
      if (failedAt && Date.now() - failedAt > SHRINK_MS) return;
      const { data, pieces } = render(c);
      const clean = c.mutations.length === 0 && c.segments.every((s) => s.clean);
      const bystanders = await Promise.all(servers.map((s) => s.open()));
      try {
        for (const b of bystanders) assert.equal(await b.call(['FLUSHALL'], 5000), '+OK\r\n', 'FLUSHALL before the case');
        let outcomes: Outcome[] = [];
        for (let attempt = 0; attempt < 3; attempt++) {
          outcomes = await exchange(servers, data, pieces);
          const [n, r] = outcomes;
          // A socket error may have dropped received bytes (see exchange): try the case again.
          if ((n.out !== r.out || n.closed !== r.closed) && (n.errored || r.errored) && attempt < 2) {
            stats.retried++;
            if (process.env.FUZZ_DEBUG) console.log('retry', show(data, 300), JSON.stringify(pieces), n.closed, show(n.out), r.closed, show(r.out));
            for (const b of bystanders) await b.call(['FLUSHALL'], 5000);
            continue;
          }
          break;
        }
        const [n, r] = outcomes;
        stats.cases++;
        stats.bytes += data.length;
        if (r.closed) stats.closed++;
        if (n.out !== r.out || n.closed !== r.closed) {
          const known = KNOWN_DIFFERENCES.map((f) => f(data, n, r)).find((x) => x !== null);
          if (known) stats.known.set(known, (stats.known.get(known) ?? 0) + 1);
          else if (readSizeDependent(data, clean, n, r)) stats.readSize++;
          else {
            failedAt ||= Date.now();
            assert.fail(
              `the servers answered differently\n  sent ${show(data, 1000)}\n  in pieces ending at ${JSON.stringify(pieces)}\n  segments ${c.segments.map((s) => s.label).join(', ')}; mutations ${JSON.stringify(c.mutations)}\n` +
                `  nodis ${n.closed ? 'closed' : 'kept open'}: ${show(n.out, 1000)}\n  redis ${r.closed ? 'closed' : 'kept open'}: ${show(r.out, 1000)}`,
            );
          }
        }
        const problems = await health(bystanders);
        if (problems.length) {
          failedAt ||= Date.now();
          for (const s of servers) if (s.exited || problems.some((p) => p.startsWith(`${s.name}: PING`))) await s.restart();
          for (const s of servers) s.log = '';
          assert.fail(`after sending ${show(data, 1000)} (pieces ${JSON.stringify(pieces)}):\n  ${problems.join('\n  ')}`);
        }
      } finally {
        for (const b of bystanders) b.destroy();
      }
    });
    const started = Date.now();
    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS });
    } catch (e) {
      const err = e as Error;
      const cause = err.cause instanceof Error ? `\n${err.cause.message}` : '';
      err.message = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} reproduces this run\n${err.message}${cause}`;
      throw err;
    }
    const known = [...stats.known].map(([k, v]) => `${k}: ${v}`).join('; ');
    console.log(
      `request fuzz: ${stats.cases} cases, ${stats.bytes} bytes, ${stats.closed} closed by Redis, ${stats.readSize} read-size dependent, ` +
        `${stats.retried} retried, known differences ${known || 'none'}; ${((Date.now() - started) / 1000).toFixed(1)} s (FUZZ_SEED=${SEED})`,
    );
  });
});
