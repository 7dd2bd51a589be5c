/**
 * The reference the join times are compared with, measured in the same run:
 * the element as an earlier revision built it, served by today's server, its
 * rounds alternating with today's element's. Absolute times on a shared
 * machine are noise; a ratio taken side by side is not.
 *
 * The revision is BENCH_WEB_REFERENCE (any git revision), or else the one
 * the current docs/benchmarks-web.md measured: the last report's code. It is
 * checked out in a temporary detached worktree (node_modules linked, never
 * installed) and built there with that revision's own `vite build`; the
 * worktree is removed afterwards, whatever happened.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, inRepo } from '../lib/paths.js';

/** A build takes a few seconds; minutes means something hangs. */
const BUILD_TIMEOUT_MS = 180_000;

export interface Reference {
  revision: string;
  /** Its web/dist, to serve. */
  dist: string;
  /** Removes the worktree. */
  remove(): void;
}

/** The revision to compare with, and where that choice came from. */
export function referenceRevision(env: NodeJS.ProcessEnv = process.env): { revision: string; source: string } {
  const asked = env.BENCH_WEB_REFERENCE?.trim();
  if (asked) return { revision: asked, source: 'BENCH_WEB_REFERENCE' };
  const report = inRepo('docs/benchmarks-web.md');
  const measured = existsSync(report)
    ? /\| Code measured \| ([0-9a-f]{7,40})\b/.exec(readFileSync(report, 'utf8'))
    : null;
  if (measured?.[1] === undefined) {
    throw new Error('no reference revision: set BENCH_WEB_REFERENCE, or keep the last docs/benchmarks-web.md');
  }
  return { revision: measured[1], source: 'the revision the previous docs/benchmarks-web.md measured' };
}

export function buildReference(revision: string): Reference {
  const git = (args: string[]) =>
    execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  const commit = git(['rev-parse', '--short', `${revision}^{commit}`]).trim();
  const directory = mkdtempSync(join(tmpdir(), 'vc-web-reference-'));
  const worktree = join(directory, 'tree');
  git(['worktree', 'add', '--detach', '--quiet', worktree, commit]);
  const remove = () => {
    try {
      git(['worktree', 'remove', '--force', worktree]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  try {
    symlinkSync(inRepo('node_modules'), join(worktree, 'node_modules'));
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
      cwd: worktree,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: BUILD_TIMEOUT_MS,
    });
  } catch (error) {
    remove();
    throw error;
  }
  return { revision: commit, dist: join(worktree, 'web/dist'), remove };
}
