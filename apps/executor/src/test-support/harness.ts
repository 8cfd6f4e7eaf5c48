/**
 * What the executor's integration tests run against: the built packages, local Mesos as its own
 * process, a real ZooKeeper, a small scheduler written for the tests (reserve, create a volume,
 * launch, as the real scheduler does), and an HTTP server standing in for the scheduler's
 * template routes.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Offer, TaskInfo, TaskStatus } from '@riak-mesos/mesos';
import { SchedulerClient, resources as R } from '@riak-mesos/mesos';
import { EXECUTOR_PACKAGE, requireRiakPackage, waitFor } from '@riak-mesos/testing';

export { buildNodePackages as buildArtifacts, startLocalMesos } from '@riak-mesos/testing';
export type { LocalMesos } from '@riak-mesos/testing';

/** The scheduler's template routes: 404 unless a template was set. */
export async function startTemplateServer(): Promise<{
  url: string;
  templates: Map<string, string>;
  requests: string[];
  close(): Promise<void>;
}> {
  const templates = new Map<string, string>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = templates.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end('{"error":"no template"}');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    templates,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface NodeSpec {
  key: string;
  agentId: string;
  data: Record<string, unknown>;
  ports: number[];
}

/** A scheduler written for the tests: reserve + volume + launch, messages, acknowledgements. */
export class TestScheduler {
  readonly client: SchedulerClient;
  offers: Offer[] = [];
  updates: TaskStatus[] = [];
  messages: Record<string, unknown>[] = [];
  /** Updates (`update <task> <state>`) and answers (`message <id>`) in the order they arrived. */
  arrivals: string[] = [];

  /** The Riak package launched with the executor: the real release unless a test says otherwise. */
  constructor(
    master: string,
    readonly riakPackage = requireRiakPackage(),
  ) {
    this.client = new SchedulerClient({
      master,
      frameworkInfo: {
        user: 'root',
        name: 'executor-test',
        role: 'riak',
        principal: 'riak',
        checkpoint: true,
        failover_timeout: 60,
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
      this.arrivals.push(`update ${s.task_id.value} ${s.state}`);
      if (s.uuid?.length)
        void this.client.acknowledge(s.agent_id!, s.task_id, s.uuid).catch(() => undefined);
    });
    this.client.on('message', (m) => {
      try {
        const message = JSON.parse(m.data.toString()) as Record<string, unknown>;
        this.messages.push(message);
        this.arrivals.push(`message ${String(message.id)}`);
      } catch {
        this.messages.push({ raw: m.data.toString() });
      }
    });
    this.client.on('error', () => undefined);
  }

  async start(): Promise<this> {
    this.client.start();
    await waitFor(() => this.client.subscribed, { what: 'subscription', timeoutMs: 20000 });
    return this;
  }

  /** The next offer from the agent that satisfies `pred`; others from it are declined. */
  async offerMatching(
    agentId: string,
    pred: (o: Offer) => boolean,
    timeoutMs = 30000,
  ): Promise<Offer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.offers.filter((x) => x.agent_id.value === agentId);
      const hit = from.find(pred);
      if (hit) {
        this.offers = this.offers.filter((x) => x !== hit);
        return hit;
      }
      if (from.length) {
        this.offers = this.offers.filter((x) => !from.includes(x));
        await this.client.decline(
          from.map((o) => o.id),
          { refuse_seconds: 0 },
        );
      }
      if (Date.now() > deadline)
        throw new Error(`no matching offer from ${agentId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async offerFrom(agentId: string, pred: (o: Offer) => boolean = () => true): Promise<Offer> {
    const o = await waitFor(
      () => this.offers.find((x) => x.agent_id.value === agentId && pred(x)),
      {
        timeoutMs: 20000,
        what: `an offer from ${agentId}`,
      },
    );
    this.offers = this.offers.filter((x) => x !== o);
    return o;
  }

  /** Waits for one of `states`; a launch Mesos refused (TASK_ERROR, TASK_DROPPED) fails at once. */
  async update(
    taskId: string,
    states: string[],
    after = 0,
    timeoutMs = 120000,
  ): Promise<TaskStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = this.updates.slice(after).filter((u) => u.task_id.value === taskId);
      const found = mine.find((u) => states.includes(u.state));
      if (found) return found;
      const refused = mine.find((u) => ['TASK_ERROR', 'TASK_DROPPED'].includes(u.state));
      if (refused) throw new Error(`${refused.state} for ${taskId}: ${refused.message ?? ''}`);
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${states.join('/')} for ${taskId}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async reply(id: string, timeoutMs = 120000): Promise<Record<string, unknown>> {
    return waitFor(() => this.messages.find((m) => m.id === id), {
      timeoutMs,
      what: `the answer to ${id}`,
    });
  }

  /** Reserves 6 ports (the sixth for Riak's cluster manager) and resources with a volume on the agent; answers the offer holding them. */
  async reserve(key: string, agentId: string): Promise<{ offer: Offer; ports: number[] }> {
    // Only unreserved resources can be reserved: an offer may also hold what an earlier task
    // reserved (and left when it ended), so both the offer and its ports are picked from those.
    const offer = await this.offerFrom(agentId, (o) => {
      const free = R.unreservedOf(o);
      return (
        R.scalarSum(free, 'cpus') >= 0.6 &&
        R.scalarSum(free, 'mem') >= 288 &&
        R.scalarSum(free, 'disk') >= 64 &&
        R.countRanges(R.rangesOf(free, 'ports')) >= 6
      );
    });
    const ports = R.portsOf(R.rangesOf(R.unreservedOf(offer), 'ports')).slice(0, 6);
    const reserved = R.reserve(
      [
        R.scalar('cpus', 0.6),
        R.scalar('mem', 288),
        R.scalar('disk', 64),
        R.ranges('ports', R.rangesOfPorts(ports)),
      ],
      { role: 'riak', principal: 'riak', labels: { node: key } },
    );
    const disk = reserved.find((r) => r.name === 'disk')!;
    await this.client.accept(
      [offer.id],
      [
        { type: 'RESERVE', reserve: { resources: reserved } },
        {
          type: 'CREATE',
          create: { volumes: [R.persistentVolume(disk, `vol-${key}`, 'data', 'riak')] },
        },
      ],
      { refuse_seconds: 0 },
    );
    const withVolume = await this.offerFrom(
      agentId,
      (o) => R.findVolume(o, `vol-${key}`) !== undefined,
    );
    return { offer: withVolume, ports };
  }

  /** Launches the real executor package with the Riak package on the reserved resources. */
  async launch(
    offer: Offer,
    key: string,
    data: Record<string, unknown>,
    executorId = `${key}-exec-${Date.now()}`,
  ): Promise<TaskInfo> {
    const reserved = R.reservedWithLabel(offer, 'riak', 'node', key).filter(
      (r) => !r.disk?.persistence,
    );
    const volume = R.findVolume(offer, `vol-${key}`)!;
    // The executor runs on the node's reservation too, so a relaunch always fits.
    const reservation = { role: 'riak', principal: 'riak', labels: { node: key } };
    const executorResources = R.reserve([R.scalar('cpus', 0.1), R.scalar('mem', 32)], reservation);
    const taskResources = [
      ...R.reserve([R.scalar('cpus', 0.5), R.scalar('mem', 256)], reservation),
      ...reserved.filter((r) => r.name === 'ports'),
      volume,
    ];
    const task: TaskInfo = {
      name: `riak-${key}`,
      task_id: { value: key },
      agent_id: offer.agent_id,
      resources: taskResources,
      executor: {
        executor_id: { value: executorId },
        name: 'riak-mesos-executor',
        command: {
          value: 'exec ./riak_mesos_executor/bin/riak-mesos-executor',
          shell: true,
          uris: [EXECUTOR_PACKAGE, this.riakPackage].map((p) => ({
            value: pathToFileURL(p).href,
            extract: true,
          })),
          environment: {
            variables: [
              { name: 'LOG_LEVEL', value: 'info' },
              { name: 'RIAK_MESOS_READY_TIMEOUT', value: '120' },
              { name: 'RIAK_MESOS_ZK_SESSION_TIMEOUT', value: '4' },
              // A short drain between unpublishing a node and stopping its Riak, for quick tests.
              { name: 'RIAK_MESOS_DRAIN', value: '2' },
              { name: 'PATH', value: process.env.PATH ?? '/usr/bin:/bin' },
            ],
          },
        },
        resources: executorResources,
      },
      data: Buffer.from(JSON.stringify(data)),
    };
    await this.client.accept([offer.id], [{ type: 'LAUNCH', launch: { task_infos: [task] } }], {
      refuse_seconds: 0,
    });
    return task;
  }

  async send(agentId: string, executorId: string, message: Record<string, unknown>): Promise<void> {
    await this.client.message(
      { value: agentId },
      { value: executorId },
      Buffer.from(JSON.stringify({ version: 1, ...message })),
    );
  }
}
