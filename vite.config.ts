/**
 * Builds the web client into web/dist: `video-call.js`, the element as one
 * self-contained ES module (Lit included) that any page can load, and the
 * pages, which use nothing but that public element.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** Writes .gz and .br beside every script and page, which the server sends to browsers that accept them. */
function precompress(dir: string): Plugin {
  return {
    name: 'precompress',
    apply: 'build',
    closeBundle() {
      for (const file of readdirSync(dir)) {
        if (!/\.(js|html|json)$/.test(file)) continue;
        const body = readFileSync(join(dir, file));
        writeFileSync(join(dir, `${file}.gz`), gzipSync(body, { level: 9 }));
        writeFileSync(join(dir, `${file}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

export default defineConfig({
  root: 'web',
  plugins: [precompress('web/dist')],
  publicDir: 'public',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    lib: {
      entry: { 'video-call': 'video-call.ts', home: 'pages/home.ts', room: 'pages/room.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    sourcemap: true,
    // Library mode leaves ES output unminified by default; this bundle is served to browsers as is.
    rolldownOptions: { output: { minify: true } },
  },
});
