%% riak_mesos_epmd: an EPMD client module for Erlang/OTP 21 and later, used as
%%
%%     erl -epmd_module riak_mesos_epmd -epmd_port <port> ...
%%
%% In the Riak Mesos Framework every Riak node has its own EPMD replacement listening on a port
%% Mesos gave it, and every replacement reads the same registrations from ZooKeeper. So a node
%% must register with its *local* EPMD and must ask the same local EPMD for every other node,
%% whatever host that node is on: a remote host's EPMD is on a port this node cannot know.
%%
%% This module does exactly that by delegating to OTP's own erl_epmd client with the host
%% replaced by 127.0.0.1. The EPMD port comes from -epmd_port or ERL_EPMD_PORT, as erl_epmd
%% reads it. The address of a node still comes from the host part of its name.
-module(riak_mesos_epmd).

-export([start_link/0,
         register_node/2, register_node/3,
         port_please/2, port_please/3,
         listen_port_please/2,
         address_please/3,
         names/0, names/1]).

-define(LOCAL, {127, 0, 0, 1}).

start_link() ->
    erl_epmd:start_link().

register_node(Name, PortNo) ->
    erl_epmd:register_node(Name, PortNo).

register_node(Name, PortNo, Family) ->
    erl_epmd:register_node(Name, PortNo, Family).

port_please(Name, _Host) ->
    erl_epmd:port_please(Name, ?LOCAL).

port_please(Name, _Host, Timeout) ->
    erl_epmd:port_please(Name, ?LOCAL, Timeout).

listen_port_please(Name, Host) ->
    case erlang:function_exported(erl_epmd, listen_port_please, 2) of
        true -> erl_epmd:listen_port_please(Name, Host);
        false -> {ok, 0}
    end.

%% The node's address: the host part of its name, resolved as usual. The port is then asked of
%% the local EPMD through port_please/3.
address_please(_Name, Host, AddressFamily) ->
    inet:getaddr(Host, AddressFamily).

names() ->
    erl_epmd:names(?LOCAL).

names(_Host) ->
    erl_epmd:names(?LOCAL).
