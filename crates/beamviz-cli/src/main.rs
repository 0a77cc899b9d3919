//! `beamviz`: the model on the command line. The same core as the page; no logic of its own.
//!
//! Exit status: 0 when everything ran and every checkpoint held, 1 when an op failed or a checkpoint did not hold,
//! 2 on bad input (usage, unreadable or invalid scenario file).

mod json;
mod size;
mod top;

use beamviz::scenario::{self, Scenario};
use beamviz::View;
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage:
  beamviz run SCENARIO [--json]   run a built-in scenario or a .scn file; print its trace
  beamviz check FILE...           validate .scn files and evaluate their checkpoints
  beamviz top SCENARIO [--step N] [--by memory|total_heap_size|binary_memory|message_queue_len] [-n N]
                                  processes ranked as recon:proc_count/2 ranks them
  beamviz export SCENARIO [--to escript|exs] [-o OUT]
                                  a script that runs the scenario on a real VM and prints its numbers
  beamviz export SCENARIO --model the model's numbers, in the script's output format
  beamviz size [--lang erlang|elixir] (EXPR | --batch FILE)
                                  erts_debug:size/1, flat_size/1 and heap words of a term, as JSON

Commands that run a scenario take --vm SETTING:VALUE[,...] (message_queue_data, sharing_preserving,
fullsweep_after, min_heap_size), which wins over the file's `vm` line.

built-in scenarios: ";

/// `--vm SETTINGS`, for every command that runs a scenario: they win over the file's `vm` line.
static VM_OVERRIDES: std::sync::OnceLock<scenario::VmOverrides> = std::sync::OnceLock::new();

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--vm") {
        let Some(value) = args.get(i + 1).cloned() else {
            return usage();
        };
        match scenario::VmOverrides::parse(&value) {
            Ok(o) => {
                let _ = VM_OVERRIDES.set(o);
            }
            Err(e) => {
                eprintln!("beamviz: --vm {e}");
                return ExitCode::from(2);
            }
        }
        args.drain(i..i + 2);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["run", what] => run(what, false),
        ["run", what, "--json"] | ["run", "--json", what] => run(what, true),
        ["check", files @ ..] if !files.is_empty() => check(files),
        ["export", what, rest @ ..] => export(what, rest),
        ["size", rest @ ..] => size::main(&rest.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        ["top", rest @ ..] => top::main(rest),
        _ => usage(),
    }
}

/// A scenario to run: loaded and parsed, with its file name and source for messages.
struct Loaded {
    name: String,
    src: String,
    scenario: Scenario,
}

/// Loads a built-in scenario by id, or a `.scn` file by path. Prints the error and returns `None` on failure.
fn load(what: &str) -> Option<Loaded> {
    let path = std::path::Path::new(what);
    if !path.exists() {
        if let Some((id, src)) = scenario::BUILTIN_SOURCES.iter().find(|(id, _)| *id == what) {
            let overrides = VM_OVERRIDES.get().copied().unwrap_or_default();
            return Some(Loaded {
                name: format!("{id}.scn"),
                src: (*src).to_string(),
                scenario: scenario::parse_with(id, src, &overrides).ok()?,
            });
        }
        eprintln!(
            "beamviz: {what}: no such file, and no built-in scenario of that name; built-in: {}",
            scenario::BUILTIN.join(", ")
        );
        return None;
    }
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("beamviz: {what}: {e}");
            return None;
        }
    };
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    let overrides = VM_OVERRIDES.get().copied().unwrap_or_default();
    match scenario::parse_bytes_with(id, &bytes, &overrides) {
        Ok(s) => Some(Loaded {
            name: what.to_string(),
            src: String::from_utf8(bytes).unwrap_or_default(),
            scenario: s,
        }),
        Err(e) => {
            let src = String::from_utf8_lossy(&bytes);
            eprint!("{}", scenario::render_error(what, &src, e.span, &e.kind));
            None
        }
    }
}

/// Reads at most one byte more than the scenario limit, so a huge file is refused without reading it all.
fn read_capped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(scenario::MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Prints an op error and failed checkpoints; returns whether there were none.
fn report(l: &Loaded, res: &scenario::Check) -> bool {
    if let Some((step, span, e)) = res.op_error {
        let what = res.op_message.clone().unwrap_or_else(|| e.to_string());
        eprint!(
            "{}",
            scenario::render_error(
                &l.name,
                &l.src,
                span,
                &format_args!("step {step} failed: {what}")
            )
        );
    }
    for f in &res.failures {
        eprint!("{}", scenario::render_error(&l.name, &l.src, f.span, f));
    }
    res.passed()
}

fn check(files: &[&str]) -> ExitCode {
    let mut status = 0u8;
    for file in files {
        let Some(l) = load(file) else {
            status = 2;
            continue;
        };
        let res = scenario::check(&l.scenario);
        if report(&l, &res) {
            println!(
                "{}: ok ({} steps, {} checkpoints)",
                l.name,
                l.scenario.steps.len(),
                res.evaluated
            );
        } else {
            status = status.max(1);
        }
    }
    ExitCode::from(status)
}

fn run(what: &str, as_json: bool) -> ExitCode {
    let Some(l) = load(what) else {
        return ExitCode::from(2);
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        json_trace(&l.scenario, &mut out);
    } else {
        let _ = out.write_all(beamviz::trace::trace(&l.scenario).as_bytes());
    }
    let _ = out.flush();
    let res = scenario::check(&l.scenario);
    if report(&l, &res) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `beamviz export`: the script (or with `--model`, the model's numbers in the script's output format).
fn export(what: &str, rest: &[&str]) -> ExitCode {
    use scenario::export::{self as ex, Target};
    let mut target = None;
    let mut out_path = None;
    let mut model = false;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match *a {
            "--to" => match it.next() {
                Some(&"escript") => target = Some(Target::Escript),
                Some(&"exs") => target = Some(Target::Exs),
                _ => return usage(),
            },
            "-o" => match it.next() {
                Some(p) => out_path = Some(*p),
                None => return usage(),
            },
            "--model" => model = true,
            _ => return usage(),
        }
    }
    let Some(l) = load(what) else {
        return ExitCode::from(2);
    };
    let target = target.unwrap_or_else(|| ex::natural_target(&l.scenario));
    let text = if model {
        ex::model_report(&l.scenario)
    } else {
        ex::export(&l.scenario, &l.src, target)
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            let msg = format!("cannot export: {}", e.message);
            eprint!("{}", scenario::render_error(&l.name, &l.src, e.span, &msg));
            return ExitCode::from(1);
        }
    };
    let written = match out_path {
        Some(p) => std::fs::write(p, text),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("beamviz: {}: {e}", out_path.unwrap_or("stdout"));
            ExitCode::from(2)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}{}", scenario::BUILTIN.join(", "));
    ExitCode::from(2)
}

/// The trace as JSON lines: a `scenario` line, then one `step` line per step (step 0 included).
fn json_trace(s: &Scenario, out: &mut impl Write) {
    let mut h = s.history();
    let mut j = json::Writer::default();
    j.obj(|j| {
        j.field_str("type", "scenario");
        j.field_str("id", &s.id);
        j.field_str("title", &s.title);
        j.field_str("description", &s.description);
        j.field_str(
            "syntax",
            match s.syntax {
                scenario::Syntax::Elixir => "elixir",
                scenario::Syntax::Erlang => "erlang",
            },
        );
        j.field_num("steps", s.steps.len() as u64);
    });
    let _ = writeln!(out, "{}", j.take());
    for step in 0..=h.len() {
        h.seek(step);
        let view = View::of(h.vm());
        let s_step = step.checked_sub(1).map(|i| &s.steps[i]);
        j.obj(|j| {
            j.field_str("type", "step");
            j.field_num("step", step as u64);
            if let Some(st) = s_step {
                j.field_str("code", &st.code);
                j.field_str("narration", st.narration());
                j.field_num("line", u64::from(st.span.line));
                j.key("predict");
                match st.predict() {
                    Some(p) => j.obj(|j| {
                        j.field_str("question", &p.question);
                        j.key("choices");
                        j.arr(|j| p.choices.iter().for_each(|c| j.str(c)));
                        j.field_num("answer", p.answer as u64);
                        j.field_str("explanation", &p.explanation);
                    }),
                    None => j.raw("null"),
                }
                j.key("expects");
                j.arr(|j| {
                    for e in st.expects() {
                        let got = scenario::evaluate(h.vm(), &view, e);
                        j.obj(|j| {
                            j.field_num("line", u64::from(e.span.line));
                            j.field_num("col", u64::from(e.span.col));
                            j.field_str("cmp", &e.cmp.to_string());
                            j.field_num("want", e.want);
                            j.key("got");
                            match got {
                                Some(g) => j.num(g),
                                None => j.raw("null"),
                            }
                            let ok = got.is_some_and(|g| e.cmp.holds(g, e.want));
                            j.key("ok");
                            j.raw(if ok { "true" } else { "false" });
                        });
                    }
                });
            }
            process_json(j, &view);
            // ETS tables as `ets:info/1` describes them, and the VM-wide `erlang:memory()` categories (bytes).
            j.key("ets");
            j.arr(|j| {
                for t in &view.ets {
                    j.obj(|j| {
                        j.field_num("id", u64::from(t.id));
                        j.field_str("name", &t.name);
                        j.field_str("type", t.kind);
                        j.field_num("owner", u64::from(t.owner));
                        j.field_num("size", t.size);
                        j.field_num("memory_words", t.memory_words);
                    });
                }
            });
            // DETS tables as `dets:info/1` describes them: their objects are in files, in no memory category.
            j.key("dets");
            j.arr(|j| {
                for t in &view.dets {
                    j.obj(|j| {
                        j.field_num("id", u64::from(t.id));
                        j.field_str("name", &t.name);
                        j.field_num("size", t.size);
                        j.field_num("cached_keys", t.cached_keys);
                    });
                }
            });
            j.key("memory");
            j.obj(|j| {
                let m = &view.memory;
                j.field_num("total", m.total);
                j.field_num("processes", m.processes);
                j.field_num("processes_used", m.processes_used);
                j.field_num("binary", m.binary);
                j.field_num("ets", m.ets);
                j.field_num("atom", m.atom);
            });
            j.key("events");
            j.arr(|j| h.events_at(step).iter().for_each(|e| j.str(&e.to_string())));
        });
        let _ = writeln!(out, "{}", j.take());
    }
    if let Some((i, e)) = h.error() {
        j.obj(|j| {
            j.field_str("type", "error");
            j.field_num("step", i as u64 + 1);
            j.field_num("line", u64::from(s.steps[i].span.line));
            j.field_str("message", &e.to_string());
        });
        let _ = writeln!(out, "{}", j.take());
    }
}

fn process_json(j: &mut json::Writer, view: &View) {
    j.key("processes");
    j.arr(|j| {
        for p in &view.processes {
            j.obj(|j| {
                j.field_num("pid", u64::from(p.pid));
                j.field_str("name", &p.name);
                j.key("alive");
                j.raw(if p.alive { "true" } else { "false" });
                j.field_str("stage", &p.stage.to_string());
                for (k, v) in [
                    ("heap_size", p.heap_size),
                    ("heap_used", p.heap_used),
                    ("stack_size", p.stack_size),
                    ("high_water", p.high_water),
                    ("old_heap_size", p.old_heap_size),
                    ("old_heap_used", p.old_heap_used),
                    ("mbuf_size", p.mbuf_size),
                    ("total_heap_size", p.total_heap_size),
                    ("memory", p.memory),
                    ("message_queue_len", p.message_queue_len),
                    ("minor_gcs", u64::from(p.minor_gcs)),
                    ("minor_gcs_total", p.minor_gcs_total),
                    ("major_gcs_total", p.major_gcs_total),
                    ("fullsweep_after", u64::from(p.fullsweep_after)),
                    ("min_heap_size", p.min_heap_size),
                    ("bin_vheap_size", p.bin_vheap_size),
                    ("bin_vheap_block_size", p.bin_vheap_block_size),
                    ("bin_old_vheap_size", p.bin_old_vheap_size),
                    ("bin_old_vheap_block_size", p.bin_old_vheap_block_size),
                ] {
                    j.field_num(k, v);
                }
                j.key("vars");
                j.arr(|j| {
                    for v in &p.vars {
                        j.obj(|j| {
                            j.field_str("name", &v.name);
                            j.field_num("size", v.size);
                            j.field_num("flat_size", v.flat_size);
                            j.field_str("preview", &v.preview);
                        });
                    }
                });
                j.key("mailbox");
                j.arr(|j| p.mailbox.iter().for_each(|m| j.str(m)));
                j.key("binaries");
                j.arr(|j| p.binaries.iter().for_each(|b| j.num(u64::from(*b))));
            });
        }
    });
    j.key("binaries");
    j.arr(|j| {
        for b in &view.binaries {
            j.obj(|j| {
                j.field_num("id", u64::from(b.id));
                j.field_num("bytes", b.bytes);
                j.field_num("refc", u64::from(b.refc));
                j.key("holders");
                j.arr(|j| {
                    for h in &b.holders {
                        j.obj(|j| {
                            j.field_num("pid", u64::from(h.pid));
                            j.key("reachable");
                            j.raw(if h.reachable { "true" } else { "false" });
                        });
                    }
                });
            });
        }
    });
    j.key("memory");
    j.obj(|j| {
        j.field_num("processes", view.memory.processes);
        j.field_num("processes_used", view.memory.processes_used);
        j.field_num("binary", view.memory.binary);
        j.field_num("atom", view.memory.atom);
        j.field_num("total", view.memory.total);
    });
}
