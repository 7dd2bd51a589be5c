/**
 * Which pages may open a signaling socket. Browsers always send `Origin` on a
 * WebSocket upgrade, so this is what stops a foreign page from using a
 * visitor's browser against this server; non-browser clients send none and
 * are let through (they could forge any Origin anyway).
 */
import type { Config } from './config.js';

export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: Config['allowedOrigins'],
): boolean {
  if (origin === undefined) return true;
  if (allowed === '*') return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (host !== undefined && parsed.host === normaliseHost(parsed.protocol, host)) return true;
  return allowed.includes(parsed.origin);
}

/** The Host header as URL.host would spell it (lower case, default port dropped). */
function normaliseHost(protocol: string, host: string): string | undefined {
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return undefined;
  }
}
