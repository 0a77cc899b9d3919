//! ETS tables (`erl_db.c`, `erl_db_util.c`): term storage outside every process heap.
//!
//! `ets:insert/2` copies the object flat into memory of the table's own (`db_store_term`: `size_object` +
//! `copy_ets_element`), so sharing is lost; `ets:lookup/2` copies it back onto the caller's heap
//! (`db_copy_object_from_ets`). Off-heap binaries are not copied: the stored copy holds a ProcBin of its own,
//! which counts as one more reference. A table dies with its owner (`erts_db_process_exiting`).
//!
//! The four table types, keyed on element 1 (`keypos` 1): a `set` or `ordered_set` keeps one object per key (an
//! insert replaces it), a `bag` one copy of each distinct object per key, a `duplicate_bag` every object.
//! The sizes are the ones measured on OTP 25.2.3 with `ets:info(T, memory)` (`tests/oracle/ets_memory.escript`):
//!
//! - hash tables (`set`, `bag`, `duplicate_bag`, `erl_db_hash.c`): 305 words empty, each object its flat size
//!   plus 4 words of `DbTerm` overhead, and bucket segments as the table grows: one bucket per object beyond the
//!   first 256 buckets, in segments of 2048 words (the first extension also grows the segment table: 2310 words);
//! - `ordered_set` (`erl_db_tree.c`): 139 words empty, each object its flat size plus 5 words (the tree node).
//!
//! Model: objects are kept in insertion order (an `ordered_set` is not sorted); keys are equal when they are
//! exactly equal (`=:=`; an `ordered_set` would also treat `1` and `1.0` as one key), and off-heap binaries in keys
//! compare by identity, since the model keeps no payload bytes; a hash table never shrinks its buckets (the BEAM
//! shrinks them lazily: measured, a 20,000-object table keeps them until fewer than about 9,000 objects remain).

use crate::copy::Areas;
use crate::heap::Block;
use crate::object;
use crate::process::Pid;
use crate::term::{Addr, Decoded, Term, TAG_PRIMARY_LIST};
use alloc::string::String;
use alloc::vec::Vec;

/// Words of an empty hash table (`set`, `bag`, `duplicate_bag`), measured with `ets:info(T, memory)` on OTP 25.
pub const EMPTY_TABLE_WORDS: u64 = 305;
/// Words each object of a hash table costs beyond its flat size (measured).
pub const OBJECT_OVERHEAD_WORDS: u64 = 4;
/// Words of an empty `ordered_set` (measured).
pub const EMPTY_TREE_WORDS: u64 = 139;
/// Words each object of an `ordered_set` costs beyond its flat size (measured).
pub const TREE_OBJECT_OVERHEAD_WORDS: u64 = 5;
/// Buckets of a new hash table (`FIRST_SEGSZ`); the table grows one bucket per object beyond them.
pub const FIRST_BUCKETS: u64 = 256;
/// Words of each further bucket segment (measured: +2048 words every 2048 objects).
pub const SEGMENT_WORDS: u64 = 2048;
/// Words the first extension adds beyond its segment (the grown segment table; measured 2310 = 2048 + 262).
pub const FIRST_EXTENSION_EXTRA_WORDS: u64 = 262;

/// The table type, the first option of `ets:new/2` that names one (`set` by default).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum EtsKind {
    /// One object per key, in a hash table.
    #[default]
    Set,
    /// One object per key, in a tree.
    OrderedSet,
    /// Distinct objects, several per key.
    Bag,
    /// Any objects, several per key.
    DuplicateBag,
}

impl EtsKind {
    /// Its name as an `ets:new/2` option.
    pub fn name(self) -> &'static str {
        match self {
            EtsKind::Set => "set",
            EtsKind::OrderedSet => "ordered_set",
            EtsKind::Bag => "bag",
            EtsKind::DuplicateBag => "duplicate_bag",
        }
    }

    /// The kind an option names, if it names one.
    pub fn from_name(name: &str) -> Option<EtsKind> {
        name.parse().ok()
    }
}

impl core::str::FromStr for EtsKind {
    type Err = ();

    fn from_str(name: &str) -> Result<EtsKind, ()> {
        [
            EtsKind::Set,
            EtsKind::OrderedSet,
            EtsKind::Bag,
            EtsKind::DuplicateBag,
        ]
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or(())
    }
}

/// A term reduced to words that are equal exactly when the terms are exactly equal (`=:=`): immediates as
/// themselves, containers as their headers and contents. Keys and whole objects are compared this way.
pub fn canonical(areas: &Areas<'_>, t: Term) -> Vec<u64> {
    let mut out = Vec::new();
    let mut todo = alloc::vec![t];
    while let Some(t) = todo.pop() {
        match t.decode() {
            Decoded::List(_) if t.primary_tag() == TAG_PRIMARY_LIST => {
                let Some(addr) = t.pointee() else { continue };
                // A marker no immediate word has (primary tag 01, list), then the head and the tail.
                out.push(1);
                todo.push(areas.word(addr.add(1)));
                todo.push(areas.word(addr));
            }
            Decoded::Boxed(addr) => {
                let header = areas.word(addr);
                out.push(header.0);
                let fields = object::term_fields(header);
                let size = object::object_size(header);
                // Pushed in reverse, so the contents come out in order.
                for i in (1..size).rev() {
                    let w = areas.word(addr.add(i as u32));
                    if fields.contains(&i) {
                        todo.push(w);
                    } else {
                        out.push(w.0);
                    }
                }
            }
            _ => out.push(t.0),
        }
    }
    out
}

/// One stored object: its own block, like a `DbTerm`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EtsObject {
    /// The copy.
    pub block: Block,
    /// The copy's root.
    pub term: Term,
    /// The ProcBins in the copy (the `DbTerm`'s `first_oh` list).
    pub off_heap: Vec<Addr>,
    /// The key (element 1), [`canonical`].
    pub key: Vec<u64>,
    /// The whole object, [`canonical`] (a `bag` keeps one copy of equal objects).
    pub whole: Vec<u64>,
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
    /// The table type.
    pub kind: EtsKind,
    /// The objects, in insertion order.
    pub objects: Vec<EtsObject>,
    /// Buckets of a hash table (at least [`FIRST_BUCKETS`]; grown, never shrunk).
    pub buckets: u64,
}

impl EtsTable {
    /// A new empty table.
    pub fn new(id: u32, name: String, owner: Pid, kind: EtsKind) -> EtsTable {
        EtsTable {
            id,
            name,
            owner,
            kind,
            objects: Vec::new(),
            buckets: FIRST_BUCKETS,
        }
    }

    /// `ets:info(T, memory)`, in words.
    pub fn words(&self) -> u64 {
        let flat: u64 = self.objects.iter().map(|o| o.block.size()).sum();
        let n = self.objects.len() as u64;
        if self.kind == EtsKind::OrderedSet {
            return EMPTY_TREE_WORDS + flat + n * TREE_OBJECT_OVERHEAD_WORDS;
        }
        let extra_buckets = self.buckets - FIRST_BUCKETS;
        let segments = if extra_buckets == 0 {
            0
        } else {
            FIRST_EXTENSION_EXTRA_WORDS + SEGMENT_WORDS * extra_buckets.div_ceil(SEGMENT_WORDS)
        };
        EMPTY_TABLE_WORDS + flat + n * OBJECT_OVERHEAD_WORDS + segments
    }

    /// `ets:insert/2` of one object (already copied): where it goes by the table type. Returns the objects that
    /// leave the table (a replaced object of a `set`, or the new object itself when a `bag` has it already), whose
    /// binaries the caller releases.
    pub fn insert(&mut self, obj: EtsObject) -> Option<EtsObject> {
        let out = match self.kind {
            EtsKind::Set | EtsKind::OrderedSet => {
                match self.objects.iter().position(|o| o.key == obj.key) {
                    Some(i) => Some(core::mem::replace(&mut self.objects[i], obj)),
                    None => {
                        self.objects.push(obj);
                        None
                    }
                }
            }
            EtsKind::Bag if self.objects.iter().any(|o| o.whole == obj.whole) => Some(obj),
            EtsKind::Bag | EtsKind::DuplicateBag => {
                self.objects.push(obj);
                None
            }
        };
        // `erl_db_hash.c` grows the table by one bucket per insert while it holds more objects than buckets.
        self.buckets = self.buckets.max(self.objects.len() as u64);
        out
    }

    /// The objects with this key, in insertion order.
    pub fn lookup<'t>(&'t self, key: &'t [u64]) -> impl Iterator<Item = &'t EtsObject> + 't {
        self.objects.iter().filter(move |o| o.key == key)
    }

    /// `ets:delete(T, Key)`: removes the objects with this key and returns them.
    pub fn delete_key(&mut self, key: &[u64]) -> Vec<EtsObject> {
        let (gone, kept) = core::mem::take(&mut self.objects)
            .into_iter()
            .partition(|o| o.key == key);
        self.objects = kept;
        gone
    }
}
