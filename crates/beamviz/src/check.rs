//! A heap verifier in the spirit of ERTS debug builds (`erts_check_heap`, `ErtsGcQuickSanityCheck`).
//!
//! Tests call [`check`] after every op: every pointer lands in a live area of its own process (or the literal area)
//! and on the start of an object; heap top, stack top and high-water mark are in order;
//! each binary's reference count equals the number of handles to it (ProcBins on heaps, in fragments, in queued
//! messages and in ETS objects); ETS objects point only into themselves; no table outlives its owner.
//! Every object lies wholly inside the used part of its block, no header word is used as a term, every ProcBin is
//! on its process's off-heap list exactly once, the stack holds one word per named or dead slot plus the bottom CP,
//! and no two live blocks share an area id (areas never overlap).

use crate::binary::BinId;
use crate::copy::Areas;
use crate::heap::{for_each_term_field, Block, LITERAL_AREA};
use crate::object;
use crate::process::Process;
use crate::term::{Addr, Term, TAG_PRIMARY_LIST};
use crate::vm::Vm;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::fmt;

/// The first inconsistency found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CheckError {
    /// Heap top, high-water mark and stack top are out of order.
    AreasOverlap {
        /// The process.
        pid: u32,
    },
    /// A pointer leads outside the process's live areas.
    DanglingPointer {
        /// The process.
        pid: u32,
        /// The pointer.
        word: u64,
    },
    /// A pointer leads into the middle of an object or to a non-header word.
    NotAnObjectStart {
        /// The process.
        pid: u32,
        /// The pointer.
        word: u64,
    },
    /// A binary's count differs from the number of handles to it.
    RefcMismatch {
        /// The binary.
        bin: u32,
        /// Its count.
        refc: u32,
        /// Handles found.
        handles: u32,
    },
    /// An off-heap list entry is not a ProcBin.
    BadOffHeapEntry {
        /// The process.
        pid: u32,
    },
    /// An ETS object points outside itself (other than into the literal area), or lists a bad ProcBin.
    EtsDanglingPointer {
        /// The table.
        table: u32,
    },
    /// An ETS table outlived its owner.
    OrphanTable {
        /// The table.
        table: u32,
    },
    /// An object runs past the used part of its block, or a header word is used as a term.
    BadHeader {
        /// The process (`u32::MAX` for an ETS object or the literal area).
        pid: u32,
        /// The offending word.
        word: u64,
    },
    /// A ProcBin on a heap or fragment is missing from the off-heap list, or listed twice.
    OffHeapListMismatch {
        /// The process.
        pid: u32,
    },
    /// The stack's depth differs from the bottom CP plus one word per slot.
    StackMismatch {
        /// The process.
        pid: u32,
    },
    /// Two live blocks carry the same area id.
    AreaIdShared {
        /// The area id.
        area: u32,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::AreasOverlap { pid } => write!(
                f,
                "process {pid}: heap top, high water and stack top out of order"
            ),
            CheckError::DanglingPointer { pid, word } => {
                write!(f, "process {pid}: dangling pointer {word:#x}")
            }
            CheckError::NotAnObjectStart { pid, word } => {
                write!(f, "process {pid}: pointer {word:#x} not to an object start")
            }
            CheckError::RefcMismatch { bin, refc, handles } => {
                write!(f, "binary #{bin}: refc {refc} but {handles} handles")
            }
            CheckError::BadOffHeapEntry { pid } => {
                write!(f, "process {pid}: off-heap list entry is not a ProcBin")
            }
            CheckError::EtsDanglingPointer { table } => {
                write!(f, "ETS table #{table}: pointer outside its object")
            }
            CheckError::OrphanTable { table } => {
                write!(f, "ETS table #{table}: its owner has exited")
            }
            CheckError::BadHeader { pid, word } => {
                write!(
                    f,
                    "process {pid}: object {word:#x} runs past its block or is used as a term"
                )
            }
            CheckError::OffHeapListMismatch { pid } => {
                write!(
                    f,
                    "process {pid}: a ProcBin is missing from the off-heap list or listed twice"
                )
            }
            CheckError::StackMismatch { pid } => {
                write!(
                    f,
                    "process {pid}: stack depth differs from its slots plus the CP"
                )
            }
            CheckError::AreaIdShared { area } => {
                write!(f, "area {area} is used by two live blocks")
            }
        }
    }
}

impl core::error::Error for CheckError {}

/// The object starts of the used part of a block; an object that runs past `used` is an error of `pid`.
fn starts(block: &Block, used: u64, out: &mut BTreeSet<Addr>, pid: u32) -> Result<(), CheckError> {
    let mut pos = 0u64;
    while pos < used {
        out.insert(block.addr(pos));
        let w = block.words[pos as usize];
        pos += if w.header_tag().is_some() {
            object::object_size(w)
        } else {
            2
        };
        if pos > used {
            return Err(CheckError::BadHeader { pid, word: w.0 });
        }
    }
    Ok(())
}

/// The ProcBins of the used part of a block.
fn proc_bins(block: &Block, used: u64, out: &mut Vec<Addr>) {
    let mut pos = 0u64;
    while pos < used {
        let w = block.words[pos as usize];
        if w.header_tag() == Some(crate::term::HeaderTag::RefcBinary) {
            out.push(block.addr(pos));
        }
        pos += if w.header_tag().is_some() {
            object::object_size(w)
        } else {
            2
        };
    }
}

fn check_process(vm: &Vm, p: &Process, handles: &mut BTreeMap<u32, u32>) -> Result<(), CheckError> {
    let pid = p.pid.0;
    let Some(heap) = p.heap.as_ref() else {
        return Ok(());
    };
    if !(p.high_water <= p.htop && p.htop <= p.stop && p.stop <= heap.size()) {
        return Err(CheckError::AreasOverlap { pid });
    }
    if p.old_htop > p.old_heap_size() {
        return Err(CheckError::AreasOverlap { pid });
    }
    // The bottom CP, then one word per slot (a named variable or a dead word of a frame).
    if heap.size() - p.stop != 1 + p.slots.len() as u64 {
        return Err(CheckError::StackMismatch { pid });
    }
    let mut obj_starts = BTreeSet::new();
    starts(heap, p.htop, &mut obj_starts, pid)?;
    if let Some(old) = &p.old_heap {
        starts(old, p.old_htop, &mut obj_starts, pid)?;
    }
    let mut used: Vec<(&Block, u64)> = alloc::vec![(heap, p.htop)];
    used.extend(p.old_heap.as_ref().map(|o| (o, p.old_htop)));
    for f in p
        .fragments
        .iter()
        .chain(p.mailbox.iter().filter_map(|m| m.fragment.as_ref()))
    {
        starts(f, f.size(), &mut obj_starts, pid)?;
        used.push((f, f.size()));
    }
    let lits = vm.literals();
    starts(lits, lits.size(), &mut obj_starts, u32::MAX)?;
    let areas: Areas<'_> = vm.areas_of(p);
    let check_word = |t: Term| -> Result<(), CheckError> {
        if t.header_tag().is_some() {
            return Err(CheckError::BadHeader { pid, word: t.0 });
        }
        let Some(addr) = t.pointee() else {
            return Ok(());
        };
        let live = addr.area() == LITERAL_AREA
            || used
                .iter()
                .any(|(b, n)| b.id == addr.area() && (addr.offset() as u64) < *n);
        if !live {
            return Err(CheckError::DanglingPointer { pid, word: t.0 });
        }
        if !obj_starts.contains(&addr) {
            return Err(CheckError::NotAnObjectStart { pid, word: t.0 });
        }
        let first = areas.word(addr);
        let is_header = first.header_tag().is_some();
        if (t.primary_tag() == TAG_PRIMARY_LIST) == is_header {
            return Err(CheckError::NotAnObjectStart { pid, word: t.0 });
        }
        Ok(())
    };
    // The bottom CP is not a term; every other stack word is.
    for w in &heap.words[p.stop as usize..heap.words.len() - 1] {
        check_word(*w)?;
    }
    for m in &p.mailbox {
        check_word(m.term)?;
    }
    if let Some(h) = &p.hibernation {
        check_word(h.args)?;
    }
    for (block, n) in &used {
        let mut res = Ok(());
        for_each_term_field(&block.words, 0, *n as usize, |i| {
            if res.is_ok() {
                res = check_word(block.words[i]);
            }
        });
        res?;
    }
    // Every ProcBin of the process's blocks is on its off-heap list (or its message's) exactly once.
    let mut found = Vec::new();
    for (block, n) in &used {
        proc_bins(block, *n, &mut found);
    }
    let mut listed: Vec<Addr> = p
        .off_heap
        .iter()
        .chain(p.mailbox.iter().flat_map(|m| m.off_heap.iter()))
        .copied()
        .collect();
    found.sort_unstable();
    listed.sort_unstable();
    if found != listed {
        return Err(CheckError::OffHeapListMismatch { pid });
    }
    for addr in p
        .off_heap
        .iter()
        .chain(p.mailbox.iter().flat_map(|m| m.off_heap.iter()))
    {
        let header = areas.word(*addr);
        if header.header_tag() != Some(crate::term::HeaderTag::RefcBinary) {
            return Err(CheckError::BadOffHeapEntry { pid });
        }
        *handles.entry(areas.word(addr.add(3)).0 as u32).or_default() += 1;
    }
    Ok(())
}

/// An ETS table: each object's pointers stay inside its own block (or the literal area), its ProcBins count.
fn check_ets(
    vm: &Vm,
    t: &crate::ets::EtsTable,
    handles: &mut BTreeMap<u32, u32>,
) -> Result<(), CheckError> {
    let table = t.id;
    let alive = vm
        .process(t.owner)
        .is_some_and(crate::process::Process::is_alive);
    if !alive {
        return Err(CheckError::OrphanTable { table });
    }
    for o in &t.objects {
        let mut obj_starts = BTreeSet::new();
        starts(&o.block, o.block.size(), &mut obj_starts, u32::MAX)?;
        let ok = |w: Term| match w.pointee() {
            None => true,
            Some(a) => a.area() == LITERAL_AREA || obj_starts.contains(&a),
        };
        let mut res = ok(o.term);
        for_each_term_field(&o.block.words, 0, o.block.words.len(), |i| {
            res &= ok(o.block.words[i]);
        });
        if !res {
            return Err(CheckError::EtsDanglingPointer { table });
        }
        for addr in &o.off_heap {
            if !o.block.contains(*addr)
                || o.block.at(*addr).header_tag() != Some(crate::term::HeaderTag::RefcBinary)
            {
                return Err(CheckError::EtsDanglingPointer { table });
            }
            *handles.entry(o.block.at(addr.add(3)).0 as u32).or_default() += 1;
        }
    }
    Ok(())
}

/// Verifies the whole VM.
///
/// # Errors
/// The first inconsistency found.
pub fn check(vm: &Vm) -> Result<(), CheckError> {
    let mut handles = BTreeMap::new();
    // Areas never overlap: each live block has an area id of its own.
    let mut areas = BTreeSet::new();
    let mut claim = |b: &Block| {
        if areas.insert(b.id) {
            Ok(())
        } else {
            Err(CheckError::AreaIdShared { area: b.id.0 })
        }
    };
    claim(vm.literals())?;
    for p in vm.processes() {
        for b in p.heap.iter().chain(&p.old_heap).chain(&p.fragments) {
            claim(b)?;
        }
        for m in &p.mailbox {
            m.fragment.as_ref().map_or(Ok(()), &mut claim)?;
        }
    }
    for t in vm.ets_tables().iter().flatten() {
        for o in &t.objects {
            claim(&o.block)?;
        }
    }
    for p in vm.processes() {
        check_process(vm, p, &mut handles)?;
    }
    for t in vm.ets_tables().iter().flatten() {
        check_ets(vm, t, &mut handles)?;
    }
    for (id, bin) in vm.binaries().iter() {
        let n = handles.remove(&id.0).unwrap_or(0);
        if n != bin.refc {
            return Err(CheckError::RefcMismatch {
                bin: id.0,
                refc: bin.refc,
                handles: n,
            });
        }
    }
    if let Some((&bin, &n)) = handles.iter().next() {
        let _ = BinId(bin);
        return Err(CheckError::RefcMismatch {
            bin,
            refc: 0,
            handles: n,
        });
    }
    Ok(())
}

impl Vm {
    /// Verifies the VM; see [`check`].
    ///
    /// # Errors
    /// The first inconsistency found.
    pub fn check(&self) -> Result<(), CheckError> {
        check(self)
    }
}
