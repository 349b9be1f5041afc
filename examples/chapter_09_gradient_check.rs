//! Chapter 9's measurement: the book's gradient check (勾配確認) on the real 784-50-10
//! network with the first 3 MNIST training images, as the book's `gradient_check.py` runs it:
//! backpropagation against numerical differentiation, the mean |difference| per parameter.
//! Then a look at where the largest differences come from.
//!
//! ```text
//! cargo run --release --example chapter_09_gradient_check
//! ```

use std::path::Path;
use std::process::ExitCode;

use backprop::Rng;
use backprop::gradient::H;
use backprop::mnist::{self, DEFAULT_DIR};
use backprop::two_layer_net::TwoLayerNet;

fn main() -> ExitCode {
    let data = match mnist::load_dir(Path::new(DEFAULT_DIR)) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("chapter_09_gradient_check: {e}");
            return ExitCode::FAILURE;
        }
    };
    // One thread: the 79,520 small products of the numerical side gain nothing from two.
    backprop::matmul::set_threads(1);
    let mut net = TwoLayerNet::new(784, 50, 10, 0.01, &mut Rng::new(42));
    let indices = [0, 1, 2];
    let x = data.train.batch(&indices);
    let t = data.train.one_hot(&indices);

    let grad_backprop = net.gradient(&x, &t);
    let grad_numerical = net.numerical_gradient(&x, &t);

    println!("gradient check: 784-50-10, first 3 training images, h = {H}");
    println!("param  mean|backprop-numerical|  median  max       mean|backprop|");
    for ((name, b), (_, n)) in grad_backprop.named().iter().zip(grad_numerical.named()) {
        let mut diffs: Vec<f32> = b
            .as_slice()
            .iter()
            .zip(n.as_slice())
            .map(|(b, n)| (b - n).abs())
            .collect();
        let len = diffs.len() as f64;
        let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / len;
        diffs.sort_by(f32::total_cmp);
        let median = diffs[diffs.len() / 2];
        let max = diffs[diffs.len() - 1];
        let scale = b.as_slice().iter().map(|v| f64::from(v.abs())).sum::<f64>() / len;
        println!("{name:<5}  {mean:<24.3e}  {median:<6.1e}  {max:<8.1e}  {scale:.3e}");
    }

    // ReLU has a corner at 0. A probe of b1[j] by ±h moves hidden unit j's input by h in every
    // sample; if one of them lies within h of 0, the two probes see different slopes.
    let a1 = net.affine1.forward(&x);
    let near = a1.as_slice().iter().filter(|v| v.abs() < H).count();
    let len = a1.as_slice().len();
    let rms = (a1.as_slice().iter().map(|v| v * v).sum::<f32>() / len as f32).sqrt();
    println!();
    println!("hidden-unit inputs: rms {rms:.3}; within h of ReLU's corner: {near} of {len}");
    println!("the 4 largest differences in b1, and how close unit j came to the corner:");
    let mut worst: Vec<(f32, usize)> = grad_backprop
        .b1
        .as_slice()
        .iter()
        .zip(grad_numerical.b1.as_slice())
        .map(|(b, n)| (b - n).abs())
        .zip(0..)
        .collect();
    worst.sort_by(|p, q| q.0.total_cmp(&p.0));
    for &(diff, j) in worst.iter().take(4) {
        let closest = (0..x.rows())
            .map(|r| a1.get(r, j).abs())
            .fold(f32::INFINITY, f32::min);
        println!("  b1[{j:>2}]  difference {diff:.1e}  min |input| {closest:.4}");
    }
    ExitCode::SUCCESS
}
