//! Hash maps and sets for the run's own indexes (codes, villages, rows by key): foldhash,
//! seeded at random per process, instead of the standard library's SipHash, which is
//! several times slower on the short texts these maps hold and showed as the largest cost
//! of the stages after reading at a million rows.
//!
//! ```
//! let mut villages: selfbuilt::fast::Map<&str, u32> = selfbuilt::fast::map(2);
//! villages.insert("平安村", 1);
//! assert_eq!(villages.get("平安村"), Some(&1));
//! ```

/// A hash map with foldhash's per-process random seed.
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// A hash set with foldhash's per-process random seed.
pub type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// An empty map with room for `n` entries.
pub fn map<K, V>(n: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(n, Default::default())
}

/// An empty set with room for `n` entries.
pub fn set<K>(n: usize) -> Set<K> {
    Set::with_capacity_and_hasher(n, Default::default())
}
