//! Fuzzing with proptest (the project is std only, so no fuzzing crate): random and mutated
//! bytes into the gzip reader and the IDX reader. Nothing may panic or hang; the result is
//! always an error or the right bytes; the output never exceeds what the input can justify
//! (deflate's most is 1032 bytes per input byte); an IDX payload is never larger than its file
//! (or 1032 × a gzip file).
//!
//! Each property runs 10,000 cases by default, a few seconds in all. A longer local run:
//! `FUZZ_CASES=1000000 cargo test --release --test fuzz_inputs`.

mod data_common;

use std::io::{Cursor, Read};
use std::path::Path;

use backprop::gzip::{self, GzDecoder, GzipError};
use backprop::idx;
use data_common::{GZIP_HEADER, fixture, gzip_stored, images_file, labels_file};
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

/// Decodes `gz` in 4 KiB reads, checking that the output stays within deflate's bound of
/// 1032 bytes per input byte at every step (an endless or runaway decoder fails here).
fn decode_bounded(gz: &[u8]) -> Result<Vec<u8>, GzipError> {
    let bound = 1032 * gz.len();
    let mut d = GzDecoder::new(gz);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match d.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return Err(GzipError::from_io(e).expect("a slice never fails to read")),
        }
        assert!(
            out.len() <= bound,
            "{} bytes out of {} in",
            out.len(),
            gz.len()
        );
    }
}

/// Real gzip output with what it decompresses to (small enough for many cases).
fn valid_members() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut v: Vec<(Vec<u8>, Vec<u8>)> = [
        "small.txt",
        "short.txt",
        "runs.bin",
        "text.txt",
        "skewed.bin",
    ]
    .iter()
    .flat_map(|name| [1, 9].map(|level| (fixture(&format!("{name}.{level}.gz")), fixture(name))))
    .collect();
    v.push((fixture("empty.txt.gz"), Vec::new()));
    v.push((
        gzip_stored(b"stored blocks, several of them", 7),
        b"stored blocks, several of them".to_vec(),
    ));
    v
}

#[test]
fn gzip_arbitrary_bytes() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..600), |bytes| {
            let _ = decode_bounded(&bytes);
            Ok(())
        })
        .unwrap();
}

#[test]
fn gzip_valid_header_then_arbitrary_blocks() {
    // Past the header, the first three bits choose the block type: try each.
    let strategy = (0u8..8, prop::collection::vec(any::<u8>(), 0..600));
    runner()
        .run(&strategy, |(first, rest)| {
            let mut gz = GZIP_HEADER.to_vec();
            gz.push(first | (rest.first().copied().unwrap_or(0) & 0xf8));
            gz.extend_from_slice(&rest);
            let _ = decode_bounded(&gz);
            Ok(())
        })
        .unwrap();
}

#[test]
fn gzip_mutated_real_files_give_an_error_or_the_right_bytes() {
    let members = valid_members();
    let strategy = (
        0..members.len(),
        prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
    );
    runner()
        .run(&strategy, |(which, flips)| {
            let (gz, original) = &members[which];
            let mut bad = gz.clone();
            for (at, x) in &flips {
                let i = at.index(bad.len());
                bad[i] ^= x;
            }
            if let Ok(out) = decode_bounded(&bad) {
                // Only header bytes that carry no meaning (time, OS, name) may change freely;
                // anything else must be caught by a check or the CRC.
                prop_assert!(
                    out == *original,
                    "mutation {flips:?} of member {which} decoded wrongly"
                );
            }
            Ok(())
        })
        .unwrap();
}

/// Every proper prefix of a valid member is truncated; every single-byte change is an error
/// or decodes to the right bytes. Exhaustive over the small members (fixed, dynamic and stored
/// blocks, the empty file): all 255 changes of every byte. Over the real MNIST test labels
/// (4540 bytes, one dynamic block): one change of every byte, a flip of bit i mod 8 (all
/// eight flips of every byte took ten seconds).
#[test]
fn gzip_every_truncation_and_every_single_byte_corruption() {
    let mut members = vec![
        (fixture("small.txt.9.gz"), fixture("small.txt")),
        (fixture("short.txt.9.gz"), fixture("short.txt")),
        (fixture("empty.txt.gz"), Vec::new()),
        (
            gzip_stored(b"in 3 stored blocks", 7),
            b"in 3 stored blocks".to_vec(),
        ),
    ];
    members.push((
        fixture("t10k-labels-idx1-ubyte.gz"),
        std::fs::read(data_common::mnist_dir().join("t10k-labels-idx1-ubyte")).unwrap(),
    ));
    for (gz, original) in &members {
        for cut in 0..gz.len() {
            assert_eq!(
                decode_bounded(&gz[..cut]),
                Err(GzipError::Truncated),
                "cut at {cut}"
            );
        }
        let small = gz.len() <= 400;
        let mut bad = gz.clone();
        for i in 0..gz.len() {
            let changes: Vec<u8> = if small {
                (1..=255).collect()
            } else {
                vec![1 << (i % 8)]
            };
            for &x in &changes {
                bad[i] ^= x;
                if let Ok(out) = decode_bounded(&bad) {
                    assert!(out == *original, "byte {i} ^ {x:#04x} decoded wrongly");
                }
                bad[i] ^= x;
            }
        }
    }
}

// ---- the IDX reader ------------------------------------------------------------------------

/// Reads `bytes` as an images file and as a labels file, named `name`; checks what comes out.
fn read_idx_both_ways(bytes: &[u8], name: &str) -> Result<(), TestCaseError> {
    let path = Path::new(name);
    let gz = name.ends_with(".gz") || bytes.starts_with(&gzip::MAGIC);
    let most = if gz { 1032 * bytes.len() } else { bytes.len() };
    if let Ok(im) = idx::read_images_from(Cursor::new(bytes), path) {
        prop_assert_eq!(im.pixels.len(), im.len * im.rows * im.cols);
        prop_assert!(im.pixels.len() <= most);
        prop_assert!(im.len > 0 && im.rows > 0 && im.cols > 0);
    }
    if let Ok(labels) = idx::read_labels_from(Cursor::new(bytes), path) {
        prop_assert!(!labels.is_empty() && labels.len() <= most);
    }
    Ok(())
}

#[test]
fn idx_arbitrary_bytes() {
    // Random bytes, and random bytes behind a valid magic and small dims, so that the
    // size checks are reached, not only the magic.
    let strategy = (
        prop::collection::vec(any::<u8>(), 0..300),
        prop_oneof![
            Just(None),
            (any::<bool>(), 0u32..20, 0u32..20, 0u32..20).prop_map(Some)
        ],
        any::<bool>(),
    );
    runner()
        .run(&strategy, |(tail, head, gz_name)| {
            let mut bytes = Vec::new();
            if let Some((images, a, b, c)) = head {
                if images {
                    bytes.extend_from_slice(&[0, 0, 8, 3]);
                    for d in [a, b, c] {
                        bytes.extend_from_slice(&d.to_be_bytes());
                    }
                } else {
                    bytes.extend_from_slice(&[0, 0, 8, 1]);
                    bytes.extend_from_slice(&a.to_be_bytes());
                }
            }
            bytes.extend_from_slice(&tail);
            read_idx_both_ways(&bytes, if gz_name { "fuzz.gz" } else { "fuzz" })
        })
        .unwrap();
}

#[test]
fn idx_mutated_valid_files() {
    let images = images_file(4, 3, 5);
    let labels = labels_file(&[3, 1, 4, 1]);
    let files = [
        images.clone(),
        labels.clone(),
        gzip_stored(&images, 9),
        gzip_stored(&labels, 5),
        fixture("t10k-labels-idx1-ubyte.gz")[..].to_vec(),
    ];
    let strategy = (
        0..files.len(),
        prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        prop::option::of(any::<prop::sample::Index>()),
    );
    runner()
        .run(&strategy, |(which, flips, cut)| {
            let mut bytes = files[which].clone();
            for (at, x) in &flips {
                let i = at.index(bytes.len());
                bytes[i] ^= x;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            read_idx_both_ways(&bytes, "mutated")
        })
        .unwrap();
}
