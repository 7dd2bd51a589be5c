/**
 * The embed's weight budget: everything a page needs for a call is one
 * module, at most 20 KB gzipped; its views (host tools and lobby, pre-join
 * and devices, chat) and its locales are chunks beside it, at most 32 KB
 * gzipped in all, loaded by relative URLs on first need, from the same server
 * and with the same CORS headers. Bytes are deterministic, so this is
 * a test; speed is left to `npm run bench`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const DIST = 'web/dist';
const BUNDLE = `${DIST}/video-call.js`;
/** A static import (`import x from"y"`, `import"y"`); `import("y")` is dynamic and is not one. */
const STATIC_IMPORT = /\bimport\s*(?:[\w*{][^;]*?from\s*)?["'`]/;

function built(): string {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is not built: run npm run build:web`);
  return readFileSync(BUNDLE, 'utf8');
}

/** The lazy chunks' file names: the ones the element imports, by URLs relative to itself. */
function lazyChunks(): string[] {
  const imports = [...built().matchAll(/\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1] ?? '');
  expect(imports.length).toBeGreaterThan(0);
  for (const specifier of imports) {
    expect(specifier, 'imported by a URL relative to the element').toMatch(/^\.\/[\w-]+-[\w-]+\.js$/);
  }
  return imports.map((specifier) => specifier.slice(2));
}

const gzipped = (file: string) => gzipSync(readFileSync(`${DIST}/${file}`), { level: 9 }).length;

describe('the web bundle', () => {
  it('is one self-contained module of at most 20 KB gzipped', () => {
    const code = built();
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(20 * 1024);
    // No imports left to resolve: Lit and everything else are inside.
    expect(code).not.toMatch(STATIC_IMPORT);
  });

  it('finds its server from its own URL', () => {
    expect(built()).toContain('import.meta.url');
  });

  it('loads its lazy chunks (views, locales) by relative URLs, and no chunk imports anything', () => {
    const chunks = lazyChunks();
    expect(chunks.some((chunk) => chunk.startsWith('host-lobby-'))).toBe(true);
    expect(chunks.some((chunk) => chunk.startsWith('de-'))).toBe(true);
    const scripts = readdirSync(DIST).filter((file) => file.endsWith('.js'));
    for (const chunk of chunks) {
      expect(scripts).toContain(chunk);
      // A static import in a chunk would load a second copy of the element under some URLs (chunk-loader.ts).
      const code = readFileSync(`${DIST}/${chunk}`, 'utf8');
      expect(code, chunk).not.toMatch(STATIC_IMPORT);
      expect(code, chunk).not.toMatch(/\bimport\s*\(/);
    }
  });

  it('keeps its lazy chunks within 32 KB gzipped in all', () => {
    const total = lazyChunks().reduce((sum, chunk) => sum + gzipped(chunk), 0);
    expect(total).toBeLessThanOrEqual(32 * 1024);
  });
});

describe('the lazy chunks, as the server sends them', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('come with the same CORS and caching headers as the element, compressed too', async () => {
    server = await startServer({ STATIC_DIR: DIST });
    const origin = { origin: 'https://elsewhere.example' };
    const element = await server.app.inject({ url: '/video-call.js', headers: origin });
    for (const chunk of lazyChunks())
      for (const encoding of ['identity', 'gzip', 'br']) {
        const response = await server.app.inject({
          url: `/${chunk}`,
          headers: { ...origin, 'accept-encoding': encoding },
        });
        expect(response.statusCode, encoding).toBe(200);
        expect(response.headers['content-type'], encoding).toMatch(/javascript/);
        expect(response.headers['content-encoding'], encoding).toBe(encoding === 'identity' ? undefined : encoding);
        for (const header of ['access-control-allow-origin', 'cross-origin-resource-policy', 'cache-control']) {
          expect(response.headers[header], `${header} (${encoding})`).toBe(element.headers[header]);
        }
      }
    expect(element.headers['access-control-allow-origin']).toBe('*');
  });
});
