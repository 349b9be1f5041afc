//! The training loop of the slides' 誤差逆伝播法の実装(実装イメージ２), line for line:
//!
//! ```python
//! for i in range(iters_num):
//!     batch_mask = np.random.choice(train_size, batch_size)
//!     x_batch = x_train[batch_mask]
//!     t_batch = t_train[batch_mask]
//!     grad = network.gradient(x_batch, t_batch)
//!     for key in ('W1', 'b1', 'W2', 'b2'):
//!         network.params[key] -= learning_rate * grad[key]
//!     loss = network.loss(x_batch, t_batch)
//!     if i % iter_per_epoch == 0:
//!         train_acc = network.accuracy(x_train, t_train)
//!         test_acc = network.accuracy(x_test, t_test)
//! ```
//!
//! Chapter: chapters/10-training-on-mnist.md.
//!
//! Where we depart from the slides, and why:
//! - The images stay `u8` until a batch needs them: `x_batch` is made in f32 from 100 images,
//!   and the accuracies are computed over the 60000 + 10000 images in chunks of
//!   [`EVAL_CHUNK`] (see [`crate::evaluate`]), so memory stays a few megabytes where numpy would
//!   hold 60000 x 784 float64 (376 MB) at once.
//! - `iter_per_epoch = max(train_size / batch_size, 1)` is a float in the slides (600.0 for
//!   batch 100); we divide in integers, which is the same for batch 100 and keeps `i % every`
//!   meaningful for a batch size that does not divide 60000. `--eval-every` overrides it.
//! - After each step the loss and the parameters are checked: a NaN or an infinity stops the
//!   run at once with [`Diverged`] (numpy would carry on printing `nan`). Note that this
//!   network rarely gets there: the loss is capped near −ln(1e-7) ≈ 16.1 by the `delta` of
//!   `cross_entropy_error`, and too large a step kills the Relu units, after which the gradient
//!   vanishes. With seed 42, `--lr 50` ends at chance accuracy with a finite loss; a NaN needs a
//!   learning rate near 1e8 (measured), or huge initial weights.
//! - One seeded [`Rng`] serves both `np.random.randn` (the initial weights, drawn first) and
//!   `np.random.choice` (the batches), so a seed fixes the whole run.
//! - With two threads or more, the accuracies are computed on a copy of the network on a
//!   thread of their own while the next steps run (`Evaluations`): the same rows, ready a
//!   little later, and the evaluations' time hidden behind the steps'.
//! - With two threads or more and no evaluation running, the next step's batch is drawn
//!   during this step's loss and made on the second core meanwhile (`Batches`): the same
//!   draws in the same order, so the same batches.

use std::fmt;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Instant;

use crate::evaluate;
use crate::matmul;
use crate::matrix::Matrix;
use crate::mnist::{Dataset, Mnist};
use crate::plot::LossCurve;
use crate::report::EvalRow;
use crate::rng::Rng;
use crate::two_layer_net::TwoLayerNet;

/// Rows of images predicted at once during an evaluation: 125 x 784 f32 is 392 KB, which
/// stays in a core's L2 (512 KB on Zen 3, 2 MB on the Xeon) between the conversion that
/// writes it and the product that reads it. An evaluation of the 60000 training images on
/// one thread took 45.4-46.6 ms at best in chunks of 125 or 250 rows against 49.4-49.6 in
/// chunks of 1000 (3 MB, past L2), alternating in one process on the Xeon.
pub const EVAL_CHUNK: usize = 125;

/// The hyper-parameters of one run; [`Config::slides`] gives the slides' values.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub iters: u64,
    pub batch_size: usize,
    pub learning_rate: f32,
    pub hidden_size: usize,
    pub weight_init_std: f32,
    pub seed: u64,
    /// Evaluate when `i % eval_every == 0`; `None` for once an epoch, as the slides.
    pub eval_every: Option<u64>,
    /// For tests only: evaluate the table's rows on the first N images of each set instead of
    /// all of them (an evaluation of all 70000 is most of a short run's time in the test
    /// build). The final test accuracy always uses the whole test set. The program never sets
    /// it: `None`.
    pub eval_limit: Option<usize>,
}

impl Config {
    /// `iters_num = 10000`, `batch_size = 100`, `learning_rate = 0.1`, `hidden_size = 50`,
    /// `weight_init_std = 0.01`, and our default seed 42.
    pub fn slides() -> Config {
        Config {
            iters: 10_000,
            batch_size: 100,
            learning_rate: 0.1,
            hidden_size: 50,
            weight_init_std: 0.01,
            seed: 42,
            eval_every: None,
            eval_limit: None,
        }
    }

    /// `iter_per_epoch = max(train_size / batch_size, 1)`, in integers.
    pub fn iter_per_epoch(&self, train_size: usize) -> u64 {
        (train_size / self.batch_size).max(1) as u64
    }

    /// How often the run evaluates.
    pub fn eval_every(&self, train_size: usize) -> u64 {
        self.eval_every
            .unwrap_or_else(|| self.iter_per_epoch(train_size))
    }
}

/// What the loop reports while it runs.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// Iteration `iteration` (0-based) is done and its mini-batch loss was `loss`.
    Step { iteration: u64, loss: f32 },
    /// An evaluation, just made.
    Row(&'a EvalRow),
}

/// Training stopped because a number became NaN or infinite: the learning rate is too large
/// for this network (or the initial weights too large).
#[derive(Clone, Debug, PartialEq)]
pub struct Diverged {
    /// The iteration (0-based, the slides' `i`) whose step produced the non-finite value.
    pub iteration: u64,
    /// The mini-batch loss after that step (NaN, infinite, or still finite if only a
    /// parameter went bad).
    pub loss: f32,
    /// The first parameter (`"W1"`, `"b1"`, `"W2"`, `"b2"`) holding a NaN or an infinity.
    pub parameter: Option<&'static str>,
    pub learning_rate: f32,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "training diverged at iteration {}: the loss is {}",
            self.iteration, self.loss
        )?;
        if let Some(name) = self.parameter {
            write!(f, " and {name} holds NaN or infinite values")?;
        }
        write!(
            f,
            "\n  the learning rate {} is too large for this network: try a smaller one, such as --lr {} (the slides use 0.1)",
            short(self.learning_rate),
            short(self.learning_rate / 10.0)
        )?;
        if self.iteration == 0 {
            // The first step also shows the initial weights: too large, and the forward pass
            // overflows before any learning rate is applied.
            write!(
                f,
                "\n  or, at the first step, the initial weights are: check --weight-init-std (the slides use 0.01)"
            )?;
        }
        write!(
            f,
            "\n  no model was saved; the CSV, if any, holds the rows evaluated before"
        )
    }
}

impl std::error::Error for Diverged {}

/// `0.1` as `0.1` but `1e20` as `1e20`, not twenty-one digits.
fn short(x: f32) -> String {
    if x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Why [`train`] returned early.
#[derive(Debug)]
pub enum Stop<E> {
    Diverged(Diverged),
    /// The event handler returned this error (a CSV that could not be written, say).
    Handler(E),
}

/// A finished run.
pub struct Outcome {
    pub network: TwoLayerNet,
    pub rows: Vec<EvalRow>,
    pub loss_curve: LossCurve,
    /// Test accuracy after the last iteration: the last row's if it evaluated the last
    /// iteration, else from one more pass over the test set.
    pub final_test_acc: f64,
    /// Seconds from the first iteration to the end, evaluations included.
    pub total_s: f64,
    /// Seconds spent in the iterations themselves, evaluations excluded.
    pub train_s: f64,
}

/// The first parameter, in the order W1, b1, W2, b2, that holds a NaN or an infinity. The loss
/// nearly always shows it too (a NaN spreads through every product, even 0 · NaN = NaN), but
/// the issue asks for both, and this names the culprit. After the update it costs nothing:
/// `sub_scaled` looked at each value as it wrote it, and `Matrix::all_finite` remembers.
pub fn non_finite_parameter(network: &TwoLayerNet) -> Option<&'static str> {
    network
        .params()
        .into_iter()
        .find(|(_, m)| !m.all_finite())
        .map(|(name, _)| name)
}

/// Runs the slides' training loop on `data` and reports each step and each evaluation to
/// `on_event`, which may stop the run by returning an error.
pub fn train<E>(
    config: &Config,
    data: &Mnist,
    mut on_event: impl FnMut(Event) -> Result<(), E>,
) -> Result<Outcome, Stop<E>> {
    assert!(
        config.iters > 0 && config.batch_size > 0 && config.hidden_size > 0,
        "train: iters, batch_size and hidden_size must be at least 1, got {config:?}"
    );
    assert!(
        config.eval_every != Some(0),
        "train: eval_every must be at least 1"
    );
    // Each set holds the slides' pair: `train` is (x_train, t_train), `test` (x_test, t_test).
    let (train, test) = (&data.train, &data.test);
    let train_size = train.len;
    let input_size = train.image_len();
    let output_size = train.classes;
    let eval_every = config.eval_every(train_size);
    let iter_per_epoch = config.iter_per_epoch(train_size);

    let mut rng = Rng::new(config.seed);
    let mut network = TwoLayerNet::new(
        input_size,
        config.hidden_size,
        output_size,
        config.weight_init_std,
        &mut rng,
    );
    let learning_rate = config.learning_rate;
    let mut loss_curve = LossCurve::new();
    let start = Instant::now();
    let mut train_s = 0.0;

    let threads_here = matmul::threads_here();
    let rows = std::thread::scope(|scope| {
        let mut evaluations = Evaluations {
            scope,
            data,
            limit: config.eval_limit.unwrap_or(usize::MAX),
            iter_per_epoch,
            start,
            threads: matmul::threads(),
            threads_here,
            running: None,
            rows: Vec::new(),
        };
        let mut batches = Batches {
            set: train,
            batch_size: config.batch_size,
            next: None,
        };
        // ANCHOR: loop
        for i in 0..config.iters {
            evaluations.report_finished(&mut on_event)?;
            let step_start = Instant::now();
            // batch_mask = np.random.choice(train_size, batch_size); x_batch = x_train[batch_mask]
            let (batch_mask, x_batch) = batches.draw(&mut rng);
            // t_batch = t_train[batch_mask], one-hot
            let t_batch = train.one_hot(&batch_mask);

            let grad = network.gradient(&x_batch, &t_batch);

            network.affine1.w.sub_scaled(learning_rate, &grad.w1);
            network.affine1.b.sub_scaled(learning_rate, &grad.b1);
            network.affine2.w.sub_scaled(learning_rate, &grad.w2);
            network.affine2.b.sub_scaled(learning_rate, &grad.b2);

            // With a core to spare, the next batch is drawn and made on it meanwhile.
            let spare = evaluations.core_to_spare() && i + 1 < config.iters;
            let loss = batches.beside(spare, &mut rng, || network.loss(&x_batch, &t_batch));
            train_s += step_start.elapsed().as_secs_f64();

            let parameter = non_finite_parameter(&network);
            if !loss.is_finite() || parameter.is_some() {
                evaluations.finish(&mut on_event)?;
                return Err(Stop::Diverged(Diverged {
                    iteration: i,
                    loss,
                    parameter,
                    learning_rate,
                }));
            }
            loss_curve.push(loss);
            on_event(Event::Step { iteration: i, loss }).map_err(Stop::Handler)?;

            if i % eval_every == 0 {
                // network.accuracy(x_train, t_train), network.accuracy(x_test, t_test)
                evaluations.start(&network, i, loss, &mut on_event)?;
            }
        }
        // ANCHOR_END: loop
        evaluations.finish(&mut on_event)
    });
    // Whichever way the loop ended, this thread's products get their threads back.
    matmul::set_threads_here(threads_here);
    let rows = rows?;

    let last = config.iters - 1;
    let final_test_acc = match rows.last() {
        Some(row) if row.iteration == last && config.eval_limit.is_none() => row.test_acc,
        _ => evaluate::accuracy(&network, test, test.len, EVAL_CHUNK),
    };
    Ok(Outcome {
        network,
        rows,
        loss_curve,
        final_test_acc,
        total_s: start.elapsed().as_secs_f64(),
        train_s,
    })
}

/// The batches of a run: `np.random.choice(train_size, batch_size)` and `x_train[batch_mask]`,
/// made when the step needs them, or made ahead on the second core while the step before
/// computes its loss (`beside`). The draws come from the one `rng` in the same order either
/// way, and a batch is the same whichever thread converts it, so the run is the same.
struct Batches<'a> {
    set: &'a Dataset,
    batch_size: usize,
    /// The next step's batch, if it was made ahead.
    next: Option<(Vec<usize>, Matrix)>,
}

impl Batches<'_> {
    /// This step's batch: the one made ahead, or drawn and made now.
    fn draw(&mut self, rng: &mut Rng) -> (Vec<usize>, Matrix) {
        self.next.take().unwrap_or_else(|| {
            let batch_mask = rng.choice(self.set.len, self.batch_size);
            let x_batch = self.set.batch(&batch_mask);
            (batch_mask, x_batch)
        })
    }

    /// `f()` (the step's loss), and with `spare` the next step's batch drawn now and made at the
    /// same time on the other core (`matmul::run_both`). Each then runs on one thread; the two
    /// threads would otherwise share the loss's products, which gain little from a second
    /// thread (a step's second `x · W1`: 44 µs on one, 32 on two), and then the next batch,
    /// one after the other. Measured on the Xeon, the default run: faster in 13 of 20
    /// alternating pairs in a noisy phase (medians 2.64 -> 2.51 s and 2.46 -> 2.37 s in sets
    /// of 8 and 12), in 10 of 10 in a calm one (medians 2.16 -> 2.02 s); a first version,
    /// timed by a counter in this loop, took the steps that ran with two threads from 194-223
    /// µs to 188-206 (five alternating pairs, faster in all).
    fn beside<R: Send>(&mut self, spare: bool, rng: &mut Rng, f: impl FnOnce() -> R + Send) -> R {
        if !spare {
            return f();
        }
        let batch_mask = rng.choice(self.set.len, self.batch_size);
        let (r, x_batch) = matmul::run_both(f, || self.set.batch(&batch_mask));
        self.next = Some((batch_mask, x_batch));
        r
    }
}

/// The evaluations of a run (the slides' `network.accuracy` on both sets, every
/// `eval_every` iterations) and their rows, in order.
///
/// With one thread, an evaluation runs where the slides put it, between two steps. With more,
/// it runs on a copy of the network, on threads of its own, while the steps go on, and the
/// steps' products take one thread meanwhile (`matmul::set_threads_here`). The rows are the
/// same (a copy of the network predicts as the network does); only their time column tells
/// when each was ready. A row is handed on as soon as it is ready, and always before the next
/// evaluation starts, so the rows come in order, and before a divergence is reported.
struct Evaluations<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    data: &'env Mnist,
    /// Images evaluated per set (`Config::eval_limit`).
    limit: usize,
    iter_per_epoch: u64,
    /// When training started: the rows' time column counts from it.
    start: Instant,
    /// `matmul::threads()` when the run began.
    threads: usize,
    /// This thread's own limit when the run began (`matmul::threads_here`), put back when
    /// no evaluation runs.
    threads_here: usize,
    /// The evaluation running in the background, if any.
    running: Option<ScopedJoinHandle<'scope, EvalRow>>,
    rows: Vec<EvalRow>,
}

impl<'scope, 'env> Evaluations<'scope, 'env> {
    /// Hands on the row of a background evaluation that has finished, and gives the next
    /// step's products their threads, or one while an evaluation still runs.
    fn report_finished<E>(
        &mut self,
        on_event: &mut impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), Stop<E>> {
        if let Some(done) = self.running.take_if(|e| e.is_finished()) {
            self.report(join(done), on_event)?;
        }
        matmul::set_threads_here(if self.running.is_some() {
            1
        } else {
            self.threads_here
        });
        Ok(())
    }

    /// Whether a second core is free for a part of the step: two threads or more, and no
    /// evaluation running on the others.
    fn core_to_spare(&self) -> bool {
        self.threads >= 2 && self.running.is_none()
    }

    /// Evaluates `network` as it stands after iteration `i` (whose loss was `loss`): here and
    /// now with one thread, else on a copy in the background, once the previous evaluation's
    /// row is handed on.
    fn start<E>(
        &mut self,
        network: &TwoLayerNet,
        i: u64,
        loss: f32,
        on_event: &mut impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), Stop<E>> {
        if let Some(previous) = self.running.take() {
            self.report(join(previous), on_event)?;
        }
        let (data, limit, iter_per_epoch, start) =
            (self.data, self.limit, self.iter_per_epoch, self.start);
        let evaluate = move |network: &TwoLayerNet| EvalRow {
            epoch: i / iter_per_epoch + 1,
            iteration: i,
            loss,
            train_acc: evaluate::accuracy(network, &data.train, limit, EVAL_CHUNK),
            test_acc: evaluate::accuracy(network, &data.test, limit, EVAL_CHUNK),
            elapsed_s: start.elapsed().as_secs_f64(),
        };
        if self.threads >= 2 {
            let copy = network.clone();
            let threads = self.threads - 1;
            self.running = Some(self.scope.spawn(move || {
                matmul::set_threads_here(threads);
                evaluate(&copy)
            }));
            matmul::set_threads_here(1);
            Ok(())
        } else {
            self.report(evaluate(network), on_event)
        }
    }

    /// Waits for the evaluation still running, if any, hands its row on, and returns all the
    /// rows; the products get their threads back.
    fn finish<E>(
        &mut self,
        on_event: &mut impl FnMut(Event) -> Result<(), E>,
    ) -> Result<Vec<EvalRow>, Stop<E>> {
        matmul::set_threads_here(self.threads_here);
        if let Some(running) = self.running.take() {
            self.report(join(running), on_event)?;
        }
        Ok(std::mem::take(&mut self.rows))
    }

    /// Keeps a row and hands it to the event handler.
    fn report<E>(
        &mut self,
        row: EvalRow,
        on_event: &mut impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), Stop<E>> {
        self.rows.push(row);
        on_event(Event::Row(&row)).map_err(Stop::Handler)
    }
}

/// The row of a background evaluation, once it is done.
fn join(evaluation: ScopedJoinHandle<EvalRow>) -> EvalRow {
    evaluation.join().expect("the evaluation thread panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_finite_parameter_is_named() {
        let mut net = TwoLayerNet::new(4, 3, 2, 0.1, &mut Rng::new(1));
        assert_eq!(non_finite_parameter(&net), None);
        net.affine2.w.set(2, 1, f32::INFINITY);
        assert_eq!(non_finite_parameter(&net), Some("W2"));
        net.affine1.b.set(0, 0, f32::NAN);
        assert_eq!(non_finite_parameter(&net), Some("b1"));
    }

    #[test]
    fn the_divergence_message_names_the_iteration_and_a_smaller_rate() {
        let d = Diverged {
            iteration: 7,
            loss: f32::NAN,
            parameter: Some("W1"),
            learning_rate: 1e8,
        };
        let msg = d.to_string();
        assert!(msg.contains("iteration 7"), "{msg}");
        assert!(msg.contains("NaN") && msg.contains("W1"), "{msg}");
        assert!(msg.contains("--lr 1e7"), "{msg}");
        assert!(msg.contains("no model was saved"), "{msg}");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(5.0), "5");
        assert_eq!(short(1e20), "1e20");
        assert_eq!(short(2e-5), "2e-5");
    }

    #[test]
    fn epochs_and_evaluation_points_follow_the_slides() {
        let c = Config::slides();
        assert_eq!(c.iter_per_epoch(60_000), 600);
        assert_eq!(c.eval_every(60_000), 600);
        let evaluated: Vec<u64> = (0..c.iters)
            .filter(|i| i % c.eval_every(60_000) == 0)
            .collect();
        assert_eq!(evaluated.len(), 17);
        assert_eq!(evaluated.last(), Some(&9600));
        let tiny = Config {
            batch_size: 100_000,
            ..Config::slides()
        };
        assert_eq!(tiny.iter_per_epoch(60_000), 1);
        let every = Config {
            eval_every: Some(250),
            ..Config::slides()
        };
        assert_eq!(every.eval_every(60_000), 250);
    }
}
