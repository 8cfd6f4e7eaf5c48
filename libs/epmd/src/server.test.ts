import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { waitFor } from '@riak-mesos/testing';
import { EpmdClient } from './client';
import {
  ALIVE2_REQ,
  LOOKUP_SESSION_REQ,
  NODE_TYPE_HIDDEN,
  encodeAlive2,
  encodePort2,
  encodePortPlease2,
  frame,
  parseRequest,
} from './protocol';
import { EpmdServer } from './server';
import { MemoryStore } from './store';
import type { TransportKind } from './transport';

let server: EpmdServer;
let client: EpmdClient;

function raw(bytes: Buffer, halfClose = false): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = connect(server.port, '127.0.0.1', () => (halfClose ? s.end(bytes) : s.write(bytes)));
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', () => resolve(Buffer.concat(chunks)));
    setTimeout(() => s.destroy(), 2000);
  });
}

// Every behaviour holds on both transports: the fast TCP handles and the plain `net` fallback.
describe.each<TransportKind>(['handle', 'net'])('EpmdServer over the %s transport', (transport) => {
  beforeEach(async () => {
    server = new EpmdServer({ port: 0, transport });
    await server.start();
    client = new EpmdClient({ port: server.port });
  });
  afterEach(async () => server.stop());

  it('registers for as long as the connection lives, and answers PORT_PLEASE2 and NAMES', async () => {
    const reg = await client.register({ name: 'riak-default-1', port: 31005 });
    expect(reg.creation).toBeGreaterThan(3); // 32-bit creation for version 6
    const found = await client.portPlease('riak-default-1');
    expect(found).toMatchObject({
      name: 'riak-default-1',
      port: 31005,
      nodeType: 77,
      highestVersion: 6,
      lowestVersion: 5,
    });
    expect(await client.portPlease('nobody')).toBeUndefined();
    expect(await client.names()).toEqual({
      epmdPort: server.port,
      nodes: [{ name: 'riak-default-1', port: 31005 }],
    });
    expect(await client.dump()).toContain('active name     <riak-default-1> at port 31005');
    await expect(client.register({ name: 'riak-default-1', port: 1 })).rejects.toThrow(/refused/);
    reg.close();
    await waitFor(async () => (await client.portPlease('riak-default-1')) === undefined, {
      what: 'unregistration',
    });
  });

  it('answers a PORT_PLEASE2 split across segments as one sent whole, and refuses trailing bytes', async () => {
    const reg = await client.register({ name: 'split', port: 31010 });
    const req = encodePortPlease2('split');
    const whole = await raw(req);
    expect(whole[0]).toBe(119);
    expect(whole[1]).toBe(0);
    expect(whole.readUInt16BE(2)).toBe(31010);
    const split = await new Promise<Buffer>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () => {
        s.write(req.subarray(0, 4));
        setTimeout(() => s.write(req.subarray(4)), 50);
      });
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
    expect(split.equals(whole)).toBe(true);
    expect((await raw(Buffer.concat([req, Buffer.from([0])]))).length).toBe(0);
    reg.close();
    await waitFor(async () => (await client.portPlease('split')) === undefined, {
      what: 'unregistration',
    });
    expect([...(await raw(req))]).toEqual([119, 1]);
  });

  it('serves any number of lookups on one lookup session, answered in order', async () => {
    const reg = await client.register({ name: 'riak-default-1', port: 31020 });
    const session = await client.lookupSession();
    expect(session.version).toBe(1);
    expect(server.lookupSessions).toBe(1);
    // Pipelined: a name not known at once holds the answers behind it in order.
    const names = ['riak-default-1', 'nobody', 'riak-default-1', 'nobody-else', 'riak-default-1'];
    const found = await Promise.all(names.map((n) => session.portPlease(n)));
    expect(found.map((r) => r?.port)).toEqual([31020, undefined, 31020, undefined, 31020]);
    for (let i = 0; i < 200; i++)
      expect((await session.portPlease('riak-default-1'))?.port).toBe(31020);
    // A name no node can have is unknown, and the session goes on.
    expect(await session.portPlease('a/b')).toBeUndefined();
    // One the client cannot send is refused before it is sent, and the answers stay in step.
    await expect(session.portPlease('x'.repeat(300))).rejects.toThrow(/not a node name/);
    expect((await session.portPlease('riak-default-1'))?.port).toBe(31020);
    // A session is long-lived like a registration: the idle sweep leaves it alone.
    expect(server.connections).toBe(2);
    reg.close();
    await waitFor(async () => (await session.portPlease('riak-default-1')) === undefined, {
      what: 'the unregistration seen in the session',
    });
    session.close();
    await waitFor(() => server.lookupSessions === 0 && server.connections === 0, {
      what: 'the session to close',
    });
  });

  it('takes lookups sent with the session request, and agrees on the lowest version', async () => {
    const reg = await client.register({ name: 'eager', port: 31021 });
    const answer = await new Promise<Buffer>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () =>
        s.write(
          Buffer.concat([
            frame(Buffer.from([LOOKUP_SESSION_REQ, 9])),
            encodePortPlease2('eager'),
            encodePortPlease2('eager'),
          ]),
        ),
      );
      let got = Buffer.alloc(0);
      s.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 5 + 2 * (2 + 19)) {
          s.destroy();
          resolve(got);
        }
      });
    });
    expect([...answer.subarray(0, 5)]).toEqual([0, 3, LOOKUP_SESSION_REQ, 0, 1]);
    const port2 = encodePort2({ ...(await client.portPlease('eager'))!, creation: 0 });
    expect(answer.subarray(5).equals(Buffer.concat([frame(port2), frame(port2)]))).toBe(true);
    reg.close();
  });

  it('closes a lookup session on any request but PORT_PLEASE2, after the answers due', async () => {
    const reg = await client.register({ name: 'due', port: 31022 });
    const got = await raw(
      Buffer.concat([
        frame(Buffer.from([LOOKUP_SESSION_REQ, 1])),
        encodePortPlease2('due'),
        frame(Buffer.from([110])),
        encodePortPlease2('due'),
      ]),
    );
    const port2 = encodePort2({ ...(await client.portPlease('due'))!, creation: 0 });
    expect(got.equals(Buffer.concat([frame(Buffer.from([82, 0, 1])), frame(port2)]))).toBe(true);
    expect(server.lookupSessions).toBe(0);
    reg.close();
  });

  it('writes every answer due before a refused request, however many, and nothing after', async () => {
    const reg = await client.register({ name: 'due', port: 31024 });
    const lookup = encodePortPlease2('due');
    const port2 = frame(encodePort2({ ...(await client.portPlease('due'))!, creation: 0 }));
    const count = 20000;
    const got = await new Promise<Buffer>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () => {
        s.write(
          Buffer.concat([
            frame(Buffer.from([LOOKUP_SESSION_REQ, 1])),
            ...Array.from({ length: count }, () => lookup),
            frame(Buffer.from([110])),
            lookup,
          ]),
        );
        // Reads nothing for a while (the answers queue up), and goes on sending lookups until
        // the server's FIN: a server that closed with these unread would reset the connection,
        // and the reset would throw away answers not read yet.
        s.pause();
        setTimeout(() => s.resume(), 200);
        const more = setInterval(() => s.writable && s.write(lookup), 2);
        s.on('end', () => clearInterval(more));
        s.on('close', () => clearInterval(more));
      });
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('error', () => undefined);
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
    expect(got.length).toBe(5 + count * port2.length);
    expect(got.subarray(got.length - port2.length).equals(port2)).toBe(true);
    reg.close();
  });

  it('closes a lookup session whose client sends without reading its answers', async () => {
    const reg = await client.register({ name: 'riak-default-1', port: 31023 });
    const lookup = encodePortPlease2('riak-default-1');
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () => {
        s.write(frame(Buffer.from([LOOKUP_SESSION_REQ, 1])));
        s.pause(); // never reads: the answers pile up in the kernel, then in the server
        const batch = Buffer.concat(Array.from({ length: 10000 }, () => lookup));
        const send = () => {
          if (s.destroyed) return;
          s.write(batch, () => setImmediate(send));
        };
        send();
      });
      s.on('error', () => undefined);
      s.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 30000);
    });
    expect(closed).toBe(true);
    await waitFor(() => server.lookupSessions === 0, { what: 'the session to be dropped' });
    expect((await client.portPlease('riak-default-1'))?.port).toBe(31023);
    reg.close();
  }, 40000);

  it('closes a lookup session that piles up requests behind a slow lookup', async () => {
    /** A store that takes a second over one name, as ZooKeeper might on a cache miss. */
    class SlowStore extends MemoryStore {
      override async lookup(name: string) {
        if (name === 'slow') await new Promise((r) => setTimeout(r, 1000));
        return super.lookup(name);
      }
    }
    const slow = new EpmdServer({ port: 0, transport, store: new SlowStore() });
    await slow.start();
    const session = await new EpmdClient({ port: slow.port }).lookupSession();
    const answers = [session.portPlease('slow'), session.portPlease('riak-default-1')];
    const settled = Promise.allSettled(answers);
    // 340 KB of lookups (17 bytes each) arrive while the first is still being looked up.
    const flood = Promise.allSettled(
      Array.from({ length: 20000 }, () => session.portPlease('riak-default-1')),
    );
    await waitFor(() => slow.lookupSessions === 0, { what: 'the session to be dropped' });
    expect((await settled).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await flood).every((r) => r.status === 'rejected')).toBe(true);
    await slow.stop();
  });

  it('fails a client lookup the session does not answer in time', async () => {
    class StuckStore extends MemoryStore {
      override lookup(name: string) {
        return name === 'stuck' ? new Promise<undefined>(() => undefined) : super.lookup(name);
      }
    }
    const stuck = new EpmdServer({ port: 0, transport, store: new StuckStore() });
    await stuck.start();
    const session = await new EpmdClient({ port: stuck.port, timeoutMs: 300 }).lookupSession();
    await expect(session.portPlease('stuck')).rejects.toThrow(/did not answer/);
    await stuck.stop();
  });

  it('answers old nodes (versions below 6) with ALIVE2_RESP and a 1-3 creation', async () => {
    const reg = await client.register({
      name: 'old',
      port: 4000,
      highestVersion: 5,
      lowestVersion: 5,
    });
    expect(reg.creation).toBeGreaterThanOrEqual(1);
    expect(reg.creation).toBeLessThanOrEqual(3);
    reg.close();
  });

  it('leaves hidden nodes out of NAMES', async () => {
    const reg = await client.register({ name: 'hidden', port: 4001, nodeType: NODE_TYPE_HIDDEN });
    expect((await client.names()).nodes).toEqual([]);
    reg.close();
  });

  it('refuses KILL while nodes are registered and STOP unless relaxed', async () => {
    const reg = await client.register({ name: 'n', port: 4002 });
    expect(await client.kill()).toBe('NO');
    expect(await client.stop('n')).toBe('');
    expect(await client.portPlease('n')).toBeDefined();
    reg.close();
  });

  it('in relaxed mode, STOP unregisters and KILL stops', async () => {
    let killed = false;
    const relaxed = new EpmdServer({
      port: 0,
      transport,
      relaxedCommandCheck: true,
      onKill: () => (killed = true),
    });
    await relaxed.start();
    const c = new EpmdClient({ port: relaxed.port });
    const reg = await c.register({ name: 'n', port: 4003 });
    expect(await c.stop('n')).toBe('STOPPED');
    expect(await c.stop('n')).toBe('NOEXIST');
    expect(await c.portPlease('n')).toBeUndefined();
    expect(await c.kill()).toBe('OK');
    expect(killed).toBe(true);
    reg.close();
    await relaxed.stop();
  });

  it.each([
    ['unknown request', frame(Buffer.from([0x41]))],
    ['zero length', Buffer.from([0, 0])],
    ['oversized', Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(100)])],
    ['truncated ALIVE2', frame(Buffer.from([ALIVE2_REQ, 0, 1]))],
    ['bad name', encodePortPlease2('a/b')],
    ['trailing bytes', Buffer.concat([frame(Buffer.from([110])), Buffer.from('xx')])],
    ['a lookup session request without a version', frame(Buffer.from([LOOKUP_SESSION_REQ]))],
    ['a lookup session request for version 0', frame(Buffer.from([LOOKUP_SESSION_REQ, 0]))],
  ])('closes the connection on %s and keeps serving', async (_what, bytes) => {
    expect(await raw(bytes)).toEqual(Buffer.alloc(0));
    expect((await client.names()).epmdPort).toBe(server.port);
  });

  it('survives thousands of random and mutated packets without leaking connections', async () => {
    const reg = await client.register({ name: 'steady', port: 4100 });
    const valid = [
      encodeAlive2({
        name: 'fuzz',
        port: 5000,
        nodeType: 77,
        protocol: 0,
        highestVersion: 6,
        lowestVersion: 5,
        extra: Buffer.alloc(0),
      }),
      encodePortPlease2('steady'),
      frame(Buffer.from([110])),
      frame(Buffer.from([100])),
      Buffer.concat([
        frame(Buffer.from([LOOKUP_SESSION_REQ, 1])),
        encodePortPlease2('steady'),
        encodePortPlease2('nobody'),
      ]),
    ];
    const packets: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 2 === 0) packets.push(randomBytes(1 + (i % 40)));
      else {
        const p = Buffer.from(valid[i % valid.length]);
        for (let k = 0; k < 1 + (i % 3); k++)
          p[Math.floor(Math.random() * p.length)] = Math.floor(Math.random() * 256);
        packets.push(p.subarray(0, Math.max(1, p.length - (i % 5))));
      }
    }
    for (let i = 0; i < packets.length; i += 50)
      await Promise.all(packets.slice(i, i + 50).map((p) => raw(p, true)));
    // Everything still works, and only the registration connection is left (sessions included).
    expect(await client.portPlease('steady')).toMatchObject({ port: 4100 });
    await waitFor(() => server.connections === 1, {
      timeoutMs: 15000,
      what: 'connections to close',
    });
    reg.close();
    await waitFor(() => server.connections === 0, { what: 'last connection to close' });
  }, 60000);

  it('closes connections that never complete a request', async () => {
    const slow = new EpmdServer({ port: 0, idleTimeoutMs: 300, transport });
    await slow.start();
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(slow.port, '127.0.0.1', () => s.write(Buffer.from([0])));
      s.on('close', () => resolve(true));
      s.on('error', () => undefined);
      setTimeout(() => resolve(false), 5000);
    });
    expect(closed).toBe(true);
    await waitFor(() => slow.connections === 0);
    await slow.stop();
  });
});

describe('EPMD requests', () => {
  it('are parsed strictly', () => {
    expect(() => parseRequest(Buffer.from([110, 1]))).toThrow(/NAMES_REQ takes no arguments/);
    expect(parseRequest(Buffer.from([LOOKUP_SESSION_REQ, 3]))).toEqual({
      type: 'lookup_session',
      version: 3,
    });
    expect(() => parseRequest(Buffer.from([LOOKUP_SESSION_REQ, 1, 0]))).toThrow(/one version byte/);
    expect(parseRequest(Buffer.from('zabc', 'latin1'))).toEqual({
      type: 'port_please2',
      name: 'abc',
    });
  });
});
