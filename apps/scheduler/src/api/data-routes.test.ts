import {
  dataBucketsAnswerSchema,
  dataKeysAnswerSchema,
  dataObjectAnswerSchema,
} from '@riak-mesos/framework-contract';
import type { RealRiakCluster } from '@riak-mesos/testing';
import { startRealRiakCluster } from '@riak-mesos/testing';
import { multipartParts } from './data-routes';
import type { ApiFixture } from './test-support/api-fixture';
import { startApiFixture } from './test-support/api-fixture';

let fx: ApiFixture;
let riak: RealRiakCluster;
let riakUrl: string;

/** Writes through Riak's own HTTP API (what a client would do), as `content-type`. */
async function put(bucket: string, key: string, value: string, contentType: string) {
  const res = await fetch(`${riakUrl}/types/default/buckets/${bucket}/keys/${key}`, {
    method: 'PUT',
    headers: { 'content-type': contentType },
    body: value,
  });
  expect(res.status).toBeLessThan(300);
}

beforeAll(async () => {
  [fx, riak] = await Promise.all([
    startApiFixture('data', { isLeader: () => true }),
    startRealRiakCluster({ nodes: 1 }),
  ]);
  const n = riak.nodes[0];
  riakUrl = `http://${n.host}:${n.httpPort}`;
  // A node record pointing at the real Riak node, as the scheduler has once the node runs.
  await fx.store.createCluster('c1', 'riak-kv-3.2');
  await fx.store.addNodes('c1', 2);
  for (const state of ['reserving', 'reserved', 'launching', 'starting'] as const)
    await fx.store.transitionNode('riak-c1-1', state);
  await fx.store.transitionNode('riak-c1-1', 'running', {
    hostname: n.host,
    ports: { http: n.httpPort, pb: n.pbPort, handoff: n.handoffPort, disterl: 1, epmd: 1 },
  });
}, 300000);

afterAll(async () => {
  await fx?.close();
  await riak?.stop();
});

const base = '/clusters/c1/nodes/riak-c1-1/data/types/default';

describe('data routes (read-only, through a node)', () => {
  it('lists buckets and pages keys with a warning, and shows objects with siblings', async () => {
    for (let i = 0; i < 5; i++) await put('books', `k${i}`, `{"n":${i}}`, 'application/json');
    await put('bytes', 'raw', '\u0001\u0002', 'application/octet-stream');

    const buckets = dataBucketsAnswerSchema.parse((await fx.call('GET', `${base}/buckets`)).json);
    expect(buckets.buckets).toEqual(expect.arrayContaining(['books', 'bytes']));
    expect(buckets.warning).toMatch(/expensive/);

    const first = dataKeysAnswerSchema.parse(
      (await fx.call('GET', `${base}/buckets/books/keys?limit=2`)).json,
    );
    expect(first).toMatchObject({ keys: ['k0', 'k1'], next: 'k1', total: 5 });
    const last = dataKeysAnswerSchema.parse(
      (await fx.call('GET', `${base}/buckets/books/keys?limit=3&after=k1`)).json,
    );
    expect(last).toMatchObject({ keys: ['k2', 'k3', 'k4'], next: null });

    const one = dataObjectAnswerSchema.parse(
      (await fx.call('GET', `${base}/buckets/books/keys/k3`)).json,
    );
    expect(one.siblings).toEqual([
      expect.objectContaining({
        content_type: 'application/json',
        encoding: 'utf8',
        value: '{"n":3}',
      }),
    ]);
    expect(one.vclock).toMatch(/^[A-Za-z0-9+/=]+$/);
    const raw = dataObjectAnswerSchema.parse(
      (await fx.call('GET', `${base}/buckets/bytes/keys/raw`)).json,
    );
    expect(raw.siblings[0]).toMatchObject({ encoding: 'base64', value: 'AQI=' });

    // Siblings: a bucket that keeps them, written twice without a vector clock.
    const props = await fetch(`${riakUrl}/types/default/buckets/sib/props`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ props: { allow_mult: true, last_write_wins: false } }),
    });
    expect(props.status).toBe(204);
    await put('sib', 'x', 'first', 'text/plain');
    await put('sib', 'x', 'second', 'text/plain');
    const sib = dataObjectAnswerSchema.parse(
      (await fx.call('GET', `${base}/buckets/sib/keys/x`)).json,
    );
    expect(sib.siblings.map((s) => s.value).sort()).toEqual(['first', 'second']);
    expect(sib.siblings.every((s) => s.content_type.startsWith('text/plain'))).toBe(true);
  });

  it('refuses bad names, missing objects, nodes not running, and callers without the token', async () => {
    const bad = await fx.call('GET', '/clusters/c1/nodes/riak-c1-1/data/types/-x/buckets');
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('type');
    const limit = await fx.call('GET', `${base}/buckets/books/keys?limit=0`);
    expect(limit.status).toBe(400);
    expect(limit.json.error.field).toBe('limit');
    expect((await fx.call('GET', `${base}/buckets/books/keys?sort=1`)).status).toBe(400);
    expect((await fx.call('GET', `${base}/buckets/books/keys/nope`)).status).toBe(404);
    const notRunning = await fx.call(
      'GET',
      '/clusters/c1/nodes/riak-c1-2/data/types/default/buckets',
    );
    expect(notRunning.status).toBe(409);
    const anonymous = await fetch(`${fx.api.url}/api/v1${base}/buckets`);
    expect(anonymous.status).toBe(401);
    // Read-only: nothing but GET is routed.
    expect((await fx.call('PUT', `${base}/buckets/books/keys/k1`, { v: 1 })).status).toBe(404);
  });
});

describe('multipart parts', () => {
  it("splits Riak's siblings with their headers and bytes", () => {
    const body = Buffer.from(
      '\r\n--B\r\nContent-Type: text/plain\r\nEtag: "e1"\r\n\r\none\r\n--B\r\nContent-Type: text/plain\r\nX-Riak-Deleted: true\r\n\r\n\r\n--B--\r\n',
      'latin1',
    );
    const parts = multipartParts(body, 'B');
    expect(parts.map((p) => p.body.toString())).toEqual(['one', '']);
    expect(parts[0].headers.get('etag')).toBe('"e1"');
    expect(parts[1].headers.get('x-riak-deleted')).toBe('true');
  });
});
