import { SAMPLE_VARS, getSetting, parseRiakConf, render } from '@riak-mesos/riak-config';
import type { RiakConf } from '@riak-mesos/riak-config';

/**
 * The rules a configuration change must pass before anything is stored or rolled
 * (docs/operations.md#configuration-versions-and-validation). Each rule is a pure function of the
 * facts: it answers one violation (one message naming its field) or nothing. `checkRules` runs
 * them all, so a refusal lists every violated rule at once.
 */

/** The node resources a cluster is deployed with (scheduler settings; MB for mem and disk). */
export interface NodeResources {
  cpus: number;
  mem: number;
  disk: number;
}

/** What a configuration version holds. */
export interface ConfigContent {
  riakVersion: string;
  /** Absent: the package's own file. */
  riakConf?: string;
  advancedConfig?: string;
  resources: NodeResources;
}

export interface RuleFacts {
  /** The target version's content; undefined when the cluster has none yet. */
  current: ConfigContent | undefined;
  proposed: ConfigContent;
  /** The scheduler's Riak packages (`GET /riak/versions`). */
  knownVersions: readonly string[];
  /** Nodes the cluster should have. */
  wantedNodes: number;
  /** Nodes that are ring members. */
  members: number;
  /** Nodes that hold (or are making) a reservation and volume. */
  placedNodes: number;
  /** The operator said `force` (passes the n_val rule). */
  force: boolean;
}

export interface RuleViolation {
  rule: string;
  field: string;
  message: string;
}

export type Rule = (facts: RuleFacts) => RuleViolation | undefined;

/** Riak's defaults for what the rules read when a template does not set it. */
export const DEFAULT_RING_SIZE = 64;
export const DEFAULT_N_VAL = 3;

/** Stands for the node's persistent volume when a template is rendered for the rules. */
const VOLUME = '/@persistent-volume@';

/** A riak.conf template rendered with the volume marker; undefined if it does not parse. */
function renderedConf(template: string | undefined): RiakConf | undefined {
  if (template === undefined) return undefined;
  try {
    return parseRiakConf(render(template, { ...SAMPLE_VARS, data_dir: VOLUME }));
  } catch {
    return undefined; // syntax is checked (and refused) before the rules
  }
}

/** A setting of a riak.conf template (the last line that sets it, as cuttlefish reads it). */
export function templateSetting(template: string | undefined, key: string): string | undefined {
  const conf = renderedConf(template);
  return conf ? getSetting(conf, key) : undefined;
}

/** `buckets.default.n_val` of a riak.conf template, else Riak's default. */
export function nValOf(template: string | undefined): number {
  const v = templateSetting(template, 'buckets.default.n_val');
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : DEFAULT_N_VAL;
}

/** `ring_size` of a riak.conf template, else Riak's default. */
export function ringSizeOf(template: string | undefined): number {
  const v = templateSetting(template, 'ring_size');
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : DEFAULT_RING_SIZE;
}

/** Keys whose value is where Riak keeps data: they must be on the node's persistent volume. */
export function isDataPathKey(key: string): boolean {
  return (
    key === 'platform_data_dir' ||
    /(^|\.)(data_root|data_dir|state_dir|root_dir|root_path)$/.test(key)
  );
}

/** The data path settings of a template (rendered), by key. */
function dataPaths(template: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of renderedConf(template)?.lines ?? [])
    if (l.kind === 'setting' && isDataPathKey(l.key)) out.set(l.key, l.value);
  return out;
}

/** Whether a rendered data path is on the volume: under `{{data_dir}}` or `$(platform_data_dir)`. */
function onVolume(key: string, value: string): boolean {
  if (value.split('/').includes('..')) return false;
  if (key === 'platform_data_dir') return value === VOLUME;
  return (
    value === VOLUME ||
    value.startsWith(`${VOLUME}/`) ||
    value === '$(platform_data_dir)' ||
    value.startsWith('$(platform_data_dir)/')
  );
}

/**
 * A data path of the riak.conf template outside the node's persistent volume (Riak would keep
 * data in the sandbox, lost with the task), or a data path changed on a cluster with placed nodes
 * (Riak would start empty at the new path, its data left at the old one).
 */
export const volumePathRule: Rule = ({ current, proposed, placedNodes }) => {
  const problems: string[] = [];
  const next = dataPaths(proposed.riakConf);
  for (const [key, value] of next)
    if (!onVolume(key, value))
      problems.push(
        key === 'platform_data_dir'
          ? `platform_data_dir must be {{data_dir}} (the node's persistent volume), not ${shown(value)}`
          : `${key} = ${shown(value)} is outside the node's persistent volume (use $(platform_data_dir)/… or {{data_dir}}/…)`,
      );
  if (current && placedNodes > 0) {
    const before = dataPaths(current.riakConf);
    for (const key of new Set([...before.keys(), ...next.keys()])) {
      const a = before.get(key);
      const b = next.get(key);
      if (a !== b)
        problems.push(
          `${key} changes from ${a === undefined ? "Riak's default" : shown(a)} to ${b === undefined ? "Riak's default" : shown(b)}: a node's data does not move with it (it would start empty)`,
        );
    }
  }
  if (problems.length === 0) return undefined;
  return { rule: 'volume-path', field: 'riak_conf', message: problems.join('; ') };
};

function shown(value: string): string {
  return value.split(VOLUME).join('{{data_dir}}');
}

/**
 * A change of the node disk size on a cluster with placed nodes: a persistent volume cannot change
 * size in place, so the existing nodes keep theirs (only nodes placed later get the new size).
 */
export const diskSizeRule: Rule = ({ current, proposed, placedNodes }) => {
  if (!current || placedNodes === 0 || current.resources.disk === proposed.resources.disk)
    return undefined;
  return {
    rule: 'disk-size',
    field: 'resources.disk',
    message: `node disk changes from ${current.resources.disk} MB to ${proposed.resources.disk} MB, but a persistent volume cannot change size in place: the ${placedNodes} placed node(s) keep ${current.resources.disk} MB; only nodes placed from now on get ${proposed.resources.disk} MB`,
  };
};

/**
 * Fewer nodes than `n_val`: some data would have fewer replicas than asked for. The one check of
 * both a scale-down (`count`) and a configuration raising `n_val` above the node count.
 */
export function nodeCountViolation(
  count: number,
  nVal: number,
  force: boolean,
  field: string,
): RuleViolation | undefined {
  if (count >= nVal || force) return undefined;
  return {
    rule: 'n-val',
    field,
    message:
      field === 'count'
        ? `count ${count} is below the cluster's n_val (${nVal}): some data would have fewer replicas than nodes asked to hold them; add "force": true to scale down anyway`
        : `buckets.default.n_val ${nVal} is above the cluster's ${count} node(s): some data would have fewer replicas than asked for; add force=true to store it anyway`,
  };
}

/** A configuration that raises `n_val` above the cluster's node count (without `force`). */
export const nValRule: Rule = ({ current, proposed, wantedNodes, force }) => {
  const nVal = nValOf(proposed.riakConf);
  if (wantedNodes === 0 || nVal === nValOf(current?.riakConf)) return undefined;
  return nodeCountViolation(wantedNodes, nVal, force, 'buckets.default.n_val');
};

/** `ring_size` cannot change once the cluster has a ring (its partitions are fixed). */
export const ringSizeRule: Rule = ({ current, proposed, members }) => {
  const before = ringSizeOf(current?.riakConf);
  const after = ringSizeOf(proposed.riakConf);
  if (!current || members === 0 || before === after) return undefined;
  return {
    rule: 'ring-size',
    field: 'ring_size',
    message: `ring_size changes from ${before} to ${after} on a cluster with ${members} ring member(s): a running ring's size cannot change (make a new cluster and move the data)`,
  };
};

/** A Riak version the scheduler has no package for (`GET /riak/versions`). */
export const riakVersionRule: Rule = ({ current, proposed, knownVersions }) => {
  if (current?.riakVersion === proposed.riakVersion) return undefined;
  if (knownVersions.includes(proposed.riakVersion)) return undefined;
  return {
    rule: 'riak-version',
    field: 'riak_version',
    message: `unknown Riak version ${JSON.stringify(proposed.riakVersion)}; available: ${knownVersions.join(', ') || '(none configured)'}`,
  };
};

/** Every rule, in the order their violations are listed. */
export const CONFIG_RULES: readonly Rule[] = [
  volumePathRule,
  diskSizeRule,
  nValRule,
  ringSizeRule,
  riakVersionRule,
];

/** All violated rules of a change (empty: it may be stored and rolled). */
export function checkRules(facts: RuleFacts): RuleViolation[] {
  return CONFIG_RULES.map((r) => r(facts)).filter((v): v is RuleViolation => v !== undefined);
}
