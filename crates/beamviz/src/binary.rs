//! The shared binary area: off-heap ("refc") binaries and their reference counts.
//!
//! A binary larger than 64 bytes lives outside every process heap, in `binary_alloc`.
//! Each process that holds it has a 6-word `ProcBin` on its heap pointing at it, and the binary counts those handles
//! (`erts_refc_inc` / `erts_bin_release` in ERTS).
//! A process that drops its last pointer to a `ProcBin` keeps the count up until its own next GC sweeps the handle,
//! which is why binaries "leak" in long-lived processes that rarely collect.
//!
//! Model: the payload bytes are not stored, only their length and a fill byte; no size function counts them.

use alloc::vec::Vec;

/// The id of an off-heap binary, in order of creation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct BinId(pub u32);

/// One off-heap binary.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OffHeapBinary {
    /// Its size in bytes (`orig_size`).
    pub bytes: u64,
    /// How many handles (`ProcBin`s, ETS objects) refer to it.
    pub refc: u32,
}

/// All live off-heap binaries.
///
/// Kept as a vector in id order (ids are handed out in increasing order, so a new binary goes at the end) where a
/// freed binary stays, with count 0, until freed ones are half of the vector: a lookup is a binary search, a free
/// is amortized constant time, and there is no B-tree code (5.9 KB of the wasm module).
#[derive(Clone, Default, Debug)]
pub struct BinaryArea {
    /// Ascending ids; a count of 0 is a freed binary not yet swept out.
    bins: Vec<(BinId, OffHeapBinary)>,
    /// How many of `bins` are freed.
    freed: usize,
    /// The live binaries' bytes, summed.
    bytes: u64,
    next_id: u32,
}

impl BinaryArea {
    /// Allocates a binary of `bytes` bytes with one reference.
    pub fn create(&mut self, bytes: u64) -> BinId {
        let id = BinId(self.next_id);
        self.next_id += 1;
        self.bins.push((id, OffHeapBinary { bytes, refc: 1 }));
        self.bytes += bytes;
        id
    }

    /// The live binary `id`, to change.
    fn live_mut(&mut self, id: BinId) -> Option<&mut OffHeapBinary> {
        let at = self.bins.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        Some(&mut self.bins[at].1).filter(|b| b.refc > 0)
    }

    /// Adds a reference; returns the new count.
    ///
    /// # Panics
    /// If the binary was freed: a handle to a freed binary is a model bug.
    pub fn retain(&mut self, id: BinId) -> u32 {
        let bin = self.live_mut(id).expect("retain of a freed binary");
        bin.refc += 1;
        bin.refc
    }

    /// Drops a reference (`erts_bin_release`); returns the new count. At 0 the binary is freed.
    ///
    /// # Panics
    /// If the binary was already freed.
    pub fn release(&mut self, id: BinId) -> u32 {
        let bin = self.live_mut(id).expect("release of a freed binary");
        bin.refc -= 1;
        let (refc, bytes) = (bin.refc, bin.bytes);
        if refc == 0 {
            self.bytes -= bytes;
            self.freed += 1;
            if 2 * self.freed > self.bins.len() {
                self.bins.retain(|(_, b)| b.refc > 0);
                self.freed = 0;
            }
        }
        refc
    }

    /// The binary, if it is still alive.
    pub fn get(&self, id: BinId) -> Option<&OffHeapBinary> {
        let at = self.bins.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        Some(&self.bins[at].1).filter(|b| b.refc > 0)
    }

    /// The live binaries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (BinId, &OffHeapBinary)> {
        self.bins
            .iter()
            .filter(|(_, b)| b.refc > 0)
            .map(|(id, bin)| (*id, bin))
    }

    /// Total payload bytes of the live binaries (what `erlang:memory(binary)` mostly measures).
    pub fn total_bytes(&self) -> u64 {
        self.bytes
    }
}

/// Equal when the same binaries are alive with the same counts and the next id is the same (freed binaries not yet
/// swept out do not count).
impl PartialEq for BinaryArea {
    fn eq(&self, other: &BinaryArea) -> bool {
        self.next_id == other.next_id && self.iter().eq(other.iter())
    }
}

impl Eq for BinaryArea {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_at_zero_and_sweeps_freed_binaries() {
        let mut area = BinaryArea::default();
        let ids: Vec<BinId> = (0..100).map(|i| area.create(100 + i)).collect();
        assert_eq!(area.retain(ids[7]), 2);
        for (i, id) in ids.iter().enumerate() {
            if i % 3 != 0 {
                assert_eq!(area.release(*id), u32::from(i == 7));
            }
        }
        let live: Vec<u32> = area.iter().map(|(id, _)| id.0).collect();
        let expect: Vec<u32> = (0..100).filter(|i| i % 3 == 0 || *i == 7).collect();
        assert_eq!(live, expect);
        assert!(area.get(ids[1]).is_none() && area.get(ids[7]).is_some());
        let bytes: u64 = expect.iter().map(|i| 100 + u64::from(*i)).sum();
        assert_eq!(area.total_bytes(), bytes);
        assert!(area.bins.len() < 100, "freed binaries are swept out");
        // A copy that swept at another moment is still equal.
        let mut other = area.clone();
        other.bins.retain(|(_, b)| b.refc > 0);
        other.freed = 0;
        assert_eq!(area, other);
        assert_eq!(area.create(5), BinId(100));
    }
}
