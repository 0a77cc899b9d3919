//! The BIFs and library functions the evaluator knows, each building its result the way OTP 25 does.
//!
//! Modelled (Erlang): `erlang`: `hd tl length element setelement tuple_size size byte_size bit_size map_size
//! self make_ref alias list_to_tuple tuple_to_list make_tuple append_element atom_to_list list_to_atom
//! atom_to_binary binary_to_atom integer_to_list integer_to_binary list_to_integer binary_to_integer float
//! float_to_list round trunc abs max min list_to_binary iolist_to_binary list_to_bitstring binary_to_list
//! split_binary binary_part term_to_binary binary_to_term (pids, atoms, small terms) make_fun list_to_pid ports
//! monitor node is_*`; `lists`: `seq duplicate reverse foldl foldr map filter zip nth last append flatten sum max
//! min member keyfind sort usort sublist split`; `binary`: `copy part split first last at`; `maps`: `from_list
//! to_list put get remove merge without keys values new is_key update find size`; `math:pi sqrt pow`;
//! `string:tokens`; `erts_debug:size flat_size`; `counters:new`; `ets:new`; the corpus helpers `closure/1`,
//! `sub_match/2`, `sub_bits/2`, `literal/1`, `norm_bin/1`.
//! Elixir: `Enum.to_list map reverse sum count` (over lists, ranges, maps and streams), `Stream.map filter`, `List.duplicate first last to_tuple flatten`, `Map.new put get
//! merge delete keys values`, `String.duplicate to_atom to_charlist`, `Tuple.duplicate to_list append`, and the
//! `Kernel` functions (`elem put_elem length hd tl binary_part tuple_size byte_size map_size …`).
//! Anything else is an error "not modelled yet: m:f/a".

use super::eval::{is_cons, BitBuf, Ev, EvalErrorKind, Num, R};
use super::num::BigInt;
use crate::bits;
use crate::map;
use crate::term::{Decoded, HeaderTag, Term};
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// The largest list or repeat count a BIF builds: a list this long fills the fragment limit.
const MAX_COUNT: i64 = 1 << 23;

pub(super) fn call(ev: &mut Ev<'_>, m: &str, f: &str, args: &[Term]) -> R<Term> {
    let m = match m {
        "Elixir.Kernel" => "erlang",
        other => other,
    };
    let bad = ev.err(EvalErrorKind::BadArg);
    let a = args;
    // A count over the model's limit is the model's limit, not the program's error: say so.
    let count = |ev: &Ev<'_>, t: Term| -> R<usize> {
        match ev.to_i64(t) {
            Some(n) if (0..=MAX_COUNT).contains(&n) => Ok(n as usize),
            Some(n) if n > MAX_COUNT => Err(ev.err(EvalErrorKind::TooLarge)),
            _ => Err(bad),
        }
    };
    Ok(match (m, f, a.len()) {
        // ---- corpus helpers ----
        ("erlang", "closure", 1) => {
            let env = ev.list_of(a[0])?;
            if env.len() > 5 {
                return Err(bad);
            }
            let idx = ev.fun_index(super::eval::FunCode::Helper, super::eval::Closure::Helper);
            ev.fun_object(idx, 0, &env)?
        }
        ("erlang", "sub_match", 2) => {
            let n = count(ev, a[1])? as u64;
            let (_, bits) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            if bits % 8 != 0 || 8 * n > bits {
                return Err(ev.err(EvalErrorKind::BadMatch));
            }
            let r = bits::extract(&mut ev.s, a[0], 8 * n, bits - 8 * n);
            ev.b(r)?
        }
        ("erlang", "sub_bits", 2) => {
            let n = count(ev, a[1])? as u64;
            let (_, bits) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            if n > bits {
                return Err(ev.err(EvalErrorKind::BadMatch));
            }
            let r = bits::extract(&mut ev.s, a[0], n, bits - n);
            ev.b(r)?
        }
        ("erlang", "norm_bin", 1) => {
            let (b, n) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            ev.bitstring(&b, n)?
        }
        ("erlang", "literal", 1) => {
            let src = match ev.atom_name(a[0]).ok_or(bad)? {
                "list10" => "[1,2,3,4,5,6,7,8,9,10]",
                "tuple5" => "{a,b,c,d,e}",
                "map3" => "#{a => 1, b => 2, c => 3}",
                "string5" => "\"hello\"",
                "nested" => "{ok, [1,2,3], {x,y}}",
                "bin5" => "<<\"hello\">>",
                _ => return Err(bad),
            };
            let e = super::parse(src, super::Lang::Erlang).map_err(|_| bad)?;
            let mark = ev.consts.len();
            let t = ev.eval(&e)?;
            // The parse tree is dropped here: forget constants keyed by its node addresses.
            ev.consts.truncate(mark);
            ev.s.to_literal(t)
        }

        // ---- erlang ----
        ("erlang", "hd", 1) => ev.s.cons_parts(a[0]).ok_or(bad)?.0,
        ("erlang", "tl", 1) => ev.s.cons_parts(a[0]).ok_or(bad)?.1,
        ("erlang", "length", 1) => {
            let n = ev.list_of(a[0])?.len();
            ev.small(n as i64)?
        }
        ("erlang", "element", 2) => {
            let es = ev.s.tuple_elems(a[1]).ok_or(bad)?;
            let i = ev.to_i64(a[0]).ok_or(bad)?;
            *es.get((i - 1).max(0) as usize)
                .filter(|_| i >= 1)
                .ok_or(bad)?
        }
        ("erlang", "setelement", 3) => {
            let mut es = ev.s.tuple_elems(a[1]).ok_or(bad)?;
            let i = ev.to_i64(a[0]).ok_or(bad)?;
            if !(1..=es.len() as i64).contains(&i) {
                return Err(bad);
            }
            es[(i - 1) as usize] = a[2];
            ev.tuple(&es)?
        }
        ("erlang", "tuple_size", 1) => {
            let n = ev.s.tuple_elems(a[0]).ok_or(bad)?.len();
            ev.small(n as i64)?
        }
        ("erlang", "size", 1) if ev.s.tag(a[0]) == Some(HeaderTag::Arityval) => {
            let n = ev.s.tuple_elems(a[0]).ok_or(bad)?.len();
            ev.small(n as i64)?
        }
        ("erlang", "byte_size" | "size", 1) => {
            let (_, n) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            ev.small(n.div_ceil(8) as i64)?
        }
        ("erlang", "bit_size", 1) => {
            let (_, n) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            ev.small(n as i64)?
        }
        ("erlang", "map_size", 1) | ("maps", "size", 1) => {
            let n = map::map_size(&ev.s, a[0]).ok_or(ev.err(EvalErrorKind::BadMap))?;
            ev.small(n as i64)?
        }
        ("erlang", "self", 0) => ev.self_pid,
        ("erlang", "node", 0) => ev.atom("nonode@nohost")?,
        ("erlang", "make_ref", 0) | ("erlang", "monitor", 2) | ("ets", "new", 2) => {
            make_ref(ev, 2)?
        }
        ("erlang", "alias", 0) => make_ref(ev, 3)?,
        ("counters", "new", 2) | ("atomics", "new", 2) => {
            let r = make_ref(ev, 2)?;
            let tag = ev.atom("atomics")?;
            ev.tuple(&[tag, r])?
        }
        ("erlang", "garbage_collect", 0) => ev.atom("true")?,
        ("erlang", "list_to_tuple", 1) => {
            let es = ev.list_of(a[0])?;
            ev.tuple(&es)?
        }
        ("erlang", "tuple_to_list", 1) => {
            let es = ev.s.tuple_elems(a[0]).ok_or(bad)?;
            ev.make_list(&es, Term::NIL)?
        }
        ("erlang", "make_tuple", 2) => {
            let n = count(ev, a[0])?;
            ev.step(n as u64)?;
            ev.tuple(&vec![a[1]; n])?
        }
        ("erlang", "append_element", 2) => {
            let mut es = ev.s.tuple_elems(a[0]).ok_or(bad)?;
            es.push(a[1]);
            ev.tuple(&es)?
        }
        ("erlang", "atom_to_list", 1) => {
            let s = ev.atom_name(a[0]).ok_or(bad)?.to_string();
            ev.chars(&s)?
        }
        ("erlang", "atom_to_binary", 1 | 2) => {
            let s = ev.atom_name(a[0]).ok_or(bad)?.to_string();
            ev.binary(s.as_bytes())?
        }
        ("erlang", "list_to_atom" | "list_to_existing_atom", 1) => {
            let s = ev.string_of(a[0])?;
            ev.atom(&s)?
        }
        ("erlang", "binary_to_atom" | "binary_to_existing_atom", 1 | 2) => {
            let b = ev.bytes_of(a[0])?;
            let s = String::from_utf8(b).map_err(|_| bad)?;
            ev.atom(&s)?
        }
        ("erlang", "integer_to_list", 1 | 2) | ("erlang", "integer_to_binary", 1 | 2) => {
            let i = ev.to_int(a[0]).ok_or(bad)?;
            let radix = if a.len() == 2 {
                ev.to_i64(a[1])
                    .filter(|r| (2..=36).contains(r))
                    .ok_or(bad)? as u32
            } else {
                10
            };
            let s = i.to_string_radix(radix);
            if f == "integer_to_list" {
                ev.chars(&s)?
            } else {
                ev.binary(s.as_bytes())?
            }
        }
        ("erlang", "list_to_integer", 1) | ("erlang", "binary_to_integer", 1) => {
            let s = if f == "list_to_integer" {
                ev.string_of(a[0])?
            } else {
                String::from_utf8(ev.bytes_of(a[0])?).map_err(|_| bad)?
            };
            let (neg, digits) = match s.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, s.strip_prefix('+').unwrap_or(&s)),
            };
            let n = BigInt::parse(digits, 10)
                // Bytes, not `str::contains`: its search would link core's Two-Way substring search (0.8 KB).
                .filter(|_| !digits.bytes().any(|b| b == b'_'))
                .ok_or(bad)?;
            ev.int(&if neg { n.neg() } else { n })?
        }
        ("erlang", "float", 1) => match ev.to_num(a[0]).ok_or(bad)? {
            Num::Int(i) => ev.float(i.to_f64())?,
            Num::Float(_) => a[0],
        },
        ("erlang", "float_to_list" | "float_to_binary", 1) => {
            let x = match ev.to_num(a[0]).ok_or(bad)? {
                Num::Float(x) => x,
                Num::Int(_) => return Err(bad),
            };
            let s = float_to_list(x);
            if f == "float_to_list" {
                ev.chars(&s)?
            } else {
                ev.binary(s.as_bytes())?
            }
        }
        ("erlang", "round" | "trunc" | "abs", 1) => match ev.to_num(a[0]).ok_or(bad)? {
            Num::Int(i) if f == "abs" => ev.int(&if i.neg { i.neg() } else { i })?,
            Num::Int(_) => a[0],
            Num::Float(x) if f == "abs" => ev.float(x.abs())?,
            Num::Float(x) => {
                let r = if f == "round" {
                    libm_round(x)
                } else {
                    x - x % 1.0
                };
                if r.abs() > 1e300 {
                    return Err(bad);
                }
                let i = float_to_int(r);
                ev.int(&i)?
            }
        },
        ("erlang", "max" | "min", 2) => {
            let o = ev.compare(a[0], a[1], false);
            if (f == "max") == (o == Ordering::Less) {
                a[1]
            } else {
                a[0]
            }
        }
        ("erlang", "list_to_binary" | "iolist_to_binary", 1) => {
            let mut buf = BitBuf::default();
            iolist(ev, a[0], &mut buf, false)?;
            ev.binary(&buf.bytes)?
        }
        ("erlang", "list_to_bitstring", 1) => {
            let mut buf = BitBuf::default();
            iolist(ev, a[0], &mut buf, true)?;
            ev.bitstring(&buf.bytes, buf.bits)?
        }
        ("erlang", "binary_to_list" | "bitstring_to_list", 1) => {
            let (b, n) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            if f == "binary_to_list" && n % 8 != 0 {
                return Err(bad);
            }
            let mut items: Vec<Term> = b[..(n / 8) as usize]
                .iter()
                .map(|&x| Term::small(i64::from(x)))
                .collect();
            if n % 8 != 0 {
                // The trailing bits are the last element: a sub-binary of the original (`bitstring_to_list`).
                let r = bits::extract(&mut ev.s, a[0], n / 8 * 8, n % 8);
                items.push(ev.b(r)?);
            }
            ev.make_list(&items, Term::NIL)?
        }
        ("erlang", "split_binary", 2) => {
            let n = count(ev, a[1])? as u64;
            let (_, bits) = bits::bits_of(&ev.s, a[0]).ok_or(bad)?;
            if bits % 8 != 0 || 8 * n > bits {
                return Err(bad);
            }
            let x = bits::extract(&mut ev.s, a[0], 0, 8 * n);
            let x = ev.b(x)?;
            let y = bits::extract(&mut ev.s, a[0], 8 * n, bits - 8 * n);
            let y = ev.b(y)?;
            ev.tuple(&[x, y])?
        }
        ("erlang", "binary_part", 3) | ("binary", "part", 3) => part(ev, a[0], a[1], a[2])?,
        ("erlang", "binary_part", 2) | ("binary", "part", 2) => {
            let (p, l) =
                ev.s.tuple_elems(a[1])
                    .filter(|t| t.len() == 2)
                    .map(|t| (t[0], t[1]))
                    .ok_or(bad)?;
            part(ev, a[0], p, l)?
        }
        ("erlang", "term_to_binary", 1) => {
            let mut out = vec![131u8];
            ext_encode(ev, a[0], &mut out, 0)?;
            ev.binary(&out)?
        }
        ("erlang", "binary_to_term", 1) => {
            let b = ev.bytes_of(a[0])?;
            ext_decode(ev, &b)?
        }
        ("erlang", "make_fun", 3) => {
            let ar = ev
                .to_i64(a[2])
                .filter(|n| (0..=255).contains(n))
                .ok_or(bad)?;
            ev.atom_name(a[0]).ok_or(bad)?;
            ev.atom_name(a[1]).ok_or(bad)?;
            let r = ev.s.boxed(&[
                Term::header(HeaderTag::Export, 4),
                a[0],
                a[1],
                Term(ar as u64),
                Term(0),
            ]);
            ev.b(r)?
        }
        ("erlang", "list_to_pid", 1) => {
            let s = ev.string_of(a[0])?;
            let inner = s
                .strip_prefix('<')
                .and_then(|s| s.strip_suffix('>'))
                .ok_or(bad)?;
            let parts: Vec<&str> = inner.split('.').collect();
            match parts.as_slice() {
                ["0", n, _] => Term::pid(n.parse::<u64>().map_err(|_| bad)? & ((1 << 28) - 1)),
                _ => return Err(ev.err(EvalErrorKind::NotModelled { arity: 1 })),
            }
        }
        ("erlang", "ports", 0) => ev.make_list(&[Term::port(0), Term::port(1)], Term::NIL)?,
        ("erlang", "apply", 2) => {
            let xs = ev.list_of(a[1])?;
            ev.apply(a[0], &xs)?
        }
        ("erlang", "apply", 3) => {
            let xs = ev.list_of(a[2])?;
            let (mm, ff) = (
                ev.atom_name(a[0]).ok_or(bad)?.to_string(),
                ev.atom_name(a[1]).ok_or(bad)?.to_string(),
            );
            call(ev, &mm, &ff, &xs)?
        }
        ("erlang", g, 1) if g.starts_with("is_") => {
            let t = a[0];
            let tag = ev.s.tag(t);
            let r = match g {
                "is_atom" => matches!(t.decode(), Decoded::Atom(_)),
                "is_integer" => ev.to_int(t).is_some(),
                "is_float" => tag == Some(HeaderTag::Float),
                "is_number" => ev.to_num(t).is_some(),
                "is_list" => t == Term::NIL || is_cons(t),
                "is_tuple" => tag == Some(HeaderTag::Arityval),
                "is_map" => tag == Some(HeaderTag::Map),
                "is_binary" => bits::bits_of(&ev.s, t).is_some_and(|(_, n)| n % 8 == 0),
                "is_bitstring" => bits::is_bitstring(&ev.s, t),
                "is_function" => matches!(tag, Some(HeaderTag::Fun | HeaderTag::Export)),
                "is_pid" => matches!(t.decode(), Decoded::Pid(_)),
                "is_port" => matches!(t.decode(), Decoded::Port(_)),
                "is_reference" => tag == Some(HeaderTag::Ref),
                "is_boolean" => ev.is_true(t).is_some(),
                _ => return Err(ev.err(EvalErrorKind::NotModelled { arity: 1 })),
            };
            ev.bool(r)?
        }

        // ---- lists ----
        ("lists", "seq", 2 | 3) => {
            let (from, to) = (ev.to_i64(a[0]).ok_or(bad)?, ev.to_i64(a[1]).ok_or(bad)?);
            let step = if a.len() == 3 {
                ev.to_i64(a[2]).filter(|s| *s != 0).ok_or(bad)?
            } else {
                1
            };
            let n = if (step > 0 && to >= from) || (step < 0 && to <= from) {
                (to - from) / step + 1
            } else {
                0
            };
            if n > MAX_COUNT || (n == 0 && step > 0 && to < from - 1) {
                return Err(if n > MAX_COUNT {
                    ev.err(EvalErrorKind::TooLarge)
                } else {
                    bad
                });
            }
            ev.step(n as u64)?;
            let mut list = Term::NIL;
            for k in (0..n).rev() {
                let v = ev.small(from + k * step)?;
                list =
                    ev.s.cons(v, list)
                        .map_err(|_| ev.err(EvalErrorKind::TooLarge))?;
            }
            list
        }
        ("lists", "duplicate", 2) | ("Elixir.List", "duplicate", 2) => {
            let (n, x) = if m == "lists" {
                (count(ev, a[0])?, a[1])
            } else {
                (count(ev, a[1])?, a[0])
            };
            ev.step(n as u64)?;
            ev.make_list(&vec![x; n], Term::NIL)?
        }
        ("lists" | "Elixir.Enum", "reverse", 1) => {
            let mut xs = enum_list(ev, a[0])?;
            xs.reverse();
            if m == "Elixir.Enum" && is_range(ev, a[0])? {
                // `reduce(range, [], &[&1 | &2])`: the reducer, and the accumulator is the result.
                ev.library_garbage("Enum.reverse/1", &[], None)?;
            }
            ev.make_list(&xs, Term::NIL)?
        }
        ("lists", "reverse", 2) => {
            let mut xs = ev.list_of(a[0])?;
            xs.reverse();
            ev.make_list(&xs, a[1])?
        }
        ("lists", "foldl" | "foldr", 3) => {
            let mut xs = ev.list_of(a[2])?;
            if f == "foldr" {
                xs.reverse();
            }
            let mut acc = a[1];
            for x in xs {
                ev.step(1)?;
                acc = ev.apply(a[0], &[x, acc])?;
            }
            acc
        }
        ("Elixir.Enum", "reduce", 3) => {
            let xs = enum_list(ev, a[0])?;
            let mut acc = a[1];
            for x in xs {
                ev.step(1)?;
                acc = ev.apply(a[2], &[x, acc])?;
            }
            acc
        }
        ("lists", "map" | "filter" | "foreach", 2) | ("Elixir.Enum", "map" | "filter", 2) => {
            let (fun, xs) = if m == "lists" {
                (a[0], ev.list_of(a[1])?)
            } else {
                (a[1], enum_list(ev, a[0])?)
            };
            let reduced = m == "Elixir.Enum" && is_range(ev, a[0])?;
            let mut out = Vec::with_capacity(xs.len());
            for x in xs {
                ev.step(1)?;
                let r = ev.apply(fun, &[x])?;
                match f {
                    "map" => out.push(r),
                    "filter" if ev.is_true(r) == Some(true) => out.push(x),
                    _ => {}
                }
            }
            if f == "foreach" {
                ev.atom("ok")?
            } else {
                if reduced {
                    // `reduce(range, [], R.map(fun)) |> :lists.reverse()`: a reducer closing over `fun`.
                    let name = if f == "map" {
                        "Enum.map/2"
                    } else {
                        "Enum.filter/2"
                    };
                    ev.library_garbage(name, &[fun], Some(&out))?;
                }
                ev.make_list(&out, Term::NIL)?
            }
        }
        ("lists", "zip", 2) | ("Elixir.Enum", "zip", 2) => {
            let (xs, ys) = (enum_list(ev, a[0])?, enum_list(ev, a[1])?);
            if m == "lists" && xs.len() != ys.len() {
                return Err(ev.err(EvalErrorKind::FunctionClause));
            }
            let mut out = Vec::with_capacity(xs.len());
            for (x, y) in xs.into_iter().zip(ys) {
                out.push(ev.tuple(&[x, y])?);
            }
            if m == "Elixir.Enum" {
                // Elixir 1.14 zips into a reversed accumulator and reverses it (measured: 2n words more than
                // `lists:zip/2`), with no closure for two lists.
                let rev: Vec<Term> = out.iter().rev().copied().collect();
                ev.make_list(&rev, Term::NIL)?;
            }
            ev.make_list(&out, Term::NIL)?
        }
        ("lists", "nth", 2) => {
            let xs = ev.list_of(a[1])?;
            let i = ev.to_i64(a[0]).ok_or(bad)?;
            *xs.get((i - 1).max(0) as usize)
                .filter(|_| i >= 1)
                .ok_or(bad)?
        }
        ("lists", "last", 1) | ("Elixir.List", "last", 1) => {
            *ev.list_of(a[0])?.last().ok_or(bad)?
        }
        ("Elixir.List", "first", 1) => ev
            .list_of(a[0])?
            .first()
            .copied()
            .unwrap_or(ev.atom("nil")?),
        ("lists", "append", 2) => ev.op2("++", a[0], a[1])?,
        ("lists", "append" | "concat", 1) => {
            let xs = ev.list_of(a[0])?;
            let mut all = Vec::new();
            for x in xs {
                all.extend(ev.list_of(x)?);
            }
            ev.make_list(&all, Term::NIL)?
        }
        ("lists" | "Elixir.List", "flatten", 1) => {
            let mut out = Vec::new();
            flatten(ev, a[0], &mut out, 0)?;
            ev.make_list(&out, Term::NIL)?
        }
        ("lists" | "Elixir.Enum", "sum", 1) => {
            let xs = enum_list(ev, a[0])?;
            let mut acc = Term::small(0);
            for x in xs {
                acc = ev.op2("+", acc, x)?;
            }
            acc
        }
        ("Elixir.Enum", "count", 1) => {
            let n = enum_list(ev, a[0])?.len();
            ev.small(n as i64)?
        }
        ("lists" | "Elixir.Enum", "max" | "min", 1) => {
            let xs = enum_list(ev, a[0])?;
            let mut best = *xs.first().ok_or(bad)?;
            for x in xs {
                let o = ev.compare(x, best, false);
                if (f == "max" && o == Ordering::Greater) || (f == "min" && o == Ordering::Less) {
                    best = x;
                }
            }
            best
        }
        ("lists", "member", 2) => {
            let xs = ev.list_of(a[1])?;
            let r = xs
                .iter()
                .any(|x| ev.compare(*x, a[0], true) == Ordering::Equal);
            ev.bool(r)?
        }
        ("lists", "keyfind", 3) => {
            let xs = ev.list_of(a[2])?;
            let i = count(ev, a[1])?;
            let mut r = ev.atom("false")?;
            for x in xs {
                if let Some(es) = ev.s.tuple_elems(x) {
                    if i >= 1
                        && es
                            .get(i - 1)
                            .is_some_and(|e| ev.compare(*e, a[0], false) == Ordering::Equal)
                    {
                        r = x;
                        break;
                    }
                }
            }
            r
        }
        ("lists" | "Elixir.Enum", "sort", 1)
        | ("lists", "usort", 1)
        | ("Elixir.Enum", "uniq", 1) => {
            let mut xs = enum_list(ev, a[0])?;
            ev.step((xs.len() as u64) * 20)?;
            if f != "uniq" {
                xs.sort_by(|x, y| ev.compare(*x, *y, false));
            }
            if f == "usort" || f == "uniq" {
                let mut out: Vec<Term> = Vec::new();
                for x in xs {
                    if !out
                        .iter()
                        .any(|y| ev.compare(*y, x, f == "uniq") == Ordering::Equal)
                    {
                        out.push(x);
                    }
                }
                xs = out;
            }
            ev.make_list(&xs, Term::NIL)?
        }
        ("lists", "sublist", 2) => {
            let xs = ev.list_of(a[0])?;
            let n = count(ev, a[1])?.min(xs.len());
            ev.make_list(&xs[..n], Term::NIL)?
        }
        ("lists", "sublist", 3) => {
            let xs = ev.list_of(a[0])?;
            let s = count(ev, a[1])?.max(1) - 1;
            let n = count(ev, a[2])?;
            let s = s.min(xs.len());
            let e = (s + n).min(xs.len());
            ev.make_list(&xs[s..e], Term::NIL)?
        }
        ("lists", "split", 2) => {
            let xs = ev.list_of(a[1])?;
            let n = count(ev, a[0])?;
            if n > xs.len() {
                return Err(bad);
            }
            // The second part is the original tail: shared, not copied.
            let mut tail = a[1];
            for _ in 0..n {
                tail = ev.s.cons_parts(tail).ok_or(bad)?.1;
            }
            let first = ev.make_list(&xs[..n], Term::NIL)?;
            ev.tuple(&[first, tail])?
        }

        // ---- binary ----
        ("binary", "copy", 1 | 2) | ("Elixir.String", "duplicate", 2) => {
            let b = ev.bytes_of(a[0])?;
            let n = if a.len() == 2 { count(ev, a[1])? } else { 1 };
            if b.len().saturating_mul(n) > super::eval::MAX_BINARY_BYTES {
                return Err(ev.err(EvalErrorKind::TooLarge));
            }
            ev.step((b.len() * n / 64) as u64)?;
            ev.binary(&b.repeat(n))?
        }
        ("binary", "split", 2) => {
            let b = ev.bytes_of(a[0])?;
            let pat = ev.bytes_of(a[1])?;
            if pat.is_empty() {
                return Err(bad);
            }
            match b.windows(pat.len()).position(|w| w == pat.as_slice()) {
                Some(i) => {
                    let x = bits::extract(&mut ev.s, a[0], 0, 8 * i as u64);
                    let x = ev.b(x)?;
                    let rest = (i + pat.len()) as u64;
                    let y = bits::extract(&mut ev.s, a[0], 8 * rest, 8 * (b.len() as u64 - rest));
                    let y = ev.b(y)?;
                    ev.make_list(&[x, y], Term::NIL)?
                }
                None => ev.make_list(&[a[0]], Term::NIL)?,
            }
        }
        ("binary", "first" | "last", 1) => {
            let b = ev.bytes_of(a[0])?;
            let x = if f == "first" { b.first() } else { b.last() };
            Term::small(i64::from(*x.ok_or(bad)?))
        }
        ("binary", "at", 2) => {
            let b = ev.bytes_of(a[0])?;
            let i = count(ev, a[1])?;
            Term::small(i64::from(*b.get(i).ok_or(bad)?))
        }
        ("binary", "list_to_bin", 1) => call(ev, "erlang", "list_to_binary", args)?,
        ("binary", "bin_to_list", 1) => call(ev, "erlang", "binary_to_list", args)?,

        // ---- maps ----
        ("maps", "new", 0) | ("Elixir.Map", "new", 0) => ev.empty_map()?,
        ("maps", "from_list", 1) | ("Elixir.Map", "new", 1) => {
            let xs = enum_list(ev, a[0])?;
            let mut pairs = Vec::with_capacity(xs.len());
            for x in xs {
                let es = ev.s.tuple_elems(x).filter(|e| e.len() == 2).ok_or(bad)?;
                pairs.push((es[0], es[1]));
            }
            ev.make_map(pairs)?
        }
        ("Elixir.Map", "new", 2) => {
            let xs = enum_list(ev, a[0])?;
            let mut pairs = Vec::with_capacity(xs.len());
            for x in xs {
                ev.step(1)?;
                let kv = ev.apply(a[1], &[x])?;
                let es = ev.s.tuple_elems(kv).filter(|e| e.len() == 2).ok_or(bad)?;
                pairs.push((es[0], es[1]));
            }
            ev.make_map(pairs)?
        }
        ("maps", "to_list", 1) | ("Elixir.Map", "to_list", 1) => {
            let ps = ev.map_pairs(a[0])?;
            let mut out = Vec::with_capacity(ps.len());
            for (k, v) in ps {
                out.push(ev.tuple(&[k, v])?);
            }
            ev.make_list(&out, Term::NIL)?
        }
        ("maps", "keys" | "values", 1) | ("Elixir.Map", "keys" | "values", 1) => {
            let ps = ev.map_pairs(a[0])?;
            let xs: Vec<Term> = ps
                .iter()
                .map(|p| if f == "keys" { p.0 } else { p.1 })
                .collect();
            ev.make_list(&xs, Term::NIL)?
        }
        ("maps", "put", 3) => ev.map_put(a[2], &[(a[0], a[1], false)])?,
        ("Elixir.Map", "put", 3) => ev.map_put(a[0], &[(a[1], a[2], false)])?,
        ("maps", "update", 3) => ev.map_put(a[2], &[(a[0], a[1], true)])?,
        ("maps", "get", 2) => ev
            .map_get(a[1], a[0])?
            .ok_or(ev.err(EvalErrorKind::BadKey))?,
        ("maps", "get", 3) => ev.map_get(a[1], a[0])?.unwrap_or(a[2]),
        ("Elixir.Map", "get", 2 | 3) => match ev.map_get(a[0], a[1])? {
            Some(v) => v,
            None if a.len() == 3 => a[2],
            None => ev.atom("nil")?,
        },
        ("maps", "find", 2) => match ev.map_get(a[1], a[0])? {
            Some(v) => {
                let ok = ev.atom("ok")?;
                ev.tuple(&[ok, v])?
            }
            None => ev.atom("error")?,
        },
        ("maps", "is_key", 2) => {
            let r = ev.map_get(a[1], a[0])?.is_some();
            ev.bool(r)?
        }
        ("maps", "remove", 2)
        | ("Elixir.Map", "delete", 2)
        | ("maps", "without", 2)
        | ("Elixir.Map", "drop", 2) => {
            let (mp, keys) = match (m, f) {
                ("maps", "remove") => (a[1], vec![a[0]]),
                ("maps", "without") => (a[1], ev.list_of(a[0])?),
                ("Elixir.Map", "delete") => (a[0], vec![a[1]]),
                _ => (a[0], ev.list_of(a[1])?),
            };
            let ps = ev.map_pairs(mp)?;
            let kept: Vec<(Term, Term)> = ps
                .iter()
                .copied()
                .filter(|p| {
                    !keys
                        .iter()
                        .any(|k| ev.compare(*k, p.0, true) == Ordering::Equal)
                })
                .collect();
            let h = ev.s.header(mp).ok_or(ev.err(EvalErrorKind::BadMap))?;
            let hashmap = crate::object::map_kind(h) != crate::object::MapKind::Flat;
            if kept.len() == ps.len() {
                mp
            } else if hashmap && kept.len() > map::MAP_SMALL_MAP_LIMIT {
                // Path copying: the result shares the untouched nodes of the original.
                let mut cur = mp;
                for k in keys {
                    if ev.map_get(cur, k)?.is_some() {
                        ev.step(8)?;
                        let r = map::hashmap_remove(&mut ev.s, cur, k);
                        cur = ev.b(r)?;
                    }
                }
                cur
            } else {
                ev.make_map(kept)?
            }
        }
        ("maps", "merge", 2) | ("Elixir.Map", "merge", 2) => {
            let mut ps = ev.map_pairs(a[0])?;
            let qs = ev.map_pairs(a[1])?;
            for (k, v) in qs {
                match ps
                    .iter()
                    .position(|p| ev.compare(p.0, k, true) == Ordering::Equal)
                {
                    Some(i) => ps[i].1 = v,
                    None => ps.push((k, v)),
                }
            }
            // `maps:merge/2` always builds a new keys tuple (measured: no sharing with either argument).
            ev.make_map(ps)?
        }

        // ---- math, string, erts_debug ----
        ("math", "pi", 0) => {
            // A literal in the `math` module: 2 words, none on the heap.
            match ev.pi {
                Some(t) => t,
                None => {
                    let t = ev.float(core::f64::consts::PI)?;
                    let lit = ev.s.to_literal(t);
                    ev.pi = Some(lit);
                    lit
                }
            }
        }
        ("math", "sqrt", 1) | ("math", "pow", 2) => {
            let fl = |ev: &Ev<'_>, t: Term| match ev.to_num(t) {
                Some(Num::Int(i)) => Ok(i.to_f64()),
                Some(Num::Float(x)) => Ok(x),
                None => Err(bad),
            };
            let x = fl(ev, a[0])?;
            let r = if f == "sqrt" {
                sqrt(x)
            } else {
                powf(x, fl(ev, a[1])?)
            };
            ev.float(r)?
        }
        ("string", "tokens", 2) => {
            let s = ev.string_of(a[0])?;
            let seps = ev.string_of(a[1])?;
            let mut toks = Vec::new();
            // `chars().any`, not `str::contains(char)`, which links core's substring search (`text.rs`).
            for tok in s
                .split(|c| seps.chars().any(|x| x == c))
                .filter(|t| !t.is_empty())
            {
                toks.push(ev.chars(tok)?);
            }
            ev.make_list(&toks, Term::NIL)?
        }
        ("erts_debug", "size" | "flat_size", 1) => {
            let areas = ev.s.all_areas();
            let n = if f == "size" {
                crate::view::shared_size(&areas, a[0])
            } else {
                crate::copy::flat_size(&areas, a[0], true)
            };
            ev.small(n as i64)?
        }

        // ---- Elixir ----
        ("Elixir.Enum", "to_list", 1) => {
            let xs = enum_list(ev, a[0])?;
            if xs.is_empty() || is_cons(a[0]) {
                a[0]
            } else {
                if is_range(ev, a[0])? {
                    // `reverse(range) |> :lists.reverse()`: measured 4n + 5 words for `Enum.to_list(1..n)`.
                    ev.library_garbage("Enum.reverse/1", &[], Some(&xs))?;
                }
                ev.make_list(&xs, Term::NIL)?
            }
        }
        // Model: a stream is the `%Stream{}` struct Elixir builds (`enum`, `funs`, `accs`, `done`), but each entry of
        // `funs` is a `{:map, f}` or `{:filter, f}` tuple where Elixir keeps a reducer closure of its own, so a
        // stream term is a few words off. What matters is what it does not build: no intermediate list.
        ("Elixir.Stream", "map" | "filter", 2) => {
            let (base, funs) = match stream_parts(ev, a[0])? {
                Some((e, funs)) => (e, funs),
                None => (a[0], Term::NIL),
            };
            let kind = ev.atom(f)?;
            let step = ev.tuple(&[kind, a[1]])?;
            let funs =
                ev.s.cons(step, funs)
                    .map_err(|_| ev.err(EvalErrorKind::TooLarge))?;
            let keys = [
                ("__struct__", ev.atom("Elixir.Stream")?),
                ("accs", Term::NIL),
                ("done", ev.atom("nil")?),
                ("enum", base),
                ("funs", funs),
            ];
            let mut pairs = Vec::with_capacity(keys.len());
            for (k, v) in keys {
                pairs.push((ev.atom(k)?, v));
            }
            ev.make_map(pairs)?
        }
        ("Elixir.Enum", "into", 2) if ev.s.tag(a[1]) == Some(HeaderTag::Map) => {
            let xs = enum_list(ev, a[0])?;
            let mut pairs = ev.map_pairs(a[1])?;
            for x in xs {
                let es = ev.s.tuple_elems(x).filter(|e| e.len() == 2).ok_or(bad)?;
                pairs.push((es[0], es[1]));
            }
            ev.make_map(pairs)?
        }
        ("Elixir.List", "to_tuple", 1) => {
            let es = ev.list_of(a[0])?;
            ev.tuple(&es)?
        }
        ("Elixir.Tuple", "to_list", 1) => call(ev, "erlang", "tuple_to_list", args)?,
        ("Elixir.Tuple", "duplicate", 2) => call(ev, "erlang", "make_tuple", &[a[1], a[0]])?,
        ("Elixir.Tuple", "append", 2) => call(ev, "erlang", "append_element", args)?,
        ("Elixir.String", "to_atom", 1) => call(ev, "erlang", "binary_to_atom", args)?,
        ("Elixir.String", "to_charlist", 1) => {
            let b = ev.bytes_of(a[0])?;
            let s = String::from_utf8(b).map_err(|_| bad)?;
            ev.chars(&s)?
        }
        ("erlang", "to_string", 1) | ("Elixir.String.Chars", "to_string", 1) => {
            let text = if let Some(name) = ev.atom_name(a[0]) {
                if name == "nil" {
                    String::new()
                } else {
                    name.to_string()
                }
            } else if let Some(i) = ev.to_int(a[0]) {
                i.to_string_radix(10)
            } else if let Some(Num::Float(x)) = ev.to_num(a[0]) {
                // Model: Elixir prints the shortest round-trip form; Rust's is the same digits.
                super::float::debug(x)
            } else if bits::bits_of(&ev.s, a[0]).is_some_and(|(_, n)| n % 8 == 0) {
                return Ok(a[0]);
            } else {
                ev.string_of(a[0])?
            };
            ev.binary(text.as_bytes())?
        }
        ("unicode", "characters_to_binary", 1) => {
            let mut text = String::new();
            chardata(ev, a[0], &mut text, 0)?;
            ev.binary(text.as_bytes())?
        }
        ("unicode", "characters_to_list", 1) => {
            let mut text = String::new();
            chardata(ev, a[0], &mut text, 0)?;
            ev.chars(&text)?
        }
        ("maps", "fold", 3) => {
            let ps = ev.map_pairs(a[2])?;
            let mut acc = a[1];
            for (k, v) in ps {
                ev.step(1)?;
                acc = ev.apply(a[0], &[k, v, acc])?;
            }
            acc
        }
        ("maps", "map" | "filter", 2) => {
            let ps = ev.map_pairs(a[1])?;
            let mut out = Vec::with_capacity(ps.len());
            for (k, v) in ps {
                ev.step(1)?;
                let r = ev.apply(a[0], &[k, v])?;
                if f == "map" {
                    out.push((k, r));
                } else if ev.is_true(r) == Some(true) {
                    out.push((k, v));
                }
            }
            ev.make_map(out)?
        }
        ("lists", "enumerate", 1) | ("Elixir.Enum", "with_index", 1) => {
            let xs = enum_list(ev, a[0])?;
            let mut out = Vec::with_capacity(xs.len());
            for (i, x) in xs.into_iter().enumerate() {
                let pair = if m == "lists" {
                    ev.tuple(&[Term::small(i as i64 + 1), x])?
                } else {
                    ev.tuple(&[x, Term::small(i as i64)])?
                };
                out.push(pair);
            }
            ev.make_list(&out, Term::NIL)?
        }
        ("Elixir.Integer", "to_string", 1) => call(ev, "erlang", "integer_to_binary", args)?,
        ("Elixir.Map", "from_struct", 1) => {
            let key = ev.atom("__struct__")?;
            call(ev, "maps", "remove", &[key, a[0]])?
        }
        ("erlang", "elem", 2) => {
            let es = ev.s.tuple_elems(a[0]).ok_or(bad)?;
            let i = count(ev, a[1])?;
            *es.get(i).ok_or(bad)?
        }
        ("erlang", "put_elem", 3) => {
            let mut es = ev.s.tuple_elems(a[0]).ok_or(bad)?;
            let i = count(ev, a[1])?;
            *es.get_mut(i).ok_or(bad)? = a[2];
            ev.tuple(&es)?
        }
        _ => {
            return Err(ev.err(EvalErrorKind::NotModelled {
                arity: a.len().min(255) as u8,
            }))
        }
    })
}

fn make_ref(ev: &mut Ev<'_>, extra: u64) -> R<Term> {
    ev.next_ref += 1;
    let mut words = vec![Term::header(HeaderTag::Ref, extra), Term(ev.next_ref)];
    words.resize(1 + extra as usize, Term(0));
    let r = ev.s.boxed(&words);
    ev.b(r)
}

/// Whether `t` is an Elixir range (`%Range{}`): `Enum` reduces it through `Enumerable.reduce/3`, with a reducer
/// closure and a reversed accumulator ([`Ev::library_garbage`]), where it walks a list directly.
fn is_range(ev: &mut Ev<'_>, t: Term) -> R<bool> {
    if ev.s.tag(t) != Some(HeaderTag::Map) {
        return Ok(false);
    }
    let key = ev.atom("__struct__")?;
    let range = ev.atom("Elixir.Range")?;
    Ok(ev.map_get(t, key)? == Some(range))
}

/// The enumerable and the `funs` list of a `%Stream{}`, or `None` for any other term.
fn stream_parts(ev: &mut Ev<'_>, t: Term) -> R<Option<(Term, Term)>> {
    if ev.s.tag(t) != Some(HeaderTag::Map) {
        return Ok(None);
    }
    let key = ev.atom("__struct__")?;
    let stream = ev.atom("Elixir.Stream")?;
    if ev.map_get(t, key)? != Some(stream) {
        return Ok(None);
    }
    let (enum_key, funs_key) = (ev.atom("enum")?, ev.atom("funs")?);
    match (ev.map_get(t, enum_key)?, ev.map_get(t, funs_key)?) {
        (Some(e), Some(funs)) => Ok(Some((e, funs))),
        _ => Err(ev.err(EvalErrorKind::BadArg)),
    }
}

/// The elements of an enumerable: a list, a range, a map (as `{K, V}` tuples) or a stream. A stream's elements are
/// computed one at a time through its funs, so no intermediate list is built, as `Enum` over a `Stream` runs.
pub(super) fn enum_list(ev: &mut Ev<'_>, t: Term) -> R<Vec<Term>> {
    if let Some((base, funs)) = stream_parts(ev, t)? {
        let mut steps = ev.list_of(funs)?;
        // `funs` is newest first; the oldest applies first.
        steps.reverse();
        let mut parsed = Vec::with_capacity(steps.len());
        for s in steps {
            let es = ev.s.tuple_elems(s).filter(|e| e.len() == 2);
            let es = es.ok_or(ev.err(EvalErrorKind::BadArg))?;
            let kind = ev.atom_name(es[0]).unwrap_or("").to_string();
            parsed.push((kind == "filter", es[1]));
        }
        let xs = enum_list(ev, base)?;
        let mut out = Vec::new();
        'each: for x in xs {
            let mut x = x;
            for &(filter, fun) in &parsed {
                ev.step(1)?;
                let r = ev.apply(fun, &[x])?;
                if !filter {
                    x = r;
                } else if ev.is_true(r) != Some(true) {
                    continue 'each;
                }
            }
            out.push(x);
        }
        return Ok(out);
    }
    if ev.s.tag(t) == Some(HeaderTag::Map) {
        let first = ev.atom("first")?;
        let last = ev.atom("last")?;
        let step = ev.atom("step")?;
        let (Some(f), Some(l)) = (ev.map_get(t, first)?, ev.map_get(t, last)?) else {
            // A plain map enumerates as {K, V} tuples.
            let ps = ev.map_pairs(t)?;
            let mut out = Vec::new();
            for (k, v) in ps {
                out.push(ev.tuple(&[k, v])?);
            }
            return Ok(out);
        };
        let s = ev.map_get(t, step)?.and_then(|s| ev.to_i64(s)).unwrap_or(1);
        let (f, l) = (
            ev.to_i64(f).ok_or(ev.err(EvalErrorKind::BadArg))?,
            ev.to_i64(l).ok_or(ev.err(EvalErrorKind::BadArg))?,
        );
        if s == 0 {
            return Err(ev.err(EvalErrorKind::BadArg));
        }
        let n = if (s > 0 && l >= f) || (s < 0 && l <= f) {
            (l - f) / s + 1
        } else {
            0
        };
        if n > MAX_COUNT {
            return Err(ev.err(EvalErrorKind::TooLarge));
        }
        ev.step(n as u64)?;
        return Ok((0..n).map(|k| Term::small(f + k * s)).collect());
    }
    ev.list_of(t)
}

fn part(ev: &mut Ev<'_>, b: Term, pos: Term, len: Term) -> R<Term> {
    let bad = ev.err(EvalErrorKind::BadArg);
    let (_, n) = bits::bits_of(&ev.s, b).ok_or(bad)?;
    let (p, l) = (ev.to_i64(pos).ok_or(bad)?, ev.to_i64(len).ok_or(bad)?);
    let (start, end) = if l >= 0 { (p, p + l) } else { (p + l, p) };
    if n % 8 != 0 || start < 0 || end as u64 > n / 8 {
        return Err(bad);
    }
    let r = bits::extract(&mut ev.s, b, 8 * start as u64, 8 * (end - start) as u64);
    ev.b(r)
}

fn iolist(ev: &mut Ev<'_>, t: Term, buf: &mut BitBuf, bitstrings: bool) -> R<()> {
    let bad = ev.err(EvalErrorKind::BadArg);
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        ev.step(1)?;
        if t == Term::NIL {
            continue;
        }
        if let Some((h, tl)) = ev.s.cons_parts(t) {
            todo.push(tl);
            match ev.to_i64(h) {
                Some(c) if (0..=255).contains(&c) => buf.push_bits(&[c as u8], 0, 8),
                Some(_) => return Err(bad),
                None => todo.push(h),
            }
            continue;
        }
        let (b, n) = bits::bits_of(&ev.s, t).ok_or(bad)?;
        if n % 8 != 0 && !bitstrings {
            return Err(bad);
        }
        buf.push_bits(&b, 0, n);
        if buf.bytes.len() > super::eval::MAX_BINARY_BYTES {
            return Err(ev.err(EvalErrorKind::TooLarge));
        }
    }
    Ok(())
}

/// Unicode chardata (code points, UTF-8 binaries, nested lists) as text.
fn chardata(ev: &mut Ev<'_>, t: Term, out: &mut String, depth: u32) -> R<()> {
    let bad = ev.err(EvalErrorKind::BadArg);
    if depth > 1000 {
        return Err(ev.err(EvalErrorKind::TooDeep));
    }
    if let Some((b, n)) = bits::bits_of(&ev.s, t) {
        if n % 8 != 0 {
            return Err(bad);
        }
        out.push_str(core::str::from_utf8(&b).map_err(|_| bad)?);
        return Ok(());
    }
    for x in ev.list_of(t)? {
        ev.step(1)?;
        match ev.to_i64(x) {
            Some(c) => out.push(u32::try_from(c).ok().and_then(char::from_u32).ok_or(bad)?),
            None => chardata(ev, x, out, depth + 1)?,
        }
    }
    Ok(())
}

fn flatten(ev: &mut Ev<'_>, t: Term, out: &mut Vec<Term>, depth: u32) -> R<()> {
    if depth > 1000 {
        return Err(ev.err(EvalErrorKind::TooDeep));
    }
    for x in ev.list_of(t)? {
        ev.step(1)?;
        if x == Term::NIL || is_cons(x) {
            flatten(ev, x, out, depth + 1)?;
        } else {
            out.push(x);
        }
    }
    Ok(())
}

/// `float_to_list/1`: `io_lib:format("~.20e")`-style, 20 digits after the point, two-digit exponent.
fn float_to_list(x: f64) -> String {
    super::float::scientific20(x)
}

fn libm_round(x: f64) -> f64 {
    let t = x - x % 1.0;
    if (x - t).abs() >= 0.5 {
        t + x.signum()
    } else {
        t
    }
}

fn float_to_int(x: f64) -> BigInt {
    if x.abs() < 1e18 {
        return BigInt::from_i128(x as i128);
    }
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i64 - 1075;
    let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
    let v = BigInt::from_i128(i128::from(mant)).shl(exp);
    if x < 0.0 {
        v.neg()
    } else {
        v
    }
}

fn sqrt(x: f64) -> f64 {
    if x < 0.0 {
        return f64::NAN;
    }
    let mut g = if x > 1.0 { x / 2.0 } else { 1.0 };
    for _ in 0..200 {
        g = 0.5 * (g + x / g);
    }
    g
}

fn powf(x: f64, y: f64) -> f64 {
    if y % 1.0 == 0.0 && y.abs() < 1e6 {
        let mut r = 1.0;
        for _ in 0..y.abs() as u64 {
            r *= x;
        }
        return if y < 0.0 { 1.0 / r } else { r };
    }
    f64::NAN
}

/// The external term format (`term_to_binary/1`, OTP 25 defaults: latin-1 atoms as `ATOM_EXT`).
fn ext_encode(ev: &mut Ev<'_>, t: Term, out: &mut Vec<u8>, depth: u32) -> R<()> {
    let bad = ev.err(EvalErrorKind::BadArg);
    if depth > 1_000 || out.len() > super::eval::MAX_BINARY_BYTES {
        return Err(ev.err(EvalErrorKind::TooDeep));
    }
    ev.step(1)?;
    if let Some(name) = ev.atom_name(t).map(String::from) {
        if name.chars().all(|c| (c as u32) < 256) {
            out.push(100);
            out.extend_from_slice(&(name.chars().count() as u16).to_be_bytes());
            out.extend(name.chars().map(|c| c as u8));
        } else {
            out.push(118);
            out.extend_from_slice(&(name.len() as u16).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        return Ok(());
    }
    if t == Term::NIL {
        out.push(106);
        return Ok(());
    }
    if let Some(i) = ev.to_int(t) {
        match i.to_i128() {
            Some(n) if (0..=255).contains(&n) => out.extend_from_slice(&[97, n as u8]),
            Some(n) if i128::from(i32::MIN) <= n && n <= i128::from(i32::MAX) => {
                out.push(98);
                out.extend_from_slice(&(n as i32).to_be_bytes());
            }
            _ => {
                let bytes: Vec<u8> = {
                    let mut b: Vec<u8> = i.mag.iter().flat_map(|d| d.to_le_bytes()).collect();
                    while b.last() == Some(&0) {
                        b.pop();
                    }
                    b
                };
                if bytes.len() < 256 {
                    out.extend_from_slice(&[110, bytes.len() as u8]);
                } else {
                    out.push(111);
                    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
                }
                out.push(u8::from(i.neg));
                out.extend_from_slice(&bytes);
            }
        }
        return Ok(());
    }
    if let Some(Num::Float(x)) = ev.to_num(t) {
        out.push(70);
        out.extend_from_slice(&x.to_be_bytes());
        return Ok(());
    }
    if let Some(es) = ev.s.tuple_elems(t) {
        if es.len() < 256 {
            out.extend_from_slice(&[104, es.len() as u8]);
        } else {
            out.push(105);
            out.extend_from_slice(&(es.len() as u32).to_be_bytes());
        }
        for e in es {
            ext_encode(ev, e, out, depth + 1)?;
        }
        return Ok(());
    }
    if is_cons(t) {
        let mut items = Vec::new();
        let mut cur = t;
        while let Some((h, tl)) = ev.s.cons_parts(cur) {
            items.push(h);
            cur = tl;
        }
        let bytes: Option<Vec<u8>> = items
            .iter()
            .map(|x| {
                ev.to_i64(*x)
                    .filter(|n| (0..=255).contains(n))
                    .map(|n| n as u8)
            })
            .collect();
        if let (Some(b), true) = (bytes, cur == Term::NIL && items.len() < 65536) {
            out.push(107);
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(&b);
            return Ok(());
        }
        out.push(108);
        out.extend_from_slice(&(items.len() as u32).to_be_bytes());
        for x in items {
            ext_encode(ev, x, out, depth + 1)?;
        }
        return ext_encode(ev, cur, out, depth + 1);
    }
    if let Some((b, n)) = bits::bits_of(&ev.s, t) {
        if n % 8 == 0 {
            out.push(109);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        } else {
            out.push(77);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.push((n % 8) as u8);
        }
        out.extend_from_slice(&b);
        return Ok(());
    }
    if ev.s.tag(t) == Some(HeaderTag::Map) {
        let ps = ev.map_pairs(t)?;
        out.push(116);
        out.extend_from_slice(&(ps.len() as u32).to_be_bytes());
        for (k, v) in ps {
            ext_encode(ev, k, out, depth + 1)?;
            ext_encode(ev, v, out, depth + 1)?;
        }
        return Ok(());
    }
    if let Decoded::Pid(n) = t.decode() {
        out.push(88);
        ext_encode(ev, Term::atom(0), out, depth + 1).ok();
        let _ = n;
        return Err(ev.err(EvalErrorKind::NotModelled { arity: 1 }));
    }
    Err(bad)
}

/// `binary_to_term/1` for a subset of the external format: small terms, and external pids (4 words).
fn ext_decode(ev: &mut Ev<'_>, b: &[u8]) -> R<Term> {
    let bad = ev.err(EvalErrorKind::BadArg);
    if b.first() != Some(&131) {
        return Err(bad);
    }
    let mut pos = 1;
    let t = decode_one(ev, b, &mut pos, 0)?;
    if pos != b.len() {
        return Err(bad);
    }
    Ok(t)
}

fn decode_one(ev: &mut Ev<'_>, b: &[u8], pos: &mut usize, depth: u32) -> R<Term> {
    let bad = ev.err(EvalErrorKind::BadArg);
    if depth > 1000 {
        return Err(bad);
    }
    ev.step(1)?;
    let take = |pos: &mut usize, n: usize| -> R<&[u8]> {
        let s = b.get(*pos..*pos + n).ok_or(bad)?;
        *pos += n;
        Ok(s)
    };
    let tag = take(pos, 1)?[0];
    match tag {
        97 => Ok(Term::small(i64::from(take(pos, 1)?[0]))),
        98 => {
            let v = i32::from_be_bytes(take(pos, 4)?.try_into().map_err(|_| bad)?);
            Ok(Term::small(i64::from(v)))
        }
        100 | 118 | 115 | 119 => {
            let n = if tag == 100 || tag == 118 {
                usize::from(u16::from_be_bytes(
                    take(pos, 2)?.try_into().map_err(|_| bad)?,
                ))
            } else {
                usize::from(take(pos, 1)?[0])
            };
            let raw = take(pos, n)?;
            let name: String = if tag == 100 || tag == 115 {
                raw.iter().map(|&c| char::from(c)).collect()
            } else {
                String::from_utf8(raw.to_vec()).map_err(|_| bad)?
            };
            ev.atom(&name)
        }
        106 => Ok(Term::NIL),
        104 | 105 => {
            let n = if tag == 104 {
                usize::from(take(pos, 1)?[0])
            } else {
                u32::from_be_bytes(take(pos, 4)?.try_into().map_err(|_| bad)?) as usize
            };
            if n > b.len() {
                return Err(bad);
            }
            let mut es = Vec::with_capacity(n);
            for _ in 0..n {
                es.push(decode_one(ev, b, pos, depth + 1)?);
            }
            ev.tuple(&es)
        }
        107 => {
            let n = usize::from(u16::from_be_bytes(
                take(pos, 2)?.try_into().map_err(|_| bad)?,
            ));
            let items: Vec<Term> = take(pos, n)?
                .iter()
                .map(|&c| Term::small(i64::from(c)))
                .collect();
            ev.make_list(&items, Term::NIL)
        }
        109 => {
            let n = u32::from_be_bytes(take(pos, 4)?.try_into().map_err(|_| bad)?) as usize;
            let data = take(pos, n)?.to_vec();
            ev.binary(&data)
        }
        88 | 103 => {
            // An external pid: node, then id, serial (and creation): `EXTERNAL_PID_HEAP_SIZE` = 4 words.
            let node = decode_one(ev, b, pos, depth + 1)?;
            let id = u32::from_be_bytes(take(pos, 4)?.try_into().map_err(|_| bad)?);
            let serial = u32::from_be_bytes(take(pos, 4)?.try_into().map_err(|_| bad)?);
            let _creation = take(pos, if tag == 88 { 4 } else { 1 })?;
            let r = ev.s.boxed(&[
                Term::header(HeaderTag::ExternalPid, 3),
                node,
                Term(0),
                Term(u64::from(id) | (u64::from(serial) << 32)),
            ]);
            ev.b(r)
        }
        _ => Err(ev.err(EvalErrorKind::NotModelled { arity: 1 })),
    }
}
