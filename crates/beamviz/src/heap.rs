//! Memory blocks: the young heap with its stack, the old heap, heap fragments.
//!
//! ERTS allocates each of these with `erts_alloc` (the `eheap_alloc` allocator).
//! The model gives each block an [`AreaId`] of its own, never reused, so that a pointer names the block it points into
//! and a pointer into a freed block is caught by the verifier instead of silently aliasing a newer block.

use crate::object;
use crate::term::{Addr, AreaId, Term};
use alloc::vec;
use alloc::vec::Vec;

/// One block of words.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Block {
    /// The area id that pointers into this block carry.
    pub id: AreaId,
    /// The words. Free words hold 0.
    pub words: Vec<Term>,
}

impl Block {
    /// A block of `size` free words.
    pub fn new(id: AreaId, size: u64) -> Block {
        Block {
            id,
            words: vec![Term(0); size as usize],
        }
    }

    /// The number of words in the block.
    pub fn size(&self) -> u64 {
        self.words.len() as u64
    }

    /// The address of word `offset`.
    pub fn addr(&self, offset: u64) -> Addr {
        Addr::new(self.id, offset as u32)
    }

    /// Whether `addr` lies in this block.
    pub fn contains(&self, addr: Addr) -> bool {
        addr.area() == self.id && (addr.offset() as u64) < self.size()
    }

    /// The word at `addr`, which must lie in this block.
    pub fn at(&self, addr: Addr) -> Term {
        self.words[addr.offset() as usize]
    }
}

/// Hands out area ids. Part of the VM state, so a cloned VM continues the same sequence.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AreaIds {
    next: u32,
}

/// The area that holds literals (module constants such as `#{}` or `math:pi()`): shared, never collected.
pub const LITERAL_AREA: AreaId = AreaId(1);

impl Default for AreaIds {
    fn default() -> Self {
        AreaIds { next: 2 }
    }
}

impl AreaIds {
    /// A fresh id.
    pub fn fresh(&mut self) -> AreaId {
        let id = AreaId(self.next);
        self.next += 1;
        id
    }
    /// The id [`AreaIds::fresh`] will hand out next, without taking it.
    pub fn peek(&self) -> AreaId {
        AreaId(self.next)
    }
    /// A fresh block of `size` free words.
    pub fn block(&mut self, size: u64) -> Block {
        Block::new(self.fresh(), size)
    }
}

/// Calls `visit(word_index)` for every word of `words[start..end]` that holds a term the collector follows:
/// both words of a cons cell and the term fields of each boxed object (see [`object::term_fields`]).
///
/// A heap is walked the way ERTS walks it: a header word starts a boxed object, any other word starts a cons cell.
pub fn for_each_term_field(words: &[Term], start: usize, end: usize, mut visit: impl FnMut(usize)) {
    let mut pos = start;
    while pos < end {
        let word = words[pos];
        if word.header_tag().is_some() {
            let size = object::object_size(word) as usize;
            for field in object::term_fields(word) {
                visit(pos + field as usize);
            }
            pos += size;
        } else {
            visit(pos);
            visit(pos + 1);
            pos += 2;
        }
    }
}

/// `{}` in the literal area `literals`: OTP 25 has one global empty tuple, so the model keeps one too.
/// It is the literal area's first object when `{}` was the first literal made; otherwise it is found among the
/// literal area's objects, or appended. (Assuming word 0 is `{}` made a later `{}` point at whatever literal
/// came first, such as the `<<7>>` of `binary:copy(<<7>>, 100)`.)
pub fn empty_tuple(literals: &mut Block) -> Term {
    let empty = Term::header(crate::term::HeaderTag::Arityval, 0);
    let mut pos = 0;
    while pos < literals.words.len() {
        let word = literals.words[pos];
        if word == empty {
            return Term::boxed(literals.addr(pos as u64));
        }
        pos += if word.header_tag().is_some() {
            object::object_size(word) as usize
        } else {
            2
        };
    }
    let at = literals.words.len() as u64;
    literals.words.push(empty);
    Term::boxed(literals.addr(at))
}
