import type { NodeDoc } from '../model';
import type { PlanStep } from './model';

/** What a step shows of its node, for the kinds of step that only follow their node. */
export type Seen = Pick<PlanStep, 'status' | 'message' | 'nextAttemptAt'>;

export function delayed(node: NodeDoc, now: number): Seen | undefined {
  if (node.state !== 'restarting' || !node.relaunchAfter) return undefined;
  if (Date.parse(node.relaunchAfter) <= now) return undefined;
  return {
    status: 'DELAYED',
    message: `relaunch after ${node.failures} failure(s) waits until ${node.relaunchAfter}`,
    nextAttemptAt: node.relaunchAfter,
  };
}

/** A deploy step: COMPLETE once its node runs and is a ring member. */
export function deployed(node: NodeDoc | undefined, now: number): Seen {
  if (!node || !node.wanted) return { status: 'COMPLETE', message: 'node no longer wanted' };
  switch (node.state) {
    case 'running':
      return node.member
        ? { status: 'COMPLETE', message: 'running, a ring member' }
        : { status: 'STARTED', message: 'running, joining the ring' };
    case 'requested':
      return { status: 'PREPARED', message: 'waiting for an offer that fits' };
    case 'reserving':
    case 'reserved':
      return {
        status: 'PREPARED',
        message: `reserving resources on ${node.hostname ?? node.agentId}`,
      };
    case 'failed':
      return {
        status: 'ERROR',
        message: `node failed: ${node.lastTaskMessage ?? 'no reason given'}`,
      };
    case 'restarting':
      return delayed(node, now) ?? { status: 'STARTING', message: 'relaunching' };
    default:
      return { status: 'STARTING', message: `node is ${node.state}` };
  }
}

/** A remove or destroy step: COMPLETE once its node and its resources are gone. */
export function removed(node: NodeDoc | undefined): Seen {
  if (!node) return { status: 'COMPLETE', message: 'removed; its reservation and volume released' };
  switch (node.state) {
    case 'running':
      return { status: 'PREPARED', message: 'about to leave the ring' };
    case 'leaving':
      return { status: 'STARTING', message: 'leaving the ring, handing off its data' };
    case 'shutting_down':
      return { status: 'STARTING', message: 'stopping' };
    case 'shut_down':
    case 'unreserving':
      return { status: 'STARTED', message: 'releasing its reservation and volume' };
    default:
      return { status: 'STARTING', message: `node is ${node.state}` };
  }
}
