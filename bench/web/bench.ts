/**
 * `npm run bench -- web`: the web client's weight and how fast a call
 * connects, then docs/benchmarks-web.md. Fails when the build fails or a
 * call does not connect; a missed target is reported, not fatal. There is no
 * reference to alternate with: the targets are absolute (bench/web/params.ts).
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
import { QUIET_CPU_PERCENT, QUIET_WAIT_MS, ROUNDS } from './params.js';
import { renderReport, summaryTable, type WebReportInput } from './report.js';

/** A fresh room per round, so no round meets a leftover of another. */
const freshRoom = (label: string) => `bench-${label}-${randomBytes(4).toString('hex')}`;

interface Calls {
  downloads: Download[];
  warmUp: JoinRound | undefined;
  rounds: JoinRound[];
  failures: string[];
  quietWaitMs: number;
  loadBeforeRounds: string;
}

/** What a call page downloads, one untimed call, then `count` timed ones, against the server at `origin`. */
async function calls(browser: Browser, origin: string, count: number): Promise<Calls> {
  const quietWaitMs = await waitForQuiet(QUIET_CPU_PERCENT, QUIET_WAIT_MS);
  const loadBeforeRounds = loadAverage();
  const downloads = await callPageDownloads(browser, origin, freshRoom('page'));
  // Not counted: the first call also pays for starting Chromium's network, audio and video services.
  const warmUp = await joinRound(browser, origin, freshRoom('warm-up'));
  const rounds: JoinRound[] = [];
  const failures: string[] = [];
  for (let index = 0; index < count; index++) {
    try {
      const round = await joinRound(browser, origin, freshRoom(String(index + 1)));
      rounds.push(round);
      console.log(
        `round ${String(index + 1).padStart(2)}: ${round.totalMs.toFixed(0)} ms ` +
          `(joiner ${round.joinerMs.toFixed(0)}, waiting side ${round.waiterMs.toFixed(0)})`,
      );
    } catch (error) {
      failures.push(`round ${index + 1}: ${(error as Error).message.split('\n')[0]}`);
      console.error(failures.at(-1));
    }
  }
  return { downloads, warmUp, rounds, failures, quietWaitMs, loadBeforeRounds };
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

    const app = await buildApp(loadConfig({ STATIC_DIR: DIST, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' }));
    let browser: Browser | undefined;
    let measured: Calls;
    let chromiumVersion: string;
    try {
      browser = await launchChromium();
      chromiumVersion = browser.version();
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
      measured = await calls(browser, `http://127.0.0.1:${address.port}`, count);
    } finally {
      await browser?.close();
      await app.close();
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
      roundsPlanned: count,
      ...outcome,
      runtimeSeconds: (performance.now() - began) / 1000,
    };
  },

  report(input) {
    return { markdown: renderReport(input), summary: summaryTable(input), failures: input.failures };
  },
};
