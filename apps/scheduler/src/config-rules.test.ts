import type { ConfigContent, RuleFacts } from './config-rules';
import {
  checkRules,
  diskSizeRule,
  nValOf,
  nValRule,
  nodeCountViolation,
  riakVersionRule,
  ringSizeOf,
  ringSizeRule,
  volumePathRule,
} from './config-rules';

const CONF = `ring_size = 64
buckets.default.n_val = 3
bitcask.data_root = $(platform_data_dir)/bitcask
leveldb.data_root = {{data_dir}}/leveldb
`;

const content = (patch: Partial<ConfigContent> = {}): ConfigContent => ({
  riakVersion: 'riak-kv-3.2',
  riakConf: CONF,
  resources: { cpus: 1, mem: 2048, disk: 4096 },
  ...patch,
});

/** A running 3-node cluster on CONF, changed to `proposed`. */
const facts = (proposed: ConfigContent, patch: Partial<RuleFacts> = {}): RuleFacts => ({
  current: content(),
  proposed,
  knownVersions: ['riak-kv-3.2', 'riak-kv-3.4'],
  wantedNodes: 3,
  members: 3,
  placedNodes: 3,
  force: false,
  ...patch,
});

const conf = (replace: string, by: string) => content({ riakConf: CONF.replace(replace, by) });

describe('configuration rules', () => {
  it('reads n_val and ring_size from a template, else Riak defaults', () => {
    expect([nValOf(CONF), ringSizeOf(CONF)]).toEqual([3, 64]);
    expect([nValOf(undefined), ringSizeOf('ring_size = 128\n')]).toEqual([3, 128]);
    expect(nValOf('buckets.default.n_val = 5\nbuckets.default.n_val = 2\n')).toBe(2);
  });

  describe('volume-path', () => {
    it('refuses a data path outside the persistent volume', () => {
      const v = volumePathRule(facts(conf('{{data_dir}}/leveldb', '/var/lib/riak/leveldb')));
      expect(v).toEqual({
        rule: 'volume-path',
        field: 'riak_conf',
        message: expect.stringMatching(
          /leveldb\.data_root = \/var\/lib\/riak\/leveldb is outside the node's persistent volume/,
        ) as string,
      });
    });

    it('refuses a platform_data_dir other than {{data_dir}} and a path climbing out of it', () => {
      const v = volumePathRule(
        facts(
          content({
            riakConf: `${CONF}platform_data_dir = /data\nanti_entropy.data_dir = $(platform_data_dir)/../x\n`,
          }),
          { current: undefined, placedNodes: 0 },
        ),
      );
      expect(v?.message).toMatch(/platform_data_dir must be \{\{data_dir\}\}/);
      expect(v?.message).toMatch(
        /anti_entropy\.data_dir = \$\(platform_data_dir\)\/\.\.\/x is outside/,
      );
      expect(v?.message.split('; ')).toHaveLength(2); // one message for the rule
    });

    it('refuses a moved data path on placed nodes, not on a cluster without any', () => {
      const moved = conf('$(platform_data_dir)/bitcask', '$(platform_data_dir)/bc');
      expect(volumePathRule(facts(moved))?.message).toMatch(
        /bitcask\.data_root changes from \$\(platform_data_dir\)\/bitcask to \$\(platform_data_dir\)\/bc/,
      );
      expect(volumePathRule(facts(moved, { placedNodes: 0 }))).toBeUndefined();
    });

    it('accepts paths on the volume and a change of other settings', () => {
      expect(
        volumePathRule(facts(conf('ring_size = 64', 'ring_size = 64\nfoo = bar'))),
      ).toBeUndefined();
      expect(
        volumePathRule(
          facts(content({ riakConf: `platform_data_dir = {{data_dir}}\n${CONF}` }), {
            placedNodes: 0,
          }),
        ),
      ).toBeUndefined();
    });
  });

  describe('disk-size', () => {
    const bigger = content({ resources: { cpus: 1, mem: 2048, disk: 8192 } });
    it('refuses a disk size change on placed nodes', () => {
      expect(diskSizeRule(facts(bigger))).toEqual({
        rule: 'disk-size',
        field: 'resources.disk',
        message: expect.stringMatching(
          /node disk changes from 4096 MB to 8192 MB, but a persistent volume cannot change size in place: the 3 placed node\(s\) keep 4096 MB/,
        ) as string,
      });
    });
    it('accepts it before any node is placed, and a change of cpus or mem', () => {
      expect(diskSizeRule(facts(bigger, { placedNodes: 0 }))).toBeUndefined();
      expect(
        diskSizeRule(facts(content({ resources: { cpus: 2, mem: 4096, disk: 4096 } }))),
      ).toBeUndefined();
    });
  });

  describe('n-val', () => {
    it('refuses a scale-down below n_val without force (one check for scale and config)', () => {
      expect(nodeCountViolation(2, 3, false, 'count')).toEqual({
        rule: 'n-val',
        field: 'count',
        message: expect.stringMatching(/count 2 is below the cluster's n_val \(3\)/) as string,
      });
      expect(nodeCountViolation(2, 3, true, 'count')).toBeUndefined();
      expect(nodeCountViolation(3, 3, false, 'count')).toBeUndefined();
    });
    it('refuses raising n_val above the node count without force', () => {
      const five = conf('n_val = 3', 'n_val = 5');
      expect(nValRule(facts(five))).toMatchObject({
        rule: 'n-val',
        field: 'buckets.default.n_val',
        message: expect.stringMatching(/n_val 5 is above the cluster's 3 node\(s\)/) as string,
      });
      expect(nValRule(facts(five, { force: true }))).toBeUndefined();
      expect(nValRule(facts(conf('n_val = 3', 'n_val = 2')))).toBeUndefined();
      // A cluster without nodes yet is not refused.
      expect(nValRule(facts(five, { wantedNodes: 0 }))).toBeUndefined();
    });
  });

  describe('ring-size', () => {
    const bigger = conf('ring_size = 64', 'ring_size = 128');
    it('refuses a ring_size change on a cluster with ring members', () => {
      expect(ringSizeRule(facts(bigger))).toEqual({
        rule: 'ring-size',
        field: 'ring_size',
        message: expect.stringMatching(
          /ring_size changes from 64 to 128 on a cluster with 3 ring member\(s\)/,
        ) as string,
      });
      // Removing the setting goes back to Riak's default: a change too.
      expect(
        ringSizeRule(
          facts(content({ riakConf: 'ring_size = 64\n' }), {
            current: content({ riakConf: 'ring_size = 32\n' }),
          }),
        )?.message,
      ).toMatch(/from 32 to 64/);
    });
    it('accepts it before the cluster has a ring, and the same ring size written otherwise', () => {
      expect(ringSizeRule(facts(bigger, { members: 0 }))).toBeUndefined();
      expect(
        ringSizeRule(facts(content({ riakConf: 'buckets.default.n_val = 3\n' }))),
      ).toBeUndefined();
    });
  });

  describe('riak-version', () => {
    it('refuses a Riak version the scheduler has no package for', () => {
      expect(riakVersionRule(facts(content({ riakVersion: 'riak-kv-9' })))).toEqual({
        rule: 'riak-version',
        field: 'riak_version',
        message: 'unknown Riak version "riak-kv-9"; available: riak-kv-3.2, riak-kv-3.4',
      });
    });
    it('accepts a known one, and the cluster keeping its own', () => {
      expect(riakVersionRule(facts(content({ riakVersion: 'riak-kv-3.4' })))).toBeUndefined();
      expect(riakVersionRule(facts(content(), { knownVersions: [] }))).toBeUndefined();
    });
  });

  it('lists every violated rule, one message each, and nothing for a safe change', () => {
    const bad = content({
      riakVersion: 'riak-kv-9',
      riakConf: 'ring_size = 256\nbuckets.default.n_val = 5\nbitcask.data_root = /tmp/a\n',
      resources: { cpus: 1, mem: 2048, disk: 1 },
    });
    expect(checkRules(facts(bad)).map((v) => v.rule)).toEqual([
      'volume-path',
      'disk-size',
      'n-val',
      'ring-size',
      'riak-version',
    ]);
    expect(
      checkRules(facts(conf('ring_size = 64', 'ring_size = 64\nanti_entropy = passive'))),
    ).toEqual([]);
  });
});
