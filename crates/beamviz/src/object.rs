//! The layout of boxed objects: how many words each takes and which of them hold terms.
//!
//! The collector, the heap walker and the verifier all need to know, given a header word,
//! how far the object extends and which of its words are pointers to follow.
//! ERTS spreads that knowledge over `erl_gc.c` (`sweep`), `copy.c` and `erl_term.h`; here it is in one place.
//!
//! Model: every header's arity is the number of words after it, also for maps
//! (ERTS keeps a HAMT node's bitmap in its header and computes a flatmap's size from its size word);
//! a map header carries its node kind in bits 38 and up (see [`MapKind`]).

use crate::term::{HeaderTag, Term};
use core::ops::Range;

/// The kind of a map object, kept in the upper bits of its header.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MapKind {
    /// A flatmap: header, size, keys-tuple pointer, then the values.
    Flat = 0,
    /// The root of a HAMT whose root is an array node: header, size, 16 children.
    HashHeadArray = 1,
    /// The root of a HAMT with a bitmap node: header, size, children.
    HashHeadBitmap = 2,
    /// An inner array node: header, 16 children.
    HashArray = 3,
    /// An inner bitmap node: header, children.
    HashBitmap = 4,
}

const MAP_KIND_SHIFT: u64 = 32;
const MAP_BITMAP_SHIFT: u64 = 36;
const ARITY_MASK: u64 = (1 << MAP_KIND_SHIFT) - 1;

/// A map header: `arity` words follow.
pub fn map_header(kind: MapKind, arity: u64) -> Term {
    Term::header(HeaderTag::Map, ((kind as u64) << MAP_KIND_SHIFT) | arity)
}

/// A HAMT bitmap node header: one child per set bit of `bitmap`, plus `extra` words (the size word of a root).
///
/// ERTS keeps the bitmap in the header's upper bits (`MAP_HEADER_HAMT_NODE_BITMAP`); so does the model.
pub fn map_bitmap_header(kind: MapKind, bitmap: u16, extra: u64) -> Term {
    let arity = extra + u64::from(bitmap.count_ones());
    Term::header(
        HeaderTag::Map,
        (u64::from(bitmap) << MAP_BITMAP_SHIFT) | ((kind as u64) << MAP_KIND_SHIFT) | arity,
    )
}

/// The bitmap of a HAMT bitmap node header (0xFFFF for an array node).
pub fn map_bitmap(header: Term) -> u16 {
    match map_kind(header) {
        MapKind::HashHeadArray | MapKind::HashArray => 0xFFFF,
        MapKind::Flat => 0,
        _ => (header.header_arity() >> MAP_BITMAP_SHIFT) as u16,
    }
}

/// The node kind of a map header.
pub fn map_kind(header: Term) -> MapKind {
    match (header.header_arity() >> MAP_KIND_SHIFT) & 0xF {
        0 => MapKind::Flat,
        1 => MapKind::HashHeadArray,
        2 => MapKind::HashHeadBitmap,
        3 => MapKind::HashArray,
        _ => MapKind::HashBitmap,
    }
}

/// The words after a header word.
pub fn arity(header: Term) -> u64 {
    match header.header_tag() {
        Some(HeaderTag::Map) => header.header_arity() & ARITY_MASK,
        _ => header.header_arity(),
    }
}

/// The total words of the object that starts with `header`, the header included.
pub fn object_size(header: Term) -> u64 {
    1 + arity(header)
}

/// Which words of the object (relative to the header) hold terms that the collector must follow.
pub fn term_fields(header: Term) -> Range<u64> {
    let size = object_size(header);
    match header.header_tag() {
        Some(HeaderTag::Arityval) => 1..size,
        // thing, entry, next, arity/num_free (raw); creator pid and the environment are terms.
        Some(HeaderTag::Fun) => 4..size,
        // thing, size, offs, bitsize/bitoffs/is_writable (raw); orig points to the ProcBin or heap binary.
        Some(HeaderTag::SubBinary) => 4..5,
        Some(HeaderTag::Map) => match map_kind(header) {
            MapKind::Flat | MapKind::HashHeadArray | MapKind::HashHeadBitmap => 2..size,
            MapKind::HashArray | MapKind::HashBitmap => 1..size,
        },
        // Match states keep their original binary at word 1.
        Some(HeaderTag::BinMatchstate) => 1..2,
        // Numbers, references, binaries and ProcBins hold raw data only.
        _ => 0..0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let tuple = Term::header(HeaderTag::Arityval, 3);
        assert_eq!((object_size(tuple), term_fields(tuple)), (4, 1..4));
        let procbin = Term::header(HeaderTag::RefcBinary, 5);
        assert_eq!((object_size(procbin), term_fields(procbin)), (6, 0..0));
        let node = map_header(MapKind::HashBitmap, 3);
        assert_eq!(
            (object_size(node), term_fields(node), map_kind(node)),
            (4, 1..4, MapKind::HashBitmap)
        );
    }
}
