//! Building terms into a heap fragment, the way BIFs and compiled code allocate them (`HAlloc`, `erts_heap_alloc`).
//!
//! A [`Store`] owns a fresh fragment [`Block`] and a copy of the literal area, and reads the blocks of the process
//! the terms may point into (its heaps and fragments).
//! New objects go to the end of the fragment; a pointer to an existing term is kept, never copied,
//! so a subterm bound once and used twice is one object, as on a real heap.
//!
//! Model: the payload of an off-heap binary is kept only for binaries created in this store
//! (in [`Store::payloads`]); a binary made by an earlier statement reads as zero bytes.

use crate::copy::Areas;
use crate::heap::{Block, LITERAL_AREA};
use crate::object;
use crate::term::{Addr, AreaId, Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use alloc::vec::Vec;

/// Why a term could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BuildError {
    /// The fragment would exceed [`MAX_FRAGMENT_WORDS`].
    TooLarge,
}

/// The most words one evaluation may allocate (a guard against runaway expressions): the VM's own limit on a
/// term (`vm::MAX_TERM_WORDS`), since a larger result could never be installed, and building it costs seconds.
pub const MAX_FRAGMENT_WORDS: usize = 1 << 24;

/// A fragment under construction, with read access to the terms it may point to.
pub struct Store<'a> {
    /// The blocks of the process (heaps, fragments): read only.
    areas: Areas<'a>,
    /// The new words.
    pub frag: Block,
    /// The literal area, extended with the literals this evaluation created.
    pub literals: Block,
    /// The ProcBins created in the fragment (offsets), whose off-heap binaries must be created on install.
    pub new_bins: Vec<u64>,
    /// Payloads of the off-heap binaries created here, indexed by the number in the ProcBin's `val` word.
    pub payloads: Vec<Vec<u8>>,
}

impl<'a> Store<'a> {
    /// A store building into a fresh block with id `frag_id`, reading `areas` and starting from `literals`.
    pub fn new(areas: Areas<'a>, literals: Block, frag_id: AreaId) -> Store<'a> {
        Store {
            areas,
            frag: Block::new(frag_id, 0),
            literals,
            new_bins: Vec::new(),
            payloads: Vec::new(),
        }
    }

    /// The blocks of the process plus the fragment and the literal area: everything a built term can reach.
    pub fn all_areas(&self) -> Areas<'_> {
        let mut blocks = self.areas.blocks().to_vec();
        blocks.retain(|b| b.id != LITERAL_AREA);
        blocks.push(&self.frag);
        blocks.push(&self.literals);
        Areas::new(blocks)
    }

    /// The word at `addr`.
    pub fn word(&self, addr: Addr) -> Term {
        if addr.area() == self.frag.id {
            self.frag.words[addr.offset() as usize]
        } else if addr.area() == LITERAL_AREA {
            self.literals.words[addr.offset() as usize]
        } else {
            self.areas.word(addr)
        }
    }

    /// The header of the boxed term `t`, if it is boxed.
    pub fn header(&self, t: Term) -> Option<Term> {
        match t.decode() {
            Decoded::Boxed(a) => Some(self.word(a)),
            _ => None,
        }
    }

    /// The tag of the boxed term `t`.
    pub fn tag(&self, t: Term) -> Option<HeaderTag> {
        self.header(t).and_then(Term::header_tag)
    }

    /// Word `i` of the boxed object `t` (0 is the header).
    pub fn field(&self, t: Term, i: u64) -> Term {
        let a = t.pointee().expect("boxed");
        self.word(a.add(i as u32))
    }

    /// Head and tail of the cons cell `t`, if it is one.
    pub fn cons_parts(&self, t: Term) -> Option<(Term, Term)> {
        if t.primary_tag() == TAG_PRIMARY_LIST {
            let a = t.pointee()?;
            Some((self.word(a), self.word(a.add(1))))
        } else {
            None
        }
    }

    /// Allocates `words` as one object in the fragment; returns its address.
    ///
    /// # Errors
    /// [`BuildError::TooLarge`] past [`MAX_FRAGMENT_WORDS`].
    pub fn alloc(&mut self, words: &[Term]) -> Result<Addr, BuildError> {
        if self.frag.words.len() + words.len() > MAX_FRAGMENT_WORDS {
            return Err(BuildError::TooLarge);
        }
        let at = self.frag.words.len() as u64;
        self.frag.words.extend_from_slice(words);
        Ok(self.frag.addr(at))
    }

    /// Allocates a boxed object.
    ///
    /// # Errors
    /// [`BuildError::TooLarge`].
    pub fn boxed(&mut self, words: &[Term]) -> Result<Term, BuildError> {
        self.alloc(words).map(Term::boxed)
    }

    /// Allocates a cons cell.
    ///
    /// # Errors
    /// [`BuildError::TooLarge`].
    pub fn cons(&mut self, head: Term, tail: Term) -> Result<Term, BuildError> {
        self.alloc(&[head, tail]).map(Term::list)
    }

    /// A proper list of `items` ending in `tail`.
    ///
    /// # Errors
    /// [`BuildError::TooLarge`].
    pub fn list(&mut self, items: &[Term], tail: Term) -> Result<Term, BuildError> {
        let mut list = tail;
        for &t in items.iter().rev() {
            list = self.cons(t, list)?;
        }
        Ok(list)
    }

    /// A tuple; `{}` is the global literal.
    ///
    /// # Errors
    /// [`BuildError::TooLarge`].
    pub fn tuple(&mut self, items: &[Term]) -> Result<Term, BuildError> {
        if items.is_empty() {
            return Ok(self.empty_tuple());
        }
        let mut words = Vec::with_capacity(items.len() + 1);
        words.push(Term::header(HeaderTag::Arityval, items.len() as u64));
        words.extend_from_slice(items);
        self.boxed(&words)
    }

    /// `{}`: a global literal in OTP 25 (`erl_global_literals.h`), one object of the literal area.
    pub fn empty_tuple(&mut self) -> Term {
        crate::heap::empty_tuple(&mut self.literals)
    }

    /// Copies the term `t` (built in the fragment) into the literal area, flat, and returns the literal.
    pub fn to_literal(&mut self, t: Term) -> Term {
        let Some(addr) = t.pointee() else { return t };
        if addr.area() == LITERAL_AREA {
            return t;
        }
        // `{}` is always the first object of the literal area (see `empty_tuple`): reserve it before any other.
        self.empty_tuple();
        let at = self.literals.words.len() as u64;
        if t.primary_tag() == TAG_PRIMARY_LIST {
            let (h, tl) = (self.word(addr), self.word(addr.add(1)));
            self.literals.words.push(Term::NIL);
            self.literals.words.push(Term::NIL);
            let h = self.to_literal(h);
            let tl = self.to_literal(tl);
            self.literals.words[at as usize] = h;
            self.literals.words[at as usize + 1] = tl;
            return Term::list(self.literals.addr(at));
        }
        let header = self.word(addr);
        let size = object::object_size(header);
        for i in 0..size {
            let w = self.word(addr.add(i as u32));
            self.literals.words.push(w);
        }
        for f in object::term_fields(header) {
            let w = self.literals.words[(at + f) as usize];
            let w = self.to_literal(w);
            self.literals.words[(at + f) as usize] = w;
        }
        Term::boxed(self.literals.addr(at))
    }

    /// The elements of a tuple.
    pub fn tuple_elems(&self, t: Term) -> Option<Vec<Term>> {
        let h = self.header(t)?;
        if h.header_tag() != Some(HeaderTag::Arityval) {
            return None;
        }
        let a = t.pointee()?;
        Some(
            (1..=object::arity(h))
                .map(|i| self.word(a.add(i as u32)))
                .collect(),
        )
    }

    /// The elements of a proper list, or `None` for an improper one or a non-list.
    pub fn list_elems(&self, t: Term) -> Option<Vec<Term>> {
        let mut out = Vec::new();
        let mut cur = t;
        loop {
            if cur == Term::NIL {
                return Some(out);
            }
            let (h, tl) = self.cons_parts(cur)?;
            out.push(h);
            cur = tl;
        }
    }
}
