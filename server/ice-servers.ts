/**
 * The ICE servers a client is handed in `welcome` and on `ice-servers`.
 * STUN only for now; TURN credentials join them when the relay lands.
 */
import type { Config } from './config.js';
import type { IceServersGrant } from './signaling/context.js';

export function stunOnlyIceServers(config: Config): () => IceServersGrant {
  const grant: IceServersGrant = {
    iceServers: config.stunUrls.length > 0 ? [{ urls: [...config.stunUrls] }] : [],
    ttl: config.iceTtlSeconds,
  };
  return () => grant;
}
