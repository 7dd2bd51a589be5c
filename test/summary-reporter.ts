/**
 * Ends every run with one plain line, `tests: N passed, N failed, N skipped`,
 * that any CI log reader understands without knowing vitest's output. Tests
 * that never ran because their file's setup failed count as failed, not
 * skipped: nothing was proven.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      const broken = module.state() === 'failed';
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        counts[broken && state === 'skipped' ? 'failed' : state] += 1;
      }
    }
    const errors = unhandledErrors.length === 0 ? '' : `, ${unhandledErrors.length} unhandled error(s)`;
    process.stdout.write(
      `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${errors}\n`,
    );
  }
}
