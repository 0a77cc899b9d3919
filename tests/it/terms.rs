//! Differential tests of the term model against measurements on a real OTP 25 VM.
//!
//! `tests/oracle/*.txt` are corpora of expressions; `*.jsonl` are what `term_sizes.escript` measured for them on
//! OTP 25.2.3 (64-bit). The model must agree on `erts_debug:size/1`, `erts_debug:flat_size/1`, the real heap
//! footprint and the term kind. `terms_elixir.txt` pairs each Elixir expression with its Erlang translation
//! (`ELIXIR ==> ERLANG`); the VM measures the translation, the model evaluates the Elixir.
//!
//! Differences the model cannot remove are listed in `docs/known-differences.md` and in [`KNOWN`].

use beamviz::expr::{size_of, Lang};
use std::path::PathBuf;

/// Expressions whose measured sizes the model does not reproduce, with the reason (see docs/known-differences.md).
/// Empty since module names in calls stopped taking atom-table slots: the 40-atom-key HAMT of the public corpus
/// now happens to get the VM's sizes, though atom indices (and so atom-key HAMT layouts) can still differ.
const KNOWN: &[(&str, &str)] = &[];

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oracle")
}

/// The expressions of a corpus file, as `term_sizes.escript` reads them.
fn corpus(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(oracle_dir().join(name)).expect("corpus file");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('%'))
        .map(String::from)
        .collect()
}

fn num_field(line: &str, key: &str) -> u64 {
    let pat = format!("\"{key}\":");
    let at = line
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        + pat.len();
    line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("number")
}

fn str_field(line: &str, key: &str) -> String {
    let pat = format!("\"{key}\":\"");
    let at = line
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        + pat.len();
    line[at..].chars().take_while(|c| *c != '"').collect()
}

fn measured(name: &str) -> Vec<(u64, u64, u64, String)> {
    let text = std::fs::read_to_string(oracle_dir().join(name)).expect("measurements");
    text.lines()
        .map(|l| {
            (
                num_field(l, "size"),
                num_field(l, "flat_size"),
                num_field(l, "heap_words"),
                str_field(l, "kind"),
            )
        })
        .collect()
}

/// Compares the model with the measurements of one corpus; returns (matched, total).
fn compare(txt: &str, jsonl: &str, elixir: bool) -> (usize, usize) {
    let exprs = corpus(txt);
    let want = measured(jsonl);
    assert_eq!(
        exprs.len(),
        want.len(),
        "{txt} and {jsonl} differ in length: re-measure"
    );
    let mut failures = Vec::new();
    let mut matched = 0;
    for (line, w) in exprs.iter().zip(&want) {
        let (src, lang) = match (elixir, line.split_once(" ==> ")) {
            (true, Some((ex, _))) => (ex.trim(), Lang::Elixir),
            _ => (line.as_str(), Lang::Erlang),
        };
        let got = size_of(src, lang)
            .map(|(s, kind)| (s.size, s.flat_size, s.heap_words, kind.to_string()));
        let known = KNOWN.iter().find(|k| k.0 == src);
        match (got, known) {
            (Ok(g), None) if g == *w => matched += 1,
            (Ok(g), Some((_, why))) => {
                // FIXME: a known difference; it must still be one (or be removed from KNOWN).
                assert_ne!(g, *w, "{src} now matches: remove it from KNOWN");
                println!("known difference: {src}: model {g:?}, VM {w:?} ({why})");
            }
            (Ok(g), None) => failures.push(format!("{src}\n   model {g:?}\n   VM    {w:?}")),
            (Err(e), _) => failures.push(format!("{src}\n   model error: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        exprs.len(),
        failures.join("\n")
    );
    (matched, exprs.len())
}

#[test]
fn public_corpus_matches_otp25() {
    let (m, n) = compare("public_terms.txt", "public_terms.jsonl", false);
    println!("public corpus: {m}/{n} match, {} known differences", n - m);
}

#[test]
fn extended_corpus_matches_otp25() {
    let (m, n) = compare("terms_extra.txt", "terms_extra.jsonl", false);
    assert_eq!(m, n);
}

#[test]
fn elixir_corpus_matches_otp25() {
    let (m, n) = compare("terms_elixir.txt", "terms_elixir.jsonl", true);
    assert_eq!(m, n);
}

/// Re-measures every corpus on the installed VM and checks the committed measurements are still what it says.
#[test]
fn committed_measurements_are_current() {
    let ok = beamviz_tests::beam("escript").arg("-h").output().is_ok()
        && beamviz_tests::beam("erl")
            .args(["-noshell", "-eval", "halt()."])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        println!("note: escript is not installed; skipping the re-measurement (cargo xtask test installs Erlang)");
        return;
    }
    let dir = oracle_dir();
    let tmp = std::env::temp_dir().join(format!("beamviz-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    for (txt, jsonl, elixir) in [
        ("public_terms.txt", "public_terms.jsonl", false),
        ("terms_extra.txt", "terms_extra.jsonl", false),
        ("terms_elixir.txt", "terms_elixir.jsonl", true),
    ] {
        let input = if elixir {
            let erl: Vec<String> = corpus(txt)
                .iter()
                .map(|l| {
                    l.split_once(" ==> ")
                        .map_or(l.as_str(), |(_, e)| e.trim())
                        .to_string()
                })
                .collect();
            let p = tmp.join("elixir_as_erlang.txt");
            std::fs::write(&p, erl.join("\n") + "\n").expect("write");
            p
        } else {
            dir.join(txt)
        };
        let out = tmp.join(jsonl);
        let status = beamviz_tests::beam("escript")
            .arg(dir.join("term_sizes.escript"))
            .arg(&input)
            .arg(&out)
            .status()
            .expect("escript runs");
        assert!(status.success(), "term_sizes.escript failed on {txt}");
        let fresh: Vec<_> = std::fs::read_to_string(&out)
            .expect("output")
            .lines()
            .map(|l| {
                (
                    num_field(l, "size"),
                    num_field(l, "flat_size"),
                    num_field(l, "heap_words"),
                    str_field(l, "kind"),
                )
            })
            .collect();
        assert_eq!(
            fresh,
            measured(jsonl),
            "{jsonl} is stale: regenerate it with term_sizes.escript"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

// ---- fuzzing: random and malformed input never panics or hangs ----

use proptest::prelude::*;

/// Characters that make up Erlang and Elixir source, plus some that make up neither.
const ALPHABET: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<<",
    ">>",
    ",",
    ".",
    ":",
    "::",
    ";",
    "|",
    "||",
    "->",
    "=>",
    ":=",
    "=",
    "+",
    "-",
    "*",
    "/",
    "#",
    "%{",
    "%",
    "<-",
    "<=",
    "++",
    "--",
    "<>",
    "..",
    "|>",
    "&",
    "^",
    "$",
    "?",
    "\"",
    "'",
    " ",
    "\n",
    "1",
    "42",
    "16#FF",
    "0x1F",
    "1.5",
    "1e3",
    "1 bsl 70",
    "X",
    "Y",
    "_",
    "x",
    "a",
    "ok",
    ":a",
    "fun",
    "fn",
    "end",
    "case",
    "of",
    "do",
    "if",
    "begin",
    "when",
    "lists:seq(1, 5)",
    "binary:copy(<<1>>, 100)",
    "#{",
    "div",
    "rem",
    "bsl",
    "maps:from_list",
    "self()",
    "closure",
    "é",
    "\u{1F600}",
    "\\",
    "\t",
    "<<1:3>>",
    "[X || X <- ",
    "for ",
];

fn source() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..40).prop_map(|v| v.concat())
}

/// Well-formed Erlang expressions built from a small grammar, so evaluation (not just parsing) is exercised.
fn erlang_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..300).prop_map(|n| format!("1 bsl {n}")),
        Just("3.5".to_string()),
        Just("ok".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("#{}".to_string()),
        Just("<<\"abc\">>".to_string()),
        (0u32..200).prop_map(|n| format!("binary:copy(<<7>>, {n})")),
        (0u32..100).prop_map(|n| format!("lists:seq(1, {n})")),
        (0u32..70).prop_map(|n| format!("<<1:{n}>>")),
        Just("self()".to_string()),
        Just("make_ref()".to_string()),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|v| format!("{{{}}}", v.join(", "))),
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(", "))),
            (inner.clone(), inner.clone()).prop_map(|(k, v)| format!("#{{{k} => {v}}}")),
            (0u32..60, inner.clone()).prop_map(|(n, v)| format!(
                "maps:from_list([{{K, {v}}} || K <- lists:seq(1, {n})])"
            )),
            (inner.clone(), 0u32..5)
                .prop_map(|(v, n)| format!("begin V = {v}, lists:duplicate({n}, V) end")),
            inner.clone().prop_map(|v| format!("closure([{v}])")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} ++ {b}")),
            (20u32..80, 1u32..90, inner.clone()).prop_map(|(n, k, v)| format!(
                "begin M = maps:from_list([{{K, K}} || K <- lists:seq(1, {n})]), {{M, M#{{{k} => {v}}}, maps:remove({k}, M)}} end"
            )),
            (0u32..300, 0u32..300).prop_map(|(n, k)| format!(
                "begin B = binary:copy(<<3>>, {n}), {{B, binary:part(B, 0, {}), sub_match(B, {})}} end",
                k.min(n),
                k.min(n)
            )),
            (0u32..300, 0u32..2400).prop_map(|(n, k)| format!("sub_bits(binary:copy(<<5>>, {n}), {})", k.min(8 * n))),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} + {b}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_source_never_panics(src in source()) {
        for lang in [Lang::Erlang, Lang::Elixir] {
            let _ = size_of(&src, lang);
        }
    }

    #[test]
    fn mutated_corpus_never_panics(pick in 0usize..400, at in 0usize..200, junk in source(), cut in 0usize..20) {
        let mut all = corpus("public_terms.txt");
        all.extend(corpus("terms_extra.txt"));
        let line = &all[pick % all.len()];
        let mut chars: Vec<char> = line.chars().collect();
        let at = at.min(chars.len());
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, junk.chars());
        let src: String = chars.into_iter().collect();
        for lang in [Lang::Erlang, Lang::Elixir] {
            let _ = size_of(&src, lang);
        }
    }

    #[test]
    fn evaluated_terms_have_consistent_sizes(src in erlang_expr()) {
        match size_of(&src, Lang::Erlang) {
            Ok((s, _)) => {
                prop_assert!(s.size <= s.flat_size, "{src}: size {} > flat {}", s.size, s.flat_size);
            }
            Err(e) => prop_assert!(e.contains('^'), "error without a caret: {e}"),
        }
    }
}

#[test]
fn limits_end_in_located_errors() {
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let cases = [
        deep.as_str(),
        "lists:seq(1, 100000000)",
        "binary:copy(<<1>>, 1000000000)",
        "1 bsl 100000000",
        "begin F = fun(G, N) -> G(G, N + 1) end, F(F, 0) end",
        "lists:foldl(fun(_, A) -> {A} end, x, lists:seq(1, 5000)) =:= lists:foldl(fun(_, A) -> {A} end, x, lists:seq(1, 5000))",
        "[X || X <- lists:seq(1, 10000), Y <- lists:seq(1, 10000)]",
        "list_to_atom(lists:duplicate(300, $a))",
        "lists:sort/1",
        "lists:sort([3, 1])",
        "ets:lookup(t, k)",
    ];
    for src in cases {
        let start = std::time::Instant::now();
        let r = size_of(src, Lang::Erlang);
        assert!(
            start.elapsed().as_secs() < 30,
            "{src}: took {:?}",
            start.elapsed()
        );
        if let Err(e) = r {
            assert!(e.contains('^'), "{src}: {e}");
        }
    }
    let e = size_of("ets:lookup(t, k)", Lang::Erlang).expect_err("not modelled");
    assert!(e.contains("not modelled yet: ets:lookup/2"), "{e}");
}

/// Differential fuzzing: random well-formed expressions, measured on the installed VM and by the model.
#[test]
fn random_expressions_match_the_vm() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    if beamviz_tests::beam("escript").arg("-h").output().is_err() {
        println!("note: escript is not installed; skipping the random differential test");
        return;
    }
    let mut runner = TestRunner::deterministic();
    let n: usize = std::env::var("BEAMVIZ_RANDOM_EXPRS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(300);
    let exprs: Vec<String> = (0..n)
        .map(|_| erlang_expr().new_tree(&mut runner).expect("tree").current())
        .filter(|e| size_of(e, Lang::Erlang).is_ok())
        .collect();
    let tmp = std::env::temp_dir().join(format!("beamviz-random-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let input = tmp.join("random.txt");
    std::fs::write(&input, exprs.join("\n") + "\n").expect("write");
    let out = tmp.join("random.jsonl");
    let status = beamviz_tests::beam("escript")
        .arg(oracle_dir().join("term_sizes.escript"))
        .arg(&input)
        .arg(&out)
        .status()
        .expect("escript runs");
    assert!(status.success(), "term_sizes.escript failed");
    let text = std::fs::read_to_string(&out).expect("output");
    assert_eq!(
        text.lines().count(),
        exprs.len(),
        "one measurement per expression"
    );
    let mut failures = Vec::new();
    for (src, line) in exprs.iter().zip(text.lines()) {
        let vm = (
            num_field(line, "size"),
            num_field(line, "flat_size"),
            num_field(line, "heap_words"),
            str_field(line, "kind"),
        );
        let (s, kind) = size_of(src, Lang::Erlang).expect("evaluated before");
        let model = (s.size, s.flat_size, s.heap_words, kind.to_string());
        if model != vm {
            failures.push(format!("{src}\n   model {model:?}\n   VM    {vm:?}"));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "random differential: {} expressions, {} differ; for example:",
        exprs.len(),
        failures.len()
    );
    for e in exprs.iter().step_by((exprs.len() / 3).max(1)) {
        println!("  {e}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
