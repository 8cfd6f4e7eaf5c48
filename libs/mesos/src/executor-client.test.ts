import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@riak-mesos/testing';
import {
  CONTENT_TYPES,
  decodeExecutorCall,
  encodeExecutorEvent,
  formatOfContentType,
} from './codec';
import type { ExecutorEnvironment } from './executor-client';
import { ExecutorClient, executorEnvironment, parseMesosDuration } from './executor-client';
import { encodeRecord } from './recordio';
import type { ExecutorCall, ExecutorEvent, TaskInfo } from './types';

/** A minimal agent executor API for client tests: a real HTTP server on loopback. */
class TestAgent {
  server!: Server;
  port = 0;
  calls: ExecutorCall[] = [];
  private stream: ServerResponse | undefined;
  private format: 'protobuf' | 'json' = 'protobuf';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.format = formatOfContentType(req.headers['content-type']) ?? 'json';
    const call = decodeExecutorCall(Buffer.concat(chunks), this.format);
    this.calls.push(call);
    if (call.type === 'SUBSCRIBE') {
      res.writeHead(200, { 'content-type': CONTENT_TYPES[this.format] });
      this.stream = res;
      this.send({
        type: 'SUBSCRIBED',
        subscribed: {
          executor_info: { executor_id: call.executor_id, framework_id: call.framework_id },
          framework_info: { user: 'root', name: 'riak', id: call.framework_id },
          agent_info: { hostname: 'agent-1', id: { value: 'a1' } },
        },
      });
      return;
    }
    res.writeHead(202).end();
  }
  send(e: ExecutorEvent) {
    this.stream?.write(encodeRecord(encodeExecutorEvent(e, this.format)));
  }
  async stop() {
    this.stream?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const task: TaskInfo = {
  name: 'riak',
  task_id: { value: 't1' },
  agent_id: { value: 'a1' },
  data: Buffer.from('{}'),
};

function env(port: number, extra: Partial<ExecutorEnvironment> = {}): ExecutorEnvironment {
  return {
    agentEndpoint: `127.0.0.1:${port}`,
    frameworkId: 'fw',
    executorId: 'ex',
    checkpoint: true,
    recoveryTimeoutMs: 5000,
    subscriptionBackoffMaxMs: 100,
    shutdownGracePeriodMs: 1000,
    ...extra,
  };
}

describe('executor environment', () => {
  it('reads the MESOS_* variables', () => {
    const e = executorEnvironment({
      MESOS_AGENT_ENDPOINT: '10.0.0.1:5051',
      MESOS_FRAMEWORK_ID: 'fw',
      MESOS_EXECUTOR_ID: 'ex',
      MESOS_CHECKPOINT: '1',
      MESOS_RECOVERY_TIMEOUT: '15mins',
      MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
    });
    expect(e).toMatchObject({
      agentEndpoint: '10.0.0.1:5051',
      checkpoint: true,
      recoveryTimeoutMs: 900000,
      subscriptionBackoffMaxMs: 2000,
    });
  });
  it('says what is wrong', () => {
    expect(() => executorEnvironment({})).toThrow(
      /MESOS_AGENT_ENDPOINT.*MESOS_FRAMEWORK_ID.*MESOS_EXECUTOR_ID/,
    );
    expect(() =>
      executorEnvironment({
        MESOS_AGENT_ENDPOINT: 'nohost',
        MESOS_FRAMEWORK_ID: 'f',
        MESOS_EXECUTOR_ID: 'e',
      }),
    ).toThrow(/MESOS_AGENT_ENDPOINT: must be host:port/);
    expect(() =>
      executorEnvironment({
        MESOS_AGENT_ENDPOINT: 'h:1',
        MESOS_FRAMEWORK_ID: 'f',
        MESOS_EXECUTOR_ID: 'e',
        MESOS_RECOVERY_TIMEOUT: 'soon',
      }),
    ).toThrow(/MESOS_RECOVERY_TIMEOUT: 'soon' is not a Mesos duration/);
    expect(parseMesosDuration('500ms')).toBe(500);
    expect(parseMesosDuration('1hrs')).toBe(3600000);
  });
});

describe('ExecutorClient', () => {
  let agent: TestAgent;
  let client: ExecutorClient;
  afterEach(async () => {
    await client?.stop();
    await agent?.stop();
  });

  it('subscribes, gets a task, sends reliable updates and re-sends them after the agent restarts', async () => {
    agent = await new TestAgent().start();
    client = new ExecutorClient(env(agent.port));
    const launched = new Promise<TaskInfo>((r) => client.once('launch', r));
    client.start();
    await waitFor(() => agent.calls.length === 1);
    agent.send({ type: 'LAUNCH', launch: { task } });
    expect((await launched).task_id.value).toBe('t1');

    const sent = await client.update({
      task_id: task.task_id,
      state: 'TASK_RUNNING',
      data: Buffer.from('{"RexPort":8098}'),
    });
    expect(sent.uuid).toHaveLength(16);
    expect(sent.source).toBe('SOURCE_EXECUTOR');
    const update = agent.calls.find((c) => c.type === 'UPDATE')!;
    expect(update.update!.status).toMatchObject({
      state: 'TASK_RUNNING',
      executor_id: { value: 'ex' },
    });

    // The agent restarts before acknowledging: the executor re-subscribes with the update and task.
    const port = agent.port;
    await agent.stop();
    agent = await new TestAgent().start(port);
    await waitFor(() => agent.calls.some((c) => c.type === 'SUBSCRIBE'), {
      what: 're-subscription',
    });
    const resub = agent.calls.find((c) => c.type === 'SUBSCRIBE')!;
    expect(resub.subscribe!.unacknowledged_updates!.map((u) => u.status.state)).toEqual([
      'TASK_RUNNING',
    ]);
    expect(Buffer.from(resub.subscribe!.unacknowledged_updates![0].status.uuid!)).toEqual(
      sent.uuid,
    );
    expect(resub.subscribe!.unacknowledged_tasks!.map((t) => t.task_id.value)).toEqual(['t1']);

    // Acknowledged: nothing pending any more.
    const acked = new Promise((r) => client.once('acknowledged', r));
    agent.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: task.task_id, uuid: sent.uuid! } });
    await acked;
    expect(client.pendingUpdates).toEqual([]);
  });

  it('passes framework messages both ways', async () => {
    agent = await new TestAgent().start();
    client = new ExecutorClient(env(agent.port), { format: 'json' });
    const got = new Promise<Buffer>((r) => client.once('message', r));
    client.start();
    await waitFor(() => agent.calls.length === 1);
    agent.send({
      type: 'MESSAGE',
      message: { data: Buffer.from('{"version":1,"type":"status"}') },
    });
    expect((await got).toString()).toBe('{"version":1,"type":"status"}');
    await client.message(Buffer.from('{"ok":true}'));
    expect(
      Buffer.from(agent.calls.find((c) => c.type === 'MESSAGE')!.message!.data).toString(),
    ).toBe('{"ok":true}');
  });

  it('gives up when the agent goes away and it is not checkpointing', async () => {
    agent = await new TestAgent().start();
    client = new ExecutorClient(env(agent.port, { checkpoint: false }));
    const lost = new Promise<string>((r) => client.once('lost', r));
    client.start();
    await waitFor(() => agent.calls.length === 1);
    await agent.stop();
    expect(await lost).toMatch(/not checkpointing/);
  });

  it('gives up after the recovery timeout when checkpointing', async () => {
    agent = await new TestAgent().start();
    client = new ExecutorClient(env(agent.port, { recoveryTimeoutMs: 300 }));
    const lost = new Promise<string>((r) => client.once('lost', r));
    client.start();
    await waitFor(() => agent.calls.length === 1);
    await agent.stop();
    expect(await lost).toMatch(/within the recovery timeout/);
  });

  it('tries again when an agent takes the SUBSCRIBE and never answers it', async () => {
    // An agent that reads the call and then says nothing (as one still recovering might).
    const calls: number[] = [];
    const silent = createServer((req) => {
      calls.push(Date.now());
      req.resume();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      client = new ExecutorClient(env(port, { recoveryTimeoutMs: 120000 }));
      client.start();
      await waitFor(() => calls.length >= 2, { timeoutMs: 30000, what: 'a second SUBSCRIBE' });
    } finally {
      await client.stop();
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 40000);
});
