#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% beam.escript -- the real-BEAM side of `cargo xtask bench` (`crates/beamviz/benches/gc.rs`).
%% Does the same work as each model benchmark, in a fresh process each run, and prints one line per benchmark:
%% `NAME us=<median microseconds>` (one warm-up run, then the median of 7).

-module(beam).
-mode(compile).

main(_) ->
    Sizes = [10000, 100000, 1000000],
    [report("alloc_list_" ++ integer_to_list(N), fun() -> alloc(N) end, []) || N <- [10000, 100000]],
    [report("minor_gc_" ++ integer_to_list(W), fun() -> minor(W) end, [{min_heap_size, 2 * W + 1000}]) || W <- Sizes],
    [report("major_gc_" ++ integer_to_list(W), fun() -> major(W) end, []) || W <- Sizes],
    [report("send_list_" ++ integer_to_list(N), fun() -> send(N) end, []) || N <- [10000, 100000]],
    report("d2_growth_1000000", fun d2/0, []),
    ok.

report(Name, F, Opts) ->
    _ = in_fresh(F, Opts),
    Ts = lists:sort([in_fresh(F, Opts) || _ <- lists:seq(1, 7)]),
    io:format("~s us=~b~n", [Name, lists:nth(4, Ts)]).

in_fresh(F, Opts) ->
    Parent = self(),
    {Pid, Ref} = spawn_opt(fun() -> Parent ! {self(), F()} end, [monitor | Opts]),
    receive {Pid, T} -> erlang:demonitor(Ref, [flush]), T;
            {'DOWN', Ref, _, _, Why} -> error(Why)
    end.

%% Building a list of N small integers on the heap (with the GCs its growth causes).
alloc(N) ->
    {T, L} = timer:tc(fun() -> lists:seq(1, N) end),
    N = length(L),
    T.

%% One minor GC with W live young words (W/2 cons cells), in a heap big enough that building them did not GC.
minor(W) ->
    %% A first collection with a little live data, as the model does: a first GC is always major.
    K = {1},
    true = erlang:garbage_collect(),
    Half = W div 2,
    L = build(Half, []),
    {T, true} = timer:tc(erlang, garbage_collect, [self(), [{type, minor}]]),
    %% A match that may fail keeps L live across the GC (a dropped length/1 would be optimized away).
    Half = length(L),
    {1} = K,
    T.

%% One major GC with W live words.
major(W) ->
    Half = W div 2,
    L = build(Half, []),
    {T, true} = timer:tc(erlang, garbage_collect, []),
    Half = length(L),
    T.

%% Sending a list of N integers (2N words, copied) to a waiting process.
send(N) ->
    L = lists:seq(1, N),
    To = spawn(fun() -> receive M -> length(M) end end),
    {T, _} = timer:tc(fun() -> To ! L end),
    T.

%% A list built cons by cons to 1,000,000 cells, with every GC it causes.
d2() ->
    {T, L} = timer:tc(fun() -> build(1000000, []) end),
    1000000 = length(L),
    T.

build(0, Acc) -> Acc;
build(N, Acc) -> build(N - 1, [N | Acc]).
