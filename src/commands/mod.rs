//! The four commands of the program, one file each, and the error type they share. Each
//! command writes its report to the `out` it is given (stdout in the program) and returns a
//! typed error for anything the user or the world got wrong.

pub mod eval;
pub mod gradcheck;
pub mod predict;
pub mod train;

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::atomic_write::WriteError;
use crate::cli::{CliError, Command};
use crate::mnist::DataError;
use crate::model_file::ModelError;
use crate::pgm::PgmError;
use crate::train::Diverged;

/// Everything that can stop a command.
#[derive(Debug)]
pub enum AppError {
    /// A command line we cannot run (exit code 2).
    Usage(CliError),
    /// MNIST files missing or damaged.
    Data(DataError),
    /// An output file we cannot write.
    Write(WriteError),
    /// A model file we cannot read.
    Model(ModelError),
    /// A `--image` we cannot read.
    Image(PgmError),
    /// A model that does not fit the data (its input or output size differs).
    ModelMismatch {
        path: std::path::PathBuf,
        what: &'static str,
        model: usize,
        data: usize,
    },
    /// The training diverged.
    Diverged(Diverged),
    /// A check the command ran did not pass (`gradcheck`).
    CheckFailed(String),
    /// Writing the report to stdout failed.
    Output(io::Error),
}

impl AppError {
    /// 2 for the command line, 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// True when stdout was closed by its reader (`backprop eval | head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, AppError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Usage(e) => e.fmt(f),
            AppError::Data(e) => e.fmt(f),
            AppError::Write(e) => e.fmt(f),
            AppError::Model(e) => e.fmt(f),
            AppError::Image(e) => e.fmt(f),
            AppError::ModelMismatch {
                path,
                what,
                model,
                data,
            } => write!(
                f,
                "--model {}: the model has {model} {what}, the data has {data}: it was trained on other data",
                path.display()
            ),
            AppError::Diverged(e) => e.fmt(f),
            AppError::CheckFailed(what) => f.write_str(what),
            AppError::Output(e) => write!(f, "cannot write the report: {e}"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<io::Error> for AppError {
    fn from(e: io::Error) -> Self {
        AppError::Output(e)
    }
}

impl From<CliError> for AppError {
    fn from(e: CliError) -> Self {
        AppError::Usage(e)
    }
}

impl From<DataError> for AppError {
    fn from(e: DataError) -> Self {
        AppError::Data(e)
    }
}

impl From<WriteError> for AppError {
    fn from(e: WriteError) -> Self {
        AppError::Write(e)
    }
}

impl From<ModelError> for AppError {
    fn from(e: ModelError) -> Self {
        AppError::Model(e)
    }
}

impl From<PgmError> for AppError {
    fn from(e: PgmError) -> Self {
        AppError::Image(e)
    }
}

/// Runs a parsed command (not `Help` or `Version`, which `main` prints itself).
pub fn run(command: Command, out: &mut dyn Write) -> Result<(), AppError> {
    match command {
        Command::Train(a) => train::run(&a, out),
        Command::Gradcheck(a) => gradcheck::run(&a, out),
        Command::Predict(a) => predict::run(&a, out),
        Command::Eval(a) => eval::run(&a, out),
        Command::Help(text) => Ok(out.write_all(text.as_bytes())?),
        Command::Version => Ok(writeln!(out, "backprop {}", env!("CARGO_PKG_VERSION"))?),
    }
}

/// `path` relative to the current directory when it lies inside it (the default data
/// directory is absolute, but `cargo run` starts in the crate, where `data/mnist` reads better).
pub fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}

/// Applies `--threads` to the matrix product and returns the thread count in use (every core
/// when the flag is absent). The results do not depend on it, only the speed.
pub fn apply_threads(threads: Option<usize>) -> usize {
    if let Some(n) = threads {
        crate::matmul::set_threads(n);
    }
    crate::matmul::threads()
}
