/**
 * `npx tsx bench/web/run.ts`: the web client's weight and how fast a call
 * connects, then docs/benchmarks-web.md. Exits non-zero when the build fails
 * or a call does not connect; a missed target is reported, not fatal.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { DIST, REPO_ROOT, build, distScripts, pageAssets, weigh } from './bundle.js';
import { CHROMIUM, launch } from './browser.js';
import { describeMachine, loadAverage, waitForQuiet } from '../machine.js';
import { describeRevision } from '../turn/revision.js';
import { callPageDownloads, joinRound, type JoinRound } from './join.js';
import { QUIET_CPU_PERCENT, QUIET_WAIT_MS, ROUNDS } from './params.js';
import { renderReport, summaryTable } from './report.js';

const REPORT = new URL('../../docs/benchmarks-web.md', import.meta.url);
/** A fresh room per round, so no round meets a leftover of another. */
const freshRoom = (label: string) => `bench-${label}-${randomBytes(4).toString('hex')}`;

async function main(): Promise<number> {
  const began = performance.now();
  const loadAtStart = loadAverage();

  // Read before building: what the build and the server below are made of.
  const revision = describeRevision(['web', 'server', 'protocol', 'vite.config.ts']);
  console.log('building web/dist (vite build, then the elements manifest)');
  const buildStarted = performance.now();
  build();
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const bundle = weigh('video-call.js');
  const assets = pageAssets('room.html');

  const app = await buildApp(loadConfig({ STATIC_DIR: DIST, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' }));
  const browser = await launch();
  const chromiumVersion = browser.version();
  const rounds: JoinRound[] = [];
  const failures: string[] = [];
  let warmUp: JoinRound | undefined;
  let downloads;
  let quietWaitMs = 0;
  let loadBeforeRounds = loadAtStart;
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
    const origin = `http://127.0.0.1:${address.port}`;
    quietWaitMs = await waitForQuiet(QUIET_CPU_PERCENT, QUIET_WAIT_MS);
    loadBeforeRounds = loadAverage();
    downloads = await callPageDownloads(browser, origin, freshRoom('page'));
    // Not counted: the first call also pays for starting Chromium's network, audio and video services.
    warmUp = await joinRound(browser, origin, freshRoom('warm-up'));
    for (let index = 0; index < ROUNDS; index++) {
      try {
        const round = await joinRound(browser, origin, freshRoom(String(index + 1)));
        rounds.push(round);
        console.log(`round ${String(index + 1).padStart(2)}: ${round.totalMs.toFixed(0)} ms (joiner ${round.joinerMs.toFixed(0)}, waiting side ${round.waiterMs.toFixed(0)})`);
      } catch (error) {
        failures.push(`round ${index + 1}: ${(error as Error).message.split('\n')[0]}`);
        console.error(failures.at(-1));
      }
    }
  } finally {
    await browser.close();
    await app.close();
  }

  const input = {
    date: new Date().toISOString(),
    machine: {
      ...describeMachine(),
      chromium: `${CHROMIUM} ${chromiumVersion}`,
      revision,
      playwright: (JSON.parse(readFileSync(`${REPO_ROOT}/node_modules/playwright-core/package.json`, 'utf8')) as { version: string }).version,
      loadAtStart,
      loadBeforeRounds,
      loadAtEnd: loadAverage(),
      quietWaitMs,
    },
    buildSeconds,
    bundle,
    assets,
    scripts: distScripts(),
    downloads: downloads ?? [],
    warmUp,
    rounds,
    failures,
    runtimeSeconds: (performance.now() - began) / 1000,
  };
  writeFileSync(REPORT, renderReport(input));
  console.log(`\n${summaryTable(input)}\nwrote docs/benchmarks-web.md in ${input.runtimeSeconds.toFixed(0)} s`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
