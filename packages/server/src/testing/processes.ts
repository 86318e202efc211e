/**
 * Child processes for the browser tests (e2e/harness.ts) and the benchmarks (bench/): the
 * server (or another script) started with tsx from the repository root, readiness detected
 * from its output, every stop bounded in time unless the caller says otherwise, and a
 * last-resort SIGKILL of whatever is still running when the parent process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../../..');

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port free on 127.0.0.1 at the time of the call. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface ChildServer {
  readonly pid: number;
  readonly output: () => string;
  /**
   * SIGTERM, then SIGKILL after `graceMs` (5 s; `Infinity`: never, the child's own shutdown
   * decides); resolves once the process is gone.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Output kept per child: the last half of it once it grows past this. */
const OUTPUT_LIMIT = 200_000;

/** Runs `node [nodeArgs] --import tsx <script>` from the repository root and waits for `readyMarker` on stdout. */
export async function startChild(options: {
  name: string;
  /** Relative to the repository root. */
  script: string;
  /** The whole environment of the child (nothing is inherited implicitly). */
  env: Record<string, string | undefined>;
  readyMarker: string;
  nodeArgs?: string[];
  startTimeoutMs?: number;
}): Promise<ChildServer> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: repoRoot,
    env: options.env,
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
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = Number.isFinite(graceMs) ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    await exited;
    clearTimeout(killer);
  };

  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`${options.name} did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
      const check = () => {
        if (output.includes(options.readyMarker)) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          ready();
        }
      };
      child.stdout.on('data', check);
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
