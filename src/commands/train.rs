//! `backprop` / `backprop train`: the slides' experiment with a person at the terminal. It checks
//! every output path before any work, loads MNIST, prints the configuration, runs
//! [`crate::train::train`] with a table row per evaluation (and the CSV rewritten after each),
//! then writes the chart and the model and prints the summary.
//!
//! A diverged run stops with an error: the CSV keeps the rows so far, and no chart and no model
//! are written, so nothing broken replaces a good file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{AppError, apply_threads, relative_to_cwd};
use crate::atomic_write::{check_writable, resolved, same_file, write_bytes_atomic};
use crate::cli::{CliError, DEFAULT_PLOT_PATH, Plot, TrainArgs};
use crate::model_file::{self, Params};
use crate::report::{self, EvalRow, Progress, Setup, Summary};
use crate::train::{Config, Event, Stop, train};
use crate::{csv, mnist, plot};

/// The chart path of a run without `--plot`: `target/learning-curves.svg` when the current
/// directory has a `target/` (a cargo project, where `cargo run` starts us), else none: we
/// never create directories the user did not ask for.
fn default_plot_path() -> Option<PathBuf> {
    let path = PathBuf::from(DEFAULT_PLOT_PATH);
    path.parent().filter(|d| d.is_dir()).map(|_| path.clone())
}

/// Refuses two outputs on one file, however spelled (`a.csv`, `./a.csv`): the second write
/// would silently destroy the first.
fn check_distinct(outputs: &[(&'static str, &Path)]) -> Result<(), CliError> {
    for (i, (first, a)) in outputs.iter().enumerate() {
        for (second, b) in &outputs[i + 1..] {
            if same_file(a, b) {
                return Err(CliError::SamePath {
                    first,
                    second,
                    path: b.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// Refuses an output on one of the four files the run reads: the model or the CSV would
/// replace the user's data. An input may be a symbolic link: writing over the file it points
/// to would destroy the data as surely.
fn check_not_input(
    outputs: &[(&'static str, &Path)],
    inputs: &[PathBuf; 4],
) -> Result<(), CliError> {
    for (flag, path) in outputs {
        for (input, (what, _, _)) in inputs.iter().zip(mnist::FILES) {
            let target = input.canonicalize().ok();
            if same_file(path, input) || target == Some(resolved(path)) {
                return Err(CliError::OutputIsInput {
                    flag,
                    path: path.to_path_buf(),
                    what,
                });
            }
        }
    }
    Ok(())
}

pub fn run(args: &TrainArgs, out: &mut dyn Write) -> Result<(), AppError> {
    // Up front, before the data is even read: every output can be written.
    let plot_path = match &args.plot {
        Plot::To(p) => Some(p.clone()),
        Plot::Default => default_plot_path(),
        Plot::Off => None,
    };
    let mut outputs: Vec<(&'static str, &Path)> = Vec::new();
    if let Some(p) = &args.csv {
        outputs.push(("--csv", p));
    }
    if let Some(p) = &plot_path {
        outputs.push(("--plot", p));
    }
    if let Some(p) = &args.save {
        outputs.push(("--save", p));
    }
    check_distinct(&outputs)?;
    for (flag, path) in &outputs {
        check_writable(flag, path)?;
    }
    let found = mnist::find_files(&args.data)?;
    check_not_input(&outputs, &found)?;

    let threads = apply_threads(args.threads);
    let data = mnist::load_files(found)?;
    let config = Config {
        iters: args.iters,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        hidden_size: args.hidden,
        weight_init_std: args.weight_init_std,
        seed: args.seed,
        eval_every: args.eval_every,
        eval_limit: None,
    };
    let train_size = data.train.len;
    let data_shown = relative_to_cwd(&args.data);
    let setup = Setup {
        data_dir: &data_shown,
        files: &data.found,
        train_size,
        test_size: data.test.len,
        input_size: data.train.image_len(),
        hidden_size: args.hidden,
        output_size: data.train.classes,
        iters: args.iters,
        batch_size: args.batch_size,
        lr: args.lr,
        weight_init_std: args.weight_init_std,
        seed: args.seed,
        threads,
        eval_every: config.eval_every(train_size),
        iter_per_epoch: config.iter_per_epoch(train_size),
    };
    if !args.quiet {
        writeln!(out, "{}", report::header(&setup))?;
        writeln!(out, "{}", report::table_head())?;
    }

    let mut progress = Progress::new(!args.quiet);
    let mut rows: Vec<EvalRow> = Vec::new();
    let result = train(&config, &data, |event| -> Result<(), AppError> {
        match event {
            Event::Step { iteration, loss } => progress.update(iteration + 1, args.iters, loss),
            Event::Row(row) => {
                progress.clear();
                if !args.quiet {
                    writeln!(out, "{}", report::table_row(row))?;
                }
                rows.push(*row);
                if let Some(path) = &args.csv {
                    csv::write("--csv", path, &rows)?;
                }
            }
        }
        Ok(())
    });
    progress.clear();
    let outcome = match result {
        Ok(o) => o,
        Err(Stop::Diverged(d)) => return Err(AppError::Diverged(d)),
        Err(Stop::Handler(e)) => return Err(e),
    };

    let summary = Summary {
        iterations: args.iters,
        final_test_acc: outcome.final_test_acc,
        total_s: outcome.total_s,
        train_s: outcome.train_s,
        images: args.iters.saturating_mul(args.batch_size as u64),
    };
    if !args.quiet {
        writeln!(out)?;
    }
    writeln!(out, "{}", report::summary(&summary))?;

    if let Some(path) = &plot_path {
        let title = format!(
            "backprop {}-{}-{}: batch {}, lr {}, seed {}; final test accuracy {:.4}",
            setup.input_size,
            setup.hidden_size,
            setup.output_size,
            args.batch_size,
            args.lr,
            args.seed,
            outcome.final_test_acc
        );
        let svg =
            plot::learning_curves_svg(&title, &outcome.rows, &outcome.loss_curve, args.iters - 1);
        write_bytes_atomic("--plot", path, svg.as_bytes())?;
        if !args.quiet {
            writeln!(out, "learning curves: {}", path.display())?;
        }
    } else if args.plot == Plot::Default && !args.quiet {
        writeln!(
            out,
            "no chart written: there is no target/ directory here (--plot PATH writes one)"
        )?;
    }
    if let Some(path) = &args.csv
        && !args.quiet
    {
        writeln!(out, "CSV: {}", path.display())?;
    }
    if let Some(path) = &args.save {
        model_file::save(path, &Params::of(&outcome.network)).map_err(AppError::from)?;
        if !args.quiet {
            writeln!(out, "model: {}", path.display())?;
        }
    }
    Ok(())
}
