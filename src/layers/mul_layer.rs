//! `MulLayer`: the multiplication node of a computation graph, on scalars, as the book's
//! `ch05/layer_naive.py`. Slides: 計算グラフ(逆伝播) and 連鎖律. Chapters:
//! chapters/02-computation-graph.md and chapters/03-chain-rule.md.
//!
//! A node's backward multiplies the gradient arriving from above by its local derivative:
//! for out = x·y, ∂out/∂x = y and ∂out/∂y = x, so each input receives dout times the *other*
//! input. That is why the node keeps both inputs from its forward pass.
//!
//! Leaves out: matrices (the network's layers in this folder handle those) and f32: these
//! nodes compute the slides' small examples in f64, where their results are exact.

/// A node out = x · y. 計算グラフ(逆伝播)
///
/// Forward: out = x·y. Backward: ∂L/∂x = ∂L/∂out · y, ∂L/∂y = ∂L/∂out · x.
#[derive(Clone, Debug, Default)]
pub struct MulLayer {
    /// The inputs of the last forward, `None` before the first.
    pub x: Option<f64>,
    pub y: Option<f64>,
}

// ANCHOR: mul_layer
impl MulLayer {
    pub fn new() -> MulLayer {
        MulLayer { x: None, y: None }
    }

    /// Scalars x, y -> out = x·y; remembers x and y for `backward`.
    pub fn forward(&mut self, x: f64, y: f64) -> f64 {
        self.x = Some(x);
        self.y = Some(y);
        let out = x * y;
        out
    }

    /// dout = ∂L/∂out -> (∂L/∂x, ∂L/∂y): each input gets dout times the other input.
    #[track_caller]
    pub fn backward(&mut self, dout: f64) -> (f64, f64) {
        let (x, y) = self
            .x
            .zip(self.y)
            .expect("MulLayer::backward called before forward");
        let dx = dout * y; // x と y をひっくり返す
        let dy = dout * x;
        (dx, dy)
    }
}
// ANCHOR_END: mul_layer
