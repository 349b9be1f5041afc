//! `exp`, softmax's exponential (`src/exp.rs`), against the exact value: within one unit in
//! the last place over all its range, and right at the edges (∞, NaN, underflow, overflow).

mod common;

use backprop::exp::{exp, exp_all};
use proptest::prelude::*;

/// e^x rounded to the nearest f32, from the f64 exponential (whose own error, below 10^-16
/// relative, can only matter for an x whose exact e^x lies within that of a rounding tie).
fn exact(x: f32) -> f32 {
    (x as f64).exp() as f32
}

/// How many f32 values apart two non-negative floats are.
fn ulps(a: f32, b: f32) -> u32 {
    assert!(a >= 0.0 && b >= 0.0, "ulps({a}, {b})");
    a.to_bits().abs_diff(b.to_bits())
}

#[test]
fn exp_is_within_one_ulp_over_its_whole_range() {
    // Every 211th f32 from −104 (below which e^x rounds to 0) to 89 (above which it
    // overflows), 10.6 million of them: results from subnormals (x < −87.3) to f32::MAX.
    let (mut checked, mut exact_bits, mut worst) = (0u32, 0u32, (0u32, 0.0f32));
    let negative = ((-0.0f32).to_bits()..=(-104.0f32).to_bits()).step_by(211);
    for bits in negative.chain((0..=89f32.to_bits()).step_by(211)) {
        let x = f32::from_bits(bits);
        let d = ulps(exp(x), exact(x));
        if d > worst.0 {
            worst = (d, x);
        }
        checked += 1;
        exact_bits += (d == 0) as u32;
    }
    assert!(checked > 10_000_000, "only {checked} values checked");
    assert!(
        worst.0 <= 1,
        "exp({}) is {} ulps from e^x",
        worst.1,
        worst.0
    );
    // Most results are the correctly rounded value itself.
    assert!(
        exact_bits as f64 > 0.98 * checked as f64,
        "only {exact_bits} of {checked} exact"
    );
}

#[test]
fn exp_of_small_logits_matches_the_exact_value() {
    for (x, e) in [(0.0f32, 1.0f32), (-0.0, 1.0), (1.0, std::f32::consts::E)] {
        assert_eq!(exp(x), e, "exp({x})");
    }
    for x in [-1.0f32, -2.5, -10.0, 0.5, 3.0, 20.0] {
        assert!(
            ulps(exp(x), exact(x)) <= 1,
            "exp({x}) = {} against {}",
            exp(x),
            exact(x)
        );
    }
}

#[test]
fn exp_is_right_at_the_edges() {
    assert!(exp(f32::NAN).is_nan());
    assert_eq!(exp(f32::INFINITY), f32::INFINITY);
    assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    // Overflow: e^88.72 ≈ 3.39e38 is below f32::MAX, e^88.73 above.
    assert!(exp(88.72).is_finite() && exp(88.72) > 3.3e38);
    assert_eq!(exp(88.73), f32::INFINITY);
    assert_eq!(exp(1e4), f32::INFINITY);
    // Underflow: down through the subnormals to the smallest (2^−149 ≈ 1.4e−45), then 0.
    assert!(exp(-87.0) >= f32::MIN_POSITIVE);
    assert!(exp(-88.0) < f32::MIN_POSITIVE && exp(-88.0) > 0.0);
    assert_eq!(exp(-103.9), f32::from_bits(1));
    assert_eq!(exp(-104.0), 0.0);
    assert_eq!(exp(-1e4), 0.0);
}

proptest! {
    #![proptest_config(common::proptest_config(256))]

    #[test]
    fn exp_all_is_exp_of_each_value(values in proptest::collection::vec(-120f32..100.0, 0..40)) {
        let mut all = values.clone();
        exp_all(&mut all);
        for (x, y) in values.iter().zip(&all) {
            prop_assert_eq!(y.to_bits(), exp(*x).to_bits(), "x = {}", x);
        }
    }

    #[test]
    fn exp_is_within_one_ulp_anywhere(x in -110f32..95.0) {
        prop_assert!(ulps(exp(x), exact(x)) <= 1, "exp({}) = {} against {}", x, exp(x), exact(x));
    }
}
