//! `cargo bench -p beamviz-cli --bench size_1m`: how long `beamviz size` takes for a term of 1,000,000 cells.
//!
//! A plain `main` (no harness), so it runs without extra dependencies. Budget: 50 ms per expression natively.

use beamviz::expr::{size_of, Lang};
use std::time::Instant;

fn main() {
    let cases = [
        ("1,000,000 cons cells", "lists:seq(1, 1000000)"),
        (
            "1,000,000-element tuple",
            "list_to_tuple(lists:seq(1, 1000000))",
        ),
        ("binary of 1,000,000 bytes", "binary:copy(<<1>>, 1000000)"),
        (
            "HAMT of 100,000 keys",
            "maps:from_list([{K, K} || K <- lists:seq(1, 100000)])",
        ),
    ];
    for (what, src) in cases {
        // Warm up once, then take the best of five.
        let _ = size_of(src, Lang::Erlang).expect("evaluates");
        let mut best = f64::MAX;
        let mut sizes = None;
        for _ in 0..5 {
            let t = Instant::now();
            let r = size_of(src, Lang::Erlang).expect("evaluates");
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
            sizes = Some(r.0);
        }
        let s = sizes.expect("ran");
        println!(
            "{what:<28} {best:>8.1} ms   size {} flat {} heap {}",
            s.size, s.flat_size, s.heap_words
        );
    }
}
