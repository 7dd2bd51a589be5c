/**
 * Where ice-check gets its URLs and credentials: from a running server's
 * GET /api/ice-servers (what browsers get; with a room token as the bearer
 * when the server runs ROOM_ACCESS=token), or minted here from the shared
 * secret and URLs given directly (to check a relay with no server in front).
 */
import { restUsername, turnPassword } from '../../protocol/turn-rest.js';
import type { IceServersResponse } from '../../protocol/ice.js';
import type { Credentials } from '../../turn/client/index.js';

export interface CheckPlan {
  source: string;
  urls: string[];
  credentials?: Credentials;
  ttl?: number;
}

export async function fromServer(serverUrl: string, timeoutMs: number, token?: string): Promise<CheckPlan> {
  const endpoint = new URL('/api/ice-servers', serverUrl);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    });
  } catch (error) {
    throw new Error(`cannot fetch ${endpoint.href}: ${causeOf(error)}`, { cause: error });
  }
  if (response.status === 401) throw new Error(await refusal(endpoint, response, token !== undefined));
  if (!response.ok) throw new Error(`${endpoint.href} answered ${response.status} ${response.statusText}`);
  const body = (await response.json()) as IceServersResponse;
  const urls = body.iceServers.flatMap((server) => (Array.isArray(server.urls) ? server.urls : [server.urls]));
  return {
    source: endpoint.href,
    urls,
    ttl: body.ttl,
    ...(body.username !== undefined && body.password !== undefined
      ? { credentials: { username: body.username, password: body.password } }
      : {}),
  };
}

export function fromSecret(secret: string, urls: string[], ttlSeconds: number, now = Date.now()): CheckPlan {
  const username = restUsername(Math.floor(now / 1000) + ttlSeconds, 'ice-check');
  return {
    source: 'the shared secret',
    urls,
    ttl: ttlSeconds,
    credentials: { username, password: turnPassword(secret, username) },
  };
}

/** A 401 in words: the server's own message and reason (as protocol/signaling.ts names them), and what to do. */
async function refusal(endpoint: URL, response: Response, sentToken: boolean): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as { message?: unknown; reason?: unknown };
  const message = typeof body.message === 'string' ? `: ${body.message}` : '';
  const reason = typeof body.reason === 'string' ? ` (reason: ${body.reason})` : '';
  const todo = sentToken
    ? 'The server refused this room token: mint a fresh one with its keys (npm run token -- --room <any room>).'
    : 'The server runs ROOM_ACCESS=token: pass a room token (for any room) with --token or ICE_CHECK_TOKEN.';
  return `${endpoint.href} answered 401 ${response.statusText}${message}${reason}\n${todo}`;
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
