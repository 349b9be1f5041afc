//! The command-line parser: every flag, the defaults, and each way a command line can be wrong.
//! (The program's exit codes and messages, run as a process, are in `tests/cli.rs`.)

use std::path::PathBuf;

use backprop::cli::{
    self, CliError, Command, EvalArgs, GradcheckArgs, ImageSource, Plot, PredictArgs, TrainArgs,
    edit_distance, parse,
};

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

fn train(line: &str) -> TrainArgs {
    match parse(&args(line)) {
        Ok(Command::Train(a)) => a,
        other => panic!("`{line}` gave {other:?}"),
    }
}

fn error(line: &str) -> CliError {
    match parse(&args(line)) {
        Err(e) => e,
        Ok(c) => panic!("`{line}` was accepted as {c:?}"),
    }
}

#[test]
fn no_arguments_is_the_slides_experiment() {
    let a = train("");
    assert_eq!(a, TrainArgs::default());
    assert_eq!(a.iters, 10_000);
    assert_eq!(a.batch_size, 100);
    assert_eq!(a.lr, 0.1);
    assert_eq!(a.hidden, 50);
    assert_eq!(a.weight_init_std, 0.01);
    assert_eq!(a.seed, 42);
    assert_eq!(a.threads, None);
    assert_eq!(a.eval_every, None);
    assert_eq!(a.csv, None);
    assert_eq!(a.plot, Plot::Default);
    assert_eq!(a.save, None);
    assert!(!a.quiet);
    assert_eq!(a.data, PathBuf::from(cli::DEFAULT_DATA_DIR));
    assert!(a.data.ends_with("data/mnist"));
    assert_eq!(train("train"), TrainArgs::default());
}

#[test]
fn every_train_flag_is_read() {
    let a = train(
        "train --data d --iters 7 --batch-size 3 --lr 0.5 --hidden 9 --weight-init-std 0.2 \
         --seed 11 --threads 2 --eval-every 4 --csv c.csv --plot p.svg --save m.bin --quiet",
    );
    let expected = TrainArgs {
        data: PathBuf::from("d"),
        iters: 7,
        batch_size: 3,
        lr: 0.5,
        hidden: 9,
        weight_init_std: 0.2,
        seed: 11,
        threads: Some(2),
        eval_every: Some(4),
        csv: Some(PathBuf::from("c.csv")),
        plot: Plot::To(PathBuf::from("p.svg")),
        save: Some(PathBuf::from("m.bin")),
        quiet: true,
    };
    assert_eq!(a, expected);
    // The same without the command word, and with `--flag=value`.
    let b = train(
        "--data=d --iters=7 --batch-size=3 --lr=0.5 --hidden=9 --weight-init-std=0.2 \
         --seed=11 --threads=2 --eval-every=4 --csv=c.csv --plot=p.svg --save=m.bin --quiet",
    );
    assert_eq!(b, expected);
    assert_eq!(train("--no-plot").plot, Plot::Off);
    assert_eq!(train("--weight-init-std 0").weight_init_std, 0.0);
    assert_eq!(train("--seed 18446744073709551615").seed, u64::MAX);
    // A batch larger than the training set is fine: batches are drawn with replacement.
    assert_eq!(train("--batch-size 100000").batch_size, 100_000);
}

#[test]
fn the_other_commands_and_their_flags() {
    assert_eq!(
        parse(&args("gradcheck")).unwrap(),
        Command::Gradcheck(GradcheckArgs::default())
    );
    assert_eq!(
        parse(&args("gradcheck --data d --seed 3 --threads 2")).unwrap(),
        Command::Gradcheck(GradcheckArgs {
            data: PathBuf::from("d"),
            seed: 3,
            threads: Some(2),
        })
    );
    assert_eq!(
        parse(&args("predict --model m --index 12 --data d --ascii")).unwrap(),
        Command::Predict(PredictArgs {
            model: PathBuf::from("m"),
            source: ImageSource::Index(12),
            data: PathBuf::from("d"),
            invert: false,
            ascii: true,
        })
    );
    assert_eq!(
        parse(&args("predict --image x.pgm --invert --model m")).unwrap(),
        Command::Predict(PredictArgs {
            model: PathBuf::from("m"),
            source: ImageSource::Image(PathBuf::from("x.pgm")),
            data: PathBuf::from(cli::DEFAULT_DATA_DIR),
            invert: true,
            ascii: false,
        })
    );
    assert_eq!(
        parse(&args("eval --model m")).unwrap(),
        Command::Eval(EvalArgs {
            model: PathBuf::from("m"),
            data: PathBuf::from(cli::DEFAULT_DATA_DIR),
            show: 4,
            ascii: false,
            threads: None,
        })
    );
    assert_eq!(
        parse(&args(
            "eval --model m --data d --show 0 --ascii --threads 1"
        ))
        .unwrap(),
        Command::Eval(EvalArgs {
            model: PathBuf::from("m"),
            data: PathBuf::from("d"),
            show: 0,
            ascii: true,
            threads: Some(1),
        })
    );
}

#[test]
fn help_and_version() {
    for (line, flags) in [
        ("--help", cli::TRAIN_FLAGS),
        ("-h", cli::TRAIN_FLAGS),
        ("help", cli::TRAIN_FLAGS),
        ("train --help", cli::TRAIN_FLAGS),
        ("--lr 0.1 -h", cli::TRAIN_FLAGS),
        ("gradcheck --help", cli::GRADCHECK_FLAGS),
        ("predict -h", cli::PREDICT_FLAGS),
        ("eval --help", cli::EVAL_FLAGS),
    ] {
        let Ok(Command::Help(text)) = parse(&args(line)) else {
            panic!("`{line}` did not ask for help");
        };
        for f in flags {
            assert!(
                text.contains(f.name),
                "`{line}` help lacks {}:\n{text}",
                f.name
            );
            assert!(
                text.contains(f.help),
                "`{line}` help lacks the text of {}",
                f.name
            );
        }
    }
    let Ok(Command::Help(top)) = parse(&args("--help")) else {
        unreachable!()
    };
    for c in ["train", "gradcheck", "predict", "eval"] {
        assert!(top.contains(c), "top help lacks {c}");
    }
    assert_eq!(parse(&args("--version")).unwrap(), Command::Version);
    assert_eq!(parse(&args("-V")).unwrap(), Command::Version);
}

#[test]
fn an_unknown_flag_suggests_the_nearest() {
    for (typo, meant) in [
        ("--itres", "--iters"),
        ("--batchsize", "--batch-size"),
        ("--sed", "--seed"),
        ("--hiden", "--hidden"),
        ("--eval_every", "--eval-every"),
        ("--quite", "--quiet"),
    ] {
        let e = error(&format!("train {typo} 1"));
        let CliError::UnknownFlag {
            flag, suggestion, ..
        } = &e
        else {
            panic!("{typo}: {e:?}")
        };
        assert_eq!(flag, typo);
        assert_eq!(suggestion.as_deref(), Some(meant), "{typo}");
        let msg = e.to_string();
        assert!(msg.contains(typo) && msg.contains(meant), "{msg}");
    }
    // Far from everything: no suggestion, but the help is named.
    let e = error("--frobnicate");
    assert!(matches!(
        &e,
        CliError::UnknownFlag {
            suggestion: None,
            ..
        }
    ));
    assert!(e.to_string().contains("backprop train --help"), "{e}");
}

#[test]
fn a_flag_of_another_command_says_whose_it_is() {
    let e = error("train --model m.bin");
    assert!(matches!(
        &e,
        CliError::UnknownFlag {
            owner: Some("predict"),
            ..
        }
    ));
    assert!(e.to_string().contains("backprop predict"), "{e}");
    let e = error("gradcheck --lr 0.1");
    assert!(matches!(
        &e,
        CliError::UnknownFlag {
            owner: Some("train"),
            ..
        }
    ));
}

#[test]
fn an_unknown_command_suggests_the_nearest() {
    let e = error("trian");
    assert_eq!(
        e,
        CliError::UnknownCommand {
            name: "trian".into(),
            suggestion: Some("train".into())
        }
    );
    assert!(e.to_string().contains("did you mean `train`"), "{e}");
    let e = error("evaluate");
    assert!(matches!(e, CliError::UnknownCommand { .. }));
}

#[test]
fn missing_values() {
    assert_eq!(
        error("--lr"),
        CliError::MissingValue {
            flag: "--lr",
            expected: "a number"
        }
    );
    // The next flag is not taken as the path.
    assert!(matches!(
        error("--csv --quiet"),
        CliError::MissingValue { flag: "--csv", .. }
    ));
    assert!(matches!(
        error("predict --model"),
        CliError::MissingValue {
            flag: "--model",
            ..
        }
    ));
    assert!(
        error("--iters")
            .to_string()
            .contains("--iters needs a value")
    );
}

/// Asserts that `line` is refused as a bad value of `flag` whose message names the flag, the
/// value and what was expected.
fn bad_value(line: &str, flag: &str, value: &str, expected_part: &str) {
    let e = error(line);
    match &e {
        CliError::BadValue {
            flag: f, value: v, ..
        } => {
            assert_eq!(*f, flag, "{line}");
            assert_eq!(v, value, "{line}");
        }
        other => panic!("`{line}`: {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains(flag) && msg.contains(value) && msg.contains(expected_part),
        "`{line}`: {msg}"
    );
}

#[test]
fn bad_numbers_and_nonsensical_settings() {
    bad_value("--iters ten", "--iters", "ten", "a whole number");
    bad_value("--iters 0", "--iters", "0", "from 1");
    bad_value("--iters -5", "--iters", "-5", "a whole number");
    bad_value("--iters 1.5", "--iters", "1.5", "a whole number");
    bad_value("--batch-size 0", "--batch-size", "0", "from 1 to 100000");
    bad_value("--batch-size 100001", "--batch-size", "100001", "to 100000");
    bad_value("--hidden 0", "--hidden", "0", "from 1 to 10000");
    bad_value("--hidden 10001", "--hidden", "10001", "to 10000");
    bad_value("--lr -0.1", "--lr", "-0.1", "a finite number > 0");
    bad_value("--lr 0", "--lr", "0", "> 0");
    bad_value("--lr abc", "--lr", "abc", "such as 0.1");
    bad_value("--lr NaN", "--lr", "NaN", "finite");
    bad_value("--lr inf", "--lr", "inf", "finite");
    bad_value("--lr 1e39", "--lr", "1e39", "at most about 3.4e38");
    bad_value("--weight-init-std -1", "--weight-init-std", "-1", ">= 0");
    bad_value(
        "--weight-init-std nan",
        "--weight-init-std",
        "nan",
        "finite",
    );
    bad_value("--seed -1", "--seed", "-1", "a whole number");
    bad_value("--threads 0", "--threads", "0", "from 1 to 256");
    bad_value("--eval-every 0", "--eval-every", "0", "from 1");
    bad_value("--csv=", "--csv", "", "a non-empty path");
    // Each within its limit, but together too large for memory.
    bad_value(
        "--batch-size 100000 --hidden 10000",
        "--hidden",
        "10000",
        "at most 250 with --batch-size 100000",
    );
    assert_eq!(train("--batch-size 2500 --hidden 10000").hidden, 10_000);
    bad_value(
        "predict --model m --index x",
        "--index",
        "x",
        "a whole number",
    );
    bad_value(
        "eval --model m --show 101",
        "--show",
        "101",
        "from 0 to 100",
    );
}

#[test]
fn malformed_lines() {
    assert_eq!(
        error("--lr 0.1 --lr 0.2"),
        CliError::Repeated { flag: "--lr" }
    );
    assert_eq!(
        error("--quiet=yes"),
        CliError::UnexpectedValue {
            flag: "--quiet",
            value: "yes".into()
        }
    );
    assert_eq!(
        error("train extra"),
        CliError::UnexpectedArgument {
            command: "train",
            arg: "extra".into()
        }
    );
    assert!(matches!(
        error("--plot a.svg --no-plot"),
        CliError::Conflict { .. }
    ));
    assert!(matches!(
        error("predict --index 1"),
        CliError::MissingFlag {
            command: "predict",
            ..
        }
    ));
    assert!(matches!(
        error("predict --model m"),
        CliError::MissingFlag {
            command: "predict",
            ..
        }
    ));
    assert!(matches!(
        error("predict --model m --index 1 --image x.pgm"),
        CliError::Conflict {
            first: "--index",
            second: "--image"
        }
    ));
    // A flag of the other source would be ignored: refused instead.
    assert!(matches!(
        error("predict --model m --index 1 --invert"),
        CliError::Conflict {
            first: "--invert",
            second: "--index"
        }
    ));
    assert!(matches!(
        error("predict --model m --image x.pgm --data d"),
        CliError::Conflict {
            first: "--data",
            second: "--image"
        }
    ));
    assert!(matches!(
        error("eval"),
        CliError::MissingFlag {
            command: "eval",
            ..
        }
    ));
}

#[test]
fn edit_distances() {
    assert_eq!(edit_distance("", ""), 0);
    assert_eq!(edit_distance("abc", ""), 3);
    assert_eq!(edit_distance("", "ab"), 2);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("--lr", "--lr"), 0);
    assert_eq!(edit_distance("--sed", "--seed"), 1);
    assert_eq!(edit_distance("flaw", "lawn"), 2);
    assert_eq!(edit_distance("逆誤差", "誤差"), 1);
}
