//! Elixir expression syntax (a teaching subset), parsed into the shared [`Expr`] tree.
//!
//! Covered: literals (integers with `_`, `0x…`, `?a`, floats, `:atoms`, `"strings"` as UTF-8 binaries without
//! interpolation, `'charlists'`), variables, blocks separated by newlines or `;`, tuples, lists (with `|` and
//! keyword sugar), maps `%{}` and updates `%{m | k: v}`, structs `%Name{…}` (as maps with `__struct__`; no
//! defaults), ranges `a..b//s` (as `%Range{}`), bitstrings with `::` modifiers, `=` and `^pin`, operators,
//! `|>`, remote calls `Mod.f(…)` and `:mod.f(…)`, `fun.(…)`, `fn … -> … end`, `&Mod.f/a`, `case`, `if`, `for`.

use super::erlang::{mk, type_spec, Parser};
use super::lexer::Tok;
use super::{
    Clause, Expr, ExprKind, ParseError, ParseErrorKind, Qualifier, SegType, Segment, Span,
};
use crate::expr::num::BigInt;
use alloc::boxed::Box;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

pub(super) fn parse(toks: Vec<(Tok, Span)>) -> Result<Expr, ParseError> {
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let span = p.span();
    p.skip_nl();
    let mut body = p.ex_block(&[])?;
    p.skip_nl();
    if p.peek() != &Tok::Eof {
        return Err(p.error(ParseErrorKind::Unexpected));
    }
    Ok(if body.len() == 1 {
        body.pop().expect("one")
    } else {
        mk(ExprKind::Block(body), span)
    })
}

fn atom(s: &str, span: Span) -> Expr {
    mk(ExprKind::Atom(String::from(s)), span)
}

impl Parser {
    fn skip_nl(&mut self) {
        while matches!(self.peek(), Tok::Nl | Tok::P(";")) {
            self.next();
        }
    }

    fn skip_nl_only(&mut self) {
        while self.peek() == &Tok::Nl {
            self.next();
        }
    }

    /// Expressions separated by newlines or `;`, up to one of `stops` (not consumed) or the end.
    fn ex_block(&mut self, stops: &[Tok]) -> Result<Vec<Expr>, ParseError> {
        let mut v = Vec::new();
        loop {
            self.skip_nl();
            if self.peek() == &Tok::Eof
                || stops.contains(self.peek())
                || self.peek() == &Tok::P(")")
            {
                return Ok(v);
            }
            if !v.is_empty() && stops.contains(&Tok::P("->")) && self.clause_starts() {
                return Ok(v);
            }
            v.push(self.ex_expr()?);
            if !matches!(self.peek(), Tok::Nl | Tok::P(";")) {
                return Ok(v);
            }
        }
    }

    /// Whether the tokens from here to the end of the line contain `->` at nesting depth 0: a new clause.
    fn clause_starts(&self) -> bool {
        let mut depth = 0i32;
        let mut i = self.pos;
        while i < self.toks.len() {
            match &self.toks[i].0 {
                Tok::P("(" | "[" | "{" | "<<" | "%{") | Tok::Kw("fn" | "do") => depth += 1,
                Tok::P(")" | "]" | "}" | ">>") | Tok::Kw("end") => {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
                Tok::P("->") if depth == 0 => return true,
                Tok::Nl | Tok::Eof if depth == 0 => return false,
                _ => {}
            }
            i += 1;
        }
        false
    }

    fn ex_expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.ex_prec(0);
        self.depth -= 1;
        r
    }

    fn ex_binop(t: &Tok) -> Option<(u8, bool, &'static str)> {
        Some(match t {
            Tok::P("=") => (1, true, "="),
            Tok::P("||") | Tok::Kw("or") => (2, false, "orelse"),
            Tok::P("&&") | Tok::Kw("and") => (3, false, "andalso"),
            Tok::P("==") => (4, false, "=="),
            Tok::P("!=") => (4, false, "/="),
            Tok::P("===") => (4, false, "=:="),
            Tok::P("!==") => (4, false, "=/="),
            Tok::P("<") => (5, false, "<"),
            Tok::P(">") => (5, false, ">"),
            Tok::P("<=") => (5, false, "=<"),
            Tok::P(">=") => (5, false, ">="),
            Tok::P("|>") => (6, false, "|>"),
            Tok::P("++") => (8, true, "++"),
            Tok::P("--") => (8, true, "--"),
            Tok::P("<>") => (8, true, "<>"),
            Tok::P("..") => (8, true, ".."),
            Tok::P("+") => (9, false, "+"),
            Tok::P("-") => (9, false, "-"),
            Tok::P("*") => (10, false, "*"),
            Tok::P("/") => (10, false, "/"),
            Tok::P("**") => (11, true, "**"),
            _ => return None,
        })
    }

    fn ex_prec(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.ex_unary()?;
        while let Some((prec, right, name)) = Self::ex_binop(self.peek()) {
            if prec < min {
                break;
            }
            let span = self.span();
            self.next();
            self.skip_nl_only();
            self.enter()?;
            let rhs = self.ex_prec(if right { prec } else { prec + 1 })?;
            self.depth -= 1;
            lhs = match name {
                "=" => mk(ExprKind::Match(Box::new(rebind(lhs)), Box::new(rhs)), span),
                "|>" => match rhs.kind {
                    ExprKind::Call(m, f, mut args) => {
                        args.insert(0, lhs);
                        mk(ExprKind::Call(m, f, args), rhs.span)
                    }
                    _ => {
                        return Err(ParseError {
                            kind: ParseErrorKind::Unexpected,
                            span: rhs.span,
                        })
                    }
                },
                ".." => {
                    let step = if self.eat(&Tok::P("//")) {
                        self.ex_unary()?
                    } else {
                        mk(ExprKind::Int(BigInt::from_i128(1)), span)
                    };
                    mk(
                        ExprKind::Map(alloc::vec![
                            (atom("__struct__", span), atom("Elixir.Range", span)),
                            (atom("first", span), lhs),
                            (atom("last", span), rhs),
                            (atom("step", span), step),
                        ]),
                        span,
                    )
                }
                _ => mk(ExprKind::Op(name, Box::new(lhs), Box::new(rhs)), span),
            };
        }
        Ok(lhs)
    }

    fn ex_unary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        let op = match self.peek() {
            Tok::P("-") => "-",
            Tok::P("+") => "+",
            Tok::P("!") | Tok::Kw("not") => "not",
            Tok::P("^") => {
                self.next();
                return match self.next() {
                    Tok::Var(v) => Ok(mk(ExprKind::Pin(v), span)),
                    _ => Err(ParseError {
                        kind: ParseErrorKind::Unexpected,
                        span,
                    }),
                };
            }
            Tok::P("&") => return self.capture(span),
            _ => return self.ex_postfix(),
        };
        self.next();
        self.enter()?;
        let e = self.ex_unary()?;
        self.depth -= 1;
        Ok(mk(ExprKind::Unary(op, Box::new(e)), span))
    }

    /// `&Mod.fun/arity`, `&:mod.fun/arity`, `&(… &1 …)`, or `&1` inside a capture.
    fn capture(&mut self, span: Span) -> Result<Expr, ParseError> {
        self.next();
        if let Tok::Int(n) = self.peek().clone() {
            self.next();
            let n = n
                .to_i128()
                .filter(|n| (1..=255).contains(n))
                .ok_or(ParseError {
                    kind: ParseErrorKind::BadNumber,
                    span,
                })?;
            // `n` is 1..=255: printed as a u8, so no 128-bit formatting is linked in (2.3 KB of the module).
            return Ok(mk(ExprKind::Var(format!("&{}", n as u8)), span));
        }
        if self.peek() == &Tok::P("(") {
            let body = self.ex_primary()?;
            let mut arity = 0;
            max_capture(&body, &mut arity);
            if arity == 0 {
                return Err(ParseError {
                    kind: ParseErrorKind::Unsupported,
                    span,
                });
            }
            let pats = (1..=arity)
                .map(|i| mk(ExprKind::Var(format!("&{i}")), span))
                .collect();
            let clause = Clause {
                pats,
                guard: None,
                body: alloc::vec![body],
            };
            return Ok(mk(ExprKind::Fun(Rc::new(alloc::vec![clause])), span));
        }
        let module = match self.next() {
            Tok::Alias(a) => format!("Elixir.{}", self.dotted(a)),
            Tok::Atom(a) => a,
            _ => {
                return Err(ParseError {
                    kind: ParseErrorKind::Unsupported,
                    span,
                })
            }
        };
        self.expect(&Tok::P("."))?;
        let f = match self.next() {
            Tok::Var(f) => f,
            _ => return Err(self.error(ParseErrorKind::Unexpected)),
        };
        self.expect(&Tok::P("/"))?;
        match self.next() {
            Tok::Int(n) => {
                let n = n
                    .to_i128()
                    .filter(|n| (0..=255).contains(n))
                    .ok_or(ParseError {
                        kind: ParseErrorKind::BadNumber,
                        span,
                    })?;
                Ok(mk(ExprKind::ExtFun(module, f, n as u32), span))
            }
            _ => Err(self.error(ParseErrorKind::Unexpected)),
        }
    }

    /// Joins `Foo.Bar.Baz` into one alias name (the first part already read).
    fn dotted(&mut self, first: String) -> String {
        let mut name = first;
        while self.peek() == &Tok::P(".") {
            if let Tok::Alias(next) = self.peek_at(1).clone() {
                self.next();
                self.next();
                name.push('.');
                name.push_str(&next);
            } else {
                break;
            }
        }
        name
    }

    fn ex_postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.ex_primary()?;
        loop {
            let span = self.span();
            match self.peek() {
                Tok::P(".") => {
                    self.next();
                    match self.next() {
                        Tok::P("(") => {
                            let args = self.ex_args(")")?;
                            e = mk(ExprKind::Call(None, Box::new(e), args), span);
                        }
                        Tok::Var(f) | Tok::Atom(f) => {
                            let args = if self.peek() == &Tok::P("(") {
                                self.next();
                                self.ex_args(")")?
                            } else {
                                Vec::new()
                            };
                            e = mk(
                                ExprKind::Call(Some(Box::new(e)), Box::new(atom(&f, span)), args),
                                span,
                            );
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error(ParseErrorKind::Unexpected));
                        }
                    }
                }
                _ => return Ok(e),
            }
        }
    }

    /// Call arguments, with trailing keywords gathered into one keyword list.
    fn ex_args(&mut self, close: &'static str) -> Result<Vec<Expr>, ParseError> {
        let mut v = Vec::new();
        self.skip_nl_only();
        if self.eat(&Tok::P(close)) {
            return Ok(v);
        }
        loop {
            self.skip_nl_only();
            if let Tok::Key(_) = self.peek() {
                let span = self.span();
                let kw = self.keywords(close)?;
                v.push(mk(ExprKind::List(kw, None), span));
                self.skip_nl_only();
                self.expect(&Tok::P(close))?;
                return Ok(v);
            }
            v.push(self.ex_expr()?);
            self.skip_nl_only();
            if self.eat(&Tok::P(close)) {
                return Ok(v);
            }
            self.expect(&Tok::P(","))?;
        }
    }

    /// `k: v, …` as `{k, v}` tuples, up to `close` (not consumed).
    fn keywords(&mut self, close: &'static str) -> Result<Vec<Expr>, ParseError> {
        let mut kw = Vec::new();
        loop {
            self.skip_nl_only();
            let span = self.span();
            let Tok::Key(k) = self.next() else {
                self.pos -= 1;
                return Err(self.error(ParseErrorKind::Unexpected));
            };
            self.skip_nl_only();
            let v = self.ex_expr()?;
            kw.push(mk(ExprKind::Tuple(alloc::vec![atom(&k, span), v]), span));
            self.skip_nl_only();
            if self.peek() == &Tok::P(close) || !self.eat(&Tok::P(",")) {
                return Ok(kw);
            }
        }
    }

    fn ex_primary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        self.enter()?;
        let r = self.ex_primary_inner(span);
        self.depth -= 1;
        r
    }

    fn ex_primary_inner(&mut self, span: Span) -> Result<Expr, ParseError> {
        let e = match self.next() {
            Tok::Int(n) => ExprKind::Int(n),
            Tok::Float(f) => ExprKind::Float(f),
            Tok::Atom(a) => ExprKind::Atom(a),
            Tok::Kw("true") => ExprKind::Atom(String::from("true")),
            Tok::Kw("false") => ExprKind::Atom(String::from("false")),
            Tok::Kw("nil") => ExprKind::Atom(String::from("nil")),
            Tok::Str(s) => {
                if crate::text::contains(&s, "#{") {
                    return interpolation(&s, span, self.depth);
                }
                ExprKind::Utf8(s)
            }
            Tok::Charlist(s) => ExprKind::Chars(s),
            Tok::Var(v) if v.starts_with('_') => ExprKind::Wildcard,
            Tok::Var(v) => {
                if self.peek() == &Tok::P("(")
                    && self.toks[self.pos].1.col == span.col + v.chars().count() as u32
                {
                    self.next();
                    let args = self.ex_args(")")?;
                    if (v == "div" || v == "rem") && args.len() == 2 {
                        let mut it = args.into_iter();
                        let (a, b) = (it.next().expect("2"), it.next().expect("2"));
                        let name = if v == "div" { "div" } else { "rem" };
                        return Ok(mk(ExprKind::Op(name, Box::new(a), Box::new(b)), span));
                    }
                    ExprKind::Call(None, Box::new(atom(&v, span)), args)
                } else {
                    ExprKind::Var(v)
                }
            }
            Tok::Alias(a) => ExprKind::Atom(format!("Elixir.{}", self.dotted(a))),
            Tok::P("(") => {
                let mut body = self.ex_block(&[])?;
                self.skip_nl();
                self.expect(&Tok::P(")"))?;
                return Ok(if body.len() == 1 {
                    body.pop().expect("one")
                } else {
                    mk(ExprKind::Block(body), span)
                });
            }
            Tok::P("{") => ExprKind::Tuple(self.ex_args("}")?),
            Tok::P("[") => return self.ex_list(span),
            Tok::P("%{") => return self.ex_map(span, None),
            Tok::P("%") => {
                let name = match self.next() {
                    Tok::Alias(a) => format!("Elixir.{}", self.dotted(a)),
                    _ => {
                        self.pos -= 1;
                        return Err(self.error(ParseErrorKind::Unexpected));
                    }
                };
                self.expect(&Tok::P("{"))?;
                return self.ex_map(span, Some(name));
            }
            Tok::P("<<") => return self.ex_binary(span),
            Tok::Kw("fn") => {
                let clauses = self.ex_clauses(true)?;
                self.skip_nl();
                self.expect(&Tok::Kw("end"))?;
                ExprKind::Fun(Rc::new(clauses))
            }
            Tok::Kw("case") => {
                let x = self.ex_expr()?;
                self.expect(&Tok::Kw("do"))?;
                let clauses = self.ex_clauses(false)?;
                self.skip_nl();
                self.expect(&Tok::Kw("end"))?;
                ExprKind::Case(Box::new(x), clauses)
            }
            Tok::Kw("if") => return self.ex_if(span),
            Tok::Kw("for") => return self.ex_for(span),
            _ => {
                self.pos -= 1;
                return Err(self.error(ParseErrorKind::Unexpected));
            }
        };
        Ok(mk(e, span))
    }

    fn ex_list(&mut self, span: Span) -> Result<Expr, ParseError> {
        let mut items = Vec::new();
        let mut tail = None;
        self.skip_nl_only();
        if self.eat(&Tok::P("]")) {
            return Ok(mk(ExprKind::List(items, None), span));
        }
        loop {
            self.skip_nl_only();
            if let Tok::Key(_) = self.peek() {
                items.extend(self.keywords("]")?);
                self.skip_nl_only();
                self.expect(&Tok::P("]"))?;
                break;
            }
            items.push(self.ex_expr()?);
            self.skip_nl_only();
            if self.eat(&Tok::P("]")) {
                break;
            }
            if self.eat(&Tok::P("|")) {
                tail = Some(Box::new(self.ex_expr()?));
                self.skip_nl_only();
                self.expect(&Tok::P("]"))?;
                break;
            }
            self.expect(&Tok::P(","))?;
        }
        Ok(mk(ExprKind::List(items, tail), span))
    }

    /// After `%{` or `%Name{`: entries, or an update `base | entries`.
    fn ex_map(&mut self, span: Span, name: Option<String>) -> Result<Expr, ParseError> {
        self.skip_nl_only();
        let mut base = None;
        let mut assocs: Vec<(Expr, Expr)> = Vec::new();
        if !matches!(self.peek(), Tok::Key(_) | Tok::P("}")) {
            let first = self.ex_prec(2)?;
            self.skip_nl_only();
            if self.eat(&Tok::P("|")) {
                base = Some(first);
            } else {
                self.expect(&Tok::P("=>"))?;
                let v = self.ex_expr()?;
                assocs.push((first, v));
                self.skip_nl_only();
                if !self.eat(&Tok::P(",")) {
                    self.expect(&Tok::P("}"))?;
                    return Ok(self.finish_map(span, name, base, assocs));
                }
            }
        }
        loop {
            self.skip_nl_only();
            if self.eat(&Tok::P("}")) {
                break;
            }
            if let Tok::Key(_) = self.peek() {
                for kv in self.keywords("}")? {
                    if let ExprKind::Tuple(mut pair) = kv.kind {
                        let v = pair.pop().expect("pair");
                        let k = pair.pop().expect("pair");
                        assocs.push((k, v));
                    }
                }
                self.skip_nl_only();
                self.expect(&Tok::P("}"))?;
                break;
            }
            let k = self.ex_prec(2)?;
            self.expect(&Tok::P("=>"))?;
            let v = self.ex_expr()?;
            assocs.push((k, v));
            self.skip_nl_only();
            if !self.eat(&Tok::P(",")) {
                self.skip_nl_only();
                self.expect(&Tok::P("}"))?;
                break;
            }
        }
        Ok(self.finish_map(span, name, base, assocs))
    }

    fn finish_map(
        &self,
        span: Span,
        name: Option<String>,
        base: Option<Expr>,
        mut assocs: Vec<(Expr, Expr)>,
    ) -> Expr {
        match base {
            Some(b) => mk(
                ExprKind::MapUpdate(
                    Box::new(b),
                    assocs.into_iter().map(|(k, v)| (k, v, true)).collect(),
                ),
                span,
            ),
            None => {
                if let Some(n) = name {
                    assocs.insert(0, (atom("__struct__", span), atom(&n, span)));
                }
                mk(ExprKind::Map(assocs), span)
            }
        }
    }

    fn ex_binary(&mut self, span: Span) -> Result<Expr, ParseError> {
        let mut segs = Vec::new();
        self.skip_nl_only();
        if self.eat(&Tok::P(">>")) {
            return Ok(mk(ExprKind::Bin(segs), span));
        }
        loop {
            self.skip_nl_only();
            let value = self.ex_prec(9)?;
            let mut seg = Segment {
                value,
                size: None,
                ty: SegType::Integer,
                unit: None,
                signed: false,
                little: false,
            };
            if matches!(seg.value.kind, ExprKind::Utf8(_)) {
                seg.ty = SegType::Binary;
            }
            if self.eat(&Tok::P("::")) {
                loop {
                    let sp = self.span();
                    match self.next() {
                        Tok::Int(n) => seg.size = Some(mk(ExprKind::Int(n), sp)),
                        Tok::Var(v) if v == "size" || v == "unit" => {
                            self.expect(&Tok::P("("))?;
                            let x = self.ex_expr()?;
                            self.expect(&Tok::P(")"))?;
                            if v == "size" {
                                seg.size = Some(x);
                            } else if let ExprKind::Int(n) = x.kind {
                                seg.unit = n.to_i128().map(|u| u.clamp(1, 256) as u32);
                            }
                        }
                        Tok::Var(v) => {
                            type_spec(&mut seg, &v).ok_or(ParseError {
                                kind: ParseErrorKind::Unsupported,
                                span: sp,
                            })?;
                        }
                        _ => {
                            return Err(ParseError {
                                kind: ParseErrorKind::Unexpected,
                                span: sp,
                            })
                        }
                    }
                    if !self.eat(&Tok::P("-")) && !self.eat(&Tok::P("*")) {
                        break;
                    }
                }
            }
            segs.push(seg);
            self.skip_nl_only();
            if self.eat(&Tok::P(">>")) {
                break;
            }
            self.expect(&Tok::P(","))?;
        }
        Ok(mk(ExprKind::Bin(segs), span))
    }

    /// Clauses `pats [when guard] -> body`, up to `end` (not consumed).
    fn ex_clauses(&mut self, is_fn: bool) -> Result<Vec<Clause>, ParseError> {
        let mut v = Vec::new();
        loop {
            self.skip_nl();
            if self.peek() == &Tok::Kw("end") || self.peek() == &Tok::Eof {
                break;
            }
            let mut pats = Vec::new();
            if is_fn && self.peek() == &Tok::P("->") {
                // fn -> body end
            } else {
                loop {
                    pats.push(self.ex_prec(2)?);
                    if !self.eat(&Tok::P(",")) {
                        break;
                    }
                }
            }
            // `fn (a, b) -> …` parses as one parenthesized pattern; unwrap a block of several.
            if is_fn && pats.len() == 1 {
                if let ExprKind::Block(inner) = &pats[0].kind {
                    pats = inner.clone();
                }
            }
            let guard = if self.eat(&Tok::Kw("when")) {
                Some(self.ex_expr()?)
            } else {
                None
            };
            self.expect(&Tok::P("->"))?;
            let body = self.ex_block(&[Tok::Kw("end"), Tok::P("->")])?;
            if body.is_empty() {
                return Err(self.error(ParseErrorKind::Unexpected));
            }
            let pats = pats.into_iter().map(rebind).collect();
            v.push(Clause { pats, guard, body });
        }
        if v.is_empty() {
            return Err(self.error(ParseErrorKind::Unexpected));
        }
        Ok(v)
    }

    /// `do … [else …] end` or `, do: …[, else: …]`; returns the two branches.
    fn do_else(&mut self) -> Result<(Expr, Option<Expr>), ParseError> {
        let span = self.span();
        if self.eat(&Tok::P(",")) {
            self.skip_nl_only();
            let kw = self.keywords(")")?;
            let mut then = None;
            let mut other = None;
            for k in kw {
                if let ExprKind::Tuple(mut pair) = k.kind {
                    let v = pair.pop().expect("pair");
                    match &pair[0].kind {
                        ExprKind::Atom(a) if a == "do" => then = Some(v),
                        ExprKind::Atom(a) if a == "else" => other = Some(v),
                        _ => {
                            return Err(ParseError {
                                kind: ParseErrorKind::Unsupported,
                                span: v.span,
                            })
                        }
                    }
                }
            }
            return Ok((
                then.ok_or(ParseError {
                    kind: ParseErrorKind::Unexpected,
                    span,
                })?,
                other,
            ));
        }
        self.expect(&Tok::Kw("do"))?;
        let then = self.ex_block(&[Tok::Kw("else"), Tok::Kw("end")])?;
        let then = mk(ExprKind::Block(then), span);
        self.skip_nl();
        let other = if self.eat(&Tok::Kw("else")) {
            let b = self.ex_block(&[Tok::Kw("end")])?;
            Some(mk(ExprKind::Block(b), span))
        } else {
            None
        };
        self.skip_nl();
        self.expect(&Tok::Kw("end"))?;
        Ok((then, other))
    }

    fn ex_if(&mut self, span: Span) -> Result<Expr, ParseError> {
        let cond = self.ex_expr()?;
        let (then, other) = self.do_else()?;
        let other = other.unwrap_or_else(|| atom("nil", span));
        let clause = |p: Expr, b: Expr| Clause {
            pats: alloc::vec![p],
            guard: None,
            body: alloc::vec![b],
        };
        Ok(mk(
            ExprKind::Case(
                Box::new(cond),
                alloc::vec![
                    clause(atom("false", span), other.clone()),
                    clause(atom("nil", span), other),
                    clause(mk(ExprKind::Wildcard, span), then),
                ],
            ),
            span,
        ))
    }

    fn ex_for(&mut self, span: Span) -> Result<Expr, ParseError> {
        let mut quals = Vec::new();
        loop {
            let e = self.ex_expr()?;
            if self.eat(&Tok::P("<-")) {
                let l = self.ex_expr()?;
                quals.push(Qualifier::Gen(e, l));
            } else {
                quals.push(Qualifier::Filter(e));
            }
            if self.peek() == &Tok::P(",") && matches!(self.peek_at(1), Tok::Key(_)) {
                break;
            }
            if !self.eat(&Tok::P(",")) {
                break;
            }
        }
        let (body, other) = self.do_else()?;
        if other.is_some() {
            return Err(ParseError {
                kind: ParseErrorKind::Unsupported,
                span,
            });
        }
        Ok(mk(ExprKind::Comp(false, Box::new(body), quals), span))
    }
}

/// The highest `&N` used in a capture body.
fn max_capture(e: &Expr, max: &mut u32) {
    let mut names = Vec::new();
    super::eval::collect_vars_pub(e, &mut names);
    for n in names {
        if let Some(i) = n.strip_prefix('&').and_then(|d| d.parse::<u32>().ok()) {
            *max = (*max).max(i);
        }
    }
}

/// `"text #{expr} text"`: a binary of the text parts and `to_string(expr)` for each interpolation, as
/// `<<"text ", String.Chars.to_string(expr)::binary, …>>` compiles.
fn interpolation(s: &str, span: Span, depth: u32) -> Result<Expr, ParseError> {
    if depth > super::MAX_DEPTH / 2 {
        return Err(ParseError {
            kind: ParseErrorKind::TooDeep,
            span,
        });
    }
    let mut segs = Vec::new();
    let seg = |value: Expr, ty: SegType| Segment {
        value,
        size: None,
        ty,
        unit: None,
        signed: false,
        little: false,
    };
    let mut rest = s;
    while let Some(at) = crate::text::find(rest, "#{") {
        if at > 0 {
            segs.push(seg(
                mk(ExprKind::Utf8(String::from(&rest[..at])), span),
                SegType::Binary,
            ));
        }
        // Find the matching close brace.
        let mut depth_b = 0usize;
        let mut end = None;
        for (i, c) in rest[at + 2..].char_indices() {
            match c {
                '{' => depth_b += 1,
                '}' if depth_b == 0 => {
                    end = Some(at + 2 + i);
                    break;
                }
                '}' => depth_b -= 1,
                _ => {}
            }
        }
        let end = end.ok_or(ParseError {
            kind: ParseErrorKind::Unterminated,
            span,
        })?;
        let inner = super::parse(&rest[at + 2..end], super::Lang::Elixir)
            .map_err(|e| ParseError { kind: e.kind, span })?;
        let call = mk(
            ExprKind::Call(None, Box::new(atom("to_string", span)), alloc::vec![inner]),
            span,
        );
        segs.push(seg(call, SegType::Binary));
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        segs.push(seg(
            mk(ExprKind::Utf8(String::from(rest)), span),
            SegType::Binary,
        ));
    }
    Ok(mk(ExprKind::Bin(segs), span))
}

/// Marks the variables of an Elixir pattern as binding afresh (Elixir rebinds; `^x` pins).
/// Map keys and binary sizes stay expressions.
fn rebind(mut e: Expr) -> Expr {
    e.kind = match e.kind {
        ExprKind::Var(v) => ExprKind::Bind(v),
        ExprKind::Tuple(xs) => ExprKind::Tuple(xs.into_iter().map(rebind).collect()),
        ExprKind::List(xs, t) => ExprKind::List(
            xs.into_iter().map(rebind).collect(),
            t.map(|t| Box::new(rebind(*t))),
        ),
        ExprKind::Map(kv) => ExprKind::Map(kv.into_iter().map(|(k, v)| (k, rebind(v))).collect()),
        ExprKind::Match(a, b) => ExprKind::Match(Box::new(rebind(*a)), Box::new(rebind(*b))),
        ExprKind::Bin(segs) => ExprKind::Bin(
            segs.into_iter()
                .map(|mut s| {
                    s.value = rebind(s.value);
                    s
                })
                .collect(),
        ),
        other => other,
    };
    e
}
