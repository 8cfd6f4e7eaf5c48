import {
  clusterAnswerSchema,
  configValidationAnswerSchema,
  configVersionAnswerSchema,
  configurationsAnswerSchema,
  ruleRefusalAnswerSchema,
} from '@riak-mesos/framework-contract';
import { ConfigVersions } from '../config-versions';
import type { ApiFixture } from './test-support/api-fixture';
import { TEST_TOKEN, startApiFixture } from './test-support/api-fixture';

// Configuration versions and their rules against a real ZooKeeper: every change a version with
// its author, the list with diffs to the target, refusals naming every violated rule, dry runs
// storing nothing, and the migration of a cluster an older scheduler made.
let fx: ApiFixture;
let disk = 4096;

beforeAll(async () => {
  fx = await startApiFixture('configver', {
    isLeader: () => true,
    riakVersions: () => ['riak-kv-3.2', 'riak-kv-3.4'],
    nodeResources: () => ({ cpus: 1, mem: 2048, disk }),
    auth: { token: TEST_TOKEN, basic: 'alice:wonderland' },
  });
});

afterAll(async () => fx?.close());

const call = (method: string, path: string, body?: unknown) => fx.call(method, path, body);

/** A text body (the template routes), as a basic-auth user or with the token. */
async function putText(path: string, text: string, basic = false) {
  const res = await fetch(`${fx.api.url}/api/v1${path}`, {
    method: 'PUT',
    headers: {
      authorization: basic
        ? `Basic ${Buffer.from('alice:wonderland').toString('base64')}`
        : `Bearer ${TEST_TOKEN}`,
      'content-type': 'text/plain',
    },
    body: text,
  });
  return { status: res.status, json: (await res.json()) as any };
}

const versionsOf = async (cluster: string, query = '') =>
  configurationsAnswerSchema.parse(
    (await call('GET', `/clusters/${cluster}/configurations${query}`)).json,
  );

const CONF = `ring_size = 64
buckets.default.n_val = 3
bitcask.data_root = $(platform_data_dir)/bitcask
`;

/** Nodes of a cluster as if deployed: placed on an agent, running, ring members. */
async function deploy(cluster: string, count: number): Promise<void> {
  const added = await call('POST', `/clusters/${cluster}/nodes`, { nodes: count });
  for (const n of added.json.nodes as { name: string }[]) {
    for (const state of ['reserving', 'reserved', 'launching', 'running'] as const)
      await fx.store.transitionNode(n.name, state);
    await fx.store.updateNode(n.name, (x) => ({ ...x, member: true, agentId: 'agent-1' }));
  }
}

describe('configuration versions', () => {
  it('records each change with its author; lists them with diffs to the target; shows one in full', async () => {
    expect((await call('PUT', '/clusters/v1', {})).status).toBe(201);
    let list = await versionsOf('v1');
    expect(list).toMatchObject({ cluster: 'v1', target: 1, kept: 50 });
    expect(list.versions).toEqual([
      expect.objectContaining({ id: 1, author: 'token', changes: [], diff_to_target: [] }),
    ]);

    const stored = await putText('/clusters/v1/config', CONF, true);
    expect(stored.status).toBe(200);
    expect(stored.json).toMatchObject({ config_version: 2, changes: ['riak_conf'] });
    // The same template again changes nothing: no version.
    expect((await putText('/clusters/v1/config', CONF)).json).toMatchObject({
      config_version: 2,
      changes: [],
    });
    const next = CONF.replace('n_val = 3', 'n_val = 2');
    expect((await putText('/clusters/v1/config', next)).json.config_version).toBe(3);

    list = await versionsOf('v1');
    expect(list.target).toBe(3);
    expect(list.versions.map((v) => [v.id, v.author, v.changes])).toEqual([
      [1, 'token', []],
      [2, 'alice', ['riak_conf']],
      [3, 'token', ['riak_conf']],
    ]);
    expect(list.versions[1].diff_to_target).toEqual([
      {
        field: 'riak_conf',
        lines: [
          '@@ -1,3 +1,3 @@',
          ' ring_size = 64',
          '-buckets.default.n_val = 3',
          '+buckets.default.n_val = 2',
          ' bitcask.data_root = $(platform_data_dir)/bitcask',
        ],
      },
    ]);
    expect(list.versions[0].diff_to_target[0].lines[0]).toBe('@@ -0,0 +1,3 @@');
    expect(list.versions[2].diff_to_target).toEqual([]);
    const one = await versionsOf('v1', '?diff=2');
    expect(one.versions.map((v) => v.id)).toEqual([2]);
    expect((await call('GET', '/clusters/v1/configurations?diff=9')).status).toBe(404);
    expect((await call('GET', '/clusters/v1/configurations?diff=x')).json.error.field).toBe('diff');

    const full = configVersionAnswerSchema.parse(
      (await call('GET', '/clusters/v1/configurations/2')).json,
    );
    expect(full.configuration).toMatchObject({
      id: 2,
      target: false,
      author: 'alice',
      riak_version: 'riak-kv-3.2',
      riak_conf: CONF,
      advanced_config: null,
      resources: { cpus: 1, mem: 2048, disk: 4096 },
    });
    expect((await call('GET', '/clusters/v1/configurations/77')).status).toBe(404);
    const cluster = clusterAnswerSchema.parse((await call('GET', '/clusters/v1')).json);
    expect(cluster.cluster.config_version).toBe(3);

    // Removing the template is a version too; config/apply answers the target it rolls to.
    expect((await call('DELETE', '/clusters/v1/config')).status).toBe(204);
    list = await versionsOf('v1');
    expect(list.versions.map((v) => v.id)).toEqual([1, 2, 3, 4]);
    expect((await call('GET', '/clusters/v1/configurations/4')).json.configuration.riak_conf).toBe(
      null,
    );
    const apply = await call('POST', '/clusters/v1/config/apply');
    expect(apply.status).toBe(202);
    expect(apply.json.target_config_version).toBe(4);
  });

  it('refuses a change with every violated rule, before anything is stored; force passes n_val only', async () => {
    expect((await call('PUT', '/clusters/r1', {})).status).toBe(201);
    expect((await putText('/clusters/r1/config', CONF)).status).toBe(200);
    await deploy('r1', 3);
    const before = await versionsOf('r1');

    const bad = CONF.replace('ring_size = 64', 'ring_size = 128')
      .replace('n_val = 3', 'n_val = 5')
      .replace('$(platform_data_dir)/bitcask', '/var/lib/riak/bitcask');
    const refused = await putText('/clusters/r1/config', bad);
    expect(refused.status).toBe(409);
    const answer = ruleRefusalAnswerSchema.parse(refused.json);
    expect(answer.error.violations.map((v) => [v.rule, v.field])).toEqual([
      ['volume-path', 'riak_conf'],
      ['n-val', 'buckets.default.n_val'],
      ['ring-size', 'ring_size'],
    ]);
    expect(answer.error.field).toBe('riak_conf');
    expect(answer.error.violations[2].message).toMatch(/ring_size changes from 64 to 128/);
    expect(await versionsOf('r1')).toEqual(before);

    // Only the n_val rule yields to force.
    const raised = CONF.replace('n_val = 3', 'n_val = 5');
    expect((await putText('/clusters/r1/config?dry_run=true', raised)).json.error.field).toBe(
      'buckets.default.n_val',
    );
    const dry = await putText('/clusters/r1/config?dry_run=true&force=true', raised);
    expect(configValidationAnswerSchema.parse(dry.json)).toMatchObject({
      valid: true,
      changes: ['riak_conf'],
    });
    expect(await versionsOf('r1')).toEqual(before); // a dry run stores nothing
    expect((await putText('/clusters/r1/config?force=yes', raised)).json.error.field).toBe('force');

    // validate: a change as JSON.
    const v = await call('POST', '/clusters/r1/config/validate', {
      riak_version: 'riak-kv-9',
      riak_conf: CONF.replace('ring_size = 64', 'ring_size = 32'),
    });
    expect(v.status).toBe(409);
    expect(v.json.error.violations.map((x: { rule: string }) => x.rule)).toEqual([
      'ring-size',
      'riak-version',
    ]);
    const ok = await call('POST', '/clusters/r1/config/validate', { advanced_config: '[].' });
    expect(configValidationAnswerSchema.parse(ok.json).changes).toEqual(['advanced_config']);
    const syntax = await call('POST', '/clusters/r1/config/validate', { riak_conf: 'nonsense' });
    expect([syntax.status, syntax.json.error.field]).toEqual([400, 'riak_conf']);

    // An upgrade to an unknown version is refused by the same rule; a known one is a version.
    const unknown = await call('POST', '/clusters/r1/upgrade', { riak_version: 'riak-kv-9' });
    expect([unknown.status, unknown.json.error.field]).toEqual([409, 'riak_version']);
    expect(unknown.json.error.violations[0].rule).toBe('riak-version');
    const up = await call('POST', '/clusters/r1/upgrade', { riak_version: 'riak-kv-3.4' });
    expect(up.status).toBe(202);
    const after = await versionsOf('r1');
    const last = after.versions[after.versions.length - 1];
    expect([after.target, last.changes, last.author]).toEqual([3, ['riak_version'], 'token']);
    expect(up.json.target_config_version).toBe(3);
    // The cluster's own version moves only as the upgrade completes (plans/runner.ts).
    expect((await call('GET', '/clusters/r1')).json.cluster.riak_version).toBe('riak-kv-3.2');

    // Aborted, the target names the version the cluster runs again.
    expect((await call('POST', '/clusters/r1/operation/abort')).status).toBe(200);
    const reverted = await versionsOf('r1');
    expect(reverted.target).toBe(4);
    expect(reverted.versions[3]).toMatchObject({
      changes: ['riak_version'],
      note: 'upgrade to riak-kv-3.4 aborted: back to riak-kv-3.2',
    });

    // Scale-down below n_val: the same rule, the same answer's shape.
    const down = ruleRefusalAnswerSchema.parse(
      (await call('POST', '/clusters/r1/nodes', { count: 2 })).json,
    );
    expect(down.error.violations).toEqual([
      expect.objectContaining({ rule: 'n-val', field: 'count' }),
    ]);
  });

  it('migrates a cluster of an older scheduler once; a disk change of the settings is a version with its warning', async () => {
    await fx.store.createCluster('old', 'riak-kv-3.2');
    await fx.store.updateCluster('old', (c) => ({ ...c, riakConf: CONF }));
    await deploy('old', 1);
    expect((await versionsOf('old')).target).toBeNull();
    const versions = new ConfigVersions(fx.store);
    const resources = { cpus: 1, mem: 2048, disk: 4096 };
    await versions.migrate(resources, ['riak-kv-3.2']);
    await versions.migrate(resources, ['riak-kv-3.2']); // idempotent
    let list = await versionsOf('old');
    expect(list.target).toBe(1);
    expect(list.versions.map((v) => [v.id, v.author, v.changes])).toEqual([[1, 'scheduler', []]]);
    expect((await call('GET', '/clusters/old/configurations/1')).json.configuration.riak_conf).toBe(
      CONF,
    );

    // Started again with another node disk: the volumes keep their size, as the version says.
    await versions.migrate({ ...resources, disk: 8192 }, ['riak-kv-3.2']);
    list = await versionsOf('old');
    expect(list.versions.map((v) => [v.id, v.changes])).toEqual([
      [1, []],
      [2, ['resources']],
    ]);
    expect(list.versions[1].warnings).toEqual([
      expect.stringMatching(/node disk changes from 4096 MB to 8192 MB/),
    ]);
    expect(list.versions[0].diff_to_target).toEqual([
      {
        field: 'resources',
        lines: ['@@ -1,3 +1,3 @@', ' cpus = 1', ' mem = 2048', '-disk = 4096', '+disk = 8192'],
      },
    ]);
    // The API's proposals now carry the settings of this scheduler (disk 4096): refused.
    const refused = await putText('/clusters/old/config', CONF.replace('n_val = 3', 'n_val = 1'));
    expect(refused.json.error.violations.map((v: { rule: string }) => v.rule)).toEqual([
      'disk-size',
    ]);
    disk = 8192;
    expect(
      (await putText('/clusters/old/config', CONF.replace('n_val = 3', 'n_val = 1'))).status,
    ).toBe(200);
  });

  it('keeps the last 50 versions, never dropping the target', async () => {
    expect((await call('PUT', '/clusters/many', {})).status).toBe(201);
    for (let i = 0; i < 52; i++)
      expect((await putText('/clusters/many/config', `${CONF}# change ${i}\n`)).status).toBe(200);
    const list = await versionsOf('many');
    expect(list.target).toBe(53);
    expect(list.versions.map((v) => v.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 4));
    // A deleted cluster's versions go with it (a new one of the same name starts at 1).
    await fx.store.deleteCluster('many');
    expect(await fx.zk.exists(fx.store.layout.configurations('many'))).toBeNull();
    expect((await call('PUT', '/clusters/many', {})).status).toBe(201);
    expect((await versionsOf('many')).versions.map((v) => v.id)).toEqual([1]);
  });
});
