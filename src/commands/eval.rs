//! `backprop eval --model PATH`: how a saved network does on the 10000 test images. The test
//! accuracy (the last number of the slides' table), then where the errors are: the confusion
//! matrix (row: the true digit, column: the digit read), the accuracy of each digit, and the
//! first few misread digits drawn with their true and predicted labels.

use std::io::Write;

use super::predict::check_fit;
use super::{AppError, apply_threads, relative_to_cwd};
use crate::cli::EvalArgs;
use crate::draw::{self, Shades};
use crate::evaluate::{self, Confusion};
use crate::train::EVAL_CHUNK;
use crate::{mnist, model_file};

/// The confusion matrix as aligned text: a header of predicted classes, then one line per true
/// class, ending with the row's total.
pub fn confusion_table(c: &Confusion) -> String {
    let n = c.counts.len();
    let mut s = format!("{:>10}", "true \\ read");
    for p in 0..n {
        s.push_str(&format!("{p:>6}"));
    }
    s.push_str(&format!("{:>8}\n", "total"));
    for (t, row) in c.counts.iter().enumerate() {
        s.push_str(&format!("{t:>11}"));
        for &v in row {
            s.push_str(&format!("{v:>6}"));
        }
        s.push_str(&format!("{:>8}\n", c.class_total(t)));
    }
    s
}

pub fn run(args: &EvalArgs, out: &mut dyn Write) -> Result<(), AppError> {
    let params = model_file::load(&args.model)?;
    apply_threads(args.threads);
    let data = mnist::load_dir(&args.data)?;
    let test = &data.test;
    check_fit(&args.model, &params, test.image_len(), test.classes)?;
    let (i, h, o) = params.sizes();
    let network = params.into_network();
    let (confusion, wrong) = evaluate::confusion(&network, test, EVAL_CHUNK, args.show);
    let right: usize = (0..test.classes).map(|c| confusion.class_correct(c)).sum();

    writeln!(
        out,
        "model {} ({i}-{h}-{o}) on the {} test images of {}",
        args.model.display(),
        test.len,
        relative_to_cwd(&args.data).display()
    )?;
    writeln!(
        out,
        "test accuracy {:.4} ({right} of {} right)\n",
        confusion.accuracy(),
        test.len
    )?;
    writeln!(
        out,
        "confusion matrix (rows: true digit, columns: digit read)"
    )?;
    write!(out, "{}", confusion_table(&confusion))?;

    writeln!(out, "\nper-digit accuracy")?;
    writeln!(
        out,
        "{:>7}  {:>6}  {:>7}  {:>8}  most often read as",
        "digit", "images", "correct", "accuracy"
    )?;
    for c in 0..test.classes {
        let total = confusion.class_total(c);
        let correct = confusion.class_correct(c);
        let worst = (0..test.classes)
            .filter(|&p| p != c && confusion.counts[c][p] > 0)
            .max_by_key(|&p| (confusion.counts[c][p], std::cmp::Reverse(p)));
        let confused = match worst {
            Some(p) => format!("{p} ({} times)", confusion.counts[c][p]),
            None => "-".to_string(),
        };
        writeln!(
            out,
            "{c:>7}  {total:>6}  {correct:>7}  {:>8.4}  {confused}",
            correct as f64 / total.max(1) as f64
        )?;
    }

    if !wrong.is_empty() && test.rows == test.cols {
        let shades = if args.ascii {
            Shades::Ascii
        } else {
            Shades::Unicode
        };
        writeln!(out, "\nthe first {} misread test digits", wrong.len())?;
        let blocks: Vec<Vec<String>> = wrong
            .iter()
            .map(|&(index, read)| {
                let mut block = draw::digit_compact(test.image(index), test.cols, shades);
                block.push(format!("#{index}: {} read as {read}", test.labels[index]));
                block
            })
            .collect();
        for group in blocks.chunks(4) {
            for line in draw::side_by_side(group, 2) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}
