/**
 * Default templates per Riak package. The settings the framework controls (node name, data
 * directory, listeners, handoff and distribution ports) are not in them: the executor sets those
 * for each node (see applyControlledSettings), so they appear once and cannot be got wrong.
 */
const COMMON = `## Riak configuration template of the Riak Mesos Framework.
## Variables such as {{clustername}} are filled in for each node; nodename,
## platform_data_dir, listener.http.internal, listener.protobuf.internal, handoff.port
## and erlang.distribution.port_range.* are set by the framework and must not be set here.

## Logging
log.console = file
log.console.level = info
log.console.file = $(platform_log_dir)/console.log
log.error.file = $(platform_log_dir)/error.log
log.syslog = off
log.crash = on
log.crash.file = $(platform_log_dir)/crash.log
log.crash.maximum_message_size = 64KB
log.crash.size = 10MB
log.crash.rotation = $D0
log.crash.rotation.keep = 5

## Erlang VM
distributed_cookie = riak
erlang.async_threads = 64
erlang.max_ports = 65536

## Paths inside the Riak package
platform_bin_dir = ./bin
platform_etc_dir = ./etc
platform_lib_dir = ./lib
platform_log_dir = ./log

## Storage
storage_backend = bitcask
bitcask.data_root = $(platform_data_dir)/bitcask
bitcask.io_mode = erlang
leveldb.maximum_memory.percent = 70

## Objects
object.format = 1
object.size.warning_threshold = 5MB
object.size.maximum = 50MB
object.siblings.warning_threshold = 25
object.siblings.maximum = 100

`;

/** Riak KV 2.x and TS ship Riak Control and Search (Yokozuna); KV 3.x has neither setting. */
const CONTROL_AND_SEARCH_OFF = `
## Riak Control and Search are off; Search ports would not be allocated by Mesos.
riak_control = off
riak_control.auth.mode = off
search = off
`;

const ADVANCED = `%% advanced.config template of the Riak Mesos Framework.
%% {{epmdport}} is the node's EPMD replacement port.
[
 {kernel, [{cepmd_port, {{epmdport}}}]},
 {os_mon, [{start_disksup, false}, {start_memsup, false}, {start_cpu_sup, false}]}
].
`;

export interface DefaultTemplates {
  riakConf: string;
  advancedConfig: string;
  description: string;
}

export const DEFAULT_TEMPLATES: Readonly<Record<string, DefaultTemplates>> = {
  'riak-kv-2-2': {
    description: 'Riak KV 2.2',
    riakConf: `${COMMON}${CONTROL_AND_SEARCH_OFF}
## Active anti-entropy (Riak KV 2.x)
anti_entropy = active
javascript.map_pool_size = 0
javascript.reduce_pool_size = 0
javascript.hook_pool_size = 0
`,
    advancedConfig: ADVANCED,
  },
  'riak-ts-1-5': {
    description: 'Riak TS 1.5',
    riakConf: `${COMMON}${CONTROL_AND_SEARCH_OFF}
## Time series (Riak TS 1.5)
anti_entropy = passive
riak_kv.query.timeseries.max_quanta_span = 5000
riak_kv.query.timeseries.timeout = 10000
riak_kv.query.timeseries.max_running_fsms = 20
riak_kv.query.timeseries.qbuf_root_path = $(platform_data_dir)/query_buffers
`,
    advancedConfig: ADVANCED,
  },
  'riak-kv-3': {
    description: 'Riak KV 3.x',
    riakConf: `${COMMON}
## Anti-entropy: Tictac AAE (Riak KV 3.x) instead of the 2.x hashtrees
anti_entropy = passive
tictacaae_active = active

## Erlang schedulers do not spin waiting for work: a Mesos task shares its host's cores with
## other tasks, so the busy wait would burn CPU the task did not reserve (Riak's own vm.args
## says so for containers).
erlang.schedulers_busywait = none
erlang.schedulers_busywait_dirtycpu = none
erlang.schedulers_busywait_dirtyio = none
`,
    advancedConfig: ADVANCED,
  },
};

export function defaultTemplates(version: string): DefaultTemplates | undefined {
  return DEFAULT_TEMPLATES[version];
}
