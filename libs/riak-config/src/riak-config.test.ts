import {
  CONTROLLED_HEADER,
  DEFAULT_TEMPLATES,
  SAMPLE_VARS,
  TemplateError,
  applyControlledSettings,
  controlledSettings,
  convertGoTemplates,
  parseErlangTerms,
  parseRiakConf,
  render,
  renderAdvancedConfig,
  renderRiakConf,
  serializeRiakConf,
  templateSetsKey,
  validateAdvancedConfigTemplate,
  validateRiakConfTemplate,
} from './index';

const node = {
  nodename: 'riak-default-1@h',
  dataDir: '../../data',
  bindAddress: '0.0.0.0',
  httpPort: 8098,
  pbPort: 8087,
  handoffPort: 8099,
  disterlPort: 8100,
};

describe("the original's Go-template conversion", () => {
  it.each([
    ['{{.FooBarBaz}}', '{{foobarbaz}}'],
    ['{{{.FooBarBaz}}}', '{ {{foobarbaz}} }'],
    ['{cepmd_port, {{.CEPMDPort}}}', '{cepmd_port, {{cepmdport}} }'],
    ['nodename = {{.FullyQualifiedNodeName}}', 'nodename = {{fullyqualifiednodename}}'],
    [
      'listener.http.internal = 0.0.0.0:{{.HTTPPort}}',
      'listener.http.internal = 0.0.0.0:{{httpport}}',
    ],
  ])('%s -> %s', (input, output) => {
    expect(convertGoTemplates(input)).toBe(output);
    expect(convertGoTemplates(output)).toBe(output); // idempotent
  });

  it('leaves Mustache variables alone', () => {
    expect(convertGoTemplates('{{foobarbaz}} and { {{foobarbaz}} }')).toBe(
      '{{foobarbaz}} and { {{foobarbaz}} }',
    );
  });
});

describe('rendering', () => {
  it('substitutes both forms without HTML escaping', () => {
    expect(
      render('a = {{httpport}}\nb = {{.PBPort}}\nc = {{cookie}}', {
        httpport: 1,
        pbport: 2,
        cookie: 'x&<y>"z',
      }),
    ).toBe('a = 1\nb = 2\nc = x&<y>"z');
  });

  it('names an unknown variable and its line', () => {
    const t = 'ring_size = 64\n\nlistener.http.internal = 0.0.0.0:{{htpport}}\n';
    expect(() => validateRiakConfTemplate(t)).toThrow(TemplateError);
    try {
      validateRiakConfTemplate(t);
    } catch (err) {
      expect(err).toMatchObject({ line: 3, column: 34, variable: 'htpport' });
      expect((err as Error).message).toMatch(/line 3, column 34: unknown variable 'htpport'/);
    }
    expect(() => validateRiakConfTemplate('x = {{.NoSuchThing}}')).toThrow(
      /unknown variable 'nosuchthing'/,
    );
  });

  it('rejects sections, partials, unclosed tags and bad names', () => {
    expect(() => validateRiakConfTemplate('{{#list}}x{{/list}}')).toThrow(
      /only substitute variables/,
    );
    expect(() => validateRiakConfTemplate('a = {{httpport')).toThrow(/never closed/);
    expect(() => validateRiakConfTemplate('a = {{HTTP Port}}')).toThrow(/not a variable name/);
  });
});

describe('riak.conf', () => {
  const text =
    '# comment\nring_size = 64\n\nnodename = old@h\nsearch = off\nnodename = again@h\nweird.key = a = b\n';

  it('round-trips comments, blank lines and order', () => {
    expect(serializeRiakConf(parseRiakConf(text))).toBe(text);
  });

  it('applies the controlled settings in place, once each, adding the missing ones under a header', () => {
    const out = serializeRiakConf(
      applyControlledSettings(parseRiakConf(text), controlledSettings(node)),
    );
    const lines = out.split('\n');
    expect(lines.filter((l) => l.startsWith('nodename'))).toEqual(['nodename = riak-default-1@h']);
    expect(lines.indexOf('nodename = riak-default-1@h')).toBe(3);
    expect(out).toContain(
      `${CONTROLLED_HEADER}\nplatform_data_dir = ../../data\nlistener.http.internal = 0.0.0.0:8098`,
    );
    expect(out).toContain(
      'erlang.distribution.port_range.minimum = 8100\nerlang.distribution.port_range.maximum = 8100',
    );
    expect(out).toContain('weird.key = a = b');
  });

  it('tells whether a template sets a key itself, ignoring comments and longer keys', () => {
    const t = '# distributed_cookie = commented\nring_size = 64\n  distributed_cookie = ours\n';
    expect(templateSetsKey(t, 'distributed_cookie')).toBe(true);
    expect(templateSetsKey('# distributed_cookie = x\n', 'distributed_cookie')).toBe(false);
    expect(templateSetsKey('distributed_cookie_x = y\n', 'distributed_cookie')).toBe(false);
    expect(templateSetsKey('listener.http.internal = a:1\n', 'listener.http.internal')).toBe(true);
    expect(templateSetsKey('listenerXhttp.internal = a:1\n', 'listener.http.internal')).toBe(false);
  });

  it('reports malformed lines with their number', () => {
    expect(() => parseRiakConf('a = 1\nthis is not a setting\n')).toThrow(
      /line 2, column 1: expected 'key = value'/,
    );
    expect(() => parseRiakConf('bad key! = 1')).toThrow(/not a valid riak.conf key/);
    expect(() => parseRiakConf('key =')).toThrow(/'key' has no value/);
  });

  it('renders a node riak.conf from a template', () => {
    const out = renderRiakConf(
      'ring_size = 64\nlistener.http.internal = 127.0.0.1:1\n## cluster {{clustername}}\n',
      { ...SAMPLE_VARS, clustername: 'prod' },
      node,
    );
    expect(out).toContain('listener.http.internal = 0.0.0.0:8098');
    expect(out).toContain('## cluster prod');
  });
});

describe('Erlang terms and advanced.config', () => {
  it('parses config terms', () => {
    const [t] = parseErlangTerms(`%% comment
[{riak_kv, [{storage_backend, riak_kv_bitcask_backend}, {n, -3}, {f, 1.5e3}, {b, <<"bin">>}, {bytes, <<1,2,255>>},
 {'quoted atom', "str" "ing"}, {hex, 16#ff}, {ch, $a}, {m, #{a => 1}}, {improper, [a|b]}, {empty, {}}]}].`);
    expect(t).toMatchObject({ type: 'list' });
    const kv = (t as { items: { items: unknown[] }[] }).items[0].items[1] as {
      items: { items: { type: string; value: unknown }[] }[];
    };
    const byKey = Object.fromEntries(
      kv.items.map((x) => [(x.items[0] as { value: string }).value, x.items[1]]),
    );
    expect(byKey.n).toEqual({ type: 'integer', value: -3n });
    expect(byKey.hex).toEqual({ type: 'integer', value: 255n });
    expect(byKey.ch).toEqual({ type: 'integer', value: 97n });
    expect(byKey['quoted atom']).toEqual({ type: 'string', value: 'string' });
    expect(byKey.bytes).toEqual({ type: 'binary', value: [1, 2, 255] });
  });

  it.each([
    ['[{riak_kv, [{a, 1}]}]', /expected '\.', found 'end of file'/],
    ['[{riak_kv, [{a, 1}]].', /line 1, column 20: expected '}', found '\]'/],
    ['[{riak_kv, [{a, X}]}].', /variables are not allowed/],
    ['[{riak_kv, [{a, "open}]}].', /unterminated string/],
    ['[{riak_kv, [{a, 1}]}].\n[].', /exactly one term/],
    ['{riak_kv, []}.', /must be a list/],
    ['[{"riak_kv", []}].', /item 1 of advanced.config/],
    ['[{riak_kv, [{a, <<300>>}]}].', /a byte \(0-255\)/],
  ])('rejects %j with the position', (input, message) => {
    expect(() => validateAdvancedConfigTemplate(input)).toThrow(message);
  });

  it('renders the original advanced.config with the EPMD port (no space games needed)', () => {
    const out = renderAdvancedConfig('[{kernel, [{cepmd_port, {{.CEPMDPort}}}]}].', {
      cepmdport: 0,
    });
    expect(out).toBe('[{kernel, [{cepmd_port, 0 }]}].');
  });
});

describe('default templates', () => {
  it.each(Object.keys(DEFAULT_TEMPLATES))('%s validates and renders', (version) => {
    const d = DEFAULT_TEMPLATES[version];
    validateRiakConfTemplate(d.riakConf);
    validateAdvancedConfigTemplate(d.advancedConfig);
    const conf = renderRiakConf(d.riakConf, SAMPLE_VARS, node);
    expect(conf.match(/^nodename = /gm)).toHaveLength(1);
    expect(renderAdvancedConfig(d.advancedConfig, SAMPLE_VARS)).toContain('{cepmd_port, 31005}');
  });
});

describe("riak.conf's include lines (Riak 3.x ends its riak.conf with one)", () => {
  const conf = `nodename = riak@127.0.0.1
listener.http.internal = 127.0.0.1:8098
include conf.d/*.conf
`;

  it('keeps the include and puts the controlled settings after it, so no included file overrides them', () => {
    const out = renderRiakConf(conf, SAMPLE_VARS, {
      nodename: 'n1@10.0.0.1',
      dataDir: '/v/riak',
      bindAddress: '10.0.0.1',
      httpPort: 1,
      pbPort: 2,
      handoffPort: 3,
      disterlPort: 4,
      clusterManager: '10.0.0.1:6',
    });
    const lines = out.trim().split('\n');
    const include = lines.indexOf('include conf.d/*.conf');
    expect(include).toBeGreaterThanOrEqual(0);
    expect(lines.filter((l) => l.startsWith('nodename'))).toEqual(['nodename = n1@10.0.0.1']);
    expect(lines.indexOf('nodename = n1@10.0.0.1')).toBeGreaterThan(include);
    expect(lines).toContain('mdc.cluster_manager = 10.0.0.1:6');
    expect(lines).toContain('listener.http.internal = 10.0.0.1:1');
  });

  it('still refuses a line that is neither', () => {
    expect(() => parseRiakConf('include\n')).toThrow(/expected 'key = value'/);
  });
});
