//! `backprop predict --model PATH (--index N | --image FILE)`: one digit, drawn in the terminal,
//! with the class the saved network reads in it and its three most likely classes. The
//! probabilities are the softmax of the network's scores, the `y` that `SoftmaxWithLoss`
//! computes in the slides before the loss.

use std::io::Write;
use std::path::Path;

use super::{AppError, relative_to_cwd};
use crate::cli::{CliError, ImageSource, PredictArgs};
use crate::draw::{self, Shades};
use crate::functions::softmax;
use crate::model_file::{self, Params};
use crate::{Matrix, mnist, pgm};

/// Checks that a loaded model takes `input` pixels and has at least `classes` outputs.
pub fn check_fit(path: &Path, p: &Params, input: usize, classes: usize) -> Result<(), AppError> {
    let (i, _, o) = p.sizes();
    if i != input {
        return Err(AppError::ModelMismatch {
            path: path.to_path_buf(),
            what: "inputs",
            model: i,
            data: input,
        });
    }
    if o != classes {
        return Err(AppError::ModelMismatch {
            path: path.to_path_buf(),
            what: "classes",
            model: o,
            data: classes,
        });
    }
    Ok(())
}

/// probs (one row of C probabilities) -> the `k` most probable classes, most probable first
/// (the lower class first on a tie).
pub fn top_k(probs: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut order: Vec<(usize, f32)> = probs.iter().copied().enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    order.truncate(k);
    order
}

pub fn run(args: &PredictArgs, out: &mut dyn Write) -> Result<(), AppError> {
    let params = model_file::load(&args.model)?;
    let shades = if args.ascii {
        Shades::Ascii
    } else {
        Shades::Unicode
    };
    // `side`: the image's width where it is square (the drawing needs a square).
    let (title, pixels, label, classes, side) = match &args.source {
        ImageSource::Index(index) => {
            let data = mnist::load_dir(&args.data)?;
            if *index >= data.test.len {
                return Err(AppError::Usage(CliError::BadValue {
                    flag: "--index",
                    value: index.to_string(),
                    expected: format!(
                        "a test image number from 0 to {} (the test set has {} images)",
                        data.test.len - 1,
                        data.test.len
                    ),
                }));
            }
            (
                format!(
                    "test image {index} of {}",
                    relative_to_cwd(&args.data).display()
                ),
                data.test.image(*index).to_vec(),
                Some(data.test.labels[*index]),
                data.test.classes,
                (data.test.rows == data.test.cols).then_some(data.test.cols),
            )
        }
        ImageSource::Image(path) => {
            let mut pixels = pgm::read(path)?;
            if args.invert {
                for p in pixels.iter_mut() {
                    *p = 255 - *p;
                }
            }
            (
                format!("{}", path.display()),
                pixels,
                None,
                10,
                Some(pgm::SIDE),
            )
        }
    };
    check_fit(&args.model, &params, pixels.len(), classes)?;

    // The same scaling as the training data: pixel / 255.
    let x = Matrix::from_vec(
        1,
        pixels.len(),
        pixels.iter().map(|&p| f32::from(p) / 255.0).collect(),
    );
    let mut network = params.into_network();
    let scores = network.predict(&x);
    let probs = softmax(&scores);
    let top = top_k(probs.row(0), 3);

    match label {
        Some(l) => writeln!(out, "{title} (label {l})")?,
        None => writeln!(out, "{title}")?,
    }
    if let Some(side) = side {
        for line in draw::digit(&pixels, side, shades) {
            writeln!(out, "{line}")?;
        }
    }
    let verdict = match label {
        Some(l) if usize::from(l) == top[0].0 => "  (right)".to_string(),
        Some(l) => format!("  (wrong: the label is {l})"),
        None => String::new(),
    };
    writeln!(out, "prediction: {}{verdict}", top[0].0)?;
    let bar = if args.ascii { '#' } else { '█' };
    for (class, p) in &top {
        let len = (p * 40.0).round() as usize;
        let bars: String = std::iter::repeat_n(bar, len).collect();
        writeln!(out, "  {class}  {p:.4}  {bars}")?;
    }
    Ok(())
}
