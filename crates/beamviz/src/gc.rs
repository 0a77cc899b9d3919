//! The generational copying collector of `erl_gc.c` (OTP 25).
//!
//! A collection copies the live data reachable from the roots (the stack, the message queue, and any terms the
//! caller is holding) into a freshly allocated block, leaving a forwarding pointer in each moved object, then
//! frees the old block. A **minor** collection copies only the young generation: objects below the high-water
//! mark (they survived one GC already) are promoted into the old heap, the rest go to the new young block.
//! A **major** (fullsweep) collection copies the young heap, the fragments and the old heap into one new block and
//! frees the old heap. Afterwards the heap is resized by the rules of `minor_collection` and
//! `adjust_after_fullsweep`, and the off-heap list is swept: a ProcBin that was not moved is dead and its binary's
//! reference count drops (`sweep_off_heap`).
//!
//! Each collection reports its sub-steps as events (`GcStarted`, then `GcPhaseDone` for roots → copy → promote → free,
//! `HeapResized`, `GcFinished`), so a view can replay a GC as a sequence of pictures.
//! `max_heap_size` is checked before collecting, with the totals `minor_collection` and `major_collection` compute;
//! past it the GC does not run and the caller kills the process.
//! `hibernate` is `garbage_collect_hibernate`: a major GC into a heap of exactly live + `S_RESERVED` words.
//!
//! Model: not modelled here are the literal-area GC, writable binaries and `wrt_bins` shrinking, and the abandoned
//! heap of a delayed GC (the VM delays a potentially long GC by exactly the allocation that triggered it; see
//! `Vm::possibly_long_gc`). The old heap is created "one step ahead" of the young generation's usage, fragments
//! included (measured: 610 words for 209 used + a 35-word fragment).

use crate::binary::{BinId, BinaryArea};
use crate::event::{Event, GcKind, GcPhase};
use crate::heap::{AreaIds, Block, LITERAL_AREA};
use crate::heap_sizes::next_heap_size as erts_next_heap_size;
use crate::object;
use crate::process::{MessageQueueData, Process, H_MIN_SIZE, S_RESERVED};
use crate::term::{Addr, AreaId, Term, TAG_PRIMARY_BOXED, TAG_PRIMARY_LIST};
use alloc::vec::Vec;

/// `next_heap_size(p, size, offset)`: the table entry, raised to the process's `min_heap_size`.
pub fn next_heap_size(p: &Process, size: u64, offset: usize) -> u64 {
    erts_next_heap_size(size, offset).max(p.min_heap_size)
}

/// Why a GC runs; shown in events.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GcReason {
    /// The heap top would pass the stack top (`GC_TEST`).
    HeapMeetsStack,
    /// Off-heap binaries exceeded the virtual binary heap.
    BinVheapFull,
    /// `erlang:garbage_collect/0,1`.
    Requested,
    /// A BIF left heap fragments larger than the free gap ("GC after BIF").
    AfterBif,
    /// `erlang:hibernate/3`.
    Hibernate,
}

/// Runs a garbage collection of `p`, as `erts_garbage_collect_nobump` does: minor if allowed and possible, else major.
/// `need` is the number of free words the caller needs afterwards; `roots` are extra live terms (X registers) that
/// are updated in place.
pub fn garbage_collect(
    p: &mut Process,
    ids: &mut AreaIds,
    bins: &mut BinaryArea,
    need: u64,
    roots: &mut [Term],
    reason: GcReason,
    events: &mut Vec<Event>,
) -> GcOutcome {
    let heap_before = p.heap_size();
    let old_before = p.old_heap_size();
    events.push(Event::GcStarted {
        pid: p.pid,
        reason,
        need,
    });
    if p.gen_gcs < p.opts.fullsweep_after && !p.need_fullsweep {
        if minor_possible(p) {
            if let Some(total) = over_max_heap_size(p, minor_total(p)) {
                return killed(p, total, events);
            }
            let outcome = minor_collection(p, ids, bins, need, roots, events);
            events.push(finished(
                p,
                GcKind::Minor,
                reason,
                heap_before,
                old_before,
                &outcome,
            ));
            return GcOutcome::Collected;
        }
        events.push(Event::MinorGcAborted { pid: p.pid });
    }
    if let Some(total) = over_max_heap_size(p, major_total(p)) {
        return killed(p, total, events);
    }
    let outcome = major_collection(p, ids, bins, need, roots, events);
    events.push(finished(
        p,
        GcKind::Major,
        reason,
        heap_before,
        old_before,
        &outcome,
    ));
    GcOutcome::Collected
}

/// The `GcFinished` event of a collection of `p` that has just ended.
fn finished(
    p: &Process,
    kind: GcKind,
    reason: GcReason,
    heap_before: u64,
    old_before: u64,
    outcome: &Outcome,
) -> Event {
    Event::GcFinished {
        pid: p.pid,
        kind,
        reason,
        heap_before,
        heap_after: p.heap_size(),
        old_before,
        old_after: p.old_heap_size(),
        live: outcome.live,
        promoted: outcome.promoted,
        reclaimed: outcome.reclaimed,
    }
}

/// Whether a GC ran or the process must die.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[must_use]
pub enum GcOutcome {
    /// The collection ran.
    Collected,
    /// The collection would have passed `max_heap_size`; it did not run and the process must exit with `killed`.
    Killed,
}

/// The heap total a minor GC checks against `max_heap_size`: young usage, the old heap block
/// (or the one it is about to allocate) and the new young heap.
fn minor_total(p: &Process) -> u64 {
    let old = if p.old_heap.is_none() && p.high_water != 0 {
        erts_next_heap_size(p.young_gen_usage(), 1)
    } else {
        p.old_heap_size()
    };
    let new_sz = next_heap_size(p, p.stack_size() + p.young_gen_usage(), 0);
    p.young_gen_usage() + old + new_sz
}

/// The heap total a major GC checks: everything in use, the free old space, the young gap and stack,
/// and the new heap.
fn major_total(p: &Process) -> u64 {
    let size_before = p.young_gen_usage() + p.old_htop;
    let new_sz = next_heap_size(p, p.stack_size() + size_before + S_RESERVED, 0);
    p.young_gen_usage() + p.old_heap_size() + (p.heap_size() - p.htop) + new_sz
}

/// `Some(total)` when `max_heap_size` is set and `total` passes it.
fn over_max_heap_size(p: &Process, total: u64) -> Option<u64> {
    let max = p.opts.max_heap_size;
    // Model: OTP 25 compares `max < total` directly (no `include_shared_binaries`).
    (max != 0 && max < total).then_some(total)
}

fn killed(p: &Process, total: u64, events: &mut Vec<Event>) -> GcOutcome {
    events.push(Event::MaxHeapSizeReached {
        pid: p.pid,
        max: p.opts.max_heap_size,
        total,
    });
    GcOutcome::Killed
}

/// `garbage_collect_hibernate`: a major collection into a heap of exactly live + `S_RESERVED` words
/// (not rounded to the heap-size table, possibly under `min_heap_size`); the old heap is freed.
/// The stack must already be cut back to its bottom CP; `roots` are the argument registers.
pub fn hibernate(
    p: &mut Process,
    ids: &mut AreaIds,
    bins: &mut BinaryArea,
    roots: &mut [Term],
    events: &mut Vec<Event>,
) {
    let heap_before = p.heap_size();
    let old_before = p.old_heap_size();
    events.push(Event::GcStarted {
        pid: p.pid,
        reason: GcReason::Hibernate,
        need: 0,
    });
    let size_before = p.young_gen_usage() + p.old_htop;
    let temp_sz = size_before + p.stack_size() + S_RESERVED;
    copy_live(p, ids, bins, Sizing::fixed(temp_sz), None, roots, events);
    if let Some(old) = p.old_heap.take() {
        events.push(Event::OldHeapFreed {
            pid: p.pid,
            words: old.size(),
        });
    }
    p.old_htop = 0;
    p.high_water = p.htop;
    p.gen_gcs = 0;
    p.need_fullsweep = false;
    // Model: as in `garbage_collect_hibernate`, `F_HEAP_GROW` survives: a heap that was over 75 % full before
    // hibernating grows one extra step at the next major GC after waking (measured: 2586 → 4185 for 1000 cons).
    p.counters.major += 1;
    let live = p.htop;
    resize(p, live + S_RESERVED, events);
    let reclaimed = size_before.saturating_sub(live);
    p.counters.reclaimed += reclaimed;
    events.push(Event::GcFinished {
        pid: p.pid,
        kind: GcKind::Major,
        reason: GcReason::Hibernate,
        heap_before,
        heap_after: p.heap_size(),
        old_before,
        old_after: 0,
        live,
        promoted: 0,
        reclaimed,
    });
}

struct Outcome {
    live: u64,
    promoted: u64,
    reclaimed: u64,
}

/// Whether `minor_collection` would run rather than return −1: the mature area must fit in the old heap
/// (which it creates when missing), and the old virtual binary heap must not be full.
pub fn minor_possible(p: &Process) -> bool {
    let mature = p.high_water;
    if p.old_heap.is_none() && mature != 0 {
        // Created "one step ahead" of the young heap; see `minor_collection` in erl_gc.c.
        return p.bin_old_vheap_sz > p.bin_old_vheap;
    }
    match &p.old_heap {
        Some(old) => mature <= old.size() - p.old_htop && p.bin_old_vheap_sz > p.bin_old_vheap,
        None => false,
    }
}

fn minor_collection(
    p: &mut Process,
    ids: &mut AreaIds,
    bins: &mut BinaryArea,
    need: u64,
    roots: &mut [Term],
    events: &mut Vec<Event>,
) -> Outcome {
    let mature = p.high_water;
    if p.old_heap.is_none() && mature != 0 {
        let size = erts_next_heap_size(p.young_gen_usage(), 1);
        p.old_heap = Some(ids.block(size));
        p.old_htop = 0;
        events.push(Event::OldHeapCreated {
            pid: p.pid,
            words: size,
        });
    }
    let size_before = p.young_gen_usage();
    let stack_size = p.stack_size();
    let new_sz = next_heap_size(p, stack_size + size_before, 0);
    let prev_old_htop = p.old_htop;
    // The resize at the tail of `minor_collection` is decided from the survivors, before the new block is built,
    // so that a block about to shrink (everything promoted) is not first zero-filled at its full size.
    let resize = |p: &Process| minor_resize(p, new_sz, need, stack_size);
    let sizing = Sizing {
        new_sz,
        resize: &resize,
    };
    let live_young = copy_live(p, ids, bins, sizing, Some(mature), roots, events);
    let promoted = p.old_htop - prev_old_htop;
    p.high_water = p.htop;
    p.gen_gcs += 1;
    p.counters.minor += 1;
    let size_after = promoted + live_young;
    let reclaimed = size_before.saturating_sub(size_after);
    p.counters.reclaimed += reclaimed;
    if promoted > 0 {
        events.push(Event::Promoted {
            pid: p.pid,
            words: promoted,
        });
    }

    if p.heap_size() != new_sz {
        // `copy_live` built the block at the size `minor_resize` chose; this is that resize's event.
        events.push(Event::HeapResized {
            pid: p.pid,
            from: new_sz,
            to: p.heap_size(),
        });
    }
    Outcome {
        live: p.htop + p.old_htop,
        promoted,
        reclaimed,
    }
}

/// The resize at the tail of `minor_collection`: the new size of a young heap of `heap_size` words after a minor GC
/// that left `p.htop` words in it, or `None` to keep it. Shrinks a big, mostly empty heap; grows one too small for
/// `need`.
fn minor_resize(p: &Process, heap_size: u64, need: u64, stack_size: u64) -> Option<u64> {
    let need_after = p.htop + need + stack_size + S_RESERVED;
    let old_size = p.old_heap_size();
    if heap_size > 3000 && 4 * need_after < heap_size && (heap_size > 8000 || heap_size > old_size)
    {
        let mut wanted = 3 * need_after;
        if wanted * 9 < old_size {
            wanted = wanted.max(old_size / 8);
        }
        let wanted = if wanted < p.min_heap_size {
            p.min_heap_size
        } else {
            next_heap_size(p, wanted, 0)
        };
        (wanted < heap_size).then_some(wanted)
    } else if need_after > heap_size {
        Some(next_heap_size(p, need_after, 0))
    } else {
        None
    }
}

fn major_collection(
    p: &mut Process,
    ids: &mut AreaIds,
    bins: &mut BinaryArea,
    need: u64,
    roots: &mut [Term],
    events: &mut Vec<Event>,
) -> Outcome {
    let size_before = p.young_gen_usage() + p.old_htop;
    let stack_size = p.stack_size();
    let mut new_sz = next_heap_size(p, stack_size + size_before + S_RESERVED, 0);
    if new_sz == p.heap_size() && p.heap_grow {
        new_sz = next_heap_size(p, p.heap_size(), 1);
    }
    p.heap_grow = false;
    p.need_fullsweep = false;
    copy_live(p, ids, bins, Sizing::fixed(new_sz), None, roots, events);
    if let Some(old) = p.old_heap.take() {
        events.push(Event::OldHeapFreed {
            pid: p.pid,
            words: old.size(),
        });
    }
    p.old_htop = 0;
    p.high_water = p.htop;
    p.gen_gcs = 0;
    p.counters.major += 1;
    let size_after = p.htop;
    let reclaimed = size_before.saturating_sub(size_after);
    p.counters.reclaimed += reclaimed;
    adjust_after_fullsweep(p, need, events);
    Outcome {
        live: size_after,
        promoted: 0,
        reclaimed,
    }
}

/// `adjust_after_fullsweep`: grow now if too small, postpone growth above 75 %, shrink under 25 %.
fn adjust_after_fullsweep(p: &mut Process, need: u64, events: &mut Vec<Event>) {
    let stack_size = p.stack_size();
    let heap_size = p.heap_size();
    let need_after = p.htop + need + stack_size + S_RESERVED;
    if heap_size < need_after {
        let size = next_heap_size(p, need_after, 0);
        resize(p, size, events);
    } else if 3 * heap_size < 4 * need_after {
        p.heap_grow = true;
    } else if 4 * need_after < heap_size && heap_size > H_MIN_SIZE {
        let wanted = 2 * need_after;
        let size = if wanted < p.min_heap_size {
            p.min_heap_size
        } else {
            next_heap_size(p, wanted, 0)
        };
        if size < heap_size {
            resize(p, size, events);
        }
    }
}

/// Resizes the young block in place (`grow_new_heap` / `shrink_new_heap`): the heap stays at the bottom,
/// the stack moves to the new end. The block keeps its area id, so heap pointers stay valid.
fn resize(p: &mut Process, new_size: u64, events: &mut Vec<Event>) {
    events.push(Event::HeapResized {
        pid: p.pid,
        from: p.heap_size(),
        to: new_size,
    });
    let stack_size = p.stack_size() as usize;
    let htop = p.htop as usize;
    let block = p.block_mut();
    let old_size = block.words.len();
    let (old_stop, new_stop) = (old_size - stack_size, new_size as usize - stack_size);
    // The stack moves within the block (no temporary copy); words added by growing are already zero, so only the
    // old part of the free gap is cleared.
    if new_stop > old_stop {
        block.words.resize(new_size as usize, Term(0));
        block.words.copy_within(old_stop..old_size, new_stop);
    } else {
        block.words.copy_within(old_stop..old_size, new_stop);
        block.words.truncate(new_size as usize);
    }
    block.words[htop..new_stop.min(old_size)].fill(Term(0));
    p.stop = new_stop as u64;
}

/// Where a from-space object goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dest {
    Young,
    Old,
}

/// One block being evacuated, and the high-water mark below which its objects are promoted (minor GC of the
/// young heap only).
struct FromSpace {
    block: Block,
    high_water: Option<u64>,
}

/// Where the survivors go: the new young block being filled and, in a minor GC, the old heap.
///
/// Kept apart from the from-space so that an object can be copied straight from one `Vec` into the other
/// (disjoint borrows of two fields) instead of through a temporary buffer.
struct ToSpace<'a> {
    young_id: AreaId,
    /// The new young heap, `Vec::with_capacity(new_sz)`: it only grows by appending, so a copy is a
    /// `memcpy` into spare capacity, and the rest of the block is zero-filled once, at the end.
    young: Vec<Term>,
    old: Option<&'a mut Block>,
    old_htop: usize,
}

impl ToSpace<'_> {
    /// Appends `words` (one object) to the `dest` space and returns its new address.
    #[inline]
    fn push(&mut self, dest: Dest, words: &[Term]) -> Addr {
        match dest {
            Dest::Young => {
                let at = self.young.len() as u32;
                self.young.extend_from_slice(words);
                Addr::new(self.young_id, at)
            }
            Dest::Old => {
                let old = self
                    .old
                    .as_deref_mut()
                    .expect("promotion without an old heap");
                let at = self.old_htop;
                old.words[at..at + words.len()].copy_from_slice(words);
                self.old_htop += words.len();
                old.addr(at as u64)
            }
        }
    }

    /// The words of one to-space. `OLD` is a const parameter so that each scan loop is compiled for one space,
    /// without a per-word branch on which space it walks.
    #[inline]
    fn words<const OLD: bool>(&mut self) -> &mut [Term] {
        if OLD {
            &mut self.old.as_deref_mut().expect("old heap").words
        } else {
            &mut self.young
        }
    }

    /// The scan limit of one to-space: everything below it has been copied.
    #[inline]
    fn top<const OLD: bool>(&self) -> usize {
        if OLD {
            self.old_htop
        } else {
            self.young.len()
        }
    }
}

/// Where the block with id `area` is in `from` (the young heap first, then the other blocks in id order), if there.
///
/// Most pointers lead into the young heap, which is checked first; the rest is a binary search, because a queue of
/// on-heap messages can bring thousands of fragments and each message root is looked up.
fn from_index(from: &[FromSpace], area: AreaId) -> Option<usize> {
    match from.first() {
        Some(young) if young.block.id == area => Some(0),
        _ => from
            .get(1..)?
            .binary_search_by_key(&area, |f| f.block.id)
            .ok()
            .map(|i| i + 1),
    }
}

/// Adds `block` to the from-space, keeping `from[1..]` sorted by area id for [`from_index`].
///
/// Blocks mostly come in id order (fragments and queued messages are numbered as they are made), so the insertion
/// is usually an append; inserting in place rather than calling a sort keeps the shipped wasm smaller.
fn add_from_space(from: &mut Vec<FromSpace>, block: Block) {
    let at = 1 + from[1..].partition_point(|f| f.block.id < block.id);
    from.insert(
        at,
        FromSpace {
            block,
            high_water: None,
        },
    );
}

/// The copying machinery: the from-space blocks and the to-spaces.
struct Copier<'a> {
    /// The young heap, then the fragments and the old heap sorted by area id (see [`from_index`]).
    from: Vec<FromSpace>,
    to: ToSpace<'a>,
}

impl Copier<'_> {
    /// Moves the object `t` points to (unless it is already moved, or lies outside the from-space) and returns
    /// the term's new value. Non-pointers come back unchanged.
    ///
    /// Inlined into the two scan loops (roots go through `evacuate_root`): a call per pointer field cost a fifth of
    /// the collector's time natively.
    #[inline(always)]
    fn evacuate(&mut self, t: Term) -> Term {
        let Some(addr) = t.pointee() else { return t };
        let area = addr.area();
        if area == LITERAL_AREA {
            return t;
        }
        let Some(i) = from_index(&self.from, area) else {
            return t;
        };
        let from = &mut self.from[i];
        let off = addr.offset() as usize;
        let dest = match from.high_water {
            Some(high_water) if (off as u64) < high_water => Dest::Old,
            _ => Dest::Young,
        };
        let words = &mut from.block.words;
        if t.primary_tag() == TAG_PRIMARY_LIST {
            let (head, tail) = (words[off], words[off + 1]);
            if head == Term::NON_VALUE {
                // Already moved: the tail holds the forwarding pointer.
                return tail;
            }
            let new = Term::list(self.to.push(dest, &[head, tail]));
            words[off] = Term::NON_VALUE;
            words[off + 1] = new;
            new
        } else {
            let header = words[off];
            if header.primary_tag() == TAG_PRIMARY_BOXED {
                // Already moved: the header was replaced by the forwarding pointer.
                return header;
            }
            let size = object::object_size(header) as usize;
            let new = Term::boxed(self.to.push(dest, &words[off..off + size]));
            words[off] = new;
            new
        }
    }

    /// Evacuates a root. Not inlined: roots are few, and each inlined copy of `evacuate` costs code size (the wasm
    /// build ships it).
    #[inline(never)]
    fn evacuate_root(&mut self, t: Term) -> Term {
        self.evacuate(t)
    }

    /// Cheney's scan: evacuate the term fields of every copied object, in both to-spaces,
    /// until no new object appears behind the scan pointers.
    fn scan(&mut self, mut young_scan: usize, mut old_scan: usize) {
        loop {
            let young_end = self.scan_space::<false>(young_scan);
            let old_end = if self.to.old.is_some() {
                self.scan_space::<true>(old_scan)
            } else {
                old_scan
            };
            if young_end == young_scan && old_end == old_scan {
                break;
            }
            young_scan = young_end;
            old_scan = old_end;
        }
    }

    /// Scans one to-space from `pos` until its scan pointer catches up with its top, and returns where it stopped.
    /// A header word starts a boxed object, any other word a cons cell (as ERTS walks a heap).
    fn scan_space<const OLD: bool>(&mut self, mut pos: usize) -> usize {
        while pos < self.to.top::<OLD>() {
            let first = self.to.words::<OLD>()[pos];
            let (fields, size) = if first.header_tag().is_some() {
                let f = object::term_fields(first);
                (
                    pos + f.start as usize..pos + f.end as usize,
                    object::object_size(first) as usize,
                )
            } else {
                (pos..pos + 2, 2)
            };
            for i in fields {
                let t = self.to.words::<OLD>()[i];
                // Immediates stay as they are; only pointers can need evacuating.
                if t.is_pointer() {
                    let moved = self.evacuate(t);
                    self.to.words::<OLD>()[i] = moved;
                }
            }
            pos += size;
        }
        pos
    }
}

/// The size of the new young block: `new_sz` for the copy, then whatever `resize` picks once the survivors are in
/// place (`htop`, `old_htop` and the old heap are set when it runs), or `new_sz` when it picks nothing.
struct Sizing<'a> {
    new_sz: u64,
    resize: &'a dyn Fn(&Process) -> Option<u64>,
}

impl Sizing<'_> {
    /// A block of exactly `new_sz` words.
    fn fixed(new_sz: u64) -> Sizing<'static> {
        Sizing {
            new_sz,
            resize: &|_| None,
        }
    }
}

/// Copies everything live into a new young block (promoting below `high_water` when given), moves the stack to its
/// end, sweeps the off-heap list, frees the from-space. Returns the words now in the young heap.
fn copy_live(
    p: &mut Process,
    ids: &mut AreaIds,
    bins: &mut BinaryArea,
    sizing: Sizing<'_>,
    high_water: Option<u64>,
    roots: &mut [Term],
    events: &mut Vec<Event>,
) -> u64 {
    let young_block = p.heap.take().expect("GC of an exited process");
    let stack: Vec<Term> = young_block.words[p.stop as usize..].to_vec();
    let mut from: Vec<FromSpace> = Vec::with_capacity(2 + p.fragments.len());
    from.push(FromSpace {
        block: young_block,
        high_water,
    });
    for frag in p.fragments.drain(..) {
        add_from_space(&mut from, frag);
    }
    // On-heap message queues: queued messages in fragments are moved onto the heap (`move_msgs_to_heap`).
    let mut sweep: Vec<Addr> = core::mem::take(&mut p.off_heap);
    if p.opts.message_queue_data == MessageQueueData::OnHeap {
        for msg in p.mailbox.iter_mut() {
            if let Some(frag) = msg.fragment.take() {
                add_from_space(&mut from, frag);
                sweep.append(&mut msg.off_heap);
            }
        }
    }
    let major = high_water.is_none();
    let mut old_taken = None;
    if major {
        if let Some(old) = p.old_heap.take() {
            add_from_space(&mut from, old);
        }
    } else {
        old_taken = p.old_heap.take();
    }
    let new_sz = sizing.new_sz;
    let new_id = ids.fresh();
    let mut copier = Copier {
        from,
        to: ToSpace {
            young_id: new_id,
            young: Vec::with_capacity(new_sz as usize),
            old: old_taken.as_mut(),
            old_htop: p.old_htop as usize,
        },
    };
    let old_scan_start = p.old_htop as usize;

    // Roots: the stack, queued on-heap messages, the caller's registers.
    let mut new_stack = stack;
    for w in new_stack.iter_mut() {
        *w = copier.evacuate_root(*w);
    }
    if p.opts.message_queue_data == MessageQueueData::OnHeap {
        for msg in p.mailbox.iter_mut() {
            msg.term = copier.evacuate_root(msg.term);
        }
    }
    if let Some(h) = p.hibernation.as_mut() {
        h.args = copier.evacuate_root(h.args);
    }
    for r in roots.iter_mut() {
        *r = copier.evacuate_root(*r);
    }
    events.push(Event::GcPhaseDone {
        pid: p.pid,
        phase: GcPhase::Roots,
        words: (copier.to.young.len() + copier.to.old_htop - old_scan_start) as u64,
    });
    copier.scan(0, old_scan_start);
    events.push(Event::GcPhaseDone {
        pid: p.pid,
        phase: GcPhase::Copy,
        words: copier.to.young.len() as u64,
    });
    if !major {
        events.push(Event::GcPhaseDone {
            pid: p.pid,
            phase: GcPhase::Promote,
            words: (copier.to.old_htop - old_scan_start) as u64,
        });
    }

    // Sweep the off-heap list: moved ProcBins live on, the rest release their binary.
    let mut kept = Vec::with_capacity(sweep.len());
    for addr in sweep {
        let area = addr.area();
        match from_index(&copier.from, area).map(|i| &copier.from[i].block) {
            None => kept.push(addr), // In the old heap, untouched by a minor GC.
            Some(block) => {
                let header = block.at(addr);
                if header.primary_tag() == TAG_PRIMARY_BOXED {
                    kept.push(header.pointee().expect("forwarding pointer"));
                } else {
                    let bin = BinId(block.words[addr.offset() as usize + 3].0 as u32);
                    release(bins, bin, p.pid, events);
                }
            }
        }
    }

    let Copier {
        from,
        to: ToSpace {
            young, old_htop, ..
        },
    } = copier;
    let from_words: u64 = from.iter().map(|f| f.block.size()).sum();
    drop(from);
    let live_young = young.len() as u64;
    p.htop = live_young;
    p.old_htop = old_htop as u64;
    p.old_heap = old_taken;
    let size = (sizing.resize)(p).unwrap_or(new_sz);
    debug_assert!(
        live_young + new_stack.len() as u64 <= size,
        "new heap of {size} words cannot hold {live_young} live words and the stack"
    );
    // The free words are zero-filled once, here, and the stack goes to the end.
    let mut block = Block {
        id: new_id,
        words: young,
    };
    block.words.resize(size as usize, Term(0));
    let stop = size as usize - new_stack.len();
    block.words[stop..].copy_from_slice(&new_stack);
    p.heap = Some(block);
    p.stop = stop as u64;
    p.off_heap = kept;
    recount_vheap(p, bins, major);
    events.push(Event::GcPhaseDone {
        pid: p.pid,
        phase: GcPhase::Free,
        words: from_words,
    });
    live_young
}

/// Drops one reference to `bin` on behalf of `pid`, with the matching event.
pub fn release(
    bins: &mut BinaryArea,
    bin: BinId,
    pid: crate::process::Pid,
    events: &mut Vec<Event>,
) {
    let refc = bins.release(bin);
    events.push(Event::RefcChanged {
        bin,
        refc: refc + 1,
        to: refc,
        by: pid,
    });
    if refc == 0 {
        events.push(Event::BinaryFreed { bin });
    }
}

/// Recomputes the virtual binary heap counters after a sweep, and resizes the virtual heap blocks
/// (`do_next_vheap_size`: ×1.618 while over 75 %, halve under 25 %, never under `min_bin_vheap_size`).
fn recount_vheap(p: &mut Process, bins: &BinaryArea, major: bool) {
    let overhead_before = p.bin_vheap;
    let mut young = 0;
    let mut old = 0;
    for addr in &p.off_heap {
        let (words, in_old) = match &p.old_heap {
            Some(o) if o.id == addr.area() => (&o.words, true),
            _ => match p.heap.as_ref().filter(|b| b.id == addr.area()) {
                Some(b) => (&b.words, false),
                None => continue,
            },
        };
        let bin = BinId(words[addr.offset() as usize + 3].0 as u32);
        let w = bins.get(bin).map_or(0, |b| b.bytes / 8);
        if in_old {
            old += w;
        } else {
            young += w;
        }
    }
    if !p.off_heap.is_empty() || overhead_before != 0 {
        if major {
            p.bin_old_vheap_sz = next_vheap_size(overhead_before, p.bin_old_vheap_sz);
        }
        p.bin_vheap_sz = next_vheap_size(young, p.bin_vheap_sz);
    }
    p.bin_vheap = young;
    p.bin_old_vheap = old;
}

fn next_vheap_size(vheap: u64, mut vheap_sz: u64) -> u64 {
    let sz = if vheap / 3 > vheap_sz / 4 {
        while vheap / 3 > vheap_sz / 4 {
            // The golden ratio, 1.618, in integer arithmetic: the same truncation as ERTS's `(Uint64) (sz * 1.618)`.
            vheap_sz = vheap_sz * 1618 / 1000;
        }
        vheap_sz
    } else if vheap < vheap_sz / 4 {
        vheap_sz >> 1
    } else {
        vheap_sz
    };
    sz.max(crate::process::MIN_BIN_VHEAP_SIZE)
}
