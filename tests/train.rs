//! The training loop on the real MNIST data, in-process: a short run learns, the same seed gives
//! the same run bit for bit whatever the thread count, another seed gives another curve, and a
//! diverging run stops at once, naming the iteration.
//!
//! To keep the suite fast the table's evaluations here look at the first 2000 images of each
//! set (`Config::eval_limit`, which the program never sets); the final test accuracy is always
//! over all 10000 test images.

use std::path::Path;
use std::sync::OnceLock;

use backprop::mnist::{self, Mnist};
use backprop::model_file::Params;
use backprop::report::EvalRow;
use backprop::train::{Config, Event, Outcome, Stop, train};
use backprop::{Rng, TwoLayerNet};

fn data() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        mnist::load_dir(Path::new(mnist::DEFAULT_DIR)).expect("MNIST in data/mnist")
    })
}

fn short(iters: u64, seed: u64) -> Config {
    Config {
        iters,
        seed,
        eval_every: Some(iters / 2),
        eval_limit: Some(2000),
        ..Config::slides()
    }
}

/// Runs `config`, checking that the rows the events report are the rows returned.
fn run(config: &Config) -> Outcome {
    let mut seen: Vec<EvalRow> = Vec::new();
    let mut steps = 0u64;
    let outcome = train(config, data(), |e| -> Result<(), ()> {
        match e {
            Event::Step { iteration, loss } => {
                assert_eq!(iteration, steps);
                assert!(loss.is_finite());
                steps += 1;
            }
            Event::Row(r) => seen.push(*r),
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("training stopped: {e:?}"));
    assert_eq!(steps, config.iters);
    assert_eq!(seen, outcome.rows);
    outcome
}

/// Everything in a row but the wall time.
fn curve(rows: &[EvalRow]) -> Vec<(u64, u64, u32, u64, u64)> {
    rows.iter()
        .map(|r| {
            (
                r.epoch,
                r.iteration,
                r.loss.to_bits(),
                r.train_acc.to_bits(),
                r.test_acc.to_bits(),
            )
        })
        .collect()
}

/// The loop is the slides' loop, step for step: one generator draws the weights, then one
/// mask per step, in order; each step takes the gradient, updates, and computes the loss after
/// the update. Replayed here by hand through the public API, the losses and the final
/// parameters must have the same bits; a mask drawn out of turn or skipped, a missed update or
/// a loss taken before the update would change them.
#[test]
fn the_loop_is_the_slides_loop_step_for_step() {
    let config = short(7, Config::slides().seed);
    let mut losses = Vec::new();
    let outcome = train(&config, data(), |e| -> Result<(), ()> {
        if let Event::Step { loss, .. } = e {
            losses.push(loss);
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("training stopped: {e:?}"));

    let x_train = &data().train;
    let mut rng = Rng::new(config.seed);
    let mut network = TwoLayerNet::new(
        x_train.image_len(),
        config.hidden_size,
        x_train.classes,
        config.weight_init_std,
        &mut rng,
    );
    for (i, logged) in losses.iter().enumerate() {
        let batch_mask = rng.choice(x_train.len, config.batch_size);
        let x_batch = x_train.batch(&batch_mask);
        let t_batch = x_train.one_hot(&batch_mask);
        let grad = network.gradient(&x_batch, &t_batch);
        network.update(&grad, config.learning_rate);
        let loss = network.loss(&x_batch, &t_batch);
        assert_eq!(loss.to_bits(), logged.to_bits(), "the loss of step {i}");
    }
    assert_eq!(losses.len() as u64, config.iters);
    let bits = |m: &backprop::matrix::Matrix| -> Vec<u32> {
        m.as_slice().iter().map(|v| v.to_bits()).collect()
    };
    for ((name, trained), (_, replayed)) in
        outcome.network.params().into_iter().zip(network.params())
    {
        assert_eq!(bits(trained), bits(replayed), "{name}");
    }
}

#[test]
fn a_short_run_learns() {
    let run = run(&short(300, 1));
    // 300 iterations of the slides' SGD are far past chance (0.1) on all 10000 test images
    // (measured: 0.88 for seeds 1, 2, 3 and 42).
    assert!(
        run.final_test_acc > 0.85,
        "test accuracy {} after 300 iterations",
        run.final_test_acc
    );
    let iterations: Vec<u64> = run.rows.iter().map(|r| r.iteration).collect();
    assert_eq!(iterations, vec![0, 150]);
    assert_eq!(run.rows[0].epoch, 1);
    assert!(run.rows[1].train_acc > run.rows[0].train_acc + 0.5);
    assert!(run.rows[1].test_acc > run.rows[0].test_acc + 0.5);
    assert!(run.rows[1].loss < run.rows[0].loss);
}

#[test]
fn the_same_seed_repeats_bit_for_bit_across_thread_counts() {
    // The only test here that sets the thread count; the others do not depend on it.
    let config = short(100, 5);
    backprop::matmul::set_threads(1);
    let one = run(&config);
    backprop::matmul::set_threads(2);
    let two = run(&config);

    // The same rows, the same parameters, to the last bit, on 1 or 2 threads.
    assert_eq!(one.rows.len(), 2);
    assert_eq!(curve(&one.rows), curve(&two.rows));
    assert_eq!(one.final_test_acc.to_bits(), two.final_test_acc.to_bits());
    assert_eq!(Params::of(&one.network), Params::of(&two.network));
    assert_eq!(one.loss_curve.points(), two.loss_curve.points());
    // And so the same CSV, once the wall-time column is set aside.
    let strip = |rows: &[EvalRow]| -> Vec<String> {
        backprop::csv::render(rows)
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    assert_eq!(strip(&one.rows), strip(&two.rows));
}

#[test]
fn another_seed_gives_another_curve() {
    let a = run(&short(50, 5));
    let b = run(&short(50, 6));
    assert_eq!(a.rows.len(), 2);
    assert_ne!(curve(&a.rows), curve(&b.rows));
    assert_ne!(a.rows[0].loss, b.rows[0].loss);
    assert_ne!(Params::of(&a.network), Params::of(&b.network));
}

#[test]
fn divergence_stops_at_once_naming_the_iteration() {
    // A learning rate of 1e10 throws the weights so far that the scores overflow: the
    // softmax sees inf - inf and the loss is NaN within a few iterations.
    let config = Config {
        iters: 1000,
        learning_rate: 1e10,
        eval_every: Some(1),
        eval_limit: Some(100),
        ..Config::slides()
    };
    let mut rows = Vec::new();
    let mut steps = Vec::new();
    let result = train(&config, data(), |e| -> Result<(), ()> {
        match e {
            Event::Step { iteration, .. } => steps.push(iteration),
            Event::Row(r) => rows.push(*r),
        }
        Ok(())
    });
    let Err(Stop::Diverged(d)) = result else {
        panic!("a learning rate of 1e10 did not diverge");
    };
    assert!(
        d.iteration < 20,
        "diverged only at iteration {}",
        d.iteration
    );
    assert!(!d.loss.is_finite() || d.parameter.is_some());
    assert_eq!(d.learning_rate, 1e10);
    // Stopped at once: no step and no row at or after the diverging iteration.
    assert_eq!(steps.len() as u64, d.iteration);
    assert_eq!(rows.len() as u64, d.iteration);
    assert!(rows.iter().all(|r| r.loss.is_finite()));
    let msg = d.to_string();
    assert!(msg.contains(&format!("iteration {}", d.iteration)), "{msg}");
    assert!(msg.contains("smaller") && msg.contains("--lr 1e9"), "{msg}");
}

#[test]
fn a_handler_error_stops_the_run() {
    let config = Config {
        iters: 50,
        eval_every: Some(10),
        eval_limit: Some(100),
        ..Config::slides()
    };
    let mut rows = 0;
    let result = train(&config, data(), |e| match e {
        Event::Row(_) if rows == 1 => Err("disk full"),
        Event::Row(_) => {
            rows += 1;
            Ok(())
        }
        Event::Step { .. } => Ok(()),
    });
    assert!(matches!(result, Err(Stop::Handler("disk full"))));
}

/// With two threads or more the evaluations run in the background on a copy of the network
/// (`train.rs`, `Evaluations`); with one, between the steps. Same rows either way, in order,
/// and the caller's own thread limit is put back afterwards. Set per thread here
/// (`set_threads_here`), so that it does not depend on the machine's cores or on other tests.
#[test]
fn background_evaluations_give_the_rows_of_inline_ones() {
    // The last evaluation is of the last iteration, so it is still running when the loop
    // ends: the loop must wait for it.
    let config = Config {
        eval_every: Some(20),
        ..short(101, 7)
    };
    backprop::matmul::set_threads_here(1);
    let inline = run(&config);
    assert_eq!(backprop::matmul::threads_here(), 1);
    backprop::matmul::set_threads_here(3);
    let background = run(&config);
    assert_eq!(backprop::matmul::threads_here(), 3);
    backprop::matmul::set_threads_here(0);

    let iterations: Vec<u64> = background.rows.iter().map(|r| r.iteration).collect();
    assert_eq!(iterations, vec![0, 20, 40, 60, 80, 100]);
    assert_eq!(curve(&inline.rows), curve(&background.rows));
    assert_eq!(Params::of(&inline.network), Params::of(&background.network));
    assert_eq!(inline.loss_curve.points(), background.loss_curve.points());
    assert_eq!(
        inline.final_test_acc.to_bits(),
        background.final_test_acc.to_bits()
    );
}

/// A background evaluation's row is handed on as soon as it is ready, not only when the next
/// evaluation starts: here the handler pauses at step 5 long enough for the evaluation of
/// iteration 0 (2000 + 2000 images) to finish, and its row must then come before step 10.
#[test]
fn a_background_row_comes_as_soon_as_it_is_ready() {
    let config = Config {
        eval_every: Some(50),
        ..short(60, 8)
    };
    backprop::matmul::set_threads_here(2);
    let mut events = Vec::new();
    let result = train(&config, data(), |e| -> Result<(), ()> {
        match e {
            Event::Step { iteration, .. } => {
                if iteration == 5 {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
                events.push(("step", iteration));
            }
            Event::Row(r) => events.push(("row", r.iteration)),
        }
        Ok(())
    });
    backprop::matmul::set_threads_here(0);
    result.unwrap_or_else(|e| panic!("training stopped: {e:?}"));
    let row_0 = events.iter().position(|&e| e == ("row", 0)).unwrap();
    let step_10 = events.iter().position(|&e| e == ("step", 10)).unwrap();
    assert!(
        row_0 < step_10,
        "row 0 came only at event {row_0}: {events:?}"
    );
}
