/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// The Tauri shell loads the built files from dist/ (no dev server needed), so paths are
// relative and everything is bundled: the CSP allows no remote scripts, styles or fonts.
export default defineConfig({
  base: './',
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: {
      $lib: fileURLToPath(new URL('./src/lib', import.meta.url)),
      $test: fileURLToPath(new URL('./src/test', import.meta.url)),
    },
  },
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK (Linux) and WKWebView (macOS) are the oldest engines Tauri runs on.
    target: ['safari15', 'chrome105'],
    sourcemap: false,
  },
  test: {
    // Component specs need a DOM; pure ones say `@vitest-environment node` and start faster.
    environment: 'jsdom',
    pool: 'threads',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.spec.ts'],
  },
});
