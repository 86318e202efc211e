import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { PAGE_ROUTES } from './src/routes';

/** The client's page paths, for the server: any other page address is answered 404 (with the app's 404 page). */
function pageRoutesFile(): Plugin {
  return {
    name: 'prostopcovid-page-routes',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'routes.json', source: JSON.stringify({ paths: PAGE_ROUTES.map((route) => route.path) }) });
    },
  };
}

// In development (`npm run dev -w @prostopcovid/web`) the API is the server on :3000.
export default defineConfig({
  plugins: [
    react(),
    pageRoutesFile(),
    // The service worker keeps the app shell on the device: the portal opens and its forms work
    // with the server or the network gone (docs/domain.md, Continuity). Data never goes through its cache:
    // the outbox and the reference lists live in IndexedDB.
    VitePWA({
      injectRegister: 'script-defer',
      registerType: 'autoUpdate',
      manifest: {
        name: 'ProStopCovid',
        short_name: 'ProStopCovid',
        description: 'Portail des professionnels de santé : codes StopCovid, tests, vaccinations, continuité de service',
        lang: 'fr',
        start_url: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#000091',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest,wasm,ttf}'],
        // The follow-up and statistics charts (ECharts, 0.5 MB, in a chunk of its own: build below) are for
        // operators online: not downloaded by every professional's device.
        globIgnores: ['**/echarts-*.js', '**/follow-up-echarts-*.js', '**/statistics-echarts-*.js'],
        navigateFallback: '/index.html',
        // The Atom feed of urgent messages is the server's, not a page of the app.
        navigateFallbackDenylist: [/^\/api\//, /^\/auth\//, /^\/docs/, /^\/metrics/, /^\/healthz/, /^\/readyz/, /^\/dgs-urgent\.atom$/],
        clientsClaim: true,
        skipWaiting: true,
        cleanupOutdatedCaches: true,
        maximumFileSizeToCacheInBytes: 6 * 1024 * 1024,
      },
    }),
  ],
  server: {
    proxy: { '/api': 'http://localhost:3000', '/auth': 'http://localhost:3000' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // ECharts (and its renderer, zrender) in one chunk named for it, shared by the two chart modules that load it lazily.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'echarts', test: /[\\/]node_modules[\\/](echarts|zrender)[\\/]/ }] } } },
  },
});
