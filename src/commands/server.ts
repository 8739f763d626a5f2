// Server commands: COMMAND (introspection of the command table), INFO, TIME, LASTSAVE, DEBUG,
// LOLWUT and SHUTDOWN.

import { randomBytes } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import * as os from 'node:os';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { getCommandKeys, type Command, type CommandSpec, type KeySpec } from '../server/command.js';
import { ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SYNTAX, errSubcommandSyntax } from '../server/errors.js';
import { atoi, parseInt64, parseInteger } from '../util/numbers.js';
import { globMatch } from '../util/glob.js';
import { lzfCompressedSize } from '../util/lzf.js';
import { optionWord } from '../util/cstring.js';
import { encodingOf, stringValue, type Value } from '../types/value.js';
import { REDIS_VERSION, NODIS_VERSION, BUILD_ID } from '../version.js';
import { replyHelp } from './help.js';

// Kept for importers of these from here (they live in src/version.ts and commands/help.ts).
export { REDIS_VERSION, NODIS_VERSION } from '../version.js';
export { replyHelp } from './help.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Flags and ACL categories: status strings in a set (an array in RESP2). */
function replyFlagSet(c: Client, flags: readonly string[]): void {
  c.setLen(flags.length);
  for (const f of flags) c.simple(f);
}


/** C's strtod on a prefix of s: "1.5x" is 1.5, "abc" is 0. */
function strtodPrefix(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i.exec(s);
  if (!m) return 0;
  const t = m[0].trim().toLowerCase().replace(/^\+/, '');
  if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
  if (t.endsWith('nan')) return NaN;
  return Number(t);
}


// ---------------------------------------------------------------------------------------------
// COMMAND

/** One command as COMMAND INFO shows it (Redis's addReplyCommandInfo). */
function replyCommandInfo(c: Client, cmd: Command): void {
  c.arrayLen(10);
  c.bulk(cmd.fullName);
  c.integer(cmd.arity);
  replyFlagSet(c, cmd.flags);
  c.integer(cmd.firstKey);
  c.integer(cmd.lastKey);
  c.integer(cmd.step);
  replyFlagSet(c, cmd.categories);
  c.setLen(cmd.tips.length);
  for (const tip of cmd.tips) c.bulk(tip);
  c.setLen(cmd.keySpecs.length);
  for (const ks of cmd.keySpecs) replyKeySpec(c, ks);
  if (cmd.subcommands.size === 0) {
    c.setLen(0);
  } else {
    c.arrayLen(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) replyCommandInfo(c, sub);
  }
}

function replySpecMap(c: Client, spec: Record<string, unknown>): void {
  const entries = Object.entries(spec);
  c.mapLen(entries.length);
  for (const [k, v] of entries) {
    c.bulk(k);
    if (typeof v === 'number') c.integer(v);
    else c.bulk(String(v));
  }
}

function replyKeySpec(c: Client, ks: KeySpec): void {
  c.mapLen(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    c.bulk('notes');
    c.bulk(ks.notes);
  }
  c.bulk('flags');
  replyFlagSet(c, ks.flags);
  replySearchStep(c, 'begin_search', ks.begin_search);
  replySearchStep(c, 'find_keys', ks.find_keys);
}

/** One step of a key spec (begin_search or find_keys): a map of its type and spec. */
function replySearchStep(c: Client, name: string, step: KeySpec['begin_search']): void {
  c.bulk(name);
  c.mapLen(2);
  c.bulk('type');
  c.bulk(step.type);
  c.bulk('spec');
  replySpecMap(c, step.spec);
}

type DocArg = Record<string, unknown>;

/** A COMMAND DOCS argument list (Redis's addReplyCommandArgList). */
function replyDocArgs(c: Client, args: DocArg[]): void {
  c.arrayLen(args.length);
  for (const arg of args) {
    const entries = Object.entries(arg);
    c.mapLen(entries.length);
    for (const [k, v] of entries) {
      c.bulk(k);
      if (k === 'flags') replyFlagSet(c, v as string[]);
      else if (k === 'arguments') replyDocArgs(c, v as DocArg[]);
      else if (typeof v === 'number') c.integer(v);
      else c.bulk(String(v));
    }
  }
}

/** One command's COMMAND DOCS map (Redis's addReplyCommandDocs). */
function replyCommandDocs(c: Client, cmd: Command): void {
  const entries = Object.entries(cmd.docs).filter(([k]) => k !== 'subcommands');
  const hasSubs = cmd.subcommands.size > 0;
  c.mapLen(entries.length + (hasSubs ? 1 : 0));
  for (const [k, v] of entries) {
    c.bulk(k);
    if (k === 'doc_flags') replyFlagSet(c, v as string[]);
    else if (k === 'history') {
      const history = v as [string, string][];
      c.setLen(history.length);
      for (const [since, changes] of history) {
        c.arrayLen(2);
        c.bulk(since);
        c.bulk(changes);
      }
    } else if (k === 'arguments') replyDocArgs(c, v as DocArg[]);
    else if (typeof v === 'number') c.integer(v);
    else c.bulk(String(v));
  }
  if (hasSubs) {
    c.bulk('subcommands');
    c.mapLen(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      c.bulk(sub.fullName);
      replyCommandDocs(c, sub);
    }
  }
}

function commandAll(c: Client): void {
  const commands = c.server.table.commands;
  c.arrayLen(commands.size);
  for (const cmd of commands.values()) replyCommandInfo(c, cmd);
}

function commandCount(c: Client): void {
  c.integer(c.server.table.commands.size);
}

function commandInfo(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandAll(c);
    return;
  }
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = c.server.table.lookupFull(argv[i]);
    if (cmd) replyCommandInfo(c, cmd);
    else c.nullBulk();
  }
}

function commandDocs(c: Client, argv: string[]): void {
  const table = c.server.table;
  const found: Command[] = [];
  if (argv.length === 2) found.push(...table.commands.values());
  else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = table.lookupFull(argv[i]);
      if (cmd) found.push(cmd);
    }
  }
  c.mapLen(found.length);
  for (const cmd of found) {
    c.bulk(cmd.fullName);
    replyCommandDocs(c, cmd);
  }
}

function commandList(c: Client, argv: string[]): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (optionWord(argv[i]) === 'filterby' && more === 2) {
      const type = optionWord(argv[i + 1]);
      const arg = argv[i + 2];
      if (type === 'module') {
        filter = () => false; // nodis loads no modules.
      } else if (type === 'aclcat') {
        const cat = '@' + optionWord(arg);
        filter = (cmd) => cmd.categories.includes(cat);
      } else if (type === 'pattern') {
        filter = (cmd) => globMatch(arg, cmd.fullName, true);
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const names: string[] = [];
  for (const cmd of c.server.table.all()) {
    if (!filter || filter(cmd)) names.push(cmd.fullName);
  }
  c.bulkArray(names);
}

function replyKeys(c: Client, argv: string[], withFlags: boolean): void {
  const args = argv.slice(2);
  const cmd = c.server.table.lookupArgv(args);
  if (!cmd) {
    c.error('ERR Invalid command specified');
    return;
  }
  if (!cmd.hasKeys) {
    c.error('ERR The command has no key arguments');
    return;
  }
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
    c.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getCommandKeys(cmd, args);
  if (keys.length === 0) {
    if (cmd.flags.includes('no_mandatory_keys')) c.arrayLen(0);
    else c.error('ERR Invalid arguments specified for command');
    return;
  }
  c.arrayLen(keys.length);
  for (const k of keys) {
    if (withFlags) {
      c.arrayLen(2);
      c.bulk(args[k.pos]);
      replyFlagSet(c, k.flags);
    } else {
      c.bulk(args[k.pos]);
    }
  }
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

// ---------------------------------------------------------------------------------------------
// INFO

type Field = [name: string, value: string | number];

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];

/** Memory the process used when nodis was loaded: INFO used_memory_startup. */
const STARTUP_MEMORY = ((): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
})();

/** Highest used_memory seen by INFO, per server. */
const peakMemory = new WeakMap<Server, number>();

function fieldsText(title: string, fields: Field[]): string {
  let s = `# ${title}\r\n`;
  for (const [k, v] of fields) s += `${k}:${v}\r\n`;
  return s;
}

/** Redis's bytesToHuman: 100B, 1.04M, 2.00G … */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  for (let i = 0; i < units.length; i++) {
    if (n < 1024 ** (i + 2)) return `${(n / 1024 ** (i + 1)).toFixed(2)}${units[i]}`;
  }
  return `${n}B`;
}

/** INFO's characters that would break its line format are replaced, as Redis does. */
function safeInfo(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

/** Seconds and microseconds as "%ld.%06ld". */
function secUsec(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(Math.floor(us - sec * 1e6)).padStart(6, '0')}`;
}

/** The LRU clock: seconds, 24 bits (INFO lru_clock, DEBUG OBJECT lru). */
function lruClock(server: Server): number {
  return Math.floor(server.clock.now() / 1000) % 2 ** 24;
}

function executablePath(): string {
  const script = process.argv[1];
  return script ? resolvePath(script) : process.execPath;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

function serverSection(server: Server): string {
  const uptime = Math.floor((server.clock.now() - server.startTime) / 1000);
  const hz = server.config.num('hz');
  return fieldsText('Server', [
    ['redis_version', REDIS_VERSION],
    ['nodis_version', NODIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', BUILD_ID],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', /64/.test(process.arch) ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', multiplexingApi()],
    ['atomicvar_api', 'none'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.port || server.config.num('port')],
    ['server_time_usec', server.clock.nowUs()],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', lruClock(server)],
    ['executable', executablePath()],
    ['config_file', server.configFile],
    ['io_threads_active', 0],
  ]);
}

function clientsSection(server: Server): string {
  let maxOut = 0;
  for (const c of server.clients.values()) maxOut = Math.max(maxOut, c.out.length);
  return fieldsText('Clients', [
    ['connected_clients', server.clients.size],
    ['cluster_connections', 0],
    ['maxclients', server.config.num('maxclients')],
    ['client_recent_max_input_buffer', 0],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', 0],
    ['tracking_clients', 0],
    ['clients_in_timeout_table', 0],
  ]);
}

function memorySection(server: Server): string {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  const active = m.heapTotal + m.external;
  const rss = m.rss;
  const peak = Math.max(used, peakMemory.get(server) ?? 0);
  peakMemory.set(server, peak);
  let clientBuffers = 0;
  for (const c of server.clients.values()) clientBuffers += c.out.length;
  const overhead = STARTUP_MEMORY + clientBuffers;
  const dataset = Math.max(0, used - overhead);
  const netUsage = Math.max(1, used - STARTUP_MEMORY);
  const total = os.totalmem();
  const maxmemory = server.config.num('maxmemory');
  const ratio = (a: number, b: number): string => (b ? a / b : 0).toFixed(2);
  return fieldsText('Memory', [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${((used * 100) / peak).toFixed(2)}%`],
    ['used_memory_overhead', overhead],
    ['used_memory_startup', STARTUP_MEMORY],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${((dataset * 100) / netUsage).toFixed(2)}%`],
    ['allocator_allocated', used],
    ['allocator_active', active],
    ['allocator_resident', rss],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.get('maxmemory-policy')],
    ['allocator_frag_ratio', ratio(active, used)],
    ['allocator_frag_bytes', active - used],
    ['allocator_rss_ratio', ratio(rss, active)],
    ['allocator_rss_bytes', rss - active],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(rss, used)],
    ['mem_fragmentation_bytes', rss - used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', clientBuffers],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ]);
}

function persistenceSection(server: Server): string {
  return fieldsText('Persistence', [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', server.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', server.lastSave],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]);
}

/** Average of the last 16 samples, counting missing ones as 0 (getInstantaneousMetric). */
function instantaneous(samples: readonly number[]): number {
  let sum = 0;
  for (const s of samples) sum += s;
  return Math.floor(sum / 16);
}

function statsSection(server: Server): string {
  const s = server.stats;
  return fieldsText('Stats', [
    ['total_connections_received', s.connectionsReceived],
    ['total_commands_processed', s.commandsProcessed],
    ['instantaneous_ops_per_sec', instantaneous(s.opsSamples)],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', '0.00'],
    ['instantaneous_output_kbps', '0.00'],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConnections],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', (s.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', 0],
    ['expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleCpuMs)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', 0],
    ['pubsub_patterns', 0],
    ['pubsubshard_channels', 0],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', 0],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', 0],
    ['total_writes_processed', 0],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ]);
}

function replicationSection(server: Server): string {
  const fields: Field[] = [
    ['role', 'master'],
    ['connected_slaves', 0],
  ];
  if (server.config.num('min-replicas-to-write') && server.config.num('min-replicas-max-lag')) {
    fields.push(['min_slaves_good_slaves', 0]);
  }
  fields.push(
    ['master_failover_state', 'no-failover'],
    ['master_replid', server.replId],
    ['master_replid2', server.replId2],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', server.config.num('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  );
  return fieldsText('Replication', fields);
}

function cpuSection(): string {
  const u = process.cpuUsage();
  return fieldsText('CPU', [
    ['used_cpu_sys', secUsec(u.system)],
    ['used_cpu_user', secUsec(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    // Node reports the process as a whole; the main thread does almost all of the work.
    ['used_cpu_sys_main_thread', secUsec(u.system)],
    ['used_cpu_user_main_thread', secUsec(u.user)],
  ]);
}

function commandstatsSection(server: Server): string {
  let s = '# Commandstats\r\n';
  for (const cmd of server.table.all()) {
    const st = cmd.stats;
    if (!st.calls && !st.failedCalls && !st.rejectedCalls) continue;
    const usec = Math.floor(st.usec);
    // Redis divides as C floats.
    const perCall = st.calls === 0 ? 0 : Math.fround(Math.fround(usec) / Math.fround(st.calls));
    s +=
      `cmdstat_${safeInfo(cmd.fullName)}:calls=${st.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)}` +
      `,rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}\r\n`;
  }
  return s;
}

function errorstatsSection(server: Server): string {
  let s = '# Errorstats\r\n';
  // Redis keeps error codes in a radix tree: byte order.
  const codes = [...server.stats.errorCodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [code, count] of codes) s += `errorstat_${safeInfo(code)}:count=${count}\r\n`;
  return s;
}

/** "%f" trimmed of trailing zeros: 50 → "50", 99.9 → "99.9". */
function trimPercentile(p: number): string {
  let s = p.toFixed(6);
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function latencystatsSection(server: Server): string {
  let s = '# Latencystats\r\n';
  if (!server.config.bool('latency-tracking')) return s;
  const percentiles = server.config
    .get('latency-tracking-info-percentiles')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isFinite(p));
  for (const cmd of server.table.all()) {
    const h = cmd.latency;
    if (!h || h.total === 0) continue;
    const parts = percentiles.map((p) => `p${trimPercentile(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    s += `latency_percentiles_usec_${safeInfo(cmd.fullName)}:${parts.join(',')}\r\n`;
  }
  return s;
}

/** Average time to live (ms) of the volatile keys, from up to 1024 of them. */
function averageTtl(expires: Map<string, number>, now: number): number {
  let sum = 0;
  let n = 0;
  for (const when of expires.values()) {
    const ttl = when - now;
    if (ttl > 0) {
      sum += ttl;
      n++;
    }
    if (n >= 1024) break;
  }
  return n ? Math.floor(sum / n) : 0;
}

function keyspaceSection(server: Server): string {
  let s = '# Keyspace\r\n';
  const now = server.clock.now();
  for (const db of server.dbs) {
    const keys = db.dict.size;
    const vkeys = db.expires.size;
    if (keys || vkeys) {
      s += `db${db.id}:keys=${keys},expires=${vkeys},avg_ttl=${averageTtl(db.expires, now)}\r\n`;
    }
  }
  return s;
}

/**
 * The INFO text for the given arguments: no arguments means the default sections; "all" adds
 * commandstats and latencystats; "everything" also module-generated sections (none in nodis).
 * Unknown sections contribute nothing.
 */
export function infoString(server: Server, args: readonly string[]): string {
  const wanted = new Set<string>();
  let all = false;
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const a of args) {
    // Section names are C strings to Redis: they end at a NUL byte.
    const name = optionWord(a);
    if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (name === 'all' || name === 'everything') all = true;
    else wanted.add(name);
  }
  const want = (name: string): boolean => all || wanted.has(name);
  const parts: string[] = [];
  if (want('server')) parts.push(serverSection(server));
  if (want('clients')) parts.push(clientsSection(server));
  if (want('memory')) parts.push(memorySection(server));
  if (want('persistence')) parts.push(persistenceSection(server));
  if (want('stats')) parts.push(statsSection(server));
  if (want('replication')) parts.push(replicationSection(server));
  if (want('cpu')) parts.push(cpuSection());
  if (all || wanted.has('module_list') || wanted.has('modules')) parts.push('# Modules\r\n');
  if (want('commandstats')) parts.push(commandstatsSection(server));
  if (want('errorstats')) parts.push(errorstatsSection(server));
  if (want('latencystats')) parts.push(latencystatsSection(server));
  if (want('cluster')) parts.push(fieldsText('Cluster', [['cluster_enabled', 0]]));
  if (want('keyspace')) parts.push(keyspaceSection(server));
  return parts.join('\r\n');
}

function info(c: Client, argv: string[]): void {
  c.verbatim(infoString(c.server, argv.slice(1)));
}

// ---------------------------------------------------------------------------------------------
// TIME, LASTSAVE, LOLWUT, SHUTDOWN

function time(c: Client): void {
  const us = c.server.clock.nowUs();
  const sec = Math.floor(us / 1e6);
  c.arrayLen(2);
  c.bulk(String(sec));
  c.bulk(String(us - sec * 1e6));
}

function lastsave(c: Client): void {
  c.integer(c.server.lastSave);
}

function lolwut(c: Client, argv: string[]): void {
  if (argv.length >= 3 && optionWord(argv[1]) === 'version') {
    const ver = parseInt64(argv[2]);
    if (ver === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    // Redis prints the version as an unsigned int, and versions 5 and 6 take their own numeric
    // arguments (canvas sizes) after it: a malformed one is an error.
    const art = Number(BigInt.asUintN(32, ver));
    const own = art === 5 ? 3 : art === 6 ? 2 : 0;
    for (let i = 3; i < Math.min(argv.length, 3 + own); i++) {
      if (parseInt64(argv[i]) === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
    }
  }
  // Redis 7 draws no art of its own either: its LOLWUT prints the version line. (nodis does not
  // draw versions 5 and 6, random pictures in Redis; it prints the version line for them too.)
  c.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
}

function shutdown(c: Client, argv: string[]): void {
  let nosave = false;
  let save = false;
  let other = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = optionWord(argv[i]);
    if (a === 'nosave') nosave = true;
    else if (a === 'save') save = true;
    else if (a === 'now' || a === 'force') other = true;
    else if (a === 'abort') abort = true;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if ((abort && (nosave || save || other)) || (nosave && save)) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (abort) {
    // nodis shuts down at once, so there is never a shutdown to abort.
    c.error('ERR No shutdown in progress.');
    return;
  }
  // The client gets no reply: the connection closes with the server.
  c.server.shutdown();
}

// ---------------------------------------------------------------------------------------------
// DEBUG

const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a ' +
  'local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

/** Redis's allowProtectedAction: "yes", or "local" and the client is on loopback or a unix socket. */
function protectedActionAllowed(c: Client, setting: string): boolean {
  if (setting === 'yes') return true;
  if (setting !== 'local') return false;
  if (!c.socket || c.isUnixSocket) return true;
  const host = c.addr.slice(0, c.addr.lastIndexOf(':'));
  return host === '127.0.0.1' || host === '::1';
}

const DEBUG_HELP = [
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

/** Bytes an RDB length prefix takes. */
function rdbLenSize(len: number): number {
  if (len < 1 << 6) return 1;
  if (len < 1 << 14) return 2;
  if (len <= 0xffffffff) return 5;
  return 9;
}

/** Bytes of an integer in RDB's special encodings, or 0 when it needs the string form. */
function rdbIntSize(v: number): number {
  if (v >= -(1 << 7) && v <= (1 << 7) - 1) return 2;
  if (v >= -(1 << 15) && v <= (1 << 15) - 1) return 3;
  if (v >= -(2 ** 31) && v <= 2 ** 31 - 1) return 5;
  return 0;
}

/**
 * DEBUG OBJECT serializedlength for a string: RDB's integer encoding when it applies; with
 * rdbcompression, LZF for strings over 20 bytes that shrink by at least 4 (a type byte, the
 * compressed and original lengths, the data); else a length prefix and the bytes.
 */
function serializedLength(v: Value, compress: boolean): number {
  const s = stringValue(v);
  if (s === null) return 0;
  if (s.length <= 11) {
    const n = parseInteger(s);
    if (n !== null && String(n) === s) {
      const size = rdbIntSize(n);
      if (size) return size;
    }
  }
  if (compress && s.length > 20) {
    const packed = lzfCompressedSize(s, s.length - 4);
    if (packed > 0) return 1 + rdbLenSize(packed) + rdbLenSize(s.length) + packed;
  }
  return rdbLenSize(s.length) + s.length;
}

let fakeAddress = 0x7f3a10000000;

function debugObject(c: Client, key: string): void {
  // Like Redis, DEBUG OBJECT looks at the dictionary directly, without expiring the key.
  const v = c.db.dict.get(key);
  if (v === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  const server = c.server;
  const encoding = encodingOf(v);
  let refcount = 1;
  if (encoding === 'int' && typeof v === 'string') {
    const n = Number(v);
    // Small integers are shared objects in Redis unless maxmemory evicts by LRU/LFU.
    const policy = server.config.get('maxmemory-policy');
    const noShared = server.config.num('maxmemory') !== 0 && /lru|lfu/.test(policy);
    if (!noShared && n >= 0 && n < 10000) refcount = 2147483647;
  }
  const idle = typeof v === 'string' || !v.lru ? 0 : Math.max(0, Math.floor((server.clock.now() - v.lru) / 1000));
  const lru = (lruClock(server) - idle + 2 ** 24) % 2 ** 24;
  fakeAddress += 0x10;
  c.simple(
    `Value at:0x${fakeAddress.toString(16)} refcount:${refcount} encoding:${encoding} ` +
      `serializedlength:${serializedLength(v, server.config.bool('rdbcompression'))} lru:${lru} lru_seconds_idle:${idle}`,
  );
}

function debugPopulate(c: Client, argv: string[]): void {
  // Redis's getPositiveLongFromObjectOrReply: one message for malformed and negative numbers.
  const positive = (s: string): number | null => {
    const n = parseInteger(s);
    if (n === null || n < 0) {
      c.error('ERR value is out of range, must be positive');
      return null;
    }
    return n;
  };
  const count = positive(argv[2]);
  if (count === null) return;
  let size = 0;
  if (argv.length === 5) {
    const n = positive(argv[4]);
    if (n === null) return;
    size = n;
  }
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  for (let j = 0; j < count; j++) {
    // Redis formats the key into a 128-byte buffer.
    const key = `${prefix}:${j}`.slice(0, 127);
    if (c.db.lookupWrite(key) !== undefined) continue;
    let value = `value:${j}`;
    if (size > 0) value = size <= value.length ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
    c.db.set(key, value);
    // No event and no dirty count, as Redis's DEBUG POPULATE; WATCH still sees the key.
    c.db.changed(key, 0, '', 0);
  }
  c.ok();
}

function debugProtocol(c: Client, type: string): void {
  switch (optionWord(type)) {
    case 'string':
      c.bulk('Hello World');
      return;
    case 'integer':
      c.integer(12345);
      return;
    case 'double':
      c.double(3.141);
      return;
    case 'bignum':
      c.bigNumber('1234567999999999999999999999999999999');
      return;
    case 'null':
      c.nullBulk();
      return;
    case 'array':
      c.arrayLen(3);
      for (let i = 0; i < 3; i++) c.integer(i);
      return;
    case 'set':
      c.setLen(3);
      for (let i = 0; i < 3; i++) c.integer(i);
      return;
    case 'map':
      c.mapLen(3);
      for (let i = 0; i < 3; i++) {
        c.integer(i);
        c.bool(i === 1);
      }
      return;
    case 'attrib':
      // RESP2 has no attributes: only the reply that follows is sent.
      if (c.resp === 3) {
        c.raw('|1\r\n');
        c.bulk('key-popularity');
        c.arrayLen(2);
        c.bulk('key:123');
        c.integer(90);
      }
      c.bulk('Some real reply following the attribute');
      return;
    case 'push':
      if (c.resp === 2) {
        c.error('ERR RESP2 is not supported by this command');
        return;
      }
      c.push(() => {
        c.pushLen(2);
        c.bulk('server-cpu-usage');
        c.integer(42);
      });
      c.bulk('Some real reply following the push reply');
      return;
    case 'verbatim':
      c.verbatim('This is a verbatim\nstring');
      return;
    case 'true':
      c.bool(true);
      return;
    case 'false':
      c.bool(false);
      return;
    default:
      c.error(
        'ERR Wrong protocol type name. Please use one of the following: ' +
          'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

/** Blocks the whole event loop, as Redis's DEBUG SLEEP blocks the server. */
function sleepBlocking(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function debug(c: Client, argv: string[]): void {
  if (!protectedActionAllowed(c, c.server.config.get('enable-debug-command'))) {
    c.error(DEBUG_NOT_ALLOWED);
    return;
  }
  const sub = optionWord(argv[1]);
  const argc = argv.length;
  if (sub === 'help' && argc === 2) {
    replyHelp(c, argv[0], DEBUG_HELP);
  } else if (sub === 'sleep' && argc === 3) {
    const us = Math.trunc(strtodPrefix(argv[2]) * 1e6);
    if (us > 0) sleepBlocking(us / 1000);
    c.ok();
  } else if (sub === 'set-active-expire' && argc === 3) {
    c.server.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'object' && argc === 3) {
    debugObject(c, argv[2]);
  } else if (sub === 'populate' && argc >= 3 && argc <= 5) {
    debugPopulate(c, argv);
  } else if (sub === 'protocol' && argc === 3) {
    debugProtocol(c, argv[2]);
  } else if (sub === 'log' && argc === 3) {
    c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
    c.ok();
  } else if (sub === 'error' && argc === 3) {
    // Sent as given, without an error code of its own and without counting in errorstats.
    c.raw('-' + argv[2].replace(/[\r\n]/g, ' ') + '\r\n');
  } else if (sub === 'change-repl-id' && argc === 2) {
    c.server.replId = randomBytes(20).toString('hex');
    c.server.replId2 = '0'.repeat(40);
    c.ok();
  } else {
    c.error(errSubcommandSyntax(argv[1], argv[0]));
  }
}


// ---------------------------------------------------------------------------------------------

export const serverCommands: CommandSpec[] = [
  {
    name: 'command',
    handler: commandAll,
    subcommands: [
      { name: 'count', handler: commandCount },
      { name: 'list', handler: commandList },
      { name: 'info', handler: commandInfo },
      { name: 'docs', handler: commandDocs },
      { name: 'getkeys', handler: (c, argv) => replyKeys(c, argv, false) },
      { name: 'getkeysandflags', handler: (c, argv) => replyKeys(c, argv, true) },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], COMMAND_HELP) },
    ],
  },
  { name: 'info', handler: info },
  { name: 'time', handler: time },
  { name: 'lastsave', handler: lastsave },
  { name: 'lolwut', handler: lolwut },
  { name: 'shutdown', handler: shutdown },
  { name: 'debug', handler: debug },
];
