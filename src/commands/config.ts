// CONFIG GET / SET / RESETSTAT / REWRITE / HELP.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { strerror } from '../server/config.js';
import { allowProtectedAction } from '../server/protected.js';
import { globMatch } from '../util/glob.js';
import { replyHelp } from './help.js';

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

function configGet(c: Client, argv: string[]): void {
  const pairs = c.server.config.getMatching(argv.slice(2), (pattern, name) => globMatch(pattern, name, true));
  c.mapLen(pairs.length);
  for (const [name, value] of pairs) {
    c.bulk(name);
    c.bulk(value);
  }
}

/** Parameters whose values CONFIG SET hides (Redis's SENSITIVE_CONFIG). */
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth', 'masteruser']);

function configSet(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) {
    c.error(ERR_SYNTAX);
    return;
  }
  const pairs: Array<[string, string]> = [];
  for (let i = 2; i < argv.length; i += 2) {
    pairs.push([argv[i], argv[i + 1]]);
    // Secrets never reach the slow log or MONITOR, even when the command fails.
    if (SENSITIVE_CONFIGS.has(argv[i].toLowerCase())) c.redactArgument(i + 1);
  }
  const config = c.server.config;
  const err = config.configSet(pairs, allowProtectedAction(c, config.get('enable-protected-configs')));
  if (err) c.error(err);
  else c.ok();
}

function configResetStat(c: Client): void {
  c.server.resetStats();
  c.ok();
}

function configRewrite(c: Client): void {
  const server = c.server;
  if (!server.configFile) {
    c.error('ERR The server is running without a config file');
    return;
  }
  try {
    server.config.rewrite(server.configFile);
  } catch (e) {
    const reason = strerror((e as NodeJS.ErrnoException).code);
    server.log.warning(`CONFIG REWRITE failed: ${reason}`);
    c.error(`ERR Rewriting config file: ${reason}`);
    return;
  }
  server.log.warning('CONFIG REWRITE executed with success.');
  c.ok();
}

export const configCommands: CommandSpec[] = [
  {
    name: 'config',
    subcommands: [
      { name: 'get', handler: configGet },
      { name: 'set', handler: configSet },
      { name: 'resetstat', handler: configResetStat },
      { name: 'rewrite', handler: configRewrite },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], CONFIG_HELP) },
    ],
  },
];
