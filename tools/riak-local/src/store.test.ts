import { mkdtempSync, readFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredObject } from './store';
import { ObjectStore, descends, merge } from './store';

const obj = (
  value: string,
  vclock: Record<string, number>,
  ts: number,
  deleted = false,
): StoredObject => ({
  value: Buffer.from(value).toString('base64'),
  contentType: 'text/plain',
  vclock,
  ts,
  deleted,
});

describe('version merging', () => {
  it('keeps the descendant, and the later of concurrent writes with both clocks', () => {
    const older = obj('1', { a: 1 }, 100);
    const newer = obj('2', { a: 2 }, 50);
    expect(descends(newer.vclock, older.vclock)).toBe(true);
    expect(merge(older, newer)).toBe(newer);
    expect(merge(newer, older)).toBe(newer);
    const x = obj('x', { a: 1 }, 200);
    const y = obj('y', { b: 1 }, 300);
    const m = merge(x, y)!;
    expect(Buffer.from(m.value, 'base64').toString()).toBe('y');
    expect(m.vclock).toEqual({ a: 1, b: 1 });
    expect(merge(y, x)).toEqual(m);
  });
});

describe('ObjectStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riak-local-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart, ignores a torn last line, and compacts', async () => {
    const s = new ObjectStore(dir);
    await s.open();
    await Promise.all([
      s.merge('k1', obj('one', { a: 1 }, 1)),
      s.merge('k2', obj('two', { a: 1 }, 1)),
      s.merge('k1', obj('uno', { a: 2 }, 2)),
    ]);
    await s.close();
    appendFileSync(join(dir, 'kv.log'), '{"id":"k3","o":{"val');
    const again = new ObjectStore(dir);
    await again.open();
    expect(again.size).toBe(2);
    expect(Buffer.from(again.get('k1')!.value, 'base64').toString()).toBe('uno');
    expect(readFileSync(join(dir, 'kv.log'), 'utf8').trim().split('\n')).toHaveLength(2);
    await again.close();
  });
});
