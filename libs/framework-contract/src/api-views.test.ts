import type { ClusterView, NodeView, RiakVersionsView } from './api-views';
import {
  clusterListAnswerSchema,
  healthcheckViewSchema,
  nodeAnswerSchema,
  nodeListAnswerSchema,
  nodeRiakViewSchema,
  nodeStatsViewSchema,
  operationAnswerSchema,
  riakVersionsViewSchema,
  startedOperationAnswerSchema,
} from './api-views';
import type { z } from 'zod';
import { formatIssues } from './issues';

const operation = {
  id: 'op1',
  kind: 'restart' as const,
  state: 'running' as const,
  order: ['riak-default-1', 'riak-default-2'],
  done: 1,
  current: 'riak-default-2',
  startedAt: '2024-01-01T00:00:00.000Z',
};
const cluster: ClusterView = {
  name: 'default',
  state: 'running',
  riak_version: 'riak-kv-3.2',
  created_at: '2024-01-01T00:00:00.000Z',
  has_riak_conf: false,
  has_advanced_config: true,
  operation,
  nodes: ['riak-default-1', 'riak-default-2'],
};
const node: NodeView = {
  name: 'riak-default-1',
  cluster: 'default',
  state: 'running',
  wanted: true,
  member: true,
  agent_id: 'a1',
  hostname: '127.0.0.2',
  node_name: 'riak-default-1@127.0.0.2',
  ports: { http: 31000, pb: 31001, disterl: 31002, handoff: 31003, epmd: 31004 },
  endpoints: { http: '127.0.0.2:31000', pb: '127.0.0.2:31001' },
  persistence_id: 'riak-default-1-x',
  task_id: 'riak-default-1',
  last_task_state: 'TASK_RUNNING',
  last_task_message: null,
  riak_version: 'riak-kv-3.2',
  failures: 0,
  updated_at: '2024-01-01T00:00:00.000Z',
};
const requested: NodeView = {
  ...node,
  state: 'requested',
  member: false,
  agent_id: null,
  hostname: null,
  node_name: null,
  ports: null,
  endpoints: null,
  last_task_state: null,
  riak_version: null,
};

const roundTrip = <T>(schema: { parse(v: unknown): T }, value: T) =>
  expect(schema.parse(JSON.parse(JSON.stringify(value)))).toEqual(value);

const issues = (schema: z.ZodType, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? '' : formatIssues(r.error);
};

describe('API views', () => {
  it('round-trip through JSON', () => {
    roundTrip(clusterListAnswerSchema, { clusters: [cluster, { ...cluster, operation: null }] });
    roundTrip(nodeListAnswerSchema, { nodes: [node, requested] });
    roundTrip(nodeAnswerSchema, { node });
    roundTrip(operationAnswerSchema, { operation: null });
    roundTrip(startedOperationAnswerSchema, { operation });
    const versions: RiakVersionsView = {
      versions: ['riak-kv-3.2'],
      catalogue: [
        {
          name: 'riak-kv-3.2',
          url: 'file:///x.tar.gz',
          sha256: null,
          rootPath: 'root',
          flavour: 'kv3',
        },
      ],
    };
    roundTrip(riakVersionsViewSchema, versions);
    roundTrip(riakVersionsViewSchema, { versions: ['old'] });
    roundTrip(healthcheckViewSchema, {
      status: 'OK',
      leader: true,
      registered: false,
      framework_id: null,
    });
    roundTrip(nodeStatsViewSchema, { nodename: 'riak-default-1@127.0.0.2', ring_members: 3 });
    roundTrip(nodeRiakViewSchema, { members: [], ringReady: false });
    roundTrip(nodeRiakViewSchema, { view: 'aae', output: '== Exchanges ==' });
  });

  it('name the field a scheduler answer gets wrong', () => {
    expect(issues(nodeListAnswerSchema, { nodes: [{ ...node, wanted: 'yes' }] })).toBe(
      'nodes.0.wanted: Invalid input: expected boolean, received string',
    );
    const { failures, ...old } = node;
    expect(failures).toBe(0);
    expect(issues(nodeAnswerSchema, { node: old })).toMatch(/^node\.failures: /);
    expect(issues(nodeAnswerSchema, { node: { ...node, ports: { http: 0 } } })).toMatch(
      /^node\.ports\.http: .*; node\.ports\.pb: /,
    );
    expect(
      issues(clusterListAnswerSchema, {
        clusters: [{ ...cluster, operation: { ...operation, kind: 'dance' } }],
      }),
    ).toMatch(/^clusters\.0\.operation\.kind: /);
    expect(issues(riakVersionsViewSchema, { versions: 'riak' })).toMatch(/^versions: /);
    expect(issues(nodeStatsViewSchema, { ring_members: [1] })).toMatch(/^ring_members: /);
    expect(issues(nodeRiakViewSchema, { view: 'status', output: '' })).toMatch(/^\(root\): /);
    expect(issues(healthcheckViewSchema, { status: 'OK' })).toMatch(/^leader: /);
  });

  it('ignore keys a newer scheduler adds', () => {
    expect(nodeAnswerSchema.parse({ node: { ...node, future_field: 'x' } })).toEqual({ node });
    expect(nodeStatsViewSchema.parse({ node_gets: 7, disk: [1] })).toEqual({ node_gets: 7 });
  });
});
