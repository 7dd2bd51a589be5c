/**
 * How the compose tests reach a stack as its users do: a call page set to
 * relay-only and what its element reports, HTTPS that trusts only the
 * proxy's local root, and `npm run ice-check` as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { events } from '../e2e/browser.js';
import { ROOT } from './compose.js';

/** Sets relay-only on the call page's element before its script joins, as an embedding page would. */
export function relayOnly(): void {
  new MutationObserver((_records, observer) => {
    const call = document.querySelector('video-call');
    if (call === null) return;
    call.setAttribute('relay-only', '');
    observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
}

export async function settledPath(page: Page) {
  await page.waitForFunction(() =>
    (window as unknown as { __vcEvents: Array<[string, { settled?: boolean }]> }).__vcEvents.some(
      ([t, d]) => t === 'vc-connection' && d.settled === true,
    ),
  );
  return (await events(page, 'vc-connection')).at(-1)?.[1];
}

/**
 * A GET over HTTPS that trusts only `ca` (the proxy's local root), as a
 * browser that knew it would; `servername` names the site (SNI and the
 * certificate check) when `url` has an address in it.
 */
export function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
  servername?: string,
): Promise<{ status: number; body: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, headers, timeout: 10_000, ...(servername === undefined ? {} : { servername }) },
      (res) => {
        const protocol = (res.socket as TLSSocket).getProtocol();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits until `url` answers over HTTPS: the proxy reports healthy once its
 * admin API is up, which may be before Caddy has issued the site's own
 * certificate (it does so in the background at start).
 */
export async function untilHttpsAnswers(url: string, ca: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = await httpsGet(url, ca).then(
      () => undefined,
      (error: Error) => error,
    );
    if (failure === undefined) return;
    if (Date.now() > deadline) throw new Error(`${url}: no HTTPS answer within ${timeoutMs} ms: ${failure.message}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The local candidate of the pair a page's call to `peerId` settled on, from the element's getStats(). */
export function selectedLocalCandidate(page: Page, peerId: string) {
  return page.evaluate(async (id) => {
    const report = await document.querySelector('video-call')?.getStats(id);
    const stats = new Map<string, Record<string, unknown>>();
    report?.forEach((stat: Record<string, unknown>) => stats.set(stat.id as string, stat));
    const transport = [...stats.values()].find(
      (stat) => stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string',
    );
    const pair = stats.get(transport?.selectedCandidatePairId as string);
    const local = stats.get(pair?.localCandidateId as string);
    return { type: local?.candidateType, address: local?.address, port: local?.port, url: local?.url };
  }, peerId);
}

/**
 * `npm run ice-check -- <origin>` with a room token in ICE_CHECK_TOKEN, as
 * docs/deploy.md has an operator run it, trusting the proxy's root as the
 * operator's machine trusts a public CA.
 */
export async function iceCheck(origin: string, token: string, rootCa: string) {
  const ca = join(await mkdtemp(join(tmpdir(), 'vc-compose-ca-')), 'root.crt');
  await writeFile(ca, rootCa);
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/ice-check.ts', origin, '--timeout', '3000'],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', ICE_CHECK_TOKEN: token, NODE_EXTRA_CA_CERTS: ca },
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}
