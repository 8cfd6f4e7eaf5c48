import { randomBytes } from 'node:crypto';
import { isValidName } from '@riak-mesos/zk';
import { z } from 'zod';
import { NODE_STATES } from './node-state';
import { operationViewSchema } from '@riak-mesos/framework-contract';

/**
 * The documents the scheduler keeps in ZooKeeper (through DocumentStore: validated on every read
 * and write, written with compare-and-set). Wanted state (clusters, nodes) and progress (node
 * state, agent, task) live together per node, so a restarted scheduler resumes from them.
 */

const name = (kind: string) =>
  z
    .string()
    .refine(
      isValidName,
      `${kind} name must be letters, digits, _ - . and start with a letter or digit`,
    );

export const CLUSTER_STATES = [
  'requested',
  'running',
  'restarting',
  'shutting_down',
  'shutdown',
] as const;
export type ClusterState = (typeof CLUSTER_STATES)[number];

/**
 * A rolling operation over a cluster's nodes, one node at a time: stored as the API shows it, so
 * its one definition is the contract's.
 */
export const rollingOperationSchema = operationViewSchema;
export type RollingOperation = z.infer<typeof rollingOperationSchema>;

export const clusterSchema = z.object({
  name: name('cluster'),
  state: z.enum(CLUSTER_STATES),
  /** Riak package name, e.g. `riak-kv-2-2` (a key of the scheduler's resource URLs). */
  riakVersion: z.string().min(1),
  /** riak.conf template (validated when stored); absent: the package's own riak.conf. */
  riakConf: z.string().optional(),
  advancedConfig: z.string().optional(),
  /** Placement constraints of this cluster, on top of the framework-wide ones. */
  constraints: z
    .array(
      z.object({
        field: z.string().min(1),
        operator: z.enum(['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS']),
        value: z.string().optional(),
      }),
    )
    .optional(),
  /** Next node generation: node keys are `<framework>-<cluster>-<generation>`. */
  nextGeneration: z.number().int().positive(),
  createdAt: z.string(),
  operation: rollingOperationSchema.optional(),
  /**
   * Seconds a node's agent may stay unreachable before the node is replaced elsewhere (0: never);
   * absent: the scheduler's `permanentFailureTimeoutSeconds` (framework/permanent-failure.ts).
   */
  permanentFailureTimeoutSeconds: z.number().int().nonnegative().optional(),
  /**
   * The Erlang cookie of every node of the cluster (docs/security.md): 128 random bits made with
   * the cluster. Secret: sent only in the task data, never shown by the API. Absent only in
   * clusters of an older scheduler until the store's start gives them one.
   */
  cookie: z
    .string()
    .regex(/^[A-Za-z0-9_@.+-]{1,255}$/)
    .optional(),
  /**
   * The target configuration version (config-versions.ts): the one whose templates and Riak
   * version the cluster document holds. Absent until the store's start has made version 1.
   */
  configVersion: z.number().int().positive().optional(),
});
export type ClusterDoc = z.infer<typeof clusterSchema>;

/** A new cluster's Erlang cookie: 128 random bits as 32 hex digits. */
export function newCookie(): string {
  return randomBytes(16).toString('hex');
}

/** The guessable cookie older schedulers gave every node (`<framework>-<cluster>`). */
export function legacyCookie(framework: string, cluster: string): string {
  return `${framework}-${cluster}`;
}

export const portsSchema = z.object({
  http: z.number().int().min(1).max(65535),
  pb: z.number().int().min(1).max(65535),
  handoff: z.number().int().min(1).max(65535),
  disterl: z.number().int().min(1).max(65535),
  epmd: z.number().int().min(1).max(65535),
});
export type NodePorts = z.infer<typeof portsSchema>;

export const nodeSchema = z.object({
  key: name('node'),
  cluster: name('cluster'),
  generation: z.number().int().positive(),
  state: z.enum(NODE_STATES),
  /** Whether the node should exist (false once removal was asked for). */
  wanted: z.boolean(),
  /** Set once placed: the agent holding the node's reservation and volume. */
  agentId: z.string().optional(),
  hostname: z.string().optional(),
  /** Persistence id of the node's volume (stable across relaunches). */
  persistenceId: z.string(),
  /** Ports reserved for the node (10, as the original). */
  reservedPorts: z.array(z.number().int()).default([]),
  /**
   * The cpus and mem (MB) its reservation holds, task and executor together: the node launches on
   * these whatever the configured node resources say later (task-info.ts `launchShares`). Absent
   * in records of an older scheduler: those launch on the configured resources.
   */
  reservedSize: z.object({ cpus: z.number().positive(), mem: z.number().positive() }).optional(),
  ports: portsSchema.optional(),
  /** Current task id (the node key, as the original) and executor id. */
  taskId: z.string(),
  executorId: z.string().optional(),
  lastTaskState: z.string().optional(),
  lastTaskMessage: z.string().optional(),
  /** Riak package the running task was launched with. */
  riakVersion: z.string().optional(),
  /** Member of the Riak ring (joined). */
  member: z.boolean(),
  /** Unintended task failures in a row; drives the relaunch backoff. */
  failures: z.number().int().nonnegative(),
  /** Not before this time (ISO) is the node relaunched. */
  relaunchAfter: z.string().optional(),
  /** When the agent was first seen gone (for replacement elsewhere). */
  agentLostSince: z.string().optional(),
  /** When the node started leaving the ring (kept across a scheduler failover). */
  leavingSince: z.string().optional(),
  /**
   * The Erlang name this node had on an agent that was lost; force-removed before it joins (set
   * by older schedulers, which replaced a node under its own key; see `replaces`).
   */
  replacedName: z.string().optional(),
  /**
   * A replacement node (a replace plan, replace.ts): the node it replaces and that node's agent,
   * which its placement avoids.
   */
  replaces: z.object({ node: z.string(), agentId: z.string().optional() }).optional(),
  /**
   * A node being replaced: the key of its replacement. Its reservation and volume are released
   * only once the replacement is a ring member (or no longer wanted).
   */
  replacedBy: z.string().optional(),
  /** Why the permanent-failure timeout has not replaced this node yet, when it is due. */
  replaceHeld: z.object({ text: z.string(), at: z.string() }).optional(),
  /** The attributes of the agent holding the node, as constraints see them (kept for restarts). */
  agentAttributes: z.record(z.string(), z.string()).optional(),
  /**
   * The node's last task status changes, oldest first, at most TASK_HISTORY_MAX (status-reactions.ts
   * `withTaskHistory`). Absent in records of an older scheduler.
   */
  taskHistory: z
    .array(
      z.object({
        at: z.string(),
        taskId: z.string(),
        state: z.string(),
        reason: z.string().optional(),
        message: z.string().optional(),
        agentId: z.string().optional(),
      }),
    )
    .optional(),
  /** Why the node waits for an offer, from the latest offers that did nothing for it. */
  pendingReason: z.object({ text: z.string(), at: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The configuration version (target) in effect when the running task was launched. */
  configVersion: z.number().int().positive().optional(),
});
export type NodeDoc = z.infer<typeof nodeSchema>;

export const schedulerSchema = z.object({
  frameworkId: z.string().optional(),
  /**
   * This framework instance's identity, made once: every reservation it makes carries it, and
   * it releases only reservations that do (a wiped or other ZooKeeper path makes a new one).
   */
  instanceId: z.string().optional(),
  registeredAt: z.string().optional(),
  /** The master that accepted the last subscription. */
  master: z.string().optional(),
});
export type SchedulerDoc = z.infer<typeof schedulerSchema>;

export const SCHEMA_VERSION = 1;

/** `<framework>-<cluster>-<generation>`, the node key, task id and Erlang alive-name. */
export function nodeKey(framework: string, cluster: string, generation: number): string {
  return `${framework}-${cluster}-${generation}`;
}
