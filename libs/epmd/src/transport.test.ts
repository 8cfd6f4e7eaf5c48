import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Connection, TransportKind } from './transport';
import { transportFor } from './transport';

/** Connects, sends `bytes`, optionally waits before reading, and collects all until close. */
function exchange(port: number, bytes: Buffer, readAfterMs = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    const chunks: Buffer[] = [];
    if (readAfterMs) {
      s.pause();
      setTimeout(() => s.resume(), readAfterMs);
    }
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

/**
 * The kernel's keep-alive timer of the server side of a loopback connection, in seconds, from
 * /proc/net/tcp (`tr` 2 is the keep-alive timer, `tm->when` in clock ticks of 1/100 s).
 */
function keepAliveSeconds(serverPort: number, clientPort: number): number | undefined {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  const local = `0100007F:${hex(serverPort)}`;
  const remote = `0100007F:${hex(clientPort)}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] !== local || f[2] !== remote) continue;
    const [timer, when] = f[5].split(':');
    return timer === '02' ? parseInt(when, 16) / 100 : undefined;
  }
  return undefined;
}

describe('EPMD transports', () => {
  it('auto picks the TCP handles on this Node.js, and net when asked', () => {
    expect(transportFor().kind).toBe('handle');
    expect(transportFor('auto').kind).toBe('handle');
    expect(transportFor('net').kind).toBe('net');
  });

  describe.each<TransportKind>(['handle', 'net'])('%s', (kind) => {
    const transport = transportFor(kind);

    it('delivers what a client sent, and end() sends everything before closing, even to a slow reader', async () => {
      // Far more than any socket buffer holds, so the write cannot complete at once.
      const big = Buffer.alloc(24 * 1024 * 1024, 7);
      big.write('first', 0);
      big.write('last', big.length - 4);
      const closed: Connection[] = [];
      const listener = await transport.listen('127.0.0.1', 0, (c) => {
        c.onData = (chunk) => c.end(chunk.toString() === 'big' ? big : chunk);
        c.onClose = () => closed.push(c);
      });
      try {
        expect((await exchange(listener.port, Buffer.from('hello'))).toString()).toBe('hello');
        const got = await exchange(listener.port, Buffer.from('big'), 300);
        expect(got.length).toBe(big.length);
        expect(got.equals(big)).toBe(true);
        await new Promise((r) => setTimeout(r, 50));
        expect(closed).toHaveLength(2);
        expect(closed.every((c) => c.closed)).toBe(true);
      } finally {
        await listener.close();
      }
    }, 30000);

    it('keeps a connection open after write(), with keep-alive, until the peer leaves, then reports the close once', async () => {
      let closes = 0;
      let conn: Connection | undefined;
      const listener = await transport.listen('127.0.0.1', 0, (c) => {
        conn = c;
        c.onData = () => {
          c.keepAlive();
          c.write(Buffer.from('ok'));
        };
        c.onClose = () => closes++;
      });
      try {
        const s = connect(listener.port, '127.0.0.1', () => s.write('x'));
        const first = await new Promise<Buffer>((resolve) => s.once('data', resolve));
        expect(first.toString()).toBe('ok');
        await new Promise((r) => setTimeout(r, 100));
        expect(conn?.closed).toBe(false);
        // Probes after a minute idle, not the system's two hours.
        const keepAlive = keepAliveSeconds(listener.port, s.localPort as number);
        expect(keepAlive).toBeGreaterThan(50);
        expect(keepAlive).toBeLessThanOrEqual(60);
        expect(closes).toBe(0);
        s.end();
        for (let i = 0; i < 50 && closes === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(closes).toBe(1);
        conn?.destroy();
        await new Promise((r) => setTimeout(r, 50));
        expect(closes).toBe(1);
      } finally {
        await listener.close();
      }
    });

    it('refuses a port in use with the system error, and frees the port on close', async () => {
      const taken = createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const port = (taken.address() as AddressInfo).port;
      await expect(transport.listen('127.0.0.1', port, () => undefined)).rejects.toMatchObject({
        code: 'EADDRINUSE',
        message: expect.stringContaining(
          `listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
        ) as string,
      });
      await new Promise<void>((r) => taken.close(() => r()));
      const listener = await transport.listen('127.0.0.1', port, () => undefined);
      expect(listener.port).toBe(port);
      await listener.close();
      const again = await transport.listen('127.0.0.1', port, () => undefined);
      await again.close();
    });
  });
});
