import { parseExecutorReply } from '@riak-mesos/framework-contract';
import { createLogger } from '@riak-mesos/logging';
import type { TaskInfo } from '@riak-mesos/mesos';
import type { StatusSink } from './riak-task';
import { RiakTask } from './riak-task';

// The framework messages a task answers before anything is started: every reply follows the
// contract, a request that breaks it is answered with what is wrong.
function task() {
  const replies: unknown[] = [];
  const updates: string[] = [];
  const sink: StatusSink = {
    update: (u) => Promise.resolve(updates.push(u.state)),
    message: (data) => Promise.resolve(replies.push(JSON.parse(data.toString('utf8')))),
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
      zkSessionTimeoutMs: 1000,
    },
    sink,
    createLogger('executor-test', { level: 'error' }),
  );
  const send = (m: unknown) =>
    t.onMessage(Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)));
  return { t, send, replies, updates };
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

  it("takes the original's bare finish and ends the task", async () => {
    const { t, send, replies, updates } = task();
    await send('finish');
    await t.finished;
    expect(replies).toEqual([]);
    expect(updates).toEqual(['TASK_FINISHED']);
  });
});
