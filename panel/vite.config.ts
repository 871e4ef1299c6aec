import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The panel's build: one page, hashed assets under /panel/assets, nothing inline (the server's
// Content-Security-Policy allows this origin's files only), into dist/panel so it ships in the package.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/panel/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/panel', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
