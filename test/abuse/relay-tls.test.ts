/**
 * The TLS certificate: a bad pair at start once made the relay exit (and,
 * under `npm start`, the server with it); a renewed one was never read; an
 * expired one was served without a word. Now a bad pair leaves UDP and TCP
 * running, says why once, and a good pair is taken up when its files
 * change; expiry is warned of, and exported as a metric.
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess } from '../helpers/relay-process.js';
import { testCertificate, type TestCertificate } from '../helpers/certificate.js';

let relay: RelayProcess | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

/**
 * Where the relay reads its pair from; `install` replaces the files the way renewals do (write aside, rename into
 * place).
 */
async function liveDirectory() {
  const dir = await mkdtemp(join(tmpdir(), 'vc-live-'));
  const paths = { cert: join(dir, 'fullchain.pem'), key: join(dir, 'privkey.pem') };
  const install = async (cert: string, key: string) => {
    await copyFile(cert, `${paths.cert}.new`);
    await copyFile(key, `${paths.key}.new`);
    await rename(`${paths.key}.new`, paths.key);
    await rename(`${paths.cert}.new`, paths.cert);
  };
  return { paths, install };
}

async function startWith(paths: { cert: string; key: string }): Promise<RelayProcess> {
  return RelayProcess.start(
    { TURN_TLS_PORT: '0', TURN_TLS_CERT: paths.cert, TURN_TLS_KEY: paths.key, TURN_TLS_RELOAD_INTERVAL_MS: '200' },
    { inspect: true, relayPortCount: 100 },
  );
}

const notAfterSeconds = async (certificate: TestCertificate) =>
  Date.parse(new X509Certificate(await readFile(certificate.cert)).validTo) / 1000;

describe('the TLS certificate', () => {
  it('keeps UDP and TCP running on a key that does not match, says why once, and takes up a good pair when the files change', async () => {
    const [good, other] = await Promise.all([testCertificate({ days: 90 }), testCertificate()]);
    const live = await liveDirectory();
    await live.install(good.cert, other.key);
    relay = await startWith(live.paths);
    const before = await relay.process.snapshot();
    const refusal = await relay.process.waitForLog('TLS unavailable until a usable certificate and key are in place');
    expect(String(refusal.problem)).toContain('does not match the certificate');
    await relay.assertServes({ transport: 'UDP' });
    await relay.assertServes({ transport: 'TCP' });
    await expect(relay.assertServes({ transport: 'TLS' })).rejects.toThrow();

    const loadedFrom = relay.process.lines.length;
    await live.install(good.cert, good.key);
    await relay.process.waitForLog('TLS certificate loaded', 5000, loadedFrom);
    await relay.assertServes({ transport: 'TLS' });
    expect(await relay.metric('vc_turn_tls_certificate_expiry_seconds')).toBe(await notAfterSeconds(good));
    expect(relay.process.lines.filter((line) => String(line.msg).startsWith('TLS unavailable'))).toHaveLength(1);
    // The refusal came at start; since then only the reload, however many times the files were checked.
    await relay.process.expectRecovered(before, { logLines: 1 });
  });

  it('keeps the last good pair when a renewal brings a broken one', async () => {
    const [good, broken] = await Promise.all([testCertificate({ days: 90 }), testCertificate()]);
    const live = await liveDirectory();
    await live.install(good.cert, good.key);
    relay = await startWith(live.paths);
    const before = await relay.process.snapshot();
    const from = relay.process.lines.length;
    await live.install(broken.cert, good.key);
    const kept = await relay.process.waitForLog('TLS certificate not reloaded; keeping the previous one', 5000, from);
    expect(String(kept.problem)).toContain('does not match');
    await relay.assertServes({ transport: 'TLS' });
    await relay.process.expectRecovered(before, { logLines: 1 });
  });

  it('warns once when the certificate expires within 14 days, and logs an error for an expired one', async () => {
    const [soon, expired] = await Promise.all([testCertificate({ days: 5 }), testCertificate({ expired: true })]);
    const live = await liveDirectory();
    await live.install(soon.cert, soon.key);
    relay = await startWith(live.paths);
    const before = await relay.process.snapshot();
    const warning = await relay.process.waitForLog('TLS certificate expires soon');
    expect(warning.daysLeft).toBe(4);
    const from = relay.process.lines.length;
    await live.install(expired.cert, expired.key);
    const error = await relay.process.waitForLog(
      'TLS certificate has expired: TURN over TLS fails for browsers until it is renewed',
      5000,
      from,
    );
    expect(error.notAfter).toBe('2020-02-01T00:00:00.000Z');
    expect(await relay.metric('vc_turn_tls_certificate_expiry_seconds')).toBe(
      Date.parse('2020-02-01T00:00:00Z') / 1000,
    );
    expect(
      relay.process.lines.filter((line) => String(line.msg).startsWith('TLS certificate expires soon')),
    ).toHaveLength(1);
    await relay.assertServes({ transport: 'UDP' });
    // Since the start (and its warning): the reload and the expiry error.
    await relay.process.expectRecovered(before, { logLines: 2 });
  });
});
