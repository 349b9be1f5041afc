//! The product held to its exact definition, bit for bit: every element of C is one chain of
//! multiply-adds over the sum in order, started from zero (`kernel.rs`). So the blocked
//! product must equal, to the last bit, a scalar loop that does just that, with `mul_add` for
//! the AVX2+FMA kernel and a separate multiply and add for the portable one.
//!
//! This is the test of the three ways of leaving out A's zeros: the blocked kernel's skipped
//! steps (`matmul/sparsity.rs`), the sparse path's row lists (`matmul/sparse.rs`) and the
//! scatter path's lists of a transposed A's columns (`matmul/scatter.rs`). A is
//! mostly zeros (as MNIST images are), with zero columns in runs and scattered, so that some
//! slivers skip steps and some do not. A skipped step or a listed column that was not all
//! zeros drops a term; a term taken twice or out of order changes the rounding: either shows
//! in the bits. Each product is computed on both paths, forced, and on the one `gemm` picks.

use backprop::Rng;
use backprop::matmul::{
    self, BandLists, NonZeroCache, NonZeros, Operand, PaddedCache, Path, SCATTER_MAX_SUM,
    SKIP_FROM, SPARSE_FROM_PERCENT,
};
use proptest::prelude::*;

mod matmul_common;
use matmul_common::{chain, kernels};

/// A (m x k) with each element zero with probability `zeros` (in [0, 1]), and whole columns
/// zero in runs (a blank margin, as in an image) with probability `blank`; other values in
/// [-1, 1).
fn sparse(m: usize, k: usize, zeros: f64, blank: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let blank_cols: Vec<bool> = (0..k).map(|_| rng.next_f64() < blank).collect();
    let mut a = vec![0.0f32; m * k];
    for i in 0..m {
        for p in 0..k {
            let v = (rng.next_f64() * 2.0 - 1.0) as f32;
            if !blank_cols[p] && rng.next_f64() >= zeros {
                a[i * k + p] = v;
            }
        }
    }
    a
}

fn dense(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| (rng.next_f64() * 2.0 - 1.0) as f32)
        .collect()
}

/// The lists of the non-zeros of each row of a `rows x cols` row-major matrix, kept as a
/// product keeps them.
fn kept_lists(rows: usize, cols: usize, values: &[f32]) -> NonZeroCache {
    let mut band = BandLists::new(0..rows, cols);
    for row in values.chunks(cols).take(rows) {
        let list: Vec<u16> = (0..cols as u16)
            .filter(|&p| row[p as usize] != 0.0)
            .collect();
        band.push_row_u16(&list);
    }
    let cache = NonZeroCache::new();
    cache.keep(NonZeros::new(rows, cols, vec![band]));
    cache
}

/// Checks the blocked product of a sparse A (stored as is, or as the transpose of a stored
/// matrix, as `x.T` is) and a dense B against `chain`, bit for bit, for each kernel and 1 and
/// 2 threads. A transposed A is also given with its stored rows' lists kept, as `x.T · dout`
/// is after the forward pass, so that it takes the scatter path where it can.
fn check(m: usize, k: usize, n: usize, zeros: f64, blank: f64, a_t: bool, seed: u64) {
    check_on(m, k, n, zeros, blank, a_t, seed, &[1, 2]);
}

/// `check` on each of the given thread counts.
#[allow(clippy::too_many_arguments)]
fn check_on(
    m: usize,
    k: usize,
    n: usize,
    zeros: f64,
    blank: f64,
    a_t: bool,
    seed: u64,
    thread_counts: &[usize],
) {
    let a = if a_t {
        // Stored k x m: the transpose of a sparse k x m matrix is a sparse m x k one.
        sparse(k, m, zeros, blank, seed)
    } else {
        sparse(m, k, zeros, blank, seed)
    };
    let b = dense(k * n, seed ^ 0x5eed);
    let a_op = if a_t {
        Operand::transposed(&a, m)
    } else {
        Operand::row_major(&a, k)
    };
    let b_op = Operand::row_major(&b, n);
    // B also as a matrix that keeps its rows padded to cache lines (`padded.rs`), which the
    // sparse path reads when A has PAD_B_FROM_ROWS rows or more.
    let b_padded = PaddedCache::new();
    let b_ops = [b_op, b_op.with_padded(&b_padded)];
    let cache = kept_lists(k, m, &a);
    let a_kept = Operand::transposed(&a, m).with_nonzeros(&cache);
    // Both paths where the sparse one can read the operands (A row-major, C 8 wide), each
    // forced whatever A holds, and the one `gemm_with` picks; for a transposed A, the same
    // with its lists kept, and the scatter path forced where the sum is short enough.
    let mut paths = vec![(None, a_op), (Some(Path::Blocked), a_op)];
    if !a_t && n >= 8 {
        paths.push((Some(Path::Sparse), a_op));
    }
    if a_t {
        paths.push((None, a_kept));
        if k <= SCATTER_MAX_SUM {
            paths.push((Some(Path::Scatter), a_kept));
        }
    }
    for kernel in kernels() {
        let expected = chain(m, k, n, &a_op, &b_op, kernel.fused());
        for (&threads, b_op) in thread_counts
            .iter()
            .flat_map(|t| b_ops.iter().map(move |b| (t, *b)))
        {
            for &(path, a_op) in &paths {
                let mut c = vec![f32::NAN; m * n];
                match path {
                    None => matmul::gemm_with(kernel, threads, m, k, n, a_op, b_op, &mut c),
                    Some(path) => {
                        matmul::gemm_on(path, kernel, threads, m, k, n, a_op, b_op, &mut c)
                    }
                }
                let same = c
                    .iter()
                    .zip(&expected)
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                let kept = a_op.nonzeros.is_some();
                let padded = b_op.padded.is_some();
                assert!(
                    same,
                    "{m}x{k}·{k}x{n} (zeros {zeros}, blank {blank}, a_t {a_t}, seed {seed}), {kernel:?}, {threads} threads, path {path:?}, lists kept {kept}, B padded {padded}: not the chain's bits"
                );
            }
        }
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7a65_726f),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Random shapes up to a few blocks, sparse and dense A, both layouts.
    #[test]
    fn blocked_is_the_chain_bit_for_bit(
        m in 1..=70usize,
        k in 1..=300usize,
        n in 1..=70usize,
        zeros in prop_oneof![Just(0.0), Just(0.5), Just(0.9), Just(1.0)],
        blank in prop_oneof![Just(0.0), Just(0.3), Just(0.7)],
        a_t in any::<bool>(),
        seed in any::<u64>(),
    ) {
        check(m, k, n, zeros, blank, a_t, seed);
    }
}

/// The training loop's products on MNIST-like data: `x · W1` (A plain) and `x.T · dout` (A
/// transposed), and a wide C (A packed), past a KC slice so that a later slice adds to C.
#[test]
fn network_shapes_bit_for_bit() {
    check(100, 784, 50, 0.8, 0.3, false, 1);
    check(784, 100, 50, 0.8, 0.3, true, 2);
    check(30, 600, 300, 0.8, 0.3, false, 3);
    check(30, 600, 300, 0.8, 0.3, true, 4);
}

/// Every way LOOP 2 groups B's slivers into a tile (the AVX-512 build: threes, twos where a
/// third would be left over, a wide and a narrow sliver, a lone one; the others: one at a
/// time), ragged or whole, A read in place by rows or by columns and packed (a C 300 wide),
/// every step or only the listed ones: each build this CPU has gives the chain's bits.
#[test]
fn tile_spans_bit_for_bit() {
    let mut seed = 200;
    for n in [16, 24, 32, 40, 44, 48, 50, 56, 60, 64, 68, 80, 100, 300] {
        for m in [6, 13] {
            for (zeros, a_t) in [(0.0, false), (0.0, true), (0.8, false), (0.8, true)] {
                seed += 1;
                check(m, 37, n, zeros, 0.3, a_t, seed);
            }
        }
    }
}

/// The last few columns of a C whose A has its rows adjacent (`x.T · dout`) go to the edge
/// kernel (`matmul/edge.rs`): 1 to 4 columns past the wide tiles, for row counts around its
/// tiles of 48 and 8 rows (and the 8-row tile that ends at the last row, recomputing a few),
/// for a sum in one slice and in two (the second adds to C, and the last rows go one by one).
/// A 5-column edge stays with the 6 x 8 tile. A plain A never takes the edge kernel.
#[test]
fn edge_columns_bit_for_bit() {
    let mut seed = 100;
    for n in [1, 2, 4, 18, 20, 21, 50] {
        for m in [1, 7, 8, 9, 48, 49, 57, 114] {
            for k in [3, matmul::KC_IN_PLACE + 5] {
                seed += 1;
                check(m, k, n, 0.5, 0.0, true, seed);
            }
        }
    }
}

/// The threshold is a real one: a sliver with fewer zero columns than 1/SKIP_FROM takes every
/// step (and still gives the chain's bits), one with more skips them.
#[test]
fn threshold_either_side() {
    const { assert!(SKIP_FROM >= 2) };
    let share = 1.0 / SKIP_FROM as f64;
    check(12, 512, 20, 0.0, share * 0.5, false, 5);
    check(12, 512, 20, 0.0, share * 2.0, false, 6);
}

/// The sparse path's passes: C one block wide, a width that is not a multiple of 8 (the last
/// block overlaps), exactly one pass (64), and two or more passes, the last narrower than a
/// block (66 = 64 + 2: it starts 6 columns early) or not (130). In the AVX-512 build (blocks
/// of 16, up to 128 columns a pass): one block (16), a last block of 8 that overlaps (50 = 3
/// x 16 + 2, 66, 84) or not (24), a last block of 16 that overlaps (25, 63, 90) or not (64),
/// a second pass of one block (130, 136); below 16 columns it takes the AVX2 build (8, 9,
/// 15). Each with B read where it lies (7 rows) and padded to whole cache lines
/// (PAD_B_FROM_ROWS rows), where the last block starts on its line and reads into the
/// padding instead of overlapping.
#[test]
fn sparse_path_every_pass_width() {
    for (n, seed) in [
        (8, 10),
        (9, 11),
        (15, 12),
        (16, 18),
        (24, 19),
        (25, 20),
        (50, 13),
        (63, 14),
        (64, 15),
        (66, 16),
        (84, 22),
        (90, 23),
        (130, 17),
        (136, 21),
    ] {
        check(7, 300, n, 0.8, 0.3, false, seed);
        check(matmul::PAD_B_FROM_ROWS, 300, n, 0.8, 0.3, false, seed + 100);
    }
}

/// The scatter path's pieces: C's rows made in slices of up to 128 (one row, just under, at
/// and just over a slice, several slices cut evenly) on 1 to 3 threads (a band that starts in
/// the middle of the lists); C's columns in chunks of 64 (1, 7 and 8 columns, one block of 16
/// and around it, 50, a whole chunk, a second chunk of one column and of 36, two whole
/// chunks and one past them); a sum of one term and of several.
#[test]
fn scatter_path_every_slice_and_chunk() {
    let mut seed = 300;
    for n in [1, 7, 8, 15, 16, 17, 50, 64, 65, 100, 128, 129] {
        for m in [1, 127, 128, 129, 300] {
            for k in [1, 9] {
                seed += 1;
                check_on(m, k, n, 0.6, 0.2, true, seed, &[1, 2, 3]);
            }
        }
    }
}

/// `gemm` takes the scatter path exactly when A is the transpose of a matrix whose lists are
/// kept, at least SPARSE_FROM_PERCENT of its elements zero (counted from the lists), B is
/// row-major and the sum is at most SCATTER_MAX_SUM long.
#[test]
fn the_scatter_path_needs_kept_lists_and_zeros() {
    let (m, n) = (40, 10);
    let path_of = |k: usize, zeros: usize, kept: bool, b_t: bool| -> Path {
        // X (k x m) with `zeros` zeros in each row of m, at its start.
        let x: Vec<f32> = (0..k * m)
            .map(|e| if e % m < zeros { 0.0 } else { 1.0 })
            .collect();
        let b = dense(k * n, 11);
        let b_op = if b_t {
            Operand::transposed(&b, k)
        } else {
            Operand::row_major(&b, n)
        };
        let cache = kept_lists(k, m, &x);
        let a = Operand::transposed(&x, m);
        let a = if kept { a.with_nonzeros(&cache) } else { a };
        matmul::path(m, k, n, a, b_op)
    };
    let half = m * SPARSE_FROM_PERCENT / 100;
    assert_eq!(path_of(100, half, true, false), Path::Scatter);
    assert_eq!(path_of(100, half - 1, true, false), Path::Blocked);
    assert_eq!(path_of(100, half, false, false), Path::Blocked);
    assert_eq!(path_of(100, half, true, true), Path::Blocked);
    assert_eq!(path_of(SCATTER_MAX_SUM, half, true, false), Path::Scatter);
    assert_eq!(
        path_of(SCATTER_MAX_SUM + 1, half, true, false),
        Path::Blocked
    );
}

/// `gemm` takes the sparse path exactly when A is row-major, C at least 8 wide and at least
/// SPARSE_FROM_PERCENT of A's sampled elements zero.
#[test]
fn the_path_follows_the_zeros_and_the_layout() {
    let (m, k, n) = (64, 256, 50);
    let share = SPARSE_FROM_PERCENT as f64 / 100.0;
    let b = dense(k * n, 7);
    let b_op = Operand::row_major(&b, n);
    // Zeros spread evenly (every element past a threshold of its index's hash is zero), so
    // that the sample sees about the share of the whole.
    let fill = |zeros: f64| -> Vec<f32> {
        (0..m * k)
            .map(|e| {
                let x = ((e as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64
                    / (1u64 << 53) as f64;
                if x < zeros { 0.0 } else { 1.0 + x as f32 }
            })
            .collect()
    };
    let mostly_zeros = fill(share + 0.15);
    let few_zeros = fill(share - 0.15);
    let plain = |a| Operand::row_major(a, k);
    assert_eq!(
        matmul::path(m, k, n, plain(&mostly_zeros), b_op),
        Path::Sparse
    );
    assert_eq!(
        matmul::path(m, k, n, plain(&few_zeros), b_op),
        Path::Blocked
    );
    // The layouts it cannot read, however many zeros: A transposed, B transposed, C narrow.
    let a_t = Operand::transposed(&mostly_zeros, m);
    assert_eq!(matmul::path(m, k, n, a_t, b_op), Path::Blocked);
    let b_t = Operand::transposed(&b, k);
    assert_eq!(
        matmul::path(m, k, n, plain(&mostly_zeros), b_t),
        Path::Blocked
    );
    assert_eq!(
        matmul::path(m, k, 7, plain(&mostly_zeros), Operand::row_major(&b, 7)),
        Path::Blocked
    );
}

/// The threshold exactly: with fewer than 256 elements every one is looked at, so A with
/// SPARSE_FROM_PERCENT% zeros takes the sparse path and with one zero fewer it does not.
#[test]
fn the_threshold_is_exact_on_a_small_a() {
    let (m, k, n) = (4, 50, 8);
    let zeros = m * k * SPARSE_FROM_PERCENT / 100;
    let b = dense(k * n, 8);
    let b_op = Operand::row_major(&b, n);
    for (count, expected) in [(zeros, Path::Sparse), (zeros - 1, Path::Blocked)] {
        // The zeros scattered: every other element first, then the rest.
        let mut a = vec![1.0f32; m * k];
        let order = (0..m * k).step_by(2).chain((1..m * k).step_by(2));
        for e in order.take(count) {
            a[e] = if e % 3 == 0 { -0.0 } else { 0.0 };
        }
        let a_op = Operand::row_major(&a, k);
        assert_eq!(
            matmul::path(m, k, n, a_op, b_op),
            expected,
            "{count} zeros of {}",
            m * k
        );
    }
}

/// An A whose rows lie further apart than its k columns (a view of the left part of a wider
/// matrix): the path samples A's own elements, at their rows and columns, never the gaps
/// between its rows. Rows whose first 20 columns hold one value and the other 30 another;
/// the gaps hold the first: 60% zeros or 40% in A itself, a different share in the first 200
/// values of the data, and another again in the first columns of each row.
#[test]
fn the_sample_skips_the_gaps_between_rows() {
    let (m, k, n, stride) = (4, 50, 8, 150);
    let b = dense(k * n, 10);
    let b_op = Operand::row_major(&b, n);
    for (first, rest, expected) in [(1.0, 0.0, Path::Sparse), (0.0, 1.0, Path::Blocked)] {
        let a: Vec<f32> = (0..m * stride)
            .map(|e| {
                if (20..k).contains(&(e % stride)) {
                    rest
                } else {
                    first
                }
            })
            .collect();
        assert_eq!(
            matmul::path(m, k, n, Operand::row_major(&a, stride), b_op),
            expected,
            "columns 0..20 of {first}, 20..50 of {rest}, gaps of {first}"
        );
    }
}

/// With A's lists kept, the path counts A's zeros exactly instead of sampling 256 of them: an
/// A of 1024 elements whose sampled places (every fourth) are all zero but whose other places
/// are not (25% zeros) is sparse by the sample and blocked by the count; at exactly
/// SPARSE_FROM_PERCENT% zeros, and one zero fewer, the count decides as on a small A.
#[test]
fn kept_lists_count_the_zeros_exactly() {
    use backprop::matmul::{BandLists, NonZeroCache, NonZeros};
    let (m, k, n) = (32, 32, 8);
    let b = dense(k * n, 9);
    let b_op = Operand::row_major(&b, n);
    let with_lists = |a: &[f32]| -> Path {
        let mut band = BandLists::new(0..m, k);
        for row in a.chunks(k) {
            let list: Vec<u16> = (0..k as u16).filter(|&p| row[p as usize] != 0.0).collect();
            band.push_row_u16(&list);
        }
        let cache = NonZeroCache::new();
        cache.keep(NonZeros::new(m, k, vec![band]));
        matmul::path(
            m,
            k,
            n,
            Operand::row_major(a, k).with_nonzeros(&cache),
            b_op,
        )
    };
    let sampled_zeros: Vec<f32> = (0..m * k)
        .map(|e| if e % 4 == 0 { 0.0 } else { 1.0 })
        .collect();
    assert_eq!(
        matmul::path(m, k, n, Operand::row_major(&sampled_zeros, k), b_op),
        Path::Sparse
    );
    assert_eq!(with_lists(&sampled_zeros), Path::Blocked);
    let zeros = m * k * SPARSE_FROM_PERCENT / 100;
    for (count, expected) in [(zeros, Path::Sparse), (zeros - 1, Path::Blocked)] {
        // The zeros at the places the sample does not look at first.
        let mut a = vec![1.0f32; m * k];
        let order = (0..m * k)
            .filter(|e| e % 4 != 0)
            .chain((0..m * k).step_by(4));
        for e in order.take(count) {
            a[e] = 0.0;
        }
        assert_eq!(with_lists(&a), expected, "{count} zeros of {}", m * k);
    }
}

/// The sparse path on a thread of its own (its list buffers start empty there), first with
/// a row with no zeros at all, whose list fills the buffer to its last place: the buffer must
/// be sized for a whole row plus the 8 places a group of positions is written into.
#[test]
fn a_fresh_thread_lists_a_row_without_zeros() {
    std::thread::spawn(|| {
        let (m, k, n) = (2, 64, 8);
        let a = dense(m * k, 20);
        let b = dense(k * n, 21);
        let (a_op, b_op) = (Operand::row_major(&a, k), Operand::row_major(&b, n));
        for kernel in kernels() {
            let expected = chain(m, k, n, &a_op, &b_op, kernel.fused());
            let mut c = vec![f32::NAN; m * n];
            matmul::gemm_on(Path::Sparse, kernel, 1, m, k, n, a_op, b_op, &mut c);
            assert!(
                c.iter()
                    .zip(&expected)
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
        }
    })
    .join()
    .expect("the sparse path panicked");
}
