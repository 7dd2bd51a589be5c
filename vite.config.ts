/**
 * Builds the web client into web/dist: `video-call.js`, the element as one
 * self-contained ES module (Lit included) that any page can load, with the
 * host tools and lobby screen split off into `host-lobby-<hash>.js`, which it
 * imports beside itself on first need; the call pages, which use nothing but
 * that public element; and the ICE test page.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { transform as transformCss } from 'lightningcss';
import MagicString from 'magic-string';
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
        writeFileSync(
          join(dir, `${file}.br`),
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

/**
 * Minifies the CSS in Lit's css`` templates (the element's styles). The JS
 * minifier leaves template literals as written, and the styles were the
 * largest part of the module left unminified: about 1.5 KB of its gzipped
 * 20 KB budget. Lightning CSS parses them as a stylesheet, so a template it
 * cannot parse fails the build instead of shipping broken styles. Templates
 * with `${}` interpolations are left alone (there are none in the element).
 */
function minifyLitCss(): Plugin {
  return {
    name: 'minify-lit-css',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || !code.includes('css`')) return null;
      const edited = new MagicString(code);
      for (const match of code.matchAll(/\bcss`([^`$]*)`/g)) {
        const start = match.index + 'css`'.length;
        const source = match[1] ?? '';
        const { code: minified } = transformCss({ filename: id, code: Buffer.from(source), minify: true });
        edited.overwrite(start, start + source.length, minified.toString().replaceAll('\\', '\\\\'));
      }
      return edited.hasChanged() ? { code: edited.toString(), map: edited.generateMap({ hires: true }) } : null;
    },
  };
}

/**
 * Drops the indentation after each line break. The minifier leaves template
 * literals as written, and the element's are Lit templates and styles, where
 * indentation is layout-free whitespace: about 1.5 KB of the module, 100-odd
 * bytes gzipped, which the 20 KB budget feels. A line break itself is kept
 * (it still separates words and CSS values); outside template literals the
 * minified code has no indented lines to touch. Not for the ICE test page,
 * which writes text reports from template literals.
 */
function dropTemplateIndentation(): Plugin {
  return {
    name: 'drop-template-indentation',
    apply: 'build',
    renderChunk(code) {
      const edited = new MagicString(code);
      for (const match of code.matchAll(/\n[ \t]+/g))
        edited.overwrite(match.index, match.index + match[0].length, '\n');
      return edited.hasChanged() ? { code: edited.toString(), map: edited.generateMap({ hires: true }) } : null;
    },
  };
}

/**
 * Two builds, so no module is ever split into a chunk shared between entries:
 * the element and the call pages (default), then the ICE test page, a tool
 * with its own code (`--mode ice-test`, added to the same directory).
 */
export default defineConfig(({ mode }) => ({
  root: 'web',
  plugins:
    mode === 'ice-test'
      ? [precompress('web/dist')]
      : [minifyLitCss(), dropTemplateIndentation(), precompress('web/dist')],
  publicDir: mode === 'ice-test' ? false : 'public',
  build: {
    outDir: 'dist',
    emptyOutDir: mode !== 'ice-test',
    target: 'es2022',
    lib: {
      entry: (mode === 'ice-test'
        ? { 'ice-test': 'pages/ice-test.ts' }
        : { 'video-call': 'video-call.ts', home: 'pages/home.ts', room: 'pages/room.ts' }) as Record<string, string>,
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    sourcemap: true,
    // Library mode leaves ES output unminified by default; this bundle is served to browsers as is.
    // The hash in the chunk's name keeps a cached element from ever loading another build's chunk.
    rolldownOptions: { output: { minify: true, chunkFileNames: '[name]-[hash].js' } },
  },
}));
