//! The virtual machine: processes, the shared binary area, the atom table; ops in, events out.
//!
//! `Vm::apply` runs one [`Op`] to completion, as one process running one statement between two reductions.
//! Everything the op causes (allocations, GCs, refcount changes, exits) is recorded as [`Event`]s.
//! The VM is deterministic and holds no clock: the same ops give the same state, bit for bit.

use crate::binary::BinaryArea;
use crate::copy::{self, Areas};
use crate::dets::{DetsObject, DetsTable};
use crate::ets::{EtsObject, EtsTable};
use crate::event::Event;
use crate::expr::{self, Evaluated, FunTable, Lang};
use crate::gc::{self, GcReason};
use crate::heap::{AreaIds, Block, LITERAL_AREA};
use crate::op::{Op, Value};
use crate::process::{
    GcCounters, Hibernation, Message, MessageQueueData, Pid, Process, SpawnOpts, Stage, H_MIN_SIZE,
    MIN_BIN_VHEAP_SIZE, S_RESERVED,
};
use crate::term::{Addr, HeaderTag, Term, MAX_SMALL, MIN_SMALL, ONHEAP_BIN_LIMIT, PROC_BIN_SIZE};
use crate::{heap_sizes, term};
use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Why an op could not run. Domain outcomes are events; these are mistakes in the op itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpError {
    /// No process has that pid.
    UnknownPid,
    /// The process has exited.
    NotAlive,
    /// The variable is not bound in that process.
    UnboundVariable,
    /// `receive` with an empty mailbox: the process would block forever.
    EmptyMailbox,
    /// A built term would exceed the model's size limit.
    TooLarge,
    /// The atom table is full (1,048,576 atoms).
    AtomTableFull,
    /// The emulator has exited (the atom table overflowed); nothing runs any more.
    Halted,
    /// `Wake` of a process that is not hibernated, or another op on a hibernated one.
    Hibernating,
    /// No live ETS table has that name, or a table of that name exists already (for `EtsNew`).
    NoSuchTable,
    /// `ets:insert/2` of something that is not a tuple with a key (or a list of them): `badarg`.
    NotAnEtsObject,
    /// No open DETS table has that name, or one of that name is open already (for `DetsOpen`).
    NoSuchDetsTable,
    /// A DETS object holding an off-heap binary: not modelled (see [`crate::dets`]).
    DetsOffHeapBinary,
    /// The expression of an `Eval` does not parse; the span is in the expression's source.
    Syntax(crate::expr::ParseError),
    /// The expression of an `Eval` raised an error or hit an evaluation limit; the span is in its source.
    Eval(crate::expr::EvalError),
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpError::UnknownPid => "no such process",
            OpError::NotAlive => "the process has exited",
            OpError::UnboundVariable => "the variable is unbound",
            OpError::EmptyMailbox => "the mailbox is empty: receive would block forever",
            OpError::TooLarge => "the term exceeds the model's limit of 16,777,216 words",
            OpError::AtomTableFull => "the atom table is full (1,048,576 atoms)",
            OpError::Halted => "the emulator has exited",
            OpError::Hibernating => "the process is hibernated (or, for wake, is not)",
            OpError::NoSuchTable => "no such ETS table (or, for ets:new, it exists already)",
            OpError::NotAnEtsObject => {
                "ets:insert needs a tuple with at least one element, or a list of such tuples (badarg)"
            }
            OpError::NoSuchDetsTable => "no such open DETS table (or, for dets:open_file, it is open already)",
            OpError::DetsOffHeapBinary => {
                "not modelled yet: a DETS object holding an off-heap binary (over 64 bytes)"
            }
            OpError::Syntax(e) => return write!(f, "{}", e.kind.what()),
            OpError::Eval(e) => return write!(f, "{}", e.kind.what()),
        })
    }
}

impl core::error::Error for OpError {}

/// The most words one built term may take. Keeps a hostile scenario from exhausting memory.
pub const MAX_TERM_WORDS: u64 = 1 << 24;
/// `ERTS_POTENTIALLY_LONG_GC_HSIZE`: GCs expected to touch this many words run on a dirty scheduler.
pub const ERTS_POTENTIALLY_LONG_GC_HSIZE: u64 = 128 * 1024;
/// `ATOM_LIMIT`: the default size of the atom table.
pub const ATOM_LIMIT: usize = 1024 * 1024;

/// Emulator-wide switches a learner can flip: `erl` flags and build options that change the memory picture.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Switches {
    /// `+hmqd on_heap|off_heap`: the `message_queue_data` of processes spawned without the option.
    /// The scenario reader applies it to the actors it spawns.
    pub message_queue_data: crate::process::MessageQueueData,
    /// An emulator built with `--enable-sharing-preserving`: sends and ETS copies keep sharing
    /// ([`copy::copy_term_shared`]), so `{L, L, L}` arrives as `erts_debug:size/1` words, not `flat_size/1`.
    pub sharing_preserving: bool,
}

/// The whole machine.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Vm {
    switches: Switches,
    processes: Vec<Process>,
    binaries: BinaryArea,
    ids: AreaIds,
    atoms: crate::names::Names,
    literals: Block,
    ets: Vec<Option<EtsTable>>,
    /// DETS tables by opening order; `None` once closed.
    dets: Vec<Option<DetsTable>>,
    /// The code of every fun made so far, indexed by a fun object's second word, so a fun outlives the statement
    /// that made it (as a module's fun entries outlive the call that made a fun).
    funs: FunTable,
    halted: bool,
    events: Vec<Event>,
    ops_applied: u64,
}

impl Default for Vm {
    fn default() -> Self {
        Vm::new()
    }
}

impl Vm {
    /// An empty machine.
    pub fn new() -> Vm {
        Vm::with_switches(Switches::default())
    }

    /// An empty machine with these switches.
    pub fn with_switches(switches: Switches) -> Vm {
        let mut vm = Vm {
            switches,
            processes: Vec::new(),
            binaries: BinaryArea::default(),
            ids: AreaIds::default(),
            atoms: crate::names::Names::new(),
            literals: Block::new(LITERAL_AREA, 0),
            ets: Vec::new(),
            dets: Vec::new(),
            funs: FunTable::default(),
            halted: false,
            events: Vec::new(),
            ops_applied: 0,
        };
        // The first atoms of every ERTS atom table.
        for name in ["false", "true", "ok", "error", "undefined", "nil"] {
            vm.intern(name).expect("fresh atom table");
        }
        vm
    }

    /// The emulator's switches.
    pub fn switches(&self) -> Switches {
        self.switches
    }

    /// How this emulator copies a term between heaps (sends, ETS).
    fn copier(
        &self,
    ) -> fn(&Areas<'_>, Term, Block, &mut crate::binary::BinaryArea) -> copy::Copied {
        if self.switches.sharing_preserving {
            copy::copy_term_shared
        } else {
            copy::copy_term
        }
    }

    /// The processes, by pid order (exited ones included).
    pub fn processes(&self) -> &[Process] {
        &self.processes
    }

    /// One process.
    pub fn process(&self, pid: Pid) -> Option<&Process> {
        self.processes.get(pid.0 as usize)
    }

    /// The process named `name`.
    pub fn process_named(&self, name: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.name == name)
    }

    /// The shared binary area.
    pub fn binaries(&self) -> &BinaryArea {
        &self.binaries
    }

    /// The atom table.
    pub fn atoms(&self) -> &[String] {
        self.atoms.as_slice()
    }

    /// The atom table with its index by name.
    pub fn atom_table(&self) -> &crate::names::Names {
        &self.atoms
    }

    /// The literal area.
    pub fn literals(&self) -> &Block {
        &self.literals
    }

    /// The ETS tables, by id; `None` once deleted.
    pub fn ets_tables(&self) -> &[Option<EtsTable>] {
        &self.ets
    }

    /// The code of the funs made so far.
    pub fn funs(&self) -> &FunTable {
        &self.funs
    }

    /// Whether the emulator has exited (atom table overflow).
    pub fn halted(&self) -> bool {
        self.halted
    }

    /// How many ops have been applied.
    pub fn ops_applied(&self) -> u64 {
        self.ops_applied
    }

    /// Takes the events recorded since the last call.
    pub fn drain_events(&mut self) -> alloc::vec::Drain<'_, Event> {
        self.events.drain(..)
    }

    /// The blocks `p`'s terms may point into.
    pub fn areas_of<'a>(&'a self, p: &'a Process) -> Areas<'a> {
        process_areas(p, &self.literals)
    }

    /// Interns an atom.
    ///
    /// # Errors
    /// [`OpError::AtomTableFull`] past 1,048,576 atoms.
    pub fn intern(&mut self, name: &str) -> Result<Term, OpError> {
        if let Some(i) = self.atoms.get(name) {
            return Ok(Term::atom(i));
        }
        if self.atoms.len() >= ATOM_LIMIT {
            return Err(OpError::AtomTableFull);
        }
        Ok(Term::atom(self.atoms.push(name.to_string())))
    }

    /// Runs one op.
    ///
    /// # Errors
    /// When the op names an unknown or exited process, an unbound variable, or receives from an empty mailbox.
    /// The VM is unchanged then.
    pub fn apply(&mut self, op: &Op) -> Result<(), OpError> {
        self.validate(op)?;
        // An expression is evaluated before anything moves: evaluation reads the VM only.
        let mut evaluated = match op {
            Op::Eval { pid, src, lang, .. } => Some(self.evaluate(*pid, src, *lang)?),
            _ => None,
        };
        // A process that terminated in the previous step is now only reclaimed memory.
        for p in &mut self.processes {
            if p.stage == Stage::Termination {
                p.stage = Stage::Reclamation;
            }
        }
        let res = match op {
            Op::Spawn { name, opts } => {
                self.spawn(name, *opts);
                Ok(())
            }
            Op::Bind { pid, var, value } => self.bind(*pid, var, value),
            Op::Eval { pid, var, .. } => {
                if let Some(res) = evaluated.take() {
                    self.eval_bind(*pid, var.as_deref(), res);
                }
                Ok(())
            }
            Op::Forget { pid, var } => {
                self.forget(*pid, var);
                Ok(())
            }
            Op::Send { from, to, var } => self.send(*from, *to, var),
            Op::Receive { pid, var } => self.receive(*pid, var),
            Op::GarbageCollect { pid } => {
                self.processes[pid.0 as usize].need_fullsweep = true;
                self.collect(*pid, 0, &mut [], GcReason::Requested);
                Ok(())
            }
            Op::GcRequest { by, pid } => {
                self.gc_request(*by, *pid);
                Ok(())
            }
            Op::SeqList {
                pid,
                var,
                first,
                last,
            } => {
                self.seq_list(*pid, var, *first, *last);
                Ok(())
            }
            Op::EnumToList {
                pid,
                var,
                first,
                last,
            } => {
                self.enum_to_list(*pid, var, *first, *last);
                Ok(())
            }
            Op::BuildList { pid, var, n } => {
                self.build_list(*pid, var, *n);
                Ok(())
            }
            Op::ConsOnto { pid, var, head } => {
                self.cons_onto(*pid, var, *head);
                Ok(())
            }
            Op::AllocGarbage { pid, words } => {
                self.alloc_garbage(*pid, *words);
                Ok(())
            }
            Op::BifResult { pid, words } => {
                self.bif_result(*pid, *words);
                Ok(())
            }
            Op::PushFrame { pid, words, heap } => {
                self.push_frame(*pid, *words, *heap);
                Ok(())
            }
            Op::Call { pid } => {
                // Model: a CP is a dead stack word here (`None` slot); a heap test stands in for the rare
                // case of no free word at all (compiled code always has the `S_RESERVED` margin).
                if self.processes[pid.0 as usize].gap() > 0 || self.heap_test(*pid, 1, &mut []) {
                    let p = &mut self.processes[pid.0 as usize];
                    p.slots.push(None);
                    p.stop -= 1;
                    let stop = p.stop as usize;
                    p.heap.as_mut().expect("alive").words[stop] = Term::cp(0);
                }
                Ok(())
            }
            Op::PopFrame { pid, words } => {
                self.pop_dead(*pid, *words);
                Ok(())
            }
            Op::Hibernate { pid } => {
                self.hibernate(*pid);
                Ok(())
            }
            Op::Wake { pid, extra } => {
                self.wake(*pid, *extra);
                Ok(())
            }
            Op::EtsNew { pid, table, kind } => {
                self.processes[pid.0 as usize].ets_psd = true;
                let id = self.ets.len() as u32;
                self.ets
                    .push(Some(EtsTable::new(id, table.clone(), *pid, *kind)));
                self.events.push(Event::EtsTableCreated {
                    owner: *pid,
                    table: id,
                });
                Ok(())
            }
            Op::EtsInsert { pid, table, var } => {
                self.ets_insert(*pid, table, var);
                Ok(())
            }
            Op::EtsLookup {
                pid,
                table,
                key,
                var,
            } => {
                self.ets_lookup(*pid, table, key, var);
                Ok(())
            }
            Op::EtsDeleteKey { pid, table, key } => {
                self.ets_delete_key(*pid, table, key);
                Ok(())
            }
            Op::EtsDelete { table, .. } => {
                if let Some(id) = self.table_id(table) {
                    self.ets_delete(id);
                }
                Ok(())
            }
            Op::BinLeak { top } => {
                self.bin_leak(*top);
                Ok(())
            }
            Op::MakeAtoms { pid, prefix, count } => {
                self.make_atoms(*pid, prefix, *count);
                Ok(())
            }
            Op::Exit { pid } => {
                self.exit(*pid);
                Ok(())
            }
            Op::DetsOpen { table } => {
                let id = self.dets.len() as u32;
                self.dets.push(Some(DetsTable::new(id, table.clone())));
                self.events.push(Event::DetsOpened { table: id });
                Ok(())
            }
            Op::DetsClose { table } => {
                if let Some(id) = self.dets_id(table) {
                    self.dets[id as usize] = None;
                    self.events.push(Event::DetsClosed { table: id });
                }
                Ok(())
            }
            Op::DetsInsert { pid, table, var } => {
                self.dets_insert(*pid, table, var);
                Ok(())
            }
            Op::DetsLookup {
                pid,
                table,
                key,
                var,
            } => {
                self.dets_lookup(*pid, table, key, var);
                Ok(())
            }
            Op::DetsDeleteKey { pid, table, key } => {
                self.dets_delete_key(*pid, table, key);
                Ok(())
            }
        };
        self.ops_applied += 1;
        res
    }

    /// Checks an op's references before anything changes, so a failed op leaves no trace.
    fn validate(&self, op: &Op) -> Result<(), OpError> {
        let alive = |pid: Pid| -> Result<&Process, OpError> {
            let p = self.process(pid).ok_or(OpError::UnknownPid)?;
            if p.is_alive() {
                Ok(p)
            } else {
                Err(OpError::NotAlive)
            }
        };
        if self.halted {
            return Err(OpError::Halted);
        }
        // A hibernated process runs nothing until it wakes; it can still be killed.
        if let Some(pid) = op.actor().filter(|_| !matches!(op, Op::Exit { .. })) {
            let hibernating = self.process(pid).is_some_and(|p| p.hibernation.is_some());
            if hibernating != matches!(op, Op::Wake { .. })
                && self.process(pid).is_some_and(Process::is_alive)
            {
                return Err(OpError::Hibernating);
            }
        }
        match op {
            Op::Spawn { .. } | Op::BinLeak { .. } => Ok(()),
            Op::SeqList {
                pid, first, last, ..
            }
            | Op::EnumToList {
                pid, first, last, ..
            } => {
                alive(*pid)?;
                let in_range = |v: &i64| (MIN_SMALL..=MAX_SMALL).contains(v);
                // `lists:seq/2` needs `First - 1 =< Last` (else `function_clause`, which the reader refuses).
                if !in_range(first) || !in_range(last) || last.saturating_sub(*first) < -1 {
                    return Err(OpError::TooLarge);
                }
                if (last - first + 1) as u64 > MAX_TERM_WORDS / 2 {
                    return Err(OpError::TooLarge);
                }
                Ok(())
            }
            Op::BuildList { pid, n, .. } => {
                alive(*pid)?;
                if *n > MAX_TERM_WORDS / 2 {
                    return Err(OpError::TooLarge);
                }
                Ok(())
            }
            Op::AllocGarbage { pid, words } | Op::BifResult { pid, words } => {
                alive(*pid)?;
                if *words > MAX_TERM_WORDS {
                    return Err(OpError::TooLarge);
                }
                Ok(())
            }
            Op::PushFrame { pid, words, heap } => {
                alive(*pid)?;
                if words.saturating_add(*heap) > MAX_TERM_WORDS {
                    return Err(OpError::TooLarge);
                }
                Ok(())
            }
            Op::ConsOnto { pid, head, .. } => {
                alive(*pid)?;
                if (MIN_SMALL..=MAX_SMALL).contains(head) {
                    Ok(())
                } else {
                    Err(OpError::TooLarge)
                }
            }
            Op::PopFrame { pid, .. }
            | Op::Call { pid }
            | Op::Hibernate { pid }
            | Op::MakeAtoms { pid, .. } => alive(*pid).map(|_| ()),
            Op::Wake { pid, extra } => {
                alive(*pid)?;
                if *extra > MAX_TERM_WORDS {
                    return Err(OpError::TooLarge);
                }
                Ok(())
            }
            Op::EtsNew { pid, table, .. } => {
                alive(*pid)?;
                match self.table_id(table) {
                    Some(_) => Err(OpError::NoSuchTable),
                    None => Ok(()),
                }
            }
            Op::EtsInsert { pid, table, var } => {
                let p = alive(*pid)?;
                let t = p.var(var).ok_or(OpError::UnboundVariable)?;
                self.table_id(table).ok_or(OpError::NoSuchTable)?;
                self.check_copy_size(p, t)?;
                let areas = process_areas(p, &self.literals);
                if self.ets_objects(&areas, t).is_some() {
                    Ok(())
                } else {
                    Err(OpError::NotAnEtsObject)
                }
            }
            Op::EtsLookup {
                pid, table, key, ..
            }
            | Op::EtsDeleteKey { pid, table, key } => {
                let p = alive(*pid)?;
                check_value(p, key)?;
                self.table_id(table).map(|_| ()).ok_or(OpError::NoSuchTable)
            }
            Op::EtsDelete { pid, table } => {
                alive(*pid)?;
                self.table_id(table).map(|_| ()).ok_or(OpError::NoSuchTable)
            }
            Op::Bind { pid, value, .. } => {
                let p = alive(*pid)?;
                check_value(p, value)
            }
            Op::Eval { pid, .. } => alive(*pid).map(|_| ()),
            Op::Forget { pid, var } => alive(*pid)?
                .var(var)
                .map(|_| ())
                .ok_or(OpError::UnboundVariable),
            Op::Send { from, to, var } => {
                let p = alive(*from)?;
                let msg = p.var(var).ok_or(OpError::UnboundVariable)?;
                self.check_copy_size(p, msg)?;
                // Sending to an exited process is allowed and does nothing, as in Erlang.
                self.process(*to).ok_or(OpError::UnknownPid).map(|_| ())
            }
            Op::Receive { pid, .. } => {
                if alive(*pid)?.mailbox.is_empty() {
                    Err(OpError::EmptyMailbox)
                } else {
                    Ok(())
                }
            }
            Op::GarbageCollect { pid } | Op::Exit { pid } => alive(*pid).map(|_| ()),
            Op::GcRequest { by, pid } => {
                alive(*by)?;
                self.process(*pid).ok_or(OpError::UnknownPid).map(|_| ())
            }
            Op::DetsOpen { table } => match self.dets_id(table) {
                Some(_) => Err(OpError::NoSuchDetsTable),
                None => Ok(()),
            },
            Op::DetsClose { table } => self
                .dets_id(table)
                .map(|_| ())
                .ok_or(OpError::NoSuchDetsTable),
            Op::DetsInsert { pid, table, var } => {
                let p = alive(*pid)?;
                let t = p.var(var).ok_or(OpError::UnboundVariable)?;
                self.dets_id(table).ok_or(OpError::NoSuchDetsTable)?;
                self.check_copy_size(p, t)?;
                let areas = process_areas(p, &self.literals);
                let objects = self.ets_objects(&areas, t).ok_or(OpError::NotAnEtsObject)?;
                // The server's copy would hold a ProcBin of its own: see `crate::dets`.
                if objects
                    .into_iter()
                    .any(|o| crate::dets::holds_off_heap_binary(&areas, o))
                {
                    return Err(OpError::DetsOffHeapBinary);
                }
                Ok(())
            }
            Op::DetsLookup {
                pid, table, key, ..
            }
            | Op::DetsDeleteKey { pid, table, key } => {
                let p = alive(*pid)?;
                check_value(p, key)?;
                self.dets_id(table)
                    .map(|_| ())
                    .ok_or(OpError::NoSuchDetsTable)
            }
        }
    }

    /// A flat copy of `t` (a send, an ETS insert) must fit the model's term limit: a term with much sharing can
    /// have an exponential flat size (`[A | A]` folded a hundred times), whose copy would never end.
    fn check_copy_size(&self, p: &Process, t: Term) -> Result<(), OpError> {
        if copy::flat_size(&self.areas_of(p), t, false) > MAX_TERM_WORDS {
            return Err(OpError::TooLarge);
        }
        Ok(())
    }

    fn spawn(&mut self, name: &str, opts: SpawnOpts) -> Pid {
        let pid = Pid(self.processes.len() as u32);
        // `erl_create_process`: options under the system minimum give the minimum, others round up the table.
        let min_heap_size = if opts.min_heap_size < H_MIN_SIZE {
            H_MIN_SIZE
        } else {
            heap_sizes::next_heap_size(opts.min_heap_size, 0)
        };
        let heap_size = heap_sizes::next_heap_size(S_RESERVED, 0).max(min_heap_size);
        let mut block = self.ids.block(heap_size);
        let last = heap_size as usize - 1;
        block.words[last] = Term::cp(0);
        self.processes.push(Process {
            pid,
            name: name.to_string(),
            stage: Stage::Start,
            opts,
            min_heap_size,
            heap: Some(block),
            htop: 0,
            stop: heap_size - 1,
            high_water: 0,
            old_heap: None,
            old_htop: 0,
            fragments: Vec::new(),
            off_heap: Vec::new(),
            slots: Vec::new(),
            mailbox: VecDeque::new(),
            gen_gcs: 0,
            need_fullsweep: false,
            heap_grow: false,
            bin_vheap: 0,
            bin_vheap_sz: MIN_BIN_VHEAP_SIZE,
            bin_old_vheap: 0,
            bin_old_vheap_sz: MIN_BIN_VHEAP_SIZE,
            counters: GcCounters::default(),
            hibernation: None,
            ets_psd: false,
        });
        self.events.push(Event::Spawned { pid, heap_size });
        pid
    }

    /// Parses and evaluates `src` for `pid` (which must be alive), reading the VM only.
    fn evaluate(&self, pid: Pid, src: &str, lang: Lang) -> Result<Evaluated, OpError> {
        let expr = expr::parse(src, lang).map_err(OpError::Syntax)?;
        let input =
            expr::input_for(self, pid, self.ids.peek(), (src, lang)).ok_or(OpError::UnknownPid)?;
        let res = expr::eval_compiled(&expr, input).map_err(OpError::Eval)?;
        if res.fragment.size() > MAX_TERM_WORDS {
            return Err(OpError::TooLarge);
        }
        if self.atoms.len() + res.new_atoms.len() > ATOM_LIMIT {
            return Err(OpError::AtomTableFull);
        }
        Ok(res)
    }

    /// Installs an evaluated expression for `pid`: new atoms, the funs' code, the literal area, the fragment (behind a
    /// heap test, as `bind` does), then binds `var` to the value and the expression's own bindings.
    fn eval_bind(&mut self, pid: Pid, var: Option<&str>, res: Evaluated) {
        let frag_id = self.ids.fresh();
        debug_assert_eq!(
            frag_id, res.fragment.id,
            "evaluated into the peeked area id"
        );
        for a in &res.new_atoms {
            // The evaluator checked the table's limit.
            let _ = self.intern(a);
        }
        // The new funs' code takes the indices the evaluator gave their fun objects: the next ones in the table.
        for code in res.new_funs {
            let n = self.funs.len();
            let i = self.funs.add(code);
            debug_assert_eq!(i as usize, n, "a new fun's code is new to the table");
        }
        self.literals = res.literals;
        // The names bound, with their values: `var` first, then the pattern bindings (the last binding of a name
        // wins; `var` is bound last of all, so it wins over a binding of the same name).
        let mut names: Vec<String> = var.into_iter().map(String::from).collect();
        let mut roots: Vec<Term> = var.map(|_| res.term).into_iter().collect();
        for (n, t) in res.bindings {
            if var == Some(n.as_str()) {
                continue;
            }
            match names.iter().position(|m| *m == n) {
                Some(i) => roots[i] = t,
                None => {
                    names.push(n);
                    roots.push(t);
                }
            }
        }
        let p = &mut self.processes[pid.0 as usize];
        p.stage = Stage::HeapAllocation;
        // Old values of rebound variables are dead once the new ones are built (see `bind`).
        for n in &names {
            if let Some(depth) = p.slot_of(n) {
                let block = p.heap.as_mut().expect("alive");
                let idx = block.words.len() - 1 - depth;
                block.words[idx] = Term::NIL;
            }
        }
        // Each name gets its old slot, else a dead slot not taken by another, else a new stack word.
        let mut slots: Vec<Option<usize>> = Vec::new();
        for n in &names {
            let slot = p.slot_of(n).or_else(|| {
                (1..=p.slots.len()).find(|d| p.slots[d - 1].is_none() && !slots.contains(&Some(*d)))
            });
            slots.push(slot);
        }
        // Model: the frames of the expression's body calls (a body-recursive fun: one per level) had to fit between
        // heap top and stack top at their deepest, so the heap test asks for them too, beside the result; they are
        // popped again before the step ends, but a heap grown to hold them stays grown until a later collection.
        let stack_need = slots.iter().filter(|s| s.is_none()).count() as u64 + res.peak_stack;
        // The value itself is a live register during the heap test, named or not.
        roots.push(res.term);
        let bifs = res.bif_bins;
        if !self.install_roots(
            pid,
            res.fragment,
            (res.new_bins, &bifs),
            &[],
            &mut roots,
            stack_need,
        ) {
            return;
        }
        roots.pop();
        let p = &mut self.processes[pid.0 as usize];
        for ((name, slot), root) in names.iter().zip(slots).zip(roots) {
            p.bind_slot(slot, name, root);
        }
    }

    fn bind(&mut self, pid: Pid, var: &str, value: &Value) -> Result<(), OpError> {
        let mut frag = self.ids.block(0);
        let mut new_bins = Vec::new();
        let root = self.build(pid, value, &mut frag, &mut new_bins)?;
        let p = &mut self.processes[pid.0 as usize];
        p.stage = Stage::HeapAllocation;
        // The old value of a rebound variable is dead once the new one is built: kill its slot before allocating,
        // so a GC triggered by this allocation does not keep it alive. (The new value's own references to it are
        // registers, and survive.)
        if let Some(depth) = p.slot_of(var) {
            let block = p.heap.as_mut().expect("alive");
            let idx = block.words.len() - 1 - depth;
            block.words[idx] = Term::NIL;
        }
        let slot = p.slot_for(var);
        let stack_need = if slot.is_some() { 0 } else { 1 };
        let Some(root) = self.install(pid, frag, new_bins, &[], root, stack_need) else {
            return Ok(());
        };
        let p = &mut self.processes[pid.0 as usize];
        p.bind_slot(slot, var, root);
        Ok(())
    }

    /// Builds `value` into `frag`, a fresh block that is not yet part of any heap.
    fn build(
        &mut self,
        pid: Pid,
        value: &Value,
        frag: &mut Block,
        new_bins: &mut Vec<u64>,
    ) -> Result<Term, OpError> {
        Ok(match value {
            Value::Int(n) if (MIN_SMALL..=MAX_SMALL).contains(n) => Term::small(*n),
            Value::Int(n) => {
                // A bignum: a header and one 64-bit digit (every i64 outside the small range fits one).
                let at = frag.words.len() as u64;
                let tag = if *n < 0 {
                    HeaderTag::NegBig
                } else {
                    HeaderTag::PosBig
                };
                frag.words.push(Term::header(tag, 1));
                frag.words.push(Term(n.unsigned_abs()));
                Term::boxed(frag.addr(at))
            }
            Value::Atom(name) => self.intern(name)?,
            Value::Var(name) => self.processes[pid.0 as usize]
                .var(name)
                .ok_or(OpError::UnboundVariable)?,
            Value::Tuple(items) => {
                if items.is_empty() {
                    // `{}` is a global literal in OTP 25: no heap words.
                    return Ok(self.empty_tuple());
                }
                let elems = items
                    .iter()
                    .map(|v| self.build(pid, v, frag, new_bins))
                    .collect::<Result<Vec<_>, _>>()?;
                let at = frag.words.len() as u64;
                frag.words
                    .push(Term::header(HeaderTag::Arityval, elems.len() as u64));
                frag.words.extend_from_slice(&elems);
                Term::boxed(frag.addr(at))
            }
            Value::List(items) => {
                let elems = items
                    .iter()
                    .map(|v| self.build(pid, v, frag, new_bins))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut list = Term::NIL;
                for e in elems.into_iter().rev() {
                    let at = frag.words.len() as u64;
                    frag.words.push(e);
                    frag.words.push(list);
                    list = Term::list(frag.addr(at));
                }
                list
            }
            Value::Seq(from, to) => {
                let mut list = Term::NIL;
                let mut n = *to;
                while n >= *from {
                    let at = frag.words.len() as u64;
                    frag.words.push(Term::small(n));
                    frag.words.push(list);
                    list = Term::list(frag.addr(at));
                    n -= 1;
                }
                list
            }
            Value::Binary { bytes, fill } => {
                let at = frag.words.len() as u64;
                if *bytes <= ONHEAP_BIN_LIMIT {
                    let data_words = bytes.div_ceil(8);
                    frag.words
                        .push(Term::header(HeaderTag::HeapBinary, 1 + data_words));
                    frag.words.push(Term(*bytes));
                    let word = u64::from_ne_bytes([*fill; 8]);
                    for _ in 0..data_words {
                        frag.words.push(Term(word));
                    }
                } else {
                    // A ProcBin: thing word, size, next, val (the binary), bytes (data pointer), flags.
                    frag.words
                        .push(Term::header(HeaderTag::RefcBinary, PROC_BIN_SIZE - 1));
                    frag.words.push(Term(*bytes));
                    frag.words.push(Term(0));
                    frag.words.push(Term(0)); // The binary id, filled in at install.
                    frag.words.push(Term(0));
                    frag.words.push(Term(0));
                    new_bins.push(at);
                }
                Term::boxed(frag.addr(at))
            }
        })
    }

    /// `{}`: a global literal.
    fn empty_tuple(&mut self) -> Term {
        crate::heap::empty_tuple(&mut self.literals)
    }

    /// Moves a built fragment onto the process heap, collecting first if heap and stack would meet
    /// (`test_heap`: `E - HTOP < need + S_RESERVED`). Creates the off-heap binaries of its ProcBins.
    fn install(
        &mut self,
        pid: Pid,
        frag: Block,
        new_bins: Vec<u64>,
        held_bins: &[Addr],
        root: Term,
        stack_need: u64,
    ) -> Option<Term> {
        let mut roots = [root];
        self.install_roots(
            pid,
            frag,
            (new_bins, &[]),
            held_bins,
            &mut roots,
            stack_need,
        )
        .then_some(roots[0])
    }

    /// [`Vm::install`] with several roots (registers live across the heap test), updated in place.
    /// `bins` are the new ProcBins' offsets and those of them a BIF made. `false` when `max_heap_size` killed the
    /// process.
    fn install_roots(
        &mut self,
        pid: Pid,
        frag: Block,
        (new_bins, bif_bins): (Vec<u64>, &[u64]),
        held_bins: &[Addr],
        roots: &mut [Term],
        stack_need: u64,
    ) -> bool {
        let p = &self.processes[pid.0 as usize];
        let n = frag.size();
        // Bit-syntax construction collects first when the new binaries would overflow the virtual binary heap.
        let new_bin_words: u64 = new_bins
            .iter()
            .filter(|at| !bif_bins.contains(at))
            .map(|&at| frag.words[at as usize + 1].0 / 8)
            .sum();
        let vheap_full = new_bin_words > 0 && p.bin_vheap + new_bin_words >= p.bin_vheap_sz;
        let need = n + stack_need;
        let mut frag = frag;
        if p.gap() < need + S_RESERVED || vheap_full {
            let reason = if vheap_full {
                GcReason::BinVheapFull
            } else {
                self.events.push(Event::HeapMetStack {
                    pid,
                    need,
                    free: p.gap(),
                });
                GcReason::HeapMeetsStack
            };
            // The fragment's pointers to existing terms, and the root, are live registers during the GC.
            let frag_id = frag.id;
            let mut idx = Vec::new();
            crate::heap::for_each_term_field(&frag.words, 0, frag.words.len(), |i| idx.push(i));
            idx.retain(|&i| frag.words[i].pointee().is_some_and(|a| a.area() != frag_id));
            let mut regs: Vec<Term> = idx.iter().map(|&i| frag.words[i]).collect();
            regs.extend_from_slice(roots);
            if !self.collect(pid, need, &mut regs, reason) {
                return false;
            }
            let n_fields = idx.len();
            roots.copy_from_slice(&regs[n_fields..]);
            for (i, t) in idx.into_iter().zip(regs) {
                frag.words[i] = t;
            }
        }
        let Vm {
            processes,
            binaries,
            events,
            ..
        } = self;
        let p = &mut processes[pid.0 as usize];
        let at = p.htop;
        let block = p.heap.as_mut().expect("alive");
        for r in roots.iter_mut() {
            *r = copy::relocate(&frag, block, at, *r);
        }
        p.htop += n;
        for rel in new_bins {
            let addr: Addr = block.addr(at + rel);
            let bytes = block.words[(at + rel) as usize + 1].0;
            let bin = binaries.create(bytes);
            block.words[(at + rel) as usize + 3] = Term(bin.0 as u64);
            p.off_heap.push(addr);
            p.bin_vheap += bytes / 8;
            events.push(Event::BinaryCreated {
                bin,
                bytes,
                by: pid,
            });
        }
        for a in held_bins {
            let addr: Addr = block.addr(at + a.offset() as u64);
            let bytes = block.at(addr.add(1)).0;
            p.off_heap.push(addr);
            p.bin_vheap += bytes / 8;
        }
        if n > 0 {
            events.push(Event::Allocated { pid, words: n });
        }
        // `erts_gc_after_bif_call`: a BIF whose binaries overflowed the virtual binary heap asks for a GC, which runs
        // as the BIF returns, its result live (a 1 MB `binary:copy/2` result survives it: high water 6, its ProcBin).
        if !bif_bins.is_empty() && p.bin_vheap > p.bin_vheap_sz {
            return self.collect(pid, 0, roots, GcReason::AfterBif);
        }
        true
    }

    /// Runs a GC of `pid`; `false` when `max_heap_size` killed the process instead (it has exited then).
    fn collect(&mut self, pid: Pid, need: u64, roots: &mut [Term], reason: GcReason) -> bool {
        let Vm {
            processes,
            binaries,
            ids,
            events,
            ..
        } = self;
        let p = &mut processes[pid.0 as usize];
        p.stage = Stage::GarbageCollection;
        // Model: on the x86-64 JIT the Erlang stack is the native stack, so the call into the collector pushes its
        // return address there: the GC sees (and sizes the heap for) one stack word more than the heap test did.
        // The measured GC traces show it (stack 6 in `build/2` is reported as 7). `S_REDZONE` leaves room for it.
        let pushed = p.gap() > 0;
        if pushed {
            p.stop -= 1;
            let stop = p.stop as usize;
            p.heap.as_mut().expect("alive").words[stop] = Term::cp(0);
        }
        let outcome = gc::garbage_collect(p, ids, binaries, need, roots, reason, events);
        if pushed && outcome == gc::GcOutcome::Collected {
            p.stop += 1;
        }
        match outcome {
            gc::GcOutcome::Collected => true,
            gc::GcOutcome::Killed => {
                self.exit(pid);
                false
            }
        }
    }

    /// The heap test of compiled code (`test_heap` / `allocate_heap`): collect when
    /// `stop - htop < need + S_RESERVED`. `false` when the process was killed.
    fn heap_test(&mut self, pid: Pid, need: u64, roots: &mut [Term]) -> bool {
        let p = &self.processes[pid.0 as usize];
        if p.gap() >= need + S_RESERVED {
            return true;
        }
        self.events.push(Event::HeapMetStack {
            pid,
            need,
            free: p.gap(),
        });
        self.collect(pid, need, roots, GcReason::HeapMeetsStack)
    }

    /// Whether the GC the process needs now would be "potentially long" (`check_for_possibly_long_gc`):
    /// young usage + stack (+ the old heap in use, when the GC will be major) of at least 128 Ki words.
    fn possibly_long_gc(&self, pid: Pid) -> bool {
        let p = &self.processes[pid.0 as usize];
        // A minor that cannot run sets `F_NEED_FULLSWEEP` and is checked again as a major.
        let major =
            p.need_fullsweep || p.gen_gcs >= p.opts.fullsweep_after || !gc::minor_possible(p);
        let mut sz = p.young_gen_usage() + p.stack_size();
        if major {
            sz += p.old_htop;
        }
        sz >= ERTS_POTENTIALLY_LONG_GC_HSIZE
    }

    /// Binds `root` to `var`: its old slot, a dead slot, or a new stack word (behind a heap test).
    fn bind_root(&mut self, pid: Pid, var: &str, root: Term) {
        let p = &self.processes[pid.0 as usize];
        let slot = p.slot_for(var);
        let mut roots = [root];
        if slot.is_none() && !self.heap_test(pid, 1, &mut roots) {
            return;
        }
        let p = &mut self.processes[pid.0 as usize];
        p.bind_slot(slot, var, roots[0]);
    }

    /// Kills the slot of `var` (its old value is dead from here on), keeping the slot for reuse.
    fn kill_slot(&mut self, pid: Pid, var: &str) {
        let p = &mut self.processes[pid.0 as usize];
        if let Some(depth) = p.slot_of(var) {
            let block = p.heap.as_mut().expect("alive");
            let idx = block.words.len() - 1 - depth;
            block.words[idx] = Term::NIL;
        }
    }

    fn build_list(&mut self, pid: Pid, var: &str, n: u64) {
        // `build(N, Acc) -> build(N - 1, [N | Acc])`: one cell per heap test.
        self.cons_loop(pid, var, 1, n as i64, |_| 1);
    }

    fn seq_list(&mut self, pid: Pid, var: &str, first: i64, last: i64) {
        // `lists:seq/2` (OTP 25): `seq_loop(N, X, L)` conses 4 cells per iteration while N >= 4, then 2, then 1.
        self.cons_loop(pid, var, first, last, |left| match left {
            4.. => 4,
            2 | 3 => 2,
            _ => 1,
        });
    }

    fn enum_to_list(&mut self, pid: Pid, var: &str, first: i64, last: i64) {
        self.kill_slot(pid, var);
        self.processes[pid.0 as usize].stage = Stage::HeapAllocation;
        // `Enum.to_list/1`: `allocate 0` keeps its return address across the call to `reverse/1`.
        self.push_frame(pid, 1, 0);
        // `Enum.reverse/1` makes its fun `&[&1 | &2]` (5 words, no free variables), then `reduce_range/5` calls it
        // once per element: `allocate 4` (First, Last, Step, Fun and the return address: 5 words, behind a test of
        // the stack), and the fun's `test_heap 2` for the cell, the partial list live in a register throughout.
        if !self.alloc_garbage_keeping(pid, 5, &mut []) {
            return;
        }
        let mut acc = [Term::NIL];
        for v in first..=last {
            if !self.heap_test(pid, 5, &mut acc) {
                return;
            }
            self.push_dead_slots(pid, 5);
            if !self.heap_test(pid, 2, &mut acc) {
                return;
            }
            let p = &mut self.processes[pid.0 as usize];
            let at = p.htop;
            let block = p.heap.as_mut().expect("alive");
            block.words[at as usize] = Term::small(v);
            block.words[at as usize + 1] = acc[0];
            acc[0] = Term::list(block.addr(at));
            p.htop += 2;
            self.pop_dead(pid, 5);
        }
        let n = (last - first + 1) as u64;
        self.events.push(Event::Allocated { pid, words: 2 * n });
        self.pop_dead(pid, 1);
        let Some(result) = self.lists_reverse(pid, acc[0], n) else {
            return;
        };
        self.bind_root(pid, var, result);
    }

    /// Pushes `words` dead stack words without a heap test (the caller made it).
    fn push_dead_slots(&mut self, pid: Pid, words: u64) {
        let p = &mut self.processes[pid.0 as usize];
        for _ in 0..words {
            p.slots.push(None);
            p.stop -= 1;
            let stop = p.stop as usize;
            p.heap.as_mut().expect("alive").words[stop] = Term::NIL;
        }
    }

    /// `lists:reverse/1` (OTP 25) of the `n`-cell proper list `list` of small integers: `[A, B | L]` becomes
    /// `lists:reverse(L, [B, A])` behind `test_heap 4`, and the BIF `lists:reverse/2` writes the cells straight onto
    /// the heap while they fit below the stack (`lists_reverse_onheap`, all but 2 words of the gap), the rest into
    /// one heap fragment (`lists_reverse_alloc`), and the GC after the BIF runs when the fragments reach the gap.
    /// Model: the BIF is taken to have the reductions to finish in one call (40 to 60 cells per reduction left).
    fn lists_reverse(&mut self, pid: Pid, list: Term, n: u64) -> Option<Term> {
        let items: Vec<Term> = {
            let p = &self.processes[pid.0 as usize];
            let areas = process_areas(p, &self.literals);
            let mut out = Vec::with_capacity(n as usize);
            let mut cur = list;
            while let Some(addr) = cur
                .pointee()
                .filter(|_| cur.primary_tag() == crate::term::TAG_PRIMARY_LIST)
            {
                out.push(areas.word(addr));
                cur = areas.word(addr.add(1));
            }
            out
        };
        if items.len() < 2 {
            return Some(list);
        }
        // `[B, A]`: the first two elements, reversed.
        let mut acc = [list];
        if !self.heap_test(pid, 4, &mut acc) {
            return None;
        }
        let mut tail = Term::NIL;
        {
            let p = &mut self.processes[pid.0 as usize];
            let block = p.heap.as_mut().expect("alive");
            for &x in &items[..2] {
                let at = p.htop;
                block.words[at as usize] = x;
                block.words[at as usize + 1] = tail;
                tail = Term::list(block.addr(at));
                p.htop += 2;
            }
        }
        self.events.push(Event::Allocated { pid, words: 4 });
        let rest = &items[2..];
        if rest.is_empty() {
            return Some(tail);
        }
        // `lists:reverse/2`: one cell onto the tail is a plain `HAlloc`.
        let p = &self.processes[pid.0 as usize];
        let on_heap = if rest.len() == 1 {
            if p.gap() >= 2 + S_RESERVED {
                1
            } else {
                0
            }
        } else {
            // `lists_reverse_onheap`: the cells stop 2 words short of the stack.
            let room = p.gap().saturating_sub(2);
            room.div_ceil(2).min(rest.len() as u64) as usize
        };
        {
            let p = &mut self.processes[pid.0 as usize];
            let block = p.heap.as_mut().expect("alive");
            for &x in &rest[..on_heap] {
                let at = p.htop;
                block.words[at as usize] = x;
                block.words[at as usize + 1] = tail;
                tail = Term::list(block.addr(at));
                p.htop += 2;
            }
        }
        if on_heap > 0 {
            self.events.push(Event::Allocated {
                pid,
                words: 2 * on_heap as u64,
            });
        }
        let left = &rest[on_heap..];
        if !left.is_empty() {
            let words = 2 * left.len() as u64;
            let mut frag = self.ids.block(words);
            for (j, &x) in left.iter().enumerate() {
                let at = 2 * j;
                frag.words[at] = x;
                frag.words[at + 1] = tail;
                tail = Term::list(frag.addr(at as u64));
            }
            self.processes[pid.0 as usize].fragments.push(frag);
            self.events.push(Event::FragmentAllocated { pid, words });
        }
        // `erts_gc_after_bif_call`, the result live.
        let p = &self.processes[pid.0 as usize];
        let mut roots = [tail];
        if p.gap() <= p.mbuf_size() && !self.collect(pid, 0, &mut roots, GcReason::AfterBif) {
            return None;
        }
        Some(roots[0])
    }

    /// The list `[first, ..., last]` built from its end as a compiled loop builds it: `chunk(left)` cons cells per
    /// iteration behind one heap test, the partial list live in a register; then bound to `var`.
    fn cons_loop(&mut self, pid: Pid, var: &str, first: i64, last: i64, chunk: fn(u64) -> u64) {
        self.kill_slot(pid, var);
        self.processes[pid.0 as usize].stage = Stage::HeapAllocation;
        let mut acc = [Term::NIL];
        let mut since_gc = 0;
        let mut x = last;
        let mut left = (last - first + 1).max(0) as u64;
        while left > 0 {
            let k = chunk(left).min(left);
            let words = 2 * k;
            if self.processes[pid.0 as usize].gap() < words + S_RESERVED {
                if since_gc > 0 {
                    self.events.push(Event::Allocated {
                        pid,
                        words: since_gc,
                    });
                    since_gc = 0;
                }
                if self.possibly_long_gc(pid) {
                    // `check_for_possibly_long_gc`: a GC of at least 128 Ki words goes to a dirty scheduler.
                    // The process gets room in a fragment (`delay_garbage_collection`) and makes this allocation
                    // before the collection runs, so the GC finds these cells too.
                    // Model: the fragment is exactly these cells; ERTS makes it stack + need + 40 words and
                    // abandons the rest of the young heap.
                    let mut frag = self.ids.block(words);
                    for j in 0..k {
                        let at = (2 * j) as usize;
                        frag.words[at] = Term::small(x - j as i64);
                        frag.words[at + 1] = acc[0];
                        acc[0] = Term::list(frag.addr(2 * j));
                    }
                    self.processes[pid.0 as usize].fragments.push(frag);
                    self.events.push(Event::FragmentAllocated { pid, words });
                    x -= k as i64;
                    left -= k;
                    if !self.collect(pid, 0, &mut acc, GcReason::HeapMeetsStack) {
                        return;
                    }
                    continue;
                }
                if !self.heap_test(pid, words, &mut acc) {
                    return;
                }
            }
            let p = &mut self.processes[pid.0 as usize];
            let block = p.heap.as_mut().expect("alive");
            for j in 0..k {
                let at = p.htop;
                block.words[at as usize] = Term::small(x - j as i64);
                block.words[at as usize + 1] = acc[0];
                acc[0] = Term::list(block.addr(at));
                p.htop += 2;
            }
            since_gc += words;
            x -= k as i64;
            left -= k;
        }
        if since_gc > 0 {
            self.events.push(Event::Allocated {
                pid,
                words: since_gc,
            });
        }
        self.bind_root(pid, var, acc[0]);
    }

    fn cons_onto(&mut self, pid: Pid, var: &str, head: i64) {
        let tail = self.processes[pid.0 as usize].var(var).unwrap_or(Term::NIL);
        let mut regs = [tail];
        if !self.heap_test(pid, 2, &mut regs) {
            return;
        }
        let p = &mut self.processes[pid.0 as usize];
        p.stage = Stage::HeapAllocation;
        let at = p.htop;
        let block = p.heap.as_mut().expect("alive");
        block.words[at as usize] = Term::small(head);
        block.words[at as usize + 1] = regs[0];
        let list = Term::list(block.addr(at));
        p.htop += 2;
        self.events.push(Event::Allocated { pid, words: 2 });
        self.bind_root(pid, var, list);
    }

    /// Writes `words` dead words at `at` in `block`: a tuple of `[]`s, so the heap stays walkable.
    fn write_dead(block: &mut Block, at: u64, words: u64) {
        if words == 0 {
            return;
        }
        block.words[at as usize] = Term::header(HeaderTag::Arityval, words - 1);
        for w in &mut block.words[at as usize + 1..(at + words) as usize] {
            *w = Term::NIL;
        }
    }

    fn alloc_garbage(&mut self, pid: Pid, words: u64) {
        self.alloc_garbage_keeping(pid, words, &mut []);
    }

    /// [`Vm::alloc_garbage`] with `roots` live across its heap test (updated if a collection moves them).
    /// `false` when `max_heap_size` killed the process.
    fn alloc_garbage_keeping(&mut self, pid: Pid, words: u64, roots: &mut [Term]) -> bool {
        if words == 0 {
            return true;
        }
        if !self.heap_test(pid, words, roots) {
            return false;
        }
        let p = &mut self.processes[pid.0 as usize];
        p.stage = Stage::HeapAllocation;
        let at = p.htop;
        Self::write_dead(p.heap.as_mut().expect("alive"), at, words);
        p.htop += words;
        self.events.push(Event::Allocated { pid, words });
        true
    }

    fn bif_result(&mut self, pid: Pid, words: u64) {
        if words == 0 {
            return;
        }
        self.processes[pid.0 as usize].stage = Stage::HeapAllocation;
        // `process_info(self(), Item)` builds `{Item, Value}` with two `HAlloc`s: the value, then the 3-word tuple.
        // Measured (OTP 25 JIT, a worker filling its heap word by word before the call): each part goes on the
        // heap only while `S_RESERVED` words stay free below the stack, else into its own fragment; the GC after
        // the BIF then runs when the free words are no more than the fragments' (the model's gap counts one word
        // fewer stack than the collector sees: the return address pushed by the call into it, see `collect`).
        let (value_words, tuple_words) = if words > 3 {
            (words - 3, 3)
        } else {
            (words, 0)
        };
        let value = self.halloc(pid, value_words, |block, at| {
            Self::write_dead(block, at, value_words);
            Term::boxed(block.addr(at))
        });
        let mut result = value;
        if tuple_words > 0 {
            result = self.halloc(pid, tuple_words, |block, at| {
                block.words[at as usize] = Term::header(HeaderTag::Arityval, 2);
                block.words[at as usize + 1] = Term::NIL;
                block.words[at as usize + 2] = value;
                Term::boxed(block.addr(at))
            });
        }
        // `erts_gc_after_bif_call`: collect when the fragments outgrow the gap (`ERTS_IS_GC_DESIRED`).
        // The result is a live register during that GC; the caller drops it afterwards.
        let p = &self.processes[pid.0 as usize];
        if p.gap() <= p.mbuf_size() || p.bin_vheap > p.bin_vheap_sz {
            self.collect(pid, 0, &mut [result], GcReason::AfterBif);
        }
    }

    /// `HAlloc` as a BIF sees it: `words` on the heap when `S_RESERVED` words stay free below the stack after
    /// them (measured on the OTP 25 JIT), else in a new heap fragment (`erts_heap_alloc`). `fill` writes the object
    /// and returns the term pointing at it.
    fn halloc(&mut self, pid: Pid, words: u64, fill: impl FnOnce(&mut Block, u64) -> Term) -> Term {
        let p = &mut self.processes[pid.0 as usize];
        if p.gap() >= words + S_RESERVED {
            let at = p.htop;
            let t = fill(p.heap.as_mut().expect("alive"), at);
            p.htop += words;
            self.events.push(Event::Allocated { pid, words });
            return t;
        }
        let mut frag = self.ids.block(words);
        let t = fill(&mut frag, 0);
        let p = &mut self.processes[pid.0 as usize];
        p.fragments.push(frag);
        self.events.push(Event::FragmentAllocated { pid, words });
        t
    }

    fn push_frame(&mut self, pid: Pid, words: u64, heap: u64) {
        // `allocate_heap`: one test with the frame's words counted in the need, made while the stack is still
        // the caller's (a GC here sees the shorter stack; `gc_trace.escript` scenario e records such GCs as
        // stack 4, need 7 for `allocate_heap 5, 2`).
        if words == 0 || !self.heap_test(pid, words + heap, &mut []) {
            return;
        }
        self.push_dead_slots(pid, words);
    }

    fn hibernate(&mut self, pid: Pid) {
        // The caller builds the argument list [V1, ..., Vk] (2k words) behind a heap test.
        let p = &self.processes[pid.0 as usize];
        let vars: Vec<String> = p.vars().map(|(n, _)| n.to_string()).collect();
        let mut regs: Vec<Term> = p.vars().map(|(_, t)| t).collect();
        let k = regs.len() as u64;
        if !self.heap_test(pid, 2 * k, &mut regs) {
            return;
        }
        let p = &mut self.processes[pid.0 as usize];
        let mut args = Term::NIL;
        let block = p.heap.as_mut().expect("alive");
        for t in regs.iter().rev() {
            let at = p.htop;
            block.words[at as usize] = *t;
            block.words[at as usize + 1] = args;
            args = Term::list(block.addr(at));
            p.htop += 2;
        }
        // `erts_hibernate`: the stack is cut back to the bottom CP.
        p.slots.clear();
        p.stop = p.heap_size() - 1;
        p.stage = Stage::GarbageCollection;
        let mut roots = [args];
        let Vm {
            processes,
            binaries,
            ids,
            events,
            ..
        } = self;
        let p = &mut processes[pid.0 as usize];
        gc::hibernate(p, ids, binaries, &mut roots, events);
        p.hibernation = Some(Hibernation {
            args: roots[0],
            vars,
        });
        events.push(Event::Hibernated {
            pid,
            heap_size: p.heap_size(),
        });
    }

    fn wake(&mut self, pid: Pid, extra: u64) {
        let p = &mut self.processes[pid.0 as usize];
        let Some(h) = p.hibernation.take() else {
            return;
        };
        self.events.push(Event::Woke { pid });
        // The argument list is taken apart into X registers as the woken function is called; the list itself
        // is garbage from here on. Then the function's frame: one slot per argument, plus `extra` words.
        let k = h.vars.len() as u64;
        let mut roots = Vec::new();
        {
            let p = &self.processes[pid.0 as usize];
            let areas = process_areas(p, &self.literals);
            let mut cell = h.args;
            while let Some(a) = cell.pointee() {
                roots.push(areas.word(a));
                cell = areas.word(a.add(1));
            }
        }
        if !self.heap_test(pid, k + extra, &mut roots) {
            return;
        }
        let p = &mut self.processes[pid.0 as usize];
        let elems = roots;
        for _ in 0..extra {
            p.slots.push(None);
            p.stop -= 1;
            let stop = p.stop as usize;
            p.heap.as_mut().expect("alive").words[stop] = Term::NIL;
        }
        for (name, t) in h.vars.iter().zip(elems) {
            p.slots.push(Some(name.clone()));
            p.stop -= 1;
            let stop = p.stop as usize;
            p.heap.as_mut().expect("alive").words[stop] = t;
        }
        p.stage = Stage::HeapAllocation;
    }

    fn table_id(&self, name: &str) -> Option<u32> {
        self.ets
            .iter()
            .flatten()
            .find(|t| t.name == name)
            .map(|t| t.id)
    }

    /// The objects `ets:insert/2` would store for `t`: `t` itself when it is a tuple with a key, or the elements
    /// of a proper list of such tuples; `None` for anything else (`badarg`).
    fn ets_objects(&self, areas: &Areas<'_>, t: Term) -> Option<Vec<Term>> {
        let keyed = |t: Term| {
            t.pointee()
                .filter(|_| t.primary_tag() == crate::term::TAG_PRIMARY_BOXED)
                .map(|a| areas.word(a))
                .is_some_and(|h| {
                    h.header_tag() == Some(HeaderTag::Arityval) && crate::object::arity(h) >= 1
                })
        };
        if keyed(t) {
            return Some(alloc::vec![t]);
        }
        let mut objects = Vec::new();
        let mut cur = t;
        while cur != Term::NIL {
            let addr = cur
                .pointee()
                .filter(|_| cur.primary_tag() == crate::term::TAG_PRIMARY_LIST)?;
            let head = areas.word(addr);
            if !keyed(head) {
                return None;
            }
            objects.push(head);
            cur = areas.word(addr.add(1));
        }
        Some(objects)
    }

    fn ets_insert(&mut self, pid: Pid, table: &str, var: &str) {
        let Some(id) = self.table_id(table) else {
            return;
        };
        // A table outlives the code whose literals an object points to, so `db_store_term` copies literals too
        // (`size_object`, not the send's `size_object_litopt`): measured, `{1, <<"user">>}` with a literal binary
        // takes 3 + 3 words plus the 4 of overhead.
        let copier = if self.switches.sharing_preserving {
            copy::copy_term_shared
        } else {
            copy::copy_term_decoded
        };
        let p = &self.processes[pid.0 as usize];
        let Some(t) = p.var(var) else { return };
        let copies: Vec<_> = {
            let areas = process_areas(p, &self.literals);
            let Some(objects) = self.ets_objects(&areas, t) else {
                return;
            };
            objects
                .into_iter()
                .map(|o| copier(&areas, o, self.ids.block(0), &mut self.binaries))
                .collect()
        };
        for copied in copies {
            for &addr in &copied.off_heap {
                let bin = crate::binary::BinId(copied.block.at(addr.add(3)).0 as u32);
                let refc = self.binaries.get(bin).map_or(0, |b| b.refc);
                self.events.push(Event::RefcChanged {
                    bin,
                    refc: refc - 1,
                    to: refc,
                    by: pid,
                });
            }
            let words = copied.block.size() + crate::ets::OBJECT_OVERHEAD_WORDS;
            let (key, whole) = {
                let areas = Areas::new(alloc::vec![&copied.block, &self.literals]);
                let root = copied.term.pointee().expect("a tuple");
                (
                    crate::ets::canonical(&areas, areas.word(root.add(1))),
                    crate::ets::canonical(&areas, copied.term),
                )
            };
            let obj = EtsObject {
                block: copied.block,
                term: copied.term,
                off_heap: copied.off_heap,
                key,
                whole,
            };
            let Some(tab) = self.ets[id as usize].as_mut() else {
                return;
            };
            let owner = tab.owner;
            if let Some(gone) = tab.insert(obj) {
                self.release_object(gone, owner);
            }
            self.events.push(Event::EtsInserted { table: id, words });
        }
    }

    /// Releases the binaries an object leaving a table held.
    fn release_object(&mut self, obj: EtsObject, owner: Pid) {
        for addr in obj.off_heap {
            let bin = crate::binary::BinId(obj.block.at(addr.add(3)).0 as u32);
            gc::release(&mut self.binaries, bin, owner, &mut self.events);
        }
    }

    /// A lookup key as [`crate::ets::canonical`] words; `None` when it names an atom the VM never made (so no
    /// stored key can equal it) or holds what the statement reader does not accept as a key.
    fn ets_key(&self, pid: Pid, key: &Value) -> Option<Vec<u64>> {
        enum Work<'v> {
            Value(&'v Value),
            Word(u64),
        }
        let p = &self.processes[pid.0 as usize];
        let mut out = Vec::new();
        let mut todo = alloc::vec![Work::Value(key)];
        while let Some(w) = todo.pop() {
            let v = match w {
                Work::Word(x) => {
                    out.push(x);
                    continue;
                }
                Work::Value(v) => v,
            };
            match v {
                Value::Int(n) if (MIN_SMALL..=MAX_SMALL).contains(n) => out.push(Term::small(*n).0),
                Value::Atom(a) => {
                    out.push(Term::atom(self.atoms.get(a)?).0);
                }
                Value::Var(name) => {
                    let areas = process_areas(p, &self.literals);
                    out.extend(crate::ets::canonical(&areas, p.var(name)?));
                }
                Value::Tuple(items) => {
                    out.push(Term::header(HeaderTag::Arityval, items.len() as u64).0);
                    todo.extend(items.iter().rev().map(Work::Value));
                }
                Value::List(items) => {
                    // As `canonical` walks a list: per cell a marker and the head, then the `[]` tail.
                    todo.push(Work::Word(Term::NIL.0));
                    for item in items.iter().rev() {
                        todo.push(Work::Value(item));
                        todo.push(Work::Word(1));
                    }
                }
                // Bignums, ranges and binaries are not accepted as keys by the statement reader.
                _ => return None,
            }
        }
        Some(out)
    }

    fn ets_lookup(&mut self, pid: Pid, table: &str, key: &Value, var: &str) {
        let Some(id) = self.table_id(table) else {
            return;
        };
        let key = self.ets_key(pid, key);
        let Some(tab) = self.ets[id as usize].as_ref() else {
            return;
        };
        let found: Vec<&EtsObject> = match &key {
            Some(k) => tab.lookup(k).collect(),
            None => Vec::new(),
        };
        let copier = self.copier();
        let copied = (!found.is_empty()).then(|| {
            // The result list `[Obj1, ...]` is built in a scratch block pointing at the stored objects, then
            // copied flat onto the caller's heap in one piece (`db_copy_object_from_ets`): cons cells and objects.
            let mut scratch = self.ids.block(2 * found.len() as u64);
            for (i, o) in found.iter().enumerate() {
                let at = 2 * i as u64;
                scratch.words[at as usize] = o.term;
                scratch.words[at as usize + 1] = if i + 1 < found.len() {
                    Term::list(scratch.addr(at + 2))
                } else {
                    Term::NIL
                };
            }
            let list = Term::list(scratch.addr(0));
            let mut blocks: Vec<&Block> = found.iter().map(|o| &o.block).collect();
            blocks.push(&scratch);
            blocks.push(&self.literals);
            copier(
                &Areas::new(blocks),
                list,
                self.ids.block(0),
                &mut self.binaries,
            )
        });
        self.kill_slot(pid, var);
        let Some(copied) = copied else {
            self.bind_root(pid, var, Term::NIL);
            return;
        };
        let words = copied.block.size();
        self.events.push(Event::EtsCopiedOut {
            table: id,
            pid,
            words,
        });
        let Some(root) = self.install(
            pid,
            copied.block,
            Vec::new(),
            &copied.off_heap,
            copied.term,
            0,
        ) else {
            return;
        };
        self.bind_root(pid, var, root);
    }

    fn ets_delete_key(&mut self, pid: Pid, table: &str, key: &Value) {
        let Some(id) = self.table_id(table) else {
            return;
        };
        let Some(key) = self.ets_key(pid, key) else {
            return;
        };
        let Some(tab) = self.ets[id as usize].as_mut() else {
            return;
        };
        let owner = tab.owner;
        for obj in tab.delete_key(&key) {
            self.release_object(obj, owner);
        }
    }

    fn ets_delete(&mut self, id: u32) {
        let Some(tab) = self.ets[id as usize].take() else {
            return;
        };
        for obj in tab.objects {
            for addr in obj.off_heap {
                let bin = crate::binary::BinId(obj.block.at(addr.add(3)).0 as u32);
                gc::release(&mut self.binaries, bin, tab.owner, &mut self.events);
            }
        }
        self.events.push(Event::EtsTableDeleted { table: id });
    }

    /// `erlang:garbage_collect(Pid)` from `by` (see [`Op::GcRequest`]): the reference and the request are built,
    /// `pid` runs the collection as a system task (if it is alive), and the reply lands on `by`'s heap, or in a
    /// fragment when there is no room, as any message to a waiting process.
    fn gc_request(&mut self, by: Pid, pid: Pid) {
        self.halloc_dead(by, 3);
        self.alloc_garbage(by, 4);
        if self.processes[pid.0 as usize].is_alive() {
            self.processes[pid.0 as usize].need_fullsweep = true;
            self.collect(pid, 0, &mut [], GcReason::Requested);
        }
        if self.processes[by.0 as usize].is_alive() {
            self.halloc_dead(by, 7);
        }
    }

    /// The open DETS tables, by opening order (`None` once closed).
    pub fn dets_tables(&self) -> &[Option<DetsTable>] {
        &self.dets
    }

    fn dets_id(&self, name: &str) -> Option<u32> {
        self.dets
            .iter()
            .flatten()
            .find(|t| t.name == name)
            .map(|t| t.id)
    }

    /// The caller's half of a call to a DETS server, up to the send (see [`crate::dets`] for the sizes): the
    /// request built under `allocate_heap`, the frames of `treq/2` and `req/2`, the monitor's reference (a BIF's
    /// `HAlloc`: the heap, or a fragment), and the `{'$dets_call', self(), Request}` tuple.
    fn dets_call(&mut self, pid: Pid, request_words: u64) {
        use crate::dets::*;
        self.push_frame(pid, CALLER_FRAME_WORDS, request_words);
        self.alloc_garbage(pid, request_words);
        self.push_frame(pid, TREQ_FRAME_WORDS, 0);
        self.push_frame(pid, REQ_FRAME_WORDS, 0);
        self.halloc_dead(pid, REF_WORDS);
        self.alloc_garbage(pid, CALL_TUPLE_WORDS);
    }

    /// The caller's half after the reply was taken: `req/2` and `treq/2` return, `[Tab, Arg]` is built for
    /// `badarg/2` (with `live` kept across its heap test), and `insert/2` returns. Returns `live`, moved if a
    /// collection ran.
    fn dets_return(&mut self, pid: Pid, live: Term) -> Option<Term> {
        use crate::dets::*;
        self.pop_dead(pid, REQ_FRAME_WORDS + TREQ_FRAME_WORDS);
        let mut roots = [live];
        if !self.alloc_garbage_keeping(pid, BADARG_ARGS_WORDS, &mut roots) {
            return None;
        }
        self.pop_dead(pid, CALLER_FRAME_WORDS);
        Some(roots[0])
    }

    /// Pops up to `words` dead stack words (frames of calls that returned).
    fn pop_dead(&mut self, pid: Pid, words: u64) {
        let p = &mut self.processes[pid.0 as usize];
        for _ in 0..words {
            if p.slots.last() != Some(&None) {
                break;
            }
            p.slots.pop();
            p.stop += 1;
        }
    }

    /// `words` that a BIF or a message to a waiting process puts on the heap, or in a fragment when there is no
    /// room ([`Vm::halloc`]), and that nothing keeps.
    fn halloc_dead(&mut self, pid: Pid, words: u64) {
        self.halloc(pid, words, |block, at| {
            Self::write_dead(block, at, words);
            Term::boxed(block.addr(at))
        });
    }

    /// The reply `{Server, ok}`, which the server's send puts on the waiting caller's heap (or in a fragment).
    fn dets_reply_ok(&mut self, pid: Pid) {
        self.halloc_dead(pid, crate::dets::REPLY_TUPLE_WORDS);
    }

    fn dets_insert(&mut self, pid: Pid, table: &str, var: &str) {
        let Some(id) = self.dets_id(table) else {
            return;
        };
        let Some(t) = self.processes[pid.0 as usize].var(var) else {
            return;
        };
        let is_list = t.primary_tag() == crate::term::TAG_PRIMARY_LIST || t == Term::NIL;
        let request = if is_list {
            crate::dets::REQUEST_LIST_WORDS
        } else {
            crate::dets::REQUEST_ONE_WORDS
        };
        self.dets_call(pid, request);
        if !self.processes[pid.0 as usize].is_alive() {
            return;
        }
        // The server's copies: the send's (literals stay in place).
        let copies: Vec<copy::Copied> = {
            let p = &self.processes[pid.0 as usize];
            let Some(t) = p.var(var) else { return };
            let areas = process_areas(p, &self.literals);
            let Some(objects) = self.ets_objects(&areas, t) else {
                return;
            };
            objects
                .into_iter()
                .map(|o| copy::copy_term(&areas, o, self.ids.block(0), &mut self.binaries))
                .collect()
        };
        let n = copies.len() as u64;
        for copied in copies {
            let key = {
                let areas = Areas::new(alloc::vec![&copied.block, &self.literals]);
                let root = copied.term.pointee().expect("a tuple");
                crate::ets::canonical(&areas, areas.word(root.add(1)))
            };
            let obj = DetsObject {
                block: copied.block,
                term: copied.term,
                key,
            };
            if let Some(tab) = self.dets[id as usize].as_mut() {
                tab.insert(obj);
            }
        }
        self.events.push(Event::DetsWritten {
            table: id,
            pid,
            objects: n,
        });
        self.dets_reply_ok(pid);
        self.dets_return(pid, Term::NIL);
    }

    fn dets_delete_key(&mut self, pid: Pid, table: &str, key: &Value) {
        let Some(id) = self.dets_id(table) else {
            return;
        };
        let key = self.ets_key(pid, key);
        self.dets_call(pid, crate::dets::REQUEST_ONE_WORDS);
        if let (Some(key), Some(tab)) = (key, self.dets[id as usize].as_mut()) {
            tab.delete_key(&key);
        }
        self.dets_reply_ok(pid);
        self.dets_return(pid, Term::NIL);
    }

    fn dets_lookup(&mut self, pid: Pid, table: &str, key: &Value, var: &str) {
        let Some(id) = self.dets_id(table) else {
            return;
        };
        let key = self.ets_key(pid, key);
        self.dets_call(pid, crate::dets::REQUEST_ONE_WORDS);
        if !self.processes[pid.0 as usize].is_alive() {
            return;
        }
        // The reply `{Server, [Obj]}`: the object as the cache holds it (a send's copy), or decoded from the file.
        let Some(tab) = self.dets[id as usize].as_mut() else {
            return;
        };
        let (found, cached) = match &key {
            Some(k) => tab.lookup(k),
            // An atom the VM never made: no object has it, and the cache cannot answer (it is written out).
            None => {
                tab.cached_keys.clear();
                (None, false)
            }
        };
        let found = found.cloned();
        let copied = found.map(|o| {
            let mut scratch = self.ids.block(2);
            scratch.words[0] = o.term;
            scratch.words[1] = Term::NIL;
            let list = Term::list(scratch.addr(0));
            let areas = Areas::new(alloc::vec![&o.block, &scratch, &self.literals]);
            let copy = if cached {
                copy::copy_term
            } else {
                copy::copy_term_decoded
            };
            copy(&areas, list, self.ids.block(0), &mut self.binaries)
        });
        self.kill_slot(pid, var);
        self.dets_reply_ok(pid);
        let root = match copied {
            None => Term::NIL,
            Some(copied) => {
                self.events.push(Event::DetsRead {
                    table: id,
                    pid,
                    words: copied.block.size(),
                    cached,
                });
                match self.install(
                    pid,
                    copied.block,
                    Vec::new(),
                    &copied.off_heap,
                    copied.term,
                    0,
                ) {
                    Some(root) => root,
                    None => return,
                }
            }
        };
        let Some(root) = self.dets_return(pid, root) else {
            return;
        };
        self.bind_root(pid, var, root);
    }

    /// The binary handles a process holds on its heaps (`process_info(P, binary)`), and their bytes.
    fn binary_handles(&self, p: &Process) -> (u64, u64) {
        let areas = process_areas(p, &self.literals);
        p.off_heap.iter().fold((0, 0), |(n, bytes), addr| {
            let bin = crate::binary::BinId(areas.word(addr.add(3)).0 as u32);
            (n + 1, bytes + self.binaries.get(bin).map_or(0, |b| b.bytes))
        })
    }

    fn bin_leak(&mut self, top: u64) {
        let mut released = Vec::new();
        for i in 0..self.processes.len() {
            let p = &self.processes[i];
            if !p.is_alive() || p.hibernation.is_some() {
                continue;
            }
            let pid = p.pid;
            let before = self.binary_handles(p);
            self.processes[i].need_fullsweep = true;
            if !self.collect(pid, 0, &mut [], GcReason::Requested) {
                continue;
            }
            let after = self.binary_handles(&self.processes[i]);
            let refs = before.0.saturating_sub(after.0);
            if refs > 0 {
                released.push((refs, before.1.saturating_sub(after.1), pid));
            }
        }
        // recon sorts by the change in the number of binaries, largest first.
        released.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
        for (refs, bytes, pid) in released.into_iter().take(top as usize) {
            self.events
                .push(Event::BinariesReleased { pid, refs, bytes });
        }
    }

    fn make_atoms(&mut self, pid: Pid, prefix: &str, count: u64) {
        let mut name = String::new();
        for i in 0..count {
            name.clear();
            let _ = fmt::Write::write_fmt(&mut name, format_args!("{prefix}{i}"));
            if self.intern(&name).is_err() {
                self.events.push(Event::AtomTableFull { pid });
                self.halted = true;
                return;
            }
        }
    }

    fn forget(&mut self, pid: Pid, var: &str) {
        let p = &mut self.processes[pid.0 as usize];
        if let Some(depth) = p.slot_of(var) {
            p.slots[depth - 1] = None;
            let block = p.heap.as_mut().expect("alive");
            let idx = block.words.len() - 1 - depth;
            // The compiler kills a dead Y register by writing `[]` (`init_yregs`).
            block.words[idx] = Term::NIL;
        }
        p.stage = Stage::HeapAllocation;
    }

    fn send(&mut self, from: Pid, to: Pid, var: &str) -> Result<(), OpError> {
        let sender = &self.processes[from.0 as usize];
        let msg = sender.var(var).ok_or(OpError::UnboundVariable)?;
        let receiver_alive = self.processes[to.0 as usize].is_alive();
        self.processes[from.0 as usize].stage = Stage::MessagePassing;
        if !receiver_alive {
            return Ok(());
        }
        let fresh = self.ids.block(0);
        let copied = {
            let areas = process_areas(&self.processes[from.0 as usize], &self.literals);
            (self.copier())(&areas, msg, fresh, &mut self.binaries)
        };
        let words = copied.block.size();
        let Vm {
            processes,
            events,
            binaries,
            ..
        } = self;
        // Words of off-heap binaries the copy refers to (`copy_struct` adds each ProcBin's size to the
        // destination's virtual binary heap, `OH_OVERHEAD`).
        let mut bin_words = 0;
        for &addr in &copied.off_heap {
            let bin = crate::binary::BinId(copied.block.at(addr.add(3)).0 as u32);
            bin_words += binaries.get(bin).map_or(0, |b| b.bytes / 8);
            let refc = binaries.get(bin).map_or(0, |b| b.refc);
            events.push(Event::RefcChanged {
                bin,
                refc: refc - 1,
                to: refc,
                by: to,
            });
        }
        let r = &mut processes[to.0 as usize];
        r.stage = Stage::MessagePassing;
        let on_heap = r.opts.message_queue_data == MessageQueueData::OnHeap && r.gap() >= words;
        let mut vheap_full = false;
        if on_heap && words > 0 {
            let at = r.htop;
            let block = r.heap.as_mut().expect("alive");
            let term = copy::relocate(&copied.block, block, at, copied.term);
            let moved: Vec<Addr> = copied
                .off_heap
                .iter()
                .map(|a| block.addr(at + a.offset() as u64))
                .collect();
            r.htop += words;
            r.off_heap.extend(moved);
            // Measured by `beamviz export` on OTP 25: the receiver's `bin_vheap_size` grows at the send.
            r.bin_vheap += bin_words;
            r.mailbox.push_back(Message {
                term,
                fragment: None,
                off_heap: Vec::new(),
            });
            // The receiver now wants a GC (`ERTS_IS_GC_DESIRED`: `overhead > bin_vheap_sz`), which it does as it is
            // scheduled to look at the message (measured: a waiting process sent a 1 MB binary's ProcBin collects
            // at once, high water 6). Messages in fragments do not count until received, so they never trigger it.
            vheap_full = r.bin_vheap > r.bin_vheap_sz;
        } else if words == 0 {
            r.mailbox.push_back(Message {
                term: copied.term,
                fragment: None,
                off_heap: Vec::new(),
            });
        } else {
            r.mailbox.push_back(Message {
                term: copied.term,
                fragment: Some(copied.block),
                off_heap: copied.off_heap,
            });
        }
        events.push(Event::MessageSent {
            from,
            to,
            words,
            in_fragment: !on_heap && words > 0,
        });
        if vheap_full {
            self.collect(to, 0, &mut [], GcReason::BinVheapFull);
        }
        Ok(())
    }

    fn receive(&mut self, pid: Pid, var: &str) -> Result<(), OpError> {
        let p = &mut self.processes[pid.0 as usize];
        let msg = p.mailbox.pop_front().ok_or(OpError::EmptyMailbox)?;
        // A received message's fragment becomes one of the process's heap fragments.
        if let Some(frag) = msg.fragment {
            // Its ProcBins join the process's virtual binary heap (measured by `beamviz export` on OTP 25:
            // 0 while queued off-heap, the binary's words once received).
            let bin_words: u64 = msg
                .off_heap
                .iter()
                .map(|&a| {
                    let bin = crate::binary::BinId(frag.at(a.add(3)).0 as u32);
                    self.binaries.get(bin).map_or(0, |b| b.bytes / 8)
                })
                .sum();
            p.bin_vheap += bin_words;
            p.fragments.push(frag);
            let mut oh = msg.off_heap;
            p.off_heap.append(&mut oh);
        }
        self.events.push(Event::MessageReceived { pid });
        // Bind it: an empty fragment, with the message as root.
        let frag = self.ids.block(0);
        let p = &mut self.processes[pid.0 as usize];
        let slot = p.slot_for(var);
        let stack_need = if slot.is_some() { 0 } else { 1 };
        let Some(root) = self.install(pid, frag, Vec::new(), &[], msg.term, stack_need) else {
            return Ok(());
        };
        let p = &mut self.processes[pid.0 as usize];
        p.bind_slot(slot, var, root);
        p.stage = Stage::MessagePassing;
        Ok(())
    }

    fn exit(&mut self, pid: Pid) {
        let Vm {
            processes,
            binaries,
            events,
            ..
        } = self;
        let p = &mut processes[pid.0 as usize];
        events.push(Event::Exited { pid });
        // `delete_process` → `erts_cleanup_offheap`: every handle releases its binary at once.
        let mut handles: Vec<Addr> = core::mem::take(&mut p.off_heap);
        for m in p.mailbox.iter_mut() {
            handles.append(&mut m.off_heap);
        }
        for addr in handles {
            let bin = {
                let areas = crate::copy::Areas::new(
                    p.heap
                        .iter()
                        .chain(p.old_heap.iter())
                        .chain(p.fragments.iter())
                        .chain(p.mailbox.iter().filter_map(|m| m.fragment.as_ref()))
                        .collect(),
                );
                crate::binary::BinId(areas.word(addr.add(3)).0 as u32)
            };
            gc::release(binaries, bin, pid, events);
        }
        let words = p.total_heap_size();
        p.heap = None;
        p.old_heap = None;
        p.fragments.clear();
        p.mailbox.clear();
        p.htop = 0;
        p.stop = 0;
        p.high_water = 0;
        p.old_htop = 0;
        p.slots.clear();
        p.hibernation = None;
        p.bin_vheap = 0;
        p.bin_old_vheap = 0;
        p.stage = Stage::Termination;
        events.push(Event::MemoryReclaimed { pid, words });
        // `erts_db_process_exiting`: the tables it owns are deleted (no heir in the model).
        let owned: Vec<u32> = self
            .ets
            .iter()
            .flatten()
            .filter(|t| t.owner == pid)
            .map(|t| t.id)
            .collect();
        for id in owned {
            self.ets_delete(id);
        }
    }
}

/// The blocks `p`'s terms may point into: its heaps, fragments, queued message fragments, and the literal area.
pub fn process_areas<'a>(p: &'a Process, literals: &'a Block) -> Areas<'a> {
    let mut blocks: Vec<&Block> = Vec::new();
    blocks.extend(p.heap.as_ref());
    blocks.extend(p.old_heap.as_ref());
    blocks.extend(p.fragments.iter());
    blocks.extend(p.mailbox.iter().filter_map(|m| m.fragment.as_ref()));
    blocks.push(literals);
    Areas::new(blocks)
}

/// Checks that every variable a value names is bound, and that the value is not absurdly large.
fn check_value(p: &Process, value: &Value) -> Result<(), OpError> {
    fn walk(p: &Process, v: &Value, words: &mut u64) -> Result<(), OpError> {
        match v {
            Value::Var(name) => p.var(name).map(|_| ()).ok_or(OpError::UnboundVariable)?,
            Value::Tuple(items) => {
                *words += 1 + items.len() as u64;
                for i in items {
                    walk(p, i, words)?;
                }
            }
            Value::List(items) => {
                *words += 2 * items.len() as u64;
                for i in items {
                    walk(p, i, words)?;
                }
            }
            Value::Seq(from, to) => {
                if to >= from {
                    *words += 2 * (to.saturating_sub(*from) as u64).saturating_add(1);
                }
            }
            Value::Binary { bytes, .. } => {
                *words += term::heap_bin_words((*bytes).min(ONHEAP_BIN_LIMIT + 1))
            }
            Value::Int(_) | Value::Atom(_) => *words += 2,
        }
        if *words > MAX_TERM_WORDS {
            return Err(OpError::TooLarge);
        }
        Ok(())
    }
    let mut words = 0;
    walk(p, value, &mut words)
}
