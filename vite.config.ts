/**
 * Builds the web client into web/dist: `video-call.js`, the element as one
 * self-contained ES module (Lit included) that any page can load, and the
 * pages, which use nothing but that public element.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
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
