//! Writing a file so that it is either the old file or the whole new one, never half of each:
//! the bytes go to a temporary file in the same directory, are flushed to disk, and the
//! temporary file is then renamed over the target (a rename within one directory is atomic on
//! the file systems we run on). A crash, a full disk or a Ctrl-C mid-write leaves the old file,
//! or no file, and at worst a stray `.NAME.PID.tmp` beside it.
//!
//! Every file the program writes (the CSV, the SVG chart, the saved model) goes through here,
//! and every output path is checked up front by [`check_writable`] so that a typo in a directory
//! name fails before any training time is spent.
//!
//! Not in the slides: they only print.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file we could not write, with the flag that named it (`--csv`, `--plot`, `--save`), so the
/// message points at what the user typed.
#[derive(Debug)]
pub enum WriteError {
    /// The directory the file should go into does not exist.
    NoDirectory {
        flag: String,
        path: PathBuf,
        dir: PathBuf,
    },
    /// The path names a directory, not a file.
    IsDirectory { flag: String, path: PathBuf },
    /// The path ends in a slash: a directory's name, whether or not it exists.
    EndsInSlash { flag: String, path: PathBuf },
    /// Creating, writing or renaming failed (permissions, disk full, ...).
    Io {
        flag: String,
        path: PathBuf,
        source: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::NoDirectory { flag, path, dir } => write!(
                f,
                "{flag} {}: the directory {} does not exist (create it first, or choose another path)",
                path.display(),
                dir.display()
            ),
            WriteError::IsDirectory { flag, path } => write!(
                f,
                "{flag} {}: is a directory; expected a file path such as {}",
                path.display(),
                path.join("out").display()
            ),
            WriteError::EndsInSlash { flag, path } => write!(
                f,
                "{flag} {}: ends in a slash, so it names a directory; expected a file path",
                path.display()
            ),
            WriteError::Io { flag, path, source } => {
                write!(f, "{flag} {}: cannot write: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The directory a file path lives in; `""` (a bare file name) means the current directory.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The file `path` names, spelled one way: its directory resolved (`.`, `..`, symbolic links)
/// and its own name kept, so that `a.csv`, `./a.csv` and `/home/me/a.csv` come out equal. The
/// last name is not followed: a write replaces a symbolic link there, not what it points to.
/// A path whose directory does not exist is kept as typed.
pub fn resolved(path: &Path) -> PathBuf {
    match (parent_dir(path).canonicalize(), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// Whether two paths name the same file (see [`resolved`]).
pub fn same_file(a: &Path, b: &Path) -> bool {
    resolved(a) == resolved(b)
}

/// Creates a fresh temporary file beside `path`, never reusing an existing name, so that a
/// file the user made is never clobbered by our scratch file.
fn create_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let pid = std::process::id();
    for attempt in 0u32..100 {
        let tmp = dir.join(format!(".{name}.{pid}.{attempt}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "100 temporary file names beside it are all taken",
    ))
}

/// Checks, before any work, that `path` could be written: its directory exists and lets us
/// create a file, and `path` is not a directory. Leaves nothing behind.
pub fn check_writable(flag: &str, path: &Path) -> Result<(), WriteError> {
    // `Path` drops a final slash (`out/` has the file name `out`), so look at it as typed.
    if path
        .as_os_str()
        .as_encoded_bytes()
        .last()
        .is_some_and(|&b| std::path::is_separator(char::from(b)))
    {
        return Err(WriteError::EndsInSlash {
            flag: flag.to_string(),
            path: path.to_path_buf(),
        });
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(WriteError::NoDirectory {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            dir,
        });
    }
    if path.is_dir() {
        return Err(WriteError::IsDirectory {
            flag: flag.to_string(),
            path: path.to_path_buf(),
        });
    }
    let io_err = |source| WriteError::Io {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        source,
    };
    let (tmp, file) = create_temp(path).map_err(io_err)?;
    drop(file);
    fs::remove_file(&tmp).map_err(io_err)?;
    // An existing read-only file would make the final rename succeed on Unix anyway (rename
    // needs write permission on the directory, not the file), so the directory test suffices.
    Ok(())
}

/// Writes `path` atomically: `fill` writes the whole content into a buffered temporary file,
/// which is then synced and renamed over `path`. On any error the temporary file is removed and
/// `path` is untouched.
pub fn write_atomic(
    flag: &str,
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let err = |source| WriteError::Io {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(WriteError::IsDirectory {
            flag: flag.to_string(),
            path: path.to_path_buf(),
        });
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(WriteError::NoDirectory {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            dir,
        });
    }
    let (tmp, file) = create_temp(path).map_err(err)?;
    let result = (|| {
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// [`write_atomic`] for content already in memory.
pub fn write_bytes_atomic(flag: &str, path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic(flag, path, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("backprop-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_and_replaces_leaving_no_temporary_file() {
        let dir = scratch("replace");
        let path = dir.join("out.txt");
        write_bytes_atomic("--csv", &path, b"first").unwrap();
        write_bytes_atomic("--csv", &path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failing_fill_keeps_the_old_file_and_removes_the_temporary() {
        let dir = scratch("fail");
        let path = dir.join("model.bin");
        fs::write(&path, b"old").unwrap();
        let r = write_atomic("--save", &path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(matches!(r, Err(WriteError::Io { .. })), "{r:?}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn one_file_spelled_two_ways_is_the_same_file() {
        let dir = scratch("same");
        let a = dir.join("a.csv");
        let dotted = dir.join(".").join("sub").join("..").join("a.csv");
        fs::create_dir(dir.join("sub")).unwrap();
        assert!(same_file(&a, &dotted));
        assert!(!same_file(&a, &dir.join("b.csv")));
        // Nothing needs to exist but the directory.
        assert!(!a.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_and_directory_paths_are_refused_up_front() {
        let dir = scratch("check");
        let missing = dir.join("no-such-dir").join("x.csv");
        let e = check_writable("--csv", &missing).unwrap_err();
        assert!(matches!(e, WriteError::NoDirectory { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("--csv") && msg.contains("no-such-dir"),
            "{msg}"
        );
        let e = check_writable("--plot", &dir).unwrap_err();
        assert!(matches!(e, WriteError::IsDirectory { .. }), "{e:?}");
        check_writable("--save", &dir.join("ok.bin")).unwrap();
        // A final slash names a directory even where none exists yet.
        let slash = PathBuf::from(format!("{}/", dir.join("new").display()));
        let e = check_writable("--save", &slash).unwrap_err();
        assert!(matches!(e, WriteError::EndsInSlash { .. }), "{e:?}");
        assert!(e.to_string().starts_with("--save "), "{e}");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "check left a file behind"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
