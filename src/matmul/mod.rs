//! `np.dot` from scratch: the matrix product every layer stands on, as a small BLIS.
//!
//! - `gemm.rs`: the five loops that cut the product into cache-sized blocks (LOOP 5 .. 1),
//!   and how the threads share them;
//! - `packing.rs`: copying blocks of A and B into the order the kernel reads them (or, for
//!   a narrow product, reading A where it lies);
//! - `sparse.rs`: the other path, for an A that is mostly zeros (an MNIST batch): each row
//!   of C from the non-zeros of A's row alone;
//! - `nonzeros.rs`: the lists of A's non-zeros, kept with a matrix from one product to the
//!   next on the same values;
//! - `padded.rs`: B's rows copied to whole cache lines for the sparse path, kept with a
//!   matrix like its lists;
//! - `scatter.rs`: the path for the transpose of such a matrix (`x.T · dout`): each listed
//!   element adds a scaled row of B into a row of C;
//! - `sparsity.rs`: the columns of A that are all zeros (most of an MNIST image), whose steps
//!   the kernel skips;
//! - `kernel.rs`: the 6x16 register-tile micro-kernel, one body built twice (portable and
//!   AVX2+FMA), chosen at run time;
//! - `edge.rs`: the last 1 to 4 columns of a narrow C (`x.T · dout`'s 50 = 3 x 16 + 2),
//!   with vectors down C's columns;
//! - `threads.rs`: a small persistent pool; the threads claim bands of C's rows;
//! - `naive.rs`: the three-loop definition, kept as the oracle the tests hold the rest to.
//!
//! Operands are read through strides (`Operand`), so `x.T · dout` and `dout · W.T` never copy
//! a transpose: the packing reads the operand the way it is stored.
//!
//! The result is bit-identical for any thread count (and any block sizes): each element of C
//! is one chain of multiply-adds over the sum in order, computed by exactly one thread. It
//! does depend on the kernel: the AVX2+FMA build rounds once per multiply-add, the portable
//! build twice.
//!
//! Left out: alpha/beta scaling, f64, complex numbers, and every other BLAS routine.

mod edge;
mod gemm;
mod kernel;
mod naive;
mod nonzeros;
mod packing;
mod padded;
mod scatter;
mod sparse;
mod sparsity;
mod threads;

pub use gemm::{
    KC, KC_IN_PLACE, MC, MC_AVX512, MIN_MACS_PER_THREAD, NC, PACK_A_FROM_N, PARTS_PER_THREAD,
    parts_of, threads_for,
};
pub use kernel::{Kernel, MR, NR};
pub use naive::gemm_naive;
pub use nonzeros::{BandLists, NonZeroCache, NonZeros};
pub use padded::{LINE_FLOATS, PaddedCache, PaddedRows, copy_rows};
pub use scatter::SCATTER_MAX_SUM;
pub use sparse::{LIST_SPARE, PAD_B_FROM_ROWS, SPARSE_FROM_PERCENT, list_nonzeros};
pub use sparsity::{SKIP_FROM, SKIP_ROWS_FROM};
pub use threads::{
    cut, run_both, run_each, set_threads, set_threads_here, share, threads, threads_for_items,
    threads_here,
};

/// A read-only view of an `rows x cols` operand inside a slice, addressed through strides:
/// element (i, j) is `data[i * row_stride + j * col_stride]`. A transposed operand is the same
/// slice with the strides swapped, so `x.T · dout` needs no copy of `x`.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
    /// The lists of the non-zeros of the rows as stored (the operand's rows when it is
    /// row-major, its columns when it is a transpose), kept with its values between products
    /// (`nonzeros.rs`), or `None`. The sparse path fills and reads them, the scatter path
    /// reads them.
    pub nonzeros: Option<&'a NonZeroCache>,
    /// A copy of the stored rows padded to whole cache lines, kept with the values between
    /// products (`padded.rs`), or `None`. The sparse path fills and reads it when the operand
    /// is its B.
    pub padded: Option<&'a PaddedCache>,
}

impl<'a> Operand<'a> {
    /// A row-major `rows x cols` matrix, as stored.
    pub fn row_major(data: &'a [f32], cols: usize) -> Operand<'a> {
        Operand {
            data,
            row_stride: cols,
            col_stride: 1,
            nonzeros: None,
            padded: None,
        }
    }

    /// This operand, row-major or the transpose of a row-major matrix, with the cache where
    /// the lists of the non-zeros of its stored rows are kept. The cache must belong to these
    /// very values: lists made for other values would give a wrong product (a `Matrix`
    /// forgets its lists whenever a value changes).
    pub fn with_nonzeros(self, cache: &'a NonZeroCache) -> Operand<'a> {
        assert!(
            self.col_stride == 1 || self.row_stride == 1,
            "Operand::with_nonzeros: lists are kept for row-major operands and their transposes only"
        );
        Operand {
            nonzeros: Some(cache),
            ..self
        }
    }

    /// This operand with the cache where a padded copy of its stored rows is kept. The cache
    /// must belong to these very values (a `Matrix` forgets the copy whenever a value
    /// changes).
    pub fn with_padded(self, cache: &'a PaddedCache) -> Operand<'a> {
        Operand {
            padded: Some(cache),
            ..self
        }
    }

    /// The transpose of a row-major matrix with `cols` columns, without moving a byte.
    pub fn transposed(data: &'a [f32], cols: usize) -> Operand<'a> {
        Operand {
            data,
            row_stride: 1,
            col_stride: cols,
            nonzeros: None,
            padded: None,
        }
    }

    /// The transpose of this view: the same data, strides swapped, and the same lists (they
    /// describe the rows as stored, whichever way the view reads them).
    pub fn t(&self) -> Operand<'a> {
        Operand {
            data: self.data,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            nonzeros: self.nonzeros,
            padded: self.padded,
        }
    }

    /// Element (i, j).
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.row_stride + j * self.col_stride]
    }

    /// Panics unless every element of a `rows x cols` view lies inside `data`.
    #[track_caller]
    fn check(&self, name: &str, rows: usize, cols: usize) {
        if rows > 0 && cols > 0 {
            let last = (rows - 1) * self.row_stride + (cols - 1) * self.col_stride;
            assert!(
                last < self.data.len(),
                "gemm: {name} ({rows}x{cols}, strides {}, {}) reaches past its {} values",
                self.row_stride,
                self.col_stride,
                self.data.len()
            );
        }
    }
}

/// C (m x n, row-major, overwritten) = A (m x k) · B (k x n), with the fastest kernel this CPU
/// runs and `threads()` threads.
#[track_caller]
pub fn gemm(m: usize, k: usize, n: usize, a: Operand, b: Operand, c: &mut [f32]) {
    gemm_with(Kernel::detect(), threads(), m, k, n, a, b, c);
}

/// `gemm` with the kernel and the thread count chosen by the caller (tests and benchmarks).
/// The result depends on `kernel` (fused or separate rounding) but never on `threads`.
#[track_caller]
#[allow(clippy::too_many_arguments)]
pub fn gemm_with(
    kernel: Kernel,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    a: Operand,
    b: Operand,
    c: &mut [f32],
) {
    check_shapes(m, k, n, &a, &b, c);
    let path = path(m, k, n, a, b);
    run(path, kernel, threads, m, k, n, &a, &b, c);
}

/// Which way `gemm` computes a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// The blocked BLIS loops (`gemm.rs`), for any operands.
    Blocked,
    /// From A's non-zeros (`sparse.rs`), when A is mostly zeros.
    Sparse,
    /// From the kept lists of A's columns (`scatter.rs`), when A is the transpose of a
    /// mostly-zero matrix whose lists a product has kept (`x.T · dout`).
    Scatter,
}

/// The path `gemm` takes for these operands: `Path::Sparse` when A is mostly zeros (at least
/// SPARSE_FROM_PERCENT of a sample), A and B are row-major and C is at least 8 wide;
/// `Path::Scatter` when A is the transpose of a matrix with its lists kept and at least
/// SPARSE_FROM_PERCENT zeros, B row-major and the sum at most SCATTER_MAX_SUM long.
pub fn path(m: usize, k: usize, n: usize, a: Operand, b: Operand) -> Path {
    if sparse::suits(m, k, n, &a, &b) {
        Path::Sparse
    } else if scatter::suits(m, k, &a, &b) {
        Path::Scatter
    } else {
        Path::Blocked
    }
}

/// `gemm_with` on the given path, whatever A holds (tests and benchmarks: both paths give the
/// same bits). Panics if `Path::Sparse` is asked for operands it cannot read (see `path`).
#[track_caller]
#[allow(clippy::too_many_arguments)]
pub fn gemm_on(
    path: Path,
    kernel: Kernel,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    a: Operand,
    b: Operand,
    c: &mut [f32],
) {
    check_shapes(m, k, n, &a, &b, c);
    run(path, kernel, threads, m, k, n, &a, &b, c);
}

/// Panics, naming the operand, unless C has m x n values and A and B reach no further than
/// their slices.
#[track_caller]
fn check_shapes(m: usize, k: usize, n: usize, a: &Operand, b: &Operand, c: &[f32]) {
    assert_eq!(
        c.len(),
        m * n,
        "gemm: C has {} values, not {m}x{n}",
        c.len()
    );
    a.check("A", m, k);
    b.check("B", k, n);
}

/// The product on `path`, the shapes checked.
#[allow(clippy::too_many_arguments)]
fn run(
    path: Path,
    kernel: Kernel,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    c: &mut [f32],
) {
    match path {
        Path::Blocked => gemm::gemm(kernel, threads, m, k, n, a, b, c),
        Path::Sparse => sparse::gemm(kernel, threads, m, k, n, a, b, c),
        Path::Scatter => scatter::gemm(kernel, threads, m, k, n, a, b, c),
    }
}
