import { Command } from 'commander';
import { addSettingOptions } from './commander';
import { RELEASE_VERSION, versionText } from './version';

describe('--version', () => {
  it('names the program, the release and the runtime', () => {
    expect(versionText('riak-mesos-executor')).toBe(
      `riak-mesos-executor ${RELEASE_VERSION} (Node.js ${process.version}, ${process.platform}-${process.arch})`,
    );
  });

  it('runs from the sources without a bundle’s release', () => {
    expect(RELEASE_VERSION).toBe('source');
  });

  it('is an option of every program built with addSettingOptions', () => {
    let out = '';
    const command = addSettingOptions(new Command('erlpmd'), {})
      .exitOverride()
      .configureOutput({ writeOut: (s) => (out += s) });
    expect(() => command.parse(['--version'], { from: 'user' })).toThrow(
      expect.objectContaining({ code: 'commander.version', exitCode: 0 }),
    );
    expect(out).toBe(`${versionText('erlpmd')}\n`);
  });
});
