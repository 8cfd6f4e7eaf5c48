import type { ExecutorReply } from '@riak-mesos/framework-contract';
import type { NodeDoc } from '../model';
import { testNode } from '../test-support/docs';
import { HandoffWatch, handoffAnswered, handoffStep, recovering } from './handoff-watch';

const node = testNode;
const healthy = () => [node(1), node(2), node(3)];
const NONE = new Set<string>();

/** A `status transfers` answer as the executor sends it (apps/executor riak-task.ts). */
const transfers = (output: string, active: boolean): ExecutorReply => ({
  version: 1,
  id: 'q',
  type: 'status',
  ok: true,
  result: { view: 'transfers', output, active },
});
const WAITING =
  "'riak-default-2@host-2' waiting to handoff 5 partitions\n\nActive Transfers:\n\n\nok\n";

describe('handoff after a recovery', () => {
  it('a recovery is a wanted node that ran and is not running, outside any plan', () => {
    expect(recovering(healthy(), NONE)).toBe(false);
    const down = [node(1), node(2, { state: 'restarting', lastTaskState: 'TASK_FAILED' })];
    expect(recovering(down, NONE)).toBe(true);
    expect(recovering(down, new Set(['riak-default-2']))).toBe(false);
    // Never launched yet: a deployment, not a recovery.
    expect(
      recovering([node(1), node(2, { state: 'requested', lastTaskState: undefined })], NONE),
    ).toBe(false);
  });

  it('asks the first member once every wanted node runs as a member, at most every interval', () => {
    const joining = [node(1), node(2, { member: false })];
    expect(handoffStep({}, joining, 0, 5000)).toEqual({ wait: 'a node is joining the ring' });
    expect(handoffStep({}, [node(1), node(2, { state: 'starting' })], 0, 5000)).toEqual({
      wait: 'a node is not running yet',
    });
    expect(handoffStep({}, [node(3), node(1), node(2)], 0, 5000)).toEqual({ ask: node(1) });
    expect(handoffStep({ askedAt: 1000 }, healthy(), 4000, 5000)).toEqual({
      wait: 'asked recently',
    });
    expect(handoffStep({ askedAt: 1000 }, healthy(), 6000, 5000)).toEqual({ ask: node(1) });
  });

  it('ends when Riak says nothing waits; keeps Riak’s words or the error otherwise', () => {
    expect(handoffAnswered({}, 'n1', transfers('No transfers active\n\nok\n', false), 9)).toEqual({
      done: true,
    });
    expect(handoffAnswered({ askedAt: 5 }, 'n1', transfers(WAITING, true), 9)).toEqual({
      done: false,
      state: {
        askedAt: 5,
        pending: {
          node: 'n1',
          text: "'riak-default-2@host-2' waiting to handoff 5 partitions",
          at: 9,
        },
      },
    });
    const failed: ExecutorReply = {
      version: 1,
      id: 'q',
      type: 'status',
      ok: false,
      error: 'nodetool timed out',
    };
    expect(handoffAnswered({}, 'n1', failed, 9)).toEqual({
      done: false,
      state: { error: { node: 'n1', text: 'nodetool timed out', at: 9 } },
    });
  });

  it('watches a cluster from a recovery until a member says no transfer waits', async () => {
    let now = 0;
    const answers: ExecutorReply[] = [
      transfers(WAITING, true),
      transfers('No transfers active\n', false),
    ];
    const asked: string[] = [];
    const pending: Promise<void>[] = [];
    const watch = new HandoffWatch({
      ask: (n: NodeDoc) => {
        asked.push(n.key);
        return Promise.resolve(answers.shift()!);
      },
      later: (fn) => void pending.push(Promise.resolve().then(fn)),
      intervalMs: 5000,
      now: () => now,
    });
    const settle = async () => {
      await new Promise((r) => setImmediate(r));
      await Promise.all(pending);
    };
    watch.progress('default', healthy(), NONE);
    expect(watch.status('default')).toBeUndefined();
    watch.progress(
      'default',
      [node(1), node(2, { state: 'restarting', lastTaskState: 'TASK_LOST' })],
      NONE,
    );
    expect(watch.status('default')?.text).toMatch(
      /^handoff after a recovery not known to be finished yet/,
    );
    watch.progress('default', healthy(), NONE);
    await settle();
    expect(asked).toEqual(['riak-default-1']);
    expect(watch.status('default')?.text).toMatch(
      /^handoff after a recovery: riak-default-1 says 'riak-default-2@host-2' waiting to handoff 5 partitions; until it ends, quorum reads/,
    );
    now = 3000;
    watch.progress('default', healthy(), NONE);
    await settle();
    expect(asked).toHaveLength(1);
    now = 6000;
    watch.progress('default', healthy(), NONE);
    await settle();
    expect(asked).toHaveLength(2);
    expect(watch.status('default')).toBeUndefined();
  });

  it('a new leader watches every cluster with a node running once, not a new deployment', () => {
    const watch = new HandoffWatch({
      ask: () => new Promise(() => undefined),
      later: () => undefined,
      intervalMs: 5000,
    });
    watch.prime([
      { name: 'a', nodes: healthy() },
      { name: 'empty', nodes: [] },
      { name: 'new', nodes: [node(1, { state: 'requested', lastTaskState: undefined })] },
    ]);
    watch.prime([{ name: 'b', nodes: healthy() }]);
    expect(watch.status('a')).toBeDefined();
    expect(watch.status('empty')).toBeUndefined();
    expect(watch.status('new')).toBeUndefined();
    expect(watch.status('b')).toBeUndefined();
    watch.retain([]);
    expect(watch.status('a')).toBeUndefined();
  });
});
