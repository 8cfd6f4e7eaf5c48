#!/usr/bin/env escript
%% PORT_PLEASE2 lookups from Erlang, made the way OTP's erl_epmd makes them: connect, send the
%% request, read until the EPMD closes. Prints each lookup's time in microseconds, one line.
%%   escript lookups.escript <epmd port> <node name> <count>
main([PortArg, Name, CountArg]) ->
    Port = list_to_integer(PortArg),
    Count = list_to_integer(CountArg),
    Request = [<<(length(Name) + 1):16, $z>>, Name],
    Times = [lookup(Port, Request) || _ <- lists:seq(1, Count)],
    io:format("~s~n", [lists:join(" ", [integer_to_list(T) || T <- Times])]);
main(_) ->
    io:format(standard_error, "usage: lookups.escript <epmd port> <node name> <count>~n", []),
    halt(2).

lookup(Port, Request) ->
    {Micros, ok} = timer:tc(fun() ->
        {ok, S} = gen_tcp:connect({127, 0, 0, 1}, Port,
                                  [binary, {packet, 0}, {active, false}, {nodelay, true}]),
        ok = gen_tcp:send(S, Request),
        {ok, <<119, 0, _/binary>>} = read_to_close(S, <<>>),
        ok
    end),
    Micros.

read_to_close(S, Acc) ->
    case gen_tcp:recv(S, 0) of
        {ok, Data} -> read_to_close(S, <<Acc/binary, Data/binary>>);
        {error, closed} -> gen_tcp:close(S), {ok, Acc}
    end.
