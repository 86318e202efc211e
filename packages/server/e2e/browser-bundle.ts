import { resolve } from 'node:path';
import { build, type Rolldown } from 'vite';

/**
 * The shared verifier (@prostopcovid/dcc) bundled for the browser by the same tool as the web
 * client (Vite), as one script exposing `window.dccBundle`: tests run it in Chromium.
 */
export async function bundleDccForBrowser(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    root: resolve(import.meta.dirname, '../../web'),
    build: {
      write: false,
      minify: false,
      lib: { entry: resolve(import.meta.dirname, 'dcc-browser-entry.ts'), formats: ['iife'], name: 'dccBundle', fileName: 'dcc' },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const [first] = Array.isArray(output) ? output : [output];
  const chunk = first?.output.find((item) => item.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('no bundle produced');
  return chunk.code;
}
