//! Scenario files: every `www/scenarios/*.scn` is built in, checks clean, and its trace equals its committed
//! snapshot; bad files get exact, located messages; hostile files fail fast; no input panics the parser.
//! Run with `BEAMVIZ_BLESS=1` to rewrite the snapshots after an intended change, then review the diff.

use beamviz::scenario::{self, ErrorKind, Feature, ParseError, Scenario, Span};
use proptest::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn snapshot_path(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(format!("{id}.trace"))
}

/// The scenario files, by id, sorted.
fn scenario_files() -> Vec<(String, String)> {
    let dir = root().join("www").join("scenarios");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("www/scenarios exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().into_owned();
            (id, std::fs::read_to_string(&p).expect("readable scenario"))
        })
        .collect();
    files.sort();
    files
}

#[track_caller]
fn parse_file(id: &str, src: &str) -> Scenario {
    match scenario::parse(id, src) {
        Ok(s) => s,
        Err(e) => panic!(
            "{}",
            scenario::render_error(&format!("{id}.scn"), src, e.span, &e.kind)
        ),
    }
}

#[test]
fn every_scenario_file_is_built_in_and_embedded_verbatim() {
    let files = scenario_files();
    let ids: Vec<&str> = files.iter().map(|(id, _)| id.as_str()).collect();
    let mut builtin: Vec<&str> = scenario::BUILTIN.to_vec();
    builtin.sort();
    assert_eq!(
        ids, builtin,
        "www/scenarios/*.scn and scenario::BUILTIN differ"
    );
    for (id, src) in &files {
        let embedded = scenario::BUILTIN_SOURCES
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| *s);
        assert_eq!(
            embedded,
            Some(src.as_str()),
            "{id}: embedded source differs"
        );
    }
}

#[test]
fn scenario_files_check_clean() {
    for (id, src) in scenario_files() {
        let s = parse_file(&id, &src);
        check_sliced(&src, &scenario::parse("t", &src));
        let res = scenario::check(&s);
        assert!(res.op_error.is_none(), "{id}: {:?}", res.op_error);
        assert!(res.failures.is_empty(), "{id}: {:?}", res.failures);
        assert!(
            res.evaluated > 0,
            "{id}: a scenario should check some numbers"
        );
    }
}

#[test]
fn scenario_files_match_their_snapshots() {
    let bless = std::env::var_os("BEAMVIZ_BLESS").is_some();
    let mut stale = Vec::new();
    for (id, src) in scenario_files() {
        let s = parse_file(&id, &src);
        let got = beamviz::trace::trace(&s);
        let path = snapshot_path(&id);
        if bless {
            std::fs::write(&path, &got).expect("write snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            eprintln!("--- {} (snapshot)\n+++ {id} (now)\n{got}", path.display());
            stale.push(id);
        }
    }
    assert!(
        stale.is_empty(),
        "traces differ from snapshots: {stale:?} (BEAMVIZ_BLESS=1 to accept)"
    );
}

/// Reads `src` as the page does, a slice at a time (a step at first, then thousands), and checks that it comes out
/// as `parse` read it at once (`whole`): the same steps, or the same error; and that the steps counted up front
/// are the ones read.
#[track_caller]
fn check_sliced(src: &str, whole: &Result<Scenario, ParseError>) {
    let sliced = (|| {
        let mut r = scenario::Reader::new("t", src, &Default::default())?;
        let count = r.count(src);
        loop {
            let more = if r.scenario().steps.len() < 2000 {
                1
            } else {
                4096
            };
            if r.read(src, more)? {
                break;
            }
            // Nothing asked, nothing read.
            assert_eq!(r.read(src, 0), Ok(false));
        }
        // A finished reader only says so again.
        assert_eq!(r.read(src, 1), Ok(true));
        Ok((r.into_scenario(), count))
    })();
    match (whole, sliced) {
        (Ok(w), Ok((s, count))) => {
            assert!(*w == s, "read in slices, a different scenario:\n{src}");
            assert_eq!(count, Some(s.steps.len()), "steps counted up front:\n{src}");
        }
        (Err(e), Err(f)) => assert_eq!(*e, f, "read in slices, another error:\n{src}"),
        (w, s) => panic!(
            "read at once {:?}, in slices {:?}:\n{src}",
            w.as_ref().err(),
            s.err()
        ),
    }
}

#[test]
fn a_long_scenario_reads_the_same_in_slices() {
    // 100,000 steps in two loops: every slice of up to 4,096 steps stops in the middle of one.
    let src = std::fs::read_to_string(root().join("tests/scale/million-steps.scn"))
        .expect("tests/scale/million-steps.scn")
        .replace("1..998999", "1..98999");
    let whole = scenario::parse("t", &src);
    assert_eq!(whole.as_ref().map(|s| s.steps.len()), Ok(100_000));
    check_sliced(&src, &whole);
    // Nested loops, the inner range from the outer variable, paused anywhere; and the same failing late.
    let nested = "# T\n\nactor a\na: t = [0]\na: for i <- 1..40, do: for j <- i..40, do: Enum.each(1..3, fn k -> x = [k | t] end)\n  N.\nexpect a.heap_used > 0\n";
    let whole = scenario::parse("t", nested);
    assert_eq!(whole.as_ref().map(|s| s.steps.len()), Ok(2 + 820 * 3));
    check_sliced(nested, &whole);
    for bad in [
        nested.replace("j <- i..40", "j <- 20..i"),
        nested.replace("[k | t]", "[k | u]"),
        nested.replace("N.", "N `."),
        format!("{nested}a: for i <- 1..1048000, do: x = [i | t]\n"),
    ] {
        let whole = scenario::parse("t", &bad);
        assert!(whole.is_err(), "{bad}");
        check_sliced(&bad, &whole);
    }
    // Counting stops at the step limit, and fast, however the loops nest.
    for huge in [
        "a: for i <- 1..1000, do: for j <- 1..1000000000, do: x = 1",
        "a: for i <- 1..1000000000, do: for j <- 1..i, do: x = 1",
        "a: for i <- 1..1100, do: for j <- 1..1000, do: x = 1",
    ] {
        let src = format!("# T\n\nactor a\n{huge}\n");
        let r = scenario::Reader::new("t", &src, &Default::default()).expect("a title");
        let count = within(Duration::from_secs(1), "a count", || r.count(&src));
        assert_eq!(count, None, "{huge}");
    }
}

/// The message `beamviz check` prints for `src`.
fn error_text(src: &str) -> String {
    let whole = scenario::parse_bytes("t", src.as_bytes());
    check_sliced(src, &whole);
    match whole {
        Ok(s) => {
            let res = scenario::check(&s);
            let mut out = String::new();
            if let Some((step, span, e)) = res.op_error {
                let what = res.op_message.clone().unwrap_or_else(|| e.to_string());
                out += &scenario::render_error(
                    "t.scn",
                    src,
                    span,
                    &format_args!("step {step} failed: {what}"),
                );
            }
            for f in &res.failures {
                out += &scenario::render_error("t.scn", src, f.span, f);
            }
            out
        }
        Err(e) => scenario::render_error("t.scn", src, e.span, &e.kind),
    }
}

#[track_caller]
fn check_error(src: &str, want: &str) {
    assert_eq!(error_text(src), want, "for:\n{src}");
}

#[test]
fn bad_files_get_exact_located_messages() {
    check_error(
        "actor a\n",
        "t.scn:1:1: a scenario starts with a `# Title` line\n1 | actor a\n  | ^^^^^^^\n",
    );
    check_error(
        "# T\n\nactor a\nc: x = 1\n",
        "t.scn:4:1: unknown actor (declare it with `actor NAME`)\n4 | c: x = 1\n  | ^\n",
    );
    check_error(
        "# T\n\nactor a\na: x = {1, y}\n",
        "t.scn:4:12: unbound variable\n4 | a: x = {1, y}\n  |            ^\n",
    );
    check_error(
        "# T\n\nactor a\na: :proc_lib.hibernate(M, :f, [])\n",
        "t.scn:4:4: not modelled yet: hibernation by proc_lib (use `:erlang.hibernate`)\n4 | a: :proc_lib.hibernate(M, :f, [])\n  |    ^^^^^^^^^\n",
    );
    check_error(
        "# T\n\nactor a\na: x = Enum.to_list(1..3\n",
        "t.scn:4:25: unexpected end of statement\n4 | a: x = Enum.to_list(1..3\n  |                         ^\n",
    );
    check_error(
        "# T\n\nactor a, min_heap_size: -1\n",
        "t.scn:4:25: bad option value\n3 | actor a, min_heap_size: -1\n  |                         ^\n"
            .replace("t.scn:4:25", "t.scn:3:25")
            .as_str(),
    );
    check_error(
        "# T\n\nactor a\na: x = 1\nexpect a.heap_size == 610\n",
        "t.scn:5:8: expectation failed after step 2: got 233, expected == 610\n5 | expect a.heap_size == 610\n  |        ^^^^^^^^^^^^^^^^^^\n",
    );
    check_error(
        "# T\n\nactor a\na: got = receive do m -> m end\n",
        "t.scn:4:4: step 2 failed: the mailbox is empty: receive would block forever\n4 | a: got = receive do m -> m end\n  |    ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
    );
    check_error(
        "# T\n\nactor a\npredict Why?\n  [x] because\n  [ ] no\n",
        "t.scn:4:1: `predict` needs an explanation: a `because …` line\n4 | predict Why?\n  | ^^^^^^^\n",
    );
    check_error(
        "# T\n\nactor a\nactor b\nProcess.exit(b, :normal)\n",
        "t.scn:5:17: a process that does not trap exits ignores the reason `normal` from another process; use `:kill`\n5 | Process.exit(b, :normal)\n  |                 ^^^^^^^\n",
    );
    check_error(
        "# T\n\nactor a\n  Narration with `code\n",
        "t.scn:4:18: unclosed ` code span in narration\n4 |   Narration with `code\n  |                  ^\n",
    );
}

#[test]
fn erlang_syntax_reads_the_same_statements() {
    let src = "# T\n\nsyntax erlang\n\nactor A\nactor B, min_heap_size: 1000\n\
               A: L = lists:seq(1, 20)\nA: Bin = binary:copy(<<0>>, 100)\nA: Msg = {L, Bin}\nA: B ! Msg\n\
               B: Got = receive M -> M end\nA: _ = Msg\nA: erlang:garbage_collect()\n\
               [A ! Got || _ <- lists:seq(1, 1)]\nexit(B, kill)\n";
    let err = scenario::parse("t", src).unwrap_err();
    // `[A ! Got || …]` at the top level: sending needs a process to run it.
    assert_eq!(err.kind, ErrorKind::NeedsActor);
    let src = src.replace("[A ! Got", "B: [A ! Got");
    let s = scenario::parse("t", &src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.steps.len(), 11);
    assert_eq!(
        s.steps[1].code,
        "B = spawn_opt(fun() -> ... end, [{min_heap_size, 1000}])"
    );
    assert_eq!(s.steps[9].code, "A ! Got");
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
}

#[test]
fn loops_expand_into_one_step_per_iteration() {
    let src = "# T\n\nactor a\nactor b\n\
               a: for i <- 1..3, do: x = Enum.to_list(1..i)\n  Three lists.\n\
               a: Enum.each(1..2, fn i -> y = {i, x} end)\nexpect a.heap_used == 43\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let codes: Vec<&str> = s.steps.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "a = spawn(fn -> ... end)",
            "b = spawn(fn -> ... end)",
            "x = Enum.to_list(1..i)  # i = 1",
            "x = Enum.to_list(1..i)  # i = 2",
            "x = Enum.to_list(1..i)  # i = 3",
            "y = {i, x}  # i = 1",
            "y = {i, x}  # i = 2",
        ]
    );
    assert_eq!(s.steps[2].narration(), "Three lists.");
    assert_eq!(s.steps[3].narration(), "");
    assert_eq!(s.steps[6].expects().len(), 1);
    // 2 + 4 + 6 words of lists, each with the garbage `Enum.to_list` leaves: a 5-word reducer fun, and the
    // reversed copy, except for one element, which `lists:reverse/1` returns as it is (7 + 13 + 17), and two 3-word
    // tuples: 43 words.
    assert!(scenario::check(&s).passed(), "{:?}", scenario::check(&s));
}

/// Runs `f` and fails when it takes longer than `limit`.
#[track_caller]
fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = beamviz_tests::Stopwatch::start();
    let res = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?}");
    res
}

fn hostile_kind(bytes: &[u8]) -> ErrorKind {
    within(Duration::from_secs(1), "parsing a hostile file", || {
        scenario::parse_bytes("t", bytes)
    })
    .map(|_| ())
    .expect_err("a hostile file is refused")
    .kind
}

#[test]
fn hostile_files_are_refused_fast() {
    let valid = scenario::BUILTIN_SOURCES[0].1;
    // Truncated anywhere: parses or fails, fast, without panicking.
    for cut in (0..valid.len()).step_by(7) {
        if let Some(prefix) = valid.get(..cut) {
            let _ = within(Duration::from_secs(1), "a truncated file", || {
                scenario::parse("t", prefix)
            });
        }
    }
    assert_eq!(hostile_kind(&[0xff, 0xfe, 0x00, 0x9f]), ErrorKind::NotUtf8);
    assert_eq!(hostile_kind(&vec![b'a'; 10 << 20]), ErrorKind::FileTooLarge);
    let loop_1e9 = "# T\n\nactor a\na: for i <- 1..1_000_000_000, do: x = i\n";
    assert_eq!(hostile_kind(loop_1e9.as_bytes()), ErrorKind::TooManySteps);
    let nested_loops = "# T\n\nactor a\na: for i <- 1..2000, do: for j <- 1..1000, do: x = j\n";
    assert_eq!(
        hostile_kind(nested_loops.as_bytes()),
        ErrorKind::TooManySteps
    );
    let deep = format!(
        "# T\n\nactor a\na: x = {}1{}\n",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    assert_eq!(hostile_kind(deep.as_bytes()), ErrorKind::TooDeep);
    let deep_lists = format!("# T\n\nactor a\na: x = {}\n", "[".repeat(500_000));
    assert_eq!(hostile_kind(deep_lists.as_bytes()), ErrorKind::TooDeep);
    let huge_list = "# T\n\nactor a\na: x = Enum.to_list(1..1_000_000_000_000)\n";
    assert_eq!(hostile_kind(huge_list.as_bytes()), ErrorKind::TermTooLarge);
    // Doubling a shared term: its flat size (what a copy or a view walks) grows exponentially.
    let mut doubling = String::from("# T\n\nactor a\na: x0 = {1}\n");
    for i in 1..64 {
        doubling += &format!("a: x{i} = {{x{p}, x{p}}}\n", p = i - 1);
    }
    assert_eq!(hostile_kind(doubling.as_bytes()), ErrorKind::TooMuchWork);
    // Many big steps: each copies a 2,000,000-word term (refused after the loop's first iteration).
    let busy = "# T\n\nactor a\nactor b\na: x = Enum.to_list(1..1_000_000)\na: for i <- 1..1000, do: send(b, x)\n";
    assert_eq!(hostile_kind(busy.as_bytes()), ErrorKind::TooMuchWork);
    let many_actors: String = std::iter::once("# T\n\n".to_string())
        .chain((0..200_000).map(|i| format!("actor a{i}\n")))
        .collect();
    assert_eq!(
        hostile_kind(many_actors.as_bytes()),
        ErrorKind::FileTooLarge
    );
    // Iterating over big ranges is work even when nothing is built.
    let reduce = "a: x = Enum.reduce(1..10_000_000, 0, fn k, acc -> k + acc end)\n";
    let iterating = format!("# T\n\nactor a\n{reduce}{reduce}");
    assert_eq!(hostile_kind(iterating.as_bytes()), ErrorKind::TooMuchWork);
    let shifted = "# T\n\nsyntax erlang\nactor A\nA: X = lists:seq(1, 1 bsl 40)\n";
    assert_eq!(hostile_kind(shifted.as_bytes()), ErrorKind::TermTooLarge);
    let ets = "# T\n\nactor a\na: :ets.lookup_element(:t, 1, 2)\n";
    assert_eq!(
        hostile_kind(ets.as_bytes()),
        ErrorKind::NotModelled(Feature::Ets)
    );
}

#[test]
fn the_largest_accepted_scenarios_run_in_a_few_seconds() {
    // At the work limit: a scenario the parser accepts must also run and render quickly.
    let src = "# T\n\nactor a\nactor b\na: x = Enum.to_list(1..50_000)\n\
               a: for i <- 1..10, do: send(b, x)\nb: for i <- 1..5, do: y = receive do m -> m end\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    within(Duration::from_secs(10), "tracing a large scenario", || {
        beamviz::trace::trace(&s)
    });
}

/// Valid scenario text, mutated: bytes replaced, inserted, deleted, or lines duplicated.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let files: Vec<&'static str> = scenario::BUILTIN_SOURCES.iter().map(|(_, s)| *s).collect();
    (
        prop::sample::select(files),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..8),
    )
        .prop_map(|(src, edits)| {
            let mut bytes = src.as_bytes().to_vec();
            for (at, kind, b) in edits {
                if bytes.is_empty() {
                    break;
                }
                let i = at.index(bytes.len());
                let interesting = b"{}[]()<>,.:\n =_`x19-#";
                let b2 = interesting[b as usize % interesting.len()];
                match kind {
                    0 => bytes[i] = b2,
                    1 => bytes.insert(i, b2),
                    2 => {
                        bytes.remove(i);
                    }
                    _ => {
                        // Duplicate the line at `i` (loops and big terms get repeated).
                        let start = bytes[..i]
                            .iter()
                            .rposition(|c| *c == b'\n')
                            .map_or(0, |p| p + 1);
                        let end = bytes[i..]
                            .iter()
                            .position(|c| *c == b'\n')
                            .map_or(bytes.len(), |p| i + p + 1);
                        let line = bytes[start..end].to_vec();
                        bytes.splice(start..start, line);
                    }
                }
            }
            bytes
        })
}

/// An Elixir expression from the subset, with variables `x`, `y` and loop variable `i`.
fn elixir_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-3i64..300).prop_map(|n| n.to_string()),
        prop::sample::select(vec!["x", "y", "x", "y", ":ok", "nil", "{}", "[]"])
            .prop_map(String::from),
        (0u32..3, 0u32..300).prop_map(|(a, b)| format!("Enum.to_list({a}..{b})")),
        (0u32..256, 0u32..200).prop_map(|(f, n)| format!(":binary.copy(<<{f}>>, {n})")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("{{{}}}", v.join(", "))),
            prop::collection::vec(inner, 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        ]
    })
}

/// Two processes with `x` and `y` bound in each.
const GENERATED_HEADER: &str =
    "# T\n\nactor a\nactor b, min_heap_size: 300\na: x = 1\na: y = 2\nb: x = 1\nb: y = 2\n";

/// A mostly valid Elixir line: statements, loops, checkpoints, narration.
fn elixir_line() -> impl Strategy<Value = String> {
    let who = prop::sample::select(vec!["a", "b"]);
    let var = prop::sample::select(vec!["x", "y"]);
    prop_oneof![
        4 => (who.clone(), var.clone(), elixir_expr()).prop_map(|(w, v, e)| format!("{w}: {v} = {e}")),
        2 => (who.clone(), who.clone(), var.clone()).prop_map(|(w, t, v)| format!("{w}: send({t}, {v})")),
        2 => (who.clone(), var.clone()).prop_map(|(w, v)| format!("{w}: {v} = receive do m -> m end")),
        1 => (who.clone(), var.clone()).prop_map(|(w, v)| format!("{w}: _ = {v}")),
        1 => who.clone().prop_map(|w| format!("{w}: :erlang.garbage_collect()")),
        1 => (who.clone(), 1u32..5, var.clone(), elixir_expr())
            .prop_map(|(w, n, v, e)| format!("{w}: for i <- 1..{n}, do: {v} = {e}")),
        1 => (who.clone(), 1u32..4, who.clone(), var.clone())
            .prop_map(|(w, n, t, v)| format!("{w}: Enum.each(1..{n}, fn i -> send({t}, {v}) end)")),
        1 => (who.clone(), 0u64..300).prop_map(|(w, n)| format!("expect {w}.heap_size >= {n}")),
        1 => (who.clone(), var.clone()).prop_map(|(w, v)| format!("expect binary({w}.{v}).refc == 1")),
        1 => Just("  Narration with `code` and *emphasis*.".to_string()),
        1 => Just("predict Q?\n  [ ] no\n  [x] yes\n  because so.".to_string()),
        1 => Just("Process.exit(b, :kill)".to_string()),
        1 => Just(String::new()),
    ]
}

/// A mostly valid Erlang line.
fn erlang_line() -> impl Strategy<Value = String> {
    let who = prop::sample::select(vec!["A", "B"]);
    let var = prop::sample::select(vec!["X", "Y"]);
    let expr = prop::sample::select(vec![
        "X",
        "{X, Y}",
        "[X, 1, ok]",
        "lists:seq(1, 30)",
        "binary:copy(<<7>>, 100)",
        "{}",
        "'q a'",
        "-5",
        "lists:seq(1, I)",
        "{I, X}",
    ]);
    prop_oneof![
        3 => (who.clone(), var.clone(), expr.clone()).prop_map(|(w, v, e)| format!("{w}: {v} = {e}")),
        2 => (who.clone(), who.clone(), var.clone()).prop_map(|(w, t, v)| format!("{w}: {t} ! {v}")),
        2 => (who.clone(), var.clone()).prop_map(|(w, v)| format!("{w}: {v} = receive M -> M end")),
        1 => (who.clone(), var.clone()).prop_map(|(w, v)| format!("{w}: _ = {v}")),
        1 => who.clone().prop_map(|w| format!("{w}: erlang:garbage_collect()")),
        1 => who.clone().prop_map(|w| format!("erlang:garbage_collect({w})")),
        1 => (who.clone(), 1u32..4, var.clone(), expr.clone())
            .prop_map(|(w, n, v, e)| format!("{w}: [{v} = {e} || I <- lists:seq(1, {n})]")),
        1 => (who.clone(), 1u32..4, var.clone())
            .prop_map(|(w, n, v)| format!("{w}: lists:foreach(fun(I) -> {v} = receive M -> M end end, lists:seq(1, {n}))")),
        1 => (who.clone(), 1u32..3, 1u32..3, var)
            .prop_map(|(w, n, m, v)| format!("{w}: [[{v} = {{I, J}} || J <- lists:seq(1, {m})] || I <- lists:seq(1, {n})]")),
        1 => (who.clone(), 0u64..300).prop_map(|(w, n)| format!("expect {w}.total_heap_size =< {n}")),
        1 => who.prop_map(|w| format!("exit({w}, kill)")),
        1 => Just("  Narration.".to_string()),
    ]
}

/// One line of statement fragments, in either syntax.
fn soup_line() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "a: ",
        "b: ",
        "A: ",
        "B: ",
        "x",
        "y",
        "X",
        "Y",
        " = ",
        "_ = ",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "1",
        "-3",
        "99999999999999999999",
        ":ok",
        "ok",
        "Enum.to_list(",
        "lists:seq(",
        "1..",
        "..",
        "3",
        ")",
        "(",
        "for i <- ",
        "for i <- 1..3, do: ",
        ", do: ",
        "Enum.each(1..2, fn i -> ",
        " end)",
        "i",
        "I",
        "[",
        " || I <- lists:seq(1, 2)]",
        "lists:foreach(fun(I) -> ",
        " end, lists:seq(1, 2))",
        "send(b, ",
        "send(a, ",
        "B ! ",
        "A ! ",
        "receive do m -> m end",
        "receive M -> M end",
        ":erlang.garbage_collect()",
        "erlang:garbage_collect(",
        ":erlang.garbage_collect(b)",
        "Process.exit(b, :kill)",
        "exit(B, kill)",
        "exit(:normal)",
        ":binary.copy(<<",
        "binary:copy(<<",
        ">>, ",
        "100",
        "String.duplicate(\"a\", ",
        "expect ",
        "a.heap_size",
        "A.heap_size",
        " == ",
        " >= ",
        "binary(x).refc",
        "binary(a.x).bytes",
        "size(a.x)",
        "flat_size(B.X)",
        "predict Q?",
        "  [x] y",
        "  [ ] n",
        "  because z",
        "  narration `c`",
        "  *e*",
        "actor c",
        "actor C, min_heap_size: 1000",
        "actor d, message_queue_data: :off_heap",
        "syntax erlang",
        "# c",
        "% c",
        "\"",
        "'",
        "`",
        "\t",
        "é",
        ":\"q\"",
        "#{}",
        "%{}",
        "1.5",
        "fn",
        "<<>>",
        "$a",
        "|",
        "!",
    ];
    prop::collection::vec(prop::sample::select(PIECES), 0..10).prop_map(|p| p.concat())
}

fn parse_and_run(bytes: &[u8]) -> Result<(), ParseError> {
    let whole = scenario::parse_bytes("t", bytes);
    if let Ok(src) = std::str::from_utf8(bytes) {
        check_sliced(src, &whole);
    }
    let s = whole?;
    let res = scenario::check(&s);
    if let Some((step, span, _)) = res.op_error {
        assert!(step >= 1 && step <= s.steps.len());
        assert!(span.line >= 1);
    }
    let _ = beamviz::trace::trace(&s);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random bytes never panic the parser, and an error always points into the file.
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Err(e) = within(Duration::from_secs(1), "random bytes", || parse_and_run(&bytes)) {
            let lines = bytes.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            prop_assert!(e.span.line >= 1 && e.span.line <= lines, "{:?}", e);
            prop_assert!(e.span.col >= 1 && e.span.len >= 1);
        }
    }

    /// Lines assembled from statement fragments reach deep into the statement reader without panicking.
    #[test]
    fn fragment_soup_never_panics(lines in prop::collection::vec(soup_line(), 0..24), erlang in any::<bool>()) {
        let header = if erlang { "# T\n\nsyntax erlang\nactor A\nactor B\n" } else { "# T\n\nactor a\nactor b\n" };
        let mut src = String::from(header);
        for l in lines {
            src += &l;
            src.push('\n');
        }
        let _ = within(Duration::from_secs(2), "fragment soup", || parse_and_run(src.as_bytes()));
    }

    /// Mostly valid scenarios (any step may fail at run time) parse, run, check and render without panicking.
    #[test]
    fn generated_scenarios_never_panic(lines in prop::collection::vec(elixir_line(), 0..40)) {
        let mut src = String::from(GENERATED_HEADER);
        for l in lines {
            src += &l;
            src.push('\n');
        }
        let _ = within(Duration::from_secs(2), "a generated scenario", || parse_and_run(src.as_bytes()));
    }

    /// The same in Erlang syntax: comprehensions and `lists:foreach` are read by scanning for their ends.
    #[test]
    fn generated_erlang_scenarios_never_panic(lines in prop::collection::vec(erlang_line(), 0..40)) {
        let mut src = String::from("# T\n\nsyntax erlang\nactor A\nactor B\nA: X = 1\nA: Y = 2\nB: X = 1\nB: Y = 2\n");
        for l in lines {
            src += &l;
            src.push('\n');
        }
        let _ = within(Duration::from_secs(2), "a generated scenario", || parse_and_run(src.as_bytes()));
    }

    /// Mutated valid files parse or fail with a located error; those that parse run without panicking.
    #[test]
    fn mutated_files_never_panic(bytes in mutated()) {
        if let Err(e) = within(Duration::from_secs(2), "a mutated file", || parse_and_run(&bytes)) {
            let text = String::from_utf8_lossy(&bytes);
            prop_assert!(e.span.line >= 1 && e.span.line as usize <= text.lines().count().max(1) + 1, "{:?}", e);
            // Rendering the message never panics either.
            let _ = scenario::render_error("t.scn", &text, e.span, &e.kind);
        }
    }
}

/// A check helper's own test: `Span` is what the message's caret shows.
#[test]
fn spans_are_characters_not_bytes() {
    let src = "# T\n\nactor a\n  Ünïcödé narration `x\n";
    let e = scenario::parse("t", src).unwrap_err();
    assert_eq!(
        e,
        ParseError {
            kind: ErrorKind::UnclosedCodeSpan,
            span: Span {
                line: 4,
                col: 21,
                len: 1
            }
        }
    );
}

/// The complete example in `docs/scenarios.md` is a valid scenario whose checkpoints hold.
#[test]
fn the_documented_example_checks_clean() {
    let doc = std::fs::read_to_string(root().join("docs").join("scenarios.md"))
        .expect("docs/scenarios.md");
    let after = doc
        .split("## A complete example")
        .nth(1)
        .expect("the example section");
    let example = after
        .split("```")
        .nth(1)
        .expect("a code block")
        .trim_start_matches('\n');
    let s = parse_file("example", example);
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
    assert_eq!(res.evaluated, 5);
    assert!(s.steps.iter().any(|s| s.predict().is_some()));
}

/// Files written on other systems read the same: a byte-order mark, CRLF line ends, tab indents.
#[test]
fn bom_crlf_and_tabs_read_the_same() {
    let unix = "# T\nAbout it.\n\nactor a\n  Narration.\na: x = 1\n";
    let windows = "\u{feff}# T\r\nAbout it.\r\n\r\nactor a\r\n\tNarration.\r\na: x = 1\r\n";
    assert_eq!(
        scenario::parse("t", unix).unwrap(),
        scenario::parse("t", windows).unwrap()
    );
}

/// A forgotten blank line after the title does not turn the first actor into description.
#[test]
fn the_description_stops_at_the_first_actor() {
    let s = scenario::parse("t", "# T\nactor a\na: x = 1\n").unwrap();
    assert_eq!((s.description.as_str(), s.steps.len()), ("", 2));
}

/// A run exactly as long as the checkpoint interval (or a multiple) traces and checks to its last step.
/// (Found by `generated_scenarios_never_panic`: `History::seek` indexed a checkpoint that was never taken.)
#[test]
fn runs_a_multiple_of_the_checkpoint_interval_long_reach_their_end() {
    for n in [31, 32, 33, 64] {
        let src = format!(
            "# T\n\nactor a\na: for i <- 1..{}, do: x = i\nexpect a.stack_size == 2\n",
            n - 1
        );
        let s = scenario::parse("t", &src).unwrap();
        assert_eq!(s.steps.len(), n);
        assert!(scenario::check(&s).passed());
        assert!(beamviz::trace::trace(&s).contains(&format!("step {n}: x = i  # i = {}", n - 1)));
    }
}

/// Statements run the evaluator: maps, operators, patterns and loop variables in any expression; parse errors are
/// located in the file, evaluation errors at the step.
#[test]
fn statements_run_the_evaluator() {
    let src = "# T\n\nactor a\na: m = %{a: 1, b: [1, 2]}\na: {x, y} = {Map.get(m, :b), 7 * 6}\n\
               a: for i <- 1..3, do: t = {i, i * 2, x}\nexpect flat_size(t) == 8\nexpect size(a.y) == 0\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.steps[3].code, "t = {i, i * 2, x}  # i = 1");
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
    check_error(
        "# T\n\nactor a\na: x = {1, 2 +}\n",
        "t.scn:4:15: unexpected token\n4 | a: x = {1, 2 +}\n  |               ^\n",
    );
    check_error(
        "# T\n\nactor a\na: for i <- 10..11, do: x = {i, z}\n",
        "t.scn:4:33: unbound variable\n4 | a: for i <- 10..11, do: x = {i, z}\n  |                                 ^\n",
    );
    check_error(
        "# T\n\nactor a\na: x = 1 + :a\n",
        "t.scn:4:10: step 2 failed: bad argument in an arithmetic expression (badarith)\n4 | a: x = 1 + :a\n  |          ^\n",
    );
    check_error(
        "# T\n\nactor a\na: for i <- 1..2, do: y = :foo.bar(i)\n",
        "t.scn:4:27: step 2 failed: not modelled yet: :foo.bar/1\n4 | a: for i <- 1..2, do: y = :foo.bar(i)\n  |                           ^\n",
    );
}

/// The GC statements map to their ops: `build`, hibernation and waking, ETS tables, atom-creating loops.
#[test]
fn gc_statements_map_to_their_ops() {
    use beamviz::Op;
    let src =
        "# T\n\nactor a\na: xs = build(100, [])\na: :ets.new(:t, [:set])\na: o = {1, xs}\na: :ets.insert(:t, o)\n\
               a: ys = :ets.lookup(:t, 1)\nexpect flat_size(ys) == 205\na: :ets.delete(:t)\n\
               a: Process.hibernate(M, :f, [xs])\nexpect a.stack_size == 1\na: wake(xs)\n\
               a: for i <- 1..50, do: String.to_atom(\"k#{i}\")\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let ops: Vec<&str> = s
        .steps
        .iter()
        .map(|s| match s.op {
            Op::BuildList { n: 100, .. } => "build",
            Op::EtsNew { .. } => "new",
            Op::EtsInsert { .. } => "insert",
            Op::EtsLookup { .. } => "lookup",
            Op::EtsDelete { .. } => "delete",
            Op::Hibernate { .. } => "hibernate",
            Op::Wake { extra: 2, .. } => "wake",
            Op::MakeAtoms { count: 50, .. } => "atoms",
            _ => "other",
        })
        .collect();
    assert_eq!(
        ops,
        [
            "other",
            "build",
            "new",
            "other",
            "insert",
            "lookup",
            "delete",
            "hibernate",
            "wake",
            "atoms"
        ]
    );
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
}

/// Loop variables are visible in string interpolation.
#[test]
fn loop_variables_interpolate() {
    let src = "# T\n\nactor a\na: for i <- 1..2, do: s = \"k#{i}\"\nexpect size(s) == 3\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    assert!(scenario::check(&s).passed());
}

/// A fun outlives the statement that made it: it can be called later, by another process, and a fun made by a
/// fun from an earlier statement works too. Each fun is 5 words plus one per free variable.
#[test]
fn funs_outlive_the_statement_that_made_them() {
    let src = "# T\n\nactor a\nactor b\n\
               a: f = fn y -> y * 2 end\na: x = f.(21)\nexpect size(f) == 5\n\
               a: k = 10\na: g = fn y -> y + k end\nexpect size(g) == 6\n\
               a: z = Enum.map(1..100, g)\nexpect size(z) == 200\n\
               a: mk = fn n -> fn m -> n + m end end\na: add3 = mk.(3)\nexpect size(add3) == 6\n\
               a: w = {add3.(4), x}\nexpect size(w) == 3\n\
               a: send(b, g)\nb: h = receive do m -> m end\nb: v = [h.(1)]\nexpect size(v) == 2\n\
               a: for i <- 1..3, do: q = fn -> i end\na: r = Enum.to_list(1..q.())\nexpect size(r) == 6\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
    // The values, not only their sizes.
    let mut h = beamviz::History::new(s.ops());
    h.seek(h.len());
    let view = beamviz::View::of(h.vm());
    let preview = |pid: usize, name: &str| {
        view.processes[pid]
            .vars
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.preview.clone())
    };
    assert_eq!(preview(0, "w").as_deref(), Some("{7,42}"));
    assert_eq!(preview(1, "v").as_deref(), Some("[11]"));
    // Calling the same code again reuses its table entry: one entry per fun written, not per fun made.
    let src = "# T\n\nactor a\na: for i <- 1..50, do: f = fn y -> y + i end\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let mut h = beamviz::History::new(s.ops());
    h.seek(h.len());
    assert_eq!(
        h.vm().funs().len(),
        50,
        "one per iteration: the source differs by `i`"
    );
    let src = "# T\n\nactor a\na: Enum.each(1..50, fn _i -> f = fn y -> y end end)\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let mut h = beamviz::History::new(s.ops());
    h.seek(h.len());
    assert_eq!(h.vm().funs().len(), 1);
}

/// `_ = x` forgets `x`; `_ = EXPR` evaluates and drops the value, binding nothing.
#[test]
fn underscore_forgets_a_variable_or_drops_a_value() {
    for src in [
        "# T\n\nactor a\na: x = [1, 2]\na: _ = length(x)\na: _ = x\nexpect a.stack_size == 2\n",
        "# T\n\nsyntax erlang\nactor A\nA: X = [1, 2]\nA: _ = length(X)\nA: _ = X\nexpect A.stack_size == 2\n",
    ] {
        let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(s.steps[3].op, beamviz::Op::Forget { .. }));
        assert!(scenario::check(&s).passed(), "{src}");
    }
}

/// The `vm` line: `+hmqd` and spawn defaults reach the actors that do not set them, the sharing-preserving
/// emulator keeps `{l, l, l}` at `size/1` words on the receiver, and a run's overrides win over the file.
#[test]
fn vm_line_switches_and_overrides() {
    use beamviz::process::MessageQueueData;
    let src = "# T\n\nvm message_queue_data: :off_heap, sharing_preserving: true, fullsweep_after: 3\n\
               actor a\nactor b, fullsweep_after: 7\n\
               a: l = Enum.to_list(1..100)\na: t = {l, l, l}\na: send(b, t)\n\
               b: got = receive do m -> m end\nb: :erlang.garbage_collect()\nexpect b.heap_used == 204\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.vm.switches.sharing_preserving);
    let opts: Vec<_> = s
        .steps
        .iter()
        .filter_map(|st| match &st.op {
            beamviz::Op::Spawn { opts, .. } => {
                Some((opts.fullsweep_after, opts.message_queue_data))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        opts,
        [
            (3, MessageQueueData::OffHeap),
            (7, MessageQueueData::OffHeap)
        ]
    );
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
    // The same file with the switch forced off: the message arrives flat, 3 × 200 + 4 words.
    let flat = scenario::parse_with(
        "t",
        &src.replace("== 204", "== 604"),
        &scenario::VmOverrides {
            sharing_preserving: Some(false),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let res = scenario::check(&flat);
    assert!(res.passed(), "{res:?}");
    // After the first step, or with an unknown setting, a `vm` line is a located error.
    let late =
        scenario::parse("t", "# T\n\nactor a\nvm fullsweep_after: 1\n").expect_err("late vm line");
    assert_eq!((late.span.line, late.span.col), (4, 1));
    let unknown =
        scenario::parse("t", "# T\n\nvm colour: 1\nactor a\n").expect_err("unknown setting");
    assert_eq!((unknown.span.line, unknown.span.col), (3, 4));
}

/// `recon:proc_count/2` rankings and `recon:bin_leak/1` on a scenario whose answer is known: `c` dropped three
/// 1000-byte binaries, `a` one 2000-byte binary, `b` still uses its 500-byte one, `d` holds nothing but messages.
#[test]
fn top_and_bin_leak_find_the_leaking_processes() {
    use beamviz::view::{top, TopBy};
    let src = "# T\n\nactor a\nactor b\nactor c\nactor d\n\
               a: x = :binary.copy(<<1>>, 2000)\na: _ = x\n\
               b: y = :binary.copy(<<1>>, 500)\n\
               c: for i <- 1..3, do: z = :binary.copy(<<i>>, 1000)\nc: _ = z\n\
               a: m = {1, 2}\na: send(d, m)\na: send(d, m)\n\
               :recon.bin_leak(2)\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let mut h = s.history();
    let leak_step = h.len();
    h.seek(leak_step - 1);
    let before = beamviz::View::of(h.vm());
    assert_eq!(
        top(&before, TopBy::BinaryMemory, 3),
        [(2, 3000), (0, 2000), (1, 500)]
    );
    assert_eq!(top(&before, TopBy::MessageQueueLen, 1), [(3, 2)]);
    assert_eq!(top(&before, TopBy::TotalHeapSize, 4).len(), 4);
    // The page's ranking, read from the VM without a View, agrees on every key.
    for by in [
        TopBy::Memory,
        TopBy::TotalHeapSize,
        TopBy::BinaryMemory,
        TopBy::MessageQueueLen,
    ] {
        assert_eq!(
            beamviz::view::top_of(h.vm(), by, 10),
            top(&before, by, 10),
            "{by:?}"
        );
    }
    let released: Vec<(u32, u64, u64)> = h
        .events_at(leak_step)
        .iter()
        .filter_map(|e| match e {
            beamviz::Event::BinariesReleased { pid, refs, bytes } => Some((pid.0, *refs, *bytes)),
            _ => None,
        })
        .collect();
    // The top two by references released: c (3 handles, 3000 bytes), then a (1, 2000); b keeps its binary.
    assert_eq!(released, [(2, 3, 3000), (0, 1, 2000)]);
    h.seek(leak_step);
    let after = beamviz::View::of(h.vm());
    assert_eq!(
        top(&after, TopBy::BinaryMemory, 3),
        [(1, 500), (0, 0), (2, 0)]
    );
    assert_eq!(after.binaries.len(), 1, "only b's binary is left");
}

/// `erlang:memory()` growth: a process keeps making binaries it drops, so `binary` grows while no process's
/// `memory` does (a ProcBin is 6 words on a heap that has room); the page's memory panel reads these numbers.
#[test]
fn memory_growth_names_the_growing_category_and_the_largest_process_growth() {
    use beamviz::view::{
        fastest_growing, largest_process_growth, memory, memory_growth, process_memory,
    };
    let src = "# T\n\nactor a\nactor b\na: x = :binary.copy(<<1>>, 4000)\na: y = :binary.copy(<<2>>, 3000)\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let mut h = s.history();
    h.seek(2);
    let (m0, p0) = (memory(h.vm()), process_memory(h.vm()));
    h.seek(4);
    let (m1, p1) = (memory(h.vm()), process_memory(h.vm()));
    let g = memory_growth(&m0, &m1);
    assert_eq!(g[1].category, "binary");
    assert_eq!(g[1].delta, 7000);
    assert_eq!(g[1].now, 7000);
    assert_eq!((g[2].delta, g[3].delta), (0, 0));
    assert_eq!(fastest_growing(&g), Some("binary"));
    // Two ProcBins fit on a's fresh heap: its `memory` does not change, nor does b's.
    assert_eq!(largest_process_growth(&p0, &p1), Some((0, 0)));
    assert_eq!(fastest_growing(&memory_growth(&m1, &m1)), None);
    // A process that did not exist `then` grew from nothing.
    h.seek(1);
    let early = process_memory(h.vm());
    let (pid, grew) = largest_process_growth(&early, &p1).expect("two processes");
    assert_eq!(pid, 1);
    assert_eq!(grew as u64, p1[1].1);
}

/// `ets(T)`, `memory(C)` and `system(atom_count)` read the VM as a whole; a wrong item is a located error, and a
/// table that died with its owner has no value.
#[test]
fn vm_wide_checkpoints_read_tables_memory_and_atoms() {
    let src = "# T\n\nactor a\na: :ets.new(:t, [:set])\nexpect ets(:t).memory == 305\nexpect ets(t).size == 0\n\
               a: b = :binary.copy(<<1>>, 1000)\nexpect memory(binary) == 1000\nexpect memory(:ets) == 2440\n\
               a: for i <- 1..3, do: String.to_atom(\"z#{i}\")\nexpect system(atom_count) == 3\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
    let dead = "# T\n\nactor a\na: :ets.new(:t, [:set])\nProcess.exit(a, :kill)\nexpect ets(t).size == 0\n";
    assert_eq!(
        error_text(dead),
        "t.scn:6:8: expectation failed after step 3: no such value (unbound variable, not an off-heap binary, or no such table)\n\
         6 | expect ets(t).size == 0\n  |        ^^^^^^^^^^^^^^^^\n"
    );
    check_error(
        "# T\n\nactor a\nexpect memory(heap) > 0\n",
        "t.scn:4:15: unknown field\n4 | expect memory(heap) > 0\n  |               ^^^^\n",
    );
    check_error(
        "# T\n\nactor a\nexpect ets(t).rows > 0\n",
        "t.scn:4:15: unknown field\n4 | expect ets(t).rows > 0\n  |               ^^^^\n",
    );
}

/// A stream runs element by element: the same values as the eager pipeline, without the intermediate list.
#[test]
fn streams_build_no_intermediate_list() {
    let src = "# T\n\nactor e\nactor l\n\
               e: x = 1..1000 |> Enum.map(&(&1 * 2)) |> Enum.filter(&(rem(&1, 3) == 0)) |> Enum.to_list()\n\
               l: x = 1..1000 |> Stream.map(&(&1 * 2)) |> Stream.filter(&(rem(&1, 3) == 0)) |> Enum.to_list()\n\
               expect size(e.x) == 666\nexpect size(l.x) == 666\nexpect e.heap_size == 6772\nexpect l.heap_size == 987\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
}

/// Body calls keep frames and tail calls do not: only the body-recursive sum makes its process grow.
#[test]
fn body_recursion_needs_stack_and_tail_recursion_does_not() {
    let src = "# T\n\nsyntax erlang\nactor B\nactor T\n\
               B: S = (fun F(0) -> 0; F(N) -> N + F(N - 1) end)(190)\nexpect B.heap_size > 233\n\
               T: S = (fun F(0, A) -> A; F(N, A) -> F(N - 1, N + A) end)(190, 0)\nexpect T.heap_size == 233\n";
    let s = scenario::parse("t", src).unwrap_or_else(|e| panic!("{e}"));
    let res = scenario::check(&s);
    assert!(res.passed(), "{res:?}");
}
