/**
 * Hinted handoff after a recovery (docs/operations.md#reads-right-after-a-node-returns). A node
 * back from a crash serves as soon as Riak's KV service is up, but until the fallback replicas
 * have handed it the writes it missed, a read at Riak's default quorum can answer notfound for an
 * acknowledged write. Plans wait for transfers by themselves; a crash recovery does not. So the
 * scheduler watches such a cluster: once all its wanted nodes run again, it asks a running
 * member for `riak admin transfers` until none is waiting, and health says `recovering` (with
 * Riak's own words) meanwhile.
 *
 * The decisions are pure (`handoffStep`, `handoffAnswered`); `HandoffWatch` keeps the state per
 * cluster in memory and is driven by the driver's tick. A new leader starts by watching every
 * cluster once, so a failover in the middle of a handoff still reports it.
 */
import type { ExecutorReply } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { NodeDoc } from '../model';

/** What is known of a watched cluster's handoff. */
export interface HandoffState {
  /** Last answer: transfers still waiting or active, in Riak's words (first lines). */
  pending?: { node: string; text: string; at: number };
  /** The last question could not be answered. */
  error?: { node: string; text: string; at: number };
  /** When the last question was asked (ms). */
  askedAt?: number;
}

/** What health says of a cluster's handoff: nothing when it is not watched. */
export interface HandoffStatus {
  text: string;
}

export type HandoffStep = { ask: NodeDoc } | { wait: string };

/**
 * A wanted node that had a task and is not running now, outside any plan (`inPlan`: the keys of
 * nodes in an unfinished plan, which waits for transfers itself): a recovery is under way.
 */
export function recovering(nodes: readonly NodeDoc[], inPlan: ReadonlySet<string>): boolean {
  return nodes.some(
    (n) => n.wanted && n.lastTaskState !== undefined && n.state !== 'running' && !inPlan.has(n.key),
  );
}

/**
 * What to do for a watched cluster now: ask a running member (the first by key) for its transfers
 * when every wanted node runs as a member and the last question is `intervalMs` old, else wait.
 */
export function handoffStep(
  state: HandoffState,
  nodes: readonly NodeDoc[],
  now: number,
  intervalMs: number,
): HandoffStep {
  const wanted = nodes.filter((n) => n.wanted);
  if (wanted.some((n) => n.state !== 'running')) return { wait: 'a node is not running yet' };
  if (wanted.some((n) => !n.member)) return { wait: 'a node is joining the ring' };
  const member = [...wanted].sort((a, b) => a.key.localeCompare(b.key))[0];
  if (!member) return { wait: 'no wanted node' };
  if (state.askedAt !== undefined && now - state.askedAt < intervalMs)
    return { wait: 'asked recently' };
  return { ask: member };
}

/**
 * The next state from a member's `status transfers` answer: `done` when Riak says nothing waits
 * and nothing is active, else what it said (or why it could not say).
 */
export function handoffAnswered(
  state: HandoffState,
  node: string,
  reply: ExecutorReply,
  now: number,
): { done: true } | { done: false; state: HandoffState } {
  const result = reply.type === 'status' && reply.ok ? reply.result : undefined;
  if (!result || !('view' in result) || result.active === undefined)
    return {
      done: false,
      state: {
        ...state,
        error: { node, text: reply.error ?? 'no answer whether handoff is active', at: now },
      },
    };
  if (!result.active) return { done: true };
  const lines = result.output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'ok' && l !== 'Active Transfers:');
  const text = lines.slice(0, 3).join('; ') + (lines.length > 3 ? '; …' : '');
  return { done: false, state: { askedAt: state.askedAt, pending: { node, text, at: now } } };
}

/** The health text of a watched cluster's state. */
export function handoffText(state: HandoffState): string {
  const why = 'until it ends, quorum reads may miss writes made while a node was down';
  if (state.pending)
    return `handoff after a recovery: ${state.pending.node} says ${state.pending.text}; ${why}`;
  if (state.error)
    return `handoff after a recovery not known to be finished (${state.error.node}: ${state.error.text}); ${why}`;
  return `handoff after a recovery not known to be finished yet; ${why}`;
}

export interface HandoffWatchDeps {
  ask: (node: NodeDoc) => Promise<ExecutorReply>;
  /** Runs `fn` serialised with the driver's other work. */
  later: (fn: () => void) => void;
  intervalMs: number;
  logger?: Logger;
  now?: () => number;
}

/** The clusters being watched, driven by the driver's tick (`prime`, then `progress`). */
export class HandoffWatch {
  private readonly watched = new Map<string, HandoffState>();
  private readonly asking = new Set<string>();
  private primed = false;

  constructor(private readonly deps: HandoffWatchDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** What health should say of `cluster` (undefined: not watched). */
  status(cluster: string): HandoffStatus | undefined {
    const s = this.watched.get(cluster);
    return s ? { text: handoffText(s) } : undefined;
  }

  /**
   * Once, on a new leader's first tick: every cluster with a node already running is watched
   * until a member says no transfer waits, since a handoff may have been under way when the
   * leader changed. A cluster with none running yet is a new deployment, not a recovery.
   */
  prime(clusters: readonly { name: string; nodes: readonly NodeDoc[] }[]): void {
    if (this.primed) return;
    this.primed = true;
    for (const c of clusters)
      if (c.nodes.some((n) => n.wanted && n.state === 'running')) this.watched.set(c.name, {});
  }

  /** One tick for one cluster: start watching on a recovery, ask when it is time. */
  progress(cluster: string, nodes: readonly NodeDoc[], inPlan: ReadonlySet<string>): void {
    if (!nodes.some((n) => n.wanted)) {
      this.watched.delete(cluster);
      return;
    }
    if (recovering(nodes, inPlan)) this.watched.set(cluster, {});
    const state = this.watched.get(cluster);
    if (!state || this.asking.has(cluster)) return;
    const step = handoffStep(state, nodes, this.now(), this.deps.intervalMs);
    if (!('ask' in step)) return;
    const node = step.ask;
    this.asking.add(cluster);
    this.watched.set(cluster, { ...state, askedAt: this.now() });
    const settle = (reply: ExecutorReply) =>
      this.deps.later(() => {
        this.asking.delete(cluster);
        const current = this.watched.get(cluster);
        if (!current) return;
        const next = handoffAnswered(current, node.key, reply, this.now());
        if (next.done) {
          this.watched.delete(cluster);
          this.deps.logger?.info('no transfer waits after a recovery: quorum reads are whole', {
            cluster,
            node: node.key,
          });
        } else {
          if (next.state.pending && next.state.pending.text !== current.pending?.text)
            this.deps.logger?.info('handoff after a recovery under way', {
              cluster,
              node: node.key,
              transfers: next.state.pending.text,
            });
          this.watched.set(cluster, next.state);
        }
      });
    this.deps
      .ask(node)
      .then(settle, (err: Error) =>
        settle({ version: 1, id: '', type: 'status', ok: false, error: err.message }),
      );
  }

  /** Forgets clusters that no longer exist. */
  retain(clusters: readonly string[]): void {
    const keep = new Set(clusters);
    for (const c of this.watched.keys()) if (!keep.has(c)) this.watched.delete(c);
  }
}
