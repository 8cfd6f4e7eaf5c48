import type { OperatorTask } from '@riak-mesos/mesos';
import { operatorTaskSchema, resources as R } from '@riak-mesos/mesos';
import { loadConfig } from '../config';
import type { ClusterDoc } from '../model';
import type { AdoptionInput } from './orphan-adoption';
import { adoptionOf } from './orphan-adoption';
import { nodeReservation, reservationFor } from './task-info';

const config = loadConfig({}, {}, 'sched.example');
const PORTS = [31000, 31001, 31002, 31003, 31004, 31005, 31006, 31007, 31008, 31009];

/** A task as the scheduler launches it on its reservation, as GET_TASKS shows it (parsed). */
function task(
  owner: { instanceId: string; framework?: string },
  state = 'TASK_RUNNING',
): OperatorTask {
  const cfg = { ...config, name: owner.framework ?? config.name };
  const who = {
    instanceId: owner.instanceId,
    cluster: 'default',
    node: 'riak-default-3',
    persistenceId: 'riak-default-3-vol',
  };
  const reserved = nodeReservation(cfg, who, PORTS);
  const disk = reserved.find((r) => r.name === 'disk')!;
  return operatorTaskSchema.parse({
    task_id: { value: 'riak-default-3' },
    framework_id: { value: 'fw-1' },
    agent_id: { value: 'agent-1' },
    executor_id: { value: 'riak-default-3-exec' },
    state,
    resources: [
      ...R.reserve([R.scalar('cpus', 0.5), R.scalar('mem', 256)], reservationFor(cfg, who)),
      ...reserved.filter((r) => r.name === 'ports'),
      R.persistentVolume(disk, 'riak-default-3-vol', 'data'),
    ],
    labels: R.labels({ node: 'riak-default-3', cluster: 'default', riak_version: 'riak-kv-3.2' }),
  });
}

const cluster: ClusterDoc = {
  name: 'default',
  state: 'running',
  riakVersion: 'riak-kv-3.2',
  nextGeneration: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function input(over: Partial<AdoptionInput> = {}): AdoptionInput {
  return {
    taskId: 'riak-default-3',
    task: task({ instanceId: 'inst-1' }),
    hostname: 'agent1.example',
    config,
    instanceId: 'inst-1',
    clusters: new Map([['default', cluster]]),
    nodes: new Set(['riak-default-1']),
    now: new Date('2026-02-01T00:00:00.000Z'),
    ...over,
  };
}

describe('adoptionOf, an orphan task back into a node record', () => {
  it('makes the record from the reservation labels and the task: its volume, agent and ports', () => {
    const a = adoptionOf(input());
    if (!a.ok) throw new Error(a.message);
    expect(a.nextGeneration).toBe(4);
    expect(a.node).toMatchObject({
      key: 'riak-default-3',
      cluster: 'default',
      generation: 3,
      state: 'launching',
      wanted: true,
      member: false,
      agentId: 'agent-1',
      hostname: 'agent1.example',
      persistenceId: 'riak-default-3-vol',
      taskId: 'riak-default-3',
      executorId: 'riak-default-3-exec',
      riakVersion: 'riak-kv-3.2',
      reservedPorts: PORTS,
      ports: { http: 31000, pb: 31001, disterl: 31002, handoff: 31003, epmd: 31004 },
      reservedSize: {
        cpus: R.round(0.5 + config.executor.cpus),
        mem: R.round(256 + config.executor.mem),
      },
    });
  });

  it.each([
    ['no such task', { task: undefined }, 404, /no running task/],
    [
      'a task not running',
      { task: task({ instanceId: 'inst-1' }, 'TASK_STAGING') },
      409,
      /is TASK_STAGING/,
    ],
    ['another instance', { instanceId: 'inst-2' }, 422, /another framework instance/],
    [
      'an instance with no reservations yet',
      { instanceId: undefined },
      422,
      /another framework instance/,
    ],
    [
      'another framework',
      { task: task({ instanceId: 'inst-1', framework: 'other' }) },
      422,
      /framework 'other'/,
    ],
    [
      'a cluster that does not exist',
      { clusters: new Map() },
      422,
      /cluster 'default' .* does not exist/,
    ],
    [
      'a node key with a record',
      { nodes: new Set(['riak-default-3']) },
      409,
      /already has a record/,
    ],
  ] as const)('refuses %s', (_what, over, status, message) => {
    const a = adoptionOf(input(over));
    expect(a.ok).toBe(false);
    if (a.ok) return;
    expect(a.status).toBe(status);
    expect(a.message).toMatch(message);
  });

  it('refuses a task whose volume is not the one its reservation names', () => {
    const t = task({ instanceId: 'inst-1' });
    const noVolume = { ...t, resources: t.resources.filter((r) => !r.disk?.persistence) };
    const a = adoptionOf(input({ task: noVolume }));
    expect(a).toMatchObject({
      ok: false,
      status: 422,
      message: expect.stringMatching(/no volume/),
    });
  });
});
