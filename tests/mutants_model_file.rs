//! Tests that `cargo mutants` asked for in `model_file.rs`: boundaries of the header checks and
//! the words of the "no such file" message.

use std::path::PathBuf;

use backprop::model_file::{
    CHECKSUM_LEN, FormatError, HEADER_LEN, MAGIC, MAX_PARAMETERS, ModelError, VERSION, decode,
};

/// A model file's header alone: magic, version, sizes `i`-`h`-`o`.
fn header(i: u32, h: u32, o: u32) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    for v in [VERSION, i, h, o] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(b.len(), HEADER_LEN);
    b
}

/// Sizes holding exactly `MAX_PARAMETERS` parameters are allowed: the header-only file is then
/// merely truncated. One more parameter is an absurd shape.
/// Killed mutant: `replace > with >=` on `count > MAX_PARAMETERS` in `expected_len`.
#[test]
fn exactly_max_parameters_is_allowed() {
    // 1 hidden unit, 1 output: i·1 + 1 + 1·1 + 1 = i + 3 parameters.
    let i = (MAX_PARAMETERS - 3) as u32;
    let expected = (HEADER_LEN + CHECKSUM_LEN) as u64 + 4 * MAX_PARAMETERS;
    assert_eq!(
        decode(&header(i, 1, 1)).unwrap_err(),
        FormatError::Truncated {
            expected,
            found: HEADER_LEN as u64
        }
    );
    assert!(matches!(
        decode(&header(i + 1, 1, 1)).unwrap_err(),
        FormatError::BadShape { .. }
    ));
}

/// A file shorter than a header says the least a model file can hold; a file of exactly a
/// header has its sizes read, and says what they need.
/// Killed mutants: `+ with -` / `+ with *` in `HEADER_LEN + CHECKSUM_LEN`, `< with <=` in
/// `bytes.len() < HEADER_LEN` (both in `decode`).
#[test]
fn short_files_say_how_long_they_should_be() {
    let full = header(2, 3, 4);
    assert_eq!(
        decode(&full[..HEADER_LEN - 1]).unwrap_err(),
        FormatError::Truncated {
            expected: (HEADER_LEN + CHECKSUM_LEN) as u64,
            found: (HEADER_LEN - 1) as u64
        }
    );
    let count = 2 * 3 + 3 + 3 * 4 + 4;
    assert_eq!(
        decode(&full).unwrap_err(),
        FormatError::Truncated {
            expected: (HEADER_LEN + 4 * count + CHECKSUM_LEN) as u64,
            found: HEADER_LEN as u64
        }
    );
}

/// A missing model file is named as missing, with the command that makes one; any other read
/// error is a plain "cannot read".
/// Killed mutants: the `NotFound` match guard in `ModelError`'s Display replaced with true or
/// false, and its `==` with `!=`.
#[test]
fn a_missing_model_says_how_to_make_one() {
    let missing = ModelError::Io {
        path: PathBuf::from("m.bin"),
        source: std::io::ErrorKind::NotFound.into(),
    };
    assert_eq!(
        missing.to_string(),
        "--model m.bin: no such file (make one with `backprop train --save m.bin`)"
    );
    let denied = ModelError::Io {
        path: PathBuf::from("m.bin"),
        source: std::io::Error::other("denied"),
    };
    assert_eq!(denied.to_string(), "--model m.bin: cannot read: denied");
}
