import type { Server } from 'node:net';
import { Connection, FrameReader, encode, serve } from './wire';

describe('distribution handshake and calls', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = await serve(
      { host: '127.0.0.1', port: 0, name: 'a@127.0.0.1', cookie: 'c1' },
      (op, args, peer) =>
        op === 'echo' ? Promise.resolve({ args, peer }) : Promise.reject(new Error(`no ${op}`)),
    );
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  it('calls with the same cookie, concurrently, with errors as errors', async () => {
    const conn = await Connection.open({ host: '127.0.0.1', port, name: 'b@x', cookie: 'c1' });
    expect(conn.peer).toBe('a@127.0.0.1');
    const results = await Promise.all([1, 2, 3].map((n) => conn.call('echo', n)));
    expect(results).toEqual([1, 2, 3].map((n) => ({ args: n, peer: 'b@x' })));
    await expect(conn.call('nope')).rejects.toThrow('no nope');
    conn.close();
  });

  it('refuses another cookie on both sides', async () => {
    await expect(
      Connection.open({ host: '127.0.0.1', port, name: 'b@x', cookie: 'c2' }),
    ).rejects.toThrow(/cookie/);
  });

  it('frames survive any split and oversize frames are refused', () => {
    const bytes = Buffer.concat([encode({ a: 1 }), encode('two')]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new FrameReader();
      expect([...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))]).toEqual([
        { a: 1 },
        'two',
      ]);
    }
    const big = Buffer.alloc(4);
    big.writeUInt32BE(0xffffffff, 0);
    expect(() => new FrameReader().push(big)).toThrow(/too large/);
  });
});
