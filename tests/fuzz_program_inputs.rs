//! Fuzzing with proptest the two readers of the program's own inputs: the model loader and the
//! PGM reader. Random bytes, and valid files with bytes changed, cut off or added. Nothing may
//! panic; a model file is accepted only if it is exactly what `encode` would write for the
//! parameters read (so every change to a good file is caught); a PGM gives 784 pixels or an
//! error.
//!
//! 10,000 cases per property by default, seconds in all; a longer local run:
//! `FUZZ_CASES=1000000 cargo test --release --test fuzz_program_inputs`.

use backprop::model_file::{self, FormatError, Params};
use backprop::{Matrix, Rng, pgm};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

/// A runner with a fixed seed (the same cases on every run) and no regression files.
fn runner() -> TestRunner {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// A small valid model file (3-4-2: 34 parameters, 168 bytes).
fn small_model() -> Vec<u8> {
    let mut rng = Rng::new(1);
    model_file::encode(&Params {
        w1: Matrix::randn(3, 4, 0.5, &mut rng),
        b1: Matrix::randn(1, 4, 0.5, &mut rng),
        w2: Matrix::randn(4, 2, 0.5, &mut rng),
        b2: Matrix::randn(1, 2, 0.5, &mut rng),
    })
}

/// The model property: decoding never panics, and succeeds only on bytes that re-encode to
/// themselves.
fn check_model(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(p) = model_file::decode(bytes) {
        prop_assert_eq!(model_file::encode(&p), bytes.to_vec());
    }
    Ok(())
}

/// Edits applied to a valid file: set a byte, cut the end, insert a byte.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
            any::<usize>().prop_map(Edit::Truncate),
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        ],
        1..4,
    )
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        match *e {
            Edit::Set(i, b) if !bytes.is_empty() => {
                let n = bytes.len();
                bytes[i % n] = b;
            }
            Edit::Truncate(n) => bytes.truncate(n % (bytes.len() + 1)),
            Edit::Insert(i, b) => {
                let n = bytes.len();
                bytes.insert(i % (n + 1), b);
            }
            Edit::Set(..) => {}
        }
    }
    bytes
}

#[test]
fn random_bytes_never_make_a_model() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
            prop_assert!(model_file::decode(&bytes).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_headers_after_the_magic_are_refused_without_panic() {
    // The magic and version right, then random sizes and a random body: exercises the size
    // checks (zero, overflow, too large) and the length checks.
    let strategy = (
        any::<[u32; 3]>(),
        prop::collection::vec(any::<u8>(), 0..512),
        any::<bool>(),
    );
    runner()
        .run(&strategy, |(sizes, body, small)| {
            let mut bytes = b"BACKPROP".to_vec();
            bytes.extend_from_slice(&1u32.to_le_bytes());
            for s in sizes {
                // Half the cases use sizes small enough for the body to almost fit.
                let s = if small { s % 4 } else { s };
                bytes.extend_from_slice(&s.to_le_bytes());
            }
            bytes.extend_from_slice(&body);
            check_model(&bytes)
        })
        .unwrap();
}

#[test]
fn every_edit_of_a_good_model_is_caught() {
    let good = small_model();
    runner()
        .run(&edits(), |edits| {
            let bad = apply(good.clone(), &edits);
            if bad == good {
                prop_assert!(model_file::decode(&bad).is_ok());
            } else {
                let e = model_file::decode(&bad);
                prop_assert!(e.is_err(), "an edited model was accepted: {:?}", edits);
                // The error message is printable and says something.
                prop_assert!(!e.unwrap_err().to_string().is_empty());
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn every_truncation_and_every_single_byte_change_of_a_good_model() {
    let good = small_model();
    for n in 0..good.len() {
        assert!(
            model_file::decode(&good[..n]).is_err(),
            "accepted {n} of {} bytes",
            good.len()
        );
    }
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut bad = good.clone();
            bad[i] ^= 1 << bit;
            let e = model_file::decode(&bad).expect_err("a flipped bit went unnoticed");
            if i >= model_file::HEADER_LEN {
                assert!(
                    matches!(e, FormatError::ChecksumMismatch { .. }),
                    "byte {i}: {e:?}"
                );
            }
        }
    }
}

fn pgm_property(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(px) = pgm::decode(bytes) {
        prop_assert_eq!(px.len(), 784);
    }
    Ok(())
}

#[test]
fn random_bytes_into_the_pgm_reader() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..1024), |bytes| {
            pgm_property(&bytes)
        })
        .unwrap();
    // The same with a PGM magic in front, so the header parser is what gets fuzzed.
    runner()
        .run(
            &(any::<bool>(), prop::collection::vec(any::<u8>(), 0..1024)),
            |(plain, rest)| {
                let mut bytes = if plain {
                    b"P2 ".to_vec()
                } else {
                    b"P5 ".to_vec()
                };
                bytes.extend_from_slice(&rest);
                pgm_property(&bytes)
            },
        )
        .unwrap();
}

#[test]
fn edits_of_good_pgm_files() {
    let pixels: Vec<u8> = (0..784).map(|i| (i * 7 % 256) as u8).collect();
    let p5 = pgm::encode_p5(&pixels);
    let mut p2 = b"P2\n# c\n28 28\n255\n".to_vec();
    for p in &pixels {
        p2.extend_from_slice(format!("{p} ").as_bytes());
    }
    for good in [p5, p2] {
        runner()
            .run(&edits(), |edits| pgm_property(&apply(good.clone(), &edits)))
            .unwrap();
    }
}
