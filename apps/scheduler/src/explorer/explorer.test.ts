import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { SchedulerEvent } from '@riak-mesos/framework-contract';
import { nodeListAnswerSchema } from '@riak-mesos/framework-contract';
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { ZkClient } from '@riak-mesos/zk';
import type { ApiServer } from '../api/server';
import { startApiServer } from '../api/server';
import { EventHub } from '../events';
import { SchedulerMetrics } from '../metrics';
import type { PlanDoc } from '../plans';
import { newPlan, planView } from '../plans';
import { SchedulerStore } from '../store';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', '..', '..', 'test-artifacts');

let zkServer: ZooKeeperServer;
let zk: ZkClient;
let store: SchedulerStore;
let api: ApiServer;
let browser: Browser;
let events: EventHub;
const TOKEN = 'explorer-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Opens the explorer, which asks for the API token first, and signs in. */
async function openExplorer(page: Page): Promise<void> {
  await page.goto(`${api.url}/explorer`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', TOKEN);
  await page.click('#login button');
  await page.waitForSelector('#login[hidden]', { state: 'attached' });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}; run npm run setup (Debian package chromium)`,
    );
  zkServer = await startZooKeeper();
  zk = await ZkClient.connect({ connect: zkServer.connectString + uniqueChroot('explorer') });
  store = new SchedulerStore(zk, 'riak');
  await store.init();
  events = new EventHub();
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
    auth: { token: TOKEN },
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
    await openExplorer(page);
    await page.waitForSelector('section[data-cluster="default"] tr[data-node="riak-default-2"]');
    await page.waitForSelector('#conn.live');
    expect(await page.textContent('#framework')).toBe('framework fw-explorer');

    // A change made through the store reaches the page through the WebSocket, without a reload.
    await store.addNodes('default', 1);
    await store.transitionNode('riak-default-1', 'reserving');
    await page.waitForSelector('tr[data-node="riak-default-3"]');
    await page.waitForSelector('tr[data-node="riak-default-1"] .state.reserving');
    await page.waitForSelector('#log >> text=riak-default-1: requested -> reserving');

    // Every event is parsed with the contract's schema: one that does not match is said, not drawn.
    events.publish({
      type: 'node',
      cluster: 'default',
      node: '',
      state: 'running',
      previousState: null,
      member: 'maybe',
    } as unknown as SchedulerEvent);
    await page.waitForSelector('#log >> text=/event not understood \\(node: .*member: /');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png'), fullPage: true });
    expect(errors).toEqual([]);
    // The token is kept for the tab (sessionStorage): a reload does not ask again.
    expect(await page.evaluate('sessionStorage.getItem("riak-mesos-token")')).toBe(TOKEN);
    await page.reload();
    await page.waitForSelector('#conn.live');
    expect(await page.isHidden('#login')).toBe(true);
  }, 60000);

  it('serves Prometheus metrics', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    const text = await (await fetch(`${api.url}/metrics`, { headers: AUTH })).text();
    expect(text).toMatch(/riak_mesos_nodes\{cluster="default",state="requested"\} 2/);
    expect(text).toMatch(/riak_mesos_nodes\{cluster="default",state="reserving"\} 1/);
    expect(text).toMatch(/riak_mesos_clusters\{state="requested"\} 1/);
  });

  it('shows the active plans and the last finished one live, and why nodes wait', async () => {
    await store.createCluster('plans', 'riak-kv-2-2');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openExplorer(page);
    await page.waitForSelector('#conn.live');
    const section = page.locator('section[data-cluster="plans"]');
    await section.waitFor();
    expect(await page.getAttribute('#offers', 'href')).toBe('/api/v1/debug/offers');

    // Nodes added through the API come with their deploy plan, which shows up without a reload.
    const res = await fetch(`${api.url}/api/v1/clusters/plans/nodes`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ nodes: 2, strategy: 'serial' }),
    });
    expect(res.status).toBe(201);
    const names = nodeListAnswerSchema.parse(await res.json()).nodes.map((n) => n.name);
    const [deploy] = await store.listPlans('plans');
    const deployBox = section.locator(`[data-plan="${deploy.id}"]`);
    await deployBox.waitFor();
    const view = planView(deploy);
    const heading = await deployBox.locator('h4').textContent();
    expect(heading).toContain('deploy');
    expect(heading).toContain(view.status);
    expect(heading).toContain('serial');
    for (const step of view.phases[0].steps)
      expect(
        await deployBox.locator(`tr[data-step="${step.name}"] td >> nth=2`).textContent(),
      ).toBe(step.status);

    // A step's change reaches the page live; its message is shown as text, never as markup.
    const hostile = '<img src=x onerror="document.title=1"> not back within 30 minutes';
    await store.updatePlan('plans', deploy.id, (p) =>
      setSteps(p, (s, i) => (i === 0 ? { ...s, status: 'ERROR', message: hostile } : s)),
    );
    const failed = deployBox.locator(`tr[data-step="${names[0]}"]`);
    await failed.locator('td:nth-child(3) .s-ERROR').waitFor();
    expect(await failed.locator('td >> nth=3').textContent()).toBe(hostile);
    expect(await page.locator('.plan img').count()).toBe(0);
    await deployBox.locator('h4 .s-ERROR').waitFor();

    // Finished plans: only the newest is shown, next to the active ones.
    await store.updatePlan('plans', deploy.id, (p) => finish(setSteps(p, (s) => s)));
    const restart = await store.createPlan(
      newPlan({
        kind: 'restart',
        cluster: 'plans',
        nodes: names,
        strategy: 'canary',
        now: Date.now(),
      }),
    );
    await store.updatePlan('plans', restart.id, (p) => finish(setSteps(p, (s) => s)));
    const upgrade = await store.createPlan(
      newPlan({
        kind: 'upgrade',
        cluster: 'plans',
        nodes: names,
        targetRiakVersion: 'riak-kv-3-2',
        now: Date.now(),
      }),
    );
    const upgradeBox = section.locator(`[data-plan="${upgrade.id}"]`);
    await upgradeBox.waitFor();
    await section
      .locator(`[data-plan="${restart.id}"] h4 >> text=last finished: restart`)
      .waitFor();
    await section.locator(`[data-plan="${deploy.id}"]`).waitFor({ state: 'detached' });
    expect(await upgradeBox.locator('h4').textContent()).toContain('to riak-kv-3-2');
    // The active ones first, then the last finished one.
    expect(
      await section.locator('.plan').evaluateAll((els) => els.map((e) => e.dataset.plan)),
    ).toEqual([upgrade.id, restart.id]);

    // Why a node waits: a column that appears once a node has a reason (written without an event;
    // the page reads the lists again every 10 s).
    const why = section.locator('th', { hasText: 'Waiting because' });
    expect(await why.count()).toBe(0);
    const reason = 'host-2: cpus 0.5 < 1.1; host-3: hostname UNIQUE';
    await store.updateNode(names[1], (n) => ({
      ...n,
      pendingReason: { text: reason, at: new Date().toISOString() },
    }));
    await why.waitFor({ timeout: 20000 });
    expect(await section.locator(`tr[data-node="${names[1]}"] td.why`).textContent()).toBe(reason);
    expect(await section.locator(`tr[data-node="${names[0]}"] td >> nth=7`).textContent()).toBe('');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-plans.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(await page.title()).toBe('Riak Mesos Explorer');
  }, 60000);
});

/** Every step of a plan's first phase through `fn`, marked COMPLETE unless `fn` says otherwise. */
function setSteps(
  plan: PlanDoc,
  fn: (
    s: PlanDoc['phases'][number]['steps'][number],
    i: number,
  ) => PlanDoc['phases'][number]['steps'][number],
): PlanDoc {
  const [phase] = plan.phases;
  const steps = phase.steps.map((s, i) => fn({ ...s, status: 'COMPLETE' }, i));
  return { ...plan, phases: [{ ...phase, steps }], updatedAt: new Date().toISOString() };
}

function finish(plan: PlanDoc): PlanDoc {
  return { ...plan, finishedAt: new Date().toISOString() };
}
