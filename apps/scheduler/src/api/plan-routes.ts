import type { Request, RequestHandler, Response, Router } from 'express';
import type {
  OperationView,
  PlanControl,
  PlanKind,
  PlanStrategy,
  RollingRequest,
} from '@riak-mesos/framework-contract';
import {
  PLAN_CONTROLS,
  planControlQuerySchema,
  rollingQuerySchema,
  rollingRequestSchema,
  upgradeQuerySchema,
  upgradeRequestSchema,
} from '@riak-mesos/framework-contract';
import { validateName } from '@riak-mesos/zk';
import type { ClusterDoc, NodeDoc } from '../model';
import type { ControlTarget, PlanDoc } from '../plans';
import {
  applyControl,
  isFinished,
  isRolling,
  legacyOperationView,
  newPlan,
  rollbackPlan,
  planView,
} from '../plans';
import { nodeCountViolation } from '../config-rules';
import { clusterNVal, scaleDownChoice } from '../scale';
import type { SchedulerStore } from '../store';
import { principalOf } from './auth';
import type { ConfigRouteDeps } from './config-routes';
import { propose, revertRiakVersion } from './config-routes';
import { HttpError, badRequest, conflict, rulesViolated } from './errors';
import { requestInput } from './input';

export interface PlanRouteDeps {
  store: SchedulerStore;
  /** Names of the Riak versions a cluster can run (for upgrades). */
  versionNames: () => string[];
  leaderOnly: RequestHandler;
  json: RequestHandler;
  /** Configuration versions and rules (an upgrade's target is a new version). */
  config: ConfigRouteDeps;
}

/** The newest rolling plan of a cluster: the active one, else the last finished. */
export function latestRolling(plans: readonly PlanDoc[]): PlanDoc | undefined {
  const rolling = plans.filter(isRolling);
  return rolling.find((p) => !isFinished(p)) ?? rolling[rolling.length - 1];
}

/**
 * The cluster view's `operation` (and `GET …/operation`): the newest rolling plan in the old
 * operation shape, else a rolling operation an older scheduler left in the cluster document.
 */
export async function operationOf(
  store: SchedulerStore,
  cluster: ClusterDoc,
): Promise<OperationView | null> {
  const plan = latestRolling(await store.listPlans(cluster.name));
  if (plan) return legacyOperationView(plan);
  return cluster.operation ?? null;
}

/** A deploy plan for nodes just added (parallel unless asked otherwise). */
export async function startDeployPlan(
  store: SchedulerStore,
  cluster: string,
  nodes: readonly NodeDoc[],
  strategy?: PlanStrategy,
): Promise<PlanDoc> {
  return store.createPlan(
    newPlan({
      kind: 'deploy',
      cluster,
      nodes: nodes.map((n) => n.key),
      ...(strategy ? { strategy } : {}),
      now: Date.now(),
    }),
  );
}

/** A remove plan (nodes removed) or destroy plan (the cluster destroyed): it reports their going. */
export async function startRemovalPlan(
  store: SchedulerStore,
  kind: 'remove' | 'destroy',
  cluster: string,
  nodes: readonly string[],
): Promise<PlanDoc> {
  return store.createPlan(newPlan({ kind, cluster, nodes: [...nodes], now: Date.now() }));
}

/**
 * A scale-down to `count` nodes: below the cluster's n_val only with `force`; the nodes chosen
 * (scale.ts) go one at a time through a serial remove plan, each asked to leave when its step
 * begins. Answers the nodes chosen.
 */
export async function startScaleDown(
  store: SchedulerStore,
  cluster: ClusterDoc,
  all: NodeDoc[],
  count: number,
  force: boolean,
): Promise<NodeDoc[]> {
  const violation = nodeCountViolation(count, clusterNVal(cluster), force, 'count');
  if (violation) throw rulesViolated([violation]);
  // Another scale-down still under way (a serial remove plan); a single node's removal (parallel,
  // `DELETE …/nodes/{n}`) does not hold a scale-down: its node is already not counted.
  const busy = (await store.listPlans(cluster.name)).find(
    (p) => p.kind === 'remove' && !isFinished(p) && p.phases.some((ph) => ph.strategy === 'serial'),
  );
  if (busy)
    throw conflict(
      `cluster '${cluster.name}' is already removing nodes (plan ${busy.id}); wait for it or abort it first`,
    );
  const chosen = scaleDownChoice(cluster, all, all.filter((n) => n.wanted).length - count);
  await store.createPlan(
    newPlan({
      kind: 'remove',
      cluster: cluster.name,
      nodes: chosen.map((n) => n.key),
      strategy: 'serial',
      now: Date.now(),
    }),
  );
  return chosen;
}

function controlOf(raw: unknown): PlanControl {
  if (typeof raw === 'string' && (PLAN_CONTROLS as readonly string[]).includes(raw))
    return raw as PlanControl;
  throw new HttpError(
    404,
    'not_found',
    `unknown plan control '${String(raw)}'; use ${PLAN_CONTROLS.join(', ')}`,
    { field: 'control' },
  );
}

/** Applies a control to a stored plan (compare-and-set); its refusal as a 4xx naming the field. */
async function control(
  store: SchedulerStore,
  cluster: string,
  id: string,
  what: PlanControl,
  target: ControlTarget,
  onAbort?: (aborted: PlanDoc) => Promise<void>,
): Promise<PlanDoc> {
  await store.requirePlan(cluster, id);
  const after = await store.updatePlan(cluster, id, (cur) => {
    const res = applyControl(cur, what, target, new Date().toISOString());
    if (!res.ok) {
      const e = res.error;
      throw new HttpError(
        e.status,
        e.status === 404 ? 'not_found' : e.status === 409 ? 'conflict' : 'bad_request',
        e.message,
        { field: e.field },
      );
    }
    return res.plan;
  });
  if (what === 'abort') {
    // An aborted upgrade is rolled back: its upgraded nodes go back, one at a time.
    const nodes = new Map((await store.listNodes(cluster)).map((n) => [n.key, n]));
    const back = rollbackPlan(after, nodes, Date.now());
    if (back) await store.createPlan(back);
    await onAbort?.(after);
  }
  return after;
}

/** Refuses a second rolling plan while one is active (as the old operations did). */
function oneRollingAtATime(cluster: string) {
  return (plans: PlanDoc[]) => {
    const active = plans.find((p) => isRolling(p) && !isFinished(p));
    if (!active) return;
    const op = legacyOperationView(active);
    throw conflict(
      `cluster '${cluster}' already has a ${op.kind} in progress (${op.done}/${op.order.length}, plan ${active.id}); interrupt, continue or abort it first`,
    );
  };
}

const OLD_ACTIONS: Record<string, PlanControl> = {
  pause: 'interrupt',
  resume: 'continue',
  abort: 'abort',
};

/**
 * Plans (docs/api.md#plans): `GET /clusters/{c}/plans`, `GET …/plans/{p}`,
 * `POST …/plans/{p}/{interrupt|continue|force-complete|restart|abort}` (`?phase=`, `?step=`),
 * and the older routes as thin aliases: `POST …/restart`, `…/upgrade`, `…/config/apply` and
 * `…/nodes/{n}/restart` start a rolling plan (`?strategy=` or `{"strategy"}`), `GET …/operation`
 * shows it in the old shape, `POST …/operation/{pause|resume|abort}` are interrupt, continue and
 * abort.
 */
export function addPlanRoutes(api: Router, deps: PlanRouteDeps): void {
  const { store } = deps;
  const cluster = (req: Request) => validateName('cluster', req.params.cluster);
  /** An aborted upgrade's target configuration goes back to the version it came from. */
  const abortedUpgrade = (res: Response) => (aborted: PlanDoc) =>
    aborted.kind === 'upgrade' && aborted.fromRiakVersion && aborted.targetRiakVersion
      ? revertRiakVersion(deps.config, aborted.cluster, {
          from: aborted.targetRiakVersion,
          to: aborted.fromRiakVersion,
          author: principalOf(res),
        })
      : Promise.resolve();

  api.get('/clusters/:cluster/plans', async (req: Request, res: Response) => {
    const name = cluster(req);
    await store.requireCluster(name);
    res.json({ plans: (await store.listPlans(name)).map(planView) });
  });

  api.get('/clusters/:cluster/plans/:plan', async (req: Request, res: Response) => {
    const plan = await store.requirePlan(cluster(req), validateName('plan', req.params.plan));
    res.json({ plan: planView(plan) });
  });

  api.post(
    '/clusters/:cluster/plans/:plan/:control',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      const what = controlOf(req.params.control);
      const target: ControlTarget = {};
      const { phase, step } = requestInput(req, { query: planControlQuerySchema });
      if (phase !== undefined) target.phase = phase;
      if (step !== undefined) target.step = step;
      const plan = await control(
        store,
        cluster(req),
        validateName('plan', req.params.plan),
        what,
        target,
        abortedUpgrade(res),
      );
      res.json({ plan: planView(plan) });
    },
  );

  // ---- the older routes, as aliases ----

  const startRolling = async (
    req: Request,
    res: Response,
    kind: PlanKind,
    nodes: (all: NodeDoc[]) => NodeDoc[],
    input: RollingRequest,
    target?: string,
  ) => {
    const name = cluster(req);
    const c = await store.requireCluster(name);
    if (c.state === 'shutting_down' || c.state === 'shutdown')
      throw conflict(`cluster '${name}' is being destroyed`);
    const plan = await store.createPlan(
      newPlan({
        kind,
        cluster: name,
        nodes: nodes(await store.listNodes(name)).map((n) => n.key),
        ...(input.strategy ? { strategy: input.strategy } : {}),
        ...(input.step_timeout_seconds !== undefined
          ? { stepTimeoutSeconds: input.step_timeout_seconds }
          : {}),
        ...(target ? { targetRiakVersion: target, fromRiakVersion: c.riakVersion } : {}),
        now: Date.now(),
      }),
      oneRollingAtATime(name),
    );
    const targetVersion = (await store.getCluster(name))?.configVersion;
    res.status(202).json({
      operation: legacyOperationView(plan),
      plan: planView(plan),
      ...(targetVersion !== undefined ? { target_config_version: targetVersion } : {}),
    });
  };
  const wanted = (all: NodeDoc[]) => all.filter((n) => n.wanted);

  /** `strategy` and `step_timeout_seconds` in the body or the query (docs/api.md); nothing else. */
  const rollingInput = (req: Request): RollingRequest =>
    requestInput(req, { body: rollingRequestSchema, query: rollingQuerySchema });

  api.post('/clusters/:cluster/restart', deps.leaderOnly, deps.json, (req, res) =>
    startRolling(req, res, 'restart', wanted, rollingInput(req)),
  );
  // Every restarted node is launched on the target configuration version (the cluster document
  // holds its templates) and records it (`config_version` of the node view).
  api.post('/clusters/:cluster/config/apply', deps.leaderOnly, deps.json, (req, res) =>
    startRolling(req, res, 'config-apply', wanted, rollingInput(req)),
  );
  api.post('/clusters/:cluster/upgrade', deps.leaderOnly, deps.json, async (req, res) => {
    const { riak_version: version, ...input } = requestInput(req, {
      body: upgradeRequestSchema,
      query: upgradeQuerySchema,
    });
    const name = cluster(req);
    if (version === undefined)
      throw badRequest(
        `upgrade needs a riak_version; available: ${deps.versionNames().join(', ')}`,
        { field: 'riak_version' },
      );
    await store.requireCluster(name);
    // Refused before a version is stored: another rolling plan, then the rules.
    oneRollingAtATime(name)(await store.listPlans(name));
    await propose(deps.config, {
      cluster: name,
      change: (t) => ({ ...t, riakVersion: version }),
      author: principalOf(res),
      force: false,
      dryRun: false,
    });
    return startRolling(req, res, 'upgrade', wanted, input, version);
  });
  api.post(
    '/clusters/:cluster/nodes/:node/restart',
    deps.leaderOnly,
    deps.json,
    async (req, res) => {
      const name = cluster(req);
      const key = validateName('node', req.params.node);
      const input = rollingInput(req);
      const node = await store.requireNode(name, key);
      await startRolling(req, res, 'restart', () => [node], input);
    },
  );

  api.get('/clusters/:cluster/operation', async (req: Request, res: Response) => {
    const c = await store.requireCluster(cluster(req));
    res.json({ operation: await operationOf(store, c) });
  });
  api.post(
    '/clusters/:cluster/operation/:action',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      const name = cluster(req);
      requestInput(req, {});
      const what = OLD_ACTIONS[String(req.params.action)];
      if (!what)
        throw new HttpError(
          404,
          'not_found',
          `unknown operation action '${String(req.params.action)}'; use pause, resume or abort`,
          { field: 'action' },
        );
      await store.requireCluster(name);
      const active = (await store.listPlans(name)).find((p) => isRolling(p) && !isFinished(p));
      if (!active) throw conflict(`cluster '${name}' has no operation in progress`);
      const plan = await control(store, name, active.id, what, {}, abortedUpgrade(res));
      res.json({ operation: legacyOperationView(plan), plan: planView(plan) });
    },
  );
}
