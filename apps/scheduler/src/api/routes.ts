// Over 400 lines, and createApiRouter over 80: every route of the framework API is in one router
// so that the routes can be read together, with the views they answer (their types and schemas
// are in @riak-mesos/framework-contract).
import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type {
  ClusterView,
  CreateClusterRequest,
  NodeRiakView,
  NodeTasksAnswer,
  NodeView,
  NodeViewName,
  OfferEvaluationView,
  OperationView,
  RiakVersionsView,
  ViewResult,
} from '@riak-mesos/framework-contract';
import {
  MAX_NODES_PER_REQUEST,
  addNodesQuerySchema,
  addNodesRequestSchema,
  bucketTypePropsRequestSchema,
  createClusterQuerySchema,
  createClusterRequestSchema,
  riakNodeName,
} from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import { validateName } from '@riak-mesos/zk';
import type { RiakVersion } from '../config';
import { DEFAULTS } from '../config';
import type { EventHub } from '../events';
import type { ClusterDoc, NodeDoc, RollingOperation } from '../model';
import type { SchedulerStore } from '../store';
import { badRequest, conflict, errorHandler, notFound, unavailable } from './errors';
import { requestInput } from './input';
import type { ApiAuth } from './auth';
import { authMiddleware, principalOf } from './auth';
import type { NodeResources } from '../config-rules';
import { ConfigVersions, contentOf } from '../config-versions';
import type { ConfigRouteDeps } from './config-routes';
import { addConfigRoutes } from './config-routes';
import type { UnknownReservations } from '../framework/unknown-reservations';
import { addEndpointRoutes } from './endpoint-routes';
import { addHealthRoutes } from './health-routes';
import type { StatsRouteDeps } from './stats-routes';
import { addDataRoutes } from './data-routes';
import { addStatsRoutes } from './stats-routes';
import { addReplaceRoutes } from './replace-routes';
import type { OrphanTaskDeps } from './placement-routes';
import { addPlacementRoutes, constraintsView } from './placement-routes';
import {
  addPlanRoutes,
  operationOf,
  startDeployPlan,
  startRemovalPlan,
  startScaleDown,
} from './plan-routes';

/** Node resources of a scheduler that does not say (tests): the settings' defaults. */
export const DEFAULT_NODE_RESOURCES: NodeResources = { cpus: 1, mem: 2048, disk: 4096 };

/** Views of one Riak node, answered by the node itself (through its executor). */
export interface NodeViews {
  query(node: NodeDoc, view: NodeViewName, args?: Record<string, string>): Promise<NodeRiakView>;
  /** Creates (and activates) or updates a bucket type through the node; answers its status. */
  bucketType(node: NodeDoc, name: string, props: Record<string, unknown>): Promise<ViewResult>;
}

export interface ApiDeps {
  store: SchedulerStore;
  events: EventHub;
  logger: Logger;
  /** The Riak package catalogue: what can be deployed; the first is a new cluster's default. */
  riakCatalogue?: () => RiakVersion[];
  /** The scheduler's permanent-failure timeout (seconds), for clusters without their own. */
  permanentFailureTimeoutSeconds?: number;
  /** Only names, for a scheduler without a catalogue; ignored when `riakCatalogue` is given. */
  riakVersions?: () => string[];
  isLeader: () => boolean;
  /** Where the current leader's API is, for 503 answers on a standby. */
  leaderUrl: () => Promise<string | undefined>;
  frameworkStatus: () => { registered: boolean; frameworkId?: string };
  /** The leading driver's handoff watch: what health says of a cluster's handoff after a recovery. */
  handoffOf?: (cluster: string) => { text: string } | undefined;
  validateRiakConf: (template: string) => void;
  validateAdvancedConfig: (template: string) => void;
  nodeViews?: NodeViews;
  /** The leading driver's latest offer evaluations (`GET /debug/offers`); undefined on a standby. */
  offerEvaluations?: () => OfferEvaluationView[] | undefined;
  /** The leading driver's unknown reservations (`/debug/reservations`); undefined on a standby. */
  unknownReservations?: () => UnknownReservations | undefined;
  /** The leading driver's tasks without a node record (`/debug/orphans`); undefined on a standby. */
  orphanTasks?: () => OrphanTaskDeps | undefined;
  /** The leading scheduler's stats sampler (`GET /clusters/{c}/stats/history`). */
  statsHistory?: StatsRouteDeps['statsHistory'];
  statsIntervalSeconds?: number;
  /** Who may call the API (./auth.ts, docs/security.md). */
  auth: ApiAuth;
  /** The node resources in effect (scheduler settings `node.*`), recorded in config versions. */
  nodeResources?: () => NodeResources;
  /** Largest JSON body accepted. */
  jsonLimit?: string;
  /** Largest config template accepted. */
  templateLimit?: string;
}

function param(req: Request, name: string): string {
  const raw = req.params[name];
  const value = Array.isArray(raw) ? raw.join('/') : raw;
  return validateName(name, value);
}

/** A package URL as the API shows it: credentials in it (`user:password@`) are hidden. */
export function shownUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/, '$1***@');
}

/** `GET /riak/versions`: the names (as before, for existing clients) and the catalogue. */
export function riakVersionsView(catalogue: RiakVersion[], names: string[]): RiakVersionsView {
  return {
    versions: names,
    catalogue: catalogue.map((v) => ({
      name: v.name,
      url: shownUrl(v.url),
      sha256: v.sha256 ?? null,
      rootPath: v.rootPath,
      flavour: v.flavour,
    })),
  };
}

/** A rolling operation as the API shows it (the document's fields, none other). */
export function operationView(op: RollingOperation): OperationView {
  return {
    id: op.id,
    kind: op.kind,
    state: op.state,
    order: op.order,
    done: op.done,
    ...(op.current !== undefined ? { current: op.current } : {}),
    ...(op.targetRiakVersion !== undefined ? { targetRiakVersion: op.targetRiakVersion } : {}),
    startedAt: op.startedAt,
    ...(op.message !== undefined ? { message: op.message } : {}),
  };
}

/** `operation`: the cluster's newest rolling plan in the old shape (`operationOf`). */
export function clusterView(
  c: ClusterDoc,
  nodes: NodeDoc[],
  operation: OperationView | null = c.operation ? operationView(c.operation) : null,
): ClusterView {
  return {
    name: c.name,
    state: c.state,
    riak_version: c.riakVersion,
    created_at: c.createdAt,
    has_riak_conf: c.riakConf !== undefined,
    has_advanced_config: c.advancedConfig !== undefined,
    ...(c.configVersion !== undefined ? { config_version: c.configVersion } : {}),
    operation,
    ...(c.constraints ? { constraints: constraintsView(c.constraints) } : {}),
    ...(c.permanentFailureTimeoutSeconds !== undefined
      ? { permanent_failure_timeout_seconds: c.permanentFailureTimeoutSeconds }
      : {}),
    nodes: nodes.map((n) => n.key),
  };
}

/** The Erlang name of a node with a host; null when it has none (or its key cannot be one). */
function nodeName(n: NodeDoc): string | null {
  if (!n.hostname) return null;
  try {
    return riakNodeName(n.key, n.hostname);
  } catch {
    return null;
  }
}

export function nodeView(n: NodeDoc): NodeView {
  return {
    name: n.key,
    cluster: n.cluster,
    state: n.state,
    wanted: n.wanted,
    member: n.member,
    agent_id: n.agentId ?? null,
    hostname: n.hostname ?? null,
    node_name: nodeName(n),
    ports: n.ports ?? null,
    endpoints:
      n.hostname && n.ports
        ? { http: `${n.hostname}:${n.ports.http}`, pb: `${n.hostname}:${n.ports.pb}` }
        : null,
    persistence_id: n.persistenceId,
    task_id: n.taskId,
    last_task_state: n.lastTaskState ?? null,
    last_task_message: n.lastTaskMessage ?? null,
    riak_version: n.riakVersion ?? null,
    failures: n.failures,
    updated_at: n.updatedAt,
    pending_reason: n.pendingReason ?? null,
    relaunch_after:
      n.state === 'restarting' && n.relaunchAfter && Date.parse(n.relaunchAfter) > Date.now()
        ? n.relaunchAfter
        : null,
    config_version: n.configVersion ?? null,
    agent_lost_since: n.agentLostSince ?? null,
    replaces: n.replaces?.node ?? null,
    replaced_by: n.replacedBy ?? null,
    replace_held: n.replaceHeld ?? null,
  };
}

/** The framework API under /api/v1 (plus /healthcheck), as the original's routes. */
export function createApiRouter(deps: ApiDeps): Router {
  const { store } = deps;
  const catalogue = () => deps.riakCatalogue?.() ?? [];
  const versionNames = () =>
    deps.riakCatalogue ? catalogue().map((v) => v.name) : (deps.riakVersions?.() ?? []);
  const nodeResources = () => deps.nodeResources?.() ?? DEFAULT_NODE_RESOURCES;
  const configVersions = new ConfigVersions(store, deps.logger);
  const api = express.Router();
  const json = express.json({ limit: deps.jsonLimit ?? '64kb', strict: true });
  const text = express.text({ type: () => true, limit: deps.templateLimit ?? '512kb' });

  const leaderOnly = async (_req: Request, _res: Response, next: NextFunction) => {
    if (deps.isLeader()) return next();
    const leader = await deps.leaderUrl().catch(() => undefined);
    next(
      unavailable(
        'this scheduler is a standby; send changes to the leader',
        leader ? { leader } : undefined,
      ),
    );
  };

  api.use(authMiddleware(deps.auth));

  api.get('/riak/versions', (_req, res) => {
    res.json(riakVersionsView(catalogue(), versionNames()));
  });

  api.get('/clusters', async (_req, res) => {
    const clusters = await store.listClusters();
    const nodes = await store.listNodes();
    const views: ClusterView[] = [];
    for (const c of clusters)
      views.push(
        clusterView(
          c,
          nodes.filter((n) => n.cluster === c.name),
          await operationOf(store, c),
        ),
      );
    res.json({ clusters: views });
  });

  const create = async (name: string, input: CreateClusterRequest, res: Response) => {
    const versions = versionNames();
    const version = input.riak_version ?? versions[0];
    if (version === undefined || !versions.includes(version)) {
      throw badRequest(
        `unknown Riak version ${JSON.stringify(version)}; available: ${versions.join(', ') || '(none configured)'}`,
        { field: 'riak_version' },
      );
    }
    const created = await store.createCluster(name, version);
    const timeout = input.permanent_failure_timeout_seconds;
    if (timeout !== undefined)
      await store.updateCluster(name, (c) => ({ ...c, permanentFailureTimeoutSeconds: timeout }));
    // Its version 1 (had this failed, the next scheduler start makes it).
    const content = contentOf(created, nodeResources());
    const { cluster } = await configVersions.commit(
      name,
      { content, author: principalOf(res) },
      { target: undefined, content },
    );
    res.status(201).json({ cluster: clusterView(cluster, []) });
  };

  /** `riak_version` and `permanent_failure_timeout_seconds`, in the body or the query (docs/api.md). */
  const createInput = (req: Request): CreateClusterRequest =>
    requestInput(req, { body: createClusterRequestSchema, query: createClusterQuerySchema });

  api.put('/clusters/:cluster', leaderOnly, json, async (req, res) =>
    create(param(req, 'cluster'), createInput(req), res),
  );
  api.post('/clusters/:cluster/create', leaderOnly, json, async (req, res) =>
    create(param(req, 'cluster'), createInput(req), res),
  );

  api.get('/clusters/:cluster', async (req, res) => {
    const name = param(req, 'cluster');
    const cluster = await store.requireCluster(name);
    res.json({
      cluster: clusterView(cluster, await store.listNodes(name), await operationOf(store, cluster)),
    });
  });

  api.delete('/clusters/:cluster', leaderOnly, json, async (req, res) => {
    const name = param(req, 'cluster');
    requestInput(req, {});
    const cluster = await store.updateCluster(name, (c) =>
      c.state === 'shutting_down' || c.state === 'shutdown'
        ? undefined
        : { ...c, state: 'shutting_down', operation: undefined },
    );
    const going: string[] = [];
    for (const n of await store.listNodes(name))
      if (n.wanted) {
        await store.updateNode(n.key, (x) => ({ ...x, wanted: false }));
        going.push(n.key);
      }
    if (going.length) await startRemovalPlan(store, 'destroy', name, going);
    res.status(202).json({
      cluster: clusterView(cluster, await store.listNodes(name), await operationOf(store, cluster)),
    });
  });

  api.get('/clusters/:cluster/nodes', async (req, res) => {
    const name = param(req, 'cluster');
    await store.requireCluster(name);
    res.json({ nodes: (await store.listNodes(name)).map(nodeView) });
  });

  api.post('/clusters/:cluster/nodes', leaderOnly, json, async (req, res) => {
    const name = param(req, 'cluster');
    const input = requestInput(req, {
      body: addNodesRequestSchema,
      query: addNodesQuerySchema,
    });
    const { strategy } = input;
    let nodes = input.nodes ?? 1;
    if (input.count !== undefined) {
      const cluster = await store.requireCluster(name);
      const all = await store.listNodes(name);
      const wanted = all.filter((n) => n.wanted).length;
      if (input.count < wanted) {
        const plan = await startScaleDown(store, cluster, all, input.count, input.force === true);
        deps.logger.info('scaling down', {
          cluster: name,
          count: input.count,
          removing: plan.map((n) => n.key),
        });
        res.status(202).json({ nodes: plan.map(nodeView) });
        return;
      }
      if (input.count === wanted) {
        res.status(200).json({ nodes: [] });
        return;
      }
      nodes = input.count - wanted;
      if (nodes > MAX_NODES_PER_REQUEST)
        throw badRequest(
          `count ${input.count} adds ${nodes} nodes; at most ${MAX_NODES_PER_REQUEST} are added at once`,
          { field: 'count' },
        );
    }
    const added = await store.addNodes(name, nodes);
    // Without its plan (a failure here) the nodes are placed all the same: no plan holds them.
    await startDeployPlan(store, name, added, strategy).catch((err: Error) =>
      deps.logger.warn('no deploy plan for added nodes', { cluster: name, error: err.message }),
    );
    res.status(201).json({ nodes: added.map(nodeView) });
  });

  api.get('/clusters/:cluster/nodes/:node', async (req, res) => {
    res.json({
      node: nodeView(await store.requireNode(param(req, 'cluster'), param(req, 'node'))),
    });
  });

  api.delete('/clusters/:cluster/nodes/:node', leaderOnly, json, async (req, res) => {
    const cluster = param(req, 'cluster');
    const key = param(req, 'node');
    requestInput(req, {});
    const before = await store.requireNode(cluster, key);
    if (before.wanted && before.member) {
      const others = (await store.listNodes(cluster)).filter(
        (n) => n.key !== key && n.wanted && n.member,
      );
      if (others.length === 0)
        throw conflict(
          `node '${key}' is the last ring member of cluster '${cluster}' and holds the only copy of its data; to remove it, destroy the cluster (DELETE /api/v1/clusters/${cluster})`,
        );
    }
    const node = await store.updateNode(key, (n) =>
      n.wanted ? { ...n, wanted: false } : undefined,
    );
    if (before.wanted) await startRemovalPlan(store, 'remove', cluster, [key]);
    res.status(202).json({ node: nodeView(node) });
  });

  /** The views to ask a node through: there must be some, and the node must be running. */
  const viewsOf = (node: NodeDoc): NodeViews => {
    if (!deps.nodeViews) throw unavailable('node views are not available on this scheduler');
    if (node.state !== 'running')
      throw conflict(`node '${node.key}' is ${node.state}, not running`);
    return deps.nodeViews;
  };
  const view = (v: NodeViewName, arg?: string) => async (req: Request, res: Response) => {
    const node = await store.requireNode(param(req, 'cluster'), param(req, 'node'));
    const views = viewsOf(node);
    const args = arg ? { [arg]: validateName('bucket type', req.params[arg]) } : undefined;
    res.json(await views.query(node, v, args));
  };
  api.get('/clusters/:cluster/nodes/:node/tasks', async (req, res) => {
    requestInput(req, {});
    const node = await store.requireNode(param(req, 'cluster'), param(req, 'node'));
    const answer: NodeTasksAnswer = {
      node: node.key,
      tasks: (node.taskHistory ?? []).map((t) => ({
        at: t.at,
        task_id: t.taskId,
        state: t.state,
        ...(t.reason ? { reason: t.reason } : {}),
        ...(t.message ? { message: t.message } : {}),
        ...(t.agentId ? { agent_id: t.agentId } : {}),
      })),
    };
    res.json(answer);
  });
  api.get('/clusters/:cluster/nodes/:node/status', view('status'));
  api.get('/clusters/:cluster/nodes/:node/ringready', view('ringready'));
  api.get('/clusters/:cluster/nodes/:node/transfers', view('transfers'));
  api.get('/clusters/:cluster/nodes/:node/aae', view('aae'));
  api.get('/clusters/:cluster/nodes/:node/types', view('types'));
  api.get('/clusters/:cluster/nodes/:node/types/:type', view('types', 'type'));
  api.post(
    '/clusters/:cluster/nodes/:node/types/:type',
    leaderOnly,
    json,
    async (req: Request, res: Response) => {
      const node = await store.requireNode(param(req, 'cluster'), param(req, 'node'));
      const type = validateName('bucket type', req.params.type);
      const { props } = requestInput(req, { body: bucketTypePropsRequestSchema });
      res.json(await viewsOf(node).bucketType(node, type, props));
    },
  );

  const configDeps: ConfigRouteDeps = {
    store,
    versions: configVersions,
    versionNames,
    nodeResources,
    validateRiakConf: deps.validateRiakConf,
    validateAdvancedConfig: deps.validateAdvancedConfig,
    leaderOnly,
    json,
    text,
  };
  addConfigRoutes(api, configDeps);
  addPlanRoutes(api, { store, versionNames, leaderOnly, json, config: configDeps });
  addReplaceRoutes(api, {
    store,
    logger: deps.logger,
    defaultTimeoutSeconds:
      deps.permanentFailureTimeoutSeconds ?? DEFAULTS.permanentFailureTimeoutSeconds,
    nodeView,
    leaderOnly,
    json,
  });
  addPlacementRoutes(api, {
    store,
    ...(deps.offerEvaluations ? { offerEvaluations: deps.offerEvaluations } : {}),
    ...(deps.unknownReservations ? { unknownReservations: deps.unknownReservations } : {}),
    ...(deps.orphanTasks ? { orphanTasks: deps.orphanTasks } : {}),
    nodeView,
    leaderOnly,
    json,
  });
  addDataRoutes(api, { store });
  addStatsRoutes(api, {
    store,
    ...(deps.statsHistory ? { statsHistory: deps.statsHistory } : {}),
    ...(deps.statsIntervalSeconds !== undefined
      ? { statsIntervalSeconds: deps.statsIntervalSeconds }
      : {}),
  });
  addEndpointRoutes(api, { store });
  addHealthRoutes(api, {
    store,
    isLeader: deps.isLeader,
    frameworkStatus: deps.frameworkStatus,
    ...(deps.handoffOf ? { handoffOf: deps.handoffOf } : {}),
  });

  api.use((req, _res, next) =>
    next(notFound(`no route for ${req.method} ${req.baseUrl}${req.path}`)),
  );
  api.use(errorHandler(deps.logger));
  return api;
}
