import { createLogger } from '@riak-mesos/logging';
import type { Backend, BackendPoolOptions, BackendSpec } from './backends';
import { BackendPool } from './backends';

const logger = createLogger('director-test', { level: 'error' });

function pool(options: Partial<BackendPoolOptions> = {}): BackendPool {
  return new BackendPool({
    name: 'protobuf',
    balance: 'leastconn',
    maxConnPerBackend: 100,
    rise: 2,
    fall: 3,
    ejectAfter: 1,
    drainTimeoutMs: 60000,
    logger,
    ...options,
  });
}

const spec = (i: number, port = 8000 + i): BackendSpec => ({
  id: `riak-default-${i}`,
  node: `riak-default-${i}@host${i}`,
  host: '127.0.0.1',
  port,
});

const handle = () => ({ destroyed: false, destroy() {} });

/** Claims a backend and marks it connected, like a proxied connection. */
async function open(p: BackendPool): Promise<{ b: Backend; h: ReturnType<typeof handle> }> {
  const b = await p.acquire(new Set(), 0).promise;
  if (!b) throw new Error('no backend');
  const h = handle();
  p.connected(b, h);
  return { b, h };
}

const closeConn = (p: BackendPool, c: { b: Backend; h: ReturnType<typeof handle> }) =>
  p.release(c.b, c.h, { durationMs: 1, bytesIn: 10, bytesOut: 20 });

describe('BackendPool', () => {
  it('least connections: spreads evenly and prefers the least loaded', async () => {
    const p = pool();
    p.sync([spec(1), spec(2), spec(3)]);
    const conns = [];
    for (let i = 0; i < 9; i++) conns.push(await open(p));
    expect(p.list().map((b) => b.active)).toEqual([3, 3, 3]);
    // Free two on backend 2: the next two go there.
    const onTwo = conns.filter((c) => c.b.id === 'riak-default-2');
    closeConn(p, onTwo[0]);
    closeConn(p, onTwo[1]);
    const a = await open(p);
    const b = await open(p);
    expect([a.b.id, b.b.id]).toEqual(['riak-default-2', 'riak-default-2']);
  });

  it('round robin: rotates whatever the load', async () => {
    const p = pool({ balance: 'roundrobin' });
    p.sync([spec(1), spec(2), spec(3)]);
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const c = await open(p);
      ids.push(c.b.id);
      if (i < 3) closeConn(p, c);
    }
    expect(ids.slice(0, 3).sort()).toEqual(['riak-default-1', 'riak-default-2', 'riak-default-3']);
    expect(ids.slice(3)).toEqual(ids.slice(0, 3));
  });

  it('respects maxconn and queues clients until a slot frees', async () => {
    const p = pool({ maxConnPerBackend: 2 });
    p.sync([spec(1)]);
    const c1 = await open(p);
    await open(p);
    const waiting = p.acquire(new Set(), 10000);
    expect(p.queued).toBe(1);
    closeConn(p, c1);
    const b = await waiting.promise;
    expect(b?.id).toBe('riak-default-1');
    expect(b?.pending).toBe(1);
    expect(p.queued).toBe(0);
  });

  it('a waiting client times out when nothing frees up, and can be cancelled', async () => {
    const p = pool();
    const timedOut = p.acquire(new Set(), 30);
    await expect(timedOut.promise).resolves.toBeUndefined();
    const cancelled = p.acquire(new Set(), 10000);
    cancelled.cancel();
    await expect(cancelled.promise).resolves.toBeUndefined();
    expect(p.queued).toBe(0);
  });

  it('prefers backends not yet tried, but falls back to them', () => {
    const p = pool();
    p.sync([spec(1), spec(2)]);
    const [b1, b2] = p.list();
    expect(p.pick(new Set([b1]))).toBe(b2);
    expect(p.pick(new Set([b1, b2]))).toBeDefined();
  });

  it('fall: takes a backend down after N failed checks; rise: brings it back after M passes', () => {
    const p = pool();
    p.sync([spec(1)]);
    const [b] = p.list();
    const states: string[] = [];
    p.on('state', (_b: Backend, from: string, to: string) => states.push(`${from}->${to}`));
    p.reportCheck(b, false, 'x');
    p.reportCheck(b, false, 'x');
    expect(b.state).toBe('up');
    p.reportCheck(b, true);
    p.reportCheck(b, false, 'x');
    p.reportCheck(b, false, 'x');
    expect(b.state).toBe('up');
    p.reportCheck(b, false, 'refused');
    expect(b.state).toBe('down');
    expect(b.lastError).toBe('refused');
    expect(p.pick()).toBeUndefined();
    p.reportCheck(b, true);
    expect(b.state).toBe('down');
    p.reportCheck(b, true);
    expect(b.state).toBe('up');
    expect(states).toEqual(['up->down', 'down->up']);
  });

  it('passive ejection on connect errors, and recovery through checks', async () => {
    const p = pool({ ejectAfter: 2 });
    p.sync([spec(1), spec(2)]);
    const target = p.list()[0];
    for (let i = 0; i < 2; i++) {
      target.pending++;
      p.connectFailed(target, 'ECONNREFUSED');
    }
    expect(target.state).toBe('down');
    expect(target.pending).toBe(0);
    for (let i = 0; i < 4; i++) expect((await open(p)).b).not.toBe(target);
    p.reportCheck(target, true);
    p.reportCheck(target, true);
    expect(target.state).toBe('up');
  });

  it('ejectAfter 0 never ejects on connect errors', () => {
    const p = pool({ ejectAfter: 0 });
    p.sync([spec(1)]);
    const [b] = p.list();
    for (let i = 0; i < 5; i++) {
      b.pending++;
      p.connectFailed(b, 'ECONNREFUSED');
    }
    expect(b.state).toBe('up');
    expect(b.connectErrors).toBe(5);
  });

  it('a waiting client gets a backend that comes up', async () => {
    const p = pool();
    p.sync([spec(1)]);
    const [b] = p.list();
    for (let i = 0; i < 3; i++) p.reportCheck(b, false, 'down');
    const waiting = p.acquire(new Set(), 10000);
    p.reportCheck(b, true);
    p.reportCheck(b, true);
    await expect(waiting.promise).resolves.toBe(b);
  });

  it('drains a removed backend: no new connections, retired after the last one ends', async () => {
    const p = pool();
    p.sync([spec(1), spec(2)]);
    const conns = [await open(p), await open(p)];
    const gone = conns.find((c) => c.b.id === 'riak-default-1')!;
    const retired: string[] = [];
    p.on('retired', (b: Backend) => retired.push(b.id));
    p.sync([spec(2)]);
    expect(gone.b.state).toBe('draining');
    for (let i = 0; i < 3; i++) expect((await open(p)).b.id).toBe('riak-default-2');
    expect(retired).toEqual([]);
    closeConn(p, gone);
    expect(retired).toEqual(['riak-default-1']);
    expect(p.list().map((b) => b.id)).toEqual(['riak-default-2']);
    expect(p.retiredTotals.connections).toBe(1);
    expect(p.retiredTotals.bytesOut).toBe(20);
  });

  it('closes what is left when the drain time runs out', async () => {
    const p = pool({ drainTimeoutMs: 20 });
    p.sync([spec(1)]);
    const c = await open(p);
    let destroyed = false;
    c.b.connections.clear();
    const h = {
      destroy: () => {
        destroyed = true;
        p.release(c.b, h, { durationMs: 1, bytesIn: 0, bytesOut: 0 });
      },
    };
    c.b.connections.add(h);
    p.sync([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(destroyed).toBe(true);
    expect(p.list()).toEqual([]);
  });

  it('revives a draining backend that comes back with the same address', async () => {
    const p = pool();
    p.sync([spec(1)]);
    const c = await open(p);
    p.sync([]);
    expect(c.b.state).toBe('draining');
    p.sync([spec(1)]);
    expect(c.b.state).toBe('up');
    expect(p.list()).toEqual([c.b]);
  });

  it('an address change drains the old address and adds the new one', async () => {
    const p = pool();
    p.sync([spec(1, 9001)]);
    const c = await open(p);
    p.sync([spec(1, 9002)]);
    expect(p.list().map((b) => `${b.port}:${b.state}`)).toEqual(['9002:up', '9001:draining']);
    expect((await open(p)).b.port).toBe(9002);
    closeConn(p, c);
    expect(p.list().map((b) => b.port)).toEqual([9002]);
  });

  it('a backend removed with no connections is retired at once', () => {
    const p = pool();
    p.sync([spec(1), spec(2)]);
    p.sync([spec(2)]);
    expect(p.list().map((b) => b.id)).toEqual(['riak-default-2']);
  });
});
