//! Golden traces: every built-in scenario's step-by-step trace equals its committed snapshot.
//! Run with `BEAMVIZ_BLESS=1` to rewrite the snapshots after an intended change, then review the diff.

use beamviz::scenario;
use std::path::PathBuf;

fn snapshot_path(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(format!("{id}.trace"))
}

#[test]
fn builtin_scenarios_match_their_snapshots() {
    let bless = std::env::var_os("BEAMVIZ_BLESS").is_some();
    let mut stale = Vec::new();
    for id in scenario::BUILTIN {
        let s = scenario::builtin(id).expect("listed scenario exists");
        let got = beamviz::trace::trace(&s);
        let path = snapshot_path(id);
        if bless {
            std::fs::write(&path, &got).expect("write snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            eprintln!("--- {} (snapshot)\n+++ {id} (now)\n{got}", path.display());
            stale.push(*id);
        }
    }
    assert!(
        stale.is_empty(),
        "traces differ from snapshots: {stale:?} (BEAMVIZ_BLESS=1 to accept)"
    );
}
