// The embedding API: start a nodis server inside a Node process, e.g. for a test suite.
//
// This file is the package's public surface, and its declarations stand alone: they name no
// internal type and need no @types/node, so any TypeScript project can use them. The server
// itself is built in embed.ts.

import { startServer as startEmbedded } from './embed.js';

declare global {
  // Declared as @types/node and TypeScript's esnext.disposable library declare it, so that
  // `[Symbol.asyncDispose]` below type-checks in projects that have neither.
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** A directive's value: numbers and booleans are written as redis.conf would (`true` is "yes"). */
export type DirectiveValue = string | number | boolean;

/**
 * Keys and values to load before the server listens (fixtures). A string is stored as its UTF-8
 * bytes, a Uint8Array as it is. Keys are strings (nodis has only string values for now).
 */
export type SeedData = Readonly<Record<string, string | Uint8Array>>;

export interface StartOptions {
  /** TCP port; 0 (the default here) picks a free one. */
  port?: number;
  /** Address to bind; 127.0.0.1 by default for embedded servers. */
  bind?: string;
  /**
   * The server's log: `true` prints it on standard output, a function receives each line (with
   * its newline); off by default. When off, warnings about directives nodis does not act on yet
   * are emitted as process warnings (once per process each).
   */
  log?: boolean | ((line: string) => void);
  /**
   * Load the snapshot in `dir`/`dbfilename` before listening, as nodis-server does (off by
   * default: an embedded server starts empty). A missing file is no error; a bad one rejects.
   * With `appendonly: 'yes'` the append-only file in `dir` is always loaded instead, and written.
   */
  load?: boolean;
  /** Keys to set in database 0 before listening (after `load`). */
  data?: SeedData;
  /**
   * Whether the server's listeners and connections leave the process free to exit (true, the
   * default: a forgotten close() does not hold a test run open). Pass false for a server meant
   * to stay up, e.g. a script whose only job is to serve.
   */
  unref?: boolean;
  /** Any other redis.conf directive, e.g. { requirepass: 'secret', 'proto-max-bulk-len': '1mb' }. */
  [directive: string]: DirectiveValue | SeedData | ((line: string) => void) | undefined;
}

/** The server's clock. */
export interface NodisClock {
  /** The server's time in Unix milliseconds: the real wall clock plus what advance() added. */
  now(): number;
  /**
   * Moves the server's time forward (back, if negative) by ms milliseconds. A key expires once
   * the server's time is past its expiry time, as in Redis: `SET k v EX 60` then advance(60_000)
   * may leave k there (when less than a real millisecond passed in between); advance(60_001)
   * never does. Fake timers (vitest's or Jest's useFakeTimers) do not move this clock.
   */
  advance(ms: number): void;
}

export interface NodisServer {
  /** The TCP port the server listens on. */
  readonly port: number;
  /** The address clients connect to: 127.0.0.1 unless `bind` says otherwise. */
  readonly host: string;
  /** redis://127.0.0.1:<port>, with the password (redis://:<password>@…) while requirepass is set. */
  readonly url: string;
  /** The server's clock, to make keys expire without waiting. */
  readonly clock: NodisClock;
  /** Empties every database, as FLUSHALL (connections stay open). */
  flushAll(): Promise<void>;
  /** Sets keys in database 0, as the `data` option does. */
  seed(data: SeedData): Promise<void>;
  /** Stops listening and closes every connection. Calling it again is harmless. */
  close(): Promise<void>;
  /** close(), for `await using server = await startServer()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a server; resolves once it is listening. Two servers in one process share nothing.
 * Embedded servers bind 127.0.0.1, pick a free port, save no snapshots, and start empty.
 */
export function startServer(options: StartOptions = {}): Promise<NodisServer> {
  return startEmbedded(options);
}
