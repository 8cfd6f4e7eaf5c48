import type { IConversionOptions, Type } from 'protobufjs';
import { Root } from 'protobufjs';
import descriptor from './generated/descriptor.json';

/** Riak's PB message codes (riak_pb_messages.csv) for the messages this project speaks. */
export const CODES = {
  RpbErrorResp: 0,
  RpbPingReq: 1,
  RpbPingResp: 2,
  RpbGetServerInfoReq: 7,
  RpbGetServerInfoResp: 8,
  RpbGetReq: 9,
  RpbGetResp: 10,
  RpbPutReq: 11,
  RpbPutResp: 12,
  RpbDelReq: 13,
  RpbDelResp: 14,
  RpbListBucketsReq: 15,
  RpbListBucketsResp: 16,
  RpbListKeysReq: 17,
  RpbListKeysResp: 18,
} as const;

export type MessageName = keyof typeof CODES;
const NAMES = new Map<number, MessageName>(
  Object.entries(CODES).map(([k, v]) => [v, k as MessageName]),
);

/** Messages that are only a code (no protobuf body). */
const EMPTY = new Set<MessageName>([
  'RpbPingReq',
  'RpbPingResp',
  'RpbGetServerInfoReq',
  'RpbDelResp',
]);

export class RiakPbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RiakPbError';
  }
}

const root = Root.fromJSON(descriptor);
const options: IConversionOptions = { longs: Number, defaults: false, arrays: false };

function typeOf(name: MessageName): Type | undefined {
  return EMPTY.has(name) ? undefined : root.lookupType(name);
}

export interface Frame {
  code: number;
  payload: Buffer;
}

/** `<4-byte big-endian length of code+payload><1-byte code><protobuf payload>`. */
export function encodeFrame(code: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = code;
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(out, 5);
  return out;
}

export function encodeMessage(name: MessageName, message: Record<string, unknown> = {}): Buffer {
  const type = typeOf(name);
  if (!type) return encodeFrame(CODES[name]);
  const missing = type.fieldsArray
    .filter((f) => f.required && (message[f.name] === undefined || message[f.name] === null))
    .map((f) => f.name);
  if (missing.length)
    throw new RiakPbError(`invalid ${name}: missing required ${missing.join(', ')}`);
  const m = type.fromObject(message);
  const problem = type.verify(m);
  if (problem) throw new RiakPbError(`invalid ${name}: ${problem}`);
  return encodeFrame(CODES[name], type.encode(m).finish());
}

export interface Decoded {
  name: MessageName;
  code: number;
  message: Record<string, unknown>;
}

/** Decodes a frame's payload; unknown codes and bad payloads are RiakPbError. */
export function decodeFrame(frame: Frame): Decoded {
  const name = NAMES.get(frame.code);
  if (!name) throw new RiakPbError(`unsupported message code ${frame.code}`);
  const type = typeOf(name);
  if (!type) {
    if (frame.payload.length) throw new RiakPbError(`${name} carries no body`);
    return { name, code: frame.code, message: {} };
  }
  try {
    return { name, code: frame.code, message: type.toObject(type.decode(frame.payload), options) };
  } catch (err) {
    throw new RiakPbError(`cannot decode ${name}: ${(err as Error).message}`);
  }
}

/** Streaming frame decoder: same frames for any split of the stream; rejects oversized frames. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrameBytes = 64 * 1024 * 1024) {}

  push(data: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: Frame[] = [];
    for (;;) {
      if (this.buf.length < 4) break;
      const len = this.buf.readUInt32BE(0);
      if (len === 0) throw new RiakPbError('frame of length 0 (no message code)');
      if (len > this.maxFrameBytes)
        throw new RiakPbError(
          `frame of ${len} bytes is larger than the limit of ${this.maxFrameBytes}`,
        );
      if (this.buf.length < 4 + len) break;
      out.push({ code: this.buf[4], payload: Buffer.from(this.buf.subarray(5, 4 + len)) });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
}
