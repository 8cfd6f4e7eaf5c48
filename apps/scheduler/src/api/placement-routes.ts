import type { Request, RequestHandler, Response, Router } from 'express';
import type {
  NodeView,
  OfferEvaluationView,
  OrphanTaskView,
  UnknownReservationView,
} from '@riak-mesos/framework-contract';
import { validateName } from '@riak-mesos/zk';
import type { Adoption } from '../framework/orphan-adoption';
import type { OrphanTask } from '../framework/orphan-tasks';
import type { UnknownReservation, UnknownReservations } from '../framework/unknown-reservations';
import { constraintsRequestSchema, offersQuerySchema } from '@riak-mesos/framework-contract';
import { ConstraintError, parseConstraints } from '@riak-mesos/placement';
import type { NodeDoc } from '../model';
import type { SchedulerStore } from '../store';
import { HttpError, badRequest, notFound, unavailable } from './errors';
import { requestInput } from './input';

export interface PlacementRouteDeps {
  store: SchedulerStore;
  /** The leading driver's latest offer evaluations; undefined on a standby. */
  offerEvaluations?: () => OfferEvaluationView[] | undefined;
  /** The leading driver's unknown reservations; undefined on a standby. */
  unknownReservations?: () => UnknownReservations | undefined;
  /** The leading driver's tasks without a node record; undefined on a standby. */
  orphanTasks?: () => OrphanTaskDeps | undefined;
  /** The API's view of a node (an adopted orphan's answer). */
  nodeView: (n: NodeDoc) => NodeView;
  leaderOnly: RequestHandler;
  json: RequestHandler;
}

/** Tasks without a node record: listed, and killed one by one on an operator's request. */
export interface OrphanTaskDeps {
  list(): OrphanTask[];
  kill(taskId: string): Promise<OrphanTask | undefined>;
  /** Makes a node record for the task (framework/orphan-adoption.ts); absent: not offered. */
  adopt?(taskId: string): Promise<Adoption>;
}

/** `[field, operator, value?]` as the API shows constraints. */
export function constraintsView(
  constraints: readonly { field: string; operator: string; value?: string }[],
): string[][] {
  return constraints.map((c) =>
    c.value === undefined ? [c.field, c.operator] : [c.field, c.operator, c.value],
  );
}

/**
 * Placement routes: the offer debug view (`GET /debug/offers`, the latest evaluations with the
 * reasons of every waiting node), what the scheduler keeps without a record of its own
 * (`/debug/reservations`, `/debug/orphans`: tasks no node record owns, killed only on request), and a cluster's own placement constraints
 * (`GET|PUT|DELETE /clusters/{cluster}/constraints`), which apply to placements made after they
 * are set, on top of the framework-wide constraints.
 */
export function addPlacementRoutes(api: Router, deps: PlacementRouteDeps): void {
  const { store } = deps;

  api.get('/debug/offers', (req: Request, res: Response) => {
    const { limit = 10 } = requestInput(req, { query: offersQuerySchema });
    const all = deps.offerEvaluations?.();
    if (!all) throw unavailable('this scheduler is not the leader; offers go to the leader');
    res.json({ evaluations: all.slice(0, limit) });
  });

  const unknown = (): UnknownReservations => {
    const u = deps.unknownReservations?.();
    if (!u) throw unavailable('this scheduler is not the leader; offers go to the leader');
    return u;
  };
  api.get('/debug/reservations', (_req: Request, res: Response) => {
    res.json({ reservations: unknown().list().map(unknownReservationView) });
  });
  api.delete(
    '/debug/reservations/:id',
    deps.leaderOnly,
    deps.json,
    (req: Request, res: Response) => {
      requestInput(req, {});
      const id = String(req.params.id);
      if (!/^[0-9a-f]{16}$/.test(id))
        throw badRequest('a reservation id is 16 hex digits', { field: 'id' });
      const u = unknown();
      if (!u.requestRelease(id))
        throw notFound(`no unknown reservation '${id}' has been offered to this scheduler`);
      const entry = u.list().find((e) => e.id === id)!;
      res.status(202).json({ reservation: unknownReservationView(entry) });
    },
  );

  const orphans = (): OrphanTaskDeps => {
    const o = deps.orphanTasks?.();
    if (!o) throw unavailable('this scheduler is not the leader; task updates go to the leader');
    return o;
  };
  api.get('/debug/orphans', (_req: Request, res: Response) => {
    res.json({ tasks: orphans().list().map(orphanTaskView) });
  });
  api.delete(
    '/debug/orphans/:task',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      requestInput(req, {});
      const id = validateName('task', req.params.task);
      const killed = await orphans().kill(id);
      if (!killed)
        throw notFound(`no task '${id}' without a node record is known to this scheduler`);
      res.status(202).json({ task: orphanTaskView(killed) });
    },
  );

  api.post(
    '/debug/orphans/:task/adopt',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      requestInput(req, {});
      const id = validateName('task', req.params.task);
      const o = orphans();
      if (!o.adopt) throw unavailable('this scheduler cannot adopt tasks');
      const result = await o.adopt(id);
      if (!result.ok)
        throw new HttpError(
          result.status,
          result.status === 404
            ? 'not_found'
            : result.status === 409
              ? 'conflict'
              : result.status === 503
                ? 'unavailable'
                : 'unprocessable',
          result.message,
          result.field ? { field: result.field } : undefined,
        );
      res.status(201).json({ node: deps.nodeView(result.node) });
    },
  );

  api.get('/clusters/:cluster/constraints', async (req: Request, res: Response) => {
    const cluster = await store.requireCluster(String(req.params.cluster));
    res.json({ constraints: constraintsView(cluster.constraints ?? []) });
  });

  api.put(
    '/clusters/:cluster/constraints',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      const name = String(req.params.cluster);
      const given = requestInput(req, { body: constraintsRequestSchema }).constraints;
      let constraints;
      try {
        constraints = parseConstraints(given);
      } catch (err) {
        if (err instanceof ConstraintError)
          throw badRequest(`constraints: ${err.message}`, { field: 'constraints' });
        throw err;
      }
      const cluster = await store.updateCluster(name, (c) => ({ ...c, constraints }));
      res.json({ constraints: constraintsView(cluster.constraints ?? []) });
    },
  );

  api.delete('/clusters/:cluster/constraints', deps.leaderOnly, deps.json, async (req, res) => {
    const name = String(req.params.cluster);
    requestInput(req, {});
    await store.updateCluster(name, (c) => {
      if (!c.constraints) return undefined;
      const next = { ...c };
      delete next.constraints;
      return next;
    });
    res.status(204).end();
  });
}

function unknownReservationView(e: UnknownReservation): UnknownReservationView {
  return {
    id: e.id,
    agent_id: e.agentId,
    hostname: e.hostname,
    labels: e.labels,
    resources: e.resources,
    volumes: e.volumes,
    reason: e.reason,
    first_seen: e.firstSeen,
    last_seen: e.lastSeen,
    release_requested: e.releaseRequested,
  };
}

function orphanTaskView(o: OrphanTask): OrphanTaskView {
  return {
    task_id: o.taskId,
    agent_id: o.agentId ?? null,
    executor_id: o.executorId ?? null,
    state: o.state,
    message: o.message ?? null,
    first_seen: o.firstSeen,
    last_seen: o.lastSeen,
    kill_requested: o.killRequested,
  };
}
