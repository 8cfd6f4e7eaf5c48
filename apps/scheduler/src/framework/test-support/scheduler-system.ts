/**
 * The real system the scheduler's integration files share the shape of: a real ZooKeeper, local
 * Mesos with 4 agents, the scheduler's bundle started as child processes (killed with SIGKILL in
 * the tests), the real executor and the real Riak KV 3.2 package in its catalogue. Each test file
 * starts its own (`startSystem` in beforeAll, `stopSystem` in afterAll): jest gives every file its
 * own module state, so two files run side by side without sharing anything.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProcessGroup } from '@riak-mesos/process';
import type { LocalMesos, ZooKeeperServer } from '@riak-mesos/testing';
import {
  EXECUTOR_PACKAGE,
  REPO_ROOT,
  RIAK_LOCAL_PACKAGE,
  buildNodePackages,
  bundle,
  freePorts,
  requireRiakPackage,
  startLocalMesos,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import type { PbReachable } from './real-riak';
import { catalogueEntry, riakWithoutKv } from './real-riak';

export const RIAK = 'riak-kv-3.2';
/** A real Riak package that never becomes ready (real-riak.ts: riakWithoutKv). */
export const BROKEN = 'riak-kv-3.2-without-kv';
const riakPackage = requireRiakPackage();

/** The API token every scheduler of the file is started with (`--api-token-file`). */
const TOKEN = randomBytes(24).toString('base64url');
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The file's system, set by `startSystem`. */
export const sys = {
  work: '',
  zk: undefined as ZooKeeperServer | undefined,
  mesos: undefined as unknown as LocalMesos,
  chroot: '',
  ports: [] as number[],
  schedulers: new Map<number, ProcessGroup>(),
  /** The scheduler's Riak catalogue. */
  catalogue: [] as ReturnType<typeof catalogueEntry>[],
};

export interface ApiNode extends PbReachable {
  pending_reason?: { text: string; at: string } | null;
  hostname: string | null;
  member: boolean;
  wanted: boolean;
  agent_id: string | null;
  persistence_id: string;
  failures: number;
  riak_version: string | null;
  config_version?: number | null;
}

/** Starts ZooKeeper, local Mesos with 4 agents and the packages the schedulers launch. */
export async function startSystem(label: string): Promise<void> {
  sys.work = await tempDir(label);
  writeFileSync(join(sys.work, 'api-token'), TOKEN, { mode: 0o600 });
  await buildNodePackages();
  await bundle('apps/scheduler');
  sys.catalogue = [
    catalogueEntry(RIAK, riakPackage, 'kv3'),
    catalogueEntry('riak-local', RIAK_LOCAL_PACKAGE, 'riak-local'),
    catalogueEntry(BROKEN, riakWithoutKv(riakPackage, sys.work), 'kv3'),
  ];
  sys.zk = await startZooKeeper();
  sys.chroot = uniqueChroot('scheduler');
  sys.mesos = await startLocalMesos(join(sys.work, 'mesos'), 4);
  sys.ports = await freePorts(3);
}

/** Stops the schedulers, local Mesos (and every task) and ZooKeeper; removes the directory. */
export async function stopSystem(): Promise<void> {
  for (const p of sys.schedulers.values()) await p.stop(5000);
  await (sys.mesos as LocalMesos | undefined)?.close();
  await sys.zk?.close();
  if (sys.work && !process.env.KEEP_TEST_DIRS) await rm(sys.work, { recursive: true, force: true });
}

export function startScheduler(port: number, zkPath = sys.chroot): ProcessGroup {
  const log = join(sys.work, `scheduler-${port}.log`);
  const p = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'apps', 'scheduler', 'main.js'),
      '--name',
      'schedtest',
      '--master',
      sys.mesos.url,
      '--zk',
      sys.zk!.connectString + zkPath,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--hostname',
      '127.0.0.1',
      '--api-token-file',
      join(sys.work, 'api-token'),
      '--user',
      'root',
      '--role',
      'riak',
      '--principal',
      'riak',
      '--failover-timeout',
      '600',
      '--node-cpus',
      '0.5',
      '--node-mem',
      '256',
      '--node-disk',
      '64',
      '--constraints',
      '[["hostname","UNIQUE"]]',
      '--stats-interval',
      '1',
      '--resource-urls',
      JSON.stringify({ executor: pathToFileURL(EXECUTOR_PACKAGE).href }),
      '--riak-versions',
      JSON.stringify(sys.catalogue),
    ],
    { stdoutFile: log, stderrFile: log, env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  sys.schedulers.set(port, p);
  return p;
}

/** The schedulers on the first two ports, started if they are not running: the leader's port. */
export async function aLeader(): Promise<number> {
  const [a, b] = sys.ports;
  for (const p of [a, b]) if (!sys.schedulers.get(p)?.running) startScheduler(p);
  return waitFor(
    async () => {
      for (const p of [a, b]) {
        const h = await health(p).catch(() => undefined);
        if (h?.leader && h.registered) return p;
      }
      return undefined;
    },
    { timeoutMs: 60000, what: 'a registered leader' },
  );
}

export async function api<T>(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: body ? { ...AUTH, 'content-type': 'application/json' } : AUTH,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function apiText(
  port: number,
  method: string,
  path: string,
  body: string,
): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { ...AUTH, 'content-type': 'text/plain' },
    body,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

export async function health(port: number): Promise<{ leader: boolean; registered: boolean }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthcheck`);
  return (await res.json()) as { leader: boolean; registered: boolean };
}

/**
 * A cluster of real Riak nodes, small and quick to hand off: a ring of 16 partitions, and vnodes
 * handed off after 2 s idle instead of Riak's 60 s.
 */
export async function createCluster(port: number, name: string, version = RIAK): Promise<void> {
  await api(port, 'POST', `/clusters/${name}/create`, { riak_version: version });
  if (version !== RIAK) return;
  await apiText(port, 'PUT', `/clusters/${name}/config`, 'ring_size = 16\n');
  await apiText(
    port,
    'PUT',
    `/clusters/${name}/advancedConfig`,
    '[{riak_core, [{vnode_inactivity_timeout, 2000}, {vnode_management_timer, 1000}, {handoff_concurrency, 4}]}].',
  );
}
