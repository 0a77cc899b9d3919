//! The heap-size table and `erts_next_heap_size` (`erl_gc.c` `erts_init_gc`).
//!
//! Heap blocks only come in these sizes: 12, 38, then "Fibonacci + 1" (`h[i] = h[i-1] + h[i-2] + 1`) up to 833026,
//! then +20 % per step (`h[i] = h[i-1] + h[i-1]/5`).
//! ERTS stops the table at 2^53/8 words and, through an off-by-one, reports 137 entries.

/// Number of valid entries (`erlang:system_info(heap_sizes)` has 137 on 64-bit).
pub const HEAP_SIZES_LEN: usize = 137;

/// The table, for reading (tests, docs). At run time [`next_heap_size`] walks the sequence instead: a `static`
/// table is 1 KB of incompressible data in the wasm module, and a walk of at most 137 additions costs nothing next to
/// the GC that asks for a size.
pub const HEAP_SIZES: [u64; HEAP_SIZES_LEN] = build();

const fn build() -> [u64; HEAP_SIZES_LEN] {
    let mut h = [0u64; HEAP_SIZES_LEN];
    h[0] = 12;
    h[1] = 38;
    let mut i = 2;
    while i < 23 {
        h[i] = h[i - 1] + h[i - 2] + 1;
        i += 1;
    }
    while i < HEAP_SIZES_LEN {
        h[i] = h[i - 1] + h[i - 1] / 5;
        i += 1;
    }
    h
}

/// `erts_next_heap_size(size, offset)`: with offset 0 the smallest table entry ≥ `size`,
/// with offset 1 the entry after it. Below 12 the answer is 12 whatever the offset.
///
/// Model: sizes past the table's last entry saturate at it (ERTS would have failed to allocate long before).
pub fn next_heap_size(size: u64, offset: usize) -> u64 {
    if size < 12 {
        return 12;
    }
    // The entries in order, as `build` computes them; `found` is the index of the first one ≥ `size`.
    let (mut prev, mut cur) = (0, 12);
    let mut found = None;
    for idx in 0..HEAP_SIZES_LEN {
        if found.is_none() && cur >= size {
            found = Some(idx);
        }
        if found.is_some_and(|at| idx == at + offset) || idx == HEAP_SIZES_LEN - 1 {
            break;
        }
        let next = match idx {
            0 => 38,
            1..22 => cur + prev + 1,
            _ => cur + cur / 5,
        };
        (prev, cur) = (cur, next);
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_measured_one() {
        let first = [
            12, 38, 51, 90, 142, 233, 376, 610, 987, 1598, 2586, 4185, 6772, 10958, 17731, 28690,
            46422,
        ];
        assert_eq!(&HEAP_SIZES[..first.len()], &first);
        assert_eq!(HEAP_SIZES[22], 833026);
        assert_eq!(HEAP_SIZES[23], 999631);
        assert_eq!(HEAP_SIZES[HEAP_SIZES_LEN - 1], 885767171276247);
    }

    #[test]
    fn the_walk_gives_the_tables_answer() {
        let table = |size: u64, offset: usize| {
            if size < HEAP_SIZES[0] {
                return HEAP_SIZES[0];
            }
            let idx = HEAP_SIZES.partition_point(|&h| h < size);
            HEAP_SIZES[(idx + offset).min(HEAP_SIZES_LEN - 1)]
        };
        for (i, &h) in HEAP_SIZES.iter().enumerate() {
            for size in [
                h.saturating_sub(1),
                h,
                h + 1,
                if i == 0 { 0 } else { HEAP_SIZES[i - 1] + 1 },
            ] {
                for offset in [0, 1, 2, 200] {
                    assert_eq!(
                        next_heap_size(size, offset),
                        table(size, offset),
                        "{size} {offset}"
                    );
                }
            }
        }
        assert_eq!(next_heap_size(u64::MAX, 1), HEAP_SIZES[HEAP_SIZES_LEN - 1]);
    }

    #[test]
    fn next_heap_size_rounds_up() {
        assert_eq!(next_heap_size(0, 0), 12);
        assert_eq!(next_heap_size(233, 0), 233);
        assert_eq!(next_heap_size(234, 0), 376);
        assert_eq!(next_heap_size(233, 1), 376);
        assert_eq!(next_heap_size(1000, 0), 1598);
        assert_eq!(next_heap_size(32768, 0), 46422);
    }
}
