/**
 * Runs the local host as a real child process, the way `npm start` does, so end-to-end tests see what an operator
 * sees: the startup lines on stdout, the port it listens on, persistence across restarts and crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository root, where `npm start` runs. */
export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The line prefix main.ts prints once the server listens. */
const BASE_URL_PREFIX = 'SCIM base URL: ';
/** The prefix of the line main.ts prints about the bearer token, whichever way it was configured. */
const TOKEN_LINE_PREFIX = 'SCIM bearer token';
/** The line main.ts prints with a freshly generated token. */
const GENERATED_TOKEN_PATTERN = /^SCIM bearer token \(shown once[^)]*\): (\S+)$/m;
/** The line main.ts prints with the emulators' key (before the token line). */
const EMULATOR_KEY_PATTERN = /^Emulator key: (\S+)$/m;

/**
 * How the host is launched.
 * - `npm-start`: `npx tsx src/local/main.ts`, the command behind `npm start` (npx → tsx → node).
 * - `node`: `node --import tsx src/local/main.ts`, so that the server itself is this process's direct child; a SIGKILL
 *   then hits the server and Node reaps it at once, whereas with `npm-start` the killed server is an orphaned
 *   grandchild whose pid lingers as a zombie until the init process reaps it, and the data directory lock treats a
 *   zombie as a running owner.
 */
export type Launcher = 'npm-start' | 'node';

/** Options of one start. */
export interface LocalHostProcessOptions {
  readonly dataDir: string;
  /** Passed as SCIM_BEARER_TOKEN; when omitted the variable is removed from the child's environment. */
  readonly bearerToken?: string;
  /** Passed as PORT; 0 (the default) lets the OS pick a free port, which the printed base URL then names. */
  readonly port?: number;
  readonly launcher?: Launcher;
  /** Extra environment (e.g. SCIM_PROFILE, KVS_FSYNC). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the base URL line before giving up; 30 s by default. */
  readonly startTimeoutMs?: number;
}

/** How a child process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running local host process. */
export interface LocalHostProcess {
  readonly pid: number;
  /** The SCIM base URL the host printed, e.g. `http://127.0.0.1:41234/scim/v2`. */
  readonly scimBaseUrl: string;
  /** The generated token the host printed on this start, if it printed one. */
  readonly generatedToken: string | undefined;
  /** The key the served emulators require, when the host serves them. */
  readonly emulatorKey: string | undefined;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Asks the host to shut down (SIGTERM) and waits until every process of its tree has closed its output. */
  stop(): Promise<ProcessExit>;
  /** Kills the whole process tree with SIGKILL, without any chance to clean up, and waits until it is gone. */
  kill(): Promise<ProcessExit>;
}

const running = new Set<LocalHostProcess>();

/** Starts the local host and resolves once it has printed its SCIM base URL. */
export async function startLocalHostProcess(options: LocalHostProcessOptions): Promise<LocalHostProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  env.PORT = String(options.port ?? 0);
  env.HOST = '127.0.0.1';
  env.DATA_DIR = options.dataDir;
  if (options.bearerToken === undefined) delete env.SCIM_BEARER_TOKEN;
  else env.SCIM_BEARER_TOKEN = options.bearerToken;
  // A colour-capable parent would otherwise make tsx or Node decorate the lines this helper parses.
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;

  const launcher = options.launcher ?? 'npm-start';
  const [command, args] =
    launcher === 'npm-start'
      ? ['npx', ['tsx', 'src/local/main.ts']]
      : [process.execPath, ['--import', 'tsx', 'src/local/main.ts']];
  // detached: the tree gets its own process group, so one signal to -pid reaches npx, tsx and the server together.
  const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close' fires once the child has exited and every holder of its pipes (the whole tree) has let go.
  const closed = new Promise<ProcessExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let hasClosed = false;
  void closed.then(() => (hasClosed = true));

  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`Could not spawn ${command} ${args.join(' ')}`);
  }

  let scimBaseUrl: string;
  try {
    scimBaseUrl = await waitForBaseUrl(
      child,
      () => out,
      () => err,
      closed,
      options.startTimeoutMs ?? 30_000,
    );
  } catch (error) {
    signalGroup(pid, 'SIGKILL');
    await withTimeout(closed, 5_000);
    throw error;
  }

  const stopWith = async (signal: NodeJS.Signals, graceMs: number): Promise<ProcessExit> => {
    if (!hasClosed) signalGroup(pid, signal);
    const exit = await withTimeout(closed, graceMs);
    if (exit !== undefined) {
      running.delete(handle);
      return exit;
    }
    signalGroup(pid, 'SIGKILL');
    const killed = await withTimeout(closed, 5_000);
    running.delete(handle);
    if (killed === undefined) throw new Error(`Local host process group ${pid} did not exit after SIGKILL`);
    return killed;
  };

  const handle: LocalHostProcess = {
    pid,
    scimBaseUrl,
    generatedToken: GENERATED_TOKEN_PATTERN.exec(out)?.[1],
    emulatorKey: EMULATOR_KEY_PATTERN.exec(out)?.[1],
    stdout: () => out,
    stderr: () => err,
    stop: () => stopWith('SIGTERM', 10_000),
    kill: () => stopWith('SIGKILL', 5_000),
  };
  running.add(handle);
  return handle;
}

/** Kills every host this module started that is still running; for afterAll, so a failed test leaves nothing behind. */
export async function killAllLocalHostProcesses(): Promise<void> {
  await Promise.all([...running].map((host) => host.kill()));
}

async function waitForBaseUrl(
  child: ChildProcess,
  stdout: () => string,
  stderr: () => string,
  closed: Promise<ProcessExit>,
  timeoutMs: number,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const describe = (why: string): Error =>
      new Error(`${why}\n--- stdout ---\n${stdout()}\n--- stderr ---\n${stderr()}`);
    const timer = setTimeout(() => {
      cleanup();
      reject(describe(`The local host did not print "${BASE_URL_PREFIX}…" within ${timeoutMs} ms`));
    }, timeoutMs);
    // main.ts prints the base URL and then one line about the bearer token; waiting for both complete lines means a
    // generated token is never cut in half by a chunk boundary.
    const onData = (): void => {
      const lines = stdout().split('\n').slice(0, -1);
      const baseUrlLine = lines.find((l) => l.startsWith(BASE_URL_PREFIX));
      if (baseUrlLine === undefined || !lines.some((l) => l.startsWith(TOKEN_LINE_PREFIX))) return;
      cleanup();
      resolve(baseUrlLine.slice(BASE_URL_PREFIX.length).trim());
    };
    child.stdout?.on('data', onData);
    onData();
    void closed.then((exit) => {
      cleanup();
      reject(describe(`The local host exited (code ${exit.code}, signal ${exit.signal}) before printing its base URL`));
    });
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
    }
  });
}

/** Sends `signal` to the process group led by `pid` (a detached child and everything it started); a gone group is fine. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what the caller wants.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Resolves with the promise's value, or undefined when `ms` pass first. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
