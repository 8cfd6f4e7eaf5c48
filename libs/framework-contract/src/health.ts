import { z } from 'zod';

/**
 * The framework's health in one word (`GET /api/v1/health`, `GET /api/v1/clusters/{c}/health`,
 * docs/api.md): each state has its own HTTP status, so a load balancer or a monitor that reads
 * only the status code still tells them apart. Worst first wins: a cluster with a plan in ERROR
 * and a node recovering is `error`.
 */
export const HEALTH_STATES = [
  'running',
  'deploying',
  'recovering',
  'degraded',
  'delayed',
  'waiting_for_operator',
  'error',
  'initializing',
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** The HTTP status of each state: 2xx while clusters serve, 5xx while they cannot be trusted. */
export const HEALTH_HTTP_STATUS: Readonly<Record<HealthState, number>> = {
  running: 200,
  deploying: 202,
  recovering: 203,
  degraded: 206,
  delayed: 207,
  waiting_for_operator: 208,
  error: 500,
  initializing: 503,
};

/** How bad a state is: the higher, the worse (the order of HEALTH_STATES). */
export function healthRank(state: HealthState): number {
  return HEALTH_STATES.indexOf(state);
}

export const healthReasonSchema = z.object({
  state: z.enum(HEALTH_STATES),
  cluster: z.string().optional(),
  node: z.string().optional(),
  plan: z.string().optional(),
  text: z.string(),
});
export type HealthReason = z.output<typeof healthReasonSchema>;

export const healthAnswerSchema = z.object({
  state: z.enum(HEALTH_STATES),
  /** The HTTP status it was answered with. */
  code: z.number().int(),
  /** Each cluster's own state (framework-wide answer only). */
  clusters: z.record(z.string(), z.enum(HEALTH_STATES)).optional(),
  /** Why, worst first (`?verbose=true`). */
  reasons: z.array(healthReasonSchema).optional(),
});
export type HealthAnswer = z.output<typeof healthAnswerSchema>;

/** `?verbose=true|false`, nothing else. */
export const healthQuerySchema = z.strictObject({
  verbose: z.enum(['true', 'false'], { error: 'verbose must be true or false' }).optional(),
});
