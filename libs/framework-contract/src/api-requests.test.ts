import type { z } from 'zod';
import {
  addNodesQuerySchema,
  addNodesRequestSchema,
  bucketTypePropsRequestSchema,
  constraintsRequestSchema,
  createClusterRequestSchema,
  offersQuerySchema,
  planControlQuerySchema,
  requestIssue,
  rollingQuerySchema,
  rollingRequestSchema,
  upgradeQuerySchema,
  upgradeRequestSchema,
} from './api-requests';

function issue(schema: z.ZodType, value: unknown, where: 'body' | 'query' = 'body') {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(value)}`);
  return requestIssue(parsed.error, where);
}

describe('API request schemas', () => {
  it.each([
    [addNodesRequestSchema, { nodes: '3' }, 'nodes', /whole number from 1 to 100/],
    [addNodesRequestSchema, [], 'body', /must be a JSON object/],
    [addNodesRequestSchema, null, 'body', /must be a JSON object/],
    [addNodesRequestSchema, { nodes: 3, x: 1 }, 'x', /unknown field 'x' in the body/],
    [addNodesRequestSchema, { nodes: 101 }, 'nodes', /from 1 to 100/],
    [addNodesRequestSchema, { strategy: 'x' }, 'strategy', /serial, parallel, canary/],
    [createClusterRequestSchema, { riakVersion: 'a' }, 'riakVersion', /unknown field/],
    [createClusterRequestSchema, { riak_version: '' }, 'riak_version', /must not be empty/],
    [upgradeRequestSchema, { riak_version: 2 }, 'riak_version', /as text/],
    [upgradeRequestSchema, { step_timeout_seconds: 9 }, 'step_timeout_seconds', /from 10 to/],
    [rollingRequestSchema, { step_timeout_seconds: '60' }, 'step_timeout_seconds', /whole/],
    [rollingRequestSchema, { stepTimeoutSeconds: 60 }, 'stepTimeoutSeconds', /unknown field/],
    [constraintsRequestSchema, {}, 'constraints', /^constraints: send \{"constraints"/],
    [constraintsRequestSchema, { constraints: 1 }, 'constraints', /send/],
    [bucketTypePropsRequestSchema, { props: { 'N-Val': 1 } }, 'props.N-Val', /'N-Val' is not/],
    [bucketTypePropsRequestSchema, { props: {} }, 'props', /no properties/],
    [bucketTypePropsRequestSchema, { props: { a: 'x'.repeat(9000) } }, 'props', /8 KiB/],
  ] as const)('refuses %#: the field and why', (schema, value, field, message) => {
    const got = issue(schema, value);
    expect(got.field).toBe(field);
    expect(got.message).toMatch(message);
  });

  it('takes query parameters as text, once each, and nothing unknown', () => {
    expect(addNodesQuerySchema.parse({ nodes: '12', strategy: 'canary' })).toEqual({
      nodes: 12,
      strategy: 'canary',
    });
    expect(issue(addNodesQuerySchema, { nodes: ['1', '2'] }, 'query')).toEqual({
      field: 'nodes',
      message: 'nodes must be given once',
    });
    expect(issue(addNodesQuerySchema, { nodes: '1e2' }, 'query').field).toBe('nodes');
    expect(issue(addNodesQuerySchema, { nodes: '0' }, 'query').field).toBe('nodes');
    expect(issue(addNodesQuerySchema, { count: '1' }, 'query')).toEqual({
      field: 'count',
      message: "unknown query parameter 'count'",
    });
    expect(offersQuerySchema.parse({ limit: '50' })).toEqual({ limit: 50 });
    expect(issue(offersQuerySchema, { limit: '51' }, 'query').field).toBe('limit');
    expect(issue(planControlQuerySchema, { step: '' }, 'query').field).toBe('step');
    expect(upgradeQuerySchema.parse({ riak_version: 'b', step_timeout_seconds: '60' })).toEqual({
      riak_version: 'b',
      step_timeout_seconds: 60,
    });
    expect(issue(rollingQuerySchema, { step_timeout_seconds: '604801' }, 'query').field).toBe(
      'step_timeout_seconds',
    );
  });

  it('accepts the documented bodies', () => {
    expect(addNodesRequestSchema.parse({ nodes: 100, strategy: 'serial' })).toEqual({
      nodes: 100,
      strategy: 'serial',
    });
    expect(constraintsRequestSchema.parse([['hostname', 'UNIQUE']])).toEqual({
      constraints: [['hostname', 'UNIQUE']],
    });
    expect(
      bucketTypePropsRequestSchema.parse({ props: { n_val: 3, datatype: 'map' } }).props,
    ).toEqual({ n_val: 3, datatype: 'map' });
  });
});
