//! Binaries and bitstrings as OTP 25 lays them out (`erl_binary.h`, `erl_bits.h`, `erl_bits.c`).
//!
//! - A heap binary (at most 64 bytes): header, byte size, then the bytes, 8 to a word.
//! - A ProcBin (the handle of an off-heap binary of more than 64 bytes): header, size, next, val, bytes, flags.
//!   Here `val` holds the binary's id and `bytes` the byte offset of the handle's data in it.
//! - A sub-binary (5 words): header, byte size, byte offset, a packed word (bit size, bit offset, writable),
//!   and a pointer to the heap binary or ProcBin it is a view of. A bitstring whose length is not a whole
//!   number of bytes is always a sub-binary.
//!
//! OTP 25 copies a whole-byte piece of at most 64 bytes into a fresh heap binary (`erts_extract_sub_binary`);
//! any other piece is a sub-binary of the real binary.

use crate::build::{BuildError, Store};
use crate::object;
use crate::term::{HeaderTag, Term, ONHEAP_BIN_LIMIT, PROC_BIN_SIZE, SUB_BIN_SIZE};
use alloc::vec;
use alloc::vec::Vec;

/// The fields of a sub-binary.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SubBin {
    /// Whole bytes of the view.
    pub size: u64,
    /// Byte offset into the real binary.
    pub offs: u64,
    /// Extra bits after the whole bytes (0–7).
    pub bitsize: u64,
    /// Bit offset (0–7) added to the byte offset.
    pub bitoffs: u64,
    /// The real binary: a heap binary or a ProcBin.
    pub orig: Term,
}

/// Reads the fields of a sub-binary.
pub fn sub_bin(s: &Store<'_>, t: Term) -> Option<SubBin> {
    (s.tag(t)? == HeaderTag::SubBinary).then(|| sub_bin_words(&|i| s.field(t, i)))
}

/// Reads the fields of a sub-binary given a word reader (word 0 is the header).
pub fn sub_bin_words(word: &dyn Fn(u64) -> Term) -> SubBin {
    let packed = word(3).0;
    SubBin {
        size: word(1).0,
        offs: word(2).0,
        bitsize: packed & 0xFF,
        bitoffs: (packed >> 8) & 0xFF,
        orig: word(4),
    }
}

fn heap_bin(s: &mut Store<'_>, bytes: &[u8]) -> Result<Term, BuildError> {
    let mut words = Vec::with_capacity(2 + bytes.len().div_ceil(8));
    words.push(Term::header(
        HeaderTag::HeapBinary,
        1 + bytes.len().div_ceil(8) as u64,
    ));
    words.push(Term(bytes.len() as u64));
    for ch in bytes.chunks(8) {
        let mut w = [0u8; 8];
        w[..ch.len()].copy_from_slice(ch);
        words.push(Term(u64::from_le_bytes(w)));
    }
    s.boxed(&words)
}

/// A binary of `bytes`: a heap binary up to 64 bytes, else a new off-heap binary and its ProcBin.
///
/// # Errors
/// [`BuildError::TooLarge`].
pub fn make_binary(s: &mut Store<'_>, bytes: &[u8]) -> Result<Term, BuildError> {
    if bytes.len() as u64 <= ONHEAP_BIN_LIMIT {
        return heap_bin(s, bytes);
    }
    let id = s.payloads.len() as u64;
    s.payloads.push(bytes.to_vec());
    let at = s.frag.words.len() as u64;
    let t = s.boxed(&[
        Term::header(HeaderTag::RefcBinary, PROC_BIN_SIZE - 1),
        Term(bytes.len() as u64),
        Term(0),
        Term(id),
        Term(0),
        Term(0),
    ])?;
    s.new_bins.push(at);
    Ok(t)
}

/// A bitstring of `bits` bits from `bytes` (the last byte's low bits unused): a binary when `bits` is a multiple
/// of 8, else a binary of the rounded-up bytes wrapped in a sub-binary, as compiled code builds `<<I:N>>`.
///
/// # Errors
/// [`BuildError::TooLarge`].
pub fn make_bitstring(s: &mut Store<'_>, bytes: &[u8], bits: u64) -> Result<Term, BuildError> {
    let whole = (bits / 8) as usize;
    if bits % 8 == 0 {
        return make_binary(s, &bytes[..whole]);
    }
    let orig = make_binary(s, &bytes[..whole + 1])?;
    sub_binary_of(s, orig, 0, bits)
}

fn sub_binary_of(
    s: &mut Store<'_>,
    orig: Term,
    bit_offset: u64,
    bits: u64,
) -> Result<Term, BuildError> {
    s.boxed(&[
        Term::header(HeaderTag::SubBinary, SUB_BIN_SIZE - 1),
        Term(bits / 8),
        Term(bit_offset / 8),
        Term((bits % 8) | ((bit_offset % 8) << 8)),
        orig,
    ])
}

/// The real binary under `t` and the bit offset of `t` in it.
fn real_binary(s: &Store<'_>, t: Term) -> Option<(Term, u64)> {
    match s.tag(t)? {
        HeaderTag::HeapBinary | HeaderTag::RefcBinary => Some((t, 0)),
        HeaderTag::SubBinary => {
            let sb = sub_bin(s, t)?;
            Some((sb.orig, sb.offs * 8 + sb.bitoffs))
        }
        _ => None,
    }
}

/// A piece of the bitstring `t`: `bits` bits from `bit_offset` (`erts_extract_sub_binary`, OTP 25):
/// a whole number of bytes, at most 64, is copied into a heap binary; anything else is a sub-binary.
///
/// # Errors
/// [`BuildError::TooLarge`].
pub fn extract(s: &mut Store<'_>, t: Term, bit_offset: u64, bits: u64) -> Result<Term, BuildError> {
    if bits % 8 == 0 && bits / 8 <= ONHEAP_BIN_LIMIT {
        let (all, _) = bits_of(s, t).unwrap_or_default();
        let piece = copy_bits(&all, bit_offset, bits);
        return heap_bin(s, &piece);
    }
    let (orig, base) = real_binary(s, t).unwrap_or((t, 0));
    sub_binary_of(s, orig, base + bit_offset, bits)
}

/// `bits` bits of `src` from bit `from`, packed from the first byte's high bit.
pub fn copy_bits(src: &[u8], from: u64, bits: u64) -> Vec<u8> {
    let mut out = vec![0u8; bits.div_ceil(8) as usize];
    if from % 8 == 0 {
        let start = (from / 8) as usize;
        let n = out.len();
        if let Some(sl) = src.get(start..start + n) {
            out.copy_from_slice(sl);
        }
        if bits % 8 != 0 {
            if let Some(last) = out.last_mut() {
                *last &= 0xFFu8 << (8 - bits % 8);
            }
        }
        return out;
    }
    for i in 0..bits {
        let b = from + i;
        let bit = src
            .get((b / 8) as usize)
            .map_or(0, |byte| (byte >> (7 - b % 8)) & 1);
        out[(i / 8) as usize] |= bit << (7 - i % 8);
    }
    out
}

fn binary_bytes(s: &Store<'_>, bin: Term) -> Option<Vec<u8>> {
    let h = s.header(bin)?;
    match h.header_tag()? {
        HeaderTag::HeapBinary => {
            let n = s.field(bin, 1).0 as usize;
            let mut out = Vec::with_capacity(n);
            for i in 0..n.div_ceil(8) {
                out.extend_from_slice(&s.field(bin, 2 + i as u64).0.to_le_bytes());
            }
            out.truncate(n);
            Some(out)
        }
        HeaderTag::RefcBinary => {
            let n = s.field(bin, 1).0 as usize;
            let offset = s.field(bin, 4).0 as usize;
            let in_frag = bin.pointee()?.area() == s.frag.id;
            let payload = if in_frag {
                s.payloads.get(s.field(bin, 3).0 as usize)
            } else {
                None
            };
            Some(match payload {
                Some(p) => p.get(offset..offset + n).map_or(vec![0; n], <[u8]>::to_vec),
                // Model: payloads of binaries made by earlier statements are not kept.
                None => vec![0; n],
            })
        }
        _ => None,
    }
}

/// The bits of a bitstring term: its bytes (the last one padded with zero bits) and its length in bits.
pub fn bits_of(s: &Store<'_>, t: Term) -> Option<(Vec<u8>, u64)> {
    match s.tag(t)? {
        HeaderTag::HeapBinary | HeaderTag::RefcBinary => {
            let b = binary_bytes(s, t)?;
            let n = b.len() as u64 * 8;
            Some((b, n))
        }
        HeaderTag::SubBinary => {
            let sb = sub_bin(s, t)?;
            let all = binary_bytes(s, sb.orig)?;
            let bits = sb.size * 8 + sb.bitsize;
            Some((copy_bits(&all, sb.offs * 8 + sb.bitoffs, bits), bits))
        }
        _ => None,
    }
}

/// Whether `t` is a bitstring (any binary kind).
pub fn is_bitstring(s: &Store<'_>, t: Term) -> bool {
    matches!(
        s.tag(t),
        Some(HeaderTag::HeapBinary | HeaderTag::RefcBinary | HeaderTag::SubBinary)
    )
}

/// `size_object` of a sub-binary (`copy.c`, OTP 25): what a copy would take.
/// A whole-byte view of an off-heap binary becomes a new ProcBin (6); a view of a heap binary becomes a heap
/// binary of its bytes; a view that is not whole bytes also keeps a 5-word sub-binary.
pub fn sub_bin_flat_size(sb: &SubBin, orig_header: Term) -> u64 {
    let (extra_bytes, sub) = match sb.bitsize + sb.bitoffs {
        0 => (0, 0),
        1..=8 => (1, SUB_BIN_SIZE),
        _ => (2, SUB_BIN_SIZE),
    };
    let data = if orig_header.header_tag() == Some(HeaderTag::RefcBinary) {
        PROC_BIN_SIZE
    } else {
        crate::term::heap_bin_words(sb.size + extra_bytes)
    };
    let _ = object::arity;
    sub + data
}
