import { Command } from 'commander';
import { createLogger } from '@riak-mesos/logging';
import type { AgentSpec } from './cluster';
import { startMesosLocal } from './cluster';

const logger = createLogger('mesos-local');

function fail(message: string): never {
  process.stderr.write(`mesos-local: ${message}\n`);
  process.exit(2);
}

function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    fail(`${name} must be a positive whole number, got '${v}'`);
  return Number(v);
}

const program = new Command('mesos-local')
  .description(
    'A local Mesos master with agents (v1 scheduler and executor APIs) for development and tests',
  )
  .option('--agents <n>', 'number of agents', '3')
  .option(
    '--port-base <port>',
    "first port of the agents' port ranges (200 each; default random in 10000-32767)",
  )
  .option('--port <port>', 'master port', '5050')
  .option('--work-dir <dir>', 'sandboxes, volumes and state', `${process.cwd()}/tmp/mesos-local`)
  .option('--agent-cpus <n>', 'CPUs per agent', '4')
  .option('--agent-mem <mb>', 'memory per agent (MB)', '8192')
  .option('--agent-disk <mb>', 'disk per agent (MB)', '40960')
  .option('--heartbeat-interval <s>', 'scheduler heartbeat interval', '5')
  .option(
    '--agent-ping-timeout <ms>',
    'how long a stopped agent takes to become unreachable',
    '3000',
  )
  .option(
    '--principal <principal:secret...>',
    'require HTTP basic authentication with these credentials',
  )
  .option(
    '--simulate-tasks',
    'benchmarks only: run no task processes; agents report tasks STARTING, RUNNING and KILLED themselves (up to 5000 agents)',
  )
  .action(async (o: Record<string, string | string[] | undefined>) => {
    const n = positiveInt('--agents', o.agents as string);
    const simulateTasks = Boolean(o.simulateTasks);
    if (n > (simulateTasks ? 5000 : 100))
      fail(
        `--agents: at most ${simulateTasks ? 5000 : 100}${simulateTasks ? '' : ' (5000 with --simulate-tasks)'}, got ${n}`,
      );
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      fail(`--port must be 0-65535, got '${String(o.port)}'`);
    const portBase = o.portBase === undefined ? undefined : Number(o.portBase);
    if (
      portBase !== undefined &&
      (!Number.isInteger(portBase) ||
        portBase < 1024 ||
        portBase + (simulateTasks ? 1 : n) * 200 > 65535)
    )
      fail(
        `--port-base must be a port from 1024 leaving room for ${simulateTasks ? 1 : n} range(s) of 200, got '${String(o.portBase)}'`,
      );
    const spec: AgentSpec = {
      cpus: Number(o.agentCpus),
      mem: Number(o.agentMem),
      disk: Number(o.agentDisk),
    };
    if (![spec.cpus, spec.mem, spec.disk].every((x) => Number.isFinite(x) && x! > 0))
      fail('agent resources must be positive numbers');
    for (const c of (o.principal as string[] | undefined) ?? [])
      if (!c.includes(':')) fail(`--principal needs principal:secret, got '${c}'`);
    const cluster = await startMesosLocal({
      agents: Array.from({ length: n }, (_, i) => ({
        ...spec,
        attributes: { rack_id: `rack-${(i % 2) + 1}` },
      })),
      port,
      ...(portBase !== undefined ? { portBase } : {}),
      workDir: o.workDir as string,
      heartbeatIntervalSeconds: Number(o.heartbeatInterval),
      agentPingTimeoutMs: Number(o.agentPingTimeout),
      credentials: o.principal as string[] | undefined,
      simulateTasks,
      logger,
    });
    process.stdout.write(
      `${JSON.stringify({ master: cluster.masterUrl, agents: cluster.agents.map((a) => ({ id: a.id, endpoint: `${a.ip}:${a.port}` })) })}\n`,
    );
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('stopping', { signal: sig });
      cluster.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

const ADMIN: Record<string, (args: string[]) => string> = {
  'stop-agent': ([id]) => `agents/${encodeURIComponent(id)}/stop`,
  'start-agent': ([id]) => `agents/${encodeURIComponent(id)}/start`,
  'kill-executor': ([fw, ex]) =>
    `executors/${encodeURIComponent(fw)}/${encodeURIComponent(ex)}/kill`,
  'drop-stream': ([fw]) => `frameworks/${encodeURIComponent(fw)}/drop-stream`,
  failover: () => 'master/failover',
  offer: ([fw]) => `frameworks/${encodeURIComponent(fw)}/offer`,
};
const ARITY: Record<string, number> = {
  'stop-agent': 1,
  'start-agent': 1,
  'kill-executor': 2,
  'drop-stream': 1,
  failover: 0,
  offer: 1,
};

program
  .command('admin <action> [args...]')
  .description(
    'fault injection on a running mesos-local: stop-agent ID, start-agent ID, kill-executor FRAMEWORK EXECUTOR, drop-stream FRAMEWORK, failover, offer FRAMEWORK (an offer batch now, even when suppressed)',
  )
  .option('--master <url>', 'the mesos-local master', 'http://127.0.0.1:5050')
  .action(async (action: string, args: string[], o: { master: string }) => {
    const route = ADMIN[action];
    if (!route) fail(`unknown admin action '${action}'; use ${Object.keys(ADMIN).join(', ')}`);
    if (args.length !== ARITY[action]) fail(`${action} takes ${ARITY[action]} argument(s)`);
    const res = await fetch(`${o.master.replace(/\/+$/, '')}/admin/${route(args)}`, {
      method: 'POST',
    }).catch((err: Error) => fail(`cannot reach ${o.master}: ${err.message}`));
    const text = await res.text();
    if (!res.ok) fail(`${action} failed: ${res.status} ${text}`);
    process.stdout.write(`${action}: done\n`);
  });

program.parseAsync(process.argv).catch((err: Error) => fail(err.message));
