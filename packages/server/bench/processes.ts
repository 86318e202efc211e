/**
 * Child processes for the benchmark (adapted from e2e/harness.ts): servers started with tsx
 * on free 127.0.0.1 ports, readiness detected from their output, every stop bounded in time,
 * and a last-resort SIGKILL of whatever is still running when the benchmark process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export { freePort } from '../e2e/harness.js';

export interface ChildServer {
  readonly pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 200_000;

/** Runs `node [nodeArgs] --import tsx <script>` from the repository root and waits for `readyMarker` on stdout. */
export async function startChild(options: {
  name: string;
  script: string;
  env: Record<string, string | undefined>;
  readyMarker: string;
  nodeArgs?: string[];
  startTimeoutMs?: number;
}): Promise<ChildServer> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: repoRoot,
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => running.delete(child));

  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };

  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`${options.name} did not start within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`)), options.startTimeoutMs ?? 60_000);
      const check = () => {
        if (output.includes(options.readyMarker)) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          ready();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`${options.name} exited (${code ?? signal}) before being ready:\n${output}`));
      });
    });
  } catch (error) {
    await stop(1000);
    throw error;
  }
  return { pid: child.pid!, output: () => output, stop };
}

/** Stops every child still running (used on failures and signals). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }),
  );
}
