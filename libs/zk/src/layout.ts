import { validateName } from './names';

/** Where every framework keeps its data, as the original did. */
export const FRAMEWORKS_ROOT = '/riak/frameworks';

/**
 * The framework's ZooKeeper layout under `/riak/frameworks/<framework-name>`, as one set of path
 * builders. Every name that becomes a path segment is validated.
 */
export interface FrameworkLayout {
  readonly framework: string;
  readonly root: string;
  /** Scheduler-wide state: the framework id and registration facts. */
  readonly scheduler: string;
  /** Leader election of scheduler instances (ephemeral sequential members). */
  readonly schedulerLeader: string;
  readonly clusters: string;
  cluster(name: string): string;
  /** A cluster's plans (deploy, rolling restart, …): one document each, under the cluster. */
  plans(cluster: string): string;
  plan(cluster: string, id: string): string;
  /** A cluster's configuration versions (immutable documents, one per version id). */
  configurations(cluster: string): string;
  configuration(cluster: string, id: number): string;
  /** The directors registered for a cluster (ephemeral, written by each director). */
  directors(cluster: string): string;
  director(cluster: string, id: string): string;
  readonly nodes: string;
  node(key: string): string;
  /** EPMD replacement registrations: one ephemeral node per Erlang alive-name. */
  readonly erlpmdNodes: string;
  erlpmdNode(aliveName: string): string;
  /** Published endpoints of running Riak nodes (ephemeral, written by executors). */
  readonly coordinatedNodes: string;
  coordinatedNode(taskId: string): string;
  /** The scheduler's secrets (docs/security.md): readable by the scheduler alone. */
  readonly secrets: string;
  /** The scheduler API's bearer token, made at first start when none is configured. */
  readonly apiToken: string;
  /** The key of the executors' per-task credentials (HMAC-SHA256). */
  readonly executorKey: string;
}

export function frameworkLayout(frameworkName: string): FrameworkLayout {
  const framework = validateName('framework', frameworkName);
  const root = `${FRAMEWORKS_ROOT}/${framework}`;
  return {
    framework,
    root,
    scheduler: `${root}/scheduler`,
    schedulerLeader: `${root}/scheduler-leader`,
    clusters: `${root}/clusters`,
    cluster: (name) => `${root}/clusters/${validateName('cluster', name)}`,
    plans: (cluster) => `${root}/clusters/${validateName('cluster', cluster)}/plans`,
    plan: (cluster, id) =>
      `${root}/clusters/${validateName('cluster', cluster)}/plans/${validateName('plan', id)}`,
    configurations: (cluster) =>
      `${root}/clusters/${validateName('cluster', cluster)}/configurations`,
    configuration: (cluster, id) => {
      if (!Number.isInteger(id) || id < 1) throw new RangeError(`bad configuration version ${id}`);
      return `${root}/clusters/${validateName('cluster', cluster)}/configurations/${id}`;
    },
    directors: (cluster) => `${root}/clusters/${validateName('cluster', cluster)}/directors`,
    director: (cluster, id) =>
      `${root}/clusters/${validateName('cluster', cluster)}/directors/${validateName('director', id)}`,
    nodes: `${root}/nodes`,
    node: (key) => `${root}/nodes/${validateName('node', key)}`,
    erlpmdNodes: `${root}/erlpmd/nodes`,
    erlpmdNode: (alive) => `${root}/erlpmd/nodes/${validateName('Erlang alive', alive)}`,
    coordinatedNodes: `${root}/coordinator/coordinatedNodes`,
    coordinatedNode: (taskId) =>
      `${root}/coordinator/coordinatedNodes/${validateName('task', taskId)}`,
    secrets: `${root}/secrets`,
    apiToken: `${root}/secrets/api-token`,
    executorKey: `${root}/secrets/executor-key`,
  };
}
