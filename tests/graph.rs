//! The computation-graph examples of the slides (計算グラフ, 連鎖律), built from `MulLayer` and
//! `AddLayer` and asserted exactly: small integers in f64 leave no rounding to excuse.

mod common;

use backprop::layers::{AddLayer, MulLayer};
use proptest::prelude::*;

/// f(x1, x2) = (2·x1 + 3·x2) · 4 as a graph of four nodes; returns f, ∂f/∂x1, ∂f/∂x2.
///
/// The slide 計算グラフ(逆伝播：部分的な計算) writes the formula with `+ 4`, but its results
/// (2 · 4 = 8 and 3 · 4 = 12) and the slides before it are those of `× 4`.
fn f_and_gradient(x1: f64, x2: f64) -> (f64, f64, f64) {
    let mut mul_x1 = MulLayer::new();
    let mut mul_x2 = MulLayer::new();
    let mut add = AddLayer::new();
    let mut mul_4 = MulLayer::new();

    // forward: f1 = 2·x1, f2 = 3·x2, f = (f1 + f2) · 4
    let f1 = mul_x1.forward(x1, 2.0);
    let f2 = mul_x2.forward(x2, 3.0);
    let sum = add.forward(f1, f2);
    let f = mul_4.forward(sum, 4.0);

    // backward, from df/df = 1
    let dout = 1.0;
    let (dsum, _d4) = mul_4.backward(dout);
    let (df1, df2) = add.backward(dsum);
    let (dx1, _d2) = mul_x1.backward(df1);
    let (dx2, _d3) = mul_x2.backward(df2);
    (f, dx1, dx2)
}

#[test]
fn slide_example_gives_8_and_12() {
    let (f, dx1, dx2) = f_and_gradient(1.0, 2.0);
    assert_eq!(f, 32.0);
    assert_eq!(dx1, 8.0); // ∂f/∂x1 = 2 · 4
    assert_eq!(dx2, 12.0); // ∂f/∂x2 = 3 · 4
}

/// z = t², t = x + y as a graph: an AddLayer, then a MulLayer that multiplies t by itself.
/// Returns z and ∂z/∂x, ∂z/∂y.
///
/// t feeds the MulLayer twice, so t's gradient is the sum of the gradients arriving along both
/// edges: t·1 + t·1 = 2t, the slide's ∂z/∂t.
fn chain_rule(x: f64, y: f64) -> (f64, f64, f64) {
    let mut add = AddLayer::new();
    let mut square = MulLayer::new();

    let t = add.forward(x, y);
    let z = square.forward(t, t);

    let dout = 1.0;
    let (dt_left, dt_right) = square.backward(dout);
    let dt = dt_left + dt_right; // ∂z/∂t = 2t
    let (dx, dy) = add.backward(dt); // ∂t/∂x = ∂t/∂y = 1
    (z, dx, dy)
}

#[test]
fn chain_rule_gives_2_x_plus_y() {
    let (z, dx, dy) = chain_rule(3.0, 4.0);
    assert_eq!(z, 49.0);
    assert_eq!(dx, 14.0); // 2(x + y)
    assert_eq!(dy, 14.0);
}

proptest! {
    #![proptest_config(common::proptest_config(256))]

    /// Both examples for any inputs, still exactly: the graph's products and sums are the
    /// same floating-point operations as the closed forms (2t = t + t is exact).
    #[test]
    fn graph_gradients_match_the_closed_forms(x in -1e3f64..1e3, y in -1e3f64..1e3) {
        let (_, dx1, dx2) = f_and_gradient(x, y);
        prop_assert_eq!(dx1, 8.0);
        prop_assert_eq!(dx2, 12.0);
        let (z, dx, dy) = chain_rule(x, y);
        prop_assert_eq!(z, (x + y) * (x + y));
        prop_assert_eq!(dx, 2.0 * (x + y));
        prop_assert_eq!(dy, 2.0 * (x + y));
    }
}

#[test]
fn mul_layer_passes_each_input_the_other() {
    let mut mul = MulLayer::new();
    assert_eq!(mul.forward(100.0, 2.0), 200.0);
    assert_eq!(mul.backward(1.5), (3.0, 150.0));
}

#[test]
#[should_panic(expected = "MulLayer::backward called before forward")]
fn mul_layer_backward_before_forward_panics() {
    MulLayer::new().backward(1.0);
}
