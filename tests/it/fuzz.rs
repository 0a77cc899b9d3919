//! The fuzzer's short budget (the long run is `cargo xtask fuzz`) and its corpus, replayed.
//!
//! Every corpus input, including the regression input of each crash or hang the fuzzer found
//! (`tests/fuzz/corpus/<target>/`), and a few thousand generated and mutated inputs must end in a value or a
//! located error, without a panic, within the time limit.

use beamviz_tests::fuzz::{self, Corpus, Outcome, Stats, Target, TIME_LIMIT};
use std::path::Path;
use std::time::Duration;

fn corpus() -> Corpus {
    Corpus::load(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("repo root"),
    )
}

/// Tests build with `opt-level = 1`, several times slower than the release build the long run uses.
fn limit() -> Duration {
    if cfg!(debug_assertions) {
        TIME_LIMIT * 6
    } else {
        TIME_LIMIT
    }
}

#[test]
fn every_corpus_input_ends_in_a_value_or_a_located_error() {
    let corpus = corpus();
    let mut regressions = 0;
    for t in Target::ALL {
        assert!(!corpus.of(t).is_empty(), "no {} corpus", t.name());
        for input in corpus.of(t) {
            let start = beamviz_tests::Stopwatch::start();
            let outcome = fuzz::run_one(t, input);
            let took = start.elapsed();
            assert!(
                matches!(outcome, Outcome::Ok(_)),
                "{} {input:?}: {outcome:?}",
                t.name()
            );
            assert!(took < limit(), "{} {input:?} took {took:?}", t.name());
        }
        regressions += std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/corpus")
                .join(t.name()),
        )
        .map_or(0, Iterator::count);
    }
    assert!(regressions >= 1, "the regression inputs are missing");
}

#[test]
fn a_short_fuzzing_run_finds_nothing() {
    let corpus = corpus();
    let mut stats = Stats::default();
    let n = 10_000;
    fuzz::run_range(&corpus, 7, 0, n, &mut stats, &mut |t, s| {
        Ok(fuzz::run_one(t, s))
    });
    // Time is judged against this build's limit below, not the release build's that `Stats` applies.
    let failures: Vec<_> = stats
        .failures
        .iter()
        .filter(|(_, _, what)| !what.starts_with("took"))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(stats.slowest.0 < limit(), "slowest: {:?}", stats.slowest);
    assert_eq!(stats.total(), n);
    // The generator reaches values and errors of every target: a coverage floor.
    assert!(stats.outcomes.len() >= 60, "{:?}", stats.outcomes.keys());
    for t in Target::ALL {
        assert!(
            stats
                .outcomes
                .keys()
                .any(|k| k.starts_with(t.name()) && !k.contains(" parse ")),
            "{} never got past parsing",
            t.name()
        );
    }
}

/// The generator is deterministic: input `i` of seed `s` is always the same (so a failure can be replayed).
#[test]
fn inputs_are_reproducible() {
    let corpus = corpus();
    for i in [0, 1, 99, 12345] {
        assert_eq!(fuzz::input(&corpus, 3, i), fuzz::input(&corpus, 3, i));
    }
    assert_ne!(fuzz::input(&corpus, 3, 0), fuzz::input(&corpus, 4, 0));
}
