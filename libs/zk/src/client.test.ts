import { setTimeout as sleep } from 'node:timers/promises';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { z } from 'zod';
import {
  BadVersionError,
  DocumentStore,
  FencedError,
  InvalidDocumentError,
  InvalidNameError,
  NoAuthError,
  NoNodeError,
  NodeExistsError,
  TransactionError,
  ZkClient,
  digestAcl,
  expireSession,
  frameworkLayout,
} from './index';

let server: ZooKeeperServer;
let connect: string;
const clients: ZkClient[] = [];

async function client(
  extra: Partial<Parameters<typeof ZkClient.connect>[0]> = {},
): Promise<ZkClient> {
  const c = await ZkClient.connect({ connect, sessionTimeoutMs: 4000, ...extra });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startZooKeeper();
  connect = server.connectString + uniqueChroot('zk-client');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server.close();
});

describe('basic operations', () => {
  it('creates the chroot and works inside it', async () => {
    const zk = await client();
    await zk.create('/a', 'hello');
    expect((await zk.get('/a')).data.toString()).toBe('hello');
    expect(await zk.children('/')).toContain('a');
    const outside = await ZkClient.connect({ connect: server.connectString });
    clients.push(outside);
    const chroot = connect.slice(connect.indexOf('/'));
    expect((await outside.get(`${chroot}/a`)).data.toString()).toBe('hello');
  });

  it('ensures paths, deletes recursively, and reports missing nodes with typed errors', async () => {
    const zk = await client();
    await zk.ensurePath('/p/q/r');
    await zk.ensurePath('/p/q/r');
    await zk.create('/p/q/r/leaf', 'x');
    expect(await zk.exists('/p/q/r/leaf')).not.toBeNull();
    await zk.deleteRecursive('/p');
    expect(await zk.exists('/p')).toBeNull();
    await expect(zk.get('/p')).rejects.toBeInstanceOf(NoNodeError);
    await expect(zk.getOrNull('/p')).resolves.toBeNull();
    await expect(zk.children('/p')).rejects.toThrow(/no such node/);
    await zk.create('/dup', '');
    await expect(zk.create('/dup', '')).rejects.toBeInstanceOf(NodeExistsError);
  });

  it('creates sequential nodes and parents', async () => {
    const zk = await client();
    const a = await zk.create('/seq/n-', '', { mode: 'persistent_sequential', parents: true });
    const b = await zk.create('/seq/n-', '', { mode: 'persistent_sequential' });
    expect(a).toMatch(/^\/seq\/n-\d{10}$/);
    expect(b > a).toBe(true);
  });

  it('compare-and-set: a stale version is a BadVersionError and changes nothing', async () => {
    const zk = await client();
    await zk.create('/cas', 'v0');
    const { stat } = await zk.get('/cas');
    await zk.set('/cas', 'v1', stat.version);
    await expect(zk.set('/cas', 'v2', stat.version)).rejects.toBeInstanceOf(BadVersionError);
    expect((await zk.get('/cas')).data.toString()).toBe('v1');
    await expect(zk.delete('/cas', stat.version)).rejects.toBeInstanceOf(BadVersionError);
  });

  it('runs multi-operation transactions atomically', async () => {
    const zk = await client();
    await zk.ensurePath('/tx');
    const created = await zk.transaction([
      { op: 'create', path: '/tx/a', data: '1' },
      { op: 'create', path: '/tx/b', data: '2' },
    ]);
    expect(created).toEqual(['/tx/a', '/tx/b']);
    const failed = zk.transaction([
      { op: 'create', path: '/tx/c', data: '3' },
      { op: 'set', path: '/tx/a', data: 'x', version: 7 },
    ]);
    await expect(failed).rejects.toBeInstanceOf(TransactionError);
    await expect(failed).rejects.toMatchObject({ index: 1 });
    expect(await zk.exists('/tx/c')).toBeNull();
    expect((await zk.get('/tx/a')).data.toString()).toBe('1');
  });

  it('enforces digest ACLs', async () => {
    const owner = await client({ auth: [{ user: 'riak', password: 's3cret' }] });
    await owner.create('/secured', 'private', { acl: [digestAcl('riak', 's3cret')] });
    const stranger = await client();
    await expect(stranger.get('/secured')).rejects.toBeInstanceOf(NoAuthError);
    const friend = await client({ auth: [{ user: 'riak', password: 's3cret' }] });
    expect((await friend.get('/secured')).data.toString()).toBe('private');
  });

  it('fails to connect with a clear error', async () => {
    await expect(
      ZkClient.connect({ connect: '127.0.0.1:1', connectTimeoutMs: 500 }),
    ).rejects.toThrow(/could not connect to ZooKeeper at 127.0.0.1:1/);
  });
});

describe('ephemeral nodes', () => {
  it('vanish when the owning session closes', async () => {
    const owner = await client();
    const observer = await client();
    await owner.createEphemeral('/eph', 'alive', { parents: true });
    expect((await observer.get('/eph')).stat.ephemeralOwner).toBe(owner.sessionId);
    await owner.close();
    await waitFor(async () => (await observer.exists('/eph')) === null, {
      what: 'ephemeral node to vanish',
    });
  });
});

describe('watches', () => {
  it('see children added and removed, and data changed', async () => {
    const zk = await client();
    const writer = await client();
    await zk.ensurePath('/w');
    const kids = zk.watchChildren('/w');
    const seenKids: (string[] | null)[] = [];
    kids.on('change', (c: string[] | null) => seenKids.push(c));
    await waitFor(() => seenKids.length === 1);
    await writer.create('/w/x', '1');
    await waitFor(() => seenKids.at(-1)?.includes('x'), { what: 'child x' });
    const data = zk.watchData('/w/x');
    const seenData: (string | null)[] = [];
    data.on('change', (d: Buffer | null) => seenData.push(d === null ? null : d.toString()));
    await waitFor(() => seenData.at(-1) === '1');
    await writer.set('/w/x', '2');
    await waitFor(() => seenData.at(-1) === '2', { what: 'data change' });
    await writer.delete('/w/x');
    await waitFor(() => seenData.at(-1) === null, { what: 'deletion' });
    await waitFor(() => seenKids.at(-1)?.length === 0, { what: 'child removal' });
    await writer.create('/w/x', '3');
    await waitFor(() => seenData.at(-1) === '3', { what: 're-creation' });
  });

  it('watch a node that does not exist yet', async () => {
    const zk = await client();
    const w = zk.watchChildren('/later');
    expect(await w.initial()).toBeNull();
    const next = new Promise((resolve) => w.once('change', resolve));
    await zk.create('/later', '');
    expect(await next).toEqual([]);
  });

  it('see a change made between a trigger and the re-arm', async () => {
    const zk = await client();
    const writer = await client();
    await zk.create('/race', '0');
    const w = zk.watchData('/race');
    const values: string[] = [];
    const it = w[Symbol.asyncIterator]();
    // Many writes back to back: each trigger is followed by more writes before the watch is
    // re-armed. The watch must end on the last value (latest wins), never stuck on an old one.
    for (let i = 1; i <= 50; i++) await writer.set('/race', String(i));
    for (;;) {
      const { value } = await it.next();
      values.push((value as Buffer).toString());
      if (values.at(-1) === '50') break;
    }
    expect(values.at(-1)).toBe('50');
    // Values only move forward.
    const nums = values.map(Number);
    expect([...nums].sort((a, b) => a - b)).toEqual(nums);
    w.close();
  });
});

describe('session expiry', () => {
  it('makes a new session, brings back owned ephemerals and watches, and tells the caller', async () => {
    const zk = await client();
    const observer = await client();
    await zk.createEphemeral('/svc/member', 'me', { parents: true });
    const kids = zk.watchChildren('/svc');
    const seen: (string[] | null)[] = [];
    kids.on('change', (c: string[] | null) => seen.push(c));
    await waitFor(() => seen.length > 0);
    const oldSession = zk.sessionId;
    const renewed = new Promise((r) => zk.once('session', r));
    await expireSession(zk);
    await renewed;
    expect(zk.sessionId).not.toBe(oldSession);
    const got = await observer.get('/svc/member');
    expect(got.data.toString()).toBe('me');
    expect(got.stat.ephemeralOwner).toBe(zk.sessionId);
    // The child watch works in the new session.
    await observer.create('/svc/other', '');
    await waitFor(() => seen.at(-1)?.includes('other'), { what: 'watch after expiry' });
  });
});

describe('transactions', () => {
  it('keep a condition on version 0 (the client library would send it as "any version")', async () => {
    const zk = await client();
    await zk.create('/v0', 'a');
    await zk.set('/v0', 'b');
    await expect(
      zk.transaction([{ op: 'set', path: '/v0', data: 'c', version: 0 }]),
    ).rejects.toBeInstanceOf(TransactionError);
    await expect(zk.transaction([{ op: 'check', path: '/v0', version: 0 }])).rejects.toBeInstanceOf(
      TransactionError,
    );
    await expect(
      zk.transaction([{ op: 'delete', path: '/v0', version: 0 }]),
    ).rejects.toBeInstanceOf(TransactionError);
    expect((await zk.get('/v0')).data.toString()).toBe('b');
    await zk.transaction([{ op: 'set', path: '/v0', data: 'c', version: 1 }]);
    expect((await zk.get('/v0')).data.toString()).toBe('c');
  });
});

describe('fencing', () => {
  it('refuses every write of a client whose fence node is gone, and lets the others write', async () => {
    const leader = await client();
    const other = await client();
    await leader.ensurePath('/fenced/docs');
    const election = await leader.create('/fenced/leader-', 'me', { mode: 'ephemeral_sequential' });
    leader.setFence(election);
    // While the fence stands, every kind of write works, with its own errors.
    await leader.create('/fenced/docs/a', '1');
    const stat = await leader.set('/fenced/docs/a', '2', 0);
    expect(stat.version).toBe(1);
    await expect(leader.set('/fenced/docs/a', '3', 0)).rejects.toBeInstanceOf(BadVersionError);
    await expect(leader.create('/fenced/docs/a', 'x')).rejects.toBeInstanceOf(NodeExistsError);
    await leader.transaction([{ op: 'create', path: '/fenced/docs/b', data: 'b' }]);
    await leader.delete('/fenced/docs/b');
    // The session that held the fence ends (the client makes a new one by itself).
    await expireSession(leader);
    for (const write of [
      () => leader.set('/fenced/docs/a', 'late'),
      () => leader.create('/fenced/docs/c', 'late'),
      () => leader.delete('/fenced/docs/a'),
      () => leader.ensurePath('/fenced/docs/d/e'),
      () => leader.transaction([{ op: 'set', path: '/fenced/docs/a', data: 'late' }]),
    ])
      await expect(write()).rejects.toBeInstanceOf(FencedError);
    expect((await other.get('/fenced/docs/a')).data.toString()).toBe('2');
    expect(await other.exists('/fenced/docs/c')).toBeNull();
    await other.set('/fenced/docs/a', 'other');
    // Reads are not fenced.
    expect((await leader.get('/fenced/docs/a')).data.toString()).toBe('other');
  });
});

describe('names and layout', () => {
  it('rejects names that would escape or break a path', () => {
    const bad = ['', '.', '..', 'a/b', '../x', 'a b', 'x\u0000', 'é', 'a'.repeat(101), '-lead'];
    for (const name of bad) expect(() => frameworkLayout(name)).toThrow(InvalidNameError);
    const layout = frameworkLayout('riak');
    expect(layout.root).toBe('/riak/frameworks/riak');
    expect(layout.node('riak-default-3')).toBe('/riak/frameworks/riak/nodes/riak-default-3');
    expect(layout.coordinatedNode('riak-default-1')).toBe(
      '/riak/frameworks/riak/coordinator/coordinatedNodes/riak-default-1',
    );
    expect(layout.erlpmdNode('riak-default-1')).toBe(
      '/riak/frameworks/riak/erlpmd/nodes/riak-default-1',
    );
    expect(() => layout.cluster('../../etc')).toThrow(/cluster name '..\/..\/etc' is invalid/);
  });

  it('rejects invalid paths before they reach ZooKeeper', async () => {
    const zk = await client();
    await expect(zk.get('relative')).rejects.toBeInstanceOf(InvalidNameError);
    await expect(zk.create('/a/../b', '')).rejects.toBeInstanceOf(InvalidNameError);
  });
});

describe('DocumentStore', () => {
  const schema = z.object({ name: z.string(), nodes: z.number().int().nonnegative() });

  it('writes and reads validated, versioned documents', async () => {
    const zk = await client();
    const store = new DocumentStore(zk, { kind: 'cluster', schemaVersion: 2, schema });
    await store.create('/docs/c1', { name: 'c1', nodes: 3 });
    const read = await store.read('/docs/c1');
    expect(read).toEqual({ value: { name: 'c1', nodes: 3 }, version: 0 });
    await store.write('/docs/c1', { name: 'c1', nodes: 4 }, 0);
    await expect(store.write('/docs/c1', { name: 'c1', nodes: 5 }, 0)).rejects.toBeInstanceOf(
      BadVersionError,
    );
    expect(() => store.encode({ name: 'c1', nodes: -1 })).toThrow(InvalidDocumentError);
  });

  it('update retries on conflict so no write is lost', async () => {
    const zk = await client();
    const other = await client();
    const a = new DocumentStore(zk, { kind: 'counter', schemaVersion: 1, schema });
    const b = new DocumentStore(other, { kind: 'counter', schemaVersion: 1, schema });
    await a.create('/docs/counter', { name: 'n', nodes: 0 });
    await Promise.all([
      ...Array.from({ length: 10 }, () =>
        a.update('/docs/counter', (c) => ({ name: 'n', nodes: c!.nodes + 1 })),
      ),
      ...Array.from({ length: 10 }, () =>
        b.update('/docs/counter', (c) => ({ name: 'n', nodes: c!.nodes + 1 })),
      ),
    ]);
    expect((await a.read('/docs/counter'))!.value.nodes).toBe(20);
  });

  it('reports invalid stored documents clearly instead of crashing', async () => {
    const zk = await client();
    const store = new DocumentStore(zk, { kind: 'cluster', schemaVersion: 1, schema });
    await zk.create('/docs/junk', '{not json', { parents: true });
    await expect(store.read('/docs/junk')).rejects.toThrow(/not valid JSON/);
    await zk.create(
      '/docs/wrongkind',
      JSON.stringify({ kind: 'node', schemaVersion: 1, data: {} }),
    );
    await expect(store.read('/docs/wrongkind')).rejects.toThrow(/is not a cluster document/);
    await zk.create(
      '/docs/badshape',
      JSON.stringify({ kind: 'cluster', schemaVersion: 1, data: { name: 5 } }),
    );
    await expect(store.read('/docs/badshape')).rejects.toThrow(/name/);
    await zk.create('/docs/newer', JSON.stringify({ kind: 'cluster', schemaVersion: 9, data: {} }));
    await expect(store.read('/docs/newer')).rejects.toThrow(/schema version 9/);
  });

  it('migrates documents of an older schema version', async () => {
    const zk = await client();
    await zk.create(
      '/docs/old',
      JSON.stringify({ kind: 'cluster', schemaVersion: 1, data: { name: 'o', size: 2 } }),
      { parents: true },
    );
    const store = new DocumentStore(zk, {
      kind: 'cluster',
      schemaVersion: 2,
      schema,
      migrate: (d) => ({ name: (d as { name: string }).name, nodes: (d as { size: number }).size }),
    });
    expect((await store.read('/docs/old'))!.value).toEqual({ name: 'o', nodes: 2 });
  });
});

describe('close', () => {
  it('rejects calls after close', async () => {
    const zk = await client();
    await zk.close();
    await expect(zk.get('/')).rejects.toThrow(/closed/);
    await sleep(10);
  });
});
