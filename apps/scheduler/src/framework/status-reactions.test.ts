import type { TaskStatus } from '@riak-mesos/mesos';
import type { NodeDoc } from '../model';
import type { NodeState } from '../node-state';
import { TASK_HISTORY_MAX } from '@riak-mesos/framework-contract';
import { nextTaskHistory, reactToStatus } from './status-reactions';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const config = { relaunchBackoff: { initialSeconds: 2, factor: 2, maxSeconds: 120 } };

function node(state: NodeState, patch: Partial<NodeDoc> = {}): NodeDoc {
  return {
    key: 'riak-default-1',
    cluster: 'default',
    generation: 1,
    state,
    wanted: true,
    agentId: 'a1',
    persistenceId: 'p1',
    reservedPorts: [],
    taskId: 'riak-default-1',
    member: true,
    failures: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...patch,
  };
}

const status = (state: TaskStatus['state'], patch: Partial<TaskStatus> = {}): TaskStatus => ({
  task_id: { value: 'riak-default-1' },
  agent_id: { value: 'a1' },
  state,
  ...patch,
});

/**
 * The states the reaction moves the node through (`=` for a patch that keeps the state; a change
 * that only records the task history is left out, it is tested on its own).
 */
const path = (n: NodeDoc, s: TaskStatus) =>
  reactToStatus(n, s, config, NOW)
    .changes.filter((c) => c.to || Object.keys(c.patch).some((k) => k !== 'taskHistory'))
    .map((c) => c.to ?? '=');

describe('reactions of a node to its task updates', () => {
  it.each<[NodeState, TaskStatus['state'], string[]]>([
    ['launching', 'TASK_STARTING', ['starting']],
    ['starting', 'TASK_STARTING', []],
    ['launching', 'TASK_RUNNING', ['running']],
    ['starting', 'TASK_RUNNING', ['running']],
    ['running', 'TASK_RUNNING', ['=']],
    ['leaving', 'TASK_RUNNING', ['=']],
    ['running', 'TASK_UNREACHABLE', ['=']],
    ['shutting_down', 'TASK_KILLED', ['shutting_down', 'shut_down']],
    ['leaving', 'TASK_FINISHED', ['shutting_down', 'shut_down']],
    ['restarting', 'TASK_KILLED', ['=']],
    ['running', 'TASK_FAILED', ['restarting']],
    ['starting', 'TASK_LOST', ['restarting']],
    ['launching', 'TASK_ERROR', ['restarting']],
    ['reserved', 'TASK_UNKNOWN', []],
    ['shut_down', 'TASK_KILLED', []],
  ])('%s + %s → %j', (state, update, expected) => {
    expect(path(node(state), status(update))).toEqual(expected);
  });

  it('a running node records its last task state and clears a lost-agent mark', () => {
    const r = reactToStatus(
      node('running', { agentLostSince: '2026-01-01T00:00:00.000Z' }),
      status('TASK_RUNNING', { message: 'back' }),
      config,
      NOW,
    );
    expect(r.changes[0].patch).toMatchObject({
      lastTaskState: 'TASK_RUNNING',
      lastTaskMessage: 'back',
      agentLostSince: undefined,
    });
  });

  it('an unreachable agent is noted once, with the first time it was seen gone', () => {
    const first = reactToStatus(node('running'), status('TASK_UNREACHABLE'), config, NOW);
    expect(first.changes[0].patch.agentLostSince).toBe('2026-01-01T00:00:00.000Z');
    const again = reactToStatus(
      node('running', { agentLostSince: '2025-12-31T23:00:00.000Z' }),
      status('TASK_UNREACHABLE'),
      config,
      NOW,
    );
    expect(again.changes[0].patch.agentLostSince).toBe('2025-12-31T23:00:00.000Z');
  });

  it('a failure is relaunched after a backoff that doubles and is capped', () => {
    const delays = [0, 1, 2, 6, 20].map((failures) => {
      const r = reactToStatus(node('running', { failures }), status('TASK_FAILED'), config, NOW);
      expect(r.revive).toBe(true);
      return (Date.parse(r.changes[0].patch.relaunchAfter!) - NOW) / 1000;
    });
    expect(delays).toEqual([2, 4, 8, 120, 120]);
    // Another factor, from the configuration.
    const slow = { relaunchBackoff: { initialSeconds: 5, factor: 3, maxSeconds: 300 } };
    const tripled = [0, 1, 2, 3].map((failures) => {
      const r = reactToStatus(node('running', { failures }), status('TASK_FAILED'), slow, NOW);
      return (Date.parse(r.changes[0].patch.relaunchAfter!) - NOW) / 1000;
    });
    expect(tripled).toEqual([5, 15, 45, 135]);
  });

  it('an unwanted node whose task ends is shut down, not relaunched', () => {
    const r = reactToStatus(node('running', { wanted: false }), status('TASK_FAILED'), config, NOW);
    expect(r.changes.map((c) => c.to)).toEqual(['shutting_down', 'shut_down']);
    expect(r.revive).toBeUndefined();
  });

  it('a task running for a node that should have none is killed once', () => {
    const r = reactToStatus(node('shut_down'), status('TASK_RUNNING'), config, NOW);
    expect(r.kill).toBe('once');
    // Only the task history records it: the node stays shut down.
    expect(r.changes.map((c) => [c.to, Object.keys(c.patch)])).toEqual([
      [undefined, ['taskHistory']],
    ]);
  });

  it('the task of a node replaced on another agent is killed until it is gone; its record is untouched', () => {
    const replaced = node('requested', { agentId: 'a2', taskId: 'riak-default-1-rx' });
    expect(reactToStatus(replaced, status('TASK_RUNNING'), config, NOW)).toMatchObject({
      changes: [],
      kill: 'until-gone',
    });
    expect(reactToStatus(replaced, status('TASK_KILLED'), config, NOW)).toEqual({
      changes: [],
      stopKilling: true,
    });
  });
});

describe('task history', () => {
  const history = (n: NodeDoc, s: TaskStatus) => {
    const changes = reactToStatus(n, s, config, NOW).changes;
    return changes[changes.length - 1]?.patch.taskHistory;
  };

  it('records each state of the task with its reason and message, once', () => {
    const failed = status('TASK_FAILED', {
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
      message: 'Failed to fetch all URIs',
    });
    const h = history(node('launching'), failed)!;
    expect(h).toEqual([
      {
        at: '2026-01-01T00:00:00.000Z',
        taskId: 'riak-default-1',
        state: 'TASK_FAILED',
        reason: 'REASON_COMMAND_EXECUTOR_FAILED',
        message: 'Failed to fetch all URIs',
        agentId: 'a1',
      },
    ]);
    // Written with the transition itself (one write), not as a change of its own.
    expect(reactToStatus(node('launching'), failed, config, NOW).changes).toHaveLength(1);
    // The failure stays when the relaunch starts, and a repeated state is not recorded again.
    const starting = history(node('launching', { taskHistory: h }), status('TASK_STARTING'))!;
    expect(starting.map((e) => e.state)).toEqual(['TASK_FAILED', 'TASK_STARTING']);
    const running = history(node('running', { taskHistory: starting }), status('TASK_STARTING'));
    expect(running).toBeUndefined();
  });

  it("keeps the last entries only, and nothing of another task's updates", () => {
    let h: NodeDoc['taskHistory'] = [];
    for (let i = 0; i < TASK_HISTORY_MAX + 5; i++)
      h = nextTaskHistory(h, status(i % 2 ? 'TASK_RUNNING' : 'TASK_STARTING'), NOW + i)!;
    expect(h).toHaveLength(TASK_HISTORY_MAX);
    expect(h[h.length - 1].at).toBe(new Date(NOW + TASK_HISTORY_MAX + 4).toISOString());
    const other = status('TASK_RUNNING', { task_id: { value: 'riak-default-1-rold' } });
    expect(history(node('running'), other)).toBeUndefined();
  });
});

describe('last task message', () => {
  it('a repeated state without a message keeps the message that explains it', () => {
    const failed = node('restarting', {
      lastTaskState: 'TASK_FAILED',
      lastTaskMessage: 'Failed to fetch all URIs',
    });
    const r = reactToStatus(failed, status('TASK_FAILED'), config, NOW);
    for (const c of r.changes)
      if ('lastTaskMessage' in c.patch)
        expect(c.patch.lastTaskMessage).toBe('Failed to fetch all URIs');
    const next = reactToStatus(failed, status('TASK_STARTING'), config, NOW);
    expect(next.changes.every((c) => c.patch.lastTaskMessage === undefined)).toBe(true);
  });
});
