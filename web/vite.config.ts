import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API serves web/dist at `/`; `vite dev` proxies the API's routes to a running `npm start`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/v1', '/healthz'].map((prefix) => [prefix, process.env.LONGHAUL_API_URL ?? 'http://127.0.0.1:3000']),
    ),
  },
});
