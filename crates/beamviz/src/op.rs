//! What the model is asked to do: operations, in the imperative.
//!
//! Each op is one step of a scenario: a process runs one statement.
//! Ops are plain data, so a scenario is a list of them and a replay is a fold over it.

use crate::expr::Lang;
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
    /// Evaluate an Erlang or Elixir expression in the process (its bound variables visible), install the result on
    /// its heap as `Bind` installs a built term (behind a heap test), bind it to `var` (if any, replacing an earlier
    /// binding) and bind the variables the expression's patterns bound.
    ///
    /// The source is kept as text (an `Expr` is not `Eq`) and parsed again when the op runs.
    Eval {
        /// The process.
        pid: Pid,
        /// The variable bound to the value, if any.
        var: Option<String>,
        /// The expression.
        src: String,
        /// Its syntax.
        lang: Lang,
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
    /// `erlang:garbage_collect(Pid)` run by another process `by`: a major collection of `pid`, as a system task,
    /// while `by` waits for the reply. `by`'s heap keeps 14 words of garbage: the request's reference (3), the
    /// request `{garbage_collect, Ref, major}` (4) and the reply `{garbage_collect, Ref, true}` with its copy of the
    /// reference (7) (OTP 25's `erlang:garbage_collect/2`; measured).
    GcRequest {
        /// The process asking.
        by: Pid,
        /// The process collected.
        pid: Pid,
    },
    /// `build(N, [])` as compiled code runs it: `N` cons cells `[N | Acc]`, one at a time, each behind its own
    /// heap test (`test_heap 2`), with the accumulator live in an X register; the list is then bound to `var`.
    BuildList {
        /// The process.
        pid: Pid,
        /// The variable the finished list is bound to.
        var: String,
        /// The number of cons cells.
        n: u64,
    },
    /// `Var = lists:seq(First, Last)` as OTP 25's `lists:seq/2` runs it: from the end, four cons cells per loop
    /// (`seq_loop/3`: `[X-3, X-2, X-1, X | L]` behind `test_heap 8`, the partial list live), then two, then one;
    /// the list is then bound to `var`.
    SeqList {
        /// The process.
        pid: Pid,
        /// The variable the list is bound to.
        var: String,
        /// The first element.
        first: i64,
        /// The last element (`first - 1` for `[]`).
        last: i64,
    },
    /// `Var = Enum.to_list(First..Last)` (Elixir 1.14 on OTP 25) with `First =< Last`: `Enum.reduce_range/5`
    /// conses the reversed list one cell per call of its fun (each call behind a 5-word frame and a 2-word heap
    /// test, the partial list live), then `lists:reverse/1` builds the result, its last cells on the heap as far as
    /// they fit and the rest in a heap fragment (`lists_reverse_onheap`/`_alloc`), followed by the GC after the BIF.
    /// The fun (5 words) and the reversed list are garbage afterwards.
    EnumToList {
        /// The process.
        pid: Pid,
        /// The variable the list is bound to.
        var: String,
        /// The first element.
        first: i64,
        /// The last element.
        last: i64,
    },
    /// `Var = [Head | Var]`: one cons cell onto the list bound to `var` (unbound counts as `[]`), behind a heap test.
    ConsOnto {
        /// The process.
        pid: Pid,
        /// The list variable.
        var: String,
        /// The new head, a small integer.
        head: i64,
    },
    /// Allocates `words` words on the heap (behind a heap test) that no root keeps: a result used and dropped,
    /// such as the 5-word tuple of a sent message, or spawn arguments already consumed.
    AllocGarbage {
        /// The process.
        pid: Pid,
        /// How many words.
        words: u64,
    },
    /// A BIF such as `process_info(self(), Item)` builds a `words`-word result `{Item, Value}` with `HAlloc`
    /// (the value first, then the 3-word tuple) and the caller drops it after use. Each part goes on the heap when
    /// the gap keeps `S_RESERVED` words free after it, else into a heap fragment (measured on OTP 25); then the
    /// "GC after BIF" runs, with the result live, when the fragments reach the gap (`ERTS_IS_GC_DESIRED`).
    BifResult {
        /// The process.
        pid: Pid,
        /// How many words the result takes.
        words: u64,
    },
    /// Pushes a stack frame of `words` dead words (a call that keeps a frame: `allocate_heap words, heap`), behind
    /// one heap test for the frame and the `heap` words the code builds right after it (`need = words + heap`).
    /// The following ops then allocate those `heap` words; their own heap tests pass.
    PushFrame {
        /// The process.
        pid: Pid,
        /// Frame size in words.
        words: u64,
        /// Heap words reserved by the same test (`allocate_heap`'s second operand; 0 for a plain `allocate`).
        heap: u64,
    },
    /// A non-tail call (`call`): pushes the continuation pointer with no heap test, into the word that
    /// `S_RESERVED` keeps free for it (`CP_SIZE`); the callee's heap tests then count it. `PopFrame { words: 1 }`
    /// is the return.
    Call {
        /// The process.
        pid: Pid,
    },
    /// Pops `words` dead words off the stack (`deallocate`); never pops bound variables or the bottom CP.
    PopFrame {
        /// The process.
        pid: Pid,
        /// Frame size in words.
        words: u64,
    },
    /// `erlang:hibernate/3` with the bound variables as arguments: the stack is cut back to the CP, a major GC
    /// compacts the live data (the argument list included) into a heap of exactly live + `S_RESERVED` words.
    Hibernate {
        /// The process.
        pid: Pid,
    },
    /// A hibernated process wakes (a message arrived): the function named in `hibernate/3` starts, takes its
    /// arguments back into a new frame (one slot per variable, plus `extra` words), behind a heap test.
    Wake {
        /// The process.
        pid: Pid,
        /// Extra frame words beyond the variable slots.
        extra: u64,
    },
    /// `ets:new/2` by the process: a table of type `kind` owned by it, named `table`.
    EtsNew {
        /// The owner.
        pid: Pid,
        /// The table's name.
        table: String,
        /// The table type.
        kind: crate::ets::EtsKind,
    },
    /// `ets:insert(Table, Var)`: the object (a tuple keyed on its first element), or each object of a list of
    /// them, is copied into the table (flat, sharing lost).
    EtsInsert {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
        /// The variable holding the object.
        var: String,
    },
    /// `Var = ets:lookup(Table, Key)`: the list of the objects with that key, copied onto the caller's heap.
    EtsLookup {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
        /// The key: a small integer, an atom, or a variable of the caller (tuples and lists of those too).
        key: Value,
        /// The variable bound to the list.
        var: String,
    },
    /// `ets:delete(Table, Key)`: the objects with that key leave the table.
    EtsDeleteKey {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
        /// The key, as for [`Op::EtsLookup`].
        key: Value,
    },
    /// `ets:delete(Table)`.
    EtsDelete {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
    },
    /// `recon:bin_leak(Top)`: garbage-collects every running process (a major GC each, as
    /// `erlang:garbage_collect(Pid)`) and reports the `top` processes that released the most binary references
    /// ([`crate::Event::BinariesReleased`]). Hibernated processes are left asleep.
    BinLeak {
        /// How many processes to report.
        top: u64,
    },
    /// `list_to_atom/1` called `count` times with new names (`prefix` followed by a counter).
    /// Atoms are never collected; past 1,048,576 the VM dies (an event).
    MakeAtoms {
        /// The process calling.
        pid: Pid,
        /// The names' prefix.
        prefix: String,
        /// How many atoms.
        count: u64,
    },
    /// The process exits; its memory is reclaimed at once.
    Exit {
        /// The process.
        pid: Pid,
    },
    /// `dets:open_file(Table, [{type, set}])`, run by the scenario itself (the shell): a DETS table, whose objects
    /// live in a file, served by a process of the `dets` application (not modelled: see `crate::dets`).
    DetsOpen {
        /// The table's name.
        table: String,
    },
    /// `dets:insert(Table, Var)` by a process: a call to the table's server; the object (or each of a list of
    /// them) goes to the file.
    DetsInsert {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
        /// The variable holding the object.
        var: String,
    },
    /// `Var = dets:lookup(Table, Key)`: the objects with that key, read back and copied onto the caller's heap.
    DetsLookup {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
        /// The key, as for [`Op::EtsLookup`].
        key: Value,
        /// The variable bound to the list.
        var: String,
    },
    /// `dets:delete(Table, Key)`: the objects with that key leave the table.
    DetsDeleteKey {
        /// The process calling.
        pid: Pid,
        /// The table.
        table: String,
        /// The key, as for [`Op::EtsLookup`].
        key: Value,
    },
    /// `dets:close(Table)`, run by the scenario itself: the file is closed and its server stops.
    DetsClose {
        /// The table.
        table: String,
    },
}

impl Op {
    /// The process this op is run by.
    pub fn actor(&self) -> Option<Pid> {
        match self {
            Op::Spawn { .. } | Op::BinLeak { .. } | Op::DetsOpen { .. } | Op::DetsClose { .. } => {
                None
            }
            Op::Bind { pid, .. }
            | Op::Eval { pid, .. }
            | Op::Forget { pid, .. }
            | Op::Receive { pid, .. }
            | Op::GarbageCollect { pid }
            | Op::BuildList { pid, .. }
            | Op::SeqList { pid, .. }
            | Op::EnumToList { pid, .. }
            | Op::ConsOnto { pid, .. }
            | Op::AllocGarbage { pid, .. }
            | Op::BifResult { pid, .. }
            | Op::PushFrame { pid, .. }
            | Op::PopFrame { pid, .. }
            | Op::Call { pid }
            | Op::Hibernate { pid }
            | Op::Wake { pid, .. }
            | Op::EtsNew { pid, .. }
            | Op::EtsInsert { pid, .. }
            | Op::EtsLookup { pid, .. }
            | Op::EtsDeleteKey { pid, .. }
            | Op::EtsDelete { pid, .. }
            | Op::DetsInsert { pid, .. }
            | Op::DetsLookup { pid, .. }
            | Op::DetsDeleteKey { pid, .. }
            | Op::MakeAtoms { pid, .. }
            | Op::Exit { pid } => Some(*pid),
            Op::Send { from, .. } => Some(*from),
            Op::GcRequest { by, .. } => Some(*by),
        }
    }
}
