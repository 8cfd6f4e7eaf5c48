// Over 400 lines: one simulation (agents that apply the evaluator's operations) with its cases.
import type { Offer, OfferOperation, Resource } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import { parseConstraints } from '@riak-mesos/placement';
import type { SchedulerConfig } from '../config';
import { loadConfig } from '../config';
import type { ClusterDoc, NodeDoc } from '../model';
import type { NodeChange, OfferEvaluation, OfferEvaluationInput } from './offer-evaluator';
import {
  FORGET_AFTER_MS,
  accumulateRejections,
  evaluateOffers,
  summarise,
} from './offer-evaluator';

/**
 * Simulation of the offer evaluator: scripted agents make offers, the evaluator's operations are
 * applied to the agents as Mesos would (RESERVE, CREATE, LAUNCH, DESTROY, UNRESERVE) and its record
 * changes to the node records, and the next round sees the result. No process, no Mesos.
 */

const base = loadConfig({}, {}, 'sched.example');
const config: SchedulerConfig = {
  ...base,
  resourceUrls: { ...base.resourceUrls, executor: 'http://pkgs/executor.tar.gz' },
  riakVersions: [
    { name: 'riak-kv-3.2', url: 'http://pkgs/riak.tar.gz', rootPath: 'riak', flavour: 'kv3' },
  ],
};
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

class SimAgent {
  free: Resource[];
  reserved: Resource[] = [];
  /** Resources held by running tasks (not offered). */
  inUse = new Map<string, Resource[]>();
  private seq = 0;

  constructor(
    readonly id: string,
    readonly hostname: string,
    size: { cpus?: number; mem?: number; disk?: number; ports?: [number, number] } = {},
    readonly attributes: Record<string, string> = {},
  ) {
    this.free = [
      R.scalar('cpus', size.cpus ?? 4),
      R.scalar('mem', size.mem ?? 8192),
      R.scalar('disk', size.disk ?? 50000),
      R.ranges('ports', [size.ports ?? [31000, 31099]]),
    ];
  }

  offer(): Offer {
    return {
      id: { value: `${this.id}-o${++this.seq}` },
      framework_id: { value: 'f' },
      agent_id: { value: this.id },
      hostname: this.hostname,
      attributes: Object.entries(this.attributes).map(([name, value]) => ({
        name,
        type: 'TEXT' as const,
        text: { value },
      })),
      resources: [...this.free, ...this.reserved],
    };
  }

  apply(op: OfferOperation): void {
    switch (op.type) {
      case 'RESERVE': {
        const rs = op.reserve!.resources ?? [];
        this.free = R.subtractResources(this.free, rs.map(R.bare));
        this.reserved = R.addResources(this.reserved, rs);
        return;
      }
      case 'CREATE': {
        for (const v of op.create!.volumes ?? []) {
          this.reserved = R.subtractResources(this.reserved, [R.withoutVolume(v)]);
          this.reserved = R.addResources(this.reserved, [v]);
        }
        return;
      }
      case 'DESTROY': {
        for (const v of op.destroy!.volumes ?? []) {
          this.reserved = R.subtractResources(this.reserved, [v]);
          this.reserved = R.addResources(this.reserved, [R.withoutVolume(v)]);
        }
        return;
      }
      case 'UNRESERVE': {
        const rs = op.unreserve!.resources ?? [];
        this.reserved = R.subtractResources(this.reserved, rs);
        this.free = R.addResources(this.free, rs.map(R.bare));
        return;
      }
      case 'LAUNCH': {
        for (const t of op.launch!.task_infos ?? []) {
          const used = [...(t.resources ?? []), ...(t.executor?.resources ?? [])];
          this.reserved = R.subtractResources(this.reserved, used);
          this.inUse.set(t.task_id.value, used);
        }
        return;
      }
      default:
        throw new Error(`the simulation does not do ${op.type}`);
    }
  }

  /** A task ended: its resources (still reserved) are offered again. */
  endTask(taskId: string): void {
    this.reserved = R.addResources(this.reserved, this.inUse.get(taskId) ?? []);
    this.inUse.delete(taskId);
  }
}

function node(key: string, patch: Partial<NodeDoc> = {}): NodeDoc {
  return {
    key,
    cluster: 'default',
    generation: Number(key.split('-').pop()),
    state: 'requested',
    wanted: true,
    persistenceId: `${key}-p`,
    reservedPorts: [],
    taskId: key,
    member: false,
    failures: 0,
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    ...patch,
  };
}

const cluster = (patch: Partial<ClusterDoc> = {}): ClusterDoc => ({
  name: 'default',
  state: 'requested',
  riakVersion: 'riak-kv-3.2',
  nextGeneration: 10,
  createdAt: new Date(T0).toISOString(),
  ...patch,
});

/** A world: agents, node records and a clock; `round()` runs one offer batch end to end. */
class World {
  nodes = new Map<string, NodeDoc>();
  clusters = new Map<string, ClusterDoc>([['default', cluster()]]);
  now = T0 + 60_000;
  last!: OfferEvaluation;
  mayPlace: ((key: string) => boolean) | undefined;
  releaseUnknown = new Set<string>();
  /** Operation types Mesos drops (not applied to the agent). */
  dropped = new Set<string>();
  cfg = config;

  constructor(readonly agents: SimAgent[]) {}

  add(...nodes: NodeDoc[]): this {
    for (const n of nodes) this.nodes.set(n.key, n);
    return this;
  }

  round(only?: SimAgent[]): OfferEvaluation {
    const agents = only ?? this.agents;
    const offers = agents.map((a) => a.offer());
    const input: OfferEvaluationInput = {
      instanceId: 'i1',
      releaseUnknown: this.releaseUnknown,
      offers,
      nodes: [...this.nodes.values()],
      clusters: this.clusters,
      config: this.cfg,
      launch: { schedulerUrl: 'http://sched:9090', zookeepers: ['zk:2181'], zookeeperChroot: '' },
      agents: new Map(),
      now: this.now,
      newExecutorId: (n) => `${n.key}-exec`,
      ...(this.mayPlace ? { mayPlace: this.mayPlace } : {}),
    };
    const ev = evaluateOffers(input);
    for (const d of ev.decisions) {
      for (const c of d.changes) this.change(d.node, c);
      const agent = this.agents.find((a) => a.id === d.agentId)!;
      for (const op of d.operations) if (!this.dropped.has(op.type)) agent.apply(op);
    }
    this.last = ev;
    this.now += 1000;
    return ev;
  }

  private change(key: string, c: NodeChange): void {
    if (c.type === 'delete') {
      this.nodes.delete(key);
      return;
    }
    const n = this.nodes.get(key)!;
    this.nodes.set(key, {
      ...n,
      ...c.patch,
      state: c.to,
      updatedAt: new Date(this.now).toISOString(),
    });
  }

  state(key: string): string | undefined {
    return this.nodes.get(key)?.state;
  }

  kinds(): string[] {
    return this.last.decisions.map((d) => `${d.node}:${d.kind}`);
  }
}

const threeAgents = () => [
  new SimAgent('a1', 'host-1', {}, { rack_id: 'r1' }),
  new SimAgent('a2', 'host-2', {}, { rack_id: 'r1' }),
  new SimAgent('a3', 'host-3', {}, { rack_id: 'r2' }),
];

describe('offer evaluator: deploying', () => {
  it('places, creates the volume and launches a node in one batch, recording each step first', () => {
    const w = new World([new SimAgent('a1', 'host-1')]).add(node('riak-default-1'));
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:place']);
    const d = w.last.decisions[0];
    expect(d.operations.map((o) => o.type)).toEqual(['RESERVE', 'CREATE']);
    expect(d.changes).toEqual([expect.objectContaining({ type: 'transition', to: 'reserving' })]);
    expect(w.nodes.get('riak-default-1')).toMatchObject({
      state: 'reserving',
      agentId: 'a1',
      hostname: 'host-1',
      ports: { http: 31000, pb: 31001, disterl: 31002, handoff: 31003, epmd: 31004 },
    });
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
    expect(
      w.last.decisions[0].changes.map((c) => (c.type === 'transition' ? c.to : c.type)),
    ).toEqual(['reserved', 'launching']);
    expect(w.state('riak-default-1')).toBe('launching');
    const launch = w.last.decisions[0].operations[0];
    expect(launch.launch?.task_infos?.[0].task_id.value).toBe('riak-default-1');
  });

  it("launches with the cluster's own cookie, carried only in the task data", () => {
    const w = new World([new SimAgent('a1', 'host-1')]).add(node('riak-default-1'));
    const secret = 'f3a1c2d4e5b60718293a4b5c6d7e8f90';
    w.clusters.set('default', cluster({ cookie: secret }));
    w.round();
    w.round();
    const task = w.last.decisions[0].operations[0].launch!.task_infos![0];
    const data = JSON.parse(Buffer.from(task.data!).toString('utf8')) as { Cookie: string };
    expect(data.Cookie).toBe(secret);
    expect(JSON.stringify({ ...task, data: undefined })).not.toContain(secret);
    // A cluster of an older scheduler not yet given one keeps the old cookie.
    const old = new World([new SimAgent('a1', 'host-1')]).add(node('riak-default-1'));
    old.round();
    old.round();
    const oldTask = old.last.decisions[0].operations[0].launch!.task_infos![0];
    expect(JSON.parse(Buffer.from(oldTask.data!).toString('utf8'))).toMatchObject({
      Cookie: 'riak-default',
    });
  });

  it('puts three nodes on three hosts under hostname UNIQUE, and explains a fourth', () => {
    const w = new World(threeAgents()).add(...[1, 2, 3, 4].map((i) => node(`riak-default-${i}`)));
    w.cfg = { ...config, constraints: parseConstraints([['hostname', 'UNIQUE']]) };
    w.round();
    expect(w.last.decisions.map((d) => `${d.node}@${d.agentId}`)).toEqual([
      'riak-default-1@a1',
      'riak-default-2@a2',
      'riak-default-3@a3',
    ]);
    const why = w.last.pending.get('riak-default-4')!;
    expect(why.offers.map((o) => o.reasons)).toEqual([
      ['hostname UNIQUE: host-1 already holds riak-default-1'],
      ['hostname UNIQUE: host-2 already holds riak-default-2'],
      ['hostname UNIQUE: host-3 already holds riak-default-3'],
    ]);
    expect(why.text).toMatch(/^no offer fits: host-1: hostname UNIQUE: host-1 already holds/);
  });

  it('counts nodes placed in earlier batches from their records (a restarted scheduler)', () => {
    const w = new World(threeAgents()).add(
      node('riak-default-1', {
        state: 'running',
        agentId: 'a1',
        hostname: 'host-1',
        agentAttributes: { rack_id: 'r1' },
      }),
      node('riak-default-2'),
    );
    w.cfg = { ...config, constraints: parseConstraints([['rack_id', 'UNIQUE']]) };
    // Only the agents of rack r1 offer: the node must wait, saying why.
    w.round([w.agents[0], w.agents[1]]);
    expect(w.last.decisions).toEqual([]);
    expect(w.last.pending.get('riak-default-2')!.offers.map((o) => o.reasons[0])).toEqual([
      'rack_id UNIQUE: r1 already holds riak-default-1',
      'rack_id UNIQUE: r1 already holds riak-default-1',
    ]);
    w.round();
    expect(w.last.decisions.map((d) => `${d.node}@${d.agentId}`)).toEqual(['riak-default-2@a3']);
  });

  it("applies a cluster's own constraints on top of the framework's", () => {
    const w = new World(threeAgents()).add(node('riak-default-1'));
    w.clusters.set(
      'default',
      cluster({ constraints: parseConstraints([['rack_id', 'IS', 'r2']]) }),
    );
    w.round();
    expect(w.last.decisions.map((d) => d.agentId)).toEqual(['a3']);
  });

  it('says which resources are short, per offer', () => {
    const w = new World([
      new SimAgent('a1', 'small', { cpus: 0.5 }),
      new SimAgent('a2', 'few-ports', { ports: [31000, 31001] }),
    ]).add(node('riak-default-1'));
    w.round();
    const reasons = w.last.pending.get('riak-default-1')!.offers;
    expect(reasons[0].reasons[0]).toMatch(/^cpus 0\.5 < /);
    expect(reasons[1].reasons).toEqual([expect.stringMatching(/^ports: needs \d+, 2 free$/)]);
  });

  it('leaves nodes a plan holds back, saying so', () => {
    const w = new World(threeAgents()).add(node('riak-default-1'), node('riak-default-2'));
    w.mayPlace = (key) => key === 'riak-default-1';
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:place']);
    expect(w.last.pending.get('riak-default-2')!.text).toBe(
      'waiting for its turn in the deploy plan',
    );
  });

  it('waits for the executor share that comes back in a later offer before launching', () => {
    const a = new SimAgent('a1', 'host-1');
    const w = new World([a]).add(node('riak-default-1'));
    w.round();
    // The agent offers the reservation without the executor's cpus (still held elsewhere).
    const held = [R.scalar('cpus', config.executor.cpus)];
    const reservation = a.reserved.find((r) => r.name === 'cpus')!;
    a.reserved = R.subtractResources(a.reserved, [{ ...reservation, scalar: held[0].scalar }]);
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:volume-ready']);
    expect(w.state('riak-default-1')).toBe('reserved');
    expect(w.last.pending.get('riak-default-1')!.text).toMatch(
      /offers cpus .* of the node's reservation/,
    );
    a.reserved = R.addResources(a.reserved, [{ ...reservation, scalar: held[0].scalar }]);
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
  });

  it('places again a reserving node whose agent offers none of its reservation', () => {
    const w = new World([new SimAgent('a1', 'host-1'), new SimAgent('a2', 'host-2')]).add(
      node('riak-default-1', { state: 'reserving', agentId: 'a1', hostname: 'host-1' }),
    );
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:replace-lost-reservation']);
    expect(w.nodes.get('riak-default-1')).toMatchObject({ state: 'requested' });
    expect(w.nodes.get('riak-default-1')!.agentId).toBeUndefined();
  });
});

describe('offer evaluator: relaunching', () => {
  function running(): { w: World; a: SimAgent } {
    const a = new SimAgent('a1', 'host-1');
    const w = new World([a]).add(node('riak-default-1'));
    w.round();
    w.round();
    w.nodes.set('riak-default-1', { ...w.nodes.get('riak-default-1')!, state: 'running' });
    return { w, a };
  }

  it('relaunches a failed node on its own reservation and volume once its backoff is over', () => {
    const { w, a } = running();
    a.endTask('riak-default-1');
    const until = new Date(w.now + 5000).toISOString();
    w.nodes.set('riak-default-1', {
      ...w.nodes.get('riak-default-1')!,
      state: 'restarting',
      failures: 2,
      relaunchAfter: until,
    });
    w.round();
    expect(w.kinds()).toEqual([]);
    expect(w.last.pending.get('riak-default-1')!.text).toBe(
      `relaunch backoff until ${until} (failures in a row: 2)`,
    );
    w.now += 5000;
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
    const task = w.last.decisions[0].operations[0].launch!.task_infos![0];
    expect(task.resources!.find((r) => r.disk?.persistence)?.disk?.persistence?.id).toBe(
      'riak-default-1-p',
    );
    expect(w.nodes.get('riak-default-1')!.relaunchAfter).toBeUndefined();
  });

  it('relaunches a node on the size its reservation was made with after the node resources were raised', () => {
    const { w, a } = running();
    expect(w.nodes.get('riak-default-1')!.reservedSize).toEqual({
      cpus: config.node.cpus + config.executor.cpus,
      mem: config.node.mem + config.executor.mem,
    });
    a.endTask('riak-default-1');
    w.nodes.set('riak-default-1', { ...w.nodes.get('riak-default-1')!, state: 'restarting' });
    w.cfg = {
      ...config,
      node: { ...config.node, cpus: config.node.cpus * 2, mem: config.node.mem * 2 },
    };
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
    const task = w.last.decisions[0].operations[0].launch!.task_infos![0];
    expect(R.scalarSum(task.resources ?? [], 'cpus')).toBe(config.node.cpus);
    expect(R.scalarSum(task.resources ?? [], 'mem')).toBe(config.node.mem);
    // A node placed after the change gets the raised size.
    w.add(node('riak-default-2'));
    w.round();
    expect(w.nodes.get('riak-default-2')!.reservedSize).toEqual({
      cpus: config.node.cpus * 2 + config.executor.cpus,
      mem: config.node.mem * 2 + config.executor.mem,
    });
  });

  it('does not launch a node whose cluster has a Riak version the scheduler lacks, and says so', () => {
    const { w, a } = running();
    a.endTask('riak-default-1');
    w.nodes.set('riak-default-1', {
      ...w.nodes.get('riak-default-1')!,
      state: 'restarting',
      riakVersion: 'riak-kv-9',
    });
    w.round();
    expect(w.kinds()).toEqual([]);
    expect(w.last.pending.get('riak-default-1')!.text).toBe(
      "the scheduler has no package for Riak version 'riak-kv-9'",
    );
  });

  it('relaunches a node with the version it ran, not a newer one of its cluster', () => {
    const { w, a } = running();
    a.endTask('riak-default-1');
    w.clusters.set('default', cluster({ riakVersion: 'riak-kv-9' }));
    w.nodes.set('riak-default-1', { ...w.nodes.get('riak-default-1')!, state: 'restarting' });
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
    expect(w.nodes.get('riak-default-1')!.riakVersion).toBe('riak-kv-3.2');
  });

  it("records the cluster's target configuration version with each launch", () => {
    const { w, a } = running();
    expect(w.nodes.get('riak-default-1')!.configVersion).toBeUndefined();
    a.endTask('riak-default-1');
    w.clusters.set('default', cluster({ configVersion: 7 }));
    w.nodes.set('riak-default-1', { ...w.nodes.get('riak-default-1')!, state: 'restarting' });
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
    expect(w.nodes.get('riak-default-1')!.configVersion).toBe(7);
  });

  it('does nothing with the reservation of a running node', () => {
    const { w, a } = running();
    a.endTask('riak-default-1');
    w.round();
    expect(w.kinds()).toEqual([]);
    expect(w.last.pending.size).toBe(0);
  });
});

describe('offer evaluator: releasing (data first)', () => {
  function placed(): { w: World; a: SimAgent } {
    const a = new SimAgent('a1', 'host-1');
    const w = new World([a]).add(node('riak-default-1'));
    w.round();
    w.round();
    a.endTask('riak-default-1');
    return { w, a };
  }

  it('keeps a reservation no node record owns, whatever its label says', () => {
    const { w, a } = placed();
    w.nodes.clear();
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:keep-unknown']);
    expect(w.last.decisions[0].operations).toEqual([]);
    expect(a.reserved.some((r) => r.disk?.persistence)).toBe(true);
  });

  it('keeps the reservation of a stopped node that is still wanted', () => {
    const { w, a } = placed();
    w.nodes.set('riak-default-1', { ...w.nodes.get('riak-default-1')!, state: 'shut_down' });
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:launch']);
    expect(a.reserved.length + a.inUse.size).toBeGreaterThan(0);
  });

  it('releases the reservation and volume of a removed node, then forgets the node', () => {
    const { w, a } = placed();
    w.nodes.set('riak-default-1', {
      ...w.nodes.get('riak-default-1')!,
      state: 'shut_down',
      wanted: false,
    });
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:release']);
    expect(w.last.decisions[0].operations.map((o) => o.type)).toEqual(['DESTROY', 'UNRESERVE']);
    expect(a.reserved).toEqual([]);
    expect(w.last.releasedAny).toBe(true);
    // Kept a while (the executor's share may still come back), then forgotten.
    expect(w.nodes.get('riak-default-1')?.state).toBe('unreserving');
    w.round();
    expect(w.kinds()).toEqual([]);
    w.now += FORGET_AFTER_MS;
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:forget']);
    expect(w.nodes.has('riak-default-1')).toBe(false);
  });

  it('releases a reservation offered in two parts, and again what Mesos dropped', () => {
    const { w, a } = placed();
    w.nodes.set('riak-default-1', {
      ...w.nodes.get('riak-default-1')!,
      state: 'unreserving',
      wanted: false,
    });
    // The executor still holds its share: only the task's part is offered.
    const cpus = a.reserved.find((r) => r.name === 'cpus')!;
    const part = { ...cpus, scalar: { value: config.executor.cpus } };
    a.reserved = R.subtractResources(a.reserved, [part]);
    // Mesos drops the UNRESERVE (the DESTROY goes through).
    w.dropped.add('UNRESERVE');
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:release']);
    w.dropped.clear();
    expect(a.reserved.length).toBeGreaterThan(0);
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:release']);
    expect(a.reserved).toEqual([]);
    // The executor exits: its share is offered, and released.
    w.now += FORGET_AFTER_MS;
    a.reserved = R.addResources(a.reserved, [part]);
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:release']);
    expect(w.nodes.get('riak-default-1')?.state).toBe('unreserving');
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:forget']);
    expect(a.reserved).toEqual([]);
  });

  it("releases a replaced node's old reservation on the agent it was moved away from", () => {
    const { w, a } = placed();
    w.nodes.set('riak-default-1', {
      ...w.nodes.get('riak-default-1')!,
      state: 'requested',
      agentId: undefined,
      hostname: undefined,
      persistenceId: 'riak-default-1-new',
    });
    w.round([a]);
    // The old reservation goes; the node itself is placed again from the agent's free resources.
    expect(w.kinds()).toEqual(['riak-default-1:release-replaced', 'riak-default-1:place']);
    expect(a.reserved.filter((r) => r.disk?.persistence?.id === 'riak-default-1-p')).toEqual([]);
    expect(w.nodes.get('riak-default-1')).toMatchObject({ state: 'reserving', agentId: 'a1' });
  });
});

describe('offer evaluator: whose reservation it is', () => {
  function placed(): { w: World; a: SimAgent } {
    const a = new SimAgent('a1', 'host-1');
    const w = new World([a]).add(node('riak-default-1'));
    w.round();
    w.round();
    a.endTask('riak-default-1');
    return { w, a };
  }

  it('labels what it reserves with the framework, instance, cluster, node and volume', () => {
    const { a } = placed();
    const labels = R.reservationOf(a.reserved[0])?.labels?.labels;
    expect(Object.fromEntries((labels ?? []).map((l) => [l.key, l.value]))).toEqual({
      framework: config.name,
      instance: 'i1',
      cluster: 'default',
      node: 'riak-default-1',
      persistence: 'riak-default-1-p',
    });
  });

  it('keeps a reservation made by another instance, even for a node of the same name being removed', () => {
    const { w, a } = placed();
    w.nodes.set('riak-default-1', {
      ...w.nodes.get('riak-default-1')!,
      state: 'shut_down',
      wanted: false,
    });
    const ev = evaluateOffers({
      instanceId: 'i2',
      offers: [a.offer()],
      nodes: [...w.nodes.values()],
      clusters: w.clusters,
      config,
      launch: { schedulerUrl: 'http://s', zookeepers: ['zk:2181'], zookeeperChroot: '' },
      agents: new Map(),
      now: w.now,
      newExecutorId: () => 'e',
    });
    expect(ev.decisions.map((d) => d.kind)).toEqual(['keep-unknown']);
    expect(ev.decisions[0].message).toMatch(/made by another instance .* \(i1\)/);
    expect(ev.decisions[0].operations).toEqual([]);
  });

  it('releases an unknown reservation only when an operator asked for exactly that one', () => {
    const { w, a } = placed();
    w.nodes.clear();
    w.round();
    const id = w.last.decisions[0].reservation!.id;
    w.round();
    expect(w.last.decisions[0].reservation!.id).toBe(id);
    w.releaseUnknown.add('someone-else');
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:keep-unknown']);
    w.releaseUnknown.add(id);
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:release-unknown']);
    expect(w.last.decisions[0].operations.map((o) => o.type)).toEqual(['DESTROY', 'UNRESERVE']);
    expect(a.reserved).toEqual([]);
  });

  it('still releases a removed node’s reservation made by an older scheduler (node label only)', () => {
    const a = new SimAgent('a1', 'host-1');
    const legacy = R.reserve(
      [R.scalar('cpus', config.node.cpus + config.executor.cpus), R.scalar('disk', 64)],
      { role: config.role, labels: { node: 'riak-default-1' } },
    );
    a.free = R.subtractResources(a.free, legacy.map(R.bare));
    a.reserved = legacy;
    const w = new World([a]).add(
      node('riak-default-1', { state: 'shut_down', wanted: false, agentId: 'a1' }),
    );
    w.round();
    expect(w.kinds()).toEqual(['riak-default-1:release']);
  });
});

describe('summarise', () => {
  it('lists every offer and cuts long lines', () => {
    expect(summarise([])).toBe('no offers to place it on');
    const long = summarise(
      Array.from({ length: 30 }, (_, i) => ({
        offerId: `o${i}`,
        agentId: `a${i}`,
        hostname: `host-${i}`,
        reasons: ['cpus 0.5 < 1.1'],
      })),
      100,
    );
    expect(long).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('accumulateRejections', () => {
  const r = (agent: string, reason: string) => ({
    offerId: `${agent}-o`,
    agentId: agent,
    hostname: `host-${agent}`,
    reasons: [reason],
  });

  it('keeps every agent’s latest reason across batches, and forgets old ones', () => {
    const first = accumulateRejections(undefined, [r('a', 'cpus 0.5 < 1')], 0);
    const second = accumulateRejections(first.byAgent, [r('b', 'mem 1 MB < 2 MB')], 1000);
    expect(second.reason.text).toBe('no offer fits: host-a: cpus 0.5 < 1; host-b: mem 1 MB < 2 MB');
    const third = accumulateRejections(second.byAgent, [r('a', 'disk 1 MB < 2 MB')], 2000);
    expect(third.reason.offers.map((o) => o.reasons[0])).toEqual([
      'disk 1 MB < 2 MB',
      'mem 1 MB < 2 MB',
    ]);
    const later = accumulateRejections(
      third.byAgent,
      [r('c', 'ports: needs 10, 0 free')],
      10 * 60_000,
    );
    expect(later.reason.offers.map((o) => o.agentId)).toEqual(['c']);
  });
});
