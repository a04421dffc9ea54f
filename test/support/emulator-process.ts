/**
 * Runs the emulated Atlassian APIs as a child process (`emulators/serve.ts`, what `npm run emulators` runs), so a
 * test can kill the local host and keep the emulated organization: it reads the printed base URLs and fetches
 * the emulators' state and write logs over HTTP.
 */
import { spawn } from 'node:child_process';
import type { EmulatorCounts } from '../../emulators/emulator-server';
import type { EmulatorSnapshot } from '../../emulators/snapshot';
import { REPO_ROOT, signalGroup, withTimeout, type ProcessExit } from './local-host-process';

const ADMIN_LINE = /^Emulated Atlassian Admin API: (\S+)/m;
const BITBUCKET_LINE = /^Emulated Bitbucket API: (\S+)/m;
const STATE_LINE = /^Emulator state: (\S+)$/m;
const KEY_LINE = /^Emulator key: (\S+)$/m;

/** Options of the emulator process. */
export interface EmulatorProcessOptions {
  /** Real milliseconds the emulators add to every request (EMULATOR_LATENCY_MS). */
  readonly latencyMs?: number;
  readonly seed?: number;
  readonly startTimeoutMs?: number;
}

/** A running emulator process. */
export interface EmulatorProcess {
  readonly pid: number;
  /** Stands for https://api.atlassian.com/admin. */
  readonly adminUrl: string;
  /** Stands for https://api.bitbucket.org. */
  readonly bitbucketUrl: string;
  /** The key the emulators printed: the org API key, the admin's API token and the state's bearer token. */
  readonly key: string;
  /** The emulators' state, write logs and request counts (`logs: false` for the state alone, cheaper). */
  snapshot(options?: { logs?: boolean }): Promise<EmulatorSnapshot>;
  /** Requests and write-log entries so far. */
  counts(): Promise<EmulatorCounts>;
  /** Kills the process group and waits until it is gone. */
  kill(): Promise<ProcessExit>;
}

const running = new Set<EmulatorProcess>();

async function getJson<T>(url: string, key: string): Promise<T> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Starts `node --import tsx emulators/serve.ts` on a free port and resolves once it has printed its URLs. */
export async function startEmulatorProcess(options: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  if (options.latencyMs !== undefined) env.EMULATOR_LATENCY_MS = String(options.latencyMs);
  if (options.seed !== undefined) env.EMULATOR_SEED = String(options.seed);
  // detached: its own process group, so one signal reaches it whatever it started.
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulators/serve.ts'], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const closed = new Promise<ProcessExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('Could not spawn the emulator process');

  const started = await withTimeout(
    new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const state = STATE_LINE.exec(out)?.[1];
        if (state !== undefined) resolve(state);
      };
      child.stdout?.on('data', check);
      void closed.then((exit) =>
        reject(
          new Error(
            `The emulator process exited (code ${exit.code}, signal ${exit.signal}) before printing its URLs\n${out}\n${err}`,
          ),
        ),
      );
    }),
    options.startTimeoutMs ?? 30_000,
  ).catch((error: unknown) => error);
  if (typeof started !== 'string') {
    signalGroup(pid, 'SIGKILL');
    await withTimeout(closed, 5_000);
    throw started instanceof Error
      ? started
      : new Error(`The emulator process did not print its URLs in time\n${out}\n${err}`);
  }
  const stateUrl = started;
  const countsUrl = stateUrl.replace(/\/state$/, '/counts');
  // The key line comes before the state line, so it is complete by now.
  const key = KEY_LINE.exec(out)?.[1] ?? '';

  const handle: EmulatorProcess = {
    pid,
    adminUrl: ADMIN_LINE.exec(out)?.[1] ?? '',
    bitbucketUrl: BITBUCKET_LINE.exec(out)?.[1] ?? '',
    key,
    snapshot: (snapshotOptions = {}) =>
      getJson<EmulatorSnapshot>(snapshotOptions.logs === false ? `${stateUrl}?logs=false` : stateUrl, key),
    counts: () => getJson<EmulatorCounts>(countsUrl, key),
    async kill() {
      signalGroup(pid, 'SIGKILL');
      const exit = await withTimeout(closed, 5_000);
      running.delete(handle);
      if (exit === undefined) throw new Error(`Emulator process group ${pid} did not exit after SIGKILL`);
      return exit;
    },
  };
  running.add(handle);
  return handle;
}

/** Kills every emulator process this module started that is still running; for afterAll. */
export async function killAllEmulatorProcesses(): Promise<void> {
  await Promise.all([...running].map((emulator) => emulator.kill()));
}
