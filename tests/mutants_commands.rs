//! Tests that `cargo mutants` asked for in the four commands (`src/commands/`): each runs a
//! command through the library on a tiny hand-made dataset (2x2 images) or a hand-made model,
//! writing its report into a `Vec<u8>`, so that every test takes milliseconds. The doc comment
//! of each says which mutants it kills.

use std::path::{Path, PathBuf};

use backprop::cli::{CliError, EvalArgs, GradcheckArgs, ImageSource, Plot, PredictArgs, TrainArgs};
use backprop::commands::{AppError, eval, gradcheck, predict, train};
use backprop::draw::{self, Shades};
use backprop::model_file::{self, Params};
use backprop::train::Config;
use backprop::{Matrix, mnist, plot, report};
use data_common::{TempDir, idx_bytes};

mod data_common;

/// Writes an MNIST directory whose train and test sets both hold `images` (each `rows * cols`
/// pixels) with `labels`.
fn write_data(dir: &TempDir, rows: u32, cols: u32, images: &[Vec<u8>], labels: &[u8]) {
    let n = images.len() as u32;
    let pixels: Vec<u8> = images.concat();
    let image_file = idx_bytes(&[n, rows, cols], &pixels);
    let label_file = idx_bytes(&[n], labels);
    for stem in ["train", "t10k"] {
        dir.write(&format!("{stem}-images-idx3-ubyte"), &image_file);
        dir.write(&format!("{stem}-labels-idx1-ubyte"), &label_file);
    }
}

/// A 4-pixel image, black but for pixel `k` at 255.
fn lit(k: usize) -> Vec<u8> {
    let mut v = vec![0; 4];
    v[k] = 255;
    v
}

/// The 7 test images of the confusion tests and what the model reads in each (the lit pixel):
/// 0 read as 0, 0, 1; 1 read as 1, 1; 2 read as 3; 3 read as 3.
const READ: [(u8, usize); 7] = [(0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (2, 3), (3, 3)];

/// A 4-4-4 model that reads the brightest pixel: W1 = W2 = identity, biases 0, so the scores
/// are the pixels / 255 themselves.
fn write_identity_model(dir: &TempDir) -> PathBuf {
    write_model(dir, 4)
}

/// A `inputs`-4-4 model whose score k is pixel k / 255 (k < 4).
fn write_model(dir: &TempDir, inputs: usize) -> PathBuf {
    write_model_out(dir, inputs, 4)
}

/// A `inputs`-4-`outputs` model whose score k is pixel k / 255 (k < 4), the others 0.
fn write_model_out(dir: &TempDir, inputs: usize, outputs: usize) -> PathBuf {
    let eye = |rows: usize, cols: usize| {
        let mut m = Matrix::zeros(rows, cols);
        for k in 0..rows.min(cols) {
            m.set(k, k, 1.0);
        }
        m
    };
    let params = Params {
        w1: eye(inputs, 4),
        b1: Matrix::zeros(1, 4),
        w2: eye(4, outputs),
        b2: Matrix::zeros(1, outputs),
    };
    let path = dir.join("model.bin");
    model_file::save(&path, &params).expect("save the model");
    path
}

/// The confusion data (square 2x2 or flat 1x4 images) and the identity model, in one dir.
fn confusion_setup(tag: &str, rows: u32, cols: u32) -> (TempDir, PathBuf) {
    let dir = TempDir::new(tag);
    let images: Vec<Vec<u8>> = READ.iter().map(|&(_, k)| lit(k)).collect();
    let labels: Vec<u8> = READ.iter().map(|&(l, _)| l).collect();
    write_data(&dir, rows, cols, &images, &labels);
    let model = write_identity_model(&dir);
    (dir, model)
}

fn run_eval(dir: &TempDir, model: &Path, show: usize) -> String {
    let args = EvalArgs {
        model: model.to_path_buf(),
        data: dir.path.clone(),
        show,
        ascii: true,
        threads: Some(1),
    };
    let mut out = Vec::new();
    eval::run(&args, &mut out).expect("eval runs");
    String::from_utf8(out).unwrap()
}

/// Killed mutants: eval.rs:75 `&&` -> `||`, `!=` -> `==`, `>` -> `==` / `<` / `>=` (the class
/// a digit is most often misread as: never the digit itself, never a class it was not read as,
/// "-" when it was always read right).
#[test]
fn eval_names_the_class_each_digit_is_most_often_misread_as() {
    let (dir, model) = confusion_setup("eval-worst", 2, 2);
    let text = run_eval(&dir, &model, 0);
    assert!(
        text.contains("test accuracy 0.7143 (5 of 7 right)"),
        "{text}"
    );
    for (c, total, correct, confused) in [
        (0, 3, 2, "1 (1 times)"),
        (1, 2, 2, "-"),
        (2, 1, 0, "3 (1 times)"),
        (3, 1, 1, "-"),
    ] {
        let line = format!(
            "{c:>7}  {total:>6}  {correct:>7}  {:>8.4}  {confused}\n",
            correct as f64 / total as f64
        );
        assert!(text.contains(&line), "no line {line:?} in\n{text}");
    }
}

/// Killed mutants: eval.rs:88:26 `&&` -> `||` (with nothing to show, nothing is drawn), and
/// the `!` and `==` of that line (misread digits are drawn for square images only).
#[test]
fn eval_draws_the_misread_digits_only_when_there_are_some_and_they_are_square() {
    let (dir, model) = confusion_setup("eval-draw", 2, 2);
    let none = run_eval(&dir, &model, 0);
    assert!(!none.contains("misread test digits"), "{none}");
    assert!(!none.contains("read as 1\n"), "{none}");

    let drawn = run_eval(&dir, &model, 5);
    assert!(
        drawn.contains("\nthe first 2 misread test digits\n"),
        "{drawn}"
    );
    assert!(drawn.contains("#2: 0 read as 1"), "{drawn}");
    assert!(drawn.contains("#5: 2 read as 3"), "{drawn}");
    // The same table as without --show: only the drawing is added.
    assert!(drawn.starts_with(&none), "{none}\n---\n{drawn}");

    let (flat_dir, flat_model) = confusion_setup("eval-flat", 1, 4);
    let flat = run_eval(&flat_dir, &flat_model, 5);
    assert!(!flat.contains("misread test digits"), "{flat}");
}

fn run_predict(dir: &TempDir, model: &Path, index: usize) -> String {
    let args = PredictArgs {
        model: model.to_path_buf(),
        source: ImageSource::Index(index),
        data: dir.path.clone(),
        invert: false,
        ascii: true,
    };
    let mut out = Vec::new();
    predict::run(&args, &mut out).expect("predict runs");
    String::from_utf8(out).unwrap()
}

/// Killed mutants: predict.rs:95:45 `/` -> `%` / `*` (the pixels scaled to 0..1 before the
/// network: the probabilities are softmax([1, 0, 0, 0]), not of [0, 0, 0, 0] or [65025, ...]),
/// predict.rs:119:22 `*` -> `+` / `/` (a bar of round(40 p) marks), and predict.rs:112 (all
/// four: the guard forced either way, `==` -> `!=`), the right/wrong verdict.
#[test]
fn predict_prints_the_verdict_and_the_three_most_likely_classes_with_bars() {
    let (dir, model) = confusion_setup("predict", 2, 2);
    // Image 0: label 0, read as 0. Scores [1, 0, 0, 0]: p = e / (e + 3) and 1 / (e + 3).
    let right = run_predict(&dir, &model, 0);
    let e = std::f64::consts::E;
    let (p_top, p_rest) = (e / (e + 3.0), 1.0 / (e + 3.0));
    assert_eq!(format!("{p_top:.4} {p_rest:.4}"), "0.4754 0.1749");
    let expected = format!(
        "prediction: 0  (right)\n  0  0.4754  {}\n  1  0.1749  {}\n  2  0.1749  {}\n",
        "#".repeat(19),
        "#".repeat(7),
        "#".repeat(7)
    );
    assert!(right.ends_with(&expected), "{right}\n---\n{expected}");
    assert!(right.contains("(label 0)"), "{right}");

    // Image 2: label 0, read as 1.
    let wrong = run_predict(&dir, &model, 2);
    assert!(
        wrong.contains("\nprediction: 1  (wrong: the label is 0)\n  1  0.4754  "),
        "{wrong}"
    );
    assert!(!wrong.contains("(right)"), "{wrong}");
}

/// An image is drawn only where it is square, as its rows and columns say: a 1x4 image has a
/// square number of pixels, but drawing it 2x2 would show a picture that is not there.
#[test]
fn predict_draws_square_images_only() {
    let (dir, model) = confusion_setup("predict-square", 2, 2);
    let square = run_predict(&dir, &model, 0);
    assert!(square.contains("\n+----+\n"), "{square}");
    let (flat_dir, flat_model) = confusion_setup("predict-flat", 1, 4);
    let flat = run_predict(&flat_dir, &flat_model, 0);
    assert!(!flat.contains('+'), "{flat}");
    assert!(flat.contains("prediction: 0  (right)"), "{flat}");
}

/// A tiny training set: 8 images of 2x2, four classes, each lit at the pixel of its class
/// (at 200) with a little of the next pixel.
fn train_data(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for i in 0..8u8 {
        let c = usize::from(i % 4);
        let mut v = vec![10 + i; 4];
        v[c] = 200;
        v[(c + 1) % 4] = 60 + 5 * i;
        images.push(v);
        labels.push(i % 4);
    }
    write_data(&dir, 2, 2, &images, &labels);
    dir
}

fn train_args(data: &Path) -> TrainArgs {
    TrainArgs {
        data: data.to_path_buf(),
        iters: 4,
        batch_size: 2,
        lr: 0.5,
        hidden: 3,
        weight_init_std: 0.1,
        seed: 7,
        threads: Some(1),
        eval_every: Some(2),
        csv: None,
        plot: Plot::Off,
        save: None,
        quiet: false,
    }
}

fn run_train(args: &TrainArgs) -> Result<String, AppError> {
    let mut out = Vec::new();
    train::run(args, &mut out).map(|()| String::from_utf8(out).unwrap())
}

/// Killed mutants: train.rs `run -> Ok(())`, 93:8, 105:20, 130:8, 149:12, 159:12 and 165:12
/// (`delete !`: each part of the report is printed without `--quiet` only), 147:94 `-` -> `+`
/// / `/` (the chart's last iteration is iters - 1), check_distinct's `+` -> `*` and `==` ->
/// `!=` (three distinct outputs are fine), and the `+` -> `-` of 102:74 (overflow at
/// iteration 0).
#[test]
fn train_reports_writes_the_chart_csv_and_model_and_quiet_prints_the_summary_only() {
    let dir = train_data("train-report");
    let out_dir = TempDir::new("train-report-out");
    let mut args = train_args(&dir.path);
    let (csv, svg, model) = (
        out_dir.join("rows.csv"),
        out_dir.join("chart.svg"),
        out_dir.join("model.bin"),
    );
    args.csv = Some(csv.clone());
    args.plot = Plot::To(svg.clone());
    args.save = Some(model.clone());
    let text = run_train(&args).expect("train runs");

    // The same run through the library gives the rows, the chart and the model to expect.
    let data = mnist::load_dir(&dir.path).unwrap();
    let config = Config {
        iters: 4,
        batch_size: 2,
        learning_rate: 0.5,
        hidden_size: 3,
        weight_init_std: 0.1,
        seed: 7,
        eval_every: Some(2),
        eval_limit: None,
    };
    let outcome =
        backprop::train::train(&config, &data, |_| Ok::<(), ()>(())).expect("the same run");
    let title = format!(
        "backprop 4-3-4: batch 2, lr 0.5, seed 7; final test accuracy {:.4}",
        outcome.final_test_acc
    );
    let chart = plot::learning_curves_svg(&title, &outcome.rows, &outcome.loss_curve, 3);
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), chart);
    assert_eq!(
        model_file::load(&model).unwrap(),
        Params::of(&outcome.network)
    );
    assert!(!outcome.rows.is_empty());

    let lines: Vec<&str> = text.lines().collect();
    assert!(
        text.starts_with("backprop: a 4-3-4 network learns MNIST"),
        "{text}"
    );
    let head = lines
        .iter()
        .position(|l| *l == report::table_head())
        .expect("a table head");
    for (k, row) in outcome.rows.iter().enumerate() {
        let printed = lines[head + 1 + k];
        // The elapsed seconds differ from run to run: compare the rest.
        let expected = report::table_row(row);
        assert_eq!(printed[..50], expected[..50], "{text}");
    }
    let after = head + 1 + outcome.rows.len();
    assert_eq!(lines[after], "", "{text}");
    assert!(
        lines[after + 1].starts_with("final test accuracy "),
        "{text}"
    );
    assert_eq!(
        lines[after + 2..],
        [
            format!("learning curves: {}", svg.display()),
            format!("CSV: {}", csv.display()),
            format!("model: {}", model.display()),
        ],
        "{text}"
    );

    args.quiet = true;
    let quiet = run_train(&args).expect("quiet train runs");
    let quiet_lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(quiet_lines.len(), 1, "{quiet}");
    assert!(
        quiet_lines[0].starts_with("final test accuracy "),
        "{quiet}"
    );
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), chart);
}

/// Killed mutants: check_distinct `-> Ok(())` (two outputs on one path are refused) and its
/// `+` -> `-` (overflow on the first output).
#[test]
fn train_refuses_two_outputs_on_one_path_before_any_work() {
    let dir = train_data("train-conflict");
    let out_dir = TempDir::new("train-conflict-out");
    let same = out_dir.join("same");
    for (csv, plot, save, first, second) in [
        (Some(&same), None, Some(&same), "--csv", "--save"),
        (None, Some(&same), Some(&same), "--plot", "--save"),
        (Some(&same), Some(&same), None, "--csv", "--plot"),
    ] {
        let mut args = train_args(&dir.path);
        args.csv = csv.cloned();
        args.plot = plot.map_or(Plot::Off, |p| Plot::To(p.clone()));
        args.save = save.cloned();
        match run_train(&args) {
            Err(AppError::Usage(CliError::SamePath {
                first: f,
                second: s,
                ..
            })) => {
                assert_eq!((f, s), (first, second));
            }
            other => panic!("{first} and {second} on one path: {other:?}"),
        }
        assert!(!same.exists());
    }
    // One output alone is fine.
    let mut args = train_args(&dir.path);
    args.csv = Some(same.clone());
    run_train(&args).expect("one output");
    assert!(same.exists());
}

/// Two spellings of one file are one file: `out/a.csv` and `out/sub/../a.csv`.
#[test]
fn train_refuses_two_outputs_on_one_file_spelled_two_ways() {
    let dir = train_data("train-conflict-spelled");
    let out_dir = TempDir::new("train-conflict-spelled-out");
    std::fs::create_dir(out_dir.join("sub")).unwrap();
    let mut args = train_args(&dir.path);
    args.csv = Some(out_dir.join("a.csv"));
    args.save = Some(out_dir.join("sub").join("..").join("a.csv"));
    let e = run_train(&args).expect_err("one file twice");
    assert!(
        matches!(
            &e,
            AppError::Usage(CliError::SamePath {
                first: "--csv",
                second: "--save",
                ..
            })
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("--csv and --save both name "),
        "{e}"
    );
    assert!(!out_dir.join("a.csv").exists());
}

/// An output on one of the files the run reads is refused before any work, and the file is
/// left as it was: a model saved over the test labels would destroy the dataset.
#[test]
fn train_refuses_an_output_on_one_of_its_data_files() {
    let dir = train_data("train-output-is-input");
    let labels = dir.join("t10k-labels-idx1-ubyte");
    let before = std::fs::read(&labels).unwrap();
    for flag in ["--csv", "--plot", "--save"] {
        let mut args = train_args(&dir.path);
        match flag {
            "--csv" => args.csv = Some(labels.clone()),
            "--plot" => args.plot = Plot::To(labels.clone()),
            _ => args.save = Some(labels.clone()),
        }
        match run_train(&args) {
            Err(AppError::Usage(CliError::OutputIsInput { flag: f, what, .. })) => {
                assert_eq!((f, what), (flag, "test labels"));
            }
            other => panic!("{flag} on the test labels: {other:?}"),
        }
        assert_eq!(std::fs::read(&labels).unwrap(), before, "{flag}");
    }
}

/// The same when the data file is a symbolic link and the output names the file it points to.
#[cfg(unix)]
#[test]
fn train_refuses_an_output_on_the_file_a_data_link_points_to() {
    let dir = train_data("train-output-is-linked-input");
    let elsewhere = TempDir::new("train-output-is-linked-input-real");
    let labels = dir.join("t10k-labels-idx1-ubyte");
    let real = elsewhere.join("labels");
    std::fs::rename(&labels, &real).unwrap();
    std::os::unix::fs::symlink(&real, &labels).unwrap();
    let before = std::fs::read(&real).unwrap();
    let mut args = train_args(&dir.path);
    args.save = Some(real.clone());
    match run_train(&args) {
        Err(AppError::Usage(CliError::OutputIsInput {
            flag: "--save",
            what: "test labels",
            ..
        })) => {}
        other => panic!("--save on the linked test labels: {other:?}"),
    }
    assert_eq!(std::fs::read(&real).unwrap(), before);
}

/// A path that ends in a slash names a directory, and is refused before any work even where
/// no such directory exists (where `Path` alone would read `new/` as the file `new`).
#[test]
fn train_refuses_an_output_path_ending_in_a_slash_before_any_work() {
    let dir = train_data("train-slash");
    let out_dir = TempDir::new("train-slash-out");
    let mut args = train_args(&dir.path);
    args.save = Some(PathBuf::from(format!("{}/", out_dir.join("new").display())));
    let mut out = Vec::new();
    let e = train::run(&args, &mut out).expect_err("a directory's name");
    assert!(e.to_string().contains("ends in a slash"), "{e}");
    assert!(out.is_empty(), "trained before refusing: {out:?}");
    assert!(!out_dir.join("new").exists());
}

/// Killed mutants: default_plot_path `-> None` / `-> Some(Default::default())`, and 152's
/// `&&` -> `||`, `==` -> `!=` and `delete !` (the "no chart written" note: for the default
/// chart only, without `--quiet`, when there is no `target/`). The only test here that
/// changes the current directory; every other one uses absolute paths only.
#[test]
fn train_writes_the_default_chart_only_where_there_is_a_target_directory() {
    let dir = train_data("train-default-plot");
    let cwd = TempDir::new("train-default-plot-cwd");
    let before = std::env::current_dir().unwrap();
    std::env::set_current_dir(&cwd.path).unwrap();
    let note = "no chart written: there is no target/ directory here (--plot PATH writes one)";
    let results = (|| {
        let mut args = train_args(&dir.path);
        args.plot = Plot::Default;
        let without = run_train(&args)?;
        args.quiet = true;
        let quiet = run_train(&args)?;
        args.quiet = false;
        args.plot = Plot::Off;
        let off = run_train(&args)?;
        std::fs::create_dir(cwd.join("target")).unwrap();
        args.plot = Plot::Default;
        let with = run_train(&args)?;
        Ok::<_, AppError>((without, quiet, off, with))
    })();
    std::env::set_current_dir(before).unwrap();
    let (without, quiet, off, with) = results.expect("train runs");
    assert!(without.ends_with(&format!("{note}\n")), "{without}");
    assert!(!quiet.contains(note), "{quiet}");
    assert!(
        !off.contains(note) && !off.contains("learning curves"),
        "{off}"
    );
    assert!(
        with.ends_with("\nlearning curves: target/learning-curves.svg\n"),
        "{with}"
    );
    let svg = std::fs::read_to_string(cwd.join("target/learning-curves.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
}

fn run_gradcheck(data: &Path) -> (Result<(), AppError>, String) {
    let args = GradcheckArgs {
        data: data.to_path_buf(),
        seed: 42,
        threads: Some(1),
    };
    let mut out = Vec::new();
    let result = gradcheck::run(&args, &mut out);
    (result, String::from_utf8(out).unwrap())
}

/// The verdict column of each key's line.
fn verdicts(text: &str) -> Vec<(String, String)> {
    ["W1", "b1", "W2", "b2"]
        .iter()
        .map(|key| {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("  {key:<4} ")))
                .unwrap_or_else(|| panic!("no {key} line in\n{text}"));
            let verdict = if line.ends_with("NOT OK") {
                "NOT OK"
            } else if line.ends_with("  OK") {
                "OK"
            } else {
                panic!("no verdict: {line}")
            };
            (key.to_string(), verdict.to_string())
        })
        .collect()
}

/// Killed mutants: gradcheck `run -> Ok(())`, `Check::ok -> false`, `Check::ratio -> 1.0`
/// and the ratio's `>` -> `==` / `<` (a sound backprop passes, on every key).
#[test]
fn gradcheck_passes_on_clear_digits() {
    let dir = train_data("gradcheck-ok");
    let (result, text) = run_gradcheck(&dir.path);
    result.expect("gradient check passes");
    assert!(text.starts_with("gradient check (勾配確認): a 4-50-4 network (seed 42)"));
    assert!(text.ends_with("\ngradient check: OK\n"), "{text}");
    for (key, verdict) in verdicts(&text) {
        assert_eq!(verdict, "OK", "{key} in\n{text}");
    }
}

/// A training set of fewer than 3 images gives the check as many as it has, as numpy's
/// `x_train[:3]` would, and says so; it must not index past the end (it panicked there).
#[test]
fn gradcheck_takes_the_images_there_are_when_fewer_than_three() {
    for (n, says) in [
        (1, "the only training image"),
        (2, "the only 2 training images"),
    ] {
        let dir = TempDir::new(&format!("gradcheck-{n}"));
        // As `train_data`'s first images: grey, one pixel bright and one half lit.
        let images: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let mut v = vec![10 + i as u8; 4];
                v[i] = 200;
                v[(i + 1) % 4] = 60 + 5 * i as u8;
                v
            })
            .collect();
        let labels: Vec<u8> = (0..n as u8).collect();
        write_data(&dir, 2, 2, &images, &labels);
        let (result, text) = run_gradcheck(&dir.path);
        // The verdict on so few, so small images is f32's to give (b1's ratio sits near the
        // threshold); what matters here is a whole table for all four keys.
        assert!(
            matches!(result, Ok(()) | Err(AppError::CheckFailed(_))),
            "{result:?}\n{text}"
        );
        assert!(text.lines().next().unwrap().ends_with(says), "{text}");
        assert_eq!(verdicts(&text).len(), 4, "{text}");
    }
}

/// Killed mutants: gradcheck 120:16 `&=` -> `|=` and 151:8 `delete !` (one NOT OK key fails
/// the check), `Check::ok -> true`, `Check::ratio -> 0.0 / -1.0`. Black images: W1 and W2 get
/// no gradient at all (0 against 0: OK), but every hidden unit sits on Relu's kink, where the
/// numerical slope of b1 is not the derivative backprop gives (0): NOT OK.
#[test]
fn gradcheck_fails_when_a_key_disagrees() {
    let dir = TempDir::new("gradcheck-kink");
    let images = vec![vec![0u8; 4]; 4];
    write_data(&dir, 2, 2, &images, &[0, 1, 2, 3]);
    let (result, text) = run_gradcheck(&dir.path);
    match result {
        Err(AppError::CheckFailed(what)) => assert!(what.contains("NOT OK"), "{what}"),
        other => panic!("{other:?}\n{text}"),
    }
    assert!(!text.contains("gradient check: OK"), "{text}");
    let v = verdicts(&text);
    assert_eq!(v[0].1, "OK", "{text}");
    assert_eq!(v[1].1, "NOT OK", "{text}");
    assert_eq!(v[2].1, "OK", "{text}");
}

/// The columns of a key's line: mean|backprop-numerical|, mean|backprop|, ratio.
fn columns(text: &str, key: &str) -> [f64; 3] {
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("  {key:<4} ")))
        .unwrap_or_else(|| panic!("no {key} line in\n{text}"));
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .take(3)
        .map(|w| w.parse().unwrap_or_else(|_| panic!("{w} in {line}")))
        .collect();
    [v[0], v[1], v[2]]
}

/// Killed mutants: gradcheck 48:28 `/` -> `*` (and `%`): the ratio printed is the mean
/// difference over the mean gradient, within the rounding of the printed figures.
#[test]
fn gradcheck_prints_the_ratio_of_the_two_means() {
    let dir = train_data("gradcheck-ratio");
    let (result, text) = run_gradcheck(&dir.path);
    result.expect("gradient check passes");
    for key in ["W1", "b1", "W2", "b2"] {
        let [diff, abs, ratio] = columns(&text, key);
        assert!(abs > 0.0 && diff > 0.0, "{key}: {text}");
        let expected = diff / abs;
        // diff and abs carry 4 digits, the ratio 2.
        assert!(
            (ratio - expected).abs() <= 0.06 * expected,
            "{key}: ratio {ratio}, expected {expected} in\n{text}"
        );
    }
}

/// Runs the built binary as `backprop train` on `data` with stderr on a terminal: `script`
/// (util-linux) gives it a pseudo-terminal and copies what it shows. `None` without `script`.
fn train_on_a_terminal(data: &Path, quiet: bool) -> Option<String> {
    let mut line = format!(
        "{} train --data {} --iters 4 --batch-size 2 --hidden 3 --eval-every 2 --no-plot --threads 1",
        env!("CARGO_BIN_EXE_backprop"),
        data.display()
    );
    if quiet {
        line.push_str(" --quiet");
    }
    // In a directory of its own choosing: the test that changes the process's current
    // directory (to a temporary one, deleted after) may run meanwhile, and a shell started
    // there prints "shell-init: error retrieving current directory" into the output (seen).
    let out = std::process::Command::new("script")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Killed mutants: train.rs 98:38 `delete !` (the progress line is drawn without `--quiet`
/// only) and 102:74 `+` -> `*` (its first draw counts the finished iteration: 1/4, not 0/4).
/// The progress line is drawn on a terminal only, so this needs `script`; without it the test
/// says so and checks nothing.
#[test]
fn train_draws_the_progress_line_on_a_terminal_unless_quiet() {
    let dir = train_data("train-progress");
    let Some(shown) = train_on_a_terminal(&dir.path, false) else {
        eprintln!("no `script` command: the progress line is not checked");
        return;
    };
    assert!(shown.contains("\r  iteration 1/4  loss "), "{shown:?}");
    let quiet = train_on_a_terminal(&dir.path, true).unwrap();
    assert!(quiet.starts_with("final test accuracy "), "{quiet:?}");
    assert!(!quiet.contains("\r  iteration"), "{quiet:?}");
}

/// Killed mutants: eval.rs:19 `confusion_table -> String::new()` / `"xyzzy"`: the matrix is
/// printed, a row per true digit ending with its total.
#[test]
fn eval_prints_the_confusion_matrix() {
    let (dir, model) = confusion_setup("eval-table", 2, 2);
    let text = run_eval(&dir, &model, 0);
    let table = format!(
        "{:>10}{:>6}{:>6}{:>6}{:>6}{:>8}\n\
         {:>11}{:>6}{:>6}{:>6}{:>6}{:>8}\n\
         {:>11}{:>6}{:>6}{:>6}{:>6}{:>8}\n\
         {:>11}{:>6}{:>6}{:>6}{:>6}{:>8}\n\
         {:>11}{:>6}{:>6}{:>6}{:>6}{:>8}\n",
        "true \\ read",
        0,
        1,
        2,
        3,
        "total",
        0,
        2,
        1,
        0,
        0,
        3,
        1,
        0,
        2,
        0,
        0,
        2,
        2,
        0,
        0,
        0,
        1,
        1,
        3,
        0,
        0,
        0,
        1,
        1,
    );
    assert!(
        text.contains(&format!(
            "confusion matrix (rows: true digit, columns: digit read)\n{table}\nper-digit accuracy"
        )),
        "{text}\n---\n{table}"
    );
}

/// Killed mutants: predict.rs:18 `check_fit -> Ok(())`: a model for other inputs or other
/// classes is refused, by eval and by predict.
#[test]
fn a_model_that_does_not_fit_the_data_is_refused() {
    let (dir, _) = confusion_setup("misfit-inputs", 2, 2);
    let nine = TempDir::new("misfit-model");
    let model = write_model(&nine, 9);
    let args = EvalArgs {
        model: model.clone(),
        data: dir.path.clone(),
        show: 0,
        ascii: true,
        threads: Some(1),
    };
    match eval::run(&args, &mut Vec::new()) {
        Err(AppError::ModelMismatch {
            what, model, data, ..
        }) => assert_eq!((what, model, data), ("inputs", 9, 4)),
        other => panic!("{other:?}"),
    }
    // Three classes in the data, four in the model.
    let three = TempDir::new("misfit-classes");
    write_data(&three, 2, 2, &[lit(0), lit(1), lit(2)], &[0, 1, 2]);
    let args = PredictArgs {
        model: write_identity_model(&three),
        source: ImageSource::Index(0),
        data: three.path.clone(),
        invert: false,
        ascii: true,
    };
    match predict::run(&args, &mut Vec::new()) {
        Err(AppError::ModelMismatch {
            what, model, data, ..
        }) => assert_eq!((what, model, data), ("classes", 4, 3)),
        other => panic!("{other:?}"),
    }
}

/// Killed mutants: predict.rs:82:30 `-` -> `+` / `/` (the last valid index in the message).
#[test]
fn predict_names_the_valid_indices_when_the_index_is_too_large() {
    let (dir, model) = confusion_setup("predict-range", 2, 2);
    let args = PredictArgs {
        model,
        source: ImageSource::Index(7),
        data: dir.path.clone(),
        invert: false,
        ascii: true,
    };
    match predict::run(&args, &mut Vec::new()) {
        Err(AppError::Usage(CliError::BadValue {
            flag,
            value,
            expected,
        })) => {
            assert_eq!((flag, value.as_str()), ("--index", "7"));
            assert_eq!(
                expected,
                "a test image number from 0 to 6 (the test set has 7 images)"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Killed mutants: predict.rs:106 `==` -> `!=`, `*` -> `+` / `/` (a square image is drawn
/// under the title: 2x2 and 3x3, where side + side is not 9).
#[test]
fn predict_draws_a_square_digit_under_the_title() {
    for side in [2usize, 3] {
        let dir = TempDir::new("predict-draw");
        let images: Vec<Vec<u8>> = (0..4)
            .map(|k| {
                let mut v: Vec<u8> = (0..side * side).map(|j| (j * 20) as u8).collect();
                v[k] = 255;
                v
            })
            .collect();
        write_data(&dir, side as u32, side as u32, &images, &[0, 1, 2, 3]);
        let model = write_model(&dir, side * side);
        let text = run_predict(&dir, &model, 1);
        let lines: Vec<&str> = text.lines().collect();
        let drawn = draw::digit(&images[1], side, Shades::Ascii);
        assert!(drawn.len() >= side, "{drawn:?}");
        assert_eq!(lines[1..1 + drawn.len()], drawn, "{text}");
        assert!(
            lines[1 + drawn.len()].starts_with("prediction: 1"),
            "{text}"
        );
    }
}

/// Killed mutants: predict.rs:82:30 `-` -> `+` / `/` (`--invert` turns pixel p into 255 - p:
/// a white image with a black pixel 3 becomes a black one with a white pixel 3).
#[test]
fn predict_inverts_a_pgm_image() {
    let dir = TempDir::new("predict-invert");
    let mut pixels = vec![255u8; 28 * 28];
    pixels[3] = 0;
    let image = dir.write("digit.pgm", &backprop::pgm::encode_p5(&pixels));
    let model = write_model_out(&dir, 28 * 28, 10);
    let run = |invert: bool| {
        let args = PredictArgs {
            model: model.clone(),
            source: ImageSource::Image(image.clone()),
            data: dir.path.clone(),
            invert,
            ascii: true,
        };
        let mut out = Vec::new();
        predict::run(&args, &mut out).expect("predict runs");
        String::from_utf8(out).unwrap()
    };
    let e = std::f64::consts::E;
    // Inverted: scores 1 for class 3, 0 for the other nine.
    let top = format!("{:.4}", e / (e + 9.0));
    let inverted = run(true);
    assert!(
        inverted.contains(&format!("\nprediction: 3\n  3  {top}  ")),
        "{inverted}"
    );
    // As it is: scores 1 for classes 0, 1, 2, 0 for the rest.
    let plain = run(false);
    let top = format!("{:.4}", e / (3.0 * e + 7.0));
    assert!(
        plain.contains(&format!("\nprediction: 0\n  0  {top}  ")),
        "{plain}"
    );
}
