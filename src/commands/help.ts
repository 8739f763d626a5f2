// The HELP subcommand's reply, shared by every container command (CONFIG, CLIENT, OBJECT,
// DEBUG, COMMAND …).

import type { Client } from '../server/client.js';
import { cString } from '../util/cstring.js';

/**
 * Redis's addReplyHelp: the usage line naming the command as sent (argv[0], upper-cased as C's
 * toupper does: ASCII letters only, up to a NUL byte), the given lines, then the HELP entry, all
 * as status replies.
 */
export function replyHelp(c: Client, command: string, lines: readonly string[]): void {
  const name = cString(command).replace(/[a-z]+/g, (m) => m.toUpperCase());
  c.arrayLen(lines.length + 3);
  c.simple(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) c.simple(line);
  c.simple('HELP');
  c.simple('    Prints this help.');
}
