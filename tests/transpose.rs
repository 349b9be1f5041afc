//! `.T`: the tiled transpose against the naive one, and `Matrix::t` against its definition.

use backprop::Matrix;
use backprop::transpose::{TILE, transpose_blocked, transpose_naive};
use proptest::prelude::*;

fn counting(len: usize) -> Vec<f32> {
    (0..len).map(|v| v as f32).collect()
}

/// One below, at and above the tile edge, a prime, and one row or column.
fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![
        0..=3 * TILE + 5,
        prop::sample::select(vec![1, TILE - 1, TILE, TILE + 1, 97, 784]),
    ]
}

/// The same seeds on every run, and no files of past failures.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7472_616e),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn blocked_equals_naive(rows in dim(), cols in dim()) {
        let src = counting(rows * cols);
        let mut naive = vec![f32::NAN; rows * cols];
        let mut blocked = vec![f32::NAN; rows * cols];
        transpose_naive(rows, cols, &src, &mut naive);
        transpose_blocked(rows, cols, &src, &mut blocked);
        prop_assert_eq!(naive, blocked);
    }

    #[test]
    fn t_t_is_identity(rows in dim(), cols in dim()) {
        let m = Matrix::from_vec(rows, cols, counting(rows * cols));
        prop_assert_eq!(m.t().t(), m);
    }

    /// `m.t()[c][r] == m[r][c]`, on shapes that are neither square nor tile multiples.
    #[test]
    fn t_moves_each_element(rows in 1..3 * TILE + 5, cols in 1..3 * TILE + 5) {
        let m = Matrix::from_vec(rows, cols, counting(rows * cols));
        let t = m.t();
        prop_assert_eq!(t.shape(), (cols, rows));
        for r in 0..rows {
            for c in 0..cols {
                prop_assert_eq!(t.get(c, r), m.get(r, c));
            }
        }
    }
}

#[test]
fn naive_transpose_by_hand() {
    let mut dst = vec![0.0; 6];
    transpose_naive(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &mut dst);
    assert_eq!(dst, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
}

#[test]
#[should_panic(expected = "transpose_blocked: dst is not 3x2")]
fn blocked_transpose_checks_its_output() {
    transpose_blocked(2, 3, &[0.0; 6], &mut [0.0; 5]);
}
