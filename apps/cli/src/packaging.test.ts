import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { parseConstraints } from '@riak-mesos/placement';
import { loadCliConfig } from './config';
import { directorApp, schedulerApp } from './marathon';

const docker = join(__dirname, '..', '..', '..', 'docker');
const read = (...p: string[]) => readFileSync(join(docker, ...p), 'utf8');

describe('docker/marathon', () => {
  const config = loadCliConfig({ config: join(docker, 'marathon', 'cli-config.example.json') }, {});

  it('holds the app definitions the CLI installs for the example config', () => {
    expect(JSON.parse(read('marathon', 'scheduler.json'))).toEqual(schedulerApp(config));
    expect(JSON.parse(read('marathon', 'director-default.json'))).toEqual(
      directorApp(config, 'default'),
    );
  });
});

describe('docker/dcos', () => {
  type Schema = { properties?: Record<string, Schema>; default?: unknown };
  const defaults = (s: Schema): unknown =>
    s.properties
      ? Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, defaults(v)]))
      : s.default;

  it('renders to a valid Marathon app with the constraints in both forms', () => {
    const schema = JSON.parse(read('dcos', 'config.json')) as Schema;
    const options = defaults(schema) as Record<string, Record<string, unknown>>;
    options.resources = {
      scheduler: 'https://pkgs/s.tar.gz',
      executor: 'https://pkgs/e.tar.gz',
      'riak-kv-3': 'https://pkgs/riak3.tar.gz',
    };
    const app = JSON.parse(Mustache.render(read('dcos', 'marathon.json.mustache'), options)) as {
      constraints: string[][];
      env: Record<string, string>;
    };
    expect(app.constraints).toEqual([['hostname', 'UNIQUE']]);
    // Mustache HTML-escapes the quoted form, as DC/OS does; the scheduler takes it as it comes.
    expect(app.env.RIAK_MESOS_CONSTRAINTS).toContain('&quot;');
    expect(parseConstraints(app.env.RIAK_MESOS_CONSTRAINTS)).toEqual(
      parseConstraints(app.constraints),
    );
    expect(JSON.parse(app.env.RIAK_MESOS_RESOURCE_URLS)).toEqual({
      executor: 'https://pkgs/e.tar.gz',
      'riak-kv-3': 'https://pkgs/riak3.tar.gz',
    });
  });

  it('serves the API over https with tls-cert and tls-key (HTTPS health check)', () => {
    const schema = JSON.parse(read('dcos', 'config.json')) as Schema;
    const options = defaults(schema) as Record<string, Record<string, unknown>>;
    options.resources = { scheduler: 'https://pkgs/s.tar.gz', executor: 'https://pkgs/e.tar.gz' };
    const render = () =>
      JSON.parse(Mustache.render(read('dcos', 'marathon.json.mustache'), options)) as {
        env: Record<string, string>;
        healthChecks: { protocol: string }[];
      };
    expect(render().healthChecks[0].protocol).toBe('HTTP');
    expect(render().env.RIAK_MESOS_TLS_CERT).toBe('');
    options.framework = { ...options.framework, 'tls-cert': '/tls/s.pem', 'tls-key': '/tls/s.key' };
    const app = render();
    expect(app.healthChecks[0].protocol).toBe('HTTPS');
    expect(app.env).toMatchObject({
      RIAK_MESOS_TLS_CERT: '/tls/s.pem',
      RIAK_MESOS_TLS_KEY: '/tls/s.key',
    });
  });
});
