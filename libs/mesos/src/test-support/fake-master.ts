import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WireFormat } from '../codec';
import {
  CONTENT_TYPES,
  decodeSchedulerCall,
  encodeSchedulerEvent,
  formatOfContentType,
} from '../codec';
import { encodeRecord } from '../recordio';
import type { SchedulerCall, SchedulerEvent } from '../types';

/**
 * A minimal Mesos master for client tests: a real HTTP server on loopback that speaks the v1
 * scheduler API wire protocol (RecordIO streams, Mesos-Stream-Id, 202/307/401 answers).
 */
export class TestMaster {
  server!: Server;
  port = 0;
  readonly calls: { call: SchedulerCall; streamId: string | undefined; format: WireFormat }[] = [];
  subscriptions = 0;
  redirectTo: string | undefined;
  rejectWith: { status: number; body: string } | undefined;
  heartbeatSeconds = 15;
  requireAuth: string | undefined;
  private stream: { res: ServerResponse; id: string; format: WireFormat } | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const format = formatOfContentType(req.headers['content-type']) ?? 'json';
    if (
      this.requireAuth &&
      req.headers.authorization !== `Basic ${Buffer.from(this.requireAuth).toString('base64')}`
    ) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const call = decodeSchedulerCall(Buffer.concat(chunks), format);
    const streamId = req.headers['mesos-stream-id'] as string | undefined;
    this.calls.push({ call, streamId, format });
    if (call.type === 'SUBSCRIBE') {
      if (this.redirectTo) {
        res.writeHead(307, { location: this.redirectTo }).end();
        return;
      }
      if (this.rejectWith) {
        res.writeHead(this.rejectWith.status).end(this.rejectWith.body);
        return;
      }
      this.subscriptions++;
      this.stream?.res.destroy();
      const id = randomUUID();
      res.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'mesos-stream-id': id });
      this.stream = { res, id, format };
      const frameworkId = call.subscribe!.framework_info.id?.value ?? `fw-${randomUUID()}`;
      this.send({
        type: 'SUBSCRIBED',
        subscribed: {
          framework_id: { value: frameworkId },
          heartbeat_interval_seconds: this.heartbeatSeconds,
        },
      });
      return;
    }
    if (!this.stream || streamId !== this.stream.id) {
      res
        .writeHead(400)
        .end(
          "The stream ID included in this request didn't match the stream ID currently associated with framework ID",
        );
      return;
    }
    res.writeHead(202).end();
  }

  send(event: SchedulerEvent): void {
    const s = this.stream;
    if (s) s.res.write(encodeRecord(encodeSchedulerEvent(event, s.format)));
  }

  closeStream(): void {
    this.stream?.res.destroy();
    this.stream = undefined;
  }

  async stop(): Promise<void> {
    this.closeStream();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
