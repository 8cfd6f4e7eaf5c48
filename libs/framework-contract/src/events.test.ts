import { parseEventStreamMessage } from './events';

const time = '2026-11-30T10:00:00.000Z';

describe('the event stream contract', () => {
  it('parses the hello and each kind of event', () => {
    const messages: unknown[] = [
      { type: 'hello', leader: true, registered: true, frameworkId: 'fw-1' },
      { type: 'hello', leader: false, registered: false },
      {
        type: 'node',
        cluster: 'default',
        node: 'riak-default-1',
        state: 'running',
        previousState: 'starting',
        member: true,
        seq: 3,
        time,
      },
      { type: 'node-deleted', cluster: 'default', node: 'riak-default-1', seq: 4, time },
      { type: 'task', node: 'riak-default-1', taskId: 't-1', state: 'TASK_RUNNING', seq: 5, time },
      { type: 'scheduler', state: 'subscribed', frameworkId: 'fw-1', seq: 6, time },
    ];
    for (const m of messages)
      expect(parseEventStreamMessage(m)).toEqual({ success: true, data: m });
  });

  it('names each wrong field of a bad event, by its type', () => {
    const bad = parseEventStreamMessage({
      type: 'node',
      cluster: 'default',
      node: '',
      state: 'running',
      previousState: null,
      member: 'maybe',
      seq: 1,
      time,
    });
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.error).toMatch(/^node: .*; member: /);
    expect(parseEventStreamMessage({ type: 'hello', leader: 'yes', registered: true })).toEqual({
      success: false,
      error: expect.stringMatching(/^leader: /),
    });
  });

  it('refuses events without their number or time, of unknown types, and non-objects', () => {
    const node = { type: 'cluster-deleted', cluster: 'c' };
    expect(parseEventStreamMessage(node).success).toBe(false);
    expect(parseEventStreamMessage({ ...node, seq: 0, time }).success).toBe(false);
    expect(parseEventStreamMessage({ ...node, seq: 1, time }).success).toBe(true);
    expect(parseEventStreamMessage({ type: 'weather', seq: 1, time }).success).toBe(false);
    for (const v of [null, 'hello', 42, []]) expect(parseEventStreamMessage(v).success).toBe(false);
  });
});
