import { normalizeArgs, parseOptions } from './args';

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
    expect(() => parseOptions(['-port', 'x'])).toThrow(/-port must be/);
    expect(() => parseOptions(['-address', 'example.com'])).toThrow(/IP addresses/);
    expect(() => parseOptions(['-transport', 'fast'])).toThrow(
      /Allowed choices are auto, handle, net/,
    );
  });
});
