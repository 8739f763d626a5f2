// The server: listeners, clients, databases, the command table, cron jobs, statistics.

import * as netModule from 'node:net';
import { createServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import { chmodSync, unlinkSync, existsSync } from 'node:fs';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import { EventEmitter } from 'node:events';
// Imported, not the global: Node's global performance is a getter that runs on every read.
import { performance } from 'node:perf_hooks';
import { clearInterval, setImmediate, setInterval, wallClockMs } from '../util/time.js';
import { Clock } from './clock.js';
import { Config, parseMemory, quoteRepr, strerror } from './config.js';
import { Logger, isLogLevel } from './log.js';
import { Client } from './client.js';
import { CommandTable, LatencyHistogram } from './command.js';
import { processCommand } from './dispatch.js';
import type { Command, CommandSpec } from './command.js';
import type { FeedResult, ParserLimits } from '../protocol/parser.js';
import { encodeArgv } from '../protocol/writer.js';
import { Database, type KeyspaceHost } from '../keyspace/db.js';
import { notifyKeyspaceEvent, NOTIFY } from '../keyspace/notify.js';
import { ReplicationPrimary } from '../replication/primary.js';
import { ReplicationReplica } from '../replication/replica.js';
import { Failover } from '../replication/failover.js';
import type { AppendOnlyFile } from '../persistence/aof.js';
import { createAof } from '../persistence/aofserver.js';
import { PubSub } from './pubsub.js';
import { SlowLog } from './slowlog.js';
import { LatencyMonitor } from './latency.js';
import { Tracking } from './tracking.js';
import { Blocking } from '../keyspace/blocking.js';
import { ClientPause } from './pause.js';
import { usedMemory } from './maxmemory.js';
import { MemoryReclaimer } from '../util/gc.js';
import { randomHex } from '../util/builtins.js';
import { inertDirectiveWarnings, watchInertDirectives } from './inert.js';
import type { ZSetLimits } from '../types/zset.js';
import { abortBackgroundSave, saveCron, type BackgroundSave } from '../persistence/snapshot.js';
import { checkPendingShutdown } from '../replication/shutdown.js';

export interface ServerStats {
  connectionsReceived: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  rejectedConnections: number;
  expiredKeys: number;
  evictedKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  totalErrorReplies: number;
  /** Error replies by their first word (INFO errorstats). */
  errorCodes: Map<string, number>;
  expiredStalePerc: number;
  expireCycleCpuMs: number;
  /** Values freed as Redis frees them in the background (INFO lazyfreed_objects). */
  lazyfreedObjects: number;
  /** Full and partial resynchronisations served (INFO sync_full, sync_partial_ok, sync_partial_err). */
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
  /** Ops/sec samples for instantaneous_ops_per_sec. */
  opsSamples: number[];
  opsLastCount: number;
  opsLastTime: number;
}

function newStats(now: number): ServerStats {
  return {
    connectionsReceived: 0,
    commandsProcessed: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    rejectedConnections: 0,
    expiredKeys: 0,
    evictedKeys: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    totalErrorReplies: 0,
    errorCodes: new Map(),
    expiredStalePerc: 0,
    expireCycleCpuMs: 0,
    lazyfreedObjects: 0,
    syncFull: 0,
    syncPartialOk: 0,
    syncPartialErr: 0,
    opsSamples: [],
    opsLastCount: 0,
    opsLastTime: now,
  };
}

/**
 * A command with an argument beyond V8's string limit (possible only between ~512 MB and
 * proto-max-bulk-len) is refused as Redis refuses a string grown past proto-max-bulk-len.
 */
function refuseOversized(c: Client, argv: string[]): void {
  c.parser.oversized = false;
  c.server.stats.commandsProcessed++;
  c.lastCommand = c.server.table.lookup(argv[0])?.fullName ?? 'NULL';
  c.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
}

/** Internal errors logged with their stack per minute; the rest are counted. */
const FAULTS_LOGGED_PER_MINUTE = 5;

/** Redis's reply to a client that protected mode refuses (sent, then the connection closes). */
const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the ' +
  'default user. In this mode connections are only accepted from the loopback interface. If you want to connect ' +
  'from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode ' +
  "sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the " +
  'same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do ' +
  'so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode ' +
  "by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting " +
  "the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' " +
  'option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the ' +
  'above things in order for the server to start accepting connections from the outside.\r\n';

/** Sends a refused connection its error, then closes it (it is never read, so it won't see EOF). */
function refuse(socket: Socket, reply: string): void {
  socket.on('error', () => {});
  socket.end(reply, () => socket.destroy());
}

/**
 * Node reads every connection into a fresh Buffer and passes it through the Readable machinery
 * ('data' events). A socket created with `onread` instead reads into one buffer of ours and calls
 * back directly, but net.Server offers no such option for the sockets it accepts: accepted
 * sockets start paused and are switched to it here, through the same fields the option sets.
 * Every read is parsed before the next one (the parser copies what it keeps), so one buffer
 * serves all connections. Where this Node lacks those fields, 'data' events are used.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
let onreadFields: { buffer: symbol; callback: symbol } | null | undefined;

/** Switches a paused, just accepted socket to reading into READ_BUFFER; false if unsupported. */
function useReadBuffer(socket: Socket, callback: (n: number, buf: Buffer) => void): boolean {
  if (onreadFields === undefined) {
    const syms = Object.getOwnPropertySymbols(socket);
    const buffer = syms.find((s) => s.description === 'kBuffer');
    const cb = syms.find((s) => s.description === 'kBufferCb');
    onreadFields = buffer && cb ? { buffer, callback: cb } : null;
  }
  // The handle is Node's internal TCP/Pipe wrap: useUserBuffer is what the onread option calls.
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle;
  if (!onreadFields || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[onreadFields.buffer] = READ_BUFFER;
  fields[onreadFields.callback] = callback;
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

/** What afterRead gets when a resumed client's input was not parsed (its command blocked again). */
const NOTHING_PARSED: FeedResult = {};

/** Node's internal net._createServerHandle: a bound TCP handle, or the error number (see rebindTcp). */
type CreateServerHandle = (address: string, port: number, addressType: number, fd: undefined, flags: number) => object | number;
const createServerHandle = (netModule as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
/** libuv's UV_TCP_IPV6ONLY bind flag. */
const UV_TCP_IPV6ONLY = 1;

/**
 * 4 or 6 for an IP literal, else 0. The default bind's "::" is known at once: isIP's IPv6 pattern
 * takes ~10 ms to compile on its first use, which start-up would pay.
 */
function ipFamily(host: string): number {
  return host === '::' ? 6 : isIP(host);
}

/**
 * A TCP handle bound to host:port (listening is left to the caller), or the error number; null
 * when host is not an IP literal or Node lacks net._createServerHandle, so listen() must look it up.
 */
function bindTcpHandle(host: string, port: number, ipv6Only: boolean): object | number | null {
  const family = ipFamily(host);
  if (family === 0 || !createServerHandle) return null;
  return createServerHandle(host, port, family, undefined, ipv6Only ? UV_TCP_IPV6ONLY : 0);
}

/** The error listen() reports for a bind that failed with errno. */
function listenError(errno: number, host: string, port: number): NodeJS.ErrnoException {
  const [code, text] = getSystemErrorMap().get(errno) ?? [getSystemErrorName(errno), 'unknown error'];
  return Object.assign(new Error(`listen ${code}: ${text} ${host}:${port}`), { errno, code, syscall: 'listen', address: host, port });
}

const MULTI = ['MULTI'];
const EXEC = ['EXEC'];
const MULTI_ENCODED = encodeArgv(MULTI);
const EXEC_ENCODED = encodeArgv(EXEC);

/** A command a unit propagates; encoded (as RESP) once, for whichever streams take it. */
interface PendingOp {
  dbid: number;
  argv: string[];
  encoded: string | null;
}

/** What a propagated command is fed to: the replication stream, the AOF. */
interface PropagationFeed {
  feed(dbid: number, argv: readonly string[], encoded?: string): void;
}

/** Keys sampled per database per loop of the active expire cycle (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
const EXPIRE_KEYS_PER_LOOP = 20;
/** Share of each cron period the active expire cycle may use (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC). */
const EXPIRE_TIME_PERC = 25;

export class Server extends EventEmitter implements KeyspaceHost {
  readonly clock: Clock;
  readonly config: Config;
  readonly log = new Logger();
  readonly table = new CommandTable();
  dbs: Database[] = [];
  readonly clients = new Map<number, Client>();
  stats: ServerStats;
  readonly startTime: number;
  /** INFO run_id: drawn when first read, so that start-up does not load node:crypto for it. */
  get runId(): string {
    return (this.drawnRunId ??= randomHex(20));
  }
  private drawnRunId: string | null = null;
  /** Changes since the last save (INFO rdb_changes_since_last_save). */
  dirty = 0;
  lastSave: number;
  /** Snapshots attempted (INFO rdb_saves) and whether the last one worked (rdb_last_bgsave_status). */
  rdbSaves = 0;
  lastBgsaveOk = true;
  /** The background save running (persistence/snapshot.ts), or null. */
  bgsave: BackgroundSave | null = null;
  /** Background saves and AOF rewrites started (INFO total_forks: what Redis forks a child for). */
  snapshotsStarted = 0;
  /** EXEC is running its queued commands (Redis's in_exec): background jobs are scheduled instead. */
  inExec = false;
  /** BGSAVE inside MULTI/EXEC (or SCHEDULE): started by the cron once nothing runs. */
  bgsaveScheduled = false;
  /** When the last background save was tried (unix s), and how long the last one took (s, -1: none). */
  lastBgsaveTry = 0;
  lastBgsaveTimeSec = -1;
  /** Bytes the last background save kept aside for keys changed while it ran (rdb_last_cow_size). */
  lastCowSize = 0;
  /** Keys the last snapshot load added and skipped as expired (INFO rdb_last_load_keys_*). */
  rdbLastLoadKeysLoaded = 0;
  rdbLastLoadKeysExpired = 0;
  /** DEBUG SET-ACTIVE-EXPIRE */
  activeExpireEnabled = true;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB files and RESTORE payloads load without their CRC-64 checked. */
  skipChecksumValidation = false;
  /** DEBUG PAUSE-CRON: the cron does nothing while set. */
  cronPaused = false;
  /**
   * A SIGTERM or SIGINT asked for a shutdown (Redis's shutdown_asap): the cron performs it through
   * onSignalShutdown (set by nodis-server); SHUTDOWN ABORT cancels it first.
   */
  shutdownSignal: 'SIGTERM' | 'SIGINT' | null = null;
  onSignalShutdown: ((signal: 'SIGTERM' | 'SIGINT') => void) | null = null;
  /**
   * A shutdown waiting (up to shutdown-timeout) for lagging replicas to acknowledge the whole
   * stream, writes paused meanwhile: when it gives up or they caught up, finish() runs; the
   * SHUTDOWN clients wait blocked (Redis's shutdown_mstime and BLOCKED_SHUTDOWN).
   */
  pendingShutdown: { deadline: number; clients: Client[]; finish: () => void } | null = null;
  /** A signal's shutdown is writing its final snapshot (clients paused meanwhile). */
  shutdownInProgress = false;
  /** Set by CONFIG SET/rewrite users: the file the config came from. */
  configFile = '';
  private nextClientId = 1;
  private netServers: NetServer[] = [];
  /** The TCP listeners among them (CONFIG SET port replaces them). */
  private tcpServers: NetServer[] = [];
  /** listen() has run: CONFIG SET port moves the listeners from then on. */
  private listening = false;
  /** The `port` setting the TCP listeners were opened for (0 for an embedded server's free port). */
  private listeningPortSetting = 0;
  private cronTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /**
   * Command durations, as Redis's call() measures them, but with one clock read per read rather
   * than two per command: the commands run since `tick` (performance.now()) are kept here and
   * share the time elapsed equally when settled (end of each read, and before anything reports
   * or resets the statistics). Only commands Redis flags as fast share: any other command
   * settles what came before it and is timed alone, so a slow command's duration stays its own
   * (for commandstats, latency and later SLOWLOG). The total stays exact.
   */
  tick = 0;
  /** See KeyspaceHost.lruClock. */
  lruClock = 0;
  private timed: Command[] = [];
  /** The client and the arguments (secrets redacted) of each command in timed, for the slow log. */
  private timedClients: Client[] = [];
  private timedArgv: string[][] = [];
  /** Commands waiting for their share of the read's time. */
  timedCount = 0;
  /** TCP port actually bound (differs from config when port 0 was asked). */
  port = 0;
  /** Listeners and connections don't keep the process alive (embedded servers; set before listen). */
  unrefHandles = false;
  /** proto-max-bulk-len and client-query-buffer-limit, shared by every client's parser. */
  readonly protoLimits: ParserLimits = { maxBulkLen: 0, queryBufferLimit: 0 };

  /**
   * The execution unit (see dispatch's call()): how deep calls are nested, the time frozen for
   * the whole unit (Redis's commandTimeSnapshot), the client running it, and the commands it
   * propagates, delivered together when the outermost unit ends.
   */
  unitDepth = 0;
  /** The outermost unit propagates without MULTI/EXEC (see beginUnit). */
  private unitNoMulti = false;
  private unitNow = 0;
  currentClient: Client | null = null;
  private pendingPropagation: PendingOp[] = [];
  /** Work for the end of each outermost unit (serving blocked clients, tracking …). */
  readonly afterUnit: Array<() => void> = [];
  /**
   * Clients with replies to write, written together once this event-loop turn has served every
   * read (see wake).
   */
  private toFlush: Client[] = [];
  private flushScheduled = false;
  /** The replication stream and the replicas reading it. */
  readonly replication: ReplicationPrimary;
  /** The link to this server's primary, when it is a replica (REPLICAOF). */
  readonly replicaSide: ReplicationReplica;
  /** FAILOVER's state (a primary handing its role to a replica). */
  readonly failover: Failover;
  /** Channels and patterns and their subscribers. */
  readonly pubsub: PubSub = new PubSub(this);
  /** Clients blocked on keys (BLPOP …), and the keys they wait on. */
  readonly blocking: Blocking = new Blocking(this);
  /** CLIENT PAUSE: what is paused, until when (postponed clients wait in blocking). */
  readonly pause: ClientPause = new ClientPause(this);
  /** Asks for a collection after big buffers are let go (see util/gc.ts). */
  readonly memory = new MemoryReclaimer((objects) => (this.stats.lazyfreedObjects += objects));
  /** notify-keyspace-events as flags (read on every write and by notify.ts, so kept here). */
  notifyFlags = 0;
  /**
   * zset-max-listpack-entries/-value, one object every sorted set holds and reads on each insert
   * (as Redis reads its globals), kept current by CONFIG SET.
   */
  readonly zsetLimits: ZSetLimits;
  /** Client-side caching: the tracking table, BCAST prefixes, invalidations. */
  readonly tracking: Tracking;
  /** The append-only file (appendonly yes): fed with the replication stream's commands. */
  readonly aof: AppendOnlyFile;
  /** A file (the AOF) is being loaded: keys do not expire meanwhile (INFO loading). */
  loading = false;
  /** The process exit status the owner should use once the server has stopped (a fatal error: 1). */
  exitCode = 0;

  /**
   * A server answering the given commands (the CLI and the embedding API pass every family's
   * specs: the server itself knows no command).
   */
  constructor(config: Config = new Config(), clock: Clock = new Clock(), commands: CommandSpec[] = []) {
    super();
    this.config = config;
    this.clock = clock;
    this.startTime = clock.now();
    this.lastSave = Math.floor(this.startTime / 1000);
    this.stats = newStats(this.startTime);
    const n = config.num('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Database(i, this));
    this.table.register(commands);
    this.replication = new ReplicationPrimary(this);
    this.replicaSide = new ReplicationReplica(this);
    this.failover = new Failover(this);
    const primary = config.replicaOf();
    if (primary !== null) this.replicaSide.configure(primary.host, primary.port);
    this.aof = createAof(this);
    // Blocked clients whose keys became ready are served as each outermost unit ends.
    this.afterUnit.push(() => this.blocking.handleReady());
    this.lruClock = clock.now();
    clock.onAdvance(() => {
      this.lruClock = clock.now();
      this.blocking.clockMoved();
    });
    // A pause whose time a clock.advance() passed ends at once (its clients run after this unit).
    clock.onAdvance(() => {
      if (this.pause.active) this.pause.check();
    });
    this.tracking = new Tracking(this);
    for (const [from, to] of config.renamedCommands) this.table.rename(from, to);
    this.applyLogConfig();
    this.applyProtoLimits();
    config.onChange('proto-max-bulk-len', () => this.applyProtoLimits());
    config.onChange('client-query-buffer-limit', () => this.applyProtoLimits());
    // Without a password any more, connections waiting to AUTH are let in, as in Redis.
    config.onChange('requirepass', () => {
      for (const c of this.clients.values()) c.parser.restricted = c.authRequired();
    });
    config.onChange('loglevel', () => this.applyLogConfig());
    config.onApply('port', () => this.rebindTcp());
    config.onApply('appendonly', () => this.applyAppendonly());
    config.onChange('aof-disable-auto-gc', () => this.aof.collectHistory());
    this.slowlogThreshold = config.num('slowlog-log-slower-than');
    this.latencyThresholdMs = config.num('latency-monitor-threshold');
    config.onChange('latency-monitor-threshold', () => (this.latencyThresholdMs = config.num('latency-monitor-threshold')));
    config.onChange('slowlog-log-slower-than', () => (this.slowlogThreshold = config.num('slowlog-log-slower-than')));
    this.applyMaxmemory();
    config.onChange('maxmemory', () => {
      this.applyMaxmemory();
      const used = usedMemory();
      if (this.maxmemory !== 0 && this.maxmemory < used) {
        this.log.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${this.maxmemory}) is smaller than the current memory usage (${used}). ` +
            'This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.',
        );
      }
    });
    config.onChange('maxmemory-policy', () => this.applyMaxmemory());
    this.notifyFlags = config.notifyKeyspaceEvents();
    const zsetLimits = (this.zsetLimits = { maxListpackEntries: 0, maxListpackValue: 0 });
    const readZsetLimits = (): void => {
      zsetLimits.maxListpackEntries = config.num('zset-max-listpack-entries');
      zsetLimits.maxListpackValue = config.num('zset-max-listpack-value');
    };
    readZsetLimits();
    config.onChange('zset-max-listpack-entries', readZsetLimits);
    config.onChange('zset-max-listpack-value', readZsetLimits);
    config.onChange('notify-keyspace-events', () => (this.notifyFlags = config.notifyKeyspaceEvents()));
    config.onChange('logfile', () => this.applyLogConfig());
    config.onChange('hz', () => {
      // CONFIG SET hz takes effect at once: the cron restarts at the new frequency.
      if (!this.cronTimer || this.closing) return;
      clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.startCron();
    });
    // Directives nodis does not act on yet: a warning on CONFIG SET (at start-up: warnInertDirectives).
    watchInertDirectives(config, (m) => this.inertWarning(m));
  }

  /** Where warnings about directives nodis does not act on go (the embedding API may redirect them). */
  inertWarning: (message: string) => void = (m) => this.log.warning(m);

  /** At start-up: one warning for each configured directive that nodis does not act on yet. */
  warnInertDirectives(): void {
    for (const w of inertDirectiveWarnings(this.config)) this.inertWarning(w);
  }

  private applyLogConfig(): void {
    const level = this.config.get('loglevel');
    if (isLogLevel(level)) this.log.level = level;
    this.log.file = this.config.get('logfile');
  }

  /** Error replies counted when the last command started or ended (see dispatch's call()). */
  errorsSeen = 0;

  /** maxmemory in bytes (0: none), and whether its policy refuses writes (see maxmemory.ts). */
  maxmemory = 0;
  maxmemoryRefuses = true;

  private applyMaxmemory(): void {
    this.maxmemory = this.config.num('maxmemory');
    // Only noeviction is built: the other policies would evict instead of refusing.
    this.maxmemoryRefuses = this.config.get('maxmemory-policy') === 'noeviction';
  }

  /** CONFIG SET of either limit applies to connected clients too, as in Redis. */
  private applyProtoLimits(): void {
    const memory = (name: string, fallback: number): number => {
      const v = parseMemory(this.config.get(name));
      return v === null || v <= 0 ? fallback : v;
    };
    this.protoLimits.maxBulkLen = memory('proto-max-bulk-len', 512 * 1024 * 1024);
    this.protoLimits.queryBufferLimit = memory('client-query-buffer-limit', 1024 * 1024 * 1024);
  }

  /**
   * The time of the current execution unit, frozen while it runs (read from the clock on first
   * use, so commands that need no time pay nothing); the clock itself outside a unit.
   */
  now(): number {
    if (this.unitDepth === 0) return this.clock.now();
    if (this.unitNow < 0) this.unitNow = this.clock.now();
    return this.unitNow;
  }

  /**
   * Opens an execution unit (nested ones join the outermost); true for the outermost. A unit of
   * a command that touches arbitrary keys (SCAN, RANDOMKEY run directly) propagates what it
   * gathered without MULTI/EXEC, as Redis does.
   */
  beginUnit(c: Client | null, noMulti = false): boolean {
    if (this.unitDepth++ !== 0) return false;
    this.unitNow = -1;
    this.currentClient = c;
    this.unitNoMulti = noMulti;
    return true;
  }

  /**
   * Closes a unit; the outermost one propagates what it gathered, in order, wrapped in
   * MULTI/EXEC when it is more than one command (as Redis's propagatePendingCommands), then
   * runs the after-unit work.
   */
  endUnit(): void {
    if (--this.unitDepth !== 0) return;
    const c = this.currentClient;
    this.currentClient = null;
    if (this.pendingPropagation.length !== 0) this.propagatePending(c);
    // The running client's own invalidations follow its reply (Redis's afterCommand).
    if (this.tracking.pending.length !== 0) this.tracking.sendPending(c);
    for (let i = 0; i < this.afterUnit.length; i++) this.afterUnit[i]();
  }

  /** Runs fn as one execution unit of its own (cron jobs: active expiry …). */
  inUnit(fn: () => void): void {
    this.beginUnit(null);
    try {
      fn();
    } finally {
      this.endUnit();
    }
  }

  /** Counts a command run for its share of the current read's time (see tick). */
  commandRan(cmd: Command, c: Client, argv: string[]): void {
    this.timedClients[this.timedCount] = c;
    this.timedArgv[this.timedCount] = argv;
    this.timed[this.timedCount++] = cmd;
    // Commands outside any read (fake clients) settle in bounded groups.
    if (this.timedCount >= 1024) this.settleCommandTimes();
  }

  /** Gives the commands run since tick their durations (usec, latency histogram). */
  settleCommandTimes(): void {
    const end = performance.now();
    const n = this.timedCount;
    if (n !== 0) {
      const shareUs = ((end - this.tick) / n) * 1000;
      // One duration for all: its histogram bucket is found once.
      const bucket = LatencyHistogram.indexOf(shareUs * 1000);
      for (let i = 0; i < n; i++) {
        const cmd = this.timed[i];
        cmd.stats.usec += shareUs;
        cmd.recordLatencyAt(bucket);
      }
      if (this.slowlogThreshold >= 0 && shareUs >= this.slowlogThreshold) this.logSlow(n, shareUs);
      if (this.latencyThresholdMs > 0 && shareUs >= this.latencyThresholdMs * 1000) this.logLatency(n, shareUs);
      this.timedCount = 0;
    }
    this.tick = end;
  }

  /** The latency monitor, and its threshold in ms (latency-monitor-threshold; 0: off). */
  readonly latency = new LatencyMonitor();
  latencyThresholdMs = 0;

  /** Records a latency event if it reached the threshold (Redis's latencyAddSampleIfNeeded). */
  latencySample(event: string, ms: number): void {
    if (this.latencyThresholdMs > 0 && ms >= this.latencyThresholdMs) {
      this.latency.add(event, Math.floor(this.clock.now() / 1000), ms);
    }
  }

  private logLatency(n: number, durationUs: number): void {
    const ms = Math.trunc(durationUs / 1000);
    let fast = false;
    let slow = false;
    for (let i = 0; i < n; i++) {
      if (this.timed[i].fast) fast = true;
      else slow = true;
    }
    if (fast) this.latencySample('fast-command', ms);
    if (slow) this.latencySample('command', ms);
  }

  /** Clients in MONITOR mode. */
  readonly monitors = new Set<Client>();

  /**
   * Shows a command that ran to every MONITOR client, as Redis's replicationFeedMonitors: the
   * time in µs, the database after the command, the client, the arguments quoted.
   */
  feedMonitors(c: Client, argv: readonly string[]): void {
    const us = this.clock.nowUs();
    const source = c.socket === null ? 'lua' : c.isUnixSocket ? `unix:${this.config.get('unixsocket')}` : c.addr;
    let line = `+${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')} [${c.db.id} ${source}]`;
    for (let i = 0; i < argv.length; i++) line += ' ' + quoteRepr(argv[i]);
    line += '\r\n';
    for (const m of this.monitors) {
      m.raw(line);
      this.wake(m);
    }
  }

  /** The slow log, and its threshold in µs (slowlog-log-slower-than; negative: off). */
  readonly slowlog = new SlowLog();
  slowlogThreshold = 10_000;

  /** Logs the last n commands run, each of which took durationUs (see settleCommandTimes). */
  private logSlow(n: number, durationUs: number): void {
    const time = Math.floor(this.clock.now() / 1000);
    const maxLen = this.config.num('slowlog-max-len');
    for (let i = 0; i < n; i++) {
      const cmd = this.timed[i];
      if (cmd.skipSlowlog) continue;
      const c = this.timedClients[i];
      this.slowlog.push(this.timedArgv[i], Math.floor(durationUs), time, c.addr, c.name, maxLen);
    }
  }

  /**
   * Whether anything reads what commands propagate: a replica attached (to this server as a
   * primary: a replica's replicas read its primary's stream, not this one) or the AOF. When
   * nothing does, a command may skip building the rewritten form it would propagate.
   */
  propagationWanted(): boolean {
    return (this.replication.active && !this.replicaSide.active) || this.aof.state !== 'off';
  }

  /**
   * Queues a command for the replication stream (and the AOF later) on behalf of the running
   * unit. Outside any unit it goes out at once.
   */
  alsoPropagate(dbid: number, argv: string[]): void {
    // Nothing reads the stream yet (no replica has attached, no AOF): nothing to gather.
    if (!this.propagationWanted()) return;
    this.pendingPropagation.push({ dbid, argv, encoded: null });
    if (this.unitDepth === 0) this.propagatePending();
  }

  /** writer: the unit's client, whose last write (WAIT's offset) this is. */
  private propagatePending(writer: Client | null = null): void {
    const ops = this.pendingPropagation;
    this.pendingPropagation = [];
    // The replicas' stream and the AOF get the same commands (Redis's propagateNow). A replica's
    // own replicas get its primary's stream byte for byte instead (ReplicationReplica.afterRead):
    // nothing it runs itself goes to them, as in Redis's replicationFeedSlaves.
    if (this.replication.active && !this.replicaSide.active) {
      this.feedStream(this.replication, ops);
      // WAIT counts acknowledgements of this offset for the client whose unit wrote.
      if (writer !== null) writer.woff = this.replication.offset;
    }
    if (this.aof.state !== 'off') {
      this.feedStream(this.aof, ops);
      // Written before this turn's replies go out (Redis's beforeSleep).
      this.scheduleFlush();
    }
  }

  private feedStream(feed: PropagationFeed, ops: PendingOp[]): void {
    const wrap = ops.length > 1 && !this.unitNoMulti;
    // MULTI takes the first command's database, so a SELECT goes before it, as in Redis.
    if (wrap) feed.feed(ops[0].dbid, MULTI, MULTI_ENCODED);
    // Encoded by the first stream to take it; the second (the AOF after the replicas) reuses it.
    for (const op of ops) feed.feed(op.dbid, op.argv, (op.encoded ??= encodeArgv(op.argv)));
    // EXEC goes to whichever database the stream is in by then: no SELECT before it.
    if (wrap) feed.feed(ops[ops.length - 1].dbid, EXEC, EXEC_ENCODED);
  }

  /** CONFIG SET appendonly (updateAppendonly): a rewrite makes the base before writes go on. */
  private applyAppendonly(): string | null {
    const on = this.config.bool('appendonly');
    if (!on && this.aof.state !== 'off') this.aof.stop();
    else if (on && this.aof.state === 'off' && !this.aof.start(this.inExec)) return 'Unable to turn on AOF. Check server logs.';
    return null;
  }

  /** Writes the AOF buffer (and fsyncs as appendfsync says); a write Redis cannot survive stops the server. */
  flushAof(force = false): void {
    if (this.aof.state === 'off' || this.aof.flush(force)) return;
    this.exitCode = 1;
    this.shutdown();
  }

  /**
   * Queues c's output to be written once the event loop has run every callback of this turn (the
   * check phase, as Redis writes in beforeSleep): replies to all the reads of one turn, and what
   * PUBLISH or the replication stream sent other clients, leave in one write per client after
   * them. Writing each client's replies as soon as its read was served costs far more: each
   * small write wakes the benchmark or client process on its own (measured: pipelined SET, GET
   * and INCR 20–45% faster this way, and no slower without pipelining).
   */
  wake(c: Client): void {
    if (c.flushQueued) return;
    c.flushQueued = true;
    this.toFlush.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushPending);
    }
  }

  /** Makes sure the end-of-turn write runs (for work it does first: BCAST invalidations). */
  scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushPending);
    }
  }

  /** Writes out every client queued by wake. */
  private readonly flushPending = (): void => {
    // BCAST invalidations gathered this turn go out first, with the rest (Redis's beforeSleep).
    if (this.tracking.broadcastPending) this.tracking.broadcast();
    this.flushScheduled = false;
    // The AOF before any reply: an acknowledged write is in the file (on disk with fsync always).
    if (this.aof.state !== 'off') this.flushAof();
    const clients = this.toFlush;
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i];
      c.flushQueued = false;
      c.flush();
    }
    clients.length = 0;
  };

  /**
   * After a write to a key: the keyspace event and the dirty count (the database has already
   * bumped WATCH versions). Called only by Database.changed.
   */
  keyChanged(db: Database, key: string, type: number, event: string, dirty: number): void {
    this.dirty += dirty;
    if (this.tracking.armed) this.tracking.invalidateKey(key, this.currentClient);
    if (this.notifyFlags & type) notifyKeyspaceEvent(this, type, event, key, db.id);
    // Clients blocked on the key get another look at it (Redis's signalKeyAsReady).
    if (this.blocking.waitedKeys !== 0) this.blocking.signal(db, key);
  }

  /**
   * Publishes a message to a channel's subscribers and matching patterns; returns how many
   * received it. Receivers other than the running client get it at the end of the unit.
   */
  publish(channel: string, message: string): number {
    return this.pubsub.publish(channel, message);
  }

  /**
   * Whether a lookup records the key's access time: not for the commands of a client with
   * CLIENT NO-TOUCH on, except TOUCH itself (as Redis's lookupKey).
   */
  accessTouches(): boolean {
    const c = this.currentClient;
    return c === null || !c.noTouch || c.lastCommand === 'touch';
  }

  /** While clients are paused, keys whose time passed stay (they read as missing). */
  expiryPaused(): boolean {
    return this.pause.active && this.pause.check();
  }

  /**
   * How a key whose time passed is treated on a replica (Redis's expireIfNeeded with a
   * masterhost): null on a primary (removed); 'keep' while the primary's own commands run (the
   * key is still there for them); 'hide' otherwise (it reads as missing, the primary's DEL removes it).
   */
  replicaExpiry(): 'keep' | 'hide' | null {
    if (!this.replicaSide.active) return null;
    const c = this.currentClient;
    if (c === null) return 'hide';
    if (c.isMaster) return 'keep';
    // A writable replica's own writes see the key gone for good, as on a primary (the DEL it
    // propagates reaches only its AOF).
    if (!this.config.bool('replica-read-only') && this.table.lookup(c.lastCommand)?.write) return null;
    return 'hide';
  }

  expireSet(db: Database, key: string): void {
    // Only a replica's own clients' keys: the primary expires the rest (rememberSlaveKeyWithExpire).
    if (this.replicaSide.active && this.currentClient !== null && !this.currentClient.isMaster) {
      this.replicaSide.rememberWritableKey(db, key);
    }
  }

  /** A read missed (the 'keymiss' event, class m). */
  keyMissed(db: Database, key: string): void {
    if (this.notifyFlags & NOTIFY.KEY_MISS) notifyKeyspaceEvent(this, NOTIFY.KEY_MISS, 'keymiss', key, db.id);
  }

  /** A new key was added to a database (the 'new' event, class n). */
  keyAdded(db: Database, key: string): void {
    if (this.notifyFlags & NOTIFY.NEW) notifyKeyspaceEvent(this, NOTIFY.NEW, 'new', key, db.id);
  }


  requirePass(): string {
    return this.config.get('requirepass');
  }

  /**
   * A key removed because its time passed (lazily or by the active cycle): the 'expired' event
   * and a DEL in the replication stream, as Redis's deleteExpiredKeyAndPropagate.
   */
  keyExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    if (this.notifyFlags & NOTIFY.EXPIRED) notifyKeyspaceEvent(this, NOTIFY.EXPIRED, 'expired', key, db.id);
    // No writer: a NOLOOP BCAST client hears of its own keys expiring.
    if (this.tracking.armed) this.tracking.invalidateKey(key, null);
    this.alsoPropagate(db.id, ['DEL', key]);
  }

  /**
   * After FLUSHDB, FLUSHALL or DEBUG RELOAD emptied data (Redis's signalFlushedDb; db.flush()
   * itself touches WATCHed keys): tracking clients are told every key is invalid.
   */
  dataFlushed(): void {
    this.tracking.flushed();
  }

  countErrorReply(msg: string): void {
    this.stats.totalErrorReplies++;
    // Like Redis: the code is the first word if a space comes within 32 bytes, else "ERR".
    const sp = msg.indexOf(' ');
    const code = sp >= 0 && sp < 31 ? msg.slice(0, sp) : 'ERR';
    this.stats.errorCodes.set(code, (this.stats.errorCodes.get(code) ?? 0) + 1);
  }

  /**
   * Starts listening on the configured TCP port and unix socket. Port 0 picks a free port, unless
   * noTcpOnPortZero is set: then, as in redis-server, port 0 means no TCP listener at all.
   */
  async listen(opts: { noTcpOnPortZero?: boolean } = {}): Promise<void> {
    this.listening = true;
    const port = this.config.num('port');
    this.listeningPortSetting = port;
    if (port !== 0 || !opts.noTcpOnPortZero) {
      let bound = port;
      for (const { host, ipv6Only, optional } of this.bindAddresses()) {
        try {
          bound = await this.listenTcp(host, bound, ipv6Only);
        } catch (e) {
          if (optional) continue;
          throw e;
        }
      }
      this.port = bound;
    }
    const unixPath = this.config.get('unixsocket');
    if (unixPath) {
      if (existsSync(unixPath)) unlinkSync(unixPath);
      await new Promise<void>((resolve, reject) => {
        const srv = createServer({ pauseOnConnect: true }, (s) => this.accept(s));
        srv.once('error', reject);
        srv.listen(unixPath, () => {
          srv.off('error', reject);
          const perm = parseInt(this.config.get('unixsocketperm'), 8);
          if (perm) chmodSync(unixPath, perm);
          if (this.unrefHandles) srv.unref();
          this.netServers.push(srv);
          resolve();
        });
      });
    }
    this.startCron();
  }

  /** The `bind` addresses as listen() takes them ("*" is 0.0.0.0, "::*" is :: for IPv6 only). */
  private bindAddresses(): Array<{ host: string; ipv6Only: boolean; optional: boolean }> {
    return this.config
      .get('bind')
      .split(/\s+/)
      .filter(Boolean)
      .map((spec) => {
        const optional = spec.startsWith('-');
        const host = optional ? spec.slice(1) : spec;
        if (host === '*') return { host: '0.0.0.0', ipv6Only: false, optional };
        if (host === '::*') return { host: '::', ipv6Only: true, optional };
        return { host, ipv6Only: false, optional };
      });
  }

  private listenTcp(host: string, port: number, ipv6Only: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s));
      const failed = (e: NodeJS.ErrnoException & { address?: string; port?: number }): void => {
        // listen(handle) reports a failed listen (a bind's EADDRINUSE shows there) without where.
        e.address ??= host;
        e.port ??= port;
        reject(e);
      };
      srv.once('error', failed);
      const listening = (): void => {
        srv.off('error', failed);
        if (this.unrefHandles) srv.unref();
        this.netServers.push(srv);
        this.tcpServers.push(srv);
        const addr = srv.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      };
      const backlog = this.config.num('tcp-backlog');
      // An IP literal is bound here, as rebindTcp does, not by listen(), whose lookup of the host
      // would test it with isIP (see ipFamily).
      const handle = bindTcpHandle(host, port, ipv6Only);
      if (handle === null) srv.listen({ host, port, ipv6Only, backlog }, listening);
      else if (typeof handle === 'number') reject(listenError(handle, host, port));
      else srv.listen(handle, backlog, listening);
    });
  }

  /**
   * CONFIG SET port (Redis's changeListenPort): the TCP listeners move to the new port on every
   * bind address (open connections stay); port 0 closes them. When the new port cannot be bound,
   * nothing changes and CONFIG SET fails with Redis's error. The answer is needed before the
   * command returns, so the bind is synchronous, through Node's net._createServerHandle (the
   * addresses must be IP literals; otherwise, or without that function, listening happens after
   * the reply and a failure is only logged).
   */
  private rebindTcp(): string | null {
    const port = this.config.num('port');
    // (A CONFIG SET rolled back asks again for the port the listeners are on: nothing to do.)
    if (!this.listening || port === this.listeningPortSetting) return null;
    const fresh: NetServer[] = [];
    let bound = port;
    const addresses = port === 0 ? [] : this.bindAddresses();
    if (addresses.some((a) => ipFamily(a.host) === 0) || !createServerHandle) {
      void this.rebindTcpLater(port, addresses);
      return null;
    }
    for (const { host, ipv6Only, optional } of addresses) {
      // (Never null: every address is an IP literal and the function exists, checked above.)
      const handle = bindTcpHandle(host, bound, ipv6Only) as object | number;
      let srv: NetServer | null = null;
      const failed = (code: string | undefined): void => {
        if (!optional) this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: ${strerror(code)}`);
      };
      if (typeof handle === 'number') failed(getSystemErrorName(handle));
      else {
        srv = createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s));
        // A failed listen is seen here at once; Node reports why as an event next tick.
        srv.on('error', (e: NodeJS.ErrnoException) => failed(e.code));
        srv.listen(handle, this.config.num('tcp-backlog'));
        if (!srv.listening) srv = null;
      }
      if (srv === null) {
        if (optional) continue;
        for (const s of fresh) s.close();
        return 'Unable to listen on this port. Check server logs.';
      }
      if (bound === 0) {
        const addr = srv.address();
        if (typeof addr === 'object' && addr) bound = addr.port;
      }
      if (this.unrefHandles) srv.unref();
      fresh.push(srv);
    }
    this.listeningPortSetting = port;
    this.replaceTcpServers(fresh, bound);
    return null;
  }

  /** rebindTcp for addresses that need a lookup: listens after the reply, logging a failure. */
  private async rebindTcpLater(port: number, addresses: Array<{ host: string; ipv6Only: boolean; optional: boolean }>): Promise<void> {
    const old = this.tcpServers;
    this.tcpServers = [];
    this.listeningPortSetting = port;
    let bound = port;
    for (const { host, ipv6Only, optional } of addresses) {
      try {
        bound = await this.listenTcp(host, bound, ipv6Only);
      } catch (e) {
        if (!optional) this.log.warning(`Could not listen on ${host}:${bound}: ${(e as Error).message}`);
      }
    }
    const fresh = this.tcpServers;
    this.tcpServers = old;
    this.replaceTcpServers(fresh, bound);
  }

  /** Closes the TCP listeners in favour of fresh ones on port. */
  private replaceTcpServers(fresh: NetServer[], port: number): void {
    for (const s of this.tcpServers) {
      s.close();
      const i = this.netServers.indexOf(s);
      if (i >= 0) this.netServers.splice(i, 1);
    }
    for (const s of fresh) if (!this.netServers.includes(s)) this.netServers.push(s);
    this.tcpServers = fresh;
    this.port = port;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.clients.size >= this.config.num('maxclients')) {
      refuse(socket, '-ERR max number of clients reached\r\n');
      this.stats.rejectedConnections++;
      return;
    }
    this.stats.connectionsReceived++;
    if (this.protectedModeRefuses(socket)) {
      refuse(socket, PROTECTED_MODE_DENIED);
      this.stats.rejectedConnections++;
      return;
    }
    if (this.unrefHandles) socket.unref();
    const keepAlive = this.config.num('tcp-keepalive');
    if (keepAlive > 0 && socket.remoteAddress) socket.setKeepAlive(true, keepAlive * 1000);
    this.adoptConnection(socket);
  }

  /**
   * Makes a connected socket a client whose input is served as every client's: an accepted
   * connection, or a replica's link to its primary once the handshake is done.
   */
  adoptConnection(socket: Socket): Client {
    const c = new Client(this, socket, this.nextClientId++);
    c.parser.limits = this.protoLimits;
    this.clients.set(c.id, c);
    if (!useReadBuffer(socket, (n, buf) => this.onData(c, buf, n))) {
      socket.on('data', (chunk: Buffer) => this.onData(c, chunk, chunk.length));
    }
    socket.on('error', () => this.unlinkClient(c));
    socket.on('close', () => this.unlinkClient(c));
    socket.resume();
    return c;
  }

  /** Serves input that arrived for c before it became a client (what followed the snapshot). */
  feedMaster(c: Client, input: Buffer): void {
    this.onData(c, input, input.length);
  }

  /**
   * Protected mode: with no password for the default user, only loopback and unix-socket clients
   * may connect, so a server started without configuration is not open to the network.
   */
  private protectedModeRefuses(socket: Socket): boolean {
    if (!this.config.bool('protected-mode') || this.requirePass()) return false;
    const ip = socket.remoteAddress;
    if (ip === undefined) return false; // unix socket
    // Only these two count as local, as in Redis (not the rest of 127.0.0.0/8).
    const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    return !(v4 === '127.0.0.1' || v4 === '::1');
  }

  /**
   * Runs every command in a read, then queues their replies to be written at once. Like Redis, the
   * commands before a protocol error are answered first; then the error, then the close.
   */
  private onData(c: Client, chunk: Buffer, length: number): void {
    if (c.closed) return;
    try {
      this.serveRead(c, chunk, length);
    } catch (e) {
      // A fault while serving one connection ends that connection only.
      this.reading = null;
      this.logFault(`Closing client after an internal error: id=${c.id} addr=${c.addr}`, e);
      c.drop();
    }
  }

  private serveRead(c: Client, chunk: Buffer, length: number): void {
    // A read of this replica's primary: counted as received, its commands applied, then proxied.
    if (c.isMaster) this.replicaSide.received(chunk, length);
    this.stats.netInputBytes += length;
    c.lastInteraction = this.lruClock = this.clock.now();
    if (this.timedCount !== 0) this.settleCommandTimes();
    this.tick = performance.now();
    const outer = this.reading;
    this.reading = c;
    const result = c.parser.feed(chunk, this.runCommand, length);
    this.reading = outer;
    if (c.isMaster) this.replicaSide.afterRead();
    this.afterRead(c, result);
  }

  /**
   * What follows parsing a client's input: its commands' durations, a protocol error or
   * overflow, the replies written out, memory given back.
   */
  private afterRead(c: Client, result: FeedResult): void {
    if (this.timedCount !== 0) this.settleCommandTimes();
    if (result.overflow) {
      // Redis frees the client at once, without a reply; earlier reads were answered already.
      this.log.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.addr}`);
      c.drop();
      return;
    }
    if (result.error) {
      this.log.verbose(`Protocol error (${result.error}) from client: id=${c.id} addr=${c.addr}`);
      // With CLIENT REPLY OFF/SKIP the error reply is dropped (counted all the same).
      if (c.replyMode === 'on') c.error(`ERR Protocol error: ${result.error}`);
      else c.errorNotSent(`ERR Protocol error: ${result.error}`);
      c.closeAfterReply = true;
    }
    // Like Redis, a client to close after its reply (QUIT, a protocol error) is closed once its
    // output is written; with nothing to write (replies switched off) that never happens, and
    // the connection hangs on, reading nothing more, until the client or a timeout closes it.
    if (c.closeAfterReply && c.pendingOutput !== 0) c.close();
    else if (c.replyBytes !== 0) this.wake(c);
    if (c.parser.released !== 0) {
      this.memory.released(c.parser.released);
      c.parser.released = 0;
    }
  }

  /** Stack traces logged in the current minute, and faults left out of the log since. */
  private faultLog = { windowStart: 0, logged: 0, suppressed: 0 };

  /**
   * Logs an unexpected exception (a bug in nodis) with its stack: at most a few per minute, so a
   * client repeating the request that trips it cannot flood the log.
   */
  logFault(context: string, e: unknown): void {
    const f = this.faultLog;
    const now = wallClockMs();
    if (now - f.windowStart >= 60_000) {
      if (f.suppressed > 0) this.log.warning(`(${f.suppressed} more internal errors were not logged)`);
      f.windowStart = now;
      f.logged = 0;
      f.suppressed = 0;
    }
    if (f.logged >= FAULTS_LOGGED_PER_MINUTE) {
      f.suppressed++;
      return;
    }
    f.logged++;
    const err = e instanceof Error ? e : new Error(String(e));
    this.log.warning(`${context}: ${err.stack ?? err.message}`);
  }

  /** The client whose input onData is parsing, for runCommand. */
  private reading: Client | null = null;

  /** The parser's sink for every client: one function, not a closure per read. */
  private readonly runCommand = (argv: string[]): boolean => {
    const c = this.reading!;
    if (argv.length === 0) {
      // An empty request: nothing runs, but a pending CLIENT REPLY SKIP is used up.
      if (c.replyMode === 'skip') c.replyMode = 'on';
      return true;
    }
    if (c.parser.oversized) refuseOversized(c, argv);
    else processCommand(c, argv);
    if (c.isMaster) this.replicaSide.commandProcessed(c);
    // After QUIT Redis parses nothing more from this client; a blocked client's next commands
    // wait until it is unblocked (resumeClients).
    return !c.closeAfterReply && c.blocked === null;
  };

  /**
   * Parses what clients sent while they were blocked, once they are unblocked (Redis's
   * processUnblockedClients), outside any command: scheduled by the blocking module.
   */
  readonly resumeClients = (): void => {
    const clients = this.blocking.unblocked.splice(0);
    for (const c of clients) {
      if (c.closed || c.blocked !== null || c.closeAfterReply) {
        c.pendingCommand = null;
        continue;
      }
      const pending = c.pendingCommand;
      if (pending === null && !c.parser.isPaused) continue;
      try {
        if (this.timedCount !== 0) this.settleCommandTimes();
        this.tick = performance.now();
        this.lruClock = this.clock.now();
        const outer = this.reading;
        this.reading = c;
        // A command CLIENT PAUSE held back runs first, from the start (it may be held again).
        let go = true;
        if (pending !== null) {
          c.pendingCommand = null;
          go = this.runCommand(pending);
        }
        const result = go && c.parser.isPaused ? c.parser.resume(this.runCommand) : NOTHING_PARSED;
        this.reading = outer;
        if (c.isMaster) this.replicaSide.afterRead();
        this.afterRead(c, result);
      } catch (e) {
        this.reading = null;
        this.logFault(`Closing client after an internal error: id=${c.id} addr=${c.addr}`, e);
        c.drop();
      }
    }
  };

  /** A client created without a socket (scripts, tests of the command path). */
  createFakeClient(): Client {
    return new Client(this, null, this.nextClientId++);
  }

  unlinkClient(c: Client): void {
    if (!this.clients.has(c.id)) return;
    this.clients.delete(c.id);
    c.closed = true;
    if (c.isMaster) this.replicaSide.masterGone(c);
    c.releaseFeatures();
    // What the client held (a half-received argument, replies it never read) goes back now.
    c.parser.reset();
    const held = c.parser.released + c.replyBytes + (c.socket ? c.socket.writableLength : 0);
    c.parser.released = 0;
    c.discardReplies();
    if (held !== 0) this.memory.released(held);
    // A socket ended on purpose (QUIT, protocol error) first hands its last replies to the
    // kernel, then closes fully, as Redis closes the fd after writing them.
    const s = c.socket;
    if (s && !s.destroyed) {
      if (!s.writableEnded || s.writableFinished) s.destroy();
      else s.once('finish', () => s.destroy());
    }
  }

  private startCron(): void {
    if (this.cronTimer) return;
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    let ticks = 0;
    this.cronTimer = setInterval(() => {
      // A unit still open here is a script running past busy-reply-threshold (scripting/lua.ts):
      // as Redis runs no serverCron while it serves events during a busy script, nothing runs.
      if (this.cronPaused || this.unitDepth !== 0) return;
      ticks++;
      this.lruClock = this.clock.now();
      if (this.shutdownSignal !== null && this.onSignalShutdown !== null && !this.shutdownInProgress) {
        const sig = this.shutdownSignal;
        this.shutdownSignal = null;
        this.onSignalShutdown(sig);
        if (this.closing) return;
      }
      this.sampleOps();
      if (this.pendingShutdown !== null) {
        checkPendingShutdown(this);
        if (this.closing) return;
      }
      // A pause whose time has passed ends here (as in Redis's serverCron); the clients it held
      // run their commands at once, before any new input.
      if (this.pause.active && !this.pause.check() && this.blocking.unblocked.length !== 0) this.resumeClients();
      // A replica's keys expire by its primary's DELs (logically only, on reads, meanwhile).
      if (this.activeExpireEnabled && !this.replicaSide.active) this.activeExpireCycle(1000 / hz);
      else if (this.activeExpireEnabled && this.replicaSide.writableKeys.size !== 0) this.inUnit(() => this.replicaSide.expireWritableKeys());
      // Deadlines have their own timer; this catches a clock moved without advance().
      if (this.blocking.timedClients !== 0) this.blocking.checkTimeouts();
      if (this.tracking.clients !== 0) this.tracking.limit();
      this.replication.cron();
      if (this.failover.inProgress) this.failover.update();
      // everysec's fsync of what was written, and a retry after a failed write.
      if (this.aof.state !== 'off') this.flushAof();
      saveCron(this);
      this.aof.cron();
      if (ticks % hz === 0) {
        this.clientsCron();
        this.replicaSide.cron();
        // (Not inside a host process: its heap is the host's to manage.)
        if (!this.unrefHandles) this.memory.idleTick(this.stats.commandsProcessed);
      }
    }, 1000 / hz);
    this.cronTimer.unref();
  }

  private sampleOps(): void {
    const now = this.clock.now();
    const s = this.stats;
    const dt = now - s.opsLastTime;
    if (dt <= 0) return;
    s.opsSamples.push(((s.commandsProcessed - s.opsLastCount) * 1000) / dt);
    if (s.opsSamples.length > 16) s.opsSamples.shift();
    s.opsLastCount = s.commandsProcessed;
    s.opsLastTime = now;
  }

  /**
   * Samples volatile keys in every database and removes expired ones, repeating while many of
   * the sampled keys had expired, within a bounded share of the cron period.
   */
  activeExpireCycle(periodMs: number): void {
    // While clients are paused the dataset stays as it is: nothing expires.
    if (this.pause.check()) return;
    const start = performance.now();
    const budget = (periodMs * EXPIRE_TIME_PERC) / 100;
    let totalSampled = 0;
    let totalExpired = 0;
    for (const db of this.dbs) {
      for (;;) {
        const [sampled, expired] = db.activeExpire(EXPIRE_KEYS_PER_LOOP);
        totalSampled += sampled;
        totalExpired += expired;
        // Stop when few sampled keys were stale (under 10%), as Redis does.
        if (sampled === 0 || expired * 10 <= sampled) break;
        if (performance.now() - start > budget) break;
      }
      if (performance.now() - start > budget) break;
    }
    const perc = totalSampled ? totalExpired / totalSampled : 0;
    this.stats.expiredStalePerc = perc * 0.05 + this.stats.expiredStalePerc * 0.95;
    const elapsed = performance.now() - start;
    this.stats.expireCycleCpuMs += elapsed;
    this.latencySample('expire-cycle', Math.trunc(elapsed));
  }

  /**
   * Once a second, every client: one idle longer than `timeout` is closed; one over its soft
   * output limit for longer than the limit's time is dropped, whether or not more output came.
   */
  private clientsCron(): void {
    const timeout = this.config.num('timeout');
    const now = this.clock.now();
    for (const c of [...this.clients.values()]) {
      // A blocked client is waiting on purpose (its own timeout applies, not the idle one), and
      // subscribers, replicas, the link to a primary and monitors are meant to be quiet, as in Redis.
      if (
        timeout > 0 &&
        c.blocked === null &&
        c.pubsub === null &&
        c.replica === null &&
        !c.isMaster &&
        !c.monitor &&
        now - c.lastInteraction > timeout * 1000
      ) {
        this.log.verbose('Closing idle client');
        c.close();
        continue;
      }
      c.checkSoftLimit();
    }
  }

  /** CONFIG RESETSTAT: zeroes the INFO counters, the per-command statistics and the error counts. */
  resetStats(): void {
    this.settleCommandTimes();
    Object.assign(this.stats, newStats(this.clock.now()));
    // INFO total_forks restarts too (Redis's stat_total_forks): replicas' syncs now count in it.
    this.snapshotsStarted = 0;
    for (const cmd of this.table.all()) {
      cmd.stats.calls = 0;
      cmd.stats.usec = 0;
      cmd.stats.rejectedCalls = 0;
      cmd.stats.failedCalls = 0;
      cmd.latency = null;
    }
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      // A background save still running is stopped (its temp file removed), as Redis kills its child.
      if (this.bgsave !== null) abortBackgroundSave(this, false);
      if (this.cronTimer) clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.replicaSide.stop();
      this.aof.stop();
      this.memory.stop();
      this.blocking.stop();
      for (const c of [...this.clients.values()]) {
        c.close();
        c.socket?.destroy();
      }
      await Promise.all(
        this.netServers.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))),
      );
      this.netServers = [];
      const unixPath = this.config.get('unixsocket');
      if (unixPath && existsSync(unixPath)) {
        try {
          unlinkSync(unixPath);
        } catch {
          // Already gone.
        }
      }
      this.emit('closed');
    })();
    return this.closing;
  }

  /**
   * Asks the owner (CLI or embedding API) to stop, and stops listening; the CLI exits the process.
   * SHUTDOWN and signals come through shutdownServer (commands/persistence.ts), which saves first.
   */
  shutdown(): void {
    this.emit('shutdown');
    void this.close();
  }
}
