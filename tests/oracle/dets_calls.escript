#!/usr/bin/env escript
%% What each DETS call leaves on the caller's heap (OTP 25): words of heap_used per call, in a process with a heap
%% big enough that nothing collects. tests/it/dets.rs runs the same calls on the model.
%% Run: escript tests/oracle/dets_calls.escript > tests/oracle/dets_calls.tsv
-mode(compile).

main(_) ->
    File = filename:join(os:getenv("TMPDIR", "/tmp"), "dets_calls_" ++ os:getpid() ++ ".dets"),
    _ = file:delete(File),
    {ok, t} = dets:open_file(t, [{file, File}, {type, set}]),
    register(coord, self()),
    P = spawn_opt(fun actor/0, [{min_heap_size, 10000}]),
    io:format("call\twords~n"),
    Before = used(P),
    lists:foldl(fun(What, U0) ->
                        P ! go,
                        receive done -> ok end,
                        U = used(P),
                        io:format("~s\t~p~n", [What, U - U0]),
                        U
                end, Before,
                [setup, insert_one, insert_list, lookup_cached, lookup_miss, lookup_decoded, delete]),
    ok = dets:close(t),
    ok = file:delete(File).

used(P) ->
    {garbage_collection_info, L} = process_info(P, garbage_collection_info),
    {heap_size, H} = lists:keyfind(heap_size, 1, L),
    H.

step() -> coord ! done, receive go -> ok end.

actor() ->
    receive go -> ok end,
    Obj = {1, <<"value">>},                 % a literal
    Obj2 = {2, self()},                     % setup: 3 words
    step(),
    ok = dets:insert(t, Obj),               % insert_one
    step(),
    ok = dets:insert(t, [Obj2]),            % insert_list (a literal list would be sent uncopied all the same)
    step(),
    R1 = dets:lookup(t, 1),                 % lookup_cached: the literal object from the write cache
    step(),
    R2 = dets:lookup(t, 3),                 % lookup_miss: the cache is written to the file
    step(),
    R3 = dets:lookup(t, 1),                 % lookup_decoded: read back from the file, literal built anew
    step(),
    ok = dets:delete(t, 1),                 % delete
    coord ! done,
    receive go -> {R1, R2, R3} end.
