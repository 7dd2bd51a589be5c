/**
 * The servers the ICE test page runs against: this deployment's, with fresh
 * short-lived credentials from GET /api/ice-servers, and the operator's own
 * custom ones (as on the Trickle ICE page), remembered in localStorage. Each
 * server is flattened to one entry per URL, since each URL is judged alone.
 */
import type { IceServersResponse } from '../../protocol/ice.js';
import { bearerRefusal } from './bearer-refusal.js';

export interface TestServer {
  url: string;
  username?: string;
  credential?: string;
  origin: 'deployment' | 'custom';
}

export interface DeploymentServers {
  servers: TestServer[];
  /** Unix milliseconds when the credentials stop working; undefined without TURN. */
  expiresAt?: number;
  ttl: number;
}

const STORAGE_KEY = 'vc-ice-test-servers';

/**
 * This deployment's servers. `token`: a room token, which a server in token
 * mode (ROOM_ACCESS=token) asks for before it hands out any credential.
 */
export async function fetchDeploymentServers(token = ''): Promise<DeploymentServers> {
  const headers: Record<string, string> = token === '' ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch('/api/ice-servers', { cache: 'no-store', headers });
  if (response.status === 401) throw new Error(bearerRefusal(await response.json().catch(() => undefined), token));
  if (!response.ok) throw new Error(`/api/ice-servers answered ${response.status}.`);
  const body = (await response.json()) as IceServersResponse;
  const servers = body.iceServers.flatMap((server) =>
    (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url) => ({
      url,
      origin: 'deployment' as const,
      ...(server.username === undefined ? {} : { username: server.username }),
      ...(server.credential === undefined ? {} : { credential: server.credential }),
    })),
  );
  return {
    servers,
    ttl: body.ttl,
    ...(body.username === undefined ? {} : { expiresAt: Date.now() + body.ttl * 1000 }),
  };
}

export function loadCustomServers(storage: Storage = localStorage): TestServer[] {
  try {
    const stored: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    if (!Array.isArray(stored)) return [];
    return stored
      .filter(
        (entry): entry is TestServer => typeof entry === 'object' && entry !== null && typeof entry.url === 'string',
      )
      .map((entry) => ({ ...entry, origin: 'custom' }));
  } catch {
    return [];
  }
}

export function saveCustomServers(servers: TestServer[], storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(servers.filter((server) => server.origin === 'custom')));
}

export function toIceServer(server: TestServer): RTCIceServer {
  return {
    urls: server.url,
    ...(server.username === undefined ? {} : { username: server.username }),
    ...(server.credential === undefined ? {} : { credential: server.credential }),
  };
}
