//! Tests asked for by `cargo mutants` on the matrix product (`src/matmul/`, `src/matrix.rs`):
//! each one pins a behaviour that the other matmul tests happened not to reach, so that a
//! mutant of it (named beside the test) is caught. See README, Contributing.
//!
//! Every product here is held, bit for bit, to the chain the kernel computes (one chain of
//! multiply-adds over the sum in order, from zero; `tests/matmul_sparse.rs` says why).

use backprop::matmul::{self, Kernel, Operand};

mod matmul_common;
use matmul_common::{chain, kernels};

/// The blocked product of `a` (m x k) and `b` (k x n) equals the chain bit for bit, for each
/// kernel and 1 and 2 threads.
fn check(m: usize, k: usize, n: usize, a: Operand, b: Operand, what: &str) {
    for kernel in kernels() {
        let expected = chain(m, k, n, &a, &b, kernel.fused());
        for threads in [1, 2] {
            let mut c = vec![f32::NAN; m * n];
            matmul::gemm_with(kernel, threads, m, k, n, a, b, &mut c);
            for (e, (x, y)) in c.iter().zip(&expected).enumerate() {
                assert!(
                    x.to_bits() == y.to_bits(),
                    "{what}: {m}x{k}·{k}x{n} {kernel:?} {threads} thread(s): C[{}][{}] is {x:e}, the chain gives {y:e}",
                    e / n,
                    e % n
                );
            }
        }
    }
}

/// An m x k matrix (row-major) that is zero except where `f(i, p)` says otherwise.
fn from_fn(m: usize, k: usize, f: impl Fn(usize, usize) -> f32) -> Vec<f32> {
    (0..m * k).map(|e| f(e / k, e % k)).collect()
}

/// Checks A (given as `f(i, p)`, m x k) times a B of ones-and-halves, with A stored plain and
/// as a transpose, and for a narrow C (A read in place) and a wide one (A packed).
fn check_all_layouts(m: usize, k: usize, f: impl Fn(usize, usize) -> f32, what: &str) {
    let plain = from_fn(m, k, &f);
    let stored_t = from_fn(k, m, |p, i| f(i, p));
    for n in [20, 260] {
        let b: Vec<f32> = (0..k * n).map(|e| 1.0 + (e % 7) as f32 * 0.5).collect();
        let b_op = Operand::row_major(&b, n);
        check(m, k, n, Operand::row_major(&plain, k), b_op, what);
        check(m, k, n, Operand::transposed(&stored_t, m), b_op, what);
    }
}

/// A column of an A sliver whose values have equal magnitudes (1 and -1) is not a zero
/// column: its bits cancel under XOR, not under OR. Kills `| -> ^` in `column_bits`
/// (sparsity.rs), which would skip the column. The column sits in the 8-wide part of a
/// sliver's scan and in its scalar tail (k = 61 is 7 x 8 + 5).
#[test]
fn equal_magnitudes_are_not_a_zero_column() {
    let (m, k) = (6, 61);
    for col in [3, 58] {
        check_all_layouts(
            m,
            k,
            |i, p| match (p == col, i) {
                (true, 0) => 1.0,
                (true, 1) => -1.0,
                (true, 2 | 3) => 0.75,
                _ => 0.0,
            },
            "equal magnitudes",
        );
    }
}

/// The smallest subnormal is not zero: a column holding only `f32::from_bits(1)` (and zeros)
/// must be summed. Kills `<< -> >>` in `magnitude` (sparsity.rs), which maps its bits to 0.
#[test]
fn the_smallest_subnormal_is_not_zero() {
    let tiny = f32::from_bits(1);
    let (m, k) = (6, 61);
    for col in [3, 58] {
        check_all_layouts(
            m,
            k,
            |i, p| if p == col && i % 2 == 0 { tiny } else { 0.0 },
            "smallest subnormal",
        );
    }
}

/// Whether a sliver's zero columns are skipped shows in one place only: a B row holding an
/// infinity under an all-zero column of A. Taken, the step adds `0 · ∞ = NaN`; skipped, it
/// adds nothing (the corner of IEEE arithmetic that sparsity.rs documents). So this checks
/// the skip decision itself, which finite data cannot see: for one 6 x 64 sliver (8 probes,
/// at p = 0, 8, ..) with the zero columns `zeros`, C must be NaN throughout if the columns
/// are not skipped, and else finite and bit-equal to the chain over the non-zero columns.
/// `skipped` is expected of the slivers the kernel reads packed or by columns, `rows_skipped`
/// of those it reads in place by rows (A plain and C 21 wide), whose threshold is
/// SKIP_ROWS_FROM.
fn check_skip_decision(zeros: &[usize], skipped: bool, rows_skipped: bool, what: &str) {
    let (m, k) = (6, 64);
    let f = |i: usize, p: usize| {
        if zeros.contains(&p) {
            0.0
        } else {
            0.25 + ((i * 7 + p * 3) % 11) as f32 * 0.125
        }
    };
    let plain = from_fn(m, k, f);
    let stored_t = from_fn(k, m, |p, i| f(i, p));
    // 21 = 16 + 5: the last 5 columns on the 6 x 8 tile, which skips steps as the wide one
    // does (an edge of 4 or fewer columns goes to `edge.rs`, which takes every step).
    for n in [21, 260] {
        let b: Vec<f32> = (0..k * n)
            .map(|e| {
                if zeros.contains(&(e / n)) {
                    f32::INFINITY
                } else {
                    1.0 - (e % 5) as f32 * 0.375
                }
            })
            .collect();
        // The same B with the rows under zero columns set to 0: its chain is the chain over
        // the non-zero columns.
        let b_finite: Vec<f32> = b
            .iter()
            .map(|&v| if v.is_finite() { v } else { 0.0 })
            .collect();
        let (b_op, b_finite_op) = (Operand::row_major(&b, n), Operand::row_major(&b_finite, n));
        for (layout, a_op) in [
            ("A plain", Operand::row_major(&plain, k)),
            ("A transposed", Operand::transposed(&stored_t, m)),
        ] {
            let skipped = if layout == "A plain" && n < matmul::PACK_A_FROM_N {
                rows_skipped
            } else {
                skipped
            };
            for kernel in kernels() {
                let mut c = vec![0.0f32; m * n];
                matmul::gemm_with(kernel, 1, m, k, n, a_op, b_op, &mut c);
                let context = format!("{what}, {layout}, n = {n}, {kernel:?}");
                if skipped {
                    let expected = chain(m, k, n, &a_op, &b_finite_op, kernel.fused());
                    for (x, y) in c.iter().zip(&expected) {
                        assert!(
                            x.to_bits() == y.to_bits(),
                            "{context}: the zero columns were not skipped ({x} for {y})"
                        );
                    }
                } else {
                    assert!(
                        c.iter().all(|x| x.is_nan()),
                        "{context}: zero columns were skipped, yet the sliver has too few"
                    );
                }
            }
        }
    }
}

/// One zero probe of 8 (p = 0) and 8 zero columns of 64 (exactly 1/SKIP_FROM): the sliver
/// is scanned and its list used, but for a sliver read by rows, which needs half its
/// columns zero. Half of them zero (32, every other one, all 8 probes zero): every layout
/// skips them. Kills, in `SkipLists::push` (sparsity.rs), the probe test
/// `zero_probes * skip_from < probes` turned `<=`, `==` or `* -> /` (they stop at the probe),
/// and the list test `(kc - len) * skip_from >= kc && len < kc` turned `>= -> <`, `* -> +`,
/// `* -> /`, `< -> ==` or `< -> >` (they drop the list); `column_bits`/`magnitude -> 1` (no
/// column ever looks zero); and a sliver read by rows given SKIP_FROM's threshold.
#[test]
fn a_sliver_with_one_zero_column_in_eight_skips_them() {
    assert_eq!(
        (matmul::SKIP_FROM, matmul::SKIP_ROWS_FROM),
        (8, 2),
        "the cases below are cut for SKIP_FROM = 8 and SKIP_ROWS_FROM = 2"
    );
    check_skip_decision(
        &[0, 1, 2, 3, 4, 5, 6, 7],
        true,
        false,
        "8 zero columns, one probed",
    );
    check_skip_decision(
        &(0..64).step_by(2).collect::<Vec<_>>(),
        true,
        true,
        "32 zero columns",
    );
}

/// One zero probe, but only 7 zero columns of 64: the scan finds too few and every step is
/// taken. Kills the list test turned `&& -> ||` or `kc - len -> kc + len`. And 31 zero
/// columns with every probe zero: one short of half, which a sliver read by rows needs (it
/// is scanned and then takes every step), while the others skip them.
#[test]
fn a_sliver_with_fewer_zero_columns_takes_every_step() {
    check_skip_decision(
        &[0, 1, 2, 3, 4, 5, 6],
        false,
        false,
        "7 zero columns, one probed",
    );
    let zeros: Vec<usize> = (0..64).step_by(2).filter(|&p| p != 2).collect();
    check_skip_decision(&zeros, true, false, "31 zero columns, all probed");
}

/// 14 zero columns, none of them probed: the probe sees a dense sliver and every step is
/// taken. Kills the probe test turned `<  -> >` or `* -> +`, and its filter `== 0 -> != 0`.
#[test]
fn a_sliver_whose_probes_see_no_zero_takes_every_step() {
    let zeros: Vec<usize> = (1..8).chain(9..16).collect();
    check_skip_decision(&zeros, false, false, "14 zero columns, none probed");
}

/// The probe of a sliver read in place by rows looks at all six of its rows. Here the first
/// sliver (rows 0-5 of an 18 x 64 A, C 21 wide) is zero but for rows 3 and 4, which hold
/// 0.5 at every probed column (p = 0, 8, ..): no probe is zero, so the sliver takes every
/// step, although its 56 other columns are zero (a B row of infinities under each makes
/// C's rows NaN). The other two slivers are dense, so that A as a whole stays below
/// SPARSE_FROM_PERCENT zeros and the kernel, not the sparse path, takes the product. Kills,
/// in `SkipLists::push` (sparsity.rs), the rows' probe reading rows `i + stride` or
/// `i / stride` (row 1 shifted, or row 0 six times), its ORs turned `&` or `^` (0.5 twice
/// cancels), and its filter `== 0 -> != 0`: each sees zero probes, scans, and skips.
#[test]
fn the_probe_of_a_sliver_read_by_rows_reads_its_six_rows() {
    let (m, k, n) = (18, 64, 21);
    assert!(
        n < matmul::PACK_A_FROM_N,
        "C must be narrow for A to be read in place"
    );
    let a = from_fn(m, k, |i, p| match i {
        3 | 4 if p % 8 == 0 => 0.5,
        0..6 => 0.0,
        _ => 0.25 + ((i * 7 + p * 3) % 11) as f32 * 0.125,
    });
    let b: Vec<f32> = (0..k * n)
        .map(|e| if (e / n) % 8 == 0 { 1.0 } else { f32::INFINITY })
        .collect();
    for kernel in kernels() {
        let mut c = vec![0.0f32; m * n];
        let (a_op, b_op) = (Operand::row_major(&a, k), Operand::row_major(&b, n));
        assert_eq!(matmul::path(m, k, n, a_op, b_op), matmul::Path::Blocked);
        matmul::gemm_with(kernel, 1, m, k, n, a_op, b_op, &mut c);
        let (first, rest) = c.split_at(6 * n);
        assert!(
            first.iter().all(|x| x.is_nan()),
            "{kernel:?}: the first sliver skipped its zero columns, yet no probe was zero"
        );
        assert!(
            rest.iter().all(|&x| x == f32::INFINITY),
            "{kernel:?}: the dense slivers should sum to +inf"
        );
    }
}

/// `threads_for` keeps its three documented limits: at most the threads asked for (and at
/// least 1), at most one per MR sliver of C's rows, and none with less than
/// MIN_MACS_PER_THREAD multiply-adds. Kills, in `threads_for` (gemm.rs), `m * k * n /
/// MIN_MACS_PER_THREAD` with either `*` turned `+` or the `/` turned `%` or `*`.
#[test]
fn threads_for_keeps_its_three_limits() {
    use matmul::{MIN_MACS_PER_THREAD, MR, threads_for};
    // Work for exactly 3 threads (60 x 64 x 64 = 3.75 x 2^16), 10 slivers.
    assert_eq!(
        MIN_MACS_PER_THREAD,
        1 << 16,
        "the shapes below are cut for 2^16"
    );
    assert_eq!(threads_for(4, 60, 64, 64), 3);
    assert_eq!(threads_for(2, 60, 64, 64), 2);
    // Plenty of work, two slivers of rows.
    assert_eq!(threads_for(8, 2 * MR, 1000, 1000), 2);
    // Less than one thread's worth of work, and 0 threads asked for.
    assert_eq!(threads_for(4, 10, 10, 10), 1);
    assert_eq!(threads_for(0, 600, 600, 600), 1);
    assert_eq!(threads_for(4, 600, 600, 600), 4);
}

/// Uniform values in [-1, 1) from `seed`.
fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = backprop::Rng::new(seed);
    (0..len)
        .map(|_| (rng.next_f64() * 2.0 - 1.0) as f32)
        .collect()
}

/// A narrow C (A read in place) with a sum longer than KC_IN_PLACE: the second slice of the
/// sum reads A from column p0 > 0 on, for A plain (Rows) and transposed (Adjacent). Kills
/// `i0 * row_stride + p0 * col_stride` in `a_in_place` (packing.rs) turned `+ -> -` or
/// `p0 * col_stride -> p0 / col_stride`.
#[test]
fn a_read_in_place_from_a_later_slice_of_the_sum() {
    let (m, k, n) = (12, matmul::KC_IN_PLACE + 76, 20);
    assert!(n < matmul::PACK_A_FROM_N);
    let a = random(m * k, 1);
    let b = random(k * n, 2);
    let b_op = Operand::row_major(&b, n);
    check(
        m,
        k,
        n,
        Operand::row_major(&a, k),
        b_op,
        "A plain, two slices",
    );
    // The same values stored k x m, read as the transpose.
    check(
        m,
        k,
        n,
        Operand::transposed(&a, m),
        b_op,
        "A transposed, two slices",
    );
}

/// The rows that pad a ragged A sliver to MR must be zeros, not what the reused buffer held
/// from an earlier product: a zero column of the real rows is only skipped when the padding
/// is zero too, and skipping shows (an infinity of B under it, see `check_skip_decision`).
/// Kills `if h < R` (zero the padding) in `pack_slivers` (packing.rs) turned `==` or `>`.
#[test]
fn the_padding_of_a_ragged_sliver_is_zeros() {
    let (k, n) = (64, 260);
    assert!(n >= matmul::PACK_A_FROM_N, "A must be packed");
    for kernel in kernels() {
        // First fill this thread's packed A with non-zeros (a whole sliver of ones).
        let ones = vec![1.0f32; 6 * k];
        let b = random(k * n, 3);
        let mut c = vec![0.0f32; 6 * n];
        matmul::gemm_with(
            kernel,
            1,
            6,
            k,
            n,
            Operand::row_major(&ones, k),
            Operand::row_major(&b, n),
            &mut c,
        );
        // Then 4 rows whose first 8 columns (1/SKIP_FROM of 64) are zero, over B rows of
        // infinities: skipped, they add nothing.
        let m = 4;
        let a: Vec<f32> = (0..m * k)
            .map(|e| if e % k < 8 { 0.0 } else { 0.5 + (e % 3) as f32 })
            .collect();
        let b_inf: Vec<f32> = b
            .iter()
            .enumerate()
            .map(|(e, &v)| if e / n < 8 { f32::INFINITY } else { v })
            .collect();
        let b_zero: Vec<f32> = b
            .iter()
            .enumerate()
            .map(|(e, &v)| if e / n < 8 { 0.0 } else { v })
            .collect();
        let a_op = Operand::row_major(&a, k);
        let mut c = vec![0.0f32; m * n];
        matmul::gemm_with(
            kernel,
            1,
            m,
            k,
            n,
            a_op,
            Operand::row_major(&b_inf, n),
            &mut c,
        );
        let expected = chain(
            m,
            k,
            n,
            &a_op,
            &Operand::row_major(&b_zero, n),
            kernel.fused(),
        );
        for (x, y) in c.iter().zip(&expected) {
            assert!(
                x.to_bits() == y.to_bits(),
                "{kernel:?}: {x} for {y}: the padding rows were not zero, so the zero columns were taken"
            );
        }
    }
}

/// An operand whose last element lies past its slice is refused by `gemm_with` with a message
/// that names it and its strides (a programmer error), before any product. Kills, in
/// `Operand::check` (matmul/mod.rs), the check removed, either `> 0` turned `<`, and
/// `(rows - 1) * row_stride` or `(cols - 1) * col_stride` turned `/` (each shape below is
/// one that only the multiplied term makes reach too far).
fn gemm_with_short_a(rows: usize, cols: usize, a: Operand) {
    let b = vec![1.0f32; cols * 2];
    let mut c = vec![0.0f32; rows * 2];
    matmul::gemm_with(
        Kernel::Portable,
        1,
        rows,
        cols,
        2,
        a,
        Operand::row_major(&b, 2),
        &mut c,
    );
}

#[test]
#[should_panic(expected = "gemm: A (3x2, strides 2, 1) reaches past its 5 values")]
fn a_row_major_operand_too_short_is_refused_by_name() {
    gemm_with_short_a(3, 2, Operand::row_major(&[1.0; 5], 2));
}

#[test]
#[should_panic(expected = "gemm: A (2x3, strides 1, 2) reaches past its 5 values")]
fn a_transposed_operand_too_short_is_refused_by_name() {
    gemm_with_short_a(2, 3, Operand::transposed(&[1.0; 5], 2));
}
