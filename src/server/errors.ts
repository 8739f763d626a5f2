// Redis's exact error replies shared by many commands.

import { cString } from '../util/cstring.js';

export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_DB_INDEX = 'ERR DB index is out of range';
export const ERR_NOAUTH = 'NOAUTH Authentication required.';
export const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

export function errWrongArgs(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function errUnknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${cString(sub, 128)}'. Try ${container.toUpperCase()} HELP.`;
}
export const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const ERR_AUTH_NO_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
export const ERR_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** Redis's addReplySubcommandSyntaxError: a container command's unknown subcommand or bad arity. */
export function errSubcommandSyntax(sub: string, container: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${cString(sub, 128)}'. Try ${container.toUpperCase()} HELP.`;
}

export const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';

/** getRangeLongFromObjectOrReply's range error (Redis 7.0 wording). */
export function errValueRange(min: number, max: number): string {
  return `ERR value is out of range, value must between ${min} and ${max}`;
}

/** Redis's shared.masterdownerr (replica-serve-stale-data no, link down). */
export const ERR_MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/** Redis's shared.noreplicaserr (min-replicas-to-write). */
export const ERR_NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
