//! Tests that `cargo mutants` asked for in the program's own files (report, plot, draw, the
//! commands): each one fails on a mutant the other tests let live. Named after what they check;
//! the doc comment of each says which mutants it kills.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use backprop::report::{self, Progress, Setup, Summary};

/// A sink the test can read after handing it to a [`Progress`].
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).unwrap()
    }
}

fn setup<'a>(files: &'a [PathBuf; 4], eval_every: u64, iter_per_epoch: u64) -> Setup<'a> {
    Setup {
        data_dir: Path::new("data/mnist"),
        files,
        train_size: 60000,
        test_size: 10000,
        input_size: 784,
        hidden_size: 50,
        output_size: 10,
        iters: 1,
        batch_size: 100,
        lr: 0.1,
        weight_init_std: 0.01,
        seed: 42,
        threads: 1,
        eval_every,
        iter_per_epoch,
    }
}

fn files() -> [PathBuf; 4] {
    [
        PathBuf::from("data/mnist/train-images-idx3-ubyte.gz"),
        PathBuf::from("data/mnist/train-labels.idx1-ubyte"),
        PathBuf::from("data/mnist/t10k-images-idx3-ubyte"),
        PathBuf::from("t10k-labels-idx1-ubyte.gz"),
    ]
}

/// Killed mutants: `== with !=` in `header`'s test of one evaluation per epoch; `file_names`
/// replaced with `String::new()` or "xyzzy".
#[test]
fn header_says_when_evaluations_fall_on_epochs_and_names_the_files() {
    let files = files();
    let h = report::header(&setup(&files, 600, 600));
    assert!(h.contains("every 600 iterations (one epoch) on all"), "{h}");
    assert!(!h.contains("one epoch is"), "{h}");
    let h = report::header(&setup(&files, 100, 600));
    assert!(h.contains("every 100 iterations (one epoch is 600)"), "{h}");
    assert!(
        h.contains(
            "files       train-images-idx3-ubyte.gz, train-labels.idx1-ubyte, \
             t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.gz\n"
        ),
        "{h}"
    );
}

/// Killed mutant: `> with >=` in `summary`'s guard against a zero training time (the rate
/// would be infinite, printed as 18,446,744,073,709,551,615 images/s).
#[test]
fn summary_of_a_run_with_no_training_time_shows_no_rate() {
    let s = report::summary(&Summary {
        iterations: 1,
        final_test_acc: 0.1,
        total_s: 0.5,
        train_s: 0.0,
        images: 100,
    });
    assert!(s.ends_with("(0 images/s)"), "{s}");
}

/// Killed mutants: `Progress::update` and `Progress::clear` replaced with `()`, and `<` in the
/// five-a-second limit replaced with `==`, `>` or `<=`.
#[test]
fn progress_draws_at_most_every_200_ms_and_clears_its_line() {
    let sink = Shared::default();
    let mut p = Progress::drawing_to(Some(Box::new(sink.clone())));
    // Nothing drawn yet: clearing writes nothing.
    p.clear();
    assert_eq!(sink.take(), "");
    p.update(5, 1000, 1.25);
    let first = sink.take();
    assert!(
        first.starts_with("\r  iteration 5/1000  loss 1.2500"),
        "{first:?}"
    );
    assert!(first.ends_with("\x1b[K"), "{first:?}");
    p.clear();
    assert_eq!(sink.take(), "\r\x1b[K");
    // Cleared once: a second clear writes nothing more.
    p.clear();
    assert_eq!(sink.take(), "");

    let t0 = Instant::now() + Duration::from_secs(1);
    p.update_at(t0, 10, 1000, 1.0);
    assert!(sink.take().contains("iteration 10/1000"));
    p.update_at(t0 + Duration::from_millis(100), 11, 1000, 1.0);
    assert_eq!(sink.take(), "", "drawn again after 100 ms");
    p.update_at(t0 + Duration::from_millis(200), 12, 1000, 1.0);
    assert!(
        sink.take().contains("iteration 12/1000"),
        "not drawn after 200 ms"
    );
    p.update_at(t0 + Duration::from_millis(500), 13, 1000, 1.0);
    assert!(
        sink.take().contains("iteration 13/1000"),
        "not drawn after 300 ms more"
    );
}
