//! A map from one word to another (an object's address to its copy, or to its place in a layout), for the walks over
//! a term that meet the same object more than once: a sharing-preserving copy and the inspector's layout.
//!
//! Why not `BTreeMap<u64, _>`: each B-tree type costs the shipped wasm module kilobytes of code; this is one small
//! hash table, and these maps only grow (a walk ends and drops them), so it needs no removal.
//! Deterministic: nothing iterates over it.

use alloc::vec;
use alloc::vec::Vec;

/// Keys and values, both words.
#[derive(Default)]
pub struct WordMap {
    entries: Vec<(u64, u64)>,
    /// Open addressing with linear probing: `index + 1` into `entries`, 0 for an empty slot; a power of two at least
    /// twice the number of entries long.
    slots: Vec<u32>,
}

impl WordMap {
    /// An empty map.
    pub const fn new() -> WordMap {
        WordMap {
            entries: Vec::new(),
            slots: Vec::new(),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: u64) -> Option<u64> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = slot_of(key, mask);
        loop {
            match self.slots[at] {
                0 => return None,
                i if self.entries[i as usize - 1].0 == key => {
                    return Some(self.entries[i as usize - 1].1)
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Adds `key` with `value`. `key` must not be in the map yet: the walks look an object up before they add it.
    pub fn insert(&mut self, key: u64, value: u64) {
        debug_assert!(self.get(key).is_none(), "a key is added once");
        if 2 * (self.entries.len() + 1) > self.slots.len() {
            let size = (self.slots.len() * 2).max(16);
            self.slots = vec![0; size];
            for i in 0..self.entries.len() {
                self.place(self.entries[i].0, i as u32 + 1);
            }
        }
        self.entries.push((key, value));
        self.place(key, self.entries.len() as u32);
    }

    fn place(&mut self, key: u64, slot: u32) {
        let mask = self.slots.len() - 1;
        let mut at = slot_of(key, mask);
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }
}

/// Fibonacci hashing: the high bits of the key times 2^64/φ, which spreads addresses that differ in a few low bits.
fn slot_of(key: u64, mask: usize) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted() {
        let mut m = WordMap::new();
        assert_eq!(m.get(0), None);
        for k in 0..5_000u64 {
            m.insert(k * 8 + (1 << 40), k);
        }
        for k in 0..5_000u64 {
            assert_eq!(m.get(k * 8 + (1 << 40)), Some(k));
        }
        assert_eq!(m.get(3), None);
    }
}
