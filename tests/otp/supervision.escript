#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1:1 -noshell
%%
%% Runs supervision cases on a real Erlang/OTP and prints what happened, for the differential
%% test against meshlab's simulator (tests/test_otp_differential.py, cases in tests/otpkit.py).
%%
%% Usage: escript supervision.escript CASES_FILE
%%
%% CASES_FILE holds Erlang terms, one per case:
%%   {'case', Name, Tree, Steps}.
%%   Tree  = {sup, Path, Flags, Restart, [Tree]} | {worker, Path, Restart}
%%   Flags = a map of the supervisor flags given (the others take OTP's defaults)
%%   Restart = permanent | transient | temporary | default (leave it out of the child spec)
%%   Steps = [{AtMs, crash | stop, Path}]  (a worker crashes, or stops with reason normal)
%%
%% Every supervisor and worker below is a plain OTP supervisor / gen_server defined in this
%% file. Output, per case, in the order things happened:
%%   case Name / start Path / exit Path normal|shutdown|crash / end
%% and `late Path AtMs RanMs` if a step ran in a later whole second than planned.
%%
%% Timing: a supervisor counts restarts in whole seconds of erlang:monotonic_time(second), so
%% the steps are timed from T0, a whole second of that clock; a step at AtMs runs at
%% T0 + AtMs. Case trees start just before T0. Cases run side by side (names are per case).
-module(supervision).
-mode(compile).

-export([main/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).
-export([start_worker/2, start_sup/3]).

-define(REG, otp_diff_registry).

main([File]) ->
    {ok, Cases} = file:consult(File),
    %% Crash reports of the runtime would only clutter the output; the log below says it all.
    logger:set_primary_config(level, error),
    ok = logger:remove_handler(default),
    ?REG = ets:new(?REG, [named_table, public, set]),
    Now = erlang:monotonic_time(millisecond),
    T0 = (floor_div(Now + 300, 1000) + 1) * 1000,  % a whole second, at least 0.3 s away
    Me = self(),
    Runners = [spawn(fun() -> run_case(Case, T0, Me) end) || Case <- Cases],
    Results = [receive {done, R, Lines} -> Lines end || R <- Runners],
    lists:foreach(fun(Lines) -> io:put_chars(Lines) end, Results),
    halt(0);
main(_) ->
    io:format(standard_error, "usage: escript supervision.escript CASES_FILE~n", []),
    halt(2).

floor_div(A, B) when A >= 0 -> A div B;
floor_div(A, B) -> -((B - 1 - A) div B).

run_case({'case', Name, Tree, Steps}, T0, Main) ->
    process_flag(trap_exit, true),
    Log = spawn_link(fun() -> logger_loop([]) end),
    Ctx = {Name, Log},
    {ok, _Root} = start_tree(Ctx, Tree),
    [erlang:send_after(T0 + At, self(), {step, At, Kind, Path}, [{abs, true}])
     || {At, Kind, Path} <- Steps],
    Last = lists:max([0 | [At || {At, _, _} <- Steps]]),
    erlang:send_after(T0 + Last + 400, self(), finish, [{abs, true}]),
    step_loop(Ctx, T0),
    Log ! {dump, self()},
    Events = receive {events, Logged} -> Logged end,
    Lines = [io_lib:format("case ~s~n", [Name])]
        ++ [format_event(E) || E <- Events] ++ ["end\n"],
    Main ! {done, self(), Lines}.

step_loop({Name, Log} = Ctx, T0) ->
    receive
        {step, At, Kind, Path} ->
            case ets:lookup(?REG, {Name, Path}) of
                [{_, Pid}] -> gen_server:cast(Pid, Kind);  % a dead pid: nothing happens
                [] -> ok
            end,
            %% A step that ran in a later whole second than planned (a very busy machine)
            %% would change what the restart window sees: say so rather than differ.
            Ran = erlang:monotonic_time(millisecond) - T0,
            case Ran div 1000 =:= At div 1000 of
                true -> ok;
                false -> Log ! {event, {late, Path, At, Ran}}
            end,
            step_loop(Ctx, T0);
        {'EXIT', _, _} ->
            step_loop(Ctx, T0);  % the root supervisor gave up: its exit is in the log already
        finish ->
            ok
    end.

format_event({start, Path}) -> io_lib:format("start ~s~n", [Path]);
format_event({exit, Path, Reason}) -> io_lib:format("exit ~s ~s~n", [Path, Reason]);
format_event({late, Path, At, Ran}) -> io_lib:format("late ~s ~b ~b~n", [Path, At, Ran]).

%% The log of one case: events in the order they reached it. Workers log from inside
%% themselves (init/1 and terminate/2); a supervisor's exit is seen through a monitor.
logger_loop(Events) ->
    receive
        {event, E} ->
            logger_loop([E | Events]);
        {watch, Path, Pid, From} ->
            erlang:monitor(process, Pid, [{tag, {down, Path}}]),
            From ! watching,
            logger_loop([{start, Path} | Events]);
        {{down, Path}, _Ref, process, _Pid, Reason} ->
            logger_loop([{exit, Path, classify(Reason)} | Events]);
        {dump, From} ->
            From ! {events, lists:reverse(Events)}
    end.

classify(normal) -> normal;
classify(shutdown) -> shutdown;
classify({shutdown, _}) -> shutdown;
classify(_) -> crash.

%% Building a tree ---------------------------------------------------------------------------

start_tree(Ctx, {sup, Path, Flags, _Restart, Children}) ->
    start_sup(Ctx, Path, {Flags, Children});
start_tree(Ctx, {worker, Path, _Restart}) ->
    start_worker(Ctx, Path).

start_sup(Ctx, Path, FlagsAndChildren) ->
    supervisor:start_link(?MODULE, {sup, Ctx, Path, FlagsAndChildren}).

start_worker(Ctx, Path) ->
    gen_server:start_link(?MODULE, {worker, Ctx, Path}, []).

child_spec(Ctx, {sup, Path, Flags, Restart, Children}) ->
    with_restart(Restart, #{id => Path, type => supervisor,
                            start => {?MODULE, start_sup, [Ctx, Path, {Flags, Children}]}});
child_spec(Ctx, {worker, Path, Restart}) ->
    with_restart(Restart, #{id => Path, start => {?MODULE, start_worker, [Ctx, Path]}}).

with_restart(default, Spec) -> Spec;
with_restart(Restart, Spec) -> Spec#{restart => Restart}.

%% One module, two behaviours: init/1 of a supervisor and of a gen_server worker ------------

init({sup, {_, Log} = Ctx, Path, {Flags, Children}}) ->
    Log ! {watch, Path, self(), self()},
    receive watching -> ok end,
    {ok, {Flags, [child_spec(Ctx, C) || C <- Children]}};
init({worker, {Name, Log}, Path}) ->
    process_flag(trap_exit, true),  % so that a shutdown from the supervisor runs terminate/2
    ets:insert(?REG, {{Name, Path}, self()}),
    Log ! {event, {start, Path}},
    {ok, {Path, Log}}.

handle_call(_Req, _From, State) -> {reply, ok, State}.

handle_cast(crash, _State) -> exit(crash);
handle_cast(stop, State) -> {stop, normal, State}.

handle_info(_Msg, State) -> {noreply, State}.

terminate(Reason, {Path, Log}) ->
    Log ! {event, {exit, Path, classify(Reason)}},
    ok.
