//! The command line, parsed by hand (std only, no clap): `backprop [train] [FLAGS]`,
//! `backprop gradcheck`, `backprop predict`, `backprop eval`, `--help` for each, `--version`.
//!
//! Each command's flags live in one table ([`FlagSpec`]) that drives both the parser and the
//! `--help` text, so a flag cannot be accepted without being documented. A mistake is a
//! [`CliError`] whose message names the flag, the value and what was expected; an unknown flag
//! suggests the nearest known one (by edit distance). The program exits with code 2 on any of
//! them.
//!
//! The limits refused here (batch 0, hidden 0, iterations 0, a learning rate that is not a
//! finite positive number, ...) are the settings that can be judged without the data; checks
//! that need the file system (output directories) happen in the commands, still before any
//! training starts.
//!
//! Not in the slides: they set `iters_num = 10000` and friends at the top of the script. Our
//! defaults are exactly those values.

use std::fmt;
use std::path::PathBuf;

/// Where the MNIST files are looked for unless `--data` says otherwise: the crate's own
/// `data/mnist`, by its absolute path, so the program finds it from any directory.
pub const DEFAULT_DATA_DIR: &str = crate::mnist::DEFAULT_DIR;
/// Where the default run writes its chart: the build directory, never the user's files.
pub const DEFAULT_PLOT_PATH: &str = "target/learning-curves.svg";

/// The largest mini-batch we accept: 100000 x 784 f32 inputs are already 314 MB.
pub const MAX_BATCH_SIZE: usize = 100_000;
/// The largest hidden layer we accept: W1 alone is 784 x 10000 f32 = 31 MB, times four with
/// its gradient and the activations; beyond that a typo would exhaust memory.
pub const MAX_HIDDEN: usize = 10_000;
/// The largest `batch_size × hidden` we accept: the hidden activations of one batch (kept by
/// Affine, Relu and their gradients, about five copies) then stay near 500 MB.
pub const MAX_BATCH_TIMES_HIDDEN: usize = 25_000_000;
/// The most threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;

/// `backprop` / `backprop train`: the slides' experiment, the defaults being the slides' values.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainArgs {
    pub data: PathBuf,
    pub iters: u64,
    pub batch_size: usize,
    pub lr: f32,
    pub hidden: usize,
    pub weight_init_std: f32,
    pub seed: u64,
    pub threads: Option<usize>,
    /// `None`: once per epoch, `iter_per_epoch = max(train_size / batch_size, 1)` as the slides.
    pub eval_every: Option<u64>,
    pub csv: Option<PathBuf>,
    pub plot: Plot,
    pub save: Option<PathBuf>,
    pub quiet: bool,
}

impl Default for TrainArgs {
    fn default() -> Self {
        TrainArgs {
            data: PathBuf::from(DEFAULT_DATA_DIR),
            iters: 10_000,
            batch_size: 100,
            lr: 0.1,
            hidden: 50,
            weight_init_std: 0.01,
            seed: 42,
            threads: None,
            eval_every: None,
            csv: None,
            plot: Plot::Default,
            save: None,
            quiet: false,
        }
    }
}

/// Where the learning-curve chart goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Plot {
    /// [`DEFAULT_PLOT_PATH`], written only if `target/` exists in the current directory.
    Default,
    /// `--plot PATH`.
    To(PathBuf),
    /// `--no-plot`.
    Off,
}

/// `backprop gradcheck`: the book's gradient check on the real 784-50-10 network.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckArgs {
    pub data: PathBuf,
    pub seed: u64,
    pub threads: Option<usize>,
}

impl Default for GradcheckArgs {
    fn default() -> Self {
        GradcheckArgs {
            data: PathBuf::from(DEFAULT_DATA_DIR),
            seed: 42,
            threads: None,
        }
    }
}

/// Which image `predict` looks at.
#[derive(Clone, Debug, PartialEq)]
pub enum ImageSource {
    /// `--index N`: test image number N.
    Index(usize),
    /// `--image FILE`: a 28x28 grey PGM.
    Image(PathBuf),
}

/// `backprop predict --model PATH (--index N | --image FILE)`.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictArgs {
    pub model: PathBuf,
    pub source: ImageSource,
    pub data: PathBuf,
    pub invert: bool,
    pub ascii: bool,
}

/// `backprop eval --model PATH`.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalArgs {
    pub model: PathBuf,
    pub data: PathBuf,
    /// How many misclassified test digits to draw.
    pub show: usize,
    pub ascii: bool,
    pub threads: Option<usize>,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Train(TrainArgs),
    Gradcheck(GradcheckArgs),
    Predict(PredictArgs),
    Eval(EvalArgs),
    /// Print this help text to stdout and exit 0.
    Help(String),
    /// Print the version and exit 0.
    Version,
}

/// A command line we cannot run. Every variant exits with code 2.
#[derive(Clone, Debug, PartialEq)]
pub enum CliError {
    /// A flag no command of ours knows, or one that belongs to another command.
    UnknownFlag {
        command: &'static str,
        flag: String,
        suggestion: Option<String>,
        /// The command that does have this flag, if one does.
        owner: Option<&'static str>,
    },
    /// A word where a command was expected.
    UnknownCommand {
        name: String,
        suggestion: Option<String>,
    },
    /// A stray word after the command.
    UnexpectedArgument { command: &'static str, arg: String },
    /// `--lr` at the end of the line.
    MissingValue {
        flag: &'static str,
        expected: &'static str,
    },
    /// `--quiet=yes`.
    UnexpectedValue { flag: &'static str, value: String },
    /// A value that does not parse, or is outside what makes sense.
    BadValue {
        flag: &'static str,
        value: String,
        expected: String,
    },
    /// The same flag twice.
    Repeated { flag: &'static str },
    /// A flag the command cannot run without.
    MissingFlag {
        command: &'static str,
        what: &'static str,
    },
    /// Two flags that exclude each other.
    Conflict {
        first: &'static str,
        second: &'static str,
    },
    /// Two outputs on one file: the second write would destroy the first.
    SamePath {
        first: &'static str,
        second: &'static str,
        path: PathBuf,
    },
    /// An output on a file the run reads (`what`: "training labels", ...).
    OutputIsInput {
        flag: &'static str,
        path: PathBuf,
        what: &'static str,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::UnknownFlag {
                command,
                flag,
                suggestion,
                owner,
            } => {
                match owner {
                    Some(owner) => write!(
                        f,
                        "`{flag}` is a flag of `backprop {owner}`, not of `backprop {command}`"
                    )?,
                    None => write!(f, "unknown flag `{flag}` for `backprop {command}`")?,
                }
                if let Some(s) = suggestion {
                    write!(f, "\n  did you mean `{s}`?")?;
                }
                write!(f, "\n  see `backprop {command} --help`")
            }
            CliError::UnknownCommand { name, suggestion } => {
                write!(f, "unknown command `{name}`")?;
                if let Some(s) = suggestion {
                    write!(f, "\n  did you mean `{s}`?")?;
                }
                write!(
                    f,
                    "\n  the commands are: {}; see `backprop --help`",
                    COMMANDS.join(", ")
                )
            }
            CliError::UnexpectedArgument { command, arg } => write!(
                f,
                "unexpected argument `{arg}` for `backprop {command}` (flags start with --)\n  see `backprop {command} --help`"
            ),
            CliError::MissingValue { flag, expected } => {
                write!(f, "{flag} needs a value: {expected}")
            }
            CliError::UnexpectedValue { flag, value } => {
                write!(f, "{flag} takes no value, but was given `{value}`")
            }
            CliError::BadValue {
                flag,
                value,
                expected,
            } => write!(f, "{flag} `{value}`: expected {expected}"),
            CliError::Repeated { flag } => write!(f, "{flag} is given twice; give it once"),
            CliError::MissingFlag { command, what } => write!(
                f,
                "`backprop {command}` needs {what}\n  see `backprop {command} --help`"
            ),
            CliError::Conflict { first, second } => {
                write!(
                    f,
                    "{first} and {second} cannot be used together; choose one"
                )
            }
            CliError::SamePath {
                first,
                second,
                path,
            } => write!(
                f,
                "{first} and {second} both name {}: one would overwrite the other; give them different paths",
                path.display()
            ),
            CliError::OutputIsInput { flag, path, what } => write!(
                f,
                "{flag} {}: is the file of {what} this run reads; choose another path",
                path.display()
            ),
        }
    }
}

impl std::error::Error for CliError {}

/// One flag of one command: the parser and the help text both read this table.
pub struct FlagSpec {
    pub name: &'static str,
    /// `None` for a switch such as `--quiet`; else the value's name in the help (`N`, `PATH`).
    pub value: Option<&'static str>,
    pub help: &'static str,
}

const fn flag(name: &'static str, value: Option<&'static str>, help: &'static str) -> FlagSpec {
    FlagSpec { name, value, help }
}

const COMMANDS: [&str; 4] = ["train", "gradcheck", "predict", "eval"];

/// The flags of `train`, in the order `--help` lists them.
pub const TRAIN_FLAGS: &[FlagSpec] = &[
    flag(
        "--data",
        Some("DIR"),
        "directory of the four MNIST IDX files [default: the crate's data/mnist]",
    ),
    flag(
        "--iters",
        Some("N"),
        "training iterations, one mini-batch each [default: 10000]",
    ),
    flag(
        "--batch-size",
        Some("N"),
        "images per mini-batch, drawn with replacement [default: 100]",
    ),
    flag(
        "--lr",
        Some("X"),
        "learning rate of the SGD step [default: 0.1]",
    ),
    flag(
        "--hidden",
        Some("N"),
        "neurons in the hidden layer [default: 50]",
    ),
    flag(
        "--weight-init-std",
        Some("X"),
        "std of the Gaussian initial weights [default: 0.01]",
    ),
    flag(
        "--seed",
        Some("N"),
        "random seed; the same seed gives the same run [default: 42]",
    ),
    flag(
        "--threads",
        Some("N"),
        "threads for the products; 2+ also evaluate in the background [default: all cores]",
    ),
    flag(
        "--eval-every",
        Some("N"),
        "evaluate every N iterations [default: one epoch, 60000 / batch size]",
    ),
    flag("--csv", Some("PATH"), "write one CSV row per evaluation"),
    flag(
        "--plot",
        Some("PATH"),
        "write the learning curves as SVG [default: target/learning-curves.svg]",
    ),
    flag("--no-plot", None, "write no chart"),
    flag(
        "--save",
        Some("PATH"),
        "save the trained parameters (format: README, \"Model file\")",
    ),
    flag(
        "--quiet",
        None,
        "print only the summary line; no table, no progress line",
    ),
];

/// The flags of `gradcheck`.
pub const GRADCHECK_FLAGS: &[FlagSpec] = &[
    flag(
        "--data",
        Some("DIR"),
        "directory of the four MNIST IDX files [default: the crate's data/mnist]",
    ),
    flag(
        "--seed",
        Some("N"),
        "seed of the initial weights [default: 42]",
    ),
    flag(
        "--threads",
        Some("N"),
        "threads for the matrix product [default: 1: its products have 3 rows]",
    ),
];

/// The flags of `predict`.
pub const PREDICT_FLAGS: &[FlagSpec] = &[
    flag(
        "--model",
        Some("PATH"),
        "a model written by `backprop train --save` (required)",
    ),
    flag("--index", Some("N"), "classify test image N (0-9999)"),
    flag(
        "--image",
        Some("FILE"),
        "classify a 28x28 grey PGM (P5 or P2), ink bright on dark",
    ),
    flag(
        "--invert",
        None,
        "the PGM has dark ink on a light background (as paper)",
    ),
    flag(
        "--data",
        Some("DIR"),
        "directory of the MNIST files, for --index [default: the crate's data/mnist]",
    ),
    flag(
        "--ascii",
        None,
        "draw with ASCII characters instead of Unicode shades",
    ),
];

/// The flags of `eval`.
pub const EVAL_FLAGS: &[FlagSpec] = &[
    flag(
        "--model",
        Some("PATH"),
        "a model written by `backprop train --save` (required)",
    ),
    flag(
        "--data",
        Some("DIR"),
        "directory of the four MNIST IDX files [default: the crate's data/mnist]",
    ),
    flag(
        "--show",
        Some("N"),
        "draw N misclassified test digits [default: 4]",
    ),
    flag(
        "--ascii",
        None,
        "draw with ASCII characters instead of Unicode shades",
    ),
    flag(
        "--threads",
        Some("N"),
        "threads for the matrix product [default: all cores]",
    ),
];

fn flags_of(command: &str) -> &'static [FlagSpec] {
    match command {
        "train" => TRAIN_FLAGS,
        "gradcheck" => GRADCHECK_FLAGS,
        "predict" => PREDICT_FLAGS,
        "eval" => EVAL_FLAGS,
        _ => unreachable!("flags_of: no command `{command}`"),
    }
}

fn summary_of(command: &str) -> (&'static str, &'static str) {
    match command {
        "train" => (
            "learn to read MNIST digits by backpropagation: the slides' experiment",
            "backprop [train] [FLAGS]",
        ),
        "gradcheck" => (
            "the book's gradient check: backprop against numerical gradients, 3 training images",
            "backprop gradcheck [FLAGS]",
        ),
        "predict" => (
            "draw one digit and show what a saved model reads in it",
            "backprop predict --model PATH (--index N | --image FILE) [FLAGS]",
        ),
        "eval" => (
            "test accuracy, confusion matrix and misread digits of a saved model",
            "backprop eval --model PATH [FLAGS]",
        ),
        _ => unreachable!("summary_of: no command `{command}`"),
    }
}

/// The `--help` text of one command, made from its flag table.
pub fn command_help(command: &str) -> String {
    let (what, usage) = summary_of(command);
    let mut s = format!("backprop {command}: {what}\n\nUsage: {usage}\n\nFlags:\n");
    let width = flags_of(command)
        .iter()
        .map(|f| f.name.len() + f.value.map_or(0, |v| v.len() + 1))
        .max()
        .unwrap_or(0)
        .max("-h, --help".len());
    for f in flags_of(command) {
        let left = match f.value {
            Some(v) => format!("{} {v}", f.name),
            None => f.name.to_string(),
        };
        s.push_str(&format!("  {left:<width$}  {}\n", f.help));
    }
    s.push_str(&format!("  {:<width$}  print this help\n", "-h, --help"));
    s
}

/// The `backprop --help` text: the commands, then the flags of the default command.
pub fn top_help() -> String {
    let mut s = String::from(
        "backprop: learning by backpropagation from scratch, beside the slides of 逆誤差伝播方式\n\n\
         Usage: backprop [COMMAND] [FLAGS]\n\nCommands:\n",
    );
    for c in COMMANDS {
        s.push_str(&format!("  {c:<10} {}\n", summary_of(c).0));
    }
    s.push_str(
        "\nWith no command, `backprop` trains (the slides' 784-50-10 network, 10000 iterations).\n\
         Each command has its own `--help`. `backprop --version` prints the version.\n\n",
    );
    s.push_str(&command_help("train"));
    s
}

/// The Levenshtein distance between two strings, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo: at most a
/// third of the word's length away (and at least 2 edits allowed, for short words).
fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_string())
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    let (command, rest) = match args.first().map(String::as_str) {
        None => ("train", &args[..0]),
        Some("-h" | "--help" | "help") => return Ok(Command::Help(top_help())),
        Some("-V" | "--version") => return Ok(Command::Version),
        Some(first) if first.starts_with('-') => ("train", args),
        Some(name) => match COMMANDS.iter().find(|&&c| c == name) {
            Some(&c) => (c, &args[1..]),
            None => {
                return Err(CliError::UnknownCommand {
                    name: name.to_string(),
                    suggestion: nearest(name, COMMANDS),
                });
            }
        },
    };
    let values = match collect_flags(command, rest)? {
        Some(values) => values,
        None => return Ok(Command::Help(command_help(command))),
    };
    match command {
        "train" => parse_train(values).map(Command::Train),
        "gradcheck" => parse_gradcheck(values).map(Command::Gradcheck),
        "predict" => parse_predict(values).map(Command::Predict),
        "eval" => parse_eval(values).map(Command::Eval),
        _ => unreachable!("parse: no command `{command}`"),
    }
}

/// The flags given to one command, each checked against its table: the name and, for flags
/// that take one, the raw value. `None` if `--help` was asked for.
struct Given {
    items: Vec<(&'static str, Option<String>)>,
}

impl Given {
    /// The value of `flag`, if given.
    fn value(&self, flag: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(n, _)| *n == flag)
            .and_then(|(_, v)| v.as_deref())
    }

    fn has(&self, flag: &str) -> bool {
        self.items.iter().any(|(n, _)| *n == flag)
    }
}

fn collect_flags(command: &'static str, args: &[String]) -> Result<Option<Given>, CliError> {
    let specs = flags_of(command);
    let mut items: Vec<(&'static str, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        if !arg.starts_with('-') || arg == "-" {
            return Err(CliError::UnexpectedArgument {
                command,
                arg: arg.clone(),
            });
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            let owner = COMMANDS
                .iter()
                .copied()
                .find(|&c| c != command && flags_of(c).iter().any(|s| s.name == name));
            let mut known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            known.push("--help");
            return Err(CliError::UnknownFlag {
                command,
                flag: name.to_string(),
                suggestion: if owner.is_some() {
                    None
                } else {
                    nearest(name, known)
                },
                owner,
            });
        };
        if items.iter().any(|(n, _)| *n == spec.name) {
            return Err(CliError::Repeated { flag: spec.name });
        }
        let value = match (spec.value, inline) {
            (None, None) => None,
            (None, Some(v)) => {
                return Err(CliError::UnexpectedValue {
                    flag: spec.name,
                    value: v,
                });
            }
            (Some(_), Some(v)) => Some(v),
            (Some(kind), None) => match args.get(i) {
                // A following flag is not a value: `--csv --quiet` forgot the path. A negative
                // number is a value, though, so that `--lr -1` reaches the range check.
                Some(next) if !next.starts_with("--") => {
                    i += 1;
                    Some(next.clone())
                }
                _ => {
                    return Err(CliError::MissingValue {
                        flag: spec.name,
                        expected: expected_for(kind),
                    });
                }
            },
        };
        items.push((spec.name, value));
    }
    Ok(Some(Given { items }))
}

fn expected_for(kind: &str) -> &'static str {
    match kind {
        "N" => "a whole number",
        "X" => "a number",
        "DIR" => "a directory",
        "PATH" | "FILE" => "a file path",
        _ => "a value",
    }
}

/// A whole number in `min..=max`, or a [`CliError::BadValue`] that says so.
fn whole<T>(flag: &'static str, value: &str, min: T, max: T) -> Result<T, CliError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let bad = || CliError::BadValue {
        flag,
        value: value.to_string(),
        expected: format!("a whole number from {min} to {max}"),
    };
    let n: T = value.trim().parse().map_err(|_| bad())?;
    if n < min || n > max {
        return Err(bad());
    }
    Ok(n)
}

/// A finite `f32`, greater than zero (`allow_zero: false`) or at least zero.
fn real(flag: &'static str, value: &str, allow_zero: bool) -> Result<f32, CliError> {
    let expected = if allow_zero {
        "a finite number >= 0, such as 0.01"
    } else {
        "a finite number > 0, such as 0.1"
    };
    let bad = || CliError::BadValue {
        flag,
        value: value.to_string(),
        expected: expected.to_string(),
    };
    let x: f32 = value.trim().parse().map_err(|_| bad())?;
    // A number fine in decimal may be out of f32's reach: say so rather than "not > 0".
    let wide: f64 = value.trim().parse().map_err(|_| bad())?;
    let beyond = |what: &str| CliError::BadValue {
        flag,
        value: value.to_string(),
        expected: format!("a number an f32 can hold ({what})"),
    };
    if wide.is_finite() && x.is_infinite() {
        return Err(beyond("at most about 3.4e38"));
    }
    if !allow_zero && wide > 0.0 && x == 0.0 {
        return Err(beyond(
            "above 0 and at least about 1.4e-45; smaller rounds to 0",
        ));
    }
    let ok = x.is_finite() && if allow_zero { x >= 0.0 } else { x > 0.0 };
    if !ok {
        return Err(bad());
    }
    Ok(x)
}

fn path(flag: &'static str, value: &str) -> Result<PathBuf, CliError> {
    if value.is_empty() {
        return Err(CliError::BadValue {
            flag,
            value: String::new(),
            expected: "a non-empty path".to_string(),
        });
    }
    Ok(PathBuf::from(value))
}

fn parse_train(g: Given) -> Result<TrainArgs, CliError> {
    let mut a = TrainArgs::default();
    if let Some(v) = g.value("--data") {
        a.data = path("--data", v)?;
    }
    if let Some(v) = g.value("--iters") {
        a.iters = whole("--iters", v, 1, u64::MAX)?;
    }
    if let Some(v) = g.value("--batch-size") {
        a.batch_size = whole("--batch-size", v, 1, MAX_BATCH_SIZE)?;
    }
    if let Some(v) = g.value("--lr") {
        a.lr = real("--lr", v, false)?;
    }
    if let Some(v) = g.value("--hidden") {
        a.hidden = whole("--hidden", v, 1, MAX_HIDDEN)?;
    }
    if a.batch_size * a.hidden > MAX_BATCH_TIMES_HIDDEN {
        return Err(CliError::BadValue {
            flag: "--hidden",
            value: a.hidden.to_string(),
            expected: format!(
                "at most {} with --batch-size {} (batch size x hidden size at most {}: the \
                 activations of one batch would need about {:.1} GB)",
                MAX_BATCH_TIMES_HIDDEN / a.batch_size,
                a.batch_size,
                MAX_BATCH_TIMES_HIDDEN,
                (a.batch_size * a.hidden) as f64 * 4.0 * 5.0 / 1e9
            ),
        });
    }
    if let Some(v) = g.value("--weight-init-std") {
        a.weight_init_std = real("--weight-init-std", v, true)?;
    }
    if let Some(v) = g.value("--seed") {
        a.seed = whole("--seed", v, 0, u64::MAX)?;
    }
    if let Some(v) = g.value("--threads") {
        a.threads = Some(whole("--threads", v, 1, MAX_THREADS)?);
    }
    if let Some(v) = g.value("--eval-every") {
        a.eval_every = Some(whole("--eval-every", v, 1, u64::MAX)?);
    }
    if let Some(v) = g.value("--csv") {
        a.csv = Some(path("--csv", v)?);
    }
    if g.has("--plot") && g.has("--no-plot") {
        return Err(CliError::Conflict {
            first: "--plot",
            second: "--no-plot",
        });
    }
    if let Some(v) = g.value("--plot") {
        a.plot = Plot::To(path("--plot", v)?);
    }
    if g.has("--no-plot") {
        a.plot = Plot::Off;
    }
    if let Some(v) = g.value("--save") {
        a.save = Some(path("--save", v)?);
    }
    a.quiet = g.has("--quiet");
    Ok(a)
}

fn parse_gradcheck(g: Given) -> Result<GradcheckArgs, CliError> {
    let mut a = GradcheckArgs::default();
    if let Some(v) = g.value("--data") {
        a.data = path("--data", v)?;
    }
    if let Some(v) = g.value("--seed") {
        a.seed = whole("--seed", v, 0, u64::MAX)?;
    }
    if let Some(v) = g.value("--threads") {
        a.threads = Some(whole("--threads", v, 1, MAX_THREADS)?);
    }
    Ok(a)
}

fn parse_predict(g: Given) -> Result<PredictArgs, CliError> {
    let model = match g.value("--model") {
        Some(v) => path("--model", v)?,
        None => {
            return Err(CliError::MissingFlag {
                command: "predict",
                what: "--model PATH (a model saved by `backprop train --save PATH`)",
            });
        }
    };
    let source = match (g.value("--index"), g.value("--image")) {
        (Some(_), Some(_)) => {
            return Err(CliError::Conflict {
                first: "--index",
                second: "--image",
            });
        }
        // A flag that only the other source uses would be ignored without a word.
        (Some(_), None) if g.has("--invert") => {
            return Err(CliError::Conflict {
                first: "--invert",
                second: "--index",
            });
        }
        (None, Some(_)) if g.has("--data") => {
            return Err(CliError::Conflict {
                first: "--data",
                second: "--image",
            });
        }
        // Checked against the test set's size once it is read (`predict::run`).
        (Some(v), None) => {
            ImageSource::Index(v.trim().parse().map_err(|_| CliError::BadValue {
                flag: "--index",
                value: v.to_string(),
                expected: "a test image number: a whole number from 0".to_string(),
            })?)
        }
        (None, Some(v)) => ImageSource::Image(path("--image", v)?),
        (None, None) => {
            return Err(CliError::MissingFlag {
                command: "predict",
                what: "an image: --index N (a test image) or --image FILE (a 28x28 PGM)",
            });
        }
    };
    Ok(PredictArgs {
        model,
        source,
        data: match g.value("--data") {
            Some(v) => path("--data", v)?,
            None => PathBuf::from(DEFAULT_DATA_DIR),
        },
        invert: g.has("--invert"),
        ascii: g.has("--ascii"),
    })
}

fn parse_eval(g: Given) -> Result<EvalArgs, CliError> {
    let model = match g.value("--model") {
        Some(v) => path("--model", v)?,
        None => {
            return Err(CliError::MissingFlag {
                command: "eval",
                what: "--model PATH (a model saved by `backprop train --save PATH`)",
            });
        }
    };
    Ok(EvalArgs {
        model,
        data: match g.value("--data") {
            Some(v) => path("--data", v)?,
            None => PathBuf::from(DEFAULT_DATA_DIR),
        },
        show: match g.value("--show") {
            Some(v) => whole("--show", v, 0, 100)?,
            None => 4,
        },
        ascii: g.has("--ascii"),
        threads: match g.value("--threads") {
            Some(v) => Some(whole("--threads", v, 1, MAX_THREADS)?),
            None => None,
        },
    })
}
