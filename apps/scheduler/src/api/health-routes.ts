import type { Request, Response, Router } from 'express';
import { healthQuerySchema } from '@riak-mesos/framework-contract';
import { validateName } from '@riak-mesos/zk';
import type { ClusterHealthInput } from '../health';
import { frameworkHealth, singleClusterHealth } from '../health';
import type { ClusterDoc } from '../model';
import { planView } from '../plans';
import type { SchedulerStore } from '../store';
import { requestInput } from './input';

export interface HealthRouteDeps {
  store: SchedulerStore;
  isLeader: () => boolean;
  frameworkStatus: () => { registered: boolean };
  handoffOf?: (cluster: string) => { text: string } | undefined;
}

/**
 * `GET /health` and `GET /clusters/{c}/health` (docs/api.md#health): one state, answered with its
 * own HTTP status, and with `?verbose=true` the reasons, worst first.
 */
export function addHealthRoutes(api: Router, deps: HealthRouteDeps): void {
  const { store } = deps;
  const inputOf = async (cluster: ClusterDoc): Promise<ClusterHealthInput> => {
    const handoff = deps.handoffOf?.(cluster.name);
    return {
      cluster,
      nodes: await store.listNodes(cluster.name),
      plans: (await store.listPlans(cluster.name)).map(planView),
      now: Date.now(),
      ...(handoff ? { handoff } : {}),
    };
  };
  const verbose = (req: Request) =>
    requestInput(req, { query: healthQuerySchema }).verbose === 'true';

  api.get('/health', async (req: Request, res: Response) => {
    const v = verbose(req);
    const clusters = await Promise.all((await store.listClusters()).map(inputOf));
    const answer = frameworkHealth({
      leader: deps.isLeader(),
      registered: deps.frameworkStatus().registered,
      clusters,
      verbose: v,
    });
    res.status(answer.code).json(answer);
  });

  api.get('/clusters/:cluster/health', async (req: Request, res: Response) => {
    const v = verbose(req);
    const cluster = await store.requireCluster(validateName('cluster', req.params.cluster));
    const answer = singleClusterHealth(await inputOf(cluster), v);
    res.status(answer.code).json(answer);
  });
}
