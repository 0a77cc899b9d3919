//! The real-VM differential test of every scenario: each built-in scenario is exported (`beamviz export`) to both
//! targets, run by the installed `elixir` and `escript`, and every number they print is compared with the model's
//! (`scenario::export::model_report`, the same format).
//!
//! A difference fails the test unless a row of the table in `docs/known-differences.md`, section
//! "Exported scenarios on a real VM", covers it; and a row that covers no difference fails the test too, so the
//! table stays true when the model (or a scenario) changes. A scenario that cannot be exported is a difference
//! of its own (field `export`), listed the same way. New scenario files are picked up from `www/scenarios/`.

use beamviz::scenario::{self, export};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The scenarios: every `www/scenarios/*.scn` and every embedded one, by id.
fn scenarios() -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, String> = scenario::BUILTIN_SOURCES
        .iter()
        .map(|(id, src)| ((*id).to_string(), (*src).to_string()))
        .collect();
    let dir = root().join("www").join("scenarios");
    for e in std::fs::read_dir(&dir).expect("www/scenarios exists") {
        let p = e.expect("readable entry").path();
        if p.extension().is_some_and(|e| e == "scn") {
            let id = p.file_stem().unwrap().to_string_lossy().into_owned();
            all.insert(id, std::fs::read_to_string(&p).expect("readable scenario"));
        }
    }
    all
}

/// One printed number: (step, actor or `expect`, field or `line=N`) → value.
type Numbers = BTreeMap<(u32, String, String), String>;

/// Reads the output format of an export (and of `model_report`). Fails on a line it does not know.
fn numbers(text: &str) -> Result<Numbers, String> {
    let mut out = Numbers::new();
    let mut ended = false;
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["scenario", _] => {}
            ["end"] => ended = true,
            ["step", k, actor, rest @ ..] => {
                let k: u32 = k.parse().map_err(|_| format!("bad line: {line}"))?;
                if rest == ["dead"] {
                    out.insert((k, actor.to_string(), "alive".into()), "false".into());
                    continue;
                }
                for kv in rest {
                    let (f, v) = kv.split_once('=').ok_or(format!("bad line: {line}"))?;
                    out.insert((k, actor.to_string(), f.into()), v.into());
                }
            }
            ["expect", k, l, v] => {
                let k: u32 = k.parse().map_err(|_| format!("bad line: {line}"))?;
                let v = v
                    .strip_prefix("value=")
                    .ok_or(format!("bad line: {line}"))?;
                out.insert((k, "expect".into(), l.to_string()), v.into());
            }
            // Compiler warnings and other chatter on stdout are not numbers.
            _ => {}
        }
    }
    if !ended {
        return Err("the output has no `end` line: the script stopped early".into());
    }
    Ok(out)
}

/// A difference: scenario, step, actor (or `expect`), field, model value, VM value.
#[derive(Debug, Clone)]
struct Diff {
    scenario: String,
    step: u32,
    actor: String,
    field: String,
    model: String,
    vm: String,
}

impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "| {} | {} | {} | {} | {} | {} | why? |",
            self.scenario, self.step, self.actor, self.field, self.model, self.vm
        )
    }
}

/// A row of the known-differences table: each column a value or `*`; steps also `N-M`.
#[derive(Debug)]
struct Known {
    line: usize,
    scenario: String,
    steps: String,
    actor: String,
    field: String,
    model: String,
    vm: String,
}

fn cell(pattern: &str, value: &str) -> bool {
    pattern == "*" || pattern == value
}

impl Known {
    fn covers(&self, d: &Diff) -> bool {
        let steps = match self.steps.split_once('-') {
            _ if self.steps == "*" => true,
            Some((a, b)) => match (a.parse::<u32>(), b.parse::<u32>()) {
                (Ok(a), Ok(b)) => (a..=b).contains(&d.step),
                _ => false,
            },
            None => self.steps.parse::<u32>() == Ok(d.step),
        };
        steps
            && cell(&self.scenario, &d.scenario)
            && cell(&self.actor, &d.actor)
            && cell(&self.field, &d.field)
            && cell(&self.model, &d.model)
            && cell(&self.vm, &d.vm)
    }
}

const SECTION: &str = "## 6. Exported scenarios on a real VM";

/// The table of the section, from `docs/known-differences.md`.
fn known() -> Vec<Known> {
    let text = std::fs::read_to_string(root().join("docs").join("known-differences.md"))
        .expect("docs/known-differences.md");
    let start = text.find(SECTION).unwrap_or_else(|| {
        panic!("docs/known-differences.md has no section {SECTION:?}");
    });
    let first_line = text[..start].lines().count();
    let mut rows = Vec::new();
    for (i, line) in text[start..].lines().enumerate().skip(1) {
        if line.starts_with("## ") {
            break;
        }
        let cols: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.starts_with('|')
            || cols.len() < 7
            || cols[0] == "scenario"
            || cols[0].starts_with("---")
        {
            continue;
        }
        let unquote = |s: &str| s.trim_matches('`').to_string();
        rows.push(Known {
            line: first_line + i,
            scenario: unquote(cols[0]),
            steps: unquote(cols[1]),
            actor: unquote(cols[2]),
            field: unquote(cols[3]),
            model: unquote(cols[4]),
            vm: unquote(cols[5]),
        });
    }
    rows
}

/// Runs `program script`, killing it after `limit`. Returns stdout, or why it failed; `None` when the program is
/// not installed.
fn run(program: &str, script: &Path, limit: Duration) -> Option<Result<String, String>> {
    let mut child = match beamviz_tests::beam(program)
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => return None,
    };
    // Drain both pipes while the script runs: a script that prints more than a pipe holds (64 KiB) would
    // otherwise block on its write and look like a hang.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Some(Err(format!(
                    "{program} {} took over {limit:?}",
                    script.display()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Some(Err(e.to_string())),
        }
    };
    let (stdout, stderr) = (
        stdout.join().expect("stdout"),
        stderr.join().expect("stderr"),
    );
    if !status.success() {
        return Some(Err(format!(
            "{program} {} failed ({status}):\n{stderr}",
            script.display(),
        )));
    }
    Some(Ok(stdout))
}

/// Whether the installed Erlang is OTP 25 (the model's target).
fn otp_25() -> Option<bool> {
    let out = beamviz_tests::beam("erl")
        .args([
            "-noshell",
            "-eval",
            "io:format(\"~s\", [erlang:system_info(otp_release)]), halt().",
        ])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim() == "25")
}

#[test]
fn every_scenario_exports_and_prints_the_models_numbers_on_the_real_vm() {
    let started = Instant::now();
    let live = match otp_25() {
        Some(true) => true,
        Some(false) => {
            eprintln!(
                "note: the installed Erlang is not OTP 25; exports are generated but not run"
            );
            false
        }
        None => {
            eprintln!("note: erl not found; exports are generated but not run (`cargo xtask test` installs Erlang and Elixir)");
            false
        }
    };
    let dir = std::env::temp_dir().join(format!("beamviz-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut diffs: Vec<Diff> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut compared = 0usize;
    let mut ran = 0usize;
    for (id, src) in scenarios() {
        let s = match scenario::parse(&id, &src) {
            Ok(s) => s,
            // The scenario tests report unreadable files.
            Err(_) => continue,
        };
        let model = match export::model_report(&s) {
            Ok(m) => m,
            // A scenario whose step fails in the model is reported by the scenario tests.
            Err(_) => continue,
        };
        // The natural target runs the statements as written; the other compiles the same module at run time.
        let natural = export::natural_target(&s);
        let other = match natural {
            export::Target::Escript => export::Target::Exs,
            export::Target::Exs => export::Target::Escript,
        };
        for target in [natural, other] {
            let script = match export::export(&s, &src, target) {
                Ok(t) => t,
                Err(e) => {
                    diffs.push(Diff {
                        scenario: id.clone(),
                        step: 0,
                        actor: "-".into(),
                        field: "export".into(),
                        model: "-".into(),
                        vm: "-".into(),
                    });
                    eprintln!(
                        "{id}.scn:{}:{}: cannot export: {}",
                        e.span.line, e.span.col, e.message
                    );
                    break;
                }
            };
            if !live {
                continue;
            }
            let (program, ext) = match target {
                export::Target::Escript => ("escript", "escript"),
                export::Target::Exs => ("elixir", "exs"),
            };
            let path = dir.join(format!("{id}.{ext}"));
            std::fs::write(&path, &script).expect("write the script");
            let real = match run(program, &path, Duration::from_secs(120)) {
                None => {
                    eprintln!("note: {program} not found; {id} is not run");
                    continue;
                }
                Some(Err(e)) => {
                    failures.push(format!("{id}: {e}"));
                    continue;
                }
                Some(Ok(out)) => out,
            };
            ran += 1;
            let (m, r) = match (numbers(&model), numbers(&real)) {
                (Ok(m), Ok(r)) => (m, r),
                (Err(e), _) | (_, Err(e)) => {
                    failures.push(format!("{id}: {e}\n{real}"));
                    continue;
                }
            };
            for (key, mv) in &m {
                compared += 1;
                let rv = r.get(key).cloned().unwrap_or_else(|| "missing".into());
                if *mv != rv {
                    diffs.push(Diff {
                        scenario: id.clone(),
                        step: key.0,
                        actor: key.1.clone(),
                        field: key.2.clone(),
                        model: mv.clone(),
                        vm: rv,
                    });
                }
            }
            for key in r.keys().filter(|k| !m.contains_key(*k)) {
                diffs.push(Diff {
                    scenario: id.clone(),
                    step: key.0,
                    actor: key.1.clone(),
                    field: key.2.clone(),
                    model: "missing".into(),
                    vm: r[key].clone(),
                });
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let table = known();
    let unexplained: Vec<&Diff> = diffs
        .iter()
        .filter(|d| !table.iter().any(|k| k.covers(d)))
        .collect();
    // Rows are checked only when the scenarios ran (and for export rows, always).
    let stale: Vec<&Known> = table
        .iter()
        .filter(|k| (live && ran > 0) || k.field == "export")
        .filter(|k| !diffs.iter().any(|d| k.covers(d)))
        .collect();
    eprintln!(
        "export: {ran} scripts run (each scenario to both targets), {compared} numbers compared, {} differ ({} listed), in {:.1?}",
        diffs.len(),
        diffs.len() - unexplained.len(),
        started.elapsed()
    );
    let mut msg = String::new();
    for f in &failures {
        msg.push_str(&format!("{f}\n"));
    }
    if !unexplained.is_empty() {
        msg.push_str(&format!(
            "{} differences not listed in docs/known-differences.md ({SECTION}):\n",
            unexplained.len()
        ));
        for d in unexplained.iter().take(200) {
            msg.push_str(&format!("{d}\n"));
        }
    }
    for k in &stale {
        msg.push_str(&format!(
            "docs/known-differences.md:{}: this row covers no difference any more; remove it: {k:?}\n",
            k.line
        ));
    }
    assert!(msg.is_empty(), "{msg}");
}

#[test]
fn the_output_reader_rejects_a_truncated_run_and_keeps_every_number() {
    assert!(numbers("scenario x\nstep 1 a heap_size=233\n").is_err());
    let n = numbers("scenario x\nstep 1 a heap_size=233 memory=2640\nstep 2 a dead\nexpect 2 line=9 value=none\nend\n")
        .expect("complete");
    assert_eq!(n.len(), 4);
    assert_eq!(n[&(2, "a".into(), "alive".into())], "false");
    assert_eq!(n[&(2, "expect".into(), "line=9".into())], "none");
}

#[test]
fn a_known_row_covers_steps_by_range_and_wildcards() {
    let k = Known {
        line: 1,
        scenario: "s".into(),
        steps: "3-5".into(),
        actor: "*".into(),
        field: "memory".into(),
        model: "*".into(),
        vm: "*".into(),
    };
    let d = |step, field: &str| Diff {
        scenario: "s".into(),
        step,
        actor: "b".into(),
        field: field.into(),
        model: "1".into(),
        vm: "2".into(),
    };
    assert!(k.covers(&d(4, "memory")));
    assert!(!k.covers(&d(6, "memory")));
    assert!(!k.covers(&d(4, "heap_size")));
}

#[test]
fn every_builtin_scenario_exports_to_both_targets() {
    for (id, src) in scenario::BUILTIN_SOURCES {
        let s = scenario::builtin(id).expect("built in");
        for target in [export::Target::Escript, export::Target::Exs] {
            let text = match export::export(&s, src, target) {
                Ok(t) => t,
                // Listed (field `export`) and checked by the differential test.
                Err(_) => continue,
            };
            // The coordinator runs every step, each named by its line in the file.
            for k in 1..=s.steps.len() {
                let comment = format!("step {k} (line {})", s.steps[k - 1].span.line);
                assert!(
                    text.contains(&comment),
                    "{id}: no {comment:?} in the script"
                );
            }
        }
    }
}

#[test]
fn a_step_that_fails_in_the_model_is_a_located_export_error() {
    let src = "# t\n\nactor a\na: t = {1}\na: x = receive do m -> m end\n";
    let s = scenario::parse("t", src).expect("a valid scenario");
    for target in [export::Target::Exs, export::Target::Escript] {
        let e = export::export(&s, src, target).expect_err("receive on an empty mailbox");
        assert_eq!(e.span.line, 5, "{e}");
        assert!(e.message.contains("step 3 fails in the model"), "{e}");
    }
    // Without it, the same scenario exports, with an ETS table.
    let ok = src.replace(
        "a: x = receive do m -> m end\n",
        "a: :ets.new(:t, [:bag])\na: :ets.insert(:t, t)\na: y = :ets.lookup(:t, 1)\n",
    );
    let s = scenario::parse("t", &ok).expect("a valid scenario");
    let text = export::export(&s, &ok, export::Target::Exs).expect("exports");
    assert!(
        text.contains(":ets.new(:t, [:bag, :named_table, :public])"),
        "{text}"
    );
    assert!(text.contains("y = :ets.lookup(:t, 1)"), "{text}");
}
