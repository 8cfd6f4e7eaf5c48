// Over 400 lines: the offer stages (release, volume, launch, lost reservation, placement) and the
// decision types they return are read together, as one set of rules; each function stays short.
import { createHash } from 'node:crypto';
import type { Offer, OfferOperation, Resource } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import type {
  OfferRejection,
  OfferedAgent,
  PendingNode,
  PlacedAgent,
  PlacementAgent,
} from '@riak-mesos/placement';
import { placeNodes, renderAttributeValue } from '@riak-mesos/placement';
import type { SchedulerConfig } from '../config';
import type { ClusterDoc, NodeDoc } from '../model';
import { legacyCookie } from '../model';
import type { NodeState } from '../node-state';
import { NODE_PORTS, buildTask, nodeReservation, riakPackage } from './task-info';

/**
 * Offer decisions as data. `evaluateOffers` looks at one batch of offers (one per agent, see
 * mergeByAgent) and the scheduler's records, and returns what to do: per node, the record
 * changes to persist and the offer operations to send once they are persisted, plus, for every
 * node that waits, why these offers did nothing for it. It performs no I/O: the driver persists
 * the changes (write-ahead), sends the operations and shows the reasons.
 *
 * The decisions go through small stages, each one rule with its reason:
 *  1. reserved resources of our nodes: release (only when the node's own record says it is being
 *     released, or the reservation is an old one of a node replaced elsewhere), finish creating
 *     the volume, or launch (when the node is due and the whole reservation and volume are there);
 *  2. `reserving` nodes whose agent offers none of their reservation: placed again;
 *  3. placement of new nodes on unreserved resources (constraints of the framework and of the
 *     node's cluster), with reasons per offer for those placed nowhere.
 */

export interface LaunchContext {
  schedulerUrl: string;
  /** PEM the executors trust for an https scheduler URL (task data `SchedulerCA`). */
  schedulerCa?: string;
  /** Key of the executors' per-task API credentials (api/auth.ts). */
  executorKey?: string;
  zookeepers: string[];
  zookeeperChroot: string;
}

export interface OfferEvaluationInput {
  /** One offer per agent. */
  offers: readonly Offer[];
  nodes: readonly NodeDoc[];
  clusters: ReadonlyMap<string, ClusterDoc>;
  config: SchedulerConfig;
  launch: LaunchContext;
  /** What is known of agents (from offers seen before), for constraints of placed nodes. */
  agents: ReadonlyMap<string, PlacementAgent>;
  now: number;
  newExecutorId: (node: NodeDoc) => string;
  /** This scheduler's instance id (in its reservations' labels). */
  instanceId: string;
  /** Ids of unknown reservations an operator asked to release. */
  releaseUnknown?: ReadonlySet<string>;
  /** Whether a requested node may be placed now (its plan allows it); all may when absent. */
  mayPlace?: (key: string) => boolean;
}

export type NodeChange =
  { type: 'transition'; to: NodeState; patch?: Partial<NodeDoc> } | { type: 'delete' };

export type DecisionKind =
  | 'release'
  | 'release-replaced'
  | 'create-volume'
  | 'volume-ready'
  | 'launch'
  | 'replace-lost-reservation'
  | 'place'
  | 'keep-unknown'
  | 'release-unknown'
  | 'forget';

export interface NodeDecision {
  kind: DecisionKind;
  /** The node (for an unknown reservation: the key in its label). */
  node: string;
  offerId: string;
  agentId: string;
  /** The node's state these decisions were made from; they are dropped if it changed since. */
  fromState?: NodeState;
  /** For reservations no record owns: the reservation, for the operator's list. */
  reservation?: ReservationGroup;
  /** Persisted in order before the operations are sent. */
  changes: NodeChange[];
  operations: OfferOperation[];
  /** What an operator reads in the log and the offer debug view. */
  message: string;
  level: 'info' | 'warn';
}

export interface PendingReason {
  /** One line, e.g. `no offer fits: host-2: cpus 0.5 < 1.1; host-3: hostname UNIQUE: ...`. */
  text: string;
  offers: OfferRejection[];
}

export interface OfferEvaluation {
  decisions: NodeDecision[];
  /** Nodes that wait for something from offers and did not get it from these, with why. */
  pending: Map<string, PendingReason>;
  /** Whether anything was released (offers are kept coming for a while after a release). */
  releasedAny: boolean;
}

/** The agent as constraints see it, from an offer. */
export function agentOfOffer(offer: Offer): PlacementAgent {
  return {
    hostname: offer.hostname,
    attributes: Object.fromEntries(
      (offer.attributes ?? []).map((a) => [a.name, renderAttributeValue(a)]),
    ),
  };
}

/** DESTROY the volumes among `reserved`, then UNRESERVE everything (the disk without its volume). */
export function releaseOps(reserved: Resource[]): OfferOperation[] {
  const volumes = reserved.filter((r) => r.disk?.persistence);
  const out: OfferOperation[] = [];
  if (volumes.length) out.push({ type: 'DESTROY', destroy: { volumes } });
  out.push({
    type: 'UNRESERVE',
    unreserve: { resources: reserved.map((r) => (r.disk?.persistence ? R.withoutVolume(r) : r)) },
  });
  return out;
}

export function createVolumeOp(
  config: SchedulerConfig,
  disk: Resource,
  node: NodeDoc,
): OfferOperation {
  return {
    type: 'CREATE',
    create: {
      volumes: [
        R.persistentVolume(disk, node.persistenceId, config.persistentPath, config.principal),
      ],
    },
  };
}

/** A node whose record says its reservation is being given back. */
function beingReleased(node: NodeDoc): boolean {
  return (
    node.state === 'unreserving' ||
    node.state === 'failed' ||
    (node.state === 'shut_down' && !node.wanted)
  );
}

/** The dynamic reservations of our role in an offer, grouped by their labels. */
export interface ReservationGroup {
  /** Stable id of this reservation on its agent (for the operator's list and explicit release). */
  id: string;
  labels: Record<string, string>;
  resources: Resource[];
}

export function reservationGroups(offer: Offer, role: string): ReservationGroup[] {
  const groups = new Map<string, ReservationGroup>();
  for (const r of offer.resources ?? []) {
    const res = R.reservationOf(r);
    if (res?.role !== role || res.type !== 'DYNAMIC') continue;
    const labels: Record<string, string> = {};
    for (const l of res.labels?.labels ?? []) labels[l.key] = l.value ?? '';
    const text = JSON.stringify(Object.entries(labels).sort());
    let g = groups.get(text);
    if (!g) {
      const id = createHash('sha256')
        .update(`${offer.agent_id.value}\n${role}\n${text}`)
        .digest('hex')
        .slice(0, 16);
      groups.set(text, (g = { id, labels, resources: [] }));
    }
    g.resources.push(r);
  }
  return [...groups.values()];
}

/**
 * Whose a reservation is: `ours` only when no label names another framework or instance and a
 * node record for its `node` label exists; everything else is `unknown` and kept.
 */
function ownerOf(
  g: ReservationGroup,
  input: OfferEvaluationInput,
  byKey: ReadonlyMap<string, NodeDoc>,
): { node: NodeDoc } | { unknown: string } {
  const { labels } = g;
  if (!labels.node) return { unknown: 'it has no node label' };
  if (labels.framework !== undefined && labels.framework !== input.config.name)
    return { unknown: `it belongs to framework '${labels.framework}'` };
  if (labels.instance !== undefined && labels.instance !== input.instanceId)
    return {
      unknown: `it was made by another instance of '${input.config.name}' (${labels.instance})`,
    };
  const node = byKey.get(labels.node);
  if (!node) return { unknown: `no node record '${labels.node}' owns it` };
  return { node };
}

export function evaluateOffers(input: OfferEvaluationInput): OfferEvaluation {
  const out: OfferEvaluation = {
    decisions: [],
    pending: new Map(),
    releasedAny: false,
  };
  const byKey = new Map(input.nodes.map((n) => [n.key, n]));
  for (const offer of input.offers) reservedStage(input, offer, byKey, out);
  lostReservationStage(input, out);
  forgetReleasedStage(input, out);
  placementStage(input, out);
  return out;
}

/** Stage 1: what to do with the resources already reserved for our nodes in one offer. */
function reservedStage(
  input: OfferEvaluationInput,
  offer: Offer,
  byKey: ReadonlyMap<string, NodeDoc>,
  out: OfferEvaluation,
): void {
  const { config } = input;
  const at = { offerId: offer.id.value, agentId: offer.agent_id.value };
  for (const g of reservationGroups(offer, config.role)) {
    const owner = ownerOf(g, input, byKey);
    const reserved = g.resources;
    if ('unknown' in owner) {
      // Data first: nothing in our records says this reservation is being released (it may be
      // another framework's in the role, or a node of a scheduler reading another ZooKeeper
      // path): keep it, unless an operator asked to release exactly this one.
      const release = input.releaseUnknown?.has(g.id) === true;
      out.decisions.push({
        kind: release ? 'release-unknown' : 'keep-unknown',
        node: g.labels.node ?? '',
        ...at,
        reservation: g,
        changes: [],
        operations: release ? releaseOps(reserved) : [],
        level: 'warn',
        message: release
          ? `released reservation ${g.id} as an operator asked (${owner.unknown})`
          : `kept reservation ${g.id}: ${owner.unknown}`,
      });
      continue;
    }
    const node = owner.node;
    const key = node.key;
    if (beingReleased(node)) {
      // Whatever of it is offered is released, as often as it is offered: an operation Mesos
      // dropped is simply sent again. The record goes once its agent offers none of it (below).
      out.releasedAny = true;
      out.decisions.push({
        kind: 'release',
        node: key,
        ...at,
        fromState: node.state,
        changes: node.state === 'unreserving' ? [] : [{ type: 'transition', to: 'unreserving' }],
        operations: releaseOps(reserved),
        level: 'info',
        message: 'released (part of) the reservation and volume of a removed node',
      });
      continue;
    }
    if (!node.wanted) continue;
    const oldVolume =
      g.labels.persistence !== undefined && g.labels.persistence !== node.persistenceId;
    if (oldVolume || node.agentId !== offer.agent_id.value) {
      // The node was placed again elsewhere (its agent was lost): this is its old reservation.
      out.releasedAny = true;
      out.decisions.push({
        kind: 'release-replaced',
        node: key,
        ...at,
        fromState: node.state,
        changes: [],
        operations: releaseOps(reserved),
        level: 'info',
        message: 'released the old reservation of a node replaced on another agent',
      });
      continue;
    }
    launchStage(input, offer, node, reserved, out);
  }
}

/** Stage 1b: a node's own reservation is offered: finish its volume, or launch it when due. */
function launchStage(
  input: OfferEvaluationInput,
  offer: Offer,
  node: NodeDoc,
  reserved: Resource[],
  out: OfferEvaluation,
): void {
  const { config } = input;
  const at = { offerId: offer.id.value, agentId: offer.agent_id.value };
  const volume = R.findVolume(offer, node.persistenceId);
  const changes: NodeChange[] = [];
  let state = node.state;
  if (state === 'reserving') {
    if (!volume) {
      const disk = reserved.find((r) => r.name === 'disk' && !r.disk?.persistence);
      if (disk)
        out.decisions.push({
          kind: 'create-volume',
          node: node.key,
          ...at,
          fromState: state,
          changes: [],
          operations: [createVolumeOp(config, disk, node)],
          level: 'info',
          message: 'creating the volume of a reserved node',
        });
      return;
    }
    changes.push({ type: 'transition', to: 'reserved' });
    state = 'reserved';
  }
  if (!['reserved', 'restarting', 'shut_down'].includes(state)) {
    if (changes.length) out.decisions.push(volumeReady(node, at, changes));
    return;
  }
  const wait = launchBlocker(input, node, offer, volume !== undefined);
  if (wait) {
    out.pending.set(node.key, { text: wait, offers: [] });
    if (changes.length) out.decisions.push(volumeReady(node, at, changes));
    return;
  }
  const cluster = input.clusters.get(node.cluster)!;
  const version = launchVersion(node, cluster);
  const executorId = input.newExecutorId(node);
  const task = buildTask(config, {
    node,
    offer,
    frameworkName: config.name,
    riakVersion: version,
    cookie: cluster.cookie ?? legacyCookie(config.name, cluster.name),
    schedulerUrl: input.launch.schedulerUrl,
    ...(input.launch.schedulerCa ? { schedulerCa: input.launch.schedulerCa } : {}),
    ...(input.launch.executorKey ? { executorKey: input.launch.executorKey } : {}),
    zookeepers: input.launch.zookeepers,
    zookeeperChroot: input.launch.zookeeperChroot,
    executorId,
  });
  if (!task) {
    const wait =
      `agent ${offer.hostname} offers cpus ${R.scalarSum(reserved, 'cpus')}, ` +
      `mem ${R.scalarSum(reserved, 'mem')} MB of the node's reservation; the task and its ` +
      `executor need cpus ${config.node.cpus + config.executor.cpus}, mem ` +
      `${config.node.mem + config.executor.mem} MB (the rest may come in a later offer, or the ` +
      `configured node resources no longer fit the reservation)`;
    out.pending.set(node.key, { text: wait, offers: [] });
    if (changes.length) out.decisions.push(volumeReady(node, at, changes));
    return;
  }
  // Written before the LAUNCH is sent: a crash from here on finds the task by reconciliation.
  changes.push({
    type: 'transition',
    to: 'launching',
    patch: {
      executorId,
      riakVersion: version,
      // The target configuration version: its templates are what the executor reads at start.
      configVersion: cluster.configVersion,
      relaunchAfter: undefined,
      pendingReason: undefined,
    },
  });
  out.decisions.push({
    kind: 'launch',
    node: node.key,
    ...at,
    fromState: node.state,
    changes,
    operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }],
    level: 'info',
    message: `launching node with ${version} (executor ${executorId})`,
  });
}

function volumeReady(
  node: NodeDoc,
  at: { offerId: string; agentId: string },
  changes: NodeChange[],
): NodeDecision {
  return {
    kind: 'volume-ready',
    node: node.key,
    ...at,
    fromState: node.state,
    changes,
    operations: [],
    level: 'info',
    message: 'the volume of a reserved node is ready',
  };
}

/**
 * The Riak version a node is launched with: the one it last ran (a node keeps its version until
 * an upgrade step moves it on, so a node that crashes mid-upgrade comes back as it was), or the
 * cluster's for a node that never ran.
 */
export function launchVersion(node: NodeDoc, cluster: ClusterDoc): string {
  return node.riakVersion ?? cluster.riakVersion;
}

/** Why a node whose reservation is offered cannot be launched now (undefined: it can). */
function launchBlocker(
  input: OfferEvaluationInput,
  node: NodeDoc,
  offer: Offer,
  hasVolume: boolean,
): string | undefined {
  if (node.relaunchAfter && Date.parse(node.relaunchAfter) > input.now)
    return `relaunch backoff until ${node.relaunchAfter} (failures in a row: ${node.failures})`;
  if (!hasVolume) return `agent ${offer.hostname} offered the reservation without its volume`;
  const cluster = input.clusters.get(node.cluster);
  if (!cluster) return `cluster '${node.cluster}' has no record`;
  const version = launchVersion(node, cluster);
  if (!riakPackage(input.config, version))
    return `the scheduler has no package for Riak version '${version}'`;
  if (!input.config.resourceUrls.executor) return 'the scheduler has no executor package URL';
  return undefined;
}

/** How long a node stays `unreserving` at least: its executor's share comes back when it exits. */
export const FORGET_AFTER_MS = 30_000;

/**
 * Stage 1c: the record of a released node goes once an offer from its agent holds none of its
 * reservation, at least FORGET_AFTER_MS after it began releasing (so the executor's share, freed
 * when the executor exits, has been offered and released too). Should part of it be offered
 * later still, it is kept and listed as unknown, never released without a record.
 */
function forgetReleasedStage(input: OfferEvaluationInput, out: OfferEvaluation): void {
  for (const { node: n, offer } of offeredWithout(input, 'unreserving', FORGET_AFTER_MS))
    out.decisions.push({
      kind: 'forget',
      node: n.key,
      offerId: offer.id.value,
      agentId: offer.agent_id.value,
      fromState: n.state,
      changes: [{ type: 'delete' }],
      operations: [],
      level: 'info',
      message: 'its agent offers none of its reservation any more; the node is gone',
    });
}

/**
 * The nodes in `state` for at least `minAgeMs` whose agent's offer in this batch holds none of
 * their reservation, with that offer. One pass over the nodes (usually none are in such a state),
 * not offers × nodes: a batch of 500 offers against 1,000 nodes stays cheap.
 */
function offeredWithout(
  input: OfferEvaluationInput,
  state: NodeState,
  minAgeMs: number,
): { node: NodeDoc; offer: Offer }[] {
  const candidates = input.nodes.filter(
    (n) => n.state === state && n.agentId && input.now - Date.parse(n.updatedAt) >= minAgeMs,
  );
  if (!candidates.length) return [];
  const byAgent = new Map(input.offers.map((o) => [o.agent_id.value, o]));
  const held = new Map<Offer, Set<string>>();
  const out: { node: NodeDoc; offer: Offer }[] = [];
  for (const node of candidates) {
    const offer = byAgent.get(node.agentId!);
    if (!offer) continue;
    let keys = held.get(offer);
    if (!keys) {
      keys = new Set(
        reservationGroups(offer, input.config.role)
          .map((g) => g.labels.node)
          .filter((k): k is string => k !== undefined),
      );
      held.set(offer, keys);
    }
    if (!keys.has(node.key)) out.push({ node, offer });
  }
  return out;
}

/**
 * Stage 2: a node left `reserving` by a scheduler that died before its RESERVE reached Mesos: an
 * offer from its agent without any of its reservation means there is none; place it again.
 */
function lostReservationStage(input: OfferEvaluationInput, out: OfferEvaluation): void {
  for (const { node: n, offer } of offeredWithout(input, 'reserving', 5000))
    out.decisions.push({
      kind: 'replace-lost-reservation',
      node: n.key,
      offerId: offer.id.value,
      agentId: offer.agent_id.value,
      fromState: n.state,
      changes: [
        {
          type: 'transition',
          to: 'requested',
          patch: {
            agentId: undefined,
            hostname: undefined,
            agentAttributes: undefined,
            reservedPorts: [],
            reservedSize: undefined,
            ports: undefined,
          },
        },
      ],
      operations: [],
      level: 'warn',
      message: 'no reservation found for a reserving node; placing it again',
    });
}

/** Stage 3: new nodes on unreserved resources: RESERVE and CREATE, or the reasons they wait. */
function placementStage(input: OfferEvaluationInput, out: OfferEvaluation): void {
  const { config } = input;
  const requested = input.nodes.filter((n) => n.state === 'requested' && n.wanted);
  if (!requested.length) return;
  const needs = {
    cpus: config.node.cpus + config.executor.cpus,
    mem: config.node.mem + config.executor.mem,
    disk: config.node.disk,
    ports: NODE_PORTS,
  };
  const pending: PendingNode[] = [];
  for (const n of requested) {
    if (input.mayPlace && !input.mayPlace(n.key)) {
      out.pending.set(n.key, { text: 'waiting for its turn in the deploy plan', offers: [] });
      continue;
    }
    const constraints = input.clusters.get(n.cluster)?.constraints;
    pending.push({
      key: n.key,
      cluster: n.cluster,
      needs,
      ...(constraints ? { constraints } : {}),
      ...(n.replaces?.agentId ? { avoidAgents: [n.replaces.agentId] } : {}),
    });
  }
  if (!pending.length) return;
  const offered: OfferedAgent[] = input.offers.map((o) => {
    const free = R.unreservedOf(o);
    return {
      ...agentOfOffer(o),
      offerId: o.id.value,
      agentId: o.agent_id.value,
      cpus: R.scalarSum(free, 'cpus'),
      mem: R.scalarSum(free, 'mem'),
      disk: R.scalarSum(free, 'disk'),
      ports: R.rangesOf(free, 'ports').map(
        (r) => [Number(r.begin), Number(r.end)] as [number, number],
      ),
    };
  });
  const placed = new Map<string, PlacedAgent[]>();
  for (const n of input.nodes)
    if (n.agentId && n.state !== 'requested') {
      const known = n.agentAttributes
        ? { hostname: n.hostname ?? n.agentId, attributes: n.agentAttributes }
        : (input.agents.get(n.agentId) ?? { hostname: n.hostname ?? n.agentId, attributes: {} });
      placed.set(n.cluster, [...(placed.get(n.cluster) ?? []), { ...known, holder: n.key }]);
    }
  const round = placeNodes(pending, offered, config.constraints, placed);
  const byKey = new Map(requested.map((n) => [n.key, n]));
  const agentsByOffer = new Map(offered.map((o) => [o.offerId, o]));
  for (const p of round.placements) {
    const node = byKey.get(p.node)!;
    const [http, pb, disterl, handoff, epmd] = p.ports;
    const reserved = nodeReservation(
      config,
      {
        instanceId: input.instanceId,
        cluster: node.cluster,
        node: node.key,
        persistenceId: node.persistenceId,
      },
      p.ports,
    );
    const disk = reserved.find((r) => r.name === 'disk')!;
    out.decisions.push({
      kind: 'place',
      node: node.key,
      offerId: p.offerId,
      agentId: p.agentId,
      fromState: node.state,
      changes: [
        {
          type: 'transition',
          to: 'reserving',
          patch: {
            agentId: p.agentId,
            hostname: p.hostname,
            agentAttributes: agentsByOffer.get(p.offerId)!.attributes,
            reservedPorts: p.ports,
            reservedSize: {
              cpus: R.scalarSum(reserved, 'cpus'),
              mem: R.scalarSum(reserved, 'mem'),
            },
            ports: { http, pb, disterl, handoff, epmd },
            pendingReason: undefined,
          },
        },
      ],
      operations: [
        { type: 'RESERVE', reserve: { resources: reserved } },
        createVolumeOp(config, disk, node),
      ],
      level: 'info',
      message: `placing node on ${p.hostname} (ports ${p.ports.join(',')})`,
    });
  }
  for (const [key, offers] of round.unplaced)
    out.pending.set(key, { text: summarise(offers), offers });
}

/** One line for a node placed nowhere: every offer and why, the first reasons first. */
export function summarise(offers: readonly OfferRejection[], max = 400): string {
  if (!offers.length) return 'no offers to place it on';
  const parts = offers.map((o) => `${o.hostname}: ${o.reasons.join(', ')}`);
  const text = `no offer fits: ${parts.join('; ')}`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The latest rejection of a waiting node by each agent, with when it was made. */
export type RejectionsByAgent = Map<string, { rejection: OfferRejection; at: number }>;

/**
 * A waiting node's reasons across offer batches: Mesos offers agents in separate batches, so the
 * reason shown is built from the latest rejection by every agent seen within `maxAgeMs`, not only
 * from the last batch (which would name one agent and change at every batch).
 */
export function accumulateRejections(
  previous: RejectionsByAgent | undefined,
  fresh: readonly OfferRejection[],
  now: number,
  maxAgeMs = 5 * 60_000,
): { byAgent: RejectionsByAgent; reason: PendingReason } {
  const byAgent: RejectionsByAgent = new Map();
  for (const [agent, e] of previous ?? []) if (now - e.at <= maxAgeMs) byAgent.set(agent, e);
  for (const r of fresh) byAgent.set(r.agentId, { rejection: r, at: now });
  const offers = [...byAgent.values()]
    .map((e) => e.rejection)
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.agentId.localeCompare(b.agentId));
  return { byAgent, reason: { text: summarise(offers), offers } };
}
