//! `numerical_gradient`: the derivative by central differences, as the book's
//! `common/gradient.py`, which the slides import (誤差逆伝播法の実装(実装イメージ１)) and
//! which the slide ニューラルネットワークの学習(復習) calls slow (数値微分で計算すると時間がかかる):
//! one pair of evaluations of `f` per element of `x`. The book keeps it to check
//! backpropagation (勾配確認). Chapters: chapters/01-learning-and-gradients.md,
//! chapters/09-two-layer-net.md.
//!
//! Departs from the book in the step `h`: 1e-4 suits float64, but our f32 loss carries a
//! rounding error near 1e-7, and divided by 2h = 2e-4 that would already be ~1e-3 of noise
//! in every element. See [`H`].

use crate::matrix::Matrix;

/// The probe step. Three errors pull on it. Truncation, about h²·|f‴|/6, wants it small.
/// Rounding wants it large: the f32 loss carries ~1e-7 of error, and (f(x + h) − f(x − h)) / 2h
/// divides that by 2h. And a ReLU kink within reach of a probe (a hidden input x·W1 + b1 closer
/// to 0 than h·|x|) yields the mean of two slopes, which wants it small again. In the slides'
/// 784-50-10 net at init 0.01 the hidden inputs are ~0.1: with h = 1e-2 every net we tried had
/// a kink in reach; with 1e-3 most have none, and rounding stays near 1e-4 absolute. The book's
/// float64 code uses 1e-4.
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
