//! Expressions in Erlang or Elixir syntax, parsed to one AST and evaluated into BEAM words.
//!
//! [`parse`] turns source text into an [`Expr`] with source spans; [`eval`] runs it for a process
//! (its bound variables and heap blocks) and builds the result into a fresh heap fragment, exactly as compiled
//! code and the BIFs of OTP 25 would lay it out. [`measure`] gives `erts_debug:size/1`, `erts_debug:flat_size/1`
//! and the real heap footprint of a result.
//!
//! Evaluation is bounded: nesting depth, call depth, loop iterations and allocated words all have limits that
//! end with a located error, never a panic or a hang.
//!
//! Model: expressions run as compiled code would run them. Binaries are built the way compiled code builds them
//! (not the way `erl_eval` appends); funs are compiled closures (5 words + one per free variable, no constant
//! folding); `#{}` and `math:pi()` are literals (counted by `size` and `flat_size`, no heap words) while
//! `fun M:F/A` is a 5-word export fun on the heap, as `erl_eval` makes it. The modelled BIFs are listed in `bifs.rs`;
//! any other call is an error "not modelled yet: m:f/a".

mod bifs;
mod elixir;
mod erlang;
mod eval;
pub(crate) mod float;
mod lexer;
pub mod num;

use crate::copy::{flat_size, Areas};
use crate::heap::Block;
use crate::term::{AreaId, Term};
use crate::view::{heap_words, shared_size};
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use eval::{
    eval, eval_compiled, term_type, EvalError, EvalErrorKind, EvalInput, Evaluated, FunCode,
    FunTable, MAX_BINARY_BYTES, MAX_CALL_DEPTH, MAX_STEPS,
};
pub use num::BigInt;

/// The source language.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Lang {
    /// Erlang expression syntax (`erl_parse`).
    Erlang,
    /// Elixir expression syntax.
    Elixir,
}

/// A position in the source: 1-based line and column (in characters).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Span {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

/// What went wrong while parsing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParseErrorKind {
    /// A character that starts no token.
    BadChar,
    /// A string, quoted atom or character literal that does not end.
    Unterminated,
    /// A malformed number.
    BadNumber,
    /// A token where another was expected.
    Unexpected,
    /// Input ended early.
    UnexpectedEnd,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Something that is valid syntax but not in the modelled subset.
    Unsupported,
    /// Input longer than [`MAX_SOURCE`] bytes.
    TooLong,
}

/// A parse error, located.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ParseError {
    /// What.
    pub kind: ParseErrorKind,
    /// Where.
    pub span: Span,
}

impl ParseErrorKind {
    /// The message, without a location.
    pub fn what(self) -> &'static str {
        match self {
            ParseErrorKind::BadChar => "unexpected character",
            ParseErrorKind::Unterminated => "unterminated literal",
            ParseErrorKind::BadNumber => "malformed number",
            ParseErrorKind::Unexpected => "syntax error",
            ParseErrorKind::UnexpectedEnd => "unexpected end of input",
            ParseErrorKind::TooDeep => "nesting too deep (limit 100)",
            ParseErrorKind::Unsupported => "syntax not modelled yet",
            ParseErrorKind::TooLong => "expression too long (limit 1 MB)",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.kind.what();
        write!(f, "{}:{}: {what}", self.span.line, self.span.col)
    }
}

impl core::error::Error for ParseError {}

/// The deepest nesting the parser accepts.
pub const MAX_DEPTH: u32 = 100;
/// The longest source accepted, in bytes.
pub const MAX_SOURCE: usize = 1 << 20;

/// An expression with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it starts.
    pub span: Span,
}

impl Expr {
    /// Calls `f` on each direct sub-expression of `self`, in source order (a clause's patterns, then its guard, then
    /// its body): the one place that knows the tree's shape, for the walks that do the same at every node.
    pub(crate) fn for_each_child<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        let clauses = |cs: &'e [Clause], f: &mut dyn FnMut(&'e Expr)| {
            for c in cs {
                c.pats.iter().for_each(&mut *f);
                c.guard.iter().for_each(&mut *f);
                c.body.iter().for_each(&mut *f);
            }
        };
        match &self.kind {
            ExprKind::Tuple(xs) | ExprKind::Block(xs) => xs.iter().for_each(f),
            ExprKind::List(xs, t) => {
                xs.iter().for_each(&mut *f);
                if let Some(t) = t {
                    f(t);
                }
            }
            ExprKind::Map(kv) => kv.iter().for_each(|(k, v)| {
                f(k);
                f(v);
            }),
            ExprKind::MapUpdate(b, kv) => {
                f(b);
                kv.iter().for_each(|(k, v, _)| {
                    f(k);
                    f(v);
                });
            }
            ExprKind::Bin(segs) => segs.iter().for_each(|s| {
                f(&s.value);
                if let Some(z) = &s.size {
                    f(z);
                }
            }),
            ExprKind::Match(a, b) | ExprKind::Op(_, a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Unary(_, a) => f(a),
            ExprKind::Call(m, g, args) => {
                if let Some(m) = m {
                    f(m);
                }
                f(g);
                args.iter().for_each(f);
            }
            ExprKind::Fun(cs) | ExprKind::NamedFun(_, cs) => clauses(cs, f),
            ExprKind::Case(x, cs) => {
                f(x);
                clauses(cs, f);
            }
            ExprKind::If(cs) => clauses(cs, f),
            ExprKind::Comp(_, b, qs) => {
                f(b);
                for q in qs {
                    match q {
                        Qualifier::Gen(p, l) | Qualifier::BinGen(p, l) => {
                            f(p);
                            f(l);
                        }
                        Qualifier::Filter(x) => f(x),
                    }
                }
            }
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Atom(_)
            | ExprKind::Chars(_)
            | ExprKind::Utf8(_)
            | ExprKind::Var(_)
            | ExprKind::Wildcard
            | ExprKind::Pin(_)
            | ExprKind::Bind(_)
            | ExprKind::ExtFun(..) => {}
        }
    }

    /// Calls `f` on `self` and on every expression inside it, in pre-order.
    pub(crate) fn each<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        f(self);
        self.for_each_child(&mut |c| c.each(f));
    }
}

/// The kinds of expression (and pattern: patterns use the same tree).
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer.
    Int(BigInt),
    /// A float.
    Float(f64),
    /// An atom.
    Atom(String),
    /// A list of character codes (an Erlang string, an Elixir charlist).
    Chars(String),
    /// A UTF-8 binary (an Elixir string).
    Utf8(String),
    /// A variable.
    Var(String),
    /// `_`: matches anything.
    Wildcard,
    /// An Elixir pinned variable `^x`.
    Pin(String),
    /// An Elixir variable in a pattern: it binds afresh even when already bound (Elixir rebinds).
    Bind(String),
    /// A tuple.
    Tuple(Vec<Expr>),
    /// A list, with an optional tail.
    List(Vec<Expr>, Option<Box<Expr>>),
    /// A map.
    Map(Vec<(Expr, Expr)>),
    /// A map update: base, then key, value, and whether the key must exist (`:=`).
    MapUpdate(Box<Expr>, Vec<(Expr, Expr, bool)>),
    /// A binary or bitstring.
    Bin(Vec<Segment>),
    /// `Pattern = Expr`.
    Match(Box<Expr>, Box<Expr>),
    /// A binary operator, by its Erlang name (`+`, `div`, `++`, `andalso`, `=:=`, …; `<>` for Elixir's).
    Op(&'static str, Box<Expr>, Box<Expr>),
    /// A unary operator (`-`, `+`, `not`, `bnot`).
    Unary(&'static str, Box<Expr>),
    /// A call: `module:name(args)`, `name(args)`, or `Fun(args)` when `name` is not an atom.
    Call(Option<Box<Expr>>, Box<Expr>, Vec<Expr>),
    /// `fun (…) -> … end` / `fn … -> … end`.
    Fun(Rc<Vec<Clause>>),
    /// `fun Name(…) -> … end`: a fun that can call itself by `Name`.
    NamedFun(String, Rc<Vec<Clause>>),
    /// `fun M:F/A` / `&M.f/a`.
    ExtFun(String, String, u32),
    /// A sequence of expressions; the value is the last.
    Block(Vec<Expr>),
    /// `case E of Clauses end`.
    Case(Box<Expr>, Vec<Clause>),
    /// `if Clauses end` (each clause has no pattern, only a guard).
    If(Vec<Clause>),
    /// A list comprehension (`binary` false) or binary comprehension.
    Comp(bool, Box<Expr>, Vec<Qualifier>),
}

/// One clause: patterns, an optional guard, a body.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// Patterns (one per argument).
    pub pats: Vec<Expr>,
    /// Guard.
    pub guard: Option<Expr>,
    /// Body.
    pub body: Vec<Expr>,
}

/// A comprehension qualifier.
#[derive(Clone, Debug, PartialEq)]
pub enum Qualifier {
    /// `Pat <- List`.
    Gen(Expr, Expr),
    /// `Pat <= Bin`.
    BinGen(Expr, Expr),
    /// A filter.
    Filter(Expr),
}

/// The type of a binary segment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SegType {
    /// `integer`.
    Integer,
    /// `float`.
    Float,
    /// `binary` / `bytes`.
    Binary,
    /// `bitstring` / `bits`.
    Bitstring,
    /// `utf8`.
    Utf8,
}

/// One segment of a binary expression or pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// The value or pattern.
    pub value: Expr,
    /// `:Size`.
    pub size: Option<Expr>,
    /// The type.
    pub ty: SegType,
    /// `unit:N`.
    pub unit: Option<u32>,
    /// `signed`.
    pub signed: bool,
    /// `little`.
    pub little: bool,
}

/// Parses one expression (a sequence, for Erlang separated by commas; for Elixir by newlines or `;`).
///
/// # Errors
/// A located [`ParseError`].
pub fn parse(src: &str, lang: Lang) -> Result<Expr, ParseError> {
    if src.len() > MAX_SOURCE {
        return Err(ParseError {
            kind: ParseErrorKind::TooLong,
            span: Span { line: 1, col: 1 },
        });
    }
    let toks = lexer::lex(src, lang)?;
    match lang {
        Lang::Erlang => erlang::parse(toks),
        Lang::Elixir => elixir::parse(toks),
    }
}

/// The three sizes of a term.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Sizes {
    /// `erts_debug:size/1`.
    pub size: u64,
    /// `erts_debug:flat_size/1`.
    pub flat_size: u64,
    /// The words it really occupies on a process heap (literals 0, a sub-binary 5 plus its binary).
    pub heap_words: u64,
}

/// The sizes of `t` read from `areas`.
pub fn measure(areas: &Areas<'_>, t: Term) -> Sizes {
    Sizes {
        size: shared_size(areas, t),
        flat_size: flat_size(areas, t, true),
        heap_words: heap_words(areas, t),
    }
}

/// Evaluates `src` standalone (no process, a fresh atom table and literal area) and measures the result.
/// Returns the sizes and `erts_internal:term_type/1` of the result.
///
/// # Errors
/// A parse or evaluation error, rendered with line, column and a caret.
pub fn size_of(src: &str, lang: Lang) -> Result<(Sizes, &'static str), String> {
    let res = eval_standalone(src, lang).map_err(|e| render(src, e.span(), &e.message(src)))?;
    let areas = Areas::new(alloc::vec![&res.fragment, &res.literals]);
    let kind = eval::term_type(&areas, res.term);
    Ok((measure(&areas, res.term), kind))
}

/// Why a standalone expression has no value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExprError {
    /// It does not parse.
    Parse(ParseError),
    /// Its evaluation failed (or hit a limit).
    Eval(EvalError),
}

impl ExprError {
    /// Where.
    pub fn span(&self) -> Span {
        match self {
            ExprError::Parse(e) => e.span,
            ExprError::Eval(e) => e.span,
        }
    }

    /// The message, `line:col: what`, with the source text it refers to.
    pub fn message(&self, src: &str) -> String {
        match self {
            ExprError::Parse(e) => alloc::format!("{e}"),
            ExprError::Eval(e) => e.message(src),
        }
    }
}

/// A standalone expression's value, measured and laid out for the term inspector.
#[derive(Clone, PartialEq, Debug)]
pub struct Inspection {
    /// `erts_debug:size/1`, `erts_debug:flat_size/1` and the heap words.
    pub sizes: Sizes,
    /// The words a send would copy: `flat_size` without literals, which a send leaves in place.
    pub copy_words: u64,
    /// `erts_internal:term_type/1`.
    pub kind: &'static str,
    /// The value printed, cut after about 200 characters.
    pub preview: String,
    /// The root word: an immediate, or a pointer to object 0.
    pub root: crate::view::WordView,
    /// The objects, each once, depth first from the root, at most `max_objects` of them.
    pub objects: Vec<crate::view::ObjectView>,
    /// The words of each object, described.
    pub words: Vec<Vec<crate::view::WordView>>,
    /// Whether objects were left out to keep within `max_objects`.
    pub truncated: bool,
    /// Off-heap binaries, as (index of the ProcBin in `objects`, bytes): their payloads live outside every heap.
    pub off_heap: Vec<(usize, u64)>,
}

/// Evaluates `src` standalone, as [`size_of`] does, and lays out its value: at most `max_objects` objects.
///
/// # Errors
/// A located [`ExprError`]; every evaluation limit ends in one.
pub fn inspect(src: &str, lang: Lang, max_objects: usize) -> Result<Inspection, ExprError> {
    let res = eval_standalone(src, lang)?;
    let areas = Areas::new(alloc::vec![&res.fragment, &res.literals]);
    let mut vm = crate::vm::Vm::new();
    for a in &res.new_atoms {
        // The atom table's limit was already enforced by the evaluator.
        let _ = vm.intern(a);
    }
    let objects = crate::view::term_layout(&areas, res.term, max_objects + 1);
    let truncated = objects.len() > max_objects;
    let objects: Vec<_> = objects.into_iter().take(max_objects).collect();
    let words = crate::view::word_views(&vm, &areas, &objects);
    let off_heap = objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == crate::view::CellKind::ProcBin)
        .map(|(i, o)| (i, o.words.get(1).copied().unwrap_or(0)))
        .collect();
    Ok(Inspection {
        sizes: measure(&areas, res.term),
        copy_words: flat_size(&areas, res.term, false),
        kind: eval::term_type(&areas, res.term),
        preview: crate::view::preview(&vm, &areas, res.term, 200),
        root: crate::view::term_word_view(&vm, &areas, &objects, res.term),
        objects,
        words,
        truncated,
        off_heap,
    })
}

fn eval_standalone(src: &str, lang: Lang) -> Result<Evaluated, ExprError> {
    let expr = parse(src, lang).map_err(ExprError::Parse)?;
    let atoms = crate::vm::Vm::new().atom_table().clone();
    let literals = Block::new(crate::heap::LITERAL_AREA, 0);
    let funs = FunTable::default();
    let input = EvalInput {
        atoms: &atoms,
        literals: &literals,
        areas: Areas::new(Vec::new()),
        vars: Vec::new(),
        self_pid: Term::pid(0),
        frag_id: AreaId(2),
        funs: &funs,
        src: (src, lang),
    };
    eval(&expr, input).map_err(ExprError::Eval)
}

/// What [`eval`] needs to evaluate for process `pid` of `vm`: its variables and heap blocks, the atom table and
/// the literal area, the funs' code. `frag_id` must be a fresh area id (the VM's `AreaIds::fresh`); `src` is the
/// expression's source, recorded with the funs it makes. `None` when the process does not exist.
///
/// Wiring `Op::Eval { pid, var, expr }` into the VM: `input_for` → [`eval`] → intern `new_atoms` in order (they
/// get exactly the indices the terms already use) → replace the literal area with `literals` → install
/// `fragment` with `new_bins` as `Vm::install` does for `Vm::build`'s fragments → bind `var` to `term`.
pub fn input_for<'a>(
    vm: &'a crate::vm::Vm,
    pid: crate::process::Pid,
    frag_id: AreaId,
    src: (&'a str, Lang),
) -> Option<EvalInput<'a>> {
    let p = vm.process(pid)?;
    Some(EvalInput {
        atoms: vm.atom_table(),
        literals: vm.literals(),
        areas: vm.areas_of(p),
        vars: p.vars().map(|(n, t)| (String::from(n), t)).collect(),
        self_pid: Term::pid(u64::from(pid.0)),
        frag_id,
        funs: vm.funs(),
        src,
    })
}

/// Renders a message with its line of source and a caret under the column.
pub fn render(src: &str, span: Span, message: &str) -> String {
    let line = src
        .lines()
        .nth(span.line.saturating_sub(1) as usize)
        .unwrap_or("");
    let mut out = String::from(message);
    out.push('\n');
    out.push_str(line);
    out.push('\n');
    for _ in 1..span.col {
        out.push(' ');
    }
    out.push('^');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::BinaryArea;
    use crate::copy::copy_term;

    #[track_caller]
    fn check(src: &str, size: u64, flat: u64, heap: u64) {
        let (s, _) = size_of(src, Lang::Erlang).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (s.size, s.flat_size, s.heap_words),
            (size, flat, heap),
            "{src}"
        );
    }

    #[test]
    fn sizes_of_each_kind() {
        check("{}", 0, 0, 0);
        check("#{}", 3, 3, 0);
        check("1 bsl 64", 3, 3, 3);
        check("<<1:1>>", 8, 8, 8);
        check("binary:part(binary:copy(<<1>>, 100), 0, 65)", 6, 6, 11);
        check("binary:part(binary:copy(<<1>>, 100), 0, 64)", 10, 10, 10);
        check("closure([1, 2])", 7, 7, 7);
        check("begin L = [1, 2], {L, L} end", 7, 11, 7);
        check(
            "maps:from_list([{K, K} || K <- lists:seq(1, 33)])",
            127,
            127,
            127,
        );
        check("alias()", 4, 4, 4);
    }

    /// A send copies exactly `flat_size` words (literals aside), sub-binaries included.
    #[test]
    fn copies_take_flat_size_words() {
        for src in [
            "{a, [1, 2], <<\"xyz\">>, 1.5}",
            "binary:part(binary:copy(<<1>>, 300), 10, 100)",
            "sub_bits(binary:copy(<<1>>, 100), 3)",
            "sub_bits(<<\"hello\">>, 3)",
            "begin B = binary:copy(<<1>>, 100), {B, binary:part(B, 1, 90)} end",
            "maps:from_list([{K, [K]} || K <- lists:seq(1, 40)])",
        ] {
            let expr = parse(src, Lang::Erlang).expect("parses");
            let atoms = crate::vm::Vm::new().atom_table().clone();
            let lits = Block::new(crate::heap::LITERAL_AREA, 0);
            let funs = FunTable::default();
            let input = EvalInput {
                atoms: &atoms,
                literals: &lits,
                areas: Areas::new(Vec::new()),
                vars: Vec::new(),
                self_pid: Term::pid(0),
                frag_id: AreaId(2),
                funs: &funs,
                src: (src, Lang::Erlang),
            };
            let mut res = eval(&expr, input).expect("evaluates");
            let mut bins = BinaryArea::default();
            for &at in &res.new_bins {
                let bytes = res.fragment.words[at as usize + 1].0;
                let id = bins.create(bytes);
                res.fragment.words[at as usize + 3] = Term(u64::from(id.0));
            }
            let areas = Areas::new(alloc::vec![&res.fragment, &res.literals]);
            let flat = flat_size(&areas, res.term, false);
            let copied = copy_term(&areas, res.term, Block::new(AreaId(9), 0), &mut bins);
            assert_eq!(copied.block.size(), flat, "{src}");
        }
    }

    #[test]
    fn layout_shows_sharing() {
        let expr = parse("begin L = [1], {L, L, #{}} end", Lang::Erlang).expect("parses");
        let atoms = crate::vm::Vm::new().atom_table().clone();
        let lits = Block::new(crate::heap::LITERAL_AREA, 0);
        let funs = FunTable::default();
        let src = "begin L = [1], {L, L, #{}} end";
        let input = EvalInput {
            atoms: &atoms,
            literals: &lits,
            areas: Areas::new(Vec::new()),
            vars: Vec::new(),
            self_pid: Term::pid(0),
            frag_id: AreaId(2),
            funs: &funs,
            src: (src, Lang::Erlang),
        };
        let res = eval(&expr, input).expect("evaluates");
        let areas = Areas::new(alloc::vec![&res.fragment, &res.literals]);
        let objs = crate::view::term_layout(&areas, res.term, 100);
        let kinds: Vec<_> = objs
            .iter()
            .map(|o| (o.kind, o.refs, o.literal, o.words.len()))
            .collect();
        use crate::view::CellKind::*;
        // The empty map's keys tuple is the global literal `{}`.
        assert_eq!(
            kinds,
            [
                (Tuple, 1, false, 4),
                (Cons, 2, false, 2),
                (Map, 1, true, 3),
                (Tuple, 1, true, 1)
            ]
        );
    }

    #[test]
    fn evaluates_against_a_process() {
        use crate::op::{Op, Value};
        use crate::process::{Pid, SpawnOpts};
        let mut vm = crate::vm::Vm::new();
        vm.apply(&Op::Spawn {
            name: "a".into(),
            opts: SpawnOpts::default(),
        })
        .expect("spawn");
        vm.apply(&Op::Bind {
            pid: Pid(0),
            var: "L".into(),
            value: Value::Seq(1, 10),
        })
        .expect("bind");
        let src = "{L, L, length(L)}";
        let expr = parse(src, Lang::Erlang).expect("parses");
        let input = input_for(&vm, Pid(0), AreaId(999), (src, Lang::Erlang)).expect("process");
        let res = eval(&expr, input).expect("evaluates");
        let p = vm.process(Pid(0)).expect("process");
        let mut blocks = vm.areas_of(p).blocks().to_vec();
        blocks.push(&res.fragment);
        let areas = Areas::new(blocks);
        // The tuple is new (4 words); the list is the process's own, shared.
        assert_eq!(res.fragment.size(), 4);
        assert_eq!(
            measure(&areas, res.term),
            Sizes {
                size: 24,
                flat_size: 44,
                heap_words: 24
            }
        );
    }

    #[test]
    fn inspects_sharing() {
        let i = inspect(
            "begin L = lists:seq(1, 3), {L, L, L} end",
            Lang::Erlang,
            100,
        )
        .expect("evaluates");
        assert_eq!(
            (i.sizes.size, i.sizes.flat_size, i.copy_words),
            (10, 22, 22)
        );
        assert_eq!(i.kind, "tuple");
        assert_eq!(i.root.target, Some(0));
        assert_eq!(i.objects[1].refs, 3);
        assert_eq!(i.words[0][0].text, "tuple, arity 3");
        assert!(i.words[0][1..].iter().all(|w| w.target == Some(1)));
        assert_eq!(i.words[1][0].text, "1");
        let e = inspect("{1,\n  2 +}", Lang::Erlang, 10).expect_err("syntax");
        assert_eq!(e.span().line, 2);
        let e = inspect("<<0:800>>", Lang::Erlang, 10).expect("binary");
        assert_eq!(e.off_heap, [(0, 100)]);
    }

    #[test]
    fn errors_are_located() {
        let e = size_of("{1,\n  lists:sort([2, 1]) +}", Lang::Erlang).expect_err("syntax");
        assert!(e.starts_with("2:"), "{e}");
        let e = size_of("ets:lookup(t, k)", Lang::Erlang).expect_err("unknown");
        assert!(e.contains("not modelled yet: ets:lookup/2"), "{e}");
    }
}
