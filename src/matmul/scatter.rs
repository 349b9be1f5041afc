//! The product `x.T · dout`: A the transpose of a mostly-zero matrix whose rows' lists are
//! kept, each listed element adding a scaled row of B into a row of C.
//!
//! A (m x k) is read as the transpose of X (k x m, row-major), so C's row p is a sum over X's
//! rows: `C[p] = Σ_i X[i][p] · B[i]`. A zero X[i][p] adds nothing, and the lists of X's rows
//! name the rest. Affine's `dW = x.T · dout` is such a product: x is the batch, whose lists
//! the forward pass's `x · W1` has just made and kept (`nonzeros.rs`). So this path walks X's
//! rows in order, and for each listed p adds X[i][p] · B[i] into C's row p: a fifth of the
//! multiply-adds of the full sum for an MNIST batch, with no packing and no scan for zeros.
//! The blocked path (`gemm.rs`) skips a step of the sum only where six rows of A are all zero
//! at it (`sparsity.rs`), and must first look for those steps.
//!
//! The result is the same, bit for bit: each element of C is one chain of multiply-adds over
//! i in order, started from +0.0, with the zero terms left out (the rows of X are walked in
//! order, and each element is only ever added to by this chain). `tests/matmul_sparse.rs`
//! holds every path to the scalar chain.
//!
//! How: C's rows are made SLICE at a time in a scratch that stays in L1, while the lists are
//! walked slice by slice (each row of X keeps its place in its list, so the lists are read
//! once). Each row of the scratch is CHUNK floats, 64-byte aligned, so that a block of 16 never
//! straddles two cache lines; B's rows are first copied, padded to CHUNK, into an aligned
//! scratch of their own. A listed element costs one load, multiply-add and store per block
//! of the row. A first version written apart from the crate (a batch of 100 MNIST images,
//! `x.T · dout`, 784x100 · 100x50, one thread, 10th percentiles, µs): adding into C's rows
//! where they lie (784 rows of 50 floats, which do not stay in L1; only 48 of the columns, a
//! trial), 57 against the blocked path's 68-73; in slices, 48.8 against 61.9 for slices of 64 rows, 45.3 / 60.8 for 96,
//! 44.9 / 61.5 for 128, 45.9 / 61.6 for 192. This file, alternating with the blocked path in
//! one process: 47.1 against 56.3 on one thread, 39.7 against 39.9 on two.
//!
//! Which path (`suits`): A the transpose of a row-major X whose lists are kept, at least
//! SPARSE_FROM_PERCENT of X's elements zero (counted from the lists), B row-major, and a sum
//! of at most SCATTER_MAX_SUM terms (B's padded copy stays small).
//!
//! Threads: C's rows are cut into one band per thread; each band finds once where it starts
//! in each list, and each row of C is made by one thread.

use std::cell::RefCell;
use std::ops::Range;

use super::Operand;
use super::gemm::threads_for;
use super::kernel::{Kernel, axpy_row};
use super::nonzeros::NonZeros;
use super::padded::copy_row;
// Blocks as on the sparse path: GROUP (8) lanes in the portable and AVX2 builds, WIDE (16)
// in the AVX-512 one.
use super::sparse::{GROUP, SPARSE_FROM_PERCENT, WIDE};
use super::threads;

/// C's columns made in one walk of the lists: four 512-bit registers or eight AVX ones.
const CHUNK: usize = 64;

/// Rows of C made at a time: SLICE rows of CHUNK floats, 32 KB, which with B's padded rows
/// (25.6 KB for a batch of 100) is about what L1 holds (48 KB on the Xeon). 96 and 192 rows
/// measured the same, 64 slower (the module's doc).
const SLICE: usize = 128;

/// The longest sum (rows of B) this path takes: B's padded copy is at most
/// SCATTER_MAX_SUM x CHUNK floats (256 KB) per thread.
pub const SCATTER_MAX_SUM: usize = 1024;

/// A row of the scratch: CHUNK floats, aligned to a cache line.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Row([f32; CHUNK]);

const ZERO_ROW: Row = Row([0.0; CHUNK]);

thread_local! {
    /// Each thread's scratch, kept between products.
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

/// A thread's room for one band.
#[derive(Debug, Default)]
struct Scratch {
    /// SLICE rows of C being made.
    c_rows: Vec<Row>,
    /// B's rows, the chunk's columns padded with zeros to CHUNK.
    b_rows: Vec<Row>,
    /// Where each row of X enters the band, in its list.
    starts: Vec<usize>,
    /// Where each row of X has got to, in its list.
    cursors: Vec<usize>,
}

impl Scratch {
    const fn new() -> Scratch {
        Scratch {
            c_rows: Vec::new(),
            b_rows: Vec::new(),
            starts: Vec::new(),
            cursors: Vec::new(),
        }
    }
}

/// Whether an m x k by k x n product (any n) takes this path: A the transpose of a
/// row-major k x m matrix whose rows' lists are kept, at least SPARSE_FROM_PERCENT of its
/// elements zeros, B row-major, and k at most SCATTER_MAX_SUM.
pub fn suits(m: usize, k: usize, a: &Operand, b: &Operand) -> bool {
    match lists(m, k, a, b) {
        Some(kept) => (m * k - kept.count()) * 100 >= SPARSE_FROM_PERCENT * m * k,
        None => false,
    }
}

/// The kept lists of X's rows, if this path can read the operands: A read as the transpose
/// of X (k rows of m, one after another), B's rows contiguous, k at most SCATTER_MAX_SUM.
fn lists<'a>(m: usize, k: usize, a: &Operand<'a>, b: &Operand) -> Option<&'a NonZeros> {
    if a.row_stride != 1 || a.col_stride != m || b.col_stride != 1 || k > SCATTER_MAX_SUM {
        return None;
    }
    a.nonzeros.and_then(|cache| cache.get(k, m))
}

/// C (m x n, row-major, overwritten) = A (m x k) · B (k x n), from the kept lists of A's
/// columns, on up to `threads` threads. Panics unless the operands are as `suits` asks
/// (the share of zeros aside: any share gives the same bits).
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    kernel: Kernel,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    c: &mut [f32],
) {
    let kept = lists(m, k, a, b).expect(
        "matmul: the scatter path needs A the transpose of a row-major matrix with its lists \
         kept, B row-major and a sum of at most SCATTER_MAX_SUM terms",
    );
    if m == 0 || n == 0 {
        return;
    }
    // As on the sparse path, the work is about a fifth of the full sum's.
    let threads = threads_for(threads, m, k.div_ceil(5), n);
    let rows_of = |t: usize| threads::share(m, t, threads);
    let c_bands = threads::cut(c, (0..threads).map(|t| rows_of(t).len() * n));
    let jobs: Vec<(Range<usize>, &mut [f32])> = (0..threads).map(rows_of).zip(c_bands).collect();
    threads::run_each(threads, jobs, &|(rows, c_band)| {
        SCRATCH.with_borrow_mut(|scratch| band(kernel, kept, k, n, a, b, rows, c_band, scratch));
    });
}

/// The rows `rows` of C (held in `c`), with the given kernel build.
#[allow(clippy::too_many_arguments)]
fn band(
    kernel: Kernel,
    lists: &NonZeros,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    rows: Range<usize>,
    c: &mut [f32],
    scratch: &mut Scratch,
) {
    match kernel {
        Kernel::Portable => band_body::<GROUP>(lists, k, n, a, b, rows, c, scratch, slice_portable),
        Kernel::Avx512 => {
            assert!(
                kernel.is_available(),
                "matmul: the AVX-512 kernel was asked for on a CPU without AVX-512F, AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `band_avx512` is safe Rust compiled with AVX-512F, AVX2 and FMA enabled;
            // the only requirement for calling it is that the CPU has all three, which the
            // assert above has just checked at run time.
            unsafe {
                band_avx512(lists, k, n, a, b, rows, c, scratch)
            }
        }
        Kernel::Avx2Fma => {
            assert!(
                kernel.is_available(),
                "matmul: the AVX2+FMA kernel was asked for on a CPU without AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `band_avx2_fma` is safe Rust compiled with AVX2 and FMA enabled; the
            // only requirement for calling it is that the CPU has both, which the assert
            // above has just checked at run time.
            unsafe {
                band_avx2_fma(lists, k, n, a, b, rows, c, scratch)
            }
        }
    }
}

/// `band_body` built with AVX2 and FMA, its slices those of `slice_avx2_fma`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn band_avx2_fma(
    lists: &NonZeros,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    rows: Range<usize>,
    c: &mut [f32],
    scratch: &mut Scratch,
) {
    band_body::<GROUP>(
        lists,
        k,
        n,
        a,
        b,
        rows,
        c,
        scratch,
        // A closure inherits its function's target features: this call needs no `unsafe`.
        |blocks, slice| slice_avx2_fma(blocks, slice),
    )
}

/// `band_body` built with AVX-512F as well: blocks of 16, so four per listed element for
/// C's 50 columns instead of seven.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
#[allow(clippy::too_many_arguments)]
fn band_avx512(
    lists: &NonZeros,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    rows: Range<usize>,
    c: &mut [f32],
    scratch: &mut Scratch,
) {
    band_body::<WIDE>(lists, k, n, a, b, rows, c, scratch, |blocks, slice| {
        slice_avx512(blocks, slice)
    })
}

/// One slice of C's rows, `first..end`, and what making it reads: the lists of X's rows and
/// where each has got to, X's values (rows m long), B's padded rows, and the slice's rows of
/// C, zeroed.
struct Slice<'a> {
    lists: &'a [&'a [u32]],
    cursors: &'a mut [usize],
    x: &'a [f32],
    m: usize,
    b_rows: &'a [Row],
    c_rows: &'a mut [Row],
    first: usize,
    end: usize,
}

/// Makes the band's rows of C, CHUNK columns at a time and SLICE rows at a time: for each
/// slice, `make(blocks of LANES, the slice)` adds, for each row i of X in order and each of
/// its listed p in the slice, X[i][p] · B[i] into C's row p.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn band_body<const LANES: usize>(
    lists: &NonZeros,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    rows: Range<usize>,
    c: &mut [f32],
    scratch: &mut Scratch,
    make: impl Fn(usize, Slice),
) {
    let m = a.col_stride;
    let Scratch {
        c_rows,
        b_rows,
        starts,
        cursors,
    } = scratch;
    c_rows.resize(SLICE, ZERO_ROW);
    b_rows.resize(k, ZERO_ROW);
    let x_lists: Vec<&[u32]> = (0..k).map(|i| lists.row(i)).collect();
    // Where each list enters the band: at its start for the first band.
    starts.clear();
    starts.extend(x_lists.iter().map(|list| match rows.start {
        0 => 0,
        start => list.partition_point(|&p| (p as usize) < start),
    }));
    for j0 in (0..n).step_by(CHUNK) {
        let w = CHUNK.min(n - j0);
        for (i, b_row) in b_rows.iter_mut().enumerate() {
            b_row.0[..w].copy_from_slice(&b.data[i * b.row_stride + j0..][..w]);
            b_row.0[w..].fill(0.0);
        }
        cursors.clone_from(starts);
        // The band cut into slices of at most SLICE rows, as even as can be.
        let slices = rows.len().div_ceil(SLICE);
        for s in 0..slices {
            let first = rows.start + rows.len() * s / slices;
            let end = rows.start + rows.len() * (s + 1) / slices;
            let slice = &mut c_rows[..end - first];
            slice.fill(ZERO_ROW);
            let pieces = Slice {
                lists: &x_lists,
                cursors,
                x: a.data,
                m,
                b_rows,
                c_rows: slice,
                first,
                end,
            };
            make(w.div_ceil(LANES), pieces);
            for (p, row) in (first..end).zip(c_rows.iter()) {
                copy_row::<LANES>(&mut c[(p - rows.start) * n + j0..][..w], &row.0);
            }
        }
    }
}

/// One slice in the baseline build: the number of blocks picks the instance of `slice`.
fn slice_portable(blocks: usize, s: Slice) {
    match blocks {
        1 => slice_portable_of::<1>(s),
        2 => slice_portable_of::<2>(s),
        3 => slice_portable_of::<3>(s),
        4 => slice_portable_of::<4>(s),
        5 => slice_portable_of::<5>(s),
        6 => slice_portable_of::<6>(s),
        7 => slice_portable_of::<7>(s),
        _ => slice_portable_of::<8>(s),
    }
}

/// One instance of `slice` in the baseline build, a function of its own (as `sparse.rs`'s
/// passes are: LLVM keeps each one's blocks of B in registers).
#[inline(never)]
fn slice_portable_of<const BLOCKS: usize>(s: Slice) {
    slice::<false, GROUP, BLOCKS>(s)
}

/// One slice in the AVX2+FMA build: the number of blocks picks the instance of `slice`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn slice_avx2_fma(blocks: usize, s: Slice) {
    match blocks {
        1 => slice_avx2_fma_of::<1>(s),
        2 => slice_avx2_fma_of::<2>(s),
        3 => slice_avx2_fma_of::<3>(s),
        4 => slice_avx2_fma_of::<4>(s),
        5 => slice_avx2_fma_of::<5>(s),
        6 => slice_avx2_fma_of::<6>(s),
        7 => slice_avx2_fma_of::<7>(s),
        _ => slice_avx2_fma_of::<8>(s),
    }
}

/// One instance of `slice` in the AVX2+FMA build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn slice_avx2_fma_of<const BLOCKS: usize>(s: Slice) {
    slice::<true, GROUP, BLOCKS>(s)
}

/// One slice in the AVX-512 build: the number of blocks of 16 picks the instance of `slice`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
fn slice_avx512(blocks: usize, s: Slice) {
    match blocks {
        1 => slice_avx512_of::<1>(s),
        2 => slice_avx512_of::<2>(s),
        3 => slice_avx512_of::<3>(s),
        _ => slice_avx512_of::<4>(s),
    }
}

/// One instance of `slice` in the AVX-512 build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
#[inline(never)]
fn slice_avx512_of<const BLOCKS: usize>(s: Slice) {
    slice::<true, WIDE, BLOCKS>(s)
}

/// For each row i of X in order, and each of its listed p from where it has got to until the
/// slice's end: C's row p (in the slice) += X[i][p] · B[i], in BLOCKS blocks of LANES, B's
/// row held in registers. Each row's place in its list moves on to its first p past the
/// slice.
#[inline(always)]
fn slice<const FUSED: bool, const LANES: usize, const BLOCKS: usize>(s: Slice) {
    for (i, (&list, cursor)) in s.lists.iter().zip(s.cursors.iter_mut()).enumerate() {
        // The place in a local: kept in `cursors` through the loop, it was stored and loaded
        // again at every element, a chain through memory that made the path slower than the
        // blocked one (seen in the assembly).
        let mut at = *cursor;
        // A row of X with nothing in this slice (the top and bottom of an image).
        if list.get(at).is_none_or(|&p| (p as usize) >= s.end) {
            continue;
        }
        let b: [[f32; LANES]; BLOCKS] =
            std::array::from_fn(|q| s.b_rows[i].0[q * LANES..][..LANES].try_into().unwrap());
        let x_row = &s.x[i * s.m..][..s.m];
        while let Some(&p) = list.get(at) {
            let p = p as usize;
            if p >= s.end {
                break;
            }
            let v = x_row[p];
            let row = &mut s.c_rows[p - s.first].0;
            for (q, b) in b.iter().enumerate() {
                axpy_row::<FUSED, LANES>(
                    (&mut row[q * LANES..][..LANES]).try_into().unwrap(),
                    v,
                    b,
                );
            }
            at += 1;
        }
        *cursor = at;
    }
}
