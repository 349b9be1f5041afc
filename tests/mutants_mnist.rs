//! Tests that `cargo mutants` asked for in `mnist.rs`: the words of `DataError`'s messages
//! and its error chain, which the reader tests (matching variants) let through.

use std::error::Error;
use std::path::PathBuf;

use backprop::gzip::GzipError;
use backprop::idx::{IMAGES_MAGIC, LABELS_MAGIC};
use backprop::mnist::DataError;

fn bad_magic(expected: u32, found: u32) -> String {
    DataError::BadMagic {
        path: PathBuf::from("f"),
        expected,
        found,
    }
    .to_string()
}

/// Swapped files are named for what each magic means.
/// Killed mutants: `magic_name` replaced with "" or "xyzzy", either of its match arms deleted.
#[test]
fn a_swapped_magic_names_both_kinds_of_file() {
    let msg = bad_magic(LABELS_MAGIC, IMAGES_MAGIC);
    assert!(
        msg.contains("(0x00000801, a labels file)")
            && msg.ends_with("the magic of an images file: files swapped?"),
        "{msg}"
    );
    let msg = bad_magic(IMAGES_MAGIC, LABELS_MAGIC);
    assert!(
        msg.contains("(0x00000803, an images file)")
            && msg.ends_with("the magic of a labels file: files swapped?"),
        "{msg}"
    );
    let msg = bad_magic(0x0000_0802, 7);
    assert!(msg.contains("(0x00000802, unknown)"), "{msg}");
}

/// Dims are written as in the slides' shapes, `60000x28x28`.
/// Killed mutants: `dims_text` replaced with `String::new()` or "xyzzy".
#[test]
fn dims_are_written_with_x_between_them() {
    let err = DataError::BadDims {
        path: PathBuf::from("f"),
        dims: vec![60000, 28, 28],
        why: "too big",
    };
    assert_eq!(err.to_string(), "f: header dims 60000x28x28: too big");
    let err = DataError::TooLargeForFile {
        path: PathBuf::from("f.gz"),
        dims: vec![3, 2],
        needed: 14,
        compressed: 0,
    };
    assert!(
        err.to_string()
            .starts_with("f.gz: the header dims 3x2 need 14 bytes"),
        "{err}"
    );
}

/// A gzip error is kept as the source of the data error, for callers that walk the chain.
/// Killed mutant: the `Gzip` arm of `source` deleted.
#[test]
fn a_gzip_error_is_the_source() {
    let err = DataError::Gzip {
        path: PathBuf::from("f.gz"),
        source: GzipError::BadBlockType,
    };
    let source = err.source().expect("a gzip error has a source");
    assert_eq!(source.to_string(), GzipError::BadBlockType.to_string());
    assert!(source.downcast_ref::<GzipError>().is_some());
}

/// An I/O error is kept as the source too.
#[test]
fn an_io_error_is_the_source() {
    let err = DataError::Io {
        path: PathBuf::from("f"),
        source: std::io::Error::other("disk on fire"),
    };
    assert_eq!(
        err.source().expect("an I/O error").to_string(),
        "disk on fire"
    );
}
