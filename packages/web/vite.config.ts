/**
 * Vite build of the dashboard. The hub serves `dist/` at `/`; `base: './'` keeps asset URLs
 * relative so the same build also works behind a path prefix or opened from another mount point.
 */
import { defineConfig } from 'vite'

// `npm run dev -w @w3ai/web` proxies the API to a running hub (default: `w3ai up` on 7420).
const hub = process.env.W3AI_HUB_URL ?? 'http://127.0.0.1:7420'

export default defineConfig({
  base: './',
  // Vite's own Oxc transform handles TSX; the automatic runtime means no `import React` per file,
  // and we need no React plugin (no fast refresh is fine for a small dashboard).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // React DOM alone is ~180 kB minified; warn only if the app chunk grows well past that.
    // The world atlas (~108 kB) is its own lazily loaded chunk.
    chunkSizeWarningLimit: 260,
  },
  server: {
    proxy: { '/v1': { target: hub, ws: true, changeOrigin: true } },
  },
})
