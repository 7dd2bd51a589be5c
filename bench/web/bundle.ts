/**
 * Bundle weight: builds web/dist and weighs video-call.js, the one script a
 * page needs for a call, and the lazy chunks it loads on first need, raw and
 * compressed as a server or CDN would send them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { REPO_ROOT, inRepo } from '../lib/paths.js';

export const DIST = inRepo('web/dist');
/** A build takes a few seconds; minutes means something hangs. */
const BUILD_TIMEOUT_MS = 180_000;

export interface Weight {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
}

export interface PageAssets {
  page: string;
  /** Every script src and link href in the page, in order. */
  urls: string[];
  /** Static imports inside the page's same-origin scripts: anything here would be one more download. */
  imports: Array<{ script: string; from: string }>;
}

/**
 * `vite build` (which empties web/dist first), then the custom elements
 * manifest, the second half of `npm run build:web`, so that web/dist is left
 * as complete as the build script leaves it for anyone else using it.
 */
export function build(): void {
  const run = (args: string[]) =>
    execFileSync('npx', args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: BUILD_TIMEOUT_MS });
  run(['vite', 'build', '--logLevel', 'warn']);
  run(['cem', 'analyze', '--litelement', '--quiet', '--globs', 'web/video-call.ts', '--outdir', 'web/dist']);
}

export function weigh(file: string): Weight {
  const body = readFileSync(join(DIST, file));
  return {
    file,
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** What the page loads by markup, and whether its scripts pull in anything more. */
export function pageAssets(page: string): PageAssets {
  const html = readFileSync(join(DIST, page), 'utf8');
  const urls = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
  const imports: PageAssets['imports'] = [];
  for (const url of urls) {
    if (!url.startsWith('/') || !url.endsWith('.js')) continue;
    const code = readFileSync(join(DIST, url.slice(1)), 'utf8');
    // Minified ES output writes static imports as `import … from"x"` / `import"x"`, dynamic ones as `import("x")`.
    for (const match of code.matchAll(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?\(?\s*["'`]([^"'`]+)["'`]/g)) {
      imports.push({ script: url, from: match[1] ?? '' });
    }
  }
  return { page, urls, imports };
}

/** The element's lazy chunks (views, locales): what video-call.js imports on first need, by relative URLs. */
export function lazyChunks(): string[] {
  const code = readFileSync(join(DIST, 'video-call.js'), 'utf8');
  return [...code.matchAll(/\bimport\(\s*["'`]\.\/([^"'`]+)["'`]\s*\)/g)].map((match) => match[1] ?? '');
}

/** Every script in web/dist, so a stray chunk beside video-call.js would show. */
export function distScripts(): string[] {
  return readdirSync(DIST).filter((file) => file.endsWith('.js'));
}
