//! An interning table: names in the order they were added, each found again by its index.
//!
//! It backs the atom table (a million entries at most, as in ERTS: `atom.c` indexes atoms the same way, by a hash
//! of their text) and the op log's names. Why not `BTreeMap<String, u32>`: each map type costs the shipped wasm
//! module about 5 KB of B-tree code, and the lookup by hash needs no second copy of every name.
//!
//! Deterministic: the hash is FNV-1a over the name's bytes, and iteration is in insertion order, never in slot order.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Names, each with the index it was added at.
#[derive(Clone, Debug, Default)]
pub struct Names {
    names: Vec<String>,
    /// Open addressing with linear probing: `index + 1` of a name, 0 for an empty slot. Its length is a power of two
    /// at least twice the number of names (so a probe ends at an empty slot soon), or 0 while there are none.
    slots: Vec<u32>,
    /// The names' lengths in bytes, summed (what `erlang:memory(atom)` counts of the text).
    bytes: u64,
}

impl Names {
    /// An empty table.
    pub const fn new() -> Names {
        Names {
            names: Vec::new(),
            slots: Vec::new(),
            bytes: 0,
        }
    }

    /// The index of `name`, if it is in the table.
    pub fn get(&self, name: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = hash(name) as usize & mask;
        loop {
            match self.slots[at] {
                0 => return None,
                i if self.names[i as usize - 1] == name => return Some(i - 1),
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// The index of `name`, added at the end if it is new.
    pub fn intern(&mut self, name: &str) -> u32 {
        match self.get(name) {
            Some(i) => i,
            None => self.push(String::from(name)),
        }
    }

    /// Adds `name`, which must not be in the table yet, and returns its index.
    pub fn push(&mut self, name: String) -> u32 {
        debug_assert!(self.get(&name).is_none());
        if 2 * (self.names.len() + 1) > self.slots.len() {
            self.grow();
        }
        let i = self.names.len() as u32;
        self.bytes += name.len() as u64;
        self.place(hash(&name), i + 1);
        self.names.push(name);
        i
    }

    /// The names, in index order.
    pub fn as_slice(&self) -> &[String] {
        &self.names
    }

    /// The names, in index order, without the index.
    pub fn into_vec(self) -> Vec<String> {
        self.names
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names' lengths in bytes, summed.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The bytes the table holds (for memory reports).
    pub fn capacity_bytes(&self) -> usize {
        self.slots.capacity() * 4
            + self.names.capacity() * core::mem::size_of::<String>()
            + self.names.iter().map(String::capacity).sum::<usize>()
    }

    fn place(&mut self, h: u64, slot: u32) {
        let mask = self.slots.len() - 1;
        let mut at = h as usize & mask;
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        self.slots = vec![0; size];
        for i in 0..self.names.len() {
            let h = hash(&self.names[i]);
            self.place(h, i as u32 + 1);
        }
    }
}

/// Equal when they hold the same names in the same order (the slots follow from that).
impl PartialEq for Names {
    fn eq(&self, other: &Names) -> bool {
        self.names == other.names
    }
}

impl Eq for Names {}

/// FNV-1a, 64 bits.
fn hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn interns_in_order_and_finds_every_name_again() {
        let mut names = Names::new();
        for i in 0..10_000 {
            assert_eq!(names.intern(&format!("atom_{i}")), i);
        }
        assert_eq!(names.intern("atom_5"), 5);
        assert_eq!(names.len(), 10_000);
        for i in 0..10_000 {
            assert_eq!(names.get(&format!("atom_{i}")), Some(i));
            assert_eq!(names.as_slice()[i as usize], format!("atom_{i}"));
        }
        assert_eq!(names.get("atom_10000"), None);
        assert_eq!(names.get(""), None);
        assert_eq!(Names::new().get("x"), None);
        let bytes: usize = names.as_slice().iter().map(String::len).sum();
        assert_eq!(names.bytes(), bytes as u64);
        assert!(names.slots.len() >= 2 * names.len());
    }
}
