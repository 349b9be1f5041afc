//! Tests that `cargo mutants` asked for in the command line (`cli.rs`): each one fails on a
//! mutant the other tests let live. The doc comment of each says which mutants it kills.

use backprop::cli::{self, CliError, Command, FlagSpec, command_help, edit_distance, parse};

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

fn error(line: &str) -> CliError {
    match parse(&args(line)) {
        Err(e) => e,
        Ok(c) => panic!("`{line}` was accepted as {c:?}"),
    }
}

/// Killed mutants: `summary_of` replaced with any pair of "" and "xyzzy".
#[test]
fn each_help_opens_with_what_the_command_does_and_its_usage() {
    for (command, what, usage) in [
        (
            "train",
            "learn to read MNIST digits by backpropagation: the slides' experiment",
            "backprop [train] [FLAGS]",
        ),
        (
            "gradcheck",
            "the book's gradient check: backprop against numerical gradients, 3 training images",
            "backprop gradcheck [FLAGS]",
        ),
        (
            "predict",
            "draw one digit and show what a saved model reads in it",
            "backprop predict --model PATH (--index N | --image FILE) [FLAGS]",
        ),
        (
            "eval",
            "test accuracy, confusion matrix and misread digits of a saved model",
            "backprop eval --model PATH [FLAGS]",
        ),
    ] {
        let help = command_help(command);
        let head = format!("backprop {command}: {what}\n\nUsage: {usage}\n\nFlags:\n");
        assert!(help.starts_with(&head), "{help}");
        let Ok(Command::Help(top)) = parse(&args("--help")) else {
            unreachable!()
        };
        assert!(top.contains(&format!("  {command:<10} {what}\n")), "{top}");
    }
}

/// Killed mutants: `+ with -` / `*` in both sums of `command_help`'s column width
/// (`name.len() + value.len() + 1`).
#[test]
fn every_flags_help_starts_in_one_column_two_spaces_after_the_widest() {
    for (command, flags) in [
        ("train", cli::TRAIN_FLAGS),
        ("gradcheck", cli::GRADCHECK_FLAGS),
        ("predict", cli::PREDICT_FLAGS),
        ("eval", cli::EVAL_FLAGS),
    ] {
        let left = |f: &FlagSpec| match f.value {
            Some(v) => format!("{} {v}", f.name),
            None => f.name.to_string(),
        };
        let width = flags
            .iter()
            .map(|f| left(f).len())
            .max()
            .unwrap()
            .max("-h, --help".len());
        let help = command_help(command);
        let lines: Vec<&str> = help
            .lines()
            .skip_while(|l| *l != "Flags:")
            .skip(1)
            .collect();
        assert_eq!(lines.len(), flags.len() + 1, "{help}");
        for (line, f) in lines.iter().zip(flags) {
            let expected = format!("  {:<width$}  {}", left(f), f.help);
            assert_eq!(*line, expected);
        }
        assert_eq!(
            *lines.last().unwrap(),
            format!("  {:<width$}  print this help", "-h, --help")
        );
    }
}

/// Killed mutant: `+ with *` in the cost of a deletion in `edit_distance`.
#[test]
fn deleting_characters_costs_one_each() {
    assert_eq!(edit_distance("abc", "c"), 2);
    assert_eq!(edit_distance("abc", "a"), 2);
    assert_eq!(edit_distance("--iterss", "--iters"), 1);
}

/// Killed mutant: `/ with %` in `nearest`'s limit (a third of the word's length).
#[test]
fn a_nine_letter_typo_may_be_three_edits_away() {
    let e = error("--evl-evy 5");
    assert!(
        matches!(&e, CliError::UnknownFlag { suggestion: Some(s), .. } if s == "--eval-every"),
        "{e:?}"
    );
}

/// Killed mutants: each arm of `expected_for` deleted (all would say "a value").
#[test]
fn a_missing_value_says_what_kind_of_value() {
    for (line, flag, expected) in [
        ("--iters", "--iters", "a whole number"),
        ("--lr", "--lr", "a number"),
        ("--data", "--data", "a directory"),
        ("--csv", "--csv", "a file path"),
        ("predict --image", "--image", "a file path"),
    ] {
        assert_eq!(
            error(line),
            CliError::MissingValue { flag, expected },
            "{line}"
        );
    }
}

/// Killed mutant: `AppError::is_broken_pipe` replaced with `false` (a closed pipe would print
/// an error).
#[test]
fn only_a_closed_pipe_is_a_broken_pipe() {
    use backprop::commands::AppError;
    use std::io::{Error, ErrorKind};
    assert!(AppError::Output(Error::from(ErrorKind::BrokenPipe)).is_broken_pipe());
    assert!(!AppError::Output(Error::from(ErrorKind::PermissionDenied)).is_broken_pipe());
}

/// Killed mutants: `apply_threads` replaced with 0 or 1.
#[test]
fn apply_threads_reports_the_count_it_set() {
    use backprop::commands::apply_threads;
    assert_eq!(apply_threads(Some(3)), 3);
    assert_eq!(apply_threads(None), 3);
    assert_eq!(apply_threads(Some(1)), 1);
}

/// Killed mutants: `relative_to_cwd` replaced with an empty path, and the `!` of its
/// "not empty" filter deleted.
#[test]
fn paths_inside_the_current_directory_are_shown_relative() {
    use backprop::commands::relative_to_cwd;
    use std::path::{Path, PathBuf};
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        relative_to_cwd(&cwd.join("data/mnist")),
        PathBuf::from("data/mnist")
    );
    // The directory itself stays as it was: an empty path would show nothing.
    assert_eq!(relative_to_cwd(&cwd), cwd);
    let outside = Path::new("/nonexistent-backprop-dir/x");
    assert_eq!(relative_to_cwd(outside), outside);
}

/// Killed mutant: `check_fit` replaced with `Ok(())`.
#[test]
fn a_model_of_other_sizes_does_not_fit() {
    use backprop::commands::AppError;
    use backprop::commands::predict::check_fit;
    use backprop::model_file::Params;
    use backprop::two_layer_net::TwoLayerNet;
    use std::path::Path;
    let net = TwoLayerNet::new(6, 4, 10, 0.01, &mut backprop::Rng::new(1));
    let p = Params::of(&net);
    let path = Path::new("m.bin");
    assert!(check_fit(path, &p, 6, 10).is_ok());
    for (input, classes, what) in [(7, 10, "inputs"), (6, 9, "classes")] {
        match check_fit(path, &p, input, classes) {
            Err(AppError::ModelMismatch { what: w, .. }) => assert_eq!(w, what),
            other => panic!("{input}, {classes}: {other:?}"),
        }
    }
}
