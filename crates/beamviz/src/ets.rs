//! ETS tables (`erl_db.c`, `erl_db_util.c`): term storage outside every process heap.
//!
//! `ets:insert/2` copies the object flat into memory of the table's own (`db_store_term`: `size_object` +
//! `copy_ets_element`), so sharing is lost; `ets:lookup/2` copies it back onto the caller's heap
//! (`db_copy_object_from_ets`). Off-heap binaries are not copied: the stored copy holds a ProcBin of its own,
//! which counts as one more reference. A table dies with its owner (`erts_db_process_exiting`).
//!
//! Model: only `set` tables without a heir; objects are kept in insertion order and a new object never replaces
//! one with the same key. The sizes are the ones measured on OTP 25.2.3: an empty table takes 305 words
//! (`ets:info(T, memory)`), and each object its flat size plus 4 words of `DbTerm` overhead.

use crate::heap::Block;
use crate::process::Pid;
use crate::term::{Addr, Term};
use alloc::string::String;
use alloc::vec::Vec;

/// Words of an empty `set` table (measured with `ets:info(T, memory)` on OTP 25).
pub const EMPTY_TABLE_WORDS: u64 = 305;
/// Words each stored object costs beyond its flat size (measured).
pub const OBJECT_OVERHEAD_WORDS: u64 = 4;

/// One stored object: its own block, like a `DbTerm`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EtsObject {
    /// The copy.
    pub block: Block,
    /// The copy's root.
    pub term: Term,
    /// The ProcBins in the copy (the `DbTerm`'s `first_oh` list).
    pub off_heap: Vec<Addr>,
}

/// One table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EtsTable {
    /// Its index in the VM (the table id).
    pub id: u32,
    /// Its name.
    pub name: String,
    /// The owning process.
    pub owner: Pid,
    /// The objects, in insertion order.
    pub objects: Vec<EtsObject>,
}

impl EtsTable {
    /// `ets:info(T, memory)`, in words.
    pub fn words(&self) -> u64 {
        EMPTY_TABLE_WORDS
            + self
                .objects
                .iter()
                .map(|o| o.block.size() + OBJECT_OVERHEAD_WORDS)
                .sum::<u64>()
    }
}
