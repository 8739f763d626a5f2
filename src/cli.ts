// nodis-server [/path/to/nodis.conf] [options] [-]: the command line and start-up of the server
// (nodis-server.ts and bin.cts run it).
//
// Starts like redis-server: the first argument is a config file unless it begins with "-";
// "-" (first or last) reads more config from standard input; every "--name value ..." becomes a
// config line appended after the file. A bad directive stops start-up with Redis's
// "FATAL CONFIG FILE ERROR" report and exit status 1.

import { appendFileSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { join, resolve as resolvePath } from 'node:path';
import { Server } from './server/server.js';
import { Config, ConfigFileError, ConfigOpenError, quoteRepr, strerror } from './server/config.js';
import { CommandTable } from './server/command.js';
import { Logger, isLogLevel, logCrashReport, startupLogo } from './server/log.js';
import { allCommands } from './commands/index.js';
import { REDIS_VERSION, NODIS_VERSION, buildId } from './version.js';
import { loadDataFromDisk, rdbFilePath, snapshotHasFunctions } from './persistence/rdb.js';
import { scriptingOf } from './scripting/lua.js';
import { shutdownFlagsFromConfig, shutdownOnSignal } from './commands/persistence.js';

/** What --version prints, as redis-server's. */
export function versionLine(): string {
  return `Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=${buildId()} nodis=${NODIS_VERSION}`;
}

const USAGE = [
  'Usage: nodis-server [/path/to/nodis.conf] [options] [-]',
  '       nodis-server - (read config from stdin)',
  '       nodis-server -v or --version',
  '       nodis-server -h or --help',
  '',
  'Examples:',
  '       nodis-server (run the server with default conf)',
  "       echo 'requirepass secret' | nodis-server -",
  '       nodis-server /etc/nodis/6379.conf',
  '       nodis-server --port 7777',
  '       nodis-server --port 7777 --save "" --loglevel warning',
  '       nodis-server /etc/mynodis.conf --loglevel verbose -',
  '       nodis-server /etc/mynodis.conf --loglevel verbose',
  '',
  'Every redis.conf directive is accepted. Those nodis does not act on yet (appendonly, save points,',
  'maxmemory, replicaof, cluster-enabled, tls-*, aclfile, user, loadmodule ...) are logged as',
  'warnings at start-up and on CONFIG SET. See the README for what works today.',
  '',
].join('\n');

export interface CommandLine {
  /** The config file as given (not yet made absolute), or null. */
  configFile: string | null;
  /** "-" was given: read config from standard input after the file. */
  fromStdin: boolean;
  /** The options as config lines ("port \"7000\"\nsave \"\""), as redis-server builds them. */
  options: string;
}

/**
 * Turns redis-server style arguments into config text, with redis-server's rules: "--name" starts
 * a line, the words after it are its quoted arguments (so "--save 900 1 300 10" works), a word that
 * begins with "--" right after a bare "--name" is that option's value, and a bare "--save" gets the
 * empty value.
 */
export function parseCommandLine(args: readonly string[]): CommandLine {
  let configFile: string | null = null;
  let fromStdin = false;
  let options = '';
  let j = 0;
  if (args.length > 0 && args[0][0] !== '-') {
    configFile = args[0];
    j = 1;
  }
  let handledLastConfigArg = true;
  for (; j < args.length; j++) {
    const arg = args[j];
    const last = j === args.length - 1;
    if (arg === '-' && (j === 0 || last)) {
      fromStdin = true;
    } else if (handledLastConfigArg && arg.startsWith('--')) {
      if (options.length) options += '\n';
      options += `${arg.slice(2)} `;
      const words = splitWords(arg);
      if (words === 1) {
        // Only the name: its value follows in the next argument(s).
        handledLastConfigArg = false;
        const nextIsOption = !last && args[j + 1].startsWith('--');
        if (arg.toLowerCase() === '--save' && (nextIsOption || last)) {
          // "--save" with nothing after it means save "".
          options += '""';
          handledLastConfigArg = nextIsOption;
        }
      } else {
        // "--port 6380" given as one argument: name and value together.
        handledLastConfigArg = true;
      }
    } else {
      options += `${quoteRepr(arg)} `;
      handledLastConfigArg = true;
    }
  }
  return { configFile, fromStdin, options };
}

function splitWords(arg: string): number {
  let n = 0;
  for (const w of arg.split(/[ \n\r\t]+/)) if (w !== '') n++;
  return n;
}

/** The bytes of a command-line argument as a latin1 string (Node hands them over decoded as UTF-8). */
function toBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

function writeBytes(stream: NodeJS.WriteStream, s: string): void {
  stream.write(Buffer.from(s, 'latin1'));
}

/** A log line written outside the server's logger (signal handlers), as Redis's serverLogFromHandler. */
function rawLog(config: Config, message: string): void {
  const line = `${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${message}\n`;
  const file = config.get('logfile');
  if (file) {
    try {
      appendFileSync(file, line);
      return;
    } catch {
      // Fall through to standard output.
    }
  }
  process.stdout.write(line);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).map(toBytes);
  if (args[0] === '-v' || args[0] === '--version') {
    process.stdout.write(`${versionLine()}\n`);
    process.exit(0);
  }
  if (args[0] === '--help' || args[0] === '-h') {
    process.stderr.write(USAGE);
    process.exit(1);
  }
  if (args.some((a) => a.toLowerCase() === '--sentinel')) {
    process.stderr.write('nodis does not implement Sentinel mode.\n');
    process.exit(1);
  }

  const config = new Config();
  // Like redis-server, the process follows `dir`, so later relative paths (include, files) use it.
  config.onChange('dir', (dir) => process.chdir(dir));
  const early = new Logger();
  early.role = 'C';

  const cmdline = parseCommandLine(args);
  const configFile = cmdline.configFile === null ? '' : resolvePath(cmdline.configFile);
  try {
    let text = '';
    if (cmdline.configFile !== null) {
      try {
        text = readFileSync(cmdline.configFile, 'latin1');
      } catch (e) {
        throw new ConfigOpenError(configFile, (e as NodeJS.ErrnoException).code);
      }
    }
    if (cmdline.fromStdin) {
      early.warning('Reading config from stdin');
      text += readFileSync(0, 'latin1');
    }
    if (args.length > 0) text += `\n${cmdline.options}`;
    // rename-command is checked against a table of its own, built only if the config has one.
    let table: CommandTable | null = null;
    const renameCommand = (from: string, to: string): string | null => {
      if (table === null) {
        table = new CommandTable();
        table.register(allCommands);
      }
      return table.rename(from, to);
    };
    config.loadString(text, { renameCommand });
  } catch (e) {
    if (e instanceof ConfigFileError) {
      writeBytes(process.stderr, e.fatalMessage(`nodis ${NODIS_VERSION}`));
      process.exit(1);
    }
    if (e instanceof ConfigOpenError) {
      early.warning(e.message);
      process.exit(1);
    }
    throw e;
  }

  if (config.bool('daemonize') && !process.env.NODIS_DAEMONIZED) {
    // No fork() in Node: start a detached copy of this process and leave it running. (Imported
    // here: loading node:child_process costs every other start a few ms.)
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, NODIS_DAEMONIZED: '1' },
    });
    child.unref();
    process.exit(0);
  }

  const level = config.get('loglevel');
  if (isLogLevel(level)) early.level = level;
  early.file = config.get('logfile');
  early.warning('oO0OoO0OoO0Oo nodis is starting oO0OoO0OoO0Oo');
  early.warning(
    `nodis version=${NODIS_VERSION}, redis_version=${REDIS_VERSION}, bits=64, pid=${process.pid}, just started`,
  );
  if (configFile) early.warning('Configuration loaded');
  else {
    early.warning(
      'Warning: no config file specified, using the default config. ' +
        'In order to specify a config file use nodis-server /path/to/nodis.conf',
    );
  }

  const server = new Server(config, undefined, allCommands);
  server.configFile = configFile;
  const port = config.num('port');
  const unixsocket = config.get('unixsocket');
  const tcp = port !== 0 && config.bindAddresses().length > 0;
  if (!tcp && !unixsocket) {
    server.log.warning('Configured to not listen anywhere, exiting.');
    process.exit(1);
  }
  // An AOF may hold scripts and FUNCTION LOADs, and a snapshot function libraries, which run as
  // they load: then the Lua engine first. It loads before the listeners open, so that from there
  // to the end of loading nothing waits and no client is served a dataset not yet loaded. Else it
  // waits for the first script command (see scripting/lua.ts), and start-up does not pay for it.
  const dataNeedsEngine = server.config.bool('appendonly') ? server.aof.mayNeedEngine() : snapshotHasFunctions(rdbFilePath(server));
  if (dataNeedsEngine) await scriptingOf(server).load();
  // As in redis-server's initServer(), the listeners open before the logo and the pid file: a
  // port in use ends start-up with "Failed listening on port", which Redis's test harness looks
  // for (before the logo's " PID: " line) to retry on another port.
  try {
    await server.listen({ noTcpOnPortZero: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
    if (err.syscall === 'listen' && err.address && !err.address.startsWith('/')) {
      server.log.warning(
        `Warning: Could not create server TCP listening socket ${err.address}:${port}: bind: ${strerror(err.code)}`,
      );
      server.log.warning(`Failed listening on port ${port} (tcp), aborting.`);
    } else {
      server.log.warning(`Failed opening Unix socket: ${strerror(err.code)}`);
    }
    process.exit(1);
  }
  const pidfile = config.get('pidfile');
  if (pidfile) {
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch (e) {
      server.log.warning(`Failed to write PID file: ${strerror((e as NodeJS.ErrnoException).code)}`);
    }
  }
  // The logo when asked for, or when the log goes to a terminal; else one line, as in Redis.
  const showLogo = config.bool('always-show-logo') || (!config.get('logfile') && process.stdout.isTTY === true);
  if (showLogo) {
    server.log.raw(
      'notice',
      startupLogo({
        version: NODIS_VERSION,
        redisVersion: REDIS_VERSION,
        mode: 'standalone',
        port,
        pid: process.pid,
      }),
    );
  } else {
    server.log.notice(`Running mode=standalone, port=${port}.`);
  }
  server.warnInertDirectives();
  server.log.warning('Server initialized');
  // The snapshot in dir/dbfilename, loaded synchronously so no client is served before it is in;
  // a bad one stops start-up.
  if (!loadDataFromDisk(server)) process.exit(1);
  if (tcp) server.log.notice('Ready to accept connections tcp');
  if (unixsocket) server.log.notice('Ready to accept connections unix');

  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    await server.close();
    if (pidfile) {
      server.log.notice('Removing the pid file.');
      try {
        unlinkSync(pidfile);
      } catch {
        // Already gone.
      }
    }
    server.log.warning('nodis is now ready to exit, bye bye...');
    process.exit(server.exitCode);
  };
  const onSignal = (sig: 'SIGTERM' | 'SIGINT'): void => {
    if ((exiting || server.shutdownSignal !== null || server.shutdownInProgress) && sig === 'SIGINT') {
      // A second Ctrl-C before the shutdown is done: leave at once, as Redis does, without the
      // background save's temp file.
      rawLog(config, 'You insist... exiting now.');
      try {
        unlinkSync(join(config.get('dir'), `temp-${process.pid}.rdb`));
      } catch {
        // None.
      }
      process.exit(1);
    }
    rawLog(config, `Received ${sig} scheduling shutdown...`);
    if (exiting || server.shutdownInProgress) return;
    // As Redis's signal handler: the shutdown happens in the next cron tick (DEBUG PAUSE-CRON
    // holds it; SHUTDOWN ABORT cancels it).
    server.shutdownSignal = sig;
  };
  // As Redis's serverCron: shutdown-on-sigint / shutdown-on-sigterm choose the flags; a failed
  // final save keeps the server running (logged by shutdownServer).
  server.onSignalShutdown = (sig) => {
    shutdownOnSignal(server, shutdownFlagsFromConfig(config.num(sig === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm')));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // SIGABRT is fatal, as in Redis: a crash report, then death by the same signal. (SIGSEGV, SIGBUS,
  // SIGFPE and SIGILL can't run JavaScript safely, so they keep Node's default action.)
  process.once('SIGABRT', () => {
    logCrashReport(server.log, `nodis ${NODIS_VERSION} crashed by signal: 6 (SIGABRT)`, [
      `redis_version=${REDIS_VERSION} pid=${process.pid} node=${process.version}`,
      `connected_clients=${server.clients.size} uptime_ms=${Math.round(process.uptime() * 1000)}`,
    ]);
    process.kill(process.pid, 'SIGABRT');
  });
  server.on('shutdown', () => void exit());
}

/** Runs nodis-server with this process's command line. */
export function runServer(): void {
  // A larger inlining budget lets V8 inline the request path (parser, dispatch, handler, reply)
  // into fewer, bigger functions: 5-8% less CPU per request for GET, SET and INCR. Set before
  // any of that code is hot; only for nodis-server, never for a process embedding nodis.
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=3000');
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
