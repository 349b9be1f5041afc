//! The product when most of A is zeros: each row of C made from the non-zeros of its row of A.
//!
//! Row i of C is a sum of rows of B, each scaled by one element of A's row i:
//! `C[i] = Σ_p A[i][p] · B[p]`. A zero element adds nothing, so this path lists the columns
//! p where A's row is not zero and adds up only those rows of B. An MNIST batch is 81% zeros
//! (the blank margin around each digit), so `x · W1`, in training and in every evaluation,
//! takes a fifth of the multiply-adds of the full sum, and no packing of A. B's rows are read
//! from a copy padded to whole cache lines, kept with B's values (`padded.rs`: W1 is copied
//! once per update), when A has at least PAD_B_FROM_ROWS rows and B is a matrix that keeps
//! one, else where they lie.
//!
//! The result is the same, bit for bit, as the blocked product's (`gemm.rs`): each element of
//! C is one chain of multiply-adds over p in order, started from +0.0, with the zero terms left
//! out, and a zero term never changes an accumulator (`sparsity.rs` says why, and names the one
//! corner where it would: an infinite or NaN element of B facing a zero of A).
//! `tests/matmul_sparse.rs` holds both paths to a scalar chain.
//!
//! How a row is computed: C's row is held in registers, up to 64 columns at a time as blocks
//! of 8 (one AVX register each), while the list is walked once. When C's width is not a
//! multiple of 8, the last block overlaps the one before it (50 columns: blocks at 0, 8, ..,
//! 40 and 42): columns 42..48 are computed twice, the same way. With AVX-512 (C at least 16
//! wide), up to 128 columns at a time as blocks of 16, the last one 8 wide when it adds at
//! most 8 columns (50: blocks at 0, 16, 32 and an 8 at 42). From a padded B the last block
//! starts on its line instead and reads into the padding (50: an 8 at 48), whose columns are
//! computed and not stored.
//!
//! Which path (`suits`): A row-major, B's rows contiguous, C at least 8 wide, and at least
//! SPARSE_FROM_PERCENT of a sample of A's elements zero (of all of them, counted from its
//! lists when they are kept). The choice depends on A's values only, never on the threads,
//! and either path gives the same bits.
//!
//! Threads: C's rows are cut into bands, claimed by the threads; each row is computed by one
//! thread from its own list.
//!
//! The lists are kept: when A is a `Matrix`, its operand carries a cache (`nonzeros.rs`), the
//! first product fills it, band by band, and the next product on the same values reads it
//! (the training loop multiplies each batch by W1 twice). A batch or an evaluation chunk of
//! MNIST images comes with the cache already filled by the data loader, which lists each
//! image's pixels once (`mnist.rs`).
//!
//! A transposed A whose stored rows' lists are kept (`x.T · dout`) takes a path of its own,
//! from the same lists (`scatter.rs`). Left out, each tried and measured no faster: lists per
//! stored column of a transposed A (they cost more to gather than they saved), and cutting
//! the sum into slices whose rows of B stay in L1 (tried again on the Xeon with AVX-512, in
//! a version written apart from the crate: a batch times W1, lists kept, 37.4 µs in slices
//! of 96 rows against 38.5 in one; what the slices save in loads from L2 they lose in
//! starting and stopping each row's walk at every slice). Not tried: a sparse B.

use std::cell::RefCell;
use std::ops::Range;

use super::Operand;
use super::gemm::{parts_of, threads_for};
use super::kernel::{Kernel, axpy_row};
use super::nonzeros::{BandLists, NonZeros};
use super::threads;

// ANCHOR: sparse_from
/// A product takes this path when at least this share (percent) of a sample of A's elements
/// are zero. Per multiply-add the row loop costs about what the blocked kernel does, plus the
/// listing, so it needs a good share of zeros to win. Measured on this machine, 100x784·784x50
/// with zeros scattered at random, one thread (sparse / blocked, µs): 30% zeros 265 / 222,
/// 40% 215 / 217, 50% 193 / 191, 60% 167 / 202, 70% 135 / 210, 80% 100 / 222.
pub const SPARSE_FROM_PERCENT: usize = 50;
// ANCHOR_END: sparse_from

/// How many of A's elements are looked at to choose the path: spread evenly over A.
const SAMPLES: usize = 256;

/// The width of a block of C's row in the portable and AVX2 builds (one AVX register), and
/// of the groups of values listed at once.
pub(super) const GROUP: usize = 8;

/// The width of a block of C's row in the AVX-512 build: one 512-bit register.
pub(super) const WIDE: usize = 16;

/// How many more places than values `list_nonzeros` needs in its output: it writes a whole
/// group of positions at a time.
pub const LIST_SPARE: usize = GROUP;

/// Blocks of C's row computed in one walk of a row's list: 8 accumulators, half of the AVX
/// registers (a pass of 64 columns), a quarter of the AVX-512 ones (128 columns).
const BLOCKS: usize = 8;

thread_local! {
    /// Each thread's scratch for listing a row, kept between products.
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

// ANCHOR: pad_b_from
/// B's rows are read from a copy padded to whole cache lines, kept with its values
/// (`padded.rs`), when A has at least this many rows. A copy costs about what a few dozen rows
/// of an MNIST batch save.
pub const PAD_B_FROM_ROWS: usize = 32;
// ANCHOR_END: pad_b_from

/// Whether an m x k by k x n product takes this path: A and B laid out as it reads them, C at
/// least 8 wide, and A mostly zeros (at least SPARSE_FROM_PERCENT of a sample, or of all its
/// elements when A's lists are kept: they count its non-zeros exactly, with no sample to take).
pub fn suits(m: usize, k: usize, n: usize, a: &Operand, b: &Operand) -> bool {
    if !readable(n, a, b) {
        return false;
    }
    if let Some(kept) = a.nonzeros.and_then(|cache| cache.get(m, k)) {
        return (m * k - kept.count()) * 100 >= SPARSE_FROM_PERCENT * m * k;
    }
    let zeros = zero_count(m, k, a);
    zeros * 100 >= SPARSE_FROM_PERCENT * SAMPLES.min(m * k)
}

/// Whether this path can read the operands: A's rows and B's rows contiguous, C at least one
/// block wide.
fn readable(n: usize, a: &Operand, b: &Operand) -> bool {
    a.col_stride == 1 && b.col_stride == 1 && n >= GROUP
}

/// How many of (at most) SAMPLES elements of A, spread evenly over it, are ±0.0.
fn zero_count(m: usize, k: usize, a: &Operand) -> usize {
    let len = m * k;
    // Element e of A, counted along its rows. Where the rows follow one another (a whole
    // matrix, the usual case) it is data[e], with no division into row and column: those
    // divisions were a fifth of the time of `h · W2` (100x50·50x10, perf). Measured in one
    // process beside the dividing version: the choice 0.50 -> 0.20 µs, the product 4.2 -> 3.3.
    let contiguous = a.col_stride == 1 && a.row_stride == k;
    let at = |e: usize| {
        if contiguous {
            a.data[e]
        } else {
            a.at(e / k, e % k)
        }
    };
    // SAMPLES (a constant: the division is a shift) evenly spaced, or every element.
    let spread = |s: usize| if len > SAMPLES { s * len / SAMPLES } else { s };
    (0..SAMPLES.min(len))
        .map(spread)
        .filter(|&e| at(e) == 0.0)
        .count()
}

/// C (m x n, row-major, overwritten) = A (m x k) · B (k x n), from A's non-zeros, on up to
/// `threads` threads. Panics unless the operands are laid out as `suits` asks.
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
    assert!(
        readable(n, a, b),
        "matmul: the sparse path needs A and B row-major and C at least {GROUP} wide"
    );
    // The work is a fifth (an MNIST batch) to a half (the threshold) of the full sum's: size
    // the threads by a fifth.
    let threads = threads_for(threads, m, k.div_ceil(5), n);
    let parts = parts_of(m, threads);
    let rows_of = |t: usize| threads::share(m, t, parts);
    // A's lists, kept from an earlier product on the same values; if there are none, each
    // band makes its own, and they are kept for the next product.
    let kept = a.nonzeros.and_then(|cache| cache.get(m, k));
    let mut made: Vec<BandLists> = match kept {
        Some(_) => Vec::new(),
        None => (0..parts).map(|t| BandLists::new(rows_of(t), k)).collect(),
    };
    let mut slots = made.iter_mut();
    let c_bands = threads::cut(c, (0..parts).map(|t| rows_of(t).len() * n));
    let jobs: Vec<(Range<usize>, &mut [f32], Option<&mut BandLists>)> = (0..parts)
        .map(rows_of)
        .zip(c_bands)
        .map(|(rows, c_band)| (rows, c_band, slots.next()))
        .collect();
    // B's rows as the passes read them: from the copy padded to whole cache lines kept with
    // B's values (`padded.rs`), when A has rows enough to pay for making one.
    let padded = b
        .padded
        .filter(|_| m >= PAD_B_FROM_ROWS && b.row_stride == n)
        .and_then(|cache| cache.rows_of(b, k, n, threads));
    let (b, b_width) = match padded {
        Some(rows) => (rows.operand(), rows.stride()),
        None => (*b, n),
    };
    threads::run_each(threads, jobs, &|(rows, c_band, slot)| {
        SCRATCH.with_borrow_mut(|scratch| {
            let lists = match (kept, slot) {
                (Some(kept), _) => Lists::Kept(kept),
                (None, Some(band)) => Lists::Made { band, scratch },
                (None, None) => unreachable!("a band without lists"),
            };
            band(kernel, k, n, a, &b, b_width, rows, c_band, lists)
        });
    });
    if let (None, Some(cache)) = (kept, a.nonzeros) {
        cache.keep(NonZeros::new(m, k, made));
    }
}

/// The rows `rows` of C (held in `c`), with the given kernel build.
#[allow(clippy::too_many_arguments)]
fn band(
    kernel: Kernel,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    b_width: usize,
    rows: Range<usize>,
    c: &mut [f32],
    lists: Lists,
) {
    match kernel {
        Kernel::Portable => band_body::<GROUP>(k, n, a, b, b_width, rows, c, lists, pass_portable),
        Kernel::Avx512 if n >= WIDE => {
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
                band_avx512(k, n, a, b, b_width, rows, c, lists)
            }
        }
        // The AVX-512 kernel's products narrower than its 16-wide block take this build (the
        // same fused multiply-adds, so the same bits).
        Kernel::Avx2Fma | Kernel::Avx512 => {
            assert!(
                Kernel::Avx2Fma.is_available(),
                "matmul: the AVX2+FMA kernel was asked for on a CPU without AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `band_avx2_fma` is safe Rust compiled with AVX2 and FMA enabled; the
            // only requirement for calling it is that the CPU has both, which the assert
            // above has just checked at run time.
            unsafe {
                band_avx2_fma(k, n, a, b, b_width, rows, c, lists)
            }
        }
    }
}

/// `band_body` built with AVX2 and FMA (see `kernel.rs`: one body, two builds), its passes
/// those of `pass_avx2_fma`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn band_avx2_fma(
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    b_width: usize,
    rows: Range<usize>,
    c: &mut [f32],
    lists: Lists,
) {
    band_body::<GROUP>(
        k,
        n,
        a,
        b,
        b_width,
        rows,
        c,
        lists,
        // A closure inherits its function's target features: this call needs no `unsafe`.
        |blocks, cols, a_row, b, ldb, wb, out| pass_avx2_fma(blocks, cols, a_row, b, ldb, wb, out),
    )
}

/// `band_body` built with AVX-512F as well, its blocks 16 columns wide (one 512-bit register
/// each) but for a short last one, its passes those of `pass_avx512`: for C's 50 columns four
/// loads and multiply-adds per listed value instead of the AVX2 build's seven.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
#[allow(clippy::too_many_arguments)]
fn band_avx512(
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    b_width: usize,
    rows: Range<usize>,
    c: &mut [f32],
    lists: Lists,
) {
    band_body::<WIDE>(
        k,
        n,
        a,
        b,
        b_width,
        rows,
        c,
        lists,
        |blocks, cols, a_row, b, ldb, wb, out| pass_avx512(blocks, cols, a_row, b, ldb, wb, out),
    )
}

/// Takes the list of the non-zeros of each row in `rows` of A (kept, or made now) and computes
/// that row of C from it, pass by pass: `pass(blocks of LANES in the pass, listed columns,
/// A's row, B from the pass's first column, B's row stride, how far each row of B may be
/// read from there, the pass's columns of C)`. C is at least LANES wide; B's rows may be read
/// `b_width` (at least n) from their start.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn band_body<const LANES: usize>(
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    b_width: usize,
    rows: Range<usize>,
    c: &mut [f32],
    mut lists: Lists,
    pass: impl Fn(usize, &[u32], &[f32], &[f32], usize, usize, &mut [f32]),
) {
    assert!(
        b_width >= n,
        "sparse: B's rows read {b_width} wide for {n} columns"
    );
    for (r, i) in rows.enumerate() {
        let row = &a.data[i * a.row_stride..][..k];
        let cols = lists.of_row(i, row);
        let c_row = &mut c[r * n..(r + 1) * n];
        let mut j0 = 0;
        while j0 < n {
            // A last pass narrower than a block starts a little earlier, overlapping.
            let j = j0.min(n - LANES);
            let w = (BLOCKS * LANES).min(n - j);
            let out = &mut c_row[j..j + w];
            pass(
                w.div_ceil(LANES),
                cols,
                row,
                &b.data[j..],
                b.row_stride,
                b_width - j,
                out,
            );
            j0 = j + w;
        }
    }
}

/// One pass in the baseline build: the number of blocks picks the instance of `pass`.
fn pass_portable(
    blocks: usize,
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    match blocks {
        1 => pass_portable_of::<0>(cols, a_row, b, ldb, wb, out),
        2 => pass_portable_of::<1>(cols, a_row, b, ldb, wb, out),
        3 => pass_portable_of::<2>(cols, a_row, b, ldb, wb, out),
        4 => pass_portable_of::<3>(cols, a_row, b, ldb, wb, out),
        5 => pass_portable_of::<4>(cols, a_row, b, ldb, wb, out),
        6 => pass_portable_of::<5>(cols, a_row, b, ldb, wb, out),
        7 => pass_portable_of::<6>(cols, a_row, b, ldb, wb, out),
        _ => pass_portable_of::<7>(cols, a_row, b, ldb, wb, out),
    }
}

/// One instance of `pass` in the baseline build, compiled as a function of its own (see
/// `pass_avx2_fma_of`).
#[inline(never)]
fn pass_portable_of<const FULL: usize>(
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    pass::<false, GROUP, GROUP, FULL>(cols, a_row, b, ldb, wb, out)
}

/// One pass in the AVX2+FMA build: the number of blocks picks the instance of `pass`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn pass_avx2_fma(
    blocks: usize,
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    match blocks {
        1 => pass_avx2_fma_of::<0>(cols, a_row, b, ldb, wb, out),
        2 => pass_avx2_fma_of::<1>(cols, a_row, b, ldb, wb, out),
        3 => pass_avx2_fma_of::<2>(cols, a_row, b, ldb, wb, out),
        4 => pass_avx2_fma_of::<3>(cols, a_row, b, ldb, wb, out),
        5 => pass_avx2_fma_of::<4>(cols, a_row, b, ldb, wb, out),
        6 => pass_avx2_fma_of::<5>(cols, a_row, b, ldb, wb, out),
        7 => pass_avx2_fma_of::<6>(cols, a_row, b, ldb, wb, out),
        _ => pass_avx2_fma_of::<7>(cols, a_row, b, ldb, wb, out),
    }
}

/// One instance of `pass` in the AVX2+FMA build, compiled as a function of its own. When all
/// eight were inlined into one function with the listing, LLVM kept the accumulators of some
/// in registers and turned others into scalar code on the stack, and which ones changed with
/// the rest of the function: 100x784 · 784xn took about 75 µs for n = 50 but 550-750 µs for
/// n = 41..48 and n > 56 (measured with rustc 1.95). Apart, each instance is small.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn pass_avx2_fma_of<const FULL: usize>(
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    pass::<true, GROUP, GROUP, FULL>(cols, a_row, b, ldb, wb, out)
}

/// One pass in the AVX-512 build: the number of blocks of 16, and whether the last one holds
/// at most 8 new columns, pick the instance of `pass`. Such a last block takes an 8-lane
/// register: for C's 50 columns, three blocks of 16 and one of 8 (42..50) instead of a fourth
/// of 16 (34..50), which read 64 bytes of each listed row of B, most of them twice. A batch of
/// 100 MNIST images times W1 (784x50), lists kept, one thread: 44.6 µs at the 10th percentile
/// in 8-wide blocks, 43.3 in 16-wide ones, 39.9 with the last block 8 wide (one process,
/// alternating, the same bits).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
fn pass_avx512(
    blocks: usize,
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    if blocks > 1 && out.len() <= WIDE * (blocks - 1) + GROUP {
        pass_avx512_with::<GROUP>(blocks, cols, a_row, b, ldb, wb, out)
    } else {
        pass_avx512_with::<WIDE>(blocks, cols, a_row, b, ldb, wb, out)
    }
}

/// `pass_avx512` with a last block TAIL wide.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
fn pass_avx512_with<const TAIL: usize>(
    blocks: usize,
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    match blocks {
        1 => pass_avx512_of::<0, TAIL>(cols, a_row, b, ldb, wb, out),
        2 => pass_avx512_of::<1, TAIL>(cols, a_row, b, ldb, wb, out),
        3 => pass_avx512_of::<2, TAIL>(cols, a_row, b, ldb, wb, out),
        4 => pass_avx512_of::<3, TAIL>(cols, a_row, b, ldb, wb, out),
        5 => pass_avx512_of::<4, TAIL>(cols, a_row, b, ldb, wb, out),
        6 => pass_avx512_of::<5, TAIL>(cols, a_row, b, ldb, wb, out),
        7 => pass_avx512_of::<6, TAIL>(cols, a_row, b, ldb, wb, out),
        _ => pass_avx512_of::<7, TAIL>(cols, a_row, b, ldb, wb, out),
    }
}

/// One instance of `pass` in the AVX-512 build, compiled as a function of its own (see
/// `pass_avx2_fma_of`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
#[inline(never)]
fn pass_avx512_of<const FULL: usize, const TAIL: usize>(
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    pass::<true, WIDE, TAIL, FULL>(cols, a_row, b, ldb, wb, out)
}

/// `out` (w columns, LANES·FULL < w ≤ LANES·FULL + TAIL) = Σ A[p] · B[p][..w] over the
/// listed p, B's rows `ldb` apart and readable `wb` (at least w) from their start: FULL blocks
/// of LANES from column 0, and a last block of TAIL, at LANES·FULL if the row is readable that
/// far (a padded B, `padded.rs`: the block reaches into the padding, whose columns are not
/// stored), else ending at w, overlapping the one before it when w - LANES·FULL < TAIL. The
/// last block has its own accumulator rather than a place in the array: as a member of the
/// array, LLVM cut it into pieces of 1, 4, 2 and 1 lanes (seen in the assembly).
#[inline(always)]
fn pass<const FUSED: bool, const LANES: usize, const TAIL: usize, const FULL: usize>(
    cols: &[u32],
    a_row: &[f32],
    b: &[f32],
    ldb: usize,
    wb: usize,
    out: &mut [f32],
) {
    let w = out.len();
    assert!(w >= TAIL && w > LANES * FULL && w <= LANES * FULL + TAIL && wb >= w);
    let tail = (LANES * FULL).min(wb - TAIL);
    let mut acc = [[0.0f32; LANES]; FULL];
    let mut last = [0.0f32; TAIL];
    for &p in cols {
        let p = p as usize;
        let v = a_row[p];
        let b_row = &b[p * ldb..][..wb];
        for (t, acc) in acc.iter_mut().enumerate() {
            axpy_row::<FUSED, LANES>(acc, v, b_row[LANES * t..][..LANES].try_into().unwrap());
        }
        axpy_row::<FUSED, TAIL>(&mut last, v, b_row[tail..][..TAIL].try_into().unwrap());
    }
    for (acc, out) in acc.iter().zip(out.as_chunks_mut::<LANES>().0) {
        *out = *acc;
    }
    out[tail..].copy_from_slice(&last[..w - tail]);
}

/// Where a band finds the non-zero columns of its rows of A, in order. Only the columns: the
/// product reads the values from A's row itself, which is in cache, and a list costs one
/// store per 8 values.
enum Lists<'a> {
    /// Kept from an earlier product on the same values (`nonzeros.rs`).
    Kept(&'a NonZeros),
    /// Made now, row by row, in `scratch` and kept in `band`.
    Made {
        band: &'a mut BandLists,
        scratch: &'a mut Scratch,
    },
}

impl Lists<'_> {
    /// The non-zero columns of row `i` of A, whose values are `row`.
    #[inline(always)]
    fn of_row(&mut self, i: usize, row: &[f32]) -> &[u32] {
        match self {
            Lists::Kept(kept) => kept.row(i),
            Lists::Made { band, scratch } => band.push_row(scratch.list(row)),
        }
    }
}

/// A thread's room for listing one row: the list is made here, in cache and with GROUP spare
/// places at its end, then copied to its band's lists.
#[derive(Debug, Default)]
struct Scratch {
    cols: Vec<u32>,
    /// One 0/1 flag per value of the row being listed.
    flags: Vec<u8>,
}

impl Scratch {
    const fn new() -> Scratch {
        Scratch {
            cols: Vec::new(),
            flags: Vec::new(),
        }
    }

    /// Lists the non-zeros of one contiguous row.
    #[inline(always)]
    fn list(&mut self, row: &[f32]) -> &[u32] {
        grow(&mut self.cols, row.len() + GROUP);
        grow(&mut self.flags, row.len());
        let len = list_nonzeros(row, &mut self.flags, &mut self.cols);
        &self.cols[..len]
    }
}

/// Makes `v` at least `len` long.
fn grow<T: Copy + Default>(v: &mut Vec<T>, len: usize) {
    if v.len() < len {
        v.resize(len, T::default());
    }
}

/// Writes each j with `values[j] != 0`, in order, to the front of `out`, and
/// returns how many. `out` must have `LIST_SPARE` (8) more places than `values` has values;
/// `flags` (scratch) as many as `values`. Public for the data loader, which lists the
/// non-zero pixels of each image (bytes) the same way, once (`mnist.rs`).
///
/// Without a branch per value: a first loop (which LLVM turns into vector compares) flags
/// each value 1 if non-zero; then for each 8 values, their 8 flags make one 8-bit mask, which
/// picks a row of POSITIONS: it is written whole (8 positions, one store), and the length
/// moves on by the mask's count. A branch per value on MNIST's patchy zeros mispredicts so
/// often that it cost more than the multiply-adds it saved (measured).
#[inline(always)]
pub fn list_nonzeros<T: Copy + Default + PartialEq>(
    values: &[T],
    flags: &mut [u8],
    out: &mut [u32],
) -> usize {
    let flags = &mut flags[..values.len()];
    for (f, &v) in flags.iter_mut().zip(values) {
        *f = u8::from(v != T::default());
    }
    let mut len = 0;
    let (chunks, tail) = flags.as_chunks::<GROUP>();
    for (c, chunk) in chunks.iter().enumerate() {
        // Eight 0/1 bytes -> 8 bits: the multiply moves byte l's bit to bit 56 + l, and
        // nothing else reaches bits 56..64.
        let mask = (u64::from_le_bytes(*chunk).wrapping_mul(0x0102_0408_1020_4080) >> 56) as usize;
        let at = (c * GROUP) as u32;
        let (positions, count) = &POSITIONS[mask];
        let out: &mut [u32; GROUP] = (&mut out[len..len + GROUP]).try_into().unwrap();
        *out = std::array::from_fn(|l| at + u32::from(positions[l]));
        len += usize::from(*count);
    }
    let at = chunks.len() * GROUP;
    for (l, &f) in tail.iter().enumerate() {
        out[len] = (at + l) as u32;
        len += usize::from(f);
    }
    len
}

/// For each mask of 8 bits: the positions of its set bits in increasing order (the rest 0),
/// and how many there are.
static POSITIONS: [([u8; GROUP], u8); 256] = positions();

const fn positions() -> [([u8; GROUP], u8); 256] {
    let mut table = [([0u8; GROUP], 0u8); 256];
    let mut mask = 0;
    while mask < 256 {
        let mut bit = 0;
        while bit < GROUP {
            if mask & (1 << bit) != 0 {
                let (positions, count) = &mut table[mask];
                positions[*count as usize] = bit as u8;
                *count += 1;
            }
            bit += 1;
        }
        mask += 1;
    }
    table
}
