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

/// A sub-step of a collection, in the order they happen, so a view can animate a GC.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GcPhase {
    /// The roots (stack, registers, queued on-heap messages) were scanned and their direct targets copied.
    Roots,
    /// Cheney's scan copied everything reachable; `words` is the new young heap's live data.
    Copy,
    /// Objects below the high-water mark went to the old heap (minor GC only); `words` promoted.
    Promote,
    /// The from-space blocks (the old young block, fragments, and on a major GC the old heap) were freed.
    Free,
}

impl fmt::Display for GcPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GcPhase::Roots => "roots",
            GcPhase::Copy => "copy",
            GcPhase::Promote => "promote",
            GcPhase::Free => "free",
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
    /// A GC started.
    GcStarted {
        /// The process.
        pid: Pid,
        /// Why.
        reason: GcReason,
        /// The free words the caller needs afterwards.
        need: u64,
    },
    /// A sub-step of a GC finished.
    GcPhaseDone {
        /// The process.
        pid: Pid,
        /// Which.
        phase: GcPhase,
        /// Words involved (see [`GcPhase`]).
        words: u64,
    },
    /// The young block was resized (`grow_new_heap` / `shrink_new_heap`); the stack moved to the new end.
    HeapResized {
        /// The process.
        pid: Pid,
        /// Size before, words.
        from: u64,
        /// Size after, words.
        to: u64,
    },
    /// A GC would have passed `max_heap_size`: it did not run, and the process is killed.
    MaxHeapSizeReached {
        /// The process.
        pid: Pid,
        /// Its `max_heap_size`.
        max: u64,
        /// The total the GC would have needed.
        total: u64,
    },
    /// A BIF result did not fit in the gap and went to a heap fragment.
    FragmentAllocated {
        /// The process.
        pid: Pid,
        /// Fragment size, words.
        words: u64,
    },
    /// The process hibernated: its heap is now exactly live data + `S_RESERVED`.
    Hibernated {
        /// The process.
        pid: Pid,
        /// The new heap size, words.
        heap_size: u64,
    },
    /// A hibernated process woke up.
    Woke {
        /// The process.
        pid: Pid,
    },
    /// An ETS table was created.
    EtsTableCreated {
        /// The owner.
        owner: Pid,
        /// The table's index in the VM.
        table: u32,
    },
    /// An object was copied into an ETS table.
    EtsInserted {
        /// The table.
        table: u32,
        /// Words the table grew by (the object's flat size + 4 words of overhead).
        words: u64,
    },
    /// An object was copied out of an ETS table onto a process heap.
    EtsCopiedOut {
        /// The table.
        table: u32,
        /// The process.
        pid: Pid,
        /// Words copied.
        words: u64,
    },
    /// A DETS table was opened (`dets:open_file/2`): a file, and a server process the model does not draw.
    DetsOpened {
        /// The table.
        table: u32,
    },
    /// A process wrote objects to a DETS table (`dets:insert/2`): they went to the file, through the server.
    DetsWritten {
        /// The table.
        table: u32,
        /// The process calling.
        pid: Pid,
        /// How many objects.
        objects: u64,
    },
    /// A lookup in a DETS table copied an object onto the caller's heap.
    DetsRead {
        /// The table.
        table: u32,
        /// The process calling.
        pid: Pid,
        /// Words copied (the list and the object).
        words: u64,
        /// Whether the server answered from its write cache (literals left in place) rather than the file.
        cached: bool,
    },
    /// A DETS table was closed (`dets:close/1`).
    DetsClosed {
        /// The table.
        table: u32,
    },
    /// `recon:bin_leak/1`'s report line for one process: the binary references and bytes its collection released.
    /// Emitted for the top processes, most references first.
    BinariesReleased {
        /// The process.
        pid: Pid,
        /// Handles (ProcBins) released.
        refs: u64,
        /// Bytes those binaries hold (a binary held twice counts once per handle, as recon counts).
        bytes: u64,
    },
    /// An ETS table was deleted (explicitly, or because its owner died).
    EtsTableDeleted {
        /// The table.
        table: u32,
    },
    /// The atom table reached `ATOM_LIMIT` (1,048,576): the emulator dies
    /// ("no more index entries in atom_tab").
    AtomTableFull {
        /// The process whose `list_to_atom/1` overflowed it.
        pid: Pid,
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
            Event::GcStarted { pid, reason, need } => {
                write!(f, "{pid}: GC started ({reason}, {need} words needed)")
            }
            Event::GcPhaseDone { pid, phase, words } => {
                write!(f, "{pid}: GC {phase} done ({words} words)")
            }
            Event::HeapResized { pid, from, to } => {
                write!(f, "{pid}: heap resized {from} → {to} words")
            }
            Event::MaxHeapSizeReached { pid, max, total } => write!(
                f,
                "{pid}: max_heap_size {max} reached (GC needs {total} words): killed"
            ),
            Event::FragmentAllocated { pid, words } => {
                write!(f, "{pid}: {words}-word heap fragment allocated")
            }
            Event::Hibernated { pid, heap_size } => {
                write!(f, "{pid} hibernated with a {heap_size}-word heap")
            }
            Event::Woke { pid } => write!(f, "{pid} woke up"),
            Event::EtsTableCreated { owner, table } => {
                write!(f, "{owner} created ETS table #{table}")
            }
            Event::EtsInserted { table, words } => {
                write!(f, "ETS table #{table}: object of {words} words inserted")
            }
            Event::EtsCopiedOut { table, pid, words } => {
                write!(f, "ETS table #{table}: {words} words copied to {pid}")
            }
            Event::EtsTableDeleted { table } => write!(f, "ETS table #{table} deleted"),
            Event::DetsOpened { table } => write!(f, "DETS table #{table} opened: its objects live in a file"),
            Event::DetsWritten {
                table,
                pid,
                objects,
            } => write!(
                f,
                "DETS table #{table}: {objects} object(s) from {pid} written to the file, none kept in memory"
            ),
            Event::DetsRead {
                table,
                pid,
                words,
                cached,
            } => write!(
                f,
                "DETS table #{table}: {words} words copied to {pid}, {}",
                if *cached {
                    "from the server's write cache"
                } else {
                    "decoded from the file"
                }
            ),
            Event::DetsClosed { table } => write!(f, "DETS table #{table} closed"),
            Event::BinariesReleased { pid, refs, bytes } => write!(
                f,
                "{pid}: bin_leak released {refs} binary references ({bytes} bytes)"
            ),
            Event::AtomTableFull { pid } => write!(
                f,
                "{pid}: atom table full (1,048,576 atoms): the emulator exits"
            ),
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
            GcReason::AfterBif => "GC after BIF",
            GcReason::Hibernate => "erlang:hibernate/3",
        })
    }
}
