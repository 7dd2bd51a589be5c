/**
 * The relay's certificate from Caddy's storage (TURN_TLS_CADDY_STORAGE,
 * TURN_TLS_DOMAIN): before Caddy has obtained it TLS fails and the log says
 * what the relay waits for; once it is there, and whenever a newer one
 * arrives (a renewal, another issuer), the relay serves it without a
 * restart, checked by the certificate a real TLS connection gets.
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess } from '../helpers/relay-process.js';
import { testCertificate, type TestCertificate } from '../helpers/certificate.js';

const DOMAIN = 'turn.example.test';
const LETS_ENCRYPT = 'acme-v02.api.letsencrypt.org-directory';
const ZEROSSL = 'acme.zerossl.com-v2-dv90';

let relay: RelayProcess | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

/** Puts a pair where Caddy keeps it for DOMAIN under `issuer`, the way Caddy writes (aside, then renamed in). */
async function install(storage: string, issuer: string, pair: TestCertificate): Promise<void> {
  const dir = join(storage, 'caddy', 'certificates', issuer, DOMAIN);
  await mkdir(dir, { recursive: true });
  for (const [from, to] of [
    [pair.key, `${DOMAIN}.key`],
    [pair.cert, `${DOMAIN}.crt`],
  ] as const) {
    await copyFile(from, join(dir, `${to}.tmp`));
    await rename(join(dir, `${to}.tmp`), join(dir, to));
  }
}

const fingerprint = async (pair: TestCertificate) => new X509Certificate(await readFile(pair.cert)).fingerprint256;

/** The certificate a TLS client gets from the relay now, or the error it gets. */
function served(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: DOMAIN, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? 'none');
      socket.destroy();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the handshake finished')));
  });
}

describe("the certificate from Caddy's storage", () => {
  it('waits for Caddy to obtain it, then serves it, and the one that expires last after each change, without a restart', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'vc-caddy-'));
    const [first, longer, longest, shorter] = await Promise.all([
      testCertificate({ days: 30 }),
      testCertificate({ days: 60 }),
      testCertificate({ days: 90 }),
      testCertificate({ days: 10 }),
    ]);
    relay = await RelayProcess.start(
      {
        TURN_TLS_PORT: '0',
        TURN_TLS_CADDY_STORAGE: storage,
        TURN_TLS_DOMAIN: DOMAIN,
        TURN_TLS_RELOAD_INTERVAL_MS: '200',
      },
      { relayPortCount: 50 },
    );
    const tls = relay.ports.tls!;
    const waiting = await relay.process.waitForLog('TLS unavailable until a usable certificate and key are in place');
    expect(waiting).toMatchObject({ storage, domain: DOMAIN });
    expect(String(waiting.problem)).toBe(
      `no certificate for ${DOMAIN} in ${join(storage, 'caddy', 'certificates', '*', DOMAIN)} yet: waiting for Caddy to obtain it`,
    );
    await expect(served(tls)).rejects.toThrow();
    expect(await relay.metric('vc_turn_connections_closed_total{reason="tls-unavailable"}')).toBe(1);

    const loaded = async (step: () => Promise<void>) => {
      const from = relay!.process.lines.length;
      await step();
      await relay!.process.waitForLog('TLS certificate loaded', 5000, from);
    };
    await loaded(() => install(storage, LETS_ENCRYPT, first));
    expect(await served(tls)).toBe(await fingerprint(first));
    await relay.assertServes({ transport: 'TLS' });

    // Another issuer's, expiring later: taken up.
    await loaded(() => install(storage, ZEROSSL, longer));
    expect(await served(tls)).toBe(await fingerprint(longer));
    // A renewal in the first issuer's directory, later still: taken up.
    await loaded(() => install(storage, LETS_ENCRYPT, longest));
    expect(await served(tls)).toBe(await fingerprint(longest));
    // One that expires sooner (Caddy's `local` issuer, say) is seen, and passed over.
    await loaded(() => install(storage, 'local', shorter));
    expect(await served(tls)).toBe(await fingerprint(longest));
    expect(await relay.metric('vc_turn_tls_certificate_expiry_seconds')).toBe(
      Date.parse(new X509Certificate(await readFile(longest.cert)).validTo) / 1000,
    );
    expect(relay.process.lines.filter((line) => String(line.msg).startsWith('TLS unavailable'))).toHaveLength(1);
  });

  it('checks every 2 s, not every interval, while it waits for the first certificate, then every interval', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'vc-caddy-'));
    const [first, renewed] = await Promise.all([testCertificate({ days: 30 }), testCertificate({ days: 60 })]);
    // An hour between checks: only the waiting schedule can take the first pair up within this test.
    relay = await RelayProcess.start(
      {
        TURN_TLS_PORT: '0',
        TURN_TLS_CADDY_STORAGE: storage,
        TURN_TLS_DOMAIN: DOMAIN,
        TURN_TLS_RELOAD_INTERVAL_MS: '3600000',
      },
      { relayPortCount: 50 },
    );
    await relay.process.waitForLog('TLS unavailable until a usable certificate and key are in place');
    const from = relay.process.lines.length;
    await install(storage, LETS_ENCRYPT, first);
    await relay.process.waitForLog('TLS certificate loaded', 10_000, from);
    expect(await served(relay.ports.tls!)).toBe(await fingerprint(first));
    // Now with a pair in use, the next check is an hour away: a renewal is not taken up by the next TLS client.
    await install(storage, LETS_ENCRYPT, renewed);
    expect(await served(relay.ports.tls!)).toBe(await fingerprint(first));
  });
});
