import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeArgsBeside, runtimeEnvBeside, withRuntimeEnv } from './runtime-env';

describe("a service's runtime environment beside its bundle", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runtime-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const script = () => join(dir, 'main.js');
  const write = (text: string) => writeFileSync(join(dir, 'runtime-env.json'), text);

  it('is empty without a file', () => {
    expect(runtimeEnvBeside(script())).toEqual({});
    expect(withRuntimeEnv(script(), { A: '1' })).toEqual({ A: '1' });
  });

  it("adds its variables, keeping the environment's own", () => {
    write(
      JSON.stringify({ env: { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=33554432', X_Y: 'z' } }),
    );
    expect(withRuntimeEnv(script(), { X_Y: 'mine', PATH: '/bin' })).toEqual({
      GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=33554432',
      X_Y: 'mine',
      PATH: '/bin',
    });
  });

  it('gives the node flags this runtime takes, and leaves out, with a warning, one it refuses', () => {
    expect(nodeArgsBeside(script())).toEqual([]);
    write(JSON.stringify({ nodeArgs: ['--enable-source-maps', '--no-such-flag-in-any-node'] }));
    const warnings: string[] = [];
    expect(nodeArgsBeside(script(), (m) => warnings.push(m))).toEqual(['--enable-source-maps']);
    expect(warnings).toEqual([
      expect.stringMatching(/refuses --no-such-flag-in-any-node .*; starting without it/),
    ]);
    expect(runtimeEnvBeside(script())).toEqual({});
  });

  it('refuses a bad file, naming it and what is wrong', () => {
    write('{"env": ');
    expect(() => runtimeEnvBeside(script())).toThrow(/runtime-env\.json: not JSON/);
    write(JSON.stringify({ env: { 'lower-case': 'x' } }));
    expect(() => runtimeEnvBeside(script())).toThrow(/lower-case.*is not a variable name/);
    write(JSON.stringify({ env: { A: 'x"; rm -rf /' } }));
    expect(() => runtimeEnvBeside(script())).toThrow(/A has a character a launcher cannot quote/);
    write(JSON.stringify({ env: [] }));
    expect(() => runtimeEnvBeside(script())).toThrow(/env/);
    write(JSON.stringify({ nodeArgs: ['--x; rm -rf /'] }));
    expect(() => nodeArgsBeside(script())).toThrow(/nodeArgs\.0 is not a node flag/);
  });
});
