//! The `backprop` program: a thin shell over the library. It parses the command line
//! ([`backprop::cli`]), runs the command ([`backprop::commands`]), and turns an error into a
//! message on stderr and an exit code: 2 for a command line we cannot run, 1 for anything else
//! (missing or corrupt data, a file we cannot write, a diverged training).

#![deny(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use backprop::cli::{self, Command};
use backprop::commands::{self, AppError};

fn main() -> ExitCode {
    let mut args = Vec::new();
    for (i, arg) in std::env::args_os().skip(1).enumerate() {
        match arg.into_string() {
            Ok(s) => args.push(s),
            Err(raw) => {
                eprintln!(
                    "error: argument {} ({}) is not valid UTF-8",
                    i + 1,
                    raw.to_string_lossy()
                );
                return ExitCode::from(2);
            }
        }
    }
    let command = match cli::parse(&args) {
        Ok(c) => c,
        Err(e) => return fail(&AppError::Usage(e)),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match command {
        Command::Help(text) => out.write_all(text.as_bytes()).map_err(AppError::Output),
        Command::Version => {
            writeln!(out, "backprop {}", env!("CARGO_PKG_VERSION")).map_err(AppError::Output)
        }
        other => commands::run(other, &mut out),
    };
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Prints `e` on stderr (unless stdout was merely closed early, as by `| head`) and picks the
/// exit code.
fn fail(e: &AppError) -> ExitCode {
    if !e.is_broken_pipe() {
        eprintln!("error: {e}");
    }
    ExitCode::from(e.exit_code())
}
