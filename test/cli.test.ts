// nodis-server: command line, config files, start-up and shutdown, fatal config errors (compared
// with redis-server's own output), CONFIG REWRITE of the file the server was started with.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection } from './helpers/resp.js';
import { Pair, differentialSuite } from './helpers/differential.js';
import { freePort } from './helpers/oracle.js';
import { parseCommandLine } from '../src/cli.js';
import { NODIS_VERSION } from '../src/commands/server.js';

const CLI = fileURLToPath(new URL('../src/nodis-server.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'nodis-cli-test-')));
  dirs.push(d);
  return d;
}

/** A running process with its output so far. */
class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    children.add(child);
    child.stdout?.on('data', (b: Buffer) => (this.stdout += b.toString('latin1')));
    child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString('latin1')));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        children.delete(child);
        resolve(code);
      });
    });
  }

  /** Waits until the output (from offset `from` on) contains text, or the process ends. */
  async waitFor(text: string, ms = 10000, from = 0): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.stdout.indexOf(text, from) < 0) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${JSON.stringify(text)} in output: ${this.stdout}${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function start(cmd: string, args: string[], opts: { cwd?: string; stdin?: string } = {}): Proc {
  // A directory of its own by default: a server with save points saves there when it stops.
  const child = spawn(cmd, args, { cwd: opts.cwd ?? tempDir(), stdio: ['pipe', 'pipe', 'pipe'] });
  // A process that exits at once (a bad flag) may close its stdin before we write: that is fine.
  child.stdin!.on('error', () => {});
  child.stdin!.end(opts.stdin ?? '');
  return new Proc(child);
}

function startNodis(args: string[], opts: { cwd?: string; stdin?: string } = {}): Proc {
  return start(process.execPath, [CLI, ...args], opts);
}

/** Runs a command that is expected to end by itself (killed after a timeout). */
async function run(cmd: string, args: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<Result> {
  const p = start(cmd, args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout, stderr: p.stderr };
}

function runNodis(args: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<Result> {
  return run(process.execPath, [CLI, ...args], opts);
}

const PRODUCT = `nodis ${NODIS_VERSION}`;

function fatal(line: number | null, text: string, reason: string): string {
  let s = `\n*** FATAL CONFIG FILE ERROR (${PRODUCT}) ***\n`;
  if (line !== null) s += `Reading the configuration file, at line ${line}\n>>> '${text}'\n`;
  return `${s}${reason}\n`;
}

describe('command line parsing', () => {
  it('builds config lines from options like redis-server', () => {
    assert.deepEqual(parseCommandLine([]), { configFile: null, fromStdin: false, options: '' });
    assert.deepEqual(parseCommandLine(['/etc/x.conf', '--port', '7000']), {
      configFile: '/etc/x.conf',
      fromStdin: false,
      options: 'port "7000" ',
    });
    assert.equal(parseCommandLine(['--save', '900', '1', '300', '10']).options, 'save "900" "1" "300" "10" ');
    assert.equal(parseCommandLine(['--save', '--port', '1']).options, 'save ""\nport "1" ');
    assert.equal(parseCommandLine(['--port', '1', '--save']).options, 'port "1" \nsave ""');
    assert.equal(parseCommandLine(['--save', '']).options, 'save "" ');
    assert.equal(parseCommandLine(['--requirepass', '--weird']).options, 'requirepass "--weird" ');
    assert.equal(parseCommandLine(['--port 7000', '--hz', '5']).options, 'port 7000 \nhz "5" ');
    assert.equal(parseCommandLine(['--bind', 'a b"c']).options, 'bind "a b\\"c" ');
    assert.deepEqual(parseCommandLine(['-', '--port', '1']), { configFile: null, fromStdin: true, options: 'port "1" ' });
    assert.deepEqual(parseCommandLine(['x.conf', '--port', '1', '-']), {
      configFile: 'x.conf',
      fromStdin: true,
      options: 'port "1" ',
    });
  });
});

describe('nodis-server', () => {
  it('prints its version and usage', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runNodis([flag]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Redis server v=7\.2\.4 sha=00000000:0 malloc=libc bits=64 build=[0-9a-f]{16} nodis=\d+\.\d+\.\d+\S*\n$/);
    }
    const h = await runNodis(['--help']);
    assert.equal(h.code, 1);
    assert.ok(h.stderr.startsWith('Usage: nodis-server [/path/to/nodis.conf] [options] [-]\n'), h.stderr);
  });

  it('serves with a config file, includes, quoting, units and command-line options; exits 0 on SIGTERM', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(
      join(dir, 'nodis.conf'),
      [
        '# a test config',
        `port ${port}`,
        'bind 127.0.0.1',
        'include extra.conf',
        'maxmemory 1mb',
        'requirepass "pa ss\\x21"',
        "masterauth 'it\\'s'",
        'save ""',
        'HASH-MAX-ZIPLIST-ENTRIES 100',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'extra.conf'), "hz 20\nmaxmemory-policy 'allkeys-lru'\n");
    const p = startNodis(['nodis.conf', '--maxmemory', '2MB', '--save', '900', '1', '300', '10', '--loglevel', 'verbose'], {
      cwd: dir,
    });
    await p.waitFor('Ready to accept connections tcp');
    const c = await RawConnection.open({ port });
    try {
      assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
      assert.equal(await c.call('AUTH', 'pa ss!'), '+OK\r\n');
      const get = async (name: string): Promise<string | null> => c.call('CONFIG', 'GET', name);
      const pair = (k: string, v: string): string => `*2\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
      assert.equal(await get('maxmemory'), pair('maxmemory', '2097152'));
      assert.equal(await get('save'), pair('save', '900 1 300 10'));
      assert.equal(await get('hz'), pair('hz', '20'));
      assert.equal(await get('maxmemory-policy'), pair('maxmemory-policy', 'allkeys-lru'));
      assert.equal(await get('hash-max-listpack-entries'), pair('hash-max-listpack-entries', '100'));
      assert.equal(await get('masterauth'), pair('masterauth', "it's"));
      assert.equal(await get('loglevel'), pair('loglevel', 'verbose'));
      assert.equal(await get('dir'), pair('dir', dir));
      const info = (await c.call('INFO', 'server'))!;
      assert.ok(info.includes(`config_file:${join(dir, 'nodis.conf')}\r\n`), info);
    } finally {
      c.close();
    }
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    for (const line of [
      '# oO0OoO0OoO0Oo nodis is starting oO0OoO0OoO0Oo',
      '# Configuration loaded',
      `* Running mode=standalone, port=${port}.`,
      '# Server initialized',
      '* Ready to accept connections tcp',
      'Received SIGTERM scheduling shutdown...',
      '# User requested shutdown...',
      '# nodis is now ready to exit, bye bye...',
    ]) {
      assert.ok(p.stdout.includes(line), `${line} in ${p.stdout}`);
    }
    assert.match(p.stdout, /^\d+:C \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # oO0O/);
  });

  it('reads config from standard input, exits 0 on SIGINT and on SHUTDOWN', async () => {
    const port = await freePort();
    const p = startNodis(['-', '--bind', '127.0.0.1'], { stdin: `port ${port}\nhz 33\n` });
    await p.waitFor('Ready to accept connections tcp');
    assert.ok(p.stdout.includes('# Reading config from stdin'), p.stdout);
    assert.ok(p.stdout.includes('# Warning: no config file specified'), p.stdout);
    const c = await RawConnection.open({ port });
    assert.equal(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$2\r\n33\r\n');
    assert.equal(await c.call('CONFIG', 'REWRITE'), '-ERR The server is running without a config file\r\n');
    c.close();
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0);
    assert.ok(p.stdout.includes('Received SIGINT scheduling shutdown...'), p.stdout);

    const port2 = await freePort();
    const q = startNodis(['--port', String(port2), '--bind', '127.0.0.1']);
    await q.waitFor('Ready to accept connections tcp');
    const c2 = await RawConnection.open({ port: port2 });
    await c2.call('SHUTDOWN', 'NOSAVE');
    c2.close();
    assert.equal(await q.exited, 0);
  });

  it('listens on a unix socket only with port 0; applies rename-command and logfile', async () => {
    const dir = tempDir();
    const sock = join(dir, 'nodis.sock');
    const log = join(dir, 'nodis.log');
    writeFileSync(join(dir, 'n.conf'), `rename-command ECHO ""\nrename-command get fetch\nlogfile ${log}\n`);
    const p = startNodis([join(dir, 'n.conf'), '--port', '0', '--unixsocket', sock, '--unixsocketperm', '700']);
    const deadline = Date.now() + 10000;
    while (!(existsSync(log) && readFileSync(log, 'latin1').includes('Ready to accept connections unix'))) {
      assert.ok(Date.now() < deadline && p.child.exitCode === null, `not ready: ${p.stdout}${p.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const c = await RawConnection.open({ path: sock });
    try {
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      assert.equal(await c.call('FETCH', 'k'), '$1\r\nv\r\n');
      assert.match((await c.call('GET', 'k'))!, /^-ERR unknown command 'GET'/);
      assert.match((await c.call('echo', 'x'))!, /^-ERR unknown command 'echo'/);
      assert.equal(await c.call('CONFIG', 'GET', 'unixsocketperm'), '*2\r\n$14\r\nunixsocketperm\r\n$3\r\n700\r\n');
    } finally {
      c.close();
    }
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    assert.equal(p.stdout, '');
    assert.ok(!readFileSync(log, 'latin1').includes('Ready to accept connections tcp'));
  });

  it('refuses to start without anywhere to listen, or on a port in use', async () => {
    const r = await runNodis(['--port', '0']);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes('# Configured to not listen anywhere, exiting.'), r.stdout);

    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const r2 = await runNodis(['--port', String(port), '--bind', '127.0.0.1']);
      assert.equal(r2.code, 1);
      assert.ok(
        r2.stdout.includes(`Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use`),
        r2.stdout,
      );
      assert.ok(r2.stdout.includes(`Failed listening on port ${port} (tcp), aborting.`), r2.stdout);
    } finally {
      blocker.close();
    }
  });

  it("starts as Redis's test suite expects: logo with PID and Port, pid file, log lines in order", async () => {
    // tests/support/server.tcl waits for " PID: <pid>" in the log, then for "Ready to accept";
    // on a busy port it looks for "Failed listening on port" (which must come before any logo).
    const dir = tempDir();
    const port = await freePort();
    const pidfile = join(dir, 'nodis.pid');
    writeFileSync(
      join(dir, 'suite.conf'),
      ['always-show-logo yes', 'daemonize no', `pidfile ${pidfile}`, `port ${port}`, 'bind 127.0.0.1',
        "logfile ''", 'loglevel verbose', 'save 900 1', `dir ${dir}`, ''].join('\n'),
    );
    const p = startNodis([join(dir, 'suite.conf')]);
    await p.waitFor('Ready to accept connections');
    const pid = p.child.pid!;
    assert.match(p.stdout, new RegExp(` PID: ${pid}\n`));
    assert.match(p.stdout, new RegExp(` Port: ${port}\n`));
    assert.ok(!p.stdout.includes('Running mode='), p.stdout);
    assert.equal(readFileSync(pidfile, 'latin1'), `${pid}\n`);
    const logo = p.stdout.indexOf(' PID: ');
    assert.ok(p.stdout.indexOf('Configuration loaded') < logo, p.stdout);
    assert.ok(logo < p.stdout.indexOf('# Server initialized'), p.stdout);
    assert.ok(p.stdout.indexOf('# Server initialized') < p.stdout.indexOf('Ready to accept'), p.stdout);

    // A second server on the same port fails before printing its logo.
    const r = await runNodis([join(dir, 'suite.conf')]);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes(`Failed listening on port ${port} (tcp), aborting.`), r.stdout);
    assert.ok(!r.stdout.includes(' PID: '), r.stdout);

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    assert.ok(!existsSync(pidfile));
    assert.match(p.stdout, /\* Removing the pid file\.\n.*# nodis is now ready to exit, bye bye\.\.\.\n$/);

    // SIGABRT is fatal as in Redis: a crash report ("crashed by signal"), then death by the signal.
    const q = startNodis([join(dir, 'suite.conf')]);
    await q.waitFor('Ready to accept connections');
    q.child.kill('SIGABRT');
    assert.equal(await q.exited, null);
    assert.equal(q.child.signalCode, 'SIGABRT');
    assert.match(q.stdout, /=== NODIS BUG REPORT START[^\n]*\n.*# nodis [\d.]+ crashed by signal: 6 \(SIGABRT\)\n/);
    assert.ok(q.stdout.includes('=== NODIS BUG REPORT END.'), q.stdout);
  });

  it('daemonize yes: the command returns at once, leaving a detached server that answers', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pidfile = join(dir, 'nodis.pid');
    const r = await runNodis(['--daemonize', 'yes', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--pidfile', pidfile, '--logfile', join(dir, 'log')]);
    assert.equal(r.code, 0);
    for (let i = 0; i < 500 && !existsSync(pidfile); i++) await new Promise((res) => setTimeout(res, 20));
    const pid = Number(readFileSync(pidfile, 'latin1'));
    try {
      const c = await RawConnection.open({ port });
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.match((await c.call('INFO', 'server')) ?? '', new RegExp(`process_id:${pid}\r\n`));
      c.close();
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('stops with the fatal config report and status 1 on bad files and flags', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.conf'), 'port 7000\nfoo bar\n');
    writeFileSync(join(dir, 'quotes.conf'), '# comment\n  port "7000\n');
    writeFileSync(join(dir, 'inc.conf'), 'hz 5\ninclude bad.conf\n');
    writeFileSync(join(dir, 'rename.conf'), 'rename-command nosuchcmd x\n');
    const cases: Array<[string[], string]> = [
      [['bad.conf'], fatal(2, 'foo bar', 'Bad directive or wrong number of arguments')],
      [['bad.conf', '--port', '1'], fatal(2, 'foo bar', 'Bad directive or wrong number of arguments')],
      [['quotes.conf'], fatal(2, 'port "7000', 'Unbalanced quotes in configuration line')],
      [['inc.conf'], fatal(2, 'foo bar', 'Bad directive or wrong number of arguments')],
      [['rename.conf'], fatal(1, 'rename-command nosuchcmd x', 'No such command in rename-command')],
      [['--foo', 'bar'], fatal(2, 'foo "bar"', 'Bad directive or wrong number of arguments')],
      [['--port', '1', '--hz', 'abc'], fatal(3, 'hz "abc"', "argument couldn't be parsed into an integer")],
      [['--port', '1', '--hz'], fatal(3, 'hz', 'wrong number of arguments')],
      [['--hz', '1', '2'], fatal(2, 'hz "1" "2"', 'wrong number of arguments')],
      [['--save', '10', 'abc'], fatal(2, 'save "10" "abc"', 'Invalid save parameters')],
      [['--maxmemory', '1zb'], fatal(2, 'maxmemory "1zb"', 'argument must be a memory value')],
      [['--loglevel', 'loud'], fatal(2, 'loglevel "loud"', 'argument(s) must be one of the following: debug, verbose, notice, warning')],
      [['--unixsocketperm', '8'], fatal(2, 'unixsocketperm "8"', "argument couldn't be parsed as an octal number")],
      [['--replicaof', '1.2.3.4', 'abc'], fatal(2, 'replicaof "1.2.3.4" "abc"', 'Invalid master port')],
      [['--dir', '/nonexistent-nodis-dir'], fatal(2, 'dir "/nonexistent-nodis-dir"', 'No such file or directory')],
      [['--oom-score-adj-values', 'a b c'], fatal(2, 'oom-score-adj-values "a b c"', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.')],
      [['--logfile', '/nonexistent-nodis-dir/x.log'], fatal(null, '', "Can't open the log file: No such file or directory")],
      [['--cluster-enabled', 'yes', '--replicaof', '1.1.1.1', '5'], fatal(null, '', 'replicaof directive not allowed in cluster mode')],
      [
        ['--user', 'foo', '--user', 'foo'],
        fatal(3, 'user "foo"', "Error in user declaration 'foo': Duplicate user found. A user can only be defined once in config files"),
      ],
    ];
    for (const [args, want] of cases) {
      const r = await runNodis(args, { cwd: dir });
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr, want, args.join(' '));
    }
    const missing = await runNodis([join(dir, 'missing.conf')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, new RegExp(`# Fatal error, can't open config file '${join(dir, 'missing.conf')}': No such file or directory\\n$`));
  });

  it('warns once at start-up about each directive it does not act on yet, and on CONFIG SET', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(join(dir, 'n.conf'), 'user alice on >pw ~* +@all\nloadmodule /nowhere/module.so\n');
    const p = startNodis(
      [
        'n.conf', '--port', String(port), '--bind', '127.0.0.1', '--save', '900', '1',
        '--maxmemory', '10mb', '--maxmemory-policy', 'allkeys-lru', '--replicaof', '127.0.0.1', '1',
        '--min-replicas-to-write', '1', '--tls-port', '7443', '--tls-cert-file', 'x.crt',
        '--syslog-enabled', 'yes', '--supervised', 'systemd', '--oom-score-adj', 'yes', '--maxmemory-clients', '10%',
      ],
      { cwd: dir },
    );
    await p.waitFor('Ready to accept connections tcp');
    const warnings = [
      '# maxmemory 10485760 (maxmemory-policy allkeys-lru): eviction is not implemented yet;',
      '# maxmemory-clients 10%: client eviction is not implemented yet.',
      '# tls-port, tls-cert-file: TLS is not implemented yet;',
      '# user: ACL users are not implemented yet;',
      '# loadmodule: Redis modules cannot be loaded by nodis;',
      '# syslog-enabled yes: logging to syslog is not implemented yet.',
      '# supervised systemd: notifying systemd or upstart is not implemented yet.',
      '# oom-score-adj yes: not implemented yet.',
    ];
    for (const w of warnings) assert.equal(p.stdout.split(w).length, 2, `${w} once in ${p.stdout}`);
    // min-replicas-to-write is enforced (NOREPLICAS) and replicaof followed: no warning.
    assert.ok(!p.stdout.includes('# min-replicas-to-write'), p.stdout);
    assert.ok(!p.stdout.includes('# replicaof'), p.stdout);
    assert.ok(p.stdout.indexOf(warnings[0]) < p.stdout.indexOf('# Server initialized'), p.stdout);
    const c = await RawConnection.open({ port });
    try {
      const before = p.stdout.length;
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '20mb', 'maxmemory-policy', 'allkeys-lfu'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-clients', '0'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-clients', '5%'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'save', ''), '+OK\r\n');
      await p.waitFor('# maxmemory-clients 5%', 5000, before);
      const later = p.stdout.slice(before);
      assert.equal(later.split('# maxmemory 20971520 (maxmemory-policy allkeys-lfu): eviction is not implemented').length, 2, later);
      assert.equal(later.split('# maxmemory-clients 5%: client eviction is not implemented yet.').length, 2, later);
      assert.ok(!later.includes('# save'), later);
    } finally {
      c.close();
    }
    p.child.kill('SIGKILL');
    await p.exited;

    // (replicaof is not allowed in cluster mode, so that one on its own.)
    const r = startNodis(['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes']);
    await r.waitFor('Ready to accept connections tcp');
    r.child.kill('SIGKILL');
    await r.exited;
    assert.ok(r.stdout.includes('# cluster-enabled yes: Redis Cluster is not implemented yet;'), r.stdout);

    // The default configuration (and redis-server's usual flags) warns about nothing.
    const q = startNodis(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await q.waitFor('Ready to accept connections tcp');
    q.child.kill('SIGKILL');
    await q.exited;
    assert.ok(!/not implemented|cannot be loaded/.test(q.stdout), q.stdout);
  });

  it('saves on SHUTDOWN and SIGTERM when save points are set, as redis-server does', async () => {
    const dir = tempDir();
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1'];
    // redis-server's default save points: SHUTDOWN saves, and the next start loads the snapshot.
    const p = startNodis(args, { cwd: dir });
    await p.waitFor('Ready to accept connections tcp');
    let c = await RawConnection.open({ port });
    assert.equal(await c.call('SET', 'k', 'v1'), '+OK\r\n');
    await c.call('SHUTDOWN');
    c.close();
    assert.equal(await p.exited, 0);
    assert.match(p.stdout, /# User requested shutdown\.\.\.\n.*\* Saving the final RDB snapshot before exiting\.\n.*\* DB saved on disk\n/);
    assert.ok(existsSync(join(dir, 'dump.rdb')));

    const q = startNodis([...args, '--save', '60', '1'], { cwd: dir });
    await q.waitFor('Ready to accept connections tcp');
    c = await RawConnection.open({ port });
    assert.equal(await c.call('GET', 'k'), '$2\r\nv1\r\n');
    assert.equal(await c.call('SET', 'k', 'v2'), '+OK\r\n');
    c.close();
    q.child.kill('SIGTERM');
    assert.equal(await q.exited, 0);
    assert.ok(q.stdout.includes('* Saving the final RDB snapshot before exiting.'), q.stdout);

    // No save points: nothing is saved unless SHUTDOWN SAVE; NOSAVE skips the save points.
    const r = startNodis([...args, '--save', ''], { cwd: dir });
    await r.waitFor('Ready to accept connections tcp');
    c = await RawConnection.open({ port });
    assert.equal(await c.call('GET', 'k'), '$2\r\nv2\r\n');
    assert.equal(await c.call('SET', 'k', 'v3'), '+OK\r\n');
    await c.call('SHUTDOWN');
    c.close();
    assert.equal(await r.exited, 0);
    assert.ok(!r.stdout.includes('Saving the final RDB snapshot'), r.stdout);
    const s = startNodis([...args, '--save', ''], { cwd: dir });
    await s.waitFor('Ready to accept connections tcp');
    c = await RawConnection.open({ port });
    assert.equal(await c.call('GET', 'k'), '$2\r\nv2\r\n');
    await c.call('SHUTDOWN', 'SAVE');
    c.close();
    assert.equal(await s.exited, 0);
    assert.ok(s.stdout.includes('* DB saved on disk'), s.stdout);
  });

  it('shuts down on a signal in the cron, which SHUTDOWN ABORT cancels first', async () => {
    const dir = tempDir();
    const port = await freePort();
    const p = startNodis(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--enable-debug-command', 'yes'], { cwd: dir });
    await p.waitFor('Ready to accept connections tcp');
    const c = await RawConnection.open({ port });
    try {
      assert.equal(await c.call('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
      assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '1'), '+OK\r\n');
      p.child.kill('SIGTERM');
      await p.waitFor('Received SIGTERM scheduling shutdown...');
      assert.equal(await c.call('SHUTDOWN', 'ABORT'), '+OK\r\n');
      await p.waitFor('* Shutdown manually aborted.');
      assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '0'), '+OK\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('SHUTDOWN', 'ABORT', 'NOW'), '-ERR syntax error\r\n');
    } finally {
      c.close();
    }
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0);
  });

  it('writes the final save of a signal while still answering signals: a second SIGINT leaves at once', async () => {
    const dir = tempDir();
    const port = await freePort();
    const p = startNodis(['--port', String(port), '--bind', '127.0.0.1', '--save', '900', '1'], { cwd: dir });
    await p.waitFor('Ready to accept connections tcp');
    const c = await RawConnection.open({ port });
    for (let i = 0; i < 20; i++) await c.call('SET', String(i), String(i));
    // 100 ms a key: the save would take 2 s.
    assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000'), '+OK\r\n');
    c.close();
    const temp = join(dir, `temp-${p.child.pid}.rdb`);
    p.child.kill('SIGINT');
    await p.waitFor('* Saving the final RDB snapshot before exiting.');
    for (let i = 0; i < 200 && !existsSync(temp); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(existsSync(temp), 'the final save has begun');
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 1);
    assert.ok(p.stdout.includes('You insist... exiting now.'), p.stdout);
    assert.ok(!existsSync(temp));
    assert.ok(!existsSync(join(dir, 'dump.rdb')));
  });

  it('saves in the background and loads that file at the next start', async () => {
    const dir = tempDir();
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
    const p = startNodis(args, { cwd: dir });
    await p.waitFor('Ready to accept connections tcp');
    const c = await RawConnection.open({ port });
    for (let i = 0; i < 1000; i++) await c.call('SET', `k${i}`, `v${i}`);
    await c.call('HSET', 'h', 'f', 'v');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    // Written while the save runs: not in the file.
    assert.equal(await c.call('SET', 'k0', 'changed'), '+OK\r\n');
    await p.waitFor('* Background saving terminated with success');
    assert.match(p.stdout, /\* Background saving started by pid \d+\n[^]*\* DB saved on disk\n[^]*\* Background saving terminated with success\n/);
    const info = await c.call('INFO', 'persistence');
    assert.match(info ?? '', /rdb_changes_since_last_save:1\r\n/);
    c.close();
    p.child.kill('SIGKILL');
    await p.exited;
    assert.deepEqual(readdirSync(dir), ['dump.rdb']);

    const q = startNodis(args, { cwd: dir });
    await q.waitFor('Ready to accept connections tcp');
    assert.match(q.stdout, /\* Done loading RDB, keys loaded: 1001, keys expired: 0\.\n.*\* DB loaded from disk: \d+\.\d{3} seconds\n/);
    const d = await RawConnection.open({ port });
    assert.equal(await d.call('GET', 'k0'), '$2\r\nv0\r\n');
    assert.equal(await d.call('DBSIZE'), ':1001\r\n');
    d.close();
    q.child.kill('SIGTERM');
    assert.equal(await q.exited, 0);
  });

  it('keeps running when the final save fails, unless SHUTDOWN FORCE', async () => {
    const dir = tempDir();
    const port = await freePort();
    const p = startNodis(['--port', String(port), '--bind', '127.0.0.1', '--save', '900', '1'], { cwd: dir });
    await p.waitFor('Ready to accept connections tcp');
    // The server's directory disappears: the snapshot cannot be written (as in Redis's own test).
    rmSync(dir, { recursive: true, force: true });
    const c = await RawConnection.open({ port });
    try {
      assert.equal(await c.call('SHUTDOWN'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      const from = p.stdout.length;
      p.child.kill('SIGTERM');
      // The next cron tick tries the shutdown; its save fails the same way.
      await p.waitFor("# Error trying to save the DB, can't exit.", 10000, from);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.ok(p.stdout.slice(from).includes('Received SIGTERM scheduling shutdown...'), p.stdout);
      await c.call('SHUTDOWN', 'FORCE');
    } finally {
      c.close();
    }
    assert.equal(await p.exited, 0);
    assert.ok(p.stdout.includes('# Error trying to save the DB. Exit anyway.'), p.stdout);
  });
});

describe('nodis-server against redis-server', differentialSuite(), () => {
  it('reports bad config files and flags with the same text', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.conf'), 'port 7000\n\n# x\nfoo bar baz\n');
    writeFileSync(join(dir, 'quotes.conf'), "port '7000\n");
    writeFileSync(join(dir, 'inc.conf'), 'include bad.conf\n');
    const cases: string[][] = [
      ['bad.conf'],
      ['quotes.conf'],
      ['inc.conf'],
      ['bad.conf', '--port', '1'],
      ['--foo', 'bar'],
      ['--port', '0', '--hz', 'abc'],
      ['--port', '0', '--hz'],
      ['--hz', '1', '2'],
      ['--save', '10', 'a b'],
      ['--maxmemory', '-1'],
      ['--appendonly', 'maybe'],
      ['--maxmemory-policy', 'x'],
      ['--client-output-buffer-limit', 'normal 1 2'],
      ['--notify-keyspace-events', 'K', 'E'],
      ['--shutdown-on-sigint', 'save', 'nosave'],
      ['--list-max-ziplist-entries', '5', '6'],
      ['--foo.bar'],
      ['--user'],
      ['--requirepass', 'a\tb"c', '--bogus'],
      ['--hz', 'a\tb"c\x01\xff'],
      ['--dir', '/etc/passwd'],
      ['--logfile', '/nonexistent-nodis-dir/x.log'],
    ];
    for (const args of cases) {
      const [n, r] = await Promise.all([runNodis(args, { cwd: dir }), run('redis-server', args, { cwd: dir })]);
      assert.equal(r.code, 1, `redis-server ${args.join(' ')} should fail: ${r.stdout}`);
      assert.equal(n.code, 1, args.join(' '));
      assert.equal(n.stderr, r.stderr.replace(/\(Redis [^)]*\)/, `(${PRODUCT})`), args.join(' '));
    }
  });

  it('CONFIG REWRITE changes the file as redis-server does', async () => {
    const base = [
      '# shared test config',
      'include server.conf',
      'save 900 1',
      'save 300 10',
      'hz 20',
      'maxmemory 1mb',
      '',
      '',
      '# more',
      'slave-read-only yes',
      'hash-max-ziplist-entries 100',
      'loglevel notice',
      'notify-keyspace-events ""',
      'client-output-buffer-limit normal 0 0 0',
      'bad "quote',
      'rename-command ECHO ""',
      '',
    ].join('\n');
    const nodisDir = tempDir();
    const redisDir = tempDir();
    const port = await freePort();
    const sock = join(redisDir, 'r.sock');
    writeFileSync(join(nodisDir, 'main.conf'), base);
    writeFileSync(join(redisDir, 'main.conf'), base);
    writeFileSync(join(nodisDir, 'server.conf'), `port ${port}\nbind 127.0.0.1\n`);
    writeFileSync(join(redisDir, 'server.conf'), `port 0\nunixsocket ${sock}\n`);
    // The unparsable line stops both servers from starting; it has to be added after start-up.
    for (const d of [nodisDir, redisDir]) writeFileSync(join(d, 'main.conf'), base.replace('bad "quote\n', ''));
    const n = startNodis(['main.conf'], { cwd: nodisDir });
    const r = start('redis-server', ['main.conf'], { cwd: redisDir });
    await n.waitFor('Ready to accept connections');
    await r.waitFor('ready to accept connections');
    for (const d of [nodisDir, redisDir]) writeFileSync(join(d, 'main.conf'), base);
    const p = new Pair(await RawConnection.open({ port }), await RawConnection.open({ path: sock }));
    /** The file split into the lines kept in place and the set of appended ones. */
    const shape = (d: string): { kept: string[]; added: string[] } => {
      const lines = readFileSync(join(d, 'main.conf'), 'latin1').split('\n');
      const sig = lines.indexOf('# Generated by CONFIG REWRITE');
      const kept = sig < 0 ? lines : lines.slice(0, sig);
      const skip = /^(port|bind|unixsocket|user|dir) /;
      const added = (sig < 0 ? [] : lines.slice(sig + 1)).filter((l) => !skip.test(l)).sort();
      return { kept, added };
    };
    try {
      const sets = [
        ['CONFIG', 'SET', 'hz', '25', 'maxmemory', '3gb', 'maxmemory-policy', 'allkeys-lru'],
        ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA', 'save', '60 5', 'replica-read-only', 'no'],
        ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 2mb 3', 'maxmemory-clients', '10%'],
        ['CONFIG', 'SET', 'masterauth', 'a"b c\n', 'oom-score-adj-values', '1 2 3', 'list-max-ziplist-size', '-1'],
        ['CONFIG', 'SET', 'shutdown-on-sigint', 'save now', 'latency-tracking-info-percentiles', '50 99.5'],
      ];
      for (const cmd of sets) assert.equal(await p.do(...cmd), '+OK\r\n');
      for (let round = 0; round < 2; round++) {
        assert.equal(await p.do('CONFIG', 'REWRITE'), '+OK\r\n');
        assert.deepEqual(shape(nodisDir), shape(redisDir), `rewrite round ${round + 1}`);
      }
      assert.ok(readFileSync(join(nodisDir, 'main.conf'), 'latin1').includes(`\ndir "${nodisDir}"\n`));
    } finally {
      p.close();
      n.child.kill('SIGTERM');
      r.child.kill('SIGTERM');
      await Promise.all([n.exited, r.exited]);
    }
  });
});
