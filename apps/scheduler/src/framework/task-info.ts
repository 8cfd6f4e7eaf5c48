import type { TaskData } from '@riak-mesos/framework-contract';
import { formatIssues, riakNodeName, taskDataSchema } from '@riak-mesos/framework-contract';
import { createLogger } from '@riak-mesos/logging';
import type { Offer, Resource, TaskInfo } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import type { RiakVersion, SchedulerConfig } from '../config';
import type { NodeDoc } from '../model';
import { executorCredential } from '../api/auth';
import { nodeZkAuth } from '../zk-access';

const log = createLogger('scheduler');

/** Ports every node reserves (as the original): HTTP, PB, distribution, handoff, EPMD, spares. */
export const NODE_PORTS = 10;

/** The reservation that names a node: the framework's role and principal, label `node=<key>`. */
/**
 * Who a reservation belongs to, in its labels: this framework (name and the instance id created
 * once and kept in ZooKeeper), the cluster, the node and its volume's persistence id. The
 * scheduler releases only reservations that carry its own identity and whose node record says
 * they are being released (docs/operations.md, "What the framework will never do to your data").
 */
export interface ReservationOwner {
  instanceId: string;
  cluster: string;
  node: string;
  persistenceId: string;
}

export function reservationFor(config: SchedulerConfig, owner: ReservationOwner) {
  return {
    role: config.role,
    principal: config.principal,
    labels: {
      framework: config.name,
      instance: owner.instanceId,
      cluster: owner.cluster,
      node: owner.node,
      persistence: owner.persistenceId,
    },
  };
}

/** Everything a node reserves: its own resources, the executor's, and its ports. */
export function nodeReservation(
  config: SchedulerConfig,
  owner: ReservationOwner,
  ports: number[],
): Resource[] {
  return R.reserve(
    [
      R.scalar('cpus', R.round(config.node.cpus + config.executor.cpus)),
      R.scalar('mem', R.round(config.node.mem + config.executor.mem)),
      R.scalar('disk', config.node.disk),
      R.ranges('ports', R.rangesOfPorts(ports)),
    ],
    reservationFor(config, owner),
  );
}

/**
 * The reservation (role, principal, labels) of a node's resources as offered: launches use the
 * labels the reservation was made with, so reservations made by an older scheduler (with only a
 * `node` label) still launch.
 */
function offeredReservation(reserved: Resource[], config: SchedulerConfig) {
  const info = reserved.map((r) => R.reservationOf(r)).find((x) => x !== undefined);
  const labels: Record<string, string> = {};
  for (const l of info?.labels?.labels ?? []) if (l.value !== undefined) labels[l.key] = l.value;
  return { role: config.role, principal: info?.principal ?? config.principal, labels };
}

/** Mesos' URI for a package location: URLs as they are, absolute paths as file:// URLs. */
export function fetchUri(location: string): string {
  return location.startsWith('/') ? `file://${location}` : location;
}

export interface LaunchSpec {
  node: NodeDoc;
  offer: Offer;
  frameworkName: string;
  riakVersion: string;
  cookie: string;
  schedulerUrl: string;
  /** PEM the executor trusts for an https `schedulerUrl` (task data `SchedulerCA`). */
  schedulerCa?: string;
  /** Key of the task's API credential (`ApiCredential`, api/auth.ts); none: no credential. */
  executorKey?: string;
  zookeepers: string[];
  zookeeperChroot: string;
  executorId: string;
}

/** The catalogue entry of a Riak version, if the scheduler still has it. */
export function riakPackage(config: SchedulerConfig, name: string): RiakVersion | undefined {
  return config.riakVersions.find((v) => v.name === name);
}

/**
 * Task data for the executor (docs/packages-and-task-data.md, the schema in
 * @riak-mesos/framework-contract); `RiakRootPath` is the root path of the version's catalogue
 * entry. Throws InvalidNodeNameError when the node key and host make no Erlang node name.
 */
export function taskData(
  config: SchedulerConfig,
  s: LaunchSpec,
  pkg: RiakVersion | undefined = riakPackage(config, s.riakVersion),
): TaskData {
  const n = s.node;
  const [http, pb, disterl, handoff] = n.reservedPorts;
  return {
    FullyQualifiedNodeName: riakNodeName(n.key, s.offer.hostname),
    Host: s.offer.hostname,
    Zookeepers: s.zookeepers,
    ZookeeperChroot: s.zookeeperChroot,
    FrameworkName: s.frameworkName,
    URI: s.schedulerUrl,
    ClusterName: n.cluster,
    HTTPPort: http,
    PBPort: pb,
    DisterlPort: disterl,
    HandoffPort: handoff,
    RiakRootPath: pkg?.rootPath ?? 'root',
    PersistentPath: config.persistentPath,
    Cookie: s.cookie,
    ...(s.executorKey
      ? { ApiCredential: executorCredential(s.executorKey, n.cluster, n.taskId) }
      : {}),
    ...(config.zkAuth ? { ZkAuth: nodeZkAuth(config.zkAuth) } : {}),
    ...(s.schedulerCa ? { SchedulerCA: s.schedulerCa } : {}),
    ...(n.replacedName?.includes('@') ? { ReplacesHost: n.replacedName.split('@')[1] } : {}),
  };
}

/**
 * The task data as it will be sent (JSON), checked with the executor's schema; or why the
 * executor would refuse it.
 */
export function checkedTaskData(
  config: SchedulerConfig,
  s: LaunchSpec,
  pkg: RiakVersion,
): { json: string } | { error: string } {
  let data: TaskData;
  try {
    data = taskData(config, s, pkg);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const checked = taskDataSchema.safeParse(data);
  if (!checked.success) return { error: formatIssues(checked.error) };
  return { json: JSON.stringify(data) };
}

/**
 * The task's cpus and mem on a node's reservation: the configured node resources, unless the
 * reservation was made smaller (the configuration was raised since): then whatever it holds
 * beyond the executor's share, so the node always launches where its data is. Raised resources
 * apply to nodes placed after the change (docs/operations.md); a reservation is never grown or
 * remade under a node's data. A lowered configuration simply uses less of the reservation.
 */
export function launchShares(
  config: SchedulerConfig,
  reservedSize: NodeDoc['reservedSize'],
): { cpus: number; mem: number } {
  const wanted = { cpus: config.node.cpus, mem: config.node.mem };
  if (!reservedSize) return wanted;
  return {
    cpus: R.round(Math.min(wanted.cpus, reservedSize.cpus - config.executor.cpus)),
    mem: R.round(Math.min(wanted.mem, reservedSize.mem - config.executor.mem)),
  };
}

/**
 * The TaskInfo that launches a node on the resources reserved for it in `offer`: the node's
 * share and its volume for the task, the executor's share for the executor, so a relaunch on
 * the reservation always fits.
 */
export function buildTask(config: SchedulerConfig, s: LaunchSpec): TaskInfo | undefined {
  const reserved = R.reservedWithLabel(s.offer, config.role, 'node', s.node.key);
  const volume = R.findVolume(s.offer, s.node.persistenceId);
  const pkg = riakPackage(config, s.riakVersion);
  const executorUrl = config.resourceUrls.executor;
  if (!volume || !pkg || !executorUrl) return undefined;
  const reservation = offeredReservation(reserved, config);
  const executorResources = R.reserve(
    [R.scalar('cpus', config.executor.cpus), R.scalar('mem', config.executor.mem)],
    reservation,
  );
  const shares = launchShares(config, s.node.reservedSize);
  if (shares.cpus <= 0 || shares.mem <= 0) return undefined;
  const ports = reserved.filter((r) => r.name === 'ports');
  const taskResources = [
    ...R.reserve([R.scalar('cpus', shares.cpus), R.scalar('mem', shares.mem)], reservation),
    ...ports,
    volume,
  ];
  if (!R.containsResources(s.offer.resources ?? [], [...taskResources, ...executorResources]))
    return undefined;
  const data = checkedTaskData(config, s, pkg);
  if ('error' in data) {
    log.error('the task data of a node breaks the executor contract; not launching it', {
      node: s.node.key,
      error: data.error,
    });
    return undefined;
  }
  const env = [{ name: 'LOG_FORMAT', value: 'json' }];
  if (config.nodeIface) env.push({ name: 'RIAK_MESOS_NODE_IFACE', value: config.nodeIface });
  if (process.env.PATH) env.push({ name: 'PATH', value: process.env.PATH });
  return {
    name: `${s.frameworkName}-${s.node.cluster}`,
    task_id: { value: s.node.taskId },
    agent_id: s.offer.agent_id,
    resources: taskResources,
    executor: {
      executor_id: { value: s.executorId },
      name: `riak-mesos-executor ${s.node.key}`,
      source: s.frameworkName,
      command: {
        value: 'exec ./riak_mesos_executor/bin/riak-mesos-executor',
        shell: true,
        uris: [executorUrl, pkg.url].map((u) => ({
          value: fetchUri(u),
          extract: true,
          executable: false,
        })),
        environment: { variables: env },
      },
      resources: executorResources,
    },
    labels: R.labels({ node: s.node.key, cluster: s.node.cluster, riak_version: s.riakVersion }),
    data: Buffer.from(data.json),
  };
}
