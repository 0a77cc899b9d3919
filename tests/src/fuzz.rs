//! A grammar-aware fuzzer for the expression evaluator (Erlang and Elixir) and the scenario parser and runner.
//!
//! cargo-fuzz needs a nightly toolchain and network access, so this is a plain generator: each input is either
//! generated from a small grammar of the modelled language (terms, calls of the modelled BIFs, comprehensions,
//! funs, cases, matches, binaries, maps) or a corpus entry (`tests/oracle/*.txt`, `www/scenarios/*.scn`,
//! `tests/fuzz/corpus/`) mutated by byte flips, token insertions, splices, deep nesting, duplication and
//! truncation. Every input must end in a value or a located error (line and column inside the input) within
//! [`TIME_LIMIT`], never a panic; a scenario that runs must leave a VM that passes `Vm::check`.
//!
//! Coverage is measured by outcomes: the distinct (target, result kind) pairs reached, where a result kind is an
//! error's variant (`parse Unexpected`, `eval BadArg`, `scenario UnknownActor`, …) or a value's type.
//! The generator is a seeded PRNG, so a run is reproducible from its seed.

use beamviz::expr::{self, Lang};
use beamviz::scenario;
use beamviz::{History, View};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The longest any one input may take to end in a value or a located error.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);

/// What an input is fed to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Target {
    /// `expr::parse` then `expr::inspect`, Erlang syntax.
    Erlang,
    /// The same, Elixir syntax.
    Elixir,
    /// `scenario::parse_bytes`, then `scenario::check` and a full history run with `Vm::check` at the end.
    Scenario,
}

impl Target {
    /// All targets.
    pub const ALL: [Target; 3] = [Target::Erlang, Target::Elixir, Target::Scenario];

    /// The name used in reports and corpus folders.
    pub fn name(self) -> &'static str {
        match self {
            Target::Erlang => "erlang",
            Target::Elixir => "elixir",
            Target::Scenario => "scenario",
        }
    }
}

/// SplitMix64: small, fast, and good enough to drive a generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// The seed inputs, per target.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    /// Inputs per target.
    pub inputs: BTreeMap<Target, Vec<String>>,
}

impl Corpus {
    /// Reads the corpora of the repository at `root`: the oracle expression lists, the built-in scenarios, and
    /// `tests/fuzz/corpus/<target>/*` (one input per file, including the regression inputs of crashes found).
    pub fn load(root: &Path) -> Corpus {
        let mut c = Corpus::default();
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        for file in ["public_terms.txt", "terms_extra.txt"] {
            for line in read(&root.join("tests/oracle").join(file)).lines() {
                if !line.trim().is_empty() && !line.starts_with('%') {
                    c.add(Target::Erlang, line);
                }
            }
        }
        for line in read(&root.join("tests/oracle/terms_elixir.txt")).lines() {
            if let Some((ex, erl)) = line.split_once(" ==> ") {
                c.add(Target::Elixir, ex);
                c.add(Target::Erlang, erl);
            }
        }
        for (_, src) in scenario::BUILTIN_SOURCES {
            c.add(Target::Scenario, src);
        }
        for t in Target::ALL {
            let dir = root.join("tests/fuzz/corpus").join(t.name());
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            for f in files {
                c.add(t, &read(&f));
            }
        }
        c
    }

    fn add(&mut self, t: Target, s: &str) {
        self.inputs.entry(t).or_default().push(s.to_string());
    }

    /// The seed inputs of `t`.
    pub fn of(&self, t: Target) -> &[String] {
        self.inputs.get(&t).map_or(&[], Vec::as_slice)
    }
}

/// What one input did: a kind of value or error (the coverage measure), or a broken promise.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// A value or a located error, named by its kind.
    Ok(String),
    /// An error without a valid location, an inconsistent VM, or an inconsistent result.
    Violation(String),
}

/// The variant name of a `Debug`-printed enum value: `BadArg` of `BadArg`, `NotModelled` of `NotModelled { .. }`.
fn variant(dbg: &str) -> &str {
    dbg.split([' ', '(', '{']).next().unwrap_or(dbg)
}

fn located(src: &str, line: u32, col: u32) -> bool {
    let lines = src.split('\n').count() as u32;
    line >= 1 && col >= 1 && line <= lines.max(1)
}

/// Runs one input. Panics are the caller's to catch.
pub fn run_one(t: Target, input: &str) -> Outcome {
    match t {
        Target::Erlang | Target::Elixir => {
            let lang = if t == Target::Erlang {
                Lang::Erlang
            } else {
                Lang::Elixir
            };
            if let Err(e) = expr::parse(input, lang) {
                if !located(input, e.span.line, e.span.col) {
                    return Outcome::Violation(format!("parse error outside the input: {e}"));
                }
            }
            match expr::inspect(input, lang, 200) {
                Ok(ins) => {
                    if ins.sizes.size > ins.sizes.flat_size || ins.copy_words > ins.sizes.flat_size
                    {
                        return Outcome::Violation(format!("inconsistent sizes {:?}", ins.sizes));
                    }
                    Outcome::Ok(format!("{} value {}", t.name(), ins.kind))
                }
                Err(e) => {
                    let span = e.span();
                    // Rendering the message with its source line must not fail either.
                    let _ = expr::render(input, span, &e.message(input));
                    if !located(input, span.line, span.col) {
                        return Outcome::Violation(format!(
                            "error outside the input: {}",
                            e.message(input)
                        ));
                    }
                    let kind = match e {
                        expr::ExprError::Parse(p) => {
                            format!("parse {}", variant(&format!("{:?}", p.kind)))
                        }
                        expr::ExprError::Eval(v) => {
                            format!("eval {}", variant(&format!("{:?}", v.kind)))
                        }
                    };
                    Outcome::Ok(format!("{} {kind}", t.name()))
                }
            }
        }
        Target::Scenario => run_scenario(input.as_bytes()),
    }
}

/// Runs one scenario file given as bytes (which need not be UTF-8).
pub fn run_scenario(bytes: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(bytes);
    let sc = match scenario::parse_bytes("fuzz", bytes) {
        Ok(sc) => sc,
        Err(e) => {
            let _ = scenario::render_error("fuzz.scn", &text, e.span, &e.kind);
            if !located(&text, e.span.line, e.span.col) {
                return Outcome::Violation(format!("parse error outside the input: {e}"));
            }
            return Outcome::Ok(format!(
                "scenario parse {}",
                variant(&format!("{:?}", e.kind))
            ));
        }
    };
    let check = scenario::check(&sc);
    let mut h = History::new(sc.ops());
    h.seek(h.len());
    if let Err(e) = h.vm().check() {
        return Outcome::Violation(format!("the VM is inconsistent after the run: {e}"));
    }
    let _ = View::of(h.vm());
    // Seeking back to the middle must work too (the page scrubs).
    h.seek(h.len() / 2);
    match check.op_error {
        Some((_, span, e)) => {
            if !located(&text, span.line, span.col) {
                return Outcome::Violation(format!("run error outside the input: {e}"));
            }
            Outcome::Ok(format!("scenario run {}", variant(&format!("{e:?}"))))
        }
        None if check.failures.is_empty() => Outcome::Ok("scenario ok".into()),
        None => Outcome::Ok("scenario expect-failed".into()),
    }
}

const ERL_ATOMS: [&str; 8] = [
    "ok",
    "error",
    "'quoted atom'",
    "true",
    "undefined",
    "a",
    "b",
    "nil",
];
const ERL_VARS: [&str; 4] = ["X", "Y", "Z", "_"];
const ERL_CALLS: [(&str, usize); 40] = [
    ("lists:seq", 2),
    ("binary:copy", 2),
    ("length", 1),
    ("element", 2),
    ("setelement", 3),
    ("tuple_size", 1),
    ("byte_size", 1),
    ("list_to_atom", 1),
    ("atom_to_list", 1),
    ("list_to_tuple", 1),
    ("tuple_to_list", 1),
    ("make_tuple", 2),
    ("erlang:make_tuple", 2),
    ("hd", 1),
    ("tl", 1),
    ("maps:from_list", 1),
    ("maps:put", 3),
    ("maps:get", 2),
    ("maps:merge", 2),
    ("lists:duplicate", 2),
    ("lists:reverse", 1),
    ("lists:zip", 2),
    ("lists:nth", 2),
    ("lists:append", 2),
    ("lists:sublist", 2),
    ("binary:part", 3),
    ("binary_part", 3),
    ("split_binary", 2),
    ("term_to_binary", 1),
    ("binary_to_term", 1),
    ("self", 0),
    ("make_ref", 0),
    ("float", 1),
    ("math:sqrt", 1),
    ("math:pow", 2),
    ("list_to_integer", 1),
    ("binary:bin_to_list", 1),
    ("binary:list_to_bin", 1),
    ("unknown:call", 1),
    ("erlang:apply", 2),
];
const ERL_BINOPS: [&str; 20] = [
    "+", "-", "*", "div", "rem", "bsl", "bsr", "band", "bor", "bxor", "++", "--", "==", "=:=", "<",
    ">=", "andalso", "orelse", "/", "=/=",
];

/// A count: one of `small`, or one in 128 times one of `large`, so that most inputs stay cheap and the fuzzer
/// explores breadth, while the limits are still reached often.
fn big(rng: &mut Rng, small: &[u64], large: &[u64]) -> u64 {
    if rng.one_in(128) {
        *rng.pick(large)
    } else {
        *rng.pick(small)
    }
}

/// A random Erlang expression, at most `depth` deep.
pub fn gen_erlang(rng: &mut Rng, depth: u32) -> String {
    let leaf = depth == 0 || rng.one_in(3);
    if leaf {
        return match rng.below(9) {
            0 => format!("{}", rng.below(100) as i64 - 20),
            1 => format!("{}", rng.next_u64()),
            2 => format!("16#{:X}", rng.next_u64() >> rng.below(64)),
            3 => rng.pick(&ERL_ATOMS).to_string(),
            4 => rng.pick(&ERL_VARS).to_string(),
            5 => format!("\"{}\"", "ab".repeat(rng.below(40))),
            6 => format!("{}.{}", rng.below(1000), rng.below(100)),
            7 => format!("${}", (b'a' + rng.below(26) as u8) as char),
            _ => "[]".into(),
        };
    }
    let d = depth - 1;
    let list = |rng: &mut Rng, n: usize| {
        (0..n)
            .map(|_| gen_erlang(rng, d))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match rng.below(16) {
        0 => format!("{{{}}}", list(rng, 4)),
        1 => format!("[{}]", list(rng, 4)),
        2 => format!("[{} | {}]", gen_erlang(rng, d), gen_erlang(rng, d)),
        3 => format!("#{{{} => {}}}", gen_erlang(rng, d), gen_erlang(rng, d)),
        4 => {
            let n = rng.below(4);
            let segs: Vec<String> = (0..n)
                .map(|_| match rng.below(4) {
                    0 => format!("{}", rng.below(300)),
                    1 => format!("{}:{}", rng.below(300), rng.below(70)),
                    2 => format!("\"{}\"", "x".repeat(rng.below(80))),
                    _ => format!("({})/binary", gen_erlang(rng, d)),
                })
                .collect();
            format!("<<{}>>", segs.join(", "))
        }
        5 | 6 => {
            let (name, arity) = rng.pick(&ERL_CALLS);
            format!("{name}({})", list(rng, *arity))
        }
        7 => format!(
            "{} {} {}",
            gen_erlang(rng, d),
            rng.pick(&ERL_BINOPS),
            gen_erlang(rng, d)
        ),
        8 => format!(
            "begin {} = {}, {} end",
            rng.pick(&ERL_VARS),
            gen_erlang(rng, d),
            gen_erlang(rng, d)
        ),
        9 => format!("[{} || X <- {}]", gen_erlang(rng, d), gen_erlang(rng, d)),
        10 => format!("fun(X) -> {} end", gen_erlang(rng, d)),
        11 => format!(
            "case {} of {{X, _}} -> {}; _ -> {} end",
            gen_erlang(rng, d),
            gen_erlang(rng, d),
            gen_erlang(rng, d)
        ),
        12 => format!(
            "(fun(X) -> {} end)({})",
            gen_erlang(rng, d),
            gen_erlang(rng, d)
        ),
        13 => format!(
            "lists:seq(1, {})",
            big(rng, &[10, 1000], &[100_000, 10_000_000, 1 << 40])
        ),
        14 => format!(
            "binary:copy(<<1>>, {})",
            big(rng, &[10, 65, 1000], &[1 << 20, 1 << 40])
        ),
        _ => format!("-{}", gen_erlang(rng, d)),
    }
}

const EX_CALLS: [(&str, usize); 24] = [
    ("Enum.reduce", 3),
    ("List.duplicate", 2),
    ("String.duplicate", 2),
    (":binary.copy", 2),
    ("Map.new", 1),
    ("Map.put", 3),
    ("Map.merge", 2),
    ("Tuple.duplicate", 2),
    ("Tuple.to_list", 1),
    ("List.to_tuple", 1),
    ("Enum.to_list", 1),
    ("Enum.count", 1),
    ("Enum.with_index", 1),
    ("Enum.zip", 2),
    ("String.to_atom", 1),
    ("Integer.to_string", 1),
    ("elem", 2),
    ("put_elem", 3),
    ("length", 1),
    ("hd", 1),
    ("tuple_size", 1),
    ("self", 0),
    (":erlang.term_to_binary", 1),
    ("Nope.nope", 1),
];

/// A random Elixir expression, at most `depth` deep.
pub fn gen_elixir(rng: &mut Rng, depth: u32) -> String {
    let leaf = depth == 0 || rng.one_in(3);
    if leaf {
        return match rng.below(9) {
            0 => format!("{}", rng.below(100) as i64 - 20),
            1 => format!("{}", rng.next_u64()),
            2 => format!("0x{:X}", rng.next_u64() >> rng.below(64)),
            3 => [":ok", ":error", "nil", "true", ":\"quoted\"", "x"][rng.below(6)].to_string(),
            4 => ["x", "y", "_z", "@attr"][rng.below(4)].to_string(),
            5 => format!("\"{}\"", "ab".repeat(rng.below(40))),
            6 => format!("{}.{}", rng.below(1000), rng.below(100)),
            7 => format!("'{}'", "c".repeat(rng.below(5))),
            _ => "[]".into(),
        };
    }
    let d = depth - 1;
    let list = |rng: &mut Rng, n: usize| {
        (0..n)
            .map(|_| gen_elixir(rng, d))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match rng.below(15) {
        0 => format!("{{{}}}", list(rng, 4)),
        1 => format!("[{}]", list(rng, 4)),
        2 => format!("[{} | {}]", gen_elixir(rng, d), gen_elixir(rng, d)),
        3 => format!("%{{a: {}, b: {}}}", gen_elixir(rng, d), gen_elixir(rng, d)),
        4 => format!("%{{{} => {}}}", gen_elixir(rng, d), gen_elixir(rng, d)),
        5 => format!(
            "<<{}, {}::16, \"{}\">>",
            rng.below(300),
            rng.below(70000),
            "z".repeat(rng.below(90))
        ),
        6 | 7 => {
            let (name, arity) = rng.pick(&EX_CALLS);
            format!("{name}({})", list(rng, *arity))
        }
        8 => format!(
            "{} {} {}",
            gen_elixir(rng, d),
            ["+", "-", "*", "<>", "++", "==", "and", "||", "div", "/", ".."][rng.below(11)],
            gen_elixir(rng, d)
        ),
        9 => format!("x = {}\n{}", gen_elixir(rng, d), gen_elixir(rng, d)),
        10 => format!(
            "for x <- {}, do: {}",
            gen_elixir(rng, d),
            gen_elixir(rng, d)
        ),
        11 => format!("fn x -> {} end", gen_elixir(rng, d)),
        12 => format!(
            "Enum.map(1..{}, fn i -> {} end)",
            big(rng, &[3, 10], &[1000, 100_000_000]),
            gen_elixir(rng, d)
        ),
        13 => format!(
            "case {} do\n  {{x, _}} -> {}\n  _ -> {}\nend",
            gen_elixir(rng, d),
            gen_elixir(rng, d),
            gen_elixir(rng, d)
        ),
        _ => format!(
            "(fn x -> {} end).({})",
            gen_elixir(rng, d),
            gen_elixir(rng, d)
        ),
    }
}

/// A random scenario: a title, actors (sometimes with options), statements, expects, predicts and loops.
pub fn gen_scenario(rng: &mut Rng) -> String {
    let mut s = String::from("# Fuzz\nGenerated.\n\n");
    let actors = ["a", "b", "c"];
    let n_actors = 1 + rng.below(3);
    for a in &actors[..n_actors] {
        s.push_str(&format!("actor {a}"));
        match rng.below(5) {
            0 => s.push_str(&format!(
                ", min_heap_size: {}",
                [0, 233, 1000, 1 << 30][rng.below(4)]
            )),
            1 => s.push_str(&format!(", fullsweep_after: {}", rng.below(5))),
            2 => s.push_str(", message_queue_data: :off_heap"),
            _ => {}
        }
        s.push('\n');
    }
    s.push('\n');
    for _ in 0..1 + rng.below(12) {
        let a = actors[rng.below(n_actors)];
        let v = ["x", "y", "z"][rng.below(3)];
        let stmt = match rng.below(12) {
            0 => format!("{v} = {}", gen_elixir(rng, 3).replace('\n', "; ")),
            1 => format!("send({}, {v})", actors[rng.below(n_actors)]),
            2 => format!("{v} = receive do m -> m end"),
            3 => ":erlang.garbage_collect()".into(),
            4 => format!(
                "for i <- 1..{}, do: {v} = [i | {v}]",
                [2, 10, 1000, 1_000_000_000][rng.below(4)]
            ),
            5 => format!(
                "{v} = :binary.copy(<<1>>, {})",
                big(rng, &[10, 100], &[1 << 20])
            ),
            6 => ":erlang.hibernate(M, :f, [])".into(),
            7 => format!("_ = {v}"),
            8 => [
                ":ets.new(:t, [:set])".to_string(),
                format!(":ets.insert(:t, {v})"),
                format!("{v} = :ets.lookup(:t, {})", rng.below(3)),
                ":ets.delete(:t)".into(),
                "wake(1)".into(),
                format!("{v} = build({}, [])", [3, 3000, 1 << 30][rng.below(3)]),
                "for i <- 1..3, do: String.to_atom(\"k#{i}\")".into(),
            ][rng.below(7)]
            .clone(),
            9 => format!("Process.exit({}, :kill)", actors[rng.below(n_actors)]),
            10 => format!("{v} = Enum.to_list(1..{})", big(rng, &[5, 500], &[50_000])),
            _ => format!("{v} = {{{v}, {v}}}"),
        };
        s.push_str(&format!(
            "{a}: {stmt}\n  Narration with `code` and *emphasis*.\n"
        ));
        if rng.one_in(3) {
            let field = [
                "heap_size",
                "heap_used",
                "refc",
                "mailbox_len",
                "bin_vheap_size",
                "nope",
            ][rng.below(6)];
            s.push_str(&format!("expect {a}.{field} >= {}\n", rng.below(500)));
        }
        if rng.one_in(8) {
            s.push_str("predict What happens?\n  [ ] This.\n  [x] That.\n  because Reasons.\n");
        }
    }
    s
}

const TOKENS: [&str; 40] = [
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<<",
    ">>",
    ",",
    ";",
    ".",
    "|",
    "||",
    "->",
    "=>",
    ":",
    "::",
    "#",
    "%",
    "\"",
    "'",
    "$",
    "fun",
    "end",
    "case",
    "of",
    "do",
    "fn",
    "1..",
    "\n",
    "  ",
    "-",
    "0",
    "99999999999999999999",
    "X",
    "\u{1F600}",
    "\0",
    "\r\n",
    "\\",
    "`",
];

/// Mutates `s`: one to four byte-level or token-level edits.
pub fn mutate(rng: &mut Rng, s: &str, other: &str) -> String {
    let mut b: Vec<u8> = s.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if b.is_empty() {
            0
        } else {
            rng.below(b.len() + 1)
        };
        match rng.below(9) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = rng.pick(&TOKENS);
                b.splice(at..at, t.bytes());
            }
            2 if !b.is_empty() => {
                let end = (at + rng.below(16)).min(b.len());
                b.drain(at.min(end)..end);
            }
            3 => b.truncate(at),
            4 => {
                // Splice in part of another input.
                let o = other.as_bytes();
                let from = rng.below(o.len() + 1);
                let to = (from + rng.below(64)).min(o.len());
                b.splice(at..at, o[from..to].iter().copied());
            }
            5 if !b.is_empty() => {
                // Duplicate a range, sometimes many times.
                let end = (at + rng.below(32)).min(b.len());
                let piece: Vec<u8> = b[at.min(end)..end].to_vec();
                for _ in 0..1 + rng.below(8) {
                    b.splice(at..at, piece.iter().copied());
                }
            }
            6 => {
                // Deep nesting.
                let n = big(rng, &[10, 100, 1000], &[10_000]) as usize;
                let (open, close) = *rng.pick(&[("[", "]"), ("{", "}"), ("(", ")"), ("<<", ">>")]);
                let mut mid = open.repeat(n).into_bytes();
                mid.extend(close.repeat(n).bytes());
                b.splice(at..at, mid);
            }
            7 => {
                let n = rng.next_u64().to_string();
                b.splice(at..at, n.bytes());
            }
            _ => b.push(rng.below(256) as u8),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Counts and extremes of a fuzzing run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Inputs run, per target.
    pub inputs: BTreeMap<Target, u64>,
    /// Time spent, per target.
    pub time: BTreeMap<Target, Duration>,
    /// How often each outcome kind was reached.
    pub outcomes: BTreeMap<String, u64>,
    /// The slowest input: time, target and the input (cut to 200 bytes).
    pub slowest: (Duration, Option<Target>, String),
    /// Broken promises: target, input, what (panics included, when the caller catches them).
    pub failures: Vec<(Target, String, String)>,
}

impl Stats {
    /// The total of inputs run.
    pub fn total(&self) -> u64 {
        self.inputs.values().sum()
    }

    /// Records one input's outcome and time.
    pub fn record(
        &mut self,
        t: Target,
        input: &str,
        outcome: Result<Outcome, String>,
        took: Duration,
    ) {
        *self.inputs.entry(t).or_default() += 1;
        *self.time.entry(t).or_default() += took;
        if took > self.slowest.0 {
            self.slowest = (took, Some(t), input.chars().take(200).collect());
        }
        let failure = match outcome {
            Ok(Outcome::Ok(kind)) => {
                *self.outcomes.entry(kind).or_default() += 1;
                None
            }
            Ok(Outcome::Violation(v)) => Some(v),
            Err(panic) => Some(format!("panic: {panic}")),
        };
        let failure = failure.or_else(|| (took > TIME_LIMIT).then(|| format!("took {took:?}")));
        if let Some(f) = failure {
            self.failures.push((t, input.to_string(), f));
        }
    }
}

/// The input number `i` of a run seeded with `seed`: generated or mutated, for a target chosen in turn.
pub fn input(corpus: &Corpus, seed: u64, i: u64) -> (Target, String) {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.next_u64();
    // Scenarios cost more to run; they get one input in eight.
    let t = match rng.below(8) {
        0 => Target::Scenario,
        1..=4 => Target::Erlang,
        _ => Target::Elixir,
    };
    let seeds = corpus.of(t);
    let generated = seeds.is_empty() || rng.one_in(2);
    let s = if generated {
        match t {
            Target::Erlang => {
                let depth = 1 + rng.below(5) as u32;
                gen_erlang(&mut rng, depth)
            }
            Target::Elixir => {
                let depth = 1 + rng.below(5) as u32;
                gen_elixir(&mut rng, depth)
            }
            Target::Scenario => gen_scenario(&mut rng),
        }
    } else {
        let a = rng.pick(seeds).clone();
        let b = rng.pick(seeds).clone();
        mutate(&mut rng, &a, &b)
    };
    (t, s)
}

/// Runs inputs `from..to` of the run seeded with `seed`, timing each; `guard` runs each input and turns a panic
/// into an `Err` (the binary catches panics; tests let them fail the test).
pub fn run_range(
    corpus: &Corpus,
    seed: u64,
    from: u64,
    to: u64,
    stats: &mut Stats,
    guard: &mut dyn FnMut(Target, &str) -> Result<Outcome, String>,
) {
    for i in from..to {
        let (t, s) = input(corpus, seed, i);
        let start = Instant::now();
        let outcome = guard(t, &s);
        stats.record(t, &s, outcome, start.elapsed());
    }
}
