//! The vector scan of the prefilter: finds every place where four bytes
//! fit a bucket of an event-shape table or of a finding-needle table.
//!
//! A table describes up to eight buckets, each a set of allowed bytes for
//! each of four places. Per place, a byte's low nibble and high nibble
//! each look up the buckets they allow (`vpshufb` on 32 bytes at once), and
//! the byte fits the buckets that both allow. A bucket's set is therefore
//! read as all combinations of its bytes' low and high nibbles: exact for
//! sets such as `oO` (0x6F and 0x4F), wider for others, which the checks
//! after the scan allow for.

/// Nibble tables for up to eight buckets of four-byte triggers: for each
/// place, the buckets allowed by each low nibble and by each high nibble,
/// one bit per bucket, written twice (once per 128-bit lane of a vector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables([[[u8; 32]; 2]; PLACES]);

/// Bytes in a trigger.
pub const PLACES: usize = 4;

/// Stands for every byte at a place of a bucket: all low and all high
/// nibbles.
pub const ANY: &[u8] = &[
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

impl Tables {
    /// Builds the tables of `buckets` (at most eight): for each bucket,
    /// the bytes allowed at each place. A bucket with no bytes at a place
    /// never fits.
    pub const fn new(buckets: &[[&[u8]; PLACES]]) -> Tables {
        assert!(buckets.len() <= 8, "a table has at most eight buckets");
        let mut tables = [[[0u8; 32]; 2]; PLACES];
        let mut bucket = 0;
        while bucket < buckets.len() {
            let bit = 1 << bucket;
            let mut place = 0;
            while place < PLACES {
                let bytes = buckets[bucket][place];
                let mut i = 0;
                while i < bytes.len() {
                    let (low, high) = ((bytes[i] & 15) as usize, (bytes[i] >> 4) as usize);
                    tables[place][0][low] |= bit;
                    tables[place][0][low + 16] |= bit;
                    tables[place][1][high] |= bit;
                    tables[place][1][high + 16] |= bit;
                    i += 1;
                }
                place += 1;
            }
            bucket += 1;
        }
        Tables(tables)
    }

    /// Returns the buckets that the four bytes at `at` fit, one bit each.
    /// Bytes past the end count as zero.
    pub fn fits(&self, hay: &[u8], at: usize) -> u8 {
        let mut buckets = u8::MAX;
        for (place, [low, high]) in self.0.iter().enumerate() {
            let b = hay.get(at + place).copied().unwrap_or(0);
            buckets &= low[usize::from(b & 15)] & high[usize::from(b >> 4)];
        }
        buckets
    }
}

/// A place where three bytes fit a bucket of either table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    pub at: usize,
    /// Buckets of the event table, one bit each.
    pub events: u8,
    /// Buckets of the finding table, one bit each.
    pub findings: u8,
}

/// Calls `visit` with each trigger at or after `from`, in order, until it
/// returns false. The vector scan reads only the first three places of
/// `events`, whose buckets must allow [`ANY`] byte at the fourth.
pub fn for_each(
    hay: &[u8],
    from: usize,
    events: &Tables,
    findings: &Tables,
    visit: &mut dyn FnMut(Trigger) -> bool,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU supports AVX-512BW (and so AVX-512F), checked
            // just above.
            unsafe { avx512::for_each(hay, from, events, findings, visit) };
            return;
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { avx2::for_each(hay, from, events, findings, visit) };
            return;
        }
    }
    for_each_portable(hay, from, events, findings, visit);
}

/// Scans without vector instructions, as [`for_each`] does. The vector
/// scan uses it for its last bytes.
pub fn for_each_portable(
    hay: &[u8],
    from: usize,
    events: &Tables,
    findings: &Tables,
    visit: &mut dyn FnMut(Trigger) -> bool,
) {
    for at in from..hay.len() {
        let trigger =
            Trigger { at, events: events.fits(hay, at), findings: findings.fits(hay, at) };
        if (trigger.events | trigger.findings) != 0 && !visit(trigger) {
            return;
        }
    }
}

/// Defines a module with a vector scan, `for_each`, that does what
/// [`for_each`] does one block of `$width` bytes at a time. Each place's
/// bucket bits come from two table lookups (`vpshufb`) by the bytes' low
/// and high nibbles. The AVX2 and AVX-512 scans differ only in the
/// instructions that the arguments name.
macro_rules! vector_scan {
    (
        $module:ident, $feature:literal, $requirement:literal,
        vector: $vector:ty, width: $width:literal,
        load_table: $load_table:expr,
        load: $load:path, splat: $splat:path, and: $and:path,
        shift_right: $shift_right:path, lookup: $lookup:path,
        nonzero: $nonzero:expr, store: $store:path,
    ) => {
        #[cfg(target_arch = "x86_64")]
        mod $module {
            use std::arch::x86_64::*;

            use super::{Tables, Trigger, PLACES};

            /// Bytes between the block scanned and the one prefetched. On
            /// the 1 GiB benchmark corpus, 2 KiB ahead was faster than 4
            /// and 8 KiB ahead.
            const PREFETCH_AHEAD: usize = 2048;

            /// Bytes a block needs past its start: the block and the three
            /// bytes after it.
            const READ: usize = $width + PLACES - 1;

            /// Scans as [`super::for_each`] does.
            ///
            /// # Safety
            ///
            #[doc = $requirement]
            #[target_feature(enable = $feature)]
            pub unsafe fn for_each(
                hay: &[u8],
                from: usize,
                events: &Tables,
                findings: &Tables,
                visit: &mut dyn FnMut(Trigger) -> bool,
            ) {
                let load_table = $load_table;
                let nonzero = $nonzero;
                let event_tables =
                    events.0.each_ref().map(|[low, high]| [load_table(low), load_table(high)]);
                let finding_tables =
                    findings.0.each_ref().map(|[low, high]| [load_table(low), load_table(high)]);
                let nibble = $splat(15);
                let mut at = from;
                while at + READ <= hay.len() {
                    // Data read from a memory map is not in the caches yet,
                    // and the hardware prefetcher stops at page ends.
                    if at + PREFETCH_AHEAD < hay.len() {
                        // SAFETY: the address is inside `hay`, and a
                        // prefetch never faults.
                        unsafe {
                            _mm_prefetch::<_MM_HINT_T0>(
                                hay.as_ptr().add(at + PREFETCH_AHEAD).cast(),
                            )
                        };
                    }
                    let mut event_buckets: $vector = $splat(-1);
                    let mut finding_buckets: $vector = $splat(-1);
                    for place in 0..PLACES {
                        // SAFETY: `at + place + $width <= at + READ`, which
                        // is at most `hay.len()`.
                        let v: $vector = unsafe { $load(hay.as_ptr().add(at + place).cast()) };
                        let low = $and(v, nibble);
                        let high = $and($shift_right(v, 4), nibble);
                        // The event tables allow any byte at the last place.
                        if place < 3 {
                            let [event_low, event_high] = event_tables[place];
                            let fits = $and($lookup(event_low, low), $lookup(event_high, high));
                            event_buckets = $and(event_buckets, fits);
                        }
                        let [finding_low, finding_high] = finding_tables[place];
                        let fits = $and($lookup(finding_low, low), $lookup(finding_high, high));
                        finding_buckets = $and(finding_buckets, fits);
                    }
                    let mut mask = nonzero(event_buckets) | nonzero(finding_buckets);
                    if mask != 0 {
                        let mut event_bytes = [0u8; $width];
                        let mut finding_bytes = [0u8; $width];
                        // SAFETY: each store writes one vector into an array
                        // of its size.
                        unsafe {
                            $store(event_bytes.as_mut_ptr().cast(), event_buckets);
                            $store(finding_bytes.as_mut_ptr().cast(), finding_buckets);
                        }
                        while mask != 0 {
                            let i = mask.trailing_zeros() as usize;
                            let trigger = Trigger {
                                at: at + i,
                                events: event_bytes[i],
                                findings: finding_bytes[i],
                            };
                            if !visit(trigger) {
                                return;
                            }
                            mask &= mask - 1;
                        }
                    }
                    at += $width;
                }
                super::for_each_portable(hay, at, events, findings, visit);
            }
        }
    };
}

vector_scan!(
    avx2, "avx2", "The CPU must support AVX2.",
    vector: __m256i, width: 32,
    // SAFETY: reads the 32 bytes of the table, one per 128-bit lane.
    load_table: |table: &[u8; 32]| unsafe { _mm256_loadu_si256(table.as_ptr().cast()) },
    load: _mm256_loadu_si256, splat: _mm256_set1_epi8, and: _mm256_and_si256,
    shift_right: _mm256_srli_epi16, lookup: _mm256_shuffle_epi8,
    nonzero: |v: __m256i| !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_setzero_si256())) as u32),
    store: _mm256_storeu_si256,
);

vector_scan!(
    avx512, "avx512f,avx512bw", "The CPU must support AVX-512F and AVX-512BW.",
    vector: __m512i, width: 64,
    // SAFETY: reads the first 16 bytes of the table, copied to all four
    // 128-bit lanes because `vpshufb` looks up each lane on its own.
    load_table: |table: &[u8; 32]| unsafe {
        _mm512_broadcast_i32x4(_mm_loadu_si128(table.as_ptr().cast()))
    },
    load: _mm512_loadu_si512, splat: _mm512_set1_epi8, and: _mm512_and_si512,
    shift_right: _mm512_srli_epi16, lookup: _mm512_shuffle_epi8,
    nonzero: |v: __m512i| _mm512_test_epi8_mask(v, v),
    store: _mm512_storeu_si512,
);

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: Tables = Tables::new(&[[b"oO", b"dD", b"eE", ANY], [b"{[", b"\n", ANY, ANY]]);

    /// A scan: [`for_each`] or [`for_each_portable`].
    type Scan = fn(&[u8], usize, &Tables, &Tables, &mut dyn FnMut(Trigger) -> bool);

    /// Returns the vector scans this CPU supports, by name.
    fn vector_scans() -> Vec<(&'static str, Scan)> {
        let mut scans: Vec<(&'static str, Scan)> = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                scans.push(("avx2", |h, f, e, n, v| unsafe { avx2::for_each(h, f, e, n, v) }));
            }
            if std::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU supports AVX-512BW, checked just above.
                scans.push(("avx512", |h, f, e, n, v| unsafe { avx512::for_each(h, f, e, n, v) }));
            }
        }
        scans
    }

    #[test]
    fn vector_scans_run_here() {
        // The comparison below is only as good as the scans it finds.
        #[cfg(target_arch = "x86_64")]
        assert!(!vector_scans().is_empty(), "no AVX2 on this CPU: the vector scans go untested");
    }

    fn triggers(hay: &[u8], findings: &Tables, scan: Scan) -> Vec<Trigger> {
        let mut found = Vec::new();
        scan(hay, 0, &EVENTS, findings, &mut |trigger| {
            found.push(trigger);
            true
        });
        found
    }

    #[test]
    fn tables_fit_their_buckets() {
        let tables = Tables::new(&[
            [b"oO", b"dD", b"eE", ANY],
            [b"a", b"b", ANY, ANY],
            [b"x", b"", b"y", ANY],
            [b"k", b"e", b"y", b"s"],
        ]);
        assert_eq!(tables.fits(b"ode", 0), 0b0001);
        assert_eq!(tables.fits(b"ODe", 0), 0b0001);
        assert_eq!(tables.fits(b"odf", 0), 0);
        assert_eq!(tables.fits(b"ab\x00", 0), 0b0010);
        assert_eq!(tables.fits(b"ab", 0), 0b0010, "a byte past the end counts as zero");
        assert_eq!(tables.fits(b"abz", 0), 0b0010);
        assert_eq!(tables.fits(b"xay", 0), 0, "an empty place never fits");
        assert_eq!(tables.fits(b"zode", 1), 0b0001);
        assert_eq!(tables.fits(b"keys", 0), 0b1000);
        assert_eq!(tables.fits(b"key", 0), 0);
    }

    #[test]
    fn union_of_nibbles_fits_more() {
        // `ab` and `pq` in one bucket also fit `aq` and `pb`: the checks
        // after the scan reject them.
        let tables = Tables::new(&[[b"ap", b"bq", ANY, ANY]]);
        for text in ["ab", "pq", "aq", "pb"] {
            assert_eq!(tables.fits(text.as_bytes(), 0), 1, "{text}");
        }
        assert_eq!(tables.fits(b"ac", 0), 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Each vector scan this CPU runs finds the same triggers as the
        /// portable one, at every offset against its blocks.
        #[test]
        fn vector_scans_match_portable(
            bytes in proptest::collection::vec(proptest::sample::select(
                b"oOdDeE{[\n\r- 0abcpq".to_vec()), 0..300),
        ) {
            let findings = Tables::new(&[[b"ab", b"bc", b"c", ANY], [b"p", b"q", ANY, b"a"]]);
            let expected = triggers(&bytes, &findings, for_each_portable);
            for (name, scan) in vector_scans() {
                proptest::prop_assert_eq!(&triggers(&bytes, &findings, scan), &expected, "{}", name);
            }
        }
    }
}
