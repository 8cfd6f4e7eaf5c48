/**
 * Security of the scheduler API with the scheduler as it runs in production: its bundle as a
 * child process against a real ZooKeeper, with no credential configured (docs/security.md). It
 * makes its token at the first start; unauthenticated, wrong-token, cross-site and rebinding
 * requests are refused and change nothing; an executor's credential reads only its own cluster's
 * templates. A second scheduler with --insecure-no-auth warns and still refuses query-only changes.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import {
  REPO_ROOT,
  bundle,
  freePorts,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { executorCredential } from './auth';

jest.setTimeout(120000);

const FRAMEWORK = 'sectest';
const layout = frameworkLayout(FRAMEWORK);
const VERSIONS = JSON.stringify([
  { name: 'riak-kv-3', url: 'http://packages.invalid/riak.tar.gz', flavour: 'kv3' },
]);

let zkServer: ZooKeeperServer;
let zk: ZkClient;
let work: string;
let connect: string;
let port: number;
let insecurePort: number;
let token: string;
const processes: ProcessGroup[] = [];

function startScheduler(name: string, apiPort: number, extra: string[] = []): ProcessGroup {
  const log = join(work, `scheduler-${apiPort}.log`);
  const p = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'apps', 'scheduler', 'main.js'),
      ...['--name', name, '--zk', connect, '--ip', '127.0.0.1', '--port', String(apiPort)],
      // No Mesos master answers there: the API works all the same (leadership is ZooKeeper's).
      ...['--master', 'http://127.0.0.1:9', '--hostname', '127.0.0.1', '--riak-versions', VERSIONS],
      ...extra,
    ],
    { stdoutFile: log, stderrFile: log, env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  processes.push(p);
  return p;
}

interface Answer {
  status: number;
  body: string;
}

/** One request as a browser or a script would send it (any Host, any body). */
function send(
  apiPort: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: apiPort, method, path, headers, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const json = { 'content-type': 'application/json' };

/** What ZooKeeper holds of the framework's clusters and nodes (what a change would have made). */
async function recorded(): Promise<{ clusters: string[]; nodes: string[] }> {
  return {
    clusters: (await zk.children(layout.clusters)).sort(),
    nodes: (await zk.children(layout.nodes)).sort(),
  };
}

async function leading(apiPort: number): Promise<void> {
  await waitFor(
    async () => {
      const h = await send(apiPort, 'GET', '/healthcheck').catch(() => undefined);
      return h?.status === 200 && (JSON.parse(h.body) as { leader: boolean }).leader;
    },
    { timeoutMs: 60000, what: `the scheduler on ${apiPort} to lead` },
  );
}

beforeAll(async () => {
  work = await tempDir('scheduler-security');
  await bundle('apps/scheduler');
  zkServer = await startZooKeeper();
  connect = zkServer.connectString + uniqueChroot('security');
  [port, insecurePort] = await freePorts(2);
  startScheduler(FRAMEWORK, port);
  await leading(port);
  zk = await ZkClient.connect({ connect });
  token = (await zk.get(layout.apiToken)).data.toString('utf8');
  // A cluster made with the token: the target of the refused changes below.
  const made = await send(
    port,
    'PUT',
    '/api/v1/clusters/alpha',
    { ...bearer(token), ...json },
    '{}',
  );
  expect(made.status).toBe(201);
}, 180000);

afterAll(async () => {
  for (const p of processes) await p.stop(5000);
  await zk?.close();
  await zkServer?.close();
});

describe('the scheduler API with no credential configured', () => {
  it('made a random token of at least 128 bits at its first start, kept in ZooKeeper', () => {
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it('answers 401 to unauthenticated and wrong-token requests, which change nothing', async () => {
    const before = await recorded();
    for (const headers of [
      {},
      bearer('not-the-token'),
      bearer(`${token}x`),
      { authorization: token },
    ]) {
      for (const [method, path, body] of [
        ['PUT', '/api/v1/clusters/beta', '{}'],
        ['POST', '/api/v1/clusters/alpha/nodes', '{"nodes": 3}'],
        ['DELETE', '/api/v1/clusters/alpha', undefined],
        ['PUT', '/api/v1/clusters/alpha/config', 'ring_size = 8'],
        ['GET', '/api/v1/clusters', undefined],
      ] as const) {
        const res = await send(port, method, path, { ...headers, ...json }, body);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
        expect(JSON.parse(res.body)).toMatchObject({ error: { status: 401 } });
      }
    }
    expect(await recorded()).toEqual(before);
    const alpha = await send(port, 'GET', '/api/v1/clusters/alpha', bearer(token));
    expect(JSON.parse(alpha.body)).toMatchObject({
      cluster: { name: 'alpha', state: 'requested', has_riak_conf: false },
    });
  });

  it('refuses a form-encoded cross-site POST and a query-only change without the header', async () => {
    const before = await recorded();
    const form = await send(
      port,
      'POST',
      '/api/v1/clusters/alpha/nodes',
      {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://evil.example',
        cookie: 'session=whatever',
      },
      'nodes=3',
    );
    expect(form.status).toBe(401);
    const query = await send(port, 'POST', '/api/v1/clusters/alpha/nodes?nodes=2');
    expect(query.status).toBe(401);
    const create = await send(port, 'POST', '/api/v1/clusters/gamma/create?riak_version=riak-kv-3');
    expect(create.status).toBe(401);
    expect(await recorded()).toEqual(before);
    // The documented query form works with the header.
    const withHeader = await send(
      port,
      'POST',
      '/api/v1/clusters/alpha/nodes?nodes=1',
      bearer(token),
    );
    expect(withHeader.status).toBe(201);
    expect((await recorded()).nodes).toEqual([...before.nodes, `${FRAMEWORK}-alpha-1`].sort());
  });

  it('refuses a request whose Host is a foreign name (DNS rebinding), even with the token', async () => {
    const before = await recorded();
    for (const host of ['evil.example', `evil.example:${port}`, 'attacker.localhost.example']) {
      const res = await send(
        port,
        'PUT',
        '/api/v1/clusters/rebound',
        { host, ...bearer(token), ...json },
        '{}',
      );
      expect({ host, status: res.status }).toEqual({ host, status: 421 });
      expect(JSON.parse(res.body)).toMatchObject({ error: { field: 'host' } });
      expect((await send(port, 'GET', '/explorer', { host })).status).toBe(421);
    }
    expect(await recorded()).toEqual(before);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
      expect((await send(port, 'GET', '/api/v1/clusters', { host, ...bearer(token) })).status).toBe(
        200,
      );
  });

  it("lets an executor's credential read its own cluster's templates and nothing else", async () => {
    for (const c of ['alpha', 'bravo']) {
      if (c === 'bravo')
        expect(
          (await send(port, 'PUT', '/api/v1/clusters/bravo', { ...bearer(token), ...json }, '{}'))
            .status,
        ).toBe(201);
      const put = await send(
        port,
        'PUT',
        `/api/v1/clusters/${c}/config`,
        { ...bearer(token), 'content-type': 'text/plain' },
        `## ${c}\nring_size = 8\n`,
      );
      expect(put.status).toBe(200);
    }
    const key = (await zk.get(layout.executorKey)).data.toString('utf8');
    expect(Buffer.from(key, 'base64url').length).toBeGreaterThanOrEqual(16);
    const alphaTask = executorCredential(key, 'alpha', 'riak-alpha-1-task-1');
    const own = await send(port, 'GET', '/api/v1/clusters/alpha/config', bearer(alphaTask));
    expect(own.status).toBe(200);
    expect(own.body).toContain('## alpha');
    for (const [method, path] of [
      ['GET', '/api/v1/clusters/bravo/config'],
      ['GET', '/api/v1/clusters/bravo/advancedConfig'],
      ['GET', '/api/v1/clusters'],
      ['GET', '/api/v1/clusters/alpha/nodes'],
      ['PUT', '/api/v1/clusters/alpha/config'],
      ['DELETE', '/api/v1/clusters/alpha'],
    ] as const) {
      const res = await send(
        port,
        method,
        path,
        { ...bearer(alphaTask), 'content-type': 'text/plain' },
        method === 'GET' ? undefined : 'x = 1',
      );
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    // The cluster is bound by the MAC: a credential renamed to another task or forged is refused.
    const forged = alphaTask.replace('riak-alpha-1-task-1', 'riak-bravo-1-task-1');
    expect((await send(port, 'GET', '/api/v1/clusters/bravo/config', bearer(forged))).status).toBe(
      403,
    );
    expect((await send(port, 'GET', '/api/v1/clusters/alpha/config', bearer(forged))).status).toBe(
      403,
    );
    const otherKey = executorCredential('another-key', 'alpha', 'riak-alpha-1-task-1');
    expect(
      (await send(port, 'GET', '/api/v1/clusters/alpha/config', bearer(otherKey))).status,
    ).toBe(403);
    expect((await recorded()).clusters).toEqual(['alpha', 'bravo']);
  });

  it('keeps /metrics and the event stream behind the token; /healthcheck stays open', async () => {
    expect((await send(port, 'GET', '/metrics')).status).toBe(401);
    expect((await send(port, 'GET', '/metrics', bearer(token))).status).toBe(200);
    expect((await send(port, 'GET', '/healthcheck')).status).toBe(200);
    const url = `ws://127.0.0.1:${port}/api/v1/events`;
    const refused = new WebSocket(url);
    const err = await new Promise<Error>((r) => refused.once('error', r));
    expect(err.message).toMatch(/401/);
    // The explorer's way: the token as the `bearer.<token>` subprotocol.
    const ws = new WebSocket(url, [`bearer.${token}`]);
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (m: Buffer) => resolve(m.toString()));
      ws.once('error', reject);
    });
    expect(JSON.parse(hello)).toMatchObject({ type: 'hello', leader: true });
    ws.close();
  });
});

describe('a scheduler started with --insecure-no-auth', () => {
  it('warns at start, makes no token, and takes no change from a form or a bare query', async () => {
    const p = startScheduler('insecure', insecurePort, ['--insecure-no-auth']);
    await leading(insecurePort);
    expect(p.running).toBe(true);
    expect(await zk.exists(frameworkLayout('insecure').apiToken)).toBeNull();
    const form = await send(
      insecurePort,
      'POST',
      '/api/v1/clusters/open/create',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'riak_version=riak-kv-3',
    );
    expect(form.status).toBe(403);
    expect(JSON.parse(form.body)).toMatchObject({ error: { field: 'x-requested-with' } });
    expect((await send(insecurePort, 'POST', '/api/v1/clusters/open/create')).status).toBe(403);
    expect(await zk.exists(`${frameworkLayout('insecure').clusters}/open`)).toBeNull();
    const scripted = await send(insecurePort, 'POST', '/api/v1/clusters/open/create', {
      'x-requested-with': 'test',
    });
    expect(scripted.status).toBe(201);
    const log = readFileSync(join(work, `scheduler-${insecurePort}.log`), 'utf8');
    expect(log).toMatch(/WITHOUT authentication/);
  });
});
