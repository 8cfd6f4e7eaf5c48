import { ConfigError, printConfig } from '@riak-mesos/config';
import { buildCommand, resolveSettings, settingsFrom } from './settings';

describe('executor settings', () => {
  it('has defaults and takes seconds and counts from the environment', () => {
    expect(settingsFrom({}, '/sb', '/beam')).toEqual({
      sandbox: '/sb',
      beamDir: '/beam',
      readyTimeoutMs: 120000,
      stopGraceMs: 30000,
      leaveTimeoutMs: 1800000,
      drainMs: 5000,
      replyTimeoutMs: 300000,
      zkSessionTimeoutMs: 15000,
      templateRetries: 4,
      epmdTransport: 'auto',
    });
    const s = settingsFrom(
      {
        RIAK_MESOS_READY_TIMEOUT: '2.5',
        RIAK_MESOS_TEMPLATE_RETRIES: '0',
        RIAK_MESOS_EPMD_TRANSPORT: 'net',
        RIAK_MESOS_LEAVE_TIMEOUT: '',
        RIAK_MESOS_DRAIN: '0.5',
      },
      '/sb',
      '/beam',
    );
    expect(s.readyTimeoutMs).toBe(2500);
    expect(s.templateRetries).toBe(0);
    expect(s.epmdTransport).toBe('net');
    expect(s.leaveTimeoutMs).toBe(1800000);
    expect(s.drainMs).toBe(500);
  });

  it('refuses values that are not numbers, naming the setting, the value and the variable', () => {
    expect(() => settingsFrom({ RIAK_MESOS_STOP_GRACE: 'soon' }, '/sb', '/b')).toThrow(ConfigError);
    expect(() => settingsFrom({ RIAK_MESOS_STOP_GRACE: 'soon' }, '/sb', '/b')).toThrow(
      "stopGraceMs: must be a number of seconds, got 'soon' (from environment RIAK_MESOS_STOP_GRACE)",
    );
    expect(() => settingsFrom({ RIAK_MESOS_TEMPLATE_RETRIES: 'many' }, '/sb', '/b')).toThrow(
      "templateRetries: must be a whole number, got 'many' (from environment RIAK_MESOS_TEMPLATE_RETRIES)",
    );
    expect(() => settingsFrom({ RIAK_MESOS_EPMD_TRANSPORT: 'fast' }, '/sb', '/b')).toThrow(
      "epmdTransport: must be auto, handle or net, got 'fast' (from environment RIAK_MESOS_EPMD_TRANSPORT)",
    );
  });

  it('reports every bad variable at once', () => {
    expect(() =>
      settingsFrom(
        { RIAK_MESOS_READY_TIMEOUT: '-1', RIAK_MESOS_TEMPLATE_RETRIES: '1.5' },
        '/sb',
        '/b',
      ),
    ).toThrow(
      /readyTimeoutMs: must be a number of seconds, got '-1'.*\n.*templateRetries: must be a whole number, got '1.5'/,
    );
  });

  it('keeps the origin of every value for --print-config', () => {
    const r = resolveSettings({ RIAK_MESOS_STOP_GRACE: '5' });
    const text = printConfig(r);
    expect(text).toMatch(/^stopGraceMs\s+5000\s+env:RIAK_MESOS_STOP_GRACE$/m);
    expect(text).toMatch(/^readyTimeoutMs\s+120000\s+default$/m);
    expect(buildCommand().helpInformation()).toMatch(/--print-config \[format\]/);
  });
});
