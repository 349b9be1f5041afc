//! The last few columns of a narrow C: a second micro-kernel, with its vectors down C's
//! columns instead of along its rows.
//!
//! The 6 x 16 kernel computes C in tiles 16 columns wide, 8 at the least (`NR_NARROW`). This
//! network's C has 50 columns: three wide tiles and 2 columns left over, for which the narrow
//! tile computes 8 and keeps 2. Worse, a narrow tile has only 6 accumulators, too few to hide
//! the multiply-add's latency, so it costs nearly as much as a wide one (measured, one
//! thread, 100x784·784x50: 110 us against 90 for 48 columns; 784x100·100x50: 117 against 91).
//!
//! Here a vector holds 8 rows of one column of C instead. Each step loads 8 rows of A's
//! column `p` per vector and broadcasts B[p, j] for each of the `W` left-over columns; a tile
//! keeps at most 12 accumulators (48 rows for 2 columns, 24 for 4). This needs A's rows adjacent, as
//! where A is read in place as a transpose (`x.T · dout`, `ASliver::Adjacent`): the 8 values
//! are then one load. A row-major A (`x · W1`) keeps the narrow tile: its 8 rows are 8 values
//! far apart (a version that loaded 8 x 8 blocks and turned them was slower than the narrow
//! tile).
//!
//! Each element of C is still one chain of multiply-adds over `p` in order, from zero or from
//! C: the same arithmetic as the 6 x 16 kernel's, so the same bits (`tests/matmul_sparse.rs`
//! holds both to the scalar chain). Measured (one thread, 784x100·100x50, best of 3000):
//! 117 -> 103 us.
//!
//! Left out: skipping A's zero steps (the edge is a small part of the product, and a step is
//! cheap here), packing A, and a row-major A.

use super::kernel::{ASliver, Kernel, NR_NARROW, axpy_row, multiply_add};

/// The most left-over columns this kernel takes; wider edges use the narrow 6 x 8 tile, which
/// then keeps at least 5 of its 8 columns.
pub const EDGE_MAX: usize = 4;

/// C (`rows` x `w`, rows `ldc` apart) = or += A (`rows` x `kc`, `ASliver::Adjacent`) · B (the
/// packed narrow sliver: `kc` groups of NR_NARROW values, of which the first `w` are used).
///
/// Panics (programmer error) if A is not `ASliver::Adjacent`, `w` is 0 or above EDGE_MAX, a
/// slice is too short, or `kernel` cannot run on this CPU.
#[allow(clippy::too_many_arguments)]
pub fn run(
    kernel: Kernel,
    kc: usize,
    rows: usize,
    a: ASliver,
    b: &[f32],
    w: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    // A's slice and step go to the builds as plain arguments: passed inside the enum, LLVM
    // kept the accumulators in memory (seen in the assembly: scalar multiply-adds).
    let ASliver::Adjacent { data, step } = a else {
        panic!("edge::run: A must have its rows adjacent");
    };
    let b: &[[f32; NR_NARROW]] = &b.as_chunks::<NR_NARROW>().0[..kc];
    match kernel {
        Kernel::Portable => by_width::<false>(rows, data, step, b, w, c, ldc, accumulate),
        // The AVX-512 kernel's products take this build too (16 rows to a vector was
        // slower, chapter 11); the same fused multiply-adds give the same bits.
        Kernel::Avx2Fma | Kernel::Avx512 => {
            assert!(
                Kernel::Avx2Fma.is_available(),
                "matmul: the AVX2+FMA kernel was asked for on a CPU without AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `avx2_fma` is safe Rust compiled with AVX2 and FMA enabled; the only
            // requirement for calling it is that the CPU has both, which the assert above has
            // just checked at run time.
            unsafe {
                avx2_fma(rows, data, step, b, w, c, ldc, accumulate)
            }
        }
    }
}

/// The edge kernel built with AVX2 and FMA (see `kernel.rs`: one body, two builds).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn avx2_fma(
    rows: usize,
    data: &[f32],
    step: usize,
    b: &[[f32; NR_NARROW]],
    w: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    by_width::<true>(rows, data, step, b, w, c, ldc, accumulate)
}

/// Picks the instance for `w` columns.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn by_width<const FUSED: bool>(
    rows: usize,
    data: &[f32],
    step: usize,
    b: &[[f32; NR_NARROW]],
    w: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    let a = Adjacent { data, step };
    // Tiles of 48, 48, 32 and 24 rows: 6, 12, 12 and 12 accumulators.
    match w {
        1 => tiles::<FUSED, 1, 6>(rows, a, b, c, ldc, accumulate),
        2 => tiles::<FUSED, 2, 6>(rows, a, b, c, ldc, accumulate),
        3 => tiles::<FUSED, 3, 4>(rows, a, b, c, ldc, accumulate),
        4 => tiles::<FUSED, 4, 3>(rows, a, b, c, ldc, accumulate),
        _ => panic!("edge::run: {w} columns, expected 1 to {EDGE_MAX}"),
    }
}

/// A with its rows adjacent: rows `r..` of column `p` at `data[p * step + r..]`.
#[derive(Clone, Copy)]
struct Adjacent<'a> {
    data: &'a [f32],
    step: usize,
}

impl Adjacent<'_> {
    /// Rows `r..r + 8·V` of column `p`, as V vectors of 8.
    #[inline(always)]
    fn rows<const V: usize>(&self, r: usize, p: usize) -> &[[f32; 8]; V] {
        self.data[p * self.step + r..].as_chunks::<8>().0[..V]
            .try_into()
            .unwrap()
    }
}

/// Rows in tiles of 8·V (V vectors of 8 rows per column, at most 12 accumulators), then of
/// 8, then one by one.
#[inline(always)]
fn tiles<const FUSED: bool, const W: usize, const V: usize>(
    rows: usize,
    a: Adjacent,
    b: &[[f32; NR_NARROW]],
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    let mut r = 0;
    while r + 8 * V <= rows {
        tile::<FUSED, W, V>(a, r, b, &mut c[r * ldc..], ldc, accumulate);
        r += 8 * V;
    }
    while r + 8 <= rows {
        tile::<FUSED, W, 1>(a, r, b, &mut c[r * ldc..], ldc, accumulate);
        r += 8;
    }
    if r < rows && rows >= 8 && !accumulate {
        // The last rows: an 8-row tile ending at the last row, recomputing a few rows
        // already done (the same chains, so the same values). Adding to C, it would add
        // those rows' terms twice: then the rows go one by one below.
        let top = rows - 8;
        tile::<FUSED, W, 1>(a, top, b, &mut c[top * ldc..], ldc, accumulate);
        r = rows;
    }
    for i in r..rows {
        for j in 0..W {
            let mut acc = if accumulate { c[i * ldc + j] } else { 0.0 };
            for (p, bp) in b.iter().enumerate() {
                acc = multiply_add::<FUSED>(a.data[p * a.step + i], bp[j], acc);
            }
            c[i * ldc + j] = acc;
        }
    }
}

// ANCHOR: tile
/// One tile: rows `r..r + 8·V` of C's `W` edge columns. The 6 x 16 kernel's body turned on
/// its side: there a step broadcasts MR values of A against a row of B; here it broadcasts
/// W values of B (row `p` of the edge) against 8·V values of A (column `p`).
#[inline(always)]
fn tile<const FUSED: bool, const W: usize, const V: usize>(
    a: Adjacent,
    r: usize,
    b: &[[f32; NR_NARROW]],
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    // ab[v][j]: rows 8v..8v+8 of the tile's column j.
    let mut ab = [[[0.0f32; 8]; W]; V];
    if accumulate {
        for (v, ab_v) in ab.iter_mut().enumerate() {
            for (j, eight) in ab_v.iter_mut().enumerate() {
                *eight = std::array::from_fn(|l| c[(8 * v + l) * ldc + j]);
            }
        }
    }
    for (p, bp) in b.iter().enumerate() {
        let (columns, bp) = (a.rows::<V>(r, p), &bp[..W]);
        // One vector of A's column at a time, against each broadcast B[p, j]: for 2 columns,
        // 12 accumulators, 2 broadcasts and 1 vector of A fit the 16 registers.
        for (ab_v, column) in ab.iter_mut().zip(columns) {
            for (eight, &bj) in ab_v.iter_mut().zip(bp) {
                axpy_row::<FUSED, 8>(eight, bj, column);
            }
        }
    }
    // Out through a copy: the scatter into C's rows is a loop LLVM does not unroll, and a
    // loop indexing `ab` itself made it keep `ab` in memory, stored at every step (seen in
    // the assembly).
    let mut out = [[[0.0f32; 8]; W]; V];
    for (out_v, ab_v) in out.iter_mut().zip(&ab) {
        for (out_vj, ab_vj) in out_v.iter_mut().zip(ab_v) {
            *out_vj = *ab_vj;
        }
    }
    for (v, out_v) in out.iter().enumerate() {
        for (j, eight) in out_v.iter().enumerate() {
            for (l, &value) in eight.iter().enumerate() {
                c[(8 * v + l) * ldc + j] = value;
            }
        }
    }
}
// ANCHOR_END: tile
