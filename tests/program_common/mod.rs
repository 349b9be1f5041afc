//! Helpers shared by the program's tests (cli, model_file, pgm): a scratch directory that
//! cleans up after itself, and running the built `backprop` binary.

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed (with its content) when dropped.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("backprop-program-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create scratch dir");
        Scratch { path }
    }

    /// A directory under cargo's own temp dir for tests (`target/tmp`), emptied now and kept
    /// afterwards, by the one fixed name `tag`: for a directory held by a `static`, which Rust
    /// never drops, so that each `cargo test` reuses it instead of leaving one more in /tmp.
    pub fn kept(tag: &str) -> PathBuf {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("backprop-program-{tag}"));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create kept scratch dir");
        path
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The names of the files in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.path)
            .expect("read scratch dir")
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The crate's MNIST directory.
pub fn data_dir() -> &'static Path {
    Path::new(backprop::mnist::DEFAULT_DIR)
}

/// What a run of the program gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built binary with `args`, in the scratch directory `cwd`, stdin closed.
pub fn backprop_in(cwd: &Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run backprop");
    Run {
        code: status.code().expect("exited by a signal"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary in the system temp directory (which has no `target/`, so a run without
/// `--plot` writes no chart).
pub fn backprop(args: &[&str]) -> Run {
    backprop_in(&std::env::temp_dir(), args)
}
