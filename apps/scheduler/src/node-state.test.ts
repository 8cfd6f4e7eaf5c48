import {
  NODE_STATES,
  assertTransition,
  canTransition,
  hasTask,
  InvalidTransitionError,
} from './node-state';

describe('node state machine', () => {
  it('allows the normal life of a node', () => {
    const path = [
      'requested',
      'reserving',
      'reserved',
      'launching',
      'starting',
      'running',
      'leaving',
      'shutting_down',
      'shut_down',
      'unreserving',
    ] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1], path[i])).toBe(true);
  });

  it('allows relaunch after a failure and after a restart', () => {
    expect(canTransition('running', 'restarting')).toBe(true);
    expect(canTransition('restarting', 'launching')).toBe(true);
    expect(canTransition('starting', 'restarting')).toBe(true);
  });

  it('refuses shortcuts that would skip persisting a step', () => {
    expect(canTransition('requested', 'launching')).toBe(false);
    expect(canTransition('requested', 'running')).toBe(false);
    expect(canTransition('reserving', 'launching')).toBe(false);
    expect(() => assertTransition('unreserving', 'running')).toThrow(InvalidTransitionError);
    expect(() => assertTransition('unreserving', 'running')).toThrow(
      'a node cannot go from unreserving to running',
    );
  });

  it('every state has a way out except by design', () => {
    for (const s of NODE_STATES) {
      const outs = NODE_STATES.filter((t) => t !== s && canTransition(s, t));
      expect(outs.length).toBeGreaterThan(0);
    }
    expect(hasTask('running')).toBe(true);
    expect(hasTask('reserved')).toBe(false);
  });
});
