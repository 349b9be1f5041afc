//! `softmax` and `cross_entropy_error` at the edges the slides guard against: huge logits
//! (the row-max subtraction, オーバーフロー対策) and a zero probability (the 1e-7 in the log).

mod common;

use backprop::Matrix;
use backprop::functions::{cross_entropy_error, softmax};
use common::{matrix, one_hot};
use proptest::prelude::*;

fn assert_rows_are_distributions(y: &Matrix) {
    for r in 0..y.rows() {
        let row = y.row(r);
        assert!(
            row.iter().all(|v| v.is_finite() && *v >= 0.0),
            "row {r}: {row:?}"
        );
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "row {r} sums to {sum}");
    }
}

#[test]
fn softmax_is_finite_for_logits_of_plus_minus_1e4() {
    let x = Matrix::from_vec(
        3,
        3,
        vec![1e4, -1e4, 0.0, 1e4, 1e4, 1e4, -1e4, -1e4, -1e4 + 1.0],
    );
    let y = softmax(&x);
    assert_rows_are_distributions(&y);
    assert_eq!(y.row(0), &[1.0, 0.0, 0.0]);
    for &v in y.row(1) {
        assert!((v - 1.0 / 3.0).abs() < 1e-6);
    }
    // exp(-1e4 + 1 - (-1e4 + 1)) = 1 against two exp(-1) = e^-1 each.
    let e = (-1.0f32).exp();
    assert!((y.get(2, 2) - 1.0 / (1.0 + 2.0 * e)).abs() < 1e-6);
}

#[test]
fn softmax_matches_the_definition_on_small_logits() {
    let x = Matrix::from_vec(1, 3, vec![0.0, 1.0, 2.0]);
    let y = softmax(&x);
    let sum = 1.0 + 1f32.exp() + 2f32.exp();
    for (c, &v) in y.row(0).iter().enumerate() {
        assert!((v - (c as f32).exp() / sum).abs() < 1e-6);
    }
}

#[test]
fn softmax_brings_a_nan_through_in_its_row_only() {
    // A diverged network's NaN must reach the loss, where the training loop stops on it.
    let x = Matrix::from_vec(2, 3, vec![0.0, f32::NAN, 1.0, 0.0, 1.0, 2.0]);
    let y = softmax(&x);
    assert!(y.row(0).iter().all(|v| v.is_nan()), "{:?}", y.row(0));
    assert_rows_are_distributions(&Matrix::from_vec(1, 3, y.row(1).to_vec()));
}

proptest! {
    #![proptest_config(common::proptest_config(128))]

    #[test]
    fn softmax_rows_sum_to_one(
        x in (1usize..8, 1usize..12).prop_flat_map(|(n, c)| matrix(n, c, -1e4, 1e4))
    ) {
        assert_rows_are_distributions(&softmax(&x));
    }
}

#[test]
fn cross_entropy_of_a_perfect_prediction_is_about_zero() {
    let t = one_hot(&[2, 0], 3);
    let loss = cross_entropy_error(&t, &t);
    // −log(1 + 1e-7) ≈ −1e-7: zero up to the delta.
    assert!(loss.abs() < 1e-6, "loss {loss}");
}

#[test]
fn cross_entropy_stays_finite_for_a_zero_probability() {
    let y = Matrix::from_vec(2, 3, vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    let t = one_hot(&[1, 2], 3);
    let loss = cross_entropy_error(&y, &t);
    assert!(loss.is_finite(), "loss {loss}");
    // Half the batch has log(0 + 1e-7) ≈ −16.1, the other half log(1 + 1e-7) ≈ 0.
    let expected = -(1e-7f64.ln()) / 2.0;
    assert!(
        (loss as f64 - expected).abs() < 1e-4,
        "loss {loss}, expected {expected}"
    );
}

#[test]
fn cross_entropy_averages_over_the_batch() {
    // Each row puts 1/2 on its label: the loss is −log(0.5) whatever the batch size.
    let y = Matrix::from_vec(2, 2, vec![0.5, 0.5, 0.5, 0.5]);
    let t = one_hot(&[0, 1], 2);
    let loss = cross_entropy_error(&y, &t);
    assert!((loss - 2f32.ln()).abs() < 1e-6, "loss {loss}");
}

#[test]
fn cross_entropy_of_uniform_guesses_over_ten_classes_is_ln_10() {
    // What an untrained network with tiny weights scores: the slides' first loss, ~2.30.
    let y = Matrix::from_vec(1, 10, vec![0.1; 10]);
    let t = one_hot(&[7], 10);
    assert!((cross_entropy_error(&y, &t) - 10f32.ln()).abs() < 1e-5);
}

#[test]
fn numerical_gradient_of_a_sum_of_squares_is_2x_and_restores_x() {
    use backprop::gradient::numerical_gradient;
    let mut x = Matrix::from_vec(2, 2, vec![3.0, -4.0, 0.5, 0.0]);
    let before = x.clone();
    let grad = numerical_gradient(|x| x.as_slice().iter().map(|v| v * v).sum(), &mut x);
    assert_eq!(x, before, "numerical_gradient must put every element back");
    for (g, v) in grad.as_slice().iter().zip(before.as_slice()) {
        // A central difference is exact for a quadratic, up to f32 rounding of f.
        assert!((g - 2.0 * v).abs() < 1e-2, "grad {g} for x = {v}");
    }
}

/// The slides' formula, every term taken: `-np.sum(t * np.log(y + delta)) / batch_size`, in
/// f64 as ours sums.
fn cross_entropy_every_term(y: &Matrix, t: &Matrix) -> f32 {
    let sum: f64 = y
        .as_slice()
        .iter()
        .zip(t.as_slice())
        .map(|(&y, &t)| t as f64 * ((y + 1e-7) as f64).ln())
        .fold(0.0, |s, term| s + term);
    (-sum / y.rows() as f64) as f32
}

proptest! {
    /// Leaving out the terms of zero labels changes no bit: one-hot rows, soft rows with
    /// zeros (and a -0.0), over probabilities that include 0 and 1.
    #[test]
    fn skipping_zero_labels_gives_the_full_sums_bits(
        rows in 1usize..6,
        cols in 1usize..12,
        seed in any::<u64>(),
    ) {
        let mut rng = backprop::Rng::new(seed);
        let logits = Matrix::randn(rows, cols, 4.0, &mut rng);
        let mut y = softmax(&logits);
        y.set(0, 0, 0.0);
        y.set(rows - 1, cols - 1, 1.0);
        let hot: Vec<usize> = (0..rows).map(|_| rng.below(cols)).collect();
        let t = one_hot(&hot, cols);
        let ours = cross_entropy_error(&y, &t);
        prop_assert_eq!(ours.to_bits(), cross_entropy_every_term(&y, &t).to_bits());
        let soft = t.map(|v| if v == 0.0 { -0.0 } else { v * 0.75 });
        let ours = cross_entropy_error(&y, &soft);
        prop_assert_eq!(ours.to_bits(), cross_entropy_every_term(&y, &soft).to_bits());
    }
}

/// Where a term's logarithm is not finite, the term is taken even under a zero label, and
/// its NaN comes out as from the slides' formula: y + δ at or below 0, y infinite or NaN.
#[test]
fn a_zero_label_still_brings_a_nan_through() {
    for bad in [-1e-7, -1.0, f32::INFINITY, f32::NAN] {
        let y = Matrix::from_vec(1, 3, vec![0.5, bad, 0.5]);
        let t = Matrix::from_vec(1, 3, vec![1.0, 0.0, 0.0]);
        assert!(cross_entropy_every_term(&y, &t).is_nan(), "{bad}");
        assert!(cross_entropy_error(&y, &t).is_nan(), "{bad}");
    }
}
