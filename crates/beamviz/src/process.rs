//! A process's memory, as laid out in `erl_process.h`.
//!
//! The young heap and the stack share one block: the heap grows up from the bottom (`htop`),
//! the stack grows down from the top (`stop`), and when they would meet the process garbage collects.
//! Data that survived a GC lies below the high-water mark and is promoted to the old heap at the next minor GC.
//! Terms built outside the heap (messages that did not fit, BIF results) sit in heap fragments until the next GC.
//!
//! Model: the stack holds one continuation pointer at the bottom and one slot per bound variable
//! (the Y registers a compiled function would use); a forgotten variable's slot is killed (set to `[]`)
//! and reused by the next binding, as the compiler reuses dead Y registers.

use crate::heap::Block;
use crate::term::{Addr, Term};
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A local process identifier, `<0.N.0>`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Pid(pub u32);

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<0.{}.0>", self.0)
    }
}

/// `S_RESERVED`: words kept free between heap top and stack top (`CP_SIZE` + `S_REDZONE`, 1 + 3 on x86-64 JIT builds).
pub const S_RESERVED: u64 = 4;
/// The system default `min_heap_size` (`H_DEFAULT_SIZE`, and `H_MIN_SIZE`).
pub const H_MIN_SIZE: u64 = 233;
/// The system default `min_bin_vheap_size`: 32768 rounded up the heap-size table.
pub const MIN_BIN_VHEAP_SIZE: u64 = 46422;
/// The default `fullsweep_after`: `(Uint16)-1`.
pub const FULLSWEEP_AFTER_DEFAULT: u32 = 65535;

/// Where a process keeps the messages in its queue (`message_queue_data`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum MessageQueueData {
    /// Copied onto the receiver's heap when there is room, else into a heap fragment; part of the young generation.
    #[default]
    OnHeap,
    /// Always in a fragment owned by the message, outside GC until received.
    OffHeap,
}

impl fmt::Display for MessageQueueData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MessageQueueData::OnHeap => "on_heap",
            MessageQueueData::OffHeap => "off_heap",
        })
    }
}

/// `spawn_opt` options that shape memory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SpawnOpts {
    /// `min_heap_size` in words, as given (0 = the system default).
    pub min_heap_size: u64,
    /// `fullsweep_after`.
    pub fullsweep_after: u32,
    /// `max_heap_size` in words (0 = off). The process is killed when a GC would exceed it.
    pub max_heap_size: u64,
    /// `message_queue_data`.
    pub message_queue_data: MessageQueueData,
}

impl Default for SpawnOpts {
    fn default() -> Self {
        SpawnOpts {
            min_heap_size: 0,
            fullsweep_after: FULLSWEEP_AFTER_DEFAULT,
            max_heap_size: 0,
            message_queue_data: MessageQueueData::OnHeap,
        }
    }
}

/// Where a process is in its life, as the lifecycle diagram shows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    /// Just spawned: a fresh heap and a one-word stack.
    Start,
    /// Building terms on its heap.
    HeapAllocation,
    /// Sending or receiving a message.
    MessagePassing,
    /// Collecting garbage.
    GarbageCollection,
    /// Exiting: this step it stopped running.
    Termination,
    /// Gone: its blocks are freed and its binary references released.
    Reclamation,
}

impl Stage {
    /// All stages, in lifecycle order.
    pub const ALL: [Stage; 6] = [
        Stage::Start,
        Stage::HeapAllocation,
        Stage::MessagePassing,
        Stage::GarbageCollection,
        Stage::Termination,
        Stage::Reclamation,
    ];
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Start => "Process Start",
            Stage::HeapAllocation => "Heap Allocation",
            Stage::MessagePassing => "Message Passing",
            Stage::GarbageCollection => "Garbage Collection",
            Stage::Termination => "Process Termination",
            Stage::Reclamation => "Memory Reclamation",
        })
    }
}

/// A message in a mailbox.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Message {
    /// The message term: on the receiver's heap, or in `fragment`.
    pub term: Term,
    /// The fragment holding the message when it did not go onto the heap.
    ///
    /// On-heap queues count such fragments as young generation (`mbuf_sz`);
    /// off-heap queues keep them out of GC until the message is received.
    pub fragment: Option<Block>,
    /// The ProcBins inside `fragment`.
    pub off_heap: Vec<Addr>,
}

/// A process's memory and GC state.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Process {
    /// Its pid.
    pub pid: Pid,
    /// The scenario's name for it.
    pub name: String,
    /// Its lifecycle stage.
    pub stage: Stage,
    /// Spawn options.
    pub opts: SpawnOpts,
    /// `min_heap_size` after rounding: at least 233, else rounded up the heap-size table.
    pub min_heap_size: u64,
    /// The young heap and the stack (`heap`…`hend`); `None` once the process has exited.
    pub heap: Option<Block>,
    /// Heap top: words `0..htop` of the block are the young heap.
    pub htop: u64,
    /// Stack top: words `stop..size` of the block are the stack.
    pub stop: u64,
    /// High-water mark: young data below it has survived a GC.
    pub high_water: u64,
    /// The old heap (`old_heap`…`old_hend`), created by the first minor GC that promotes.
    pub old_heap: Option<Block>,
    /// Old heap top.
    pub old_htop: u64,
    /// Heap fragments (`mbuf`), each completely used.
    pub fragments: Vec<Block>,
    /// The ProcBins this process has on its heaps and fragments (the `off_heap` list), oldest first.
    pub off_heap: Vec<Addr>,
    /// Variable names by stack depth: `slots[d]` names the word `d + 1` words above the stack's bottom CP.
    pub slots: Vec<Option<String>>,
    /// The message queue.
    pub mailbox: VecDeque<Message>,
    /// Minor GCs since the last major (`GEN_GCS`).
    pub gen_gcs: u32,
    /// `F_NEED_FULLSWEEP`: the next GC must be major.
    pub need_fullsweep: bool,
    /// `F_HEAP_GROW`: the last major GC left the heap over 75 % full; the next major grows one step more.
    pub heap_grow: bool,
    /// Off-heap binary bytes referenced from the young generation, in words (`off_heap.overhead`).
    pub bin_vheap: u64,
    /// The virtual binary heap block size (`bin_vheap_sz`).
    pub bin_vheap_sz: u64,
    /// Off-heap binary words referenced from the old heap (`bin_old_vheap`).
    pub bin_old_vheap: u64,
    /// The old virtual binary heap block size (`bin_old_vheap_sz`).
    pub bin_old_vheap_sz: u64,
    /// Counters for `process_info`.
    pub counters: GcCounters,
    /// While hibernated: the argument list of `erlang:hibernate/3` (a root held in an X register) and the
    /// variables it carries, to be bound again on waking.
    pub hibernation: Option<Hibernation>,
    /// Whether the process has created an ETS table: its first `ets:new` allocates the process-specific data that
    /// lists its tables (`ERTS_PSD_ETS_OWNED_TABLES`), 80 bytes of `memory` from then on, even after the tables
    /// are gone (measured on OTP 25.2.3).
    pub ets_psd: bool,
}

/// What a hibernated process keeps.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hibernation {
    /// The argument list, on the compacted heap.
    pub args: Term,
    /// The variable each list element is bound to on waking.
    pub vars: Vec<String>,
}

/// GC counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct GcCounters {
    /// Minor collections, ever.
    pub minor: u64,
    /// Major (fullsweep) collections, ever.
    pub major: u64,
    /// Words reclaimed, ever.
    pub reclaimed: u64,
}

impl Process {
    /// Whether the process is still running.
    pub fn is_alive(&self) -> bool {
        self.heap.is_some()
    }

    /// The young block; panics if the process has exited.
    ///
    /// # Panics
    /// If the process has exited (callers check [`Process::is_alive`] first).
    pub fn block(&self) -> &Block {
        self.heap.as_ref().expect("process has exited")
    }

    /// Mutable access to the young block.
    ///
    /// # Panics
    /// If the process has exited.
    pub fn block_mut(&mut self) -> &mut Block {
        self.heap.as_mut().expect("process has exited")
    }

    /// `heap_size`: the young block, stack included, in words.
    pub fn heap_size(&self) -> u64 {
        self.heap.as_ref().map_or(0, Block::size)
    }

    /// `stack_size`: words on the stack.
    pub fn stack_size(&self) -> u64 {
        self.heap_size() - self.stop
    }

    /// The old heap block size.
    pub fn old_heap_size(&self) -> u64 {
        self.old_heap.as_ref().map_or(0, Block::size)
    }

    /// `mbuf_size`: words in heap fragments, including those of on-heap messages still in the queue.
    pub fn mbuf_size(&self) -> u64 {
        let own: u64 = self.fragments.iter().map(Block::size).sum();
        own + self.on_heap_message_fragment_words()
    }

    /// Words of queued messages that sit in fragments and count as young generation (on-heap queues only).
    pub fn on_heap_message_fragment_words(&self) -> u64 {
        if self.opts.message_queue_data == MessageQueueData::OffHeap {
            return 0;
        }
        self.mailbox
            .iter()
            .filter_map(|m| m.fragment.as_ref())
            .map(Block::size)
            .sum()
    }

    /// `total_heap_size`: young block + old block + fragments.
    pub fn total_heap_size(&self) -> u64 {
        self.heap_size() + self.old_heap_size() + self.mbuf_size()
    }

    /// The free words between heap top and stack top.
    pub fn gap(&self) -> u64 {
        self.stop - self.htop
    }

    /// Young generation usage: heap top plus fragments (`young_gen_usage`).
    pub fn young_gen_usage(&self) -> u64 {
        self.htop + self.mbuf_size()
    }

    /// The stack word at depth `depth` (0 is the bottom CP).
    pub fn stack_word(&self, depth: usize) -> Term {
        let block = self.block();
        block.words[block.words.len() - 1 - depth]
    }

    /// The stack depth of variable `name`.
    pub fn slot_of(&self, name: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.as_deref() == Some(name))
            .map(|i| i + 1)
    }

    /// The term bound to variable `name`.
    pub fn var(&self, name: &str) -> Option<Term> {
        self.slot_of(name).map(|d| self.stack_word(d))
    }

    /// Where a binding of `var` goes: its own slot, else the first dead slot (as the compiler reuses a dead
    /// Y register); `None` means a new stack word, which needs a heap test first.
    pub fn slot_for(&self, var: &str) -> Option<usize> {
        self.slot_of(var)
            .or_else(|| self.slots.iter().position(Option::is_none).map(|i| i + 1))
    }

    /// Names the slot at stack depth `slot` (or a new stack word, when `None`) `var` and writes `term` into it.
    ///
    /// # Panics
    /// If the process has exited, or a new stack word is pushed with no free word below the stack.
    pub fn bind_slot(&mut self, slot: Option<usize>, var: &str, term: Term) {
        let depth = match slot {
            Some(d) => d,
            None => {
                assert!(
                    self.htop < self.stop,
                    "stack push with no free word: the heap test was skipped"
                );
                self.slots.push(None);
                self.stop -= 1;
                self.slots.len()
            }
        };
        self.slots[depth - 1] = Some(var.into());
        let block = self.block_mut();
        let idx = block.words.len() - 1 - depth;
        block.words[idx] = term;
    }

    /// The variables with their terms, in stack order.
    pub fn vars(&self) -> impl Iterator<Item = (&str, Term)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_deref().map(|name| (name, self.stack_word(i + 1))))
    }

    /// `memory` in bytes, as `erts_process_memory` counts it for an unmonitored process.
    ///
    /// Model: the fixed part (the `Process` struct and friends) is the measured 776 bytes of OTP 25.2.3;
    /// each queued message adds its `ErtsMessage` plus its fragment: [`MESSAGE_BYTES`].
    pub fn memory_bytes(&self) -> u64 {
        if !self.is_alive() {
            return 0;
        }
        let queued: u64 = self
            .mailbox
            .iter()
            .map(|m| MESSAGE_BYTES + 8 * m.fragment.as_ref().map_or(0, Block::size))
            .sum();
        let own_fragments: u64 = self.fragments.iter().map(Block::size).sum();
        PROCESS_STRUCT_BYTES
            + 8 * (self.heap_size() + self.old_heap_size() + own_fragments)
            + queued
            + if self.ets_psd { ETS_PSD_BYTES } else { 0 }
    }
}

/// Bytes of `memory` a process gains with its first ETS table (measured).
pub const ETS_PSD_BYTES: u64 = 80;
/// Bytes a queued message adds to `memory` besides its fragment (`sizeof(ErtsMessage)` on OTP 25.2.3, 64-bit):
/// measured 88 by `beamviz export` (a message copied onto the receiver's heap, and an immediate) and in
/// `gc_trace.jsonl` `b_hibernate` (`woken_before_receive` − `after_receive`).
pub const MESSAGE_BYTES: u64 = 88;

/// Bytes of a process that are not heap: `memory` of a fresh idle process (2640) minus 8 × 233.
pub const PROCESS_STRUCT_BYTES: u64 = 776;
