import { z } from 'zod';

/**
 * `GET /api/v1/debug/offers`: the scheduler's latest offer evaluations, newest first, each with
 * what every offer held, what was decided, and why the nodes that wait got nothing.
 */

export const offerRejectionViewSchema = z.object({
  agent_id: z.string(),
  hostname: z.string(),
  reasons: z.array(z.string()),
});
export type OfferRejectionView = z.output<typeof offerRejectionViewSchema>;

export const offerEvaluationViewSchema = z.object({
  at: z.string(),
  offers: z.array(
    z.object({
      offer_id: z.string(),
      agent_id: z.string(),
      hostname: z.string(),
      /** Unreserved resources: cpus, mem and disk (MB), and the number of ports. */
      unreserved: z.object({
        cpus: z.number(),
        mem: z.number(),
        disk: z.number(),
        ports: z.number().int().nonnegative(),
      }),
      /** Node keys of our reservations in the offer. */
      reserved_for: z.array(z.string()),
    }),
  ),
  decisions: z.array(
    z.object({
      node: z.string(),
      kind: z.string(),
      agent_id: z.string(),
      message: z.string(),
      /** The offer operations sent, by type (RESERVE, CREATE, LAUNCH, DESTROY, UNRESERVE). */
      operations: z.array(z.string()),
    }),
  ),
  waiting: z.array(
    z.object({
      node: z.string(),
      reason: z.string(),
      offers: z.array(offerRejectionViewSchema),
    }),
  ),
});
export type OfferEvaluationView = z.output<typeof offerEvaluationViewSchema>;

export const offerDebugAnswerSchema = z.object({
  evaluations: z.array(offerEvaluationViewSchema),
});
export type OfferDebugAnswer = z.output<typeof offerDebugAnswerSchema>;

/** Why a node waits for an offer (in the node view), with when it was last said. */
export const pendingReasonViewSchema = z.object({ text: z.string(), at: z.string() });
export type PendingReasonView = z.output<typeof pendingReasonViewSchema>;

/** `GET|PUT /clusters/{c}/constraints`: the cluster's own constraints, `[field, operator, value?]`. */
export const constraintsAnswerSchema = z.object({ constraints: z.array(z.array(z.string())) });
export type ConstraintsAnswer = z.output<typeof constraintsAnswerSchema>;

/** `GET /api/v1/debug/reservations`: reservations offered in the role that no record owns. */
export const unknownReservationViewSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  hostname: z.string(),
  labels: z.record(z.string(), z.string()),
  resources: z.string(),
  volumes: z.array(z.string()),
  /** Why the scheduler does not take it as its own. */
  reason: z.string(),
  first_seen: z.string(),
  last_seen: z.string(),
  /** An operator asked to release it: the next offer holding it releases it. */
  release_requested: z.boolean(),
});
export type UnknownReservationView = z.output<typeof unknownReservationViewSchema>;
export const unknownReservationsAnswerSchema = z.object({
  reservations: z.array(unknownReservationViewSchema),
});
export type UnknownReservationsAnswer = z.output<typeof unknownReservationsAnswerSchema>;
/** `DELETE /api/v1/debug/reservations/{id}`: the reservation, now marked for release. */
export const unknownReservationAnswerSchema = z.object({
  reservation: unknownReservationViewSchema,
});

/** A task Mesos reports for the framework that no node record owns (`GET /debug/orphans`). */
export const orphanTaskViewSchema = z.object({
  task_id: z.string(),
  agent_id: z.string().nullable(),
  executor_id: z.string().nullable(),
  state: z.string(),
  message: z.string().nullable(),
  first_seen: z.string(),
  last_seen: z.string(),
  kill_requested: z.boolean(),
});
export type OrphanTaskView = z.output<typeof orphanTaskViewSchema>;
export const orphanTasksAnswerSchema = z.object({ tasks: z.array(orphanTaskViewSchema) });
export const orphanTaskAnswerSchema = z.object({ task: orphanTaskViewSchema });
