import type { Logger } from '@riak-mesos/logging';
import type { OperatorTask } from '@riak-mesos/mesos';
import {
  getAgentsAnswerSchema,
  getTasksAnswerSchema,
  labelRecord,
  reservationLabels,
  resources as R,
} from '@riak-mesos/mesos';
import { formatIssues } from '@riak-mesos/framework-contract';
import { isValidName } from '@riak-mesos/zk';
import type { SchedulerConfig } from '../config';
import type { ClusterDoc, NodeDoc } from '../model';
import { nodeKey } from '../model';
import type { SchedulerStore } from '../store';
import type { OrphanTasks } from './orphan-tasks';

/** Adopting an orphan: the node record made, or why not (an HTTP status and a message). */
export type Adoption =
  | { ok: true; node: NodeDoc; nextGeneration: number }
  | { ok: false; status: 404 | 409 | 422 | 503; message: string; field?: string };

export interface AdoptionInput {
  taskId: string;
  /** The task as the master's operator API shows it (GET_TASKS); undefined: Mesos has none. */
  task: OperatorTask | undefined;
  /** Its agent's host name (GET_AGENTS). */
  hostname: string | undefined;
  config: Pick<SchedulerConfig, 'name' | 'executor'>;
  /** This framework instance's id (reservations carry it); undefined: none made yet. */
  instanceId: string | undefined;
  clusters: ReadonlyMap<string, ClusterDoc>;
  /** Node keys with a record. */
  nodes: ReadonlySet<string>;
  now: Date;
}

const refuse = (
  status: 404 | 409 | 422,
  message: string,
  field?: string,
): Extract<Adoption, { ok: false }> => ({
  ok: false,
  status,
  message,
  ...(field ? { field } : {}),
});

/**
 * The node record an orphan task (one Mesos runs for this framework and no record owns, e.g.
 * after ZooKeeper was restored from an older copy) gets back, from what Mesos and the task's
 * reservation labels say (a pure function): the cluster, node key and persistence id from the
 * labels every reservation carries (task-info.ts `reservationFor`), the agent, host, ports and
 * volume from the task. Refused (nothing written) unless the labels prove the task is this
 * framework instance's, its volume is the one the labels name, its cluster exists and its node
 * key is free. The record starts as `launching` with the running task's ids: reconciliation then
 * confirms it running, and the ring logic decides membership as for any running node (a join of
 * a node already in the ring is answered as done; the first node of a cluster seeds it).
 */
export function adoptionOf(i: AdoptionInput): Adoption {
  const t = i.task;
  if (!t) return refuse(404, `Mesos reports no running task '${i.taskId}' of this framework`);
  if (t.state !== 'TASK_RUNNING')
    return refuse(409, `task '${i.taskId}' is ${t.state}; only a running task is adopted`);
  const reserved = t.resources
    .map(reservationLabels)
    .filter((l): l is Record<string, string> => l !== undefined);
  const labels = reserved.find((l) => l.node !== undefined) ?? {};
  const field = 'labels';
  if (labels.framework !== i.config.name)
    return refuse(
      422,
      `task '${i.taskId}' runs on reservations of framework '${labels.framework ?? '(none)'}', not '${i.config.name}'`,
      field,
    );
  if (!labels.instance || labels.instance !== i.instanceId)
    return refuse(
      422,
      `task '${i.taskId}' runs on reservations of another framework instance (${labels.instance ?? 'no instance label'}; this one is ${i.instanceId ?? 'without reservations yet'}): it is not adopted`,
      field,
    );
  const { cluster, node: key, persistence } = labels;
  if (!cluster || !key || !persistence)
    return refuse(
      422,
      `task '${i.taskId}': its reservation names no cluster, node or persistence id`,
      field,
    );
  const generation = Number(/-(\d+)$/.exec(key)?.[1]);
  if (
    !isValidName(cluster) ||
    !isValidName(key) ||
    !Number.isInteger(generation) ||
    generation < 1 ||
    key !== nodeKey(i.config.name, cluster, generation)
  )
    return refuse(
      422,
      `task '${i.taskId}': node key '${key}' is not a node of cluster '${cluster}'`,
      field,
    );
  const volume = t.resources.find((r) => r.disk?.persistence?.id === persistence);
  if (!volume)
    return refuse(
      422,
      `task '${i.taskId}' has no volume '${persistence}', the one its reservation names`,
    );
  const c = i.clusters.get(cluster);
  if (!c)
    return refuse(
      422,
      `cluster '${cluster}' of task '${i.taskId}' does not exist: create it first (same name), then adopt`,
      'cluster',
    );
  if (c.state === 'shutting_down' || c.state === 'shutdown')
    return refuse(409, `cluster '${cluster}' is being destroyed`, 'cluster');
  if (i.nodes.has(key)) return refuse(409, `node '${key}' already has a record`, 'node');
  const ports = t.resources
    .filter((r) => r.name === 'ports')
    .flatMap((r) => (r.ranges?.range ?? []).flatMap((g) => range(g.begin, g.end)))
    .sort((a, b) => a - b);
  if (ports.length < 5)
    return refuse(422, `task '${i.taskId}' holds ${ports.length} port(s); a node has at least 5`);
  // Ports are placed in ascending order (offer-evaluator.ts): HTTP, PB, distribution, handoff, EPMD.
  const [http, pb, disterl, handoff, epmd] = ports;
  const sum = (name: string) =>
    R.round(
      t.resources.filter((r) => r.name === name).reduce((s, r) => s + (r.scalar?.value ?? 0), 0),
    );
  const at = i.now.toISOString();
  const node: NodeDoc = {
    key,
    cluster,
    generation,
    state: 'launching',
    wanted: true,
    agentId: t.agent_id.value,
    ...(i.hostname ? { hostname: i.hostname } : {}),
    persistenceId: persistence,
    reservedPorts: ports,
    // The task's share and the executor's (as configured: GET_TASKS does not show it).
    reservedSize: {
      cpus: R.round(sum('cpus') + i.config.executor.cpus),
      mem: R.round(sum('mem') + i.config.executor.mem),
    },
    ports: { http, pb, disterl, handoff, epmd },
    taskId: t.task_id.value,
    ...(t.executor_id ? { executorId: t.executor_id.value } : {}),
    lastTaskState: t.state,
    lastTaskMessage: 'adopted from an orphan task',
    ...(labelRecord(t.labels).riak_version
      ? { riakVersion: labelRecord(t.labels).riak_version }
      : {}),
    member: false,
    failures: 0,
    createdAt: at,
    updatedAt: at,
  };
  return { ok: true, node, nextGeneration: Math.max(c.nextGeneration, generation + 1) };
}

function range(begin: number, end: number): number[] {
  return end - begin > 1000 ? [] : Array.from({ length: end - begin + 1 }, (_, k) => begin + k);
}

export interface AdoptDeps {
  config: SchedulerConfig;
  store: SchedulerStore;
  orphans: OrphanTasks;
  frameworkId: string | undefined;
  /** The master's operator API (SchedulerClient.operatorCall). */
  operator(call: { type: string }): Promise<unknown>;
  /** Asks Mesos for the task's state again (explicit reconciliation). */
  reconcile(node: NodeDoc): Promise<void>;
  log: Logger;
}

/**
 * `POST /api/v1/debug/orphans/{task}/adopt`: reads the task and its agent from the master,
 * decides (adoptionOf), writes the record (and the cluster's next generation) in one transaction,
 * and asks Mesos for the task's state so the lifecycle takes it on.
 */
export async function adoptOrphan(d: AdoptDeps, taskId: string): Promise<Adoption> {
  if (!d.orphans.get(taskId))
    return refuse(404, `no task '${taskId}' without a node record is known to this scheduler`);
  const tasks = getTasksAnswerSchema.safeParse(await d.operator({ type: 'GET_TASKS' }));
  const agents = getAgentsAnswerSchema.safeParse(await d.operator({ type: 'GET_AGENTS' }));
  if (!tasks.success || !agents.success)
    return {
      ok: false,
      status: 503,
      message: `the Mesos master's operator API answered outside what the scheduler understands: ${formatIssues((tasks.success ? agents : tasks).error!)}`,
    };
  const task = tasks.data.get_tasks.tasks.find(
    (t) => t.task_id.value === taskId && t.framework_id.value === d.frameworkId,
  );
  const agent = task
    ? agents.data.get_agents.agents.find((a) => a.agent_info.id?.value === task.agent_id.value)
    : undefined;
  const scheduler = await d.store.getScheduler();
  const result = adoptionOf({
    taskId,
    task,
    hostname: agent?.agent_info.hostname,
    config: d.config,
    instanceId: scheduler.instanceId,
    clusters: new Map((await d.store.listClusters()).map((c) => [c.name, c])),
    nodes: new Set((await d.store.listNodes()).map((n) => n.key)),
    now: new Date(),
  });
  if (!result.ok) {
    d.log.warn('orphan task not adopted', { task: taskId, reason: result.message });
    return result;
  }
  await d.store.adoptNode(result.node, result.nextGeneration);
  d.orphans.owned(taskId);
  d.log.warn('adopted an orphan task into a node record, as an operator asked', {
    task: taskId,
    node: result.node.key,
    cluster: result.node.cluster,
    agent: result.node.agentId,
    persistenceId: result.node.persistenceId,
  });
  await d.reconcile(result.node);
  return result;
}
