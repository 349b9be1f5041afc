//! `backprop gradcheck`: the book's gradient check (勾配確認) on the real network, as the
//! book's `ch05/gradient_check.py` runs it:
//!
//! ```python
//! network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
//! x_batch = x_train[:3]
//! t_batch = t_train[:3]
//! grad_numerical = network.numerical_gradient(x_batch, t_batch)
//! grad_backprop = network.gradient(x_batch, t_batch)
//! for key in grad_numerical.keys():
//!     diff = np.average( np.abs(grad_backprop[key] - grad_numerical[key]) )
//!     print(key + ":" + str(diff))
//! ```
//!
//! Beside each mean difference we print the mean size of the gradient itself, their ratio,
//! and a verdict, because a bare 3e-6 means nothing until one knows the gradient is 1e-3.

use std::io::Write;
use std::time::Instant;

use super::{AppError, apply_threads};
use crate::cli::GradcheckArgs;
use crate::gradient::H;
use crate::two_layer_net::TwoLayerNet;
use crate::{Matrix, Rng, mnist};

/// The verdict's threshold on mean|backprop − numerical| / mean|backprop|. Measured on the
/// 784-50-10 network with seeds 1, 2, 3 and 42 (h = 1e-3): W2 and b2 agree to a ratio below
/// 7e-3, W1 and b1 to 1.5e-2 to 3.1e-2, because the step crosses Relu's kink for some hidden
/// units (see the text `run` prints). A wrong backward (a sign, a missing mask, a forgotten
/// 1/N) is off by a ratio near 1 or more, so 0.1 separates the two with room on both sides.
pub const MAX_RATIO: f64 = 0.1;

/// One parameter's comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    pub name: &'static str,
    /// The slides' figure: mean |backprop − numerical|.
    pub mean_diff: f64,
    /// mean |backprop|, the scale the difference is judged against.
    pub mean_abs: f64,
}

impl Check {
    /// `mean_diff / mean_abs` (0 for an all-zero gradient that numerics confirm).
    pub fn ratio(&self) -> f64 {
        if self.mean_abs > 0.0 {
            self.mean_diff / self.mean_abs
        } else if self.mean_diff == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    pub fn ok(&self) -> bool {
        self.ratio() <= MAX_RATIO
    }
}

/// backprop, numerical (both R x C, the parameter's shape) -> their mean |difference| and the
/// mean |backprop| it is judged against.
pub fn compare(name: &'static str, backprop: &Matrix, numerical: &Matrix) -> Check {
    let n = backprop.as_slice().len().max(1) as f64;
    let mean_diff = backprop
        .as_slice()
        .iter()
        .zip(numerical.as_slice())
        .map(|(&a, &b)| f64::from((a - b).abs()))
        .sum::<f64>()
        / n;
    let mean_abs = backprop
        .as_slice()
        .iter()
        .map(|&a| f64::from(a.abs()))
        .sum::<f64>()
        / n;
    Check {
        name,
        mean_diff,
        mean_abs,
    }
}

pub fn run(args: &GradcheckArgs, out: &mut dyn Write) -> Result<(), AppError> {
    // Products of 3 rows gain nothing from more threads, only the cost of waking them.
    apply_threads(Some(args.threads.unwrap_or(1)));
    let data = mnist::load_dir(&args.data)?;
    let (input, classes) = (data.train.image_len(), data.train.classes);
    let mut rng = Rng::new(args.seed);
    let mut network = TwoLayerNet::new(input, 50, classes, 0.01, &mut rng);
    // The book's x_train[:3]; like numpy's slice, fewer where the set has fewer.
    let first3: Vec<usize> = (0..data.train.len.min(3)).collect();
    let x_batch = data.train.batch(&first3);
    let t_batch = data.train.one_hot(&first3);
    let images = match first3.len() {
        3 => "the first 3 training images".to_string(),
        1 => "the only training image".to_string(),
        n => format!("the only {n} training images"),
    };

    writeln!(
        out,
        "gradient check (勾配確認): a {input}-50-{classes} network (seed {}), {images}",
        args.seed
    )?;
    let start = Instant::now();
    let grad_numerical = network.numerical_gradient(&x_batch, &t_batch);
    let numerical_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let grad_backprop = network.gradient(&x_batch, &t_batch);
    let backprop_s = start.elapsed().as_secs_f64();

    writeln!(
        out,
        "\n  {:<4} {:>24}  {:>14}  {:>9}  verdict",
        "key", "mean|backprop-numerical|", "mean|backprop|", "ratio"
    )?;
    let mut all_ok = true;
    for ((name, bp), (_, num)) in grad_backprop
        .named()
        .into_iter()
        .zip(grad_numerical.named())
    {
        let c = compare(name, bp, num);
        all_ok &= c.ok();
        writeln!(
            out,
            "  {:<4} {:>24.3e}  {:>14.3e}  {:>9.1e}  {}",
            c.name,
            c.mean_diff,
            c.mean_abs,
            c.ratio(),
            if c.ok() { "OK" } else { "NOT OK" }
        )?;
    }
    writeln!(
        out,
        "\nWhy the differences are not zero: the numerical gradient is the approximate one. The central\n\
         difference (f(x+h) - f(x-h)) / 2h with h = {H} is off by a term of order h^2; where the step\n\
         moves a hidden unit's input across 0, Relu's kink, the slope it measures is not the\n\
         derivative at all (this is why W1 and b1 agree less well than W2 and b2); and in f32 each\n\
         loss is rounded to about 7 digits, an error the division by 2h magnifies (why h is not\n\
         smaller). Backpropagation gives the exact derivative up to rounding. A bug in a backward\n\
         pass shows as a ratio near 1 or above; the verdict asks for at most {MAX_RATIO}."
    )?;
    writeln!(
        out,
        "\nnumerical gradient {numerical_s:.2} s (2 forward passes per parameter, {} parameters); backprop {:.2} ms",
        network
            .params()
            .iter()
            .map(|(_, m)| m.as_slice().len())
            .sum::<usize>(),
        backprop_s * 1e3
    )?;
    if !all_ok {
        return Err(AppError::CheckFailed(
            "gradient check: NOT OK (a ratio above the threshold: see the table)".to_string(),
        ));
    }
    writeln!(out, "gradient check: OK")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small net on a few random inputs with one-hot labels.
    fn setup() -> (TwoLayerNet, Matrix, Matrix) {
        let mut rng = Rng::new(3);
        let net = TwoLayerNet::new(6, 5, 4, 0.5, &mut rng);
        let x = Matrix::randn(3, 6, 1.0, &mut rng);
        let mut t = Matrix::zeros(3, 4);
        for (r, c) in [(0, 1), (1, 3), (2, 0)] {
            t.set(r, c, 1.0);
        }
        (net, x, t)
    }

    #[test]
    fn the_verdict_passes_backprop_and_fails_a_wrong_gradient() {
        let (mut net, x, t) = setup();
        let numerical = net.numerical_gradient(&x, &t);
        let backprop = net.gradient(&x, &t);
        for ((name, bp), (_, num)) in backprop.named().into_iter().zip(numerical.named()) {
            let c = compare(name, bp, num);
            assert!(c.ok(), "{name}: ratio {}", c.ratio());
            // The same gradient without the 1/N of the batch average (N = 3): caught.
            let wrong = compare(name, &bp.scale(3.0), num);
            assert!(
                !wrong.ok(),
                "{name}: a 3x gradient passed with ratio {}",
                wrong.ratio()
            );
            // And with the wrong sign.
            assert!(!compare(name, &bp.scale(-1.0), num).ok());
        }
    }

    #[test]
    fn ratio_edge_cases() {
        let z = Matrix::zeros(2, 2);
        assert_eq!(compare("b", &z, &z).ratio(), 0.0);
        assert!(
            compare("b", &z, &Matrix::from_vec(2, 2, vec![1e-3; 4]))
                .ratio()
                .is_infinite()
        );
        let c = compare(
            "W",
            &Matrix::from_vec(1, 2, vec![1.0, -1.0]),
            &Matrix::from_vec(1, 2, vec![1.5, -1.0]),
        );
        assert_eq!(c.mean_diff, 0.25);
        assert_eq!(c.mean_abs, 1.0);
    }
}
