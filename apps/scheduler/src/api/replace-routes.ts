import type { Request, RequestHandler, Response, Router } from 'express';
import type {
  NodeView,
  PermanentFailureTimeoutAnswer,
  ReplaceAnswer,
} from '@riak-mesos/framework-contract';
import { permanentFailureTimeoutRequestSchema } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import { validateName } from '@riak-mesos/zk';
import type { ClusterDoc, NodeDoc } from '../model';
import { planView } from '../plans';
import { startReplace } from '../replace';
import type { SchedulerStore } from '../store';
import { requestInput } from './input';

export interface ReplaceRouteDeps {
  store: SchedulerStore;
  logger: Logger;
  /** The scheduler's permanent-failure timeout, for clusters without their own. */
  defaultTimeoutSeconds: number;
  nodeView: (n: NodeDoc) => NodeView;
  leaderOnly: RequestHandler;
  json: RequestHandler;
}

/**
 * Replacing nodes (docs/api.md#replace-a-node): `POST /clusters/{c}/nodes/{n}/replace` starts a
 * replace plan (409 with the reason when the node or the cluster cannot take one now), and
 * `GET|PUT /clusters/{c}/permanent-failure-timeout` read and set the cluster's own timeout.
 */
export function addReplaceRoutes(api: Router, deps: ReplaceRouteDeps): void {
  const { store } = deps;
  const cluster = (req: Request) => validateName('cluster', req.params.cluster);
  const timeoutView = (c: ClusterDoc): PermanentFailureTimeoutAnswer => ({
    cluster: c.name,
    permanent_failure_timeout_seconds:
      c.permanentFailureTimeoutSeconds ?? deps.defaultTimeoutSeconds,
    own: c.permanentFailureTimeoutSeconds !== undefined,
    default_seconds: deps.defaultTimeoutSeconds,
  });

  api.post(
    '/clusters/:cluster/nodes/:node/replace',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      const name = cluster(req);
      const key = validateName('node', req.params.node);
      requestInput(req, {});
      await store.requireNode(name, key);
      const { node, plan } = await startReplace(store, name, key, 'replace asked through the API');
      deps.logger.info('replacing a node', {
        cluster: name,
        node: key,
        by: node.key,
        plan: plan.id,
      });
      const answer: ReplaceAnswer = { node: deps.nodeView(node), plan: planView(plan) };
      res.status(202).json(answer);
    },
  );

  api.get('/clusters/:cluster/permanent-failure-timeout', async (req: Request, res: Response) => {
    res.json(timeoutView(await store.requireCluster(cluster(req))));
  });

  api.put(
    '/clusters/:cluster/permanent-failure-timeout',
    deps.leaderOnly,
    deps.json,
    async (req: Request, res: Response) => {
      const name = cluster(req);
      const { permanent_failure_timeout_seconds: seconds } = requestInput(req, {
        body: permanentFailureTimeoutRequestSchema,
      });
      await store.requireCluster(name);
      const c = await store.updateCluster(name, (x) => {
        const next = { ...x };
        if (seconds === null) delete next.permanentFailureTimeoutSeconds;
        else next.permanentFailureTimeoutSeconds = seconds;
        return next;
      });
      res.json(timeoutView(c));
    },
  );
}
