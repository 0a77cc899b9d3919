//! The right-hand side of a binding, read into a [`Value`].
//!
//! Model: a stand-in for the expression evaluator. It reads the construction subset `Value` covers:
//! integers, atoms, variables, tuples, lists, `Enum.to_list(a..b)` / `lists:seq(A, B)`,
//! `:binary.copy(<<byte>>, n)` / `binary:copy(<<Byte>>, N)` and `String.duplicate("c", n)`.
//! Everything else is a located "not modelled yet" error. It is isolated here so the evaluator can replace it.

use super::lex::{Cursor, Tok, Token};
use super::{ErrorKind, Feature, ParseError, Syntax, MAX_DEPTH};
use crate::op::Value;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Loop variables in scope, innermost last, with their current values.
pub(crate) type Env = [(String, i64)];

/// Reads one expression.
pub(crate) fn value(cur: &mut Cursor<'_>, env: &Env, depth: u32) -> Result<Value, ParseError> {
    if depth > MAX_DEPTH {
        return Err(cur.error_here(ErrorKind::TooDeep));
    }
    let Some(t) = cur.peek() else {
        return Err(cur.error_end());
    };
    let v = primary(cur, t, env, depth)?;
    // Operators after a complete term are beyond the subset.
    if let Some(n) = cur.peek() {
        if let Tok::Punct(p) = n.tok {
            if matches!(
                p,
                "+" | "-"
                    | "*"
                    | "/"
                    | "++"
                    | "--"
                    | "<>"
                    | "|>"
                    | "=="
                    | "!="
                    | "<"
                    | ">"
                    | "<="
                    | ">="
                    | "=<"
                    | "!"
                    | "|"
                    | ".."
            ) {
                return Err(cur.error_at(n, ErrorKind::NotModelled(Feature::Operators)));
            }
        }
    }
    Ok(v)
}

fn primary(cur: &mut Cursor<'_>, t: Token, env: &Env, depth: u32) -> Result<Value, ParseError> {
    let erlang = cur.syntax == Syntax::Erlang;
    let text = cur.text(t);
    match t.tok {
        Tok::Int => Ok(Value::Int(int_or_big(cur)?)),
        Tok::Punct("-") => Ok(Value::Int(int_or_big(cur)?)),
        Tok::Float => Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Floats))),
        Tok::Str => Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Strings))),
        Tok::Atom => {
            let next = cur.peek_at(1);
            if erlang && next.is_some_and(|n| n.tok == Tok::Punct(":")) {
                return Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Call)));
            }
            if !erlang && next.is_some_and(|n| n.tok == Tok::Punct(".")) {
                // `:binary.copy(...)`, `:lists.seq(...)`: a remote call.
                return call(cur, t, env, depth);
            }
            cur.next();
            Ok(Value::Atom(text.to_string()))
        }
        Tok::Ident if erlang => {
            if cur
                .peek_at(1)
                .is_some_and(|n| matches!(n.tok, Tok::Punct(":") | Tok::Punct("(")))
            {
                return call(cur, t, env, depth);
            }
            cur.next();
            Ok(Value::Atom(text.to_string()))
        }
        Tok::Upper if erlang => {
            cur.next();
            Ok(variable(text, env))
        }
        Tok::Ident => {
            if cur
                .peek_at(1)
                .is_some_and(|n| matches!(n.tok, Tok::Punct("(") | Tok::Punct(".")))
            {
                return Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Call)));
            }
            cur.next();
            match text {
                "true" | "false" | "nil" => Ok(Value::Atom(text.to_string())),
                "fn" => Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Funs))),
                _ => Ok(variable(text, env)),
            }
        }
        Tok::Upper => call(cur, t, env, depth),
        Tok::Punct("{") => {
            cur.next();
            let items = items(cur, "}", env, depth)?;
            Ok(Value::Tuple(items))
        }
        Tok::Punct("[") => {
            cur.next();
            let items = items(cur, "]", env, depth)?;
            Ok(Value::List(items))
        }
        Tok::Punct("%") | Tok::Punct("#") => {
            Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Maps)))
        }
        Tok::Punct("<<") => Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Strings))),
        _ => Err(cur.error_at(t, ErrorKind::UnexpectedToken)),
    }
}

/// An integer, with the bignum error for literals beyond 64 bits.
fn int_or_big(cur: &mut Cursor<'_>) -> Result<i64, ParseError> {
    cur.int().map_err(|e| match e.kind {
        ErrorKind::IntegerOutOfRange => ParseError {
            kind: ErrorKind::NotModelled(Feature::BigIntegers),
            ..e
        },
        _ => e,
    })
}

fn variable(name: &str, env: &Env) -> Value {
    match env.iter().rev().find(|(n, _)| n == name) {
        Some((_, k)) => Value::Int(*k),
        None => Value::Var(name.to_string()),
    }
}

/// Comma-separated expressions up to `close`.
fn items(
    cur: &mut Cursor<'_>,
    close: &str,
    env: &Env,
    depth: u32,
) -> Result<Vec<Value>, ParseError> {
    let mut out = Vec::new();
    if cur.eat_punct(close) {
        return Ok(out);
    }
    loop {
        out.push(value(cur, env, depth + 1)?);
        if cur.eat_punct(close) {
            return Ok(out);
        }
        if cur.is_punct("|") {
            return Err(cur.error_here(ErrorKind::NotModelled(Feature::Operators)));
        }
        cur.expect_punct(",")?;
    }
}

/// An integer argument, or a loop variable.
fn int_arg(cur: &mut Cursor<'_>, env: &Env) -> Result<i64, ParseError> {
    if let Some(t) = cur.peek() {
        if matches!(t.tok, Tok::Ident | Tok::Upper) {
            let name = cur.text(t);
            if let Some((_, k)) = env.iter().rev().find(|(n, _)| n == name) {
                cur.next();
                return Ok(*k);
            }
            return Err(cur.error_at(t, ErrorKind::ExpectedInteger));
        }
    }
    cur.int()
}

/// A range `a..b` (Elixir) as its bounds.
fn range(cur: &mut Cursor<'_>, env: &Env) -> Result<(i64, i64), ParseError> {
    let from = int_arg(cur, env)?;
    cur.expect_punct("..")?;
    let to = int_arg(cur, env)?;
    Ok((from, to))
}

/// `<<byte>>`.
fn byte_binary(cur: &mut Cursor<'_>, env: &Env) -> Result<u8, ParseError> {
    cur.expect_punct("<<")?;
    let at = cur.peek();
    let b = int_arg(cur, env)?;
    let b = u8::try_from(b).map_err(|_| match at {
        Some(t) => cur.error_at(t, ErrorKind::IntegerOutOfRange),
        None => cur.error_end(),
    })?;
    if !cur.is_punct(">>") {
        return Err(cur.error_here(ErrorKind::NotModelled(Feature::Strings)));
    }
    cur.next();
    Ok(b)
}

/// A non-negative size argument.
fn size_arg(cur: &mut Cursor<'_>, env: &Env) -> Result<u64, ParseError> {
    let at = cur.peek();
    let n = int_arg(cur, env)?;
    u64::try_from(n).map_err(|_| match at {
        Some(t) => cur.error_at(t, ErrorKind::IntegerOutOfRange),
        None => cur.error_end(),
    })
}

/// A call starting at `t`: `Module.fun(…)`, `:mod.fun(…)` or `mod:fun(…)`.
fn call(cur: &mut Cursor<'_>, t: Token, env: &Env, _depth: u32) -> Result<Value, ParseError> {
    let not_modelled = |cur: &Cursor<'_>, f| Err(cur.error_at(t, ErrorKind::NotModelled(f)));
    let elixir = cur.syntax == Syntax::Elixir;
    if elixir && cur.looks_at(&["Enum", ".", "to_list", "("]) {
        cur.pos += 4;
        let (from, to) = range(cur, env)?;
        cur.expect_punct(")")?;
        return Ok(Value::Seq(from, to));
    }
    if (elixir && cur.looks_at(&["lists", ".", "seq", "("]))
        || (!elixir && cur.looks_at(&["lists", ":", "seq", "("]))
    {
        cur.pos += 4;
        let from = int_arg(cur, env)?;
        cur.expect_punct(",")?;
        let to = int_arg(cur, env)?;
        cur.expect_punct(")")?;
        return Ok(Value::Seq(from, to));
    }
    if (elixir && cur.looks_at(&["binary", ".", "copy", "("]))
        || (!elixir && cur.looks_at(&["binary", ":", "copy", "("]))
    {
        cur.pos += 4;
        let fill = byte_binary(cur, env)?;
        cur.expect_punct(",")?;
        let bytes = size_arg(cur, env)?;
        cur.expect_punct(")")?;
        return Ok(Value::Binary { bytes, fill });
    }
    if elixir && cur.looks_at(&["String", ".", "duplicate", "("]) {
        cur.pos += 4;
        let Some(s) = cur.next() else {
            return Err(cur.error_end());
        };
        let text = cur.text(s);
        if s.tok != Tok::Str || text.len() != 1 {
            return Err(cur.error_at(s, ErrorKind::NotModelled(Feature::Strings)));
        }
        let fill = text.as_bytes()[0];
        cur.expect_punct(",")?;
        let bytes = size_arg(cur, env)?;
        cur.expect_punct(")")?;
        return Ok(Value::Binary { bytes, fill });
    }
    if cur.looks_at(&["String", ".", "to_atom"])
        || cur.looks_at(&["erlang", ".", "binary_to_atom"])
        || cur.looks_at(&["erlang", ":", "binary_to_atom"])
        || cur.looks_at(&["list_to_atom"])
        || cur.looks_at(&["binary_to_atom"])
    {
        return not_modelled(cur, Feature::AtomCreation);
    }
    if cur.looks_at(&["ets", "."]) || cur.looks_at(&["ets", ":"]) {
        return not_modelled(cur, Feature::Ets);
    }
    if cur.looks_at(&["spawn", "("])
        || cur.looks_at(&["spawn_opt", "("])
        || cur.looks_at(&["Process", ".", "spawn"])
    {
        return not_modelled(cur, Feature::Spawn);
    }
    not_modelled(cur, Feature::Call)
}
