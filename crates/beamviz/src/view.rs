//! What a renderer sees: plain data with public fields, computed from the VM and never fed back into it.
//!
//! The numbers are the ones `process_info/2` and `erlang:memory/0` would report.
//! Per-word cell kinds (for drawing each heap word) are separate ([`cells`]), because they are large and a renderer
//! may want them for one process only.

use crate::copy::{flat_size, Areas};
use crate::expr::Lang;
use crate::heap::Block;
use crate::object;
use crate::process::{Process, Stage};
use crate::term::{Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use crate::vm::Vm;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write;

/// The whole machine at one step.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct View {
    /// Every process ever spawned, in pid order.
    pub processes: Vec<ProcessView>,
    /// Live off-heap binaries, oldest first.
    pub binaries: Vec<BinaryView>,
    /// `erlang:memory/0`-style totals.
    pub memory: MemoryView,
    /// Live ETS tables, by id.
    pub ets: Vec<EtsView>,
    /// Open DETS tables, by id: their objects are in files, counted in no `memory` category.
    pub dets: Vec<DetsView>,
    /// Atoms in the atom table (never collected).
    pub atom_count: u64,
    /// Whether the emulator has exited (the atom table overflowed).
    pub halted: bool,
}

/// One ETS table, as `ets:info/1` describes it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EtsView {
    /// The table id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// The owner's pid number.
    pub owner: u32,
    /// `type`: `set`, `ordered_set`, `bag` or `duplicate_bag`.
    pub kind: &'static str,
    /// `size`: the number of objects.
    pub size: u64,
    /// `memory`, in words (see [`crate::ets`] for what it counts).
    pub memory_words: u64,
}

/// One DETS table, as `dets:info/1` describes it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DetsView {
    /// The table id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// `size`: the number of objects, all in the file.
    pub size: u64,
    /// Keys updated since the server last wrote its cache to the file (see [`crate::dets`]).
    pub cached_keys: u64,
}

/// One process, as `process_info/2` and `garbage_collection_info` describe it. Sizes in words unless named bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProcessView {
    /// Pid number.
    pub pid: u32,
    /// Name in the scenario.
    pub name: String,
    /// Still running.
    pub alive: bool,
    /// Lifecycle stage.
    pub stage: Stage,
    /// `heap_size`: the young block, stack included.
    pub heap_size: u64,
    /// Young heap in use (`htop - heap`).
    pub heap_used: u64,
    /// `stack_size`.
    pub stack_size: u64,
    /// High-water mark: young words that survived a GC (`recent_size`).
    pub high_water: u64,
    /// Old heap block size.
    pub old_heap_size: u64,
    /// Old heap in use.
    pub old_heap_used: u64,
    /// Heap fragment words (`mbuf_size`).
    pub mbuf_size: u64,
    /// Sizes of the individual heap fragments.
    pub fragments: Vec<u64>,
    /// `total_heap_size`.
    pub total_heap_size: u64,
    /// `memory`, bytes.
    pub memory: u64,
    /// `message_queue_len`.
    pub message_queue_len: u64,
    /// `minor_gcs` (since the last major).
    pub minor_gcs: u32,
    /// Minor GCs ever.
    pub minor_gcs_total: u64,
    /// Major GCs ever.
    pub major_gcs_total: u64,
    /// `fullsweep_after`.
    pub fullsweep_after: u32,
    /// `min_heap_size`, rounded.
    pub min_heap_size: u64,
    /// `bin_vheap_size`.
    pub bin_vheap_size: u64,
    /// `bin_vheap_block_size`.
    pub bin_vheap_block_size: u64,
    /// `bin_old_vheap_size`.
    pub bin_old_vheap_size: u64,
    /// `bin_old_vheap_block_size`.
    pub bin_old_vheap_block_size: u64,
    /// Bound variables, in stack order.
    pub vars: Vec<VarView>,
    /// Queued messages, oldest first, printed.
    pub mailbox: Vec<String>,
    /// Ids of the off-heap binaries this process holds handles to (`process_info(P, binary)`), in list order.
    pub binaries: Vec<u32>,
    /// Whether it is hibernated (`erlang:hibernate/3`).
    pub hibernated: bool,
    /// `F_HEAP_GROW`: the next major GC grows the heap one extra step.
    pub heap_grow: bool,
}

/// A variable and the term bound to it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VarView {
    /// The name.
    pub name: String,
    /// Words the term takes with sharing (`erts_debug:size/1`).
    pub size: u64,
    /// Words a copy would take (`erts_debug:flat_size/1`).
    pub flat_size: u64,
    /// The term, printed and cut to a readable length.
    pub preview: String,
}

/// One off-heap binary.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BinaryView {
    /// Its id.
    pub id: u32,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its reference count.
    pub refc: u32,
    /// The processes whose ProcBins refer to it, one entry per handle.
    pub holders: Vec<HolderView>,
}

/// A handle to a binary from a process.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HolderView {
    /// The process.
    pub pid: u32,
    /// Whether the handle is still reachable; an unreachable one keeps the count up until the process's next GC.
    pub reachable: bool,
}

/// Machine-wide memory, in bytes, in the categories of `erlang:memory/0`.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct MemoryView {
    /// `processes`: process memory (heaps, stacks, process structures).
    pub processes: u64,
    /// `processes_used`: the part of it in use (heap and stack words, structures).
    pub processes_used: u64,
    /// `binary`: off-heap binary payloads.
    pub binary: u64,
    /// `atom`: the atom table (texts).
    pub atom: u64,
    /// `total` of the categories the model tracks.
    pub total: u64,
    /// `ets`: ETS tables, bytes.
    pub ets: u64,
}

/// What one heap word is, for drawing. The low 5 bits are a [`CellKind`]; [`CELL_HEADER`] marks the first word
/// of an object and [`CELL_GARBAGE`] a word no root reaches.
pub type Cell = u8;
/// Set on the first word of a boxed object or cons cell.
pub const CELL_HEADER: u8 = 0x40;
/// Set on words that no root reaches: garbage the next GC will not copy.
pub const CELL_GARBAGE: u8 = 0x80;

/// The kinds of heap word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum CellKind {
    /// Free: between heap top and stack top, or past the old heap top.
    Free = 0,
    /// Part of a cons cell.
    Cons = 1,
    /// Part of a tuple.
    Tuple = 2,
    /// Part of a heap binary.
    HeapBinary = 3,
    /// Part of a ProcBin (the handle of an off-heap binary).
    ProcBin = 4,
    /// Part of a sub-binary.
    SubBinary = 5,
    /// Part of a float or bignum.
    Number = 6,
    /// Part of a fun.
    Fun = 7,
    /// Part of a map.
    Map = 8,
    /// Part of another boxed object (reference, export, external identifier).
    Other = 9,
    /// A stack slot holding a variable.
    StackVar = 10,
    /// A stack continuation pointer (the frame).
    StackFrame = 11,
    /// A dead stack slot (a killed Y register).
    StackDead = 12,
}

fn kind_of(header: Term) -> CellKind {
    match header.header_tag() {
        Some(HeaderTag::Arityval) => CellKind::Tuple,
        Some(HeaderTag::HeapBinary) => CellKind::HeapBinary,
        Some(HeaderTag::RefcBinary) => CellKind::ProcBin,
        Some(HeaderTag::SubBinary) => CellKind::SubBinary,
        Some(HeaderTag::Float | HeaderTag::PosBig | HeaderTag::NegBig) => CellKind::Number,
        Some(HeaderTag::Fun) => CellKind::Fun,
        Some(HeaderTag::Map) => CellKind::Map,
        _ => CellKind::Other,
    }
}

/// Per-word cell kinds of one process: its young block (heap then free gap then stack) and its old heap block.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Cells {
    /// One cell per word of the young block.
    pub young: Vec<Cell>,
    /// One cell per word of the old heap block.
    pub old: Vec<Cell>,
}

/// The set of object starts reachable from `p`'s roots, by area offset, for young and old.
fn reachable(vm: &Vm, p: &Process) -> Seen {
    let areas = vm.areas_of(p);
    // A bit per word of each area, not a tree of addresses: this runs for every process on every frame.
    let mut seen = Seen::new();
    let mut todo: Vec<Term> = p.vars().map(|(_, t)| t).collect();
    todo.extend(p.mailbox.iter().map(|m| m.term));
    todo.extend(p.hibernation.as_ref().map(|h| h.args));
    while let Some(t) = todo.pop() {
        let Some(addr) = t.pointee() else { continue };
        if areas.block(addr).is_none() || !seen.insert(&areas, addr) {
            continue;
        }
        if t.primary_tag() == TAG_PRIMARY_LIST {
            todo.push(areas.word(addr));
            todo.push(areas.word(addr.add(1)));
        } else {
            let header = areas.word(addr);
            for f in object::term_fields(header) {
                todo.push(areas.word(addr.add(f as u32)));
            }
        }
    }
    seen
}

fn heap_cells(block: &Block, used: u64, live: &Seen, out: &mut [Cell]) {
    let mut pos = 0usize;
    while (pos as u64) < used {
        let w = block.words[pos];
        let (kind, size) = if w.header_tag().is_some() {
            (kind_of(w), object::object_size(w) as usize)
        } else {
            (CellKind::Cons, 2)
        };
        let garbage = if live.contains(block.id, pos as u32) {
            0
        } else {
            CELL_GARBAGE
        };
        let end = (pos + size).min(out.len());
        for (i, c) in out[pos..end].iter_mut().enumerate() {
            *c = kind as u8 | garbage | if i == 0 { CELL_HEADER } else { 0 };
        }
        pos += size;
    }
}

/// The cell kinds of process `p`'s blocks.
pub fn cells(vm: &Vm, p: &Process) -> Cells {
    let Some(block) = p.heap.as_ref() else {
        return Cells::default();
    };
    let live = reachable(vm, p);
    let mut young = vec![CellKind::Free as u8; block.words.len()];
    heap_cells(block, p.htop, &live, &mut young);
    let n = young.len();
    for depth in 0..p.stack_size() as usize {
        let kind = if depth == 0 {
            CellKind::StackFrame
        } else if p.slots.get(depth - 1).is_some_and(Option::is_some) {
            CellKind::StackVar
        } else {
            CellKind::StackDead
        };
        young[n - 1 - depth] = kind as u8;
    }
    let mut old = Vec::new();
    if let Some(ob) = p.old_heap.as_ref() {
        old = vec![CellKind::Free as u8; ob.words.len()];
        heap_cells(ob, p.old_htop, &live, &mut old);
    }
    Cells { young, old }
}

/// Fate of a word in a collection ([`gc_fates`]): not heap data (free gap, stack, an old heap a minor GC leaves alone).
pub const FATE_NONE: u8 = 0;
/// Fate: live, copied into the new young heap.
pub const FATE_COPIED: u8 = 1;
/// Fate: live and below the high-water mark, so a minor GC moves it to the old heap.
pub const FATE_PROMOTED: u8 = 2;
/// Fate: no root reaches it; it is not copied and goes with its block when the from-space is freed.
pub const FATE_FREED: u8 = 3;

/// Where each word of `p`'s blocks goes if a collection of `kind` runs on the state `vm` holds now, one
/// `FATE_*` byte per word, laid out like [`cells`]: the rule of `erl_gc.c` that [`crate::gc`] follows (a minor GC
/// promotes live young objects below the high-water mark and copies the rest; a major GC copies everything live,
/// old heap included, into one new block). A view shows a GC as sub-steps with it (roots → copy → promote → free).
///
/// Model: the page asks this of the state before the step whose op collected, so work the op did before its GC
/// (binding, allocating) is not in it; the GC's own events carry the exact totals.
pub fn gc_fates(vm: &Vm, p: &Process, kind: crate::event::GcKind) -> Cells {
    let Some(block) = p.heap.as_ref() else {
        return Cells::default();
    };
    let live = reachable(vm, p);
    let major = kind == crate::event::GcKind::Major;
    let promote_below = if major { 0 } else { p.high_water };
    let mut young = vec![FATE_NONE; block.words.len()];
    heap_fates(block, p.htop, &live, promote_below, &mut young);
    let mut old = Vec::new();
    if let Some(ob) = p.old_heap.as_ref() {
        old = vec![FATE_NONE; ob.words.len()];
        if major {
            heap_fates(ob, p.old_htop, &live, 0, &mut old);
        }
    }
    Cells { young, old }
}

fn heap_fates(block: &Block, used: u64, live: &Seen, promote_below: u64, out: &mut [u8]) {
    let mut pos = 0usize;
    while (pos as u64) < used {
        let w = block.words[pos];
        let size = if w.header_tag().is_some() {
            object::object_size(w) as usize
        } else {
            2
        };
        let fate = if !live.contains(block.id, pos as u32) {
            FATE_FREED
        } else if (pos as u64) < promote_below {
            FATE_PROMOTED
        } else {
            FATE_COPIED
        };
        let end = (pos + size).min(out.len());
        out[pos..end].fill(fate);
        pos += size;
    }
}

/// A set of visited object addresses: one bit per word of each area.
struct Seen {
    areas: Vec<(crate::term::AreaId, Vec<u64>)>,
}

impl Seen {
    fn new() -> Seen {
        Seen { areas: Vec::new() }
    }
    /// Whether word `off` of area `area` is marked.
    fn contains(&self, area: crate::term::AreaId, off: u32) -> bool {
        self.areas
            .iter()
            .find(|(id, _)| *id == area)
            .is_some_and(|(_, bits)| {
                bits.get(off as usize / 64)
                    .is_some_and(|w| w & (1u64 << (off % 64)) != 0)
            })
    }

    /// Marks `addr`; returns whether it was unmarked before.
    fn insert(&mut self, areas: &Areas<'_>, addr: crate::term::Addr) -> bool {
        let i = match self.areas.iter().position(|(id, _)| *id == addr.area()) {
            Some(i) => i,
            None => {
                let n = areas.block(addr).map_or(0, |b| b.words.len());
                self.areas.push((addr.area(), vec![0; n.div_ceil(64) + 1]));
                self.areas.len() - 1
            }
        };
        let bits = &mut self.areas[i].1;
        let off = addr.offset() as usize;
        if off / 64 >= bits.len() {
            bits.resize(off / 64 + 1, 0);
        }
        let mask = 1u64 << (off % 64);
        let fresh = bits[off / 64] & mask == 0;
        bits[off / 64] |= mask;
        fresh
    }
}

/// `erts_debug:size/1` (`erts_debug.erl` `size/3`): words with shared subterms counted once.
///
/// It counts literals, as the Erlang code does; `{}` counts 0; a leaf that is neither a cons, tuple, map nor fun
/// counts its `erts_debug:flat_size/1`, so a byte-aligned sub-binary of an off-heap binary counts 6.
pub fn shared_size(areas: &Areas<'_>, t: Term) -> u64 {
    let mut seen = Seen::new();
    let mut total = 0;
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        let Some(addr) = t.pointee() else { continue };
        if t.primary_tag() == TAG_PRIMARY_LIST {
            if !seen.insert(areas, addr) {
                continue;
            }
            total += 2;
            todo.push(areas.word(addr));
            todo.push(areas.word(addr.add(1)));
            continue;
        }
        let header = areas.word(addr);
        if header == Term::header(HeaderTag::Arityval, 0) || !seen.insert(areas, addr) {
            continue;
        }
        match header.header_tag() {
            Some(HeaderTag::Arityval | HeaderTag::Fun | HeaderTag::Map) => {
                // Tuples: 1 + arity; flatmaps: 3 + values (+ the keys tuple, itself shareable);
                // HAMT roots: 2 + children; inner nodes: 1 + children; local funs: 5 + free variables.
                total += object::object_size(header);
                for f in object::term_fields(header) {
                    todo.push(areas.word(addr.add(f as u32)));
                }
            }
            _ => total += leaf_flat_size(areas, addr, header),
        }
    }
    total
}

/// `size_object` of one leaf object (no term fields except a sub-binary's binary).
fn leaf_flat_size(areas: &Areas<'_>, addr: crate::term::Addr, header: Term) -> u64 {
    if header.header_tag() == Some(HeaderTag::SubBinary) {
        let sb = crate::bits::sub_bin_words(&|i| areas.word(addr.add(i as u32)));
        let orig = areas.word(sb.orig.pointee().expect("sub-binary points to a binary"));
        return crate::bits::sub_bin_flat_size(&sb, orig);
    }
    object::object_size(header)
}

/// The words a term really occupies on a process heap: every object reachable from it counted once,
/// literals not at all, a sub-binary as its 5 words plus the binary it points to.
pub fn heap_words(areas: &Areas<'_>, t: Term) -> u64 {
    let mut seen = Seen::new();
    let mut total = 0;
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        let Some(addr) = t.pointee() else { continue };
        if addr.area() == crate::heap::LITERAL_AREA || !seen.insert(areas, addr) {
            continue;
        }
        if t.primary_tag() == TAG_PRIMARY_LIST {
            total += 2;
            todo.push(areas.word(addr));
            todo.push(areas.word(addr.add(1)));
        } else {
            let header = areas.word(addr);
            total += object::object_size(header);
            for f in object::term_fields(header) {
                todo.push(areas.word(addr.add(f as u32)));
            }
        }
    }
    total
}

/// The key–value leaves of a map, in iteration order.
fn collect_map_pairs(areas: &Areas<'_>, t: Term, out: &mut Vec<(Term, Term)>, depth: u32) {
    let Some(addr) = t.pointee() else { return };
    if depth > 16 {
        return;
    }
    let header = areas.word(addr);
    match object::map_kind(header) {
        object::MapKind::Flat => {
            let n = areas.word(addr.add(1)).0;
            let keys = areas.word(addr.add(2)).pointee();
            for i in 0..n {
                let k = keys.map_or(Term::NIL, |k| areas.word(k.add(1 + i as u32)));
                out.push((k, areas.word(addr.add(3 + i as u32))));
            }
        }
        kind => {
            let first = match kind {
                object::MapKind::HashHeadArray | object::MapKind::HashHeadBitmap => 2,
                _ => 1,
            };
            for i in first..object::object_size(header) {
                let child = areas.word(addr.add(i as u32));
                match (child.primary_tag() == TAG_PRIMARY_LIST, child.pointee()) {
                    (true, Some(c)) => out.push((areas.word(c), areas.word(c.add(1)))),
                    _ => collect_map_pairs(areas, child, out, depth + 1),
                }
            }
        }
    }
}

/// One object of a term, as the term inspector draws it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ObjectView {
    /// Where it lives: area id and word offset.
    pub addr: crate::term::Addr,
    /// What it is.
    pub kind: CellKind,
    /// Its words, raw (a cons cell is 2 words; a boxed object starts with its header).
    pub words: Vec<u64>,
    /// How many pointers within the term point to it: more than 1 means it is shared.
    pub refs: u32,
    /// Whether it lives in the literal area (no heap words).
    pub literal: bool,
}

/// The objects of the term `t`, each once, in depth-first order from the root, at most `max_objects` of them:
/// the words of a term, laid out, with sharing.
pub fn term_layout(areas: &Areas<'_>, t: Term, max_objects: usize) -> Vec<ObjectView> {
    let mut out: Vec<ObjectView> = Vec::new();
    // Each object's place in `out`, by address.
    let mut index = crate::word_map::WordMap::new();
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        let Some(addr) = t.pointee() else { continue };
        if let Some(i) = index.get(addr.0) {
            out[i as usize].refs += 1;
            continue;
        }
        if out.len() >= max_objects {
            continue;
        }
        let (kind, n) = if t.primary_tag() == TAG_PRIMARY_LIST {
            (CellKind::Cons, 2)
        } else {
            let h = areas.word(addr);
            (kind_of(h), object::object_size(h))
        };
        let words: Vec<u64> = (0..n).map(|i| areas.word(addr.add(i as u32)).0).collect();
        index.insert(addr.0, out.len() as u64);
        out.push(ObjectView {
            addr,
            kind,
            words,
            refs: 1,
            literal: addr.area() == crate::heap::LITERAL_AREA,
        });
        let fields: Vec<u64> = if kind == CellKind::Cons {
            vec![1, 0]
        } else {
            object::term_fields(areas.word(addr)).rev().collect()
        };
        for f in fields {
            todo.push(areas.word(addr.add(f as u32)));
        }
    }
    out
}

/// What one word of an inspected object holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WordRole {
    /// The header word of a boxed object.
    Header,
    /// A pointer (list or boxed) to another object of the layout.
    Pointer,
    /// An immediate term: small integer, atom, `[]`, pid, port.
    Immediate,
    /// Raw data the collector does not follow: sizes, float bits, bignum digits, binary bytes.
    Data,
}

/// One word of an object, described for the term inspector.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WordView {
    /// What the word holds.
    pub role: WordRole,
    /// For a pointer: the index in the layout of the object it points to (`None` if the layout was cut short).
    pub target: Option<usize>,
    /// A short label: the header's object kind and arity, the immediate printed, or what the data is.
    pub text: String,
}

/// The name ERTS gives the object a header starts.
fn header_name(header: Term) -> String {
    let n = object::arity(header);
    match header.header_tag() {
        Some(HeaderTag::Arityval) => format!("tuple, arity {n}"),
        Some(HeaderTag::Map) => match object::map_kind(header) {
            object::MapKind::Flat => String::from("flatmap"),
            object::MapKind::HashHeadArray | object::MapKind::HashHeadBitmap => {
                String::from("HAMT root")
            }
            _ => String::from("HAMT node"),
        },
        Some(HeaderTag::HeapBinary) => String::from("heap binary"),
        Some(HeaderTag::RefcBinary) => String::from("ProcBin"),
        Some(HeaderTag::SubBinary) => String::from("sub-binary"),
        Some(HeaderTag::Float) => String::from("float"),
        Some(HeaderTag::PosBig | HeaderTag::NegBig) => format!("bignum, {n} digits"),
        Some(HeaderTag::Fun) => String::from("fun"),
        Some(HeaderTag::Export) => String::from("export fun"),
        Some(tag) => format!("{tag:?}"),
        None => String::from("?"),
    }
}

/// What raw word `idx` of the object starting with `header` is.
fn data_name(header: Term, idx: usize, word: u64) -> String {
    match (header.header_tag(), idx) {
        (Some(HeaderTag::HeapBinary), 1) => format!("{word} bytes"),
        (Some(HeaderTag::HeapBinary), _) => String::from("bytes"),
        (Some(HeaderTag::RefcBinary), 1) => format!("{word} bytes"),
        (Some(HeaderTag::RefcBinary), 2) => String::from("next"),
        (Some(HeaderTag::RefcBinary), 3) => String::from("val → off-heap"),
        (Some(HeaderTag::RefcBinary), 4) => String::from("bytes ptr"),
        (Some(HeaderTag::RefcBinary), _) => String::from("flags"),
        (Some(HeaderTag::SubBinary), 1) => format!("size {word}"),
        (Some(HeaderTag::SubBinary), 2) => format!("offset {word}"),
        (Some(HeaderTag::SubBinary), _) => String::from("bit size/offset"),
        (Some(HeaderTag::Float), _) => crate::expr::float::debug(f64::from_bits(word)),
        (Some(HeaderTag::PosBig | HeaderTag::NegBig), _) => format!("digit {word:#x}"),
        (Some(HeaderTag::Map), 1) => format!("size {word}"),
        (Some(HeaderTag::Fun), 1) => String::from("entry"),
        (Some(HeaderTag::Fun), 2) => String::from("next"),
        (Some(HeaderTag::Fun), _) => String::from("arity/free"),
        _ => format!("{word:#x}"),
    }
}

/// Describes one term word: a pointer to an object of `objects`, or an immediate printed.
pub fn term_word_view(vm: &Vm, areas: &Areas<'_>, objects: &[ObjectView], t: Term) -> WordView {
    match t.pointee() {
        Some(addr) => WordView {
            role: WordRole::Pointer,
            target: objects.iter().position(|o| o.addr == addr),
            text: String::from(if t.primary_tag() == TAG_PRIMARY_LIST {
                "list"
            } else {
                "boxed"
            }),
        },
        None => WordView {
            role: WordRole::Immediate,
            target: None,
            text: preview(vm, areas, t, 24),
        },
    }
}

/// The words of each object of a [`term_layout`], described: headers named, pointers resolved to object indices,
/// immediates printed (atom names from `vm`), raw data labelled.
pub fn word_views(vm: &Vm, areas: &Areas<'_>, objects: &[ObjectView]) -> Vec<Vec<WordView>> {
    objects
        .iter()
        .map(|o| {
            if o.kind == CellKind::Cons {
                return o
                    .words
                    .iter()
                    .map(|&w| term_word_view(vm, areas, objects, Term(w)))
                    .collect();
            }
            let header = Term(o.words[0]);
            let fields = object::term_fields(header);
            o.words
                .iter()
                .enumerate()
                .map(|(i, &w)| {
                    if i == 0 {
                        WordView {
                            role: WordRole::Header,
                            target: None,
                            text: header_name(header),
                        }
                    } else if fields.contains(&(i as u64)) {
                        term_word_view(vm, areas, objects, Term(w))
                    } else {
                        WordView {
                            role: WordRole::Data,
                            target: None,
                            text: data_name(header, i, w),
                        }
                    }
                })
                .collect()
        })
        .collect()
}

/// What `recon:proc_count/2` ranks processes by.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TopBy {
    /// `memory` (bytes).
    Memory,
    /// `total_heap_size` (words).
    TotalHeapSize,
    /// `binary_memory`: bytes of the off-heap binaries the process holds handles to (one per handle).
    BinaryMemory,
    /// `message_queue_len`.
    MessageQueueLen,
}

impl TopBy {
    /// The attribute's name, as recon spells it.
    pub fn name(self) -> &'static str {
        match self {
            TopBy::Memory => "memory",
            TopBy::TotalHeapSize => "total_heap_size",
            TopBy::BinaryMemory => "binary_memory",
            TopBy::MessageQueueLen => "message_queue_len",
        }
    }
}

impl core::str::FromStr for TopBy {
    type Err = ();

    fn from_str(s: &str) -> Result<TopBy, ()> {
        [
            TopBy::Memory,
            TopBy::TotalHeapSize,
            TopBy::BinaryMemory,
            TopBy::MessageQueueLen,
        ]
        .into_iter()
        .find(|b| b.name() == s)
        .ok_or(())
    }
}

/// `recon:proc_count(By, N)`: the `n` running processes with the largest value of `by`, largest first (ties by
/// pid), as (pid, value).
pub fn top(view: &View, by: TopBy, n: usize) -> Vec<(u32, u64)> {
    let bytes_of = |id: u32| {
        view.binaries
            .iter()
            .find(|b| b.id == id)
            .map_or(0, |b| b.bytes)
    };
    let ranked: Vec<(u32, u64)> = view
        .processes
        .iter()
        .filter(|p| p.alive)
        .map(|p| {
            let value = match by {
                TopBy::Memory => p.memory,
                TopBy::TotalHeapSize => p.total_heap_size,
                TopBy::BinaryMemory => p.binaries.iter().map(|&b| bytes_of(b)).sum(),
                TopBy::MessageQueueLen => p.message_queue_len,
            };
            (p.pid, value)
        })
        .collect();
    rank(ranked, n)
}

/// [`top`] read straight from `vm`, without building a [`View`] (which prints every variable): the page ranks at
/// every step.
pub fn top_of(vm: &Vm, by: TopBy, n: usize) -> Vec<(u32, u64)> {
    let ranked: Vec<(u32, u64)> = vm
        .processes()
        .iter()
        .filter(|p| p.is_alive())
        .map(|p| (p.pid.0, top_value(vm, p, by)))
        .collect();
    rank(ranked, n)
}

/// The value of `by` for process `p`, as [`top_of`] ranks it.
pub fn top_value(vm: &Vm, p: &Process, by: TopBy) -> u64 {
    match by {
        TopBy::Memory => p.memory_bytes(),
        TopBy::TotalHeapSize => p.total_heap_size(),
        TopBy::BinaryMemory => {
            let areas = vm.areas_of(p);
            p.off_heap
                .iter()
                .map(|addr| {
                    let id = crate::binary::BinId(areas.word(addr.add(3)).0 as u32);
                    vm.binaries().get(id).map_or(0, |b| b.bytes)
                })
                .sum()
        }
        TopBy::MessageQueueLen => p.mailbox.len() as u64,
    }
}

/// Largest value first, ties by pid, the first `n`.
/// Each entry is inserted at its place instead of sorting: the page ranks a few hundred processes at most, and a
/// generic sort instantiated for these pairs cost 4 KB of the shipped module.
fn rank(entries: Vec<(u32, u64)>, n: usize) -> Vec<(u32, u64)> {
    let mut ranked: Vec<(u32, u64)> = Vec::with_capacity(entries.len().min(n));
    for e in entries {
        let at = ranked.partition_point(|r| r.1 > e.1 || (r.1 == e.1 && r.0 < e.0));
        // Only the first `n` are kept as they come: the page asks for 10 of a thousand at every step.
        if at < n {
            ranked.insert(at, e);
            ranked.truncate(n);
        }
    }
    ranked
}

/// Prints a term in Erlang syntax, cut after about `max` characters.
pub fn preview(vm: &Vm, areas: &Areas<'_>, t: Term, max: usize) -> String {
    preview_in(vm, areas, t, max, Lang::Erlang)
}

/// Prints a term the way `lang` prints it (`io_lib:format("~p")`-like for Erlang, `inspect/1`-like for Elixir:
/// `:ok`, `%{a: 1}`, `#PID<0.1.0>`), cut after about `max` characters.
pub fn preview_in(vm: &Vm, areas: &Areas<'_>, t: Term, max: usize, lang: Lang) -> String {
    let mut out = String::new();
    print_term(vm, areas, t, &mut out, max, 0, lang);
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// An atom as Elixir writes it: `true`/`false`/`nil` bare, `Elixir.Foo` as `Foo`, `:name`, or `:"odd name"`.
fn elixir_atom(name: &str, out: &mut String) {
    if matches!(name, "true" | "false" | "nil") {
        out.push_str(name);
    } else if let Some(module) = name.strip_prefix("Elixir.") {
        out.push_str(module);
    } else {
        let plain = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '?' | '!'));
        out.push(':');
        if plain {
            out.push_str(name);
        } else {
            quoted(name, out);
        }
    }
}

/// `name` in double quotes, escaped as Rust's `{:?}` escapes ASCII: `\"`, `\\`, `\n`, `\r`, `\t`, `\0`, other
/// control characters as `\u{hex}`. Model: other characters are written as they are (Rust's `{:?}` also escapes the
/// invisible and combining ones), because its Unicode tables cost 3 KB of the gzipped wasm module.
fn quoted(name: &str, out: &mut String) {
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[test]
fn quoted_is_rusts_debug_for_ascii_and_printable_text() {
    let mut ascii: String = (0u8..128).map(char::from).collect();
    ascii.push_str("héllo wörld ∑ 日本 \u{80}\u{9f}");
    for name in [ascii.as_str(), "", "a b", "\"quoted\"", "back\\slash"] {
        let mut out = String::new();
        quoted(name, &mut out);
        assert_eq!(out, format!("{name:?}"));
    }
}

fn print_term(
    vm: &Vm,
    areas: &Areas<'_>,
    t: Term,
    out: &mut String,
    max: usize,
    depth: usize,
    lang: Lang,
) {
    if out.len() > max || depth > 20 {
        return;
    }
    let ex = lang == Lang::Elixir;
    let sep = if ex { ", " } else { "," };
    match t.decode() {
        Decoded::Small(n) => {
            let _ = write!(out, "{n}");
        }
        Decoded::Atom(i) => {
            let name = vm.atoms().get(i as usize).map_or("?", String::as_str);
            if ex {
                elixir_atom(name, out);
            } else {
                out.push_str(name);
            }
        }
        Decoded::Nil => out.push_str("[]"),
        Decoded::Pid(n) => {
            let _ = write!(out, "{}<0.{n}.0>", if ex { "#PID" } else { "" });
        }
        Decoded::Port(n) => {
            let _ = write!(out, "#Port<0.{n}>");
        }
        Decoded::List(_) => {
            out.push('[');
            let mut cur = t;
            let mut first = true;
            while let Some(addr) = cur
                .pointee()
                .filter(|_| cur.primary_tag() == TAG_PRIMARY_LIST)
            {
                if out.len() > max {
                    return;
                }
                if !first {
                    out.push_str(sep);
                }
                first = false;
                print_term(vm, areas, areas.word(addr), out, max, depth + 1, lang);
                cur = areas.word(addr.add(1));
            }
            if cur != Term::NIL {
                out.push_str(if ex { " | " } else { "|" });
                print_term(vm, areas, cur, out, max, depth + 1, lang);
            }
            out.push(']');
        }
        Decoded::Boxed(addr) => {
            let header = areas.word(addr);
            match header.header_tag() {
                Some(HeaderTag::Arityval) => {
                    out.push('{');
                    for i in 0..object::arity(header) {
                        if i > 0 {
                            out.push_str(sep);
                        }
                        print_term(
                            vm,
                            areas,
                            areas.word(addr.add(1 + i as u32)),
                            out,
                            max,
                            depth + 1,
                            lang,
                        );
                        if out.len() > max {
                            return;
                        }
                    }
                    out.push('}');
                }
                Some(HeaderTag::HeapBinary) => {
                    let n = areas.word(addr.add(1)).0;
                    out.push_str("<<");
                    if n <= 16 {
                        for i in 0..n {
                            let w = areas.word(addr.add(2 + (i / 8) as u32)).0;
                            let b = (w >> (8 * (i % 8))) & 0xFF;
                            let _ = write!(out, "{}{b}", if i > 0 { sep } else { "" });
                        }
                    } else {
                        let _ = write!(out, "{n} bytes");
                    }
                    out.push_str(">>");
                }
                Some(HeaderTag::RefcBinary) => {
                    let bytes = areas.word(addr.add(1)).0;
                    let _ = write!(out, "<<{bytes} bytes>>");
                }
                Some(HeaderTag::SubBinary) => {
                    let sb = crate::bits::sub_bin_words(&|i| areas.word(addr.add(i as u32)));
                    let bits = sb.size * 8 + sb.bitsize;
                    if bits % 8 == 0 {
                        let _ = write!(out, "<<{} bytes>>", sb.size);
                    } else {
                        let _ = write!(out, "<<{bits} bits>>");
                    }
                }
                Some(HeaderTag::Map) => {
                    out.push_str(if ex { "%{" } else { "#{" });
                    let mut first = true;
                    let mut pairs = Vec::new();
                    collect_map_pairs(areas, t, &mut pairs, 0);
                    for (k, v) in pairs {
                        if out.len() > max {
                            return;
                        }
                        if !first {
                            out.push_str(sep);
                        }
                        first = false;
                        // Elixir writes a plain atom key as `key: value`.
                        let short_key = ex
                            && matches!(k.decode(), Decoded::Atom(i) if vm.atoms().get(i as usize).is_some_and(|a| {
                                a.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                                    && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                            }));
                        if short_key {
                            let mut key = String::new();
                            print_term(vm, areas, k, &mut key, max, depth + 1, lang);
                            out.push_str(key.trim_start_matches(':'));
                            out.push_str(": ");
                        } else {
                            print_term(vm, areas, k, out, max, depth + 1, lang);
                            out.push_str(" => ");
                        }
                        print_term(vm, areas, v, out, max, depth + 1, lang);
                    }
                    out.push('}');
                }
                Some(HeaderTag::Fun) => {
                    let n_free = areas.word(addr.add(3)).0 >> 32;
                    let _ = write!(
                        out,
                        "#{}<{n_free} free>",
                        if ex { "Function" } else { "Fun" }
                    );
                }
                Some(HeaderTag::Export) => {
                    out.push_str(if ex { "&" } else { "fun " });
                    let mut module = String::new();
                    print_term(
                        vm,
                        areas,
                        areas.word(addr.add(1)),
                        &mut module,
                        max,
                        depth + 1,
                        lang,
                    );
                    out.push_str(&module);
                    out.push(if ex { '.' } else { ':' });
                    let mut function = String::new();
                    print_term(
                        vm,
                        areas,
                        areas.word(addr.add(2)),
                        &mut function,
                        max,
                        depth + 1,
                        lang,
                    );
                    out.push_str(if ex {
                        function.trim_start_matches(':')
                    } else {
                        &function
                    });
                    let _ = write!(out, "/{}", areas.word(addr.add(3)).0);
                }
                Some(HeaderTag::Ref) => {
                    let _ = write!(
                        out,
                        "#{}<0.0.0.{}>",
                        if ex { "Reference" } else { "Ref" },
                        areas.word(addr.add(1)).0
                    );
                }
                Some(HeaderTag::PosBig | HeaderTag::NegBig) => {
                    let sign = if header.header_tag() == Some(HeaderTag::NegBig) {
                        "-"
                    } else {
                        ""
                    };
                    if object::arity(header) == 1 {
                        let _ = write!(out, "{sign}{}", areas.word(addr.add(1)).0);
                    } else {
                        let _ = write!(out, "{sign}<bignum of {} digits>", object::arity(header));
                    }
                }
                Some(HeaderTag::Float) => {
                    out.push_str(&crate::expr::float::debug(f64::from_bits(
                        areas.word(addr.add(1)).0,
                    )));
                }
                Some(tag) => {
                    let _ = write!(out, "#{tag:?}<>");
                }
                None => out.push('?'),
            }
        }
        Decoded::Header(..) | Decoded::Cp(_) | Decoded::Catch(_) => out.push('?'),
    }
}

impl View {
    /// The view of `vm`.
    pub fn of(vm: &Vm) -> View {
        View::of_some(vm, &|_| true)
    }

    /// [`View::of`] with the variables and queued messages of only the processes `detail` picks; the others list
    /// none (their numbers are all there). Their terms are what costs: with a thousand processes, printing and
    /// sizing every variable takes longer than a frame, while the page shows a few of them.
    pub fn of_some(vm: &Vm, detail: &dyn Fn(u32) -> bool) -> View {
        // Each holder with its binary's id, sorted by id below (a map per view cost the wasm module 3 KB of code).
        let mut holders: Vec<(u32, HolderView)> = Vec::new();
        let processes = vm
            .processes()
            .iter()
            .map(|p| {
                let areas = vm.areas_of(p);
                let full = detail(p.pid.0);
                // Liveness is needed for the terms, and for whether each held binary is still reachable.
                let live = if p.is_alive() && (full || !p.off_heap.is_empty()) {
                    reachable(vm, p)
                } else {
                    Seen::new()
                };
                let mut bins = Vec::new();
                for addr in &p.off_heap {
                    let bin = areas.word(addr.add(3)).0 as u32;
                    bins.push(bin);
                    holders.push((
                        bin,
                        HolderView {
                            pid: p.pid.0,
                            reachable: live.contains(addr.area(), addr.offset()),
                        },
                    ));
                }
                for m in &p.mailbox {
                    for addr in &m.off_heap {
                        let bin = m
                            .fragment
                            .as_ref()
                            .map_or(0, |f| f.at(addr.add(3)).0 as u32);
                        holders.push((
                            bin,
                            HolderView {
                                pid: p.pid.0,
                                reachable: true,
                            },
                        ));
                    }
                }
                ProcessView {
                    pid: p.pid.0,
                    name: p.name.clone(),
                    alive: p.is_alive(),
                    stage: p.stage,
                    heap_size: p.heap_size(),
                    heap_used: p.htop,
                    stack_size: if p.is_alive() { p.stack_size() } else { 0 },
                    high_water: p.high_water,
                    old_heap_size: p.old_heap_size(),
                    old_heap_used: p.old_htop,
                    mbuf_size: p.mbuf_size(),
                    fragments: p.fragments.iter().map(Block::size).collect(),
                    total_heap_size: p.total_heap_size(),
                    memory: p.memory_bytes(),
                    message_queue_len: p.mailbox.len() as u64,
                    minor_gcs: p.gen_gcs,
                    minor_gcs_total: p.counters.minor,
                    major_gcs_total: p.counters.major,
                    fullsweep_after: p.opts.fullsweep_after,
                    min_heap_size: p.min_heap_size,
                    bin_vheap_size: p.bin_vheap,
                    bin_vheap_block_size: p.bin_vheap_sz,
                    bin_old_vheap_size: p.bin_old_vheap,
                    bin_old_vheap_block_size: p.bin_old_vheap_sz,
                    vars: p
                        .vars()
                        .filter(|_| full)
                        .map(|(name, t)| VarView {
                            name: name.into(),
                            size: shared_size(&areas, t),
                            flat_size: flat_size(&areas, t, true),
                            preview: preview(vm, &areas, t, 60),
                        })
                        .collect(),
                    mailbox: p
                        .mailbox
                        .iter()
                        .filter(|_| full)
                        .map(|m| preview(vm, &areas, m.term, 60))
                        .collect(),
                    binaries: bins,
                    hibernated: p.hibernation.is_some(),
                    heap_grow: p.heap_grow,
                }
            })
            .collect::<Vec<_>>();
        // Stable: each binary's holders stay in process order.
        holders.sort_by_key(|(bin, _)| *bin);
        let binaries = vm
            .binaries()
            .iter()
            .map(|(id, b)| BinaryView {
                id: id.0,
                bytes: b.bytes,
                refc: b.refc,
                holders: {
                    let from = holders.partition_point(|(b, _)| *b < id.0);
                    let n = holders[from..].partition_point(|(b, _)| *b == id.0);
                    holders[from..from + n].iter().map(|(_, h)| *h).collect()
                },
            })
            .collect();
        let ets: Vec<EtsView> = vm
            .ets_tables()
            .iter()
            .flatten()
            .map(|t| EtsView {
                id: t.id,
                name: t.name.clone(),
                owner: t.owner.0,
                kind: t.kind.name(),
                size: t.objects.len() as u64,
                memory_words: t.words(),
            })
            .collect();
        let dets = vm
            .dets_tables()
            .iter()
            .flatten()
            .map(|t| DetsView {
                id: t.id,
                name: t.name.clone(),
                size: t.objects.len() as u64,
                cached_keys: t.cached_keys.len() as u64,
            })
            .collect();
        let memory = memory(vm);
        View {
            processes,
            binaries,
            memory,
            ets,
            dets,
            atom_count: vm.atoms().len() as u64,
            halted: vm.halted(),
        }
    }
}

/// `erlang:memory/0` of `vm` alone: what [`View::of`] reports as `memory`, without walking any term, so a
/// renderer can chart it over every step of a long run.
pub fn memory(vm: &Vm) -> MemoryView {
    let processes_bytes: u64 = vm.processes().iter().map(Process::memory_bytes).sum();
    let processes_used: u64 = vm
        .processes()
        .iter()
        .filter(|p| p.is_alive())
        .map(|p| {
            crate::process::PROCESS_STRUCT_BYTES
                + 8 * (p.htop + p.stack_size() + p.old_htop + p.mbuf_size())
        })
        .sum();
    let binary = vm.binaries().total_bytes();
    let atom: u64 = vm.atom_table().bytes() + vm.atoms().len() as u64;
    let ets_words: u64 = vm.ets_tables().iter().flatten().map(|t| t.words()).sum();
    MemoryView {
        processes: processes_bytes,
        processes_used,
        binary,
        atom,
        total: processes_bytes + binary + atom + 8 * ets_words,
        ets: 8 * ets_words,
    }
}

/// How one `erlang:memory/0` category changed between two steps, in bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Growth {
    /// The category, as `erlang:memory/0` names it.
    pub category: &'static str,
    /// Its value at the later step.
    pub now: u64,
    /// Later minus earlier (negative when it shrank).
    pub delta: i64,
}

/// The categories a leak shows up in (`processes`, `binary`, `ets`, `atom`; `total` is their sum), each with its
/// change from `then` to `now`, in that order.
pub fn memory_growth(then: &MemoryView, now: &MemoryView) -> [Growth; 4] {
    let g = |category, a: u64, b: u64| Growth {
        category,
        now: b,
        // Byte counts stay far below 2^63.
        delta: b as i64 - a as i64,
    };
    [
        g("processes", then.processes, now.processes),
        g("binary", then.binary, now.binary),
        g("ets", then.ets, now.ets),
        g("atom", then.atom, now.atom),
    ]
}

/// The category that grew by the most bytes, or `None` when none grew (the first wins a tie).
pub fn fastest_growing(growth: &[Growth]) -> Option<&'static str> {
    growth
        .iter()
        .filter(|g| g.delta > 0)
        .fold(None::<&Growth>, |best, g| match best {
            Some(b) if b.delta >= g.delta => Some(b),
            _ => Some(g),
        })
        .map(|g| g.category)
}

/// Each process's `memory` (bytes) as (pid, bytes), exited ones included (they count 0).
pub fn process_memory(vm: &Vm) -> Vec<(u32, u64)> {
    vm.processes()
        .iter()
        .map(|p| (p.pid.0, p.memory_bytes()))
        .collect()
}

/// The process whose `memory` grew the most from `then` to `now` (both from [`process_memory`]), as (pid, bytes);
/// a process spawned in between grew from 0. `None` without processes.
/// When `erlang:memory()` grows and this stays near 0, no process is responsible: the growth is in off-heap
/// binaries, ETS tables or atoms, which no process's `memory` counts.
pub fn largest_process_growth(then: &[(u32, u64)], now: &[(u32, u64)]) -> Option<(u32, i64)> {
    // Both lists come in pid order (a process's pid is its index), so each pid is found by binary search: a linear
    // search per process took milliseconds at a thousand processes, at every step.
    let sorted = then.windows(2).all(|w| w[0].0 < w[1].0);
    now.iter()
        .map(|&(pid, bytes)| {
            let found = if sorted {
                then.binary_search_by_key(&pid, |t| t.0)
                    .ok()
                    .map(|i| &then[i])
            } else {
                then.iter().find(|t| t.0 == pid)
            };
            let was = found.map_or(0, |t| t.1);
            (pid, bytes as i64 - was as i64)
        })
        .fold(None, |best: Option<(u32, i64)>, g| match best {
            Some(b) if b.1 >= g.1 => Some(b),
            _ => Some(g),
        })
}

/// A one-line summary of a process, in the style of a heap picture: `a young [####....|..] old [##..]`.
pub fn ascii_heap(p: &ProcessView, width: u64) -> String {
    if !p.alive {
        return format!("{} (exited)", p.name);
    }
    let scale = |n: u64| {
        if p.heap_size == 0 {
            0
        } else {
            (n * width).div_ceil(p.heap_size)
        }
    };
    let used = scale(p.heap_used);
    let stack = scale(p.stack_size).max(1);
    let free = width.saturating_sub(used + stack);
    let mut s = format!(
        "{:<3} young {:>6}/{:<6} [",
        p.name, p.heap_used, p.heap_size
    );
    for _ in 0..used {
        s.push('#');
    }
    for _ in 0..free {
        s.push('.');
    }
    for _ in 0..stack {
        s.push('s');
    }
    s.push(']');
    if p.old_heap_size > 0 {
        let _ = write!(s, " old {}/{}", p.old_heap_used, p.old_heap_size);
    }
    if p.mbuf_size > 0 {
        let _ = write!(s, " frag {}", p.mbuf_size);
    }
    s
}
