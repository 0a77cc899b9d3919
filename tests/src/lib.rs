//! Test harness shared by the integration tests in `it/`: term decoding for deep comparison, op generators.

use beamviz::copy::Areas;
use beamviz::term::{Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use beamviz::{object, Vm};

/// A term as a plain value tree, independent of where its words lie: what a GC must preserve.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Value {
    /// An immediate, by its raw word.
    Immediate(u64),
    /// A cons cell.
    Cons(Box<Value>, Box<Value>),
    /// A boxed object: its header, its raw (non-term) words, and its term fields as values.
    Boxed {
        /// The header word.
        header: u64,
        /// Words that are not terms (binary data, float bits, ProcBin fields).
        raw: Vec<u64>,
        /// Term fields, decoded.
        fields: Vec<Value>,
    },
}

/// Decodes `t` into a value tree, reading words through `areas`. Fails on a cycle-free depth over `limit`.
pub fn value_of(areas: &Areas<'_>, t: Term, limit: usize) -> Value {
    assert!(limit > 0, "term deeper than the test limit");
    match t.decode() {
        Decoded::List(addr) if t.primary_tag() == TAG_PRIMARY_LIST => Value::Cons(
            Box::new(value_of(areas, areas.word(addr), limit - 1)),
            Box::new(value_of(areas, areas.word(addr.add(1)), limit - 1)),
        ),
        Decoded::Boxed(addr) => {
            let header = areas.word(addr);
            assert!(
                header.header_tag().is_some(),
                "boxed pointer to a non-header word {header:?}"
            );
            let fields = object::term_fields(header);
            let mut raw = Vec::new();
            let mut vals = Vec::new();
            for i in 1..object::object_size(header) {
                let w = areas.word(addr.add(i as u32));
                if fields.contains(&i) {
                    vals.push(value_of(areas, w, limit - 1));
                } else if header.header_tag() != Some(HeaderTag::RefcBinary) || i != 2 {
                    // A ProcBin's `next` word (2) is list bookkeeping, not part of the value.
                    raw.push(w.0);
                }
            }
            Value::Boxed {
                header: header.0,
                raw,
                fields: vals,
            }
        }
        _ => Value::Immediate(t.0),
    }
}

/// The values bound to each variable of each live process, by (process name, variable name).
pub fn bound_values(vm: &Vm) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for p in vm.processes().iter().filter(|p| p.is_alive()) {
        let areas = vm.areas_of(p);
        for (name, t) in p.vars() {
            out.push((
                p.name.clone(),
                name.to_string(),
                value_of(&areas, t, 100_000),
            ));
        }
    }
    out
}
