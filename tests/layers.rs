//! Every layer's backward against a numerical derivative of its own forward, with a random
//! upstream gradient `dout`, over random shapes and values (proptest).
//!
//! The check is the Jacobian-vector product: for a layer y = f(x) and any dout,
//! backward(dout) must equal ∂(Σ dout ⊙ f(x))/∂x, computed by central differences
//! (tests/common/mod.rs explains the step and why the arithmetic around the layer is f64).
//! `TOL` is tight: correct layers agree to 1e-4 or better (the measured figures are beside it),
//! a wrong derivative misses by tens of percent. The cases come from a fixed seed.

mod common;

use backprop::Matrix;
use backprop::layers::{Affine, Relu, Sigmoid, SoftmaxWithLoss};
use common::{
    away_from_zero, matrix, matrix_of, numerical_gradient_f64, numerical_jvp, one_hot, rel_error,
};
use proptest::prelude::*;

/// The largest relative error a correct backward may show (see `common::rel_error`).
///
/// Measured over 3000 cases each, the worst errors of the correct layers were: Sigmoid 2.6e-4
/// (at x near ±4, where y(1 − y) is small and f32 rounding of y weighs most), SoftmaxWithLoss
/// 1.0e-4, Affine 4.5e-5 (dx, db) and 5.6e-6 (dw), Relu 1e-13. A dropped factor, a forgotten
/// 1/N or y in place of y(1 − y) each miss by more than 0.1.
const TOL: f64 = 1e-3;

/// The probe step for the numerical side (see `common::numerical_gradient_f64`).
const H: f32 = 1e-2;

/// The probe step for Affine, which is linear in each of x, w and b: a central difference is
/// exact for any step, so only rounding is left, and that shrinks as the step grows. With 1e-2,
/// ∂L/∂b (a sum over the batch of ±1 upstream values, small by cancellation) showed errors up
/// to 2e-2 of itself; with 0.5, under 1e-3.
const H_LINEAR: f32 = 0.5;

fn config() -> ProptestConfig {
    common::proptest_config(64)
}

/// Shapes N x D with N (the batch) and D small enough that every case runs in microseconds.
fn shape() -> impl Strategy<Value = (usize, usize)> {
    (1usize..6, 1usize..8)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sigmoid_backward_matches_numerical(
        (x, dout) in shape().prop_flat_map(|(n, d)| (matrix(n, d, -4.0, 4.0), matrix(n, d, -1.0, 1.0)))
    ) {
        let mut layer = Sigmoid::new();
        layer.forward(&x);
        let dx = layer.backward(dout.clone());
        let numerical = numerical_jvp(|x| Sigmoid::new().forward(x), &x, &dout, H);
        let err = rel_error(dx.as_slice(), &numerical);
        prop_assert!(err < TOL, "Sigmoid dx: relative error {err:e}");
    }

    #[test]
    fn relu_backward_matches_numerical(
        (x, dout) in shape().prop_flat_map(|(n, d)| (
            matrix_of(n, d, away_from_zero(0.05, 3.0)),
            matrix(n, d, -1.0, 1.0),
        ))
    ) {
        // |x| >= 0.05 > H: no probe crosses the kink at 0, where ReLU has no derivative.
        let mut layer = Relu::new();
        layer.forward(&x);
        let dx = layer.backward(dout.clone());
        let numerical = numerical_jvp(|x| Relu::new().forward(x), &x, &dout, H);
        let err = rel_error(dx.as_slice(), &numerical);
        prop_assert!(err < TOL, "Relu dx: relative error {err:e}");
    }

    #[test]
    fn affine_backward_matches_numerical(
        (x, w, b, dout) in (shape(), 1usize..8).prop_flat_map(|((n, d), m)| (
            matrix(n, d, -2.0, 2.0),
            matrix(d, m, -2.0, 2.0),
            matrix(1, m, -2.0, 2.0),
            matrix(n, m, -1.0, 1.0),
        ))
    ) {
        let mut layer = Affine::new(w.clone(), b.clone());
        layer.forward(&x);
        let dx = layer.backward(dout.clone());

        let numerical_dx = numerical_jvp(|x| Affine::new(w.clone(), b.clone()).forward(x), &x, &dout, H_LINEAR);
        let numerical_dw = numerical_jvp(|w| Affine::new(w.clone(), b.clone()).forward(&x), &w, &dout, H_LINEAR);
        let numerical_db = numerical_jvp(|b| Affine::new(w.clone(), b.clone()).forward(&x), &b, &dout, H_LINEAR);

        let err = rel_error(dx.as_slice(), &numerical_dx);
        prop_assert!(err < TOL, "Affine dx: relative error {err:e}");
        prop_assert_eq!(layer.dw.shape(), w.shape());
        let err = rel_error(layer.dw.as_slice(), &numerical_dw);
        prop_assert!(err < TOL, "Affine dw: relative error {err:e}");
        prop_assert_eq!(layer.db.shape(), b.shape());
        let err = rel_error(layer.db.as_slice(), &numerical_db);
        prop_assert!(err < TOL, "Affine db: relative error {err:e}");
    }

    #[test]
    fn softmax_with_loss_backward_matches_numerical(
        (x, labels, dout) in (1usize..6, 2usize..8).prop_flat_map(|(n, c)| (
            matrix(n, c, -2.0, 2.0),
            prop::collection::vec(0..c, n),
            -2.0f32..2.0,
        ))
    ) {
        // Logits in [-2, 2] keep every probability above ~2e-3, where the 1e-7 inside the
        // log moves the derivative by less than 1e-4 of itself: Y − T stays the exact answer.
        let t = one_hot(&labels, x.cols());
        let mut layer = SoftmaxWithLoss::new();
        layer.forward(&x, &t);
        let dx = layer.backward(dout);
        let numerical = numerical_gradient_f64(
            |x| dout as f64 * SoftmaxWithLoss::new().forward(x, &t) as f64,
            &x,
            H,
        );
        let err = rel_error(dx.as_slice(), &numerical);
        prop_assert!(err < TOL, "SoftmaxWithLoss dx: relative error {err:e}");
    }
}

/// Runs forward then backward twice on the same input and returns both results: a layer that
/// accumulated into a cache, or read a stale one, would give different answers.
fn twice<T: PartialEq + std::fmt::Debug>(mut pass: impl FnMut() -> T) {
    let first = pass();
    let second = pass();
    assert_eq!(
        first, second,
        "a second forward+backward gave a different gradient"
    );
}

fn sample(rows: usize, cols: usize, seed: u64) -> Matrix {
    let mut rng = backprop::Rng::new(seed);
    Matrix::randn(rows, cols, 1.0, &mut rng)
}

#[test]
fn forward_backward_twice_gives_identical_gradients() {
    let x = sample(4, 5, 1);
    let dout5 = sample(4, 5, 2);
    let dout3 = sample(4, 3, 3);

    let mut sigmoid = Sigmoid::new();
    twice(|| {
        sigmoid.forward(&x);
        sigmoid.backward(dout5.clone())
    });

    let mut relu = Relu::new();
    twice(|| {
        relu.forward(&x);
        relu.backward(dout5.clone())
    });

    let mut affine = Affine::new(sample(5, 3, 4), sample(1, 3, 5));
    twice(|| {
        affine.forward(&x);
        let dx = affine.backward(dout3.clone());
        (dx, affine.dw.clone(), affine.db.clone())
    });

    let t = one_hot(&[0, 4, 2, 2], 5);
    let mut last_layer = SoftmaxWithLoss::new();
    twice(|| {
        let loss = last_layer.forward(&x, &t);
        (loss, last_layer.backward(1.0))
    });
}

/// A layer that has already seen one input must answer for a new one exactly as a fresh layer
/// does: a cache that is filled only once, or appended to, would answer for the old input.
#[test]
fn a_reused_layer_answers_for_its_latest_input() {
    let (old, new) = (sample(4, 5, 6), sample(4, 5, 7));
    let (dout5, dout3) = (sample(4, 5, 8), sample(4, 3, 9));

    let pass = |layer: &mut Sigmoid| {
        layer.forward(&new);
        layer.backward(dout5.clone())
    };
    let mut reused = Sigmoid::new();
    reused.forward(&old);
    assert_eq!(pass(&mut reused), pass(&mut Sigmoid::new()), "Sigmoid");

    let pass = |layer: &mut Relu| {
        layer.forward(&new);
        layer.backward(dout5.clone())
    };
    let mut reused = Relu::new();
    reused.forward(&old);
    assert_eq!(pass(&mut reused), pass(&mut Relu::new()), "Relu");

    let (w, b) = (sample(5, 3, 10), sample(1, 3, 11));
    let pass = |layer: &mut Affine| {
        layer.forward(&new);
        let dx = layer.backward(dout3.clone());
        (dx, layer.dw.clone(), layer.db.clone())
    };
    let mut reused = Affine::new(w.clone(), b.clone());
    reused.forward(&old);
    reused.backward(dout3.clone());
    assert_eq!(pass(&mut reused), pass(&mut Affine::new(w, b)), "Affine");

    let (t_old, t_new) = (one_hot(&[0, 1, 2, 3], 5), one_hot(&[4, 4, 0, 1], 5));
    let pass = |layer: &mut SoftmaxWithLoss| {
        let loss = layer.forward(&new, &t_new);
        (loss, layer.backward(1.0))
    };
    let mut reused = SoftmaxWithLoss::new();
    reused.forward(&old, &t_old);
    assert_eq!(
        pass(&mut reused),
        pass(&mut SoftmaxWithLoss::new()),
        "SoftmaxWithLoss"
    );
}

#[test]
fn relu_zeroes_the_non_positive_inputs_and_their_gradients() {
    let x = Matrix::from_vec(2, 3, vec![-1.0, 0.0, 2.0, 3.0, -0.5, 0.25]);
    let mut relu = Relu::new();
    let out = relu.forward(&x);
    assert_eq!(out.as_slice(), &[0.0, 0.0, 2.0, 3.0, 0.0, 0.25]);
    assert_eq!(relu.mask, vec![true, true, false, false, true, false]);
    let dx = relu.backward(Matrix::from_vec(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    assert_eq!(dx.as_slice(), &[0.0, 0.0, 3.0, 4.0, 0.0, 6.0]);
}

#[test]
fn affine_forward_adds_the_bias_to_every_row() {
    // [[1, 2], [3, 4]] · [[1, 0, 2], [0, 1, 3]] + [10, 20, 30]
    let x = Matrix::from_vec(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
    let w = Matrix::from_vec(2, 3, vec![1.0, 0.0, 2.0, 0.0, 1.0, 3.0]);
    let b = Matrix::from_vec(1, 3, vec![10.0, 20.0, 30.0]);
    let out = Affine::new(w, b).forward(&x);
    assert_eq!(out.as_slice(), &[11.0, 22.0, 38.0, 13.0, 24.0, 48.0]);
}

#[test]
#[should_panic(expected = "Affine::backward called before forward")]
fn affine_backward_before_forward_panics() {
    let mut affine = Affine::new(Matrix::zeros(2, 3), Matrix::zeros(1, 3));
    affine.backward(Matrix::zeros(1, 3));
}

#[test]
#[should_panic(expected = "the bias must be 1x3")]
fn affine_rejects_a_bias_of_the_wrong_shape() {
    Affine::new(Matrix::zeros(2, 3), Matrix::zeros(1, 2));
}
