import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Offer, TaskInfo, TaskStatus } from '@riak-mesos/mesos';
import { SchedulerClient, resources as R } from '@riak-mesos/mesos';
import { tempDir, waitFor } from '@riak-mesos/testing';
import type { MesosLocal } from './cluster';
import { agentAddress, startMesosLocal } from './cluster';

// The benchmark mode: many agents whose tasks are reported, never run.
const AGENTS = 300;
let cluster: MesosLocal;
let workDir: string;
let client: SchedulerClient;
let offers: Offer[] = [];
const updates: TaskStatus[] = [];

beforeAll(async () => {
  workDir = await tempDir('mesos-local-simulated');
  cluster = await startMesosLocal({
    agents: AGENTS,
    port: 0,
    workDir,
    simulateTasks: true,
    allocationIntervalMs: 100,
    statusRetryMs: 500,
  });
  client = new SchedulerClient({
    master: cluster.masterUrl,
    frameworkInfo: {
      user: 'root',
      name: 'bench',
      role: 'riak',
      principal: 'riak',
      checkpoint: true,
      capabilities: [{ type: 'PARTITION_AWARE' }],
    },
    backoff: { initialMs: 50, maxMs: 500 },
  });
  client.on('offers', (o) => offers.push(...o));
  client.on('rescind', (id) => (offers = offers.filter((o) => o.id.value !== id.value)));
  client.on('update', (s) => {
    updates.push(s);
    if (s.uuid?.length) void client.acknowledge(s.agent_id!, s.task_id, s.uuid).catch(() => 0);
  });
  client.on('error', () => undefined);
  client.start();
  await waitFor(() => client.subscribed, { what: 'subscription' });
}, 60000);

afterAll(async () => {
  await client?.stop();
  await cluster?.close();
});

async function offerFrom(agentId: string, pred: (o: Offer) => boolean = () => true) {
  const o = await waitFor(() => offers.find((x) => x.agent_id.value === agentId && pred(x)), {
    timeoutMs: 15000,
    what: `an offer from ${agentId}`,
  });
  offers = offers.filter((x) => x !== o);
  return o;
}

const update = (taskId: string, state: string, after = 0) =>
  waitFor(() => updates.slice(after).find((u) => u.task_id.value === taskId && u.state === state), {
    what: `${state} for ${taskId}`,
  });

describe('mesos-local --simulate-tasks', () => {
  it('runs more agents than loopback addresses 127.0.0.x, all offering the same ports', async () => {
    expect(cluster.agents).toHaveLength(AGENTS);
    expect(agentAddress(0)).toBe('127.0.0.2');
    expect(agentAddress(254)).toBe('127.0.1.0');
    const last = cluster.agents[AGENTS - 1];
    expect(last.ip).toBe(agentAddress(AGENTS - 1));
    const a = await offerFrom(cluster.agents[0].id);
    const b = await offerFrom(last.id);
    expect(b.hostname).toBe('127.0.1.45');
    expect(R.rangesOf(b.resources ?? [], 'ports')).toEqual(R.rangesOf(a.resources ?? [], 'ports'));
    await client.decline([a.id, b.id], { refuse_seconds: 0 });
  });

  it('reports a launched task STARTING and RUNNING without starting a process, keeps its reservation and volume, and reports a kill', async () => {
    const agent = cluster.agents[AGENTS - 1];
    const offer = await offerFrom(agent.id);
    const reserved = R.reserve([R.scalar('cpus', 1), R.scalar('mem', 256), R.scalar('disk', 64)], {
      role: 'riak',
      principal: 'riak',
      labels: { node: 'n1' },
    });
    const disk = reserved.find((r) => r.name === 'disk')!;
    await client.accept(
      [offer.id],
      [
        { type: 'RESERVE', reserve: { resources: reserved } },
        {
          type: 'CREATE',
          create: { volumes: [R.persistentVolume(disk, 'vol-n1', 'data', 'riak')] },
        },
      ],
      { refuse_seconds: 0 },
    );
    const withVolume = await offerFrom(agent.id, (o) => R.findVolume(o, 'vol-n1') !== undefined);
    const task: TaskInfo = {
      name: 'simulated',
      task_id: { value: 'task-1' },
      agent_id: withVolume.agent_id,
      resources: [
        ...R.reservedWithLabel(withVolume, 'riak', 'node', 'n1').filter((r) => r.name !== 'disk'),
        R.findVolume(withVolume, 'vol-n1')!,
      ],
      executor: {
        executor_id: { value: 'exec-1' },
        // A command that would fail if it were run.
        command: { value: 'exit 3', uris: [{ value: '/nonexistent/package.tar.gz' }] },
        resources: [R.scalar('cpus', 0.1), R.scalar('mem', 32)],
      },
    };
    await client.accept([withVolume.id], [{ type: 'LAUNCH', launch: { task_infos: [task] } }], {
      refuse_seconds: 0,
    });
    const starting = await update('task-1', 'TASK_STARTING');
    const running = await update('task-1', 'TASK_RUNNING');
    expect(updates.indexOf(starting)).toBeLessThan(updates.indexOf(running));
    expect(running).toMatchObject({ source: 'SOURCE_EXECUTOR', executor_id: { value: 'exec-1' } });
    const state = cluster.state();
    const exec = agent.state().executors.find((e) => e.id === 'exec-1')!;
    expect(exec.pid).toBeUndefined();
    expect(exec.tasks).toEqual(['task-1']);
    expect(existsSync(join(workDir, 'agents'))).toBe(false); // no sandbox was made
    const a = state.agents.find((x) => x.id === agent.id)!;
    expect(R.scalarSum(a.used_resources_full, 'cpus')).toBeCloseTo(1.1);
    expect(a.volumes.map((v) => v.persistence_id)).toEqual(['vol-n1']);
    expect(state.frameworks[0].tasks.find((t) => t.id === 'task-1')?.state ?? undefined).toBe(
      'TASK_RUNNING',
    );

    const n = updates.length;
    await client.kill({ value: 'task-1' }, agent.id ? { value: agent.id } : undefined);
    await update('task-1', 'TASK_KILLED', n);
    // The reservation and the volume are offered again, and DESTROY and UNRESERVE work.
    const back = await offerFrom(agent.id, (o) => R.findVolume(o, 'vol-n1') !== undefined);
    const volume = R.findVolume(back, 'vol-n1')!;
    const plainDisk = structuredClone(volume);
    delete plainDisk.disk;
    const reservedNow = R.reservedWithLabel(back, 'riak', 'node', 'n1');
    await client.accept(
      [back.id],
      [
        { type: 'DESTROY', destroy: { volumes: [volume] } },
        {
          type: 'UNRESERVE',
          unreserve: { resources: [...reservedNow.filter((r) => r.name !== 'disk'), plainDisk] },
        },
      ],
      { refuse_seconds: 0 },
    );
    await waitFor(
      () => {
        const x = cluster.state().agents.find((y) => y.id === agent.id)!;
        return x.volumes.length === 0 && Object.keys(x.reserved_resources_full).length === 0;
      },
      { what: 'the volume destroyed and the reservation released' },
    );
  }, 60000);

  it('sends an offer batch on demand even when the framework is suppressed', async () => {
    await client.suppress();
    await waitFor(() => cluster.state().frameworks[0].suppressed, { what: 'suppression' });
    await client.decline(
      offers.map((o) => o.id),
      { refuse_seconds: 3600 },
    );
    offers = [];
    const batches = cluster.state().frameworks[0].offer_batches;
    await new Promise((r) => setTimeout(r, 300));
    expect(offers).toHaveLength(0);
    const sent = cluster.offerNow(client.frameworkId!);
    expect(sent).toBeGreaterThan(0);
    await waitFor(() => offers.length === sent, { what: 'the forced offers' });
    expect(cluster.state().frameworks[0].offer_batches).toBe(batches + 1);
    // Through the admin API as well.
    const res = await fetch(
      `${cluster.masterUrl}/admin/frameworks/${encodeURIComponent(client.frameworkId!)}/offer`,
      { method: 'POST' },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { offers: number }).offers).toBe(0); // all are outstanding
  });
});
