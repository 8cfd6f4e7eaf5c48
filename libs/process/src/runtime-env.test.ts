import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startupBeside } from './runtime-env';

describe("a service's runtime environment beside its bundle", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runtime-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const script = () => join(dir, 'main.js');
  const write = (text: string) => writeFileSync(join(dir, 'runtime-env.json'), text);
  const warnings: string[] = [];
  const startup = (env: NodeJS.ProcessEnv = {}) =>
    startupBeside(script(), env, (m) => warnings.push(m));
  beforeEach(() => warnings.splice(0));

  it('changes nothing without a file', () => {
    expect(startup({ A: '1' })).toEqual({ env: { A: '1' }, nodeArgs: [] });
  });

  it("adds its variables, keeping the environment's own, and does not change the one given", () => {
    write(
      JSON.stringify({ env: { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=33554432', X_Y: 'z' } }),
    );
    const given = { X_Y: 'mine', PATH: '/bin' };
    expect(startup(given).env).toEqual({
      GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=33554432',
      X_Y: 'mine',
      PATH: '/bin',
    });
    expect(given).toEqual({ X_Y: 'mine', PATH: '/bin' });
  });

  it('gives the node flags this runtime takes, and leaves out, with a warning, one it refuses', () => {
    write(JSON.stringify({ nodeArgs: ['--enable-source-maps', '--no-such-flag-in-any-node'] }));
    expect(startup()).toEqual({ env: {}, nodeArgs: ['--enable-source-maps'] });
    expect(warnings).toEqual([
      expect.stringMatching(/refuses --no-such-flag-in-any-node .*; starting without it/),
    ]);
    // Tried once per runtime and flag; the warning comes with every start.
    expect(startup().nodeArgs).toEqual(['--enable-source-maps']);
    expect(warnings).toHaveLength(2);
  });

  it('refuses a bad file, naming it and what is wrong', () => {
    write('{"env": ');
    expect(() => startup()).toThrow(/runtime-env\.json: not JSON/);
    write(JSON.stringify({ env: { 'lower-case': 'x' } }));
    expect(() => startup()).toThrow(/lower-case.*is not a variable name/);
    write(JSON.stringify({ env: { A: 'x"; rm -rf /' } }));
    expect(() => startup()).toThrow(/A has a character a launcher cannot quote/);
    write(JSON.stringify({ env: [] }));
    expect(() => startup()).toThrow(/env/);
    write(JSON.stringify({ nodeArgs: ['--x; rm -rf /'] }));
    expect(() => startup()).toThrow(/nodeArgs\.0 is not a node flag/);
  });
});
