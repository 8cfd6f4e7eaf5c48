/**
 * Replacement on real Riak, and reservations of other frameworks, with the scheduler as it runs in
 * production (its bundle, as child processes) on local Mesos with 4 agents, a real ZooKeeper, the
 * real executor and the real Riak KV 3.2 package. A system of its own (test-support/
 * scheduler-system.ts), so that it runs beside scheduler.test.ts.
 */
import type { LocalMesos } from '@riak-mesos/testing';
import { uniqueChroot, waitFor } from '@riak-mesos/testing';
import type { Offer } from '@riak-mesos/mesos';
import { SchedulerClient, resources as R } from '@riak-mesos/mesos';
import type { PlanView } from '@riak-mesos/framework-contract';
import { AckedWrites } from './test-support/real-riak';
import type { ApiNode } from './test-support/scheduler-system';
import {
  AUTH,
  aLeader,
  api,
  createCluster,
  startScheduler,
  startSystem,
  stopSystem,
  sys,
} from './test-support/scheduler-system';

jest.setTimeout(10 * 60 * 1000);

let mesos: LocalMesos;
let ports: number[];
const schedulers = sys.schedulers;

beforeAll(async () => {
  await startSystem('scheduler-replacement-it');
  ({ mesos, ports } = sys);
}, 120000);

afterAll(() => stopSystem(), 60000);

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
