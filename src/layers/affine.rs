//! `Affine`: the fully connected layer Y = X · W + B. Slides: 逆誤差伝播方式(Affineレイヤ) and
//! 逆誤差伝播方式(Affineレイヤ：実装). Chapter: chapters/07-affine.md.
//!
//! Backward needs the input `x` (for ∂L/∂W) and the weights `w` (for ∂L/∂X), so the layer
//! caches `x`, and keeps `dw` and `db` for the optimizer to read.
//!
//! Departs from the slide's formula table in one place: it writes the forward as
//! Y = W · X + B, while its backward formulas and its code (`np.dot(x, self.W)`) are those of
//! Y = X · W + B, with one sample per row of X. We write X · W throughout.
//!
//! Leaves out: the book's reshaping of inputs with more than two axes (images arrive here
//! already flattened to rows of 784).

use crate::matrix::Matrix;

/// Y = X · W + B, B added to every row. 逆誤差伝播方式(Affineレイヤ)
///
/// Forward: Y = X · W + B.
/// Backward: ∂L/∂X = ∂L/∂Y · Wᵀ, ∂L/∂W = Xᵀ · ∂L/∂Y, ∂L/∂B = ∂L/∂Y summed over the batch
/// (the slide writes ∂L/∂B = ∂L/∂Y for one sample; B is shared by all N rows, so their
/// gradients add up: `np.sum(dout, axis=0)`).
/// Shapes: x N x D, w D x M, b 1 x M, out and dout N x M, dx N x D, dw D x M, db 1 x M.
#[derive(Clone, Debug)]
pub struct Affine {
    /// Weights, D x M.
    pub w: Matrix,
    /// Bias, 1 x M.
    pub b: Matrix,
    /// The input of the last forward (N x D), `None` before the first.
    pub x: Option<Matrix>,
    /// ∂L/∂W of the last backward (D x M); zeros until the first.
    pub dw: Matrix,
    /// ∂L/∂B of the last backward (1 x M); zeros until the first.
    pub db: Matrix,
}

impl Affine {
    /// w (D x M), b (1 x M). Panics if b is not one row as wide as w.
    #[track_caller]
    pub fn new(w: Matrix, b: Matrix) -> Affine {
        assert!(
            b.rows() == 1 && b.cols() == w.cols(),
            "Affine::new: the bias must be 1x{} for a {}x{} weight, found {}x{}",
            w.cols(),
            w.rows(),
            w.cols(),
            b.rows(),
            b.cols()
        );
        let dw = Matrix::zeros(w.rows(), w.cols());
        let db = Matrix::zeros(1, b.cols());
        Affine {
            w,
            b,
            x: None,
            dw,
            db,
        }
    }

    // ANCHOR: affine_forward_backward
    /// x (N x D) -> out (N x M).
    ///
    /// numpy's `self.x = x` keeps a reference to the input; so does this clone, which
    /// shares the input's values (a `Matrix` is copied only when one side changes).
    #[track_caller]
    pub fn forward(&mut self, x: &Matrix) -> Matrix {
        self.x = Some(x.clone()); // self.x = x
        // np.dot(x, self.W) + self.b
        let mut out = x.dot(&self.w);
        out.add_row_inplace(&self.b);
        out
    }

    /// dout (N x M) -> dx (N x D); sets dw (D x M) and db (1 x M).
    #[track_caller]
    pub fn backward(&mut self, dout: Matrix) -> Matrix {
        let x = self
            .x
            .as_ref()
            .expect("Affine::backward called before forward");
        let dx = dout.dot_t(&self.w); // np.dot(dout, self.W.T)
        self.dw = x.t_dot(&dout); // np.dot(self.x.T, dout)
        self.db = dout.sum_rows(); // np.sum(dout, axis=0)
        dx
    }
    // ANCHOR_END: affine_forward_backward

    /// x (N x D) -> out (N x M): `forward` without keeping x, for a caller that will not call
    /// `backward` (an evaluation).
    ///
    /// Not on the slide. It only reads the layer, so the threads of an evaluation can share
    /// one network instead of a copy each.
    pub fn forward_uncached(&self, x: &Matrix) -> Matrix {
        let mut out = x.dot(&self.w);
        out.add_row_inplace(&self.b);
        out
    }

    /// dout (N x M) -> sets dw (D x M) and db (1 x M), and skips dx.
    ///
    /// Not on the slide: `backward` for a first layer, whose input is the data and needs no
    /// gradient. dx = dout · Wᵀ is N·M·D multiply-adds, as many as the forward product; for
    /// the slides' first layer (100 x 50 · 50 x 784) a quarter of a training step's arithmetic.
    #[track_caller]
    pub fn backward_params(&mut self, dout: &Matrix) {
        let x = self
            .x
            .as_ref()
            .expect("Affine::backward_params called before forward");
        // Into the storage of the previous step's dW (the same shape, and no longer shared
        // once the step's grads are dropped): no zero-filling of 784 x 50 floats that the
        // product then overwrites.
        x.t_dot_into(dout, &mut self.dw);
        self.db = dout.sum_rows();
    }
}
