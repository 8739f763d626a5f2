// What the memory, start-up and idle-connection benchmarks share: servers started fresh on a free
// port, pinned to CPU 0 (helpers and redis-benchmark take CPU 1), their own process id (from INFO,
// not the taskset or shell wrapper's), RSS from /proc, pipelined loading, redis-benchmark runs,
// and the tables printed to the terminal and written as markdown into bench/RESULTS.md.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection, bulkText, encodeCommand } from '../test/helpers/resp.js';
import { freePort } from '../test/helpers/oracle.js';

export { freePort };

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
export const REDIS_BENCHMARK = process.env.REDIS_BENCHMARK ?? 'redis-benchmark';
export const NODIS_CLI = fileURLToPath(new URL('../src/bin.cjs', import.meta.url));

export type ServerKind = 'redis' | 'nodis';
export const SERVER_KINDS: readonly ServerKind[] = ['redis', 'nodis'];

export function positiveInt(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`${name} must be a positive integer\n`);
    process.exit(2);
  }
  return v;
}

/** An on/off switch from the environment: "0", "no", "false" and "" are off. */
export function enabled(name: string, fallback: boolean): boolean {
  const v = process.env[name];
  if (v === undefined) return fallback;
  return !['0', 'no', 'false', 'off', ''].includes(v.trim().toLowerCase());
}

export const useTaskset = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** cmd pinned to a CPU when taskset is there (taskset execs it: the pid stays the command's). */
export function pinned(cpu: number, cmd: string, args: readonly string[]): [string, string[]] {
  return useTaskset ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, [...args]];
}

/** The command line of a server of this kind (port, bind and dir first, then args). */
export function serverCommand(kind: ServerKind, port: number, dir: string, args: readonly string[]): [string, string[]] {
  const all = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args];
  return kind === 'nodis' ? [process.execPath, [NODIS_CLI, ...all]] : [REDIS_SERVER, all];
}

const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * Spawns cmd pinned to cpu; with openFiles, through `bash -c 'ulimit -n N && exec …'` (exec: no
 * shell stays between us and the process).
 */
export function spawnPinned(cpu: number, cmd: string, args: readonly string[], openFiles?: number): ChildProcess {
  const [c, a] = pinned(cpu, cmd, args);
  if (openFiles === undefined) return spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'] });
  const line = `ulimit -n ${openFiles} && exec ${[c, ...a].map(quote).join(' ')}`;
  return spawn('bash', ['-c', line], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface RunningServer {
  kind: ServerKind;
  proc: ChildProcess;
  port: number;
  dir: string;
  /** The server's own process id (INFO's process_id). */
  pid: number;
}

/** Resolves once the server at port answers +PONG (connect/PING every few ms). */
export async function waitPong(port: number, proc: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode} before it was ready: ${stderr.trim()}`);
    if (await pingOnce(port, 1000)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer PING on port ${port}`);
    await sleep(5);
  }
}

/** Connects, sends PING, and resolves true on +PONG (false on an error reply, refusal or timeout). */
export function pingOnce(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let buf = '';
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a server of this kind in a fresh directory (or dir) and resolves once it answers PING. */
export async function startServer(
  kind: ServerKind,
  args: readonly string[],
  opts: { dir?: string; openFiles?: number; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `nodis-bench-${kind}-`));
  const [cmd, a] = serverCommand(kind, port, dir, args);
  const proc = spawnPinned(0, cmd, a, opts.openFiles);
  live.add(proc);
  try {
    await waitPong(port, proc, kind, opts.timeoutMs);
  } catch (e) {
    await kill(proc);
    throw e;
  }
  const pid = await serverPid(port);
  return { kind, proc, port, dir, pid };
}

/** INFO server's process_id: the server's own pid, whatever wrapped it. */
export async function serverPid(port: number): Promise<number> {
  const info = await infoField(port, 'server', 'process_id');
  const pid = Number(info);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process_id in INFO on port ${port}`);
  return pid;
}

/** One INFO field (as text), or undefined. */
export async function infoField(port: number, section: string, field: string): Promise<string | undefined> {
  const c = await RawConnection.open({ port });
  try {
    const text = bulkText(await c.call('INFO', section));
    const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
    return m ? m[1].trim() : undefined;
  } finally {
    c.close();
  }
}

/** Sends one command and returns its raw reply. */
export async function call(port: number, ...argv: string[]): Promise<string> {
  const c = await RawConnection.open({ port });
  try {
    return (await c.call(...argv)) ?? '';
  } finally {
    c.close();
  }
}

const live = new Set<ChildProcess>();

export function kill(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    live.delete(proc);
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

/** Stops the server and removes its directory. */
export async function stopServer(s: RunningServer): Promise<void> {
  await kill(s.proc);
  rmSync(s.dir, { recursive: true, force: true });
}

/** Kills every process started here (on SIGINT, or a failure). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map(kill));
}

/** Tracks a helper process so killAll stops it too. */
export function track(proc: ChildProcess): ChildProcess {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

/** VmRSS of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** The process's command name (/proc/<pid>/comm): a check that the pid is the server's. */
export function processName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
}

/**
 * Sends count commands, made by make(i), through one connection in batches of `batch` commands
 * per write, with at most `window` batches unanswered (so neither side buffers the whole load);
 * every reply must be one line (+OK, :n). Resolves with the seconds it took; rejects on an error reply.
 */
export function pipelined(port: number, count: number, make: (i: number) => string[], opts: { batch?: number; window?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 1000;
  const window = opts.window ?? 8;
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const start = process.hrtime.bigint();
    let sent = 0;
    let answered = 0;
    let tail = '';
    const sendMore = (): void => {
      while (sent < count && sent - answered < batch * window) {
        const end = Math.min(count, sent + batch);
        let out = '';
        for (let i = sent; i < end; i++) out += encodeCommand(make(i));
        s.write(out, 'latin1');
        sent = end;
      }
    };
    s.setEncoding('latin1');
    s.once('error', reject);
    s.on('data', (d: string) => {
      const text = tail + d;
      let at = 0;
      for (let nl = text.indexOf('\r\n', at); nl >= 0; nl = text.indexOf('\r\n', at)) {
        if (text[at] === '-') {
          s.destroy();
          reject(new Error(text.slice(at, nl)));
          return;
        }
        at = nl + 2;
        answered++;
      }
      tail = text.slice(at);
      if (answered === count) {
        s.destroy();
        resolve(Number(process.hrtime.bigint() - start) / 1e9);
      } else {
        sendMore();
      }
    });
    s.once('connect', sendMore);
    if (count === 0) resolve(0);
  });
}

export interface Sample {
  /** redis-benchmark's test name, e.g. "SET" or "MSET (10 keys)". */
  test: string;
  rps: number;
  /** Latency percentiles (ms) as redis-benchmark 7 reports them in its CSV; NaN when absent. */
  p50: number;
  p99: number;
}

/**
 * Parses redis-benchmark --csv output: "test","rps","avg_latency_ms","min_latency_ms",
 * "p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms" (7.0; older versions
 * print only the first two columns, and the latencies are then NaN).
 */
export function parseCsv(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const cells = line.trim().split(',').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 2 || cells[0] === 'test' || !/^[\d.]+$/.test(cells[1])) continue;
    const num = (i: number): number => (cells.length > i && cells[i] !== '' ? Number(cells[i]) : NaN);
    out.push({ test: cells[0], rps: Number(cells[1]), p50: num(4), p99: num(6) });
  }
  return out;
}

/** Runs redis-benchmark on CPU 1 with these options and test arguments (-t … or a command). */
export function redisBenchmark(port: number, opts: { clients: number; requests: number; pipeline: number }, what: readonly string[]): Promise<{ samples: Sample[]; error?: string }> {
  const [cmd, args] = pinned(1, REDIS_BENCHMARK, [
    '-h', '127.0.0.1', '-p', String(port), '-c', String(opts.clients), '-n', String(opts.requests),
    '-P', String(opts.pipeline), '-q', '--csv', ...what,
  ]);
  return new Promise((resolve) => {
    const proc = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('exit', () => {
      const samples = parseCsv(stdout);
      const all = (stdout + '\n' + stderr).split('\n');
      const err = all.find((l) => l.startsWith('Error from server') || l.startsWith('Error:'));
      resolve({ samples, error: samples.length === 0 ? (err ?? (stderr.trim() || 'no output')) : err });
    });
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** An integer with thousands separators. */
export function fmt(n: number | undefined): string {
  return n === undefined || Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
}

export function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** A table: the first column left-aligned, the others right-aligned. */
export interface Table {
  head: string[];
  rows: string[][];
}

export function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n') + '\n';
}

export function markdownTable(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const line = (cells: string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  const align = t.head.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [line(t.head), `|${align.join('|')}|`, ...t.rows.map(line)].join('\n') + '\n';
}

/** One part of the results: printed as text, written as markdown. */
export interface Section {
  title: string;
  /** What was run, for both outputs (one paragraph). */
  intro: string;
  tables: Array<{ caption?: string; table: Table }>;
  /** Free text after the tables (notes, the zset-scale output). */
  notes: string[];
  /** Preformatted output, shown as is (a code block in markdown). */
  verbatim?: string;
}

export function sectionText(s: Section): string {
  let out = `\n== ${s.title} ==\n${s.intro}\n`;
  for (const t of s.tables) out += `\n${t.caption ? `${t.caption}\n` : ''}${textTable(t.table)}`;
  if (s.verbatim) out += `\n${s.verbatim}`;
  if (s.notes.length) out += `\n${s.notes.join('\n')}\n`;
  return out;
}

export function sectionMarkdown(s: Section): string {
  let out = `## ${s.title}\n\n${s.intro}\n`;
  for (const t of s.tables) out += `\n${t.caption ? `${t.caption}\n\n` : ''}${markdownTable(t.table)}`;
  if (s.verbatim) out += `\n\`\`\`\n${s.verbatim.trimEnd()}\n\`\`\`\n`;
  if (s.notes.length) out += `\n${s.notes.join('\n\n')}\n`;
  return out;
}

/** True when this module file is the one node was started with (a benchmark run alone). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}

/** Runs a benchmark alone: prints its section, kills what it started on failure or ^C. */
export function runAlone(run: () => Promise<Section>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void killAll().then(() => process.exit(130)));
  run()
    .then((s) => process.stdout.write(sectionText(s)))
    .catch(async (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      await killAll();
      process.exit(1);
    });
}
