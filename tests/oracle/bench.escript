#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% bench.escript -- the real-BEAM side of `cargo bench -p beamviz --bench gc`.
%% Prints `d2_us=<microseconds> major_us=<microseconds>`: the d2 growth (a list built cons by cons to
%% 1,000,000 cells in a fresh process, with every GC it causes) and one major GC of 1,000,000 live words
%% (500,000 cons cells). Each figure is the best of 5 runs.

-module(bench).
-mode(compile).

main(_) ->
    D2 = best(fun d2/0),
    Major = best(fun major/0),
    io:format("d2_us=~b major_us=~b~n", [D2, Major]).

best(F) -> lists:min([in_fresh(F) || _ <- lists:seq(1, 5)]).

in_fresh(F) ->
    Parent = self(),
    Pid = spawn(fun() -> Parent ! {self(), F()} end),
    receive {Pid, T} -> T end.

d2() ->
    {T, L} = timer:tc(fun() -> build(1000000, []) end),
    1000000 = length(L),
    T.

major() ->
    L = build(500000, []),
    {T, true} = timer:tc(erlang, garbage_collect, []),
    500000 = length(L),
    T.

build(0, Acc) -> Acc;
build(N, Acc) -> build(N - 1, [N | Acc]).
