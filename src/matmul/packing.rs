//! Packing: copying a block of A or B into the order the micro-kernel reads it.
//!
//! The micro-kernel walks `p` (the summed index) and wants, at each step, MR values of A and
//! NR values of B side by side. Packing lays a block out as a row of slivers: A's `mc x kc`
//! block becomes ⌈mc/MR⌉ slivers of `kc` groups of MR values (column by column), B's
//! `kc x nc` block becomes ⌈nc/NR⌉ slivers of `kc` groups of NR values (row by row), or, where
//! the AVX-512 build's tile takes four slivers at once, fours of `kc` groups of 4·NR. The
//! kernel then reads both with unit stride, and the copies are small enough to stay in cache
//! while they are reused (A's block in L2, B's block in L3, one sliver of B in or near L1).
//!
//! Ragged edges are padded with zeros up to a whole sliver, so the kernel always computes a
//! full tile; the padded rows and columns of the tile are simply not written back.
//!
//! Packing reads the operand through its strides, so a transposed operand (`x.T · dout`,
//! `dout · W.T`) costs the same as a plain one: the transpose happens during a copy that is
//! made anyway.

use super::Operand;
use super::kernel::{ASliver, BSliver, Kernel, MR, NR, NR_NARROW};
use super::padded::copy_row;

/// Packs A's block rows `i0..i0+mc`, columns `p0..p0+kc` into MR-row slivers (`packA_mcxkc`),
/// with the copy built for `kernel`'s CPU: where the CPU has AVX2, LLVM turns column after
/// column of MR rows (A read row by row) into 256-bit shuffles rather than 128-bit ones.
/// Square 256, one thread, the Xeon, old and new call by call: 1.03 with B's fours copied
/// inline as well (`pack_slivers_inline`), 1.013 with that alone (packing A is 8% of that
/// product's time); the copy is the same either way.
///
/// `out` must hold at least ⌈mc/MR⌉·MR·kc values. Panics (programmer error) if `kernel`
/// cannot run on this CPU.
pub fn pack_a(
    kernel: Kernel,
    a: &Operand,
    i0: usize,
    mc: usize,
    p0: usize,
    kc: usize,
    out: &mut [f32],
) {
    match kernel {
        Kernel::Portable => pack_slivers::<MR>(a, i0, mc, p0, kc, out),
        Kernel::Avx2Fma | Kernel::Avx512 => {
            assert!(
                kernel.is_available(),
                "pack_a: a build for {kernel:?} was asked for on a CPU without it"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `pack_a_avx2` is safe Rust compiled with AVX2 enabled; the only
            // requirement for calling it is that the CPU has AVX2, which both kernels need
            // and the assert above has just checked at run time.
            unsafe {
                pack_a_avx2(a, i0, mc, p0, kc, out)
            }
        }
    }
}

/// `pack_a` built with AVX2 (the same Rust: `pack_slivers_inline`, inlined here).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pack_a_avx2(a: &Operand, i0: usize, mc: usize, p0: usize, kc: usize, out: &mut [f32]) {
    pack_slivers_inline::<MR>(a, i0, mc, p0, kc, out);
}

/// Packs B's block rows `p0..p0+kc`, columns `j0..j0+nc` into NR-column slivers
/// (`packB_kcxnc`). The first `quads` columns (a multiple of 4·NR, or all `nc`) are packed
/// four slivers at a time with their rows side by side: row p of the four, 4·NR values, in
/// one piece (`BSliver::Quad`). A last sliver of at most NR/2 columns is packed NR/2 wide
/// (see `BSliver::Narrow`). Sliver `s` starts at `s·NR·kc` either way (a four at its first).
///
/// `out` must hold at least ⌈nc/NR⌉·NR·kc values.
pub fn pack_b(
    b: &Operand,
    p0: usize,
    kc: usize,
    j0: usize,
    nc: usize,
    quads: usize,
    out: &mut [f32],
) {
    assert!(
        quads <= nc && (quads == nc || quads.is_multiple_of(4 * NR)),
        "pack_b: {quads} columns in fours of a block of {nc}"
    );
    // B's columns play the part of A's rows: pack the transposed view. A four is a sliver
    // of 4·NR rows of it.
    let bt = b.t();
    pack_slivers::<{ 4 * NR }>(&bt, j0, quads, p0, kc, out);
    if quads == nc {
        return;
    }
    let (j0, nc, out) = (j0 + quads, nc - quads, &mut out[quads * kc..]);
    let wide = if nc % NR <= NR_NARROW {
        nc / NR * NR
    } else {
        nc
    };
    pack_slivers::<NR>(&bt, j0, wide, p0, kc, out);
    if wide < nc {
        pack_slivers::<NR_NARROW>(&bt, j0 + wide, nc - wide, p0, kc, &mut out[wide * kc..]);
    }
}

/// The `span` (1 to 4) slivers of packed B from column `jr` of its block (`nc` columns, `kc`
/// rows). Of two, the first is a whole wide sliver; of three, all; four are a four packed
/// side by side (`pack_b`'s `quads`).
pub fn b_slivers(packed: &[f32], jr: usize, span: usize, nc: usize, kc: usize) -> BSliver<'_> {
    if span == 4 {
        BSliver::Quad(&packed[jr * kc..(jr + 4 * NR) * kc])
    } else if span == 3 {
        let sliver = |s: usize| &packed[(jr + s * NR) * kc..(jr + (s + 1) * NR) * kc];
        match b_slivers(packed, jr + 2 * NR, 1, nc, kc) {
            BSliver::Wide(third) => BSliver::Triple(sliver(0), sliver(1), third),
            _ => unreachable!("b_slivers: three slivers are wide"),
        }
    } else if span == 2 {
        let first = &packed[jr * kc..(jr + NR) * kc];
        match b_slivers(packed, jr + NR, 1, nc, kc) {
            BSliver::Wide(second) => BSliver::Pair(first, second),
            BSliver::Narrow(second) => BSliver::WideNarrow(first, second),
            _ => unreachable!("b_slivers: one sliver is wide or narrow"),
        }
    } else if nc - jr <= NR_NARROW && nc % NR <= NR_NARROW {
        BSliver::Narrow(&packed[jr * kc..(jr + NR_NARROW) * kc])
    } else {
        BSliver::Wide(&packed[jr * kc..(jr + NR) * kc])
    }
}

/// The MR x kc sliver of A at rows `i0..i0+MR`, columns `p0..`, read where it lies: the
/// alternative to `pack_a` when A is used too few times to repay a copy. A must have a unit
/// stride and MR rows from `i0` on.
pub fn a_in_place<'a>(a: &Operand<'a>, i0: usize, p0: usize) -> ASliver<'a> {
    let start = i0 * a.row_stride + p0 * a.col_stride;
    if a.col_stride == 1 {
        ASliver::Rows {
            data: &a.data[start..],
            stride: a.row_stride,
        }
    } else {
        assert_eq!(a.row_stride, 1, "a_in_place: A has no unit stride");
        ASliver::Adjacent {
            data: &a.data[start..],
            step: a.col_stride,
        }
    }
}

/// Sliver-packs rows `r0..r0+len` x columns `c0..c0+kc` of `src`: sliver `s` holds, for each
/// column `p`, the R values of rows `r0+s·R ..`, zero where the rows run out.
///
/// Built for the baseline and kept out of line: inlined into B's packing (`pack_b_block`),
/// a transposed B (`dout · W1.T`, one thread) packed 27% slower and the product ran 5% slower.
#[inline(never)]
fn pack_slivers<const R: usize>(
    src: &Operand,
    r0: usize,
    len: usize,
    c0: usize,
    kc: usize,
    out: &mut [f32],
) {
    pack_slivers_inline::<R>(src, r0, len, c0, kc, out);
}

/// `pack_slivers`' body, inlined into each build that calls it.
// ANCHOR: pack_slivers
#[inline(always)]
fn pack_slivers_inline<const R: usize>(
    src: &Operand,
    r0: usize,
    len: usize,
    c0: usize,
    kc: usize,
    out: &mut [f32],
) {
    if len == 0 {
        return;
    }
    let slivers = len.div_ceil(R);
    assert!(
        out.len() >= slivers * R * kc,
        "pack: buffer of {} for {slivers} slivers of {R}x{kc}",
        out.len()
    );
    let (data, rs, cs) = (src.data, src.row_stride, src.col_stride);
    // The whole slivers of a source whose R rows of a column are adjacent, column by column
    // across all of them: each column is read straight along (B's rows, 4 KiB apart at
    // square 1024, were read 64 bytes from each), a fixed-size copy into each sliver. Square
    // 1024, one thread: packing B fell from 2.9 to 1.3% of the time (perf).
    let mut done = 0;
    if rs == 1 {
        done = len / R;
        for p in 0..kc {
            let at = r0 + (c0 + p) * cs;
            let column = &data[at..at + done * R];
            for (s, values) in column.chunks_exact(R).enumerate() {
                // NR values at a time (`copy_row`): a four's 64 values in one
                // `copy_from_slice` were a call of the C library's memcpy per row (square 256,
                // one thread: about 6% of the product's time, perf); inline, 1.3% faster.
                copy_row::<NR>(&mut out[(s * kc + p) * R..][..R], values);
            }
        }
    }
    for (s, sliver) in out
        .chunks_exact_mut(R * kc)
        .take(slivers)
        .enumerate()
        .skip(done)
    {
        let top = r0 + s * R;
        let h = R.min(len - s * R);
        let sliver: &mut [[f32; R]] = &mut sliver.as_chunks_mut::<R>().0[..kc];
        if h < R {
            sliver.iter_mut().for_each(|group| group.fill(0.0));
        }
        if rs == 1 {
            // Only a ragged last sliver comes here (the whole ones were packed above), its h
            // values of each column copied by `copy_row`: a `copy_from_slice` of h values was
            // a call of the C library's memcpy per column (`x · W1`, one thread: about 3% of
            // the product's time, perf).
            for (p, group) in sliver.iter_mut().enumerate() {
                copy_row::<NR>(&mut group[..h], &data[top + (c0 + p) * cs..]);
            }
        } else if cs == 1 && h == R {
            // Each row is contiguous along p: the R rows are read side by side, a value of
            // each per column, so that the CPU fetches from all R at once rather than from
            // one row after another (square 1024, one thread: packing A fell from 3.5 to 2.1%
            // of the time, perf). A four's 64 rows go NR at a time: with all 64 at once,
            // `dout · W1.T` on one thread ran at 62-75 GFLOP/s instead of 86-126.
            let start = top * rs + c0;
            if R > NR {
                for at in (0..R).step_by(NR) {
                    side_by_side::<NR, R>(&data[start + at * rs..], rs, kc, sliver, at);
                }
            } else {
                side_by_side::<R, R>(&data[start..], rs, kc, sliver, 0);
            }
        } else if cs == 1 {
            // Each row is contiguous along p: read it straight, write it R apart.
            for i in 0..h {
                let at = (top + i) * rs + c0;
                for (group, &v) in sliver.iter_mut().zip(&data[at..at + kc]) {
                    group[i] = v;
                }
            }
        } else {
            for (p, group) in sliver.iter_mut().enumerate() {
                for (i, g) in group[..h].iter_mut().enumerate() {
                    *g = src.at(top + i, c0 + p);
                }
            }
        }
    }
}
// ANCHOR_END: pack_slivers

/// H rows of `data` (`rs` apart, `kc` values each) read side by side into values `at..at + H`
/// of each group of `sliver`, column by column.
#[inline(always)]
fn side_by_side<const H: usize, const R: usize>(
    data: &[f32],
    rs: usize,
    kc: usize,
    sliver: &mut [[f32; R]],
    at: usize,
) {
    let rows: [&[f32]; H] = std::array::from_fn(|i| &data[i * rs..][..kc]);
    for (p, group) in sliver.iter_mut().enumerate() {
        let part: &mut [f32; H] = (&mut group[at..at + H]).try_into().unwrap();
        *part = std::array::from_fn(|i| rows[i][p]);
    }
}
