//! The BLIS loop nest: five loops around the micro-kernel, each cutting the product into blocks
//! that fit one level of the memory hierarchy.
//!
//! ```text
//! LOOP 5  jc: C and B in column blocks of NC       (B's block lives in L3)
//! LOOP 4  pc: the sum over k in slices of KC       pack B[pc.., jc..] (kc x nc)
//! LOOP 3  ic: C and A in row blocks of MC          pack A[ic.., pc..] (mc x kc, lives in L2)
//! LOOP 2  jr: the B block in slivers of NR         (one sliver of B lives in L1)
//! LOOP 1  ir: the A block in slivers of MR         micro-kernel: MR x NR tile of C
//! ```
//!
//! Every element of C is summed in the same order whatever the block of rows it is computed
//! in: KC slice by KC slice (in order), and within a slice `p` by `p`. That is what lets the
//! threads split C by rows and still give bit-identical results for any thread count.
//!
//! Left out: alpha/beta, and a separate path for tiny products (they go through the same
//! nest, with one short trip through each loop).

use std::cell::RefCell;

use super::Operand;
use super::kernel::{self, ASliver, Kernel, MR, NR};
use super::packing::{a_in_place, b_sliver, pack_a, pack_b};

/// Rows of A per packed block. MC x KC f32 = 72 KiB... see below; the packed A block is reused
/// by every sliver of B, so it must stay in L2 (512 KiB per core on Zen 3) next to the B
/// slivers streaming through it. A multiple of MR.
pub const MC: usize = 120;
/// Length of the summed slice. One B sliver (KC x NR f32 = 16 KiB) stays in L1 (32 KiB)
/// while the kernel sweeps the A slivers past it.
pub const KC: usize = 256;
/// Length of the summed slice when A is read in place (C narrower than PACK_A_FROM_N): B's
/// block (KC_IN_PLACE x n) is then small and sits in L2, and longer slices mean fewer trips
/// through C.
pub const KC_IN_PLACE: usize = 1024;
/// Columns of B per packed block: KC x NC f32 = 4 MiB, a share of the 32 MiB L3. A multiple
/// of NR.
pub const NC: usize = 4096;

/// A is packed when C has at least this many columns. Packing costs about as much per
/// element as a few kernel steps; with few columns each element of A feeds only ⌈n/NR⌉ kernel
/// calls and the copy does not pay for itself, so narrower products read A in place.
pub const PACK_A_FROM_N: usize = 256;

thread_local! {
    /// Each thread's packing buffers (A block, B block), kept between products so that a
    /// training loop does not allocate a fresh megabyte per `dot`.
    static PACKED: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The slice length actually used for a sum of length `k`, at most `kc`: the slices are
/// made equal (784 = 4 x 196 rather than 3 x 256 + 16), so that none is a short, inefficient
/// remainder.
fn even_slices(k: usize, kc: usize) -> usize {
    k.div_ceil(k.div_ceil(kc).max(1)).max(1)
}

/// Rows `rows.start..rows.end` of C = the same rows of A (m x k) · B (k x n).
///
/// `c` holds exactly those rows (row-major, `n` columns). This is the whole product on one
/// thread; the threaded `gemm` hands each thread a band of rows.
pub fn gemm_rows(
    kernel: Kernel,
    rows: std::ops::Range<usize>,
    k: usize,
    n: usize,
    a: &Operand,
    b: &Operand,
    c: &mut [f32],
) {
    let m = rows.len();
    assert_eq!(c.len(), m * n, "gemm_rows: C band is not {m}x{n}");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(0.0);
        return;
    }
    let pack_whole_a = n >= PACK_A_FROM_N || (a.row_stride != 1 && a.col_stride != 1);
    let kc_max = even_slices(k, if pack_whole_a { KC } else { KC_IN_PLACE });
    PACKED.with_borrow_mut(|(a_buf, b_buf)| {
        let a_len = MC.min(m).div_ceil(MR) * MR * kc_max;
        let b_len = NC.min(n).div_ceil(NR) * NR * kc_max;
        if a_buf.len() < a_len {
            a_buf.resize(a_len, 0.0);
        }
        if b_buf.len() < b_len {
            b_buf.resize(b_len, 0.0);
        }
        let mut tile = [0.0f32; MR * NR];
        // LOOP 5: column blocks of C and B.
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            // LOOP 4: slices of the sum; the first overwrites C, the rest add to it.
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let accumulate = pc > 0;
                pack_b(b, pc, kc, jc, nc, b_buf);
                // LOOP 3: row blocks of this thread's band.
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    let top = rows.start + ic;
                    let whole = mc / MR * MR;
                    if pack_whole_a {
                        pack_a(a, top, mc, pc, kc, a_buf);
                    } else if whole < mc {
                        // Only the ragged last sliver is packed, to pad it with zeros.
                        pack_a(a, top + whole, mc - whole, pc, kc, a_buf);
                    }
                    // One MR x NR tile of C: the micro-kernel on A sliver `ir`, B sliver `jr`.
                    let a_buf = &a_buf[..];
                    let mut micro_tile = |ir: usize, jr: usize| {
                        let (mr, nr) = (MR.min(mc - ir), NR.min(nc - jr));
                        let a_sliver = if pack_whole_a {
                            ASliver::Adjacent {
                                data: &a_buf[ir * kc..],
                                step: MR,
                            }
                        } else if mr < MR {
                            ASliver::Adjacent {
                                data: a_buf,
                                step: MR,
                            }
                        } else {
                            a_in_place(a, top + ir, pc)
                        };
                        let b_sliver = b_sliver(b_buf, jr, nc, kc);
                        let at = (ic + ir) * n + jc + jr;
                        if mr == MR && nr == NR {
                            kernel::run(
                                kernel,
                                kc,
                                a_sliver,
                                b_sliver,
                                &mut c[at..],
                                n,
                                accumulate,
                            );
                        } else {
                            // A ragged edge: run the kernel on a full tile aside, holding
                            // the part of C that exists, and copy that part back.
                            if accumulate {
                                for (i, t_row) in tile.chunks_exact_mut(NR).take(mr).enumerate() {
                                    t_row[..nr].copy_from_slice(&c[at + i * n..at + i * n + nr]);
                                }
                            }
                            kernel::run(kernel, kc, a_sliver, b_sliver, &mut tile, NR, accumulate);
                            for (i, t_row) in tile.chunks_exact(NR).take(mr).enumerate() {
                                c[at + i * n..at + i * n + nr].copy_from_slice(&t_row[..nr]);
                            }
                        }
                    };
                    if pack_whole_a {
                        // LOOP 2: slivers of the packed B block; each stays in L1 while ...
                        for jr in (0..nc).step_by(NR) {
                            // LOOP 1: ... every sliver of the packed A block (in L2) passes it.
                            for ir in (0..mc).step_by(MR) {
                                micro_tile(ir, jr);
                            }
                        }
                    } else {
                        // A read in place (C is narrow, so B's block is small and sits in L2):
                        // LOOPS 1 and 2 swap. Each A sliver is fetched once, from wherever A
                        // lies, and stays in L1 while every sliver of B passes it.
                        for ir in (0..mc).step_by(MR) {
                            for jr in (0..nc).step_by(NR) {
                                micro_tile(ir, jr);
                            }
                        }
                    }
                }
            }
        }
    });
}
