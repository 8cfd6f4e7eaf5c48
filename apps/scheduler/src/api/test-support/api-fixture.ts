import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { createLogger } from '@riak-mesos/logging';
import { validateAdvancedConfigTemplate, validateRiakConfTemplate } from '@riak-mesos/riak-config';
import { ZkClient } from '@riak-mesos/zk';
import { EventHub } from '../../events';
import { SchedulerStore } from '../../store';
import type { ApiServer, ApiServerOptions } from '../server';
import { startApiServer } from '../server';

export const TEST_TOKEN = 'routes-test-token';

export interface ApiFixture {
  zkServer: ZooKeeperServer;
  zk: ZkClient;
  store: SchedulerStore;
  events: EventHub;
  api: ApiServer;
  /**
   * A request with the token; the body as JSON; the answer's status and parsed body (untyped:
   * the tests read the fields they check, or parse it with the contract's schemas).
   */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/**
 * The scheduler's API on real ZooKeeper and a real HTTP port, for route tests: a store in its own
 * chroot, the API with a token, and `call` sending it. `options` adds or overrides API deps.
 */
export async function startApiFixture(
  name: string,
  options: Partial<ApiServerOptions> & { isLeader: () => boolean },
): Promise<ApiFixture> {
  const zkServer = await startZooKeeper();
  const zk = await ZkClient.connect({ connect: zkServer.connectString + uniqueChroot(name) });
  const store = new SchedulerStore(zk, 'riak');
  await store.init();
  const events = options.events ?? new EventHub();
  events.follow(store);
  const api = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    store,
    events,
    logger: createLogger(`${name}-api-test`),
    riakVersions: () => ['riak-kv-3.2'],
    leaderUrl: () => Promise.resolve('http://leader.example:9090'),
    frameworkStatus: () => ({ registered: true, frameworkId: 'fw-1' }),
    validateRiakConf: validateRiakConfTemplate,
    validateAdvancedConfig: validateAdvancedConfigTemplate,
    auth: { token: TEST_TOKEN },
    ...options,
  });
  return {
    zkServer,
    zk,
    store,
    events,
    api,
    async call(method, path, body) {
      const res = await fetch(`${api.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await api.close();
      store.close();
      await zk.close();
      await zkServer.close();
    },
  };
}
