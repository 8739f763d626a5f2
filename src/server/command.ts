// The command table. Each family module exports specs (name + handler); arity, flags, key
// positions, ACL categories, tips, key specs and docs come from Redis's own COMMAND / COMMAND DOCS
// output in data/, so dispatch, COMMAND, key extraction and help all derive from one source.

import { readFileSync } from 'node:fs';
import type { Client } from './client.js';

export type Handler = (c: Client, argv: string[]) => void;

/** A key spec as COMMAND reports it. */
export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: string; spec: Record<string, unknown> };
  find_keys: { type: string; spec: Record<string, unknown> };
}

/** What COMMAND INFO reports about a command (Redis's shape). */
export interface CommandInfo {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  tips: string[];
  keySpecs: KeySpec[];
}

export interface CommandSpec {
  /** Lower-case name; a subcommand's bare name (e.g. "get" under "config"). */
  name: string;
  handler?: Handler;
  subcommands?: CommandSpec[];
  /** Only for commands Redis 7.0's tables lack (e.g. 7.2's CLIENT SETINFO). */
  info?: CommandInfo;
  docs?: CommandDocs;
}

// The docs are free-form JSON (summary, since, group, complexity, arguments, history …).
export type CommandDocs = Record<string, unknown>;

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

export class Command implements CommandInfo {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  tips: string[];
  keySpecs: KeySpec[];
  readonly subcommands = new Map<string, Command>();
  readonly stats: CommandStats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
  /** Flags tested on the hot path. */
  readonly write: boolean;
  readonly noAuth: boolean;
  readonly denyOom: boolean;

  constructor(
    /** "get", or "config|get" for a subcommand. */
    readonly fullName: string,
    readonly handler: Handler | undefined,
    info: CommandInfo,
    readonly docs: CommandDocs,
    readonly parent: Command | null,
  ) {
    this.arity = info.arity;
    this.flags = info.flags;
    this.firstKey = info.firstKey;
    this.lastKey = info.lastKey;
    this.step = info.step;
    this.categories = info.categories;
    this.tips = info.tips;
    this.keySpecs = info.keySpecs;
    this.write = info.flags.includes('write');
    this.noAuth = info.flags.includes('no_auth');
    this.denyOom = info.flags.includes('denyoom');
  }


  /** The bare name: "get" for "config|get". */
  get name(): string {
    const i = this.fullName.indexOf('|');
    return i < 0 ? this.fullName : this.fullName.slice(i + 1);
  }

  /** Positions of the key arguments in argv, from the first/last/step triple. */
  keyPositions(argc: number): number[] {
    const out: number[] = [];
    if (this.firstKey <= 0) return out;
    let last = this.lastKey;
    if (last < 0) last = argc + last;
    for (let i = this.firstKey; i <= last && i < argc; i += this.step || 1) out.push(i);
    return out;
  }
}

type RawInfo = [string, number, string[], number, number, number, string[], string[], KeySpec[], RawInfo[]];

function infoFromRaw(r: RawInfo): CommandInfo {
  return {
    arity: r[1],
    flags: r[2],
    firstKey: r[3],
    lastKey: r[4],
    step: r[5],
    categories: r[6],
    tips: r[7],
    keySpecs: r[8],
  };
}

function dataPath(file: string): URL {
  // From dist/src/server/ back to the package root.
  return new URL(`../../../data/${file}`, import.meta.url);
}

let referenceCache: { info: Map<string, CommandInfo>; docs: Map<string, CommandDocs> } | null = null;

/** Redis 7.0's command facts, keyed by full name ("get", "config|get"). */
function reference(): { info: Map<string, CommandInfo>; docs: Map<string, CommandDocs> } {
  if (referenceCache) return referenceCache;
  const info = new Map<string, CommandInfo>();
  const docs = new Map<string, CommandDocs>();
  const raw = JSON.parse(readFileSync(dataPath('command-info.json'), 'latin1')) as RawInfo[];
  for (const r of raw) {
    info.set(r[0], infoFromRaw(r));
    for (const sub of r[9]) info.set(sub[0], infoFromRaw(sub));
  }
  const rawDocs = JSON.parse(readFileSync(dataPath('command-docs.json'), 'utf8')) as Record<string, CommandDocs>;
  for (const [name, d] of Object.entries(rawDocs)) {
    const { subcommands, ...rest } = d as CommandDocs & { subcommands?: Record<string, CommandDocs> };
    docs.set(name, rest);
    if (subcommands) for (const [sub, sd] of Object.entries(subcommands)) docs.set(sub, sd);
  }
  referenceCache = { info, docs };
  return referenceCache;
}

export class CommandTable {
  /** Top-level commands by lower-case name. */
  readonly commands = new Map<string, Command>();
  /** Fast lookup that also holds the upper-case spelling most clients send. */
  private lookupMap = new Map<string, Command>();

  register(specs: CommandSpec[]): void {
    for (const spec of specs) {
      const cmd = this.build(spec, null);
      this.commands.set(cmd.fullName, cmd);
      this.lookupMap.set(cmd.fullName, cmd);
      this.lookupMap.set(cmd.fullName.toUpperCase(), cmd);
    }
  }

  private build(spec: CommandSpec, parent: Command | null): Command {
    const fullName = parent ? `${parent.fullName}|${spec.name}` : spec.name;
    const ref = reference();
    const info = spec.info ?? ref.info.get(fullName);
    if (!info) throw new Error(`command ${fullName} has no COMMAND info`);
    const docs = spec.docs ?? ref.docs.get(fullName) ?? {};
    const cmd = new Command(fullName, spec.handler, info, docs, parent);
    for (const sub of spec.subcommands ?? []) {
      cmd.subcommands.set(sub.name, this.build(sub, cmd));
    }
    return cmd;
  }

  /** Finds a top-level command by name, in any letter case. */
  lookup(name: string): Command | undefined {
    return this.lookupMap.get(name) ?? this.commands.get(name.toLowerCase());
  }

  /** Finds "name" or "name|sub" as COMMAND INFO and ACL spell them. */
  lookupFull(fullName: string): Command | undefined {
    const [name, sub] = fullName.toLowerCase().split('|', 2);
    const cmd = this.commands.get(name);
    if (!cmd || sub === undefined) return cmd;
    return cmd.subcommands.get(sub);
  }

  /** Every command and subcommand. */
  *all(): IterableIterator<Command> {
    for (const cmd of this.commands.values()) {
      yield cmd;
      yield* cmd.subcommands.values();
    }
  }
}
