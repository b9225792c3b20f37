import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The admin console: a single-page app built into web/dist, which `warden serve` serves
 * (src/server/web.ts). `npm run dev:web` runs Vite's dev server against a `warden serve` on :3000.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: { port: 5173, proxy: { '/api': 'http://127.0.0.1:3000' } },
})
