//! A map kept as a vector sorted by key, for the model's small maps (a process's variables as the scenario reader
//! follows them, a scenario's table names, the evaluator's funs).
//!
//! Why not `BTreeMap`: each key and value type of a B-tree costs the shipped wasm module 3 to 9 KB of code, where a
//! binary search over a vector costs a few hundred bytes; and these maps hold tens of entries, where inserting into
//! a vector is as fast. Maps that grow to a million entries (the atom table, binaries) do not use it.

use alloc::vec::Vec;
use core::borrow::Borrow;

/// Entries in key order, each key once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SortedMap<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let at = self.find(key).ok()?;
        Some(&self.0[at].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, replacing what it had.
    pub fn insert(&mut self, key: K, value: V) {
        match self.find(&key) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (key, value)),
        }
    }

    /// Inserts `value` unless `key` has one already (`entry(key).or_insert(value)`).
    pub fn insert_new(&mut self, key: K, value: V) {
        if let Err(at) = self.find(&key) {
            self.0.insert(at, (key, value));
        }
    }

    /// The value of `key`, made with `make` first if it has none (`entry(key).or_insert_with(make)`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.find(&key) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (key, make()));
                at
            }
        };
        &mut self.0[at].1
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let at = self.find(key).ok()?;
        Some(self.0.remove(at).1)
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};

    #[test]
    fn behaves_as_a_map() {
        let mut m: SortedMap<String, u64> = SortedMap::default();
        for (k, v) in [("b", 2), ("a", 1), ("c", 3), ("b", 20)] {
            m.insert(k.to_string(), v);
        }
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [1, 20, 3]);
        assert_eq!(m.get("b"), Some(&20));
        assert!(m.contains_key("c") && !m.contains_key("d"));
        m.insert_new("a".to_string(), 100);
        assert_eq!(m.get("a"), Some(&1));
        *m.get_or_insert_with("d".to_string(), || 4) += 1;
        assert_eq!(m.get("d"), Some(&5));
        assert_eq!(m.remove("a"), Some(1));
        assert_eq!(m.remove("a"), None);
        m.clear();
        assert_eq!(m.values().count(), 0);
    }
}
