/**
 * `npm run token -- --room standup --name Ada --role host --ttl 2h`: mints a
 * room token with ROOM_TOKEN_SECRET (and ROOM_TOKEN_ISSUER/AUDIENCE when
 * set), read by the server's own config layer so the token is one the server
 * with the same environment accepts; `--link <origin>` prints a room link.
 */
import { parseArgs } from 'node:util';
import { problemReport, readEnv } from '../env/read-env.js';
import { NAME_PATTERN, ROLES, ROOM_PATTERN, type Role } from '../protocol/signaling.js';
import { MAX_SUB_LENGTH } from '../server/access/claims.js';
import { mintRoomToken } from '../server/access/mint.js';
import { parseOrigin, serverEnv } from '../server/config.js';

const USAGE = `Usage:
  npm run -s token -- --room <room> [options]
Options:
  --room <room>    the room the token admits to, or a prefix ending in * (team-* admits team-a, team-b …)
  --name <name>    the display name the holder gets in the call
  --role <role>    host or guest (default guest)
  --ttl <time>     how long the token may be used to join: 90s, 30m, 2h, 1d (default 1h)
  --sub <id>       the holder's stable user id (a kick bans it from the room for a while)
  --lobby          the holder waits in the lobby until a host admits them
  --link <origin>  print a room link (<origin>/r/<room>?token=…) instead of the bare token
Environment: ROOM_TOKEN_SECRET (required), ROOM_TOKEN_ISSUER, ROOM_TOKEN_AUDIENCE,
ROOM_TOKEN_MAX_LIFETIME_SECONDS, as the server reads them.
Exit status: 0 printed, 2 bad options or environment.`;

const EXIT_USAGE = 2;
const DEFAULT_TTL_SECONDS = 3600;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

const tokenEnv = {
  secret: serverEnv.roomTokenSecret,
  issuer: serverEnv.roomTokenIssuer,
  audience: serverEnv.roomTokenAudience,
  maxLifetime: serverEnv.roomTokenMaxLifetimeSeconds,
};

class UsageError extends Error {}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    process.stdout.write(`${await mint(argv, env)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`token: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

async function mint(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help === true) return USAGE;
  const { room, name, role = 'guest', sub, link } = values;
  if (room === undefined) throw new UsageError(`--room is required\n\n${USAGE}`);
  const prefix = /^[A-Za-z0-9_-]{0,63}\*$/.test(room);
  if (!prefix && !new RegExp(ROOM_PATTERN).test(room)) {
    throw new UsageError(
      `--room must be a room name (letters, digits, - and _) or a prefix ending in *, got "${room}"`,
    );
  }
  if (name !== undefined && !new RegExp(NAME_PATTERN).test(name)) {
    throw new UsageError('--name must be 1 to 64 characters, with no control characters');
  }
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be host or guest, got "${role}"`);
  if (sub !== undefined && (sub.length === 0 || sub.length > MAX_SUB_LENGTH)) {
    throw new UsageError(`--sub must be 1 to ${MAX_SUB_LENGTH} characters`);
  }
  const origin = link === undefined ? undefined : parseOrigin(link);
  if (link !== undefined && origin === undefined) {
    throw new UsageError(`--link must be the http(s) URL users open, with no path, like https://calls.example.com`);
  }
  if (origin !== undefined && prefix) throw new UsageError('--link needs one room, not a prefix');

  const { values: config, problems } = readEnv(tokenEnv, env);
  if (config.secret === undefined && problems.length === 0) {
    problems.push('ROOM_TOKEN_SECRET is required: the secret the server checks HS256 room tokens with');
  }
  if (problems.length > 0) throw new UsageError(problemReport('cannot mint a token', problems));
  const ttlSeconds = duration(values.ttl);
  if (ttlSeconds > config.maxLifetime) {
    throw new UsageError(
      `--ttl (${ttlSeconds} s) is longer than the server accepts ` +
        `(ROOM_TOKEN_MAX_LIFETIME_SECONDS=${config.maxLifetime})`,
    );
  }
  const token = await mintRoomToken({
    secret: config.secret ?? '',
    room,
    name,
    role: role as Role,
    sub,
    lobby: values.lobby,
    ttlSeconds,
    issuer: config.issuer,
    audience: config.audience,
  });
  return origin === undefined ? token : `${origin}/r/${room}?token=${token}`;
}

/** `90s`, `30m`, `2h`, `1d`, or plain seconds. */
function duration(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TTL_SECONDS;
  const match = /^(\d{1,7})([smhd]?)$/.exec(text);
  const seconds = match === null ? 0 : Number(match[1]) * (UNITS[match[2] || 's'] ?? 0);
  if (seconds <= 0) throw new UsageError(`--ttl must be a time like 90s, 30m, 2h or 1d, got "${text}"`);
  return seconds;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      room: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      ttl: { type: 'string' },
      sub: { type: 'string' },
      lobby: { type: 'boolean' },
      link: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = await main(process.argv.slice(2), process.env);
