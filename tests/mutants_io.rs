//! Tests that `cargo mutants` asked for in the program's file readers and writers (the PGM
//! reader, the atomic writer, the CSV writer): each one fails on a mutant the other tests let
//! through, named in its doc comment (README, Contributing, says how to run it).

mod program_common;

use std::error::Error;
use std::io;
use std::path::Path;

use backprop::atomic_write::{self, WriteError};
use backprop::pgm::{self, PgmFormatError};
use backprop::report::EvalRow;
use program_common::Scratch;

/// A P2 (plain) 28x28 file with maximum `maxval` and the given samples, then `tail`.
fn p2(maxval: u64, samples: impl Fn(usize) -> u64, tail: &str) -> Vec<u8> {
    let mut text = format!("P2 28 28 {maxval}\n");
    for i in 0..784 {
        text.push_str(&format!("{} ", samples(i)));
    }
    text.push_str(tail);
    text.into_bytes()
}

/// A P5 (binary) 28x28 file with maximum `maxval` and the given raster bytes.
fn p5(maxval: u64, raster: &[u8]) -> Vec<u8> {
    let mut bytes = format!("P5 28 28 {maxval}\n").into_bytes();
    bytes.extend_from_slice(raster);
    bytes
}

/// A sample `v` of maximum `maxval` scaled to 0..=255, rounded half up: computed in floating
/// point, independently of the reader's integer formula.
fn scaled(v: u64, maxval: u64) -> u8 {
    (v as f64 * 255.0 / maxval as f64).round() as u8
}

/// Samples scale with rounding to nearest, for a maximum that does not divide 255 (the other
/// tests use 15 and 255, where every sample scales exactly, and 65535 with only full white).
/// Killed mutant: `replace / with %` on `maxval / 2` in `decode`.
#[test]
fn pgm_samples_scale_to_the_nearest_grey_level() {
    for maxval in [100u64, 7, 1000] {
        let sample = |i: usize| (i as u64 * 37) % (maxval + 1);
        let expected: Vec<u8> = (0..784).map(|i| scaled(sample(i), maxval)).collect();
        let plain = pgm::decode(&p2(maxval, sample, "")).unwrap();
        assert_eq!(plain, expected, "P2, maximum {maxval}");
        let per = if maxval > 255 { 2 } else { 1 };
        let raster: Vec<u8> = (0..784)
            .flat_map(|i| {
                let v = sample(i) as u16;
                if per == 2 {
                    v.to_be_bytes().to_vec()
                } else {
                    vec![v as u8]
                }
            })
            .collect();
        let binary = pgm::decode(&p5(maxval, &raster)).unwrap();
        assert_eq!(binary, expected, "P5, maximum {maxval}");
    }
    // 10 * 255 / 100 = 25.5 exactly: the half rounds up.
    assert_eq!(pgm::decode(&p2(100, |_| 10, "")).unwrap()[0], 26);
}

/// Every PBM/PPM magic gets its hint (the other tests only try P6).
/// Killed mutants: `delete match arm "P4" | "P1"` (and "P6" | "P3") in the Display impl.
#[test]
fn pgm_other_netpbm_kinds_get_a_hint() {
    for (magic, hint) in [
        ("P3", "colour"),
        ("P6", "colour"),
        ("P1", "black-and-white"),
        ("P4", "black-and-white"),
    ] {
        let e = pgm::decode(format!("{magic}\n28 28\n").as_bytes()).unwrap_err();
        assert_eq!(
            e,
            PgmFormatError::NotPgm {
                found: magic.to_string()
            }
        );
        assert!(e.to_string().contains(hint), "{magic}: {e}");
    }
    let e = pgm::decode(b"BM....").unwrap_err();
    let msg = e.to_string();
    assert!(
        !msg.contains("colour") && !msg.contains("black"),
        "no hint for a non-Netpbm file: {msg}"
    );
}

/// One wrong side is enough to refuse the size.
/// Killed mutant: `replace || with && in decode` on `width != SIDE || height != SIDE`.
#[test]
fn pgm_one_wrong_side_is_a_wrong_size() {
    for (w, h) in [(28, 32), (32, 28)] {
        assert_eq!(
            pgm::decode(format!("P5 {w} {h} 255\n").as_bytes()),
            Err(PgmFormatError::WrongSize {
                width: w,
                height: h
            })
        );
    }
}

/// A header cut short after a field, and a comment running to the end of the file, are errors,
/// not an index out of bounds. Killed mutant: `replace < with <=` in the comment loop of
/// `skip_space`.
#[test]
fn pgm_a_header_ending_early_is_an_error() {
    assert_eq!(
        pgm::decode(b"P5 28"),
        Err(PgmFormatError::BadHeader {
            field: "height",
            found: "the end of the file".to_string()
        })
    );
    assert_eq!(
        pgm::decode(b"P5 28 28 # no maximum, no newline"),
        Err(PgmFormatError::BadHeader {
            field: "maximum grey value",
            found: "the end of the file".to_string()
        })
    );
    assert!(pgm::decode(&p2(255, |_| 1, "# the end, no newline")).is_ok());
    // A header with no byte after the maximum: no separator, no raster.
    // Killed mutant: `replace || with && in decode` on `at >= len || !whitespace`.
    assert_eq!(
        pgm::decode(b"P5 28 28 255"),
        Err(PgmFormatError::Truncated {
            expected: 784,
            found: 0
        })
    );
}

/// A header token is cut at 24 bytes, so a long one is quoted in the message, not copied whole.
/// Killed mutants: `replace < with <=`, `replace - with /` on `self.at - start < 24`.
#[test]
fn pgm_a_long_header_token_is_cut_at_24_bytes() {
    let long = "9".repeat(40);
    assert_eq!(
        pgm::decode(format!("P5 {long} 28 255\n").as_bytes()),
        Err(PgmFormatError::BadHeader {
            field: "width",
            found: "9".repeat(24)
        })
    );
}

/// Text after the last P2 sample is refused, with its length.
/// Killed mutant: `replace > with <` on `extra > 0` in the P2 branch.
#[test]
fn pgm_plain_trailing_text_is_refused() {
    assert_eq!(
        pgm::decode(&p2(255, |_| 1, "xyz\n")),
        Err(PgmFormatError::TrailingData { extra: 4 })
    );
    // Comments and whitespace after the last sample are fine.
    assert!(pgm::decode(&p2(255, |_| 1, "\n# the end\n")).is_ok());
}

/// A single byte after the raster, and a 16-bit raster cut short or too long, are each counted
/// in samples or bytes. Killed mutants in the P5 length checks: `replace * with /` in
/// `raster.len() < n * per` and in `extra: raster.len() - n * per`, `replace / with *` in
/// `found: raster.len() / per`.
#[test]
fn pgm_binary_raster_lengths_are_exact() {
    assert_eq!(
        pgm::decode(&p5(255, &[7; 785])),
        Err(PgmFormatError::TrailingData { extra: 1 })
    );
    assert_eq!(
        pgm::decode(&p5(1000, &[0; 1000])),
        Err(PgmFormatError::Truncated {
            expected: 784,
            found: 500
        })
    );
    assert_eq!(
        pgm::decode(&p5(1000, &[0; 1568 + 3])),
        Err(PgmFormatError::TrailingData { extra: 3 })
    );
}

/// A bare file name lives in the current directory: it can be checked and written.
/// Killed mutant: `replace match guard !p.as_os_str().is_empty() with true in parent_dir`
/// (the empty parent "" is no directory).
#[test]
fn atomic_write_a_bare_file_name_is_in_the_current_directory() {
    let name = format!("mutants-io-bare-{}.tmp", std::process::id());
    atomic_write::check_writable("--csv", Path::new(&name)).unwrap();
    assert!(
        !Path::new(&name).exists(),
        "check_writable left the file behind"
    );
}

/// Only an I/O failure carries a source error; the up-front refusals carry none.
/// Killed mutants: `source -> None`, `delete match arm WriteError::Io`.
#[test]
fn atomic_write_io_errors_carry_their_source() {
    let dir = Scratch::new("mut-io-source");
    let path = dir.join("model.bin");
    let e = atomic_write::write_atomic("--save", &path, |_| Err(io::Error::other("disk full")))
        .unwrap_err();
    assert!(matches!(e, WriteError::Io { .. }), "{e:?}");
    assert_eq!(e.source().map(|s| s.to_string()), Some("disk full".into()));
    let e = atomic_write::check_writable("--save", &dir.join("no-dir").join("m.bin")).unwrap_err();
    assert!(e.source().is_none(), "{e:?}");
}

/// A stray temporary file of an earlier attempt (same name, same process id) is stepped
/// around and left alone, not clobbered nor taken for a failure.
/// Killed mutants: `replace match guard e.kind() == AlreadyExists with false` and `== with !=`
/// in `create_temp`.
#[test]
fn atomic_write_steps_around_an_existing_temporary_file() {
    let dir = Scratch::new("mut-io-stray");
    let path = dir.join("curve.csv");
    let stray = dir.join(&format!(".curve.csv.{}.0.tmp", std::process::id()));
    std::fs::write(&stray, b"not ours").unwrap();
    atomic_write::write_bytes_atomic("--csv", &path, b"rows").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"rows");
    assert_eq!(std::fs::read(&stray).unwrap(), b"not ours");
    atomic_write::check_writable("--csv", &path).unwrap();
    assert_eq!(std::fs::read(&stray).unwrap(), b"not ours");
}

/// A failure other than a taken name is reported at once, as itself: a file name too long for
/// the file system is not "100 temporary file names are all taken".
/// Killed mutant: `replace match guard e.kind() == AlreadyExists with true in create_temp`.
#[test]
fn atomic_write_other_failures_are_not_retried_as_name_clashes() {
    let dir = Scratch::new("mut-io-long");
    let path = dir.join(&"x".repeat(250));
    let e = atomic_write::check_writable("--plot", &path).unwrap_err();
    let WriteError::Io { source, .. } = &e else {
        panic!("expected an I/O error, got {e:?}");
    };
    assert_ne!(source.kind(), io::ErrorKind::AlreadyExists, "{e}");
    assert!(!e.to_string().contains("all taken"), "{e}");
}

/// `csv::write` puts the rendered rows on disk.
/// Killed mutant: `replace write -> Result<(), WriteError> with Ok(())`.
#[test]
fn csv_write_puts_the_rows_in_the_file() {
    let dir = Scratch::new("mut-io-csv");
    let path = dir.join("curve.csv");
    let rows = [EvalRow {
        epoch: 1,
        iteration: 0,
        loss: 2.5,
        train_acc: 0.1,
        test_acc: 0.125,
        elapsed_s: 0.5,
    }];
    backprop::csv::write("--csv", &path, &rows).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, backprop::csv::render(&rows));
    assert_eq!(text.lines().count(), 2);
}
