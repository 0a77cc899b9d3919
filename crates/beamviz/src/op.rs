//! What the model is asked to do: operations, in the imperative.
//!
//! Each op is one step of a scenario: a process runs one statement.
//! Ops are plain data, so a scenario is a list of them and a replay is a fold over it.

use crate::process::{Pid, SpawnOpts};
use alloc::string::String;
use alloc::vec::Vec;

/// A term to build, as a statement's right-hand side.
///
/// Model: this is the construction subset the first scenarios need; the expression evaluator builds on it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Value {
    /// An integer (a bignum when outside the small range).
    Int(i64),
    /// An atom.
    Atom(String),
    /// The term bound to a variable of the same process (shared, not copied).
    Var(String),
    /// A tuple.
    Tuple(Vec<Value>),
    /// A proper list.
    List(Vec<Value>),
    /// `lists:seq(From, To)`: a list of small integers.
    Seq(i64, i64),
    /// A binary of `bytes` bytes, each `fill`: a heap binary up to 64 bytes, else off-heap with a ProcBin.
    Binary {
        /// Its size in bytes.
        bytes: u64,
        /// The byte it is filled with.
        fill: u8,
    },
}

/// One operation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Op {
    /// Spawn a process.
    Spawn {
        /// Its name in the scenario.
        name: String,
        /// Its options.
        opts: SpawnOpts,
    },
    /// Build `value` on the process heap and bind it to `var`, replacing an earlier binding.
    Bind {
        /// The process.
        pid: Pid,
        /// The variable.
        var: String,
        /// The term.
        value: Value,
    },
    /// Forget a variable: its term becomes garbage unless reachable otherwise.
    Forget {
        /// The process.
        pid: Pid,
        /// The variable.
        var: String,
    },
    /// Send the term bound to `var` in `from` to `to`.
    Send {
        /// The sender.
        from: Pid,
        /// The receiver.
        to: Pid,
        /// The variable holding the message.
        var: String,
    },
    /// Take the oldest message from the mailbox and bind it to `var`.
    Receive {
        /// The receiver.
        pid: Pid,
        /// The variable.
        var: String,
    },
    /// `erlang:garbage_collect(Pid)`: a major collection.
    GarbageCollect {
        /// The process.
        pid: Pid,
    },
    /// The process exits; its memory is reclaimed at once.
    Exit {
        /// The process.
        pid: Pid,
    },
}

impl Op {
    /// The process this op is run by.
    pub fn actor(&self) -> Option<Pid> {
        match self {
            Op::Spawn { .. } => None,
            Op::Bind { pid, .. }
            | Op::Forget { pid, .. }
            | Op::Receive { pid, .. }
            | Op::GarbageCollect { pid }
            | Op::Exit { pid } => Some(*pid),
            Op::Send { from, .. } => Some(*from),
        }
    }
}
