//! The training loop's bookkeeping, checked where `cargo mutants` found it unchecked: the
//! epoch arithmetic, the training-time clock, the divergence message's numbers and the
//! non-finite parameter check.

use std::path::Path;

use backprop::Rng;
use backprop::evaluate;
use backprop::mnist;
use backprop::train::{Config, Diverged, Event, non_finite_parameter, train};
use backprop::two_layer_net::TwoLayerNet;

/// Kills `iter_per_epoch` → 1 and its `/` → `%` or `*`.
#[test]
fn an_epoch_is_the_training_set_over_the_batch_size() {
    let slides = Config::slides();
    assert_eq!(slides.iter_per_epoch(60_000), 600);
    let odd = Config {
        batch_size: 7,
        ..Config::slides()
    };
    assert_eq!(odd.iter_per_epoch(60_000), 8571);
    // A batch larger than the set still makes an epoch of one iteration.
    assert_eq!(slides.iter_per_epoch(50), 1);
    assert_eq!(slides.eval_every(60_000), 600);
    let every = Config {
        eval_every: Some(7),
        ..Config::slides()
    };
    assert_eq!(every.eval_every(60_000), 7);
}

/// Kills `short`'s `&&` → `||`: a learning rate is written as people write it, 0.05 and not
/// 5e-2, and only a very large or very small one in exponent form.
#[test]
fn the_divergence_message_writes_learning_rates_as_people_do() {
    let plain = Diverged {
        iteration: 3,
        loss: f32::NAN,
        parameter: Some("W1"),
        learning_rate: 0.5,
    }
    .to_string();
    assert!(plain.contains("iteration 3"), "{plain}");
    assert!(plain.contains("learning rate 0.5 "), "{plain}");
    assert!(plain.contains("--lr 0.05 "), "{plain}");
    assert!(plain.contains("W1 holds"), "{plain}");
    assert!(!plain.contains("--weight-init-std"), "{plain}");
    let huge = Diverged {
        iteration: 0,
        loss: f32::INFINITY,
        parameter: None,
        learning_rate: 1e20,
    }
    .to_string();
    assert!(huge.contains("learning rate 1e20 "), "{huge}");
    assert!(huge.contains("--lr 1e19 "), "{huge}");
    assert!(!huge.contains("holds NaN"), "{huge}");
    // At the first step the initial weights may be the cause instead.
    assert!(huge.contains("check --weight-init-std"), "{huge}");
    assert!(huge.ends_with("holds the rows evaluated before"), "{huge}");
}

/// Kills `non_finite_parameter` → None: the first parameter in the slides' order that holds
/// a NaN or an infinity is named.
#[test]
fn non_finite_parameter_names_the_first_bad_one() {
    let mut net = TwoLayerNet::new(4, 3, 2, 0.1, &mut Rng::new(1));
    assert_eq!(non_finite_parameter(&net), None);
    net.affine2.b.set(0, 1, f32::INFINITY);
    assert_eq!(non_finite_parameter(&net), Some("b2"));
    net.affine1.w.set(2, 1, f32::NAN);
    assert_eq!(non_finite_parameter(&net), Some("W1"));
}

/// Any number of bad values in a matrix names it: two, three (and a negative infinity), not
/// only one (kills the flags combined by `^`, which two bad values cancel).
#[test]
fn several_non_finite_values_in_one_matrix_still_name_it() {
    let mut net = TwoLayerNet::new(4, 3, 2, 0.1, &mut Rng::new(1));
    net.affine2.w.set(0, 0, f32::INFINITY);
    net.affine2.w.set(1, 1, f32::NAN);
    assert_eq!(non_finite_parameter(&net), Some("W2"));
    net.affine2.w.set(2, 0, f32::NEG_INFINITY);
    assert_eq!(non_finite_parameter(&net), Some("W2"));
}

/// Kills `train_s += …` → `-=` or `*=` and the epoch's `/` → `%` or `*`: with batches of
/// 3000 an epoch of the 60000 training images is 20 iterations, so rows every 10 iterations
/// fall in epochs 1, 1, 2, 2, 3; the training time is positive and within the total.
#[test]
fn rows_name_their_epoch_and_the_clock_counts_training() {
    let data = mnist::load_dir(Path::new(mnist::DEFAULT_DIR)).expect("MNIST in data/mnist");
    let config = Config {
        iters: 41,
        batch_size: 3000,
        eval_every: Some(10),
        eval_limit: Some(200),
        ..Config::slides()
    };
    let outcome = train(&config, &data, |_: Event| -> Result<(), ()> { Ok(()) })
        .unwrap_or_else(|_| panic!("the short run stopped"));
    let epochs: Vec<u64> = outcome.rows.iter().map(|r| r.epoch).collect();
    assert_eq!(epochs, vec![1, 1, 2, 2, 3]);
    // The last row (iteration 40) looked at 200 test images only: the final accuracy is
    // over all of them (kills the final match guard's `&&` → `||`).
    let network = outcome.network.clone();
    let all = evaluate::accuracy(&network, &data.test, usize::MAX, 1000);
    assert_eq!(outcome.final_test_acc, all);
    assert!(
        outcome.train_s > 0.0 && outcome.train_s <= outcome.total_s,
        "training {} s of {} s",
        outcome.train_s,
        outcome.total_s
    );
}

/// Kills the final match guard's `==` → `!=`: when the last row is not the last iteration,
/// the final accuracy is measured again after it, not copied from that row.
#[test]
fn the_final_accuracy_is_after_the_last_iteration() {
    let data = mnist::load_dir(Path::new(mnist::DEFAULT_DIR)).expect("MNIST in data/mnist");
    let config = Config {
        iters: 4,
        eval_every: Some(2),
        ..Config::slides()
    };
    let outcome = train(&config, &data, |_: Event| -> Result<(), ()> { Ok(()) })
        .unwrap_or_else(|_| panic!("the short run stopped"));
    let rows: Vec<u64> = outcome.rows.iter().map(|r| r.iteration).collect();
    assert_eq!(rows, vec![0, 2]);
    let network = outcome.network.clone();
    let after = evaluate::accuracy(&network, &data.test, usize::MAX, 1000);
    assert_eq!(outcome.final_test_acc, after);
    assert_ne!(outcome.final_test_acc, outcome.rows[1].test_acc);
}
