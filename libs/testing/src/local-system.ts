/**
 * The built system as real processes, for integration tests of apps (which may not import tools):
 * packaging the executor and riak-local, and local Mesos run from its bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '@riak-mesos/process';
import { ProcessGroup, runCommand } from '@riak-mesos/process';
import { freePort } from './ports';
import { waitFor } from './util';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
export const EXECUTOR_PACKAGE = join(
  REPO_ROOT,
  'dist',
  'packages',
  `riak-mesos-executor-${VERSION}.tar.gz`,
);
export const RIAK_LOCAL_PACKAGE = join(
  REPO_ROOT,
  'dist',
  'packages',
  `riak-local-${VERSION}.tar.gz`,
);

/** Runs a command to completion without blocking the event loop (output trimmed). */
export function execAsync(file: string, args: string[], cwd = REPO_ROOT): Promise<RunResult> {
  return runCommand(file, args, { cwd, timeoutMs: 10 * 60 * 1000 });
}

/** Bundles (`scripts/bundle.js`) the given project roots. */
export async function bundle(...roots: string[]): Promise<void> {
  for (const root of roots) {
    const r = await execAsync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.js'), root]);
    if (r.code !== 0) throw new Error(`bundling ${root} failed: ${r.out}`);
  }
}

/** The `package` command of a project, as its project.json gives it to Nx. */
function packageCommand(projectRoot: string): string {
  const project = JSON.parse(
    readFileSync(join(REPO_ROOT, projectRoot, 'project.json'), 'utf8'),
  ) as {
    targets: { package: { options: { command: string } } };
  };
  return project.targets.package.options.command;
}

/**
 * Builds the executor and riak-local packages the Mesos fetcher extracts (a few seconds), with
 * the same commands as their Nx `package` targets, so that a test run straight through jest
 * gets what `nx run <project>:test` would.
 */
export async function buildNodePackages(): Promise<void> {
  await bundle('apps/executor');
  for (const root of ['apps/executor', 'tools/riak-local']) {
    const command = packageCommand(root);
    const r = await execAsync('sh', ['-c', command]);
    if (r.code !== 0) throw new Error(`${command} failed: ${r.out}`);
  }
}

export interface MasterState {
  frameworks: {
    id: string;
    name: string;
    tasks: { id: string; executor_id: string; agent_id: string; state: string }[];
  }[];
  agents: {
    id: string;
    hostname: string;
    reserved_resources_full: Record<string, unknown[]>;
    volumes: { persistence_id: string; role?: string; path: string }[];
  }[];
}

export interface LocalMesos {
  url: string;
  process: ProcessGroup;
  state(): Promise<MasterState>;
  admin(path: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Local Mesos from its bundle (`dist/tools/mesos-local/main.js`, built here), as its own process.
 * Its agents give tasks its environment, as a real agent does: `env` (default this process's)
 * is what every executor and task starts with.
 */
export async function startLocalMesos(
  workDir: string,
  agents = 3,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalMesos> {
  await bundle('tools/mesos-local');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = `${workDir}.log`;
  const p = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'tools', 'mesos-local', 'main.js'),
      '--agents',
      String(agents),
      '--port',
      String(port),
      '--work-dir',
      workDir,
      '--heartbeat-interval',
      '1',
      '--agent-ping-timeout',
      '1000',
    ],
    { stdoutFile: log, stderrFile: log, env: { ...env, LOG_LEVEL: 'warn' } },
  );
  const state = async () => (await (await fetch(`${url}/master/state`)).json()) as MasterState;
  await waitFor(async () => (await state()).agents.length === agents, {
    timeoutMs: 30000,
    intervalMs: 200,
    what: `local Mesos to start (log: ${log})`,
  });
  return {
    url,
    process: p,
    state,
    async admin(path) {
      const res = await fetch(`${url}/admin/${path}`, { method: 'POST' });
      if (!res.ok) throw new Error(`mesos-local admin ${path}: ${res.status} ${await res.text()}`);
    },
    async close() {
      await p.stop(20000);
    },
  };
}
