/**
 * Compiles the server, with the project's tsconfig, into a directory of its
 * own, as `npx tsc -p tsconfig.build.json` compiles it into dist/: the nodes
 * measured run the JavaScript production runs, not tsx's transform of it
 * (see bench/turn/servers.ts for what tsx changes). The usage probe
 * (probe.ts) is compiled beside it, to be preloaded with `--import`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/paths.js';

/**
 * Inside the checkout, so that the server's own imports (fastify, ioredis, …) resolve from its node_modules
 * as they do from dist/, and under dist/, which git and the linters ignore. Not in node_modules: that may be
 * a link to another checkout's, shared with other runs.
 */
const BUILD_DIR = join(REPO_ROOT, 'dist/bench-cluster');
const TSC_TIMEOUT_MS = 180_000;

export interface Built {
  main: string;
  probe: string;
}

export function buildServer(): Built {
  mkdirSync(BUILD_DIR, { recursive: true });
  writeFileSync(join(BUILD_DIR, 'package.json'), '{ "type": "module" }\n');
  const tsconfig = {
    extends: join(REPO_ROOT, 'tsconfig.json'),
    compilerOptions: { noEmit: false, sourceMap: false, rootDir: REPO_ROOT, outDir: BUILD_DIR },
    include: [join(REPO_ROOT, 'server'), join(REPO_ROOT, 'bench/cluster/probe.ts')],
  };
  writeFileSync(join(BUILD_DIR, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(BUILD_DIR, 'tsconfig.json')], {
      encoding: 'utf8',
      timeout: TSC_TIMEOUT_MS,
    });
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    throw new Error(`tsc could not compile server/ for the bench:\n${stdout ?? (error as Error).message}`, {
      cause: error,
    });
  }
  return { main: join(BUILD_DIR, 'server/main.js'), probe: join(BUILD_DIR, 'bench/cluster/probe.js') };
}
