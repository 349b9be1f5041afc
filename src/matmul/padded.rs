//! B's rows copied to whole cache lines, for the sparse path (`sparse.rs`), and kept with the
//! values from one product to the next.
//!
//! The sparse path reads one row of B per non-zero of A, in blocks of 16 (or 8) floats. W1's
//! rows are 50 floats, 200 bytes, so row p starts at byte 200·p, and seven rows in eight start
//! inside a cache line: then every 64-byte block of the row straddles two lines, and the CPU
//! fetches and joins both halves for each load. Copied into rows of a whole number of lines
//! (64 floats for 50, the rest zeros), each starting on a line, every block lies in one line.
//! Measured on the Xeon, a batch of 100 MNIST images times W1 (a version written apart from
//! the crate, one thread, 10th percentiles): 43.4 µs reading W1 where it lies, 28.8 from
//! rows padded to lines, 34.4 with the copy made for the product (5.6 µs).
//!
//! So the copy is kept, like the lists of non-zeros (`nonzeros.rs`): a `Matrix` holds a
//! `PaddedCache` next to its values, hands it to the product with them (`Operand::padded`)
//! and forgets it whenever a value changes. W1 changes once a training step, and is read
//! twice by `x · W1` between two updates (the loss's, then the next step's gradient's), and
//! 560 times by an evaluation. An operand without a cache is read where it lies: a copy for
//! one product would cost about what it saves, and more on two threads (each would read
//! half of the copy from the other core's cache, where B itself stays in both).
//!
//! The padding is never part of the result: the blocks that reach into it compute columns
//! that are not stored, and each stored element is the same chain of multiply-adds as from
//! B where it lies, so the product is the same, bit for bit.

use std::ops::Range;
use std::sync::{Mutex, OnceLock, PoisonError};

use super::Operand;
use super::gemm::{line_offset, parts_of};
use super::threads;

/// Floats in a cache line (64 bytes): a padded row is a whole number of them.
pub const LINE_FLOATS: usize = 16;

/// A copy is shared out among threads only if each gets at least this many values.
const MIN_COPY_PER_THREAD: usize = 1 << 13;

/// Where a matrix's padded copy is kept between products: empty until the sparse path fills
/// it, then read by every later product with the same values as B. A forgotten copy leaves its
/// room behind for the next (W1's is made again after every update: 200 KB, which the
/// allocator would otherwise map and fault in afresh each time).
#[derive(Debug, Default)]
pub struct PaddedCache {
    kept: OnceLock<PaddedRows>,
    room: Mutex<PaddedRows>,
}

impl PaddedCache {
    pub const fn new() -> PaddedCache {
        PaddedCache {
            kept: OnceLock::new(),
            room: Mutex::new(PaddedRows::new()),
        }
    }

    /// Forgets the copy (the values are about to change), keeping its room.
    pub fn clear(&mut self) {
        if let Some(old) = self.kept.take() {
            *self.room.get_mut().unwrap_or_else(PoisonError::into_inner) = old;
        }
    }

    /// Whether a copy is kept.
    pub fn is_filled(&self) -> bool {
        self.kept.get().is_some()
    }

    /// The room of a forgotten copy, to make the copy again in step with a change of every
    /// value (`Matrix::sub_scaled`, which fits it to the matrix's shape); `None` if no copy was
    /// ever made.
    pub fn take_room(&mut self) -> Option<PaddedRows> {
        let room = self.room.get_mut().unwrap_or_else(PoisonError::into_inner);
        (!room.store.is_empty()).then(|| std::mem::take(room))
    }

    /// Keeps `rows`, made again from the values as they now are, unless a copy is kept
    /// already (it would be the same).
    pub fn keep(&self, rows: PaddedRows) {
        let _ = self.kept.set(rows);
    }

    /// The copy of `b` (k x n, its rows contiguous and `n` apart: a whole row-major matrix,
    /// whose values these are), made now on up to `threads` threads if none is kept; `None` if
    /// the copy kept is of another shape (which a `Matrix` never asks for).
    pub(super) fn rows_of(
        &self,
        b: &Operand,
        k: usize,
        n: usize,
        threads: usize,
    ) -> Option<&PaddedRows> {
        let kept = self.kept.get_or_init(|| {
            let mut room = self.room.lock().unwrap_or_else(PoisonError::into_inner);
            let mut rows = std::mem::take(&mut *room);
            rows.copy(b, k, n, threads);
            rows
        });
        (kept.k == k && kept.n == n).then_some(kept)
    }
}

/// The k x n values of B, row p at `rows()[p * stride..]`, `stride` a whole number of cache
/// lines (n rounded up to LINE_FLOATS) and each row starting on a line; the places past n hold
/// zeros.
#[derive(Debug, Default)]
pub struct PaddedRows {
    store: Vec<f32>,
    /// Where the first row starts in `store`: the first place on a cache line.
    offset: usize,
    k: usize,
    n: usize,
    stride: usize,
}

impl PaddedRows {
    /// No rows yet.
    pub const fn new() -> PaddedRows {
        PaddedRows {
            store: Vec::new(),
            offset: 0,
            k: 0,
            n: 0,
            stride: 0,
        }
    }

    /// Makes this a padded copy of `b` (k x n, its rows contiguous), reusing the storage, its
    /// rows shared out among `threads` threads.
    pub fn copy(&mut self, b: &Operand, k: usize, n: usize, threads: usize) {
        assert!(
            b.col_stride == 1 || n <= 1,
            "PaddedRows: B's rows are not contiguous"
        );
        self.fit(k, n);
        let stride = self.stride;
        // A small copy is quicker made than shared out.
        let threads = threads.min((k * n / MIN_COPY_PER_THREAD).max(1));
        let parts = parts_of(k, threads);
        let shares = (0..parts).map(|t| threads::share(k, t, parts));
        let outs = threads::cut(self.rows_mut(), shares.clone().map(|s| s.len() * stride));
        let jobs: Vec<(Range<usize>, &mut [f32])> = shares.zip(outs).collect();
        threads::run_each(threads, jobs, &|(rows, out)| {
            let from = &b.data[rows.start * b.row_stride..];
            copy_rows(from, b.row_stride, n, out, stride);
        });
    }

    /// Makes room for k rows of n values, padded, on a cache line: the storage is reused as it
    /// is for rows of the same length (their padding still holds zeros), else made anew,
    /// zeroed. The rows' values are then to be written (`rows_mut`).
    pub fn fit(&mut self, k: usize, n: usize) {
        let stride = n.next_multiple_of(LINE_FLOATS);
        let len = k * stride;
        if self.n != n || self.store.len() < len + LINE_FLOATS {
            self.store.clear();
            self.store.resize(len + LINE_FLOATS, 0.0);
            self.offset = line_offset(&self.store);
        }
        (self.k, self.n, self.stride) = (k, n, stride);
    }

    /// The rows, to write: each `stride()` apart, n values and then the padding, which must
    /// stay zero.
    pub fn rows_mut(&mut self) -> &mut [f32] {
        let len = self.k * self.stride;
        &mut self.store[self.offset..self.offset + len]
    }

    /// The rows, `stride` apart, the first one on a cache line.
    pub fn rows(&self) -> &[f32] {
        &self.store[self.offset..self.offset + self.k * self.stride]
    }

    /// Floats from one row's start to the next's.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The copy as an operand: k x n, its rows `stride` apart.
    pub fn operand(&self) -> Operand<'_> {
        Operand {
            data: self.rows(),
            row_stride: self.stride,
            col_stride: 1,
            nonzeros: None,
            padded: None,
        }
    }
}

/// Copies the rows of `from` (each n values, `from_stride` apart) into `to`, one row every
/// `to_stride` values, as many rows as `to` holds, leaving the places past n as they are.
pub fn copy_rows(from: &[f32], from_stride: usize, n: usize, to: &mut [f32], to_stride: usize) {
    for (p, row) in to.chunks_exact_mut(to_stride).enumerate() {
        copy_row::<LINE_FLOATS>(&mut row[..n], &from[p * from_stride..]);
    }
}

/// `out` = the first `out.len()` values of `from`: whole blocks of LANES, then one by one (a
/// copy of a length known only at run time is a call to `memcpy`, which cost more than the
/// copy of C's 50 columns in `scatter.rs`).
#[inline(always)]
pub(super) fn copy_row<const LANES: usize>(out: &mut [f32], from: &[f32]) {
    let from = &from[..out.len()];
    let (blocks, rest) = out.as_chunks_mut::<LANES>();
    for (out, block) in blocks.iter_mut().zip(from.as_chunks::<LANES>().0) {
        *out = *block;
    }
    let done = blocks.len() * LANES;
    for (out, &v) in rest.iter_mut().zip(&from[done..]) {
        *out = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A padded copy of `b` (k x n, its rows contiguous), made on one thread.
    fn padded(b: &Operand, k: usize, n: usize) -> PaddedRows {
        let mut rows = PaddedRows::new();
        rows.copy(b, k, n, 1);
        rows
    }

    #[test]
    fn rows_start_on_lines_hold_b_and_zeros_after_it() {
        for (k, n) in [(1, 1), (3, 16), (7, 50), (5, 17), (2, 33)] {
            let values: Vec<f32> = (0..k * n).map(|v| v as f32 + 1.0).collect();
            let b = Operand::row_major(&values, n);
            let copy = padded(&b, k, n);
            let stride = copy.stride();
            assert_eq!(stride % LINE_FLOATS, 0, "{k}x{n}");
            assert!(stride >= n && stride < n + LINE_FLOATS, "{k}x{n}");
            assert_eq!(copy.rows().as_ptr() as usize % 64, 0, "{k}x{n}");
            for p in 0..k {
                let row = &copy.rows()[p * stride..(p + 1) * stride];
                assert_eq!(&row[..n], &values[p * n..(p + 1) * n], "{k}x{n} row {p}");
                assert!(row[n..].iter().all(|&v| v == 0.0), "{k}x{n} row {p}");
            }
        }
    }

    #[test]
    fn a_copy_shared_out_among_threads_is_the_same() {
        let (k, n) = (2 * MIN_COPY_PER_THREAD / 50 + 7, 50);
        let values: Vec<f32> = (0..k * n).map(|v| v as f32).collect();
        let b = Operand::row_major(&values, n);
        let one = padded(&b, k, n);
        for threads in [2, 3] {
            let mut more = PaddedRows::new();
            more.copy(&b, k, n, threads);
            assert!(more.rows() == one.rows(), "{threads} threads");
        }
    }

    #[test]
    fn a_cache_keeps_its_copy_and_refuses_another_shape() {
        let values: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let cache = PaddedCache::new();
        let first = cache.rows_of(&Operand::row_major(&values, 4), 3, 4, 1);
        let first = first.expect("a copy is made");
        assert_eq!(first.rows()[16..20], values[4..8]);
        assert!(cache.is_filled());
        let again = cache.rows_of(&Operand::row_major(&values, 4), 3, 4, 2);
        assert_eq!(
            again.map(|rows| rows.rows().as_ptr()),
            Some(first.rows().as_ptr()),
            "the kept copy is read again"
        );
        for (k, n) in [(2, 6), (3, 2), (1, 4)] {
            let b = Operand::row_major(&values, n);
            assert!(cache.rows_of(&b, k, n, 1).is_none(), "{k}x{n}");
        }
    }

    #[test]
    fn a_copy_made_again_in_its_room_holds_the_new_rows_and_zeros() {
        let values: Vec<f32> = (0..40 * 33).map(|v| v as f32 + 1.0).collect();
        let mut rows = PaddedRows::new();
        // More rows (one more), longer, then shorter rows, then more of them: every copy as if
        // made afresh.
        for (k, n) in [
            (3, 20),
            (40, 20),
            (41, 20),
            (5, 33),
            (2, 17),
            (40, 33),
            (40, 20),
        ] {
            rows.copy(&Operand::row_major(&values, n), k, n, 1);
            let fresh = padded(&Operand::row_major(&values, n), k, n);
            assert_eq!(rows.stride(), fresh.stride(), "{k}x{n}");
            assert!(rows.rows() == fresh.rows(), "{k}x{n}");
        }
    }
}
