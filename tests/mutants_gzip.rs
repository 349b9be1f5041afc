//! Tests that `cargo mutants` asked for in the gzip reader: each one fails on a mutant the
//! tests in gzip.rs let through, named in its doc comment (README, Contributing, says how to
//! run it).

mod data_common;

use std::io::Read;

use backprop::gzip::{self, GzDecoder};
use data_common::{BitWriter, GZIP_HEADER, gzip_trailer};

/// A gzip member of `n` zero bytes in one fixed-Huffman block: a literal 0, then matches of
/// length 258 at distance 1 (and one shorter match for the rest). About 1 bit of input per 20
/// bytes of output.
fn zeros_member(n: usize) -> Vec<u8> {
    assert!(n >= 4);
    let mut w = BitWriter::default();
    w.bytes.extend_from_slice(&GZIP_HEADER);
    w.bits(1, 1); // BFINAL
    w.bits(1, 2); // fixed codes
    w.fixed_lit(0);
    let mut left = n - 1;
    while left > 0 {
        // A match is 3..=258 long: never leave 1 or 2 bytes for the last one.
        let take = if left > 258 && left - 258 < 3 {
            200
        } else {
            left.min(258)
        };
        if take < 3 {
            for _ in 0..take {
                w.fixed_lit(0);
            }
        } else {
            w.fixed_match(take as u32, 1);
        }
        left -= take;
    }
    w.fixed_lit(256);
    w.align();
    let mut gz = w.bytes;
    gz.extend_from_slice(&gzip_trailer(&vec![0u8; n]));
    gz
}

/// Streaming a long output keeps only the 32 KiB window and about a chunk (128 KiB) of output:
/// the memory held does not grow with the stream (here 4 MiB, read 4 KiB at a time).
/// Killed mutants: in `read`, `>` → `==` and `+` → `*` in `out.len() > WINDOW + CHUNK`, and
/// `-` → `/` in `drain(..out.len() - WINDOW)` (each keeps every byte decoded); `held` → 0 / 1.
#[test]
fn memory_held_stays_bounded_by_the_window_and_a_chunk() {
    const WINDOW: usize = 32 * 1024;
    const CHUNK: usize = 128 * 1024;
    let n = 4 << 20;
    let gz = zeros_member(n);
    let mut d = GzDecoder::new(&gz[..]);
    let mut buf = [0u8; 4096];
    let (mut total, mut most) = (0, 0);
    loop {
        let k = d.read(&mut buf).expect("a valid member");
        if k == 0 {
            break;
        }
        assert!(buf[..k].iter().all(|&b| b == 0));
        total += k;
        most = most.max(d.held());
    }
    assert_eq!(total, n);
    assert!(
        most >= WINDOW,
        "the window must be kept: held at most {most} bytes"
    );
    assert!(
        most <= WINDOW + 2 * CHUNK + 258,
        "held {most} bytes while streaming {n}"
    );
}

/// The hand-made member is right, so the test above tests the decoder, not its input.
#[test]
fn the_zeros_member_decodes_whole() {
    for n in [4, 259, 260, 261, 1000] {
        assert_eq!(
            gzip::decompress(&zeros_member(n)).unwrap(),
            vec![0u8; n],
            "{n}"
        );
    }
}

/// A reader of `data` whose first read fails with `first_error`, then reads normally.
struct FailsOnce<'a> {
    data: &'a [u8],
    first_error: Option<std::io::ErrorKind>,
}

impl Read for FailsOnce<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(kind) = self.first_error.take() {
            return Err(std::io::Error::new(kind, "the disk hiccups"));
        }
        self.data.read(buf)
    }
}

/// An interrupted read of the compressed file is retried; any other read error is the
/// caller's, unchanged, and not retried. Killed mutants: the `Interrupted` match guard in
/// `refill_bytewise` replaced with `true` or `false`, and its `==` replaced with `!=`.
#[test]
fn an_interrupted_read_is_retried_and_other_read_errors_are_passed_on() {
    let gz = zeros_member(1000);
    let mut out = Vec::new();
    let mut d = GzDecoder::new(FailsOnce {
        data: &gz,
        first_error: Some(std::io::ErrorKind::Interrupted),
    });
    d.read_to_end(&mut out)
        .expect("an interrupted read is retried");
    assert_eq!(out, vec![0u8; 1000]);

    let mut d = GzDecoder::new(FailsOnce {
        data: &gz,
        first_error: Some(std::io::ErrorKind::PermissionDenied),
    });
    let e = d
        .read_to_end(&mut Vec::new())
        .expect_err("the read error is passed on");
    assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
    let e = gzip::GzipError::from_io(e).expect_err("a plain I/O error, not a gzip error");
    assert_eq!(e.to_string(), "the disk hiccups");
}
