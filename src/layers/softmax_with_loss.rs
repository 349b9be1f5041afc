//! `SoftmaxWithLoss`: softmax and the cross-entropy loss as one last layer. Slides:
//! 逆誤差伝播方式(Softmaxレイヤ) and 逆誤差伝播方式(Softmaxレイヤ：実装). Chapter:
//! chapters/08-softmax-with-loss.md.
//!
//! Taken together, the two functions have the simplest of derivatives: ∂L/∂X = (Y − T) / N,
//! the prediction minus the label, averaged over the batch's N rows (the slide's formula
//! leaves out the /N that its code divides by). That is why the slides fuse them into one layer, and why it is
//! not a layer like the others: its forward takes the labels `t` as well and returns a scalar
//! loss, and its backward starts the whole backward pass from dout = ∂L/∂L = 1.
//!
//! Departs from the slide's backward in two places: `batch.size` for `batch_size` (marked
//! below), and its `dout` argument, which the slide ignores (always 1 there) and ours scales by.

use crate::functions::{cross_entropy_error, softmax};
use crate::matrix::Matrix;

/// L = −(1/N) Σₙ Σ_k t_nk · log y_nk with Y = softmax(X). 逆誤差伝播方式(Softmaxレイヤ)
///
/// Forward: Y = exp(x_k − C′) / Σᵢ exp(x_i − C′), L = −Σ_k t_k log y_k (averaged over the
/// batch).
/// Backward: ∂L/∂X = (Y − T) / N, the 1/N from the batch average.
/// Shapes: x, y, t and dx are N x C (t one-hot); the loss and dout are scalars.
#[derive(Clone, Debug, Default)]
pub struct SoftmaxWithLoss {
    /// The loss of the last forward, `None` before the first.
    pub loss: Option<f32>,
    /// softmax(x) of the last forward (N x C).
    pub y: Option<Matrix>,
    /// The one-hot labels of the last forward (N x C).
    pub t: Option<Matrix>,
}

impl SoftmaxWithLoss {
    pub fn new() -> SoftmaxWithLoss {
        SoftmaxWithLoss {
            loss: None,
            y: None,
            t: None,
        }
    }

    // ANCHOR: softmax_with_loss
    /// x (N x C) logits, t (N x C) one-hot labels -> the scalar loss.
    ///
    /// Keeps `t` as numpy keeps a reference: a clone shares the values (see `Matrix`).
    #[track_caller]
    pub fn forward(&mut self, x: &Matrix, t: &Matrix) -> f32 {
        let t = self.t.insert(t.clone());
        let y = self.y.insert(softmax(x));
        let loss = cross_entropy_error(y, t);
        self.loss = Some(loss);
        loss
    }

    /// dout (scalar, 1 at the end of the graph) -> dx (N x C) = dout · (Y − T) / N.
    #[track_caller]
    pub fn backward(&mut self, dout: f32) -> Matrix {
        let (y, t) = self
            .y
            .as_ref()
            .zip(self.t.as_ref())
            .expect("SoftmaxWithLoss::backward called before forward");
        let batch_size = t.rows() as f32;
        // (self.y - self.t) / batch_size: the slide writes `batch.size`, an erratum.
        let dx = y.zip_map(t, |y, t| dout * (y - t) / batch_size);
        dx
    }
    // ANCHOR_END: softmax_with_loss
}
