/**
 * The ICE test page (/ice-test) in real Chromium against the real server and
 * our relay over UDP, TCP and TLS: what an operator sees after deploying,
 * asserted on the page's own JSON report. Then the two faults it exists to
 * name: a secret that differs between server and relay, and a relay that is
 * not running.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { RELAY_SECRET, startTlsRelay, type TestRelay } from '../helpers/relay.js';
import { launch } from './browser.js';
import type { IceTestReport } from '../../web/ice-test/run.js';

let browser: Browser;
let server: TestServer | undefined;

beforeAll(async () => {
  // turns: to "localhost" with a self-signed certificate.
  browser = await launch({ flags: ['--ignore-certificate-errors'] });
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
  await server?.close();
  server = undefined;
});

function turnUrls(relay: TestRelay): string {
  return [
    `turn:127.0.0.1:${relay.ports.udp}?transport=udp`,
    `turn:127.0.0.1:${relay.ports.tcp}?transport=tcp`,
    `turns:localhost:${relay.ports.tls}?transport=tcp`,
  ].join(',');
}

/** Opens the page as an operator would, presses Run, and returns the JSON report the page offers. */
async function runPage(env: Record<string, string>): Promise<{ page: Page; report: IceTestReport; json: string }> {
  server = await startServer({ STATIC_DIR: 'web/dist', LOG_LEVEL: 'warn', ...env });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[ice-test page] ${error.message}`));
  await page.goto(`${server.httpUrl}/ice-test`);
  await page.locator('#run:not([disabled])').click();
  await page.waitForFunction(() => document.body.dataset.state === 'done', undefined, { timeout: 100_000 });
  const json = (await page.locator('#report-json').textContent()) ?? '';
  return { page, report: JSON.parse(json) as IceTestReport, json };
}

describe('the ICE test page', () => {
  it('shows relay candidates over UDP, TCP and TLS, a green verdict and loopback round trips', async () => {
    const relay = await startTlsRelay({}, { relayPortCount: 100 });
    try {
      const { page, report, json } = await runPage({
        STUN_URLS: `stun:127.0.0.1:${relay.ports.udp}`,
        TURN_URLS: turnUrls(relay),
        TURN_SECRET: RELAY_SECRET,
      });
      expect(report.summary).toEqual({
        level: 'ok',
        text: 'Calls will work from this network: relay OK over UDP, TCP, TLS.',
      });
      expect(report.runs.map((run) => [run.url.split(':')[0], run.verdict.text])).toEqual([
        ['stun', 'STUN OK'],
        ['turn', 'relay OK over UDP'],
        ['turn', 'relay OK over TCP'],
        ['turns', 'relay OK over TLS'],
      ]);
      for (const run of report.runs.filter((run) => run.relay)) {
        const relayed = run.candidates.filter((candidate) => candidate.type === 'relay');
        expect(relayed.length, run.url).toBeGreaterThan(0);
        expect(relayed[0]).toMatchObject({ address: '127.0.0.2', url: run.url, typePreference: expect.any(Number) });
      }
      expect(
        report.loopbacks.map((loopback) => [
          loopback.transport,
          loopback.connected,
          loopback.path?.local,
          loopback.path?.protocol,
        ]),
      ).toEqual([
        ['UDP', true, 'relay', 'udp'],
        ['TCP', true, 'relay', 'tcp'],
        ['TLS', true, 'relay', 'tls'],
      ]);
      for (const loopback of report.loopbacks) {
        expect(loopback.rtt?.samples).toBe(20);
        expect(loopback.rtt?.medianMs).toBeGreaterThan(0);
        expect(loopback.rtt!.p95Ms).toBeGreaterThanOrEqual(loopback.rtt!.medianMs);
      }
      // The report is for sharing: the relay password must not be in it.
      const password = relay.credentials().password;
      expect(json).not.toContain(password.slice(0, 12));
      expect(json).not.toMatch(/"credential"/);
      expect(await page.locator('#summary').getAttribute('data-level')).toBe('ok');
      await mkdir('artifacts', { recursive: true });
      await page.screenshot({ path: 'artifacts/ice-test.png', fullPage: true });
    } finally {
      await relay.close();
    }
  });

  it('names a secret that differs between server and relay: auth failed (401), red', async () => {
    const relay = await startTlsRelay({}, { relayPortCount: 100 });
    try {
      const { page, report } = await runPage({
        TURN_URLS: turnUrls(relay),
        TURN_SECRET: 'not-the-relays-secret-0123456789',
      });
      expect(report.summary.level).toBe('fail');
      expect(report.runs.map((run) => run.verdict.text)).toEqual([
        'auth failed (401)',
        'auth failed (401)',
        'auth failed (401)',
      ]);
      expect(report.runs[0]!.verdict.hint).toContain('TURN_SECRET');
      expect(report.runs[0]!.errors).toContainEqual(expect.objectContaining({ code: 401 }));
      expect(report.loopbacks.every((loopback) => !loopback.connected)).toBe(true);
      expect(await page.locator('.run .badge').first().textContent()).toBe('auth failed (401)');
    } finally {
      await relay.close();
    }
  });

  it('names a relay that is not running: not reachable, with the ports to open', async () => {
    const relay = await startTlsRelay({}, { relayPortCount: 100 });
    const urls = turnUrls(relay);
    await relay.close();
    const { report } = await runPage({ TURN_URLS: urls, TURN_SECRET: RELAY_SECRET });
    expect(report.summary).toMatchObject({ level: 'fail', text: expect.stringContaining('No relay works') });
    expect(report.runs.map((run) => [run.transport, run.verdict.text])).toEqual([
      ['UDP', 'not reachable'],
      ['TCP', 'not reachable'],
      ['TLS', 'not reachable'],
    ]);
    expect(report.runs[0]!.verdict.hint).toContain(`Open UDP ${relay.ports.udp}`);
    expect(report.runs[1]!.verdict.hint).toContain(`Open TCP ${relay.ports.tcp}`);
  });
});
