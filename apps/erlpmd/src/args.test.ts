import { printConfig } from '@riak-mesos/config';
import { normalizeArgs, parseOptions, resolveOptions } from './args';

describe('erlpmd arguments', () => {
  it('accepts epmd-style single-dash flags', () => {
    expect(normalizeArgs(['-port', '4370', '-relaxed_command_check', '-names', 'x'])).toEqual([
      '--port',
      '4370',
      '--relaxed-command-check',
      '--names',
      'x',
    ]);
    const o = parseOptions([
      '-port',
      '4370',
      '-address',
      '127.0.0.1,::1',
      '-relaxed_command_check',
    ]);
    expect(o).toMatchObject({
      port: 4370,
      address: ['127.0.0.1', '::1'],
      relaxedCommandCheck: true,
      transport: 'auto',
    });
    expect(parseOptions(['-transport', 'net']).transport).toBe('net');
  });

  it('listens on loopback only unless told otherwise, and reads the environment', () => {
    const saved = { ...process.env };
    try {
      delete process.env.ERL_EPMD_ADDRESS;
      process.env.ERL_EPMD_PORT = '5000';
      expect(parseOptions([])).toMatchObject({
        port: 5000,
        address: ['127.0.0.1'],
        relaxedCommandCheck: false,
      });
      process.env.ERL_EPMD_ADDRESS = '0.0.0.0';
      expect(parseOptions([]).address).toEqual(['0.0.0.0']);
    } finally {
      process.env = saved;
    }
  });

  it('rejects bad values', () => {
    expect(() => parseOptions(['-port', 'x'])).toThrow(
      "port: must be 0-65535, got 'x' (from flag --port)",
    );
    expect(() => parseOptions(['-port', '70000'])).toThrow(/port: must be 0-65535, got '70000'/);
    expect(() => parseOptions(['-address', 'example.com'])).toThrow(
      "address: takes IP addresses, got 'example.com' (from flag --address)",
    );
    expect(() => parseOptions([], { ERLPMD_TRANSPORT: 'fast', ERL_EPMD_PORT: '-1' })).toThrow(
      /transport: must be auto, handle or net, got 'fast' \(from environment ERLPMD_TRANSPORT\)/,
    );
    expect(() => parseOptions(['-transport', 'fast'])).toThrow(
      /Allowed choices are auto, handle, net/,
    );
  });

  it('layers flags over ERL_EPMD_* over defaults, keeping origins for --print-config', () => {
    const env = { ERL_EPMD_PORT: '5000', ERL_EPMD_RELAXED_COMMAND_CHECK: 'anything' };
    const p = resolveOptions(['-port', '5001', '-zk', 'z:2181', '--print-config'], env);
    expect(p.options).toMatchObject({ port: 5001, relaxedCommandCheck: true, zk: 'z:2181' });
    expect(p.printConfig).toBe('text');
    const text = printConfig(p.resolved);
    expect(text).toMatch(/^port\s+5001\s+flag:--port$/m);
    expect(text).toMatch(/^relaxedCommandCheck\s+true\s+env:ERL_EPMD_RELAXED_COMMAND_CHECK$/m);
    expect(text).toMatch(/^address\s+\["127\.0\.0\.1"\]\s+default$/m);
    expect(parseOptions([], { ERL_EPMD_PORT: '5000' }).port).toBe(5000);
    expect(resolveOptions([], {}).printConfig).toBeUndefined();
  });
});
