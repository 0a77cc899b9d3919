#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% ets_memory.escript -- beamviz's ETS measurements: ets:info(T, memory) and sizes after each step of one script,
%% for every table type, run on the real BEAM. tests/it/gc.rs replays the same steps on the model.
%%
%% Usage:  escript ets_memory.escript [OUTPUT.tsv]      (default: stdout)
%%
%% Steps: insert {1,a}; insert {K,[K,K]} for K in 2..11; insert {1,b}; insert {1,a} again; lookup 1; delete key 1;
%% insert {K} for K in 12..300 (past the 256 first buckets of a hash table); delete keys 12..300.
-mode(compile).

main(Args) ->
    Fd = case Args of
             [O] -> {ok, F} = file:open(O, [write]), F;
             [] -> standard_io
         end,
    io:format(Fd, "# ets_memory.escript on the real BEAM: otp_release=~s~n", [erlang:system_info(otp_release)]),
    [run(Fd, Kind) || Kind <- [set, ordered_set, bag, duplicate_bag]],
    halt(0).

run(Fd, Kind) ->
    T = ets:new(t, [Kind]),
    Out = fun(Step, Extra) ->
                  io:format(Fd, "ets\tkind=~s\tstep=~s\tmemory=~p\tsize=~p~s~n",
                            [Kind, Step, ets:info(T, memory), ets:info(T, size), Extra])
          end,
    Out(new, ""),
    ets:insert(T, {1, a}),
    Out(insert_1a, ""),
    [ets:insert(T, {K, [K, K]}) || K <- lists:seq(2, 11)],
    Out(insert_2_11, ""),
    ets:insert(T, {1, b}),
    Out(insert_1b, ""),
    ets:insert(T, {1, a}),
    Out(insert_1a_again, ""),
    L = ets:lookup(T, 1),
    Out(lookup_1, io_lib:format("\tfound=~p\tflat=~p", [length(L), erts_debug:flat_size(L)])),
    ets:delete(T, 1),
    Out(delete_1, ""),
    [ets:insert(T, {K}) || K <- lists:seq(12, 300)],
    Out(insert_12_300, ""),
    [ets:delete(T, K) || K <- lists:seq(12, 300)],
    Out(delete_12_300, ""),
    ets:delete(T).
