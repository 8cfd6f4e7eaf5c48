import type { ClusterDoc, NodeDoc } from '../model';

/**
 * Records for the scheduler's pure tests (health, scale-down): a running cluster `default`, and
 * node `n` of it running as a ring member on `host-n`, each with the fields a test overrides.
 */
export function testCluster(patch: Partial<ClusterDoc> = {}): ClusterDoc {
  return {
    name: 'default',
    state: 'running',
    riakVersion: 'riak-kv-3.2',
    nextGeneration: 9,
    createdAt: '2026-11-30T10:00:00.000Z',
    ...patch,
  };
}

export function testNode(n: number, patch: Partial<NodeDoc> = {}): NodeDoc {
  return {
    key: `riak-default-${n}`,
    cluster: 'default',
    generation: n,
    state: 'running',
    wanted: true,
    member: true,
    persistenceId: `p${n}`,
    reservedPorts: [],
    taskId: `riak-default-${n}`,
    lastTaskState: 'TASK_RUNNING',
    failures: 0,
    agentId: `a${n}`,
    hostname: `host-${n}`,
    createdAt: '2026-11-30T10:00:00.000Z',
    updatedAt: '2026-11-30T10:00:00.000Z',
    ...patch,
  };
}
