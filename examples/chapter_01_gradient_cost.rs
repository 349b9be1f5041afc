//! Chapter 1's measurement: what one gradient of the real 784-50-10 network costs by numerical
//! differentiation (two forward passes per parameter) and by backpropagation (one forward, one
//! backward), on the first MNIST training images. (The comparison of the two gradients is
//! chapter 9's example, `chapter_09_gradient_check`.)
//!
//! ```text
//! cargo run --release --example chapter_01_gradient_cost            # batches of 3 and 100
//! cargo run --release --example chapter_01_gradient_cost -- 3        # only the batch of 3
//! ```
//!
//! Runs on one thread, so that the figures compare the arithmetic of the two methods rather
//! than how well each keeps two cores busy. Timings on a shared machine are noisy; the ratio
//! within one run is the figure to quote.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use backprop::Rng;
use backprop::mnist::{self, DEFAULT_DIR};
use backprop::two_layer_net::TwoLayerNet;

fn main() -> ExitCode {
    let data = match mnist::load_dir(Path::new(DEFAULT_DIR)) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("chapter_01_gradient_cost: {e}");
            return ExitCode::FAILURE;
        }
    };
    let batches: Vec<usize> = match std::env::args().nth(1) {
        Some(n) => match n.parse() {
            Ok(n) if n > 0 => vec![n],
            _ => {
                eprintln!(
                    "chapter_01_gradient_cost: expected a batch size (a positive integer), found {n:?}"
                );
                return ExitCode::from(2);
            }
        },
        None => vec![3, 100],
    };

    let mut net = TwoLayerNet::new(784, 50, 10, 0.01, &mut Rng::new(42));
    let params: usize = net.params().iter().map(|(_, p)| p.rows() * p.cols()).sum();
    println!(
        "network 784-50-10: {params} parameters, so {} forward passes per numerical gradient",
        2 * params
    );
    backprop::matmul::set_threads(1);
    println!("matmul threads: {}", backprop::matmul::threads());

    for batch in batches {
        let indices: Vec<usize> = (0..batch).collect();
        let x = data.train.batch(&indices);
        let t = data.train.one_hot(&indices);

        // Backpropagation: fast, so time many and take the median.
        let mut times = Vec::new();
        net.gradient(&x, &t);
        let until = Instant::now() + Duration::from_millis(500);
        while times.len() < 5 || (Instant::now() < until && times.len() < 1000) {
            let start = Instant::now();
            net.gradient(&x, &t);
            times.push(start.elapsed());
        }
        times.sort();
        let backprop = times[times.len() / 2];

        // Numerical differentiation: once is plenty.
        let start = Instant::now();
        net.numerical_gradient(&x, &t);
        let numerical_time = start.elapsed();

        println!();
        println!("batch of {batch} training images (the first {batch}):");
        println!(
            "  backpropagation  {:>12.3} ms  (median of {} runs)",
            backprop.as_secs_f64() * 1e3,
            times.len()
        );
        println!(
            "  numerical        {:>12.3} ms  (1 run)",
            numerical_time.as_secs_f64() * 1e3
        );
        println!(
            "  numerical / backpropagation = {:.0}x",
            numerical_time.as_secs_f64() / backprop.as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}
