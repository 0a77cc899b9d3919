#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% gc_diff.escript -- beamviz's own differential measurements: variants of gc_trace.escript's scenarios
%% (a: other list lengths; c: other min_heap_size values; d: growth under spawn options; e: minor_gcs under other
%% fullsweep_after and min_heap_size values), run on the real BEAM.
%%
%% Usage:  escript gc_diff.escript [OUTPUT.tsv]      (default: stdout)
%%
%% Writes tab-separated `kind key=value ...` lines, the format tests/it/gc.rs reads. The worker code is
%% gc_trace.escript's, verbatim, so the model's worker shapes (spawn arguments, stack depths) carry over.

-module(gc_diff).
-compile(nowarn_unused_function).
-mode(compile).
-export([main/1, hib_wake/2]).

-define(GROW_N, 300000).
-define(GRID_A, []).
-define(GRID_B, []).
-define(E_ITERS, 4000).

main(Args) ->
    Fd = case Args of
             [O] -> {ok, F} = file:open(O, [write, binary]), F;
             [] -> standard_io
         end,
    put(out_fd, Fd),
    tsv(comment, [{otp_release, erlang:system_info(otp_release)},
                  {wordsize, erlang:system_info(wordsize)},
                  {emu_flavor, erlang:system_info(emu_flavor)}]),
    [begin
         {Cps, _, _} = run_worker(fun(P) -> a_worker(P, N) end, []),
         #{after_gc := A} = maps:from_list(Cps),
         tsv(a, [{n, N}, {heap_size, maps:get(heap_size, A)},
                 {recent, maps:get(<<"gci_recent_size">>, A)},
                 {total, maps:get(total_heap_size, A)}])
     end || N <- [4, 111, 117, 250, 333, 777, 1234, 4321, 9999, 12345, 54321, 123456]],
    [begin
         Opts = [{min_heap_size, Opt}],
         {Cps, _, _} = run_worker(fun c_worker/1, Opts),
         [tsv(c, [{opt, Opt}, {step, S}, {heap_size, maps:get(heap_size, I)},
                  {total, maps:get(total_heap_size, I)}, {minor_gcs, maps:get(minor_gcs, I)},
                  {min, maps:get(min_heap_size, I)}])
          || {S, I} <- Cps]
     end || Opt <- [300, 2000, 20000]],
    [begin
         {_, _, Events} = run_worker(fun(P) -> d_worker(P, false) end, Opts,
                                     fun(_, _) -> [] end, [garbage_collection]),
         Name = iolist_to_binary(io_lib:format("~w", [Opts])),
         [tsv(d, [{opts, Name}, {no, maps:get(gc_no, R)},
                  {type, case R of #{aborted_minor := true} -> aborted; #{gc_type := T} -> T end},
                  {heap, maps:get(heap_block_size, maps:get('after', R))},
                  {old, maps:get(old_heap_block_size, maps:get('after', R))},
                  {live, maps:get(heap_size, maps:get('after', R))
                       + maps:get(old_heap_size, maps:get('after', R))}])
          || R <- gc_records(Events)]
     end || Opts <- [[{fullsweep_after, 3}], [{min_heap_size, 4000}], [{fullsweep_after, 0}]]],
    [begin
         {Cps, _, Events} = run_worker(fun e_worker/1, Opts, fun(_, _) -> [] end, [garbage_collection]),
         Name = iolist_to_binary(io_lib:format("~w", [Opts])),
         Recs = gc_records(Events),
         Types = [case R of #{aborted_minor := true} -> "aborted"; #{gc_type := T} -> atom_to_list(T) end
                  || R <- Recs],
         Minors = [integer_to_list(maps:get(minor_gcs_polled, C)) || {minor_gcs_change, C} <- Cps],
         tsv(e, [{opts, Name}, {gc_count, length(Recs)}, {types, lists:join(",", Types)},
                 {minors, lists:join(",", Minors)}])
     end || Opts <- [[{fullsweep_after, 1}], [{fullsweep_after, 5}], [{fullsweep_after, 20}],
                     [{fullsweep_after, 2}, {min_heap_size, 1000}]]],
    case Fd of standard_io -> ok; _ -> ok = file:close(Fd) end,
    halt(0).

tsv(Kind, KVs) ->
    Line = [atom_to_list(Kind), [[$\t, fmt(K), $=, fmt(V)] || {K, V} <- KVs], $\n],
    case Kind of
        comment -> ok = io:put_chars(get(out_fd), ["# gc_diff.escript on the real BEAM: ", Line]);
        _ -> ok = io:put_chars(get(out_fd), Line)
    end.

fmt(A) when is_atom(A) -> atom_to_list(A);
fmt(B) when is_binary(B) -> binary_to_list(B);
fmt(I) when is_integer(I) -> integer_to_list(I);
fmt(L) when is_list(L) -> L.

%% ---------------------------------------------------------------------------
%% output

common() ->
    #{otp_release => list_to_binary(erlang:system_info(otp_release)),
      erts_version => list_to_binary(erlang:system_info(version)),
      wordsize => erlang:system_info(wordsize)}.

emit(Scenario, M) ->
    Obj = maps:merge(common(), M#{scenario => Scenario}),
    ok = file:write(get(out_fd), [json(Obj), $\n]),
    put(out_lines, get(out_lines) + 1).

meta() ->
    GC = maps:from_list(erlang:system_info(garbage_collection)),
    emit(meta,
         #{system_version =>
               unicode:characters_to_binary(
                 string:trim(erlang:system_info(system_version))),
           heap_sizes_first_60 =>
               lists:sublist(erlang:system_info(heap_sizes), 60),
           default_gc => GC,
           schedulers => erlang:system_info(schedulers),
           heap_type => erlang:system_info(heap_type),
           emu_flavor => erlang:system_info(emu_flavor),
           note => <<"sizes in words unless the key says bytes; "
                     "memory is bytes">>}).

%% ---------------------------------------------------------------------------
%% process helpers

%% Snapshot of process P taken with ONE process_info/2 call, normally from
%% another process (the coordinator) while P is blocked in a receive, so the
%% measurement itself does not allocate on P's heap or trigger a GC in P.
%% Keys: heap_size, total_heap_size, stack_size (words), memory (bytes),
%% message_queue_len, minor_gcs / fullsweep_after / min_heap_size (from
%% garbage_collection) and the gci_* keys (garbage_collection_info).
snapshot(P) ->
    Items = [heap_size, total_heap_size, stack_size, memory,
             message_queue_len, garbage_collection, garbage_collection_info],
    case erlang:process_info(P, Items) of
        undefined -> #{alive => false};
        L ->
            {garbage_collection, G} = lists:keyfind(garbage_collection, 1, L),
            {garbage_collection_info, GI} =
                lists:keyfind(garbage_collection_info, 1, L),
            Rest = [KV || KV = {K, _} <- L, K =/= garbage_collection,
                          K =/= garbage_collection_info],
            maps:merge(
              (maps:from_list(Rest))#{
                minor_gcs => proplists:get_value(minor_gcs, G),
                fullsweep_after => proplists:get_value(fullsweep_after, G),
                min_heap_size => proplists:get_value(min_heap_size, G)},
              maps:from_list([{<<"gci_", (atom_to_binary(K, utf8))/binary>>, V}
                              || {K, V} <- GI]))
    end.

%% Worker side: ask the coordinator to snapshot us, wait until it has.
%% 'continue' is an atom, so receiving it needs no heap space.
checkpoint(Parent, Tag) -> checkpoint(Parent, Tag, #{}).
checkpoint(Parent, Tag, Extra) ->
    Parent ! {checkpoint, self(), Tag, Extra},
    receive continue -> ok end.

done(Parent, Result) -> Parent ! {done, self(), Result}.

%% Coordinator side: spawn Fun(Parent) with Opts, serve its checkpoints.
%% Hook(Tag, Pid) runs after the snapshot of checkpoint Tag and may return
%% extra {Tag, Snapshot} records (used for hibernation).
run_worker(Fun, Opts) -> run_worker(Fun, Opts, fun(_, _) -> [] end, none).
run_worker(Fun, Opts, Hook, TraceFlags) ->
    Parent = self(),
    {Pid, MRef} = spawn_opt(fun() ->
                                    receive go -> ok end,
                                    Fun(Parent)
                            end, [monitor | Opts]),
    case TraceFlags of
        none -> ok;
        _ -> 1 = erlang:trace(Pid, true, TraceFlags)
    end,
    Pid ! go,
    {Cps, Result} = serve(Pid, MRef, Hook, []),
    receive {'DOWN', MRef, process, Pid, _} -> ok end,
    Events = case TraceFlags of
                 none -> [];
                 _ -> drain_trace(Pid)
             end,
    {Cps, Result, Events}.

serve(Pid, MRef, Hook, Acc) ->
    receive
        {checkpoint, Pid, Tag, Extra} ->
            Snap = maps:merge(snapshot(Pid), Extra),
            Pid ! continue,
            More = Hook(Tag, Pid),
            serve(Pid, MRef, Hook, lists:reverse(More) ++ [{Tag, Snap} | Acc]);
        {done, Pid, Result} ->
            {lists:reverse(Acc), Result};
        {'DOWN', MRef, process, Pid, Reason} ->
            error({worker_died, Reason})
    end.

%% run Fun() in a fresh process spawned with Opts, return its result
in_fresh(Fun, Opts) ->
    Parent = self(),
    {Pid, MRef} = spawn_opt(fun() -> Parent ! {self(), Fun()} end,
                            [monitor | Opts]),
    receive
        {Pid, R} ->
            receive {'DOWN', MRef, process, Pid, _} -> ok end,
            R;
        {'DOWN', MRef, process, Pid, Reason} ->
            error({worker_died, Reason})
    end.

build(0, Acc) -> Acc;
build(N, Acc) -> build(N - 1, [N | Acc]).

drain_trace(Pid) ->
    Ref = erlang:trace_delivered(Pid),
    receive {trace_delivered, Pid, Ref} -> ok end,
    drain_trace_msgs(Pid, []).

drain_trace_msgs(Pid, Acc) ->
    receive
        {trace, Pid, Ev, Info} -> drain_trace_msgs(Pid, [{Ev, Info} | Acc])
    after 0 -> lists:reverse(Acc)
    end.

%% Pair gc_*_start / gc_*_end trace messages into one record per GC.
%% A "minor" whose before/after heap figures are identical, that reclaimed
%% nothing and is immediately followed by a major is an aborted minor: the
%% runtime found a minor collection impossible (no old heap yet, or the old
%% heap too small for the data to promote) and fell through to a major
%% collection within the same GC request.  Such records get
%% "aborted_minor": true.
gc_records(Events) ->
    Recs = gc_pair(Events, []),
    mark_aborted(Recs, 1, []).

gc_pair([{S, I1}, {E, I2} | T], Acc)
  when (S =:= gc_minor_start andalso E =:= gc_minor_end) orelse
       (S =:= gc_major_start andalso E =:= gc_major_end) ->
    Type = case S of gc_minor_start -> minor; gc_major_start -> major end,
    R = #{gc_type => Type, before => trace_info(I1), 'after' => trace_info(I2)},
    gc_pair(T, [R | Acc]);
gc_pair([{Ev, I} | T], Acc) ->
    gc_pair(T, [#{gc_type => unpaired, unpaired_event => Ev,
                  info => trace_info(I)} | Acc]);
gc_pair([], Acc) -> lists:reverse(Acc).

mark_aborted([R | T], N, Acc) ->
    NextMajor = case T of
                    [#{gc_type := major} | _] -> true;
                    _ -> false
                end,
    Aborted = case R of
                  #{gc_type := minor, before := B, 'after' := A} ->
                      NextMajor andalso
                          lists:all(fun(K) -> maps:get(K, B) =:= maps:get(K, A) end,
                                    [heap_size, old_heap_size, heap_block_size,
                                     old_heap_block_size]) andalso
                          maps:get(trace_wordsize_need_or_reclaimed, A) =:= 0;
                  _ -> false
              end,
    mark_aborted(T, N + 1, [R#{gc_no => N, aborted_minor => Aborted} | Acc]);
mark_aborted([], _, Acc) -> lists:reverse(Acc).

%% In GC trace messages "wordsize" is not the machine word size: on *_start
%% it is the number of words needed (the allocation that triggered the GC),
%% on *_end the number of words reclaimed.  Renamed to avoid confusion.
trace_info(I) ->
    maps:from_list([case K of
                        wordsize -> {trace_wordsize_need_or_reclaimed, V};
                        _ -> {K, V}
                    end || {K, V} <- I]).

%% ---------------------------------------------------------------------------
%% (a) live list of N cons cells, fresh process, explicit full GC

scenario_a() ->
    [begin
         {Cps, R, _} = run_worker(fun(P) -> a_worker(P, N) end, []),
         emit(a_live_list_after_gc, maps:merge(R, maps:from_list(Cps)))
     end || N <- ?GRID_A],
    ok.

a_worker(Parent, N) ->
    L = build(N, []),
    checkpoint(Parent, before_gc),
    erlang:garbage_collect(),
    checkpoint(Parent, after_gc),
    %% L is used below, so it is live across the GC above
    done(Parent, #{n => N,
                   live_size => erts_debug:size(L),
                   live_flat_size => erts_debug:flat_size(L),
                   list_length => length(L)}).

%% ---------------------------------------------------------------------------
%% (b) hibernate with N live cons cells, then wake with a message

scenario_b() ->
    [scenario_b(N) || N <- ?GRID_B],
    ok.

scenario_b(N) -> scenario_b(N, 5).

%% process_info/2 is a signal to the target; if one is pending at the moment
%% the target calls erlang:hibernate/3, the heap is not compacted.  So the
%% coordinator waits 100 ms before looking, checks that the heap really was
%% compacted, and repeats the run (at most Tries times) if it was not.
scenario_b(N, Tries) ->
    Hook = fun(pre_hibernate, Pid) ->
                   timer:sleep(100),
                   ok = wait_hibernated(Pid, 2000),
                   {current_function, CF} =
                       erlang:process_info(Pid, current_function),
                   Snap = (snapshot(Pid))#{current_function => mfa(CF)},
                   Pid ! wake,
                   [{while_hibernated, Snap}];
              (_, _) -> []
           end,
    {Cps, R, _} = run_worker(fun(P) -> b_worker(P, N) end, [], Hook, none),
    Rec = maps:merge(R, maps:from_list(Cps)),
    #{while_hibernated := W} = Rec,
    Compacted = maps:get(<<"gci_old_heap_block_size">>, W) =:= 0 andalso
        maps:get(heap_size, W) - maps:get(<<"gci_heap_size">>, W) < 16,
    case Compacted orelse Tries =< 1 of
        true -> emit(b_hibernate, Rec#{hibernate_compacted => Compacted,
                                       attempt => 6 - Tries});
        false -> scenario_b(N, Tries - 1)
    end.

b_worker(Parent, N) ->
    L = build(N, []),
    checkpoint(Parent, pre_hibernate),
    erlang:hibernate(?MODULE, hib_wake, [Parent, L]).

%% Runs when the hibernated process is woken by the 'wake' message.
hib_wake(Parent, L) ->
    checkpoint(Parent, woken_before_receive),   % 'wake' still queued
    receive wake -> ok end,
    checkpoint(Parent, after_receive),
    erlang:garbage_collect(),
    checkpoint(Parent, after_explicit_gc),
    done(Parent, #{n => length(L), live_size => erts_debug:size(L)}).

wait_hibernated(_Pid, 0) -> timeout;
wait_hibernated(Pid, K) ->
    case erlang:process_info(Pid, [current_function, status]) of
        [{current_function, {erlang, hibernate, 3}}, {status, waiting}] -> ok;
        _ -> timer:sleep(1), wait_hibernated(Pid, K - 1)
    end.

mfa({M, F, A}) ->
    iolist_to_binary(io_lib:format("~p:~p/~p", [M, F, A])).

%% ---------------------------------------------------------------------------
%% (c) spawn_opt min_heap_size

scenario_c() ->
    [scenario_c(Opt) || Opt <- [default, 100, 233, 1000, 5000, 50000]],
    ok.

scenario_c(Opt) ->
    Opts = case Opt of
               default -> [];
               _ -> [{min_heap_size, Opt}]
           end,
    %% a fresh process that has done nothing yet (observed from outside)
    Idle = spawn_opt(fun() -> receive stop -> ok end end, Opts),
    IdleInfo = snapshot(Idle),
    Idle ! stop,
    emit(c_min_heap_size, #{min_heap_size_opt => Opt, step => idle_fresh,
                            info => IdleInfo}),
    {Cps, _, _} = run_worker(fun c_worker/1, Opts),
    [emit(c_min_heap_size, #{min_heap_size_opt => Opt, step => S, info => I})
     || {S, I} <- Cps],
    ok.

c_worker(Parent) ->
    checkpoint(Parent, started),
    L1 = build(100, []),
    checkpoint(Parent, built_100_cons),
    c_phase_big(Parent),
    erlang:garbage_collect(),
    checkpoint(Parent, gc_after_dropping_10000),
    100 = length(L1),
    erlang:garbage_collect(),
    checkpoint(Parent, gc_holding_nothing),
    done(Parent, ok).

c_phase_big(Parent) ->
    L2 = build(10000, []),
    checkpoint(Parent, built_10000_more_cons),
    erlang:garbage_collect(),
    checkpoint(Parent, gc_holding_10100_cons),
    10000 = length(L2),
    ok.

%% ---------------------------------------------------------------------------
%% (d) heap growth while consing one element at a time, no explicit GC

scenario_d() ->
    d_run(d1_growth_polled, true),
    d_run(d2_growth_unpolled, false),
    ok.

d_run(Scenario, Poll) ->
    {Cps, _, Events} = run_worker(fun(P) -> d_worker(P, Poll) end, [],
                                  fun(_, _) -> [] end, [garbage_collection]),
    [emit(Scenario, C#{record => Tag}) || {Tag, C} <- Cps],
    [emit(Scenario, R#{record => gc_event}) || R <- gc_records(Events)],
    ok.

d_worker(Parent, Poll) ->
    {heap_size, HS0} = erlang:process_info(self(), heap_size),
    checkpoint(Parent, heap_size_change, #{elements => 0,
                                           polled_heap_size => HS0}),
    L = case Poll of
            true -> d_loop_polled(Parent, 0, [], HS0);
            false -> build(?GROW_N, [])
        end,
    checkpoint(Parent, final, #{elements => length(L)}),
    done(Parent, ok).

%% cons one element, read heap_size; checkpoint whenever it changed
d_loop_polled(_Parent, ?GROW_N, Acc, _Last) -> Acc;
d_loop_polled(Parent, I, Acc, Last) ->
    Acc1 = [I | Acc],
    {heap_size, HS} = erlang:process_info(self(), heap_size),
    case HS =:= Last of
        true -> ok;
        false -> checkpoint(Parent, heap_size_change,
                            #{elements => I + 1, polled_heap_size => HS})
    end,
    d_loop_polled(Parent, I + 1, Acc1, HS).

%% ---------------------------------------------------------------------------
%% (e) fullsweep_after: how minor_gcs counts and resets

scenario_e() ->
    [e_run(FSA) || FSA <- [0, 2, 10, default]],
    ok.

e_run(FSA) ->
    Opts = case FSA of
               default -> [];
               _ -> [{fullsweep_after, FSA}]
           end,
    {Cps, _, Events} = run_worker(fun e_worker/1, Opts,
                                  fun(_, _) -> [] end, [garbage_collection]),
    Polls = [C || {minor_gcs_change, C} <- Cps],
    Recs = gc_records(Events),
    Types = [case R of
                 #{aborted_minor := true} -> <<"minor_aborted">>;
                 #{gc_type := Ty} -> atom_to_binary(Ty, utf8)
             end || R <- Recs],
    Minors = [maps:get(minor_gcs_polled, P) || P <- Polls],
    emit(e_fullsweep_after_summary,
         #{fullsweep_after_opt => FSA, iterations => ?E_ITERS,
           gc_count => length(Recs),
           gc_type_sequence => Types,
           minor_gcs_poll_sequence => Minors}),
    [emit(e_fullsweep_after, P#{fullsweep_after_opt => FSA,
                                record => minor_gcs_change})
     || P <- lists:sublist(Polls, 100)],
    [emit(e_fullsweep_after, R#{fullsweep_after_opt => FSA,
                                record => gc_event})
     || R <- lists:sublist(Recs, 100)],
    ok.

e_worker(Parent) ->
    e_loop(Parent, 0, [], -1),
    done(Parent, ok).

%% Every iteration: keep one more cons live, make 40 words of garbage, and
%% read minor_gcs.  Checkpoint whenever minor_gcs changes.
e_loop(_Parent, ?E_ITERS, Live, _Last) -> length(Live);
e_loop(Parent, I, Live, Last) ->
    Live1 = [I | Live],
    20 = length(build(20, [])),
    {garbage_collection, G} = erlang:process_info(self(), garbage_collection),
    Minor = proplists:get_value(minor_gcs, G),
    case Minor =:= Last of
        true -> ok;
        false -> checkpoint(Parent, minor_gcs_change,
                            #{iteration => I, live_cons => I + 1,
                              minor_gcs_polled => Minor})
    end,
    e_loop(Parent, I + 1, Live1, Minor).

%% ---------------------------------------------------------------------------
%% (f) refc binary shared by processes A, B, C

actor(State) ->
    receive
        {cmd, From, Ref, F} ->
            {Reply, State1} = F(State),
            From ! {Ref, Reply},
            actor(State1)
    end.

call(P, F) ->
    Ref = make_ref(),
    P ! {cmd, self(), Ref, F},
    receive {Ref, R} -> R after 10000 -> error(timeout) end.

gc_cmd() -> fun(S) -> erlang:garbage_collect(), {ok, S} end.

%% what the process itself sees of the values it holds
describe_cmd() ->
    fun(S) ->
            D = maps:map(fun(_K, V) ->
                                 #{kind => erts_internal:term_type(V),
                                   byte_size => byte_size(V),
                                   size => erts_debug:size(V),
                                   flat_size => erts_debug:flat_size(V)}
                         end, S),
            {D, S}
    end.

scenario_f(BinSize, Scen) ->
    A = spawn(fun() -> actor(#{}) end),
    B = spawn(fun() -> actor(#{}) end),
    C = spawn(fun() -> actor(#{}) end),
    Procs = [{a, A}, {b, B}, {c, C}],
    put(bin_labels, #{}),
    Snap = fun(Step, Note) -> f_snapshot(Scen, Step, Note, Procs) end,
    Snap(s0_spawned, <<"three idle actors">>),

    ok = call(A, fun(S) ->
                         Bin = binary:copy(<<1>>, BinSize),
                         {ok, S#{bin => Bin}}
                 end),
    Snap(s1_a_created_binary,
         <<"A holds a freshly created binary (refc because > 64 bytes)">>),

    ok = call(A, fun(S = #{bin := Bin}) ->
                         ok = call(B, fun(SB) -> {ok, SB#{bin => Bin}} end),
                         ok = call(C, fun(SC) -> {ok, SC#{bin => Bin}} end),
                         {ok, S}
                 end),
    Snap(s2_sent_to_b_and_c,
         <<"A sent the binary to B and C; each keeps it">>),

    MRef = erlang:monitor(process, B),
    exit(B, kill),
    receive {'DOWN', MRef, process, B, _} -> ok end,
    Snap(s3_b_killed, <<"B was killed; its reference is released at once">>),

    SubLen = min(80, BinSize - 10),
    ok = call(C, fun(S = #{bin := Bin}) ->
                         Sub = binary:part(Bin, 10, SubLen),
                         Small = binary:part(Bin, 0, 8),
                         S1 = maps:remove(bin, S),
                         {ok, S1#{sub => Sub, small_part => Small}}
                 end),
    ok = call(C, gc_cmd()),
    Snap(s4_c_kept_only_sub_binary,
         iolist_to_binary(
           io_lib:format("C dropped the full binary, keeps binary:part(Bin, 10,"
                         " ~p) (a sub-binary) and binary:part(Bin, 0, 8) "
                         "(8 bytes: copied to a heap binary); C ran a GC",
                         [SubLen]))),

    ok = call(A, fun(S) -> {ok, maps:remove(bin, S)} end),
    Snap(s5a_a_dropped_no_gc,
         <<"A dropped its reference but has not garbage collected yet">>),
    ok = call(A, gc_cmd()),
    Snap(s5b_a_dropped_and_gc,
         <<"A garbage collected: only C's sub-binary keeps the whole "
           "binary alive">>),

    ok = call(C, fun(S = #{sub := Sub}) ->
                         {ok, S#{sub => binary:copy(Sub)}}
                 end),
    ok = call(C, gc_cmd()),
    Snap(s6_c_copied_sub,
         <<"C replaced the sub-binary by binary:copy(Sub) and GC'd: "
           "the original binary is freed">>),

    ok = call(C, fun(_) -> {ok, #{}} end),
    ok = call(C, gc_cmd()),
    Snap(s7_c_dropped_all, <<"C dropped everything and GC'd">>),
    [exit(P, kill) || P <- [A, C]],
    ok.

f_snapshot(Scen, Step, Note, Procs) ->
    Per = maps:from_list(
            [{Name, f_proc_snapshot(P)} || {Name, P} <- Procs]),
    emit(Scen, #{step => Step, note => Note, procs => Per,
                 erlang_memory_binary_bytes => erlang:memory(binary)}).

f_proc_snapshot(P) ->
    case erlang:process_info(P, [binary, heap_size, total_heap_size,
                                 memory]) of
        undefined -> #{alive => false};
        L ->
            {binary, Bins} = lists:keyfind(binary, 1, L),
            M = maps:from_list(lists:keydelete(binary, 1, L)),
            Held = call(P, describe_cmd()),
            M#{alive => true,
               binaries => [#{label => bin_label(Id), bytes => Sz,
                              refc => Rc, raw_id => Id}
                            || {Id, Sz, Rc} <- Bins],
               held => Held}
    end.

%% stable names for binary ids (addresses) within one scenario run
bin_label(Id) ->
    Labels = get(bin_labels),
    case maps:find(Id, Labels) of
        {ok, L} -> L;
        error ->
            L = iolist_to_binary(["bin", integer_to_list(map_size(Labels) + 1)]),
            put(bin_labels, Labels#{Id => L}),
            L
    end.

%% ---------------------------------------------------------------------------
%% (g) sending a message copies the term and loses sharing

scenario_g() ->
    Exprs = [{shared_list_x3, fun() -> L = build(1000, []), {L, L, L} end},
             {doubling_tuple_depth_10,
              fun() -> lists:foldl(fun(_, A) -> {A, A} end, leaf,
                                   lists:seq(1, 10)) end},
             {refc_binary_x2,
              fun() -> B = binary:copy(<<1>>, 1000), [B, B] end},
             {sub_binary_of_refc,
              fun() -> B = binary:copy(<<1>>, 1000), binary:part(B, 0, 500) end}],
    [g_run(Name, Mk) || {Name, Mk} <- Exprs],
    ok.

g_run(Name, Mk) ->
    Parent = self(),
    Receiver = spawn(fun() -> g_receiver(Parent) end),
    SenderInfo = in_fresh(
                   fun() ->
                           T = Mk(),
                           erlang:garbage_collect(),
                           {garbage_collection_info, GI} = erlang:process_info(
                                    self(), garbage_collection_info),
                           Receiver ! T,
                           #{size => erts_debug:size(T),
                             flat_size => erts_debug:flat_size(T),
                             live_words_after_gc =>
                                 proplists:get_value(recent_size, GI)}
                   end, []),
    RecvInfo = receive {Receiver, R} -> R end,
    emit(g_send_loses_sharing, #{term => Name, sender => SenderInfo,
                                 receiver => RecvInfo}).

g_receiver(Parent) ->
    T = receive Msg -> Msg end,
    erlang:garbage_collect(),
    {garbage_collection_info, GI} =
        erlang:process_info(self(), garbage_collection_info),
    Parent ! {self(), #{size => erts_debug:size(T),
                        flat_size => erts_debug:flat_size(T),
                        live_words_after_gc =>
                            proplists:get_value(recent_size, GI)}}.

%% ---------------------------------------------------------------------------
%% minimal JSON encoder (maps -> objects, lists/tuples -> arrays,
%% binaries/atoms -> strings)

json(M) when is_map(M) ->
    Ks = lists:sort([{key(K), K} || K <- maps:keys(M)]),
    [${, lists:join($,, [[json_str(KB), $:, json(maps:get(K, M))]
                          || {KB, K} <- order(Ks)]), $}];
json(L) when is_list(L) -> [$[, lists:join($,, [json(X) || X <- L]), $]];
json(true) -> <<"true">>;
json(false) -> <<"false">>;
json(null) -> <<"null">>;
json(A) when is_atom(A) -> json_str(atom_to_binary(A, utf8));
json(B) when is_binary(B) -> json_str(B);
json(I) when is_integer(I) -> integer_to_binary(I);
json(F) when is_float(F) -> float_to_binary(F, [short]);
json(P) when is_pid(P) -> json_str(list_to_binary(pid_to_list(P)));
json(T) when is_tuple(T) -> json(tuple_to_list(T)).

%% put "scenario" and "step" first for readability
order(Ks) ->
    First = [K || K = {KB, _} <- Ks, lists:member(KB, [<<"scenario">>, <<"step">>])],
    First ++ (Ks -- First).

key(K) when is_atom(K) -> atom_to_binary(K, utf8);
key(K) when is_binary(K) -> K;
key(K) when is_integer(K) -> integer_to_binary(K).

json_str(B) -> [$", esc(B, <<>>), $"].

esc(<<$", R/binary>>, Acc) -> esc(R, <<Acc/binary, "\\\"">>);
esc(<<$\\, R/binary>>, Acc) -> esc(R, <<Acc/binary, "\\\\">>);
esc(<<$\n, R/binary>>, Acc) -> esc(R, <<Acc/binary, "\\n">>);
esc(<<C, R/binary>>, Acc) when C < 16#20 ->
    H = list_to_binary(io_lib:format("\\u~4.16.0b", [C])),
    esc(R, <<Acc/binary, H/binary>>);
esc(<<C, R/binary>>, Acc) -> esc(R, <<Acc/binary, C>>);
esc(<<>>, Acc) -> Acc.
