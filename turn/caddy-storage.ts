/**
 * The relay's certificate from Caddy's storage (TURN_TLS_CADDY_STORAGE,
 * TURN_TLS_DOMAIN), so that the Caddy in front of the stack obtains and
 * renews it and the relay only reads it. Caddy keeps a certificate at
 * `<data>/caddy/certificates/<issuer>/<name>/<name>.crt` with its `.key`
 * beside it, one directory per issuer (Let's Encrypt, ZeroSSL, `local`).
 *
 * - The name is the domain in lower case, `*` written `wildcard_`, as Caddy
 *   (certmagic's StorageKeys.Safe) writes it.
 * - When several issuers hold one, the certificate that expires last is
 *   used: after a switch of issuer, or a renewal by another, the old
 *   directory stays behind until it expires, and modification times say
 *   nothing once a volume has been copied or restored.
 * - The stamp covers every issuer's pair, so a new issuer directory, a
 *   renewal or a removal is noticed at the next check.
 */
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileStamp, type CertificatePaths, type CertificateSource } from './tls-certificate.js';

/** The file name Caddy stores a certificate for `domain` under. */
export function caddyName(domain: string): string {
  return domain.toLowerCase().replaceAll('*', 'wildcard_');
}

export function caddyStorage(dataDirectory: string, domain: string): CertificateSource {
  const certificates = join(dataDirectory, 'caddy', 'certificates');
  const name = caddyName(domain);
  const pairIn = (issuer: string): CertificatePaths => ({
    cert: join(certificates, issuer, name, `${name}.crt`),
    key: join(certificates, issuer, name, `${name}.key`),
  });
  const issuers = () =>
    readdir(certificates, { withFileTypes: true }).then(
      (entries) =>
        entries
          .filter((entry) => entry.isDirectory())
          .map((entry) => entry.name)
          .sort(),
      () => [],
    );
  /** The issuers' pairs whose two files are both there. */
  const pairs = async () => {
    const found = await Promise.all(
      (await issuers()).map(async (issuer) => {
        const paths = pairIn(issuer);
        const stamps = await Promise.all([paths.cert, paths.key].map(fileStamp));
        return { paths, stamp: `${issuer}:${stamps.join('|')}`, whole: stamps.every((s) => !s.startsWith('missing')) };
      }),
    );
    return found.filter((pair) => pair.whole);
  };
  return {
    where: { storage: dataDirectory, domain },
    stamp: async () => (await pairs()).map((pair) => pair.stamp).join(',') || 'none',
    locate: async () => {
      const candidates = await Promise.all(
        (await pairs()).map(async ({ paths }) => ({ paths, notAfter: await notAfter(paths.cert) })),
      );
      if (candidates.length === 0) {
        return {
          missing: `no certificate for ${domain} in ${join(certificates, '*', name)} yet: waiting for Caddy to obtain it`,
        };
      }
      // One that cannot be read still goes to loadPair when it is all there is, which says what is wrong with it.
      candidates.sort((a, b) => b.notAfter - a.notAfter);
      return candidates[0]!.paths;
    },
  };
}

/** When the certificate in `path` expires (ms); -Infinity when it cannot be read. */
async function notAfter(path: string): Promise<number> {
  try {
    return Date.parse(new X509Certificate(await readFile(path)).validTo);
  } catch {
    return -Infinity;
  }
}
