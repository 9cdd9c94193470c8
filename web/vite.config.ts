import { defineConfig } from 'vite';

// The API is served by `kefu serve`; during development by dev/mock-server.mjs.
const api = process.env.KEFU_API ?? 'http://127.0.0.1:18081';

export default defineConfig({
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/healthz': { target: api, changeOrigin: true },
    },
  },
  // web/dist is committed and embedded by kefu; two builds of the same sources must give
  // identical bytes (web/check-dist.sh): no timestamps, no absolute paths, no sourcemaps.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
});
