//! The book's gradient check (勾配確認): `TwoLayerNet::gradient` (backpropagation) against
//! `TwoLayerNet::numerical_gradient` (central differences), for every parameter.
//!
//! Two nets. A small one over random shapes (proptest), with weights of order 1, where f32
//! resolves the numerical derivative to ~1e-4 and the tolerance is tight. And the real
//! 784-50-10 net at the slides' initialisation (weights × 0.01) on 3 samples, as the slides'
//! `gradient_check.py` does: there the loss is ~2.3 and its f32 rounding (~1e-7), divided by
//! the probe step 2h, is a sizeable part of the small gradients of W1 and b1 (~1e-2), so the
//! agreement is ~1e-2; the tolerance is set from that, still far below the 0.3 and more by which
//! a wrong backward misses.
//!
//! ReLU has no derivative at 0: a probe that moves a hidden unit's input across 0 measures a
//! mixture of two slopes. Each check therefore uses a net and inputs where every hidden input
//! clears the probe's reach (`relu_margin_clears_probes`); the small net filters its cases,
//! the real net takes the first seed that qualifies.

mod common;

use std::path::Path;

use backprop::functions::{cross_entropy_error, softmax};
use backprop::gradient::H;
use backprop::{Matrix, Rng, TwoLayerNet, mnist};
use common::{matrix, one_hot, rel_error_floor};
use proptest::prelude::*;

/// The hidden units' inputs x · W1 + b1 all lie further from 0 than a probe of size `H` on
/// W1 or b1 can move them (H·|x| or H), with a factor 2 to spare.
fn relu_margin_clears_probes(net: &TwoLayerNet, x: &Matrix) -> bool {
    let mut a = x.dot(&net.affine1.w);
    a.add_row_inplace(&net.affine1.b);
    let x_max = x.as_slice().iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let reach = 2.0 * H * x_max;
    a.as_slice().iter().all(|v| v.abs() > reach)
}

/// Every sample gives its label a probability above 1e-4. The loss takes log(y + 1e-7), whose
/// derivative is (Y − T) only up to a factor y/(y + 1e-7) on the label's score; backprop returns
/// exactly Y − T. With weights of order 1 a small net can be confidently wrong (y ~ 1e-7 was
/// seen), and then the two differ by tens of percent through no fault of `gradient`.
fn labels_clear_delta(net: &mut TwoLayerNet, x: &Matrix, t: &Matrix) -> bool {
    net.loss(x, t);
    let y = net.last_layer.y.as_ref().expect("loss ran");
    y.as_slice()
        .iter()
        .zip(t.as_slice())
        .all(|(&y, &t)| t == 0.0 || y > 1e-4)
}

fn as_f64(m: &Matrix) -> Vec<f64> {
    m.as_slice().iter().map(|&v| v as f64).collect()
}

/// The slides' measure, `np.average(np.abs(grad_backprop[key] - grad_numerical[key]))`.
fn mean_abs_diff(a: &Matrix, b: &Matrix) -> f64 {
    let sum: f64 = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(&a, &b)| (a as f64 - b as f64).abs())
        .sum();
    sum / a.as_slice().len() as f64
}

/// The largest relative error allowed between backprop and numerical gradients.
const TOL: f64 = 1e-2;

/// The smallest scale an error is measured against (see `common::rel_error_floor`). The
/// numerical side's absolute noise is about ε·L/h: the loss L ~ 2 rounded to f32 (ε ≈ 1.2e-7)
/// over the step h = 1e-3, some 1e-4; measured up to 1.7e-4 (3000 small nets, and the real net).
/// A gradient whose elements are all below FLOOR is thus held to TOL · FLOOR = 5e-4 absolute,
/// three times the noise, where a relative 1e-2 would ask the impossible of W1's ~1e-2
/// gradients at the slides' initialisation. Over 3000 small nets the worst error was 5.4e-3
/// with a floor of 3e-2 (so under 3.3e-3 with this one), the median 1.5e-4.
const FLOOR: f64 = 5e-2;

/// Every parameter's backprop gradient within TOL of the numerical one (see FLOOR); the shapes
/// must match the parameters'. Returns the errors, W1 b1 W2 b2.
fn check(net: &mut TwoLayerNet, x: &Matrix, t: &Matrix) -> Result<[f64; 4], String> {
    let grad_numerical = net.numerical_gradient(x, t);
    let grad_backprop = net.gradient(x, t);
    let mut errors = [0.0; 4];
    let pairs = grad_backprop
        .named()
        .into_iter()
        .zip(grad_numerical.named())
        .zip(net.params());
    for (i, (((key, backprop), (_, numerical)), (_, param))) in pairs.enumerate() {
        if backprop.shape() != param.shape() || numerical.shape() != param.shape() {
            return Err(format!(
                "{key}: gradient shapes {:?} {:?}, parameter {:?}",
                backprop.shape(),
                numerical.shape(),
                param.shape()
            ));
        }
        errors[i] = rel_error_floor(backprop.as_slice(), &as_f64(numerical), FLOOR);
        if errors[i] >= TOL {
            return Err(format!(
                "{key}: relative error {:.1e} (tolerance {TOL:.0e}), mean |diff| {:.1e}",
                errors[i],
                mean_abs_diff(backprop, numerical)
            ));
        }
    }
    Ok(errors)
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    #[test]
    fn gradient_matches_numerical_gradient_on_small_nets(
        (sizes, seed, x, labels) in (1usize..8, 1usize..8, 2usize..6, 1usize..5)
            .prop_flat_map(|(input, hidden, output, batch)| (
                Just((input, hidden, output)),
                any::<u64>(),
                matrix(batch, input, 0.0, 1.0),
                prop::collection::vec(0..output, batch),
            ))
    ) {
        let (input, hidden, output) = sizes;
        let mut rng = Rng::new(seed);
        let mut net = TwoLayerNet::new(input, hidden, output, 1.0, &mut rng);
        let t = one_hot(&labels, output);
        prop_assume!(relu_margin_clears_probes(&net, &x));
        prop_assume!(labels_clear_delta(&mut net, &x, &t));
        let result = check(&mut net, &x, &t);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}

/// The slides' own check (`gradient_check.py`): the 784-50-10 net at weight_init_std = 0.01,
/// on the first 3 MNIST training images (labels 5, 0, 4).
///
/// Takes the first seed whose hidden units all clear the probes (seeds 0 to 5 do not, 6 does).
/// Prints the errors (measured: W1 3.0e-3, b1 2.6e-3, W2 1.5e-3, b2 4.3e-4).
#[test]
fn gradient_matches_numerical_gradient_on_the_real_net() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    let mnist = mnist::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let x = mnist.train.batch(&[0, 1, 2]);
    let t = mnist.train.one_hot(&[0, 1, 2]);
    assert_eq!(t.argmax_rows(), vec![5, 0, 4]);

    let (seed, mut net) = (0..100u64)
        .map(|seed| {
            (
                seed,
                TwoLayerNet::new(784, 50, 10, 0.01, &mut Rng::new(seed)),
            )
        })
        .find(|(_, net)| relu_margin_clears_probes(net, &x))
        .expect("one of 100 seeds gives hidden inputs clear of the probes");
    let errors = check(&mut net, &x, &t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    println!(
        "seed {seed}: relative errors W1 {:.1e} b1 {:.1e} W2 {:.1e} b2 {:.1e}",
        errors[0], errors[1], errors[2], errors[3]
    );
}

/// One forward pass by hand, with the slides' formulas, against `predict` and `loss`.
#[test]
fn predict_and_loss_compose_the_layers_in_order() {
    let mut net = TwoLayerNet::new(3, 4, 2, 0.5, &mut Rng::new(7));
    let x = Matrix::from_vec(2, 3, vec![0.1, -0.2, 0.3, 1.0, 0.5, -1.0]);
    let t = one_hot(&[1, 0], 2);

    let mut a1 = x.dot(&net.affine1.w);
    a1.add_row_inplace(&net.affine1.b);
    let z1 = a1.map(|v| v.max(0.0));
    let mut a2 = z1.dot(&net.affine2.w);
    a2.add_row_inplace(&net.affine2.b);
    let expected_loss = cross_entropy_error(&softmax(&a2), &t);

    assert_eq!(net.predict(&x), a2);
    assert_eq!(net.loss(&x, &t), expected_loss);
}

/// The evaluation's forward pass without caches gives `predict`'s scores to the bit, over
/// inputs that meet the Relu's edge (0, -0, tiny values, a NaN), and writes no cache: a
/// backward after it still sees the last `predict`'s input and mask.
#[test]
fn predict_uncached_gives_predicts_bits_and_keeps_the_caches() {
    let mut net = TwoLayerNet::new(5, 6, 3, 0.7, &mut Rng::new(11));
    net.affine1.b = Matrix::randn(1, 6, 0.5, &mut Rng::new(12));
    net.affine2.b = Matrix::randn(1, 3, 0.5, &mut Rng::new(13));
    let edge = [0.0, -0.0, 1e-30, -1e-30, f32::NAN, 2.5, -3.0, 1e30];
    let mut rng = Rng::new(3);
    for rows in [1, 4, 9] {
        let mut x = Matrix::randn(rows, 5, 1.0, &mut rng);
        for (k, v) in x.as_mut_slice().iter_mut().enumerate().step_by(3) {
            *v = edge[k % edge.len()];
        }
        let first = Matrix::randn(2, 5, 1.0, &mut rng);
        let before = net.predict(&first);
        let cached = (
            net.affine1.x.clone(),
            net.relu1.mask.clone(),
            net.affine2.x.clone(),
        );
        let uncached = net.predict_uncached(&x);
        assert_eq!(
            (
                net.affine1.x.clone(),
                net.relu1.mask.clone(),
                net.affine2.x.clone()
            ),
            cached,
            "predict_uncached wrote a cache"
        );
        assert_eq!(net.predict(&first), before);
        let bits = |m: &Matrix| m.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&uncached), bits(&net.predict(&x)), "{rows} rows");
    }
}

#[test]
fn new_draws_gaussian_weights_and_zero_biases_from_the_seed() {
    let net = TwoLayerNet::new(784, 50, 10, 0.01, &mut Rng::new(42));
    let shapes: Vec<_> = net
        .params()
        .iter()
        .map(|(key, p)| (*key, p.shape()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("W1", (784, 50)),
            ("b1", (1, 50)),
            ("W2", (50, 10)),
            ("b2", (1, 10))
        ]
    );
    assert!(net.affine1.b.as_slice().iter().all(|&v| v == 0.0));
    assert!(net.affine2.b.as_slice().iter().all(|&v| v == 0.0));
    // W1 first, from the same stream: the same seed gives the same net, bit for bit.
    let mut rng = Rng::new(42);
    assert_eq!(net.affine1.w, Matrix::randn(784, 50, 0.01, &mut rng));
    assert_eq!(net.affine2.w, Matrix::randn(50, 10, 0.01, &mut rng));
    // std 0.01: the sample standard deviation of 39200 draws is within 2% of it.
    let w1 = net.affine1.w.as_slice();
    let var = w1.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / w1.len() as f64;
    assert!((var.sqrt() - 0.01).abs() < 2e-4, "std {}", var.sqrt());
}

#[test]
fn numerical_gradient_leaves_the_parameters_as_it_found_them() {
    let mut net = TwoLayerNet::new(6, 5, 3, 0.5, &mut Rng::new(3));
    let x = Matrix::randn(4, 6, 1.0, &mut Rng::new(4));
    let t = one_hot(&[0, 2, 1, 1], 3);
    let before = net.clone();
    net.numerical_gradient(&x, &t);
    for ((key, after), (_, before)) in net.params().into_iter().zip(before.params()) {
        assert_eq!(after, before, "{key}");
    }
}

#[test]
fn gradient_twice_gives_identical_grads() {
    let mut net = TwoLayerNet::new(6, 5, 3, 0.5, &mut Rng::new(3));
    let x = Matrix::randn(4, 6, 1.0, &mut Rng::new(4));
    let t = one_hot(&[0, 2, 1, 1], 3);
    let first = net.gradient(&x, &t);
    let second = net.gradient(&x, &t);
    assert_eq!(first, second);
}

#[test]
fn update_subtracts_learning_rate_times_grad_and_lowers_the_loss() {
    let mut net = TwoLayerNet::new(6, 5, 3, 0.5, &mut Rng::new(3));
    let x = Matrix::randn(4, 6, 1.0, &mut Rng::new(4));
    let t = one_hot(&[0, 2, 1, 1], 3);
    let before = net.clone();
    let loss_before = net.loss(&x, &t);
    let grads = net.gradient(&x, &t);
    net.update(&grads, 0.1);
    for (((key, new), (_, old)), (_, grad)) in net
        .params()
        .into_iter()
        .zip(before.params())
        .zip(grads.named())
    {
        let mut expected = old.clone();
        expected.sub_scaled(0.1, grad);
        assert_eq!(new, &expected, "{key}");
    }
    assert!(
        net.loss(&x, &t) < loss_before,
        "a small step against the gradient lowers the loss"
    );
}

#[test]
fn accuracy_and_correct_count_the_arg_max_hits() {
    // A net that copies its 3 inputs to its 3 scores: W1 = W2 = I, zero biases; with positive
    // inputs the ReLU passes them through, and the class is the index of the largest input.
    let eye = Matrix::from_vec(3, 3, vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let mut net = TwoLayerNet::new(3, 3, 3, 0.0, &mut Rng::new(0));
    net.affine1.w = eye.clone();
    net.affine2.w = eye;
    let x = Matrix::from_vec(
        4,
        3,
        vec![0.9, 0.1, 0.2, 0.1, 0.8, 0.3, 0.2, 0.1, 0.7, 0.6, 0.5, 0.1],
    );
    // Predictions 0, 1, 2, 0; the last label says 1.
    let labels = [0u8, 1, 2, 1];
    let t = one_hot(&[0, 1, 2, 1], 3);
    assert_eq!(net.correct(&x, &labels), 3);
    assert_eq!(net.accuracy(&x, &t), 0.75);
}
