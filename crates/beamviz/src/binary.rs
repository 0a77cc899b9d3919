//! The shared binary area: off-heap ("refc") binaries and their reference counts.
//!
//! A binary larger than 64 bytes lives outside every process heap, in `binary_alloc`.
//! Each process that holds it has a 6-word `ProcBin` on its heap pointing at it, and the binary counts those handles
//! (`erts_refc_inc` / `erts_bin_release` in ERTS).
//! A process that drops its last pointer to a `ProcBin` keeps the count up until its own next GC sweeps the handle,
//! which is why binaries "leak" in long-lived processes that rarely collect.
//!
//! Model: the payload bytes are not stored, only their length and a fill byte; no size function counts them.

use alloc::collections::BTreeMap;

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
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct BinaryArea {
    live: BTreeMap<BinId, OffHeapBinary>,
    next_id: u32,
}

impl BinaryArea {
    /// Allocates a binary of `bytes` bytes with one reference.
    pub fn create(&mut self, bytes: u64) -> BinId {
        let id = BinId(self.next_id);
        self.next_id += 1;
        self.live.insert(id, OffHeapBinary { bytes, refc: 1 });
        id
    }

    /// Adds a reference; returns the new count.
    ///
    /// # Panics
    /// If the binary was freed: a handle to a freed binary is a model bug.
    pub fn retain(&mut self, id: BinId) -> u32 {
        let bin = self.live.get_mut(&id).expect("retain of a freed binary");
        bin.refc += 1;
        bin.refc
    }

    /// Drops a reference (`erts_bin_release`); returns the new count. At 0 the binary is freed.
    ///
    /// # Panics
    /// If the binary was already freed.
    pub fn release(&mut self, id: BinId) -> u32 {
        let bin = self.live.get_mut(&id).expect("release of a freed binary");
        bin.refc -= 1;
        let refc = bin.refc;
        if refc == 0 {
            self.live.remove(&id);
        }
        refc
    }

    /// The binary, if it is still alive.
    pub fn get(&self, id: BinId) -> Option<&OffHeapBinary> {
        self.live.get(&id)
    }

    /// The live binaries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (BinId, &OffHeapBinary)> {
        self.live.iter().map(|(id, bin)| (*id, bin))
    }

    /// Total payload bytes of the live binaries (what `erlang:memory(binary)` mostly measures).
    pub fn total_bytes(&self) -> u64 {
        self.live.values().map(|b| b.bytes).sum()
    }
}
