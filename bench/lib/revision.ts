/**
 * Which code a report measured: the commit, and the source files that
 * differed from it, since other people's edits may be in the working tree.
 */
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './paths.js';

export function describeRevision(paths: string[]): string {
  const git = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10_000 });
  try {
    const commit = git(['rev-parse', '--short', 'HEAD']).trim();
    // Not trimmed: a porcelain line starts with its two status columns, the first often a space.
    const changed = git(['status', '--porcelain', '--', ...paths])
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.slice(3));
    if (changed.length === 0) return `${commit}, clean`;
    return `${commit} with uncommitted changes in ${changed.map((file) => `\`${file}\``).join(', ')}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
