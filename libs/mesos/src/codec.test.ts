import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Root } from 'protobufjs';
import descriptor from './generated/descriptor.json';
import {
  MesosCodecError,
  decodeSchedulerCall,
  decodeSchedulerEvent,
  encode,
  encodeExecutorCall,
  decodeExecutorCall,
  encodeSchedulerCall,
  encodeSchedulerEvent,
  messageType,
} from './codec';
import type { SchedulerCall, SchedulerEvent } from './types';

const hex = (b: Buffer) => b.toString('hex');

describe('protobuf bytes', () => {
  it('match hand-computed bytes for known field numbers', () => {
    // FrameworkID.value = field 1, length-delimited: 0a 02 'a' 'b'
    expect(hex(encode(messageType('mesos.v1.FrameworkID'), { value: 'ab' }, 'protobuf'))).toBe(
      '0a026162',
    );
    // Call: framework_id (1, message) then type (2, varint DECLINE = 4)
    expect(
      hex(encodeSchedulerCall({ framework_id: { value: 'f' }, type: 'DECLINE' }, 'protobuf')),
    ).toBe('0a030a01661004');
    // Filters.refuse_seconds = field 1, double (wire type 1): 09 + 8 bytes little-endian of 5.0
    expect(hex(encode(messageType('mesos.v1.Filters'), { refuse_seconds: 5 }, 'protobuf'))).toBe(
      '090000000000001440',
    );
    // TaskStatus: task_id (1) {value "t"}, state (2) TASK_RUNNING = 1, source (9) SOURCE_EXECUTOR = 2
    expect(
      hex(
        encode(
          messageType('mesos.v1.TaskStatus'),
          { task_id: { value: 't' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' },
          'protobuf',
        ),
      ),
    ).toBe('0a030a017410014802');
    // Value.Range uses uint64 begin (1) and end (2): 08 b8 f2 01 10 b9 f2 01 for 31032-31033
    expect(
      hex(encode(messageType('mesos.v1.Value.Range'), { begin: 31032, end: 31033 }, 'protobuf')),
    ).toBe('08b8f20110b9f201');
    // Executor Call: executor_id (1), framework_id (2), type (3) UPDATE = 2
    expect(
      hex(
        encodeExecutorCall(
          { executor_id: { value: 'e' }, framework_id: { value: 'f' }, type: 'UPDATE' },
          'protobuf',
        ),
      ),
    ).toBe('0a030a0165' + '12030a0166' + '1802');
  });
});

const offerEvent: SchedulerEvent = {
  type: 'OFFERS',
  offers: {
    offers: [
      {
        id: { value: 'o1' },
        framework_id: { value: 'fw' },
        agent_id: { value: 'a1' },
        hostname: 'agent-1',
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 2.5 }, role: '*' },
          {
            name: 'ports',
            type: 'RANGES',
            ranges: { range: [{ begin: 31000, end: 31099 }] },
            role: '*',
          },
          {
            name: 'disk',
            type: 'SCALAR',
            scalar: { value: 1024 },
            role: 'riak',
            reservation: {
              principal: 'riak',
              labels: { labels: [{ key: 'node', value: 'riak-default-1' }] },
            },
            disk: {
              persistence: { id: 'p1', principal: 'riak' },
              volume: { mode: 'RW', container_path: 'data' },
            },
          },
        ],
        attributes: [{ name: 'rack_id', type: 'TEXT', text: { value: 'r1' } }],
      },
    ],
  },
};

describe('JSON and protobuf', () => {
  it('round-trip to the same object and agree with each other', () => {
    for (const format of ['protobuf', 'json'] as const) {
      expect(decodeSchedulerEvent(encodeSchedulerEvent(offerEvent, format), format)).toEqual(
        offerEvent,
      );
    }
    const viaJson = decodeSchedulerEvent(encodeSchedulerEvent(offerEvent, 'json'), 'json');
    const viaProto = decodeSchedulerEvent(encodeSchedulerEvent(offerEvent, 'protobuf'), 'protobuf');
    expect(viaJson).toEqual(viaProto);
  });

  it('uses Mesos JSON: field names, enum names, base64 bytes', () => {
    const call: SchedulerCall = {
      framework_id: { value: 'fw' },
      type: 'ACKNOWLEDGE',
      acknowledge: {
        agent_id: { value: 'a' },
        task_id: { value: 't' },
        uuid: Buffer.from([1, 2, 3, 255]),
      },
    };
    const json = JSON.parse(encodeSchedulerCall(call, 'json').toString());
    expect(json).toEqual({
      framework_id: { value: 'fw' },
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AQID/w==' },
    });
    const back = decodeSchedulerCall(Buffer.from(JSON.stringify(json)), 'json');
    expect(Buffer.from(back.acknowledge!.uuid)).toEqual(Buffer.from([1, 2, 3, 255]));
    expect(decodeSchedulerCall(encodeSchedulerCall(call, 'protobuf'), 'protobuf')).toEqual(back);
  });

  it('carries TaskInfo data as raw bytes and executor calls both ways', () => {
    const data = Buffer.from(JSON.stringify({ FullyQualifiedNodeName: 'riak-default-1@host' }));
    const call = {
      executor_id: { value: 'e' },
      framework_id: { value: 'f' },
      type: 'UPDATE' as const,
      update: {
        status: {
          task_id: { value: 't' },
          state: 'TASK_RUNNING' as const,
          data,
          uuid: Buffer.alloc(16, 7),
        },
      },
    };
    for (const format of ['protobuf', 'json'] as const) {
      const back = decodeExecutorCall(encodeExecutorCall(call, format), format);
      expect(Buffer.from(back.update!.status.data!).toString()).toBe(data.toString());
      expect(back.update!.status.state).toBe('TASK_RUNNING');
    }
  });
});

describe('errors', () => {
  it('rejects missing required fields, garbage bytes and bad JSON with clear errors', () => {
    expect(() =>
      encode(messageType('mesos.v1.TaskStatus'), { state: 'TASK_RUNNING' }, 'protobuf'),
    ).toThrow(/invalid mesos.v1.TaskStatus: task_id/);
    expect(() => decodeSchedulerEvent(Buffer.from([0x0a, 0xff, 0xff]), 'protobuf')).toThrow(
      MesosCodecError,
    );
    expect(() => decodeSchedulerEvent(Buffer.from('{nope'), 'json')).toThrow(/not valid JSON/);
    expect(() => decodeSchedulerEvent(Buffer.from('[]'), 'json')).toThrow(MesosCodecError);
  });
});

describe('generated descriptor', () => {
  it('is up to date with the .proto files', () => {
    const dir = join(__dirname, '..', 'proto');
    const fresh = new Root();
    fresh.resolvePath = (_origin, target) => join(dir, target);
    fresh.loadSync(
      [
        'mesos/v1/mesos.proto',
        'mesos/v1/scheduler/scheduler.proto',
        'mesos/v1/executor/executor.proto',
      ],
      { keepCase: true },
    );
    expect(JSON.parse(JSON.stringify(fresh.toJSON()))).toEqual(descriptor);
    expect(readFileSync(join(dir, 'mesos', 'v1', 'mesos.proto'), 'utf8')).toContain(
      'package mesos.v1;',
    );
  });
});
