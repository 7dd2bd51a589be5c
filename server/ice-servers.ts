/**
 * The ICE servers a client is handed in `welcome`, on `ice-servers`, and by
 * GET /api/ice-servers: the configured STUN URLs, and the TURN URLs with
 * fresh short-lived credentials. `{host}` in a configured URL becomes
 * PUBLIC_URL's host name, or without it the host name the client used to
 * reach this server, so one configuration serves localhost, a LAN address and
 * a public name alike. `user`, the identity the relay's per-user quota
 * counts, is always chosen by the server.
 */
import type { IceServersResponse } from '../protocol/ice.js';
import type { Config } from './config.js';
import { issueTurnCredential } from './turn-credentials.js';

export type IceServersFor = (host: string, user: string) => IceServersResponse;

export function createIceServers(config: Config, now: () => number = Date.now): IceServersFor {
  const publicName = config.publicUrl === undefined ? undefined : new URL(config.publicUrl).hostname;
  return (host, user) => {
    const name = publicName ?? hostName(host);
    const fill = (url: string) => url.replaceAll('{host}', name);
    const stun = config.stunUrls.map(fill);
    const response: IceServersResponse = {
      ttl: config.iceTtlSeconds,
      uris: [],
      iceServers: stun.length > 0 ? [{ urls: stun }] : [],
    };
    if (config.turnSecret === undefined || config.turnUrls.length === 0) return response;
    const credential = issueTurnCredential(config.turnSecret, config.iceTtlSeconds, user, now());
    response.username = credential.username;
    response.password = credential.password;
    response.uris = config.turnUrls.map(fill);
    response.iceServers.push({ urls: response.uris, username: credential.username, credential: credential.password });
    return response;
  };
}

/** The host part of a Host header (`[::1]:8080` → `[::1]`), or `localhost` when it is not a valid host. */
function hostName(host: string): string {
  try {
    const url = new URL(`http://${host}`);
    return url.hostname === '' ? 'localhost' : url.hostname;
  } catch {
    return 'localhost';
  }
}
