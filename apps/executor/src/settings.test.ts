import { settingsFrom } from './settings';

describe('executor settings', () => {
  it('has defaults and takes seconds and counts from the environment', () => {
    expect(settingsFrom({}, '/sb', '/beam')).toEqual({
      sandbox: '/sb',
      beamDir: '/beam',
      readyTimeoutMs: 120000,
      stopGraceMs: 30000,
      leaveTimeoutMs: 1800000,
      zkSessionTimeoutMs: 15000,
      templateRetries: 4,
      epmdTransport: 'auto',
    });
    const s = settingsFrom(
      {
        RIAK_MESOS_READY_TIMEOUT: '2.5',
        RIAK_MESOS_TEMPLATE_RETRIES: '0',
        RIAK_MESOS_EPMD_TRANSPORT: 'net',
      },
      '/sb',
      '/beam',
    );
    expect(s.readyTimeoutMs).toBe(2500);
    expect(s.templateRetries).toBe(0);
    expect(s.epmdTransport).toBe('net');
  });

  it('refuses values that are not numbers, naming the variable', () => {
    expect(() => settingsFrom({ RIAK_MESOS_STOP_GRACE: 'soon' }, '/sb', '/b')).toThrow(
      /RIAK_MESOS_STOP_GRACE must be a number of seconds, got 'soon'/,
    );
    expect(() => settingsFrom({ RIAK_MESOS_TEMPLATE_RETRIES: 'many' }, '/sb', '/b')).toThrow(
      /RIAK_MESOS_TEMPLATE_RETRIES must be a whole number, got 'many'/,
    );
    expect(() => settingsFrom({ RIAK_MESOS_EPMD_TRANSPORT: 'fast' }, '/sb', '/b')).toThrow(
      /RIAK_MESOS_EPMD_TRANSPORT must be auto, handle or net, got 'fast'/,
    );
  });
});
