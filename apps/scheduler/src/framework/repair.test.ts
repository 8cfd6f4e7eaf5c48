/**
 * Day-2 repair on local Mesos (2 agents), a real ZooKeeper, the scheduler as it runs in production
 * (its bundle, a child process) and the real executor: a node whose package cannot be fetched
 * backs off with growing delays, DELAYED with its next attempt in the API; a node whose record
 * is lost while its task runs (a ZooKeeper restored from an older copy) is listed as an orphan
 * and adopted back with its volume. Riak is `riak-local` (tools/riak-local): neither scenario
 * needs a real Riak (the first never starts one; adoption is about records, tasks and volumes).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PlanView } from '@riak-mesos/framework-contract';
import {
  nodeAnswerSchema,
  nodeListAnswerSchema,
  orphanTasksAnswerSchema,
  planListAnswerSchema,
} from '@riak-mesos/framework-contract';
import { ProcessGroup } from '@riak-mesos/process';
import type { LocalMesos, ZooKeeperServer } from '@riak-mesos/testing';
import {
  EXECUTOR_PACKAGE,
  REPO_ROOT,
  RIAK_LOCAL_PACKAGE,
  buildNodePackages,
  bundle,
  freePorts,
  startLocalMesos,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { catalogueEntry } from './test-support/real-riak';

jest.setTimeout(5 * 60 * 1000);

const NAME = 'repairtest';
const TOKEN = randomBytes(24).toString('base64url');
const AUTH = { authorization: `Bearer ${TOKEN}` };

let work: string;
let zk: ZooKeeperServer;
let mesos: LocalMesos;
let chroot: string;
let port: number;
let scheduler: ProcessGroup;

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: body ? { ...AUTH, 'content-type': 'application/json' } : AUTH,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const nodes = async (cluster: string) =>
  nodeListAnswerSchema.parse(await api('GET', `/clusters/${cluster}/nodes`)).nodes;

beforeAll(async () => {
  work = await tempDir('repair-it');
  writeFileSync(join(work, 'api-token'), TOKEN, { mode: 0o600 });
  await buildNodePackages();
  await bundle('apps/scheduler');
  let closed: number;
  [port, closed] = await freePorts(2);
  const catalogue = [
    catalogueEntry('riak-local', RIAK_LOCAL_PACKAGE, 'riak-local'),
    // Nothing listens there: the Mesos fetcher fails every launch of it.
    { name: 'riak-unfetchable', url: `http://127.0.0.1:${closed}/riak.tar.gz`, flavour: 'kv3' },
  ];
  zk = await startZooKeeper();
  chroot = uniqueChroot('repair');
  mesos = await startLocalMesos(join(work, 'mesos'), 2);
  const log = join(work, 'scheduler.log');
  scheduler = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'apps', 'scheduler', 'main.js'),
      ...['--name', NAME, '--master', mesos.url, '--zk', zk.connectString + chroot],
      ...['--ip', '127.0.0.1', '--port', String(port), '--hostname', '127.0.0.1'],
      ...['--api-token-file', join(work, 'api-token'), '--user', 'root'],
      ...['--role', 'riak', '--principal', 'riak', '--failover-timeout', '600'],
      ...['--node-cpus', '0.2', '--node-mem', '128', '--node-disk', '16'],
      ...['--relaunch-backoff-initial', '1', '--relaunch-backoff-factor', '2'],
      ...['--relaunch-backoff-max', '60', '--reconcile-interval', '2'],
      '--resource-urls',
      JSON.stringify({ executor: pathToFileURL(EXECUTOR_PACKAGE).href }),
      '--riak-versions',
      JSON.stringify(catalogue),
    ],
    { stdoutFile: log, stderrFile: log, env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthcheck`).catch(() => undefined);
      return res?.ok && ((await res.json()) as { registered: boolean }).registered;
    },
    { timeoutMs: 60000, what: 'the scheduler to register' },
  );
}, 180000);

afterAll(async () => {
  await scheduler?.stop(5000);
  await mesos?.close();
  await zk?.close();
  if (work && !process.env.KEEP_TEST_DIRS) await rm(work, { recursive: true, force: true });
}, 60000);

describe('day-2 repair on local Mesos', () => {
  it('a node whose package cannot be fetched backs off with growing delays, DELAYED in the API', async () => {
    await api('POST', '/clusters/b1/create', { riak_version: 'riak-unfetchable' });
    await api('POST', '/clusters/b1/nodes', { nodes: 1 });
    /** Each failure's next attempt, as the deploy plan's step and the node view show it. */
    const attempts = new Map<number, string>();
    const messages = new Set<string>();
    await waitFor(
      async () => {
        const [n] = await nodes('b1');
        const plans = planListAnswerSchema.parse(await api('GET', '/clusters/b1/plans')).plans;
        const deploy = plans.find((p: PlanView) => p.kind === 'deploy');
        const s = deploy?.phases[0].steps[0];
        if (s?.status === 'DELAYED' && n.relaunch_after && s.nextAttemptAt === n.relaunch_after) {
          expect(s.message).toContain(`waits until ${n.relaunch_after}`);
          expect(deploy!.status).toBe('DELAYED');
          expect(n.state).toBe('restarting');
          expect(n.last_task_state).toBe('TASK_FAILED');
          if (!attempts.has(n.failures)) attempts.set(n.failures, n.relaunch_after);
          if (n.last_task_message) messages.add(n.last_task_message);
        }
        return attempts.size >= 3 && Math.max(...attempts.keys()) >= 4 ? true : undefined;
      },
      { timeoutMs: 90000, intervalMs: 150, what: 'three delayed attempts' },
    );
    // relaunchAfter(k) = failure time(k) + 1 s × 2^(k-1); the next failure comes after it, so
    // two consecutive next attempts are at least the later delay apart, and the gaps grow.
    const seen = [...attempts.entries()].sort((a, b) => a[0] - b[0]);
    const gaps: number[] = [];
    for (let i = 1; i < seen.length; i++) {
      const [k, at] = seen[i];
      const [j, before] = seen[i - 1];
      const gap = Date.parse(at) - Date.parse(before);
      // k - j failures apart: at least the delays of the failures after j.
      let least = 0;
      for (let f = j + 1; f <= k; f++) least += 1000 * 2 ** (f - 1);
      expect(gap).toBeGreaterThanOrEqual(least);
      gaps.push(gap / (k - j));
    }
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
    // The fetcher's failure is what the node shows.
    expect([...messages].join('\n')).toMatch(/riak\.tar\.gz/);
    await api('DELETE', '/clusters/b1');
  });

  it('an orphan executor is listed and adopted, with its volume and persistence id', async () => {
    await api('POST', '/clusters/o1/create', { riak_version: 'riak-local' });
    await api('POST', '/clusters/o1/nodes', { nodes: 1 });
    const [before] = await waitFor(
      async () => {
        const n = await nodes('o1');
        return n.length === 1 && n[0].state === 'running' && n[0].member ? n : undefined;
      },
      { timeoutMs: 120000, intervalMs: 500, what: 'the node to run' },
    );
    // ZooKeeper "restored" from a copy without this node's record; its task keeps running.
    const client = await ZkClient.connect({ connect: zk.connectString + chroot });
    try {
      await client.delete(frameworkLayout(NAME).node(before.name));
    } finally {
      await client.close();
    }
    const listed = await waitFor(
      async () => {
        const { tasks } = orphanTasksAnswerSchema.parse(await api('GET', '/debug/orphans'));
        return tasks.find((t) => t.task_id === before.task_id);
      },
      { timeoutMs: 30000, intervalMs: 500, what: 'the orphan to be listed' },
    );
    expect(listed).toMatchObject({ agent_id: before.agent_id, state: 'TASK_RUNNING' });
    expect(await nodes('o1')).toEqual([]);

    // Refused while its cluster does not exist: nothing is written.
    await api('DELETE', '/clusters/o1');
    await waitFor(async () => (await call('GET', '/clusters/o1')).status === 404, {
      timeoutMs: 30000,
      intervalMs: 300,
      what: 'the empty cluster to be destroyed',
    });
    let res = await call('POST', `/debug/orphans/${before.task_id}/adopt`);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json)).toMatch(/cluster 'o1' .*does not exist/);
    await api('POST', '/clusters/o1/create', { riak_version: 'riak-local' });

    res = await call('POST', `/debug/orphans/${before.task_id}/adopt`);
    expect(res.status).toBe(201);
    const adopted = nodeAnswerSchema.parse(res.json).node;
    expect(adopted).toMatchObject({
      name: before.name,
      cluster: 'o1',
      agent_id: before.agent_id,
      hostname: before.hostname,
      persistence_id: before.persistence_id,
      task_id: before.task_id,
      ports: before.ports,
    });
    // Reconciliation confirms it running; the only node of its cluster is its ring.
    const after = await waitFor(
      async () => {
        const [n] = await nodes('o1');
        return n?.state === 'running' && n.member ? n : undefined;
      },
      { timeoutMs: 60000, intervalMs: 500, what: 'the adopted node to run as a member' },
    );
    expect(after.persistence_id).toBe(before.persistence_id);
    expect(after.failures).toBe(0);
    expect(orphanTasksAnswerSchema.parse(await api('GET', '/debug/orphans')).tasks).toEqual([]);
    // The same task on the same volume: nothing was relaunched.
    const state = await mesos.state();
    const running = state.frameworks[0].tasks.filter((t) => t.id === before.task_id);
    expect(running.map((t) => [t.state, t.agent_id])).toEqual([['TASK_RUNNING', before.agent_id]]);
    expect(
      state.agents.find((a) => a.id === before.agent_id)!.volumes.map((v) => v.persistence_id),
    ).toContain(before.persistence_id);
    // Once adopted it is no orphan: a second adoption is refused.
    expect((await call('POST', `/debug/orphans/${before.task_id}/adopt`)).status).toBe(404);
  });
});
