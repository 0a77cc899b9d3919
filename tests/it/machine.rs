//! A state-machine test of the whole VM against a reference model.
//!
//! The reference model is deliberately naive: which plain values each process holds (by variable), its mailbox as
//! a queue of plain values, whether it hibernates, each ETS table as a list of plain values, the atom names, and
//! which off-heap binary each value refers to. Random op sequences (spawn with options, bind and eval with sharing
//! and binaries, send, receive, forget, GC, hibernate, wake, exit, ETS, atoms, frames and garbage) run on both.
//! After every op:
//! - the model predicted exactly whether the op fails, and a failed op left the VM unchanged;
//! - `Vm::check` passes (pointers, headers, areas, refcounts, accounted words);
//! - the VM's values, read back from its words, equal the model's;
//! - every root the op did not rebind has the same deep value (headers and raw words included), wherever a GC
//!   moved it;
//! - every binary a value refers to is alive, with at least one reference per holder.
//!
//! At the end, replaying the log of ops that ran equals the live VM, and `History::seek(n)` (backwards and
//! forwards, in random order) equals a straight run to `n`.

use beamviz::copy::Areas;
use beamviz::expr::Lang;
use beamviz::process::MessageQueueData;
use beamviz::term::{Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use beamviz::{History, Op, OpError, Pid, SpawnOpts, Value, Vm};
use beamviz_tests::value_of;
use proptest::prelude::*;
use std::collections::{BTreeMap, VecDeque};

const VARS: [&str; 4] = ["A", "B", "C", "D"];
const TABLES: [&str; 2] = ["t", "u"];
const MAX_PROCS: u32 = 5;
/// A binary the model knows to be new, whose id the VM picks.
const FRESH: u32 = u32::MAX;

/// A term as the model sees it: no addresses, no sharing.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Plain {
    Int(i128),
    Atom(String),
    Nil,
    /// A non-empty list: its elements and its tail (`Nil` when proper).
    List(Vec<Plain>, Box<Plain>),
    Tuple(Vec<Plain>),
    /// A binary of `bytes` bytes; `off` is the off-heap binary's id when it is a ProcBin.
    Bin {
        bytes: u64,
        off: Option<u32>,
    },
    /// Anything the model does not build (pids, funs, maps): the raw word.
    Other(u64),
}

fn cons(head: Plain, tail: Plain) -> Plain {
    match tail {
        Plain::List(mut items, t) => {
            items.insert(0, head);
            Plain::List(items, t)
        }
        other => Plain::List(vec![head], Box::new(other)),
    }
}

fn list(items: Vec<Plain>) -> Plain {
    if items.is_empty() {
        Plain::Nil
    } else {
        Plain::List(items, Box::new(Plain::Nil))
    }
}

/// Reads a term back from the VM's words.
fn plain(vm: &Vm, areas: &Areas<'_>, t: Term) -> Plain {
    match t.decode() {
        Decoded::Small(n) => Plain::Int(i128::from(n)),
        Decoded::Atom(i) => Plain::Atom(vm.atoms()[i as usize].clone()),
        Decoded::Nil => Plain::Nil,
        Decoded::List(_) if t.primary_tag() == TAG_PRIMARY_LIST => {
            let mut items = Vec::new();
            let mut cell = t;
            while let (Decoded::List(addr), true) =
                (cell.decode(), cell.primary_tag() == TAG_PRIMARY_LIST)
            {
                items.push(plain(vm, areas, areas.word(addr)));
                cell = areas.word(addr.add(1));
            }
            Plain::List(items, Box::new(plain(vm, areas, cell)))
        }
        Decoded::Boxed(addr) => {
            let header = areas.word(addr);
            let word = |i: u32| areas.word(addr.add(i)).0;
            let arity = beamviz::object::arity(header);
            match header.header_tag() {
                Some(HeaderTag::Arityval) => Plain::Tuple(
                    (1..=arity as u32)
                        .map(|i| plain(vm, areas, areas.word(addr.add(i))))
                        .collect(),
                ),
                Some(tag @ (HeaderTag::PosBig | HeaderTag::NegBig)) if arity <= 1 => {
                    let n = i128::from(word(1));
                    Plain::Int(if tag == HeaderTag::NegBig { -n } else { n })
                }
                Some(HeaderTag::HeapBinary) => Plain::Bin {
                    bytes: word(1),
                    off: None,
                },
                Some(HeaderTag::RefcBinary) => Plain::Bin {
                    bytes: word(1),
                    off: Some(word(3) as u32),
                },
                _ => Plain::Other(header.0),
            }
        }
        _ => Plain::Other(t.0),
    }
}

/// The model's copy of `model` with each `FRESH` binary id taken from `vm`'s value, which must otherwise match.
fn resolve(model: &Plain, vm: &Plain) -> Option<Plain> {
    Some(match (model, vm) {
        (
            Plain::Bin {
                bytes,
                off: Some(FRESH),
            },
            Plain::Bin {
                bytes: b,
                off: Some(id),
            },
        ) if bytes == b => Plain::Bin {
            bytes: *bytes,
            off: Some(*id),
        },
        (Plain::Tuple(a), Plain::Tuple(b)) if a.len() == b.len() => Plain::Tuple(
            a.iter()
                .zip(b)
                .map(|(x, y)| resolve(x, y))
                .collect::<Option<_>>()?,
        ),
        (Plain::List(a, ta), Plain::List(b, tb)) if a.len() == b.len() => Plain::List(
            a.iter()
                .zip(b)
                .map(|(x, y)| resolve(x, y))
                .collect::<Option<_>>()?,
            Box::new(resolve(ta, tb)?),
        ),
        (x, y) if x == y => x.clone(),
        _ => return None,
    })
}

fn binaries_in(v: &Plain, out: &mut Vec<u32>) {
    match v {
        Plain::Bin { off: Some(id), .. } => out.push(*id),
        Plain::Tuple(items) => items.iter().for_each(|i| binaries_in(i, out)),
        Plain::List(items, tail) => {
            items.iter().for_each(|i| binaries_in(i, out));
            binaries_in(tail, out);
        }
        _ => {}
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
struct ModelProcess {
    alive: bool,
    hibernating: bool,
    vars: BTreeMap<String, Plain>,
    mailbox: VecDeque<Plain>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
struct ModelTable {
    owner: u32,
    objects: Vec<Plain>,
}

/// The reference model.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
struct Model {
    procs: Vec<ModelProcess>,
    tables: BTreeMap<String, ModelTable>,
    /// Open DETS tables: their objects (in the file, in no process).
    dets: BTreeMap<String, Vec<Plain>>,
    atoms: Vec<String>,
}

/// The objects an ETS or DETS insert of `v` stores: a tuple with a key, or a proper list of them (`[]` inserts
/// nothing and succeeds); anything else is `badarg`.
fn insertable(v: &Plain) -> Result<Vec<Plain>, ()> {
    let keyed = |o: &Plain| matches!(o, Plain::Tuple(items) if !items.is_empty());
    match v {
        Plain::Tuple(_) if keyed(v) => Ok(vec![v.clone()]),
        Plain::Nil => Ok(Vec::new()),
        Plain::List(items, tail) if **tail == Plain::Nil && items.iter().all(keyed) => {
            Ok(items.clone())
        }
        _ => Err(()),
    }
}

/// The key of a stored object (a tuple with a key, checked by [`insertable`]).
fn key_of(o: &Plain) -> &Plain {
    match o {
        Plain::Tuple(items) => &items[0],
        _ => unreachable!("only keyed tuples are stored"),
    }
}

/// A `set`: each object replaces the one with the same key.
fn set_insert(stored: &mut Vec<Plain>, objects: Vec<Plain>) {
    for o in objects {
        match stored.iter().position(|x| key_of(x) == key_of(&o)) {
            Some(i) => stored[i] = o,
            None => stored.push(o),
        }
    }
}

/// A lookup's result: the list of the objects with that key, `[]` for none.
fn lookup(stored: &[Plain], key: &Plain) -> Plain {
    let found: Vec<Plain> = stored
        .iter()
        .filter(|o| key_of(o) == key)
        .cloned()
        .collect();
    if found.is_empty() {
        Plain::Nil
    } else {
        list(found)
    }
}

fn delete_key(stored: &mut Vec<Plain>, key: &Plain) {
    stored.retain(|o| key_of(o) != key);
}

/// Whether a value holds an off-heap binary (a DETS insert of one is not modelled: an error).
fn holds_off_heap(v: &Plain) -> bool {
    match v {
        Plain::Bin { off, .. } => off.is_some(),
        Plain::List(items, tail) => items.iter().any(holds_off_heap) || holds_off_heap(tail),
        Plain::Tuple(items) => items.iter().any(holds_off_heap),
        _ => false,
    }
}

/// An expression template of `Op::Eval` and what the model says it evaluates to (`None`: an error).
#[derive(Clone, Copy, Debug)]
enum Template {
    Pair,
    Cons,
    Seq,
    BigBinary,
    SmallBinary,
    NewAtom,
    Increment,
    Element,
    Length,
    SyntaxError,
}

impl Template {
    const ALL: [Template; 10] = [
        Template::Pair,
        Template::Cons,
        Template::Seq,
        Template::BigBinary,
        Template::SmallBinary,
        Template::NewAtom,
        Template::Increment,
        Template::Element,
        Template::Length,
        Template::SyntaxError,
    ];

    fn src(self, a: &str, b: &str) -> String {
        match self {
            Template::Pair => format!("{{{a}, {b}}}"),
            Template::Cons => format!("[{a} | {b}]"),
            Template::Seq => "lists:seq(1, 30)".into(),
            Template::BigBinary => "binary:copy(<<7>>, 100)".into(),
            Template::SmallBinary => "<<1, 2, 3>>".into(),
            Template::NewAtom => format!("list_to_atom(\"atom_{a}\")"),
            Template::Increment => format!("{a} + 1"),
            Template::Element => format!("element(1, {a})"),
            Template::Length => format!("length({a})"),
            Template::SyntaxError => format!("{{{a},"),
        }
    }

    fn value(self, vars: &BTreeMap<String, Plain>, a: &str, b: &str) -> Option<Plain> {
        let get = |v: &str| vars.get(v).cloned();
        Some(match self {
            Template::Pair => Plain::Tuple(vec![get(a)?, get(b)?]),
            Template::Cons => cons(get(a)?, get(b)?),
            Template::Seq => list((1..=30).map(Plain::Int).collect()),
            Template::BigBinary => Plain::Bin {
                bytes: 100,
                off: Some(FRESH),
            },
            Template::SmallBinary => Plain::Bin {
                bytes: 3,
                off: None,
            },
            Template::NewAtom => Plain::Atom(format!("atom_{a}")),
            Template::Increment => match get(a)? {
                Plain::Int(n) => Plain::Int(n + 1),
                _ => return None,
            },
            Template::Element => match get(a)? {
                Plain::Tuple(items) => items.first()?.clone(),
                _ => return None,
            },
            Template::Length => match get(a)? {
                Plain::Nil => Plain::Int(0),
                Plain::List(items, tail) if *tail == Plain::Nil => Plain::Int(items.len() as i128),
                _ => return None,
            },
            Template::SyntaxError => return None,
        })
    }
}

/// An op for the test: a VM op, or an eval from a template (so the model knows its value).
#[derive(Clone, Debug)]
enum Step {
    Op(Op),
    Eval {
        pid: Pid,
        var: Option<String>,
        template: Template,
        a: String,
        b: String,
    },
}

impl Step {
    fn op(&self) -> Op {
        match self {
            Step::Op(op) => op.clone(),
            Step::Eval {
                pid,
                var,
                template,
                a,
                b,
            } => Op::Eval {
                pid: *pid,
                var: var.clone(),
                src: template.src(a, b),
                lang: Lang::Erlang,
            },
        }
    }
}

impl Model {
    fn new() -> Model {
        Model {
            atoms: Vm::new().atoms().to_vec(),
            ..Model::default()
        }
    }

    fn intern(&mut self, name: &str) {
        if !self.atoms.iter().any(|a| a == name) {
            self.atoms.push(name.into());
        }
    }

    fn value(&self, p: &ModelProcess, v: &Value) -> Option<Plain> {
        Some(match v {
            Value::Int(n) => Plain::Int(i128::from(*n)),
            Value::Atom(a) => Plain::Atom(a.clone()),
            Value::Var(name) => p.vars.get(name)?.clone(),
            Value::Tuple(items) => Plain::Tuple(
                items
                    .iter()
                    .map(|i| self.value(p, i))
                    .collect::<Option<_>>()?,
            ),
            Value::List(items) => list(
                items
                    .iter()
                    .map(|i| self.value(p, i))
                    .collect::<Option<_>>()?,
            ),
            Value::Seq(a, b) => list((*a..=*b).map(|n| Plain::Int(i128::from(n))).collect()),
            Value::Binary { bytes, .. } => Plain::Bin {
                bytes: *bytes,
                off: (*bytes > 64).then_some(FRESH),
            },
        })
    }

    fn atoms_of(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Atom(a) => out.push(a.clone()),
            Value::Tuple(items) | Value::List(items) => {
                items.iter().for_each(|i| Model::atoms_of(i, out))
            }
            _ => {}
        }
    }

    /// Applies `step` to the model; `Err` when the model says the op fails (the model is then unchanged).
    fn apply(&mut self, step: &Step) -> Result<(), ()> {
        let op = step.op();
        let actor = op.actor();
        // The validation the VM does first: the actor exists and is alive; a hibernated one only wakes or exits.
        if let Some(pid) = actor {
            let p = self.procs.get(pid.0 as usize).ok_or(())?;
            if !p.alive {
                return Err(());
            }
            let wake = matches!(op, Op::Wake { .. });
            if !matches!(op, Op::Exit { .. }) && p.hibernating != wake {
                return Err(());
            }
        }
        let pid = actor.map_or(0, |p| p.0 as usize);
        match step {
            Step::Eval {
                var,
                template,
                a,
                b,
                ..
            } => {
                let v = template.value(&self.procs[pid].vars, a, b).ok_or(())?;
                if let Plain::Atom(name) = &v {
                    self.intern(name);
                }
                if let Some(var) = var {
                    self.procs[pid].vars.insert(var.clone(), v);
                }
                return Ok(());
            }
            Step::Op(_) => {}
        }
        match op {
            Op::Spawn { .. } => self.procs.push(ModelProcess {
                alive: true,
                ..ModelProcess::default()
            }),
            Op::Bind { var, value, .. } => {
                let v = self.value(&self.procs[pid], &value).ok_or(())?;
                let mut atoms = Vec::new();
                Model::atoms_of(&value, &mut atoms);
                atoms.iter().for_each(|a| self.intern(a));
                self.procs[pid].vars.insert(var, v);
            }
            Op::Forget { var, .. } => {
                self.procs[pid].vars.remove(&var).ok_or(())?;
            }
            Op::Send { to, var, .. } => {
                let v = self.procs[pid].vars.get(&var).ok_or(())?.clone();
                let r = self.procs.get_mut(to.0 as usize).ok_or(())?;
                if r.alive {
                    r.mailbox.push_back(v);
                }
            }
            Op::Receive { var, .. } => {
                let v = self.procs[pid].mailbox.pop_front().ok_or(())?;
                self.procs[pid].vars.insert(var, v);
            }
            Op::BuildList { var, n, .. } => {
                self.procs[pid].vars.insert(
                    var,
                    list((1..=n).map(|i| Plain::Int(i128::from(i))).collect()),
                );
            }
            Op::SeqList {
                var, first, last, ..
            }
            | Op::EnumToList {
                var, first, last, ..
            } => {
                let v = if last < first {
                    Plain::Nil
                } else {
                    list((first..=last).map(|i| Plain::Int(i128::from(i))).collect())
                };
                self.procs[pid].vars.insert(var, v);
            }
            Op::ConsOnto { var, head, .. } => {
                let tail = self.procs[pid]
                    .vars
                    .get(&var)
                    .cloned()
                    .unwrap_or(Plain::Nil);
                self.procs[pid]
                    .vars
                    .insert(var, cons(Plain::Int(i128::from(head)), tail));
            }
            Op::Hibernate { .. } => self.procs[pid].hibernating = true,
            Op::Wake { .. } => self.procs[pid].hibernating = false,
            Op::EtsNew { table, .. } => {
                if self.tables.contains_key(&table) {
                    return Err(());
                }
                self.tables.insert(
                    table,
                    ModelTable {
                        owner: pid as u32,
                        objects: Vec::new(),
                    },
                );
            }
            Op::EtsInsert { table, var, .. } => {
                let objects = insertable(self.procs[pid].vars.get(&var).ok_or(())?)?;
                let t = self.tables.get_mut(&table).ok_or(())?;
                set_insert(&mut t.objects, objects);
            }
            Op::EtsLookup {
                table, key, var, ..
            } => {
                let t = self.tables.get(&table).ok_or(())?;
                let key = self.value(&self.procs[pid], &key).ok_or(())?;
                let v = lookup(&t.objects, &key);
                self.procs[pid].vars.insert(var, v);
            }
            Op::EtsDeleteKey { table, key, .. } => {
                let key = self.value(&self.procs[pid], &key).ok_or(())?;
                let t = self.tables.get_mut(&table).ok_or(())?;
                delete_key(&mut t.objects, &key);
            }
            Op::EtsDelete { table, .. } => {
                self.tables.remove(&table).ok_or(())?;
            }
            Op::DetsOpen { table } => {
                if self.dets.contains_key(&table) {
                    return Err(());
                }
                self.dets.insert(table, Vec::new());
            }
            Op::DetsClose { table } => {
                self.dets.remove(&table).ok_or(())?;
            }
            Op::DetsInsert { table, var, .. } => {
                let objects = insertable(self.procs[pid].vars.get(&var).ok_or(())?)?;
                let t = self.dets.get_mut(&table).ok_or(())?;
                if objects.iter().any(holds_off_heap) {
                    return Err(());
                }
                set_insert(t, objects);
            }
            Op::DetsLookup {
                table, key, var, ..
            } => {
                let t = self.dets.get(&table).ok_or(())?;
                let key = self.value(&self.procs[pid], &key).ok_or(())?;
                let v = lookup(t, &key);
                self.procs[pid].vars.insert(var, v);
            }
            Op::DetsDeleteKey { table, key, .. } => {
                let key = self.value(&self.procs[pid], &key).ok_or(())?;
                let t = self.dets.get_mut(&table).ok_or(())?;
                delete_key(t, &key);
            }
            Op::MakeAtoms { prefix, count, .. } => {
                for i in 0..count {
                    self.intern(&format!("{prefix}{i}"));
                }
            }
            Op::Exit { .. } => {
                self.procs[pid] = ModelProcess::default();
                self.tables.retain(|_, t| t.owner != pid as u32);
            }
            Op::GcRequest { pid: target, .. } => {
                self.procs.get(target.0 as usize).ok_or(())?;
            }
            Op::GarbageCollect { .. }
            | Op::AllocGarbage { .. }
            | Op::BifResult { .. }
            | Op::PushFrame { .. }
            | Op::PopFrame { .. }
            | Op::Call { .. }
            | Op::BinLeak { .. } => {}
            Op::Eval { .. } => unreachable!("evals are steps of their own"),
        }
        Ok(())
    }

    /// The model as read back from the VM (binary ids as the VM has them).
    fn of(vm: &Vm) -> Model {
        let mut procs = Vec::new();
        for p in vm.processes() {
            if !p.is_alive() {
                procs.push(ModelProcess::default());
                continue;
            }
            let areas = vm.areas_of(p);
            let mut vars: BTreeMap<String, Plain> = p
                .vars()
                .map(|(n, t)| (n.to_string(), plain(vm, &areas, t)))
                .collect();
            if let Some(h) = &p.hibernation {
                // While hibernated the variables live only in the argument list of `hibernate/3`.
                let mut cell = h.args;
                for name in &h.vars {
                    let addr = cell.pointee().expect("an argument per variable");
                    vars.insert(name.clone(), plain(vm, &areas, areas.word(addr)));
                    cell = areas.word(addr.add(1));
                }
            }
            procs.push(ModelProcess {
                alive: true,
                hibernating: p.hibernation.is_some(),
                vars,
                mailbox: p
                    .mailbox
                    .iter()
                    .map(|m| plain(vm, &areas, m.term))
                    .collect(),
            });
        }
        let tables = vm
            .ets_tables()
            .iter()
            .flatten()
            .map(|t| {
                let objects = t
                    .objects
                    .iter()
                    .map(|o| {
                        let areas = Areas::new(vec![&o.block, vm.literals()]);
                        plain(vm, &areas, o.term)
                    })
                    .collect();
                (
                    t.name.clone(),
                    ModelTable {
                        owner: t.owner.0,
                        objects,
                    },
                )
            })
            .collect();
        let dets = vm
            .dets_tables()
            .iter()
            .flatten()
            .map(|t| {
                let objects = t
                    .objects
                    .iter()
                    .map(|o| {
                        let areas = Areas::new(vec![&o.block, vm.literals()]);
                        plain(vm, &areas, o.term)
                    })
                    .collect();
                (t.name.clone(), objects)
            })
            .collect();
        Model {
            procs,
            tables,
            dets,
            atoms: vm.atoms().to_vec(),
        }
    }

    /// The model with each `FRESH` binary id taken from the VM's model `seen`; `None` if they differ otherwise.
    fn resolve(&self, seen: &Model) -> Option<Model> {
        let mut out = self.clone();
        for (p, q) in out.procs.iter_mut().zip(&seen.procs) {
            if p.vars.len() != q.vars.len() || p.mailbox.len() != q.mailbox.len() {
                return None;
            }
            for (name, v) in p.vars.iter_mut() {
                *v = resolve(v, q.vars.get(name)?)?;
            }
            for (v, w) in p.mailbox.iter_mut().zip(&q.mailbox) {
                *v = resolve(v, w)?;
            }
        }
        for (name, t) in out.tables.iter_mut() {
            let u = seen.tables.get(name)?;
            if t.objects.len() != u.objects.len() {
                return None;
            }
            for (v, w) in t.objects.iter_mut().zip(&u.objects) {
                *v = resolve(v, w)?;
            }
        }
        Some(out)
    }

    /// Holders per binary: each process holding it in a variable, each message and each ETS object.
    fn holders(&self) -> BTreeMap<u32, u32> {
        let mut out = BTreeMap::new();
        let mut count = |vals: &mut dyn Iterator<Item = &Plain>| {
            let mut ids = Vec::new();
            vals.for_each(|v| binaries_in(v, &mut ids));
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                *out.entry(id).or_insert(0) += 1;
            }
        };
        for p in &self.procs {
            count(&mut p.vars.values());
            for m in &p.mailbox {
                count(&mut std::iter::once(m));
            }
        }
        for t in self.tables.values() {
            for o in &t.objects {
                count(&mut std::iter::once(o));
            }
        }
        out
    }
}

/// Every root of the VM with its deep value (headers and raw words included), keyed by where it is held.
fn roots(vm: &Vm) -> BTreeMap<(u32, String), beamviz_tests::Value> {
    let mut out = BTreeMap::new();
    for p in vm.processes().iter().filter(|p| p.is_alive()) {
        let areas = vm.areas_of(p);
        for (name, t) in p.vars() {
            out.insert(
                (p.pid.0, format!("var {name}")),
                value_of(&areas, t, 10_000),
            );
        }
        if let Some(h) = &p.hibernation {
            let mut cell = h.args;
            for name in &h.vars {
                let addr = cell.pointee().expect("an argument per variable");
                out.insert(
                    (p.pid.0, format!("var {name}")),
                    value_of(&areas, areas.word(addr), 10_000),
                );
                cell = areas.word(addr.add(1));
            }
        }
        for (i, m) in p.mailbox.iter().enumerate() {
            out.insert(
                (p.pid.0, format!("msg {i}")),
                value_of(&areas, m.term, 10_000),
            );
        }
    }
    for t in vm.ets_tables().iter().flatten() {
        for (i, o) in t.objects.iter().enumerate() {
            let areas = Areas::new(vec![&o.block, vm.literals()]);
            out.insert(
                (u32::MAX - t.id, format!("ets {i}")),
                value_of(&areas, o.term, 10_000),
            );
        }
    }
    out
}

/// Whether `op` may change the root `key` (its process's variable or message, or an ETS object).
fn rebinds(op: &Op, key: &(u32, String)) -> bool {
    let (pid, what) = key;
    let var = |v: &str| *what == format!("var {v}");
    match op {
        Op::Bind { pid: p, var: v, .. }
        | Op::Forget { pid: p, var: v }
        | Op::BuildList { pid: p, var: v, .. }
        | Op::SeqList { pid: p, var: v, .. }
        | Op::EnumToList { pid: p, var: v, .. }
        | Op::ConsOnto { pid: p, var: v, .. }
        | Op::EtsLookup { pid: p, var: v, .. }
        | Op::DetsLookup { pid: p, var: v, .. } => p.0 == *pid && var(v),
        // A receive shifts the queue, and binds.
        Op::Receive { pid: p, .. } => p.0 == *pid,
        // An eval's value may also bind pattern variables; the templates bind none, but be safe.
        Op::Eval { pid: p, .. } => p.0 == *pid && what.starts_with("var"),
        Op::Exit { .. } | Op::EtsDelete { .. } => true,
        // A `set` insert replaces the object with the same key; a delete by key shifts the rest.
        Op::EtsInsert { .. } | Op::EtsDeleteKey { .. } => what.starts_with("ets"),
        _ => false,
    }
}

fn step() -> BoxedStrategy<Step> {
    let pid = (0..MAX_PROCS).prop_map(Pid);
    let var = prop::sample::select(VARS.to_vec()).prop_map(String::from);
    let table = prop::sample::select(TABLES.to_vec()).prop_map(String::from);
    let spawn = (0usize..3, 0usize..3, any::<bool>()).prop_map(|(min, fsa, off_heap)| {
        Step::Op(Op::Spawn {
            name: "p".into(),
            opts: SpawnOpts {
                min_heap_size: [0, 500, 3000][min],
                fullsweep_after: [0, 2, 65535][fsa],
                message_queue_data: if off_heap {
                    MessageQueueData::OffHeap
                } else {
                    MessageQueueData::OnHeap
                },
                ..SpawnOpts::default()
            },
        })
    });
    let leaf = prop_oneof![
        (-3i64..3).prop_map(Value::Int),
        Just(Value::Int(i64::MAX)),
        prop::sample::select(VARS.to_vec()).prop_map(|v| Value::Var(v.into())),
        (0i64..3, 0i64..300).prop_map(|(a, n)| Value::Seq(a, a + n)),
        prop::sample::select(vec![0u64, 10, 64, 65, 200, 5000])
            .prop_map(|bytes| Value::Binary { bytes, fill: 9 }),
        prop::sample::select(vec!["ok", "hello", "world"]).prop_map(|a| Value::Atom(a.into())),
    ];
    let value = leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Tuple),
            prop::collection::vec(inner, 0..3).prop_map(Value::List),
        ]
    });
    let op = |o: Op| Step::Op(o);
    prop_oneof![
        2 => spawn,
        10 => (pid.clone(), var.clone(), value).prop_map(move |(pid, var, value)| op(Op::Bind { pid, var, value })),
        6 => (pid.clone(), prop::option::of(var.clone()), prop::sample::select(Template::ALL.to_vec()), var.clone(), var.clone())
            .prop_map(|(pid, var, template, a, b)| Step::Eval { pid, var, template, a, b }),
        2 => (pid.clone(), var.clone()).prop_map(move |(pid, var)| op(Op::Forget { pid, var })),
        6 => (pid.clone(), pid.clone(), var.clone()).prop_map(move |(from, to, var)| op(Op::Send { from, to, var })),
        3 => (pid.clone(), var.clone()).prop_map(move |(pid, var)| op(Op::Receive { pid, var })),
        2 => pid.clone().prop_map(move |pid| op(Op::GarbageCollect { pid })),
        1 => (pid.clone(), pid.clone()).prop_map(move |(by, pid)| op(Op::GcRequest { by, pid })),
        2 => (pid.clone(), var.clone(), 0u64..500).prop_map(move |(pid, var, n)| op(Op::BuildList { pid, var, n })),
        1 => (pid.clone(), var.clone(), -3i64..3, 0i64..300).prop_map(move |(pid, var, first, n)| op(Op::SeqList { pid, var, first, last: first + n - 1 })),
        1 => (pid.clone(), var.clone(), -3i64..3, 1i64..300).prop_map(move |(pid, var, first, n)| op(Op::EnumToList { pid, var, first, last: first + n - 1 })),
        1 => (pid.clone(), var.clone(), -2i64..2).prop_map(move |(pid, var, head)| op(Op::ConsOnto { pid, var, head })),
        2 => (pid.clone(), 0u64..400).prop_map(move |(pid, words)| op(Op::AllocGarbage { pid, words })),
        1 => (pid.clone(), 0u64..300).prop_map(move |(pid, words)| op(Op::BifResult { pid, words })),
        1 => (pid.clone(), 0u64..5).prop_map(move |(pid, words)| op(Op::PushFrame { pid, words, heap: 0 })),
        1 => (pid.clone(), 0u64..5).prop_map(move |(pid, words)| op(Op::PopFrame { pid, words })),
        1 => pid.clone().prop_map(move |pid| op(Op::Hibernate { pid })),
        2 => (pid.clone(), 0u64..3).prop_map(move |(pid, extra)| op(Op::Wake { pid, extra })),
        2 => (pid.clone(), 0u64..3).prop_map(move |(pid, extra)| op(Op::Wake { pid, extra })),
        3 => (pid.clone(), table.clone()).prop_map(move |(pid, table)| op(Op::EtsNew { pid, table, kind: beamviz::ets::EtsKind::Set })),
        // ETS objects: `{K, V}` with a small key and another variable's term.
        4 => (pid.clone(), var.clone(), var.clone(), 0i64..3).prop_map(move |(pid, var, v, k)| op(Op::Bind {
            pid, var, value: Value::Tuple(vec![Value::Int(k), Value::Var(v)]) })),
        4 => (pid.clone(), table.clone(), var.clone()).prop_map(move |(pid, table, var)| op(Op::EtsInsert { pid, table, var })),
        4 => (pid.clone(), table.clone(), 0i64..3, var.clone()).prop_map(move |(pid, table, k, var)| op(Op::EtsLookup { pid, table, key: Value::Int(k), var })),
        1 => (pid.clone(), table.clone(), 0i64..3).prop_map(move |(pid, table, k)| op(Op::EtsDeleteKey { pid, table, key: Value::Int(k) })),
        1 => (pid.clone(), table.clone()).prop_map(move |(pid, table)| op(Op::EtsDelete { pid, table })),
        // DETS: opened and closed by the scenario itself; objects as for ETS.
        1 => (table.clone(), 0..4).prop_map(move |(table, k)| op(if k == 0 { Op::DetsClose { table } } else { Op::DetsOpen { table } })),
        2 => (pid.clone(), table.clone(), var.clone()).prop_map(move |(pid, table, var)| op(Op::DetsInsert { pid, table, var })),
        3 => (pid.clone(), table.clone(), 0i64..3, var.clone()).prop_map(move |(pid, table, k, var)| op(Op::DetsLookup { pid, table, key: Value::Int(k), var })),
        1 => (pid.clone(), table, 0i64..3).prop_map(move |(pid, table, k)| op(Op::DetsDeleteKey { pid, table, key: Value::Int(k) })),
        1 => (pid.clone(), 0u64..20).prop_map(move |(pid, count)| op(Op::MakeAtoms { pid, prefix: "a".into(), count })),
        // An exit ends a process for the rest of the run: rarer than the other ops.
        1 => (pid, 0..3).prop_map(move |(pid, k)| op(if k == 0 { Op::Exit { pid } } else { Op::GarbageCollect { pid } })),
    ]
    .boxed()
}

/// One to three spawns, then random steps (more spawns among them).
fn steps() -> impl Strategy<Value = Vec<Step>> {
    let first = prop::collection::vec(
        step().prop_filter("a spawn", |s| matches!(s, Step::Op(Op::Spawn { .. }))),
        2..4,
    );
    (first, prop::collection::vec(step(), 1..160)).prop_map(|(mut a, b)| {
        a.extend(b);
        a
    })
}

/// Runs `steps` on the VM and the model, checking everything the module comment lists; returns the ops that ran.
fn run(steps: &[Step]) -> Result<(Vm, Vec<Op>), TestCaseError> {
    let mut vm = Vm::new();
    let mut model = Model::new();
    let mut log = Vec::new();
    for step in steps {
        let op = step.op();
        let before = vm.clone();
        let roots_before = roots(&vm);
        let mut next = model.clone();
        let predicted = next.apply(step);
        let res: Result<(), OpError> = vm.apply(&op);
        vm.drain_events().for_each(drop);
        match (predicted, res) {
            (Err(()), Err(_)) => {
                prop_assert!(vm == before, "a failed op left a trace: {:?}", op);
                continue;
            }
            (Ok(()), Ok(())) => {}
            (p, r) => prop_assert!(false, "{:?}: the model says {:?}, the VM {:?}", op, p, r),
        }
        log.push(op.clone());
        if let Err(e) = vm.check() {
            prop_assert!(false, "verifier failed after {:?}: {}", op, e);
        }
        let seen = Model::of(&vm);
        let Some(resolved) = next.resolve(&seen) else {
            prop_assert!(false, "after {:?}:\nmodel {:?}\nvm    {:?}", op, next, seen);
            unreachable!()
        };
        prop_assert_eq!(&resolved, &seen, "after {:?}", op);
        model = resolved;
        // Deep values of the roots the op did not touch, whatever the GC moved.
        let roots_after = roots(&vm);
        for (key, value) in &roots_before {
            if rebinds(&op, key) {
                continue;
            }
            prop_assert_eq!(
                roots_after.get(key),
                Some(value),
                "{:?} changed by {:?}",
                key,
                op
            );
        }
        for (bin, holders) in model.holders() {
            let refc = vm
                .binaries()
                .get(beamviz::binary::BinId(bin))
                .map_or(0, |b| b.refc);
            prop_assert!(
                refc >= holders,
                "binary {} refc {} with {} holders after {:?}",
                bin,
                refc,
                holders,
                op
            );
        }
    }
    Ok((vm, log))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The VM agrees with the reference model after every op, and its history replays and seeks exactly.
    #[test]
    fn the_vm_follows_the_reference_model(steps in steps(), targets in prop::collection::vec(any::<prop::sample::Index>(), 1..8)) {
        let (vm, log) = run(&steps)?;
        // Replaying the log of ops that ran gives the live state.
        let mut replay = Vm::new();
        for op in &log {
            replay.apply(op).expect("an op that ran once runs again");
        }
        replay.drain_events().for_each(drop);
        prop_assert!(replay == vm, "replay differs from the live VM");
        // Seeking, backwards and forwards in random order, equals a straight run.
        let mut h = History::new(log.clone());
        prop_assert_eq!(h.len(), log.len());
        for t in targets {
            let n = t.index(log.len() + 1);
            h.seek(n);
            let mut straight = Vm::new();
            for op in &log[..n] {
                straight.apply(op).expect("runs");
            }
            straight.drain_events().for_each(drop);
            prop_assert!(h.vm() == &straight, "seek({}) differs from a straight run", n);
        }
    }
}

/// The generator reaches the states the test is about: GCs of both kinds, hibernation and waking, messages
/// received, ETS lookups, binaries freed, and ops the model correctly predicts to fail.
#[test]
fn generated_machine_runs_cover_the_ops() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeMap::<&str, u32>::new();
    for _ in 0..100 {
        let steps = steps().new_tree(&mut runner).expect("tree").current();
        let mut vm = Vm::new();
        for s in &steps {
            let op = s.op();
            let ok = vm.apply(&op).is_ok();
            *seen.entry(if ok { "ok" } else { "failed" }).or_default() += 1;

            if ok {
                let name = match op {
                    Op::Wake { .. } => "wake",
                    Op::Receive { .. } => "receive",
                    Op::EtsLookup { .. } => "ets lookup",
                    Op::DetsLookup { .. } => "dets lookup",
                    Op::Eval { .. } => "eval",
                    _ => "other",
                };
                *seen.entry(name).or_default() += 1;
            }
            for e in vm.drain_events() {
                let name = match e {
                    beamviz::Event::GcFinished {
                        kind: beamviz::event::GcKind::Minor,
                        ..
                    } => "minor",
                    beamviz::Event::GcFinished {
                        kind: beamviz::event::GcKind::Major,
                        ..
                    } => "major",
                    beamviz::Event::BinaryFreed { .. } => "freed",
                    beamviz::Event::Hibernated { .. } => "hibernated",
                    _ => continue,
                };
                *seen.entry(name).or_default() += 1;
            }
        }
    }
    for kind in [
        "ok",
        "failed",
        "wake",
        "receive",
        "ets lookup",
        "dets lookup",
        "eval",
        "minor",
        "major",
        "freed",
        "hibernated",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) >= 10,
            "{kind}: {seen:?}"
        );
    }
}

/// Found by the state-machine test: `{}` was taken to be the literal area's first object, so after
/// `binary:copy(<<7>>, 100)` had made `<<7>>` a literal, `A = {}` bound `A` to `<<7>>`.
#[test]
fn empty_tuple_after_another_literal_is_a_tuple() {
    let mut vm = Vm::new();
    let steps = [
        Op::Spawn {
            name: "p".into(),
            opts: SpawnOpts::default(),
        },
        Op::Eval {
            pid: Pid(0),
            var: None,
            src: "binary:copy(<<7>>, 100)".into(),
            lang: Lang::Erlang,
        },
        Op::Bind {
            pid: Pid(0),
            var: "A".into(),
            value: Value::Tuple(vec![]),
        },
        Op::Eval {
            pid: Pid(0),
            var: Some("B".into()),
            src: "{}".into(),
            lang: Lang::Erlang,
        },
    ];
    for op in &steps {
        vm.apply(op).expect("runs");
        vm.check().expect("consistent");
    }
    let p = vm.process(Pid(0)).expect("spawned");
    let areas = vm.areas_of(p);
    for var in ["A", "B"] {
        let t = p.var(var).expect("bound");
        assert_eq!(plain(&vm, &areas, t), Plain::Tuple(vec![]), "{var}");
    }
    // One global `{}`, shared by both.
    assert_eq!(p.var("A"), p.var("B"));
}
