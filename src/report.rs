//! What a training run prints: a header with the configuration and the data shapes, one aligned
//! table row per evaluation (the slides' `print(train_acc, test_acc)`, with the epoch, the
//! iteration, the mini-batch loss and the elapsed time beside it), a summary line, and, on a
//! terminal only, one self-updating progress line on stderr between evaluations.
//!
//! Everything here formats strings; the command decides where they go, so the tests can check
//! the alignment without running a training.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One evaluation: the slides' `train_acc_list` / `test_acc_list` entries, with the mini-batch
/// loss of that iteration (`train_loss_list[i]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalRow {
    /// The epoch in progress, counted from 1 as the slides' table does: row 1 is iteration 0.
    pub epoch: u64,
    pub iteration: u64,
    pub loss: f32,
    /// Fraction of the training set classified right.
    pub train_acc: f64,
    /// Fraction of the test set classified right.
    pub test_acc: f64,
    /// Seconds since training started, evaluations included.
    pub elapsed_s: f64,
}

/// The settings and data shapes the header shows.
#[derive(Clone, Debug)]
pub struct Setup<'a> {
    pub data_dir: &'a Path,
    /// The four files found in `data_dir` (names vary: `.gz` or not, `-idx3` or `.idx3`).
    pub files: &'a [PathBuf; 4],
    pub train_size: usize,
    pub test_size: usize,
    pub input_size: usize,
    pub hidden_size: usize,
    pub output_size: usize,
    pub iters: u64,
    pub batch_size: usize,
    pub lr: f32,
    pub weight_init_std: f32,
    pub seed: u64,
    pub threads: usize,
    pub eval_every: u64,
    pub iter_per_epoch: u64,
}

/// `12345678` as `12,345,678`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The lines printed before training: what is trained, how, and on what.
pub fn header(s: &Setup) -> String {
    let every = if s.eval_every == s.iter_per_epoch {
        format!("every {} iterations (one epoch)", s.eval_every)
    } else {
        format!(
            "every {} iterations (one epoch is {})",
            s.eval_every, s.iter_per_epoch
        )
    };
    format!(
        "backprop: a {i}-{h}-{o} network learns MNIST by backpropagation (逆誤差伝播方式)\n\
         \x20 network     Affine -> Relu -> Affine -> SoftmaxWithLoss, weights N(0, {std}^2), biases 0\n\
         \x20 training    {iters} iteration{is} of SGD, batch {b} drawn with replacement, lr {lr}, seed {seed}, {t} thread{ts}\n\
         \x20 evaluation  {every} on all {tr} train and {te} test images\n\
         \x20 data        {dir}: x_train ({tr}, {i}), t_train ({tr},), x_test ({te}, {i}), t_test ({te},)\n\
         \x20 files       {files}\n",
        i = s.input_size,
        h = s.hidden_size,
        o = s.output_size,
        std = s.weight_init_std,
        iters = thousands(s.iters),
        is = if s.iters == 1 { "" } else { "s" },
        b = s.batch_size,
        lr = s.lr,
        seed = s.seed,
        t = s.threads,
        ts = if s.threads == 1 { "" } else { "s" },
        tr = s.train_size,
        te = s.test_size,
        dir = s.data_dir.display(),
        files = file_names(s.files),
    )
}

/// The file names, comma-separated, so the reader sees which of the naming styles was found.
fn file_names(files: &[PathBuf; 4]) -> String {
    let names: Vec<String> = files
        .iter()
        .map(|f| match f.file_name() {
            Some(name) => name.to_string_lossy().into_owned(),
            None => f.display().to_string(),
        })
        .collect();
    names.join(", ")
}

/// The table's column titles; [`table_row`] lines up under them.
pub fn table_head() -> String {
    format!(
        "{:>5}  {:>9}  {:>7}  {:>9}  {:>8}  {:>9}",
        "epoch", "iteration", "loss", "train acc", "test acc", "elapsed s"
    )
}

/// One evaluation as a table line.
pub fn table_row(r: &EvalRow) -> String {
    format!(
        "{:>5}  {:>9}  {:>7.4}  {:>9.4}  {:>8.4}  {:>9.1}",
        r.epoch, r.iteration, r.loss, r.train_acc, r.test_acc, r.elapsed_s
    )
}

/// The totals of a finished run.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub iterations: u64,
    /// Test accuracy of the parameters after the last iteration (the model `--save` writes).
    pub final_test_acc: f64,
    /// Wall time from the first iteration to the end, evaluations included.
    pub total_s: f64,
    /// The part of `total_s` spent on the iterations themselves (gradient, update, loss).
    pub train_s: f64,
    /// Images seen by the iterations: `iterations * batch_size`.
    pub images: u64,
}

/// The closing line: final test accuracy, total time, and training throughput. The times have
/// two decimals: a run takes about 3 s, and `benches/reference/compare.py` reads the total
/// from this line to set beside numpy's (at one decimal the rounding alone moved the ratio by
/// up to 2%).
pub fn summary(s: &Summary) -> String {
    let rate = if s.train_s > 0.0 {
        s.images as f64 / s.train_s
    } else {
        0.0
    };
    format!(
        "final test accuracy {:.4} after {} iterations; {:.2} s in all, of which training {:.2} s ({} images/s)",
        s.final_test_acc,
        thousands(s.iterations),
        s.total_s,
        s.train_s,
        thousands(rate.round() as u64),
    )
}

/// The self-updating line on stderr between evaluations: iteration, current loss and the time
/// left. Drawn only when stderr is a terminal (a log file gets no carriage-return litter) and
/// not `--quiet`, at most five times a second.
pub struct Progress {
    /// Where the line is drawn; `None` draws nothing.
    sink: Option<Box<dyn Write>>,
    started: Instant,
    last_draw: Option<Instant>,
    shown: bool,
}

impl Progress {
    /// A progress line that draws only if `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Progress {
        let on_terminal = wanted && std::io::stderr().is_terminal();
        Progress::drawing_to(on_terminal.then(|| Box::new(std::io::stderr()) as Box<dyn Write>))
    }

    /// A progress line drawn on `sink` (or nowhere if `None`), whatever it is: how the tests
    /// watch the line without a terminal.
    pub fn drawing_to(sink: Option<Box<dyn Write>>) -> Progress {
        Progress {
            sink,
            started: Instant::now(),
            last_draw: None,
            shown: false,
        }
    }

    /// Shows that `done` of `total` iterations are finished, the last loss being `loss`.
    pub fn update(&mut self, done: u64, total: u64, loss: f32) {
        self.update_at(Instant::now(), done, total, loss);
    }

    /// [`Progress::update`] at the time `now`, so the tests can check the five-a-second limit
    /// without sleeping.
    pub fn update_at(&mut self, now: Instant, done: u64, total: u64, loss: f32) {
        let Some(sink) = self.sink.as_mut() else {
            return;
        };
        if let Some(last) = self.last_draw
            && now.duration_since(last) < Duration::from_millis(200)
        {
            return;
        }
        self.last_draw = Some(now);
        let line = progress_line(done, total, loss, now.duration_since(self.started));
        // One write, so the terminal never shows half a line.
        let _ = sink.write_all(format!("\r{line}\x1b[K").as_bytes());
        let _ = sink.flush();
        self.shown = true;
    }

    /// Wipes the line, so that a table row or a message can take its place.
    pub fn clear(&mut self) {
        if let Some(sink) = self.sink.as_mut()
            && self.shown
        {
            let _ = sink.write_all(b"\r\x1b[K");
            let _ = sink.flush();
            self.shown = false;
        }
    }
}

/// The text of the progress line: `iteration 1234/10000  loss 0.2345  ETA 12 s`. The time
/// left assumes the remaining iterations go as fast as those so far (evaluations included); it
/// is shown once 1% of the run (at least 20 iterations) is done, since the first evaluation
/// alone would make an early estimate wildly high.
pub fn progress_line(done: u64, total: u64, loss: f32, elapsed: Duration) -> String {
    let eta = if done >= (total / 100).max(20) {
        let left = elapsed.as_secs_f64() / done as f64 * total.saturating_sub(done) as f64;
        format!("{:.0} s", left.ceil())
    } else {
        "--".to_string()
    };
    format!("  iteration {done}/{total}  loss {loss:.4}  ETA {eta}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_line_up_under_the_head() {
        let head = table_head();
        let row = table_row(&EvalRow {
            epoch: 17,
            iteration: 9600,
            loss: 0.0612,
            train_acc: 0.98,
            test_acc: 0.9712,
            elapsed_s: 23.45,
        });
        assert_eq!(head.len(), row.len(), "\n{head}\n{row}");
        // Every column ends where its title ends.
        let ends = |s: &str| -> Vec<usize> {
            let b = s.as_bytes();
            (0..b.len())
                .filter(|&i| b[i] != b' ' && (i + 1 == b.len() || b[i + 1] == b' '))
                .collect()
        };
        let head_ends: Vec<usize> = ends(&head)
            .into_iter()
            .filter(|&i| {
                !["train", "test", "elapsed"]
                    .iter()
                    .any(|w| head[..=i].ends_with(w))
            })
            .collect();
        assert_eq!(head_ends, ends(&row), "\n{head}\n{row}");
        assert!(row.contains("9600") && row.contains("0.0612") && row.contains("0.9712"));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn summary_names_accuracy_time_and_throughput() {
        let s = summary(&Summary {
            iterations: 10_000,
            final_test_acc: 0.97123,
            total_s: 30.04,
            train_s: 20.0,
            images: 1_000_000,
        });
        assert!(s.contains("0.9712"), "{s}");
        assert!(s.contains("10,000 iterations"), "{s}");
        assert!(s.contains("30.04 s in all"), "{s}");
        assert!(s.contains("training 20.00 s"), "{s}");
        assert!(s.contains("50,000 images/s"), "{s}");
    }

    #[test]
    fn progress_line_estimates_time_left() {
        let line = progress_line(250, 1000, 0.5, Duration::from_secs(10));
        assert!(line.contains("250/1000"), "{line}");
        assert!(line.contains("ETA 30 s"), "{line}");
        assert!(line.contains("loss 0.5000"), "{line}");
        // Too early to tell: the first evaluation would dominate.
        let early = progress_line(19, 10_000, 2.3, Duration::from_secs(1));
        assert!(early.contains("ETA --"), "{early}");
        let early = progress_line(99, 10_000, 2.3, Duration::from_secs(1));
        assert!(early.contains("ETA --"), "{early}");
        assert!(progress_line(100, 10_000, 2.3, Duration::from_secs(1)).contains("ETA 99 s"));
    }
}
