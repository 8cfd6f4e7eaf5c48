import {
  authorize,
  executorCredential,
  hostAllowed,
  hostOf,
  randomSecret,
  verifyExecutorCredential,
} from './auth';

describe('executor credentials', () => {
  const key = randomSecret();

  it('are bound to the cluster and the key', () => {
    const c = executorCredential(key, 'alpha', 'riak-alpha-1.some-task');
    expect(c.startsWith('exec.riak-alpha-1.some-task.')).toBe(true);
    expect(verifyExecutorCredential(key, 'alpha', c)).toBe(true);
    expect(verifyExecutorCredential(key, 'beta', c)).toBe(false);
    expect(verifyExecutorCredential(randomSecret(), 'alpha', c)).toBe(false);
    expect(verifyExecutorCredential(key, 'alpha', `${c}x`)).toBe(false);
    expect(verifyExecutorCredential(key, 'alpha', c.replace('some-task', 'other-task'))).toBe(
      false,
    );
    expect(verifyExecutorCredential(key, 'alpha', 'exec.')).toBe(false);
  });

  it('allow only GET of their own cluster templates', () => {
    const auth = { token: 'operator-token', executorKey: key };
    const c = `Bearer ${executorCredential(key, 'alpha', 't1')}`;
    expect(authorize(auth, c, 'GET', '/clusters/alpha/config').ok).toBe(true);
    expect(authorize(auth, c, 'GET', '/clusters/alpha/advancedConfig').ok).toBe(true);
    for (const [method, path] of [
      ['GET', '/clusters/beta/config'],
      ['PUT', '/clusters/alpha/config'],
      ['GET', '/clusters/alpha'],
      ['GET', '/clusters/alpha/config/../nodes'],
    ])
      expect(authorize(auth, c, method, path)).toMatchObject({ ok: false, error: { status: 403 } });
  });
});

describe('operator credentials', () => {
  const auth = { token: 'operator-token', basic: 'ops:secret' };
  it('take the bearer token or the basic credentials, nothing else', () => {
    expect(authorize(auth, 'Bearer operator-token', 'DELETE', '/clusters/a').ok).toBe(true);
    const basic = `Basic ${Buffer.from('ops:secret').toString('base64')}`;
    expect(authorize(auth, basic, 'POST', '/clusters/a/nodes').ok).toBe(true);
    for (const h of [undefined, 'Bearer operator-tokeN', 'operator-token', 'Bearer ', 'Basic x'])
      expect(authorize(auth, h, 'GET', '/clusters')).toMatchObject({
        ok: false,
        error: { status: 401 },
      });
  });
});

describe('Host check', () => {
  it('reads the host of a Host header', () => {
    expect(hostOf('Example.COM:9090')).toBe('example.com');
    expect(hostOf('[::1]:9090')).toBe('::1');
    expect(hostOf('::1')).toBe('::1');
    expect(hostOf('10.0.0.1')).toBe('10.0.0.1');
  });

  it('passes IPs, localhost and the allowed names; refuses other names', () => {
    const allowed = ['sched.example', 'agent-1'];
    for (const h of [
      '127.0.0.1:9090',
      '[::1]:1',
      '10.1.2.3',
      'localhost:9090',
      'Agent-1:9090',
      'sched.example.',
    ])
      expect(hostAllowed(allowed, h)).toBe(true);
    for (const h of ['evil.example', 'localhost.evil.example', 'sched.example.evil', 'agent-10'])
      expect(hostAllowed(allowed, h)).toBe(false);
    expect(hostAllowed(['*'], 'anything.example')).toBe(true);
  });
});
