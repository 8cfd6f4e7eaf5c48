import type { TaskInfo } from '@riak-mesos/mesos';
import type { TaskData } from '@riak-mesos/framework-contract';
import { formatIssues, taskDataSchema } from '@riak-mesos/framework-contract';

/** The task data's schema lives in @riak-mesos/framework-contract, shared with the scheduler. */
export type { TaskData };

export class TaskDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskDataError';
  }
}

/** Every port of the task's `ports` resources, in order. */
export function taskPorts(task: TaskInfo): number[] {
  const out: number[] = [];
  for (const r of task.resources ?? [])
    if (r.name === 'ports')
      for (const range of r.ranges?.range ?? [])
        for (let p = Number(range.begin); p <= Number(range.end); p++) out.push(p);
  return out;
}

/**
 * Parses and checks the task data; the EPMD port is the first task port not otherwise used, the
 * cluster manager's the second.
 */
export function parseTask(task: TaskInfo): {
  data: TaskData;
  epmdPort: number;
  /** The next unused port, for Riak's replication cluster manager (the scheduler reserves 10). */
  clusterManagerPort?: number;
} {
  const raw = Buffer.from(task.data ?? []).toString('utf8');
  if (!raw) throw new TaskDataError('the task carries no data (expected a JSON object)');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new TaskDataError(`the task data is not JSON: ${(err as Error).message}`);
  }
  const parsed = taskDataSchema.safeParse(json);
  if (!parsed.success) throw new TaskDataError(`invalid task data: ${formatIssues(parsed.error)}`);
  const d = parsed.data;
  const used = [d.HTTPPort, d.PBPort, d.DisterlPort, d.HandoffPort];
  const ports = taskPorts(task);
  const missing = used.filter((p) => !ports.includes(p));
  if (missing.length)
    throw new TaskDataError(
      `invalid task data: ports ${missing.join(', ')} are not among the task's port resources`,
    );
  const [epmdPort, clusterManagerPort] = ports.filter((p) => !used.includes(p));
  if (epmdPort === undefined)
    throw new TaskDataError(
      'the task has no port left for the EPMD replacement (it needs a fifth port)',
    );
  return {
    data: d,
    epmdPort,
    ...(clusterManagerPort !== undefined ? { clusterManagerPort } : {}),
  };
}
