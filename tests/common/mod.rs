//! Helpers shared by the integration tests: random matrices for proptest, a numerical
//! derivative evaluated in f64 around the crate's f32 layers, and the relative error used by
//! every gradient check.
//!
//! Each test file compiles this module on its own and uses a part of it.
#![allow(dead_code)]

use backprop::Matrix;
use proptest::prelude::*;

/// A `rows x cols` matrix with every element drawn from `values`.
pub fn matrix_of(
    rows: usize,
    cols: usize,
    values: impl Strategy<Value = f32>,
) -> impl Strategy<Value = Matrix> {
    prop::collection::vec(values, rows * cols)
        .prop_map(move |data| Matrix::from_vec(rows, cols, data))
}

/// A `rows x cols` matrix of uniform values in `lo..hi`.
pub fn matrix(rows: usize, cols: usize, lo: f32, hi: f32) -> impl Strategy<Value = Matrix> {
    matrix_of(rows, cols, lo..hi)
}

/// Values of magnitude in `min..max` with either sign: inputs kept away from a kink at 0
/// (Relu's), so that no probe x ± h crosses it when h < min.
pub fn away_from_zero(min: f32, max: f32) -> impl Strategy<Value = f32> {
    (min..max, any::<bool>()).prop_map(|(m, negative)| if negative { -m } else { m })
}

/// A one-hot `rows x classes` label matrix.
pub fn one_hot(labels: &[usize], classes: usize) -> Matrix {
    let mut t = Matrix::zeros(labels.len(), classes);
    for (r, &label) in labels.iter().enumerate() {
        t.set(r, label, 1.0);
    }
    t
}

/// Σ a ⊙ b, summed in f64.
pub fn dot64(a: &Matrix, b: &Matrix) -> f64 {
    assert_eq!(a.shape(), b.shape(), "dot64: shapes differ");
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(&a, &b)| a as f64 * b as f64)
        .sum()
}

/// ∂f/∂x for every element of `x`, by central differences, with the arithmetic around the
/// f32 function in f64.
///
/// Why not simply (f(x + h) − f(x − h)) / 2h in f32: the error of a central difference is
/// truncation, h²·|f‴|/6, plus rounding, (error of f) / h. Here `f` returns f64 (the test sums
/// the f32 layer's outputs in f64), so the only rounding left is the layer's own, about
/// 6e-8 relative per output. With h = 1e-2 that contributes ~1e-5 relative, truncation about
/// as much for the smooth layers and nothing for the linear Affine: checks agree to ~1e-5,
/// while a wrong derivative (a dropped factor, a missing 1/N, a wrong transpose) is wrong by
/// tens of percent. The step is the one actually taken, (x + h) − (x − h) as rounded to f32,
/// not 2h, so the f32 grid does not bias the quotient.
pub fn numerical_gradient_f64(mut f: impl FnMut(&Matrix) -> f64, x: &Matrix, h: f32) -> Vec<f64> {
    let mut x = x.clone();
    let mut grad = Vec::with_capacity(x.as_slice().len());
    for i in 0..x.as_slice().len() {
        let tmp_val = x.as_slice()[i];
        let plus = tmp_val + h;
        let minus = tmp_val - h;
        x.as_mut_slice()[i] = plus;
        let fxh1 = f(&x);
        x.as_mut_slice()[i] = minus;
        let fxh2 = f(&x);
        x.as_mut_slice()[i] = tmp_val;
        grad.push((fxh1 - fxh2) / (plus as f64 - minus as f64));
    }
    grad
}

/// The Jacobian-vector product ∂(Σ dout ⊙ f(x))/∂x: what a correct `backward(dout)` returns
/// for the layer `f`, whatever the upstream gradient `dout`. A random `dout` checks every
/// output's derivative with its own weight, where a plain sum (dout = 1) would let errors in
/// different outputs cancel.
pub fn numerical_jvp(
    mut f: impl FnMut(&Matrix) -> Matrix,
    x: &Matrix,
    dout: &Matrix,
    h: f32,
) -> Vec<f64> {
    numerical_gradient_f64(|x| dot64(dout, &f(x)), x, h)
}

/// max |a − b| / max(max |a|, max |b|): the largest error, relative to the largest element.
///
/// Relative to the largest element rather than element by element, because an element that is
/// zero by cancellation has no scale of its own; taking the max rather than a mean, so a single
/// wrong element is not averaged away. Two all-zero vectors agree (0); a NaN or infinity
/// anywhere is an infinite error (`f64::max` would quietly skip a NaN).
pub fn rel_error(analytic: &[f32], numerical: &[f64]) -> f64 {
    rel_error_floor(analytic, numerical, 0.0)
}

/// `rel_error`, but never relative to a scale below `floor`: for a numerical side whose
/// absolute noise is known, a gradient smaller than the noise allows is judged in absolute
/// terms (max |a − b| / floor) instead of being held to a relative precision it cannot have.
pub fn rel_error_floor(analytic: &[f32], numerical: &[f64], floor: f64) -> f64 {
    assert_eq!(analytic.len(), numerical.len(), "rel_error: lengths differ");
    if analytic.iter().any(|a| !a.is_finite()) || numerical.iter().any(|n| !n.is_finite()) {
        return f64::INFINITY;
    }
    let mut max_diff = 0.0f64;
    let mut scale = floor;
    for (&a, &n) in analytic.iter().zip(numerical) {
        max_diff = max_diff.max((a as f64 - n).abs());
        scale = scale.max((a as f64).abs()).max(n.abs());
    }
    if scale == 0.0 { 0.0 } else { max_diff / scale }
}

/// A proptest configuration with `cases` cases drawn from a fixed seed: `cargo test` checks the
/// same cases on every run and every machine, so a pass or a failure can be reproduced. With the
/// seed fixed, proptest's files of past failures (`*.proptest-regressions`) add nothing, so none
/// are written.
pub fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_BAC4),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
