import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePort, startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { ZkClient } from '@riak-mesos/zk';
import { loadConfig } from '../config';
import { EventHub } from '../events';
import { SchedulerMetrics } from '../metrics';
import type { NodeDoc } from '../model';
import { SchedulerStore } from '../store';
import { Driver } from './driver';

// The driver's side of the executor contract without Mesos: what it refuses to send, and what
// it counts as a reply that breaks the contract. (Replies that answer a request are covered by
// the scheduler's integration tests.)
let server: ZooKeeperServer;
let zk: ZkClient;
let driver: Driver;
let metrics: SchedulerMetrics;

beforeAll(async () => {
  server = await startZooKeeper();
  zk = await ZkClient.connect({ connect: server.connectString + uniqueChroot('replies') });
  const store = new SchedulerStore(zk, 'riak');
  await store.init();
  metrics = new SchedulerMetrics(store);
  const config = loadConfig({ master: `http://127.0.0.1:${await freePort()}` }, {});
  driver = new Driver(
    {
      config,
      store,
      events: new EventHub(),
      metrics,
      logger: createLogger('driver-test', { level: 'error' }),
      schedulerUrl: 'http://127.0.0.1:9090',
      zookeepers: [server.connectString],
      zookeeperChroot: '',
    },
    undefined,
  );
});
afterAll(async () => {
  await driver.stop();
  await zk.close();
  await server.close();
});

const node = (over: Partial<NodeDoc> = {}): NodeDoc => ({
  key: 'riak-default-1',
  cluster: 'default',
  generation: 1,
  state: 'running',
  wanted: true,
  agentId: 'a1',
  hostname: '127.0.0.2',
  persistenceId: 'p',
  reservedPorts: [],
  taskId: 'riak-default-1',
  executorId: 'e1',
  member: true,
  failures: 0,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  ...over,
});

const rejected = async () =>
  Object.fromEntries(
    (
      await metrics.registry.getSingleMetric('riak_mesos_executor_replies_rejected_total')!.get()
    ).values.map((v) => [String(v.labels.reason), v.value]),
  );

describe('executor replies', () => {
  it('counts the ones that break the contract, by reason, and ignores answers to nothing', async () => {
    const message = (text: string) =>
      driver.client.emit('message', {
        agent_id: { value: 'a1' },
        executor_id: { value: 'e1' },
        data: Buffer.from(text),
      });
    message('not json');
    message(JSON.stringify({ version: 1, id: 'x', type: 'status', ok: true }));
    message(JSON.stringify({ version: 1, id: 'y', type: 'join', ok: 'yes' }));
    message(JSON.stringify({ version: 1, id: 'z', type: 'leave', ok: true }));
    expect(await rejected()).toEqual({ json: 1, schema: 2 });
  });
});

describe('executor requests', () => {
  it('are checked before they are sent', async () => {
    await expect(driver.ask(node(), { type: 'remove', target: 'riak-default-2' })).rejects.toThrow(
      'invalid remove request to riak-default-1: target: must be <name>@<host>',
    );
    await expect(
      driver.ask(node(), { type: 'status', view: 'types', bucketType: '../etc' }),
    ).rejects.toThrow(
      /^invalid status request to riak-default-1: bucketType: must be a bucket type/,
    );
    await expect(driver.ask(node({ executorId: undefined }), { type: 'leave' })).rejects.toThrow(
      'node riak-default-1 has no executor',
    );
  });
});
