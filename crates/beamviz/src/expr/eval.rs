//! The evaluator: walks an [`Expr`] and builds its value as BEAM words in a heap fragment.
//!
//! Variables hold terms, so a value bound once and used twice is one object (sharing is real).
//! Every step, call and allocation is counted against limits, so no input can hang or exhaust memory.

use super::num::{BigInt, MAX_DIGITS};
use super::{bifs, Clause, Expr, ExprKind, Lang, Qualifier, SegType, Segment, Span};
use crate::bits;
use crate::build::{BuildError, Store};
use crate::copy::Areas;
use crate::heap::Block;
use crate::map;
use crate::object::{self, MapKind};
use crate::sorted::SortedMap;
use crate::term::{AreaId, Decoded, HeaderTag, Term, MAX_SMALL, MIN_SMALL, TAG_PRIMARY_LIST};
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

/// What an evaluation reads: the VM's atom table and literal area, and the process's blocks and variables.
pub struct EvalInput<'a> {
    /// The atom table (`Vm::atom_table`).
    pub atoms: &'a crate::names::Names,
    /// The literal area (`Vm::literals`).
    pub literals: &'a Block,
    /// The process's heap blocks (`Vm::areas_of`), or none for a standalone evaluation.
    pub areas: Areas<'a>,
    /// Bound variables.
    pub vars: Vec<(String, Term)>,
    /// The pid `self()` returns.
    pub self_pid: Term,
    /// The id for the new fragment (a fresh area id).
    pub frag_id: AreaId,
    /// The code of the funs made by earlier evaluations (`Vm::funs`), so their funs can be called.
    pub funs: &'a FunTable,
    /// The expression's source and syntax, recorded with the funs it makes so they outlive this evaluation.
    pub src: (&'a str, Lang),
}

/// The code of one fun, kept by the VM so a fun made by one evaluation can be called by a later one.
///
/// A real fun's second word points at its `ErlFunEntry`, which outlives the code that made the fun; here that word
/// is the fun's index in the VM's [`FunTable`]. The code is kept as source text (an [`Expr`] holds floats, and the
/// VM keeps none), parsed again the first time an evaluation calls the fun.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum FunCode {
    /// A fun written in the source.
    Source {
        /// The whole expression the fun was written in.
        src: String,
        /// Its syntax.
        lang: Lang,
        /// Which fun of the expression it is, counting `fun`/`fn` nodes in pre-order from 0.
        nth: u32,
        /// Its free variables, in environment order.
        free: Vec<String>,
        /// The name of a named fun (`fun Name(…) -> … end`).
        name: Option<String>,
    },
    /// A fun made by the corpus helper `closure/1`.
    Helper,
    /// A fun the standard library makes inside a call (such as the reducer `Enum.map/2` passes to
    /// `Enumerable.reduce/3`); the scenario never holds or calls it.
    Library(String),
}

/// The funs' code, indexed as fun objects refer to it. One entry per distinct code, as a module has one fun entry
/// per fun however many fun objects are made from it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FunTable {
    codes: Vec<FunCode>,
    /// Indexes into `codes`, sorted by code, for a binary search (a `BTreeMap<FunCode, u32>` held a second copy of
    /// each code, and its code for this key type cost the wasm module more than the map saves).
    index: Vec<u32>,
}

impl FunTable {
    /// How many entries.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The code at `idx`.
    pub fn get(&self, idx: usize) -> Option<&FunCode> {
        self.codes.get(idx)
    }

    /// The index of `code`, if it is in the table.
    pub fn find(&self, code: &FunCode) -> Option<u32> {
        self.search(code).ok().map(|at| self.index[at])
    }

    /// Where `code` is in `index`, or where it would go.
    fn search(&self, code: &FunCode) -> Result<usize, usize> {
        self.index
            .binary_search_by(|&i| self.codes[i as usize].cmp(code))
    }

    /// Adds `code` (if new) and returns its index.
    pub fn add(&mut self, code: FunCode) -> u32 {
        match self.search(&code) {
            Ok(at) => self.index[at],
            Err(at) => {
                let i = self.codes.len() as u32;
                self.index.insert(at, i);
                self.codes.push(code);
                i
            }
        }
    }
}

/// The result of an evaluation: a term in a new fragment, plus what the VM must add to install it.
#[derive(Debug)]
pub struct Evaluated {
    /// The value.
    pub term: Term,
    /// The words built (they may include garbage: intermediate values the expression dropped).
    pub fragment: Block,
    /// The literal area, extended with new literals (replace the VM's with it).
    pub literals: Block,
    /// Atoms to intern, in order; the terms already use the indices they will get.
    pub new_atoms: Vec<String>,
    /// Offsets in `fragment` of new ProcBins, whose off-heap binaries must be created (as `Vm::install` does).
    pub new_bins: Vec<u64>,
    /// Those of `new_bins` a BIF made (`binary:copy/2`, `list_to_binary/1`, ...), not bit syntax: the VM collects
    /// after such a call when the binaries overflow the virtual binary heap, with the result live
    /// (`erts_gc_after_bif_call`), where bit syntax collects before building.
    pub bif_bins: Vec<u64>,
    /// Variables the expression bound (pattern matches), in binding order.
    pub bindings: Vec<(String, Term)>,
    /// The code of new funs, to append to the VM's [`FunTable`] in order: they take the indices after its last.
    pub new_funs: Vec<FunCode>,
    /// The most words of stack frames the expression's fun calls held at once: a body-recursive fun needs a frame
    /// per level, a tail call none. The stack had to fit in the process's block at that moment.
    pub peak_stack: u64,
}

/// What went wrong while evaluating.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EvalErrorKind {
    /// A variable is unbound.
    Unbound,
    /// A pattern did not match (`badmatch`).
    BadMatch,
    /// A BIF got an argument of the wrong type (`badarg`).
    BadArg,
    /// Arithmetic on a non-number, or division by zero (`badarith`).
    BadArith,
    /// No case clause matched.
    CaseClause,
    /// No if clause was true.
    IfClause,
    /// No fun clause matched, or the wrong number of arguments.
    FunctionClause,
    /// Calling something that is not a fun.
    BadFun,
    /// A map update of a missing key, or `maps:get` of one.
    BadKey,
    /// A map operation on a non-map.
    BadMap,
    /// A function the model does not know; the error's span points at its name.
    NotModelled {
        /// Its arity.
        arity: u8,
    },
    /// More than [`MAX_STEPS`] evaluation steps.
    TooManySteps,
    /// Calls nested deeper than [`MAX_CALL_DEPTH`].
    TooDeep,
    /// A term larger than the model's limits.
    TooLarge,
    /// The atom table is full.
    AtomTableFull,
    /// The literal area passed [`MAX_LITERAL_WORDS`].
    TooManyLiterals,
}

/// An evaluation error, located.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EvalError {
    /// What.
    pub kind: EvalErrorKind,
    /// Where.
    pub span: Span,
}

impl EvalErrorKind {
    /// The message, without a location.
    pub fn what(self) -> &'static str {
        match self {
            EvalErrorKind::Unbound => "variable is unbound",
            EvalErrorKind::BadMatch => "no match of right hand side value (badmatch)",
            EvalErrorKind::BadArg => "bad argument (badarg)",
            EvalErrorKind::BadArith => "bad argument in an arithmetic expression (badarith)",
            EvalErrorKind::CaseClause => "no case clause matching",
            EvalErrorKind::IfClause => "no true branch found when evaluating an if expression",
            EvalErrorKind::FunctionClause => "no function clause matching",
            EvalErrorKind::BadFun => "bad function (badfun)",
            EvalErrorKind::BadKey => "bad key (badkey)",
            EvalErrorKind::BadMap => "bad map (badmap)",
            EvalErrorKind::NotModelled { .. } => "not modelled yet",
            EvalErrorKind::TooManySteps => "too many evaluation steps (limit 4,194,304)",
            EvalErrorKind::TooDeep => {
                "calls or terms nested too deep (limit 200 calls, 1,000 levels)"
            }
            EvalErrorKind::TooLarge => "term too large for the model (limit 16,777,216 words)",
            EvalErrorKind::AtomTableFull => "the atom table is full",
            EvalErrorKind::TooManyLiterals => {
                "too many constants (the literal area's limit is 65,536 words): does a loop make a new constant every iteration?"
            }
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.kind.what();
        write!(f, "{}:{}: {what}", self.span.line, self.span.col)
    }
}

impl core::error::Error for EvalError {}

impl EvalError {
    /// The message with the source text it refers to (the name of an unknown function, with its arity).
    pub fn message(&self, src: &str) -> String {
        let base = alloc::format!("{self}");
        let EvalErrorKind::NotModelled { arity } = self.kind else {
            return base;
        };
        let line = src
            .lines()
            .nth(self.span.line.saturating_sub(1) as usize)
            .unwrap_or("");
        let name: String = line
            .chars()
            .skip(self.span.col.saturating_sub(1) as usize)
            .take_while(|&c| {
                super::lexer::is_letter(c, Lang::Elixir)
                    || c.is_ascii_digit()
                    || matches!(c, '_' | ':' | '.' | '\'' | '@')
            })
            .collect();
        alloc::format!("{base}: {name}/{arity}")
    }
}

/// The most evaluation steps one expression may take, so that the worst input ends in a located error within a
/// second (the fuzzer reports the slowest). At 2^24 the fuzzer found bounded inputs taking 1-2.9 s (a `for` over
/// four nested ranges, `Tuple.duplicate` of millions of words); at 2^22 they stop in 0.2-0.4 s, and a
/// 1,000,000-cell list (about 3M steps) still fits.
pub const MAX_STEPS: u64 = 1 << 22;
// The error message states the limit.
const _: () = assert!(MAX_STEPS == 4_194_304);
/// The most words the literal area may hold before an evaluation: each evaluation copies it.
pub const MAX_LITERAL_WORDS: u64 = 1 << 16;
const _: () = assert!(MAX_LITERAL_WORDS == 65_536);
/// The deepest nesting of fun calls.
pub const MAX_CALL_DEPTH: u32 = 200;
/// The largest binary one expression may build, in bytes.
pub const MAX_BINARY_BYTES: usize = 1 << 26;

#[derive(Clone)]
pub(super) enum Closure {
    /// A fun written in the source.
    Source {
        clauses: Rc<Vec<Clause>>,
        free: Vec<String>,
        name: Option<String>,
    },
    /// A fun made by the corpus helper `closure/1`, or inside a library call (never called).
    Helper,
}

/// Where a fun node's clauses were found: the expression being evaluated, or a parsed [`FunCode`] source.
#[derive(Clone, Copy)]
enum Tree {
    Root,
    Parsed(usize),
}

pub(super) struct Ev<'a> {
    pub s: Store<'a>,
    /// The expression evaluated, its source and syntax.
    root: &'a Expr,
    src: (&'a str, Lang),
    /// Funs of earlier evaluations.
    funs: &'a FunTable,
    /// Sources of earlier funs parsed again, to call them: (source, syntax, tree).
    parsed: Vec<(String, Lang, Rc<Expr>)>,
    /// Each fun node seen, by the address of its clauses: its tree and pre-order number.
    fun_nodes: SortedMap<usize, (Tree, u32)>,
    /// Whether the root's fun nodes are in `fun_nodes` yet.
    root_numbered: bool,
    /// Earlier funs called or remade by this evaluation, by index.
    loaded: SortedMap<u64, Closure>,
    /// The code of funs new to the table; `closures[i]` runs `new_funs[i]`, index `funs.len() + i`.
    new_funs: FunTable,
    /// Words of stack the fun calls in progress hold, and the most they held at once.
    stack_words: u64,
    peak_stack: u64,
    /// BIF calls in progress: binaries made inside one are BIF-made ([`Evaluated::bif_bins`]).
    bif_depth: u32,
    bif_bins: Vec<u64>,
    /// The body of the fun clause running (its expressions), to tell tail calls from body calls.
    fun_body: Option<*const [Expr]>,
    atoms: &'a crate::names::Names,
    /// Atoms this evaluation adds: their indices follow the table's.
    new_atoms: crate::names::Names,
    pub vars: Vec<(String, Term)>,
    pub self_pid: Term,
    steps: u64,
    depth: u32,
    pub closures: Vec<Closure>,
    pub next_ref: u64,
    empty_map: Option<Term>,
    /// The literal float of `math:pi()`, one object however often it is called.
    pub pi: Option<Term>,
    /// Source constants already built, by the address of their `Expr` node.
    pub consts: Vec<(usize, Term)>,
    pub span: Span,
    /// Whether constants are literals, as in compiled code ([`eval_compiled`]).
    compiled: bool,
}

pub(super) type R<T> = Result<T, EvalError>;

/// Evaluates `expr` for a process.
///
/// # Errors
/// A located [`EvalError`]: a runtime error of the expression, an unknown function, or a limit.
pub fn eval(expr: &Expr, input: EvalInput<'_>) -> Result<Evaluated, EvalError> {
    run(expr, input, false)
}

/// [`eval`] as compiled code runs the expression: constants the compiler makes literals (a range with constant
/// bounds, a constant byte binary passed to a function) take no heap words. Scenario steps run this way;
/// [`eval`] follows `erl_eval`, which the term corpus measures.
///
/// # Errors
/// As [`eval`].
pub fn eval_compiled(expr: &Expr, input: EvalInput<'_>) -> Result<Evaluated, EvalError> {
    run(expr, input, true)
}

fn run<'a>(expr: &'a Expr, input: EvalInput<'a>, compiled: bool) -> Result<Evaluated, EvalError> {
    // Every evaluation extends a copy of the literal area, so its size is paid at every step: a loop whose body is
    // constant once its variable is substituted (`for i <- 1..1_000_000, do: x = [i, i]`) adds a literal per
    // iteration and was quadratic (100,000 iterations: 9.7 s; 10^6: minutes). Bounding the area bounds that.
    if input.literals.size() > MAX_LITERAL_WORDS {
        return Err(EvalError {
            kind: EvalErrorKind::TooManyLiterals,
            span: expr.span,
        });
    }
    let n_input_vars = input.vars.len();
    let mut ev = Ev {
        s: Store::new(input.areas, input.literals.clone(), input.frag_id),
        root: expr,
        src: input.src,
        funs: input.funs,
        parsed: Vec::new(),
        fun_nodes: SortedMap(Vec::new()),
        root_numbered: false,
        loaded: SortedMap(Vec::new()),
        new_funs: FunTable::default(),
        stack_words: 0,
        peak_stack: 0,
        bif_depth: 0,
        bif_bins: Vec::new(),
        fun_body: None,
        atoms: input.atoms,
        new_atoms: crate::names::Names::new(),
        vars: input.vars,
        self_pid: input.self_pid,
        steps: 0,
        depth: 0,
        closures: Vec::new(),
        next_ref: 0,
        empty_map: None,
        pi: None,
        consts: Vec::new(),
        span: expr.span,
        compiled,
    };
    let term = ev.eval(expr)?;
    let bindings = ev.vars.split_off(n_input_vars);
    Ok(Evaluated {
        term,
        fragment: ev.s.frag,
        literals: ev.s.literals,
        new_atoms: ev.new_atoms.into_vec(),
        new_bins: ev.s.new_bins,
        bif_bins: ev.bif_bins,
        bindings,
        new_funs: ev.new_funs.codes,
        peak_stack: ev.peak_stack,
    })
}

/// Whether the compiler makes `e` a literal: a float, bignum, string, binary of constant bytes (at most 64, so a heap
/// binary), or a tuple, list or map built only of constants. Immediates (small integers, atoms) need no literal.
fn is_literal_expr(e: &Expr) -> bool {
    fn constant(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Atom(_) | ExprKind::Chars(_) => true,
            ExprKind::Utf8(s) => s.len() <= 64,
            ExprKind::Unary("-", x) => matches!(&x.kind, ExprKind::Int(_) | ExprKind::Float(_)),
            ExprKind::Tuple(items) => items.iter().all(constant),
            ExprKind::List(items, tail) => {
                items.iter().all(constant) && tail.as_deref().is_none_or(constant)
            }
            ExprKind::Map(assocs) => assocs.iter().all(|(k, v)| constant(k) && constant(v)),
            ExprKind::Bin(segs) => {
                segs.len() <= 64
                    && segs.iter().all(|sg| {
                        sg.size.is_none()
                            && sg.unit.is_none()
                            && sg.ty == SegType::Integer
                            && matches!(&sg.value.kind, ExprKind::Int(n) if n.to_i128().is_some_and(|v| (0..256).contains(&v)))
                    })
            }
            _ => false,
        }
    }
    let compound = match &e.kind {
        ExprKind::Tuple(items) => !items.is_empty(),
        ExprKind::List(items, _) => !items.is_empty(),
        ExprKind::Map(assocs) => !assocs.is_empty(),
        ExprKind::Bin(segs) => !segs.is_empty(),
        ExprKind::Utf8(s) => !s.is_empty(),
        ExprKind::Float(_) | ExprKind::Chars(_) => true,
        ExprKind::Int(n) => {
            n.digits() > 1
                || n.to_i128()
                    .is_none_or(|v| !(i128::from(MIN_SMALL)..=i128::from(MAX_SMALL)).contains(&v))
        }
        _ => false,
    };
    compound && constant(e)
}

/// Whether map fields are those of an Elixir range with small-integer constant bounds (`a..b`, `a..b//s`).
fn is_constant_range(assocs: &[(Expr, Expr)]) -> bool {
    let small = |e: &Expr| match &e.kind {
        ExprKind::Int(n) => n
            .to_i128()
            .is_some_and(|v| (i128::from(MIN_SMALL)..=i128::from(MAX_SMALL)).contains(&v)),
        ExprKind::Unary("-", x) => matches!(&x.kind, ExprKind::Int(n) if n.digits() <= 1),
        _ => false,
    };
    matches!(assocs.first(), Some((k, v))
        if matches!(&k.kind, ExprKind::Atom(a) if a == "__struct__")
            && matches!(&v.kind, ExprKind::Atom(a) if a == "Elixir.Range"))
        && assocs.len() == 4
        && assocs[1..].iter().all(|(_, v)| small(v))
}

/// `erts_internal:term_type/1` of a term.
pub fn term_type(areas: &Areas<'_>, t: Term) -> &'static str {
    match t.decode() {
        Decoded::Small(_) => "fixnum",
        Decoded::Atom(_) => "atom",
        Decoded::Nil => "nil",
        Decoded::Pid(_) => "pid",
        Decoded::Port(_) => "port",
        Decoded::List(_) => "list",
        Decoded::Boxed(a) => {
            let h = areas.word(a);
            match h.header_tag() {
                Some(HeaderTag::Arityval) => "tuple",
                Some(HeaderTag::PosBig | HeaderTag::NegBig) => "bignum",
                Some(HeaderTag::Float) => "hfloat",
                Some(HeaderTag::Ref) => "reference",
                Some(HeaderTag::Fun) => "fun",
                Some(HeaderTag::Export) => "export",
                Some(HeaderTag::HeapBinary) => "heap_binary",
                Some(HeaderTag::RefcBinary) => "refc_binary",
                Some(HeaderTag::SubBinary) => "sub_binary",
                Some(HeaderTag::ExternalPid) => "external_pid",
                Some(HeaderTag::ExternalPort) => "external_port",
                Some(HeaderTag::ExternalRef) => "external_reference",
                Some(HeaderTag::Map) if object::map_kind(h) == MapKind::Flat => "flatmap",
                Some(HeaderTag::Map) => "hashmap",
                _ => "unknown",
            }
        }
        _ => "unknown",
    }
}

/// A number, decoded for arithmetic.
#[derive(Clone, Debug)]
pub(super) enum Num {
    Int(BigInt),
    Float(f64),
}

impl<'a> Ev<'a> {
    pub fn err(&self, kind: EvalErrorKind) -> EvalError {
        EvalError {
            kind,
            span: self.span,
        }
    }

    pub fn step(&mut self, n: u64) -> R<()> {
        self.steps += n;
        if self.steps > MAX_STEPS {
            return Err(self.err(EvalErrorKind::TooManySteps));
        }
        Ok(())
    }

    pub fn b(&self, r: Result<Term, BuildError>) -> R<Term> {
        r.map_err(|_| self.err(EvalErrorKind::TooLarge))
    }

    // ---- atoms ----

    pub fn atom(&mut self, name: &str) -> R<Term> {
        if let Some(i) = self.atoms.get(name) {
            return Ok(Term::atom(i));
        }
        if let Some(i) = self.new_atoms.get(name) {
            return Ok(Term::atom(self.atoms.len() as u32 + i));
        }
        let i = self.atoms.len() + self.new_atoms.len();
        if i >= crate::vm::ATOM_LIMIT || name.chars().count() > 255 {
            return Err(self.err(if i >= crate::vm::ATOM_LIMIT {
                EvalErrorKind::AtomTableFull
            } else {
                EvalErrorKind::BadArg
            }));
        }
        self.new_atoms.push(name.to_string());
        Ok(Term::atom(i as u32))
    }

    pub fn atom_name(&self, t: Term) -> Option<&str> {
        let Decoded::Atom(i) = t.decode() else {
            return None;
        };
        let i = i as usize;
        if i < self.atoms.len() {
            Some(&self.atoms.as_slice()[i])
        } else {
            (self.new_atoms.as_slice())
                .get(i - self.atoms.len())
                .map(String::as_str)
        }
    }

    pub fn bool(&mut self, b: bool) -> R<Term> {
        self.atom(if b { "true" } else { "false" })
    }

    pub fn is_true(&self, t: Term) -> Option<bool> {
        match self.atom_name(t)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    // ---- numbers ----

    pub fn int(&mut self, n: &BigInt) -> R<Term> {
        if let Some(v) = n.to_i128() {
            if (i128::from(MIN_SMALL)..=i128::from(MAX_SMALL)).contains(&v) {
                return Ok(Term::small(v as i64));
            }
        }
        if n.digits() > MAX_DIGITS {
            return Err(self.err(EvalErrorKind::TooLarge));
        }
        let tag = if n.neg {
            HeaderTag::NegBig
        } else {
            HeaderTag::PosBig
        };
        let mut words = Vec::with_capacity(1 + n.mag.len());
        words.push(Term::header(tag, n.mag.len() as u64));
        words.extend(n.mag.iter().map(|&d| Term(d)));
        let r = self.s.boxed(&words);
        self.b(r)
    }

    pub fn small(&mut self, n: i64) -> R<Term> {
        if (MIN_SMALL..=MAX_SMALL).contains(&n) {
            return Ok(Term::small(n));
        }
        self.int(&BigInt::from_i128(i128::from(n)))
    }

    pub fn float(&mut self, f: f64) -> R<Term> {
        if !f.is_finite() {
            return Err(self.err(EvalErrorKind::BadArith));
        }
        let r = self
            .s
            .boxed(&[Term::header(HeaderTag::Float, 1), Term(f.to_bits())]);
        self.b(r)
    }

    pub fn to_int(&self, t: Term) -> Option<BigInt> {
        match t.decode() {
            Decoded::Small(n) => Some(BigInt::from_i128(i128::from(n))),
            Decoded::Boxed(_) => {
                let h = self.s.header(t)?;
                let neg = match h.header_tag()? {
                    HeaderTag::PosBig => false,
                    HeaderTag::NegBig => true,
                    _ => return None,
                };
                let mag = (1..=object::arity(h))
                    .map(|i| self.s.field(t, i).0)
                    .collect();
                Some(BigInt { neg, mag })
            }
            _ => None,
        }
    }

    pub fn to_i64(&self, t: Term) -> Option<i64> {
        match t.decode() {
            Decoded::Small(n) => Some(n),
            _ => None,
        }
    }

    pub fn to_num(&self, t: Term) -> Option<Num> {
        if let Some(i) = self.to_int(t) {
            return Some(Num::Int(i));
        }
        (self.s.tag(t)? == HeaderTag::Float)
            .then(|| Num::Float(f64::from_bits(self.s.field(t, 1).0)))
    }

    pub fn num(&mut self, n: Num) -> R<Term> {
        match n {
            Num::Int(i) => self.int(&i),
            Num::Float(f) => self.float(f),
        }
    }

    // ---- lists and strings ----

    pub fn list_of(&self, t: Term) -> R<Vec<Term>> {
        self.s.list_elems(t).ok_or(self.err(EvalErrorKind::BadArg))
    }

    pub fn make_list(&mut self, items: &[Term], tail: Term) -> R<Term> {
        let r = self.s.list(items, tail);
        self.b(r)
    }

    pub fn chars(&mut self, s: &str) -> R<Term> {
        let items: Vec<Term> = s
            .chars()
            .map(|c| Term::small(i64::from(u32::from(c))))
            .collect();
        self.make_list(&items, Term::NIL)
    }

    /// The text of a list of character codes.
    pub fn string_of(&self, t: Term) -> R<String> {
        let mut s = String::new();
        for c in self.list_of(t)? {
            let ch = self
                .to_i64(c)
                .and_then(|n| u32::try_from(n).ok())
                .and_then(char::from_u32)
                .ok_or(self.err(EvalErrorKind::BadArg))?;
            s.push(ch);
        }
        Ok(s)
    }

    pub fn tuple(&mut self, items: &[Term]) -> R<Term> {
        let r = self.s.tuple(items);
        self.b(r)
    }

    pub fn binary(&mut self, bytes: &[u8]) -> R<Term> {
        if bytes.len() > MAX_BINARY_BYTES {
            return Err(self.err(EvalErrorKind::TooLarge));
        }
        // A payload costs a step per word, as building it on a heap would: without this, a thousand 1 MB
        // binaries (`[binary:copy(<<1>>, 1 bsl 20) || _ <- lists:seq(1, 1000)]`) took a gigabyte (found by fuzzing).
        self.step(bytes.len() as u64 / 8)?;
        let before = self.s.new_bins.len();
        let r = bits::make_binary(&mut self.s, bytes);
        self.note_bif_bins(before);
        self.b(r)
    }

    pub fn bitstring(&mut self, bytes: &[u8], nbits: u64) -> R<Term> {
        if bytes.len() > MAX_BINARY_BYTES {
            return Err(self.err(EvalErrorKind::TooLarge));
        }
        self.step(bytes.len() as u64 / 8)?;
        let before = self.s.new_bins.len();
        let r = bits::make_bitstring(&mut self.s, bytes, nbits);
        self.note_bif_bins(before);
        self.b(r)
    }

    /// Marks the ProcBins made since `before` as BIF-made when a BIF call is running.
    fn note_bif_bins(&mut self, before: usize) {
        if self.bif_depth > 0 {
            self.bif_bins.extend_from_slice(&self.s.new_bins[before..]);
        }
    }

    /// A BIF call: binaries it makes are noted as BIF-made.
    fn call_bif(&mut self, module: &str, fname: &str, args: Vec<Term>) -> R<Term> {
        self.bif_depth += 1;
        let r = bifs::call(self, module, fname, &args);
        self.bif_depth -= 1;
        r
    }

    /// The bytes of a binary (a whole number of bytes).
    pub fn bytes_of(&self, t: Term) -> R<Vec<u8>> {
        match bits::bits_of(&self.s, t) {
            Some((b, n)) if n % 8 == 0 => Ok(b),
            _ => Err(self.err(EvalErrorKind::BadArg)),
        }
    }

    /// `#{}`: a literal (the same one every time), so it takes no heap words.
    pub fn empty_map(&mut self) -> R<Term> {
        if let Some(m) = self.empty_map {
            return Ok(m);
        }
        let m =
            map::make_map(&mut self.s, &[], None).map_err(|_| self.err(EvalErrorKind::TooLarge))?;
        let lit = self.s.to_literal(m);
        self.empty_map = Some(lit);
        Ok(lit)
    }

    /// A map from pairs in any order; later duplicates win. An empty result is a fresh 3-word flatmap,
    /// as `maps:from_list([])` makes; only `#{}` in source is the literal.
    pub fn make_map(&mut self, mut pairs: Vec<(Term, Term)>) -> R<Term> {
        self.step(pairs.len() as u64)?;
        // A stable sort keeps equal keys in their order, so the last value of a key wins, as in `maps:from_list`.
        // (Inserting one pair at a time into a sorted vector was quadratic: a million keys never finished.)
        pairs.sort_by(|a, b| self.compare(a.0, b.0, true));
        let mut sorted: Vec<(Term, Term)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match sorted.last_mut() {
                Some(last) if self.compare(last.0, k, true) == Ordering::Equal => last.1 = v,
                _ => sorted.push((k, v)),
            }
        }
        let r = map::make_map(&mut self.s, &sorted, None);
        self.b(r)
    }

    pub fn map_pairs(&self, m: Term) -> R<Vec<(Term, Term)>> {
        map::map_pairs(&self.s, m).ok_or(self.err(EvalErrorKind::BadMap))
    }

    pub fn map_get(&self, m: Term, k: Term) -> R<Option<Term>> {
        Ok(self
            .map_pairs(m)?
            .into_iter()
            .find(|p| self.compare(p.0, k, true) == Ordering::Equal)
            .map(|p| p.1))
    }

    /// Puts or updates keys; an update of existing keys only keeps a flatmap's keys tuple (`erts_maps_put`);
    /// a hashmap is updated by path copying, sharing its untouched nodes.
    pub fn map_put(&mut self, m: Term, assocs: &[(Term, Term, bool)]) -> R<Term> {
        let h = self.s.header(m).ok_or(self.err(EvalErrorKind::BadMap))?;
        if h.header_tag() == Some(HeaderTag::Map) && object::map_kind(h) != MapKind::Flat {
            let mut cur = m;
            for &(k, v, exact) in assocs {
                let exists = self.map_get(cur, k)?.is_some();
                if exact && !exists {
                    return Err(self.err(EvalErrorKind::BadKey));
                }
                self.step(8)?;
                let r = map::hashmap_put(&mut self.s, cur, k, v, exists);
                cur = self.b(r)?;
            }
            return Ok(cur);
        }
        let mut pairs = self.map_pairs(m)?;
        let mut added = false;
        for &(k, v, exact) in assocs {
            match pairs
                .iter()
                .position(|p| self.compare(p.0, k, true) == Ordering::Equal)
            {
                Some(i) => pairs[i].1 = v,
                None if exact => return Err(self.err(EvalErrorKind::BadKey)),
                None => {
                    pairs.push((k, v));
                    added = true;
                }
            }
        }
        let h = self.s.header(m).expect("map");
        if !added && object::map_kind(h) == MapKind::Flat {
            let keys = self.s.field(m, 2);
            let r = map::make_map(&mut self.s, &pairs, Some(keys));
            return self.b(r);
        }
        self.make_map(pairs)
    }

    // ---- comparison ----

    fn rank(&self, t: Term) -> u8 {
        match t.decode() {
            Decoded::Small(_) => 0,
            Decoded::Atom(_) => 1,
            Decoded::Port(_) => 4,
            Decoded::Pid(_) => 5,
            Decoded::Nil => 8,
            Decoded::List(_) => 9,
            Decoded::Boxed(_) => match self.s.tag(t) {
                Some(HeaderTag::PosBig | HeaderTag::NegBig | HeaderTag::Float) => 0,
                Some(HeaderTag::Ref) => 2,
                Some(HeaderTag::Fun | HeaderTag::Export) => 3,
                Some(HeaderTag::Arityval) => 6,
                Some(HeaderTag::Map) => 7,
                _ => 10,
            },
            _ => 11,
        }
    }

    /// Term order; with `exact`, an integer and an equal float differ (the integer first).
    ///
    /// Model: terms nested deeper than 1,000 levels compare equal below that depth (a bound on recursion).
    pub fn compare(&self, a: Term, b: Term, exact: bool) -> Ordering {
        self.compare_at(a, b, exact, 0)
    }

    fn compare_at(&self, a: Term, b: Term, exact: bool, depth: u32) -> Ordering {
        if a == b || depth > 1_000 {
            return Ordering::Equal;
        }
        let (ra, rb) = (self.rank(a), self.rank(b));
        if ra != rb {
            return ra.cmp(&rb);
        }
        match ra {
            0 => match (self.to_num(a), self.to_num(b)) {
                (Some(Num::Int(x)), Some(Num::Int(y))) => x.compare(&y),
                (Some(Num::Float(x)), Some(Num::Float(y))) => {
                    x.partial_cmp(&y).unwrap_or(Ordering::Equal)
                }
                (Some(Num::Int(x)), Some(Num::Float(y))) => {
                    let o = x.to_f64().partial_cmp(&y).unwrap_or(Ordering::Equal);
                    if o == Ordering::Equal && exact {
                        Ordering::Less
                    } else {
                        o
                    }
                }
                (Some(Num::Float(x)), Some(Num::Int(y))) => {
                    let o = x.partial_cmp(&y.to_f64()).unwrap_or(Ordering::Equal);
                    if o == Ordering::Equal && exact {
                        Ordering::Greater
                    } else {
                        o
                    }
                }
                _ => Ordering::Equal,
            },
            1 => self.atom_name(a).cmp(&self.atom_name(b)),
            6 => {
                let (x, y) = (
                    self.s.tuple_elems(a).unwrap_or_default(),
                    self.s.tuple_elems(b).unwrap_or_default(),
                );
                x.len()
                    .cmp(&y.len())
                    .then_with(|| self.cmp_seq(&x, &y, exact, depth))
            }
            7 => {
                let (x, y) = (
                    self.map_pairs(a).unwrap_or_default(),
                    self.map_pairs(b).unwrap_or_default(),
                );
                let kx: Vec<Term> = x.iter().map(|p| p.0).collect();
                let ky: Vec<Term> = y.iter().map(|p| p.0).collect();
                let vx: Vec<Term> = x.iter().map(|p| p.1).collect();
                let vy: Vec<Term> = y.iter().map(|p| p.1).collect();
                x.len()
                    .cmp(&y.len())
                    .then_with(|| self.cmp_seq(&kx, &ky, true, depth))
                    .then_with(|| self.cmp_seq(&vx, &vy, exact, depth))
            }
            9 => {
                let (mut x, mut y) = (a, b);
                loop {
                    match (self.s.cons_parts(x), self.s.cons_parts(y)) {
                        (Some((hx, tx)), Some((hy, ty))) => {
                            let o = self.compare_at(hx, hy, exact, depth + 1);
                            if o != Ordering::Equal {
                                return o;
                            }
                            x = tx;
                            y = ty;
                        }
                        _ => return self.compare_at(x, y, exact, depth + 1),
                    }
                }
            }
            10 => {
                let x = bits::bits_of(&self.s, a).unwrap_or_default();
                let y = bits::bits_of(&self.s, b).unwrap_or_default();
                x.0.cmp(&y.0).then(x.1.cmp(&y.1))
            }
            _ => {
                // Refs, funs, pids, ports: by identity, then by contents.
                let wa = self.raw_words(a);
                let wb = self.raw_words(b);
                wa.cmp(&wb)
            }
        }
    }

    fn raw_words(&self, t: Term) -> Vec<u64> {
        match self.s.header(t) {
            Some(h) => (0..object::object_size(h))
                .map(|i| self.s.field(t, i).0)
                .collect(),
            None => alloc::vec![t.0],
        }
    }

    fn cmp_seq(&self, x: &[Term], y: &[Term], exact: bool, depth: u32) -> Ordering {
        for (a, b) in x.iter().zip(y) {
            let o = self.compare_at(*a, *b, exact, depth + 1);
            if o != Ordering::Equal {
                return o;
            }
        }
        x.len().cmp(&y.len())
    }

    // ---- evaluation ----

    /// The value of a variable; a shadowing entry holding `NON_VALUE` makes it unbound.
    fn var(&self, name: &str) -> Option<Term> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
            .filter(|t| *t != Term::NON_VALUE)
    }

    pub fn eval(&mut self, e: &Expr) -> R<Term> {
        self.step(1)?;
        self.span = e.span;
        if self.compiled && is_literal_expr(e) {
            // Model: compiled code keeps a constant term in the module's literal area, so making it costs no heap
            // words (measured by `beamviz export`: `t = {1, 2, 3}` leaves the heap as it was).
            let key = e as *const Expr as usize;
            if let Some(&(_, t)) = self.consts.iter().find(|(k, _)| *k == key) {
                return Ok(t);
            }
            let mark = self.s.frag.words.len();
            // The inner evaluation may cache constants that point into the fragment words dropped below.
            let consts_mark = self.consts.len();
            let compiled = core::mem::replace(&mut self.compiled, false);
            let t = self.eval(e);
            self.compiled = compiled;
            let lit = self.s.to_literal(t?);
            self.s.frag.words.truncate(mark);
            self.consts.truncate(consts_mark);
            self.consts.push((key, lit));
            return Ok(lit);
        }
        match &e.kind {
            ExprKind::Int(n)
                if n.digits() <= 1
                    && n.to_i128().is_some_and(|v| {
                        (i128::from(MIN_SMALL)..=i128::from(MAX_SMALL)).contains(&v)
                    }) =>
            {
                self.int(n)
            }
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Chars(_) => {
                // Model: `erl_eval` returns a number or string constant straight from the parse tree, so every
                // evaluation of the same occurrence yields the same object (measured: shared in comprehensions).
                let key = e as *const Expr as usize;
                if let Some(&(_, t)) = self.consts.iter().find(|(k, _)| *k == key) {
                    return Ok(t);
                }
                let t = match &e.kind {
                    ExprKind::Int(n) => self.int(n)?,
                    ExprKind::Float(f) => self.float(*f)?,
                    ExprKind::Chars(s) => self.chars(s)?,
                    _ => unreachable!("matched above"),
                };
                if t.pointee().is_some() {
                    self.consts.push((key, t));
                }
                Ok(t)
            }
            ExprKind::Atom(a) => self.atom(a),
            ExprKind::Utf8(s) => self.binary(s.as_bytes()),
            ExprKind::Var(v) | ExprKind::Pin(v) | ExprKind::Bind(v) => {
                self.var(v).ok_or(self.err(EvalErrorKind::Unbound))
            }
            ExprKind::Wildcard => Err(self.err(EvalErrorKind::Unbound)),
            ExprKind::Tuple(items) => {
                let ts = self.eval_all(items)?;
                self.tuple(&ts)
            }
            ExprKind::List(items, tail) => {
                let ts = self.eval_all(items)?;
                let tl = match tail {
                    Some(t) => self.eval(t)?,
                    None => Term::NIL,
                };
                self.make_list(&ts, tl)
            }
            ExprKind::Map(assocs) if assocs.is_empty() => self.empty_map(),
            ExprKind::Map(assocs) => {
                // Model: Elixir compiles a range with constant bounds (`1..20`) to a literal `%Range{}`: no heap
                // words. A range with variable bounds is built on the heap.
                let key = e as *const Expr as usize;
                let literal_range = self.compiled && is_constant_range(assocs);
                if literal_range {
                    if let Some(&(_, t)) = self.consts.iter().find(|(k, _)| *k == key) {
                        return Ok(t);
                    }
                }
                let mark = self.s.frag.words.len();
                let mut pairs = Vec::with_capacity(assocs.len());
                for (k, v) in assocs {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    pairs.push((k, v));
                }
                let t = self.make_map(pairs)?;
                if !literal_range {
                    return Ok(t);
                }
                let lit = self.s.to_literal(t);
                self.s.frag.words.truncate(mark);
                self.consts.push((key, lit));
                Ok(lit)
            }
            ExprKind::MapUpdate(base, assocs) => {
                let m = self.eval(base)?;
                let mut done = Vec::with_capacity(assocs.len());
                for (k, v, exact) in assocs {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    done.push((k, v, *exact));
                }
                self.span = e.span;
                self.map_put(m, &done)
            }
            ExprKind::Bin(segs) => self.construct_bin(segs),
            ExprKind::Match(p, v) => {
                let t = self.eval(v)?;
                self.span = e.span;
                if self.pmatch(p, t)? {
                    Ok(t)
                } else {
                    Err(self.err(EvalErrorKind::BadMatch))
                }
            }
            ExprKind::Op(op, a, b) => self.binop(op, a, b, e.span),
            ExprKind::Unary(op, a) => {
                let t = self.eval(a)?;
                self.span = e.span;
                self.unop(op, t)
            }
            ExprKind::Call(m, f, args) => self.call(m.as_deref(), f, args, e.span),
            ExprKind::Fun(clauses) => self.make_fun(clauses, None),
            ExprKind::NamedFun(name, clauses) => self.make_fun(clauses, Some(name)),
            ExprKind::ExtFun(m, f, a) => {
                let (m, f) = (self.atom(m)?, self.atom(f)?);
                let r = self.s.boxed(&[
                    Term::header(HeaderTag::Export, 4),
                    m,
                    f,
                    Term(u64::from(*a)),
                    Term(0),
                ]);
                self.b(r)
            }
            ExprKind::Block(es) => {
                let mut last = Term::NIL;
                for x in es {
                    last = self.eval(x)?;
                }
                Ok(last)
            }
            ExprKind::Case(x, clauses) => {
                let t = self.eval(x)?;
                self.span = e.span;
                match self.clauses(clauses, &[t])? {
                    Some(r) => Ok(r),
                    None => Err(EvalError {
                        kind: EvalErrorKind::CaseClause,
                        span: e.span,
                    }),
                }
            }
            ExprKind::If(clauses) => match self.clauses(clauses, &[])? {
                Some(r) => Ok(r),
                None => Err(EvalError {
                    kind: EvalErrorKind::IfClause,
                    span: e.span,
                }),
            },
            ExprKind::Comp(binary, body, quals) => {
                let mut out = Vec::new();
                if self.src.1 == Lang::Elixir && !*binary {
                    // Elixir compiles `for` to `:lists.reverse(Enumerable.reduce(source, [], reducer))`:
                    // a reducer closure over the variables it uses, and a reversed accumulator (measured:
                    // `for x <- l, do: x` allocates 4n + 5 words, where Erlang's `[X || X <- L]` allocates 2n).
                    let env = self.comp_free_vars(body, quals);
                    self.comp(body, quals, &mut out)?;
                    self.library_garbage("for", &env, Some(&out))?;
                } else {
                    self.comp(body, quals, &mut out)?;
                }
                self.span = e.span;
                if *binary {
                    let mut buf = BitBuf::default();
                    for t in out {
                        let (b, n) =
                            bits::bits_of(&self.s, t).ok_or(self.err(EvalErrorKind::BadArg))?;
                        buf.push_bits(&b, 0, n);
                        if buf.bytes.len() > MAX_BINARY_BYTES {
                            return Err(self.err(EvalErrorKind::TooLarge));
                        }
                    }
                    self.bitstring(&buf.bytes, buf.bits)
                } else {
                    self.make_list(&out, Term::NIL)
                }
            }
        }
    }

    fn eval_all(&mut self, es: &[Expr]) -> R<Vec<Term>> {
        es.iter().map(|e| self.eval(e)).collect()
    }

    /// The arguments of a call to a named function.
    ///
    /// Model: a constant byte binary passed to a function (`binary:copy(<<0>>, 100)`) is a literal, as compiled
    /// code has it, so it leaves no garbage on the heap. (A constant binary kept as a value is built, as `erl_eval`
    /// builds it; the term corpus measures that.)
    fn eval_args(&mut self, es: &[Expr]) -> R<Vec<Term>> {
        let mut out = Vec::with_capacity(es.len());
        for e in es {
            let constant = self.compiled
                && matches!(&e.kind, ExprKind::Bin(segs) if segs.len() <= 64 && segs.iter().all(|sg| {
                    sg.size.is_none()
                        && sg.unit.is_none()
                        && sg.ty == SegType::Integer
                        && matches!(&sg.value.kind, ExprKind::Int(n) if n.to_i128().is_some_and(|v| (0..256).contains(&v)))
                }));
            if !constant {
                out.push(self.eval(e)?);
                continue;
            }
            let key = e as *const Expr as usize;
            if let Some(&(_, t)) = self.consts.iter().find(|(k, _)| *k == key) {
                out.push(t);
                continue;
            }
            let mark = self.s.frag.words.len();
            let t = self.eval(e)?;
            let lit = self.s.to_literal(t);
            self.s.frag.words.truncate(mark);
            self.consts.push((key, lit));
            out.push(lit);
        }
        Ok(out)
    }

    /// Runs the first clause whose patterns match `args` and whose guard holds.
    pub fn clauses(&mut self, clauses: &[Clause], args: &[Term]) -> R<Option<Term>> {
        self.run_clauses(clauses, args, false)
    }

    /// [`Ev::clauses`]; `in_fun` when the clauses are a fun's, so calls in its body are told tail from body calls.
    fn run_clauses(&mut self, clauses: &[Clause], args: &[Term], in_fun: bool) -> R<Option<Term>> {
        for c in clauses {
            if c.pats.len() != args.len() {
                continue;
            }
            let mark = self.vars.len();
            let mut ok = true;
            for (p, &a) in c.pats.iter().zip(args) {
                if !self.pmatch(p, a)? {
                    ok = false;
                    break;
                }
            }
            if ok {
                if let Some(g) = &c.guard {
                    // A guard that raises is false.
                    ok = matches!(self.eval(g).map(|t| self.is_true(t)), Ok(Some(true)));
                }
            }
            if ok {
                let saved = self.fun_body;
                if in_fun {
                    self.fun_body = Some(c.body.as_slice() as *const [Expr]);
                }
                let mut last = Ok(Term::NIL);
                for x in &c.body {
                    last = self.eval(x);
                    if last.is_err() {
                        break;
                    }
                }
                self.fun_body = saved;
                return last.map(Some);
            }
            self.vars.truncate(mark);
        }
        Ok(None)
    }

    /// The values of the outer variables a comprehension's body and qualifiers use (what its reducer closes over).
    fn comp_free_vars(&self, body: &Expr, quals: &[Qualifier]) -> Vec<Term> {
        let (mut used, mut bound) = (Vec::new(), Vec::new());
        collect_vars(body, &mut used);
        for (i, q) in quals.iter().enumerate() {
            match q {
                Qualifier::Filter(f) => collect_vars(f, &mut used),
                Qualifier::Gen(p, l) | Qualifier::BinGen(p, l) => {
                    collect_vars(p, &mut bound);
                    // The first source is passed to the reduction, not closed over.
                    if i > 0 {
                        collect_vars(l, &mut used);
                    }
                }
            }
        }
        let mut free: Vec<String> = Vec::new();
        for v in used {
            if !bound.contains(&v) && self.var(&v).is_some() && !free.contains(&v) {
                free.push(v);
            }
        }
        free.iter().filter_map(|v| self.var(v)).collect()
    }

    fn comp(&mut self, body: &Expr, quals: &[Qualifier], out: &mut Vec<Term>) -> R<()> {
        let Some((q, rest)) = quals.split_first() else {
            let t = self.eval(body)?;
            out.push(t);
            return Ok(());
        };
        match q {
            Qualifier::Filter(f) => {
                let t = self.eval(f)?;
                if self.is_true(t) == Some(true) {
                    self.comp(body, rest, out)?;
                }
            }
            Qualifier::Gen(p, l) => {
                let list = self.eval(l)?;
                self.span = l.span;
                // A list, or (Elixir) a range.
                let items = bifs::enum_list(self, list)?;
                // Generator patterns bind afresh: their variables shadow outer ones.
                let mut names = Vec::new();
                collect_vars(p, &mut names);
                for it in items {
                    self.step(1)?;
                    let mark = self.vars.len();
                    for n in &names {
                        self.vars.push((n.clone(), Term::NON_VALUE));
                    }
                    if self.pmatch(p, it)? {
                        self.comp(body, rest, out)?;
                    }
                    self.vars.truncate(mark);
                }
            }
            Qualifier::BinGen(p, b) => {
                let bin = self.eval(b)?;
                let ExprKind::Bin(segs) = &p.kind else {
                    return Err(self.err(EvalErrorKind::BadArg));
                };
                let (bytes, n) =
                    bits::bits_of(&self.s, bin).ok_or(self.err(EvalErrorKind::BadArg))?;
                let mut pos = 0;
                while pos < n {
                    self.step(1)?;
                    let mark = self.vars.len();
                    match self.match_segs(segs, bin, &bytes, n, pos, true)? {
                        Some(next) if next > pos => {
                            pos = next;
                            self.comp(body, rest, out)?;
                            self.vars.truncate(mark);
                        }
                        _ => {
                            self.vars.truncate(mark);
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn make_fun(&mut self, clauses: &Rc<Vec<Clause>>, name: Option<&String>) -> R<Term> {
        let mut used = Vec::new();
        let mut bound_in_head = Vec::new();
        for c in clauses.iter() {
            for p in &c.pats {
                collect_vars(p, &mut bound_in_head);
            }
            if let Some(g) = &c.guard {
                collect_vars(g, &mut used);
            }
            for b in &c.body {
                collect_vars(b, &mut used);
            }
        }
        let mut free: Vec<String> = Vec::new();
        for v in used {
            if !bound_in_head.contains(&v)
                && self.var(&v).is_some()
                && !free.contains(&v)
                && name != Some(&v)
            {
                free.push(v);
            }
        }
        let env: Vec<Term> = free.iter().map(|v| self.var(v).expect("bound")).collect();
        let arity = clauses.first().map_or(0, |c| c.pats.len()) as u64;
        let (src, lang, nth) = self.locate(clauses)?;
        let code = FunCode::Source {
            src,
            lang,
            nth,
            free: free.clone(),
            name: name.cloned(),
        };
        let closure = Closure::Source {
            clauses: clauses.clone(),
            free,
            name: name.cloned(),
        };
        let idx = self.fun_index(code, closure);
        self.fun_object(idx, arity, &env)
    }

    /// The index of a fun's code: its entry in the VM's table, else a new entry of this evaluation.
    pub fn fun_index(&mut self, code: FunCode, closure: Closure) -> u64 {
        if let Some(i) = self.funs.find(&code) {
            self.loaded.insert_new(u64::from(i), closure);
            return u64::from(i);
        }
        let n = self.new_funs.len();
        let i = self.new_funs.add(code);
        if i as usize == n {
            self.closures.push(closure);
        }
        (self.funs.len() + i as usize) as u64
    }

    /// The stack frame a call of fun `f` with `args` keeps while it runs, inside the body of a fun clause:
    /// none for a tail call (the last expression of the body: the callee replaces the caller's frame), else the
    /// return address plus one Y register per variable of the body that is used outside the call itself (its
    /// value is needed when the call returns), as the compiler allocates them.
    ///
    /// Model: a call nested in a `case` or `if` that ends the body counts as a body call; compiled code would make
    /// it a tail call. Calls outside any fun body (the statement itself) keep no frame: the statement's own frame
    /// is the process's stack.
    fn frame_words(&self, f: &Expr, args: &[Expr]) -> u64 {
        let Some(body) = self.fun_body else {
            return 0;
        };
        // The pointer only identifies the body; it is looked up, not dereferenced.
        let body: &[Expr] = match self.current_body(body) {
            Some(b) => b,
            None => return 0,
        };
        let is_call_at = |e: &Expr| match &e.kind {
            ExprKind::Call(None, g, a) => {
                core::ptr::eq(&**g, f) && core::ptr::eq(a.as_ptr(), args.as_ptr())
            }
            _ => false,
        };
        if body.last().is_some_and(is_call_at) {
            return 0;
        }
        let mut all = Vec::new();
        for e in body {
            vars_outside(e, f, &mut all);
        }
        1 + all.iter().filter(|v| self.var(v).is_some()).count() as u64
    }

    /// The body `ptr` names, found again among the clauses of the funs this evaluation knows (no raw pointer is
    /// ever dereferenced).
    fn current_body(&self, ptr: *const [Expr]) -> Option<&[Expr]> {
        fn find(cs: &[Clause], ptr: *const [Expr]) -> Option<&[Expr]> {
            cs.iter()
                .find(|c| core::ptr::eq(c.body.as_slice() as *const [Expr], ptr))
                .map(|c| c.body.as_slice())
        }
        self.closures
            .iter()
            .chain(self.loaded.values())
            .find_map(|c| match c {
                Closure::Source { clauses, .. } => find(clauses, ptr),
                Closure::Helper => None,
            })
    }

    /// The source, syntax and pre-order number of the fun node whose clauses are `clauses`.
    fn locate(&mut self, clauses: &Rc<Vec<Clause>>) -> R<(String, Lang, u32)> {
        let key = Rc::as_ptr(clauses) as usize;
        if !self.root_numbered {
            self.root_numbered = true;
            let mut nodes = Vec::new();
            fun_nodes(self.root, &mut nodes);
            for (n, cs) in nodes.iter().enumerate() {
                self.fun_nodes
                    .insert_new(Rc::as_ptr(cs) as usize, (Tree::Root, n as u32));
            }
        }
        match self.fun_nodes.get(&key) {
            Some(&(Tree::Root, n)) => Ok((String::from(self.src.0), self.src.1, n)),
            Some(&(Tree::Parsed(t), n)) => Ok((self.parsed[t].0.clone(), self.parsed[t].1, n)),
            // Every fun node comes from the root or a parsed source; this is only a safe answer to a bug.
            None => Err(self.err(EvalErrorKind::BadFun)),
        }
    }

    /// The code of fun `idx`, made by this evaluation or an earlier one (parsed again on first use).
    fn closure(&mut self, idx: u64) -> Option<Closure> {
        let base = self.funs.len() as u64;
        if idx >= base {
            return self.closures.get((idx - base) as usize).cloned();
        }
        if let Some(c) = self.loaded.get(&idx) {
            return Some(c.clone());
        }
        let c = match self.funs.get(idx as usize)? {
            FunCode::Helper | FunCode::Library(_) => Closure::Helper,
            FunCode::Source {
                src,
                lang,
                nth,
                free,
                name,
            } => {
                let t = match self
                    .parsed
                    .iter()
                    .position(|(s, l, _)| s == src && l == lang)
                {
                    Some(t) => t,
                    None => {
                        let tree = Rc::new(super::parse(src, *lang).ok()?);
                        let mut nodes = Vec::new();
                        fun_nodes(&tree, &mut nodes);
                        let t = self.parsed.len();
                        for (n, cs) in nodes.iter().enumerate() {
                            self.fun_nodes
                                .insert_new(Rc::as_ptr(cs) as usize, (Tree::Parsed(t), n as u32));
                        }
                        self.parsed.push((src.clone(), *lang, tree));
                        t
                    }
                };
                let mut nodes = Vec::new();
                fun_nodes(&self.parsed[t].2, &mut nodes);
                Closure::Source {
                    clauses: nodes.get(*nth as usize)?.clone(),
                    free: free.clone(),
                    name: name.clone(),
                }
            }
        };
        self.loaded.insert_new(idx, c.clone());
        Some(c)
    }

    /// A local fun: thing, entry, next, arity and number of free variables, creator, environment (`ErlFunThing`).
    pub fn fun_object(&mut self, idx: u64, arity: u64, env: &[Term]) -> R<Term> {
        let mut words = Vec::with_capacity(5 + env.len());
        words.push(Term::header(HeaderTag::Fun, 4 + env.len() as u64));
        words.push(Term(idx));
        words.push(Term(0));
        words.push(Term(arity | ((env.len() as u64) << 32)));
        words.push(self.self_pid);
        words.extend_from_slice(env);
        let r = self.s.boxed(&words);
        self.b(r)
    }

    /// What an Elixir library function allocates and drops around its result when it reduces an enumerable
    /// (Elixir 1.14 `Enum`, `for`): the reducer closure `name` with `env` (5 words + one per free variable), then,
    /// when `reversed` is given, the accumulator it conses up in reverse (2 words per element), which
    /// `:lists.reverse/1` turns into the result. Both become garbage; measured with `tests/oracle/elixir_enum.exs`.
    pub fn library_garbage(
        &mut self,
        name: &str,
        env: &[Term],
        reversed: Option<&[Term]>,
    ) -> R<()> {
        let idx = self.fun_index(FunCode::Library(name.into()), Closure::Helper);
        self.fun_object(idx, 2, env)?;
        if let Some(xs) = reversed {
            // Consing the accumulator is work too: it counts against the evaluation's step budget.
            self.step(xs.len() as u64)?;
            let rev: Vec<Term> = xs.iter().rev().copied().collect();
            self.make_list(&rev, Term::NIL)?;
        }
        Ok(())
    }

    /// Calls a fun value with arguments.
    pub fn apply(&mut self, f: Term, args: &[Term]) -> R<Term> {
        // A fun is Erlang code even when a library function (lists:map/2, an Enum function) calls it: what it
        // builds is not a BIF's.
        let depth = core::mem::replace(&mut self.bif_depth, 0);
        let r = self.apply_fun(f, args);
        self.bif_depth = depth;
        r
    }

    fn apply_fun(&mut self, f: Term, args: &[Term]) -> R<Term> {
        match self.s.tag(f) {
            Some(HeaderTag::Fun) => {
                let idx = self.s.field(f, 1).0 as usize;
                let arity = self.s.field(f, 3).0 & 0xFFFF_FFFF;
                if arity != args.len() as u64 {
                    return Err(self.err(EvalErrorKind::BadFun));
                }
                let n_free = self.s.field(f, 3).0 >> 32;
                let env: Vec<Term> = (0..n_free).map(|i| self.s.field(f, 5 + i)).collect();
                let (clauses, free, name) = match self.closure(idx as u64) {
                    Some(Closure::Source {
                        clauses,
                        free,
                        name,
                    }) => (clauses, free, name),
                    Some(Closure::Helper) => {
                        return match env.len() {
                            0 => self.atom("ok"),
                            1 => Ok(env[0]),
                            _ => self.tuple(&env),
                        }
                    }
                    // A fun object whose index has no code: not one this VM made.
                    None => return Err(self.err(EvalErrorKind::BadFun)),
                };
                self.depth += 1;
                if self.depth > MAX_CALL_DEPTH {
                    return Err(self.err(EvalErrorKind::TooDeep));
                }
                let saved = core::mem::take(&mut self.vars);
                self.vars = free.into_iter().zip(env).collect();
                if let Some(n) = name {
                    // Model: a recursive call reuses this fun object; compiled code makes an equal new one.
                    self.vars.push((n, f));
                }
                let span = self.span;
                let r = self.run_clauses(&clauses, args, true);
                self.vars = saved;
                self.depth -= 1;
                match r? {
                    Some(t) => Ok(t),
                    None => Err(EvalError {
                        kind: EvalErrorKind::FunctionClause,
                        span,
                    }),
                }
            }
            Some(HeaderTag::Export) => {
                let m = self.atom_name(self.s.field(f, 1)).unwrap_or("").to_string();
                let fname = self.atom_name(self.s.field(f, 2)).unwrap_or("").to_string();
                if self.s.field(f, 3).0 != args.len() as u64 {
                    return Err(self.err(EvalErrorKind::BadFun));
                }
                self.call_bif(&m, &fname, args.to_vec())
            }
            _ => Err(self.err(EvalErrorKind::BadFun)),
        }
    }

    fn call(&mut self, m: Option<&Expr>, f: &Expr, args: &[Expr], span: Span) -> R<Term> {
        let module = match m {
            // A literal module name is code, not data: it is not interned (the real VM has it already).
            Some(Expr {
                kind: ExprKind::Atom(a),
                ..
            }) => Some(a.clone()),
            Some(m) => {
                let t = self.eval(m)?;
                Some(
                    self.atom_name(t)
                        .ok_or(self.err(EvalErrorKind::BadArg))?
                        .to_string(),
                )
            }
            None => None,
        };
        let fname = match (&f.kind, &module) {
            (ExprKind::Atom(a), _) => a.clone(),
            (_, Some(_)) => {
                let t = self.eval(f)?;
                self.atom_name(t)
                    .ok_or(self.err(EvalErrorKind::BadArg))?
                    .to_string()
            }
            (_, None) => {
                let fun = self.eval(f)?;
                let vals = self.eval_all(args)?;
                self.span = span;
                let frame = self.frame_words(f, args);
                self.stack_words += frame;
                self.peak_stack = self.peak_stack.max(self.stack_words);
                let r = self.apply(fun, &vals);
                self.stack_words -= frame;
                return r;
            }
        };
        let vals = self.eval_args(args)?;
        self.span = match m {
            Some(m) => m.span,
            None => f.span,
        };
        let module = module.unwrap_or_else(|| String::from("erlang"));
        self.call_bif(&module, &fname, vals)
    }

    fn binop(&mut self, op: &'static str, a: &Expr, b: &Expr, span: Span) -> R<Term> {
        if op == "andalso" || op == "orelse" {
            let x = self.eval(a)?;
            self.span = span;
            let xb = self.is_true(x).ok_or(self.err(EvalErrorKind::BadArg))?;
            if xb == (op == "orelse") {
                return Ok(x);
            }
            return self.eval(b);
        }
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        self.span = span;
        self.op2(op, x, y)
    }

    pub fn op2(&mut self, op: &str, x: Term, y: Term) -> R<Term> {
        match op {
            "==" | "/=" | "=:=" | "=/=" | "<" | ">" | "=<" | ">=" => {
                let o = self.compare(x, y, matches!(op, "=:=" | "=/="));
                let r = match op {
                    "==" | "=:=" => o == Ordering::Equal,
                    "/=" | "=/=" => o != Ordering::Equal,
                    "<" => o == Ordering::Less,
                    ">" => o == Ordering::Greater,
                    "=<" => o != Ordering::Greater,
                    _ => o != Ordering::Less,
                };
                self.bool(r)
            }
            "++" => {
                let items = self.list_of(x)?;
                self.step(items.len() as u64)?;
                self.make_list(&items, y)
            }
            "--" => {
                let mut items = self.list_of(x)?;
                let rm = self.list_of(y)?;
                self.step((items.len() * rm.len().min(1000)) as u64)?;
                for r in rm {
                    if let Some(i) = items
                        .iter()
                        .position(|t| self.compare(*t, r, true) == Ordering::Equal)
                    {
                        items.remove(i);
                    }
                }
                self.make_list(&items, Term::NIL)
            }
            "<>" => {
                let (mut b1, n1) =
                    bits::bits_of(&self.s, x).ok_or(self.err(EvalErrorKind::BadArg))?;
                let (b2, n2) = bits::bits_of(&self.s, y).ok_or(self.err(EvalErrorKind::BadArg))?;
                if n1 % 8 == 0 {
                    b1.extend_from_slice(&b2);
                    return self.bitstring(&b1, n1 + n2);
                }
                let mut buf = BitBuf {
                    bytes: b1,
                    bits: n1,
                };
                buf.push_bits(&b2, 0, n2);
                self.bitstring(&buf.bytes, buf.bits)
            }
            "and" | "or" | "xor" => {
                let (a, b) = (
                    self.is_true(x).ok_or(self.err(EvalErrorKind::BadArg))?,
                    self.is_true(y).ok_or(self.err(EvalErrorKind::BadArg))?,
                );
                self.bool(match op {
                    "and" => a && b,
                    "or" => a || b,
                    _ => a != b,
                })
            }
            "!" => Err(self.err(EvalErrorKind::NotModelled { arity: 2 })),
            _ => self.arith(op, x, y),
        }
    }

    fn arith(&mut self, op: &str, x: Term, y: Term) -> R<Term> {
        let bad = self.err(EvalErrorKind::BadArith);
        // Fast path: small integers.
        if let (Some(a64), Some(b64)) = (self.to_i64(x), self.to_i64(y)) {
            let (a, b) = (i128::from(a64), i128::from(b64));
            let r = match op {
                "+" => Some(a + b),
                "-" => Some(a - b),
                "*" => Some(a * b),
                // In 64 bits (128-bit division would link 1.1 KB of compiler-builtins into the wasm module); the one
                // overflow, `i64::MIN div -1`, goes the bignum way below.
                "div" if b != 0 => a64.checked_div(b64).map(i128::from),
                "rem" if b != 0 => a64.checked_rem(b64).map(i128::from),
                "band" => Some(a & b),
                "bor" => Some(a | b),
                "bxor" => Some(a ^ b),
                "bsl" if (0..64).contains(&b) => Some(a << b),
                "bsr" if (0..200).contains(&b) => Some(a >> b),
                "bsl" if (-200..0).contains(&b) => Some(a >> -b),
                _ => None,
            };
            if let Some(r) = r {
                return self.int(&BigInt::from_i128(r));
            }
        }
        let (a, b) = (self.to_num(x).ok_or(bad)?, self.to_num(y).ok_or(bad)?);
        let fl = |n: &Num| match n {
            Num::Int(i) => i.to_f64(),
            Num::Float(f) => *f,
        };
        let res = match (op, &a, &b) {
            ("/", _, _) => {
                let d = fl(&b);
                if d == 0.0 {
                    return Err(bad);
                }
                Num::Float(fl(&a) / d)
            }
            ("+" | "-" | "*", Num::Int(i), Num::Int(j)) => {
                if i.digits() + j.digits() > MAX_DIGITS {
                    return Err(self.err(EvalErrorKind::TooLarge));
                }
                Num::Int(match op {
                    "+" => i.add(j),
                    "-" => i.sub(j),
                    _ => i.mul(j),
                })
            }
            ("+", _, _) => Num::Float(fl(&a) + fl(&b)),
            ("-", _, _) => Num::Float(fl(&a) - fl(&b)),
            ("*", _, _) => Num::Float(fl(&a) * fl(&b)),
            ("**", Num::Int(i), Num::Int(j)) => {
                let e = j
                    .to_i128()
                    .filter(|e| (0..=64 * MAX_DIGITS as i128).contains(e))
                    .ok_or(bad)?;
                let mut acc = BigInt::from_i128(1);
                for _ in 0..e {
                    acc = acc.mul(i);
                    if acc.digits() > MAX_DIGITS {
                        return Err(self.err(EvalErrorKind::TooLarge));
                    }
                }
                Num::Int(acc)
            }
            ("bsl" | "bsr", Num::Int(i), Num::Int(j)) => {
                let sh = j
                    .to_i128()
                    .filter(|s| s.abs() <= 64 * MAX_DIGITS as i128)
                    .ok_or(self.err(EvalErrorKind::TooLarge))? as i64;
                Num::Int(i.shl(if op == "bsl" { sh } else { -sh }))
            }
            ("div" | "rem", Num::Int(i), Num::Int(j)) => {
                let d = j
                    .to_i128()
                    .filter(|d| *d != 0 && d.unsigned_abs() <= u128::from(u64::MAX))
                    .ok_or(if j.is_zero() {
                        bad
                    } else {
                        self.err(EvalErrorKind::NotModelled { arity: 2 })
                    })?;
                let (q, r) = i.divrem_small(d.unsigned_abs() as u64);
                if op == "div" {
                    Num::Int(if d < 0 { q.neg() } else { q })
                } else {
                    let r = BigInt::from_i128(i128::from(r));
                    Num::Int(if i.neg { r.neg() } else { r })
                }
            }
            _ => return Err(bad),
        };
        if let Num::Float(f) = res {
            if !f.is_finite() {
                return Err(bad);
            }
        }
        self.num(res)
    }

    fn unop(&mut self, op: &str, t: Term) -> R<Term> {
        match op {
            "not" => {
                let b = self.is_true(t).ok_or(self.err(EvalErrorKind::BadArg))?;
                self.bool(!b)
            }
            "+" => self
                .to_num(t)
                .map(|_| t)
                .ok_or(self.err(EvalErrorKind::BadArith)),
            "-" => match self.to_num(t).ok_or(self.err(EvalErrorKind::BadArith))? {
                Num::Int(i) => self.int(&i.neg()),
                Num::Float(f) => self.float(-f),
            },
            _ => {
                let i = self.to_int(t).ok_or(self.err(EvalErrorKind::BadArith))?;
                self.int(&i.neg().sub(&BigInt::from_i128(1)))
            }
        }
    }

    // ---- patterns ----

    /// Matches `t` against the pattern `p`, binding its unbound variables.
    pub fn pmatch(&mut self, p: &Expr, t: Term) -> R<bool> {
        self.step(1)?;
        Ok(match &p.kind {
            ExprKind::Wildcard => true,
            ExprKind::Var(v) => match self.var(v) {
                Some(old) => self.compare(old, t, true) == Ordering::Equal,
                None => {
                    self.vars.push((v.clone(), t));
                    true
                }
            },
            ExprKind::Bind(v) => {
                self.vars.push((v.clone(), t));
                true
            }
            ExprKind::Pin(v) => {
                let old = self.var(v).ok_or(self.err(EvalErrorKind::Unbound))?;
                self.compare(old, t, true) == Ordering::Equal
            }
            ExprKind::Match(a, b) => self.pmatch(a, t)? && self.pmatch(b, t)?,
            ExprKind::Tuple(items) => match self.s.tuple_elems(t) {
                Some(es) if es.len() == items.len() => {
                    for (p, e) in items.iter().zip(es) {
                        if !self.pmatch(p, e)? {
                            return Ok(false);
                        }
                    }
                    true
                }
                _ => false,
            },
            ExprKind::List(items, tail) => {
                let mut cur = t;
                for p in items {
                    let Some((h, tl)) = self.s.cons_parts(cur) else {
                        return Ok(false);
                    };
                    if !self.pmatch(p, h)? {
                        return Ok(false);
                    }
                    cur = tl;
                }
                match tail {
                    Some(tp) => self.pmatch(tp, cur)?,
                    None => cur == Term::NIL,
                }
            }
            ExprKind::Map(assocs) => {
                if self.s.tag(t) != Some(HeaderTag::Map) {
                    return Ok(false);
                }
                for (k, vp) in assocs {
                    let k = self.eval(k)?;
                    match self.map_get(t, k)? {
                        Some(v) => {
                            if !self.pmatch(vp, v)? {
                                return Ok(false);
                            }
                        }
                        None => return Ok(false),
                    }
                }
                true
            }
            ExprKind::Bin(segs) => {
                let Some((bytes, n)) = bits::bits_of(&self.s, t) else {
                    return Ok(false);
                };
                if self.compiled {
                    // Compiled code matches through a match context (`bs_start_match4`, `ErlBinMatchState`: thing,
                    // orig, base, offset, size), built on the heap and garbage once the match is done: measured,
                    // `<<h::binary-size(100), _::binary>> = body` takes 10 words on OTP 25, 5 of them the sub-binary.
                    let r = self.s.boxed(&[
                        Term::header(HeaderTag::BinMatchstate, 4),
                        t,
                        Term(0),
                        Term(0),
                        Term(n),
                    ]);
                    self.b(r)?;
                }
                matches!(self.match_segs(segs, t, &bytes, n, 0, false)?, Some(end) if end == n)
            }
            ExprKind::Op("++", a, b) => {
                // "abc" ++ Rest
                let ExprKind::Chars(prefix) = &a.kind else {
                    return Err(self.err(EvalErrorKind::BadMatch));
                };
                let mut cur = t;
                for c in prefix.chars() {
                    let Some((h, tl)) = self.s.cons_parts(cur) else {
                        return Ok(false);
                    };
                    if self.to_i64(h) != Some(i64::from(u32::from(c))) {
                        return Ok(false);
                    }
                    cur = tl;
                }
                self.pmatch(b, cur)?
            }
            _ => {
                // A literal (or an expression in a pattern, such as a negative number): compare values.
                let v = self.eval(p)?;
                self.compare(v, t, true) == Ordering::Equal
            }
        })
    }

    /// Matches binary segments against the bits of `whole` from `pos`. Returns the end position, or `None`.
    /// With `partial`, the segments need not use all the bits (a binary generator).
    fn match_segs(
        &mut self,
        segs: &[Segment],
        whole: Term,
        bytes: &[u8],
        n: u64,
        mut pos: u64,
        partial: bool,
    ) -> R<Option<u64>> {
        for (i, seg) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let unit = u64::from(seg.unit.unwrap_or(match seg.ty {
                SegType::Binary => 8,
                _ => 1,
            }));
            let size = match &seg.size {
                Some(e) => {
                    let t = self.eval(e)?;
                    let s = self
                        .to_i64(t)
                        .filter(|s| *s >= 0)
                        .ok_or(self.err(EvalErrorKind::BadArg))?;
                    Some(s as u64 * unit)
                }
                None => match seg.ty {
                    SegType::Integer => Some(8),
                    SegType::Float => Some(64),
                    SegType::Utf8 => None,
                    SegType::Binary | SegType::Bitstring if last && !partial => {
                        Some(n.saturating_sub(pos))
                    }
                    _ => return Err(self.err(EvalErrorKind::BadArg)),
                },
            };
            if seg.ty == SegType::Utf8 {
                // Decode one UTF-8 character.
                if pos % 8 != 0 || pos >= n {
                    return Ok(None);
                }
                let start = (pos / 8) as usize;
                let text = core::str::from_utf8(&bytes[start..(start + 4).min(bytes.len())])
                    .or_else(|e| core::str::from_utf8(&bytes[start..start + e.valid_up_to()]))
                    .unwrap_or("");
                let Some(c) = text.chars().next() else {
                    return Ok(None);
                };
                let t = Term::small(i64::from(u32::from(c)));
                if !self.pmatch(&seg.value, t)? {
                    return Ok(None);
                }
                pos += 8 * c.len_utf8() as u64;
                continue;
            }
            let size = size.unwrap_or(0);
            if pos + size > n {
                return Ok(None);
            }
            let val = match seg.ty {
                SegType::Integer => {
                    let chunk = bits::copy_bits(bytes, pos, size);
                    let v = bits_to_int(&chunk, size, seg.signed, seg.little);
                    self.int(&v)?
                }
                SegType::Float => {
                    let chunk = bits::copy_bits(bytes, pos, size);
                    let f = match (size, seg.little) {
                        (64, false) => f64::from_be_bytes(chunk.try_into().unwrap_or([0; 8])),
                        (64, true) => f64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])),
                        (32, false) => {
                            f64::from(f32::from_be_bytes(chunk.try_into().unwrap_or([0; 4])))
                        }
                        (32, true) => {
                            f64::from(f32::from_le_bytes(chunk.try_into().unwrap_or([0; 4])))
                        }
                        _ => return Ok(None),
                    };
                    self.float(f)?
                }
                SegType::Binary | SegType::Bitstring => {
                    if seg.ty == SegType::Binary && size % 8 != 0 {
                        return Ok(None);
                    }
                    if matches!(seg.value.kind, ExprKind::Wildcard) {
                        pos += size;
                        continue;
                    }
                    let r = bits::extract(&mut self.s, whole, pos, size);
                    self.b(r)?
                }
                SegType::Utf8 => unreachable!("handled above"),
            };
            if !self.pmatch(&seg.value, val)? {
                return Ok(None);
            }
            pos += size;
        }
        Ok(Some(pos))
    }

    fn construct_bin(&mut self, segs: &[Segment]) -> R<Term> {
        let mut buf = BitBuf::default();
        for seg in segs {
            // A string segment: each character as an integer segment (or UTF-8 / a binary in Elixir).
            if let ExprKind::Chars(s) | ExprKind::Utf8(s) = &seg.value.kind {
                if seg.ty == SegType::Utf8
                    || matches!(seg.value.kind, ExprKind::Utf8(_)) && seg.size.is_none()
                {
                    buf.push_bits(s.as_bytes(), 0, 8 * s.len() as u64);
                    continue;
                }
                let size = match &seg.size {
                    Some(e) => {
                        let t = self.eval(e)?;
                        self.to_i64(t).ok_or(self.err(EvalErrorKind::BadArg))? as u64
                    }
                    None => 8,
                };
                for c in s.chars() {
                    let b = int_to_bits(
                        &BigInt::from_i128(i128::from(u32::from(c))),
                        size,
                        seg.little,
                    );
                    buf.push_bits(&b, 0, size);
                }
                continue;
            }
            let v = self.eval(&seg.value)?;
            self.span = seg.value.span;
            let unit = u64::from(seg.unit.unwrap_or(match seg.ty {
                SegType::Binary => 8,
                _ => 1,
            }));
            let size = match &seg.size {
                Some(e) => {
                    let t = self.eval(e)?;
                    let s = self
                        .to_i64(t)
                        .filter(|s| *s >= 0)
                        .ok_or(self.err(EvalErrorKind::BadArg))?;
                    Some(
                        (s as u64)
                            .checked_mul(unit)
                            .ok_or(self.err(EvalErrorKind::TooLarge))?,
                    )
                }
                None => None,
            };
            match seg.ty {
                SegType::Integer => {
                    let size = size.unwrap_or(8);
                    if size > 8 * MAX_BINARY_BYTES as u64 {
                        return Err(self.err(EvalErrorKind::TooLarge));
                    }
                    let i = self.to_int(v).ok_or(self.err(EvalErrorKind::BadArg))?;
                    let b = int_to_bits(&i, size, seg.little);
                    buf.push_bits(&b, 0, size);
                }
                SegType::Float => {
                    let f = match self.to_num(v).ok_or(self.err(EvalErrorKind::BadArg))? {
                        Num::Int(i) => i.to_f64(),
                        Num::Float(f) => f,
                    };
                    match size.unwrap_or(64) {
                        64 => {
                            let b = if seg.little {
                                f.to_le_bytes()
                            } else {
                                f.to_be_bytes()
                            };
                            buf.push_bits(&b, 0, 64);
                        }
                        32 => {
                            let b = if seg.little {
                                (f as f32).to_le_bytes()
                            } else {
                                (f as f32).to_be_bytes()
                            };
                            buf.push_bits(&b, 0, 32);
                        }
                        _ => return Err(self.err(EvalErrorKind::BadArg)),
                    }
                }
                SegType::Binary | SegType::Bitstring => {
                    let (b, n) =
                        bits::bits_of(&self.s, v).ok_or(self.err(EvalErrorKind::BadArg))?;
                    let take = size.unwrap_or(n);
                    if take > n || (seg.ty == SegType::Binary && size.is_none() && n % 8 != 0) {
                        return Err(self.err(EvalErrorKind::BadArg));
                    }
                    buf.push_bits(&b, 0, take);
                }
                SegType::Utf8 => {
                    let c = self
                        .to_i64(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .and_then(char::from_u32)
                        .ok_or(self.err(EvalErrorKind::BadArg))?;
                    let mut tmp = [0u8; 4];
                    let s = c.encode_utf8(&mut tmp);
                    buf.push_bits(s.as_bytes(), 0, 8 * s.len() as u64);
                }
            }
            if buf.bytes.len() > MAX_BINARY_BYTES {
                return Err(self.err(EvalErrorKind::TooLarge));
            }
        }
        self.bitstring(&buf.bytes, buf.bits)
    }
}

/// A growing bitstring.
#[derive(Default)]
pub(super) struct BitBuf {
    pub bytes: Vec<u8>,
    pub bits: u64,
}

impl BitBuf {
    /// Appends `n` bits of `src` starting at bit `from`.
    pub fn push_bits(&mut self, src: &[u8], from: u64, n: u64) {
        if self.bits % 8 == 0 && from % 8 == 0 {
            let start = (from / 8) as usize;
            let whole = (n / 8) as usize;
            self.bytes.extend_from_slice(&src[start..start + whole]);
            self.bits += 8 * whole as u64;
            for i in 8 * whole as u64..n {
                self.push_bit(bit_at(src, from + i));
            }
            return;
        }
        for i in 0..n {
            self.push_bit(bit_at(src, from + i));
        }
    }
    fn push_bit(&mut self, b: u8) {
        if self.bits % 8 == 0 {
            self.bytes.push(0);
        }
        if b != 0 {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 1 << (7 - self.bits % 8);
        }
        self.bits += 1;
    }
}

fn bit_at(src: &[u8], i: u64) -> u8 {
    src.get((i / 8) as usize)
        .map_or(0, |b| (b >> (7 - i % 8)) & 1)
}

/// The low `size` bits of `i` (two's complement), big-endian or little-endian, packed from the first byte's high bit.
pub(super) fn int_to_bits(i: &BigInt, size: u64, little: bool) -> Vec<u8> {
    let nbytes = size.div_ceil(8) as usize;
    // Two's complement little-endian bytes of the value, sign-extended.
    let mut le = Vec::with_capacity(nbytes + 8);
    let mag: Vec<u8> = i.mag.iter().flat_map(|d| d.to_le_bytes()).collect();
    if i.neg {
        let mut carry = 1u16;
        for k in 0..nbytes.max(mag.len()) + 1 {
            let b = !mag.get(k).copied().unwrap_or(0);
            let s = u16::from(b) + carry;
            le.push(s as u8);
            carry = s >> 8;
        }
    } else {
        le.extend_from_slice(&mag);
    }
    let fill = if i.neg { 0xFF } else { 0 };
    le.resize(nbytes.max(le.len()), fill);
    le.truncate(nbytes);
    // Mask to `size` bits.
    let extra = (nbytes as u64 * 8 - size) as u32;
    if extra > 0 {
        if let Some(top) = le.last_mut() {
            *top &= 0xFF >> extra;
        }
    }
    if little && size % 8 == 0 {
        return le;
    }
    // Big-endian, then shift left so the value starts at the first bit.
    let mut be: Vec<u8> = le.into_iter().rev().collect();
    if extra > 0 {
        let mut carry = 0u8;
        for b in be.iter_mut().rev() {
            let nb = (*b << extra) | carry;
            carry = *b >> (8 - extra);
            *b = nb;
        }
    }
    be
}

/// The integer in `size` bits packed from the first byte's high bit.
fn bits_to_int(chunk: &[u8], size: u64, signed: bool, little: bool) -> BigInt {
    let nbytes = chunk.len();
    let extra = (nbytes as u64 * 8 - size) as u32;
    // Right-align.
    let mut be = chunk.to_vec();
    if extra > 0 {
        let mut carry = 0u8;
        for b in be.iter_mut() {
            let nb = (*b >> extra) | carry;
            carry = *b << (8 - extra);
            *b = nb;
        }
    }
    let le: Vec<u8> = if little && size % 8 == 0 {
        chunk.to_vec()
    } else {
        be.into_iter().rev().collect()
    };
    let mut mag = Vec::new();
    for ch in le.chunks(8) {
        let mut w = [0u8; 8];
        w[..ch.len()].copy_from_slice(ch);
        mag.push(u64::from_le_bytes(w));
    }
    let v = BigInt { neg: false, mag };
    let v = v.add(&BigInt::default());
    if signed && size > 0 {
        let top = v.shl(-((size - 1) as i64));
        if !top.is_zero() {
            return v.sub(&BigInt::from_i128(1).shl(size as i64));
        }
    }
    v
}

/// Collects the variable names in an expression, in order of appearance (for the Elixir parser's captures).
pub(super) fn collect_vars_pub(e: &Expr, out: &mut Vec<String>) {
    collect_vars(e, out);
}

/// Collects the variable names in an expression, in order of appearance.
fn collect_vars(e: &Expr, out: &mut Vec<String>) {
    e.each(&mut |x| {
        if let ExprKind::Var(v) | ExprKind::Pin(v) | ExprKind::Bind(v) = &x.kind {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
    });
}

/// The variables `e` uses outside the call whose fun expression is `call_fun` (and outside nested funs).
fn vars_outside(e: &Expr, call_fun: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Call(None, g, _) if core::ptr::eq(&**g, call_fun) => {}
        ExprKind::Fun(_) | ExprKind::NamedFun(..) => {}
        ExprKind::Var(v) => {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        _ => e.for_each_child(&mut |k| vars_outside(k, call_fun, out)),
    }
}

/// The clauses of every `fun`/`fn` node of `e`, in pre-order: a fun's number in its expression.
fn fun_nodes(e: &Expr, out: &mut Vec<Rc<Vec<Clause>>>) {
    e.each(&mut |x| {
        if let ExprKind::Fun(cs) | ExprKind::NamedFun(_, cs) = &x.kind {
            out.push(cs.clone());
        }
    });
}

/// Whether `t` is a list cell.
pub(super) fn is_cons(t: Term) -> bool {
    t.primary_tag() == TAG_PRIMARY_LIST
}
