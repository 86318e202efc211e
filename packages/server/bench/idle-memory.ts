/**
 * `npm run measure:memory`: the resident memory of an idle server after `npm start`. Runs
 * `npm start` from the repository root twice on a throw-away DATA_DIR and KEYS_DIR, on free
 * ports: first on an empty data folder (PGlite's initdb runs), then again on the folder the
 * first run left (a restart). Each time it waits for GET /healthz, lets the server sit idle,
 * then prints the RSS of the server (the process listening on PORT, found through /proc)
 * and of the whole process tree, and stops the tree. Exits 1 when the server's RSS reaches
 * the limit in either run. Linux only (/proc).
 *
 *   MEMORY_IDLE_SECONDS     idle time before reading (10)
 *   MEMORY_LIMIT_MIB        the server's RSS must stay under this (300)
 *   MEMORY_TIMEOUT_SECONDS  hard limit for the whole run (480; `npm start` builds the web client first)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { freePort, repoRoot } from '../src/testing/processes.js';
import { childEnv, cleanup, fmt, intSetting, onCleanup, runBounded, tempDir } from './shared.js';

const IDLE_SECONDS = intSetting('MEMORY_IDLE_SECONDS', 10, 0, 600);
const LIMIT_MIB = intSetting('MEMORY_LIMIT_MIB', 300, 1, 100_000);
const TIMEOUT_SECONDS = intSetting('MEMORY_TIMEOUT_SECONDS', 480, 60, 3600);
const START_TIMEOUT_MS = 240_000;

interface Proc {
  pid: number;
  rssMiB: number;
  command: string;
}

/** `pid` and its descendants, parents first. */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const tid of tasks) {
      try {
        for (const child of readFileSync(`/proc/${pids[i]}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) {
          if (child) pids.push(Number(child));
        }
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return pids;
}

function describe(pid: number): Proc | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, rssMiB: rssKiB / 1024, command };
  } catch {
    return undefined;
  }
}

/** The inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT; state 0A is LISTEN; field 9 is the inode.
      if (fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The process of `pids` holding a socket listening on `port`. */
function listener(pids: number[], port: number): number | undefined {
  const sockets = new Set([...listeningInodes(port)].map((inode) => `socket:[${inode}]`));
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (sockets.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** Stops `npm start` and everything under it (its own process group): SIGTERM, SIGKILL after 10 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise((done) => child.once('exit', done));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const killer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
  // The server may outlive npm by a moment: make sure nothing of the group stays.
  await pause(500);
  signalGroup('SIGKILL');
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

interface Reading {
  label: string;
  startSeconds: number;
  server: Proc;
  tree: Proc[];
}

async function measure(label: string, dataDir: string, keysDir: string): Promise<Reading> {
  const port = await freePort();
  const sandboxPort = await freePort();
  const mailPort = await freePort();
  const env = childEnv({ DATA_DIR: dataDir, KEYS_DIR: keysDir, PORT: String(port), PSC_SANDBOX_PORT: String(sandboxPort), MAIL_CATCHER_PORT: String(mailPort), LOG_LEVEL: 'warn' });
  const started = performance.now();
  // Exactly `npm start`, in its own process group so that the whole tree can be stopped.
  const child = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => stopGroup(child));
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  try {
    const deadline = started + START_TIMEOUT_MS;
    while (!(await healthy(`http://127.0.0.1:${port}/healthz`))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start exited (${child.exitCode ?? child.signalCode})`);
      if (performance.now() > deadline) throw new Error(`no answer on /healthz within ${START_TIMEOUT_MS / 1000} s`);
      await Promise.race([pause(500), exited]);
    }
    const startSeconds = (performance.now() - started) / 1000;
    console.log(`${label}: /healthz answered after ${fmt(startSeconds)} s; idle for ${IDLE_SECONDS} s`);
    await pause(IDLE_SECONDS * 1000);

    const pids = processTree(child.pid!);
    const serverPid = listener(pids, port);
    const tree = pids.map(describe).filter((p): p is Proc => p !== undefined);
    const server = tree.find((p) => p.pid === serverPid);
    if (!server) throw new Error(`no process of the tree listens on port ${port}`);
    return { label, startSeconds, server, tree };
  } catch (error) {
    console.error(`npm start output:\n${output}`);
    throw error;
  } finally {
    await stopGroup(child);
  }
}

function print(reading: Reading): void {
  const total = reading.tree.reduce((sum, p) => sum + p.rssMiB, 0);
  console.log(`\n${reading.label}`);
  console.log('| pid | RSS MiB | command |\n|--:|--:|---|');
  for (const p of reading.tree) {
    const mark = p.pid === reading.server.pid ? ' **(server)**' : '';
    console.log(`| ${p.pid} | ${fmt(p.rssMiB)} | \`${p.command.slice(0, 90)}\`${mark} |`);
  }
  console.log(`server ${fmt(reading.server.rssMiB)} MiB; whole tree ${fmt(total)} MiB (sum of RSS: shared pages counted per process)`);
}

await runBounded(
  'measure:memory',
  TIMEOUT_SECONDS,
  async () => {
    const dir = tempDir('psc-idle-memory-');
    const dataDir = join(dir, 'pglite');
    const keysDir = join(dir, 'keys');
    const fresh = await measure('fresh start (empty data folder: initdb)', dataDir, keysDir);
    print(fresh);
    const restart = await measure('restart (the same data folder)', dataDir, keysDir);
    print(restart);

    console.log(`\n| start | server RSS MiB | tree RSS MiB | /healthz after s |\n|---|--:|--:|--:|`);
    for (const r of [fresh, restart]) {
      console.log(`| ${r.label} | ${fmt(r.server.rssMiB)} | ${fmt(r.tree.reduce((s, p) => s + p.rssMiB, 0))} | ${fmt(r.startSeconds)} |`);
    }
    const over = [fresh, restart].filter((r) => r.server.rssMiB >= LIMIT_MIB);
    for (const r of over) console.error(`${r.label}: the server holds ${fmt(r.server.rssMiB)} MiB, not under ${LIMIT_MIB} MiB`);
    if (!over.length) console.log(`\nthe server stays under ${LIMIT_MIB} MiB when idle`);
    return over.length ? 1 : 0;
  },
  cleanup,
);
