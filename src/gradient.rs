//! `numerical_gradient`: the derivative by central differences, as the book's
//! `common/gradient.py`, which the slides import to check backpropagation (勾配確認) and
//! which their first slide calls slow (数値微分で計算すると時間がかかる): one pair of
//! evaluations of `f` per element of `x`. Chapter: chapters/09-two-layer-net.md.
//!
//! Departs from the book in the step `h`: 1e-4 suits float64, but our f32 loss carries a
//! rounding error near 1e-7, and divided by 2h = 2e-4 that would already be ~1e-3 of noise
//! in every element. See [`H`].

use crate::matrix::Matrix;

/// The probe step. The error of a central difference is about h²·|f‴|/6 (truncation) plus
/// ε·|f|/h (rounding, ε ≈ 6e-8 for f32): the sum is smallest near h = ε^(1/3) ≈ 4e-3, where both
/// terms are ~1e-5 for a loss of order 1. The book's float64 code uses 1e-4.
pub const H: f32 = 1e-3;

/// ∂f/∂x for every element of `x`, by (f(x + h) − f(x − h)) / 2h, one element at a time.
///
/// x (R x C) -> grad (R x C).
///
/// Each element is put back exactly as found after its two probes (値を元に戻す), so `x` is
/// unchanged on return. `f` receives `x` mutably only so that a caller that keeps the real
/// parameter elsewhere can swap it into place for the evaluation (see
/// `TwoLayerNet::numerical_gradient`); `f` must hand it back unchanged.
// ANCHOR: numerical_gradient
pub fn numerical_gradient(mut f: impl FnMut(&mut Matrix) -> f32, x: &mut Matrix) -> Matrix {
    // x (R x C) -> grad (R x C)
    let h = H;
    let mut grad = Matrix::zeros(x.rows(), x.cols());
    for r in 0..x.rows() {
        for c in 0..x.cols() {
            let tmp_val = x.get(r, c);
            x.set(r, c, tmp_val + h);
            let fxh1 = f(x); // f(x+h)
            x.set(r, c, tmp_val - h);
            let fxh2 = f(x); // f(x-h)
            grad.set(r, c, (fxh1 - fxh2) / (2.0 * h));
            x.set(r, c, tmp_val); // 値を元に戻す
        }
    }
    grad
}
// ANCHOR_END: numerical_gradient
