#!/usr/bin/env escript
%% PORT_PLEASE2 lookups from Erlang. Prints each lookup's time in microseconds, one line.
%%   escript lookups.escript <epmd port> <node name> <count> [raw|erl_epmd|riak_mesos_epmd]
%% raw: connect, send the request, read until the EPMD closes, as OTP's erl_epmd does it.
%% erl_epmd, riak_mesos_epmd: the module's port_please/2, as net_kernel calls it when a node
%% connects to a peer (the EPMD port comes from -epmd_port, given in ERL_FLAGS; for
%% riak_mesos_epmd its beam must be on the code path).
-mode(compile).

main([PortArg, Name, CountArg]) ->
    main([PortArg, Name, CountArg, "raw"]);
main([PortArg, Name, CountArg, Mode]) ->
    Port = list_to_integer(PortArg),
    Count = list_to_integer(CountArg),
    Lookup = case Mode of
                 "raw" ->
                     Request = [<<(length(Name) + 1):16, $z>>, Name],
                     fun() -> raw(Port, Request) end;
                 "erl_epmd" ->
                     fun() -> {port, _, _} = erl_epmd:port_please(Name, {127, 0, 0, 1}), ok end;
                 "riak_mesos_epmd" ->
                     {ok, _} = riak_mesos_epmd:start_link(),
                     fun() -> {port, _, _} = riak_mesos_epmd:port_please(Name, "peer"), ok end
             end,
    Times = [element(1, timer:tc(Lookup)) || _ <- lists:seq(1, Count)],
    io:format("~s~n", [lists:join(" ", [integer_to_list(T) || T <- Times])]);
main(_) ->
    io:format(standard_error,
              "usage: lookups.escript <epmd port> <node name> <count> [raw|erl_epmd|riak_mesos_epmd]~n",
              []),
    halt(2).

raw(Port, Request) ->
    {ok, S} = gen_tcp:connect({127, 0, 0, 1}, Port,
                              [binary, {packet, 0}, {active, false}, {nodelay, true}]),
    ok = gen_tcp:send(S, Request),
    {ok, <<119, 0, _/binary>>} = read_to_close(S, <<>>),
    ok.

read_to_close(S, Acc) ->
    case gen_tcp:recv(S, 0) of
        {ok, Data} -> read_to_close(S, <<Acc/binary, Data/binary>>);
        {error, closed} -> gen_tcp:close(S), {ok, Acc}
    end.
