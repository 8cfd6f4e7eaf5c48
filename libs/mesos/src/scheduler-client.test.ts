import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient } from '@riak-mesos/zk';
import { MesosHttpError } from './http';
import { SchedulerClient } from './scheduler-client';
import { TestMaster } from './test-support/fake-master';
import type { TaskStatus } from './types';

const frameworkInfo = {
  user: 'root',
  name: 'riak',
  role: 'riak',
  principal: 'riak',
  checkpoint: true,
  failover_timeout: 60,
};
const clients: SchedulerClient[] = [];
const masters: TestMaster[] = [];

async function master(): Promise<TestMaster> {
  const m = await new TestMaster().start();
  masters.push(m);
  return m;
}
function client(
  opts: Partial<ConstructorParameters<typeof SchedulerClient>[0]> & { master: string },
): SchedulerClient {
  const c = new SchedulerClient({ frameworkInfo, backoff: { initialMs: 20, maxMs: 200 }, ...opts });
  clients.push(c);
  c.on('error', () => undefined);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(masters.splice(0).map((m) => m.stop()));
});

describe('SchedulerClient', () => {
  it.each(['protobuf', 'json'] as const)(
    'subscribes, receives events and acknowledges updates (%s)',
    async (format) => {
      const m = await master();
      const c = client({ master: m.url, format });
      const subscribed = new Promise<{ frameworkId: string }>((r) => c.once('subscribed', r));
      c.start();
      const info = await subscribed;
      expect(info.frameworkId).toMatch(/^fw-/);
      expect(m.calls[0].call.subscribe!.framework_info).toMatchObject({
        user: 'root',
        name: 'riak',
        role: 'riak',
        checkpoint: true,
      });
      expect(m.calls[0].format).toBe(format);

      const update = new Promise<TaskStatus>((r) => c.once('update', r));
      m.send({
        type: 'UPDATE',
        update: {
          status: {
            task_id: { value: 't1' },
            state: 'TASK_RUNNING',
            agent_id: { value: 'a1' },
            uuid: Buffer.from('0123456789abcdef'),
          },
        },
      });
      const status = await update;
      await c.acknowledge(status.agent_id!, status.task_id, status.uuid!);
      const ack = m.calls.find((x) => x.call.type === 'ACKNOWLEDGE')!;
      expect(ack.streamId).toBeDefined();
      expect(ack.call.framework_id!.value).toBe(info.frameworkId);
      expect(Buffer.from(ack.call.acknowledge!.uuid).toString()).toBe('0123456789abcdef');

      await c.decline([{ value: 'o1' }], { refuse_seconds: 30 });
      await c.reconcile([]);
      await c.suppress();
      await c.revive();
      expect(m.calls.map((x) => x.call.type)).toEqual([
        'SUBSCRIBE',
        'ACKNOWLEDGE',
        'DECLINE',
        'RECONCILE',
        'SUPPRESS',
        'REVIVE',
      ]);
      expect(m.calls[2].call.decline!.filters!.refuse_seconds).toBe(30);
    },
  );

  it('treats missed heartbeats as a lost connection and re-subscribes with its framework id', async () => {
    const m = await master();
    m.heartbeatSeconds = 0.1;
    const c = client({ master: m.url, heartbeatMissFactor: 2 });
    const disconnected = new Promise<string>((r) => c.once('disconnected', r));
    c.start();
    expect(await disconnected).toMatch(/missed heartbeats/);
    await waitFor(() => m.subscriptions >= 2, { what: 're-subscription' });
    const second = m.calls.filter((x) => x.call.type === 'SUBSCRIBE')[1];
    expect(second.call.framework_id?.value).toBeDefined();
    expect(second.call.subscribe!.framework_info.id?.value).toBe(second.call.framework_id?.value);
  });

  it('keeps the connection while heartbeats arrive', async () => {
    const m = await master();
    m.heartbeatSeconds = 0.1;
    const c = client({ master: m.url, heartbeatMissFactor: 3 });
    c.start();
    await waitFor(() => c.subscribed);
    const timer = setInterval(() => m.send({ type: 'HEARTBEAT' }), 50);
    await new Promise((r) => setTimeout(r, 600));
    clearInterval(timer);
    expect(m.subscriptions).toBe(1);
  });

  it('follows a 307 redirect to the leading master (Location as //host:port/...)', async () => {
    const leader = await master();
    const follower = await master();
    follower.redirectTo = `//127.0.0.1:${leader.port}/master/api/v1/scheduler`;
    const c = client({ master: follower.url });
    const subscribed = new Promise<{ master: string }>((r) => c.once('subscribed', r));
    c.start();
    expect((await subscribed).master).toBe(leader.url);
    await c.revive();
    expect(leader.calls.map((x) => x.call.type)).toEqual(['SUBSCRIBE', 'REVIVE']);
  });

  it('reports what Mesos said when it refuses (401) and stops', async () => {
    const m = await master();
    m.requireAuth = 'riak:secret';
    const c = client({ master: m.url, credentials: { principal: 'riak', secret: 'wrong' } });
    const error = new Promise<Error>((r) => c.once('error', r));
    c.start();
    const err = await error;
    expect(err).toBeInstanceOf(MesosHttpError);
    expect(err.message).toMatch(/requires authentication \(401 Unauthorized\)/);
  });

  it('authenticates with principal and secret', async () => {
    const m = await master();
    m.requireAuth = 'riak:secret';
    const c = client({ master: m.url, credentials: { principal: 'riak', secret: 'secret' } });
    c.start();
    await waitFor(() => c.subscribed);
  });

  it('rejects calls before it is subscribed', async () => {
    const c = client({ master: 'http://127.0.0.1:9' });
    await expect(c.revive()).rejects.toThrow(/not subscribed/);
  });
});

describe('zk:// master detection', () => {
  let zkServer: ZooKeeperServer;
  beforeAll(async () => {
    zkServer = await startZooKeeper();
  });
  afterAll(async () => zkServer.close());

  it('finds the leader in ZooKeeper and follows a leader change', async () => {
    const chroot = uniqueChroot('mesos');
    const zk = await ZkClient.connect({ connect: zkServer.connectString });
    try {
      const a = await master();
      const b = await master();
      await zk.ensurePath(chroot);
      const info = (m: TestMaster) =>
        JSON.stringify({
          id: `m${m.port}`,
          hostname: '127.0.0.1',
          port: m.port,
          address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: m.port },
        });
      const nodeA = await zk.create(`${chroot}/json.info_`, info(a), {
        mode: 'ephemeral_sequential',
      });
      // A non-JSON registration (older masters) is ignored.
      await zk.create(`${chroot}/info_`, 'binary', { mode: 'ephemeral_sequential' });
      const c = client({ master: `zk://${zkServer.connectString}${chroot}` });
      const first = new Promise<{ master: string }>((r) => c.once('subscribed', r));
      c.start();
      expect((await first).master).toBe(a.url);
      await zk.create(`${chroot}/json.info_`, info(b), { mode: 'ephemeral_sequential' });
      const second = new Promise<{ master: string }>((r) => c.once('subscribed', r));
      await zk.delete(nodeA);
      expect((await second).master).toBe(b.url);
      expect(b.calls[0].call.framework_id?.value).toBeDefined();
    } finally {
      await zk.close();
    }
  });
});
