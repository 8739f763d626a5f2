// COMMAND and its subcommands: introspection of the command table (COUNT, LIST, INFO, DOCS,
// GETKEYS, GETKEYSANDFLAGS, HELP).

import type { Client } from '../server/client.js';
import { getCommandKeys, type Command, type CommandSpec, type KeySpec } from '../server/command.js';
import { globMatch } from '../util/glob.js';
import { optionWord } from '../util/cstring.js';
import { replyHelp } from './help.js';
import { ArgCursor } from './args.js';

/** Flags and ACL categories: status strings in a set (an array in RESP2). */
function replyFlagSet(c: Client, flags: readonly string[]): void {
  c.setLen(flags.length);
  for (const f of flags) c.simple(f);
}

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
  const opts = new ArgCursor(c, argv, 2);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'filterby' && opts.remaining === 2) {
      const type = optionWord(opts.value());
      const arg = opts.value();
      if (type === 'module') {
        filter = () => false; // nodis loads no modules.
      } else if (type === 'aclcat') {
        const cat = '@' + optionWord(arg);
        filter = (cmd) => cmd.categories.includes(cat);
      } else if (type === 'pattern') {
        filter = (cmd) => globMatch(arg, cmd.fullName, true);
      } else {
        opts.syntaxError();
        return;
      }
    } else {
      opts.syntaxError();
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

export const commandCommands: CommandSpec[] = [
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
];
