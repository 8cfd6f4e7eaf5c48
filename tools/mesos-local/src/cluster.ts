import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { Attribute, Resource } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import { Agent } from './agent';
import { HttpAnswer, Master } from './master';

export interface AgentSpec {
  cpus?: number;
  mem?: number;
  disk?: number;
  /** Inclusive port range; default `portBase` + 200 × index, 200 ports. */
  ports?: [number, number];
  attributes?: Record<string, string>;
}

export interface MesosLocalOptions {
  agents?: number | AgentSpec[];
  /** Master port (0 for any free port). */
  port?: number;
  host?: string;
  workDir: string;
  logger?: Logger;
  heartbeatIntervalSeconds?: number;
  allocationIntervalMs?: number;
  agentPingTimeoutMs?: number;
  executorRegistrationTimeoutMs?: number;
  executorReregisterTimeoutMs?: number;
  statusRetryMs?: number;
  executorShutdownGraceMs?: number;
  /**
   * First port of the agents' port ranges (agent i offers portBase + 200 i … + 199). Default: a
   * random multiple of 200 from 10000 up, below Linux's ephemeral ports (32768…): tasks of two
   * local Mesos instances on one machine (parallel test runs, `local up` beside the tests) bind
   * loopback ports such as the EPMD replacement's, and must not be offered the same ones.
   */
  portBase?: number;
  /** `principal:secret` pairs; when given, the scheduler API requires HTTP basic authentication. */
  credentials?: string[];
  /**
   * For benchmarks only: agents start no process for a task; they report TASK_STARTING and
   * TASK_RUNNING at once, and TASK_KILLED when it is killed. Reservations and volumes work as
   * usual. Allows up to 5,000 agents (addresses 127.0.x.y), all offering the same port range.
   */
  simulateTasks?: boolean;
}

export interface MesosLocal {
  readonly masterUrl: string;
  readonly master: Master;
  readonly agents: Agent[];
  state(): ReturnType<Master['state']>;
  stopAgent(id: string): Promise<void>;
  startAgent(id: string): Promise<void>;
  /** SIGKILL to an executor's (or command task's) whole process group. */
  killExecutor(frameworkId: string, executorId: string): boolean;
  dropFrameworkStream(frameworkId: string): boolean;
  failover(): void;
  /** An offer batch to the framework now, even if it is suppressed or filters (benchmarks). */
  offerNow(frameworkId: string): number;
  close(): Promise<void>;
}

export const PORTS_PER_AGENT = 200;
const PORT_FLOOR = 10000;
const EPHEMERAL_FLOOR = 32768;

/** A random first port for `agents` agents' ranges, below the ephemeral ports. */
export function randomPortBase(agents: number): number {
  const slots = Math.floor((EPHEMERAL_FLOOR - PORT_FLOOR) / PORTS_PER_AGENT) - agents;
  if (slots < 1) throw new Error(`too many agents for distinct port ranges: ${agents}`);
  return PORT_FLOOR + Math.floor(Math.random() * slots) * PORTS_PER_AGENT;
}

/** Agent i's loopback address: 127.0.0.(i+2) for the first ones, then 127.0.1.0 and on. */
export function agentAddress(i: number): string {
  const n = i + 2;
  return `127.${Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

function agentResources(
  i: number,
  spec: AgentSpec,
  portBase: number,
  sharedPorts: boolean,
): Resource[] {
  const first = portBase + (sharedPorts ? 0 : i * PORTS_PER_AGENT);
  const ports = spec.ports ?? [first, first + PORTS_PER_AGENT - 1];
  return [
    R.scalar('cpus', spec.cpus ?? 4),
    R.scalar('mem', spec.mem ?? 8192),
    R.scalar('disk', spec.disk ?? 40960),
    R.ranges('ports', [ports]),
  ].map((r) => ({ ...r, role: '*' }));
}

function agentAttributes(i: number, spec: AgentSpec): Attribute[] {
  const attrs = spec.attributes ?? { rack_id: `rack-${(i % 2) + 1}` };
  return Object.entries(attrs).map(([name, value]) => ({ name, type: 'TEXT', text: { value } }));
}

/** Starts a local Mesos master with agents on loopback (agent i at 127.0.0.(i+2)). */
export async function startMesosLocal(options: MesosLocalOptions): Promise<MesosLocal> {
  const logger = options.logger ?? createLogger('mesos-local');
  await mkdir(options.workDir, { recursive: true });
  const credentials = new Map(
    (options.credentials ?? []).map((c) => [
      c.slice(0, c.indexOf(':')),
      c.slice(c.indexOf(':') + 1),
    ]),
  );
  const master = new Master({
    logger: logger.child({ role: 'master' }),
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? 5,
    allocationIntervalMs: options.allocationIntervalMs ?? 500,
    agentPingTimeoutMs: options.agentPingTimeoutMs ?? 3000,
    credentials,
  });
  const specs: AgentSpec[] =
    typeof options.agents === 'number' || options.agents === undefined
      ? Array.from({ length: options.agents ?? 3 }, () => ({}))
      : options.agents;
  const simulate = options.simulateTasks ?? false;
  if (!simulate && specs.length > 100)
    throw new Error('at most 100 agents (one loopback address each)');
  if (specs.length > 5000) throw new Error('at most 5000 agents');
  // Simulated tasks bind nothing: every agent (its own address) offers the same port range.
  const portBase = options.portBase ?? randomPortBase(simulate ? 1 : specs.length);
  const agents = specs.map(
    (spec, i) =>
      new Agent({
        id: `${master.id}-S${i}`,
        ip: agentAddress(i),
        port: 0,
        workDir: options.workDir,
        simulateTasks: simulate,
        resources: agentResources(i, spec, portBase, simulate),
        attributes: agentAttributes(i, spec),
        logger: logger.child({ role: 'agent' }),
        master,
        executorRegistrationTimeoutMs: options.executorRegistrationTimeoutMs ?? 60000,
        executorReregisterTimeoutMs: options.executorReregisterTimeoutMs ?? 5000,
        statusRetryMs: options.statusRetryMs ?? 2000,
        executorShutdownGraceMs: options.executorShutdownGraceMs ?? 5000,
      }),
  );
  for (const a of agents) {
    await a.start();
    master.addAgent(a);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const answer = (status: number, body: unknown) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const run = async () => {
      if (url.pathname === '/api/v1/scheduler' && req.method === 'POST')
        return master.handleScheduler(req, res);
      if (url.pathname === '/api/v1' && req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        let call: { type?: unknown };
        try {
          call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: unknown };
        } catch {
          throw new HttpAnswer(400, 'the operator call is not JSON');
        }
        const reply = master.operator(call);
        if (reply === undefined)
          throw new HttpAnswer(400, `operator call ${String(call.type)} is not simulated`);
        return answer(200, reply);
      }
      if (
        (url.pathname === '/master/state' ||
          url.pathname === '/state' ||
          url.pathname === '/master/state.json') &&
        req.method === 'GET'
      )
        return answer(200, master.state());
      if (url.pathname === '/health') return answer(200, { status: 'OK' });
      const offer = /^\/admin\/frameworks\/([^/]+)\/offer$/.exec(url.pathname);
      if (offer && req.method === 'POST')
        return answer(200, { offers: cluster.offerNow(decodeURIComponent(offer[1])) });
      const m =
        /^\/admin\/(agents\/([^/]+)\/(stop|start)|executors\/([^/]+)\/([^/]+)\/kill|frameworks\/([^/]+)\/drop-stream|master\/failover)$/.exec(
          url.pathname,
        );
      if (m && req.method === 'POST') {
        if (m[2] && m[3] === 'stop') await cluster.stopAgent(decodeURIComponent(m[2]));
        else if (m[2]) await cluster.startAgent(decodeURIComponent(m[2]));
        else if (m[4]) {
          if (!cluster.killExecutor(decodeURIComponent(m[4]), decodeURIComponent(m[5])))
            throw new HttpAnswer(404, 'no such executor');
        } else if (m[6]) {
          if (!cluster.dropFrameworkStream(decodeURIComponent(m[6])))
            throw new HttpAnswer(404, 'no such connected framework');
        } else cluster.failover();
        return answer(200, { ok: true });
      }
      throw new HttpAnswer(404, `no route for ${req.method} ${url.pathname}`);
    };
    run().catch((err: Error) => {
      const status = err instanceof HttpAnswer ? err.status : 500;
      if (status === 500) logger.error('request failed', { path: url.pathname, error: err.stack });
      if (!res.headersSent)
        res.writeHead(status, { 'content-type': 'text/plain' }).end(err.message);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5050, host, () => resolve());
  });
  master.port = (server.address() as { port: number }).port;
  master.host = host;
  master.start();
  const masterUrl = `http://${host}:${master.port}`;
  logger.info('mesos-local started', {
    master: masterUrl,
    agents: agents.map((a) => `${a.id}@${a.ip}:${a.port}`),
  });

  const find = (id: string) => {
    const a = agents.find((x) => x.id === id || x.ip === id || String(agents.indexOf(x)) === id);
    if (!a) throw new HttpAnswer(404, `no agent ${id}`);
    return a;
  };
  const cluster: MesosLocal = {
    masterUrl,
    master,
    agents,
    state: () => master.state(),
    async stopAgent(id) {
      const a = find(id);
      await a.stop();
      master.agentDown(a);
    },
    async startAgent(id) {
      const a = find(id);
      await a.start();
      await a.recover();
    },
    killExecutor(frameworkId, executorId) {
      for (const a of agents) {
        const p = a.executorProcess(frameworkId, executorId);
        if (p) {
          p.signal('SIGKILL');
          return true;
        }
      }
      return false;
    },
    dropFrameworkStream: (id) => master.dropStream(id),
    failover: () => master.failover(),
    offerNow: (id) => master.allocate(id),
    async close() {
      master.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all(agents.map((a) => a.destroy()));
      logger.info('mesos-local stopped');
    },
  };
  return cluster;
}
