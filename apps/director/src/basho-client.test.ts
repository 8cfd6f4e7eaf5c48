/**
 * Basho's Node.js client (`basho-riak-client`), in its default configuration and with only the
 * director in its node list, against a real three-node cluster: what an application written for
 * Riak does through the director. The client opens a connection per concurrent command (each one
 * pinged first, its health check), keeps them in a pool and reaps the idle ones after 10 s.
 */
import { randomBytes } from 'node:crypto';
import { Client, Cluster, Commands, Node } from 'basho-riak-client';
import { waitFor } from '@riak-mesos/testing';
import type { Director } from './director';
import type { RealRiakSetup } from './test-support/real-riak';
import { startRealRiakSetup } from './test-support/real-riak';

jest.setTimeout(120000);

/** Runs a callback-style client command as a promise. */
function call<T>(f: (done: (err: Error | string | null, r: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    f((err, r) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(r))),
  );
}

let s: RealRiakSetup;
let director: Director;
let client: Client;
/** Every state the client's node (the director, to the client) went through. */
const states: number[] = [];

beforeAll(async () => {
  s = await startRealRiakSetup({ nodes: 3 });
  director = s.director!;
  client = await call<Client>((done) => new Client([`127.0.0.1:${director.ports.pb}`], done));
  client.cluster.nodes[0].on('stateChange', (_n, state) => states.push(state));
}, 300000);

afterAll(async () => {
  if (client)
    await new Promise<void>((resolve) =>
      client.shutdown((state) => state === Cluster.State.SHUTDOWN && resolve()),
    );
  await s?.stop();
});

const bucket = () => `basho-${randomBytes(4).toString('hex')}`;
const text = (o: { getValue(): unknown }) => String(o.getValue());

describe('real Riak: basho-riak-client through the director', () => {
  it('pings and reads the server info of the real nodes', async () => {
    expect(await call<boolean>((d) => client.ping(d))).toBe(true);
    const info = await call<{ node: string; server_version: string }>((d) =>
      client.fetchServerInfo(d),
    );
    expect(s.cluster.nodes.map((n) => n.nodeName)).toContain(info.node);
    expect(info.server_version).toMatch(/^3\./);
  });

  it('stores, fetches and deletes values; every acknowledged write reads back', async () => {
    const b = bucket();
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    // Concurrent commands: the client opens a connection per command in flight.
    const acked: string[] = [];
    await Promise.all(
      keys.map(async (k) => {
        await call((d) => client.storeValue({ bucket: b, key: k, value: `value of ${k}` }, d));
        acked.push(k);
      }),
    );
    expect(acked.sort()).toEqual([...keys].sort());
    expect(director.proxy('protobuf').stats.proxied).toBeGreaterThan(1);
    for (const k of acked) {
      const r = await call<{ isNotFound: boolean; values: { getValue(): unknown }[] }>((d) =>
        client.fetchValue({ bucket: b, key: k, convertToJs: false }, d),
      );
      expect(r.isNotFound).toBe(false);
      expect(text(r.values[0])).toBe(`value of ${k}`);
    }
    const gone = keys.slice(0, 50);
    await Promise.all(gone.map((k) => call((d) => client.deleteValue({ bucket: b, key: k }, d))));
    for (const k of [...gone.slice(0, 5), ...keys.slice(50, 55)]) {
      const r = await call<{ isNotFound: boolean }>((d) =>
        client.fetchValue({ bucket: b, key: k }, d),
      );
      expect(r.isNotFound).toBe(gone.includes(k));
    }
  });

  it('lists keys', async () => {
    const b = bucket();
    const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`);
    await Promise.all(
      keys.map((k) => call((d) => client.storeValue({ bucket: b, key: k, value: k }, d))),
    );
    const listed = await call<{ keys: string[] }>((d) =>
      client.listKeys({ bucket: b, stream: false }, d),
    );
    expect(listed.keys.sort()).toEqual(keys.sort());
  });

  it('runs secondary-index queries (equality, range, streamed)', async () => {
    const b = bucket();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const o = new Commands.KV.RiakObject()
          .setContentType('text/plain')
          .setValue(`v${i}`)
          .addToIndex('parity_bin', i % 2 ? 'odd' : 'even')
          .addToIndex('n_int', i);
        return call((d) => client.storeValue({ bucket: b, key: `k${i}`, value: o }, d));
      }),
    );
    const odd = await call<{ values: { objectKey: string }[] }>((d) =>
      client.secondaryIndexQuery(
        { bucket: b, indexName: 'parity_bin', indexKey: 'odd', stream: false },
        d,
      ),
    );
    expect(odd.values.map((v) => v.objectKey).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `k${2 * i + 1}`).sort(),
    );
    // Streamed: the callback is called per batch, the last one with done.
    const streamed: string[] = [];
    let batches = 0;
    await new Promise<void>((resolve, reject) =>
      client.secondaryIndexQuery(
        { bucket: b, indexName: 'n_int', rangeStart: 10, rangeEnd: 29, stream: true },
        (err, r) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          batches++;
          streamed.push(...r.values.map((v) => v.objectKey));
          if (r.done) resolve();
        },
      ),
    );
    expect(streamed.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${10 + i}`).sort());
    expect(batches).toBeGreaterThan(1);
  });

  it('runs a map-reduce job', async () => {
    const b = bucket();
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await Promise.all(
      keys.map((k) => call((d) => client.storeValue({ bucket: b, key: k, value: k }, d))),
    );
    const job = JSON.stringify({
      inputs: keys.map((k) => [b, k]),
      query: [
        {
          map: { language: 'erlang', module: 'riak_kv_mapreduce', function: 'map_object_value' },
        },
      ],
    });
    const r = await call<Record<string, unknown>>((d) => client.mapReduce(job, d, false));
    expect((r.phase_0 as string[]).sort()).toEqual(keys.sort());
  });

  it('reuses its pooled connections, reaps idle ones after 10 s, and goes on afterwards', async () => {
    const open = () => director.proxy('protobuf').openConnections;
    const b = bucket();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call((d) => client.storeValue({ bucket: b, key: `k${i}`, value: 'v' }, d)),
      ),
    );
    const proxiedBefore = director.proxy('protobuf').stats.proxied;
    // One command at a time reuses a pooled connection: the director sees no new one.
    for (let i = 0; i < 20; i++)
      await call((d) => client.fetchValue({ bucket: b, key: `k${i}` }, d));
    expect(director.proxy('protobuf').stats.proxied).toBe(proxiedBefore);
    expect(open()).toBeGreaterThan(1);
    // The client closes idle connections down to its minimum of one; the director follows.
    await waitFor(() => open() === 1, { timeoutMs: 40000, what: 'idle connections to be reaped' });
    const r = await call<{ values: { getValue(): unknown }[] }>((d) =>
      client.fetchValue({ bucket: b, key: 'k3', convertToJs: false }, d),
    );
    expect(text(r.values[0])).toBe('v');
  });

  it('goes on through the director when a node is SIGKILLed under load; every acknowledged write reads back', async () => {
    const victim = 2;
    const b = bucket();
    let running = true;
    let killedAt = Number.POSITIVE_INFINITY;
    const acked: string[] = [];
    const failedAfterKill: string[] = [];
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const key = `w${w}-${i}`;
        const startedAt = Date.now();
        try {
          await call((d) => client.storeValue({ bucket: b, key, value: key }, d));
          acked.push(key);
        } catch (err) {
          if (startedAt > killedAt) failedAfterKill.push(`${key}: ${String(err)}`);
        }
      }
    };
    const workers = Array.from({ length: 10 }, (_, w) => worker(w));
    await waitFor(() => acked.length > 50, { timeoutMs: 30000, what: 'load to run' });
    const statesBefore = states.length;
    await s.cluster.kill(victim);
    killedAt = Date.now();
    await waitFor(() => s.up('protobuf') === 2, { what: 'the director to take the node down' });
    const atDown = acked.length;
    await waitFor(() => acked.length > atDown + 200, {
      timeoutMs: 60000,
      what: 'load to go on through the other two nodes',
    });
    running = false;
    await Promise.all(workers);
    expect(failedAfterKill).toEqual([]);
    // Either way the client ends running and never failed a write: a connection that had a
    // request in flight on the killed node was reset, and the client health-checked the director
    // (a new connection and a ping) and was running again; an idle one was moved by the director
    // to another node before its next request (the pool), and the client saw nothing. Which
    // happens depends on where each of the ten connections was at the kill.
    const transitions = states.slice(statesBefore);
    expect(
      transitions.filter((x) => x !== Node.State.HEALTH_CHECKING && x !== Node.State.RUNNING),
    ).toEqual([]);
    if (transitions.length > 0) expect(transitions.at(-1)).toBe(Node.State.RUNNING);
    expect(client.cluster.nodes[0].state).toBe(Node.State.RUNNING);

    await s.cluster.restart(victim);
    await s.cluster.settled();
    const missing: string[] = [];
    for (const key of acked) {
      const r = await call<{ isNotFound: boolean; values: { getValue(): unknown }[] }>((d) =>
        client.fetchValue({ bucket: b, key, convertToJs: false }, d),
      );
      if (r.isNotFound || text(r.values[0]) !== key) missing.push(key);
    }
    expect(missing).toEqual([]);
  });

  it('with externalLoadBalancer: true, keeps the director RUNNING while nodes are stopped and started under load', async () => {
    // The setting Basho documents for a client behind a load balancer: the client never takes
    // its node (the director) out of service to health-check it.
    const node = new Node.Builder()
      .withRemoteAddress('127.0.0.1')
      .withRemotePort(director.ports.pb)
      .withExternalLoadBalancer(true)
      .build();
    const seen: number[] = [];
    node.on('stateChange', (_n, state) => seen.push(state));
    const elb = await call<Client>(
      (done) => new Client(new Cluster.Builder().withRiakNodes([node]).build(), done),
    );
    const b = bucket();
    let running = true;
    const acked: string[] = [];
    const failed: string[] = [];
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const key = `e${w}-${i}`;
        try {
          await call((d) => elb.storeValue({ bucket: b, key, value: key }, d));
          acked.push(key);
        } catch (err) {
          failed.push(`${key}: ${String(err)}`);
        }
      }
    };
    const progress = async (what: string) => {
      const at = acked.length;
      await waitFor(() => acked.length > at + 100, { timeoutMs: 60000, what });
    };
    const workers = Array.from({ length: 10 }, (_, w) => worker(w));
    try {
      await progress('load to run');
      const victim = 1;
      await s.cluster.kill(victim);
      await waitFor(() => s.up('protobuf') === 2, { what: 'the director to take the node down' });
      await progress('load to go on through the two nodes left');
      await s.cluster.restart(victim);
      // Riak is ready; the director takes it back after `rise` (2) passing checks 2 s apart,
      // each answered while the machine also carries the load and the other suites.
      await waitFor(() => s.up('protobuf') === 3, {
        timeoutMs: 30000,
        what: 'the node back behind the director',
      });
      await progress('load to go on with the node back');
    } finally {
      running = false;
      await Promise.all(workers);
    }
    // Never out of service: the client kept sending to the director, which always had a node.
    expect(seen.filter((st) => st !== Node.State.RUNNING)).toEqual([]);
    expect(node.state).toBe(Node.State.RUNNING);
    expect(failed).toEqual([]);
    await s.cluster.settled();
    const missing: string[] = [];
    for (const key of acked) {
      const r = await call<{ isNotFound: boolean; values: { getValue(): unknown }[] }>((d) =>
        elb.fetchValue({ bucket: b, key, convertToJs: false }, d),
      );
      if (r.isNotFound || text(r.values[0]) !== key) missing.push(key);
    }
    expect(missing).toEqual([]);
    await new Promise<void>((resolve) =>
      elb.shutdown((state) => state === Cluster.State.SHUTDOWN && resolve()),
    );
  });
});
