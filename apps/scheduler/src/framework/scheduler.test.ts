// Over 400 lines: one real system (ZooKeeper, local Mesos, real Riak) shared by its scenarios,
// which run in order and reuse its clusters; splitting them would start that system, and make
// a real Riak cluster, once more per file (helpers: test-support/real-riak.ts).
/**
 * The scheduler as it runs in production (its bundle, as child processes killed with SIGKILL) on
 * local Mesos with 4 agents, a real ZooKeeper, the real executor and the real Riak KV 3.2 package:
 * placement with `hostname UNIQUE`, a scheduler killed mid-deployment, a relaunch on the same
 * volume after a killed executor, a standby taking over, removal that releases everything, a
 * rolling restart, an upgrade to a real package that never becomes ready, aborted, and the
 * replacement of nodes (through the API, and after the permanent-failure timeout).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProcessGroup } from '@riak-mesos/process';
import type { LocalMesos, ZooKeeperServer } from '@riak-mesos/testing';
import {
  EXECUTOR_PACKAGE,
  REPO_ROOT,
  RIAK_LOCAL_PACKAGE,
  requireRiakPackage,
  buildNodePackages,
  bundle,
  freePorts,
  startLocalMesos,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import { rm } from 'node:fs/promises';
import WebSocket from 'ws';
import type { Offer } from '@riak-mesos/mesos';
import { SchedulerClient, resources as R } from '@riak-mesos/mesos';
import type { PlanView } from '@riak-mesos/framework-contract';
import {
  healthAnswerSchema,
  nodeTasksAnswerSchema,
  statsHistoryViewSchema,
} from '@riak-mesos/framework-contract';
import type { PbReachable } from './test-support/real-riak';
import { AckedWrites, catalogueEntry, riakLogs, riakWithoutKv } from './test-support/real-riak';

jest.setTimeout(10 * 60 * 1000);

const RIAK = 'riak-kv-3.2';
/** A real Riak package that never becomes ready (test-support/real-riak.ts: riakWithoutKv). */
const BROKEN = 'riak-kv-3.2-without-kv';
const riakPackage = requireRiakPackage();
/** The scheduler's Riak catalogue, made in beforeAll. */
let catalogue: ReturnType<typeof catalogueEntry>[];

/**
 * A cluster of real Riak nodes, small and quick to hand off: a ring of 16 partitions, and vnodes
 * handed off after 2 s idle instead of Riak's 60 s.
 */
async function createCluster(port: number, name: string, version = RIAK): Promise<void> {
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

let work: string;
let zk: ZooKeeperServer;
let mesos: LocalMesos;
let chroot: string;
let ports: number[];
const schedulers = new Map<number, ProcessGroup>();
/** The API token every scheduler of this file is started with (`--api-token-file`). */
const TOKEN = randomBytes(24).toString('base64url');
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface ApiNode extends PbReachable {
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

function startScheduler(port: number, zkPath = chroot): ProcessGroup {
  const log = join(work, `scheduler-${port}.log`);
  const p = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'apps', 'scheduler', 'main.js'),
      '--name',
      'schedtest',
      '--master',
      mesos.url,
      '--zk',
      zk.connectString + zkPath,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--hostname',
      '127.0.0.1',
      '--api-token-file',
      join(work, 'api-token'),
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
      JSON.stringify(catalogue),
    ],
    { stdoutFile: log, stderrFile: log, env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  schedulers.set(port, p);
  return p;
}

/** The schedulers on the first two ports, started if they are not running: the leader's port. */
async function aLeader(): Promise<number> {
  const [a, b] = ports;
  for (const p of [a, b]) if (!schedulers.get(p)?.running) startScheduler(p);
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

async function api<T>(port: number, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: body ? { ...AUTH, 'content-type': 'application/json' } : AUTH,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function apiText(port: number, method: string, path: string, body: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { ...AUTH, 'content-type': 'text/plain' },
    body,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

async function health(port: number): Promise<{ leader: boolean; registered: boolean }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthcheck`);
  return (await res.json()) as { leader: boolean; registered: boolean };
}

const nodes = async (port: number) =>
  (await api<{ nodes: ApiNode[] }>(port, 'GET', '/clusters/c1/nodes')).nodes;

async function converged(port: number, count: number, what: string): Promise<ApiNode[]> {
  return waitFor(
    async () => {
      const n = (await nodes(port)).filter((x) => x.wanted);
      return n.length === count && n.every((x) => x.state === 'running' && x.member)
        ? n
        : undefined;
    },
    { timeoutMs: 4 * 60 * 1000, intervalMs: 1000, what },
  );
}

beforeAll(async () => {
  work = await tempDir('scheduler-it');
  writeFileSync(join(work, 'api-token'), TOKEN, { mode: 0o600 });
  await buildNodePackages();
  await bundle('apps/scheduler');
  catalogue = [
    catalogueEntry(RIAK, riakPackage, 'kv3'),
    catalogueEntry('riak-local', RIAK_LOCAL_PACKAGE, 'riak-local'),
    catalogueEntry(BROKEN, riakWithoutKv(riakPackage, work), 'kv3'),
  ];
  zk = await startZooKeeper();
  chroot = uniqueChroot('scheduler');
  mesos = await startLocalMesos(join(work, 'mesos'), 4);
  ports = await freePorts(3);
}, 120000);

afterAll(async () => {
  await clusterHealth.stop();
  for (const p of schedulers.values()) await p.stop(5000);
  await mesos?.close();
  await zk?.close();
  if (work && !process.env.KEEP_TEST_DIRS) await rm(work, { recursive: true, force: true });
}, 60000);

type Row = ApiNode & {
  task_id: string;
  agent_lost_since?: string | null;
  replaces?: string | null;
};

/**
 * Replacement on real Riak, on one cluster of 3 nodes over the 4 agents (hostname UNIQUE): a node
 * replaced through the API moves to the free agent (the new node joins, then the old one leaves);
 * a node whose agent is stopped and back before the cluster's permanent-failure timeout keeps its
 * node and volume; a node whose agent stays away past it is replaced on the agent freed by the
 * first replacement. Every acknowledged write reads back after each step.
 */
async function replaceScenario(port: number, cluster: string) {
  const path = (p: string) => `/clusters/${cluster}${p}`;
  await createCluster(port, cluster);
  const timeout = await api<{ permanent_failure_timeout_seconds: number; own: boolean }>(
    port,
    'PUT',
    path('/permanent-failure-timeout'),
    { permanent_failure_timeout_seconds: 25 },
  );
  expect(timeout).toMatchObject({ permanent_failure_timeout_seconds: 25, own: true });
  await api(port, 'POST', path('/nodes'), { nodes: 3 });
  const list = async () => (await api<{ nodes: Row[] }>(port, 'GET', path('/nodes'))).nodes;
  const whole = async () => {
    const n = (await list()).filter((x) => x.wanted);
    return n.length === 3 && n.every((x) => x.state === 'running' && x.member) ? n : undefined;
  };
  const up = (what: string) => waitFor(whole, { timeoutMs: 5 * 60 * 1000, intervalMs: 1000, what });
  const plans = async () =>
    (await api<{ plans: PlanView[] }>(port, 'GET', path('/plans'))).plans.filter(
      (p) => p.kind === 'replace',
    );
  const ringOf = async (through: Row) =>
    (
      await api<{ members: { name: string; status: string }[] }>(
        port,
        'GET',
        path(`/nodes/${through.name}/status`),
      )
    ).members
      .map((m) => m.name)
      .sort();
  /** Every acknowledged write, through `node`, once handoff has filled what it must. */
  const allRead = (writes: AckedWrites, node: Row, what: string) =>
    waitFor(async () => ((await writes.missing(node)).length === 0 ? true : undefined), {
      timeoutMs: 90000,
      intervalMs: 3000,
      what,
    });
  const before = await up(`${cluster} up`);
  // The deploy plan completes on the scheduler's next tick after the nodes are members; a
  // replace is refused while another plan runs.
  await waitFor(
    async () =>
      (await api<{ plans: PlanView[] }>(port, 'GET', path('/plans'))).plans.every(
        (p) => p.status === 'COMPLETE',
      ),
    { timeoutMs: 60000, intervalMs: 500, what: `${cluster}'s deploy plan to complete` },
  );
  const writes = new AckedWrites('replace', list);
  await writes.write('first', 40);

  // 1. Through the API: the new node goes on the free agent; the old one leaves the ring.
  const [oldest, , victim] = [...before].sort((x, y) => x.name.localeCompare(y.name));
  const answer = await api<{ node: Row; plan: PlanView }>(
    port,
    'POST',
    path(`/nodes/${victim.name}/replace`),
  );
  expect(answer.plan.kind).toBe('replace');
  expect(answer.node.replaces).toBe(victim.name);
  const refused = await fetch(
    `http://127.0.0.1:${port}/api/v1${path(`/nodes/${oldest.name}/replace`)}`,
    {
      method: 'POST',
      headers: AUTH,
    },
  );
  expect(refused.status).toBe(409);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
    /already running plan/,
  );
  const afterApi = await waitFor(
    async () => {
      const all = await list();
      return all.some((n) => n.name === victim.name) ? undefined : whole();
    },
    { timeoutMs: 5 * 60 * 1000, intervalMs: 1000, what: 'the old node to leave and be released' },
  );
  const added = afterApi.find((n) => n.name === answer.node.name)!;
  expect(before.map((n) => n.agent_id)).not.toContain(added.agent_id);
  expect(await ringOf(oldest)).toEqual(afterApi.map((n) => `${n.name}@${n.hostname}`).sort());
  await waitFor(async () => (await plans())[0]?.status === 'COMPLETE', {
    timeoutMs: 60000,
    intervalMs: 1000,
    what: 'the replace plan to be COMPLETE',
  });
  await allRead(writes, added, 'the writes through the new node');

  // 2. An agent back before the timeout: the same node, volume and agent.
  const transient = afterApi.find((n) => n.name === oldest.name)!;
  await mesos.admin(`agents/${encodeURIComponent(transient.agent_id!)}/stop`);
  await waitFor(
    async () => (await list()).find((n) => n.name === transient.name)?.agent_lost_since,
    {
      timeoutMs: 60000,
      intervalMs: 500,
      what: 'the node to be seen unreachable',
    },
  );
  await mesos.admin(`agents/${encodeURIComponent(transient.agent_id!)}/start`);
  const back = await waitFor(
    async () => {
      const n = (await list()).find((x) => x.name === transient.name);
      return n && !n.agent_lost_since && n.state === 'running' ? n : undefined;
    },
    { timeoutMs: 2 * 60 * 1000, intervalMs: 500, what: 'the node back on its agent' },
  );
  expect(back).toMatchObject({
    agent_id: transient.agent_id,
    persistence_id: transient.persistence_id,
    task_id: transient.task_id,
  });
  expect(await plans()).toHaveLength(1);

  // 3. An agent away past the timeout: its node is replaced on the agent freed in step 1.
  await writes.write('second', 40);
  const lost = afterApi.find((n) => n.name !== oldest.name && n.name !== added.name)!;
  await mesos.admin(`agents/${encodeURIComponent(lost.agent_id!)}/stop`);
  const afterLoss = await waitFor(
    async () => {
      const n = await whole();
      return n && !n.some((x) => x.name === lost.name) ? n : undefined;
    },
    { timeoutMs: 5 * 60 * 1000, intervalMs: 1000, what: 'the lost node replaced' },
  );
  const replacement = afterLoss.find((n) => n.replaces === lost.name)!;
  expect(replacement.agent_id).toBe(victim.agent_id);
  // Complete once the new node's own status shows it a valid member of a ready ring.
  const done = await waitFor(
    async () => {
      const p = await plans();
      return p.length === 2 && p.every((x) => x.status === 'COMPLETE') ? p : undefined;
    },
    { timeoutMs: 2 * 60 * 1000, intervalMs: 1000, what: 'the replace plans to be COMPLETE' },
  );
  expect(done[1].message).toMatch(/permanent failure/);
  const survivor = afterLoss.find((n) => n.name === oldest.name)!;
  // Its Riak was still up (only its agent stopped): it leaves with handoff, then is gone.
  const ring = afterLoss.map((n) => `${n.name}@${n.hostname}`).sort();
  await waitFor(async () => JSON.stringify(await ringOf(survivor)) === JSON.stringify(ring), {
    timeoutMs: 2 * 60 * 1000,
    intervalMs: 2000,
    what: `the ring to be ${ring.join(', ')}`,
  });
  await allRead(writes, survivor, 'the writes through a node that stayed');
  await allRead(writes, replacement, 'the writes through the replacement');
  // The lost node's volume is kept until its agent returns; then its task is killed.
  const old = (await list()).find((n) => n.name === lost.name)!;
  expect(old).toMatchObject({ wanted: false, member: false });
  await mesos.admin(`agents/${encodeURIComponent(lost.agent_id!)}/start`);
  await waitFor(
    async () =>
      !(await mesos.state()).frameworks[0].tasks.some(
        (t) => t.agent_id === lost.agent_id && t.id === lost.task_id && t.state === 'TASK_RUNNING',
      ),
    { timeoutMs: 2 * 60 * 1000, intervalMs: 1000, what: 'the old task to be killed' },
  );
  await api(port, 'DELETE', `/clusters/${cluster}`);
  await waitFor(
    async () =>
      (await mesos.state()).agents.every(
        (ag) => !JSON.stringify(ag.reserved_resources_full).includes(`schedtest-${cluster}-`),
      ),
    { timeoutMs: 3 * 60 * 1000, intervalMs: 1000, what: 'every reservation to be released' },
  );
}

/**
 * The cluster's health as the API answers it (state and HTTP code), sampled every 300 ms from
 * `start` until `stop`; consecutive repeats are kept once. A scheduler that does not answer (being
 * restarted) leaves no sample.
 */
class HealthWatch {
  readonly seen: { state: string; code: number }[] = [];
  private on = false;
  private loop: Promise<void> | undefined;
  start(port: number, cluster: string): void {
    this.on = true;
    this.loop = (async () => {
      while (this.on) {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/clusters/${cluster}/health`, {
          headers: AUTH,
        }).catch(() => undefined);
        const body = res ? healthAnswerSchema.safeParse(await res.json().catch(() => null)) : null;
        if (res && body?.success) {
          const last = this.seen[this.seen.length - 1];
          if (last?.state !== body.data.state)
            this.seen.push({ state: body.data.state, code: res.status });
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
  }
  async stop(): Promise<void> {
    this.on = false;
    await this.loop;
  }
}
const clusterHealth = new HealthWatch();

describe('real Riak: the scheduler on local Mesos', () => {
  it('places 3 nodes one per agent, and converges after being killed mid-deployment', async () => {
    const [a] = ports;
    startScheduler(a);
    await waitFor(async () => (await health(a)).registered, {
      timeoutMs: 30000,
      what: 'the scheduler to register',
    });
    await createCluster(a, 'c1');
    clusterHealth.start(a, 'c1');
    await api(a, 'POST', '/clusters/c1/nodes', { nodes: 3 });
    // Kill it as soon as it has acted on Mesos, before the cluster is up.
    await waitFor(async () => (await nodes(a)).some((n) => n.state !== 'requested'), {
      timeoutMs: 30000,
      intervalMs: 50,
      what: 'the first reservation',
    });
    await schedulers.get(a)!.stop(0);
    startScheduler(a);
    const up = await converged(a, 3, '3 running members after the restart');
    expect(new Set(up.map((n) => n.agent_id)).size).toBe(3);

    const state = await mesos.state();
    expect(state.frameworks).toHaveLength(1); // re-subscribed with the stored id
    const running = state.frameworks[0].tasks.filter((t) => t.state === 'TASK_RUNNING');
    expect(running).toHaveLength(3);
    expect(new Set(running.map((t) => t.agent_id)).size).toBe(3);
    const volumes = state.agents.map((agent) => agent.volumes.filter((v) => v.role === 'riak'));
    expect(volumes.map((v) => v.length).sort()).toEqual([0, 1, 1, 1]);
    expect(
      volumes
        .flat()
        .map((v) => v.persistence_id)
        .sort(),
    ).toEqual(up.map((n) => n.persistence_id).sort());

    // A node that fits no offer waits, and says why, per agent: the three agents holding a
    // node break hostname UNIQUE, the free one breaks the cluster's own constraint.
    await api(a, 'PUT', '/clusters/c1/constraints', {
      constraints: [['hostname', 'LIKE', 'nowhere']],
    });
    const [extra] = (await api<{ nodes: ApiNode[] }>(a, 'POST', '/clusters/c1/nodes', { nodes: 1 }))
      .nodes;
    const reason = await waitFor(
      async () =>
        (await nodes(a)).find((n) => n.name === extra.name)?.pending_reason?.text ?? undefined,
      { timeoutMs: 60000, intervalMs: 500, what: 'the extra node to say why it waits' },
    );
    for (const n of up)
      expect(reason).toContain(`hostname UNIQUE: ${n.hostname} already holds ${n.name}`);
    expect(reason).toMatch(/hostname LIKE nowhere: the agent's hostname is 127\.0\.0\.\d/);
    const offers = await api<{ evaluations: { waiting: { node: string }[] }[] }>(
      a,
      'GET',
      '/debug/offers',
    );
    expect(offers.evaluations.some((e) => e.waiting.some((w) => w.node === extra.name))).toBe(true);
    await api(a, 'DELETE', `/clusters/c1/nodes/${extra.name}`);
    await api(a, 'DELETE', '/clusters/c1/constraints');
    await waitFor(async () => !(await nodes(a)).some((n) => n.name === extra.name), {
      timeoutMs: 30000,
      what: 'the extra node to be forgotten',
    });
  });

  it('relaunches a node whose executor was killed on the same agent with the same volume', async () => {
    const [a] = ports;
    // The fault starts from a healthy cluster (the extra node of the last test may still be
    // finishing its removal plan).
    await waitFor(
      async () =>
        (await api<{ state: string }>(a, 'GET', '/clusters/c1/health')).state === 'running',
      { timeoutMs: 60000, intervalMs: 500, what: 'the cluster running before the fault' },
    );
    await waitFor(() => clusterHealth.seen.at(-1)?.state === 'running', {
      timeoutMs: 5000,
      what: 'the health watch to see it running',
    });
    const before = await nodes(a);
    const victim = before[0];
    const state = await mesos.state();
    const fw = state.frameworks[0];
    const task = fw.tasks.find((t) => t.id === victim.name && t.state === 'TASK_RUNNING')!;
    await mesos.admin(
      `executors/${encodeURIComponent(fw.id)}/${encodeURIComponent(task.executor_id)}/kill`,
    );
    await waitFor(async () => (await nodes(a)).find((n) => n.name === victim.name)!.failures > 0, {
      timeoutMs: 60000,
      what: 'the failure to be seen',
    });
    // Writes while it is down land on fallback replicas; hinted handoff brings them back to it.
    const writes = new AckedWrites('handoff', () => nodes(a));
    await writes.write('while-down', 150);
    const after = (await converged(a, 3, 'the node back')).find((n) => n.name === victim.name)!;
    expect(after.agent_id).toBe(victim.agent_id);
    expect(after.persistence_id).toBe(victim.persistence_id);
    const tasks = (await mesos.state()).frameworks[0].tasks.filter((t) => t.id === victim.name);
    expect(tasks.filter((t) => t.state === 'TASK_RUNNING')).toHaveLength(1);
    expect(tasks.find((t) => t.state === 'TASK_RUNNING')!.agent_id).toBe(victim.agent_id);
    // The node's task history keeps the failure after the relaunch ran.
    const history = nodeTasksAnswerSchema
      .parse(await api<unknown>(a, 'GET', `/clusters/c1/nodes/${victim.name}/tasks`))
      .tasks.map((t) => t.state);
    const failed = history.findIndex((x) =>
      ['TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_GONE', 'TASK_ERROR'].includes(x),
    );
    expect(failed).toBeGreaterThan(0);
    expect(history.slice(failed + 1)).toContain('TASK_RUNNING');
    // The cluster's health went deploying → running → recovering (the relaunch, then its
    // handoff) → running, each with its own HTTP code (a backoff may show as delayed in between).
    // Running again means handoff is over: every write made while the node was down reads back
    // at Riak's default quorum through it at once (docs/operations.md#reads-right-after-a-node-returns).
    await waitFor(
      async () =>
        (await api<{ state: string }>(a, 'GET', '/clusters/c1/health')).state === 'running',
      { timeoutMs: 60000, what: 'the cluster running again' },
    );
    expect([...writes.failed]).toEqual([]);
    expect(writes.acked.size).toBe(150);
    expect(await writes.missing(after)).toEqual([]);
    const view = await api<{ output: string }>(
      a,
      'GET',
      `/clusters/c1/nodes/${victim.name}/transfers`,
    );
    expect(view.output).toContain('No transfers active');
    await new Promise((r) => setTimeout(r, 1000));
    await clusterHealth.stop();
    const states = clusterHealth.seen.map((x) => `${x.state} ${x.code}`);
    const wanted = ['deploying 202', 'running 200', 'recovering 203', 'running 200'];
    let at = 0;
    for (const x of states) if (x === wanted[at]) at++;
    expect({ states, matched: at }).toEqual({ states, matched: wanted.length });
  });

  it('a standby takes over when the leader dies and finishes a removal, releasing everything', async () => {
    const [a, b] = ports;
    startScheduler(b);
    await waitFor(async () => (await health(b).catch(() => undefined))?.leader === false, {
      timeoutMs: 30000,
      what: 'the standby to answer',
    });
    // Changes go to the leader only.
    await expect(api(b, 'POST', '/clusters/c1/nodes', { nodes: 1 })).rejects.toThrow(/503/);
    await schedulers.get(a)!.stop(0);
    await waitFor(
      async () => {
        const h = await health(b);
        return h.leader && h.registered;
      },
      { timeoutMs: 60000, what: 'the standby to lead and register' },
    );
    // The node removed is one whose Riak is down (its executor killed): it cannot leave by
    // itself, so a live member force-removes it from the ring before its volume is released.
    const [gone] = await nodes(b);
    const fw = (await mesos.state()).frameworks[0];
    const task = fw.tasks.find((t) => t.id === gone.name && t.state === 'TASK_RUNNING')!;
    await mesos.admin(
      `executors/${encodeURIComponent(fw.id)}/${encodeURIComponent(task.executor_id)}/kill`,
    );
    await waitFor(
      async () => (await nodes(b)).find((n) => n.name === gone.name)!.state !== 'running',
      { timeoutMs: 60000, intervalMs: 50, what: 'the node to stop running' },
    );
    await api(b, 'DELETE', `/clusters/c1/nodes/${gone.name}`);
    await waitFor(async () => !(await nodes(b)).some((n) => n.name === gone.name), {
      timeoutMs: 3 * 60 * 1000,
      intervalMs: 1000,
      what: 'the node to be removed',
    });
    await waitFor(
      async () =>
        (await mesos.state()).agents.every(
          (ag) => !ag.volumes.some((v) => v.persistence_id === gone.persistence_id),
        ),
      { timeoutMs: 60000, what: 'its volume to be destroyed' },
    );
    const left = await converged(b, 2, 'two members');
    expect(left.map((n) => n.name)).not.toContain(gone.name);
    for (const n of left) {
      const status = await api<{ members: { name: string }[] }>(
        b,
        'GET',
        `/clusters/c1/nodes/${n.name}/status`,
      );
      expect(status.members.map((m) => m.name.split('@')[0]).sort()).toEqual(
        left.map((x) => x.name).sort(),
      );
    }

    await api(b, 'DELETE', '/clusters/c1');
    await waitFor(
      async () =>
        (await mesos.state()).agents.every(
          (ag) => Object.keys(ag.reserved_resources_full).length === 0,
        ),
      { timeoutMs: 3 * 60 * 1000, intervalMs: 1000, what: 'every reservation to be released' },
    );
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${b}/api/v1/clusters/c1`, { headers: AUTH })).status === 404,
      // A released node's record goes once its agent offers none of it, 30 s after the release
      // began at the earliest (its executor's share may come back later): then the cluster.
      { timeoutMs: 90000, what: 'the cluster to be gone' },
    );
  });

  // The next three tests share cluster c2 (3 real Riak nodes) and the writes Riak acknowledged.
  const c2 = async () =>
    (await api<{ nodes: ApiNode[] }>(ports[1], 'GET', '/clusters/c2/nodes')).nodes;
  const writes = new AckedWrites('rolling', c2);
  type Event = { type: string; node?: string; state?: string; operation?: { state: string } };
  async function listen(port: number): Promise<{ events: Event[]; close: () => void }> {
    const events: Event[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/events`, { headers: AUTH });
    ws.on('message', (m: Buffer) => events.push(JSON.parse(m.toString()) as Event));
    await new Promise((r) => ws.once('open', r));
    return { events, close: () => ws.close() };
  }

  it('through the API: one ring, a rolling config apply onto the target version with one node down at most', async () => {
    const [, b] = ports; // the leader now
    const { events, close } = await listen(b);
    try {
      await createCluster(b, 'c2');
      await api(b, 'POST', '/clusters/c2/nodes', { nodes: 3 });
      await waitFor(
        async () => {
          const n = await c2();
          return n.length === 3 && n.every((x) => x.state === 'running' && x.member);
        },
        { timeoutMs: 4 * 60 * 1000, intervalMs: 1000, what: 'c2 up' },
      );
      const first = (await c2())[0];
      // One ring, as the nodes themselves say.
      const status = await api<{ members: { name: string; status: string }[]; ringReady: boolean }>(
        b,
        'GET',
        `/clusters/c2/nodes/${first.name}/status`,
      );
      expect(status.members.filter((m) => m.status === 'valid')).toHaveLength(3);
      expect(status.ringReady).toBe(true);

      await writes.write('before', 100);
      // The leader samples the nodes' own stats: the writes show as puts per second.
      await waitFor(
        async () => {
          const h = statsHistoryViewSchema.parse(
            await api<unknown>(b, 'GET', '/clusters/c2/stats/history'),
          );
          return (
            h.sampling &&
            Object.keys(h.nodes).length === 3 &&
            Object.values(h.nodes).some((s) =>
              s.some((x) => (x.puts_per_second ?? 0) > 0 && x.put_p99_ms !== null),
            )
          );
        },
        { timeoutMs: 20000, intervalMs: 1000, what: 'puts per second in the stats history' },
      );
      let maxDown = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const down = (await c2()).filter((n) => n.state !== 'running').length;
          maxDown = Math.max(maxDown, down);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      // A new configuration version (the same settings, a comment more), then the rolling apply.
      await apiText(b, 'PUT', '/clusters/c2/config', 'ring_size = 16\n# applied by config/apply\n');
      const { target } = await api<{ target: number }>(b, 'GET', '/clusters/c2/configurations');
      expect((await c2()).map((n) => n.config_version)).not.toContain(target);
      const started = await api<{ target_config_version: number }>(
        b,
        'POST',
        '/clusters/c2/config/apply',
      );
      expect(started.target_config_version).toBe(target);
      const during = writes.write('during', 100);
      await waitFor(
        async () =>
          (await api<{ operation: { state: string } | null }>(b, 'GET', '/clusters/c2/operation'))
            .operation?.state === 'done',
        { timeoutMs: 5 * 60 * 1000, intervalMs: 1000, what: 'the rolling config apply to finish' },
      );
      // Every node was relaunched onto the target version.
      expect((await c2()).map((n) => n.config_version)).toEqual([target, target, target]);
      await during;
      sampling = false;
      await sampler;
      expect(maxDown).toBe(1);
      expect(await writes.missing((await c2())[1])).toEqual([]);
      expect(events.some((e) => e.type === 'node' && e.state === 'restarting')).toBe(true);
      expect(events.some((e) => e.type === 'operation' && e.operation?.state === 'done')).toBe(
        true,
      );
    } finally {
      close();
    }
  });

  it('an upgrade to a real package that never becomes ready stops at its first step in ERROR; abort takes that node back; every acknowledged write reads back', async () => {
    const [, b] = ports;
    const STEP_TIMEOUT = 60;
    const before = await c2();
    expect(before.map((n) => [n.state, n.member, n.riak_version])).toEqual(
      before.map(() => ['running', true, RIAK]),
    );
    const executors = async () =>
      new Map(
        (await mesos.state()).frameworks[0].tasks
          .filter((t) => t.state === 'TASK_RUNNING')
          .map((t) => [t.id, t.executor_id]),
      );
    const ran = await executors();
    const plan = async (id: string) =>
      (await api<{ plan: PlanView }>(b, 'GET', `/clusters/c2/plans/${id}`)).plan;
    const upgrade = (
      await api<{ plan: PlanView }>(b, 'POST', '/clusters/c2/upgrade', {
        riak_version: BROKEN,
        step_timeout_seconds: STEP_TIMEOUT,
      })
    ).plan;
    const [first, ...rest] = upgrade.phases[0].steps.map((s) => s.node);
    // Writes go on through the other two while the first is down.
    await waitFor(async () => (await c2()).find((n) => n.name === first)!.state !== 'running', {
      timeoutMs: 60000,
      intervalMs: 200,
      what: 'the first node to be restarted',
    });
    await writes.write('upgrade', 50);
    const failed = await waitFor(
      async () => {
        const p = await plan(upgrade.id);
        return p.status === 'ERROR' ? p : undefined;
      },
      { timeoutMs: (STEP_TIMEOUT + 60) * 1000, intervalMs: 1000, what: 'the first step in ERROR' },
    );
    expect(failed.phases[0].steps.map((s) => s.status)).toEqual(['ERROR', 'PENDING', 'PENDING']);
    expect(failed.phases[0].steps[0].message).toContain(
      `not back as a valid ring member within ${STEP_TIMEOUT} s`,
    );
    // Only that node was touched: it went to the new version, on which real Riak failed to
    // start (riak_core came up, riak_kv could not); the others run the tasks they ran.
    const paused = await c2();
    const bad = paused.find((n) => n.name === first)!;
    expect(bad.riak_version).toBe(BROKEN);
    expect(bad.failures).toBeGreaterThan(0);
    // Riak's own words, in the sandbox of each run on the new version.
    const logs = riakLogs(join(work, 'mesos'), bad.agent_id!, first).join('\n');
    expect(logs).toContain('{application_start_failure,riak_kv,');
    const now = await executors();
    for (const n of paused.filter((x) => x.name !== first)) {
      expect([n.name, n.state, n.riak_version]).toEqual([n.name, 'running', RIAK]);
      expect(now.get(n.name)).toBe(ran.get(n.name));
    }

    const aborted = await api<{ plan: PlanView }>(
      b,
      'POST',
      `/clusters/c2/plans/${upgrade.id}/abort`,
    );
    expect(aborted.plan.status).toBe('ABORTED');
    const plans = (await api<{ plans: PlanView[] }>(b, 'GET', '/clusters/c2/plans')).plans;
    const rollback = plans.find((p) => p.kind === 'upgrade' && p.id !== upgrade.id)!;
    expect(rollback.targetRiakVersion).toBe(RIAK);
    expect(rollback.phases[0].steps.map((s) => s.node)).toEqual([first]);
    await waitFor(async () => (await plan(rollback.id)).status === 'COMPLETE', {
      timeoutMs: 3 * 60 * 1000,
      intervalMs: 1000,
      what: 'the rollback to complete',
    });
    expect((await plan(upgrade.id)).phases[0].steps.slice(1).map((s) => s.status)).toEqual(
      rest.map(() => 'PENDING'),
    );

    // Three running valid members on the old version, as the API and Riak itself say.
    const after = await c2();
    expect(after.map((n) => [n.name, n.state, n.member, n.riak_version])).toEqual(
      before.map((n) => [n.name, 'running', true, RIAK]),
    );
    const cluster = await api<{ cluster: { state: string; riak_version: string } }>(
      b,
      'GET',
      '/clusters/c2',
    );
    expect(cluster.cluster).toMatchObject({ state: 'running', riak_version: RIAK });
    for (const n of after) {
      const status = await api<{ members: { name: string; status: string }[]; ringReady: boolean }>(
        b,
        'GET',
        `/clusters/c2/nodes/${n.name}/status`,
      );
      expect(status.members.map((m) => `${m.name} ${m.status}`).sort()).toEqual(
        after.map((x) => `${x.name}@${x.hostname} valid`).sort(),
      );
      expect(status.ringReady).toBe(true);
    }
    // Every write Riak acknowledged, before, during and after the restart and during the
    // failed upgrade, through the node taken back (riak_kv serves there again) and another.
    expect([...writes.failed]).toEqual([]);
    expect([...writes.acked.keys()].filter((k) => k.startsWith('upgrade-'))).toHaveLength(50);
    for (const n of [after.find((x) => x.name === first)!, after.find((x) => x.name !== first)!])
      expect(await writes.missing(n)).toEqual([]);
  });

  it('graceful removal, then destroy', async () => {
    const [, b] = ports;
    const { events, close } = await listen(b);
    try {
      const [gone] = await c2();
      await api(b, 'DELETE', `/clusters/c2/nodes/${gone.name}`);
      await waitFor(async () => (await c2()).length === 2, {
        timeoutMs: 3 * 60 * 1000,
        intervalMs: 1000,
        what: 'the removal',
      });
      expect(
        events.some((e) => e.type === 'node' && e.node === gone.name && e.state === 'leaving'),
      ).toBe(true);
      await api(b, 'DELETE', '/clusters/c2');
      await waitFor(
        async () =>
          (await mesos.state()).agents.every(
            (ag) => Object.keys(ag.reserved_resources_full).length === 0,
          ),
        { timeoutMs: 3 * 60 * 1000, intervalMs: 1000, what: 'every reservation to be released' },
      );
    } finally {
      close();
    }
  });
});

describe('the scheduler on local Mesos: replacement, and reservations of others', () => {
  it('replaces a node through the API and a node whose agent stays away past the permanent-failure timeout, keeps one back before it; every acknowledged write reads back', async () => {
    await replaceScenario(await aLeader(), 'c3');
  });

  it('keeps reservations it did not make, also when started on an empty ZooKeeper path, and releases one only when asked', async () => {
    const [, , c] = ports;
    const leader = await aLeader();
    // Another framework in the role reserves resources and makes a volume on one agent, then goes.
    const other = new SchedulerClient({
      master: mesos.url,
      frameworkInfo: { user: 'root', name: 'other', role: 'riak', principal: 'riak' },
    });
    const offer = await new Promise<Offer>((resolve) => {
      other.on('offers', (offers: Offer[]) => {
        const o = offers.find((x) => R.scalarSum(R.unreservedOf(x), 'cpus') >= 0.5);
        if (o) resolve(o);
      });
      other.start();
    });
    const reserved = R.reserve([R.scalar('cpus', 0.5), R.scalar('disk', 16)], {
      role: 'riak',
      principal: 'riak',
      labels: { node: 'other-1', framework: 'other' },
    });
    await other.accept(
      [offer.id],
      [
        { type: 'RESERVE', reserve: { resources: reserved } },
        {
          type: 'CREATE',
          create: {
            volumes: [R.persistentVolume(reserved[1], 'other-volume', 'data', 'riak')],
          },
        },
      ],
    );
    const hasVolume = async () =>
      (await mesos.state()).agents.some((ag) =>
        ag.volumes.some((v) => v.persistence_id === 'other-volume'),
      );
    await waitFor(hasVolume, { timeoutMs: 30000, what: "the other framework's volume" });
    await other.stop();
    // A scheduler of the same name on an empty ZooKeeper path: no records, so nothing is its own.
    startScheduler(c, uniqueChroot('empty'));
    const listed = async (port: number) =>
      (
        await api<{ reservations: { id: string; volumes: string[] }[] }>(
          port,
          'GET',
          '/debug/reservations',
        )
      ).reservations.find((r) => r.volumes.includes('other-volume'));
    const seen = await waitFor(() => listed(leader), {
      timeoutMs: 60000,
      intervalMs: 1000,
      what: 'the leader to list the unknown reservation',
    });
    await waitFor(() => listed(c), {
      timeoutMs: 60000,
      intervalMs: 1000,
      what: 'the scheduler on an empty path to list it too',
    });
    // Offers keep coming (declined for 1 s while work is pending, else 30 s): still there.
    await new Promise((r) => setTimeout(r, 15000));
    expect(await hasVolume()).toBe(true);
    await schedulers.get(c)!.stop(5000);
    // The operator releases exactly that one.
    await api(leader, 'DELETE', `/debug/reservations/${seen.id}`);
    await waitFor(async () => !(await hasVolume()), {
      timeoutMs: 90000,
      intervalMs: 1000,
      what: 'the released volume to be gone',
    });
  });
});
