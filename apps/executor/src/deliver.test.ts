import { deliver } from './deliver';

describe('deliver', () => {
  it('tries again with growing waits until the send goes through', async () => {
    let calls = 0;
    const waits: number[] = [];
    const ok = await deliver(
      () => {
        calls++;
        return calls < 4 ? Promise.reject(new Error(`refused ${calls}`)) : Promise.resolve();
      },
      { deadlineMs: 5000, initialMs: 10, maxMs: 25, onRetry: (_e, _a, ms) => waits.push(ms) },
    );
    expect(ok).toBe(true);
    expect(calls).toBe(4);
    expect(waits).toEqual([10, 20, 25]);
  });

  it('gives up at the deadline without throwing, whatever the send throws', async () => {
    let calls = 0;
    const errors: string[] = [];
    const started = Date.now();
    const ok = await deliver(
      () => {
        calls++;
        if (calls % 2) throw new Error('thrown at once');
        return Promise.reject(new Error('rejected'));
      },
      { deadlineMs: 150, initialMs: 20, maxMs: 40, onRetry: (e) => errors.push(e.message) },
    );
    const took = Date.now() - started;
    expect(ok).toBe(false);
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(1000);
    expect(calls).toBeGreaterThan(2);
    expect(new Set(errors)).toEqual(new Set(['thrown at once', 'rejected']));
  });
});
