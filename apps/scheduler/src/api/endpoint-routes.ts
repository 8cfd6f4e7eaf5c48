import type { Request, Response, Router } from 'express';
import type { SchedulerStore } from '../store';
import { endpointsOf } from '../directors';
import { requestInput } from './input';

/**
 * `GET /clusters/{cluster}/endpoints` (docs/operations.md, "Endpoints"): the PB and HTTP
 * addresses of the cluster's running ring members and of the directors registered for it, for
 * clients and service discovery. Answered by any scheduler (it reads ZooKeeper).
 */
export function addEndpointRoutes(api: Router, deps: { store: SchedulerStore }): void {
  const { store } = deps;
  api.get('/clusters/:cluster/endpoints', async (req: Request, res: Response) => {
    requestInput(req, {});
    const cluster = await store.requireCluster(String(req.params.cluster));
    const [nodes, directors] = await Promise.all([
      store.listNodes(cluster.name),
      store.registeredDirectors(cluster.name),
    ]);
    res.json(endpointsOf(cluster.name, nodes, directors));
  });
}
