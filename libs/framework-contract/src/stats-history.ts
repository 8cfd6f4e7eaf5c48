import { z } from 'zod';

/**
 * Throughput and latency of each running node over the last hour, sampled by the scheduler from
 * Riak's own `/stats` (`GET /api/v1/clusters/{c}/stats/history`, docs/api.md). Rates are per
 * second over the sampling interval; latencies are Riak's 99th percentile of its get and put
 * FSM times over its last minute, in milliseconds. `null` where Riak gave nothing to compute from
 * (the first sample of a node, a restarted node's counters, a stat Riak does not report).
 */
export const statsSampleSchema = z.object({
  at: z.string().min(1),
  gets_per_second: z.number().nonnegative().nullable(),
  puts_per_second: z.number().nonnegative().nullable(),
  get_p99_ms: z.number().nonnegative().nullable(),
  put_p99_ms: z.number().nonnegative().nullable(),
});
export type StatsSample = z.output<typeof statsSampleSchema>;

export const statsHistoryViewSchema = z.object({
  cluster: z.string().min(1),
  /** Seconds between samples; 0 when sampling is off (`--stats-interval 0`). */
  interval_seconds: z.number().int().nonnegative(),
  /** How far back samples are kept. */
  window_seconds: z.number().int().positive(),
  /** Whether this scheduler samples (only the leader does). */
  sampling: z.boolean(),
  /** Per node key, oldest first. */
  nodes: z.record(z.string(), z.array(statsSampleSchema)),
});
export type StatsHistoryView = z.output<typeof statsHistoryViewSchema>;
