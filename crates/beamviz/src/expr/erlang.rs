//! Erlang expression syntax (`erl_parse.yrl`, the expression part), operator priorities as in the reference manual.

use super::lexer::Tok;
use super::{
    Clause, Expr, ExprKind, ParseError, ParseErrorKind, Qualifier, SegType, Segment, Span,
    MAX_DEPTH,
};
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

pub(super) struct Parser {
    pub toks: Vec<(Tok, Span)>,
    pub pos: usize,
    pub depth: u32,
}

pub(super) fn parse(toks: Vec<(Tok, Span)>) -> Result<Expr, ParseError> {
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let span = p.span();
    let mut body = p.exprs()?;
    // An optional final dot.
    if p.peek() == &Tok::P(".") {
        p.pos += 1;
    }
    if p.peek() != &Tok::Eof {
        return Err(p.error(ParseErrorKind::Unexpected));
    }
    Ok(if body.len() == 1 {
        body.pop().expect("one")
    } else {
        Expr {
            kind: ExprKind::Block(body),
            span,
        }
    })
}

pub(super) fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

impl Parser {
    pub fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].0
    }
    pub fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].0
    }
    pub fn span(&self) -> Span {
        self.toks[self.pos.min(self.toks.len() - 1)].1
    }
    pub fn error(&self, kind: ParseErrorKind) -> ParseError {
        let kind = if self.peek() == &Tok::Eof && kind == ParseErrorKind::Unexpected {
            ParseErrorKind::UnexpectedEnd
        } else {
            kind
        };
        ParseError {
            kind,
            span: self.span(),
        }
    }
    pub fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        // Always advance (past the end too), so `pos -= 1` undoes exactly one `next`.
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    pub fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.next();
            true
        } else {
            false
        }
    }
    pub fn expect(&mut self, t: &Tok) -> Result<(), ParseError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.error(ParseErrorKind::Unexpected))
        }
    }
    pub fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ParseErrorKind::TooDeep));
        }
        Ok(())
    }

    fn exprs(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut v = alloc::vec![self.expr()?];
        while self.eat(&Tok::P(",")) {
            v.push(self.expr()?);
        }
        Ok(v)
    }

    pub fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.expr_prec(0);
        self.depth -= 1;
        r
    }

    /// Binary operators: (token, priority, right associative, Erlang name).
    fn binop(t: &Tok) -> Option<(u8, bool, &'static str)> {
        Some(match t {
            Tok::P("=") => (1, true, "="),
            Tok::P("!") => (1, true, "!"),
            Tok::Kw("orelse") => (2, true, "orelse"),
            Tok::Kw("andalso") => (3, true, "andalso"),
            Tok::P(p @ ("==" | "/=" | "=<" | "<" | ">=" | ">" | "=:=" | "=/=")) => (4, false, p),
            Tok::P(p @ ("++" | "--")) => (5, true, p),
            Tok::P(p @ ("+" | "-")) => (6, false, p),
            Tok::Kw(k @ ("bor" | "bxor" | "bsl" | "bsr" | "or" | "xor")) => (6, false, k),
            Tok::P(p @ ("*" | "/")) => (7, false, p),
            Tok::Kw(k @ ("div" | "rem" | "band" | "and")) => (7, false, k),
            _ => return None,
        })
    }

    fn expr_prec(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        while let Some((prec, right, name)) = Self::binop(self.peek()) {
            if prec < min {
                break;
            }
            let span = self.span();
            self.next();
            self.enter()?;
            let rhs = self.expr_prec(if right { prec } else { prec + 1 })?;
            self.depth -= 1;
            lhs = if name == "=" {
                mk(ExprKind::Match(Box::new(lhs), Box::new(rhs)), span)
            } else {
                mk(ExprKind::Op(name, Box::new(lhs), Box::new(rhs)), span)
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        let op = match self.peek() {
            Tok::P("-") => "-",
            Tok::P("+") => "+",
            Tok::Kw("not") => "not",
            Tok::Kw("bnot") => "bnot",
            _ => return self.postfix(),
        };
        self.next();
        self.enter()?;
        let e = self.unary()?;
        self.depth -= 1;
        Ok(mk(ExprKind::Unary(op, Box::new(e)), span))
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        loop {
            let span = self.span();
            match self.peek() {
                Tok::P(":") => {
                    self.next();
                    let name = self.primary()?;
                    self.expect(&Tok::P("("))?;
                    let args = self.args(")")?;
                    e = mk(
                        ExprKind::Call(Some(Box::new(e)), Box::new(name), args),
                        span,
                    );
                }
                Tok::P("(") => {
                    self.next();
                    let args = self.args(")")?;
                    e = mk(ExprKind::Call(None, Box::new(e), args), span);
                }
                Tok::P("#") if self.peek_at(1) == &Tok::P("{") => {
                    self.next();
                    self.next();
                    let mut assocs = Vec::new();
                    if !self.eat(&Tok::P("}")) {
                        loop {
                            let k = self.expr_prec(2)?;
                            let exact = match self.next() {
                                Tok::P("=>") => false,
                                Tok::P(":=") => true,
                                _ => {
                                    self.pos -= 1;
                                    return Err(self.error(ParseErrorKind::Unexpected));
                                }
                            };
                            let v = self.expr_prec(2)?;
                            assocs.push((k, v, exact));
                            if self.eat(&Tok::P("}")) {
                                break;
                            }
                            self.expect(&Tok::P(","))?;
                        }
                    }
                    e = mk(ExprKind::MapUpdate(Box::new(e), assocs), span);
                }
                Tok::P("#") => return Err(self.error(ParseErrorKind::Unsupported)),
                _ => return Ok(e),
            }
        }
    }

    pub fn args(&mut self, close: &'static str) -> Result<Vec<Expr>, ParseError> {
        let mut v = Vec::new();
        if self.eat(&Tok::P(close)) {
            return Ok(v);
        }
        loop {
            v.push(self.expr()?);
            if self.eat(&Tok::P(close)) {
                return Ok(v);
            }
            self.expect(&Tok::P(","))?;
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        self.enter()?;
        let r = self.primary_inner(span);
        self.depth -= 1;
        r
    }

    fn primary_inner(&mut self, span: Span) -> Result<Expr, ParseError> {
        let e = match self.next() {
            Tok::Int(n) => ExprKind::Int(n),
            Tok::Float(f) => ExprKind::Float(f),
            Tok::Atom(a) => ExprKind::Atom(a),
            Tok::Var(v) if v == "_" => ExprKind::Wildcard,
            Tok::Var(v) => ExprKind::Var(v),
            Tok::Str(s) => {
                // Adjacent strings concatenate.
                let mut s = s;
                while let Tok::Str(more) = self.peek().clone() {
                    self.next();
                    s.push_str(&more);
                }
                ExprKind::Chars(s)
            }
            Tok::P("(") => {
                let e = self.expr()?;
                self.expect(&Tok::P(")"))?;
                return Ok(e);
            }
            Tok::P("{") => ExprKind::Tuple(self.args("}")?),
            Tok::P("[") => return self.list(span),
            Tok::P("#") => {
                self.expect(&Tok::P("{"))?;
                let mut assocs = Vec::new();
                if !self.eat(&Tok::P("}")) {
                    loop {
                        let k = self.expr_prec(2)?;
                        self.expect(&Tok::P("=>"))?;
                        let v = self.expr_prec(2)?;
                        assocs.push((k, v));
                        if self.eat(&Tok::P("}")) {
                            break;
                        }
                        self.expect(&Tok::P(","))?;
                    }
                }
                ExprKind::Map(assocs)
            }
            Tok::P("<<") => return self.binary(span),
            Tok::Kw("begin") => {
                let body = self.exprs()?;
                self.expect(&Tok::Kw("end"))?;
                ExprKind::Block(body)
            }
            Tok::Kw("fun") => return self.fun(span),
            Tok::Kw("case") => {
                let e = self.expr()?;
                self.expect(&Tok::Kw("of"))?;
                let clauses = self.clauses(false)?;
                self.expect(&Tok::Kw("end"))?;
                ExprKind::Case(Box::new(e), clauses)
            }
            Tok::Kw("if") => {
                let clauses = self.clauses(true)?;
                self.expect(&Tok::Kw("end"))?;
                ExprKind::If(clauses)
            }
            Tok::Kw("receive" | "try" | "catch") => {
                self.pos -= 1;
                return Err(self.error(ParseErrorKind::Unsupported));
            }
            _ => {
                self.pos -= 1;
                return Err(self.error(ParseErrorKind::Unexpected));
            }
        };
        Ok(mk(e, span))
    }

    fn list(&mut self, span: Span) -> Result<Expr, ParseError> {
        if self.eat(&Tok::P("]")) {
            return Ok(mk(ExprKind::List(Vec::new(), None), span));
        }
        let first = self.expr()?;
        if self.eat(&Tok::P("||")) {
            let quals = self.quals()?;
            self.expect(&Tok::P("]"))?;
            return Ok(mk(ExprKind::Comp(false, Box::new(first), quals), span));
        }
        let mut items = alloc::vec![first];
        let mut tail = None;
        loop {
            if self.eat(&Tok::P("]")) {
                break;
            }
            if self.eat(&Tok::P("|")) {
                tail = Some(Box::new(self.expr()?));
                self.expect(&Tok::P("]"))?;
                break;
            }
            self.expect(&Tok::P(","))?;
            items.push(self.expr()?);
        }
        Ok(mk(ExprKind::List(items, tail), span))
    }

    fn quals(&mut self) -> Result<Vec<Qualifier>, ParseError> {
        let mut v = Vec::new();
        loop {
            let e = self.expr()?;
            if self.eat(&Tok::P("<-")) {
                v.push(Qualifier::Gen(e, self.expr()?));
            } else if self.eat(&Tok::P("<=")) {
                v.push(Qualifier::BinGen(e, self.expr()?));
            } else {
                v.push(Qualifier::Filter(e));
            }
            if !self.eat(&Tok::P(",")) {
                return Ok(v);
            }
        }
    }

    fn binary(&mut self, span: Span) -> Result<Expr, ParseError> {
        if self.eat(&Tok::P(">>")) {
            return Ok(mk(ExprKind::Bin(Vec::new()), span));
        }
        // Binary comprehension: << Expr || Quals >>. The first value is parsed once and reused as the first
        // segment's: parsing it again after a look for `||` made nested `<<` take exponential time.
        let first = self.bin_elem_value()?;
        if self.eat(&Tok::P("||")) {
            let quals = self.quals()?;
            self.expect(&Tok::P(">>"))?;
            return Ok(mk(ExprKind::Comp(true, Box::new(first), quals), span));
        }
        let mut first = Some(first);
        let mut segs = Vec::new();
        loop {
            let value = match first.take() {
                Some(v) => v,
                None => self.bin_elem_value()?,
            };
            let size = if self.eat(&Tok::P(":")) {
                Some(self.primary()?)
            } else {
                None
            };
            let mut seg = Segment {
                value,
                size,
                ty: SegType::Integer,
                unit: None,
                signed: false,
                little: false,
            };
            if self.eat(&Tok::P("/")) {
                loop {
                    let span = self.span();
                    match self.next() {
                        Tok::Atom(a) => {
                            if a == "unit" {
                                self.expect(&Tok::P(":"))?;
                                match self.next() {
                                    Tok::Int(n) => {
                                        seg.unit = n.to_i128().map(|u| u.clamp(1, 256) as u32)
                                    }
                                    _ => {
                                        return Err(ParseError {
                                            kind: ParseErrorKind::Unexpected,
                                            span,
                                        })
                                    }
                                }
                            } else {
                                type_spec(&mut seg, &a).ok_or(ParseError {
                                    kind: ParseErrorKind::Unsupported,
                                    span,
                                })?;
                            }
                        }
                        _ => {
                            return Err(ParseError {
                                kind: ParseErrorKind::Unexpected,
                                span,
                            })
                        }
                    }
                    if !self.eat(&Tok::P("-")) {
                        break;
                    }
                }
            }
            segs.push(seg);
            if self.eat(&Tok::P(">>")) {
                break;
            }
            self.expect(&Tok::P(","))?;
        }
        Ok(mk(ExprKind::Bin(segs), span))
    }

    /// A segment value: a primary, possibly negated (`-1:8`), not a full expression (`:` and `/` follow).
    fn bin_elem_value(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        if self.eat(&Tok::P("-")) {
            let e = self.primary()?;
            return Ok(mk(ExprKind::Unary("-", Box::new(e)), span));
        }
        self.primary()
    }

    fn fun(&mut self, span: Span) -> Result<Expr, ParseError> {
        if self.peek() == &Tok::P("(") {
            let clauses = self.fun_clauses()?;
            self.expect(&Tok::Kw("end"))?;
            return Ok(mk(ExprKind::Fun(Rc::new(clauses)), span));
        }
        // fun Name(…) -> … ; Name(…) -> … end
        if let (Tok::Var(name), Tok::P("(")) = (self.peek().clone(), self.peek_at(1).clone()) {
            let mut clauses = Vec::new();
            loop {
                match self.next() {
                    Tok::Var(n) if n == name => {}
                    _ => {
                        self.pos -= 1;
                        return Err(self.error(ParseErrorKind::Unexpected));
                    }
                }
                let mut one = self.fun_clauses_one()?;
                clauses.append(&mut one);
                if !self.eat(&Tok::P(";")) {
                    break;
                }
            }
            self.expect(&Tok::Kw("end"))?;
            return Ok(mk(ExprKind::NamedFun(name, Rc::new(clauses)), span));
        }
        // fun M:F/A or fun F/A.
        let a = self.next();
        let (m, f) = if self.eat(&Tok::P(":")) {
            let f = self.next();
            (a, f)
        } else {
            (Tok::Atom(String::from("erlang")), a)
        };
        self.expect(&Tok::P("/"))?;
        let arity = self.next();
        match (m, f, arity) {
            (Tok::Atom(m), Tok::Atom(f), Tok::Int(n)) => {
                let n = n
                    .to_i128()
                    .filter(|n| (0..=255).contains(n))
                    .ok_or(ParseError {
                        kind: ParseErrorKind::BadNumber,
                        span,
                    })?;
                Ok(mk(ExprKind::ExtFun(m, f, n as u32), span))
            }
            _ => Err(ParseError {
                kind: ParseErrorKind::Unsupported,
                span,
            }),
        }
    }

    /// One clause `(Pats) [when Guard] -> Body`.
    fn fun_clauses_one(&mut self) -> Result<Vec<Clause>, ParseError> {
        self.expect(&Tok::P("("))?;
        let pats = self.args(")")?;
        let guard = self.guard()?;
        self.expect(&Tok::P("->"))?;
        let body = self.exprs()?;
        Ok(alloc::vec![Clause { pats, guard, body }])
    }

    fn fun_clauses(&mut self) -> Result<Vec<Clause>, ParseError> {
        let mut v = Vec::new();
        loop {
            self.expect(&Tok::P("("))?;
            let pats = self.args(")")?;
            let guard = self.guard()?;
            self.expect(&Tok::P("->"))?;
            let body = self.exprs()?;
            v.push(Clause { pats, guard, body });
            if !self.eat(&Tok::P(";")) {
                return Ok(v);
            }
        }
    }

    fn guard(&mut self) -> Result<Option<Expr>, ParseError> {
        if !self.eat(&Tok::Kw("when")) {
            return Ok(None);
        }
        // `,` is andalso and `;` is orelse in guards.
        let mut alts = Vec::new();
        loop {
            let span = self.span();
            let mut g = self.expr()?;
            while self.eat(&Tok::P(",")) {
                let r = self.expr()?;
                g = mk(ExprKind::Op("andalso", Box::new(g), Box::new(r)), span);
            }
            alts.push(g);
            if !(self.peek() == &Tok::P(";") && self.guard_continues()) {
                break;
            }
            self.next();
        }
        let mut it = alts.into_iter();
        let first = it.next().expect("one guard");
        Ok(Some(it.fold(first, |acc, g| {
            let span = acc.span;
            mk(ExprKind::Op("orelse", Box::new(acc), Box::new(g)), span)
        })))
    }

    /// After `;` in a guard: is the next thing another guard (not a new clause)? A new clause has `->` later
    /// before any `;`, and so does a guard; tell them apart by the clause starting with a pattern then `->` or
    /// `when`. Guards are rare after `;`, so treat `;` as a clause separator.
    fn guard_continues(&self) -> bool {
        false
    }

    fn clauses(&mut self, is_if: bool) -> Result<Vec<Clause>, ParseError> {
        let mut v = Vec::new();
        loop {
            let (pats, guard) = if is_if {
                let span = self.span();
                let mut g = self.expr()?;
                while self.eat(&Tok::P(",")) {
                    let r = self.expr()?;
                    g = mk(ExprKind::Op("andalso", Box::new(g), Box::new(r)), span);
                }
                (Vec::new(), Some(g))
            } else {
                let p = self.expr()?;
                (alloc::vec![p], self.guard()?)
            };
            self.expect(&Tok::P("->"))?;
            let body = self.exprs()?;
            v.push(Clause { pats, guard, body });
            if !self.eat(&Tok::P(";")) {
                return Ok(v);
            }
        }
    }
}

/// Applies one binary type specifier (`binary`, `little`, `signed`, …).
pub(super) fn type_spec(seg: &mut Segment, name: &str) -> Option<()> {
    match name {
        "integer" => seg.ty = SegType::Integer,
        "float" => seg.ty = SegType::Float,
        "binary" | "bytes" => seg.ty = SegType::Binary,
        "bitstring" | "bits" => seg.ty = SegType::Bitstring,
        "utf8" => seg.ty = SegType::Utf8,
        "signed" => seg.signed = true,
        "unsigned" => seg.signed = false,
        "little" => seg.little = true,
        "big" => seg.little = false,
        _ => return None,
    }
    Some(())
}
