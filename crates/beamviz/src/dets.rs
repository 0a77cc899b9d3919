//! DETS tables (`dets.erl`, `dets_v9.erl`, OTP 25): term storage in a file, outside every heap and every ETS table.
//!
//! A table is opened by name (`dets:open_file/2`) and served by a process of the `dets` application; every
//! operation is a call to that process (`dets:treq/2` → `dets:req/2`): the caller builds the request, monitors the
//! server, sends `{'$dets_call', self(), Request}` and waits for `{Server, Reply}`. The objects go to the file; what
//! the caller's heap sees is the protocol, which this module sizes from the compiled `dets` module (`erlc -S` of
//! OTP 25's `dets.erl`) and which `tests/it/dets.rs` checks against the measured VM:
//!
//! - `dets:insert(T, Obj)` builds `{insert, [Obj]}` (5 words; `{insert, Objs}`, 3 words, for a list), `lookup/2`
//!   builds `{lookup_keys, [Key]}` and `delete/2` `{delete_key, [Key]}` (5 words), under `allocate_heap 2`;
//! - `treq/2` keeps a frame of 2 (a `catch` and the request), `req/2` a frame of 3;
//! - `erlang:monitor/2` returns a 3-word reference (`ERTS_REF_THING_SIZE`), built by the BIF;
//! - the request tuple takes 4 words (`test_heap 4`), the reply tuple 3 plus the reply itself;
//! - back in `insert/2`, `[T, Obj]` (4 words, the arguments `badarg/2` would report) is built after the call.
//!
//! So an insert leaves 19 words of garbage on the caller's heap (17 for a list), a lookup 16 plus the reply: the
//! 3-word tuple and the list of objects, which the caller keeps.
//!
//! What the file and the server do is not drawn: the server process (and `dets_sup`, `dets_server` and their ETS
//! registry, started by the first open) is not one of the scenario's processes, so `erlang:memory()` leaves it
//! out; the file's layout (a buddy allocator of slots, segments, free lists) is not sized. The model keeps each
//! object as the server's write cache keeps it, a copy made by a send (literals left in place), and follows the
//! cache as far as a scenario can see it: the server answers a lookup of a key updated since the last write from
//! the cache, and any other lookup first writes the cache to the file (`dets:update_cache/2`), so that objects
//! come back decoded from the file, literals built anew. Its other flushes (after 3 seconds, or 14,000 bytes of
//! updates) are not followed: known-differences.md §4. Objects holding off-heap binaries are not modelled (the
//! server's decoded copy would hold a reference of its own until the server's next collection).

use crate::copy::Areas;
use crate::heap::Block;
use crate::term::{Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use alloc::string::String;
use alloc::vec::Vec;

/// `{insert, [Obj]}`, `{lookup_keys, [Key]}`, `{delete_key, [Key]}`: a 2-tuple and a cons cell.
pub const REQUEST_ONE_WORDS: u64 = 5;
/// `{insert, Objs}` for a list of objects.
pub const REQUEST_LIST_WORDS: u64 = 3;
/// The frame `dets:insert/2` (`lookup/2`, `delete/2`) keeps across the call: 2 slots and the return address.
pub const CALLER_FRAME_WORDS: u64 = 3;
/// `dets:treq/2`'s frame: a `catch` slot, the request, the return address.
pub const TREQ_FRAME_WORDS: u64 = 3;
/// `dets:req/2`'s frame: the receive marker, the request, the server, the return address.
pub const REQ_FRAME_WORDS: u64 = 4;
/// The monitor's reference (`ERTS_REF_THING_SIZE` on 64-bit).
pub const REF_WORDS: u64 = 3;
/// `{'$dets_call', self(), Request}`.
pub const CALL_TUPLE_WORDS: u64 = 4;
/// `{Server, Reply}`.
pub const REPLY_TUPLE_WORDS: u64 = 3;
/// `[Tab, Arg]`, built for `badarg/2` after the call returns.
pub const BADARG_ARGS_WORDS: u64 = 4;

/// One object in a DETS table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DetsObject {
    /// The server's copy (literals left in the literal area, as a send leaves them).
    pub block: Block,
    /// The object, a tuple in `block` (or a literal).
    pub term: Term,
    /// Its key as [`crate::ets::canonical`] words.
    pub key: Vec<u64>,
}

/// A DETS table of type `set`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DetsTable {
    /// The table's number, in opening order.
    pub id: u32,
    /// The name it was opened under.
    pub name: String,
    /// The objects, in insertion order, one per key.
    pub objects: Vec<DetsObject>,
    /// The keys updated since the server last wrote its cache to the file: a lookup of one of them is answered
    /// from the cache.
    pub cached_keys: Vec<Vec<u64>>,
}

impl DetsTable {
    /// An empty table.
    pub fn new(id: u32, name: String) -> DetsTable {
        DetsTable {
            id,
            name,
            objects: Vec::new(),
            cached_keys: Vec::new(),
        }
    }

    /// Stores `obj`, replacing the object with the same key (a `set`).
    pub fn insert(&mut self, obj: DetsObject) {
        self.touch(&obj.key);
        match self.objects.iter_mut().find(|o| o.key == obj.key) {
            Some(old) => *old = obj,
            None => self.objects.push(obj),
        }
    }

    /// Removes the object with that key.
    pub fn delete_key(&mut self, key: &[u64]) {
        self.touch(key);
        self.objects.retain(|o| o.key != key);
    }

    /// The object with that key, and whether the server answers from its cache. A lookup the cache cannot answer
    /// writes the cache to the file first.
    pub fn lookup(&mut self, key: &[u64]) -> (Option<&DetsObject>, bool) {
        let cached = self.cached_keys.iter().any(|k| k == key);
        if !cached {
            self.cached_keys.clear();
        }
        (self.objects.iter().find(|o| o.key == key), cached)
    }

    fn touch(&mut self, key: &[u64]) {
        if !self.cached_keys.iter().any(|k| k == key) {
            self.cached_keys.push(key.to_vec());
        }
    }
}

/// Whether `t` holds an off-heap binary: a ProcBin, or a sub-binary of one (whose copy would be a ProcBin).
pub fn holds_off_heap_binary(areas: &Areas<'_>, t: Term) -> bool {
    let mut todo = alloc::vec![t];
    while let Some(t) = todo.pop() {
        match t.decode() {
            Decoded::List(_) if t.primary_tag() == TAG_PRIMARY_LIST => {
                let Some(addr) = t.pointee() else { continue };
                todo.push(areas.word(addr));
                todo.push(areas.word(addr.add(1)));
            }
            Decoded::Boxed(addr) => {
                let header = areas.word(addr);
                match header.header_tag() {
                    Some(HeaderTag::RefcBinary) => return true,
                    Some(HeaderTag::SubBinary) => {
                        let sb = crate::bits::sub_bin_words(&|i| areas.word(addr.add(i as u32)));
                        let orig = sb.orig.pointee().map(|a| areas.word(a));
                        if orig.and_then(|h| h.header_tag()) == Some(HeaderTag::RefcBinary) {
                            return true;
                        }
                    }
                    _ => {
                        for i in crate::object::term_fields(header) {
                            todo.push(areas.word(addr.add(i as u32)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    false
}
