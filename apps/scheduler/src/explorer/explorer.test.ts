import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { ZkClient } from '@riak-mesos/zk';
import type { ApiServer } from '../api/server';
import { startApiServer } from '../api/server';
import { EventHub } from '../events';
import { SchedulerMetrics } from '../metrics';
import { SchedulerStore } from '../store';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', '..', '..', 'test-artifacts');

let zkServer: ZooKeeperServer;
let zk: ZkClient;
let store: SchedulerStore;
let api: ApiServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}; run npm run setup (Debian package chromium)`,
    );
  zkServer = await startZooKeeper();
  zk = await ZkClient.connect({ connect: zkServer.connectString + uniqueChroot('explorer') });
  store = new SchedulerStore(zk, 'riak');
  await store.init();
  const events = new EventHub();
  events.follow(store);
  api = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    store,
    events,
    metrics: new SchedulerMetrics(store),
    logger: createLogger('explorer-test'),
    riakVersions: () => ['riak-kv-2-2'],
    isLeader: () => true,
    leaderUrl: () => Promise.resolve(undefined),
    frameworkStatus: () => ({ registered: true, frameworkId: 'fw-explorer' }),
    validateRiakConf: () => undefined,
    validateAdvancedConfig: () => undefined,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await zk?.close();
  await zkServer?.close();
});

describe('explorer page', () => {
  it('lists clusters and nodes and updates live from the event stream', async () => {
    await store.createCluster('default', 'riak-kv-2-2');
    await store.addNodes('default', 2);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${api.url}/explorer`);
    await page.waitForSelector('section[data-cluster="default"] tr[data-node="riak-default-2"]');
    await page.waitForSelector('#conn.live');
    expect(await page.textContent('#framework')).toBe('framework fw-explorer');

    // A change made through the store reaches the page through the WebSocket, without a reload.
    await store.addNodes('default', 1);
    await store.transitionNode('riak-default-1', 'reserving');
    await page.waitForSelector('tr[data-node="riak-default-3"]');
    await page.waitForSelector('tr[data-node="riak-default-1"] .state.reserving');
    await page.waitForSelector('#log >> text=riak-default-1: requested -> reserving');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60000);

  it('serves Prometheus metrics', async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/riak_mesos_nodes\{cluster="default",state="requested"\} 2/);
    expect(text).toMatch(/riak_mesos_nodes\{cluster="default",state="reserving"\} 1/);
    expect(text).toMatch(/riak_mesos_clusters\{state="requested"\} 1/);
  });
});
