//! Time travel: the op log plus checkpoints.
//!
//! The truth is the list of ops; the state at step `n` is the VM after the first `n` ops.
//! A clone of the VM is kept every [`CHECKPOINT_EVERY`] steps, so `seek(n)` restores the nearest checkpoint at
//! or before `n` and replays at most that many ops. The events of each step are cached as they are produced.

use crate::event::Event;
use crate::op::Op;
use crate::vm::{OpError, Vm};
use alloc::vec::Vec;

/// Steps between checkpoints.
pub const CHECKPOINT_EVERY: usize = 32;

/// A run of ops that can be stepped through forwards and backwards.
#[derive(Clone, Debug)]
pub struct History {
    ops: Vec<Op>,
    checkpoints: Vec<Vm>,
    /// Events of step `i + 1` (the effects of op `i`).
    events: Vec<Vec<Event>>,
    /// The error of the first op that failed, with its index; the run stops there.
    error: Option<(usize, OpError)>,
    vm: Vm,
    step: usize,
}

impl History {
    /// Runs `ops` once from an empty VM, recording events and checkpoints, and stops at the first failing op.
    pub fn new(ops: Vec<Op>) -> History {
        History::with_switches(crate::vm::Switches::default(), ops)
    }

    /// [`History::new`] on an emulator with these switches.
    pub fn with_switches(switches: crate::vm::Switches, ops: Vec<Op>) -> History {
        let mut vm = Vm::with_switches(switches);
        let mut checkpoints = Vec::with_capacity(ops.len() / CHECKPOINT_EVERY + 1);
        let mut events = Vec::with_capacity(ops.len());
        let mut error = None;
        for (i, op) in ops.iter().enumerate() {
            if i % CHECKPOINT_EVERY == 0 {
                checkpoints.push(vm.clone());
            }
            if let Err(e) = vm.apply(op) {
                error = Some((i, e));
                break;
            }
            events.push(vm.drain_events().collect());
        }
        let len = events.len();
        let mut ops = ops;
        ops.truncate(len);
        let mut h = History {
            ops,
            checkpoints,
            events,
            error,
            vm,
            step: len,
        };
        h.seek(0);
        h
    }

    /// The number of steps after step 0 (the ops that ran).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The current step: 0 before any op, `len()` after all.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The VM at the current step.
    pub fn vm(&self) -> &Vm {
        &self.vm
    }

    /// The ops.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The events that step `step` produced (none for step 0).
    pub fn events_at(&self, step: usize) -> &[Event] {
        if step == 0 {
            return &[];
        }
        self.events.get(step - 1).map_or(&[], Vec::as_slice)
    }

    /// The first op that failed, if any, with its index; the history ends before it.
    pub fn error(&self) -> Option<(usize, OpError)> {
        self.error
    }

    /// Moves to step `step` (clamped to `len()`).
    pub fn seek(&mut self, step: usize) {
        let step = step.min(self.len());
        if step == self.step {
            return;
        }
        // Going forward a little: replay from here; otherwise from the nearest checkpoint.
        // Checkpoints are taken before ops, so the last step of a run a multiple of CHECKPOINT_EVERY long has
        // none of its own: it replays from the one before.
        let idx = (step / CHECKPOINT_EVERY).min(self.checkpoints.len() - 1);
        let base = idx * CHECKPOINT_EVERY;
        if !(self.step <= step && base <= self.step) {
            self.vm = self.checkpoints[idx].clone();
            self.step = base;
        }
        while self.step < step {
            self.vm
                .apply(&self.ops[self.step])
                .expect("an op that ran once runs again");
            self.vm.drain_events().for_each(drop);
            self.step += 1;
        }
    }
}
