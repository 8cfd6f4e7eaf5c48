import { z } from 'zod';

/** How many task status changes a node keeps (oldest dropped first). */
export const TASK_HISTORY_MAX = 25;

/**
 * One change of a node's Mesos task as the scheduler heard it: every TASK_* state the task went
 * through, with Mesos' reason and message (why a launch failed survives the next launch here).
 * A repeated update of the same state (reconciliation) is not recorded again.
 */
export const taskHistoryEntrySchema = z.object({
  at: z.string().min(1),
  task_id: z.string().min(1),
  state: z.string().min(1),
  reason: z.string().optional(),
  message: z.string().optional(),
  agent_id: z.string().optional(),
});
export type TaskHistoryEntry = z.output<typeof taskHistoryEntrySchema>;

/** `GET /clusters/{c}/nodes/{n}/tasks`: oldest first. */
export const nodeTasksAnswerSchema = z.object({
  node: z.string().min(1),
  tasks: z.array(taskHistoryEntrySchema),
});
export type NodeTasksAnswer = z.output<typeof nodeTasksAnswerSchema>;
