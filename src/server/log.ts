// Log lines as Redis writes them: "pid:M 21 Nov 2026 12:17:00.123 * message".

import { appendFileSync } from 'node:fs';
import { RealDate } from '../util/time.js';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const LEVEL_MARK = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function isLogLevel(s: string): s is LogLevel {
  return s in LEVEL_RANK;
}

export class Logger {
  level: LogLevel = 'notice';
  /** Empty: standard output. */
  file = '';
  /** 'M' for a master, 'S' for a replica. */
  role = 'M';
  /** Set by the embedding API to keep test output quiet. */
  silent = false;
  /** Where lines go instead of the file or standard output (the embedding API's `log` function). */
  sink: ((text: string) => void) | null = null;

  log(level: Exclude<LogLevel, 'nothing'>, message: string): void {
    if (this.silent || LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    const d = new RealDate();
    const stamp =
      `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    this.write(`${process.pid}:${this.role} ${stamp} ${LEVEL_MARK[LEVEL_RANK[level]]} ${message}\n`);
  }

  /** Text written as it is, without the pid/time prefix (Redis's LL_RAW), e.g. the logo. */
  raw(level: Exclude<LogLevel, 'nothing'>, text: string): void {
    if (this.silent || LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    this.write(text);
  }

  private write(line: string): void {
    if (this.sink) {
      this.sink(line);
      return;
    }
    if (this.file) {
      try {
        appendFileSync(this.file, line);
        return;
      } catch {
        // Fall back to standard output when the log file cannot be written.
      }
    }
    process.stdout.write(line);
  }

  debug(m: string): void {
    this.log('debug', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
}

/**
 * The start-up banner, shown instead of the "Running mode=..." line when `always-show-logo yes`
 * (or when logging to a terminal). Like Redis's, it names the version, mode, port and pid; the
 * test harness of Redis's own suite waits for the " PID: <pid>" line.
 */
export function startupLogo(info: { version: string; redisVersion: string; mode: string; port: number; pid: number }): string {
  const art = [
    '      .------------------.',
    '     /  n  o  d  i  s   /|',
    '    /__________________/ |',
    '    |  > RESP2 RESP3   | |',
    '    |  > keys values   | /',
    '    |__________________|/',
    '',
  ];
  const text = [
    `nodis ${info.version} (Redis ${info.redisVersion} compatible) 64 bit`,
    '',
    `Running in ${info.mode} mode`,
    `Port: ${info.port}`,
    `PID: ${info.pid}`,
    '',
    '',
  ];
  const lines = art.map((a, i) => `${a.padEnd(34)}${text[i]}`.trimEnd());
  return `\n${lines.join('\n')}\n\n`;
}

/**
 * Writes a crash report between Redis's markers (its test suite looks for "crashed by signal" and
 * prints what lies between the markers when a test fails), e.g. when a fatal signal arrives.
 */
export function logCrashReport(log: Logger, headline: string, details: readonly string[]): void {
  const level = log.level;
  // A crash report is written whatever the log level, as Redis's bug report is.
  if (level === 'nothing') log.level = 'warning';
  log.raw('warning', '\n\n=== NODIS BUG REPORT START: Cut & paste starting from here ===\n');
  log.warning(headline);
  for (const d of details) log.warning(d);
  log.raw('warning', '\n=== NODIS BUG REPORT END. Make sure to include from START to END. ===\n\n');
  log.level = level;
}
