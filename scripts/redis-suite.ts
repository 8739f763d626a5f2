// Redis's own Tcl test suite as a ratchet: runs every unit against nodis in both of redis-suite's
// modes and compares the results with test/redis-suite/known-failures.txt.
//
//   npm run test:suite                                  both modes, every unit, compare with the list
//   npm run test:suite -- --mode spawn --unit unit/expire   one mode, one unit (repeatable)
//   npm run test:suite -- --update                      rewrite the list from this run
//
// Options:
//   --mode external|spawn|both   which modes (both)
//   --unit UNIT                  run only this unit (repeatable; also runs it when it is listed as
//                                skip); the others keep their groups
//   --update                     write the results to the list instead of failing on differences
//   --no-rerun                   don't run a unit again when it did worse than listed
//   --logs DIR                   keep the logs there (default: a temporary folder, removed unless
//                                some unit differs from the list)
//   --limits FILE/TEST           time limits (seconds) for units that have none in the list
//   --list FILE, --timing FILE   other list files (default: test/redis-suite/*.txt)
//
// Environment: REDIS_SUITE_TOOL (the redis-suite script; else ../shared/tools/redis-suite beside
// the repository, else /work/shared/tools/redis-suite; when none exists this prints one line and
// exits 0), REDIS_SUITE_BASEPORT (7670: the suite uses ports [BASEPORT-32, BASEPORT+20), the
// external-mode server BASEPORT+25...).
//
// External mode: a fresh nodis-server per unit (so one unit's leftovers can't change the next),
// redis-suite HOST PORT with REDIS_SUITE_LENIENT_SETUP=1. Spawn mode: redis-suite --server with a
// wrapper script that execs `node dist/src/bin.cjs "$@"` (the nodis-server command, which runs the
// bundle), so the pid the suite sees is nodis'.
// Each unit runs alone, with its own time limits (a group's limits=, else the defaults below).
// A unit that did worse than listed runs once more before it counts as a regression.
// Exit status: 0 when every unit matches the list (or on --update, or when skipped), 1 otherwise,
// 2 on usage or set-up errors.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compare,
  formatList,
  groupFromResult,
  groupKey,
  normalizeFailure,
  parseList,
  parseTiming,
  type Group,
  type Limits,
  type Mode,
  type UnitResult,
  type Verdict,
} from './redis-suite/list.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO, 'dist', 'src', 'bin.cjs');

/**
 * Time limits for units without limits= in the list, in seconds: the whole unit, and the longest
 * stretch without a test finishing. Real Redis's slowest unit here takes 225 s (spawn mode), its
 * slowest single test about 30 s; units that need features nodis lacks get short limits in the list.
 */
const DEFAULT_LIMITS: Limits = { file: 300, test: 60 };

interface Options {
  modes: Mode[];
  units: string[];
  update: boolean;
  rerun: boolean;
  logs: string | null;
  list: string;
  timing: string;
  limits: Limits;
}

function usage(msg: string): never {
  process.stderr.write(`redis-suite ratchet: ${msg}\n`);
  process.stderr.write(
    'usage: node dist/scripts/redis-suite.js [--mode external|spawn|both] [--unit UNIT]... [--update] ' +
      '[--no-rerun] [--logs DIR] [--limits FILE/TEST] [--list FILE] [--timing FILE]\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    modes: ['external', 'spawn'],
    units: [],
    update: false,
    rerun: true,
    logs: null,
    list: join(REPO, 'test', 'redis-suite', 'known-failures.txt'),
    timing: join(REPO, 'test', 'redis-suite', 'timing-sensitive.txt'),
    limits: DEFAULT_LIMITS,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--mode') {
      const m = value();
      if (m === 'both') o.modes = ['external', 'spawn'];
      else if (m === 'external' || m === 'spawn') o.modes = [m];
      else usage(`unknown mode ${m}`);
    } else if (a === '--unit' || a === '--single') o.units.push(value().replace(/^tests\//, '').replace(/\.tcl$/, ''));
    else if (a === '--update') o.update = true;
    else if (a === '--no-rerun') o.rerun = false;
    else if (a === '--logs') o.logs = resolve(value());
    else if (a === '--list') o.list = resolve(value());
    else if (a === '--timing') o.timing = resolve(value());
    else if (a === '--limits') {
      const m = /^(\d+)\/(\d+)$/.exec(value());
      if (!m) usage('--limits takes FILE/TEST seconds, e.g. 120/30');
      o.limits = { file: Number(m[1]), test: Number(m[2]) };
    }
    else if (a === '--help' || a === '-h') usage('help');
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The redis-suite script, or null. */
function findTool(): string | null {
  const candidates = [
    process.env.REDIS_SUITE_TOOL,
    join(REPO, '..', 'shared', 'tools', 'redis-suite'),
    '/work/shared/tools/redis-suite',
  ];
  for (const c of candidates) if (c && isExecutable(c)) return resolve(c);
  return null;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The suite's units in its own order (runtest --list-tests, in a scratch copy: it writes tests/tmp). */
function listUnits(tool: string): string[] {
  const src = join(dirname(tool), '..', 'redis-tests');
  const scratch = mkdtempSync(join(tmpdir(), 'nodis-suite-list-'));
  try {
    cpSync(src, scratch, { recursive: true });
    const tclsh = ['tclsh8.6', 'tclsh8.7', 'tclsh8.5', 'tclsh'].find(which) ?? 'tclsh';
    const r = spawnSync(tclsh, ['tests/test_helper.tcl', '--list-tests'], { cwd: scratch, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`runtest --list-tests failed: ${r.stderr}`);
    return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function freePort(from: number, to: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const attempt = (port: number): void => {
      if (port > to) {
        reject(new Error(`no free port in ${from}-${to}`));
        return;
      }
      const srv = createServer();
      srv.once('error', () => attempt(port + 1));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolvePort(port)));
    };
    attempt(from);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    const finish = (ok: boolean): void => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(1000, () => finish(false));
    s.once('error', () => finish(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (b) => finish(b[0] === 0x2b /* + */ || b[0] === 0x2d /* - */));
  });
}

/** A nodis-server for one unit of external mode, logging to a file. */
class ExternalServer {
  private child: ChildProcess | null = null;
  exitedEarly: number | string | null = null;

  constructor(
    readonly port: number,
    readonly logFile: string,
  ) {}

  async start(): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    // As Redis's CI starts its external server: defaults, no persistence, loopback only.
    this.child = spawn(
      process.execPath,
      [CLI, '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    this.child.once('exit', (code, signal) => {
      if (this.child) this.exitedEarly = code ?? signal;
    });
    const deadline = Date.now() + 15000;
    while (!(await answersPing(this.port))) {
      if (this.exitedEarly !== null || Date.now() > deadline) {
        throw new Error(`nodis-server did not start on port ${this.port}; see ${this.logFile}`);
      }
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs redis-suite on one unit and reads back its result. */
async function runUnit(
  tool: string,
  mode: Mode,
  unit: string,
  limits: Limits,
  logDir: string,
  wrapper: string,
  basePort: number,
): Promise<UnitResult> {
  mkdirSync(logDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_SUITE_LOGDIR: logDir,
    REDIS_SUITE_BASEPORT: String(basePort),
    REDIS_SUITE_FILE_TIMEOUT: String(limits.file),
    REDIS_SUITE_TEST_TIMEOUT: String(limits.test),
  };
  delete env.REDIS_SUITE_UNITS;
  delete env.REDIS_SUITE_PROFILE;
  let server: ExternalServer | null = null;
  let args: string[];
  if (mode === 'external') {
    const port = await freePort(basePort + 25, basePort + 60);
    server = new ExternalServer(port, join(logDir, 'nodis-server.log'));
    await server.start();
    env.REDIS_SUITE_LENIENT_SETUP = '1';
    args = ['127.0.0.1', String(port), '--single', unit];
  } else {
    args = ['--server', wrapper, '--single', unit];
  }
  const out = openSync(join(logDir, 'redis-suite.out'), 'w');
  const child = spawn(tool, args, { env, stdio: ['ignore', out, out] });
  closeSync(out);
  await new Promise<void>((r) => child.once('exit', () => r()));
  let serverExit: number | string | null = null;
  if (server) {
    serverExit = server.exitedEarly;
    await server.stop();
  }
  return readResult(mode, unit, logDir, serverExit);
}

function readResult(mode: Mode, unit: string, logDir: string, serverExit: number | string | null): UnitResult {
  const summaryFile = join(logDir, 'summary.txt');
  const summary = existsSync(summaryFile) ? readFileSync(summaryFile, 'latin1') : '';
  const m = new RegExp(`^RESULT ${unit.replace(/[/.-]/g, '\\$&')} (.*)$`, 'm').exec(summary);
  const fields = new Map<string, string>();
  for (const kv of (m?.[1] ?? '').split(' ')) {
    const eq = kv.indexOf('=');
    if (eq > 0) fields.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const failuresFile = join(logDir, 'failures.txt');
  const prefix = `${unit}: `;
  const failures = (existsSync(failuresFile) ? readFileSync(failuresFile, 'latin1') : '')
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => normalizeFailure(l.slice(prefix.length)));
  if (!m) failures.push('[RUNNER]: redis-suite printed no RESULT line for the unit');
  if (serverExit !== null) failures.push(`[SERVER-EXIT]: nodis-server exited during the unit (${serverExit})`);
  const unitLog = join(logDir, `${unit.replace(/\//g, '_')}.log`);
  const okNames: string[] = [];
  if (existsSync(unitLog)) {
    for (const line of readFileSync(unitLog, 'latin1').split('\n')) {
      const ok = /^\[ok\]: (.*?)(?: \(\d+ ms\))?$/.exec(line);
      if (ok) okNames.push(ok[1]);
    }
  }
  return {
    mode,
    unit,
    status: fields.get('status') ?? 'crashed',
    ok: Number(fields.get('ok') ?? 0),
    failed: Number(fields.get('failed') ?? 0),
    unrun: Number(fields.get('unrun') ?? 0),
    secs: Number(fields.get('secs') ?? 0),
    failures: failures.sort(),
    okNames,
  };
}

function fmtSecs(s: number): string {
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const tool = findTool();
  if (!tool) {
    process.stdout.write(
      "redis-suite ratchet: skipped, Redis's test suite tool not found (set REDIS_SUITE_TOOL, or put it in ../shared/tools/redis-suite)\n",
    );
    return;
  }
  if (!['tclsh8.6', 'tclsh8.7', 'tclsh8.5', 'tclsh'].some(which)) {
    process.stdout.write('redis-suite ratchet: skipped, tclsh not found (apt-get install -y tcl)\n');
    return;
  }
  if (!existsSync(CLI)) usage(`${CLI} not found: run npm run build first`);
  const basePort = Number(process.env.REDIS_SUITE_BASEPORT ?? 7670);
  if (!Number.isInteger(basePort) || basePort < 1100 || basePort > 55000) usage(`bad REDIS_SUITE_BASEPORT ${basePort}`);

  const listText = existsSync(opts.list) ? readFileSync(opts.list, 'utf8') : '';
  const groups = parseList(listText, opts.list);
  const timing = parseTiming(existsSync(opts.timing) ? readFileSync(opts.timing, 'utf8') : '');
  const allUnits = listUnits(tool);
  for (const u of opts.units) if (!allUnits.includes(u)) usage(`unknown unit ${u}`);
  const units = opts.units.length ? allUnits.filter((u) => opts.units.includes(u)) : allUnits;

  const logRoot = opts.logs ?? mkdtempSync(join(tmpdir(), 'nodis-redis-suite-'));
  mkdirSync(logRoot, { recursive: true });
  // The suite execs its server as `src/redis-server CONFIG [--opt val ...]`; exec keeps the pid.
  const wrapper = join(logRoot, 'nodis-server');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });

  process.stdout.write(
    `redis-suite ratchet: ${opts.modes.join(' + ')} mode, ${units.length} units, list ${opts.list}, logs in ${logRoot}\n`,
  );
  const problems: string[] = [];
  const notes: string[] = [];
  const results: UnitResult[] = [];
  const usedLimits = new Map<string, Limits>();
  const totals: Record<string, { units: number; ok: number; failed: number; secs: number; skipped: number }> = {};
  const t0 = Date.now();

  for (const mode of opts.modes) {
    const tm = Date.now();
    const tot = (totals[mode] = { units: 0, ok: 0, failed: 0, secs: 0, skipped: 0 });
    for (const [i, unit] of units.entries()) {
      const expected = groups.get(groupKey(mode, unit));
      const tag = `[${mode} ${i + 1}/${units.length}] ${unit}`;
      // A skipped unit runs only when named with --unit (to see whether it can be listed again).
      if (expected?.status === 'skip' && !opts.units.includes(unit)) {
        tot.skipped++;
        process.stdout.write(`${tag}: skipped (${expected.reason})\n`);
        continue;
      }
      const limits = expected?.limits ?? opts.limits;
      const verbose = !opts.update; // on --update, the diff of the list shows the details
      const dir = join(logRoot, mode, unit.replace(/\//g, '_'));
      let r = await runUnit(tool, mode, unit, limits, dir, wrapper, basePort);
      let v: Verdict = compare(r, expected, timing);
      let line = `${tag}: ${r.ok} passed, ${r.failed} failed, ${r.status} (${r.secs}s)`;
      if (!v.same && v.worse && opts.rerun && expected?.status !== 'skip') {
        // Once more before calling it a regression: a loaded machine can fail a test once.
        process.stdout.write(`${line}, worse than listed (${v.notes.length} differences); running it again\n`);
        const first = v;
        r = await runUnit(tool, mode, unit, limits, `${dir}.rerun`, wrapper, basePort);
        v = compare(r, expected, timing);
        line = `${tag} (again): ${r.ok} passed, ${r.failed} failed, ${r.status} (${r.secs}s)`;
        if (v.same) notes.push(`${mode} ${unit}: did worse once, as listed the second time (${first.notes.join('; ')})`);
      }
      results.push(r);
      usedLimits.set(groupKey(mode, unit), limits);
      tot.units++;
      tot.ok += r.ok;
      tot.failed += r.failed;
      if (v.same) {
        process.stdout.write(`${line}${expected && expected.status !== 'pass' ? ', as listed' : ''}\n`);
      } else {
        process.stdout.write(`${line}, ${v.worse ? 'WORSE' : 'BETTER'} than listed (${v.notes.length} differences)\n`);
        const shown = verbose ? 12 : 0;
        for (const n of v.notes.slice(0, shown)) process.stdout.write(`    ${n}\n`);
        if (verbose && v.notes.length > shown) process.stdout.write(`    ... and ${v.notes.length - shown} more\n`);
        const kind = v.worse ? 'regression' : 'list out of date';
        const more = v.notes.length > 3 ? `; and ${v.notes.length - 3} more` : '';
        problems.push(`${mode} ${unit}: ${kind}: ${v.notes.slice(0, 3).join('; ')}${more} (logs: ${dir})`);
      }
    }
    tot.secs = (Date.now() - tm) / 1000;
  }

  process.stdout.write('\n');
  for (const mode of opts.modes) {
    const t = totals[mode];
    process.stdout.write(
      `redis-suite ratchet: ${mode}: ${t.units} units run${t.skipped ? `, ${t.skipped} skipped` : ''}, ` +
        `${t.ok} tests passed, ${t.failed} failed, ${fmtSecs(t.secs)}\n`,
    );
  }
  // Logs in a folder of our own are kept only when something needs looking at.
  const keepLogs = opts.logs !== null || (problems.length > 0 && !opts.update);
  if (!keepLogs) rmSync(logRoot, { recursive: true, force: true });
  process.stdout.write(
    `redis-suite ratchet: total ${fmtSecs((Date.now() - t0) / 1000)}${keepLogs ? `; logs in ${logRoot}` : ''}\n`,
  );
  for (const n of notes) process.stdout.write(`note: ${n}\n`);

  if (opts.update) {
    for (const r of results) {
      const key = groupKey(r.mode, r.unit);
      const g = groupFromResult(r, groups.get(key), timing);
      // Limits given with --limits are recorded, so the next run uses what this one did.
      const used = usedLimits.get(key);
      if (!g.limits && used && (used.file !== DEFAULT_LIMITS.file || used.test !== DEFAULT_LIMITS.test)) g.limits = used;
      groups.set(key, g);
    }
    writeFileSync(opts.list, formatList(groups.values(), allUnits));
    const todo = [...groups.values()].filter((g) => g.reason === 'TODO').length;
    process.stdout.write(
      `redis-suite ratchet: wrote ${opts.list}${todo ? ` (${todo} groups with "reason: TODO" to fill in)` : ''}\n`,
    );
    return;
  }
  if (problems.length) {
    process.stdout.write(`\nredis-suite ratchet: FAILED, ${problems.length} units differ from ${opts.list}:\n`);
    for (const p of problems) process.stdout.write(`  ${p}\n`);
    process.stdout.write(
      'Fix the regression, or when tests now pass (or fail for a known reason), run `npm run test:suite -- --update` and review the diff.\n',
    );
    process.exitCode = 1;
  } else {
    process.stdout.write('redis-suite ratchet: every unit as listed\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`redis-suite ratchet: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
