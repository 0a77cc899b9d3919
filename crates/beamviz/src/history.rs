//! Time travel: the op log plus checkpoints.
//!
//! The truth is the list of ops; the state at step `n` is the VM after the first `n` ops.
//! `seek(n)` restores the nearest checkpoint at or before `n` and replays the ops after it.
//!
//! Everything kept per step is small, because a scenario may have a million steps:
//!
//! - Ops are kept encoded as bytes ([`OpLog`]): names (variables, tables, actors) are interned, numbers are
//!   variable-length, and an op equal to one of the last few distinct ops (the body of a loop that does not use its
//!   variable) costs only its offset. An `Op` value is decoded again when a replay needs it.
//! - Events are one flat list with the end of each step's run, instead of a list per step.
//! - Checkpoints (VM clones) start [`CHECKPOINT_EVERY`] steps apart and thin out geometrically: whenever their
//!   estimated size passes the budget, every other one is dropped and the spacing doubles. Memory stays under the
//!   budget while a seek replays at most `spacing` ops; a million small steps end up a few hundred steps apart.

use crate::ets::EtsKind;
use crate::event::Event;
use crate::expr::Lang;
use crate::op::{Op, Value};
use crate::process::{MessageQueueData, Pid, SpawnOpts};
use crate::vm::{OpError, Vm};
use alloc::string::String;
use alloc::vec::Vec;

/// Steps between checkpoints before any thinning: the most a seek replays in a short run.
pub const CHECKPOINT_EVERY: usize = 32;

/// Events per chunk of the event list (a chunk grows past it only to keep a step's events together).
const EVENT_CHUNK: usize = 1 << 14;

/// What the checkpoints may hold, in estimated bytes, before they are thinned out.
pub const CHECKPOINT_BUDGET: usize = 64 << 20;

/// A run of ops that can be stepped through forwards and backwards.
#[derive(Clone, Debug)]
pub struct History {
    ops: OpLog,
    /// VM clones, each with the number of ops run before it, ascending; the first is step 0.
    checkpoints: Vec<(usize, Vm)>,
    /// Current spacing of checkpoints in steps (a power of two times [`CHECKPOINT_EVERY`]).
    every: usize,
    /// Estimated bytes held by the checkpoints.
    checkpoint_bytes: usize,
    /// Events of every step, in order, in chunks of about [`EVENT_CHUNK`] that each hold whole steps;
    /// `event_chunk_steps[c]` is the first step whose events are in chunk `c`, and `event_ends[i]` is where the
    /// events of step `i + 1` end in their chunk. Chunks, not one list: a list of a million events grown by doubling
    /// held twice its size at its peak, and wasm memory never shrinks back.
    events: Vec<Vec<Event>>,
    event_chunk_steps: Vec<usize>,
    event_ends: Vec<u32>,
    /// The error of the first op that failed, with its index; the run stops there.
    error: Option<(usize, OpError)>,
    vm: Vm,
    step: usize,
    /// What the checkpoints may hold (see [`CHECKPOINT_BUDGET`]).
    budget: usize,
    /// Whether ops can still be recorded ([`History::record`]): until [`History::finish`] or a failed op.
    recording: bool,
}

impl History {
    /// Runs `ops` once from an empty VM, recording events and checkpoints, and stops at the first failing op.
    pub fn new(ops: Vec<Op>) -> History {
        History::with_switches(crate::vm::Switches::default(), ops)
    }

    /// [`History::new`] on an emulator with these switches.
    pub fn with_switches(switches: crate::vm::Switches, ops: Vec<Op>) -> History {
        History::with_budget(switches, ops, CHECKPOINT_BUDGET)
    }

    /// [`History::with_switches`] keeping checkpoints of at most about `budget` bytes (tests use a small one).
    pub fn with_budget(switches: crate::vm::Switches, ops: Vec<Op>, budget: usize) -> History {
        History::record_all(switches, ops, budget)
    }

    /// [`History::with_switches`] over borrowed ops, such as a scenario's steps, so a long scenario's ops are never
    /// copied into a list of their own.
    pub fn from_ops<'a>(
        switches: crate::vm::Switches,
        ops: impl IntoIterator<Item = &'a Op>,
    ) -> History {
        History::record_all(switches, ops, CHECKPOINT_BUDGET)
    }

    fn record_all<I>(switches: crate::vm::Switches, ops: I, budget: usize) -> History
    where
        I: IntoIterator,
        I::Item: core::borrow::Borrow<Op>,
    {
        use core::borrow::Borrow;
        let ops = ops.into_iter();
        let mut h = History::recording_with_budget(switches, budget);
        h.event_ends.reserve(ops.size_hint().0);
        for op in ops {
            if !h.record(op.borrow()) {
                break;
            }
        }
        h.finish();
        h
    }

    /// An empty history on an emulator with these switches, to be run op by op with [`History::record`] and then
    /// [`History::finish`]ed: a long run can be recorded a slice at a time (the page reads a million steps between
    /// frames, so the tab never waits seconds for it). Until it is finished, it is at its last step and cannot seek.
    pub fn recording(switches: crate::vm::Switches) -> History {
        History::recording_with_budget(switches, CHECKPOINT_BUDGET)
    }

    fn recording_with_budget(switches: crate::vm::Switches, budget: usize) -> History {
        History {
            ops: OpLog::default(),
            checkpoints: Vec::new(),
            every: CHECKPOINT_EVERY,
            checkpoint_bytes: 0,
            events: Vec::new(),
            event_chunk_steps: Vec::new(),
            event_ends: Vec::new(),
            error: None,
            vm: Vm::with_switches(switches),
            step: 0,
            budget,
            recording: true,
        }
    }

    /// Runs `op` as the next step of a history being recorded, keeping its events and a checkpoint when one is due.
    /// Returns false, and records nothing, when the op failed (the history ends before it: [`History::error`]) or
    /// the history is no longer recording.
    pub fn record(&mut self, op: &Op) -> bool {
        if !self.recording {
            return false;
        }
        // Ops are encoded as they run, so no second decoded list is built.
        let i = self.len();
        if i % self.every == 0 {
            self.checkpoint(i);
        }
        if let Err(e) = self.vm.apply(op) {
            self.error = Some((i, e));
            self.recording = false;
            return false;
        }
        self.ops.push(op);
        let step = self.len() + 1;
        if self.events.last().is_none_or(|c| c.len() >= EVENT_CHUNK) {
            self.events.push(Vec::with_capacity(EVENT_CHUNK));
            self.event_chunk_steps.push(step);
        }
        let chunk = self.events.last_mut().expect("a chunk was just ensured");
        chunk.extend(self.vm.drain_events());
        // A chunk holds at most a little over EVENT_CHUNK events, far below u32::MAX.
        self.event_ends.push(chunk.len() as u32);
        self.step = self.len();
        true
    }

    /// Ends the recording: what only recording needs is dropped, and the history moves to step 0. Does nothing on a
    /// history already finished.
    pub fn finish(&mut self) {
        if self.ops.finished {
            return;
        }
        self.recording = false;
        if self.checkpoints.is_empty() {
            self.checkpoint(0);
        }
        self.ops.finish();
        if let Some(last) = self.events.last_mut() {
            last.shrink_to_fit();
        }
        self.event_ends.shrink_to_fit();
        self.step = self.len();
        self.seek(0);
    }

    /// Whether ops can still be recorded: not finished, and no op failed.
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Keeps a clone of the VM as the checkpoint of step `step`, thinning the checkpoints while they pass the budget.
    fn checkpoint(&mut self, step: usize) {
        let budget = self.budget;
        self.checkpoint_bytes += vm_bytes(&self.vm);
        self.checkpoints.push((step, self.vm.clone()));
        // Step 0 always stays; past it, halving keeps the spacing uniform so a seek replays at most `every` ops.
        while self.checkpoint_bytes > budget && self.checkpoints.len() > 2 {
            self.every *= 2;
            let every = self.every;
            self.checkpoints.retain(|(s, _)| s % every == 0);
            self.checkpoint_bytes = self.checkpoints.iter().map(|(_, vm)| vm_bytes(vm)).sum();
        }
    }

    /// The number of steps after step 0 (the ops that ran).
    pub fn len(&self) -> usize {
        self.event_ends.len()
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.event_ends.is_empty()
    }

    /// The current step: 0 before any op, `len()` after all.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The VM at the current step.
    pub fn vm(&self) -> &Vm {
        &self.vm
    }

    /// Op `i` (the op of step `i + 1`), decoded from the log.
    pub fn op(&self, i: usize) -> Op {
        self.ops.get(i)
    }

    /// The ops, in order, decoded one by one.
    pub fn ops(&self) -> impl Iterator<Item = Op> + '_ {
        (0..self.len()).map(|i| self.ops.get(i))
    }

    /// The events that step `step` produced (none for step 0).
    pub fn events_at(&self, step: usize) -> &[Event] {
        if step == 0 || step > self.len() {
            return &[];
        }
        let chunk = self.event_chunk_steps.partition_point(|&s| s <= step) - 1;
        let from = if step == self.event_chunk_steps[chunk] {
            0
        } else {
            self.event_ends[step - 2] as usize
        };
        &self.events[chunk][from..self.event_ends[step - 1] as usize]
    }

    /// The first op that failed, if any, with its index; the history ends before it.
    pub fn error(&self) -> Option<(usize, OpError)> {
        self.error
    }

    /// The steps of the checkpoints kept, ascending (the first is 0); consecutive ones are at most
    /// [`History::checkpoint_spacing`] apart.
    pub fn checkpoint_steps(&self) -> impl Iterator<Item = usize> + '_ {
        self.checkpoints.iter().map(|(s, _)| *s)
    }

    /// The spacing of the checkpoints: the most ops a seek replays.
    pub fn checkpoint_spacing(&self) -> usize {
        self.every
    }

    /// Estimated bytes held by the history: the checkpoints, the op log and the events.
    pub fn memory_bytes(&self) -> usize {
        self.checkpoint_bytes
            + self.ops.bytes()
            + self
                .events
                .iter()
                .map(|c| c.capacity() * core::mem::size_of::<Event>())
                .sum::<usize>()
            + self.event_ends.capacity() * core::mem::size_of::<u32>()
    }

    /// Moves to step `step` (clamped to `len()`). A history still recording stays at its last step.
    pub fn seek(&mut self, step: usize) {
        if !self.ops.finished {
            return;
        }
        let step = step.min(self.len());
        if step == self.step {
            return;
        }
        // Going forward a little: replay from here; otherwise from the nearest checkpoint at or before `step`.
        let idx = self.checkpoints.partition_point(|(s, _)| *s <= step) - 1;
        let base = self.checkpoints[idx].0;
        if !(self.step <= step && base <= self.step) {
            self.vm = self.checkpoints[idx].1.clone();
            self.step = base;
        }
        while self.step < step {
            self.vm
                .apply(&self.ops.get(self.step))
                .expect("an op that ran once runs again");
            self.vm.drain_events().for_each(drop);
            self.step += 1;
        }
    }
}

/// What a checkpoint of `vm` costs, roughly: the words of every heap block, fragment and ETS table, the literal
/// area (which grows with every distinct constant a loop's iterations build), the atom text, and a little per
/// process and binary.
fn vm_bytes(vm: &Vm) -> usize {
    let m = crate::view::memory(vm);
    let base = 512 + 64 * (vm.processes().len() + vm.binaries().iter().count());
    (m.processes + m.atom + m.ets + 8 * vm.literals().size()) as usize + base
}

/// Ops encoded as bytes, one start offset per op.
#[derive(Clone, Debug, Default)]
struct OpLog {
    bytes: Vec<u8>,
    starts: Vec<usize>,
    /// Interned names: variables, tables, actor names, atoms.
    names: crate::names::Names,
    /// Only while recording: the starts of the last distinct encodings.
    recent: Vec<(usize, usize)>,
    /// Set by `finish`: recording is over.
    finished: bool,
}

/// How many distinct recent encodings an op is compared with before it is stored again.
const RECENT: usize = 8;

impl OpLog {
    fn push(&mut self, op: &Op) {
        let at = self.bytes.len();
        self.encode(op);
        // A repeat of a recent op (a loop body that does not use its variable) points at the earlier copy.
        let len = self.bytes.len() - at;
        let new = &self.bytes[at..];
        let same = self
            .recent
            .iter()
            .find(|&&(s, l)| l == len && self.bytes[s..s + l] == *new)
            .map(|&(s, _)| s);
        match same {
            Some(s) => {
                self.bytes.truncate(at);
                self.starts.push(s);
            }
            None => {
                self.starts.push(at);
                if self.recent.len() == RECENT {
                    self.recent.remove(0);
                }
                self.recent.push((at, len));
            }
        }
    }

    /// Ends recording: drops the lookup structures and spare capacity.
    fn finish(&mut self) {
        self.finished = true;
        self.recent = Vec::new();
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
    }

    fn bytes(&self) -> usize {
        self.bytes.capacity()
            + self.starts.capacity() * core::mem::size_of::<usize>()
            + self.names.capacity_bytes()
    }

    fn get(&self, i: usize) -> Op {
        Reader {
            bytes: &self.bytes,
            at: self.starts[i],
            names: self.names.as_slice(),
        }
        .op()
    }

    fn uint(&mut self, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(b);
                return;
            }
            self.bytes.push(b | 0x80);
        }
    }

    fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn name(&mut self, s: &str) {
        let id = self.names.intern(s);
        self.uint(u64::from(id));
    }

    fn text(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }

    fn pid(&mut self, p: Pid) {
        self.uint(u64::from(p.0));
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Int(n) => {
                self.bytes.push(0);
                self.int(*n);
            }
            Value::Atom(a) => {
                self.bytes.push(1);
                self.name(a);
            }
            Value::Var(a) => {
                self.bytes.push(2);
                self.name(a);
            }
            Value::Tuple(xs) | Value::List(xs) => {
                self.bytes
                    .push(if matches!(v, Value::Tuple(_)) { 3 } else { 4 });
                self.uint(xs.len() as u64);
                for x in xs {
                    self.value(x);
                }
            }
            Value::Seq(a, b) => {
                self.bytes.push(5);
                self.int(*a);
                self.int(*b);
            }
            Value::Binary { bytes, fill } => {
                self.bytes.push(6);
                self.uint(*bytes);
                self.bytes.push(*fill);
            }
        }
    }

    fn encode(&mut self, op: &Op) {
        match op {
            Op::Spawn { name, opts } => {
                self.bytes.push(0);
                self.name(name);
                self.uint(opts.min_heap_size);
                self.uint(u64::from(opts.fullsweep_after));
                self.uint(opts.max_heap_size);
                self.bytes.push(u8::from(
                    opts.message_queue_data == MessageQueueData::OffHeap,
                ));
            }
            Op::Bind { pid, var, value } => {
                self.bytes.push(1);
                self.pid(*pid);
                self.name(var);
                self.value(value);
            }
            Op::Eval {
                pid,
                var,
                src,
                lang,
            } => {
                self.bytes.push(2);
                self.pid(*pid);
                match var {
                    None => self.bytes.push(0),
                    Some(v) => {
                        self.bytes.push(1);
                        self.name(v);
                    }
                }
                self.bytes.push(u8::from(*lang == Lang::Elixir));
                self.text(src);
            }
            Op::Forget { pid, var } | Op::Receive { pid, var } => {
                self.bytes.push(if matches!(op, Op::Forget { .. }) {
                    3
                } else {
                    4
                });
                self.pid(*pid);
                self.name(var);
            }
            Op::Send { from, to, var } => {
                self.bytes.push(5);
                self.pid(*from);
                self.pid(*to);
                self.name(var);
            }
            Op::BuildList { pid, var, n } => {
                self.bytes.push(6);
                self.pid(*pid);
                self.name(var);
                self.uint(*n);
            }
            Op::ConsOnto { pid, var, head } => {
                self.bytes.push(7);
                self.pid(*pid);
                self.name(var);
                self.int(*head);
            }
            Op::AllocGarbage { pid, words }
            | Op::BifResult { pid, words }
            | Op::PopFrame { pid, words }
            | Op::Wake { pid, extra: words } => {
                self.bytes.push(match op {
                    Op::AllocGarbage { .. } => 8,
                    Op::BifResult { .. } => 9,
                    Op::PopFrame { .. } => 10,
                    _ => 11,
                });
                self.pid(*pid);
                self.uint(*words);
            }
            Op::PushFrame { pid, words, heap } => {
                self.bytes.push(12);
                self.pid(*pid);
                self.uint(*words);
                self.uint(*heap);
            }
            Op::GarbageCollect { pid }
            | Op::Call { pid }
            | Op::Hibernate { pid }
            | Op::Exit { pid } => {
                self.bytes.push(match op {
                    Op::GarbageCollect { .. } => 13,
                    Op::Call { .. } => 14,
                    Op::Hibernate { .. } => 15,
                    _ => 16,
                });
                self.pid(*pid);
            }
            Op::EtsNew { pid, table, kind } => {
                self.bytes.push(17);
                self.pid(*pid);
                self.name(table);
                self.bytes.push(match kind {
                    EtsKind::Set => 0,
                    EtsKind::OrderedSet => 1,
                    EtsKind::Bag => 2,
                    EtsKind::DuplicateBag => 3,
                });
            }
            Op::EtsInsert { pid, table, var } => {
                self.bytes.push(18);
                self.pid(*pid);
                self.name(table);
                self.name(var);
            }
            Op::EtsLookup {
                pid,
                table,
                key,
                var,
            } => {
                self.bytes.push(19);
                self.pid(*pid);
                self.name(table);
                self.value(key);
                self.name(var);
            }
            Op::EtsDeleteKey { pid, table, key } => {
                self.bytes.push(20);
                self.pid(*pid);
                self.name(table);
                self.value(key);
            }
            Op::EtsDelete { pid, table } => {
                self.bytes.push(21);
                self.pid(*pid);
                self.name(table);
            }
            Op::BinLeak { top } => {
                self.bytes.push(22);
                self.uint(*top);
            }
            Op::MakeAtoms { pid, prefix, count } => {
                self.bytes.push(23);
                self.pid(*pid);
                self.name(prefix);
                self.uint(*count);
            }
            Op::SeqList {
                pid,
                var,
                first,
                last,
            } => {
                self.bytes.push(29);
                self.pid(*pid);
                self.name(var);
                self.int(*first);
                self.int(*last);
            }
            Op::EnumToList {
                pid,
                var,
                first,
                last,
            } => {
                self.bytes.push(31);
                self.pid(*pid);
                self.name(var);
                self.int(*first);
                self.int(*last);
            }
            Op::GcRequest { by, pid } => {
                self.bytes.push(30);
                self.pid(*by);
                self.pid(*pid);
            }
            Op::DetsOpen { table } | Op::DetsClose { table } => {
                self.bytes.push(if matches!(op, Op::DetsOpen { .. }) {
                    24
                } else {
                    25
                });
                self.name(table);
            }
            Op::DetsInsert { pid, table, var } => {
                self.bytes.push(26);
                self.pid(*pid);
                self.name(table);
                self.name(var);
            }
            Op::DetsLookup {
                pid,
                table,
                key,
                var,
            } => {
                self.bytes.push(27);
                self.pid(*pid);
                self.name(table);
                self.value(key);
                self.name(var);
            }
            Op::DetsDeleteKey { pid, table, key } => {
                self.bytes.push(28);
                self.pid(*pid);
                self.name(table);
                self.value(key);
            }
        }
    }
}

/// Decodes what [`OpLog::encode`] wrote. The bytes were written by this module, so they are well formed.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    names: &'a [String],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes[self.at];
        self.at += 1;
        b
    }

    fn uint(&mut self) -> u64 {
        let mut n = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte();
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return n;
            }
            shift += 7;
        }
    }

    fn int(&mut self) -> i64 {
        let u = self.uint();
        ((u >> 1) as i64) ^ -((u & 1) as i64)
    }

    fn name(&mut self) -> String {
        self.names[self.uint() as usize].clone()
    }

    fn text(&mut self) -> String {
        let n = self.uint() as usize;
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        String::from(core::str::from_utf8(s).expect("encoded from a str"))
    }

    fn pid(&mut self) -> Pid {
        Pid(self.uint() as u32)
    }

    fn value(&mut self) -> Value {
        match self.byte() {
            0 => Value::Int(self.int()),
            1 => Value::Atom(self.name()),
            2 => Value::Var(self.name()),
            t @ (3 | 4) => {
                let n = self.uint() as usize;
                let xs = (0..n).map(|_| self.value()).collect();
                if t == 3 {
                    Value::Tuple(xs)
                } else {
                    Value::List(xs)
                }
            }
            5 => {
                let a = self.int();
                Value::Seq(a, self.int())
            }
            _ => {
                let bytes = self.uint();
                Value::Binary {
                    bytes,
                    fill: self.byte(),
                }
            }
        }
    }

    fn op(&mut self) -> Op {
        match self.byte() {
            0 => Op::Spawn {
                name: self.name(),
                opts: SpawnOpts {
                    min_heap_size: self.uint(),
                    fullsweep_after: self.uint() as u32,
                    max_heap_size: self.uint(),
                    message_queue_data: if self.byte() == 1 {
                        MessageQueueData::OffHeap
                    } else {
                        MessageQueueData::OnHeap
                    },
                },
            },
            1 => Op::Bind {
                pid: self.pid(),
                var: self.name(),
                value: self.value(),
            },
            2 => {
                let pid = self.pid();
                let var = if self.byte() == 1 {
                    Some(self.name())
                } else {
                    None
                };
                let lang = if self.byte() == 1 {
                    Lang::Elixir
                } else {
                    Lang::Erlang
                };
                Op::Eval {
                    pid,
                    var,
                    src: self.text(),
                    lang,
                }
            }
            3 => Op::Forget {
                pid: self.pid(),
                var: self.name(),
            },
            4 => Op::Receive {
                pid: self.pid(),
                var: self.name(),
            },
            5 => Op::Send {
                from: self.pid(),
                to: self.pid(),
                var: self.name(),
            },
            6 => Op::BuildList {
                pid: self.pid(),
                var: self.name(),
                n: self.uint(),
            },
            7 => Op::ConsOnto {
                pid: self.pid(),
                var: self.name(),
                head: self.int(),
            },
            t @ 8..=11 => {
                let pid = self.pid();
                let words = self.uint();
                match t {
                    8 => Op::AllocGarbage { pid, words },
                    9 => Op::BifResult { pid, words },
                    10 => Op::PopFrame { pid, words },
                    _ => Op::Wake { pid, extra: words },
                }
            }
            12 => Op::PushFrame {
                pid: self.pid(),
                words: self.uint(),
                heap: self.uint(),
            },
            t @ 13..=16 => {
                let pid = self.pid();
                match t {
                    13 => Op::GarbageCollect { pid },
                    14 => Op::Call { pid },
                    15 => Op::Hibernate { pid },
                    _ => Op::Exit { pid },
                }
            }
            17 => Op::EtsNew {
                pid: self.pid(),
                table: self.name(),
                kind: match self.byte() {
                    0 => EtsKind::Set,
                    1 => EtsKind::OrderedSet,
                    2 => EtsKind::Bag,
                    _ => EtsKind::DuplicateBag,
                },
            },
            18 => Op::EtsInsert {
                pid: self.pid(),
                table: self.name(),
                var: self.name(),
            },
            19 => Op::EtsLookup {
                pid: self.pid(),
                table: self.name(),
                key: self.value(),
                var: self.name(),
            },
            20 => Op::EtsDeleteKey {
                pid: self.pid(),
                table: self.name(),
                key: self.value(),
            },
            21 => Op::EtsDelete {
                pid: self.pid(),
                table: self.name(),
            },
            22 => Op::BinLeak { top: self.uint() },
            24 => Op::DetsOpen { table: self.name() },
            31 => Op::EnumToList {
                pid: self.pid(),
                var: self.name(),
                first: self.int(),
                last: self.int(),
            },
            30 => Op::GcRequest {
                by: self.pid(),
                pid: self.pid(),
            },
            29 => Op::SeqList {
                pid: self.pid(),
                var: self.name(),
                first: self.int(),
                last: self.int(),
            },
            25 => Op::DetsClose { table: self.name() },
            26 => Op::DetsInsert {
                pid: self.pid(),
                table: self.name(),
                var: self.name(),
            },
            27 => Op::DetsLookup {
                pid: self.pid(),
                table: self.name(),
                key: self.value(),
                var: self.name(),
            },
            28 => Op::DetsDeleteKey {
                pid: self.pid(),
                table: self.name(),
                key: self.value(),
            },
            _ => Op::MakeAtoms {
                pid: self.pid(),
                prefix: self.name(),
                count: self.uint(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    #[test]
    fn every_op_of_every_builtin_is_decoded_as_it_was_given() {
        for id in scenario::BUILTIN {
            let s = scenario::builtin(id).expect("built-in");
            let ops = s.ops();
            let h = History::new(ops.clone());
            assert_eq!(h.len(), ops.len(), "{id}");
            for (i, op) in ops.iter().enumerate() {
                assert_eq!(&h.op(i), op, "{id} op {i}");
            }
        }
    }

    #[test]
    fn a_repeated_op_is_stored_once() {
        let send = Op::Send {
            from: Pid(0),
            to: Pid(1),
            var: "x".into(),
        };
        let mut log = OpLog::default();
        log.push(&send);
        let one = log.bytes.len();
        for _ in 0..1000 {
            log.push(&Op::Forget {
                pid: Pid(1),
                var: "m".into(),
            });
            log.push(&send);
        }
        assert!(log.bytes.len() < 2 * one + 8, "{} bytes", log.bytes.len());
        assert_eq!(log.get(2000), send);
        assert_eq!(
            log.get(1999),
            Op::Forget {
                pid: Pid(1),
                var: "m".into()
            }
        );
    }

    /// A scenario long enough to thin its checkpoints under a small budget: a list grown cons by cons, so each
    /// checkpoint is bigger than the last, with collections along the way.
    fn growing(n: i64) -> Vec<Op> {
        let mut ops = vec![Op::Spawn {
            name: "a".into(),
            opts: SpawnOpts::default(),
        }];
        for i in 0..n {
            ops.push(Op::ConsOnto {
                pid: Pid(0),
                var: "l".into(),
                head: i,
            });
            if i % 97 == 0 {
                ops.push(Op::Eval {
                    pid: Pid(0),
                    var: Some("t".into()),
                    src: alloc::format!("{{{i}, [{i}]}}"),
                    lang: Lang::Erlang,
                });
            }
        }
        ops
    }

    #[test]
    fn thinned_checkpoints_stay_under_budget_and_seek_equals_straight_run() {
        let ops = growing(3000);
        let budget = 200_000;
        let mut h = History::with_budget(crate::vm::Switches::default(), ops.clone(), budget);
        assert_eq!(h.len(), ops.len());
        let every = h.checkpoint_spacing();
        assert!(every > CHECKPOINT_EVERY, "thinned: {every}");
        let steps: Vec<usize> = h.checkpoint_steps().collect();
        assert_eq!(steps[0], 0);
        assert!(steps.iter().all(|s| s % every == 0), "{steps:?}");
        assert!(steps.windows(2).all(|w| w[1] - w[0] == every), "{steps:?}");
        assert!(h.checkpoint_bytes <= budget, "{}", h.checkpoint_bytes);
        for target in [
            ops.len(),
            0,
            1,
            1234,
            1233,
            1235,
            2999,
            every,
            every - 1,
            17,
            ops.len() - 1,
        ] {
            h.seek(target);
            let mut straight = Vm::new();
            for op in &ops[..target] {
                straight.apply(op).expect("runs");
            }
            straight.drain_events().for_each(drop);
            assert!(*h.vm() == straight, "step {target}");
        }
    }

    #[test]
    fn a_history_recorded_in_slices_equals_one_recorded_at_once() {
        let mut ops = growing(700);
        // A failing op ends both histories at the same step.
        ops.push(Op::Send {
            from: Pid(0),
            to: Pid(9),
            var: "l".into(),
        });
        let good = ops.len() - 1;
        ops.extend(growing(3));
        let whole = History::new(ops.clone());
        let mut sliced = History::recording(crate::vm::Switches::default());
        for slice in ops.chunks(33) {
            assert!(sliced.is_recording());
            // Seeking while recording leaves it at its last step.
            sliced.seek(0);
            assert_eq!(sliced.step(), sliced.len());
            if !slice.iter().all(|op| sliced.record(op)) {
                break;
            }
        }
        assert!(!sliced.is_recording());
        assert!(
            !sliced.record(&ops[0]),
            "nothing is recorded after a failed op"
        );
        sliced.finish();
        assert_eq!(sliced.error(), whole.error());
        assert_eq!(sliced.len(), whole.len());
        assert_eq!(sliced.len(), good);
        assert_eq!(sliced.step(), 0);
        assert_eq!(
            sliced.checkpoint_steps().collect::<Vec<_>>(),
            whole.checkpoint_steps().collect::<Vec<_>>()
        );
        let mut whole = whole;
        for step in [whole.len(), 3, 350, 0, 699] {
            sliced.seek(step);
            whole.seek(step);
            assert!(sliced.vm() == whole.vm(), "step {step}");
            assert_eq!(sliced.events_at(step), whole.events_at(step), "step {step}");
        }
    }

    #[test]
    fn events_are_kept_per_step() {
        events_match_a_straight_run(growing(500));
        // Past one chunk of the event list.
        let long = growing(2 * EVENT_CHUNK as i64);
        let h = History::new(long.clone());
        assert!(h.events.len() > 2, "{} chunks", h.events.len());
        events_match_a_straight_run(long);
    }

    #[track_caller]
    fn events_match_a_straight_run(ops: Vec<Op>) {
        let h = History::new(ops.clone());
        let mut vm = Vm::new();
        for (i, op) in ops.iter().enumerate() {
            vm.apply(op).expect("runs");
            let events: Vec<Event> = vm.drain_events().collect();
            assert_eq!(h.events_at(i + 1), events.as_slice(), "step {}", i + 1);
        }
        assert!(h.events_at(0).is_empty());
        assert!(h.events_at(ops.len() + 1).is_empty());
    }
}
