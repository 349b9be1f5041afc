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

/// A gzip file (one stored block) whose stream holds just `bytes`.
fn stored_gzip(bytes: &[u8]) -> Vec<u8> {
    let mut f = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let len = bytes.len() as u16;
    f.push(1); // BFINAL, stored
    f.extend_from_slice(&len.to_le_bytes());
    f.extend_from_slice(&(!len).to_le_bytes());
    f.extend_from_slice(bytes);
    f.extend_from_slice(&backprop::gzip::crc32_update(0, bytes).to_le_bytes());
    f.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    f
}

/// A header that claims exactly 1032 bytes per compressed byte is still possible (deflate's
/// most), so it is not refused up front: the short stream is found out as a truncated payload.
/// One byte more is refused before anything is allocated.
/// Killed mutant: `replace > with >=` on `total > compressed * DEFLATE_MAX_RATIO`.
#[test]
fn a_header_at_exactly_the_deflate_ratio_is_not_refused_up_front() {
    // The stream is the 8-byte labels header only; the file is 10 + 5 + 8 + 8 = 31 bytes.
    let compressed = 31u64;
    let at_limit = compressed * backprop::idx::DEFLATE_MAX_RATIO;
    for (total, too_large) in [(at_limit, false), (at_limit + 1, true)] {
        let n = (total - 8) as u32;
        let mut header = vec![0, 0, 8, 1];
        header.extend_from_slice(&n.to_be_bytes());
        let file = stored_gzip(&header);
        assert_eq!(file.len() as u64, compressed);
        let err = read_labels_from(Cursor::new(file), Path::new("labels.gz")).unwrap_err();
        if too_large {
            assert!(
                matches!(err, DataError::TooLargeForFile { needed, .. } if needed == total),
                "{err:?}"
            );
        } else {
            assert!(
                matches!(err, DataError::Truncated { what: "payload", needed, found: 8, .. } if needed == total),
                "{err:?}"
            );
        }
    }
}

/// A reader that refuses to be asked for nothing (the `Read` contract allows any answer then).
struct NoEmptyReads(Cursor<Vec<u8>>);

impl std::io::Read for NoEmptyReads {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Err(std::io::Error::other("asked for 0 bytes"));
        }
        self.0.read(buf)
    }
}

impl std::io::Seek for NoEmptyReads {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

/// `read_full` stops as soon as its buffer is full, without a further read of zero bytes.
/// Killed mutant: `replace < with <=` in `filled < buf.len()`.
#[test]
fn a_full_buffer_is_not_read_into_again() {
    let reader = NoEmptyReads(Cursor::new(labels_file(&[2, 7, 1, 8], 0)));
    let labels = read_labels_from(reader, Path::new("labels")).expect("no read of 0 bytes");
    assert_eq!(labels, vec![2, 7, 1, 8]);
}
