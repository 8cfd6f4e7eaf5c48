import type { ExecutorReply, ExecutorRequestBody } from '@riak-mesos/framework-contract';
import { riakNodeName } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { SchedulerConfig } from '../config';
import type { ClusterDoc, NodeDoc } from '../model';
import type { SchedulerStore } from '../store';

const RELEASE_HELD = 'reservation and volume kept until the replacement node is a ring member';

/** A leave (handoff) slower than this is reported on the node and in the log. */
const LEAVE_WARN_MS = 30 * 60_000;

export interface MembershipDeps {
  config: SchedulerConfig;
  store: SchedulerStore;
  logger: Logger;
  ask(node: NodeDoc, body: ExecutorRequestBody, timeoutMs?: number): Promise<ExecutorReply>;
  /** Asks Mesos to kill a node's task (a lost kill is repeated by the node's state). */
  kill(node: NodeDoc): Promise<void>;
  revive(): Promise<void>;
  /** Runs `fn` in the driver's serial work queue (for answers that arrive later). */
  later(what: string, fn: () => Promise<void>): void;
}

/**
 * Ring membership work of the driver's tick: joins of running nodes, and graceful removal (leave,
 * hand off, stop, release; a member that cannot leave is force-removed). Requests to executors
 * are answered later; their answers are handled in the driver's serial queue.
 */
export class Membership {
  /** Node keys with a join or force-remove in flight (shared with the plans' ring checks). */
  readonly inFlight = new Set<string>();
  private readonly leaveSent = new Set<string>();
  private readonly slowLeaveReported = new Map<string, number>();

  constructor(private readonly d: MembershipDeps) {}

  /** Graceful removal: leave the ring, hand off, stop, then release (on the next offer). */
  async progressRemoval(n: NodeDoc): Promise<void> {
    if (n.wanted) return;
    const store = this.d.store;
    if (n.agentLostSince && ['launching', 'starting', 'running', 'leaving'].includes(n.state)) {
      // Its agent is unreachable: it cannot leave (nor be asked to). A live member force-removes
      // it from the ring; then its task is killed, which holds until the agent returns or Mesos
      // says the task is gone, and its reservation is released only then.
      if (n.member && n.hostname) {
        const live = await this.otherMembers(n);
        if (live.length > 0) this.forceRemove(n, live[0]);
        return;
      }
      await store.transitionNode(n.key, 'shutting_down');
      await this.killTask(n);
      return;
    }
    switch (n.state) {
      case 'requested':
        await store.transitionNode(n.key, 'shut_down');
        await store.deleteNode(n.key);
        return;
      case 'reserving':
      case 'reserved':
      case 'failed':
      case 'restarting':
      case 'shut_down':
        // A ring member that cannot leave by itself (it is not running) is force-removed from
        // the ring by a live member first, so no other node keeps it in its ring.
        if (n.member && n.hostname) {
          const live = await this.otherMembers(n);
          if (live.length > 0) {
            this.forceRemove(n, live[0]);
            return;
          }
        }
        if (await this.replacementPending(n)) return;
        await store.transitionNode(n.key, 'unreserving');
        await this.d.revive();
        return;
      case 'running':
        if (n.member && (await this.otherMembers(n)).length > 0) {
          await store.transitionNode(n.key, 'leaving', { leavingSince: new Date().toISOString() });
          this.leave(n);
        } else if (n.member && (await store.getCluster(n.cluster))?.state !== 'shutting_down') {
          // The last member holds the only copy of the cluster's data: only destroying the
          // cluster stops it (the API refuses such a removal; this keeps older records safe).
          this.d.logger.warn(
            'not removing the last ring member of a cluster that is not destroyed',
            {
              node: n.key,
              cluster: n.cluster,
            },
          );
        } else {
          await store.transitionNode(n.key, 'shutting_down');
          await this.killTask(n);
        }
        return;
      case 'leaving':
        if (!this.leaveSent.has(n.key)) this.leave(n);
        this.reportSlowLeave(n);
        return;
      case 'unreserving':
        // Released in part by an earlier scheduler process and nothing more offered since.
        if (Date.now() - Date.parse(n.updatedAt) > 120000) {
          this.d.logger.warn('forgetting a removed node whose reservation is no longer offered', {
            node: n.key,
          });
          await store.deleteNode(n.key);
        }
        return;
      case 'shutting_down':
        // A kill can be lost (the agent was unreachable): repeat it until the task is gone.
        if (Date.now() - Date.parse(n.updatedAt) > 10000) {
          await store.updateNode(n.key, (x) => ({ ...x }));
          await this.killTask(n);
        }
        return;
      case 'launching':
      case 'starting':
        await store.transitionNode(n.key, 'shutting_down');
        await this.killTask(n);
        return;
      default:
        return;
    }
  }

  /**
   * Force-removes a node that is not running from the ring, through a live member; once Riak
   * has committed it, the node is no longer a member and its removal goes on (next tick).
   */
  private forceRemove(n: NodeDoc, through: NodeDoc): void {
    const key = `force-remove:${n.key}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    const name = riakNodeName(n.key, n.hostname!);
    this.d.logger.info('force-removing a stopped member from the ring before releasing it', {
      node: n.key,
      through: through.key,
    });
    this.d.ask(through, { type: 'remove', target: name }).then(
      (answer) =>
        this.d.later('force-removed', async () => {
          this.inFlight.delete(key);
          if (answer.ok !== true) {
            this.d.logger.warn('force-remove failed; will retry', {
              node: n.key,
              error: answer.error,
            });
            return;
          }
          await this.d.store.updateNode(n.key, (x) => ({
            ...x,
            member: false,
            lastTaskMessage: `force-removed from the ring through ${through.key}`,
          }));
        }),
      (err: Error) => {
        this.inFlight.delete(key);
        this.d.logger.warn('force-remove did not complete; will retry', {
          node: n.key,
          error: err.message,
        });
      },
    );
  }

  /**
   * Handoff can take long; the node keeps its data until it is done, whatever the time. The time
   * it started leaving is in its record (so it survives a failover), and a leave slower than
   * LEAVE_WARN_MS is reported on the node (`last_task_message`) and in the log, every 10 minutes.
   */
  private reportSlowLeave(n: NodeDoc): void {
    if (!n.leavingSince) return;
    const took = Date.now() - Date.parse(n.leavingSince);
    if (took < LEAVE_WARN_MS) return;
    const last = this.slowLeaveReported.get(n.key) ?? 0;
    if (Date.now() - last < 10 * 60_000) return;
    this.slowLeaveReported.set(n.key, Date.now());
    const message = `still handing off after ${Math.round(took / 60_000)} min; the node keeps running until its data is elsewhere`;
    this.d.logger.warn('leave is slow', { node: n.key, minutes: Math.round(took / 60_000) });
    void this.d.store
      .updateNode(n.key, (x) =>
        x.state === 'leaving' ? { ...x, lastTaskMessage: message } : undefined,
      )
      .catch(() => undefined);
  }

  /** Asks Mesos to kill a node's task; a lost kill is repeated by the caller's state. */
  killTask(n: NodeDoc): Promise<void> {
    return this.d.kill(n);
  }

  /** Running members to force-remove `n` through (not those whose agent is unreachable). */
  private async otherMembers(n: NodeDoc): Promise<NodeDoc[]> {
    return (await this.d.store.listNodes(n.cluster)).filter(
      (x) => x.key !== n.key && x.member && x.wanted && x.state === 'running' && !x.agentLostSince,
    );
  }

  /**
   * A replaced node keeps its reservation and volume until its replacement is a ring member (or
   * is no longer wanted: the replacement was given up, and the node is released as any other).
   */
  private async replacementPending(n: NodeDoc): Promise<boolean> {
    if (!n.replacedBy) return false;
    const by = await this.d.store.getNode(n.replacedBy);
    if (!by || !by.wanted || by.member) return false;
    if (n.lastTaskMessage !== RELEASE_HELD) {
      this.d.logger.info("keeping a replaced node's volume until its replacement is a member", {
        node: n.key,
        replacement: by.key,
      });
      await this.d.store.updateNode(n.key, (x) => ({ ...x, lastTaskMessage: RELEASE_HELD }));
    }
    return true;
  }

  private leave(n: NodeDoc): void {
    this.leaveSent.add(n.key);
    this.d.ask(n, { type: 'leave' }, 30 * 60 * 1000).then(
      (answer) =>
        this.d.later('left', async () => {
          this.leaveSent.delete(n.key);
          if (answer.ok !== true) {
            this.d.logger.warn('leave failed; trying again', { node: n.key, error: answer.error });
            return;
          }
          this.d.logger.info('node left the cluster; stopping it', { node: n.key });
          const cur = await this.d.store.getNode(n.key);
          if (!cur || cur.state !== 'leaving') return;
          await this.d.store.transitionNode(n.key, 'shutting_down', { member: false });
          await this.d.ask(cur, { type: 'finish' }, 5000).catch(() => this.killTask(n));
        }),
      (err: Error) => {
        this.leaveSent.delete(n.key);
        this.d.logger.warn('leave did not complete; trying again', {
          node: n.key,
          error: err.message,
        });
      },
    );
  }

  /** Running nodes that are not members join a running member (the first node seeds the ring). */
  async progressJoins(c: ClusterDoc, nodes: NodeDoc[]): Promise<void> {
    // Not a member whose agent is unreachable: it could not answer the join.
    const members = nodes.filter(
      (n) => n.member && n.state === 'running' && n.wanted && !n.agentLostSince,
    );
    for (const n of nodes) {
      if (n.member || !n.wanted || n.state !== 'running' || this.inFlight.has(n.key)) continue;
      if (!nodes.some((x) => x.member)) {
        // The first node of a cluster is its ring; later nodes join it.
        await this.d.store.updateNode(n.key, (x) => ({ ...x, member: true }));
        this.d.logger.info('node seeds the cluster ring', { node: n.key, cluster: c.name });
        return;
      }
      const target = members[0];
      if (!target) return;
      if (n.replacedName) {
        // The member it replaces is gone for good: a running member force-removes it first.
        const gone = n.replacedName;
        this.inFlight.add(n.key);
        this.d.ask(target, { type: 'remove', target: gone }).then(
          (answer) =>
            this.d.later('removed', async () => {
              this.inFlight.delete(n.key);
              if (answer.ok === true) {
                await this.d.store.updateNode(n.key, (x) => ({ ...x, replacedName: undefined }));
                this.d.logger.info('force-removed the member a node replaces', {
                  node: n.key,
                  removed: gone,
                });
              } else
                this.d.logger.warn('force-remove failed; will retry', {
                  node: n.key,
                  error: answer.error,
                });
            }),
          (err: Error) => {
            this.inFlight.delete(n.key);
            this.d.logger.warn('force-remove did not complete; will retry', {
              node: n.key,
              error: err.message,
            });
          },
        );
        continue;
      }
      this.inFlight.add(n.key);
      const targetName = riakNodeName(target.key, target.hostname ?? '');
      this.d.logger.info('joining node to its cluster', { node: n.key, target: targetName });
      this.d.ask(n, { type: 'join', target: targetName }).then(
        (answer) =>
          this.d.later('joined', async () => {
            this.inFlight.delete(n.key);
            if (answer.ok === true) {
              await this.d.store.updateNode(n.key, (x) => ({
                ...x,
                member: true,
                lastTaskMessage: `joined ${targetName}`,
              }));
              this.d.logger.info('node joined', { node: n.key, target: targetName });
            } else {
              await this.d.store.updateNode(n.key, (x) => ({
                ...x,
                lastTaskMessage: `join failed: ${String(answer.error)}`,
              }));
              this.d.logger.warn('join failed; will retry', { node: n.key, error: answer.error });
            }
          }),
        (err: Error) => {
          this.inFlight.delete(n.key);
          this.d.logger.warn('join did not complete; will retry', {
            node: n.key,
            error: err.message,
          });
        },
      );
    }
  }
}
