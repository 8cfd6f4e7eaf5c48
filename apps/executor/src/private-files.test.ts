import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@riak-mesos/testing';
import { privateDir, restrictTree, writePrivateFile } from './private-files';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('private files', () => {
  it('writes a new file and rewrites an open one as 0600, whatever the umask', async () => {
    const dir = await tempDir('private-files');
    const before = process.umask(0o000);
    try {
      writePrivateFile(join(dir, 'new.conf'), 'distributed_cookie = a\n');
      const open = join(dir, 'riak.conf');
      writeFileSync(open, 'distributed_cookie = riak\n', { mode: 0o666 });
      expect(mode(open)).toBe(0o666);
      writePrivateFile(open, 'distributed_cookie = b\n');
      expect(mode(join(dir, 'new.conf'))).toBe(0o600);
      expect(mode(open)).toBe(0o600);
      expect(readFileSync(open, 'utf8')).toBe('distributed_cookie = b\n');
    } finally {
      process.umask(before);
    }
  });

  it('restricts a directory tree: directories 0700, files 0600', async () => {
    const dir = await tempDir('private-tree');
    const gen = join(dir, 'generated.conf');
    privateDir(gen);
    expect(mode(gen)).toBe(0o700);
    mkdirSync(join(gen, 'sub'), { mode: 0o755 });
    writeFileSync(join(gen, 'vm.1.args'), '-setcookie x\n', { mode: 0o644 });
    writeFileSync(join(gen, 'sub', 'app.1.config'), '[].\n', { mode: 0o644 });
    restrictTree(gen);
    expect([gen, join(gen, 'sub')].map(mode)).toEqual([0o700, 0o700]);
    expect([join(gen, 'vm.1.args'), join(gen, 'sub', 'app.1.config')].map(mode)).toEqual([
      0o600, 0o600,
    ]);
  });
});
