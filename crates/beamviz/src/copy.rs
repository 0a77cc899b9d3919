//! Copying terms between heaps (`copy.c`): sizing and copying a term the way a send, a spawn or an ETS insert does.
//!
//! A copy is flat: a subterm reachable twice is copied twice, so sharing is lost (`size_object` / `copy_struct`).
//! Literals are not copied: the copy keeps pointing at the literal area (`size_object_litopt`, OTP 20+).
//! A refc binary is not copied either: the copy gets a new ProcBin and the binary's count goes up.
//!
//! An emulator built with `--enable-sharing-preserving` copies with `copy_shared_calculate`/`copy_shared_perform`
//! instead: each subterm once, however often it is reached, so the copy takes `erts_debug:size/1` words
//! ([`copy_term_shared`]).

use crate::binary::{BinId, BinaryArea};
use crate::heap::{Block, LITERAL_AREA};
use crate::object;
use crate::term::{Addr, HeaderTag, Term, TAG_PRIMARY_LIST};
use crate::word_map::WordMap;
use alloc::vec::Vec;

/// The blocks a term may point into, for reading.
pub struct Areas<'a> {
    blocks: Vec<&'a Block>,
}

impl<'a> Areas<'a> {
    /// Reads from these blocks.
    pub fn new(blocks: Vec<&'a Block>) -> Areas<'a> {
        Areas { blocks }
    }

    /// The blocks.
    pub fn blocks(&self) -> &[&'a Block] {
        &self.blocks
    }

    /// The block holding `addr`, if any.
    pub fn block(&self, addr: Addr) -> Option<&'a Block> {
        self.blocks.iter().copied().find(|b| b.id == addr.area())
    }

    /// The word at `addr`.
    ///
    /// # Panics
    /// If `addr` is in none of the blocks: a dangling pointer is a model bug.
    pub fn word(&self, addr: Addr) -> Term {
        match self.block(addr) {
            Some(b) => b.at(addr),
            None => panic!(
                "dangling pointer to area {} offset {}",
                addr.area().0,
                addr.offset()
            ),
        }
    }
}

/// The words a copy of `t` would take (`size_object`), sharing ignored.
/// With `count_literals` false, literals count 0, as a send's copy leaves them in place;
/// `erts_debug:flat_size/1` counts them.
///
/// Exact up to [`MAX_FLAT_VISITS`] objects walked; past that it is `u64::MAX`. A term with much sharing can have a
/// flat size exponential in its real size (`lists:foldl(fun(_, A) -> [A | A] end, [], lists:seq(1, 100))`: 2^101
/// words in 200), and walking it would never end (found by fuzzing). No such copy could be made anyway: the
/// model's terms stop at 16,777,216 words.
pub fn flat_size(areas: &Areas<'_>, t: Term, count_literals: bool) -> u64 {
    let mut visits = 0u64;
    let mut total: u64 = 0;
    let mut todo = alloc::vec![t];
    while let Some(t) = todo.pop() {
        let Some(addr) = t.pointee() else { continue };
        if !count_literals && addr.area() == LITERAL_AREA {
            continue;
        }
        visits += 1;
        if visits > MAX_FLAT_VISITS {
            return u64::MAX;
        }
        if t.primary_tag() == TAG_PRIMARY_LIST {
            total += 2;
            todo.push(areas.word(addr));
            todo.push(areas.word(addr.add(1)));
        } else {
            let header = areas.word(addr);
            match header.header_tag() {
                // `{}` is a global literal: a copy points to it (`size_object_x`, arity-0 case).
                Some(HeaderTag::Arityval) if object::arity(header) == 0 => {}
                Some(HeaderTag::SubBinary) => {
                    let sb = crate::bits::sub_bin_words(&|i| areas.word(addr.add(i as u32)));
                    let orig =
                        areas.word(sb.orig.pointee().expect("sub-binary points to a binary"));
                    total += crate::bits::sub_bin_flat_size(&sb, orig);
                }
                _ => {
                    total += object::object_size(header);
                    for field in object::term_fields(header) {
                        todo.push(areas.word(addr.add(field as u32)));
                    }
                }
            }
        }
    }
    total
}

/// The most objects [`flat_size`] walks: as many as the largest term has words, so every term the model can
/// copy is measured exactly, in well under a second.
pub const MAX_FLAT_VISITS: u64 = 1 << 24;

/// A term copied into a fresh block, with the ProcBins the copy contains.
pub struct Copied {
    /// The copy's root.
    pub term: Term,
    /// The block holding the copy (possibly empty, for an immediate or a literal).
    pub block: Block,
    /// The ProcBins in the block.
    pub off_heap: Vec<Addr>,
}

/// Copies `t` flat into `into` (an empty block with a fresh id), retaining every refc binary it meets.
pub fn copy_term(areas: &Areas<'_>, t: Term, into: Block, bins: &mut BinaryArea) -> Copied {
    copy_with(areas, t, into, bins, None, false)
}

/// Copies `t` flat into `into`, literals included: what an ETS table stores (it outlives the code whose literals
/// it would point to), and a term decoded anew (a DETS object read back from its file).
pub fn copy_term_decoded(areas: &Areas<'_>, t: Term, into: Block, bins: &mut BinaryArea) -> Copied {
    copy_with(areas, t, into, bins, None, true)
}

/// Copies `t` into `into` keeping its sharing: a subterm reached twice is copied once and pointed to twice, as
/// the sharing-preserving emulator's `copy_shared_perform` does.
pub fn copy_term_shared(areas: &Areas<'_>, t: Term, into: Block, bins: &mut BinaryArea) -> Copied {
    copy_with(areas, t, into, bins, Some(&mut WordMap::new()), false)
}

fn copy_with(
    areas: &Areas<'_>,
    t: Term,
    mut into: Block,
    bins: &mut BinaryArea,
    seen: Option<&mut WordMap>,
    literals_too: bool,
) -> Copied {
    let mut off_heap = Vec::new();
    let mut fix: Vec<usize> = Vec::new();
    let mut cx = Cx {
        areas,
        fix: &mut fix,
        off_heap: &mut off_heap,
        bins,
        seen,
        literals_too,
    };
    let root = cx.copy_one(t, &mut into);
    while let Some(i) = cx.fix.pop() {
        let src = into.words[i];
        into.words[i] = cx.copy_one(src, &mut into);
    }
    Copied {
        term: root,
        block: into,
        off_heap,
    }
}

/// The state of one copy.
struct Cx<'c, 'a> {
    areas: &'c Areas<'a>,
    fix: &'c mut Vec<usize>,
    off_heap: &'c mut Vec<Addr>,
    bins: &'c mut BinaryArea,
    /// With sharing preserved: each source object copied so far (by its tagged source word), and its copy.
    seen: Option<&'c mut WordMap>,
    /// Whether literals are copied too (a decoded term) or left in place (a send's copy).
    literals_too: bool,
}

impl Cx<'_, '_> {
    fn copy_one(&mut self, t: Term, into: &mut Block) -> Term {
        if let Some(seen) = self.seen.as_deref() {
            if let Some(copy) = seen.get(t.0) {
                return Term(copy);
            }
        }
        let copy = copy_one(
            self.areas,
            t,
            into,
            (self.fix, self.off_heap),
            self.bins,
            self.literals_too,
        );
        if let Some(seen) = self.seen.as_deref_mut() {
            if t.pointee().is_some() {
                seen.insert(t.0, copy.0);
            }
        }
        copy
    }
}

/// Copies one cons cell or object verbatim to the end of `into`, queueing its term fields for fixing.
fn copy_one(
    areas: &Areas<'_>,
    t: Term,
    into: &mut Block,
    (fix, off_heap): (&mut Vec<usize>, &mut Vec<Addr>),
    bins: &mut BinaryArea,
    literals_too: bool,
) -> Term {
    let Some(addr) = t.pointee() else { return t };
    if addr.area() == LITERAL_AREA {
        // Even a decoded term shares the global empty tuple (`{}` decodes to `ERTS_GLOBAL_LIT_EMPTY_TUPLE`).
        let empty_tuple = areas.word(addr) == Term::header(HeaderTag::Arityval, 0);
        if !literals_too || empty_tuple {
            return t;
        }
    }
    let at = into.words.len();
    if t.primary_tag() == TAG_PRIMARY_LIST {
        into.words.push(areas.word(addr));
        into.words.push(areas.word(addr.add(1)));
        fix.push(at);
        fix.push(at + 1);
        return Term::list(into.addr(at as u64));
    }
    let header = areas.word(addr);
    if header.header_tag() == Some(HeaderTag::SubBinary) {
        return copy_sub_binary(areas, addr, into, off_heap, bins);
    }
    let size = object::object_size(header);
    for i in 0..size {
        into.words.push(areas.word(addr.add(i as u32)));
    }
    for field in object::term_fields(header) {
        fix.push(at + field as usize);
    }
    if header.header_tag() == Some(HeaderTag::RefcBinary) {
        let bin = BinId(into.words[at + 3].0 as u32);
        bins.retain(bin);
        off_heap.push(into.addr(at as u64));
    }
    Term::boxed(into.addr(at as u64))
}

/// Copies a sub-binary as `copy_struct` (`copy.c`, OTP 25) does: the bytes it covers become a new heap binary
/// (over a heap binary) or a new ProcBin pointing into the same off-heap binary; a view that is not a whole number
/// of bytes keeps a 5-word sub-binary on top.
fn copy_sub_binary(
    areas: &Areas<'_>,
    addr: Addr,
    into: &mut Block,
    off_heap: &mut Vec<Addr>,
    bins: &mut BinaryArea,
) -> Term {
    let sb = crate::bits::sub_bin_words(&|i| areas.word(addr.add(i as u32)));
    let extra_bytes = match sb.bitsize + sb.bitoffs {
        0 => 0,
        1..=8 => 1,
        _ => 2,
    };
    let real_size = sb.size + extra_bytes;
    let orig = sb.orig.pointee().expect("sub-binary points to a binary");
    let at = into.words.len();
    if areas.word(orig).header_tag() == Some(HeaderTag::RefcBinary) {
        let bin = BinId(areas.word(orig.add(3)).0 as u32);
        bins.retain(bin);
        into.words.extend_from_slice(&[
            Term::header(HeaderTag::RefcBinary, crate::term::PROC_BIN_SIZE - 1),
            Term(real_size),
            Term(0),
            Term(u64::from(bin.0)),
            Term(areas.word(orig.add(4)).0 + sb.offs),
            Term(0),
        ]);
        off_heap.push(into.addr(at as u64));
    } else {
        let n = areas.word(orig.add(1)).0 as usize;
        let mut bytes = alloc::vec::Vec::with_capacity(n.div_ceil(8) * 8);
        for i in 0..n.div_ceil(8) {
            bytes.extend_from_slice(&areas.word(orig.add(2 + i as u32)).0.to_le_bytes());
        }
        let start = sb.offs as usize;
        let piece = bytes.get(start..start + real_size as usize).unwrap_or(&[]);
        into.words.push(Term::header(
            HeaderTag::HeapBinary,
            1 + real_size.div_ceil(8),
        ));
        into.words.push(Term(real_size));
        for ch in piece.chunks(8) {
            let mut w = [0u8; 8];
            w[..ch.len()].copy_from_slice(ch);
            into.words.push(Term(u64::from_le_bytes(w)));
        }
    }
    let bin = Term::boxed(into.addr(at as u64));
    if extra_bytes == 0 {
        return bin;
    }
    let sub_at = into.words.len();
    into.words.extend_from_slice(&[
        Term::header(HeaderTag::SubBinary, crate::term::SUB_BIN_SIZE - 1),
        Term(sb.size),
        Term(0),
        Term(sb.bitsize | (sb.bitoffs << 8)),
        bin,
    ]);
    Term::boxed(into.addr(sub_at as u64))
}

/// Moves the contents of `frag` to `dest[at..]`, rewriting pointers into `frag` to point into `dest`.
/// Returns `t` rewritten the same way.
pub fn relocate(frag: &Block, dest: &mut Block, at: u64, t: Term) -> Term {
    let n = frag.words.len();
    dest.words[at as usize..at as usize + n].copy_from_slice(&frag.words);
    let (from_id, to) = (frag.id, dest.addr(at));
    let fixup = |w: Term| -> Term {
        match w.pointee() {
            Some(a) if a.area() == from_id => {
                let moved = to.add(a.offset());
                if w.primary_tag() == TAG_PRIMARY_LIST {
                    Term::list(moved)
                } else {
                    Term::boxed(moved)
                }
            }
            _ => w,
        }
    };
    crate::heap::for_each_term_field(&frag.words, 0, n, |i| {
        let w = dest.words[at as usize + i];
        dest.words[at as usize + i] = fixup(w);
    });
    fixup(t)
}
