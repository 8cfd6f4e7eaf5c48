import {
  applyAdvancedSettings,
  formatErlangTerm,
  int,
  mergeAdvancedConfig,
  str,
  tuple,
} from './advanced-config';
import { parseErlangTerms } from './erlang-terms';

/** riak_core's part of Riak KV 3.2's own etc/advanced.config, comments and all. */
const RIAK_3_2 = `[
 {riak_core,
  [
   %% The cluster manager will listen for connections from remote
   %% clusters on this ip and port.
   {cluster_mgr, {"127.0.0.1", 9080 } },
   {schema_dirs, ["./lib/../share/schema"]}
  ]},
 {riak_repl, [{data_root, "./data/riak_repl"}, {rtq_max_bytes, 104857600}]},
 {setup, [{home, "./data/setup"}]}
].
`;

describe('advanced.config edits', () => {
  it('writes terms back as file:consult reads them', () => {
    const src = `[{app, [{'quoted atom', <<"bin">>}, {s, "a\\"b\\n"}, {f, 1.5}, {n, -3}, {l, []}, {m, #{k => v}}, {'end', x}]}].`;
    const [term] = parseErlangTerms(src);
    expect(parseErlangTerms(`${formatErlangTerm(term)}.`)).toEqual([term]);
  });

  it("moves the cluster manager to the node's address and adds vm_args, keeping the rest", () => {
    const out = applyAdvancedSettings(RIAK_3_2, {
      vmArgs: [
        ['-start_epmd', 'false'],
        ['-epmd_module', 'riak_mesos_epmd'],
      ],
      set: [{ app: 'riak_core', key: 'cluster_mgr', value: tuple(str('127.0.0.3'), int(31011)) }],
    });
    const [after] = parseErlangTerms(out);
    const [before] = parseErlangTerms(RIAK_3_2);
    const apps = (t: typeof after) =>
      t.type === 'list' ? t.items.map((i) => (i.type === 'tuple' ? i.items[0] : i)) : [];
    expect(apps(after)).toEqual([...apps(before), { type: 'atom', value: 'vm_args' }]);
    expect(out).toContain('{cluster_mgr, {"127.0.0.3", 31011}}');
    expect(out).not.toContain('9080');
    expect(out).toContain('{schema_dirs, ["./lib/../share/schema"]}');
    expect(out).toContain('{"-start_epmd", "false"}');
    expect(out).toContain('{"-epmd_module", "riak_mesos_epmd"}');
  });

  it('replaces settings already there instead of adding them twice', () => {
    const once = applyAdvancedSettings('[{vm_args, [{"-start_epmd", "true"}]}].', {
      vmArgs: [['-start_epmd', 'false']],
    });
    expect(once.match(/-start_epmd/g)).toHaveLength(1);
    expect(once).toContain('{"-start_epmd", "false"}');
    expect(applyAdvancedSettings('', { vmArgs: [['-x', 'y']] })).toContain('{vm_args, [');
  });

  it('refuses a file that is not an advanced.config', () => {
    expect(() => applyAdvancedSettings('{riak_core, []}.', {})).toThrow(/must be a list/);
  });
});

describe("a cluster's template over the package's advanced.config", () => {
  it("keeps the package's settings (Riak 3.2 cannot start without schema_dirs) and lets the template win", () => {
    const out = mergeAdvancedConfig(
      RIAK_3_2,
      '[{riak_core, [{vnode_inactivity_timeout, 2000}, {cluster_mgr, {"10.0.0.1", 1}}]}, {os_mon, [{start_disksup, false}]}].',
    );
    expect(out).toContain('{schema_dirs, ["./lib/../share/schema"]}');
    expect(out).toContain('{vnode_inactivity_timeout, 2000}');
    expect(out).toContain('{cluster_mgr, {"10.0.0.1", 1}}');
    expect(out).not.toContain('9080');
    expect(out).toContain('{os_mon, [{start_disksup, false}]}');
    expect(out).toContain('{data_root, "./data/riak_repl"}');
  });
});
