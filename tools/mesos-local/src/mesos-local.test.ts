import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Offer, OfferOperation, Resource, TaskInfo, TaskStatus } from '@riak-mesos/mesos';
import { SchedulerClient, resources as R } from '@riak-mesos/mesos';
import { isAlive } from '@riak-mesos/process';
import { tempDir, waitFor } from '@riak-mesos/testing';
import type { MesosLocal } from './cluster';
import { hasInterfaceAddress } from './loopback';
import { startMesosLocal } from './cluster';

const root = join(__dirname, '..', '..', '..');
let cluster: MesosLocal;
let workDir: string;
let executorJs: string;

/** A small scheduler written for the test: keeps offers and updates in order, acknowledges updates. */
class TestScheduler {
  readonly client: SchedulerClient;
  offers: Offer[] = [];
  updates: TaskStatus[] = [];
  messages: string[] = [];
  constructor(frameworkId?: string, failoverTimeout = 3) {
    this.client = new SchedulerClient({
      master: cluster.masterUrl,
      frameworkInfo: {
        user: 'root',
        name: 'test',
        role: 'riak',
        principal: 'riak',
        checkpoint: true,
        failover_timeout: failoverTimeout,
        capabilities: [{ type: 'PARTITION_AWARE' }],
        ...(frameworkId ? { id: { value: frameworkId } } : {}),
      },
      backoff: { initialMs: 50, maxMs: 500 },
    });
    this.client.on('offers', (o) => this.offers.push(...o));
    this.client.on(
      'rescind',
      (id) => (this.offers = this.offers.filter((o) => o.id.value !== id.value)),
    );
    this.client.on('update', (s) => {
      this.updates.push(s);
      if (s.uuid && s.uuid.length)
        void this.client.acknowledge(s.agent_id!, s.task_id, s.uuid).catch(() => undefined);
    });
    this.client.on('message', (m) => this.messages.push(m.data.toString()));
    this.client.on('error', () => undefined);
  }
  async start() {
    this.client.start();
    await waitFor(() => this.client.subscribed, { what: 'subscription' });
    return this;
  }
  async offerFrom(agentId: string, pred: (o: Offer) => boolean = () => true): Promise<Offer> {
    const o = await waitFor(
      () => this.offers.find((x) => x.agent_id.value === agentId && pred(x)),
      { timeoutMs: 15000, what: `an offer from ${agentId}` },
    );
    this.offers = this.offers.filter((x) => x !== o);
    return o;
  }
  async update(taskId: string, state: string, after = 0): Promise<TaskStatus> {
    return waitFor(
      () => this.updates.slice(after).find((u) => u.task_id.value === taskId && u.state === state),
      { timeoutMs: 20000, what: `${state} for ${taskId}` },
    );
  }
}

const NODE = 'node-1';
const PID = 'vol-node-1';
let sched: TestScheduler;
let frameworkId: string;

function reservedFor(offer: Offer): Resource[] {
  return R.reservedWithLabel(offer, 'riak', 'node', NODE).filter((r) => !r.disk?.persistence);
}

function task(offer: Offer, id: string, executorId: string, data: string): TaskInfo {
  const volume = R.findVolume(offer, PID)!;
  return {
    name: 'volume-test',
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [...reservedFor(offer).filter((r) => r.name !== 'disk'), volume],
    executor: {
      executor_id: { value: executorId },
      command: { value: `node ${executorJs}`, shell: true },
      resources: [R.scalar('cpus', 0.1), R.scalar('mem', 32)],
    },
    data: Buffer.from(data),
  };
}

beforeAll(async () => {
  workDir = await tempDir('mesos-local');
  executorJs = join(workDir, 'volume-executor.js');
  await build({
    entryPoints: [join(__dirname, 'test-support', 'volume-executor.ts')],
    outfile: executorJs,
    bundle: true,
    platform: 'node',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.base.json'),
    logLevel: 'error',
  });
  cluster = await startMesosLocal({
    agents: 3,
    port: 0,
    workDir,
    heartbeatIntervalSeconds: 1,
    allocationIntervalMs: 100,
    agentPingTimeoutMs: 500,
    statusRetryMs: 500,
    executorShutdownGraceMs: 1000,
    executorReregisterTimeoutMs: 3000,
  });
}, 60000);

afterAll(async () => {
  await sched?.client.stop();
  await cluster?.close();
});

describe('mesos-local, driven by a scheduler written in the test', () => {
  it('offers each agent with its attributes and disjoint port ranges', async () => {
    sched = await new TestScheduler().start();
    frameworkId = sched.client.frameworkId!;
    const offers = await Promise.all(cluster.agents.map((a) => sched.offerFrom(a.id)));
    const ports = offers.map((o) => R.rangesOf(o.resources ?? [], 'ports'));
    expect(new Set(offers.map((o) => o.hostname)).size).toBe(3);
    expect(ports[0][0].end < ports[1][0].begin).toBe(true);
    // Below the ephemeral ports, 200 an agent, from a base of this instance's own.
    expect(Number(ports[2][0].end)).toBeLessThan(32768);
    expect(Number(ports[1][0].begin) - Number(ports[0][0].begin)).toBe(200);
    // As root the agents' addresses are on lo, as a real agent's address is on an interface.
    if (process.getuid?.() === 0)
      for (const o of offers) expect(hasInterfaceAddress(o.hostname)).toBe(true);
    expect(offers[0].attributes!.find((a) => a.name === 'rack_id')?.text?.value).toBe('rack-1');
    await sched.client.decline(
      offers.map((o) => o.id),
      { refuse_seconds: 0 },
    );
  });

  it('reserves resources and creates a persistent volume, validated as Mesos does', async () => {
    const agent = cluster.agents[0];
    const offer = await sched.offerFrom(agent.id);
    const ports = R.portsOf(R.rangesOf(offer.resources ?? [], 'ports')).slice(0, 2);
    const want = [
      R.scalar('cpus', 0.5),
      R.scalar('mem', 128),
      R.scalar('disk', 64),
      R.ranges('ports', R.rangesOfPorts(ports)),
    ];
    const reserved = R.reserve(want, { role: 'riak', principal: 'riak', labels: { node: NODE } });
    const disk = reserved.find((r) => r.name === 'disk')!;
    const ops: OfferOperation[] = [
      // Invalid: reserving for another principal is dropped, the rest goes on.
      {
        type: 'RESERVE',
        reserve: {
          resources: R.reserve([R.scalar('cpus', 1)], { role: 'riak', principal: 'someone-else' }),
        },
      },
      { type: 'RESERVE', reserve: { resources: reserved } },
      { type: 'CREATE', create: { volumes: [R.persistentVolume(disk, PID, 'data', 'riak')] } },
    ];
    await sched.client.accept([offer.id], ops, { refuse_seconds: 0 });
    const state = cluster.state();
    const a = state.agents.find((x) => x.id === agent.id)!;
    expect(R.scalarSum(a.reserved_resources_full.riak ?? [], 'cpus')).toBe(0.5);
    expect(a.volumes).toEqual([
      expect.objectContaining({ persistence_id: PID, role: 'riak', container_path: 'data' }),
    ]);
    const next = await sched.offerFrom(agent.id, (o) => R.findVolume(o, PID) !== undefined);
    expect(R.scalarSum(reservedFor(next), 'mem')).toBe(128);
    await sched.client.decline([next.id], { refuse_seconds: 0 });
  });

  it('launches an executor that writes into the volume, relaunches it after a kill, and the data is still there', async () => {
    const agent = cluster.agents[0];
    let offer = await sched.offerFrom(agent.id, (o) => R.findVolume(o, PID) !== undefined);
    await sched.client.accept(
      [offer.id],
      [{ type: 'LAUNCH', launch: { task_infos: [task(offer, 'task-1', 'exec-1', 'first')] } }],
      { refuse_seconds: 0 },
    );
    const running = await sched.update('task-1', 'TASK_RUNNING');
    expect(JSON.parse(Buffer.from(running.data!).toString())).toEqual({ before: '' });
    const volumeDir = cluster.state().agents.find((x) => x.id === agent.id)!.volumes[0].path;
    expect(readFileSync(join(volumeDir, 'file'), 'utf8')).toBe('first');

    // Kill the executor process: the agent reports TASK_FAILED.
    const pid = agent.executorProcess(frameworkId, 'exec-1')!.pid!;
    const n = sched.updates.length;
    expect(cluster.killExecutor(frameworkId, 'exec-1')).toBe(true);
    const failed = await sched.update('task-1', 'TASK_FAILED', n);
    expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' });
    await waitFor(() => !isAlive(pid));

    // Relaunch on the same agent with the same volume, in a fresh sandbox.
    offer = await sched.offerFrom(agent.id, (o) => R.findVolume(o, PID) !== undefined);
    await sched.client.accept(
      [offer.id],
      [{ type: 'LAUNCH', launch: { task_infos: [task(offer, 'task-1', 'exec-2', '+second')] } }],
      { refuse_seconds: 0 },
    );
    const again = await sched.update('task-1', 'TASK_RUNNING', n);
    expect(JSON.parse(Buffer.from(again.data!).toString())).toEqual({ before: 'first' });
    expect(readFileSync(join(volumeDir, 'file'), 'utf8')).toBe('first+second');
  }, 60000);

  it('gives TASK_ERROR for a task that asks more than the offer has', async () => {
    const offer = await sched.offerFrom(cluster.agents[1].id);
    const bad: TaskInfo = {
      name: 'greedy',
      task_id: { value: 'greedy' },
      agent_id: offer.agent_id,
      resources: [R.scalar('cpus', 999)],
      command: { value: 'sleep 1' },
    };
    await sched.client.accept([offer.id], [{ type: 'LAUNCH', launch: { task_infos: [bad] } }], {
      refuse_seconds: 0,
    });
    const err = await sched.update('greedy', 'TASK_ERROR');
    expect(err).toMatchObject({ source: 'SOURCE_MASTER', reason: 'REASON_TASK_INVALID' });
    expect(err.message).toMatch(/more resources/);
  });

  it('runs command tasks and passes framework messages both ways', async () => {
    const offer = await sched.offerFrom(cluster.agents[2].id);
    await sched.client.accept(
      [offer.id],
      [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                name: 'cmd',
                task_id: { value: 'cmd-1' },
                agent_id: offer.agent_id,
                resources: [R.scalar('cpus', 0.1), R.scalar('mem', 16)],
                command: { value: 'exit 0' },
              },
            ],
          },
        },
      ],
      { refuse_seconds: 0 },
    );
    await sched.update('cmd-1', 'TASK_FINISHED');
    await sched.client.message(
      cluster.agents[0].info().id!,
      { value: 'exec-2' },
      Buffer.from('ping'),
    );
    await waitFor(() => sched.messages.includes('echo:ping'), { what: 'executor message' });
  });

  it('destroys the container: what a task started in other process groups dies with it', async () => {
    const offer = await sched.offerFrom(cluster.agents[2].id);
    const marker = `container-test-${Date.now()}`;
    await sched.client.accept(
      [offer.id],
      [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                name: 'escapes',
                task_id: { value: 'cmd-escape' },
                agent_id: offer.agent_id,
                resources: [R.scalar('cpus', 0.1), R.scalar('mem', 16)],
                // A child in its own session and process group, as a daemonizing program makes.
                command: { value: `setsid sh -c 'sleep 300; echo ${marker}' & exec sleep 300` },
              },
            ],
          },
        },
      ],
      { refuse_seconds: 0 },
    );
    await sched.update('cmd-escape', 'TASK_RUNNING');
    const escaped = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return (
              readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`echo ${marker}`) &&
              isAlive(Number(p))
            );
          } catch {
            return false;
          }
        });
    await waitFor(() => escaped().length === 1, { what: 'the escaped child to run' });
    await sched.client.kill({ value: 'cmd-escape' }, offer.agent_id);
    await sched.update('cmd-escape', 'TASK_KILLED');
    await waitFor(() => escaped().length === 0, { what: 'the escaped child to be killed' });
  });

  it('reconciles explicitly (known and unknown tasks) and implicitly', async () => {
    const n = sched.updates.length;
    await sched.client.reconcile([
      { task_id: { value: 'task-1' } },
      { task_id: { value: 'never-launched' } },
    ]);
    expect(await sched.update('task-1', 'TASK_RUNNING', n)).toMatchObject({
      source: 'SOURCE_MASTER',
      reason: 'REASON_RECONCILIATION',
    });
    expect(await sched.update('never-launched', 'TASK_UNKNOWN', n)).toMatchObject({
      reason: 'REASON_RECONCILIATION',
    });
    const m = sched.updates.length;
    await sched.client.reconcile([]);
    await sched.update('task-1', 'TASK_RUNNING', m);
  });

  it('reports TASK_UNREACHABLE for a stopped agent and the task comes back when it restarts', async () => {
    const agent = cluster.agents[0];
    const n = sched.updates.length;
    await cluster.stopAgent(agent.id);
    expect(await sched.update('task-1', 'TASK_UNREACHABLE', n)).toMatchObject({
      source: 'SOURCE_MASTER',
    });
    expect(cluster.state().agents.find((a) => a.id === agent.id)!.active).toBe(false);
    await cluster.startAgent(agent.id);
    expect(await sched.update('task-1', 'TASK_RUNNING', n)).toMatchObject({
      reason: 'REASON_AGENT_REREGISTERED',
    });
  }, 30000);

  it('keeps tasks running across a scheduler failover within the failover timeout', async () => {
    await sched.client.stop();
    sched = await new TestScheduler(frameworkId).start();
    expect(sched.client.frameworkId).toBe(frameworkId);
    await sched.client.reconcile([{ task_id: { value: 'task-1' } }]);
    await sched.update('task-1', 'TASK_RUNNING');
    // The master failing over closes the stream; the scheduler re-subscribes with its id.
    cluster.failover();
    await waitFor(() => !sched.client.subscribed || sched.client.master !== undefined);
    await waitFor(() => sched.client.subscribed, { what: 're-subscription after master failover' });
    expect(cluster.state().frameworks[0].tasks.map((t) => t.id)).toContain('task-1');
  }, 30000);

  it('removes the framework beyond the failover timeout: tasks killed, reservations kept', async () => {
    const pid = cluster.agents[0].executorProcess(frameworkId, 'exec-2')!.pid!;
    await sched.client.stop();
    await waitFor(() => cluster.state().completed_frameworks.some((f) => f.id === frameworkId), {
      timeoutMs: 15000,
      what: 'framework removal',
    });
    await waitFor(() => !isAlive(pid), { timeoutMs: 10000, what: 'executor to be killed' });
    const a = cluster.state().agents[0];
    expect(R.scalarSum(a.reserved_resources_full.riak ?? [], 'mem')).toBe(128);
    expect(existsSync(a.volumes[0].path)).toBe(true);
    // A removed framework cannot come back.
    const late = new TestScheduler(frameworkId);
    const err = new Promise<Error>((r) => late.client.once('error', r));
    late.client.start();
    expect((await err).message).toMatch(/403.*has been removed/);
    await late.client.stop();
  }, 30000);

  it('destroys volumes and unreserves for a new framework of the same role', async () => {
    sched = await new TestScheduler().start();
    const agent = cluster.agents[0];
    const offer = await sched.offerFrom(agent.id, (o) => R.findVolume(o, PID) !== undefined);
    const volume = R.findVolume(offer, PID)!;
    const plainDisk = structuredClone(volume);
    delete plainDisk.disk;
    await sched.client.accept(
      [offer.id],
      [
        { type: 'DESTROY', destroy: { volumes: [volume] } },
        {
          type: 'UNRESERVE',
          unreserve: {
            resources: [...reservedFor(offer).filter((r) => r.name !== 'disk'), plainDisk],
          },
        },
      ],
      { refuse_seconds: 0 },
    );
    const a = cluster.state().agents[0];
    expect(a.volumes).toEqual([]);
    expect(a.reserved_resources_full).toEqual({});
  });
  it('offers fault injection over its admin HTTP API', async () => {
    const drop = await fetch(
      `${cluster.masterUrl}/admin/frameworks/${sched.client.frameworkId}/drop-stream`,
      { method: 'POST' },
    );
    expect(drop.status).toBe(200);
    await waitFor(() => sched.client.subscribed, {
      what: 're-subscription after a dropped stream',
    });
    expect(
      (await fetch(`${cluster.masterUrl}/admin/frameworks/nope/drop-stream`, { method: 'POST' }))
        .status,
    ).toBe(404);
    expect(
      (await fetch(`${cluster.masterUrl}/admin/agents/nope/stop`, { method: 'POST' })).status,
    ).toBe(404);
    expect((await fetch(`${cluster.masterUrl}/admin/nothing`, { method: 'POST' })).status).toBe(
      404,
    );
    const garbage = await fetch(`${cluster.masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":',
    });
    expect(garbage.status).toBe(400);
    const unsubscribed = await fetch(`${cluster.masterUrl}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'REVIVE', framework_id: { value: 'nobody' } }),
    });
    expect(unsubscribed.status).toBe(403);
  });
});
