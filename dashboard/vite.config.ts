import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// Node's process.env without depending on @types/node.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

// Dev server: proxy the dashboard API to a running server (Hayhooks or
// dev/fake-api.mjs) so the page, cookies and EventSource stay same-origin.
// Run with VITE_API_BASE=/dashboard/api (see README.md).
const target = env.HAYHOOKS_URL ?? 'http://127.0.0.1:1416';

export default defineConfig({
  // Relative asset URLs: the built app works under any path prefix
  // (`/dashboard/`, `/prefix/dashboard/`, ...).
  base: './',
  plugins: [preact()],
  server: {
    proxy: {
      '/dashboard/api': { target, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    // The theme's tokens as written (`theme.css?raw`), for the contrast test; other CSS stays stubbed out.
    css: { include: [/\/theme\.css\?raw$/] },
  },
});
