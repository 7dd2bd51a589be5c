/**
 * The embed's weight budget: everything a page needs for a call is one
 * module, at most 20 KB gzipped. Bytes are deterministic, so this is a test;
 * speed is left to `npm run bench`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const BUNDLE = 'web/dist/video-call.js';

describe('the web bundle', () => {
  it('is one self-contained module of at most 20 KB gzipped', () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is not built: run npm run build:web`);
    const code = readFileSync(BUNDLE);
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(20 * 1024);
    // No imports left to resolve: Lit and everything else are inside.
    expect(code.toString()).not.toMatch(/\bimport\s*(?:[\w*{][^;]*?from\s*)?["']/);
  });

  it('finds its server from its own URL', () => {
    expect(readFileSync(BUNDLE, 'utf8')).toContain('import.meta.url');
  });
});
