//! `Sigmoid`: the sigmoid activation as a layer. Slides: 逆誤差伝播方式(Sigmoidレイヤ) and
//! 逆誤差伝播方式(Sigmoidレイヤ：実装). Chapter: chapters/05-sigmoid.md.
//!
//! Its backward needs only the forward's output: y(1 − y) is the whole derivative, so the
//! layer caches `out` and never `x` or exp(−x).
//!
//! Leaves out: nothing of the slide. The two-layer net uses `Relu`; `Sigmoid` is here because
//! the slides derive it first, and its test holds the derivation to account.

use crate::matrix::Matrix;

/// y = 1 / (1 + exp(−x)), element-wise. 逆誤差伝播方式(Sigmoidレイヤ)
///
/// Forward: y = 1 / (1 + exp(−x)).
/// Backward: ∂L/∂x = ∂L/∂y · y² · exp(−x) = ∂L/∂y · y(1 − y).
/// Shapes: x, out, dout and dx are all N x D.
#[derive(Clone, Debug, Default)]
pub struct Sigmoid {
    /// The output of the last forward, `None` before the first.
    pub out: Option<Matrix>,
}

// ANCHOR: sigmoid
impl Sigmoid {
    pub fn new() -> Sigmoid {
        Sigmoid { out: None }
    }

    /// x (N x D) -> out (N x D).
    ///
    /// numpy's `self.out = out` shares one array; so does this clone, which shares the
    /// returned matrix's values (a `Matrix` is copied only when one side changes).
    pub fn forward(&mut self, x: &Matrix) -> Matrix {
        let out = x.map(|v| 1.0 / (1.0 + (-v).exp()));
        self.out = Some(out.clone());
        out
    }

    /// dout (N x D) -> dx (N x D).
    #[track_caller]
    pub fn backward(&mut self, dout: Matrix) -> Matrix {
        let out = self
            .out
            .as_ref()
            .expect("Sigmoid::backward called before forward");
        let dx = dout.zip_map(out, |dout, out| dout * (1.0 - out) * out);
        dx
    }
}
// ANCHOR_END: sigmoid
