//! Expressions in statements: the right-hand side of `x = …` and bare expressions, read by the real parser
//! (`expr::parse`) and run by the evaluator as [`Op::Eval`](crate::Op::Eval).
//!
//! While reading, an expression is only parsed, not evaluated: its unbound variables are reported at their place in
//! the file, and the words it may build are estimated for the scenario's work limit. Evaluation errors surface when
//! the scenario runs (`check`, `run`), at the step.

use super::lex::{Cursor, Tok};
use super::{ErrorKind, Feature, ParseError, Syntax};
use crate::expr::{self, Expr, ExprKind, Lang, ParseErrorKind, Qualifier};
use crate::sorted::SortedMap;
use alloc::string::String;
use alloc::vec::Vec;

/// An expression read from a statement line.
pub(crate) struct Read {
    /// The source given to the evaluator (loop variables replaced by their values).
    pub src: String,
    /// The parsed expression.
    pub expr: Expr,
    /// Per token: offset in `src`, offset in the line, length in the line.
    pieces: Vec<(usize, usize, usize)>,
}

impl Read {
    /// The place in the line of a position in the expression's source.
    pub fn span(&self, cur: &Cursor<'_>, at: expr::Span) -> super::Span {
        let from = locate(&self.pieces, byte_of_col(&self.src, at.col));
        super::lex::span(cur.line_no, cur.line, from, from + 1)
    }
}

/// The syntax of the evaluator for a scenario syntax.
pub(crate) fn lang(syntax: Syntax) -> Lang {
    match syntax {
        Syntax::Elixir => Lang::Elixir,
        Syntax::Erlang => Lang::Erlang,
    }
}

/// Reads the expression at the cursor, up to the end of the line or the token that closes an enclosing loop
/// (an unmatched `end` or bracket, or `||` in Erlang). Loop variables in `env` are replaced by their values.
pub(crate) fn read(cur: &mut Cursor<'_>, env: &[(String, i64)]) -> Result<Read, ParseError> {
    let start = cur.pos;
    let stop = extent(cur);
    if stop == start {
        return Err(cur.error_here(ErrorKind::UnexpectedEnd));
    }
    let var_tok = match cur.syntax {
        Syntax::Elixir => Tok::Ident,
        Syntax::Erlang => Tok::Upper,
    };
    // The source, with (offset in src, offset in line, length in line) per token for locating errors.
    let mut src = String::new();
    let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
    let mut prev_end: Option<usize> = None;
    for i in start..stop {
        let t = cur.toks[i];
        if let Some(p) = prev_end {
            src.push_str(&cur.line[p..t.from]);
        }
        pieces.push((src.len(), t.from, t.to - t.from));
        let text = cur.text(t);
        let keyword = cur.syntax == Syntax::Elixir
            && cur
                .toks
                .get(i + 1)
                .is_some_and(|n| n.tok == Tok::Punct(":") && n.from == t.to);
        match env.iter().rev().find(|(n, _)| n == text) {
            Some((_, k)) if t.tok == var_tok && !keyword => {
                if *k < 0 {
                    src.push_str(&alloc::format!("({k})"));
                } else {
                    src.push_str(&alloc::format!("{k}"));
                }
            }
            _ if t.tok == Tok::Str
                && cur.syntax == Syntax::Elixir
                && crate::text::contains(text, "#{") =>
            {
                // Loop variables interpolated in a string: `"k#{i}"`.
                let mut whole = String::from(&cur.line[t.from..t.to]);
                for (n, k) in env.iter().rev() {
                    whole = crate::text::replace(
                        &whole,
                        &alloc::format!("#{{{n}}}"),
                        &alloc::format!("{k}"),
                    );
                }
                src.push_str(&whole);
            }
            _ => src.push_str(&cur.line[t.from..t.to]),
        }
        prev_end = Some(t.to);
    }
    cur.pos = stop;
    // The op keeps it (a million times over in a long loop): no spare capacity.
    src.shrink_to_fit();
    let expr = expr::parse(&src, lang(cur.syntax)).map_err(|e| {
        let kind = match e.kind {
            ParseErrorKind::BadChar => ErrorKind::InvalidCharacter,
            ParseErrorKind::Unterminated => ErrorKind::UnterminatedString,
            ParseErrorKind::BadNumber => ErrorKind::ExpectedInteger,
            ParseErrorKind::Unexpected => ErrorKind::UnexpectedToken,
            ParseErrorKind::UnexpectedEnd => ErrorKind::UnexpectedEnd,
            ParseErrorKind::TooDeep => ErrorKind::TooDeep,
            ParseErrorKind::Unsupported => ErrorKind::NotModelled(Feature::Syntax),
            ParseErrorKind::TooLong => ErrorKind::FileTooLarge,
        };
        if kind == ErrorKind::UnexpectedEnd {
            return cur.error_end();
        }
        let at = byte_of_col(&src, e.span.col);
        let line_at = locate(&pieces, at);
        ParseError {
            kind,
            span: super::lex::span(cur.line_no, cur.line, line_at, line_at + 1),
        }
    })?;
    Ok(Read { src, expr, pieces })
}

/// The byte offset of 1-based character column `col` of `src`.
fn byte_of_col(src: &str, col: u32) -> usize {
    src.char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(src.len(), |(b, _)| b)
}

/// The line offset of byte `at` of the built source.
fn locate(pieces: &[(usize, usize, usize)], at: usize) -> usize {
    match pieces.iter().rev().find(|(s, _, _)| *s <= at) {
        Some((s, l, len)) => l + (at - s).min(len.saturating_sub(1)),
        None => pieces.first().map_or(0, |p| p.1),
    }
}

/// The index of the first token after the expression starting at the cursor.
pub(crate) fn extent(cur: &Cursor<'_>) -> usize {
    let erlang = cur.syntax == Syntax::Erlang;
    let mut depth = 0i32;
    for i in cur.pos..cur.toks.len() {
        let t = cur.toks[i];
        let next = cur.toks.get(i + 1).map(|n| n.tok);
        match t.tok {
            Tok::Punct("(" | "[" | "{" | "<<") => depth += 1,
            Tok::Punct(")" | "]" | "}" | ">>") => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            Tok::Punct("||") if erlang && depth == 0 => return i,
            Tok::Ident => {
                let text = cur.text(t);
                let opens = if erlang {
                    matches!(text, "case" | "begin" | "if" | "receive" | "try")
                        || (text == "fun" && matches!(next, Some(Tok::Punct("(") | Tok::Upper)))
                } else {
                    text == "fn" || (text == "do" && next != Some(Tok::Punct(":")))
                };
                if opens {
                    depth += 1;
                } else if text == "end" {
                    if depth == 0 {
                        return i;
                    }
                    depth -= 1;
                }
            }
            _ => {}
        }
    }
    cur.toks.len()
}

/// The variables `e` reads, with where, and the names its patterns bind (anywhere in it).
pub(crate) fn names(e: &Expr, uses: &mut Vec<(String, expr::Span)>, pats: &mut Vec<String>) {
    walk(e, false, uses, pats);
}

fn walk(e: &Expr, pat: bool, uses: &mut Vec<(String, expr::Span)>, pats: &mut Vec<String>) {
    let mut w = |x: &Expr, p: bool| walk(x, p, uses, pats);
    match &e.kind {
        ExprKind::Var(n) if pat => pats.push(n.clone()),
        ExprKind::Var(n) => uses.push((n.clone(), e.span)),
        ExprKind::Bind(n) => pats.push(n.clone()),
        ExprKind::Pin(n) => uses.push((n.clone(), e.span)),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Atom(_)
        | ExprKind::Chars(_)
        | ExprKind::Utf8(_)
        | ExprKind::Wildcard
        | ExprKind::ExtFun(..) => {}
        ExprKind::Tuple(v) | ExprKind::Block(v) => v.iter().for_each(|x| w(x, pat)),
        ExprKind::List(v, tail) => {
            v.iter().for_each(|x| w(x, pat));
            if let Some(t) = tail {
                w(t, pat);
            }
        }
        ExprKind::Map(kv) => kv.iter().for_each(|(k, v)| {
            w(k, false);
            w(v, pat);
        }),
        ExprKind::MapUpdate(base, kv) => {
            w(base, pat);
            kv.iter().for_each(|(k, v, _)| {
                w(k, false);
                w(v, pat);
            });
        }
        ExprKind::Bin(segs) => segs.iter().for_each(|s| {
            w(&s.value, pat);
            if let Some(sz) = &s.size {
                w(sz, false);
            }
        }),
        ExprKind::Match(p, x) => {
            w(p, true);
            w(x, pat);
        }
        ExprKind::Op(_, a, b) => {
            w(a, pat);
            w(b, pat);
        }
        ExprKind::Unary(_, a) => w(a, pat),
        ExprKind::Call(m, f, args) => {
            if let Some(m) = m {
                w(m, false);
            }
            w(f, false);
            args.iter().for_each(|x| w(x, false));
        }
        ExprKind::Fun(cs) | ExprKind::NamedFun(_, cs) => {
            if let ExprKind::NamedFun(n, _) = &e.kind {
                pats.push(n.clone());
            }
            clauses(cs, uses, pats);
        }
        ExprKind::Case(x, cs) => {
            w(x, false);
            clauses(cs, uses, pats);
        }
        ExprKind::If(cs) => clauses(cs, uses, pats),
        ExprKind::Comp(_, body, quals) => {
            for q in quals {
                match q {
                    Qualifier::Gen(p, l) | Qualifier::BinGen(p, l) => {
                        walk(p, true, uses, pats);
                        walk(l, false, uses, pats);
                    }
                    Qualifier::Filter(f) => walk(f, false, uses, pats),
                }
            }
            walk(body, false, uses, pats);
        }
    }
}

fn clauses(cs: &[expr::Clause], uses: &mut Vec<(String, expr::Span)>, pats: &mut Vec<String>) {
    for c in cs {
        c.pats.iter().for_each(|p| walk(p, true, uses, pats));
        if let Some(g) = &c.guard {
            walk(g, false, uses, pats);
        }
        c.body.iter().for_each(|b| walk(b, false, uses, pats));
    }
}

/// The names a statement-level expression binds: the patterns of its top-level matches.
pub(crate) fn top_bindings(e: &Expr, out: &mut Vec<String>) {
    if let ExprKind::Match(p, x) = &e.kind {
        let mut uses = Vec::new();
        walk(p, true, &mut uses, out);
        top_bindings(x, out);
    }
}

/// A static estimate of the words an expression builds and of its value's flat size, given the flat sizes of bound
/// variables. Literal constructions, `lists:seq`/`Enum.to_list` of literal ranges, `binary:copy`,
/// `String.duplicate`, `lists:duplicate` and comprehensions over those are counted; other calls cost a little.
///
/// Model: an estimate, not a bound. A recursive fun, or a size computed at run time, can build more than it says;
/// each expression is still bounded by the evaluator's own limits (4,194,304 steps, well under a second).
/// FIXME: a run-time budget of evaluation steps for the whole scenario would bound what the estimate cannot see.
pub(crate) fn estimate(e: &Expr, vars: &SortedMap<String, u64>) -> (u64, u64) {
    const CALL: u64 = 16;
    let sum = |xs: &[&Expr]| {
        xs.iter().fold((0u64, 0u64), |(b, f), x| {
            let (xb, xf) = estimate(x, vars);
            (b.saturating_add(xb), f.saturating_add(xf))
        })
    };
    match &e.kind {
        ExprKind::Int(n) => match n.to_i128() {
            Some(v)
                if (crate::term::MIN_SMALL as i128..=crate::term::MAX_SMALL as i128)
                    .contains(&v) =>
            {
                (0, 0)
            }
            _ => {
                let w = 1 + n.digits() as u64;
                (w, w)
            }
        },
        ExprKind::Float(_) => (3, 3),
        ExprKind::Atom(_) | ExprKind::Wildcard | ExprKind::ExtFun(..) => (0, 0),
        ExprKind::Chars(s) => {
            let w = 2 * s.chars().count() as u64;
            (w, w)
        }
        ExprKind::Utf8(s) => {
            let w = bin_words(s.len() as u64);
            (w, w)
        }
        ExprKind::Var(n) | ExprKind::Pin(n) | ExprKind::Bind(n) => {
            (0, vars.get(n).copied().unwrap_or(0))
        }
        ExprKind::Tuple(v) => {
            let own = if v.is_empty() { 0 } else { 1 + v.len() as u64 };
            let (b, f) = sum(&v.iter().collect::<Vec<_>>());
            (b.saturating_add(own), f.saturating_add(own))
        }
        ExprKind::List(v, tail) => {
            let own = 2 * v.len() as u64;
            let mut xs: Vec<&Expr> = v.iter().collect();
            xs.extend(tail.as_deref());
            let (b, f) = sum(&xs);
            (b.saturating_add(own), f.saturating_add(own))
        }
        ExprKind::Map(kv) => {
            let own = 3 + 3 * kv.len() as u64;
            let xs: Vec<&Expr> = kv.iter().flat_map(|(k, v)| [k, v]).collect();
            let (b, f) = sum(&xs);
            (b.saturating_add(own), f.saturating_add(own))
        }
        ExprKind::MapUpdate(base, kv) => {
            let own = 3 + 3 * kv.len() as u64;
            let mut xs: Vec<&Expr> = kv.iter().flat_map(|(k, v, _)| [k, v]).collect();
            xs.push(base);
            let (b, f) = sum(&xs);
            (b.saturating_add(own), f.saturating_add(own))
        }
        ExprKind::Bin(segs) => {
            let xs: Vec<&Expr> = segs.iter().map(|s| &s.value).collect();
            let (b, f) = sum(&xs);
            let own = bin_words(8 * segs.len() as u64);
            (b.saturating_add(own), f.saturating_add(own))
        }
        ExprKind::Match(_, x) => estimate(x, vars),
        ExprKind::Op(_, a, b) => {
            let (b2, f2) = sum(&[a, b]);
            (b2.saturating_add(4), f2.saturating_add(4))
        }
        ExprKind::Unary(_, a) => {
            let (b, f) = estimate(a, vars);
            (b.saturating_add(3), f.saturating_add(3))
        }
        ExprKind::Block(v) => {
            let (b, _) = sum(&v.iter().collect::<Vec<_>>());
            let f = v.last().map_or(0, |x| estimate(x, vars).1);
            (b, f)
        }
        ExprKind::Call(m, f, args) => call(m.as_deref(), f, args, vars).unwrap_or_else(|| {
            let (b, fl) = sum(&args.iter().collect::<Vec<_>>());
            (b.saturating_add(CALL), fl.saturating_add(CALL))
        }),
        ExprKind::Fun(cs) | ExprKind::NamedFun(_, cs) => {
            let free: u64 = cs.iter().map(|c| c.body.len() as u64).sum();
            (5 + free, 5 + free)
        }
        ExprKind::Case(x, cs) => {
            let (b, _) = estimate(x, vars);
            let worst = cs
                .iter()
                .flat_map(|c| c.body.iter())
                .map(|x| estimate(x, vars))
                .fold((0u64, 0u64), |(b, f), (xb, xf)| {
                    (b.saturating_add(xb), f.max(xf))
                });
            (b.saturating_add(worst.0), worst.1)
        }
        ExprKind::If(cs) => cs
            .iter()
            .flat_map(|c| c.body.iter())
            .map(|x| estimate(x, vars))
            .fold((0u64, 0u64), |(b, f), (xb, xf)| {
                (b.saturating_add(xb), f.max(xf))
            }),
        ExprKind::Comp(binary, body, quals) => {
            let mut count: u64 = 1;
            let mut built: u64 = 0;
            for q in quals {
                match q {
                    Qualifier::Gen(_, l) | Qualifier::BinGen(_, l) => {
                        let (lb, lf) = estimate(l, vars);
                        built = built.saturating_add(lb);
                        let n = if matches!(q, Qualifier::BinGen(..)) {
                            lf.saturating_mul(8)
                        } else {
                            lf / 2
                        };
                        count = count.saturating_mul(n.max(1));
                    }
                    Qualifier::Filter(_) => {}
                }
            }
            let (bb, bf) = estimate(body, vars);
            let per = if *binary { 1 } else { 2 };
            let each = bb.saturating_add(per);
            let result = count.saturating_mul(bf.saturating_add(per));
            (built.saturating_add(count.saturating_mul(each)), result)
        }
    }
}

fn bin_words(bytes: u64) -> u64 {
    if bytes <= crate::term::ONHEAP_BIN_LIMIT {
        2 + bytes.div_ceil(8)
    } else {
        crate::term::PROC_BIN_SIZE
    }
}

/// A constant integer: a literal, or simple arithmetic on constants (`1 bsl 20`, `1000 * 1000`).
fn int_of(e: &Expr) -> Option<i128> {
    int64_of(e).map(i128::from)
}

/// [`int_of`] in 64 bits, `None` past them: no bound of a loop or a list the model builds comes near, and checked
/// 128-bit multiplication and division would link 1.7 KB of compiler-builtins into the wasm module.
fn int64_of(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Int(n) => n.to_i128().and_then(|v| i64::try_from(v).ok()),
        ExprKind::Unary("-", x) => int64_of(x)?.checked_neg(),
        ExprKind::Op(op, a, b) => {
            let (a, b) = (int64_of(a)?, int64_of(b)?);
            match *op {
                "+" => a.checked_add(b),
                "-" => a.checked_sub(b),
                "*" => a.checked_mul(b),
                "div" => a.checked_div(b),
                "bsl" => u32::try_from(b)
                    .ok()
                    .filter(|b| *b < 63)
                    .and_then(|b| a.checked_mul(1 << b)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A static estimate of the iterations an expression makes: the lengths of the constant ranges and sequences it
/// names (an `Enum.reduce(1..n, …)` runs `n` times). Each iteration is at least a word of work.
pub(crate) fn iterations(e: &Expr) -> u64 {
    let mut n: u64 = 0;
    let mut visit = |x: &Expr| {
        let len = |a: i128, b: i128| {
            u64::try_from((b - a).unsigned_abs().saturating_add(1)).unwrap_or(u64::MAX)
        };
        match &x.kind {
            ExprKind::Map(kv) if matches!(kv.first(), Some((_, v)) if atom_of(v) == Some("Elixir.Range")) =>
            {
                let get = |k: &str| {
                    kv.iter()
                        .find(|(kk, _)| atom_of(kk) == Some(k))
                        .and_then(|(_, v)| int_of(v))
                };
                if let (Some(a), Some(b)) = (get("first"), get("last")) {
                    n = n.saturating_add(len(a, b));
                }
            }
            ExprKind::Call(Some(m), f, args)
                if atom_of(m) == Some("lists") && atom_of(f) == Some("seq") && args.len() >= 2 =>
            {
                if let (Some(a), Some(b)) = (int_of(&args[0]), int_of(&args[1])) {
                    n = n.saturating_add(len(a, b));
                }
            }
            _ => {}
        }
    };
    e.each(&mut visit);
    n
}

fn atom_of(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Atom(a) => Some(a),
        _ => None,
    }
}

/// The estimate of calls that build terms whose size their arguments give.
fn call(
    m: Option<&Expr>,
    f: &Expr,
    args: &[Expr],
    vars: &SortedMap<String, u64>,
) -> Option<(u64, u64)> {
    let m = m.and_then(atom_of).unwrap_or("erlang");
    let f = atom_of(f)?;
    let len = |a: i128, b: i128| -> u64 {
        if b >= a {
            u64::try_from((b - a + 1).saturating_mul(2)).unwrap_or(u64::MAX)
        } else {
            0
        }
    };
    let w = match (m, f, args) {
        ("lists", "seq", [a, b, ..]) => len(int_of(a)?, int_of(b)?),
        ("Elixir.Enum", "to_list", [r]) => {
            let ExprKind::Map(kv) = &r.kind else {
                return None;
            };
            let get = |k: &str| {
                kv.iter()
                    .find(|(kk, _)| atom_of(kk) == Some(k))
                    .and_then(|(_, v)| int_of(v))
            };
            let (a, b) = (get("first")?, get("last")?);
            if b >= a {
                len(a, b)
            } else {
                len(b, a)
            }
        }
        ("binary" | "Elixir.String", "copy" | "duplicate", [_, n]) => {
            let n = u64::try_from(int_of(n)?).ok()?;
            bin_words(n.saturating_mul(1))
        }
        ("lists" | "Elixir.List", "duplicate", [n, x]) => {
            let n = u64::try_from(int_of(n)?).ok()?;
            let (_, xf) = estimate(x, vars);
            n.saturating_mul(2).saturating_add(xf)
        }
        _ => return None,
    };
    // The size argument of a copy is a byte count times the pattern's size: count the pattern too.
    Some((w, w))
}
