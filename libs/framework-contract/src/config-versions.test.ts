import type { ConfigVersionView, ConfigurationsAnswer } from './config-versions';
import {
  configChangeQuerySchema,
  configValidateRequestSchema,
  configVersionAnswerSchema,
  configurationsAnswerSchema,
  configurationsQuerySchema,
  ruleRefusalAnswerSchema,
} from './config-versions';

const head = {
  id: 2,
  created_at: '2026-11-30T13:20:00.000Z',
  author: 'alice',
  changes: ['riak_conf' as const],
  note: null,
  warnings: [],
};

describe('configuration version contracts', () => {
  it('reads the list and one version as the scheduler writes them', () => {
    const list: ConfigurationsAnswer = {
      cluster: 'default',
      target: 2,
      kept: 50,
      versions: [
        { ...head, diff_to_target: [] },
        {
          ...head,
          id: 1,
          changes: [],
          diff_to_target: [{ field: 'riak_conf', lines: ['@@ -0,0 +1,1 @@', '+ring_size = 64'] }],
        },
      ],
    };
    expect(configurationsAnswerSchema.parse(JSON.parse(JSON.stringify(list)))).toEqual(list);
    const one: ConfigVersionView = {
      ...head,
      target: true,
      riak_version: 'riak-kv-3.2',
      riak_conf: 'ring_size = 64\n',
      advanced_config: null,
      resources: { cpus: 1, mem: 2048, disk: 4096 },
    };
    expect(configVersionAnswerSchema.parse({ configuration: one })).toEqual({ configuration: one });
    // A field it does not know is refused by name.
    expect(
      configurationsAnswerSchema.safeParse({
        ...list,
        versions: [{ ...head, changes: ['ring'], diff_to_target: [] }],
      }).success,
    ).toBe(false);
  });

  it('reads a refusal only as 409 with at least one violation', () => {
    const refusal = {
      error: {
        status: 409,
        code: 'rules_violated',
        message: 'm',
        field: 'ring_size',
        violations: [{ rule: 'ring-size', field: 'ring_size', message: 'm' }],
      },
    };
    expect(ruleRefusalAnswerSchema.parse(refusal)).toEqual(refusal);
    expect(
      ruleRefusalAnswerSchema.safeParse({ error: { ...refusal.error, violations: [] } }).success,
    ).toBe(false);
    expect(
      ruleRefusalAnswerSchema.safeParse({ error: { ...refusal.error, status: 400 } }).success,
    ).toBe(false);
  });

  it('takes true or false for dry_run and force, a version id for diff, and nothing else', () => {
    expect(configChangeQuerySchema.parse({ dry_run: 'true', force: 'false' })).toEqual({
      dry_run: true,
      force: false,
    });
    expect(configChangeQuerySchema.safeParse({ dry_run: '1' }).success).toBe(false);
    expect(configChangeQuerySchema.safeParse({ other: 'x' }).success).toBe(false);
    expect(configurationsQuerySchema.parse({ diff: '12' })).toEqual({ diff: 12 });
    for (const diff of ['0', '-1', 'x', ['1', '2']])
      expect(configurationsQuerySchema.safeParse({ diff }).success).toBe(false);
    expect(configValidateRequestSchema.parse({ riak_conf: null, force: true })).toEqual({
      riak_conf: null,
      force: true,
    });
    expect(configValidateRequestSchema.safeParse({ riak_conf: '' }).success).toBe(false);
  });
});
