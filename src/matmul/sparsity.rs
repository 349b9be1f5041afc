//! Skipping the zeros of A: the steps of the micro-kernel that cannot change the result.
//!
//! A step `p` of the kernel adds column `p` of an A sliver (MR values) times row `p` of B to
//! the tile. When the MR values are all zero, every multiply-add of the step is
//! `acc + 0 · b = acc`: the step can be left out. MNIST images are 81% zeros (the margins
//! around each digit are blank), so in `x · W1` more than half of the 6-image columns are zero
//! (56%, measured on random batches), and in `x.T · dout`, where a column is 6 neighbouring
//! pixels of one image, two thirds are. For those products the kernel takes only the steps
//! listed here.
//!
//! The result is the same, bit for bit, as the full sum's (`tests/matmul_sparse.rs` holds it
//! to a scalar chain of `mul_add`s): an accumulator starts at +0.0 and, rounding to nearest,
//! never becomes −0.0, so adding a ±0.0 product leaves it as it was. The one difference is a
//! corner of IEEE arithmetic: an infinite or NaN element of B in a skipped row is not turned
//! into NaN by `0 · ∞` (the last few columns of `x.T · dout`, computed by `edge.rs`, take
//! every step and do turn it into NaN). The training loop stops as soon as a parameter is
//! not finite, so it never meets it.
//!
//! The lists depend only on A's values and the fixed MR slivers (never on the threads), so
//! the product stays bit-identical for any thread count.
//!
//! Left out: skipping zeros of B, and zero runs shorter than a whole column of a sliver. Also
//! lists handed over with a batch of MNIST images for `x.T · dout` (for each group of MR
//! pixels, the images where it is not all zero): with them the product took 57 instead of
//! 75 µs on one thread, but making them cost the batch as much (from lists kept with the data
//! set, fetched from memory at random: 29 -> 65 µs; from the batch's bytes in cache: 22 -> 47
//! µs), and the steps took 1.00 to 1.11 of the time (one process, alternating blocks).

use std::ops::Range;

use super::kernel::{ASliver, MR, Steps};

// ANCHOR: skip_from
/// A sliver's list is used when at least 1/SKIP_FROM of its columns are zero. With fewer, the
/// list's bookkeeping (an index load and a bounds check per step) costs about what the skipped
/// steps save, and a dense product is better off taking every step.
pub const SKIP_FROM: usize = 8;
// ANCHOR_END: skip_from

/// The same for a sliver read in place by rows (A row-major and C narrower than
/// PACK_A_FROM_N): at least half of its columns zero. A listed step costs more there, as the
/// MR values are fetched row by row at p instead of walked in order, and with a few zero
/// columns the list lost. Measured on the Xeon, 100x784 · 784xn with a share of A's columns
/// blank and the rest dense, one thread, µs, listed steps against every step: 30% blank,
/// n = 10 45.9 / 33.1 (AVX-512) and 51.2 / 40.2 (AVX2), n = 50 91.8 / 73.9 and 135.4 /
/// 123.7; 50% blank, n = 10 39.0 / 32.8 and 44.3 / 39.8, n = 50 72.0 / 73.2 and 104.8 /
/// 122.2; 70% blank, n = 50 56.6 / 72.5 and 74.0 / 120.7.
pub const SKIP_ROWS_FROM: usize = 2;

/// The stride of the first look at a sliver's columns (see `SkipLists::push`).
const PROBE: usize = 8;

/// The columns that hold a non-zero, for each A sliver of a row block.
#[derive(Debug, Default)]
pub struct SkipLists {
    /// The lists, one after another.
    columns: Vec<u32>,
    /// For each sliver, where its list lies in `columns`, or `None` to take every step.
    slivers: Vec<Option<Range<usize>>>,
}

impl SkipLists {
    pub const fn new() -> SkipLists {
        SkipLists {
            columns: Vec::new(),
            slivers: Vec::new(),
        }
    }

    /// Forgets every list (a new row block begins).
    pub fn clear(&mut self) {
        self.columns.clear();
        self.slivers.clear();
    }

    /// Lists the non-zero columns `p < kc` of the next sliver, `a`.
    pub fn push(&mut self, a: ASliver, kc: usize) {
        // A look at every PROBE-th column first: an operand without zeros (a dense product)
        // is not scanned, and pays a few percent of a full scan.
        let skip_from = match a {
            ASliver::Adjacent { .. } => SKIP_FROM,
            ASliver::Rows { .. } => SKIP_ROWS_FROM,
        };
        let probes = kc.div_ceil(PROBE);
        let zero_probes = match a {
            // The six rows as slices, read at p: through `column_bits` each row was indexed
            // with a bounds check per probe (`x · W1`, one thread: the first look took 7% of
            // the product's time, 5% as slices; perf).
            ASliver::Rows { data, stride } => {
                let rows: [&[f32]; MR] = std::array::from_fn(|i| &data[i * stride..][..kc]);
                (0..kc)
                    .step_by(PROBE)
                    .filter(|&p| rows.iter().fold(0, |bits, row| bits | magnitude(row[p])) == 0)
                    .count()
            }
            ASliver::Adjacent { .. } => (0..kc)
                .step_by(PROBE)
                .filter(|&p| column_bits(a, p) == 0)
                .count(),
        };
        if zero_probes * skip_from < probes {
            self.slivers.push(None);
            return;
        }
        let start = self.columns.len();
        self.columns.resize(start + kc, 0);
        let out = &mut self.columns[start..];
        // Branch-free: every p is written, and the length moves past it only if it stays.
        // The test ORs the values' bits (sign dropped) instead of asking `v != 0.0` value by
        // value: a chain of short-circuit branches on MNIST's patchy zeros mispredicts so
        // often that it cost as much as the steps it saved (measured).
        let mut len = 0;
        match a {
            ASliver::Adjacent { data, step } => {
                for p in 0..kc {
                    out[len] = p as u32;
                    len += usize::from(column_bits(ASliver::Adjacent { data, step }, p) != 0);
                }
            }
            ASliver::Rows { data, stride } => {
                let rows: [&[f32]; MR] = std::array::from_fn(|i| &data[i * stride..][..kc]);
                // Eight columns at a time, so that the ORs run as vector instructions: a
                // byte of flags, then its set bits into the list.
                let whole = kc / 8 * 8;
                for p in (0..whole).step_by(8) {
                    let mut bits = [0u32; 8];
                    for row in &rows {
                        let row: &[f32; 8] = row[p..p + 8].try_into().unwrap();
                        for (b, &v) in bits.iter_mut().zip(row) {
                            *b |= magnitude(v);
                        }
                    }
                    if bits == [0; 8] {
                        continue;
                    }
                    for (l, &b) in bits.iter().enumerate() {
                        out[len] = (p + l) as u32;
                        len += usize::from(b != 0);
                    }
                }
                for p in whole..kc {
                    out[len] = p as u32;
                    len += usize::from(column_bits(a, p) != 0);
                }
            }
        }
        if (kc - len) * skip_from >= kc && len < kc {
            self.columns.truncate(start + len);
            self.slivers.push(Some(start..start + len));
        } else {
            self.columns.truncate(start);
            self.slivers.push(None);
        }
    }

    /// The steps the kernel takes for sliver `s` (in the order they were pushed).
    pub fn steps(&self, s: usize) -> Steps<'_> {
        match &self.slivers[s] {
            Some(list) => Steps::Only(&self.columns[list.clone()]),
            None => Steps::All,
        }
    }
}

/// The MR values of column `p` of the sliver ORed together as bits, signs dropped: zero
/// exactly when every value is ±0.0.
#[inline(always)]
fn column_bits(a: ASliver, p: usize) -> u32 {
    let values: [f32; MR] = match a {
        ASliver::Adjacent { data, step } => data[p * step..p * step + MR].try_into().unwrap(),
        ASliver::Rows { data, stride } => std::array::from_fn(|i| data[i * stride + p]),
    };
    values.iter().fold(0, |bits, &v| bits | magnitude(v))
}

/// The bits of `v` without its sign: zero exactly when `v` is +0.0 or −0.0.
#[inline(always)]
fn magnitude(v: f32) -> u32 {
    v.to_bits() << 1
}
