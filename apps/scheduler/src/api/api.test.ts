// Over 400 lines: the framework API route by route against one server and ZooKeeper, with the
// table of refused inputs; the cases share their fixtures.
import { connect } from 'node:net';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { createLogger } from '@riak-mesos/logging';
import { validateAdvancedConfigTemplate, validateRiakConfTemplate } from '@riak-mesos/riak-config';
import { ZkClient } from '@riak-mesos/zk';
import WebSocket from 'ws';
import type { RiakVersion } from '../config';
import { nodeTasksAnswerSchema, statsHistoryViewSchema } from '@riak-mesos/framework-contract';
import { EventHub } from '../events';
import { SchedulerStore } from '../store';
import type { ApiServer } from './server';
import { riakVersionsView, shownUrl } from './routes';
import { startApiServer } from './server';

let zkServer: ZooKeeperServer;
let zk: ZkClient;
let store: SchedulerStore;
let events: EventHub;
let api: ApiServer;
let leader = true;
const TOKEN = 'api-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

const CATALOGUE: RiakVersion[] = [
  {
    name: 'riak-kv-2-2',
    url: 'https://deploy:s3cret@pkgs.example/riak-2.2.3.tar.gz',
    rootPath: 'root',
    flavour: 'kv2',
  },
  {
    name: 'riak-ts-1-5',
    url: '/srv/packages/riak-ts-1.5.2.tar.gz',
    sha256: 'ab'.repeat(32),
    rootPath: 'pkg',
    flavour: 'ts1',
  },
];

beforeAll(async () => {
  zkServer = await startZooKeeper();
  zk = await ZkClient.connect({ connect: zkServer.connectString + uniqueChroot('api') });
  store = new SchedulerStore(zk, 'riak');
  await store.init();
  events = new EventHub();
  events.follow(store);
  api = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    store,
    events,
    logger: createLogger('api-test'),
    riakCatalogue: () => CATALOGUE,
    isLeader: () => leader,
    leaderUrl: () => Promise.resolve('http://leader.example:9090'),
    frameworkStatus: () => ({ registered: true, frameworkId: 'fw-1' }),
    validateRiakConf: validateRiakConfTemplate,
    validateAdvancedConfig: validateAdvancedConfigTemplate,
    auth: { token: TOKEN },
  });
});

afterAll(async () => {
  await api.close();
  await zk.close();
  await zkServer.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(api.url + path, {
    method,
    headers:
      body === undefined
        ? { ...AUTH, ...headers }
        : {
            ...AUTH,
            'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
            ...headers,
          },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

describe('clusters and nodes', () => {
  it('creates a cluster, adds nodes and lists them', async () => {
    expect((await call('GET', '/api/v1/riak/versions')).json).toEqual({
      versions: ['riak-kv-2-2', 'riak-ts-1-5'],
      catalogue: [
        {
          name: 'riak-kv-2-2',
          url: 'https://***@pkgs.example/riak-2.2.3.tar.gz',
          sha256: null,
          rootPath: 'root',
          flavour: 'kv2',
        },
        {
          name: 'riak-ts-1-5',
          url: '/srv/packages/riak-ts-1.5.2.tar.gz',
          sha256: 'ab'.repeat(32),
          rootPath: 'pkg',
          flavour: 'ts1',
        },
      ],
    });
    const created = await call('POST', '/api/v1/clusters/default/create', {
      riak_version: 'riak-kv-2-2',
    });
    expect(created.status).toBe(201);
    expect(created.json.cluster).toMatchObject({
      name: 'default',
      state: 'requested',
      riak_version: 'riak-kv-2-2',
    });
    expect((await call('PUT', '/api/v1/clusters/default', {})).status).toBe(409);
    const added = await call('POST', '/api/v1/clusters/default/nodes', { nodes: 3 });
    expect(added.status).toBe(201);
    expect(added.json.nodes.map((n: { name: string }) => n.name)).toEqual([
      'riak-default-1',
      'riak-default-2',
      'riak-default-3',
    ]);
    const info = await call('GET', '/api/v1/clusters/default');
    expect(info.json.cluster.nodes).toEqual(['riak-default-1', 'riak-default-2', 'riak-default-3']);
    const node = await call('GET', '/api/v1/clusters/default/nodes/riak-default-2');
    expect(node.json.node).toMatchObject({
      name: 'riak-default-2',
      state: 'requested',
      wanted: true,
    });
    expect((await call('GET', '/api/v1/clusters')).json.clusters).toHaveLength(1);
  });

  it("creates a cluster on the catalogue's first version by default, and refuses unknown ones", async () => {
    const created = await call('PUT', '/api/v1/clusters/firstversion', {});
    expect(created.status).toBe(201);
    expect(created.json.cluster.riak_version).toBe('riak-kv-2-2');
    const unknown = await call('PUT', '/api/v1/clusters/nosuch', { riak_version: 'riak-kv-9' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toBe(
      'unknown Riak version "riak-kv-9"; available: riak-kv-2-2, riak-ts-1-5',
    );
    const upgrade = await call('POST', '/api/v1/clusters/firstversion/upgrade', {
      riak_version: 'riak-kv-9',
    });
    // A configuration rule (docs/operations.md): 409 naming the rule, as every rule refusal.
    expect(upgrade.status).toBe(409);
    expect(upgrade.json.error).toMatchObject({
      code: 'rules_violated',
      field: 'riak_version',
      message: 'unknown Riak version "riak-kv-9"; available: riak-kv-2-2, riak-ts-1-5',
    });
    expect((await call('DELETE', '/api/v1/clusters/firstversion')).status).toBe(202);
  });

  it('shows package URLs without credentials, and names alone for a scheduler without a catalogue', () => {
    expect(shownUrl('https://u:p@h/x.tar.gz')).toBe('https://***@h/x.tar.gz');
    expect(shownUrl('hdfs://nn:8020/x.tar.gz')).toBe('hdfs://nn:8020/x.tar.gz');
    expect(shownUrl('/srv/a@b.tar.gz')).toBe('/srv/a@b.tar.gz');
    expect(riakVersionsView([], ['riak-kv-2-2'])).toEqual({
      versions: ['riak-kv-2-2'],
      catalogue: [],
    });
  });

  it('stores, validates and deletes config templates', async () => {
    expect((await call('GET', '/api/v1/clusters/default/config')).status).toBe(404);
    const bad = await call(
      'PUT',
      '/api/v1/clusters/default/config',
      'nodename = x\nthis line is wrong\n',
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ line: 2, column: 1 });
    const unknown = await call(
      'PUT',
      '/api/v1/clusters/default/config',
      'listener.http.internal = 0.0.0.0:{{htpport}}\n',
    );
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/unknown variable 'htpport'/);
    const advanced = await call(
      'PUT',
      '/api/v1/clusters/default/advancedConfig',
      '[{riak_kv, [{a, 1}]].',
    );
    expect(advanced.status).toBe(400);
    expect(advanced.json.error).toMatchObject({ line: 1, column: 20 });
    expect(bad.json.error.message).toMatch(/invalid config template: line 2/);
    expect((await call('PUT', '/api/v1/clusters/default/config', 'ring_size = 64\n')).status).toBe(
      200,
    );
    const got = await call('GET', '/api/v1/clusters/default/config');
    expect(got.text).toBe('ring_size = 64\n');
    expect((await call('DELETE', '/api/v1/clusters/default/config')).status).toBe(204);
    expect((await call('GET', '/api/v1/clusters/default/config')).status).toBe(404);
  });

  it('starts one rolling restart at a time, and can pause and abort it', async () => {
    const first = await call('POST', '/api/v1/clusters/default/restart');
    expect(first.status).toBe(202);
    expect(first.json.operation).toMatchObject({
      kind: 'restart',
      state: 'running',
      done: 0,
      order: ['riak-default-1', 'riak-default-2', 'riak-default-3'],
    });
    const second = await call('POST', '/api/v1/clusters/default/restart');
    expect(second.status).toBe(409);
    expect(second.json.error.message).toMatch(/already has a restart in progress/);
    expect(
      (await call('POST', '/api/v1/clusters/default/operation/pause')).json.operation.state,
    ).toBe('paused');
    expect(
      (await call('POST', '/api/v1/clusters/default/operation/abort')).json.operation.state,
    ).toBe('aborted');
    expect((await call('POST', '/api/v1/clusters/default/operation/abort')).status).toBe(409);
    expect((await call('POST', '/api/v1/clusters/default/operation/explode')).status).toBe(404);
  });

  it('marks a removed node as no longer wanted', async () => {
    const res = await call('DELETE', '/api/v1/clusters/default/nodes/riak-default-3');
    expect(res.status).toBe(202);
    expect(res.json.node).toMatchObject({ name: 'riak-default-3', wanted: false });
  });
});

describe('stats', () => {
  it('has no history where nothing samples, refuses unknown clusters and a node not running; shows task history', async () => {
    await call('POST', '/api/v1/clusters/statsc/create', {});
    const h = await call('GET', '/api/v1/clusters/statsc/stats/history');
    expect(h.status).toBe(200);
    expect(statsHistoryViewSchema.parse(h.json)).toEqual({
      cluster: 'statsc',
      interval_seconds: 0,
      window_seconds: 3600,
      sampling: false,
      nodes: {},
    });
    expect((await call('GET', '/api/v1/clusters/nosuch/stats/history')).status).toBe(404);
    expect((await call('GET', '/api/v1/clusters/statsc/stats/history?x=1')).status).toBe(400);
    const added = await call('POST', '/api/v1/clusters/statsc/nodes', { nodes: 1 });
    const node = (added.json as { nodes: { name: string }[] }).nodes[0].name;
    const stats = await call('GET', `/api/v1/clusters/statsc/nodes/${node}/stats`);
    expect(stats.status).toBe(409);
    expect(stats.json.error.message).toMatch(/not running/);
    // The node's task history, as the scheduler recorded it.
    expect((await call('GET', `/api/v1/clusters/statsc/nodes/${node}/tasks`)).json).toEqual({
      node,
      tasks: [],
    });
    await store.updateNode(node, (n) => ({
      ...n,
      taskHistory: [
        { at: '2026-11-30T12:00:00.000Z', taskId: node, state: 'TASK_FAILED', message: 'boom' },
      ],
    }));
    expect(
      nodeTasksAnswerSchema.parse(
        (await call('GET', `/api/v1/clusters/statsc/nodes/${node}/tasks`)).json,
      ),
    ).toEqual({
      node,
      tasks: [
        { at: '2026-11-30T12:00:00.000Z', task_id: node, state: 'TASK_FAILED', message: 'boom' },
      ],
    });
  });
});

describe('bad and hostile requests', () => {
  it.each([
    ['GET', '/api/v1/clusters/nope', 404, /cluster 'nope' does not exist/],
    ['GET', '/api/v1/clusters/default/nodes/riak-default-99', 404, /does not exist/],
    ['GET', '/api/v1/clusters/..%2F..%2Fetc', 400, /cluster name/],
    ['GET', '/api/v1/clusters/%00x', 400, /cluster name/],
    ['PUT', '/api/v1/clusters/a%20b', 400, /cluster name/],
    ['GET', '/api/v1/clusters/default/nodes/.hidden', 400, /node name/],
    ['GET', '/api/v1/nothing-here', 404, /no route/],
    [
      'POST',
      '/api/v1/clusters/x2/create?riak_version=riak-kv-9',
      400,
      /unknown Riak version "riak-kv-9"/,
    ],
  ])('%s %s -> %d', async (method, path, status, message) => {
    const res = await call(method, path);
    expect(res.status).toBe(status);
    expect(res.json.error.message).toMatch(message);
  });

  it('rejects malformed JSON, wrong types and huge bodies with 4xx JSON', async () => {
    const malformed = await fetch(`${api.url}/api/v1/clusters/default/nodes`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: '{"nodes": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.message).toMatch(/not valid JSON/);
    for (const nodes of [0, -1, 1.5, 'three', 1000]) {
      const res = await call('POST', '/api/v1/clusters/default/nodes', { nodes });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/from 1 to 100/);
    }
    const huge = await call('POST', '/api/v1/clusters/default/nodes', {
      nodes: 1,
      pad: 'x'.repeat(200_000),
    });
    expect(huge.status).toBe(413);
    expect(huge.json.error.message).toMatch(/too large/);
    const hugeTemplate = await call(
      'PUT',
      '/api/v1/clusters/default/config',
      'a = b\n'.repeat(200_000),
    );
    expect(hugeTemplate.status).toBe(413);
    expect((await call('PUT', '/api/v1/clusters/default/config', '')).status).toBe(400);
    // The store is unchanged by all of it.
    expect((await store.listNodes('default')).length).toBe(3);
  });

  it('validates bucket type requests before they reach a node', async () => {
    const path = '/api/v1/clusters/default/nodes/riak-default-1/types';
    for (const [body, message] of [
      [[1, 2], /JSON object/],
      [{ n_val: 3 }, /props must be an object/],
      [{ props: [] }, /props must be an object/],
      [{ props: {} }, /no properties/],
      [{ props: { 'N-Val': 3 } }, /'N-Val' is not a bucket property name/],
      [{ props: { big: 'x'.repeat(9000) } }, /larger than 8 KiB/],
    ] as const) {
      const res = await call('POST', `${path}/maps`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.json.error.message).toMatch(message);
    }
    const badName = await call('POST', `${path}/..%2Fx`, { props: { n_val: 3 } });
    expect(badName.status).toBe(400);
    expect(badName.json.error.message).toMatch(/bucket type/);
    // Well-formed: on to the node, which this API-only test has none of.
    const ok = await call('POST', `${path}/maps`, { props: { n_val: 3, datatype: 'map' } });
    expect(ok.status).toBe(503);
  });

  it('rejects dot-dot segments sent raw (no client normalisation)', async () => {
    const { request } = await import('node:http');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: api.port,
          path: '/api/v1/clusters/../nodes',
          method: 'GET',
          headers: AUTH,
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/cluster name '..' is invalid/);
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(api.port, '127.0.0.1', () =>
        s.end(Buffer.from('\x00\xff GARBAGE\r\n\r\n')),
      );
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect((await call('GET', '/healthcheck')).status).toBe(200);
  });

  it('answers 503 with the leader on a standby', async () => {
    leader = false;
    try {
      const res = await call('POST', '/api/v1/clusters/default/nodes', { nodes: 1 });
      expect(res.status).toBe(503);
      expect(res.json.error).toMatchObject({ leader: 'http://leader.example:9090' });
      expect((await call('GET', '/api/v1/clusters/default')).status).toBe(200);
    } finally {
      leader = true;
    }
  });
});

/** Everything the API can have written: clusters (with templates, constraints), nodes, plans. */
async function everything() {
  const clusters = await store.listClusters();
  const plans: unknown[] = [];
  for (const c of clusters) plans.push(await store.listPlans(c.name));
  return { clusters, nodes: await store.listNodes(), plans };
}

describe('strict input', () => {
  const base = '/api/v1/clusters/strict';
  let planId = '';

  beforeAll(async () => {
    expect((await call('PUT', base, { riak_version: 'riak-kv-2-2' })).status).toBe(201);
    expect((await call('POST', `${base}/nodes`, { nodes: 2 })).status).toBe(201);
    planId = (await store.listPlans('strict'))[0]?.id ?? '';
    expect(planId).not.toBe('');
  });

  // [method, path, body, status, field]: a string body is sent as text/plain.
  const bad: [string, string, unknown, number, string][] = [
    ['POST', `${base}/nodes`, { nodes: '3' }, 400, 'nodes'],
    ['POST', `${base}/nodes`, [], 400, 'body'],
    ['POST', `${base}/nodes`, [{ nodes: 1 }], 400, 'body'],
    ['POST', `${base}/nodes`, { nodes: 1, extra: true }, 400, 'extra'],
    ['POST', `${base}/nodes`, { nodes: 0 }, 400, 'nodes'],
    ['POST', `${base}/nodes`, { nodes: 101 }, 400, 'nodes'],
    ['POST', `${base}/nodes`, { nodes: 1.5 }, 400, 'nodes'],
    ['POST', `${base}/nodes`, { nodes: null }, 400, 'nodes'],
    ['POST', `${base}/nodes`, { nodes: true }, 400, 'nodes'],
    ['POST', `${base}/nodes`, { nodes: 1, strategy: 'random' }, 400, 'strategy'],
    ['POST', `${base}/nodes`, { nodes: 1, strategy: ['serial'] }, 400, 'strategy'],
    ['POST', `${base}/nodes?nodes=abc`, undefined, 400, 'nodes'],
    ['POST', `${base}/nodes?nodes=-1`, undefined, 400, 'nodes'],
    ['POST', `${base}/nodes?nodes=3&nodes=4`, undefined, 400, 'nodes'],
    ['POST', `${base}/nodes?count=3`, undefined, 400, 'count'],
    ['POST', `${base}/nodes?nodes=2`, { nodes: 2 }, 400, 'nodes'],
    ['POST', `${base}/nodes`, 'nodes=3', 415, 'content-type'],
    ['PUT', '/api/v1/clusters/new', { riakVersion: 'riak-kv-2-2' }, 400, 'riakVersion'],
    ['PUT', '/api/v1/clusters/new', { riak_version: 3 }, 400, 'riak_version'],
    ['PUT', '/api/v1/clusters/new', { riak_version: '' }, 400, 'riak_version'],
    ['PUT', '/api/v1/clusters/new', { riak_version: 'riak-kv-9' }, 400, 'riak_version'],
    ['PUT', '/api/v1/clusters/new?riakVersion=riak-kv-2-2', undefined, 400, 'riakVersion'],
    ['POST', '/api/v1/clusters/new/create', [], 400, 'body'],
    [
      'POST',
      '/api/v1/clusters/new/create',
      { riak_version: 'riak-kv-2-2', nodes: 3 },
      400,
      'nodes',
    ],
    ['POST', `${base}/restart`, { strategy: 1 }, 400, 'strategy'],
    ['POST', `${base}/restart`, { force: true }, 400, 'force'],
    ['POST', `${base}/restart?strategy=fast`, undefined, 400, 'strategy'],
    ['POST', `${base}/config/apply`, { nodes: 1 }, 400, 'nodes'],
    ['POST', `${base}/upgrade`, {}, 400, 'riak_version'],
    ['POST', `${base}/upgrade`, { riak_version: 'riak-ts-1-5', strategy: 'all' }, 400, 'strategy'],
    ['POST', `${base}/upgrade`, { version: 'riak-ts-1-5' }, 400, 'version'],
    ['POST', `${base}/nodes/riak-strict-1/restart`, { strategy: 'x' }, 400, 'strategy'],
    ['POST', `${base}/nodes/riak-strict-1/restart`, { now: true }, 400, 'now'],
    ['POST', `${base}/operation/pause`, { all: true }, 400, 'all'],
    ['DELETE', base, { force: true }, 400, 'force'],
    ['DELETE', `${base}?force=true`, undefined, 400, 'force'],
    ['DELETE', `${base}/nodes/riak-strict-1?now=1`, undefined, 400, 'now'],
    ['DELETE', `${base}/nodes/riak-strict-1`, [], 400, 'body'],
    ['PUT', `${base}/config?restart=true`, 'ring_size = 64\n', 400, 'restart'],
    ['DELETE', `${base}/advancedConfig`, { x: 1 }, 400, 'x'],
    ['PUT', `${base}/constraints`, { constraints: 5 }, 400, 'constraints'],
    ['PUT', `${base}/constraints`, {}, 400, 'constraints'],
    ['PUT', `${base}/constraints`, { constraints: [], extra: 1 }, 400, 'extra'],
    ['PUT', `${base}/constraints`, { constraints: [['rack_id', 'NEAR']] }, 400, 'constraints'],
    ['DELETE', `${base}/constraints?all=1`, undefined, 400, 'all'],
    [
      'POST',
      `${base}/nodes/riak-strict-1/types/maps`,
      { props: { 'N-Val': 3 } },
      400,
      'props.N-Val',
    ],
    ['POST', `${base}/nodes/riak-strict-1/types/maps`, { props: { n_val: 3 }, x: 1 }, 400, 'x'],
    ['POST', `${base}/nodes/riak-strict-1/types/maps`, { n_val: 3 }, 400, 'props'],
    ['GET', '/api/v1/debug/offers?limit=51', undefined, 400, 'limit'],
    ['GET', '/api/v1/debug/offers?limit=5&node=x', undefined, 400, 'node'],
    ['DELETE', '/api/v1/debug/reservations/0123456789abcdef?force=1', undefined, 400, 'force'],
    ['DELETE', '/api/v1/debug/reservations/0123456789abcdef', { all: true }, 400, 'all'],
  ];

  it('refuses unknown fields, wrong types and values out of range, naming the field and writing nothing', async () => {
    const before = await everything();
    expect(before.nodes.filter((n) => n.cluster === 'strict')).toHaveLength(2);
    const controls: typeof bad = [
      ['POST', `${base}/plans/${planId}/interrupt?stepp=riak-strict-1`, undefined, 400, 'stepp'],
      ['POST', `${base}/plans/${planId}/force-complete?step=`, undefined, 400, 'step'],
      ['POST', `${base}/plans/${planId}/interrupt`, { phase: 'deploy' }, 400, 'phase'],
    ];
    for (const [method, path, body, status, field] of [...bad, ...controls]) {
      const res = await call(method, path, body);
      expect({ method, path, body, status: res.status, error: res.json?.error }).toEqual({
        method,
        path,
        body,
        status,
        error: { status, code: expect.any(String), message: expect.any(String), field },
      });
      if (status === 400) expect(res.json.error.code).toBe('bad_request');
    }
    expect(await everything()).toEqual(before);
    expect((await call('GET', '/api/v1/clusters/new')).status).toBe(404);
  });

  it('keeps the documented forms: numbers and names in the query, strategy in either place', async () => {
    const viaQuery = await call('POST', `${base}/nodes?nodes=2&strategy=serial`);
    expect(viaQuery.status).toBe(201);
    expect(viaQuery.json.nodes).toHaveLength(2);
    const plans = await store.listPlans('strict');
    expect(plans[plans.length - 1]?.phases[0]?.strategy).toBe('serial');
    const mixed = await call('POST', `${base}/nodes?strategy=canary`, { nodes: 1 });
    expect(mixed.status).toBe(201);
    expect(mixed.json.nodes).toHaveLength(1);
    const created = await call('POST', '/api/v1/clusters/viaquery/create?riak_version=riak-ts-1-5');
    expect(created.status).toBe(201);
    expect(created.json.cluster.riak_version).toBe('riak-ts-1-5');
    const bare = await call('PUT', `${base}/constraints`, [['hostname', 'UNIQUE']]);
    expect(bare.json).toEqual({ constraints: [['hostname', 'UNIQUE']] });
    const asString = await call('PUT', `${base}/constraints`, {
      constraints: '[["rack_id","GROUP_BY","2"]]',
    });
    expect(asString.json).toEqual({ constraints: [['rack_id', 'GROUP_BY', '2']] });
    // A route that takes nothing takes an empty object.
    expect((await call('DELETE', `${base}/constraints`, {})).status).toBe(204);
    expect((await call('GET', '/api/v1/debug/offers?limit=5')).status).toBe(503);
    expect((await store.listNodes('strict')).length).toBe(5);
  });
});

describe('event stream', () => {
  it('streams state changes over a WebSocket', async () => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/events`, { headers: AUTH });
    const messages: any[] = [];
    ws.on('message', (m) => messages.push(JSON.parse((m as Buffer).toString())));
    await new Promise((r) => ws.once('open', r));
    await call('POST', '/api/v1/clusters/streamed/create', { riak_version: 'riak-ts-1-5' });
    await call('POST', '/api/v1/clusters/streamed/nodes', { nodes: 1 });
    await waitFor(() => messages.some((m) => m.type === 'node' && m.node === 'riak-streamed-1'), {
      what: 'node event',
    });
    expect(messages[0]).toMatchObject({ type: 'hello', leader: true });
    expect(messages.find((m) => m.type === 'cluster' && m.cluster === 'streamed')).toMatchObject({
      state: 'requested',
      previousState: null,
    });
    ws.close();
  });

  it('refuses WebSockets elsewhere', async () => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/other`);
    const err = await new Promise<Error>((r) => ws.once('error', r));
    expect(err.message).toMatch(/404/);
  });
});
