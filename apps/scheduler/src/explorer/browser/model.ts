/**
 * What the console reads of the API for its pages, each answer parsed with the contract's schema.
 * The overview needs every cluster with its nodes, plans, health, stats history and endpoints
 * (running members' and directors' addresses); the cluster page adds Riak's own member-status,
 * the nodes' task histories, the bucket types and the configuration versions.
 */
import type {
  ClusterView,
  ConfigurationsAnswer,
  EndpointsAnswer,
  HealthAnswer,
  Member,
  NodeTasksAnswer,
  NodeView,
  PlanView,
  StatsHistoryView,
} from '@riak-mesos/framework-contract';
import {
  clusterListAnswerSchema,
  configurationsAnswerSchema,
  endpointsAnswerSchema,
  healthAnswerSchema,
  nodeListAnswerSchema,
  nodeRiakViewSchema,
  nodeTasksAnswerSchema,
  planListAnswerSchema,
  statsHistoryViewSchema,
} from '@riak-mesos/framework-contract';
import { AnswerError, get, getAnyStatus, messageOf, path } from './http';

export interface ClusterData {
  cluster: ClusterView;
  nodes: NodeView[];
  plans: PlanView[];
  /** Undefined with the reason when the scheduler could not give it. */
  history: StatsHistoryView | string;
  /** `GET …/endpoints`: running members' and registered directors' addresses, or why not. */
  endpoints: EndpointsAnswer | string;
}

export interface Overview {
  clusters: ClusterData[];
  health: HealthAnswer;
}

/** A part of a page the API could not give: said in its place, the rest still shown. */
function orSaid<T>(p: Promise<T>): Promise<T | string> {
  return p.catch((e: unknown) => {
    if (e instanceof AnswerError && e.status === 401) throw e;
    return messageOf(e);
  });
}

async function loadCluster(cluster: ClusterView): Promise<ClusterData> {
  const c = path('clusters', cluster.name);
  const [nodes, plans, history, endpoints] = await Promise.all([
    get(`${c}/nodes`, nodeListAnswerSchema),
    // A scheduler without plans answers 404: the cluster is shown without them.
    get(`${c}/plans`, planListAnswerSchema).catch((e: unknown) => {
      if (e instanceof AnswerError && e.status === 404) return { plans: [] };
      throw e;
    }),
    orSaid(get(`${c}/stats/history`, statsHistoryViewSchema)),
    orSaid(get(`${c}/endpoints`, endpointsAnswerSchema)),
  ]);
  return { cluster, nodes: nodes.nodes, plans: plans.plans, history, endpoints };
}

export async function loadOverview(): Promise<Overview> {
  const [list, health] = await Promise.all([
    get('/clusters', clusterListAnswerSchema),
    // Health is answered with its state's own status (202, 500, 503…): the body is the answer.
    getAnyStatus('/health?verbose=true', healthAnswerSchema),
  ]);
  return { clusters: await Promise.all(list.clusters.map(loadCluster)), health };
}

export interface ClusterDetail {
  data: ClusterData;
  health: HealthAnswer;
  /** Riak's member-status as one running node sees it, and which node; or why not. */
  members: { node: string; members: Member[]; ringReady: boolean } | string;
  /** `riak-admin transfers` as that node prints it. */
  transfers: string | undefined;
  /** `riak-admin bucket-type list` as that node prints it, or why not. */
  types: { output: string } | string;
  tasks: Map<string, NodeTasksAnswer | string>;
  /** `GET …/configurations`: the versions with their diffs to the target, or why not. */
  configs: ConfigurationsAnswer | string;
}

export async function loadClusterDetail(name: string): Promise<ClusterDetail | undefined> {
  const list = await get('/clusters', clusterListAnswerSchema);
  const cluster = list.clusters.find((c) => c.name === name);
  if (!cluster) return undefined;
  const c = path('clusters', name);
  const [data, health, configs] = await Promise.all([
    loadCluster(cluster),
    getAnyStatus(`${c}/health?verbose=true`, healthAnswerSchema),
    orSaid(get(`${c}/configurations`, configurationsAnswerSchema)),
  ]);
  const asker = data.nodes.find((n) => n.state === 'running');
  const nodeView = (view: string) =>
    asker
      ? get(`${c}${path('nodes', asker.name, view)}`, nodeRiakViewSchema)
      : Promise.reject(new Error('no node is running to ask'));
  const [status, transfers, types, tasks] = await Promise.all([
    orSaid(nodeView('status')),
    orSaid(nodeView('transfers')),
    orSaid(nodeView('types')),
    Promise.all(
      data.nodes.map(async (n) => {
        const t = await orSaid(get(`${c}${path('nodes', n.name, 'tasks')}`, nodeTasksAnswerSchema));
        return [n.name, t] as const;
      }),
    ),
  ]);
  const members =
    typeof status === 'string'
      ? status
      : 'members' in status && asker
        ? { node: asker.name, members: status.members, ringReady: status.ringReady }
        : 'the node answered another view';
  return {
    data,
    health,
    members,
    transfers:
      typeof transfers !== 'string' && 'output' in transfers ? transfers.output : undefined,
    types:
      typeof types === 'string'
        ? types
        : 'output' in types
          ? { output: types.output }
          : 'the node answered another view',
    tasks: new Map(tasks),
    configs,
  };
}

/** Node counts by state, most first: `[["running", 3], ["starting", 1]]`. */
export function countByState(nodes: NodeView[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
