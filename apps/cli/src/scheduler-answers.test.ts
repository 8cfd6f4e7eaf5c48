import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, tempDir } from '@riak-mesos/testing';
import { encodeDirectorRegistration, endpointsAnswerSchema } from '@riak-mesos/framework-contract';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { runCli } from './test-support/cli';
import { startSchedulerApi } from './test-support/scheduler';

// The CLI reads the scheduler's answers with the contract's schemas: the real scheduler (from its
// sources, over a real ZooKeeper, its Mesos master a closed port) answers what they accept, and a
// scheduler that answers something else gets a message naming the field and a non-zero exit.
let dir: string;
let zk: ZooKeeperServer;
let scheduler: ProcessGroup;
let url: string;
/** Where the CLI finds the scheduler's token (RIAK_MESOS_ZK). */
let env: NodeJS.ProcessEnv;
let odd: Server;
let oddUrl: string;
/** What the odd scheduler answers, by path. */
const oddAnswers = new Map<string, { status: number; body: unknown }>();

beforeAll(async () => {
  dir = await tempDir('cli-answers');
  zk = await startZooKeeper();
  ({
    url,
    process: scheduler,
    env,
  } = await startSchedulerApi(dir, zk.connectString, [
    '--resource-urls',
    JSON.stringify({
      executor: 'https://pkgs.example/executor.tar.gz',
      'riak-kv-3-2': 'https://pkgs.example/riak-3.2.tar.gz',
    }),
  ]));
  odd = createServer((req, res) => {
    const answer = oddAnswers.get(req.url ?? '') ?? { status: 404, body: { message: 'no' } };
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
}, 90000);

afterAll(async () => {
  await scheduler?.stop();
  await zk?.close();
  await new Promise((r) => odd?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(dir, args, env);

/** Runs a command that must succeed; answers its output. */
async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  expect([r.code, r.err]).toEqual([0, '']);
  return r.out;
}

describe("the real scheduler's answers", () => {
  it('framework token prints the token the scheduler made; without it the API says 401', async () => {
    const token = (await ok('framework', 'token')).trim();
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const res = await fetch(`${url}/api/v1/clusters`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const without = await runCli(dir, ['--url', url, 'cluster', 'list']);
    expect(without.code).toBe(1);
    expect(without.err).toMatch(/answered 401 .*framework token/);
    const noZk = await runCli(dir, ['framework', 'token']);
    expect(noZk.code).toBe(1);
    expect(noZk.err).toMatch(/where is ZooKeeper/);
  });

  it('are read by every cluster, node and framework command', async () => {
    const created = JSON.parse(await ok('--url', url, '--json', 'cluster', 'create', 'c1')) as {
      cluster: { name: string; operation: unknown };
    };
    expect(created.cluster).toMatchObject({ name: 'c1', operation: null });
    const added = await ok('--url', url, 'cluster', 'add-node', 'c1', '--nodes', '2');
    expect(added).toBe('added riak-c1-1, riak-c1-2\n');
    expect(await ok('--url', url, 'cluster', 'list')).toMatch(
      /c1 +│ requested +│ riak-kv-3-2 +│ 2/,
    );
    expect(await ok('--url', url, 'cluster', 'info', 'c1')).toMatch(
      /nodes +│ riak-c1-1, riak-c1-2/,
    );
    expect(await ok('--url', url, 'node', 'list', 'c1')).toMatch(/riak-c1-2 +│ requested +│ false/);
    const info = JSON.parse(await ok('--url', url, '--json', 'node', 'info', 'c1', 'riak-c1-1'));
    expect(info).toMatchObject({
      node: { name: 'riak-c1-1', node_name: null, ports: null, failures: 0, task_id: 'riak-c1-1' },
    });
    // No task yet: an empty history (the table's head only).
    expect(
      JSON.parse(await ok('--url', url, '--json', 'node', 'tasks', 'c1', 'riak-c1-1')),
    ).toEqual({ node: 'riak-c1-1', tasks: [] });
    expect(await ok('--url', url, 'node', 'tasks', 'c1', 'riak-c1-1')).toMatch(
      /At +│ Task +│ State/,
    );
    expect(await ok('--url', url, 'cluster', 'endpoints', 'c1')).toBe(
      'cluster c1 has no running ring members and no registered directors\n',
    );
    // A director registers itself (as apps/director does): listed, a line, and in --json.
    const director = await ZkClient.connect({ connect: env.RIAK_MESOS_ZK! });
    try {
      await director.createEphemeral(
        `${frameworkLayout('riak').directors('c1')}/proxy.example-8087`,
        encodeDirectorRegistration({
          framework: 'riak',
          cluster: 'c1',
          host: 'proxy.example',
          pbPort: 8087,
          httpPort: 8098,
          registeredAt: new Date().toISOString(),
        }),
      );
      expect(await ok('--url', url, 'cluster', 'endpoints', 'c1')).toBe(
        'director proxy.example-8087 proxy.example:8087 proxy.example:8098\n',
      );
      expect(
        endpointsAnswerSchema.parse(
          JSON.parse(await ok('--url', url, '--json', 'cluster', 'endpoints', 'c1')),
        ),
      ).toEqual({
        cluster: 'c1',
        nodes: [],
        directors: [
          {
            kind: 'director',
            name: 'proxy.example-8087',
            pb: 'proxy.example:8087',
            http: 'proxy.example:8098',
          },
        ],
      });
    } finally {
      await director.close();
    }
    // Adoption of an orphan: confirmed with --yes, refused by the scheduler for a task it does
    // not list (an orphan is listed and adopted in apps/scheduler's repair.test.ts).
    const unconfirmed = await cli('--url', url, 'framework', 'orphans', '--adopt', 'riak-x-1');
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.err).toMatch(/add --yes to confirm/);
    const notOrphan = await cli(
      '--url',
      url,
      'framework',
      'orphans',
      '--adopt',
      'riak-x-1',
      '--yes',
    );
    expect(notOrphan.code).toBe(1);
    expect(notOrphan.err).toMatch(/no task 'riak-x-1' without a node record|not the leader/);
    const unknown = await cli('--url', url, 'cluster', 'endpoints', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/cluster 'nope' does not exist/);
    expect(await ok('--url', url, 'cluster', 'restart', 'c1')).toBe(
      'rolling restart of c1 started (2 nodes)\n',
    );
    const paused = JSON.parse(
      await ok('--url', url, '--json', 'cluster', 'operation', 'c1', 'pause'),
    );
    expect(paused.operation).toMatchObject({ kind: 'restart', state: 'paused', done: 0 });
    expect(await ok('--url', url, 'cluster', 'info', 'c1')).toMatch(
      /operation +│ restart 0\/2 paused/,
    );
    await ok('--url', url, 'cluster', 'operation', 'c1', 'abort');
    expect(await ok('--url', url, 'node', 'remove', 'c1', 'riak-c1-2')).toBe(
      'node riak-c1-2 is leaving c1\n',
    );
    const status = JSON.parse(await ok('--url', url, '--json', 'framework', 'status'));
    expect(status).toEqual({ status: 'OK', leader: true, registered: false, framework_id: null });
    await ok('--url', url, 'cluster', 'destroy', 'c1');
  });
});

describe('a scheduler answering outside the contract', () => {
  it('gets a message naming the field, and exit status 1', async () => {
    oddAnswers.set('/api/v1/clusters', {
      status: 200,
      body: { clusters: [{ name: 'c1', riak_version: 'x', nodes: [] }] },
    });
    const list = await cli('--url', oddUrl, 'cluster', 'list');
    expect(list.code).toBe(1);
    expect(list.err).toMatch(
      /the scheduler's answer to GET \/api\/v1\/clusters is not what this CLI understands \(clusters\.0\.state: .*clusters\.0\.operation: /,
    );
    oddAnswers.set('/api/v1/clusters/c1/nodes/n1/status', {
      status: 200,
      body: { members: [{ name: 'n1@h', status: 'valid' }], ringReady: true },
    });
    const view = await cli('--url', oddUrl, 'node', 'status', 'c1', 'n1');
    expect(view.code).toBe(1);
    expect(view.err).toMatch(/GET \/api\/v1\/clusters\/c1\/nodes\/n1\/status is not what/);
    oddAnswers.set('/healthcheck', { status: 200, body: { status: 'OK' } });
    const health = await cli('--url', oddUrl, 'framework', 'status');
    expect(health.code).toBe(1);
    expect(health.err).toMatch(/GET \/healthcheck is not what this CLI understands \(leader: /);
  });

  it("shows the scheduler's own error message", async () => {
    oddAnswers.set('/api/v1/clusters/c9', {
      status: 404,
      body: { error: { status: 404, code: 'not_found', message: "cluster 'c9' does not exist" } },
    });
    const r = await cli('--url', oddUrl, 'cluster', 'info', 'c9');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /scheduler answered 404 to GET \/api\/v1\/clusters\/c9: cluster 'c9' does not exist/,
    );
  });

  it('prints the views the contract describes', async () => {
    oddAnswers.set('/api/v1/clusters/c1/nodes/n1/status', {
      status: 200,
      body: {
        members: [{ name: 'n1@h', status: 'valid', ring: '100.0%' }],
        ringReady: true,
      },
    });
    expect(await ok('--url', oddUrl, 'node', 'status', 'c1', 'n1')).toMatch(
      /n1@h +│ valid +│ 100\.0% +│ --[\s\S]*ring ready: true/,
    );
    oddAnswers.set('/api/v1/clusters/c1/nodes/n1/transfers', {
      status: 200,
      body: { view: 'transfers', output: 'No transfers active\n', active: false },
    });
    expect(await ok('--url', oddUrl, 'node', 'transfers', 'c1', 'n1')).toBe(
      'No transfers active\n',
    );
    oddAnswers.set('/api/v1/clusters/c1/nodes/n1/stats', {
      status: 200,
      body: { nodename: 'n1@h', ring_members: 3 },
    });
    expect(await ok('--url', oddUrl, 'node', 'stats', 'c1', 'n1')).toMatch(
      /nodename +│ n1@h[\s\S]*ring_members +│ 3/,
    );
  });
});
