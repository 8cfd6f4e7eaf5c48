/**
 * The director as the benchmarks start it: bundled (`scripts/bundle.js`), run the way its
 * package's launcher runs it (the `runtime-env.json` beside the bundle: docs/director.md,
 * "Runtime environment"), in the memory limit of its Marathon container (container.ts), on free
 * loopback ports, reading the nodes of framework `bench`, cluster `default`.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startupBeside } from '@riak-mesos/process';
import { freePorts } from '@riak-mesos/testing';
import type { MemoryLimit } from './container';
import { memoryLimit } from './container';

const ROOT = join(__dirname, '..', '..');

/** Where `bundleDirector` leaves the director's bundle, with its runtime-env.json beside it. */
export const DIRECTOR_BUNDLE = join(ROOT, 'dist', 'apps', 'director', 'main.js');

/** The director's bundle, built now. */
export function bundleDirector(): string {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.js'), 'apps/director'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0 || !existsSync(DIRECTOR_BUNDLE))
    throw new Error('could not bundle the director');
  return DIRECTOR_BUNDLE;
}

/**
 * `node <args...>` started as the director is: with the bundle's runtime-env.json (its variables
 * added where `options.env`, or this process's environment, has none; its node flags first) and
 * in a memory limit of `memMiB` (0: none). Remove `memory` once the process has exited.
 */
export function spawnAsDirector(
  name: string,
  memMiB: number,
  args: string[],
  options: SpawnOptions,
): { child: ChildProcess; memory: MemoryLimit } {
  const startup = startupBeside(DIRECTOR_BUNDLE, options.env ?? process.env);
  const memory = memoryLimit(memMiB, name);
  const command = memory.wrap(process.execPath, [...startup.nodeArgs, ...args]);
  return { child: spawn(command.command, command.args, { ...options, env: startup.env }), memory };
}

export interface BenchDirector {
  pb: number;
  http: number;
  api: number;
  child: ChildProcess;
  /** Remove it once the director has exited. */
  memory: MemoryLimit;
}

/**
 * Bundles and starts the director (not yet ready: the caller waits for what it needs). `nodeArgs`
 * go after the runtime environment's node flags, `args` after the director's own.
 */
export async function startBenchDirector(o: {
  zk: string;
  /** The memory limit in MiB (0: none). */
  memMiB: number;
  nodeArgs?: string[];
  args?: string[];
}): Promise<BenchDirector> {
  const bundle = bundleDirector();
  const [pb, http, api] = await freePorts(3);
  const { child, memory } = spawnAsDirector(
    'director',
    o.memMiB,
    [
      ...(o.nodeArgs ?? []),
      bundle,
      '--host',
      '127.0.0.1',
      '--api-host',
      '127.0.0.1',
      '--shutdown-grace',
      '0',
      ...(o.args ?? []),
    ],
    {
      // The director writes its API token file (mode 0600) in its working directory.
      cwd: mkdtempSync(join(tmpdir(), 'bench-director-')),
      env: {
        ...process.env,
        DIRECTOR_ZK: o.zk,
        DIRECTOR_FRAMEWORK: 'bench',
        DIRECTOR_CLUSTER: 'default',
        PORT0: String(http),
        PORT1: String(pb),
        PORT2: String(api),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return { pb, http, api, child, memory };
}
