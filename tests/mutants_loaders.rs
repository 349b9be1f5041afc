//! Tests that `cargo mutants` asked for in the loaders: each one fails on a mutant the other
//! reader tests let through (README, Contributing, says how to run it).

use std::io::Cursor;
use std::path::Path;

use backprop::idx::read_labels_from;
use backprop::mnist::DataError;

/// A gzip file shorter than its 4-byte trailer has no ISIZE to read: the reader must not seek
/// before the start of the file (an I/O error naming no gzip problem) but let the gzip reader
/// say the stream is cut short. Killed mutant: `replace >= with < in read_idx` on
/// `file_len >= 4`, which seeks to -4 on such a file.
#[test]
fn a_gzip_file_shorter_than_its_trailer_is_a_gzip_error_not_a_seek_error() {
    for bytes in [&[0x1f, 0x8b][..], &[0x1f, 0x8b, 0x08][..]] {
        let err = read_labels_from(Cursor::new(bytes.to_vec()), Path::new("short-labels.gz"))
            .expect_err("a 2- or 3-byte gzip file holds no labels");
        assert!(
            matches!(err, DataError::Gzip { .. }),
            "{} bytes: expected a gzip error, got {err:?}",
            bytes.len()
        );
    }
}

/// A labels file: magic 0x801, one dim `n`, then `n` labels and `extra` trailing bytes.
fn labels_file(labels: &[u8], extra: usize) -> Vec<u8> {
    let mut f = vec![0, 0, 8, 1];
    f.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    f.extend_from_slice(labels);
    f.extend(std::iter::repeat_n(7u8, extra));
    f
}

/// Trailing bytes beyond the first 4096-byte probe are all counted in `found`.
/// Killed mutants: `+= with -=` / `+= with *=` on `more`, `+ with -` in `total + extra + more`.
#[test]
fn trailing_garbage_counts_every_extra_byte() {
    let file = labels_file(&[3, 1, 4], 5000);
    let err = read_labels_from(Cursor::new(file), Path::new("labels")).unwrap_err();
    match err {
        DataError::TrailingGarbage { needed, found, .. } => {
            assert_eq!(needed, 8 + 3);
            assert_eq!(found, 8 + 3 + 5000);
        }
        other => panic!("expected TrailingGarbage, got {other:?}"),
    }
}

/// A file of exactly four bytes that are not the magic is a wrong magic, not a short header.
/// Killed mutant: `replace < with <=` in `got < 4`.
#[test]
fn four_bytes_of_wrong_magic_are_a_bad_magic() {
    let err = read_labels_from(Cursor::new(vec![0, 0, 8, 3]), Path::new("labels")).unwrap_err();
    assert!(
        matches!(err, DataError::BadMagic { found: 0x803, .. }),
        "{err:?}"
    );
}

/// A reader interrupted before every other read: `read_full` must retry, as `read_exact` does.
struct Interrupting {
    inner: Cursor<Vec<u8>>,
    interrupt_next: bool,
}

impl std::io::Read for Interrupting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.interrupt_next = !self.interrupt_next;
        if !self.interrupt_next {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        self.inner.read(buf)
    }
}

impl std::io::Seek for Interrupting {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Killed mutants: the `Interrupted` match guard in `read_full` replaced with `false`, and
/// its `==` replaced with `!=`.
#[test]
fn an_interrupted_read_is_retried() {
    let reader = Interrupting {
        inner: Cursor::new(labels_file(&[3, 1, 4], 0)),
        interrupt_next: false,
    };
    let labels = read_labels_from(reader, Path::new("labels")).expect("retried reads succeed");
    assert_eq!(labels, vec![3, 1, 4]);
}
