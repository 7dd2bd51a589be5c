/**
 * `npm run bench -- web`: the web client's weight and how fast a call
 * connects, then docs/benchmarks-web.md. Fails when the build fails or a
 * call does not connect; a missed target is reported, not fatal. The join
 * rounds alternate with the element of a reference revision (reference.ts),
 * so that "not slower than before" is judged side by side, in the same run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { launchChromium } from '../../test/helpers/browser.js';
import { CHROMIUM } from '../../test/helpers/chromium.js';
import { roundCount, type Bench } from '../lib/bench.js';
import { describeMachine, loadAverage, waitForQuiet } from '../lib/machine.js';
import { inRepo } from '../lib/paths.js';
import { describeRevision } from '../lib/revision.js';
import { DIST, build, distScripts, lazyChunks, pageAssets, weigh } from './bundle.js';
import { callPageDownloads, joinRound, type Download, type JoinRound } from './join.js';
import { buildReference, referenceRevision } from './reference.js';
import { QUIET_CPU_PERCENT, QUIET_WAIT_MS, ROUNDS } from './params.js';
import { renderReport, summaryTable, type WebReportInput } from './report.js';

/** A fresh room per round, so no round meets a leftover of another. */
const freshRoom = (label: string) => `bench-${label}-${randomBytes(4).toString('hex')}`;

interface Calls {
  downloads: Download[];
  warmUp: JoinRound | undefined;
  rounds: JoinRound[];
  /** The reference element's rounds, alternating with `rounds`. */
  referenceRounds: JoinRound[];
  failures: string[];
  quietWaitMs: number;
  loadBeforeRounds: string;
}

/**
 * What a call page downloads, one untimed call on each server, then `count` timed rounds on each, alternating
 * (which goes first alternates too), so that the machine's ups and downs fall on both alike.
 */
async function calls(browser: Browser, origins: { current: string; reference: string }, count: number): Promise<Calls> {
  const quietWaitMs = await waitForQuiet(QUIET_CPU_PERCENT, QUIET_WAIT_MS);
  const loadBeforeRounds = loadAverage();
  const downloads = await callPageDownloads(browser, origins.current, freshRoom('page'));
  // Not counted: the first call also pays for starting Chromium's network, audio and video services.
  const warmUp = await joinRound(browser, origins.current, freshRoom('warm-up'));
  await joinRound(browser, origins.reference, freshRoom('warm-up'));
  const rounds: JoinRound[] = [];
  const referenceRounds: JoinRound[] = [];
  const failures: string[] = [];
  const round = async (which: 'current' | 'reference', index: number) => {
    try {
      const measured = await joinRound(browser, origins[which], freshRoom(`${which}-${index + 1}`));
      (which === 'current' ? rounds : referenceRounds).push(measured);
      console.log(
        `round ${String(index + 1).padStart(2)} ${which.padEnd(9)}: ${measured.totalMs.toFixed(0)} ms ` +
          `(joiner ${measured.joinerMs.toFixed(0)}, waiting side ${measured.waiterMs.toFixed(0)})`,
      );
    } catch (error) {
      failures.push(`${which} round ${index + 1}: ${(error as Error).message.split('\n')[0]}`);
      console.error(failures.at(-1));
    }
  };
  for (let index = 0; index < count; index++) {
    const order = index % 2 === 0 ? (['reference', 'current'] as const) : (['current', 'reference'] as const);
    for (const which of order) await round(which, index);
  }
  return { downloads, warmUp, rounds, referenceRounds, failures, quietWaitMs, loadBeforeRounds };
}

/** Serves `dist` with today's server on a loopback port; resolves with its origin and a way to close it. */
async function serve(dist: string): Promise<{ origin: string; close(): Promise<void> }> {
  const app = await buildApp(loadConfig({ STATIC_DIR: dist, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' }));
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return { origin: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export const webBench: Bench<WebReportInput> = {
  name: 'web',
  file: 'benchmarks-web.md',

  async rounds(settings) {
    const began = performance.now();
    const loadAtStart = loadAverage();
    const count = roundCount(settings, ROUNDS);
    // Read before building: what the build and the server below are made of.
    const revision = describeRevision(['web', 'server', 'protocol', 'vite.config.ts']);
    console.log('building web/dist (vite build, then the elements manifest)');
    const buildStarted = performance.now();
    build();
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const bundle = weigh('video-call.js');
    const chunks = lazyChunks().map(weigh);
    const assets = pageAssets('room.html');

    const wanted = referenceRevision();
    console.log(`building the reference element at ${wanted.revision} (${wanted.source})`);
    const reference = buildReference(wanted.revision);
    let browser: Browser | undefined;
    let measured: Calls;
    let chromiumVersion: string;
    const servers: Array<{ origin: string; close(): Promise<void> }> = [];
    try {
      const current = await serve(DIST);
      servers.push(current);
      const old = await serve(reference.dist);
      servers.push(old);
      browser = await launchChromium();
      chromiumVersion = browser.version();
      measured = await calls(browser, { current: current.origin, reference: old.origin }, count);
    } finally {
      await browser?.close();
      for (const server of servers) await server.close();
      reference.remove();
    }
    const { version: playwright } = JSON.parse(
      readFileSync(inRepo('node_modules/playwright-core/package.json'), 'utf8'),
    ) as { version: string };
    const { quietWaitMs, loadBeforeRounds, ...outcome } = measured;
    return {
      date: new Date().toISOString(),
      machine: {
        ...describeMachine(),
        chromium: `${CHROMIUM} ${chromiumVersion}`,
        revision,
        playwright,
        loadAtStart,
        loadBeforeRounds,
        loadAtEnd: loadAverage(),
        quietWaitMs,
      },
      buildSeconds,
      bundle,
      chunks,
      assets,
      scripts: distScripts(),
      reference: { revision: reference.revision, source: wanted.source },
      roundsPlanned: count,
      ...outcome,
      runtimeSeconds: (performance.now() - began) / 1000,
    };
  },

  report(input) {
    return { markdown: renderReport(input), summary: summaryTable(input), failures: input.failures };
  },
};
