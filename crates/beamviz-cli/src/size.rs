//! `beamviz size [--lang erlang|elixir] [--batch FILE] [EXPR]`: the words a term takes, as JSON.
//!
//! One expression prints one JSON object `{"size": N, "flat_size": N, "heap_words": N, "kind": "…"}`;
//! `--batch FILE` reads one expression per line (blank lines and `%`/`#` comment lines skipped) and writes JSON lines,
//! an error line being `{"error": "…"}`. Bad input exits with status 2 and a located message.

use beamviz::expr::{size_of, Lang};
use std::process::ExitCode;

const USAGE: &str = "usage: beamviz size [--lang erlang|elixir] (EXPR | --batch FILE)";

/// Runs `beamviz size` with the arguments after `size`.
pub fn main(args: &[String]) -> ExitCode {
    let mut lang = Lang::Erlang;
    let mut batch = None;
    let mut expr = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--lang" => match it.next().map(String::as_str) {
                Some("erlang") => lang = Lang::Erlang,
                Some("elixir") => lang = Lang::Elixir,
                _ => return usage(),
            },
            "--batch" => match it.next() {
                Some(f) => batch = Some(f.clone()),
                None => return usage(),
            },
            _ if expr.is_none() => expr = Some(a.clone()),
            _ => return usage(),
        }
    }
    match (batch, expr) {
        (Some(file), None) => {
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("beamviz size: {file}: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut failed = false;
            for line in text.lines() {
                let l = line.trim();
                if l.is_empty()
                    || l.starts_with('%')
                    || (lang == Lang::Elixir && l.starts_with('#'))
                {
                    continue;
                }
                match json_line(l, lang) {
                    Ok(j) => println!("{j}"),
                    Err(msg) => {
                        failed = true;
                        println!("{{\"error\":{}}}", json_str(&msg));
                    }
                }
            }
            if failed {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        (None, Some(src)) => match json_line(&src, lang) {
            Ok(j) => {
                println!("{j}");
                ExitCode::SUCCESS
            }
            Err(msg) => {
                eprintln!("beamviz size: {msg}");
                ExitCode::from(2)
            }
        },
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

/// The JSON object for one expression, or the rendered error.
pub fn json_line(src: &str, lang: Lang) -> Result<String, String> {
    let (s, kind) = size_of(src, lang)?;
    Ok(format!(
        "{{\"size\":{},\"flat_size\":{},\"heap_words\":{},\"kind\":\"{}\"}}",
        s.size, s.flat_size, s.heap_words, kind
    ))
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
