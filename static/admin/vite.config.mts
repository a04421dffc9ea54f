/**
 * Builds the admin page (static/admin) into static/admin/dist with relative asset URLs, because Forge serves a
 * Custom UI resource from a path of its own (not the site root) and the local host serves it under /admin/.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repository = fileURLToPath(new URL('../..', import.meta.url));

/** The admin page's build: React, relative asset URLs, output in static/admin/dist. */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Forge's CSP blocks inline scripts; keep every script in a file of its own.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2048,
  },
  server: {
    // The page imports the shared contract (src/shared) and the IdP guides (docs/idp) from the repository.
    fs: { allow: [repository] },
  },
});
