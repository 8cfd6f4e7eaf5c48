%% riak_mesos_epmd: an EPMD client module for Erlang/OTP 22 and later, used as
%%
%%     erl -epmd_module riak_mesos_epmd -epmd_port <port> ...
%%
%% In the Riak Mesos Framework every Riak node has its own EPMD replacement listening on a port
%% Mesos gave it, and every replacement reads the same registrations from ZooKeeper. So a node
%% must register with its *local* EPMD and must ask the same local EPMD for every other node,
%% whatever host that node is on: a remote host's EPMD is on a port this node cannot know.
%%
%% Registration, NAMES and the node's address go through OTP's own erl_epmd with the host
%% replaced by 127.0.0.1. The EPMD port comes from -epmd_port or ERL_EPMD_PORT, as erl_epmd
%% reads it. The address of a node still comes from the host part of its name.
%%
%% Lookups (port_please) go over a lookup session when the local EPMD offers one (ours does,
%% stock epmd does not): one connection kept open by this module's process, on which every
%% PORT_PLEASE2 is a request and a framed answer, instead of a TCP connection per lookup. If the
%% EPMD refuses the session, or a session fails, lookups fall back to erl_epmd's one connection
%% per lookup, and a new session is tried a few seconds later.
%%
%% Whichever OTP compiles it, the beam loads on OTP 22 and later: it is compiled for OTP 22 (the
%% -compile attribute below), it has no records (OTP 25 compiles record access to an instruction
%% older runtimes lack, whatever the target option), and it reads the distribution versions at
%% run time. For OTP 21, compile it with that OTP's own erlc.
-module(riak_mesos_epmd).

-behaviour(gen_server).

%% Code OTP 22 can load, whichever erlc compiles this.
-compile([r22]).

-export([start_link/0,
         register_node/2, register_node/3,
         port_please/2, port_please/3,
         listen_port_please/2,
         address_please/3,
         names/0, names/1,
         lookup_mode/0]).

-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2, code_change/3]).

-define(LOCAL, {127, 0, 0, 1}).

%% The lookup session (see docs/erlpmd.md): request <<$R, Version>>, answer <<$R, 0, Version>>,
%% then PORT_PLEASE2 requests, each answered with a PORT2_RESP, all framed with a 2-byte length.
-define(SESSION_REQ, $R).
-define(SESSION_VERSION, 1).
-define(PORT_PLEASE2_REQ, $z).
-define(PORT2_RESP, $w).
%% How long opening a session, and any one answer in it, may take before the session is given up.
-define(SESSION_TIMEOUT_MS, 2000).
%% After a refused or failed session, lookups go one connection each for this long.
-define(RETRY_SESSION_MS, 5000).

%% The process state, a map:
%%   epmd     => OTP's erl_epmd, linked
%%   socket   => the session's socket, or none
%%   waiting  => callers waiting for an answer, oldest first (a queue)
%%   timer    => timer on the oldest waiting answer, or none
%%   retry_at => no new session before this erlang:monotonic_time(millisecond) (which may be
%%               negative), or none
%%   versions => {Low, High}: the distribution versions this node speaks
%%   listen_port => the port of -erl_epmd_port (every node listens there), or 0

%% ---- the epmd module API --------------------------------------------------------------------

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

register_node(Name, PortNo) ->
    erl_epmd:register_node(Name, PortNo).

register_node(Name, PortNo, Family) ->
    erl_epmd:register_node(Name, PortNo, Family).

port_please(Name, Host) ->
    port_please(Name, Host, infinity).

port_please(Name, _Host, Timeout) ->
    NameString = to_string(Name),
    Answer = try gen_server:call(?MODULE, {port_please, NameString}, Timeout)
             catch exit:{timeout, _} -> noport;
                   exit:_ -> one_connection
             end,
    case Answer of
        %% erl_epmd answers -erl_epmd_port itself, as the process would have.
        one_connection -> erl_epmd:port_please(NameString, ?LOCAL, Timeout);
        _ -> Answer
    end.

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

%% How lookups are made right now: session or one_connection (for operators and tests).
lookup_mode() ->
    try gen_server:call(?MODULE, lookup_mode, 5000)
    catch exit:_ -> one_connection
    end.

%% ---- the process holding erl_epmd and the lookup session ------------------------------------

init([]) ->
    %% OTP's erl_epmd holds the node's registration; it lives and dies with this process.
    case erl_epmd:start_link() of
        {ok, Pid} -> {ok, new_state(Pid)};
        {error, {already_started, Pid}} -> link(Pid), {ok, new_state(Pid)};
        {error, Reason} -> {stop, Reason}
    end.

new_state(Epmd) ->
    {ok, ListenPort} = listen_port_please(node(), ?LOCAL),
    #{epmd => Epmd, socket => none, waiting => queue:new(), timer => none, retry_at => none,
      versions => dist_versions(), listen_port => ListenPort}.

handle_call({port_please, _Name}, _From, State = #{listen_port := Port, versions := {Low, _}})
  when Port > 0 ->
    %% -erl_epmd_port: every node listens on that port; no EPMD is asked, as with erl_epmd.
    {reply, {port, Port, Low}, State};
handle_call({port_please, Name}, From, State0) ->
    case session(State0) of
        {ok, Socket, State} ->
            case gen_tcp:send(Socket, [?PORT_PLEASE2_REQ, Name]) of
                ok ->
                    #{waiting := Waiting} = State,
                    {noreply, arm_timer(State#{waiting := queue:in(From, Waiting)})};
                {error, _} ->
                    {reply, one_connection, drop_session(State, true)}
            end;
        {error, State} ->
            {reply, one_connection, State}
    end;
handle_call(lookup_mode, _From, State = #{socket := Socket}) ->
    Mode = case Socket of
               none -> one_connection;
               _ -> session
           end,
    {reply, Mode, State};
handle_call(_Other, _From, State) ->
    {reply, {error, unknown_call}, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info({tcp, Socket, Data}, State = #{socket := Socket, waiting := Waiting0}) ->
    case queue:out(Waiting0) of
        {{value, From}, Waiting} ->
            case port2_answer(Data, maps:get(versions, State)) of
                {ok, Answer} ->
                    gen_server:reply(From, Answer),
                    {noreply, arm_timer(disarm_timer(State#{waiting := Waiting}))};
                error ->
                    %% Not an answer this module understands: give the session up, and let this
                    %% caller and the ones behind it ask erl_epmd.
                    {noreply, drop_session(State, true)}
            end;
        {empty, _} ->
            {noreply, drop_session(State, true)}
    end;
handle_info({tcp_closed, Socket}, State = #{socket := Socket}) ->
    %% Closed by the EPMD (restarted, say): the next lookup opens a new session at once.
    {noreply, drop_session(State, false)};
handle_info({tcp_error, Socket, _Reason}, State = #{socket := Socket}) ->
    {noreply, drop_session(State, true)};
handle_info({timeout, Timer, session}, State = #{timer := Timer}) ->
    {noreply, drop_session(State#{timer := none}, true)};
handle_info(_Other, State) ->
    {noreply, State}.

terminate(_Reason, State) ->
    _ = drop_session(State, false),
    ok.

code_change(_OldVsn, State, _Extra) ->
    {ok, State}.

%% ---- the lookup session ---------------------------------------------------------------------

%% The open session, or a new one; {error, State} when lookups go one connection each.
session(State = #{socket := Socket}) when Socket =/= none ->
    {ok, Socket, State};
session(State = #{retry_at := none}) ->
    open_session(State);
session(State = #{retry_at := RetryAt}) ->
    case erlang:monotonic_time(millisecond) < RetryAt of
        true -> {error, State};
        false -> open_session(State#{retry_at := none})
    end.

open_session(State) ->
    Options = [binary, {packet, 2}, {active, false}, {nodelay, true}],
    case gen_tcp:connect(?LOCAL, epmd_port(), Options, ?SESSION_TIMEOUT_MS) of
        {ok, Socket} ->
            Reply = case gen_tcp:send(Socket, [?SESSION_REQ, ?SESSION_VERSION]) of
                        ok -> gen_tcp:recv(Socket, 0, ?SESSION_TIMEOUT_MS);
                        Error -> Error
                    end,
            case Reply of
                {ok, <<?SESSION_REQ, 0, Version>>} when Version >= 1,
                                                        Version =< ?SESSION_VERSION ->
                    case inet:setopts(Socket, [{active, true}]) of
                        ok ->
                            {ok, Socket, State#{socket := Socket}};
                        {error, _} ->
                            gen_tcp:close(Socket),
                            {error, retry_later(State)}
                    end;
                _ ->
                    %% Stock epmd closes the connection on a request it does not know.
                    gen_tcp:close(Socket),
                    {error, retry_later(State)}
            end;
        {error, _} ->
            {error, retry_later(State)}
    end.

%% Closes the session; every caller still waiting asks erl_epmd instead.
drop_session(State = #{socket := Socket, waiting := Waiting}, RetryLater) ->
    case Socket of
        none -> ok;
        _ -> gen_tcp:close(Socket)
    end,
    [gen_server:reply(From, one_connection) || From <- queue:to_list(Waiting)],
    Cleared = disarm_timer(State#{socket := none, waiting := queue:new()}),
    case RetryLater of
        true -> retry_later(Cleared);
        false -> Cleared
    end.

retry_later(State) ->
    State#{retry_at := erlang:monotonic_time(millisecond) + ?RETRY_SESSION_MS}.

%% One timer, on the oldest answer still awaited.
arm_timer(State = #{timer := none, waiting := Waiting}) ->
    case queue:is_empty(Waiting) of
        true -> State;
        false -> State#{timer := erlang:start_timer(?SESSION_TIMEOUT_MS, self(), session)}
    end;
arm_timer(State) ->
    State.

disarm_timer(State = #{timer := none}) ->
    State;
disarm_timer(State = #{timer := Timer}) ->
    _ = erlang:cancel_timer(Timer),
    receive {timeout, Timer, session} -> ok after 0 -> ok end,
    State#{timer := none}.

%% A PORT2_RESP as erl_epmd:port_please/3 returns it.
port2_answer(<<?PORT2_RESP, 0, Port:16, _Type, _Protocol, High:16, Low:16,
               NameLength:16, _Name:NameLength/binary, ExtraLength:16,
               _Extra:ExtraLength/binary>>, Ours) ->
    {ok, {port, Port, best_version(Low, High, Ours)}};
port2_answer(<<?PORT2_RESP, Result>>, _Ours) when Result =/= 0 ->
    {ok, noport};
port2_answer(_, _Ours) ->
    error.

%% The distribution version to speak with a node of versions Low..High, as erl_epmd chooses it:
%% the highest both speak, 0 when none (the handshake then fails as it would with erl_epmd).
best_version(Low, High, {OurLow, OurHigh}) ->
    if
        OurLow > High -> 0;
        Low > OurHigh -> 0;
        true -> min(OurHigh, High)
    end.

%% The distribution versions this node speaks, as the running OTP's erl_epmd has them: 5 on
%% OTP 22, 5 to 6 on OTP 23 and 24, 6 from OTP 25. ERL_EPMD_DIST_HIGH may lower the highest and
%% ERL_EPMD_DIST_LOW raise the lowest, as with erl_epmd (read when the process starts; erl_epmd
%% reads them per lookup).
dist_versions() ->
    {Low, High} = case catch list_to_integer(erlang:system_info(otp_release)) of
                      Release when is_integer(Release), Release >= 25 -> {6, 6};
                      Release when is_integer(Release), Release >= 23 -> {5, 6};
                      _ -> {5, 5}
                  end,
    {case env_version("ERL_EPMD_DIST_LOW") of
         N when is_integer(N), N > Low -> N;
         _ -> Low
     end,
     case env_version("ERL_EPMD_DIST_HIGH") of
         N when is_integer(N), N < High -> N;
         _ -> High
     end}.

env_version(Variable) ->
    case os:getenv(Variable) of
        false -> none;
        Text -> catch list_to_integer(Text)
    end.

%% The local EPMD's port, as erl_epmd finds it: -epmd_port, else ERL_EPMD_PORT, else 4369.
epmd_port() ->
    Text = case init:get_argument(epmd_port) of
               {ok, [[Argument | _] | _]} -> Argument;
               _ -> os:getenv("ERL_EPMD_PORT")
           end,
    case catch list_to_integer(Text) of
        Port when is_integer(Port), Port > 0, Port < 65536 -> Port;
        _ -> 4369
    end.

to_string(Name) when is_atom(Name) -> atom_to_list(Name);
to_string(Name) when is_list(Name) -> Name.
