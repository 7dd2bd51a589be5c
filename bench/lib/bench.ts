/**
 * What every bench is to the entry point (bench/run.ts): a name, rounds that
 * measure, and a report rendered from what they measured.
 */

export const BENCH_NAMES = ['signaling', 'turn', 'web', 'cluster'] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export interface Settings {
  /**
   * Rounds per variant in place of each bench's own counts (BENCH_ROUNDS; 1 for a smoke run that
   * proves the bench works). The report says how many ran, and a verdict that needs the full count
   * says MISS without it.
   */
  rounds: number | undefined;
}

export interface Report {
  /** The whole Markdown file, or the bench's section of it. */
  markdown: string;
  /** What the console shows at the end: the tables a reader needs first. */
  summary: string;
  /** Lost messages, rounds that failed, anything that makes the run exit non-zero. */
  failures: string[];
}

export interface Bench<Measured> {
  readonly name: BenchName;
  /** The report it writes, a file name in docs/ (or in BENCH_OUTPUT_DIR). */
  readonly file: string;
  /**
   * Set when the report is one section of `file`, which another bench writes: a run replaces only that
   * section (./report-file.ts), and the other bench's runs keep it.
   */
  readonly section?: string;
  /** Starts what it measures, runs every round, stops it all again (children are ended by PID on any exit). */
  rounds(settings: Settings): Promise<Measured>;
  report(measured: Measured): Report;
}

/** How many rounds a workload runs: its own count unless the settings override it. */
export const roundCount = (settings: Settings, own: number): number => settings.rounds ?? own;
