//! The blocked product held to the naive one: random and awkward shapes (empty, 1, primes,
//! every block boundary MR, NR, MC, KC, NC, this network's shapes), plain and transposed
//! operands, both kernels, and 1, 2 or 3 threads (which must agree bit for bit).

use backprop::Matrix;
use backprop::Rng;
use backprop::matmul::{
    self, KC, KC_IN_PLACE, Kernel, MC, MC_AVX512, MR, NC, NR, Operand, PACK_A_FROM_N,
};
use proptest::prelude::*;

/// The kernels this CPU can run: always the portable one, the AVX2+FMA one and the AVX-512
/// one where present.
fn kernels() -> Vec<Kernel> {
    [Kernel::Portable, Kernel::Avx2Fma, Kernel::Avx512]
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

/// Values in [-1, 1) from a seed.
fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| (rng.next_f64() * 2.0 - 1.0) as f32)
        .collect()
}

/// How an operand is stored: as it is, as the transpose of a stored matrix (`x.T`), or
/// spaced out (every other element of every other row), which neither stride can read as
/// contiguous and so takes the packers' general path.
#[derive(Clone, Copy, Debug)]
enum Layout {
    Plain,
    Transposed,
    Spaced,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::Plain),
        Just(Layout::Transposed),
        Just(Layout::Spaced)
    ]
}

/// Storage for a `rows x cols` operand in `layout`, filled from `seed`.
fn storage(rows: usize, cols: usize, layout: Layout, seed: u64) -> Vec<f32> {
    let len = match layout {
        Layout::Plain | Layout::Transposed => rows * cols,
        Layout::Spaced => 4 * rows * cols,
    };
    random(len, seed)
}

/// The `rows x cols` operand stored in `data` in `layout`.
fn operand(data: &[f32], rows: usize, cols: usize, layout: Layout) -> Operand<'_> {
    match layout {
        Layout::Plain => Operand::row_major(data, cols),
        Layout::Transposed => Operand::transposed(data, rows),
        Layout::Spaced => Operand {
            data,
            row_stride: 4 * cols,
            col_stride: 2,
            nonzeros: None,
            padded: None,
        },
    }
}

/// Checks `gemm_with(kernel, threads)` against the naive product on one shape and layout,
/// for every kernel this CPU runs and 1 and 2 threads.
///
/// The bound is the classic one for a sum of k products in f32: each element may be off by
/// about k·ε times the sum of the magnitudes of its terms (computed by the naive product of
/// |A| and |B|). A dropped or doubled term is off by ~1/k of that sum and fails it.
fn check(m: usize, k: usize, n: usize, la: Layout, lb: Layout, seed: u64) -> Result<(), String> {
    let a = storage(m, k, la, seed);
    let b = storage(k, n, lb, seed ^ 0x9e37_79b9);
    let (a_op, b_op) = (operand(&a, m, k, la), operand(&b, k, n, lb));
    let mut expected = vec![f32::NAN; m * n];
    matmul::gemm_naive(m, k, n, a_op, b_op, &mut expected);
    let a_abs: Vec<f32> = a.iter().map(|v| v.abs()).collect();
    let b_abs: Vec<f32> = b.iter().map(|v| v.abs()).collect();
    let mut magnitude = vec![0.0; m * n];
    matmul::gemm_naive(
        m,
        k,
        n,
        operand(&a_abs, m, k, la),
        operand(&b_abs, k, n, lb),
        &mut magnitude,
    );
    for kernel in kernels() {
        for threads in [1, 2] {
            let mut c = vec![f32::NAN; m * n];
            matmul::gemm_with(kernel, threads, m, k, n, a_op, b_op, &mut c);
            for (idx, ((&got, &want), &mag)) in c.iter().zip(&expected).zip(&magnitude).enumerate()
            {
                let tol = (k as f32 + 1.0) * f32::EPSILON * mag;
                // Written so that a NaN (an element never written) fails too.
                let close = (got - want).abs() <= tol;
                if !close {
                    return Err(format!(
                        "{m}x{k}·{k}x{n} (A {la:?}, B {lb:?}) {kernel:?} {threads} thread(s): \
                         C[{}][{}] = {got}, naive {want}, tolerance {tol}",
                        idx / n,
                        idx % n
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Sizes at an edge: empty, 1, one either side of each block boundary (MR, NR, NR/2 for the
/// narrow B sliver, MC and MC_AVX512, KC for packed A, KC_IN_PLACE for A read in place,
/// PACK_A_FROM_N where one turns into the other), primes, and this network's sizes.
fn edge() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![
        0,
        1,
        MR - 1,
        MR + 1,
        NR / 2 - 1,
        NR / 2 + 1,
        NR - 1,
        NR + 1,
        2 * NR + 3,
        MC - 1,
        MC + 1,
        MC_AVX512 - 1,
        MC_AVX512 + 1,
        KC - 1,
        KC + 1,
        KC_IN_PLACE - 1,
        KC_IN_PLACE + 1,
        PACK_A_FROM_N - 1,
        PACK_A_FROM_N + 1,
        97,
        131,
        10,
        50,
        100,
        784,
    ])
}

/// The same seeds on every run, and no files of past failures.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6d61_746d),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Small random shapes with at most one dimension moved to an edge; every layout of A and
    /// B, both kernels, 1 and 2 threads.
    #[test]
    fn blocked_equals_naive(
        small in [0..=40usize, 0..=40, 0..=40],
        which in 0..4usize,
        edge in edge(),
        la in layout(),
        lb in layout(),
        seed: u64,
    ) {
        let mut dims = small;
        if which < 3 {
            dims[which] = edge;
        }
        let [m, k, n] = dims;
        check(m, k, n, la, lb, seed).map_err(TestCaseError::fail)?;
    }

    /// Results are bit-identical for 1, 2 and 3 threads: the bands of rows never share a sum.
    #[test]
    fn thread_count_does_not_change_a_bit(
        m in 2 * MR..300usize,
        k in 1..600usize,
        n in 1..120usize,
        la in layout(),
        lb in layout(),
        seed: u64,
    ) {
        prop_assume!(matmul::threads_for(2, m, k, n) == 2);
        let a = storage(m, k, la, seed);
        let b = storage(k, n, lb, !seed);
        let (a_op, b_op) = (operand(&a, m, k, la), operand(&b, k, n, lb));
        for kernel in kernels() {
            let mut one = vec![0.0; m * n];
            matmul::gemm_with(kernel, 1, m, k, n, a_op, b_op, &mut one);
            for threads in [2, 3] {
                let mut many = vec![0.0; m * n];
                matmul::gemm_with(kernel, threads, m, k, n, a_op, b_op, &mut many);
                let same = one.iter().zip(&many).all(|(x, y)| x.to_bits() == y.to_bits());
                prop_assert!(same, "{m}x{k}x{n} {kernel:?}: {threads} threads differ from 1");
            }
        }
    }
}

/// This network's products, in the layouts the layers use them, and sizes crossing several
/// block boundaries at once.
#[test]
fn network_and_multi_block_shapes() {
    use Layout::{Plain, Spaced, Transposed};
    let shapes = [
        (100, 784, 50, Plain, Plain),      // x · W1
        (784, 100, 50, Transposed, Plain), // x.T · dout
        (100, 50, 784, Plain, Transposed), // dout · W1.T
        (100, 50, 10, Plain, Plain),       // h · W2
        (50, 100, 10, Transposed, Plain),  // h.T · dout
        (100, 10, 50, Plain, Transposed),  // dout · W2.T
        (2 * MC + 7, KC + 5, 3 * NR + 5, Plain, Plain),
        (2 * MC + 7, KC + 5, 3 * NR + 5, Transposed, Transposed),
        (MC + 1, 2 * KC + 1, NR + 3, Spaced, Plain),
        (
            2 * MC_AVX512 + 7,
            KC + 5,
            PACK_A_FROM_N + 3 * NR + 5,
            Plain,
            Plain,
        ),
        (257, 263, 131, Transposed, Spaced),
    ];
    for (m, k, n, la, lb) in shapes {
        check(m, k, n, la, lb, 7).unwrap();
    }
}

/// More columns than one NC block of B holds.
#[test]
fn crosses_the_nc_boundary() {
    check(MR + 1, 3, NC + NR + 1, Layout::Plain, Layout::Plain, 11).unwrap();
    check(
        MR + 1,
        3,
        NC + 1,
        Layout::Transposed,
        Layout::Transposed,
        12,
    )
    .unwrap();
}

/// `gemm` overwrites C, including when k = 0 (an empty sum is zero).
#[test]
fn empty_sum_gives_zeros() {
    let mut c = vec![f32::NAN; 6];
    matmul::gemm(
        2,
        0,
        3,
        Operand::row_major(&[], 0),
        Operand::row_major(&[], 3),
        &mut c,
    );
    assert_eq!(c, vec![0.0; 6]);
}

/// On an x86-64 CPU the fastest kernel it has is the one chosen: AVX-512 where there is
/// AVX-512F (with AVX2 and FMA), else AVX2+FMA where there are both, else the portable one.
#[cfg(target_arch = "x86_64")]
#[test]
fn detect_picks_the_widest_kernel_present() {
    let avx2_fma = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    let avx512 = avx2_fma && is_x86_feature_detected!("avx512f");
    let expected = if avx512 {
        Kernel::Avx512
    } else if avx2_fma {
        Kernel::Avx2Fma
    } else {
        Kernel::Portable
    };
    assert_eq!(Kernel::detect(), expected);
    assert_eq!(Kernel::Avx2Fma.is_available(), avx2_fma);
    assert_eq!(Kernel::Avx512.is_available(), avx512);
    assert!(Kernel::Portable.is_available());
}

#[test]
fn set_threads_is_read_back() {
    let before = matmul::threads();
    assert!(before >= 1);
    matmul::set_threads(3);
    assert_eq!(matmul::threads(), 3);
    matmul::set_threads(before);
}

fn matrix(rows: usize, cols: usize, seed: u64) -> Matrix {
    Matrix::from_vec(rows, cols, random(rows * cols, seed))
}

/// `(A·B)ᵀ = Bᵀ·Aᵀ`, exactly: both sides add the same products in the same order, however
/// differently the two products are cut into blocks and slices (the last shape reads A in
/// place in one slice on the left, packs it in three slices on the right).
#[test]
fn transpose_of_product_is_product_of_transposes() {
    let shapes = [
        (100, 784, 50),
        (37, 300, 19),
        (1, 5, 1),
        (MC + 1, KC + 1, NR + 1),
        (PACK_A_FROM_N + 9, 2 * KC + 3, 20),
    ];
    for (m, k, n) in shapes {
        let (a, b) = (matrix(m, k, 1), matrix(k, n, 2));
        assert_eq!(a.dot(&b).t(), b.t().dot(&a.t()), "{m}x{k}·{k}x{n}");
    }
}

/// `t_dot` and `dot_t` read an operand through strides; they must give exactly what an
/// explicit transpose followed by `dot` gives.
#[test]
fn strided_products_equal_explicit_transposes() {
    let x = matrix(100, 784, 3);
    let dout = matrix(100, 50, 4);
    let w = matrix(784, 50, 5);
    assert_eq!(x.t_dot(&dout), x.t().dot(&dout));
    assert_eq!(dout.dot_t(&w), dout.dot(&w.t()));
    assert_eq!(x.t_dot(&dout).shape(), (784, 50));
    assert_eq!(dout.dot_t(&w).shape(), (100, 784));
}

#[test]
#[should_panic(expected = "dot: 100x784 and 50x10 do not fit")]
fn dot_names_both_shapes() {
    matrix(100, 784, 1).dot(&matrix(50, 10, 2));
}

#[test]
#[should_panic(expected = "t_dot: the transpose of 100x784 and 50x10 do not fit")]
fn t_dot_names_both_shapes() {
    matrix(100, 784, 1).t_dot(&matrix(50, 10, 2));
}

#[test]
#[should_panic(expected = "dot_t: 100x50 and the transpose of 784x40 do not fit")]
fn dot_t_names_both_shapes() {
    matrix(100, 50, 1).dot_t(&matrix(784, 40, 2));
}

/// The `_into` products give exactly what the allocating ones give, whatever `out` held
/// before (another shape, stale values).
#[test]
fn into_variants_reuse_any_output() {
    let x = matrix(100, 784, 3);
    let dout = matrix(100, 50, 4);
    let w = matrix(784, 50, 5);
    let mut out = Matrix::from_vec(3, 7, vec![f32::NAN; 21]);
    x.dot_into(&w, &mut out);
    assert_eq!(out, x.dot(&w));
    x.t_dot_into(&dout, &mut out);
    assert_eq!(out, x.t_dot(&dout));
    dout.dot_t_into(&w, &mut out);
    assert_eq!(out, dout.dot_t(&w));
    let empty = Matrix::zeros(100, 0);
    empty.dot_into(&Matrix::zeros(0, 50), &mut out);
    assert_eq!(out, Matrix::zeros(100, 50), "an empty sum is zero");
}

#[test]
#[should_panic(expected = "dot_t_into: 100x50 and the transpose of 784x40 do not fit")]
fn dot_t_into_names_both_shapes() {
    let mut out = Matrix::zeros(1, 1);
    matrix(100, 50, 1).dot_t_into(&matrix(784, 40, 2), &mut out);
}
