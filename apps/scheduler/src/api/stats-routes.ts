import type { Request, Response, Router } from 'express';
import type { NodeStatValue, NodeStatsView } from '@riak-mesos/framework-contract';
import { NODE_STATS_KEYS } from '@riak-mesos/framework-contract';
import { validateName } from '@riak-mesos/zk';
import type { StatsHistory } from '../riak-stats';
import { StatsUnavailableError, fetchRiakStats } from '../riak-stats';
import type { SchedulerStore } from '../store';
import { conflict, unavailable } from './errors';
import { requestInput } from './input';

export interface StatsRouteDeps {
  store: SchedulerStore;
  /** The leading scheduler's sampler; undefined on a standby (which then has no history). */
  statsHistory?: () => StatsHistory | undefined;
  /** Seconds between samples as configured (shown by a standby too). */
  statsIntervalSeconds?: number;
}

/** One of Riak's stats as the API passes it on: lists as their length, nothing nested. */
function statValue(v: unknown): NodeStatValue | undefined {
  if (Array.isArray(v)) return v.length;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    return v;
  return undefined;
}

/**
 * A node's stats now (`GET /clusters/{c}/nodes/{n}/stats`, a few of Riak's own) and a cluster's
 * throughput and latency over the last hour (`GET /clusters/{c}/stats/history`, ../riak-stats.ts).
 */
export function addStatsRoutes(api: Router, deps: StatsRouteDeps): void {
  const { store } = deps;
  api.get('/clusters/:cluster/nodes/:node/stats', async (req: Request, res: Response) => {
    requestInput(req, {});
    const node = await store.requireNode(
      validateName('cluster', req.params.cluster),
      validateName('node', req.params.node),
    );
    const stats = await fetchRiakStats(node).catch((err: Error) => {
      if (err instanceof StatsUnavailableError && err.notRunning) throw conflict(err.message);
      throw unavailable(err.message);
    });
    const view: NodeStatsView = {};
    for (const k of NODE_STATS_KEYS) {
      const v = statValue(stats[k]);
      if (v !== undefined) view[k] = v;
    }
    res.json(view);
  });

  api.get('/clusters/:cluster/stats/history', async (req: Request, res: Response) => {
    requestInput(req, {});
    const cluster = await store.requireCluster(validateName('cluster', req.params.cluster));
    const history = deps.statsHistory?.();
    res.json(
      history
        ? history.view(cluster.name)
        : {
            cluster: cluster.name,
            interval_seconds: Math.max(0, Math.round(deps.statsIntervalSeconds ?? 0)),
            window_seconds: 3600,
            sampling: false,
            nodes: {},
          },
    );
  });
}
