import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * The web UI's build. `npm run build:ui` writes renderer/dist, which the server serves at `/`;
 * `npm run dev` serves it with hot reload and proxies the API to a running server
 * (COALITION_SERVER, default http://127.0.0.1:19211). The desktop build reuses this file.
 */
const server = process.env.COALITION_SERVER ?? 'http://127.0.0.1:19211';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(['/api', '/json', '/xmlrpc'].map((p) => [p, { target: server, changeOrigin: true }])),
  },
});
