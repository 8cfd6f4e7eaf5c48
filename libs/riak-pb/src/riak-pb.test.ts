import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { Root } from 'protobufjs';
import { join } from 'node:path';
import descriptor from './generated/descriptor.json';
import { CODES, FrameDecoder, RiakPbError, decodeFrame, encodeFrame, encodeMessage } from './codec';
import { RiakError, RiakPbClient } from './client';

describe('framing and codes', () => {
  it('matches Riak bytes: ping is 00 00 00 01 01', () => {
    expect(encodeMessage('RpbPingReq').toString('hex')).toBe('0000000101');
    expect(encodeMessage('RpbPingResp').toString('hex')).toBe('0000000102');
    // RpbGetReq: bucket (1) "b", key (2) "k"
    expect(
      encodeMessage('RpbGetReq', { bucket: Buffer.from('b'), key: Buffer.from('k') }).toString(
        'hex',
      ),
    ).toBe('00000007' + '09' + '0a0162' + '12016b');
  });

  it('decodes the same frames for any split, and rejects oversized or empty frames', () => {
    const stream = Buffer.concat([
      encodeMessage('RpbPingReq'),
      encodeMessage('RpbListKeysResp', { keys: [Buffer.from('a'), Buffer.from('b')], done: true }),
      encodeMessage('RpbPingResp'),
    ]);
    for (let i = 0; i <= stream.length; i++) {
      const d = new FrameDecoder();
      const frames = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i))];
      expect(frames.map((f) => f.code)).toEqual([
        CODES.RpbPingReq,
        CODES.RpbListKeysResp,
        CODES.RpbPingResp,
      ]);
    }
    expect(() => new FrameDecoder(100).push(Buffer.from([0, 0, 1, 0]))).toThrow(
      /larger than the limit/,
    );
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0]))).toThrow(/length 0/);
    expect(() => decodeFrame({ code: 99, payload: Buffer.alloc(0) })).toThrow(
      /unsupported message code 99/,
    );
    expect(() =>
      decodeFrame({ code: CODES.RpbGetResp, payload: Buffer.from([0x0a, 0xff]) }),
    ).toThrow(RiakPbError);
    expect(() => encodeMessage('RpbGetReq', { key: Buffer.from('k') })).toThrow(
      /invalid RpbGetReq/,
    );
  });

  it('keeps the generated descriptor in sync with the .proto', () => {
    const fresh = new Root();
    fresh.loadSync(join(__dirname, '..', 'proto', 'riak.proto'), { keepCase: true });
    expect(JSON.parse(JSON.stringify(fresh.toJSON()))).toEqual(descriptor);
  });
});

describe('RiakPbClient', () => {
  let server: Server;
  let port: number;
  const store = new Map<string, { value: Buffer; contentType?: string }>();
  const gets: Record<string, unknown>[] = [];

  beforeAll(async () => {
    // A real TCP server answering with Riak's framing, to drive the client over a socket.
    server = createServer((s) => {
      const dec = new FrameDecoder();
      s.on('data', (d) => {
        for (const f of dec.push(d)) {
          const m = decodeFrame(f);
          const k = (x: Record<string, unknown>) =>
            `${Buffer.from(x.bucket as Uint8Array).toString()}/${Buffer.from(x.key as Uint8Array).toString()}`;
          if (m.name === 'RpbPingReq') s.write(encodeMessage('RpbPingResp'));
          else if (m.name === 'RpbGetServerInfoReq')
            s.write(
              encodeMessage('RpbGetServerInfoResp', {
                node: Buffer.from('riak@h'),
                server_version: Buffer.from('2.2.3'),
              }),
            );
          else if (m.name === 'RpbPutReq') {
            const c = m.message.content as { value: Uint8Array; content_type?: Uint8Array };
            store.set(k(m.message), {
              value: Buffer.from(c.value),
              contentType: c.content_type ? Buffer.from(c.content_type).toString() : undefined,
            });
            s.write(encodeMessage('RpbPutResp', { vclock: Buffer.from('vc') }));
          } else if (m.name === 'RpbGetReq') {
            gets.push(m.message);
            const o = store.get(k(m.message));
            s.write(
              encodeMessage(
                'RpbGetResp',
                o
                  ? {
                      content: [
                        {
                          value: o.value,
                          ...(o.contentType ? { content_type: Buffer.from(o.contentType) } : {}),
                        },
                      ],
                      vclock: Buffer.from('vc'),
                    }
                  : {},
              ),
            );
          } else if (m.name === 'RpbDelReq') {
            store.delete(k(m.message));
            s.write(encodeMessage('RpbDelResp'));
          } else if (m.name === 'RpbListKeysReq') {
            const keys = [...store.keys()].map((x) => x.split('/')[1]);
            s.write(
              Buffer.concat([
                encodeMessage('RpbListKeysResp', {
                  keys: keys.slice(0, 1).map((x) => Buffer.from(x)),
                }),
                encodeMessage('RpbListKeysResp', {
                  keys: keys.slice(1).map((x) => Buffer.from(x)),
                  done: true,
                }),
              ]),
            );
          } else
            s.write(
              encodeMessage('RpbErrorResp', {
                errmsg: Buffer.from(`not supported: ${m.name}`),
                errcode: 1,
              }),
            );
        }
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('pings, puts, gets, lists keys (streamed) and deletes', async () => {
    const c = await RiakPbClient.connect(port);
    await c.ping();
    expect(await c.serverInfo()).toEqual({ node: 'riak@h', serverVersion: '2.2.3' });
    expect((await c.put('b', 'k1', 'v1', { contentType: 'text/plain' })).vclock?.toString()).toBe(
      'vc',
    );
    await c.put('b', 'k2', 'v2');
    expect(await c.get('b', 'k1')).toMatchObject({
      value: Buffer.from('v1'),
      contentType: 'text/plain',
    });
    expect((await c.listKeys('b')).sort()).toEqual(['k1', 'k2']);
    await c.delete('b', 'k1');
    expect(await c.get('b', 'k1')).toBeUndefined();
    await expect(c.listBuckets()).rejects.toBeInstanceOf(RiakError);
    await c.ping(); // the connection is still usable after an error answer
    c.close();
  });

  it("sends a get's read quorum only when asked for", async () => {
    const c = await RiakPbClient.connect(port);
    gets.length = 0;
    await c.get('b', 'k2');
    await c.get('b', 'k2', { r: 1, notfoundOk: false, basicQuorum: false, type: 't' });
    c.close();
    const fields = ({ r, notfound_ok, basic_quorum, type }: Record<string, unknown>) => ({
      r,
      notfound_ok,
      basic_quorum,
      type: type === undefined ? undefined : Buffer.from(type as Uint8Array).toString(),
    });
    expect(gets.map(fields)).toEqual([
      { r: undefined, notfound_ok: undefined, basic_quorum: undefined, type: undefined },
      { r: 1, notfound_ok: false, basic_quorum: false, type: 't' },
    ]);
  });

  it('reports a refused connection', async () => {
    await expect(RiakPbClient.connect(1)).rejects.toThrow();
    void encodeFrame;
  });
});
