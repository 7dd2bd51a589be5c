/**
 * `npx tsx bench/cluster/profile.ts [cross|single]`: where a node's CPU goes
 * under the cluster bench's latency workload. Runs one latency round with
 * the first node under `node --cpu-prof`, lets the nodes exit on SIGTERM so
 * the profile is written, and prints the modules and functions that took the
 * most self time within the round's measured window (start-up, room setup
 * and shutdown left out).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killChildrenOnExit } from '../lib/children.js';
import { fixed, table } from '../lib/markdown.js';
import { buildServer } from './build.js';
import { Deployment } from './deployment.js';
import { latencyRound } from './measure.js';
import { VARIANTS, type Topology } from './params.js';

/** Enough for SHUTDOWN_GRACE_MS's default (5 s) and the profile's write. */
const EXIT_GRACE_MS = 15_000;
const TOP = 25;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  /** CLOCK_MONOTONIC µs, as process.hrtime() reads it. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which module a frame belongs to: a package, a file of ours, node's internals, or V8's pseudo-frames. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  if (url.startsWith('node:')) return 'node internals';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage?.[1] !== undefined) return inPackage[1];
  const ours = /dist\/bench-cluster\/(.+)$/.exec(url);
  return ours?.[1] ?? url;
}

function summarise(file: string, window: { from: number; to: number }): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= window.from && at <= window.to) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') continue;
    busy += micros;
    const where = moduleOf(frame.url, frame.functionName);
    const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    modules.set(where, (modules.get(where) ?? 0) + micros);
  }
  const top = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([name, micros]) => [name, fixed(1)(micros / 1000), fixed(1)((micros / busy) * 100)]);
  return [
    `${file}: ${fixed(0)(busy / 1000)} ms busy in the ${fixed(0)((window.to - window.from) / 1000)} ms window`,
    '',
    ...table(['Module', 'self ms', '% of busy'], top(modules)),
    '',
    ...table(['Function', 'self ms', '% of busy'], top(functions)),
  ];
}

async function main(): Promise<void> {
  killChildrenOnExit();
  const topology = (process.argv[2] ?? 'cross') as Topology;
  if (!VARIANTS.includes(topology)) throw new Error(`choose ${VARIANTS.join(' or ')}, not "${topology}"`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-profile-'));
  const deployment = await Deployment.start(topology, buildServer(), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let window: { from: number; to: number };
  try {
    const { round, problems } = await latencyRound(deployment, `profile (${topology})`);
    window = round.cpu.monotonic;
    console.log(
      `p50 ${fixed(3)(round.p50Ms)} ms  p99 ${fixed(3)(round.p99Ms)} ms  ${fixed(1)(round.usPerMessage)} µs/msg ` +
        `(nodes ${fixed(1)(round.nodesUsPerMessage)}, redis ${fixed(1)(round.redisUsPerMessage)})`,
    );
    for (const problem of problems) console.log(`problem: ${problem}`);
  } finally {
    await deployment.close(EXIT_GRACE_MS);
  }
  const profiles = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (profiles.length === 0) throw new Error(`no profile in ${dir}: the node did not exit on its own`);
  for (const name of profiles) console.log(summarise(join(dir, name), window).join('\n'));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
