//! `AddLayer`: the addition node of a computation graph, on scalars, as the book's
//! `ch05/layer_naive.py`. Slides: 計算グラフ(逆伝播) and 連鎖律. Chapters:
//! chapters/02-computation-graph.md and chapters/03-chain-rule.md.
//!
//! For out = x + y both local derivatives are 1, so backward passes dout to both inputs
//! unchanged, and the node needs to remember nothing.
//!
//! Leaves out: matrices and f32, as `MulLayer` does.

/// A node out = x + y. 計算グラフ(逆伝播)
///
/// Forward: out = x + y. Backward: ∂L/∂x = ∂L/∂out · 1, ∂L/∂y = ∂L/∂out · 1.
#[derive(Clone, Debug, Default)]
pub struct AddLayer;

// ANCHOR: add_layer
impl AddLayer {
    pub fn new() -> AddLayer {
        AddLayer
    }

    /// Scalars x, y -> out = x + y.
    pub fn forward(&mut self, x: f64, y: f64) -> f64 {
        let out = x + y;
        out
    }

    /// dout = ∂L/∂out -> (∂L/∂x, ∂L/∂y) = (dout, dout).
    pub fn backward(&mut self, dout: f64) -> (f64, f64) {
        let dx = dout * 1.0;
        let dy = dout * 1.0;
        (dx, dy)
    }
}
// ANCHOR_END: add_layer
