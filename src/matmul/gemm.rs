//! The BLIS loop nest: five loops around the micro-kernel, each cutting the product into blocks
//! that fit one level of the memory hierarchy, and the threads that share it.
//!
//! ```text
//! LOOP 5  jc: C and B in column blocks of NC       (B's block lives in L3)
//! LOOP 4  pc: the sum over k in slices of KC       pack B[pc.., jc..] (kc x nc), shared
//! LOOP 3  ic: C and A in row blocks of MC          pack A[ic.., pc..] (mc x kc, lives in L2)
//! LOOP 2  jr: the B block in slivers of NR         (one sliver of B: the size of L1)
//! LOOP 1  ir: the A block in slivers of MR         micro-kernel: MR x NR tile of C
//! ```
//!
//! The AVX-512 build's tile spans two to four slivers of B (`kernel.rs`): LOOP 2 then steps
//! over them four at a time, the last few in threes or twos (`b_spans`), and B's block packs
//! each four as one (`quad_columns`, `pack_b`).
//!
//! For a narrow C (fewer than PACK_A_FROM_N columns, as 50 here) A is not packed but read
//! where it lies, and LOOPS 1 and 2 swap, so that each A sliver is fetched once. If A's rows
//! are adjacent there (`x.T · dout`), the last 1 to 4 columns go to a second kernel after
//! LOOP 3, with its vectors down C's columns (`edge.rs`).
//!
//! Threads: each block of B is packed by all threads together (each packs some of its
//! slivers), then each thread runs LOOPS 3 to 1 on its own band of C's rows. No two threads
//! ever write the same element of C or share a sum, and every element of C is computed by the
//! same chain of multiply-adds (over `p`, in order, see `kernel.rs`) whichever band, block or
//! slice it falls in. So the result is bit-identical for any thread count, and even for any
//! choice of the block sizes below.
//!
//! Left out: alpha/beta, and a separate path for tiny products (they go through the same
//! nest, with one short trip through each loop).

use std::cell::RefCell;
use std::ops::Range;

use super::Operand;
use super::edge::{self, EDGE_MAX};
use super::kernel::{self, ASliver, Kernel, MR, NR, NR_NARROW, Tiles};
use super::packing::{a_in_place, b_slivers, pack_a, pack_b};
use super::sparsity::SkipLists;
use super::threads;

// ANCHOR: block_sizes
/// Rows of A per packed block: the MC x KC block (240 KiB) stays in L2 (512 KiB per core on
/// Zen 3) while every sliver of B's block passes it. A multiple of MR.
pub const MC: usize = 120;
/// Rows of A per packed block in the AVX-512 build (`block_rows`): its tile reads four B
/// slivers at once (128 KiB at KC = 512), more than L1 holds, so they pass A's block in L2;
/// and processors with AVX-512 have more L2 (1 to 2 MiB per core; 2 MiB on the Xeon
/// measured). Square 1024, one thread: 2-3% faster than with MC (old and new alternating
/// product by product in one process); squares 256 and 512 and `dout · W1.T` level.
pub const MC_AVX512: usize = 240;
/// Length of a slice of the sum when A is packed. One B sliver (KC x NR f32 = 32 KiB) is as
/// large as L1 and no longer stays there beside A's sliver, yet measured the longer slice
/// wins: half the kernel calls, each of which loads and stores its C tile. 512 beat 256 by 3
/// to 7% at square 512 and 1024 (one thread, best of 3 s, three alternating rounds).
pub const KC: usize = 512;
/// Length of a slice of the sum when A is read in place (C narrower than PACK_A_FROM_N): B's
/// block (KC_IN_PLACE x n) is then small and sits in L2, and each A sliver stays in L1 while
/// B's slivers pass it.
pub const KC_IN_PLACE: usize = 1024;
/// Columns of B per packed block: KC x NC f32 = 8 MiB, a share of the 32 MiB L3. A multiple
/// of NR.
pub const NC: usize = 4096;

/// A is packed when C has at least this many columns. Packing costs about as much per
/// element as a few kernel steps; with few columns each element of A feeds only ⌈n/NR⌉ kernel
/// calls and the copy does not pay for itself, so narrower products read A in place.
pub const PACK_A_FROM_N: usize = 256;
// ANCHOR_END: block_sizes

/// Products with fewer multiply-adds (m·k·n) than this per thread run on fewer threads:
/// waking a worker and splitting the work costs a few microseconds.
pub const MIN_MACS_PER_THREAD: usize = 1 << 16;

/// A threaded product is cut into bands of at most about this many multiply-adds per slice of
/// the sum (if it has the rows for them), however few PARTS_PER_THREAD makes (`bands_for`).
pub const MACS_PER_PART: usize = 1 << 24;

/// B's block is packed by fewer threads when it has fewer elements than this per thread.
pub const MIN_PACK_PER_THREAD: usize = 1 << 14;

/// A threaded product is cut into this many parts per thread (bands of C's rows, shares of
/// B's slivers), claimed by the threads as they come free: a thread that falls behind (a
/// worker woken late on a busy machine) then holds up at most one small part.
pub const PARTS_PER_THREAD: usize = 4;

thread_local! {
    /// The packed block of B, owned by the thread that called `gemm` and lent to the others.
    static PACKED_B: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    /// Each thread's packed block of A. Both buffers are kept between products, so that a
    /// training loop does not allocate a fresh block per `dot`.
    static PACKED_A: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    /// Each thread's lists of the non-zero columns of its A slivers (`sparsity.rs`).
    static SKIP_LISTS: RefCell<SkipLists> = const { RefCell::new(SkipLists::new()) };
}

/// f32 values per cache line (64 bytes).
const LINE: usize = 16;

/// Where a buffer's first cache line starts, in values: a packed B sliver's rows (NR values,
/// one line) are read as two 8-value vectors each, and from a buffer that is not aligned to
/// a line every other vector straddles two lines. (`Vec` promises the alignment of `f32`
/// only; a large allocation typically starts 16 bytes past a page.)
pub(super) fn line_offset(buf: &[f32]) -> usize {
    let offset = buf.as_ptr().align_offset(LINE * size_of::<f32>());
    if offset < LINE { offset } else { 0 }
}

/// About how many rows of A a block has (LOOP 3): MC, or MC_AVX512 where the AVX-512 build
/// packs A. With A read in place there is no block of A to hold in L2, and 240 rows were
/// slower (`X·W1` 60000x784·784x50, one thread: -1.5%).
fn block_rows(kernel: Kernel, pack_whole_a: bool) -> usize {
    if pack_whole_a && kernel == Kernel::Avx512 {
        MC_AVX512
    } else {
        MC
    }
}

/// How many threads an m x k x n product runs on: at most `threads`, at most one per MR
/// sliver of C's rows, and none with less than MIN_MACS_PER_THREAD of work.
pub fn threads_for(threads: usize, m: usize, k: usize, n: usize) -> usize {
    let slivers = m.div_ceil(MR);
    let by_work = (m * k * n / MIN_MACS_PER_THREAD).max(1);
    threads.max(1).min(slivers).min(by_work)
}

/// LOOP 2's steps over a block's first `nc` columns: (first column, B slivers) for each tile
/// column. Where the kernel's tile spans several slivers (AVX-512), four at a time (6 x 64,
/// 24 accumulators), then three or two for the rest, and a narrow last sliver beside a wide
/// one; a sliver alone only where there is no other (a lone sliver has too few accumulators
/// to hide the multiply-add's latency). Three rather than two wherever they fit: the tile's
/// six broadcasts of A and its loop serve 18 multiply-adds instead of 12, and square 1024 on
/// one thread went from 126 to 133 GFLOP/s at the 90th percentile (one process, products
/// alternating between the two groupings, the same bits). Four rather than three: square 1024
/// is then 16 tiles of four instead of 20 of three and 2 of two, and its median went from
/// 149.9-150.3 to 151.3-151.9 GFLOP/s on one thread (the Xeon; three rounds of 2 s each,
/// alternating in one process; squares 256 and 512 within ±0.5%, `dout · W1.T` the same).
fn b_spans(kernel: Kernel, nc: usize) -> impl Iterator<Item = (usize, usize)> {
    let slivers = nc.div_ceil(NR);
    // (how many tiles, their span), in order.
    let tiles = if !kernel.groups_slivers() {
        [(slivers, 1), (0, 0), (0, 0), (0, 0), (0, 0)]
    } else {
        grouped_spans(nc, slivers)
    };
    let mut next = 0;
    tiles
        .into_iter()
        .flat_map(|(count, span)| std::iter::repeat_n(span, count))
        .map(move |span| {
            let first = next;
            next += span;
            (first * NR, span)
        })
}

/// The tiles of the AVX-512 build over a block's `slivers` slivers (`nc` columns), as
/// (how many, span): fours, a three or a two (or a three and a two), one alone, and the tile
/// of a narrow last sliver.
fn grouped_spans(nc: usize, slivers: usize) -> [(usize, usize); 5] {
    // A narrow last sliver goes beside the wide one before it, if there is one.
    let narrow_last = !nc.is_multiple_of(NR) && nc % NR <= NR_NARROW;
    let (wide, last) = match (narrow_last, slivers) {
        (true, 1) => (0, 1),
        (true, _) => (slivers - 2, 2),
        (false, _) => (slivers, 0),
    };
    // The wide slivers in fours, but for the last five when four would leave one alone.
    let fours = match wide % 4 {
        1 => (wide / 4).saturating_sub(1),
        _ => wide / 4,
    };
    // The rest in a three and a two, a three, a two, or alone (only where there is no other).
    let (threes, twos, alone) = match wide - 4 * fours {
        5 => (1, 1, 0),
        3 => (1, 0, 0),
        2 => (0, 1, 0),
        1 => (0, 0, 1),
        _ => (0, 0, 0),
    };
    [
        (fours, 4),
        (threes, 3),
        (twos, 2),
        (alone, 1),
        (usize::from(last > 0), last),
    ]
}

/// How many of a block's `nc` columns LOOP 2 takes four slivers at a time (`b_spans`), which
/// `pack_b` therefore packs as fours: a multiple of 4·NR, or all `nc` if the last four is
/// ragged.
fn quad_columns(kernel: Kernel, nc: usize) -> usize {
    if kernel.groups_slivers() {
        (grouped_spans(nc, nc.div_ceil(NR))[0].0 * 4 * NR).min(nc)
    } else {
        0
    }
}

/// How many of a block's `nc` columns the edge kernel takes (`edge.rs`): the few left over
/// after the wide slivers, or none.
fn edge_columns(nc: usize) -> usize {
    if nc % NR <= EDGE_MAX { nc % NR } else { 0 }
}

/// How many parts `len` items are cut into for `threads` threads.
#[cfg_attr(miri, mutants::skip)] // only how finely the work is cut: each part's values are the same whoever computes it
pub fn parts_of(len: usize, threads: usize) -> usize {
    if threads <= 1 {
        1
    } else {
        len.min(threads * PARTS_PER_THREAD).max(1)
    }
}

/// How many bands of C's rows (whole MR slivers) an m x k x n product, in slices of the sum
/// `kc` long, is cut into for `threads` threads: PARTS_PER_THREAD per thread, or more in a
/// large product, so that a thread that runs out of parts waits at most about one small part
/// for the other. Square 1024 on two threads, three alternating rounds:
/// medians 109-150 -> 138-157 GFLOP/s (8 parts -> 32); at 256 and 512, where the parts are
/// small already, 16 parts per thread were slower.
#[cfg_attr(miri, mutants::skip)] // only how finely the work is cut: each part's values are the same whoever computes it
fn bands_for(threads: usize, m: usize, kc: usize, n: usize) -> usize {
    let slivers = m.div_ceil(MR);
    let parts = parts_of(slivers, threads);
    if threads > 1 {
        parts.max((m * kc * n / MACS_PER_PART).min(slivers))
    } else {
        parts
    }
}

/// The slice length actually used for a sum of length `k`, at most `kc`: the slices are
/// made equal (784 = 4 x 196 rather than 3 x 256 + 16), so that none is a short, inefficient
/// remainder.
fn even_slices(k: usize, kc: usize) -> usize {
    k.div_ceil(k.div_ceil(kc).max(1)).max(1)
}

/// C (m x n, row-major, overwritten) = A (m x k) · B (k x n), on `threads_for(threads, ..)`
/// threads. Shapes are checked by the caller (`matmul::gemm_with`).
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
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(0.0);
        return;
    }
    let threads = threads_for(threads, m, k, n);
    let pack_whole_a = n >= PACK_A_FROM_N || (a.row_stride != 1 && a.col_stride != 1);
    let kc_max = even_slices(k, if pack_whole_a { KC } else { KC_IN_PLACE });
    let parts = bands_for(threads, m, kc_max, n);
    // The bands of C's rows, in whole MR slivers.
    let bands: Vec<Range<usize>> = (0..parts)
        .map(|t| {
            let s = threads::share(m.div_ceil(MR), t, parts);
            (s.start * MR).min(m)..(s.end * MR).min(m)
        })
        .collect();
    PACKED_B.with_borrow_mut(|b_whole| {
        let b_len = NC.min(n).div_ceil(NR) * NR * kc_max;
        if b_whole.len() < b_len + LINE {
            b_whole.resize(b_len + LINE, 0.0);
        }
        let offset = line_offset(b_whole);
        let b_buf = &mut b_whole[offset..][..b_len];
        // The last few columns of a product with A read in place and its rows adjacent go to
        // the edge kernel (`edge.rs`); LOOP 2 tiles the others.
        let a_adjacent = !pack_whole_a && matches!(a_in_place(a, 0, 0), ASliver::Adjacent { .. });
        // ANCHOR: loops_5_4
        // LOOP 5: column blocks of C and B.
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            // LOOP 4: slices of the sum; the first overwrites C, the rest add to it.
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let edge = if a_adjacent { edge_columns(nc) } else { 0 };
                let block = Block {
                    kernel,
                    k: pc..pc + kc,
                    j: jc..jc + nc,
                    n,
                    pack_whole_a,
                    edge,
                    quads: quad_columns(kernel, nc - edge),
                };
                pack_b_block(threads, b, &block, b_buf);
                let b_buf = &b_buf[..];
                // Each thread takes its band of C's rows; the bands are cut afresh for every
                // block, as `&mut` slices can only be lent out once.
                let c_bands = threads::cut(c, bands.iter().map(|band| band.len() * n));
                let jobs: Vec<(Range<usize>, &mut [f32])> =
                    bands.iter().cloned().zip(c_bands).collect();
                threads::run_each(threads, jobs, &|(band, c_band)| {
                    block.rows(a, band, b_buf, c_band)
                });
            }
        }
        // ANCHOR_END: loops_5_4
    });
}

/// Packs B's block (`block.k` x `block.j`) into `b_buf`, the slivers shared out among
/// `threads` threads (each sliver is `kc x NR` at `s·NR·kc`, so the shares are disjoint; a
/// four packed as one, `block.quads`, is never split).
fn pack_b_block(threads: usize, b: &Operand, block: &Block, b_buf: &mut [f32]) {
    let (kc, nc) = (block.k.len(), block.j.len());
    let slivers = nc.div_ceil(NR);
    // A small block is quicker to pack than to share out.
    let threads = threads.min((kc * nc / MIN_PACK_PER_THREAD).max(1));
    let parts = parts_of(slivers, threads);
    // A share's ends moved to the end of the four they fall in.
    let quad_slivers = block.quads.div_ceil(NR);
    let whole = |s: usize| {
        if s < quad_slivers {
            s.next_multiple_of(4)
        } else {
            s
        }
    };
    let shares = (0..parts)
        .map(|t| threads::share(slivers, t, parts))
        .map(|s| whole(s.start)..whole(s.end));
    let outs = threads::cut(b_buf, shares.clone().map(|s| s.len() * NR * kc));
    let jobs: Vec<(Range<usize>, &mut [f32])> = shares
        .map(|s| s.start * NR..(s.end * NR).min(nc))
        .zip(outs)
        .filter(|(cols, _)| !cols.is_empty())
        .collect();
    threads::run_each(threads, jobs, &|(cols, out)| {
        let quads = block.quads.saturating_sub(cols.start).min(cols.len());
        pack_b(
            b,
            block.k.start,
            kc,
            block.j.start + cols.start,
            cols.len(),
            quads,
            out,
        );
    });
}

/// One (jc, pc) block of the product: the columns `j` of C, the slice `k` of the sum.
struct Block {
    kernel: Kernel,
    k: Range<usize>,
    j: Range<usize>,
    /// C's row length.
    n: usize,
    pack_whole_a: bool,
    /// The block's last columns that go to the edge kernel (`edge_columns`), or 0.
    edge: usize,
    /// The block's first columns packed as fours (`quad_columns`).
    quads: usize,
}

impl Block {
    /// LOOPS 3 to 1 for the rows `rows` of C (held in `c`, row-major, `n` columns), with B's
    /// block packed in `b_buf`.
    fn rows(&self, a: &Operand, rows: Range<usize>, b_buf: &[f32], c: &mut [f32]) {
        let (kc, nc, n, pc, jc) = (
            self.k.len(),
            self.j.len(),
            self.n,
            self.k.start,
            self.j.start,
        );
        let (kernel, pack_whole_a) = (self.kernel, self.pack_whole_a);
        let accumulate = pc > 0;
        let m = rows.len();
        let with_buffers = |f: &mut dyn FnMut(&mut Vec<f32>, &mut SkipLists)| {
            PACKED_A.with_borrow_mut(|a_buf| SKIP_LISTS.with_borrow_mut(|skip| f(a_buf, skip)))
        };
        // The edge kernel's columns (`self.edge`) for the whole band at once, after LOOP 3.
        let a_band = (!pack_whole_a).then(|| a_in_place(a, rows.start, pc));
        let edge = self.edge;
        with_buffers(&mut |a_buf, skip| {
            // Row blocks of about MC rows, all alike: a band of 126 rows is one block, not
            // 120 + 6, whose 6-row block would drag all of B's block through the cache for
            // one sliver of A.
            let mc_about = block_rows(kernel, pack_whole_a);
            let blocks = ((m + mc_about / 2) / mc_about).max(1);
            let mc_max = m.div_ceil(blocks).div_ceil(MR) * MR;
            let a_len = mc_max * kc;
            if a_buf.len() < a_len {
                a_buf.resize(a_len, 0.0);
            }
            let mut tile = [0.0f32; MR * 4 * NR];
            // LOOP 3: row blocks of this thread's band.
            for ic in (0..m).step_by(mc_max) {
                let mc = mc_max.min(m - ic);
                let top = rows.start + ic;
                let whole = mc / MR * MR;
                if pack_whole_a {
                    pack_a(kernel, a, top, mc, pc, kc, a_buf);
                } else if whole < mc {
                    // Only the ragged last sliver is packed, to pad it with zeros.
                    pack_a(kernel, a, top + whole, mc - whole, pc, kc, a_buf);
                }
                let a_buf = &a_buf[..];
                // A's sliver at row `ir` of the block, packed or where it lies.
                let a_sliver = |ir: usize| {
                    if pack_whole_a {
                        ASliver::Adjacent {
                            data: &a_buf[ir * kc..],
                            step: MR,
                        }
                    } else if mc - ir < MR {
                        ASliver::Adjacent {
                            data: a_buf,
                            step: MR,
                        }
                    } else {
                        a_in_place(a, top + ir, pc)
                    }
                };
                // The zero columns of each A sliver, which the kernel skips.
                skip.clear();
                for ir in (0..mc).step_by(MR) {
                    skip.push(a_sliver(ir), kc);
                }
                // `count` tiles of C down from row `ir`, `span` B slivers wide: the
                // micro-kernel on the A slivers from `ir` on and the B slivers from `jr` on.
                // Whole packed tiles go to the kernel in one call; any other tile goes alone
                // (count 1), a ragged one aside.
                let mut micro_tiles = |ir: usize, count: usize, jr: usize, span: usize| {
                    let b_sliver = b_slivers(b_buf, jr, span, nc, kc);
                    let width = b_sliver.width();
                    let (mr, nr) = (MR.min(mc - ir), width.min(nc - jr));
                    let steps = |s: usize| skip.steps(ir / MR + s);
                    let at = (ic + ir) * n + jc + jr;
                    if count > 1 {
                        assert!(pack_whole_a, "matmul: only packed tiles go several at once");
                        let data = &a_buf[ir * kc..];
                        let tiles = Tiles::Packed {
                            data,
                            count,
                            steps: &steps,
                        };
                        kernel::run(kernel, kc, tiles, b_sliver, &mut c[at..], n, accumulate);
                        return;
                    }
                    let tiles = Tiles::One(a_sliver(ir), steps(0));
                    if mr == MR && nr == width {
                        kernel::run(kernel, kc, tiles, b_sliver, &mut c[at..], n, accumulate);
                    } else {
                        // A ragged edge: run the kernel on a full tile aside, holding the
                        // part of C that exists, and copy that part back.
                        if accumulate {
                            for (i, t_row) in tile.chunks_exact_mut(width).take(mr).enumerate() {
                                t_row[..nr].copy_from_slice(&c[at + i * n..at + i * n + nr]);
                            }
                        }
                        kernel::run(kernel, kc, tiles, b_sliver, &mut tile, width, accumulate);
                        for (i, t_row) in tile.chunks_exact(width).take(mr).enumerate() {
                            c[at + i * n..at + i * n + nr].copy_from_slice(&t_row[..nr]);
                        }
                    }
                };
                // ANCHOR: loops_2_1
                if pack_whole_a {
                    // LOOP 2: slivers of the packed B block (`span` at a time); each is
                    // reused while ...
                    for (jr, span) in b_spans(kernel, nc) {
                        // LOOP 1: ... every sliver of the packed A block (in L2) passes it:
                        // the whole tiles in one call of the kernel, then a ragged one.
                        let whole = if nc - jr >= span * NR { mc / MR } else { 0 };
                        if whole > 0 {
                            micro_tiles(0, whole, jr, span);
                        }
                        for ir in (whole * MR..mc).step_by(MR) {
                            micro_tiles(ir, 1, jr, span);
                        }
                    }
                } else {
                    // A read in place (C is narrow, so B's block is small and sits in L2):
                    // LOOPS 1 and 2 swap. Each A sliver is fetched once, from wherever A
                    // lies, and stays in L1 while every sliver of B passes it.
                    for ir in (0..mc).step_by(MR) {
                        for (jr, span) in b_spans(kernel, nc - edge) {
                            micro_tiles(ir, 1, jr, span);
                        }
                    }
                }
                // ANCHOR_END: loops_2_1
            }
        });
        if let (Some(a_band), true) = (a_band, edge > 0) {
            let jr = nc - edge;
            let b_edge = &b_buf[jr * kc..(jr + NR_NARROW) * kc];
            edge::run(
                kernel,
                kc,
                m,
                a_band,
                b_edge,
                edge,
                &mut c[jc + jr..],
                n,
                accumulate,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pack_b` packs as fours exactly the columns LOOP 2 takes four slivers at a time, which
    /// come first.
    #[test]
    fn quad_columns_are_the_fours_of_b_spans() {
        for kernel in [Kernel::Portable, Kernel::Avx2Fma, Kernel::Avx512] {
            for nc in 0..=400usize {
                let fours = b_spans(kernel, nc).filter(|&(_, span)| span == 4).count();
                let first = b_spans(kernel, nc)
                    .take_while(|&(_, span)| span == 4)
                    .count();
                assert_eq!(first, fours, "{kernel:?} nc {nc}");
                assert_eq!(
                    quad_columns(kernel, nc),
                    (fours * 4 * NR).min(nc),
                    "{kernel:?} nc {nc}"
                );
            }
        }
    }

    /// LOOP 2's tiles cover a block's slivers one after another, each a grouping that
    /// `b_slivers` takes (four or three wide slivers, a wide one and any, or one); the
    /// AVX-512 build leaves a sliver alone only where it has no neighbour to share a tile
    /// with, and takes four at a time but for at most one three, one two and the narrow last
    /// sliver's tile.
    #[test]
    fn spans_cover_the_slivers_in_tiles_b_slivers_takes() {
        for kernel in [Kernel::Portable, Kernel::Avx2Fma, Kernel::Avx512] {
            for nc in 0..=400usize {
                let slivers = nc.div_ceil(NR);
                let narrow = |s: usize| s + 1 == slivers && nc % NR != 0 && nc % NR <= NR_NARROW;
                let spans: Vec<(usize, usize)> = b_spans(kernel, nc).collect();
                let mut next = 0;
                for &(jr, span) in &spans {
                    assert_eq!(jr, next * NR, "{kernel:?} nc {nc}: {spans:?}");
                    assert!((1..=4).contains(&span), "{kernel:?} nc {nc}: {spans:?}");
                    // A narrow sliver is alone, or the second of a two.
                    for s in 0..span {
                        let allowed = span == 1 || (span == 2 && s == 1);
                        assert!(
                            allowed || !narrow(next + s),
                            "{kernel:?} nc {nc}: {spans:?}"
                        );
                    }
                    next += span;
                }
                assert_eq!(next, slivers, "{kernel:?} nc {nc}: {spans:?}");
                let count = |span: usize| spans.iter().filter(|s| s.1 == span).count();
                if !kernel.groups_slivers() {
                    assert_eq!(count(1), slivers, "{kernel:?} nc {nc}: {spans:?}");
                    continue;
                }
                let lone_allowed = slivers == 1 || (slivers == 3 && narrow(2));
                assert!(count(1) == 0 || lone_allowed, "nc {nc}: {spans:?}");
                let narrow_pair = usize::from(slivers >= 2 && narrow(slivers - 1));
                assert!(count(2) <= 1 + narrow_pair, "nc {nc}: {spans:?}");
                assert!(count(3) <= 1, "nc {nc}: {spans:?}");
                assert!(
                    slivers - 4 * count(4) <= 5 + 2 * narrow_pair,
                    "nc {nc}: {spans:?}"
                );
            }
        }
    }
}
