/** Renders docs/benchmarks-web.md: bundle weight, what a call page loads, join → connected. */
import type { MachineDuringRun } from '../lib/machine.js';
import { fixed, machineSection, reportHeader, table, verdict } from '../lib/markdown.js';
import { summarise, type Summary } from '../lib/stats.js';
import type { PageAssets, Weight } from './bundle.js';
import type { Download, JoinRound } from './join.js';
import { KB, QUIET_CPU_PERCENT, QUIET_WAIT_MS, ROUND_TIMEOUT_MS, targets } from './params.js';

/** Published for context, not measured here. */
const context = ['PeerJS’s client alone (no UI) is 22.7 KB gzip.', 'A seed-style React client is at least 94 KB gzip.'];

export interface WebReportInput {
  date: string;
  machine: MachineDuringRun & { chromium: string; playwright: string; loadBeforeRounds: string };
  buildSeconds: number;
  bundle: Weight;
  /** The lazy chunks video-call.js imports on first need. */
  chunks: Weight[];
  assets: PageAssets;
  scripts: string[];
  downloads: Download[];
  warmUp: JoinRound | undefined;
  /** The element the join times are compared with, built from an earlier revision in the same run. */
  reference: { revision: string; source: string };
  /** Timed rounds asked for, which BENCH_ROUNDS may have lowered; a round that failed is missing from `rounds`. */
  roundsPlanned: number;
  rounds: JoinRound[];
  /** The reference element's rounds, alternating with `rounds`. */
  referenceRounds: JoinRound[];
  failures: string[];
  runtimeSeconds: number;
}

const ms = fixed(0);
const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;

const joinStats = (rounds: JoinRound[], value: (round: JoinRound) => number): Summary => summarise(rounds.map(value));

/** The join target holds only when every planned round connected and their median is within it. */
function joinPasses(input: WebReportInput): boolean {
  const { median } = joinStats(input.rounds, (r) => r.totalMs);
  return input.rounds.length === input.roundsPlanned && median <= targets.joinMedianMs;
}

/** Today's median join over the reference element's, both measured in this run. */
function joinRatio(input: WebReportInput): number {
  const current = joinStats(input.rounds, (r) => r.totalMs).median;
  return current / joinStats(input.referenceRounds, (r) => r.totalMs).median;
}

const lazyGzip = (input: WebReportInput) => input.chunks.reduce((sum, chunk) => sum + chunk.gzip, 0);

export function summaryTable(input: WebReportInput): string {
  const b = input.bundle;
  const lazy = lazyGzip(input);
  const total = joinStats(input.rounds, (r) => r.totalMs);
  const spread = `p90 ${ms(total.p90)}, min ${ms(total.min)}, max ${ms(total.max)}`;
  return table(
    ['What', 'Measured', 'Target', 'Result'],
    [
      [
        'video-call.js, gzip -9',
        `${kb(b.gzip)} (${b.gzip} B; raw ${kb(b.raw)}, brotli ${kb(b.brotli)})`,
        `≤ ${kb(targets.gzipBytes)}`,
        verdict(b.gzip <= targets.gzipBytes),
      ],
      [
        `its ${input.chunks.length} lazy chunks, gzip -9 in all`,
        `${kb(lazy)} (${lazy} B)`,
        `≤ ${kb(targets.lazyGzipBytes)}`,
        verdict(lazy <= targets.lazyGzipBytes),
      ],
      [
        `join() → both connected, median of ${input.rounds.length}`,
        `${ms(total.median)} ms (${spread})`,
        `≤ ${targets.joinMedianMs} ms`,
        verdict(joinPasses(input)),
      ],
      [
        `… over the reference element (${input.reference.revision}), alternating rounds`,
        `${joinRatio(input).toFixed(2)}× (reference median ${ms(joinStats(input.referenceRounds, (r) => r.totalMs).median)} ms)`,
        `≤ ${targets.joinRatio.toFixed(2)}×`,
        verdict(input.referenceRounds.length === input.roundsPlanned && joinRatio(input) <= targets.joinRatio),
      ],
    ],
  ).join('\n');
}

function joinTable(input: WebReportInput): string[] {
  const rows: Array<[string, (r: JoinRound) => number]> = [
    ['join() → both connected', (r) => r.totalMs],
    ['join() → the joiner connected', (r) => r.joinerMs],
    ['join() → the waiting side connected', (r) => r.waiterMs],
  ];
  const sides = [
    ['this revision', input.rounds],
    [`reference (${input.reference.revision})`, input.referenceRounds],
  ] as const;
  return table(
    ['Interval (ms)', 'element', 'median', 'p90', 'min', 'max'],
    rows.flatMap(([label, value]) =>
      sides.map(([side, rounds]) => {
        const s = joinStats(rounds, value);
        return [label, side, ms(s.median), ms(s.p90), ms(s.min), ms(s.max)];
      }),
    ),
  );
}

/** Every milestone both sides reached in every round, ms after the joiner's join(), in order of median. */
function milestoneTable(input: WebReportInput): string[] {
  const sides = [
    ['joiner', (r: JoinRound) => r.joinerSteps],
    ['waiting side', (r: JoinRound) => r.waiterSteps],
  ] as const;
  const rows: Array<{ side: string; label: string; stats: Summary }> = [];
  for (const [side, steps] of sides) {
    const labels = [...(input.rounds[0] === undefined ? [] : steps(input.rounds[0]).keys())];
    for (const label of labels.filter((l) => input.rounds.every((r) => steps(r).has(l)))) {
      rows.push({ side, label, stats: joinStats(input.rounds, (r) => steps(r).get(label) ?? Number.NaN) });
    }
  }
  rows.sort((a, b) => a.stats.median - b.stats.median);
  return table(
    ['ms after join()', 'side', 'milestone', 'p90', 'min', 'max'],
    rows.map(({ side, label, stats }) => [ms(stats.median), side, label, ms(stats.p90), ms(stats.min), ms(stats.max)]),
  );
}

export function renderReport(input: WebReportInput): string {
  const m = input.machine;
  const b = input.bundle;
  const others = input.scripts.filter((file) => file !== 'video-call.js');
  const imports =
    input.assets.imports.length === 0
      ? 'none'
      : input.assets.imports.map((i) => `\`${i.script}\` → \`${i.from}\``).join(', ');
  const header = reportHeader({
    title: 'Web client benchmarks',
    bench: 'web',
    date: input.date,
    runtime: `${input.runtimeSeconds.toFixed(0)} s (the build ${input.buildSeconds.toFixed(0)} s)`,
  });
  const quiet =
    `${(m.quietWaitMs / 1000).toFixed(1)} s (until other processes used at most ${QUIET_CPU_PERCENT} % of a core, ` +
    `${QUIET_WAIT_MS / 1000} s at most)`;
  const machine = machineSection(m, [
    ['Browser', `${m.chromium}, headless, driven by playwright-core ${m.playwright}`],
    ['Code measured', m.revision],
    [
      'Load average (1, 5, 15 min)',
      `${m.loadAtStart} at the start, ${m.loadBeforeRounds} before the join rounds, ${m.loadAtEnd} at the end`,
    ],
    ['Waited for a quiet machine before the join rounds', quiet],
  ]);
  const failed =
    input.failures.length === 0
      ? ''
      : `**Rounds that failed** (each had ${ROUND_TIMEOUT_MS / 1000} s): ${input.failures.join('; ')}\n`;
  const urls = input.assets.urls.map((url) => `\`${url}\``).join(', ');
  const warmUp = input.warmUp === undefined ? '' : ` (it took ${ms(input.warmUp.totalMs)} ms)`;
  return `${header.join('\n')}

${machine.join('\n')}

The machine is shared with other people’s tests; the load average says how busy it was. The bundle
numbers do not depend on it; the join times do.

## Summary

${summaryTable(input)}

${failed}
## 1. Bundle weight

\`npx vite build\` writes web/dist (and \`cem analyze\` then puts the elements manifest back beside it, as
\`npm run build:web\` does). \`web/dist/video-call.js\` is the element as one self-contained ES module, Lit
included: the whole JavaScript a page needs to start a call (the chunks below add views and languages as they
are needed). Sizes of that file, compressed here with node:zlib:

| | bytes | KB |
|---|---|---|
| raw (minified) | ${b.raw} | ${kb(b.raw)} |
| gzip -9 | ${b.gzip} | ${kb(b.gzip)} |
| brotli (quality 11) | ${b.brotli} | ${kb(b.brotli)} |

Target: ≤ ${kb(targets.gzipBytes)} gzip (KB = 1000 bytes) — **${verdict(b.gzip <= targets.gzipBytes)}**. \
For context: ${context.join(' ')}

Its lazy chunks, each loaded from beside the element on first need (views: the host tools and lobby, pre-join
and devices, chat; the in-call network-quality logic; each locale other than English):

| chunk | raw | gzip -9 | brotli |
|---|---|---|---|
${input.chunks.map((c) => `| \`${c.file}\` | ${c.raw} | ${c.gzip} | ${c.brotli} |`).join('\n')}
| **in all** | ${input.chunks.reduce((sum, c) => sum + c.raw, 0)} | ${lazyGzip(input)} | \
${input.chunks.reduce((sum, c) => sum + c.brotli, 0)} |

Target: ≤ ${kb(targets.lazyGzipBytes)} gzip in all — **${verdict(lazyGzip(input) <= targets.lazyGzipBytes)}**.

**Does the call page need anything else?** \`web/dist/${input.assets.page}\` references, in order:
${urls}. \`/room.js\` is the page’s own few lines (read the room and any token from the
URL, call \`join()\`); static or dynamic imports inside those scripts: ${imports}. Other scripts in web/dist:
${others.map((file) => `\`${file}\``).join(', ') || 'none'} (the pages’ own, and the element's lazy chunks above;
no shared chunks).

What Chromium fetched opening \`/r/<room>\` until the element was \`waiting\` in the room (body bytes as
received, so compressed where the server sent a precompressed twin):

| URL | status | content-encoding | body bytes |
|---|---|---|---|
${input.downloads.map((d) => `| \`${d.url}\` | ${d.status} | ${d.encoding} | ${d.bodyBytes} |`).join('\n')}

## 2. Join → connected on loopback

The signaling server in process \
(\`buildApp(loadConfig({ STATIC_DIR: web/dist, LOG_LEVEL: warn, HOST: 127.0.0.1, PORT: 0 }))\`),
Chromium as the end-to-end tests launch it (headless, fake camera and microphone). Each round: two fresh
browser contexts open \`/\` on the server’s origin and add \`<video-call autojoin="false">\` for a fresh room
(the module loaded and the element defined before anything is timed); the first calls \`join()\` and waits
until it is \`waiting\`; then the second calls \`join()\`, and the round lasts from that call until both
elements have fired \`vc-state\` \`connected\`. Both pages stamp events with \`performance.timeOrigin +
performance.now()\`, the same machine clock. The interval includes the joiner’s camera and microphone
(fake devices), its WebSocket and \`join\`, the offer/answer and ICE exchange, and DTLS. Contexts are closed after
each round; a round has ${ROUND_TIMEOUT_MS / 1000} s. One untimed round runs first${warmUp}, since the first
call also starts Chromium’s network, audio and video services. ${input.rounds.length} rounds counted.

The reference: the element as revision \`${input.reference.revision}\` built it (${input.reference.source}), built in
a temporary worktree and served by this revision’s server on a second port. Its rounds alternate with this
revision’s (which goes first alternates too), so both see the same machine; the ratio of the medians is the
verdict, since the absolute times move with the machine’s load.

${joinTable(input).join('\n')}

Where the time goes (medians over the rounds; “sent/received” are WebSocket messages by type, “signal”
carries the offer, answer and ICE candidates; the milestones are stamped in the page by wrapping
\`getUserMedia\`, \`WebSocket\` and \`RTCPeerConnection\`):

${milestoneTable(input).join('\n')}

Target: median ≤ ${targets.joinMedianMs} ms — **${verdict(joinPasses(input))}**.

Every round (ms): ${input.rounds.map((r) => ms(r.totalMs)).join(', ')}.
`;
}
