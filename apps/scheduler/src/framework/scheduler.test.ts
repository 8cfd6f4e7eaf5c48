// Over 400 lines: one real system (ZooKeeper, local Mesos, real Riak) shared by its scenarios,
// which run in order and reuse its clusters; splitting them further would start that system, and
// make a real Riak cluster, once more per file (the replacement scenarios are in
// replacement.test.ts, which runs beside this file; helpers: test-support/).
/**
 * The scheduler as it runs in production (its bundle, as child processes killed with SIGKILL) on
 * local Mesos with 4 agents, a real ZooKeeper, the real executor and the real Riak KV 3.2 package:
 * placement with `hostname UNIQUE`, a scheduler killed mid-deployment, a relaunch on the same
 * volume after a killed executor and the health and handoff that follow, a standby taking over,
 * removal that releases everything, a rolling restart, and an upgrade to a real package that never
 * becomes ready, aborted.
 */
import { join } from 'node:path';
import type { LocalMesos } from '@riak-mesos/testing';
import { waitFor } from '@riak-mesos/testing';
import WebSocket from 'ws';
import type { PlanView } from '@riak-mesos/framework-contract';
import {
  healthAnswerSchema,
  nodeTasksAnswerSchema,
  statsHistoryViewSchema,
} from '@riak-mesos/framework-contract';
import { AckedWrites, riakLogs } from './test-support/real-riak';
import type { ApiNode } from './test-support/scheduler-system';
import {
  AUTH,
  BROKEN,
  RIAK,
  api,
  apiText,
  createCluster,
  health,
  startScheduler,
  startSystem,
  stopSystem,
  sys,
} from './test-support/scheduler-system';

jest.setTimeout(10 * 60 * 1000);

let work: string;
let mesos: LocalMesos;
let ports: number[];
const schedulers = sys.schedulers;

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
  await startSystem('scheduler-it');
  ({ work, mesos, ports } = sys);
}, 120000);

afterAll(async () => {
  await clusterHealth.stop();
  await stopSystem();
}, 60000);

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
