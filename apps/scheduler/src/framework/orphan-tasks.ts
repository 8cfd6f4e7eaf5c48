import type { TaskStatus } from '@riak-mesos/mesos';

/** A task of this framework that Mesos reports and no node record owns, as the operator sees it. */
export interface OrphanTask {
  taskId: string;
  agentId: string | undefined;
  executorId: string | undefined;
  state: string;
  message: string | undefined;
  firstSeen: string;
  lastSeen: string;
  killRequested: boolean;
}

/**
 * Tasks Mesos reports for this framework that no node record owns: after ZooKeeper was restored
 * from an older copy, say, they are Riak nodes still serving, whose records are gone. They are
 * kept running (stopping a ring member is never automatic), logged once and listed for the
 * operator (`GET /api/v1/debug/orphans`, `riak-mesos framework orphans`), who may kill one
 * (`DELETE /api/v1/debug/orphans/{task}`). In memory: reconciliation (at every start and
 * periodically) reports them again after a restart. A terminal update forgets one.
 */
export class OrphanTasks {
  private readonly byId = new Map<string, OrphanTask>();

  /** A status of a task no node owns; answers whether it is new (to log it once). */
  seen(s: TaskStatus, terminal: boolean, now = new Date()): boolean {
    const id = s.task_id.value;
    if (terminal) {
      this.byId.delete(id);
      return false;
    }
    const known = this.byId.get(id);
    const at = now.toISOString();
    this.byId.set(id, {
      taskId: id,
      agentId: s.agent_id?.value ?? known?.agentId,
      executorId: s.executor_id?.value ?? known?.executorId,
      state: s.state,
      message: s.message ?? known?.message,
      firstSeen: known?.firstSeen ?? at,
      lastSeen: at,
      killRequested: known?.killRequested ?? false,
    });
    return known === undefined;
  }

  /** A record now owns the task (e.g. its node was re-created): no longer an orphan. */
  owned(taskId: string): void {
    this.byId.delete(taskId);
  }

  list(): OrphanTask[] {
    return [...this.byId.values()].sort((a, b) => a.taskId.localeCompare(b.taskId));
  }

  get(taskId: string): OrphanTask | undefined {
    return this.byId.get(taskId);
  }

  /** The operator asked for a kill: marked, for the answer and the list. */
  markKill(taskId: string): OrphanTask | undefined {
    const o = this.byId.get(taskId);
    if (!o) return undefined;
    o.killRequested = true;
    return o;
  }
}
