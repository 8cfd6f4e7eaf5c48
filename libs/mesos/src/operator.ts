import { z } from 'zod';

/**
 * The part of the Mesos v1 operator API (`POST /api/v1`, JSON) the scheduler reads: GET_TASKS
 * (a task's agent, executor, resources with their reservation labels and volume) and GET_AGENTS
 * (an agent's host name). Parsed on receipt; fields the scheduler does not use are ignored.
 */

const value = z.object({ value: z.string() });
const labels = z.object({
  labels: z.array(z.object({ key: z.string(), value: z.string().optional() })).default([]),
});
const reservation = z.object({
  role: z.string().optional(),
  principal: z.string().optional(),
  labels: labels.optional(),
});

/** A resource as GET_TASKS shows it (v1 JSON): what identifies a node's reservation and volume. */
export const operatorResourceSchema = z.object({
  name: z.string(),
  scalar: z.object({ value: z.number() }).optional(),
  ranges: z
    .object({ range: z.array(z.object({ begin: z.number(), end: z.number() })).default([]) })
    .optional(),
  /** Pre-refinement reservation (older masters). */
  reservation: reservation.optional(),
  /** Refined reservations (the last is the resource's own). */
  reservations: z.array(reservation).optional(),
  disk: z
    .object({
      persistence: z.object({ id: z.string() }).optional(),
      volume: z.object({ container_path: z.string() }).optional(),
    })
    .optional(),
});
export type OperatorResource = z.output<typeof operatorResourceSchema>;

export const operatorTaskSchema = z.object({
  name: z.string().optional(),
  task_id: value,
  framework_id: value,
  agent_id: value,
  executor_id: value.optional(),
  state: z.string(),
  resources: z.array(operatorResourceSchema).default([]),
  labels: labels.optional(),
});
export type OperatorTask = z.output<typeof operatorTaskSchema>;

export const getTasksAnswerSchema = z.object({
  type: z.literal('GET_TASKS'),
  get_tasks: z.object({ tasks: z.array(operatorTaskSchema).default([]) }),
});

export const getAgentsAnswerSchema = z.object({
  type: z.literal('GET_AGENTS'),
  get_agents: z.object({
    agents: z
      .array(z.object({ agent_info: z.object({ id: value.optional(), hostname: z.string() }) }))
      .default([]),
  }),
});

/** A label list as a record (labels without a value are left out). */
export function labelRecord(l: z.output<typeof labels> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const x of l?.labels ?? []) if (x.value !== undefined) out[x.key] = x.value;
  return out;
}

/** The labels of a resource's own reservation (the last refinement), if reserved. */
export function reservationLabels(r: OperatorResource): Record<string, string> | undefined {
  const own = r.reservations?.length ? r.reservations[r.reservations.length - 1] : r.reservation;
  return own ? labelRecord(own.labels) : undefined;
}
