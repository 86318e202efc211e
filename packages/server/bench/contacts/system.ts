/**
 * Starts the server thread (server-thread.ts) and owns the virtual clock it reads: the
 * simulator moves time forward, the server sees it at its next read.
 */
import { Worker } from 'node:worker_threads';
import type { SandboxProfessional } from '@prostopcovid/psc-sandbox';
import type { ServerThreadInput, ServerThreadMessage } from './server-thread.js';

export interface RunningSystem {
  baseUrl: string;
  database: string;
  /** Sets the virtual time (Unix ms) the server reads from now on. */
  setTime(ms: number): void;
  stop(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function startSystem(options: { professionals: SandboxProfessional[]; databaseUrl: string | undefined; env: Record<string, string>; startMs: number }): Promise<RunningSystem> {
  if (options.databaseUrl && !LOCAL_HOSTS.has(new URL(options.databaseUrl).hostname)) {
    throw new Error(`DATABASE_URL must point at this machine (127.0.0.1), not ${new URL(options.databaseUrl).hostname}`);
  }
  const clock = new SharedArrayBuffer(8);
  const view = new BigInt64Array(clock);
  Atomics.store(view, 0, BigInt(options.startMs));
  const input: ServerThreadInput = { clock, professionals: options.professionals, databaseUrl: options.databaseUrl, env: options.env };
  // The server's sources are TypeScript: the thread registers tsx's loader, then imports them
  // (Node 20 does not apply `--import tsx` given in a worker's execArgv).
  const script = new URL('./server-thread.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: input });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = await new Promise<{ baseUrl: string; database: string }>((resolve, reject) => {
    worker.on('message', (message: ServerThreadMessage) => {
      if (message.kind === 'ready') resolve(message);
      else if (message.kind === 'error') reject(new Error(`server thread: ${message.message}`));
    });
    worker.once('error', reject);
    void exited.then(() => reject(new Error('server thread exited before it was ready')));
  });
  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    setTime: (ms) => Atomics.store(view, 0, BigInt(Math.floor(ms))),
    stop: () =>
      (stopping ??= (async () => {
        const stopped = new Promise<void>((resolve) => worker.on('message', (m: ServerThreadMessage) => m.kind === 'stopped' && resolve()));
        worker.postMessage({ kind: 'stop' });
        // Bounded: a thread that does not stop in 20 s is terminated.
        const timer = setTimeout(() => void worker.terminate(), 20_000);
        await Promise.race([stopped.then(() => exited), exited]);
        clearTimeout(timer);
      })()),
  };
}
