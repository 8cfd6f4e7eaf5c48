import type { ConfigField, FieldDiffView } from '@riak-mesos/framework-contract';
import { CONFIG_FIELDS } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { ZkClient } from '@riak-mesos/zk';
import { DocumentStore, NoNodeError } from '@riak-mesos/zk';
import { z } from 'zod';
import type { ConfigContent, NodeResources, RuleFacts, RuleViolation } from './config-rules';
import { checkRules } from './config-rules';
import { unifiedDiff } from './line-diff';
import type { ClusterDoc, NodeDoc } from './model';
import type { SchedulerStore } from './store';
import { ConflictError } from './store';

/**
 * Configuration versions (docs/operations.md#configuration-versions-and-validation): each change
 * of a cluster's riak.conf or advanced.config template, Riak version or node resources is stored
 * as an immutable document `<cluster>/configurations/<id>`, made in the same ZooKeeper transaction
 * as the cluster document's change that points `configVersion` (the target) at it. The cluster
 * document holds the target's content (what the executors read when a node starts); the last
 * MAX_CONFIG_VERSIONS versions are kept.
 */

export const MAX_CONFIG_VERSIONS = 50;
export const CONFIG_VERSION_SCHEMA = 1;

/** Who changed the scheduler's own settings (node resources), and who made version 1. */
export const SCHEDULER_AUTHOR = 'scheduler';

const resourcesSchema = z.object({
  cpus: z.number().positive(),
  mem: z.number().positive(),
  disk: z.number().positive(),
});

export const configVersionDocSchema = z.object({
  id: z.number().int().positive(),
  cluster: z.string().min(1),
  createdAt: z.string(),
  author: z.string().min(1),
  changes: z.array(z.enum(CONFIG_FIELDS)),
  note: z.string().optional(),
  /** Rule violations that could not be refused (a change of the scheduler's settings). */
  warnings: z.array(z.string()).default([]),
  riakVersion: z.string().min(1),
  riakConf: z.string().optional(),
  advancedConfig: z.string().optional(),
  resources: resourcesSchema,
});
export type ConfigVersionDoc = z.infer<typeof configVersionDocSchema>;

/** A cluster's configuration as its document holds it, with the node resources in effect. */
export function contentOf(cluster: ClusterDoc, resources: NodeResources): ConfigContent {
  return {
    riakVersion: cluster.riakVersion,
    ...(cluster.riakConf !== undefined ? { riakConf: cluster.riakConf } : {}),
    ...(cluster.advancedConfig !== undefined ? { advancedConfig: cluster.advancedConfig } : {}),
    resources: { ...resources },
  };
}

/** The content of a stored version. */
export function versionContent(v: ConfigVersionDoc): ConfigContent {
  return {
    riakVersion: v.riakVersion,
    ...(v.riakConf !== undefined ? { riakConf: v.riakConf } : {}),
    ...(v.advancedConfig !== undefined ? { advancedConfig: v.advancedConfig } : {}),
    resources: { ...v.resources },
  };
}

function resourcesText(r: NodeResources): string {
  return `cpus = ${r.cpus}\nmem = ${r.mem}\ndisk = ${r.disk}\n`;
}

/** Each field's text, as diffed. */
function fieldText(c: ConfigContent, field: ConfigField): string | undefined {
  if (field === 'riak_conf') return c.riakConf;
  if (field === 'advanced_config') return c.advancedConfig;
  if (field === 'riak_version') return `${c.riakVersion}\n`;
  return resourcesText(c.resources);
}

/** The fields that differ between two contents. */
export function changedFields(from: ConfigContent | undefined, to: ConfigContent): ConfigField[] {
  if (!from) return [];
  return CONFIG_FIELDS.filter((f) => fieldText(from, f) !== fieldText(to, f));
}

/** A line diff per changed field, from `from` to `to`. */
export function configDiff(from: ConfigContent, to: ConfigContent): FieldDiffView[] {
  return changedFields(from, to).map((field) => ({
    field,
    lines: unifiedDiff(fieldText(from, field), fieldText(to, field)),
  }));
}

/** The rule facts of a cluster's nodes (wanted, ring members, placed). */
export function nodeFacts(
  nodes: readonly NodeDoc[],
): Pick<RuleFacts, 'wantedNodes' | 'members' | 'placedNodes'> {
  const wanted = nodes.filter((n) => n.wanted);
  return {
    wantedNodes: wanted.length,
    // Members: a node on its way out still holds part of the ring.
    members: nodes.filter((n) => n.member).length,
    // Placed: an agent holds (or is making) its reservation and volume.
    placedNodes: nodes.filter((n) => n.agentId !== undefined || n.state !== 'requested').length,
  };
}

/**
 * A change of a cluster's configuration: the content of the new version. The cluster document
 * gets its templates (what the executors read); its Riak version moves only as an upgrade plan
 * completes (plans/runner.ts), so the version's Riak version is the upgrade's target.
 */
export interface ConfigChange {
  content: ConfigContent;
  author: string;
  note?: string;
  /** Rule violations recorded with the version instead of refusing it. */
  warnings?: string[];
}

/** The cluster document holding a content's templates. */
function withTemplates(c: ClusterDoc, content: ConfigContent): ClusterDoc {
  const next = { ...c };
  delete next.riakConf;
  delete next.advancedConfig;
  return {
    ...next,
    ...(content.riakConf !== undefined ? { riakConf: content.riakConf } : {}),
    ...(content.advancedConfig !== undefined ? { advancedConfig: content.advancedConfig } : {}),
  };
}

export interface CommitResult {
  cluster: ClusterDoc;
  /** The version made; undefined when the change changed nothing. */
  version?: ConfigVersionDoc;
}

/** The versions of every cluster: read, made with the cluster's change, pruned, migrated. */
export class ConfigVersions {
  private readonly docs: DocumentStore<ConfigVersionDoc>;

  private readonly zk: ZkClient;

  constructor(
    private readonly store: SchedulerStore,
    private readonly logger: Logger = createLogger('config-versions'),
  ) {
    this.zk = store.zookeeper;
    this.docs = new DocumentStore(this.zk, {
      kind: 'configuration',
      schemaVersion: CONFIG_VERSION_SCHEMA,
      schema: configVersionDocSchema,
    });
  }

  /** A cluster's kept versions, oldest first. */
  async list(cluster: string): Promise<ConfigVersionDoc[]> {
    const { documents } = await this.docs.list(this.store.layout.configurations(cluster));
    return [...documents.values()].map((d) => d.value).sort((a, b) => a.id - b.id);
  }

  async get(cluster: string, id: number): Promise<ConfigVersionDoc | null> {
    return (await this.docs.read(this.store.layout.configuration(cluster, id)))?.value ?? null;
  }

  /** A cluster with its target version's content (that of its document before versions). */
  async target(
    name: string,
    resources: NodeResources,
  ): Promise<{ cluster: ClusterDoc; content: ConfigContent; version?: ConfigVersionDoc }> {
    const cluster = await this.store.requireCluster(name);
    const version =
      cluster.configVersion !== undefined
        ? ((await this.get(name, cluster.configVersion)) ?? undefined)
        : undefined;
    return {
      cluster,
      content: version ? versionContent(version) : contentOf(cluster, resources),
      ...(version ? { version } : {}),
    };
  }

  /**
   * Makes a change and its version in one transaction, if the target is still `expected` (what
   * the rules were checked against; ConflictError otherwise). A change that changes nothing
   * against the target stores nothing. The first version (no target yet) records the content as
   * it is, with no changes.
   */
  async commit(
    name: string,
    change: ConfigChange,
    expected: { target: number | undefined; content: ConfigContent },
  ): Promise<CommitResult> {
    const layout = this.store.layout;
    await this.zk.ensurePath(layout.configurations(name));
    let made: ConfigVersionDoc | undefined;
    const { after } = await this.store.updateClusterWith(name, (c) => {
      made = undefined;
      if (c.configVersion !== expected.target)
        throw new ConflictError(
          `the configuration of cluster '${name}' changed meanwhile (now version ${c.configVersion}); try again`,
        );
      const content = change.content;
      const changes = changedFields(expected.content, content);
      if (expected.target !== undefined && changes.length === 0) return undefined;
      const id = (expected.target ?? 0) + 1;
      made = {
        id,
        cluster: name,
        createdAt: new Date().toISOString(),
        author: change.author,
        changes: expected.target === undefined ? [] : changes,
        ...(change.note ? { note: change.note } : {}),
        warnings: change.warnings ?? [],
        ...content,
      };
      return {
        next: { ...withTemplates(c, content), configVersion: id },
        ops: [
          {
            op: 'create',
            path: layout.configuration(name, id),
            data: this.docs.encode(made, layout.configuration(name, id)),
          },
        ],
      };
    });
    if (made) {
      this.logger.info('configuration version stored', {
        cluster: name,
        version: made.id,
        author: made.author,
        changes: made.changes,
      });
      await this.prune(name, made.id);
    }
    return { cluster: after, ...(made ? { version: made } : {}) };
  }

  /** Deletes the oldest versions beyond the last MAX_CONFIG_VERSIONS (never the target). */
  private async prune(cluster: string, target: number): Promise<void> {
    const ids = (await this.zk.children(this.store.layout.configurations(cluster)))
      .map(Number)
      .filter((id) => Number.isInteger(id) && id > 0 && id !== target)
      .sort((a, b) => a - b);
    for (const id of ids.slice(0, Math.max(0, ids.length + 1 - MAX_CONFIG_VERSIONS)))
      await this.zk.delete(this.store.layout.configuration(cluster, id)).catch((err: Error) => {
        if (!(err instanceof NoNodeError)) throw err;
      });
  }

  /**
   * When a scheduler becomes the leader: a cluster without versions gets version 1 from its configuration as
   * it is (an older scheduler's, idempotent: a cluster with a target is left); then node resources
   * that differ from the target's (the scheduler's settings changed) make a new version by the
   * scheduler, whose rule violations (a disk size change) are logged and kept as its warnings.
   */
  async migrate(resources: NodeResources, knownVersions: readonly string[]): Promise<void> {
    for (const c of await this.store.listClusters()) {
      if (c.state === 'shutting_down' || c.state === 'shutdown') continue;
      const { cluster, content, version } = await this.target(c.name, resources);
      if (cluster.configVersion === undefined || !version) {
        if (cluster.configVersion !== undefined) continue; // its target is gone: left as it is
        await this.commit(
          c.name,
          {
            content,
            author: SCHEDULER_AUTHOR,
            note: 'made from the configuration the cluster had when versions began',
          },
          { target: undefined, content },
        ).catch((err: Error) => {
          if (!(err instanceof ConflictError)) throw err; // another scheduler made it
        });
        continue;
      }
      const proposed = { ...content, resources };
      if (changedFields(content, proposed).length === 0) continue;
      const violations = checkRules({
        current: content,
        proposed,
        knownVersions,
        ...nodeFacts(await this.store.listNodes(c.name)),
        force: false,
      });
      for (const v of violations)
        this.logger.error('the scheduler settings break a configuration rule', {
          cluster: c.name,
          rule: v.rule,
          field: v.field,
          message: v.message,
        });
      await this.commit(
        c.name,
        {
          content: proposed,
          author: SCHEDULER_AUTHOR,
          note: 'the scheduler was started with other node resources',
          warnings: violations.map((v: RuleViolation) => v.message),
        },
        { target: cluster.configVersion, content },
      ).catch((err: Error) => {
        if (!(err instanceof ConflictError)) throw err;
      });
    }
  }
}
