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
    copy_live(p, ids, bins, temp_sz, None, roots, events);
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
    let live_young = copy_live(p, ids, bins, new_sz, Some(mature), roots, events);
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

    // Resize, as the tail of `minor_collection` does.
    let heap_size = p.heap_size();
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
        if wanted < heap_size {
            resize(p, wanted, events);
        }
    } else if need_after > heap_size {
        let wanted = next_heap_size(p, need_after, 0);
        resize(p, wanted, events);
    }
    Outcome {
        live: p.htop + p.old_htop,
        promoted,
        reclaimed,
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
    copy_live(p, ids, bins, new_sz, None, roots, events);
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
    let stack_size = p.stack_size();
    let htop = p.htop as usize;
    let block = p.block_mut();
    let old_size = block.size() as usize;
    let stack: Vec<Term> = block.words[old_size - stack_size as usize..].to_vec();
    block.words.resize(new_size as usize, Term(0));
    let new_size_usize = new_size as usize;
    for w in &mut block.words[htop..new_size_usize] {
        *w = Term(0);
    }
    block.words[new_size_usize - stack.len()..].copy_from_slice(&stack);
    p.stop = new_size - stack_size;
}

/// Where a from-space object goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dest {
    Young,
    Old,
}

/// The copying machinery: from-space blocks, the new young block being filled, and the old heap (minor only).
struct Copier<'a> {
    from: Vec<(Block, Option<u64>)>,
    young_id: AreaId,
    young: Vec<Term>,
    old: Option<&'a mut Block>,
    old_htop: u64,
}

impl Copier<'_> {
    fn evacuate(&mut self, t: Term) -> Term {
        let Some(addr) = t.pointee() else { return t };
        let area = addr.area();
        if area == LITERAL_AREA {
            return t;
        }
        let Some(idx) = self.from.iter().position(|(b, _)| b.id == area) else {
            return t;
        };
        let off = addr.offset() as usize;
        let dest = match self.from[idx].1 {
            Some(high_water) if (off as u64) < high_water => Dest::Old,
            _ => Dest::Young,
        };
        if t.primary_tag() == TAG_PRIMARY_LIST {
            let words = &self.from[idx].0.words;
            if words[off] == Term::NON_VALUE {
                return words[off + 1];
            }
            let cell = [words[off], words[off + 1]];
            let new = Term::list(self.push(dest, &cell));
            let words = &mut self.from[idx].0.words;
            words[off] = Term::NON_VALUE;
            words[off + 1] = new;
            new
        } else {
            let header = self.from[idx].0.words[off];
            if header.primary_tag() == TAG_PRIMARY_BOXED {
                return header;
            }
            let size = object::object_size(header) as usize;
            let object: Vec<Term> = self.from[idx].0.words[off..off + size].to_vec();
            let new = Term::boxed(self.push(dest, &object));
            self.from[idx].0.words[off] = new;
            new
        }
    }

    fn push(&mut self, dest: Dest, words: &[Term]) -> Addr {
        match dest {
            Dest::Young => {
                let at = self.young.len() as u32;
                self.young.extend_from_slice(words);
                Addr::new(self.young_id, at)
            }
            Dest::Old => {
                let old = self.old.as_mut().expect("promotion without an old heap");
                let at = self.old_htop as usize;
                old.words[at..at + words.len()].copy_from_slice(words);
                self.old_htop += words.len() as u64;
                old.addr(at as u64)
            }
        }
    }

    /// Cheney's scan: evacuate the term fields of every copied object, in both to-spaces,
    /// until no new object appears behind the scan pointers.
    fn scan(&mut self, mut young_scan: usize, mut old_scan: usize) {
        loop {
            let mut progressed = false;
            while young_scan < self.young.len() {
                young_scan = self.scan_object(Dest::Young, young_scan);
                progressed = true;
            }
            while old_scan < self.old_htop as usize {
                old_scan = self.scan_object(Dest::Old, old_scan);
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
    }

    fn word(&self, space: Dest, i: usize) -> Term {
        match space {
            Dest::Young => self.young[i],
            Dest::Old => self.old.as_ref().expect("old heap").words[i],
        }
    }

    fn set_word(&mut self, space: Dest, i: usize, t: Term) {
        match space {
            Dest::Young => self.young[i] = t,
            Dest::Old => self.old.as_mut().expect("old heap").words[i] = t,
        }
    }

    /// Evacuates the term fields of the object at `pos` and returns the position of the next object.
    fn scan_object(&mut self, space: Dest, pos: usize) -> usize {
        let first = self.word(space, pos);
        let (fields, size) = if first.header_tag().is_some() {
            let f = object::term_fields(first);
            (
                f.start as usize..f.end as usize,
                object::object_size(first) as usize,
            )
        } else {
            (0..2, 2)
        };
        for field in fields {
            let t = self.word(space, pos + field);
            let moved = self.evacuate(t);
            self.set_word(space, pos + field, moved);
        }
        pos + size
    }
}

/// Copies everything live into a new young block of `new_sz` words (promoting below `high_water` when given),
/// moves the stack to its end, sweeps the off-heap list, frees the from-space. Returns the words now in the young heap.
fn copy_live(
    p: &mut Process,
    ids: &mut AreaIds,
    bins: &mut BinaryArea,
    new_sz: u64,
    high_water: Option<u64>,
    roots: &mut [Term],
    events: &mut Vec<Event>,
) -> u64 {
    let young_block = p.heap.take().expect("GC of an exited process");
    let stack: Vec<Term> = young_block.words[p.stop as usize..].to_vec();
    let mut from: Vec<(Block, Option<u64>)> = Vec::new();
    from.push((young_block, high_water));
    for frag in p.fragments.drain(..) {
        from.push((frag, None));
    }
    // On-heap message queues: queued messages in fragments are moved onto the heap (`move_msgs_to_heap`).
    let mut sweep: Vec<Addr> = core::mem::take(&mut p.off_heap);
    if p.opts.message_queue_data == MessageQueueData::OnHeap {
        for msg in p.mailbox.iter_mut() {
            if let Some(frag) = msg.fragment.take() {
                from.push((frag, None));
                sweep.append(&mut msg.off_heap);
            }
        }
    }
    let major = high_water.is_none();
    let mut old_taken = None;
    if major {
        if let Some(old) = p.old_heap.take() {
            from.push((old, None));
        }
    } else {
        old_taken = p.old_heap.take();
    }
    let new_id = ids.fresh();
    let mut copier = Copier {
        from,
        young_id: new_id,
        young: Vec::with_capacity(new_sz as usize),
        old: old_taken.as_mut(),
        old_htop: p.old_htop,
    };
    let old_scan_start = p.old_htop as usize;

    // Roots: the stack, queued on-heap messages, the caller's registers.
    let mut new_stack = stack;
    for w in new_stack.iter_mut() {
        *w = copier.evacuate(*w);
    }
    if p.opts.message_queue_data == MessageQueueData::OnHeap {
        for msg in p.mailbox.iter_mut() {
            msg.term = copier.evacuate(msg.term);
        }
    }
    if let Some(h) = p.hibernation.as_mut() {
        h.args = copier.evacuate(h.args);
    }
    for r in roots.iter_mut() {
        *r = copier.evacuate(*r);
    }
    events.push(Event::GcPhaseDone {
        pid: p.pid,
        phase: GcPhase::Roots,
        words: copier.young.len() as u64 + copier.old_htop - old_scan_start as u64,
    });
    copier.scan(0, old_scan_start);
    events.push(Event::GcPhaseDone {
        pid: p.pid,
        phase: GcPhase::Copy,
        words: copier.young.len() as u64,
    });
    if !major {
        events.push(Event::GcPhaseDone {
            pid: p.pid,
            phase: GcPhase::Promote,
            words: copier.old_htop - old_scan_start as u64,
        });
    }

    // Sweep the off-heap list: moved ProcBins live on, the rest release their binary.
    let mut kept = Vec::with_capacity(sweep.len());
    for addr in sweep {
        let area = addr.area();
        match copier.from.iter().find(|(b, _)| b.id == area) {
            None => kept.push(addr), // In the old heap, untouched by a minor GC.
            Some((block, _)) => {
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
        young,
        old_htop,
        from,
        ..
    } = copier;
    let from_words: u64 = from.iter().map(|(b, _)| b.size()).sum();
    drop(from);
    let live_young = young.len() as u64;
    let mut block = Block {
        id: new_id,
        words: young,
    };
    debug_assert!(
        live_young + new_stack.len() as u64 <= new_sz,
        "new heap of {new_sz} words cannot hold {live_young} live words and the stack"
    );
    block.words.resize(new_sz as usize, Term(0));
    let stop = new_sz as usize - new_stack.len();
    block.words[stop..].copy_from_slice(&new_stack);
    p.heap = Some(block);
    p.htop = live_young;
    p.stop = stop as u64;
    p.old_htop = old_htop;
    p.old_heap = old_taken;
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
