import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one server, which can cut the network between its clients
 * and the server: real sockets, a real partition (fault injection, as toxiproxy does). While cut,
 * every connection through it is dropped, new ones at once.
 */
export interface PartitionProxy {
  /** `127.0.0.1:<port>`: what clients connect to instead of the server. */
  readonly address: string;
  /** Drops every connection, and every new one until `heal`. */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `host:port` (e.g. a ZooKeeper server's). */
export async function startPartitionProxy(host: string, port: number): Promise<PartitionProxy> {
  let isCut = false;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  return {
    address: `127.0.0.1:${address.port}`,
    cut() {
      isCut = true;
      for (const s of open) s.destroy();
    },
    heal() {
      isCut = false;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
