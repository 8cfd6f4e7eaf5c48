import type { IConversionOptions, Type } from 'protobufjs';
import { Root } from 'protobufjs';
import descriptor from './generated/descriptor.json';
import type { ExecutorCall, ExecutorEvent, SchedulerCall, SchedulerEvent } from './types';

/** The content types Mesos' v1 APIs accept. */
export const CONTENT_TYPES = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
} as const;
export type WireFormat = keyof typeof CONTENT_TYPES;

export function formatOfContentType(contentType: string | undefined): WireFormat | undefined {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (base === CONTENT_TYPES.protobuf) return 'protobuf';
  if (base === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/** A Mesos message that is not valid: wrong bytes, bad JSON, or a missing required field. */
export class MesosCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MesosCodecError';
  }
}

export const root = Root.fromJSON(descriptor);

/** Looks up any message type by its full name, e.g. `mesos.v1.TaskInfo`. */
export function messageType(name: string): Type {
  return root.lookupType(name);
}

const objectOptions: IConversionOptions = {
  enums: String,
  longs: Number,
  defaults: false,
  arrays: false,
};
const jsonOptions: IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  arrays: false,
  json: true,
};

function toMessage(type: Type, value: unknown) {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new MesosCodecError(`${type.fullName.slice(1)} must be an object`);
  let message;
  try {
    message = type.fromObject(value);
  } catch (err) {
    throw new MesosCodecError(`invalid ${type.fullName.slice(1)}: ${(err as Error).message}`);
  }
  const problem = type.verify(message);
  if (problem) throw new MesosCodecError(`invalid ${type.fullName.slice(1)}: ${problem}`);
  return message;
}

/** Encodes a plain object (Mesos' JSON shape) as protobuf bytes or Mesos JSON. */
export function encode(type: Type, value: unknown, format: WireFormat): Buffer {
  const message = toMessage(type, value);
  if (format === 'protobuf') return Buffer.from(type.encode(message).finish());
  return Buffer.from(JSON.stringify(type.toObject(message, jsonOptions)));
}

/** Decodes protobuf bytes or Mesos JSON into a plain object; bytes fields become Buffers. */
export function decode<T>(type: Type, data: Uint8Array, format: WireFormat): T {
  let message;
  if (format === 'protobuf') {
    try {
      message = type.decode(data);
    } catch (err) {
      throw new MesosCodecError(
        `cannot decode ${type.fullName.slice(1)}: ${(err as Error).message}`,
      );
    }
  } else {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch (err) {
      throw new MesosCodecError(
        `${type.fullName.slice(1)} is not valid JSON: ${(err as Error).message}`,
      );
    }
    message = toMessage(type, json);
  }
  return normalizeBytes(type.toObject(message, objectOptions)) as T;
}

function normalizeBytes(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(normalizeBytes);
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) (v as Record<string, unknown>)[k] = normalizeBytes(x);
  }
  return v;
}

export const SchedulerCallType = messageType('mesos.v1.scheduler.Call');
export const SchedulerEventType = messageType('mesos.v1.scheduler.Event');
export const ExecutorCallType = messageType('mesos.v1.executor.Call');
export const ExecutorEventType = messageType('mesos.v1.executor.Event');

export const encodeSchedulerCall = (call: SchedulerCall, format: WireFormat) =>
  encode(SchedulerCallType, call, format);
export const decodeSchedulerCall = (data: Uint8Array, format: WireFormat) =>
  decode<SchedulerCall>(SchedulerCallType, data, format);
export const encodeSchedulerEvent = (event: SchedulerEvent, format: WireFormat) =>
  encode(SchedulerEventType, event, format);
export const decodeSchedulerEvent = (data: Uint8Array, format: WireFormat) =>
  decode<SchedulerEvent>(SchedulerEventType, data, format);
export const encodeExecutorCall = (call: ExecutorCall, format: WireFormat) =>
  encode(ExecutorCallType, call, format);
export const decodeExecutorCall = (data: Uint8Array, format: WireFormat) =>
  decode<ExecutorCall>(ExecutorCallType, data, format);
export const encodeExecutorEvent = (event: ExecutorEvent, format: WireFormat) =>
  encode(ExecutorEventType, event, format);
export const decodeExecutorEvent = (data: Uint8Array, format: WireFormat) =>
  decode<ExecutorEvent>(ExecutorEventType, data, format);
