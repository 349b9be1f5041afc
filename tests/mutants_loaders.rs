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
