// Redis's exact error replies shared by many commands.

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
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}
export const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';

/** getRangeLongFromObjectOrReply's range error (Redis 7.0 wording). */
export function errValueRange(min: number, max: number): string {
  return `ERR value is out of range, value must between ${min} and ${max}`;
}
