//! Maps (`erl_map.c`, `erl_map.h`): flatmaps up to 32 keys, HAMT hashmaps beyond, and the internal hash that
//! places a key in a HAMT (`make_internal_hash`, `utils.c`).
//!
//! A flatmap is header, size, a pointer to a keys tuple, then the values in key order: 3 + n words plus the
//! (n + 1)-word keys tuple, which updates of the same map share.
//! A hashmap is a tree of nodes indexed by 4 bits of the key's 32-bit hash per level: a root (header, size,
//! children: 18 words as a full array node, 2 + c as a bitmap node), inner nodes (17 or 1 + c), and leaves that are
//! cons cells `[Key|Value]`. Past 8 levels the hash is redone salted with the level (`hashmap_restore_hash`).
//!
//! Model: atoms, pids and ports hash by their raw word, as in ERTS; since the model's atom table is not the real
//! VM's, a hashmap with atom keys can be laid out differently from the real one (see docs/known-differences.md).

use crate::bits;
use crate::build::{BuildError, Store};
use crate::object::{self, map_bitmap_header, map_header, MapKind};
use crate::term::{Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use alloc::vec::Vec;

/// `MAP_SMALL_MAP_LIMIT`: the most keys a flatmap holds.
pub const MAP_SMALL_MAP_LIMIT: usize = 32;

const HCONST: u32 = 0x9e37_79b9;
const HCONST_4: u32 = 0x78dd_e6e4;
const HCONST_9: u32 = 0x8ff3_4781;
const HCONST_10: u32 = 0x2e2a_c13a;
const HCONST_11: u32 = 0xcc62_3af3;
const HCONST_12: u32 = 0x6a99_b4ac;
const HCONST_13: u32 = 0x08d1_2e65;
const HCONST_15: u32 = 0x4540_21d7;
const HCONST_16: u32 = 0xe377_9b90;
const HCONST_17: u32 = 0x81af_1549;
const HCONST_18: u32 = 0x1fe6_8f02;
const HCONST_22: u32 = 0x98c4_75e6;

/// `INTERNAL_HASH_SALT`, xor-ed into the salt (a 32-bit prime, so the hash differs from `phash2`). Checked
/// against OTP 25.2.3: with it, HAMT sizes for 33–1000 integer keys match the measured ones exactly.
const INTERNAL_HASH_SALT: u32 = 3_432_918_353;

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*b).wrapping_sub(*c) ^ (*c >> 13);
    *b = b.wrapping_sub(*c).wrapping_sub(*a) ^ (*a << 8);
    *c = c.wrapping_sub(*a).wrapping_sub(*b) ^ (*b >> 13);
    *a = a.wrapping_sub(*b).wrapping_sub(*c) ^ (*c >> 12);
    *b = b.wrapping_sub(*c).wrapping_sub(*a) ^ (*a << 16);
    *c = c.wrapping_sub(*a).wrapping_sub(*b) ^ (*b >> 5);
    *a = a.wrapping_sub(*b).wrapping_sub(*c) ^ (*c >> 3);
    *b = b.wrapping_sub(*c).wrapping_sub(*a) ^ (*a << 10);
    *c = c.wrapping_sub(*a).wrapping_sub(*b) ^ (*b >> 15);
}

fn hash2(hash: &mut u32, x: u32, y: u32, k: u32) {
    let mut a = k.wrapping_add(x);
    let mut b = k.wrapping_add(y);
    mix(&mut a, &mut b, hash);
}

/// Bob Jenkins' lookup2 over a byte block (`block_hash`, `utils.c`).
pub fn block_hash(k: &[u8], initval: u32) -> u32 {
    let (mut a, mut b, mut c) = (HCONST, HCONST, initval);
    let mut chunks = k.chunks_exact(12);
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    for ch in &mut chunks {
        a = a.wrapping_add(word(&ch[0..4]));
        b = b.wrapping_add(word(&ch[4..8]));
        c = c.wrapping_add(word(&ch[8..12]));
        mix(&mut a, &mut b, &mut c);
    }
    let rest = chunks.remainder();
    c = c.wrapping_add(k.len() as u32);
    let at = |i: usize| u32::from(rest.get(i).copied().unwrap_or(0));
    let n = rest.len();
    if n > 8 {
        c = c.wrapping_add((at(10) << 24) | (at(9) << 16) | (at(8) << 8));
    }
    if n > 4 {
        b = b.wrapping_add((at(7) << 24) | (at(6) << 16) | (at(5) << 8) | at(4));
    }
    if n > 0 {
        a = a.wrapping_add((at(3) << 24) | (at(2) << 16) | (at(1) << 8) | at(0));
    }
    mix(&mut a, &mut b, &mut c);
    c
}

enum Item {
    Term(Term),
    Cdr,
}

fn is_byte(t: Term) -> bool {
    matches!(t.decode(), Decoded::Small(n) if (0..=255).contains(&n))
}

/// `make_internal_hash(term, salt)`: the 32-bit hash that places a key in a HAMT.
/// `prefix` hashes the cons `[prefix|term]` instead, as `hashmap_restore_hash` does past level 8.
pub fn internal_hash(s: &Store<'_>, term: Term, salt: u32, prefix: Option<Term>) -> u32 {
    let mut hash = salt ^ INTERNAL_HASH_SALT;
    let mut stack: Vec<Item> = Vec::new();
    // A virtual cons cell for the prefix: its parts come from here, not from memory.
    let mut virtual_cons = prefix.map(|p| (p, term));
    let mut term = if prefix.is_some() {
        Term(TAG_PRIMARY_LIST | 0xFFFF_FFF0)
    } else {
        term
    };
    let parts = |t: Term, v: &mut Option<(Term, Term)>| -> Option<(Term, Term)> {
        if t.primary_tag() != TAG_PRIMARY_LIST {
            return None;
        }
        if t == Term(TAG_PRIMARY_LIST | 0xFFFF_FFF0) {
            if let Some(p) = v.take() {
                return Some(p);
            }
        }
        s.cons_parts(t)
    };
    loop {
        let mut pop = true;
        if term.primary_tag() == TAG_PRIMARY_LIST {
            let (mut head, mut tail) = parts(term, &mut virtual_cons).expect("cons");
            let (mut c, mut sh) = (0u32, 0u32);
            let mut cell_is_list = true;
            while is_byte(head) {
                sh = (sh << 8).wrapping_add(((head.0 as i64) >> 4) as u32);
                if c == 3 {
                    hash2(&mut hash, sh, 0, HCONST_4);
                    c = 0;
                    sh = 0;
                } else {
                    c += 1;
                }
                term = tail;
                if term.primary_tag() != TAG_PRIMARY_LIST {
                    cell_is_list = false;
                    break;
                }
                let p = parts(term, &mut virtual_cons).expect("cons");
                head = p.0;
                tail = p.1;
            }
            if c > 0 {
                hash2(&mut hash, sh, c, HCONST_22);
            }
            if cell_is_list {
                hash ^= HCONST_17;
                hash = hash.rotate_left(17);
                stack.push(Item::Term(tail));
                if tail.primary_tag() != TAG_PRIMARY_LIST {
                    stack.push(Item::Cdr);
                }
                term = head;
            }
            pop = false;
        } else if term.is_immediate() {
            hash2(&mut hash, term.0 as u32, (term.0 >> 32) as u32, HCONST);
        } else if let Decoded::Boxed(addr) = term.decode() {
            let header = s.word(addr);
            match header.header_tag() {
                Some(HeaderTag::Arityval) => {
                    let n = object::arity(header);
                    hash2(&mut hash, n as u32, 0, HCONST_9);
                    if n > 0 {
                        for i in (2..=n).rev() {
                            stack.push(Item::Term(s.word(addr.add(i as u32))));
                        }
                        term = s.word(addr.add(1));
                        pop = false;
                    }
                }
                Some(HeaderTag::Map) => {
                    let kind = object::map_kind(header);
                    let mut at = 1u32;
                    if matches!(
                        kind,
                        MapKind::Flat | MapKind::HashHeadArray | MapKind::HashHeadBitmap
                    ) {
                        let size = s.word(addr.add(1)).0;
                        hash2(&mut hash, size as u32, 0, HCONST_16);
                        at = 2;
                        if kind == MapKind::Flat {
                            let keys = s.word(addr.add(2));
                            for i in (0..size).rev() {
                                stack.push(Item::Term(s.word(addr.add(3 + i as u32))));
                                stack.push(Item::Term(s.field(keys, 1 + i)));
                            }
                            at = u32::MAX;
                        }
                    }
                    if at != u32::MAX {
                        let n = object::arity(header) + 1 - u64::from(at);
                        for i in 0..n {
                            let child = s.word(addr.add(at + i as u32));
                            if let Some((k, v)) = s.cons_parts(child) {
                                stack.push(Item::Term(v));
                                stack.push(Item::Term(k));
                            } else {
                                stack.push(Item::Term(child));
                            }
                        }
                    }
                }
                Some(HeaderTag::PosBig | HeaderTag::NegBig) => {
                    let con = if header.header_tag() == Some(HeaderTag::NegBig) {
                        HCONST_10
                    } else {
                        HCONST_11
                    };
                    for i in 1..=object::arity(header) {
                        let d = s.word(addr.add(i as u32)).0;
                        hash2(&mut hash, d as u32, (d >> 32) as u32, con);
                    }
                }
                Some(HeaderTag::Float) => {
                    let mut f = f64::from_bits(s.word(addr.add(1)).0);
                    if f == 0.0 {
                        f = 0.0;
                    }
                    let b = f.to_bits();
                    hash2(&mut hash, b as u32, (b >> 32) as u32, HCONST_12);
                }
                Some(HeaderTag::HeapBinary | HeaderTag::RefcBinary | HeaderTag::SubBinary) => {
                    let (bytes, bits) = bits::bits_of(s, term).unwrap_or_default();
                    let sz = (bits / 8) as usize;
                    let rest = (bits % 8) as u32;
                    let con = HCONST_13.wrapping_add(hash);
                    if bits == 0 {
                        hash = con;
                    } else {
                        hash = block_hash(&bytes[..sz], con);
                        if rest > 0 {
                            hash2(
                                &mut hash,
                                rest,
                                u32::from(bytes[sz]) >> (8 - rest),
                                HCONST_15,
                            );
                        }
                    }
                }
                _ => {
                    // Model: refs, funs and externals hash by identity in ERTS; the model mixes in the words.
                    for i in 1..object::object_size(header) {
                        let w = s.word(addr.add(i as u32)).0;
                        hash2(&mut hash, w as u32, (w >> 32) as u32, HCONST_9);
                    }
                }
            }
        }
        if !pop {
            continue;
        }
        loop {
            match stack.pop() {
                None => return hash,
                Some(Item::Cdr) => {
                    hash ^= HCONST_18;
                    hash = hash.rotate_left(17);
                }
                Some(Item::Term(t)) => {
                    term = t;
                    break;
                }
            }
        }
    }
}

/// The 4-bit HAMT index of a key at level `lvl` (`hashmap_restore_hash`).
fn index_at(s: &Store<'_>, h0: u32, key: Term, lvl: u32) -> u32 {
    if lvl < 8 {
        (h0 >> (4 * lvl)) & 0xF
    } else {
        let salt = Term::small(i64::from(lvl >> 3));
        (internal_hash(s, key, 0, Some(salt)) >> (4 * (lvl & 7))) & 0xF
    }
}

/// A map from key–value pairs whose keys are distinct and sorted in term order:
/// a flatmap up to 32 keys (with a new keys tuple, or `shared_keys` when given), a hashmap beyond.
///
/// # Errors
/// [`BuildError::TooLarge`].
pub fn make_map(
    s: &mut Store<'_>,
    pairs: &[(Term, Term)],
    shared_keys: Option<Term>,
) -> Result<Term, BuildError> {
    if pairs.len() <= MAP_SMALL_MAP_LIMIT {
        let keys = match shared_keys {
            Some(k) => k,
            None => {
                let ks: Vec<Term> = pairs.iter().map(|p| p.0).collect();
                s.tuple(&ks)?
            }
        };
        let mut words = Vec::with_capacity(3 + pairs.len());
        words.push(map_header(MapKind::Flat, 2 + pairs.len() as u64));
        words.push(Term(pairs.len() as u64));
        words.push(keys);
        words.extend(pairs.iter().map(|p| p.1));
        return s.boxed(&words);
    }
    let mut entries: Vec<(u32, Term, Term)> = pairs
        .iter()
        .map(|&(k, v)| (internal_hash(s, k, 0, None), k, v))
        .collect();
    hamt_node(s, &mut entries, 0, Some(pairs.len() as u64))
}

fn hamt_node(
    s: &mut Store<'_>,
    entries: &mut [(u32, Term, Term)],
    lvl: u32,
    root_size: Option<u64>,
) -> Result<Term, BuildError> {
    if lvl > 64 {
        // Unreachable for distinct keys: the salted rehash separates them long before.
        return Err(BuildError::TooLarge);
    }
    let mut groups: Vec<Vec<(u32, Term, Term)>> = (0..16).map(|_| Vec::new()).collect();
    for e in entries.iter() {
        groups[index_at(s, e.0, e.1, lvl) as usize].push(*e);
    }
    let mut bitmap = 0u16;
    let mut children = Vec::new();
    for (i, g) in groups.iter_mut().enumerate() {
        match g.len() {
            0 => continue,
            1 => children.push(s.cons(g[0].1, g[0].2)?),
            _ => children.push(hamt_node(s, g, lvl + 1, None)?),
        }
        bitmap |= 1 << i;
    }
    let mut words = Vec::with_capacity(18);
    match (root_size, bitmap == 0xFFFF) {
        (Some(n), true) => {
            words.push(map_header(MapKind::HashHeadArray, 17));
            words.push(Term(n));
        }
        (Some(n), false) => {
            words.push(map_bitmap_header(MapKind::HashHeadBitmap, bitmap, 1));
            words.push(Term(n));
        }
        (None, true) => words.push(map_header(MapKind::HashArray, 16)),
        (None, false) => words.push(map_bitmap_header(MapKind::HashBitmap, bitmap, 0)),
    }
    words.extend(children);
    s.boxed(&words)
}

/// The number of keys of a map.
pub fn map_size(s: &Store<'_>, m: Term) -> Option<u64> {
    let h = s.header(m)?;
    (h.header_tag() == Some(HeaderTag::Map)).then(|| s.field(m, 1).0)
}

/// The key–value pairs of a map, in its iteration order (key order for a flatmap, hash order for a hashmap).
pub fn map_pairs(s: &Store<'_>, m: Term) -> Option<Vec<(Term, Term)>> {
    let h = s.header(m)?;
    if h.header_tag() != Some(HeaderTag::Map) {
        return None;
    }
    let mut out = Vec::new();
    if object::map_kind(h) == MapKind::Flat {
        let n = s.field(m, 1).0;
        let keys = s.field(m, 2);
        for i in 0..n {
            out.push((s.field(keys, 1 + i), s.field(m, 3 + i)));
        }
        return Some(out);
    }
    // Depth-first, children in slot order: the order `maps:to_list/1` gives.
    let mut todo = alloc::vec![(m, true)];
    while let Some((node, root)) = todo.pop() {
        if let Some(kv) = s.cons_parts(node) {
            out.push(kv);
            continue;
        }
        let h = s.header(node)?;
        let first = if root { 2 } else { 1 };
        for i in (first..object::object_size(h)).rev() {
            todo.push((s.field(node, i), false));
        }
    }
    Some(out)
}

/// Puts `key => value` into the hashmap `m` by path copying, as `erts_hashmap_insert` does: only the nodes on the
/// key's path are new, the rest of the tree is shared with `m`. `exists` says whether `m` already has the key
/// (the caller compares keys), so the leaf at the end of the path is that key's.
///
/// # Errors
/// [`BuildError::TooLarge`].
pub fn hashmap_put(
    s: &mut Store<'_>,
    m: Term,
    key: Term,
    value: Term,
    exists: bool,
) -> Result<Term, BuildError> {
    let h0 = internal_hash(s, key, 0, None);
    hashmap_put_at(s, m, key, value, exists, h0, 0)
}

fn hashmap_put_at(
    s: &mut Store<'_>,
    node: Term,
    key: Term,
    value: Term,
    exists: bool,
    h0: u32,
    lvl: u32,
) -> Result<Term, BuildError> {
    if lvl > 64 {
        return Err(BuildError::TooLarge);
    }
    let header = s.header(node).expect("a HAMT node");
    let kind = object::map_kind(header);
    let root = matches!(kind, MapKind::HashHeadArray | MapKind::HashHeadBitmap);
    let first = if root { 2 } else { 1 };
    let bitmap = object::map_bitmap(header);
    let mut children: Vec<Term> = (first..object::object_size(header))
        .map(|i| s.field(node, i))
        .collect();
    let idx = index_at(s, h0, key, lvl);
    let pos = (bitmap & ((1u32 << idx) - 1) as u16).count_ones() as usize;
    let mut new_bitmap = bitmap;
    if bitmap & (1 << idx) == 0 {
        let leaf = s.cons(key, value)?;
        children.insert(pos, leaf);
        new_bitmap |= 1 << idx;
    } else {
        let child = children[pos];
        children[pos] = match s.cons_parts(child) {
            Some(_) if exists => s.cons(key, value)?,
            Some((k2, v2)) => {
                // Two keys share this slot now: a subtree holding both (the old leaf cell is kept).
                let h2 = internal_hash(s, k2, 0, None);
                split(s, (h2, k2, child, v2), (h0, key, value), lvl + 1)?
            }
            None => hashmap_put_at(s, child, key, value, exists, h0, lvl + 1)?,
        };
    }
    let mut words = Vec::with_capacity(children.len() + 2);
    if root {
        let size = s.field(node, 1).0 + u64::from(!exists);
        if new_bitmap == 0xFFFF {
            words.push(map_header(MapKind::HashHeadArray, 17));
        } else {
            words.push(map_bitmap_header(MapKind::HashHeadBitmap, new_bitmap, 1));
        }
        words.push(Term(size));
    } else if new_bitmap == 0xFFFF {
        words.push(map_header(MapKind::HashArray, 16));
    } else {
        words.push(map_bitmap_header(MapKind::HashBitmap, new_bitmap, 0));
    }
    words.extend(children);
    s.boxed(&words)
}

/// A subtree from level `lvl` holding an existing leaf cell and a new key.
fn split(
    s: &mut Store<'_>,
    old: (u32, Term, Term, Term),
    new: (u32, Term, Term),
    lvl: u32,
) -> Result<Term, BuildError> {
    if lvl > 64 {
        return Err(BuildError::TooLarge);
    }
    let (i1, i2) = (
        index_at(s, old.0, old.1, lvl),
        index_at(s, new.0, new.1, lvl),
    );
    if i1 == i2 {
        let child = split(s, old, new, lvl + 1)?;
        return s.boxed(&[map_bitmap_header(MapKind::HashBitmap, 1 << i1, 0), child]);
    }
    let leaf = s.cons(new.1, new.2)?;
    let (a, b) = if i1 < i2 {
        (old.2, leaf)
    } else {
        (leaf, old.2)
    };
    s.boxed(&[
        map_bitmap_header(MapKind::HashBitmap, (1 << i1) | (1 << i2), 0),
        a,
        b,
    ])
}

/// Removes `key` (which `m` has) from the hashmap `m` by path copying, as `hashmap_delete` does: the nodes on
/// the key's path are new, and a node left with a single leaf collapses into that leaf.
/// The caller turns a result of 32 keys or fewer into a flatmap.
///
/// # Errors
/// [`BuildError::TooLarge`].
pub fn hashmap_remove(s: &mut Store<'_>, m: Term, key: Term) -> Result<Term, BuildError> {
    let h0 = internal_hash(s, key, 0, None);
    Ok(hashmap_remove_at(s, m, key, h0, 0)?.unwrap_or(m))
}

fn hashmap_remove_at(
    s: &mut Store<'_>,
    node: Term,
    key: Term,
    h0: u32,
    lvl: u32,
) -> Result<Option<Term>, BuildError> {
    if lvl > 64 {
        return Err(BuildError::TooLarge);
    }
    let header = s.header(node).expect("a HAMT node");
    let kind = object::map_kind(header);
    let root = matches!(kind, MapKind::HashHeadArray | MapKind::HashHeadBitmap);
    let first = if root { 2 } else { 1 };
    let mut bitmap = object::map_bitmap(header);
    let mut children: Vec<Term> = (first..object::object_size(header))
        .map(|i| s.field(node, i))
        .collect();
    let idx = index_at(s, h0, key, lvl);
    if bitmap & (1 << idx) == 0 {
        return Ok(Some(node));
    }
    let pos = (bitmap & ((1u32 << idx) - 1) as u16).count_ones() as usize;
    let child = children[pos];
    let replacement = if s.cons_parts(child).is_some() {
        None
    } else {
        hashmap_remove_at(s, child, key, h0, lvl + 1)?
    };
    match replacement {
        Some(t) => children[pos] = t,
        None => {
            children.remove(pos);
            bitmap &= !(1 << idx);
        }
    }
    if !root {
        if children.is_empty() {
            return Ok(None);
        }
        if children.len() == 1 && s.cons_parts(children[0]).is_some() {
            return Ok(Some(children[0]));
        }
    }
    let mut words = Vec::with_capacity(children.len() + 2);
    if root {
        let size = s.field(node, 1).0.saturating_sub(1);
        if bitmap == 0xFFFF {
            words.push(map_header(MapKind::HashHeadArray, 17));
        } else {
            words.push(map_bitmap_header(MapKind::HashHeadBitmap, bitmap, 1));
        }
        words.push(Term(size));
    } else if bitmap == 0xFFFF {
        words.push(map_header(MapKind::HashArray, 16));
    } else {
        words.push(map_bitmap_header(MapKind::HashBitmap, bitmap, 0));
    }
    words.extend(children);
    s.boxed(&words).map(Some)
}
