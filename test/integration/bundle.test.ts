/**
 * The embed's weight budget: everything a page needs for a call is one
 * module, at most 20 KB gzipped; the host tools and the lobby screen are a
 * chunk beside it, loaded by a relative URL on first need, from the same
 * server and with the same CORS headers. Bytes are deterministic, so this is
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

/** The lazy chunk's file name: the one the element imports, which must be the only other script beside it. */
function lazyChunk(): string {
  const imports = [...built().matchAll(/\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1]);
  expect(imports).toHaveLength(1);
  const [specifier = ''] = imports;
  expect(specifier, 'imported by a URL relative to the element').toMatch(/^\.\/host-lobby-[\w-]+\.js$/);
  return specifier.slice(2);
}

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

  it('loads the host and lobby chunk by a relative URL, and the chunk imports nothing', () => {
    const chunk = lazyChunk();
    const scripts = readdirSync(DIST).filter((file) => file.endsWith('.js'));
    expect(scripts).toContain(chunk);
    // A static import in the chunk would load a second copy of the element under some URLs (see the view).
    const code = readFileSync(`${DIST}/${chunk}`, 'utf8');
    expect(code).not.toMatch(STATIC_IMPORT);
    expect(code).not.toMatch(/\bimport\s*\(/);
  });
});

describe('the lazy chunk, as the server sends it', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('comes with the same CORS and caching headers as the element, compressed too', async () => {
    server = await startServer({ STATIC_DIR: DIST });
    const chunk = lazyChunk();
    const origin = { origin: 'https://elsewhere.example' };
    const element = await server.app.inject({ url: '/video-call.js', headers: origin });
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
