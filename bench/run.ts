/**
 * `npm run bench -- [signaling|turn|web|cluster]`: the named benches, or all
 * four in that order, each writing its report to docs/ (or to
 * BENCH_OUTPUT_DIR); cluster writes a section of the signaling report.
 * BENCH_ROUNDS=n runs n rounds per variant instead of each bench's own
 * counts; BENCH_ROUNDS=1 with BENCH_OUTPUT_DIR=/tmp is the smoke run. Exits
 * non-zero when a bench failed (a lost message, a child that did not start,
 * a call that did not connect); a missed target is reported, not fatal.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { signalingBench } from './signaling/bench.js';
import { turnBench } from './turn/bench.js';
import { webBench } from './web/bench.js';
import { clusterBench } from './cluster/bench.js';
import { BENCH_NAMES, type Bench, type BenchName, type Settings } from './lib/bench.js';
import { killChildrenOnExit } from './lib/children.js';
import { inRepo } from './lib/paths.js';
import { writeReport } from './lib/report-file.js';

type Runner = (settings: Settings, outputDir: string) => Promise<string[]>;

const BENCHES: Record<BenchName, Runner> = {
  signaling: (settings, outputDir) => runOne(signalingBench, settings, outputDir),
  turn: (settings, outputDir) => runOne(turnBench, settings, outputDir),
  web: (settings, outputDir) => runOne(webBench, settings, outputDir),
  cluster: (settings, outputDir) => runOne(clusterBench, settings, outputDir),
};

function selected(args: string[]): BenchName[] {
  const unknown = args.filter((arg) => !(BENCH_NAMES as readonly string[]).includes(arg));
  if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}: choose from ${BENCH_NAMES.join(', ')}`);
  return args.length === 0 ? [...BENCH_NAMES] : (args as BenchName[]);
}

function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  if (env.BENCH_ROUNDS === undefined || env.BENCH_ROUNDS === '') return { rounds: undefined };
  const rounds = Number(env.BENCH_ROUNDS);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`BENCH_ROUNDS must be a whole number ≥ 1, not "${env.BENCH_ROUNDS}"`);
  }
  return { rounds };
}

async function runOne<M>(bench: Bench<M>, settings: Settings, outputDir: string): Promise<string[]> {
  const began = performance.now();
  console.log(`\n== ${bench.name}${settings.rounds === undefined ? '' : ` (${settings.rounds} rounds per variant)`}`);
  const report = bench.report(await bench.rounds(settings));
  const file = join(outputDir, bench.file);
  writeReport(file, report.markdown, bench.section);
  console.log(`\n${report.summary}\n\nwrote ${file} in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  return report.failures.map((failure) => `${bench.name}: ${failure}`);
}

async function main(): Promise<number> {
  killChildrenOnExit();
  const names = selected(process.argv.slice(2));
  const settings = settingsFrom(process.env);
  const outputDir = process.env.BENCH_OUTPUT_DIR || inRepo('docs');
  mkdirSync(outputDir, { recursive: true });
  const failures: string[] = [];
  for (const name of names) {
    // One bench that cannot run (coturn missing, say) does not keep the others from running.
    try {
      failures.push(...(await BENCHES[name](settings, outputDir)));
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const failure of failures) console.error(`FAILED: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
