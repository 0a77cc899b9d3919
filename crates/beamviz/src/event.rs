//! What happened: the model's output, in the past tense.
//!
//! Domain outcomes (a GC, a heap that grew, a binary freed, a process killed) are events, never errors.
//! Each event prints as one line of the event log, in the vocabulary of the ERTS sources.

use crate::binary::BinId;
use crate::gc::GcReason;
use crate::process::Pid;
use core::fmt;

/// Minor or major (fullsweep).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GcKind {
    /// Copies the young generation only, promoting survivors of an earlier GC.
    Minor,
    /// Copies everything into one new block and frees the old heap.
    Major,
}

impl fmt::Display for GcKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GcKind::Minor => "minor",
            GcKind::Major => "major",
        })
    }
}

/// One thing that happened.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Event {
    /// A process was spawned with a heap of `heap_size` words.
    Spawned {
        /// The new process.
        pid: Pid,
        /// Its young block, in words.
        heap_size: u64,
    },
    /// Words were allocated on a process heap.
    Allocated {
        /// The process.
        pid: Pid,
        /// How many.
        words: u64,
    },
    /// The heap top would have passed the stack top: a GC is due.
    HeapMetStack {
        /// The process.
        pid: Pid,
        /// The words it needed.
        need: u64,
        /// The free words it had.
        free: u64,
    },
    /// A minor GC could not run (no room in the old heap, or the first GC) and became a major one.
    MinorGcAborted {
        /// The process.
        pid: Pid,
    },
    /// An old heap was allocated for promotions.
    OldHeapCreated {
        /// The process.
        pid: Pid,
        /// Its size in words.
        words: u64,
    },
    /// A major GC freed the old heap.
    OldHeapFreed {
        /// The process.
        pid: Pid,
        /// Its size in words.
        words: u64,
    },
    /// Live words moved from the young generation to the old heap.
    Promoted {
        /// The process.
        pid: Pid,
        /// How many.
        words: u64,
    },
    /// A GC finished.
    GcFinished {
        /// The process.
        pid: Pid,
        /// Minor or major.
        kind: GcKind,
        /// Why it ran.
        reason: GcReason,
        /// Young block size before.
        heap_before: u64,
        /// Young block size after.
        heap_after: u64,
        /// Old heap block size before.
        old_before: u64,
        /// Old heap block size after.
        old_after: u64,
        /// Live words after (young + old heap in use).
        live: u64,
        /// Words promoted to the old heap.
        promoted: u64,
        /// Words reclaimed.
        reclaimed: u64,
    },
    /// An off-heap binary was created.
    BinaryCreated {
        /// The binary.
        bin: BinId,
        /// Its size in bytes.
        bytes: u64,
        /// The process that made it.
        by: Pid,
    },
    /// A binary's reference count changed.
    RefcChanged {
        /// The binary.
        bin: BinId,
        /// The count before.
        refc: u32,
        /// The count after.
        to: u32,
        /// The process whose handle was added or released.
        by: Pid,
    },
    /// A binary's count reached zero and its memory was freed.
    BinaryFreed {
        /// The binary.
        bin: BinId,
    },
    /// A message was copied into a mailbox.
    MessageSent {
        /// The sender.
        from: Pid,
        /// The receiver.
        to: Pid,
        /// The words of the copy.
        words: u64,
        /// Whether the copy went into a heap fragment rather than onto the receiver's heap.
        in_fragment: bool,
    },
    /// A message was taken from the mailbox.
    MessageReceived {
        /// The receiver.
        pid: Pid,
    },
    /// A process exited.
    Exited {
        /// The process.
        pid: Pid,
    },
    /// An exited process's blocks were freed.
    MemoryReclaimed {
        /// The process.
        pid: Pid,
        /// Words freed (young block, old heap, fragments).
        words: u64,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Spawned { pid, heap_size } => {
                write!(f, "spawned {pid} with a {heap_size}-word heap")
            }
            Event::Allocated { pid, words } => write!(f, "{pid} allocated {words} words"),
            Event::HeapMetStack { pid, need, free } => {
                write!(
                    f,
                    "{pid}: heap meets stack ({need} words needed, {free} free): GC"
                )
            }
            Event::MinorGcAborted { pid } => write!(
                f,
                "{pid}: minor GC not possible, doing a major (fullsweep) GC"
            ),
            Event::OldHeapCreated { pid, words } => {
                write!(f, "{pid}: old heap of {words} words created")
            }
            Event::OldHeapFreed { pid, words } => {
                write!(f, "{pid}: old heap of {words} words freed")
            }
            Event::Promoted { pid, words } => {
                write!(f, "{pid}: {words} words promoted to the old heap")
            }
            Event::GcFinished {
                pid,
                kind,
                heap_before,
                heap_after,
                old_after,
                live,
                promoted,
                reclaimed,
                ..
            } => {
                write!(f, "{kind} GC in {pid}: {heap_before} → {heap_after} words, {live} live, {reclaimed} reclaimed")?;
                if *promoted > 0 {
                    write!(f, ", {promoted} promoted")?;
                }
                if *old_after > 0 {
                    write!(f, " (old heap {old_after})")?;
                }
                Ok(())
            }
            Event::BinaryCreated { bin, bytes, by } => write!(
                f,
                "{by} created binary #{} of {bytes} bytes (refc 1)",
                bin.0
            ),
            Event::RefcChanged { bin, refc, to, by } => {
                write!(f, "binary #{} refc {refc} → {to} ({by})", bin.0)
            }
            Event::BinaryFreed { bin } => write!(f, "binary #{} freed", bin.0),
            Event::MessageSent {
                from,
                to,
                words,
                in_fragment,
            } => {
                let place = if *in_fragment {
                    "a heap fragment"
                } else {
                    "its heap"
                };
                write!(f, "{from} sent {words} words to {to}, copied into {place}")
            }
            Event::MessageReceived { pid } => write!(f, "{pid} received a message"),
            Event::Exited { pid } => write!(f, "{pid} exited"),
            Event::MemoryReclaimed { pid, words } => {
                write!(f, "{pid}: {words} words of memory reclaimed")
            }
        }
    }
}

impl fmt::Display for GcReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GcReason::HeapMeetsStack => "heap meets stack",
            GcReason::BinVheapFull => "binary virtual heap full",
            GcReason::Requested => "erlang:garbage_collect()",
        })
    }
}
