/**
 * Which pages may use the signaling socket and the ICE-servers endpoint.
 * Browsers send `Origin` on every WebSocket upgrade and cross-origin fetch,
 * so checking it stops a foreign page from using a visitor's browser against
 * this server; non-browser clients send none and are let through (they could
 * forge any Origin anyway).
 *
 * "Same origin" is where DNS rebinding gets in: a page on attacker.example
 * whose name is rebound to this server's address sends Origin and Host both
 * `attacker.example` (or no Origin at all, on a same-origin GET). So a Host
 * is believed only when rebinding cannot produce it: PUBLIC_URL's host, an
 * IP literal, or `localhost`. Any other Host is refused, unless the page's
 * Origin is one the operator listed, which no rebinding page can send.
 */
import { isIP } from 'node:net';
import type { FastifyError } from 'fastify';
import type { Config } from './config.js';
import { HostNotAllowedError, OriginNotAllowedError } from './errors.js';

export type SiteVerdict = 'ok' | 'origin' | 'host';

export type Site = Pick<Config, 'allowedOrigins' | 'publicUrl'>;

export function judgeSite(site: Site, origin: string | undefined, host: string | undefined): SiteVerdict {
  if (site.allowedOrigins === '*') return 'ok';
  if (origin !== undefined && site.allowedOrigins.includes(origin)) return 'ok';
  if (host === undefined || !isTrustedHost(site, host)) return 'host';
  if (origin === undefined) return 'ok';
  const page = parseUrl(origin);
  if (page === undefined) return 'origin';
  if (site.publicUrl !== undefined) return page.origin === site.publicUrl ? 'ok' : 'origin';
  // The scheme is not compared: TLS may end at a proxy in front of us.
  return hostUrl(page.protocol, host)?.host === page.host ? 'ok' : 'origin';
}

/** The error that refuses a request, with a message that says what to configure. */
export function siteRefusal(
  verdict: Exclude<SiteVerdict, 'ok'>,
  origin: string | undefined,
  host: string | undefined,
): FastifyError {
  return verdict === 'origin' ? new OriginNotAllowedError(String(origin)) : new HostNotAllowedError(String(host));
}

function isTrustedHost(site: Site, host: string): boolean {
  if (site.publicUrl !== undefined) {
    const own = new URL(site.publicUrl);
    if (hostUrl(own.protocol, host)?.host === own.host) return true;
  }
  const name = hostUrl('http:', host)?.hostname.replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || (name !== undefined && isIP(name) !== 0);
}

/** A Host header read as URL.host would spell it (lower case, default port dropped); undefined if it is not a host. */
function hostUrl(protocol: string, host: string): URL | undefined {
  return /[/?#@\\\s]/.test(host) ? undefined : parseUrl(`${protocol}//${host}`);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
