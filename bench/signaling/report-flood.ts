/** The "Under attack" section of docs/benchmarks.md: an unrelated room's latency under each flood. */
import { cell, fixed, ratio, table, verdict } from '../lib/markdown.js';
import { summariseVariant } from '../lib/rounds.js';
import type { Summary } from '../lib/stats.js';
import { flood, type FloodScenario } from './params.js';
import type { FloodRound } from './report.js';

const ms = fixed(3);
const whole = fixed(0);

/** Every ratio is to `none`, the no-flood reference measured in the same run. */
export function renderFlood(rounds: FloodRound[], count: number): string[] {
  const of = (scenario: FloodScenario, pick: (round: FloodRound) => number): Summary =>
    summariseVariant(rounds, (round) => round.scenario, scenario, pick);
  const reference = of('none', (r) => r.p99Ms).median;
  const { probe } = flood;
  return [
    '## Under attack',
    '',
    `Our server with **its default limits** (${count} rounds per scenario, the scenarios alternating, ` +
      'a fresh server each',
    `round). A probe of ${probe.rooms} rooms × 2 clients from ${probe.localAddress} sends ` +
      `${probe.ratePerSecond} signals/s in total, as the latency`,
    `workload does (${probe.warmupMs / 1000} s warm-up, ${probe.measureMs / 1000} s measured), ` +
      'while an attacker in another process floods from 127.0.0.1:',
    '',
    '- **none**: no attacker; the reference for the ratios below.',
    `- **oversized**: ${flood.sockets} sockets (the default \`MAX_CONNECTIONS_PER_IP\`), ` +
      `each keeping two frames of ${flood.frameBytes} bytes`,
    '  queued, just under the hard limit of 4 × `MAX_FRAME_BYTES`, so each one the server reads is refused as ' +
      '`too-large`.',
    `- **reconnect**: ${flood.reconnectLoops} loops, each opening a socket, sending one such frame ` +
      'and dropping the socket, to start',
    '  again with fresh per-socket budgets.',
    '',
    `Each flood is bounded: it stops with the round, and in any case after ${flood.maxMs / 1000} s ` +
      `or ${flood.maxAttempts} connection attempts.`,
    `The bound (issue 11): the probe's p99 stays ≤ ${flood.p99LimitMs} ms under every flood.`,
    '',
    ...table(
      ['Scenario', 'p50 ms', 'p99 ms', 'max ms', 'p99 / none', 'server CPU %', 'attacker CPU %', 'Result'],
      flood.scenarios.map((scenario) => {
        const p99 = of(scenario, (r) => r.p99Ms);
        return [
          scenario,
          cell(
            of(scenario, (r) => r.p50Ms),
            ms,
          ),
          cell(p99, ms),
          cell(
            of(scenario, (r) => r.maxMs),
            ms,
          ),
          ratio(p99.median, reference),
          cell(
            of(scenario, (r) => r.window.serverCpu),
            whole,
          ),
          cell(
            of(scenario, (r) => r.window.floodCpu),
            whole,
          ),
          verdict(p99.max <= flood.p99LimitMs),
        ];
      }),
    ),
    '',
    'Per round: the attacker’s upgrades that succeeded and were refused, the frames it wrote to its sockets ' +
      '(most wait in',
    'socket buffers) and those the server read (each answered `too-large`), and CPU in percent of one core.',
    '',
    ...table(
      [
        '#',
        'Scenario',
        'p50 ms',
        'p99 ms',
        'max ms',
        'sent/s',
        'upgrades',
        'refused',
        'frames sent',
        'frames read',
        'server %',
        'attacker %',
        'load %',
        'other %',
      ],
      rounds.map((r, i) => [
        i + 1,
        r.scenario,
        ms(r.p50Ms),
        ms(r.p99Ms),
        ms(r.maxMs),
        whole(r.achievedRate),
        r.attack.upgrades,
        r.attack.refusedUpgrades,
        r.attack.framesSent,
        r.attack.framesRead,
        whole(r.window.serverCpu),
        whole(r.window.floodCpu),
        whole(r.window.loadCpu),
        whole(r.window.otherCpu),
      ]),
    ),
  ];
}
