import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import {
  ConfigError,
  addSettingOptions,
  bool,
  durationMs,
  fileContents,
  json,
  loadSettings,
  port,
  printConfig,
  printConfigFormat,
  privateFileContents,
} from './index';
import type { SettingsTable } from './index';

const dir = mkdtempSync(join(tmpdir(), 'config-lib-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const TABLE = {
  name: {
    description: 'a name',
    schema: z.string().min(1),
    default: 'riak',
    env: 'T_NAME',
    flag: '--name <name>',
  },
  'api.port': {
    description: 'API port',
    schema: port,
    default: 9000,
    env: ['PORT2', 'T_API_PORT'],
    flag: '--api-port <port>',
  },
  'api.enabled': {
    description: 'serve the API',
    schema: bool,
    default: true,
    env: 'T_API',
    flag: '--no-api',
  },
  verbose: { description: 'talk more', schema: bool, default: false, flag: '--verbose' },
  timeoutMs: {
    description: 'a timeout',
    schema: durationMs(1, 60000),
    default: 5000,
    defaultText: '5s',
    env: 'T_TIMEOUT',
    flag: '--timeout <duration>',
  },
  hosts: {
    description: 'hosts',
    schema: z.array(z.object({ name: z.string(), port }).strict()),
    default: [],
    env: 'T_HOSTS',
    flag: '--hosts <json>',
    read: json,
  },
  token: {
    description: 'a token',
    schema: z.string().min(8, 'must be at least 8 characters').optional(),
    env: ['T_TOKEN', { name: 'T_TOKEN_FILE', read: fileContents('token file') }],
    flag: { flags: '--token-file <file>', read: fileContents('token file') },
    secret: true,
  },
  'limits.hard': { description: 'file only', schema: z.number(), default: 3 },
  hidden: { description: 'not in files', schema: z.string().optional(), file: false, env: 'T_H' },
} satisfies SettingsTable;

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

function program(table: SettingsTable = TABLE) {
  const cmd = new Command('t').exitOverride().configureOutput({ writeErr: () => undefined });
  return addSettingOptions(cmd, table, { configFile: true });
}

function flags(...argv: string[]) {
  return program().parse(argv, { from: 'user' }).opts();
}

describe('loadSettings', () => {
  it('gives defaults, nested by dotted name, each with origin default', () => {
    const r = loadSettings(TABLE, { env: {} });
    expect(r.config).toEqual({
      name: 'riak',
      api: { port: 9000, enabled: true },
      verbose: false,
      timeoutMs: 5000,
      hosts: [],
      limits: { hard: 3 },
    });
    expect(r.values.every((v) => v.origin.kind === 'default')).toBe(true);
    const typed: { api: { port: number; enabled: boolean }; token?: string } = r.config;
    expect(typed.token).toBeUndefined();
  });

  it('layers defaults < file < environment < flags and keeps the origin of each value', () => {
    const path = file('layers.json', { name: 'file', api: { port: 1000 }, limits: { hard: 7 } });
    const r = loadSettings(TABLE, {
      file: path,
      env: { T_NAME: ' env ', PORT2: '2000', T_API_PORT: '2001', T_TIMEOUT: '2s' },
      flags: flags('--timeout', '30s', '--verbose'),
    });
    expect(r.config).toMatchObject({
      name: 'env',
      api: { port: 2001, enabled: true },
      timeoutMs: 30000,
      verbose: true,
      limits: { hard: 7 },
    });
    const origin = (key: string) => r.values.find((v) => v.key === key)?.origin;
    expect(origin('name')).toEqual({ kind: 'env', name: 'T_NAME' });
    expect(origin('api.port')).toEqual({ kind: 'env', name: 'T_API_PORT' });
    expect(origin('timeoutMs')).toEqual({ kind: 'flag', flag: '--timeout' });
    expect(origin('verbose')).toEqual({ kind: 'flag', flag: '--verbose' });
    expect(origin('limits.hard')).toEqual({ kind: 'file', path });
    expect(origin('api.enabled')).toEqual({ kind: 'default' });
  });

  it('takes a negated flag only when given, and over the environment', () => {
    expect(flags().api).toBe(true); // commander's own default for --no-api
    expect(loadSettings(TABLE, { env: {}, flags: flags() }).config.api.enabled).toBe(true);
    const off = loadSettings(TABLE, { env: { T_API: 'yes' }, flags: flags('--no-api') });
    expect(off.config.api.enabled).toBe(false);
    expect(off.values.find((v) => v.key === 'api.enabled')?.origin).toEqual({
      kind: 'flag',
      flag: '--no-api',
    });
    expect(loadSettings(TABLE, { env: { T_API: 'off' } }).config.api.enabled).toBe(false);
  });

  it('ignores blank variables, and takes run-time defaults', () => {
    const r = loadSettings(TABLE, { env: { T_NAME: '  ' }, defaults: { name: 'host-1' } });
    expect(r.config.name).toBe('host-1');
  });

  it('reads JSON and files through readers; a later variable of the same setting wins', () => {
    const secret = file('token', 'sekrit-token\n');
    const r = loadSettings(TABLE, {
      env: { T_TOKEN: 'from-the-env', T_TOKEN_FILE: secret, T_HOSTS: '[{"name":"a","port":1}]' },
    });
    expect(r.config.token).toBe('sekrit-token');
    expect(r.config.hosts).toEqual([{ name: 'a', port: 1 }]);
  });

  it('names the setting, the problem and the origin of every bad value at once', () => {
    const path = file('bad.json', { api: { port: 'x' } });
    const msg = problem(() =>
      loadSettings(TABLE, {
        file: path,
        env: { T_TIMEOUT: 'soon', T_HOSTS: '[{"name":"a","port":1},{"name":"b","port":-1}]' },
        flags: flags('--name', ''),
      }),
    );
    expect(msg.split('\n')[0]).toBe('invalid configuration:');
    expect(msg).toContain(
      'name: Too small: expected string to have >=1 characters (from flag --name)',
    );
    expect(msg).toContain(`api.port: must be an integer (from config file ${path})`);
    expect(msg).toMatch(/timeoutMs: must be a duration.* \(from environment T_TIMEOUT\)/);
    expect(msg).toContain('hosts[1] (b).port: must be at least 0 (from environment T_HOSTS)');
  });

  it('reports what a reader refused, naming the source', () => {
    const msg = problem(() =>
      loadSettings(TABLE, {
        env: { T_HOSTS: '[{' },
        flags: flags('--token-file', join(dir, 'missing')),
      }),
    );
    expect(msg).toMatch(/hosts: environment T_HOSTS is not valid JSON: /);
    expect(msg).toMatch(
      /token: cannot read the token file .*missing \(flag --token-file\): ENOENT/,
    );
  });

  it('refuses unknown keys, leaves that should be objects, and settings not for files', () => {
    const path = file('typo.json', { nmae: 'x', api: { prot: 1 }, limits: 3, hidden: 'h' });
    const msg = problem(() => loadSettings(TABLE, { file: path, env: {} }));
    expect(msg).toContain(`unknown key 'nmae' (from config file ${path})`);
    expect(msg).toContain(`api: unknown key 'prot' (from config file ${path})`);
    expect(msg).toContain(`limits: must be an object (from config file ${path})`);
    expect(msg).toContain(`unknown key 'hidden'`);
  });

  it('refuses unreadable files, bad JSON and files that are not objects', () => {
    expect(problem(() => loadSettings(TABLE, { file: join(dir, 'nope.json') }))).toMatch(
      /^cannot read config file .*nope.json: ENOENT/,
    );
    expect(problem(() => loadSettings(TABLE, { file: file('b.json', '{"a":') }))).toMatch(
      /^config file .*b.json is not valid JSON/,
    );
    expect(problem(() => loadSettings(TABLE, { file: file('c.json', '[1]') }))).toMatch(
      /must hold a JSON object$/,
    );
  });
});

describe('printConfig', () => {
  const path = file('print.json', { limits: { hard: 4 } });
  const secret = file('token2', 'a-secret-token');
  const resolved = () =>
    loadSettings(TABLE, {
      file: path,
      env: { T_NAME: 'n1', T_TOKEN_FILE: secret },
      flags: flags('--api-port', '9100'),
    });

  it('prints every setting with its value and origin, secrets masked, as text', () => {
    const text = printConfig(resolved());
    expect(text).not.toContain('a-secret-token');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^setting\s+value\s+origin$/);
    expect(lines).toContainEqual(expect.stringMatching(/^name\s+"n1"\s+env:T_NAME$/));
    expect(lines).toContainEqual(expect.stringMatching(/^api\.port\s+9100\s+flag:--api-port$/));
    expect(lines).toContainEqual(expect.stringMatching(/^token\s+"\*{8}"\s+env:T_TOKEN_FILE$/));
    expect(lines).toContainEqual(expect.stringMatching(/^hidden\s+\(not set\)\s+default$/));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^limits\\.hard\\s+4\\s+file:${path}$`)),
    );
    expect(lines).toHaveLength(Object.keys(TABLE).length + 1);
  });

  it('prints the same as JSON', () => {
    const out = JSON.parse(printConfig(resolved(), 'json'));
    expect(out.name).toEqual({ value: 'n1', origin: 'env:T_NAME' });
    expect(out.token).toEqual({ value: '********', origin: 'env:T_TOKEN_FILE' });
    expect(out.hidden).toEqual({ origin: 'default' });
    expect(out['api.enabled']).toEqual({ value: true, origin: 'default' });
  });
});

describe('commander integration', () => {
  it('adds the flags with variables and defaults in their help, --config and --print-config', () => {
    const help = program().helpInformation();
    expect(help).toMatch(/-c, --config <file>/);
    expect(help).toMatch(/--api-port <port>\s+API port \(env PORT2, T_API_PORT; default 9000\)/);
    expect(help).toMatch(/--timeout <duration>\s+a timeout \(env T_TIMEOUT; default 5s\)/);
    expect(help).toMatch(/--print-config \[format\]/);
    expect(help).not.toMatch(/limits/);
  });

  it('says which --print-config format was asked for', () => {
    expect(printConfigFormat(flags())).toBeUndefined();
    expect(printConfigFormat(flags('--print-config'))).toBe('text');
    expect(printConfigFormat(flags('--print-config', 'json'))).toBe('json');
    expect(() => flags('--print-config', 'yaml')).toThrow(/Allowed choices are text, json/);
  });

  it('lets commander refuse a value outside the choices', () => {
    const table = {
      mode: {
        description: 'm',
        schema: z.enum(['a', 'b']),
        flag: '--mode <m>',
        choices: ['a', 'b'],
      },
    } satisfies SettingsTable;
    const cmd = program(table);
    expect(() => cmd.parse(['--mode', 'c'], { from: 'user' })).toThrow(/Allowed choices are a, b/);
  });
});

describe('privateFileContents', () => {
  it('reads a file only its owner may read, and refuses one open to others', () => {
    const read = privateFileContents('credentials file');
    const secret = file('private', 'u:p\n');
    chmodSync(secret, 0o600);
    expect(read(secret, 'flag --x')).toBe('u:p');
    chmodSync(secret, 0o644);
    expect(() => read(secret, 'flag --x')).toThrow(
      /credentials file .* \(flag --x\) is open to other users \(mode 0644\): .*chmod 600/,
    );
    expect(() => read(join(dir, 'missing'), 'env X')).toThrow(/cannot read the credentials file/);
  });
});
