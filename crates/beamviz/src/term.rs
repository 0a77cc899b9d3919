//! Terms as 64-bit BEAM words, tagged exactly as `erl_term.h` (OTP 25) tags them.
//!
//! A [`Term`] is one machine word.
//! The two low bits are the primary tag: a header (the first word of a boxed object),
//! a list (cons) pointer, a boxed pointer, or an immediate.
//! Immediates carry a further 4- or 6-bit tag: small integers, pids, ports, atoms, `[]`.
//! Boxed objects start with a header word whose low 6 bits name the kind (tuple, float,
//! bignum, binary, fun, map, …) and whose upper bits hold the arity: the number of words that follow.
//!
//! Model: pointers hold word addresses of the model's address space ([`Addr`]) times 8,
//! which is what a byte address looks like on a 64-bit machine, so the low three bits are free for tags as in ERTS.

use core::fmt;

/// A word address in the model's address space: an area id in the upper 32 bits, an offset in the lower.
///
/// Real ERTS uses byte addresses into malloc'ed blocks; the model gives every block (heap, old heap,
/// heap fragment, literal area, ETS object) its own area id so that a pointer names its block directly.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Addr(pub u64);

/// The id of one memory area (a heap block, an old heap, a heap fragment, …).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct AreaId(pub u32);

impl Addr {
    /// The address of word `offset` of area `area`.
    pub const fn new(area: AreaId, offset: u32) -> Addr {
        Addr(((area.0 as u64) << 32) | offset as u64)
    }
    /// The area this address lies in.
    pub const fn area(self) -> AreaId {
        AreaId((self.0 >> 32) as u32)
    }
    /// The word offset inside the area.
    pub const fn offset(self) -> u32 {
        self.0 as u32
    }
    /// The address `n` words further on.
    pub const fn add(self, n: u32) -> Addr {
        Addr(self.0 + n as u64)
    }
}

/// Primary tags (2 bits).
pub const TAG_PRIMARY_HEADER: u64 = 0x0;
/// Primary tag of a cons (list) pointer.
pub const TAG_PRIMARY_LIST: u64 = 0x1;
/// Primary tag of a boxed pointer.
pub const TAG_PRIMARY_BOXED: u64 = 0x2;
/// Primary tag of an immediate.
pub const TAG_PRIMARY_IMMED1: u64 = 0x3;

const CP_SUBTAG: u64 = 0x2C;
const TAG_IMMED1_PID: u64 = 0x3;
const TAG_IMMED1_PORT: u64 = 0x7;
const TAG_IMMED1_SMALL: u64 = 0xF;
const TAG_IMMED2_ATOM: u64 = 0x0B;
const TAG_IMMED2_CATCH: u64 = 0x1B;
const TAG_IMMED2_NIL: u64 = 0x3B;

/// The smallest small integer on a 64-bit BEAM: −2^59.
pub const MIN_SMALL: i64 = -(1 << 59);
/// The largest small integer on a 64-bit BEAM: 2^59 − 1.
pub const MAX_SMALL: i64 = (1 << 59) - 1;

/// Header subtags (6 bits, the primary tag 00 included), from `erl_term.h`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum HeaderTag {
    /// A tuple: the arity follows.
    Arityval = 0x00,
    /// A binary match state.
    BinMatchstate = 0x04,
    /// A positive bignum.
    PosBig = 0x08,
    /// A negative bignum.
    NegBig = 0x0C,
    /// A local reference.
    Ref = 0x10,
    /// A local fun (closure).
    Fun = 0x14,
    /// A float.
    Float = 0x18,
    /// An export fun (`fun M:F/A`).
    Export = 0x1C,
    /// A `ProcBin`: the on-heap handle of a reference-counted (off-heap) binary.
    RefcBinary = 0x20,
    /// A heap binary (at most 64 bytes).
    HeapBinary = 0x24,
    /// A sub-binary.
    SubBinary = 0x28,
    /// An external pid.
    ExternalPid = 0x30,
    /// An external port.
    ExternalPort = 0x34,
    /// An external reference.
    ExternalRef = 0x38,
    /// A map (flatmap or HAMT node).
    Map = 0x3C,
}

impl HeaderTag {
    fn from_bits(bits: u64) -> Option<HeaderTag> {
        use HeaderTag::*;
        Some(match bits & 0x3F {
            0x00 => Arityval,
            0x04 => BinMatchstate,
            0x08 => PosBig,
            0x0C => NegBig,
            0x10 => Ref,
            0x14 => Fun,
            0x18 => Float,
            0x1C => Export,
            0x20 => RefcBinary,
            0x24 => HeapBinary,
            0x28 => SubBinary,
            0x30 => ExternalPid,
            0x34 => ExternalPort,
            0x38 => ExternalRef,
            0x3C => Map,
            _ => return None,
        })
    }
}

/// One BEAM word.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Term(pub u64);

/// What a word is, decoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decoded {
    /// A small integer.
    Small(i64),
    /// An atom, by atom-table index.
    Atom(u32),
    /// `[]`.
    Nil,
    /// A local pid, by process number.
    Pid(u64),
    /// A local port, by port number.
    Port(u64),
    /// A catch tag (stack only).
    Catch(u64),
    /// A pointer to a cons cell.
    List(Addr),
    /// A pointer to a boxed object.
    Boxed(Addr),
    /// A header word: the first word of a boxed object.
    Header(HeaderTag, u64),
    /// A continuation pointer on the stack, or a header with an unknown subtag.
    Cp(u64),
}

impl Term {
    /// `[]`.
    pub const NIL: Term = Term(TAG_IMMED2_NIL);
    /// `THE_NON_VALUE` on a non-debug 64-bit build: 0. A moved cons cell has it in its head.
    pub const NON_VALUE: Term = Term(0);

    /// A small integer.
    ///
    /// # Panics
    /// When `n` is outside −2^59…2^59−1 (callers make a bignum then).
    pub fn small(n: i64) -> Term {
        assert!(
            (MIN_SMALL..=MAX_SMALL).contains(&n),
            "small integer out of range: {n}"
        );
        Term(((n as u64) << 4) | TAG_IMMED1_SMALL)
    }
    /// An atom with atom-table index `index`.
    pub const fn atom(index: u32) -> Term {
        Term(((index as u64) << 6) | TAG_IMMED2_ATOM)
    }
    /// A local pid with process number `number`.
    pub const fn pid(number: u64) -> Term {
        Term((number << 4) | TAG_IMMED1_PID)
    }
    /// A local port with port number `number`.
    pub const fn port(number: u64) -> Term {
        Term((number << 4) | TAG_IMMED1_PORT)
    }
    /// A pointer to the cons cell at `addr`.
    pub const fn list(addr: Addr) -> Term {
        Term((addr.0 << 3) | TAG_PRIMARY_LIST)
    }
    /// A pointer to the boxed object at `addr`.
    pub const fn boxed(addr: Addr) -> Term {
        Term((addr.0 << 3) | TAG_PRIMARY_BOXED)
    }
    /// A header word: `arity` words follow it.
    pub const fn header(tag: HeaderTag, arity: u64) -> Term {
        Term((arity << 6) | tag as u64)
    }
    /// A continuation pointer (a return address) on the stack.
    ///
    /// Model: ERTS stores a raw code address, whose low bits are 00 like a header's.
    /// The model stores `0x2C` in the subtag bits, a header subtag OTP 25 does not use,
    /// so a CP is never mistaken for an object.
    pub const fn cp(label: u64) -> Term {
        Term((label << 6) | CP_SUBTAG)
    }

    /// The primary tag (2 bits).
    pub const fn primary_tag(self) -> u64 {
        self.0 & 0x3
    }
    /// Whether this word is a list or boxed pointer.
    pub const fn is_pointer(self) -> bool {
        matches!(self.0 & 0x3, TAG_PRIMARY_LIST | TAG_PRIMARY_BOXED)
    }
    /// Whether this word is an immediate (needs no heap space).
    pub const fn is_immediate(self) -> bool {
        self.0 & 0x3 == TAG_PRIMARY_IMMED1
    }
    /// The address a list or boxed pointer points to.
    pub const fn pointee(self) -> Option<Addr> {
        if self.is_pointer() {
            Some(Addr(self.0 >> 3))
        } else {
            None
        }
    }
    /// The arity of a header word (the number of words after it).
    pub const fn header_arity(self) -> u64 {
        self.0 >> 6
    }
    /// The subtag of a header word.
    pub fn header_tag(self) -> Option<HeaderTag> {
        if self.0 & 0x3 == TAG_PRIMARY_HEADER {
            HeaderTag::from_bits(self.0)
        } else {
            None
        }
    }

    /// Decodes the word.
    pub fn decode(self) -> Decoded {
        let w = self.0;
        match w & 0x3 {
            TAG_PRIMARY_HEADER => match HeaderTag::from_bits(w) {
                Some(tag) => Decoded::Header(tag, w >> 6),
                None => Decoded::Cp(w >> 6),
            },
            TAG_PRIMARY_LIST => Decoded::List(Addr(w >> 3)),
            TAG_PRIMARY_BOXED => Decoded::Boxed(Addr(w >> 3)),
            _ => match w & 0xF {
                TAG_IMMED1_SMALL => Decoded::Small((w as i64) >> 4),
                TAG_IMMED1_PID => Decoded::Pid(w >> 4),
                TAG_IMMED1_PORT => Decoded::Port(w >> 4),
                _ => match w & 0x3F {
                    TAG_IMMED2_ATOM => Decoded::Atom((w >> 6) as u32),
                    TAG_IMMED2_CATCH => Decoded::Catch(w >> 6),
                    _ => Decoded::Nil,
                },
            },
        }
    }
}

impl fmt::Debug for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decode() {
            Decoded::Small(n) => write!(f, "{n}"),
            Decoded::Atom(i) => write!(f, "atom#{i}"),
            Decoded::Nil => f.write_str("[]"),
            Decoded::Pid(n) => write!(f, "<0.{n}.0>"),
            Decoded::Port(n) => write!(f, "#Port<0.{n}>"),
            Decoded::Catch(n) => write!(f, "catch#{n}"),
            Decoded::List(a) => write!(f, "list@{:x}", a.0),
            Decoded::Boxed(a) => write!(f, "boxed@{:x}", a.0),
            Decoded::Header(t, n) => write!(f, "header({t:?},{n})"),
            Decoded::Cp(n) => write!(f, "cp#{n}"),
        }
    }
}

/// Words of the heap-binary header part: the header and the byte size (`ErlHeapBin`).
pub const HEAP_BIN_HEADER_WORDS: u64 = 2;
/// The largest binary stored on the process heap (`ERL_ONHEAP_BIN_LIMIT`).
pub const ONHEAP_BIN_LIMIT: u64 = 64;
/// Words of a `ProcBin`: thing word, size, next, val, bytes, flags (`PROC_BIN_SIZE`).
pub const PROC_BIN_SIZE: u64 = 6;
/// Words of a sub-binary (`ERL_SUB_BIN_SIZE`).
pub const SUB_BIN_SIZE: u64 = 5;
/// Words of a float (`FLOAT_SIZE_OBJECT`).
pub const FLOAT_SIZE: u64 = 2;

/// The heap words a binary of `bytes` bytes takes when it is a heap binary.
pub const fn heap_bin_words(bytes: u64) -> u64 {
    HEAP_BIN_HEADER_WORDS + bytes.div_ceil(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates_round_trip() {
        for n in [0, 1, -1, MAX_SMALL, MIN_SMALL, 42] {
            assert_eq!(Term::small(n).decode(), Decoded::Small(n));
        }
        assert_eq!(Term::atom(7).decode(), Decoded::Atom(7));
        assert_eq!(Term::NIL.decode(), Decoded::Nil);
        assert_eq!(Term::pid(5).decode(), Decoded::Pid(5));
        assert_eq!(Term::NIL.0, 0x3B, "NIL is 0x3B as in erl_term.h");
    }

    #[test]
    fn pointers_and_headers_round_trip() {
        let a = Addr::new(AreaId(3), 17);
        assert_eq!(Term::list(a).decode(), Decoded::List(a));
        assert_eq!(Term::boxed(a).decode(), Decoded::Boxed(a));
        assert_eq!(
            Term::header(HeaderTag::Arityval, 3).decode(),
            Decoded::Header(HeaderTag::Arityval, 3)
        );
        assert_eq!(Term::header(HeaderTag::RefcBinary, 5).0, (5 << 6) | 0x20);
        assert_eq!(Term::cp(9).decode(), Decoded::Cp(9));
        assert_eq!(heap_bin_words(64), 10);
        assert_eq!(heap_bin_words(0), 2);
    }
}
