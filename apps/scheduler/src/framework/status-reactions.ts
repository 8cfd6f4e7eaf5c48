import type { TaskStatus } from '@riak-mesos/mesos';
import { TERMINAL_TASK_STATES } from '@riak-mesos/mesos';
import { TASK_HISTORY_MAX } from '@riak-mesos/framework-contract';
import type { SchedulerConfig } from '../config';
import type { NodeDoc } from '../model';
import type { NodeState } from '../node-state';
import { hasTask } from '../node-state';

/** States after which a node's task is gone; TASK_UNKNOWN answers reconciliation for one Mesos never had. */
export const TERMINAL: ReadonlySet<string> = new Set([...TERMINAL_TASK_STATES, 'TASK_UNKNOWN']);

/** What the driver does about one task status update of a node, decided without I/O. */
export interface StatusReaction {
  /** Record changes, in order: a transition, or a patch that keeps the state. */
  changes: { to?: NodeState; patch: Partial<NodeDoc> }[];
  /** Kill the task the update is about (once, or repeatedly until it is reported gone). */
  kill?: 'once' | 'until-gone';
  /** The repeated kill of this task can stop: it is gone. */
  stopKilling?: boolean;
  /** Offers are needed again (a relaunch is due). */
  revive?: boolean;
  /** What to log, if anything worth it. */
  log?: { level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> };
}

const none = (): StatusReaction => ({ changes: [] });

/**
 * The node lifecycle's reactions to Mesos, one place per case (like the original scheduler's
 * `rms_node`, a clause per state): what a TASK_* update means for a node in each state.
 *
 * - the task of a node since replaced on another agent: killed until Mesos says it is gone;
 * - TASK_STARTING, TASK_RUNNING: the node moves on (launching → starting → running), and a task
 *   running for a node that should have none is killed (Mesos knows better than our record);
 * - TASK_UNREACHABLE: noted (`agentLostSince`), and waited out until the permanent-failure timeout
 *   (permanent-failure.ts);
 * - terminal states: an intended stop ends in shut_down; a rolling restart's stop waits for its
 *   relaunch; anything else is a failure, relaunched on the same reservation after a backoff.
 */
export function reactToStatus(
  node: NodeDoc,
  s: TaskStatus,
  config: Pick<SchedulerConfig, 'relaunchBackoff'>,
  now: number,
): StatusReaction {
  const reaction = react(node, s, config, now);
  return s.task_id.value === node.taskId ? withTaskHistory(node, s, now, reaction) : reaction;
}

type TaskHistory = NonNullable<NodeDoc['taskHistory']>;

/**
 * The node's task history with this update, or undefined when it adds nothing: the same task in
 * the same state again (reconciliation repeats TASK_RUNNING) is not recorded twice.
 */
export function nextTaskHistory(
  history: TaskHistory | undefined,
  s: TaskStatus,
  now: number,
): TaskHistory | undefined {
  const last = history?.[history.length - 1];
  if (last && last.taskId === s.task_id.value && last.state === s.state) return undefined;
  const entry: TaskHistory[number] = {
    at: new Date(now).toISOString(),
    taskId: s.task_id.value,
    state: s.state,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.message ? { message: s.message } : {}),
    ...(s.agent_id ? { agentId: s.agent_id.value } : {}),
  };
  return [...(history ?? []), entry].slice(-TASK_HISTORY_MAX);
}

/** Records the update in the node's task history with the reaction's last record change. */
function withTaskHistory(
  node: NodeDoc,
  s: TaskStatus,
  now: number,
  r: StatusReaction,
): StatusReaction {
  const taskHistory = nextTaskHistory(node.taskHistory, s, now);
  if (!taskHistory) return r;
  const changes = [...r.changes];
  const last = changes.pop();
  changes.push(
    last ? { ...last, patch: { ...last.patch, taskHistory } } : { patch: { taskHistory } },
  );
  return { ...r, changes };
}

function react(
  node: NodeDoc,
  s: TaskStatus,
  config: Pick<SchedulerConfig, 'relaunchBackoff'>,
  now: number,
): StatusReaction {
  if (
    s.task_id.value !== node.taskId ||
    (s.agent_id && node.agentId && s.agent_id.value !== node.agentId)
  ) {
    if (TERMINAL.has(s.state)) return { changes: [], stopKilling: true };
    return {
      changes: [],
      kill: 'until-gone',
      log: {
        level: 'warn',
        message: 'killing the task of a replaced node on its old agent',
        fields: { node: node.key, agent: s.agent_id?.value },
      },
    };
  }
  // A repeat of the state the node already shows (reconciliation, a second TASK_FAILED) often
  // comes without a message: it must not erase the one that explains the state.
  const repeat = node.lastTaskState === s.state && !s.message;
  const patch: Partial<NodeDoc> = {
    lastTaskState: s.state,
    lastTaskMessage: repeat ? node.lastTaskMessage : s.message,
  };
  switch (s.state) {
    case 'TASK_STARTING':
      return node.state === 'launching' ? { changes: [{ to: 'starting', patch }] } : none();
    case 'TASK_RUNNING':
      return onRunning(node, patch);
    case 'TASK_UNREACHABLE':
      return {
        changes: [
          {
            patch: { ...patch, agentLostSince: node.agentLostSince ?? new Date(now).toISOString() },
          },
        ],
      };
    default:
      break;
  }
  if (!TERMINAL.has(s.state)) return none();
  if (s.state === 'TASK_UNKNOWN' && !hasTask(node.state)) return none();
  if (node.state === 'shutting_down' || node.state === 'leaving' || !node.wanted) {
    const changes: StatusReaction['changes'] = [];
    if (hasTask(node.state)) changes.push({ to: 'shutting_down', patch });
    changes.push({ to: 'shut_down', patch });
    return { changes };
  }
  // An intended stop (rolling operation): relaunched as soon as the reservation is offered.
  if (node.state === 'restarting') return { changes: [{ patch }] };
  if (!hasTask(node.state)) return none();
  return onFailure(node, s, patch, config, now);
}

function onRunning(node: NodeDoc, patch: Partial<NodeDoc>): StatusReaction {
  if (node.state === 'launching' || node.state === 'starting')
    return {
      changes: [{ to: 'running', patch: { ...patch, failures: 0, agentLostSince: undefined } }],
    };
  if (node.state === 'running' || node.state === 'leaving')
    return { changes: [{ patch: { ...patch, agentLostSince: undefined } }] };
  if (!hasTask(node.state) && node.state !== 'restarting')
    return {
      changes: [],
      kill: 'once',
      log: {
        level: 'warn',
        message: 'a task runs for a node that should have none; killing it',
        fields: { node: node.key, state: node.state },
      },
    };
  return none();
}

function onFailure(
  node: NodeDoc,
  s: TaskStatus,
  patch: Partial<NodeDoc>,
  config: Pick<SchedulerConfig, 'relaunchBackoff'>,
  now: number,
): StatusReaction {
  const failures = node.failures + 1;
  const b = config.relaunchBackoff;
  const delay = Math.min(b.maxSeconds, b.initialSeconds * b.factor ** Math.min(failures - 1, 16));
  return {
    changes: [
      {
        to: 'restarting',
        patch: {
          ...patch,
          failures,
          relaunchAfter: new Date(now + delay * 1000).toISOString(),
        },
      },
    ],
    revive: true,
    log: {
      level: 'warn',
      message: 'node task ended unexpectedly; relaunching on its reservation',
      fields: { node: node.key, state: s.state, message: s.message, relaunchInSeconds: delay },
    },
  };
}
