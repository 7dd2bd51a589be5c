/**
 * A series of rounds for the signaling bench: the variants alternating
 * (../lib/rounds.ts), each round against a fresh server process started once
 * the machine is quiet, a disturbed round run again while the budgets last,
 * and what went wrong collected for the report.
 */
import type { LoadOutcome, MarkName, Traffic } from './ipc.js';
import { QuietBudget } from '../lib/machine.js';
import { alternate } from '../lib/rounds.js';
import { DISTURBED_CPU_PERCENT, MAX_RETRIES, QUIET_WAIT_BUDGET_MS, RETRIES_PER_ROUND } from './params.js';
import { ServerChild, type LoadRun, type ServerKind } from './processes.js';
import { measureWindow, type Sample, type Window } from './window.js';

/** What one series of rounds runs against: a server, and what else differs (e.g. a flood). */
export interface Variant {
  kind: ServerKind;
  label: string;
}

const LABEL_WIDTH = 34;

export class Series {
  /** Lost or unexpected messages: each one also makes the run exit non-zero. */
  readonly problems: string[] = [];
  /** Things that make a number less trustworthy without being a failure. */
  readonly warnings: string[] = [];
  /** Rounds thrown away as disturbed; the report lists them so nothing is hidden. */
  readonly retried: string[] = [];
  readonly quiet = new QuietBudget(DISTURBED_CPU_PERCENT, QUIET_WAIT_BUDGET_MS);
  private retriesLeft = MAX_RETRIES;

  /** Records loss and surprises as problems: the numbers of a round that lost messages mean nothing. */
  check(where: string, outcome: LoadOutcome & Partial<Traffic>): void {
    if (outcome.sent !== undefined && outcome.received !== undefined && outcome.sent !== outcome.received) {
      this.problems.push(`${where}: sent ${outcome.sent} signals, received ${outcome.received}`);
    }
    for (const what of outcome.unexpected) this.problems.push(`${where}: unexpected ${what}`);
  }

  /**
   * `count` rounds per variant, alternating the variants (baseline and ours,
   * or one flood scenario after another). A round whose window saw other
   * processes use more than DISTURBED_CPU_PERCENT is run again while the
   * retry budgets last; one kept anyway is a warning.
   */
  async run<T extends { kind: ServerKind; window?: Window }, V extends Variant>(
    workload: string,
    variants: readonly V[],
    count: number,
    one: (server: ServerChild, variant: V, where: string) => Promise<T>,
    describe: (round: T) => string,
  ): Promise<T[]> {
    const order = alternate(variants, count);
    const results: T[] = [];
    for (const [index, variant] of order.entries()) {
      const where = `${workload} round ${index + 1}/${order.length} (${variant.label})`;
      for (let attempt = 0; ; attempt += 1) {
        const round = await this.once(where, variant, one);
        console.log(`${where.padEnd(LABEL_WIDTH)} ${describe(round)}`);
        const other = round.window?.otherCpu ?? 0;
        if (other <= DISTURBED_CPU_PERCENT) {
          results.push(round);
          break;
        }
        const note = `${where}: other processes used ${other.toFixed(0)}% of a core`;
        if (this.retriesLeft === 0 || attempt === RETRIES_PER_ROUND) {
          this.warnings.push(`${note}; kept, as the retry budget was spent`);
          results.push(round);
          break;
        }
        this.retriesLeft -= 1;
        this.retried.push(note);
        console.log(`${''.padEnd(LABEL_WIDTH)} disturbed; running it again`);
      }
    }
    return results;
  }

  private async once<T, V extends Variant>(
    where: string,
    variant: V,
    one: (server: ServerChild, variant: V, where: string) => Promise<T>,
  ): Promise<T> {
    const waited = await this.quiet.wait();
    if (waited > 0) {
      console.log(`${where.padEnd(LABEL_WIDTH)} waited ${(waited / 1000).toFixed(1)} s for a quiet machine`);
    }
    const server = await ServerChild.start(variant.kind);
    try {
      return await one(server, variant, where);
    } finally {
      server.kill();
    }
  }
}

export function sampled(marks: LoadRun<unknown>['marks'], name: MarkName, where: string): Sample {
  const sample = marks[name];
  if (sample === undefined) throw new Error(`${where}: the load generator skipped the ${name} mark`);
  return sample;
}

export const windowOf = (marks: LoadRun<unknown>['marks'], where: string): Window =>
  measureWindow(sampled(marks, 'start', where), sampled(marks, 'end', where));

export const cpuNote = (w: Window): string =>
  `cpu: server ${w.serverCpu.toFixed(0)}% load ${w.loadCpu.toFixed(0)}%` +
  `${w.floodCpu > 0 ? ` flood ${w.floodCpu.toFixed(0)}%` : ''} other ${w.otherCpu.toFixed(0)}%`;
