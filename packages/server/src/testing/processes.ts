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

/**
 * Below Linux's ephemeral range (32768–60999): a port chosen there and handed to a child could
 * be taken, before the child binds it, by any listener on port 0 started meanwhile (a sandbox,
 * a server's SMTP catcher) — a server then failed to start with EADDRINUSE in CI.
 */
const CHOSEN_PORTS = { from: 20_000, to: 32_000 };

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A port free on 127.0.0.1 at the time of the call, outside the range the system hands to port-0 listeners. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = CHOSEN_PORTS.from + Math.floor(Math.random() * (CHOSEN_PORTS.to - CHOSEN_PORTS.from));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port between ${CHOSEN_PORTS.from} and ${CHOSEN_PORTS.to} after 100 attempts`);
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
