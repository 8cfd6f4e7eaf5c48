import { Writable } from 'node:stream';
import { transports } from 'winston';
import { createLogger, resolveLogFormat, resolveLogLevel } from './logger';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString().trim());
      cb();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes structured JSON with the component and metadata', () => {
    const { lines, stream } = capture();
    const log = createLogger('scheduler', {
      level: 'info',
      format: 'json',
      transports: [new transports.Stream({ stream })],
    });
    log.info('offer accepted', { offerId: 'o-1' });
    log.debug('not shown');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({
      component: 'scheduler',
      level: 'info',
      message: 'offer accepted',
      offerId: 'o-1',
    });
    expect(typeof line.timestamp).toBe('string');
  });

  it('keeps error stacks', () => {
    const { lines, stream } = capture();
    const log = createLogger('x', {
      level: 'info',
      format: 'json',
      transports: [new transports.Stream({ stream })],
    });
    log.error('failed', new Error('boom'));
    expect(lines[0]).toContain('boom');
  });

  it('writes readable text in pretty mode', () => {
    const { lines, stream } = capture();
    const log = createLogger('director', {
      level: 'info',
      format: 'pretty',
      transports: [new transports.Stream({ stream })],
    });
    log.warn('backend down', { backend: 'a:1' });
    expect(lines[0]).toMatch(/\[director\] backend down \{"backend":"a:1"\}/);
  });
});

describe('environment', () => {
  it('reads LOG_LEVEL and rejects unknown levels', () => {
    expect(resolveLogLevel({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(resolveLogLevel({})).toBe('info');
    expect(() => resolveLogLevel({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });

  it('chooses JSON in production and off a terminal', () => {
    expect(resolveLogFormat({ NODE_ENV: 'production' }, true)).toBe('json');
    expect(resolveLogFormat({}, true)).toBe('pretty');
    expect(resolveLogFormat({}, false)).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => resolveLogFormat({ LOG_FORMAT: 'xml' }, false)).toThrow(/LOG_FORMAT/);
  });
});
