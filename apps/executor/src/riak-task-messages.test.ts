import { parseExecutorReply, parseExecutorRequest } from '@riak-mesos/framework-contract';
import { createLogger } from '@riak-mesos/logging';
import type { TaskInfo } from '@riak-mesos/mesos';
import type { StatusSink } from './riak-task';
import { RiakTask } from './riak-task';

// The framework messages a task answers before anything is started: every reply follows the
// contract, a request that breaks it is answered with what is wrong. `failReplies` answers so many
// replies' first attempts with an error, as an agent that cannot be reached does.
function task(o: { failReplies?: number; replyTimeoutMs?: number } = {}) {
  const replies: unknown[] = [];
  const updates: string[] = [];
  /** Replies and updates in the order they went out. */
  const order: string[] = [];
  let failures = o.failReplies ?? 0;
  let attempts = 0;
  const sink: StatusSink = {
    update: (u) => {
      order.push(`update ${u.state}`);
      return Promise.resolve(updates.push(u.state));
    },
    message: (data) => {
      attempts++;
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error('connect ECONNREFUSED (the agent is down)'));
      }
      const reply = JSON.parse(data.toString('utf8')) as { type: string };
      order.push(`reply ${reply.type}`);
      return Promise.resolve(replies.push(reply));
    },
  };
  const info: TaskInfo = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' } };
  const t = new RiakTask(
    info,
    {
      sandbox: '/nonexistent',
      readyTimeoutMs: 1000,
      stopGraceMs: 1000,
      templateRetries: 0,
      leaveTimeoutMs: 1000,
      drainMs: 0,
      replyTimeoutMs: o.replyTimeoutMs ?? 60000,
      zkSessionTimeoutMs: 1000,
    },
    sink,
    createLogger('executor-test', { level: 'error' }),
  );
  const send = (m: unknown) =>
    t.onMessage(Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)));
  return { t, send, replies, updates, order, attempts: () => attempts };
}

describe('framework messages', () => {
  it('answers a request that breaks the contract with what is wrong', async () => {
    const { send, replies } = task();
    await send('{not json');
    await send({ version: 1, id: 'j1', type: 'join', target: 'no-host' });
    await send({ version: 2, id: 's1', type: 'status' });
    await send({ version: 1, id: 'x1', type: 'dance' });
    expect(replies).toEqual([
      {
        version: 1,
        type: 'unknown',
        ok: false,
        error: expect.stringMatching(/^the message is not JSON: /),
      },
      {
        version: 1,
        id: 'j1',
        type: 'join',
        ok: false,
        error: 'invalid join request: target: must be <name>@<host>',
      },
      {
        version: 1,
        id: 's1',
        type: 'status',
        ok: false,
        error: 'invalid status request: version: must be 1 (the executor protocol version)',
      },
      {
        version: 1,
        id: 'x1',
        type: 'dance',
        ok: false,
        error: expect.stringMatching(/^invalid request: type: Invalid discriminator value/),
      },
    ]);
    // What the scheduler reads of them: failed answers of the type it asked.
    expect(parseExecutorReply(JSON.stringify(replies[1]))).toMatchObject({
      ok: true,
      reply: { id: 'j1', type: 'join', ok: false },
    });
  });

  it('answers a valid request it cannot do yet with an error reply of its type', async () => {
    const { send, replies } = task();
    await send({ version: 1, id: 's2', type: 'status', view: 'transfers' });
    await send({ version: 1, id: 'l1', type: 'leave' });
    expect(replies).toEqual([
      {
        version: 1,
        id: 's2',
        type: 'status',
        ok: false,
        error: 'the node is not running (starting)',
      },
      {
        version: 1,
        id: 'l1',
        type: 'leave',
        ok: false,
        error: 'the node is not running (starting)',
      },
    ]);
    for (const r of replies) expect(parseExecutorReply(JSON.stringify(r)).ok).toBe(true);
  });

  it('reads and answers leave with its state, as both sides parse it', () => {
    expect(parseExecutorRequest('{"version":1,"id":"l3","type":"leave","wait":false}')).toEqual({
      ok: true,
      request: { version: 1, id: 'l3', type: 'leave', wait: false },
    });
    expect(
      parseExecutorRequest('{"version":1,"id":"l4","type":"leave","wait":"no"}'),
    ).toMatchObject({ ok: false, error: 'invalid leave request: wait: must be true or false' });
    const answer = { version: 1, id: 'l3', type: 'leave', ok: true };
    expect(
      parseExecutorReply(JSON.stringify({ ...answer, state: 'leaving', already: true })),
    ).toEqual({ ok: true, reply: { ...answer, state: 'leaving', already: true } });
    // An older executor's answer, without the state, still reads.
    expect(parseExecutorReply(JSON.stringify(answer))).toEqual({ ok: true, reply: answer });
    expect(parseExecutorReply(JSON.stringify({ ...answer, state: 'gone' }))).toMatchObject({
      ok: false,
      id: 'l3',
    });
  });

  it("takes the original's bare finish and ends the task, without an answer", async () => {
    const { t, send, replies, updates } = task();
    await send('finish');
    await t.finished;
    expect(replies).toEqual([]);
    expect(updates).toEqual(['TASK_FINISHED']);
  });

  it('answers a finish before it stops the task', async () => {
    const { t, send, replies, order } = task();
    await send({ version: 1, id: 'f1', type: 'finish' });
    await t.finished;
    expect(replies).toEqual([{ version: 1, id: 'f1', type: 'finish', ok: true }]);
    expect(order).toEqual(['reply finish', 'update TASK_FINISHED']);
    expect(parseExecutorReply(JSON.stringify(replies[0]))).toMatchObject({ ok: true });
  });

  it('sends an answer the agent refused again until it goes through, without throwing', async () => {
    const { send, replies, attempts } = task({ failReplies: 3 });
    // Both the answer and the error answer of a failed request are retried (the error answer
    // used to throw out of the catch that sent it).
    await expect(send({ version: 1, id: 'l2', type: 'leave' })).resolves.toBeUndefined();
    expect(attempts()).toBe(4);
    expect(replies).toEqual([
      {
        version: 1,
        id: 'l2',
        type: 'leave',
        ok: false,
        error: 'the node is not running (starting)',
      },
    ]);
  });

  it('gives an answer up after RIAK_MESOS_REPLY_TIMEOUT, without throwing', async () => {
    const { send, replies, attempts } = task({ failReplies: 1000, replyTimeoutMs: 500 });
    const started = Date.now();
    await expect(send({ version: 1, id: 's3', type: 'status' })).resolves.toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(attempts()).toBeGreaterThan(1);
    expect(replies).toEqual([]);
  });
});
