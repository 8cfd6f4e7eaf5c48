import { z } from 'zod';
import type { TaskInfo } from '@riak-mesos/mesos';
import { isValidName } from '@riak-mesos/zk';

/** Task data the scheduler sends (docs/packages-and-task-data.md): the original's keys, plus a few. */
const port = z.number().int().min(1).max(65535);
const relative = (what: string) =>
  z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: `${what} must be a relative path inside the sandbox`,
    });
const name = (what: string) =>
  z.string().refine(isValidName, { message: `${what} is not a valid name` });

export const taskDataSchema = z.object({
  FullyQualifiedNodeName: z
    .string()
    .regex(/^[A-Za-z0-9_-]+@[A-Za-z0-9_.-]+$/, 'must be <name>@<host>'),
  Host: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be a host name or address'),
  Zookeepers: z.array(z.string().regex(/^[^\s:/,]+:\d+$/, 'must be host:port')).min(1),
  ZookeeperChroot: z
    .string()
    .regex(/^(\/[A-Za-z0-9_.-]+)*$/, 'must be empty or /a/path')
    .default(''),
  FrameworkName: name('FrameworkName'),
  URI: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be the http(s) URL of the scheduler'),
  ClusterName: name('ClusterName'),
  HTTPPort: port,
  PBPort: port,
  DisterlPort: port,
  HandoffPort: port,
  RiakRootPath: relative('RiakRootPath').default('root'),
  PersistentPath: relative('PersistentPath').default('data'),
  Cookie: z
    .string()
    .regex(/^[A-Za-z0-9_@.+-]{1,255}$/, 'must be letters, digits and _@.+-')
    .default('riak'),
});
export type TaskData = z.infer<typeof taskDataSchema>;

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
  if (!parsed.success)
    throw new TaskDataError(
      `invalid task data: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  const d = parsed.data;
  const used = [d.HTTPPort, d.PBPort, d.DisterlPort, d.HandoffPort];
  if (new Set(used).size !== used.length)
    throw new TaskDataError(
      'invalid task data: HTTP, PB, distribution and handoff ports must differ',
    );
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
