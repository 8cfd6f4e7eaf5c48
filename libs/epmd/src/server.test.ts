import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { waitFor } from '@riak-mesos/testing';
import { EpmdClient } from './client';
import { ALIVE2_REQ, NODE_TYPE_HIDDEN, encodeAlive2, frame, parseRequest } from './protocol';
import { EpmdServer } from './server';
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
    const req = frame(Buffer.concat([Buffer.from([122]), Buffer.from('split', 'latin1')]));
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
    ['bad name', frame(Buffer.concat([Buffer.from([122]), Buffer.from('a/b')]))],
    ['trailing bytes', Buffer.concat([frame(Buffer.from([110])), Buffer.from('xx')])],
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
      frame(Buffer.from('zsteady', 'latin1')),
      frame(Buffer.from([110])),
      frame(Buffer.from([100])),
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
    // Everything still works, and only the registration connection is left.
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
    expect(parseRequest(Buffer.from('zabc', 'latin1'))).toEqual({
      type: 'port_please2',
      name: 'abc',
    });
  });
});
