//! The std-only gzip reader against real `gzip` output (levels 1, 6 and 9: stored, fixed and
//! dynamic blocks, multi-block files, the real MNIST test labels), against a second encoder
//! written in the tests, and one crafted input per error.

mod data_common;

use std::io::Read;

use backprop::gzip::{self, BlockCounts, GzDecoder, GzipError};
use data_common::{BitWriter, BlockKind, GZIP_HEADER, fixture, gzip_encode, gzip_trailer};
use proptest::prelude::*;

/// Decompresses `gz` through the streaming decoder, one input byte and at most seven output
/// bytes per call: every resumption point of the decoder is crossed.
fn decompress_trickle(gz: &[u8]) -> (Result<Vec<u8>, GzipError>, BlockCounts) {
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let mut d = GzDecoder::new(OneByte(gz));
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        match d.read(&mut buf) {
            Ok(0) => return (Ok(out), d.blocks()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (Err(GzipError::from_io(e).unwrap()), d.blocks()),
        }
    }
}

fn blocks_of(gz: &[u8]) -> BlockCounts {
    let mut d = GzDecoder::new(gz);
    std::io::copy(&mut d, &mut std::io::sink()).expect("valid fixture");
    d.blocks()
}

fn err(gz: &[u8]) -> GzipError {
    match gzip::decompress(gz) {
        Ok(out) => panic!("decoded {} bytes, expected an error", out.len()),
        Err(e) => e,
    }
}

#[test]
fn crc32_check_value() {
    // The standard check value of CRC-32/ISO-HDLC.
    assert_eq!(gzip::crc32_update(0, b"123456789"), 0xCBF4_3926);
    assert_eq!(gzip::crc32_update(0, b""), 0);
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
    let whole = gzip::crc32_update(0, &data);
    for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
        let piecewise = gzip::crc32_update(gzip::crc32_update(0, &data[..cut]), &data[cut..]);
        assert_eq!(piecewise, whole, "cut at {cut}");
    }
}

#[test]
fn real_gzip_output_at_levels_1_6_9() {
    for name in [
        "small.txt",
        "text.txt",
        "random.bin",
        "skewed.bin",
        "runs.bin",
        "mixed.bin",
    ] {
        let original = fixture(name);
        for level in [1, 6, 9] {
            let gz = fixture(&format!("{name}.{level}.gz"));
            let out = gzip::decompress(&gz).unwrap_or_else(|e| panic!("{name} -{level}: {e}"));
            assert!(out == original, "{name} -{level}: output differs");
            let (trickled, _) = decompress_trickle(&gz);
            assert!(
                trickled.unwrap() == original,
                "{name} -{level}: trickled output differs"
            );
        }
    }
    assert_eq!(gzip::decompress(&fixture("empty.txt.gz")).unwrap(), b"");
}

#[test]
fn fixtures_cover_every_block_type() {
    // gzip stores incompressible data in stored blocks, codes tiny inputs with the fixed
    // code, and anything larger with dynamic codes, a new block every few ten thousand symbols.
    let random = blocks_of(&fixture("random.bin.1.gz"));
    assert!(
        random.stored >= 1 && random.fixed + random.dynamic == 0,
        "{random:?}"
    );
    let small = blocks_of(&fixture("small.txt.9.gz"));
    assert_eq!(
        small,
        BlockCounts {
            stored: 0,
            fixed: 1,
            dynamic: 0
        }
    );
    // mixed.bin: text, 40 KB of random bytes, text. Two blocks or more at every level; at 6
    // and 9 the random middle goes into a stored block between dynamic ones.
    for level in [1, 6, 9] {
        let mixed = blocks_of(&fixture(&format!("mixed.bin.{level}.gz")));
        assert!(mixed.dynamic >= 2, "mixed -{level}: {mixed:?}");
        if level > 1 {
            assert!(mixed.stored >= 1, "mixed -{level}: {mixed:?}");
        }
        let text = blocks_of(&fixture(&format!("text.txt.{level}.gz")));
        assert!(text.dynamic >= 1, "text -{level}: {text:?}");
    }
}

#[test]
fn gzipped_mnist_test_labels_equal_the_uncompressed_file() {
    let raw = std::fs::read(data_common::mnist_dir().join("t10k-labels-idx1-ubyte")).unwrap();
    let gz = fixture("t10k-labels-idx1-ubyte.gz");
    assert!(gzip::decompress(&gz).unwrap() == raw);
    // And through the IDX reader, which streams it.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gzip");
    let labels = backprop::idx::read_labels(&dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!(labels[..], raw[8..]);
}

#[test]
fn optional_header_fields_are_skipped_and_the_header_crc_checked() {
    let data = b"payload payload payload";
    let body = gzip_encode(data, &[(10, BlockKind::Fixed), (20, BlockKind::Stored)]);
    let mut header = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 1, 2, 3, 4, 0, 3];
    header.extend_from_slice(&[5, 0, b'x', b'y', 2, 0, b'z']); // FEXTRA: XLEN 5
    header.extend_from_slice(b"name.bin\0");
    header.extend_from_slice(b"a comment\0");
    let hcrc = gzip::crc32_update(0, &header) as u16;
    let mut gz = header.clone();
    gz.extend_from_slice(&hcrc.to_le_bytes());
    gz.extend_from_slice(&body[10..]);
    assert_eq!(gzip::decompress(&gz).unwrap(), data);

    let mut bad = header;
    bad.extend_from_slice(&(hcrc ^ 0x0100).to_le_bytes());
    bad.extend_from_slice(&body[10..]);
    assert!(matches!(err(&bad), GzipError::HeaderCrc { .. }));
}

// ---- one crafted input per error -----------------------------------------------------------

/// A gzip member whose deflate data is what `f` writes, with a trailer for `data`.
fn member(data: &[u8], f: impl FnOnce(&mut BitWriter)) -> Vec<u8> {
    let mut w = BitWriter::default();
    f(&mut w);
    let mut gz = GZIP_HEADER.to_vec();
    gz.extend_from_slice(&w.bytes);
    gz.extend_from_slice(&gzip_trailer(data));
    gz
}

#[test]
fn bad_header() {
    assert!(matches!(err(b"PK\x03\x04 zip"), GzipError::BadMagic { .. }));
    let mut gz = fixture("small.txt.6.gz");
    gz[2] = 7;
    assert_eq!(err(&gz), GzipError::BadMethod { found: 7 });
    let mut gz = fixture("small.txt.6.gz");
    gz[3] |= 0x20;
    assert!(matches!(err(&gz), GzipError::ReservedFlags { .. }));
    assert!(err(&[0x1f]).to_string().contains("truncated"));
    assert!(err(&[0x00, 0x00]).to_string().contains("1f 8b"));
}

#[test]
fn bad_block_type() {
    let gz = member(b"", |w| w.bits(0b111, 3)); // BFINAL 1, BTYPE 3
    assert_eq!(err(&gz), GzipError::BadBlockType);
}

#[test]
fn stored_length_not_complemented() {
    let gz = member(b"ab", |w| {
        w.bits(1, 3);
        w.align();
        w.bytes.extend_from_slice(&[2, 0, 0xfd, 0xfe]); // NLEN should be ff fd... wrong
        w.bytes.extend_from_slice(b"ab");
    });
    assert!(matches!(err(&gz), GzipError::StoredLength { len: 2, .. }));
}

/// A dynamic block header with the given counts and code-length-code lengths.
fn dynamic_header(w: &mut BitWriter, hlit: u32, hdist: u32, cl: &[u32]) {
    w.bits(1, 1);
    w.bits(2, 2);
    w.bits(hlit - 257, 5);
    w.bits(hdist - 1, 5);
    w.bits(cl.len() as u32 - 4, 4);
    for &l in cl {
        w.bits(l, 3);
    }
}

#[test]
fn invalid_code_lengths() {
    // 287 literal/length codes: more than 286.
    let gz = member(b"", |w| dynamic_header(w, 288, 1, &[0; 4]));
    assert!(matches!(err(&gz), GzipError::BadCodeLengths(m) if m.contains("286")));
    // 31 distance codes: more than 30.
    let gz = member(b"", |w| dynamic_header(w, 257, 31, &[0; 4]));
    assert!(matches!(err(&gz), GzipError::BadCodeLengths(m) if m.contains("30")));
    // Over-subscribed code-length code: three symbols of length 1.
    let gz = member(b"", |w| dynamic_header(w, 257, 1, &[1, 1, 1, 0]));
    assert_eq!(err(&gz), GzipError::BadCodeLengths("over-subscribed code"));
    // Incomplete code-length code: one symbol of length 2.
    let gz = member(b"", |w| dynamic_header(w, 257, 1, &[2, 0, 0, 0]));
    assert_eq!(err(&gz), GzipError::BadCodeLengths("incomplete code"));
    // Repeat code 16 first, with no length to repeat. ORDER starts 16, 17, 18, 0: give 16 and
    // 0 one bit each; canonical codes go by symbol, so 0 gets "0" and 16 gets "1".
    let gz = member(b"", |w| {
        dynamic_header(w, 257, 1, &[1, 0, 0, 1]);
        w.code(1, 1); // symbol 16
        w.bits(0, 2);
    });
    assert!(matches!(err(&gz), GzipError::BadCodeLengths(m) if m.contains("repeat")));
    // Lengths all zero (code 18 twice covers 258 lengths): no end-of-block code.
    let gz = member(b"", |w| {
        dynamic_header(w, 257, 1, &[0, 0, 1, 1]); // symbols 18 and 0
        w.code(1, 1); // 18: 11 + 127 zeros
        w.bits(127, 7);
        w.code(1, 1); // 18: 11 + 108 zeros = 258 in all
        w.bits(108, 7);
    });
    assert!(matches!(err(&gz), GzipError::BadCodeLengths(m) if m.contains("end-of-block")));
    // A repeat running past the last length.
    let gz = member(b"", |w| {
        dynamic_header(w, 257, 1, &[0, 0, 1, 1]);
        w.code(1, 1);
        w.bits(127, 7);
        w.code(1, 1);
        w.bits(127, 7); // 138 + 138 > 258
    });
    assert!(matches!(err(&gz), GzipError::BadCodeLengths(m) if m.contains("past")));
}

/// The code-length code used below: symbols 0 and 1, one bit each (ORDER puts symbol 0 at
/// position 3 and symbol 1 at position 17), so each length is sent as one bit.
const LENGTHS_0_OR_1: [u32; 18] = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

#[test]
fn a_lone_one_bit_code_is_allowed_and_its_missing_half_is_no_code() {
    // Literal/length code {'a', end-of-block}, one bit each; a distance code with a single
    // one-bit code (incomplete, which RFC 1951 allows for one code). Data: 'a', end.
    let gz = member(b"a", |w| {
        dynamic_header(w, 257, 1, &LENGTHS_0_OR_1);
        for s in 0..257 {
            w.code(u32::from(s == 97 || s == 256), 1);
        }
        w.code(1, 1); // the distance code's one length
        w.code(0, 1); // 'a'
        w.code(1, 1); // end of block
    });
    assert_eq!(gzip::decompress(&gz).unwrap(), b"a");

    // End-of-block alone, one bit (incomplete, allowed), no distance codes: the bit 1 that
    // follows matches no code.
    let gz = member(b"", |w| {
        dynamic_header(w, 257, 1, &LENGTHS_0_OR_1);
        for s in 0..257 {
            w.code(u32::from(s == 256), 1);
        }
        w.code(0, 1); // no distance code
        w.code(1, 1); // not a code
        w.bits(0, 16);
    });
    assert_eq!(err(&gz), GzipError::BadCode);

    // An incomplete literal/length code of several codes is refused: 'A' and 'B' of 2 bits
    // and end-of-block of 3 bits leave 3/8 of the patterns unused.
    let gz = member(b"", |w| {
        // Code-length code: symbols 0, 2, 3 (positions 3, 15, 13 of ORDER) get 1, 2, 2 bits,
        // so 0 -> "0", 2 -> "10", 3 -> "11".
        dynamic_header(w, 257, 1, &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2]);
        for s in 0..257 {
            match s {
                65 | 66 => w.code(0b10, 2), // length 2
                256 => w.code(0b11, 2),     // length 3
                _ => w.code(0, 1),          // length 0
            }
        }
        w.code(0, 1);
        w.bits(0, 16);
    });
    assert_eq!(err(&gz), GzipError::BadCodeLengths("incomplete code"));
}

/// Bits that match no code are a bad code when at least 15 bits (the longest code) are left
/// to read, and a truncated file when fewer are. The end-of-block-only code of the test above
/// again, with no trailer: after the bit that matches no code, the input ends with 7, 15 or 23
/// bits left (counting that bit). Killed mutants: `replace < with <=` and `with ==` on
/// `input.available() < 15` in `Huffman::decode`.
#[test]
fn no_code_near_the_end_is_bad_only_if_a_whole_code_was_there_to_read() {
    for (left, expected) in [
        (7, GzipError::Truncated),
        (15, GzipError::BadCode),
        (23, GzipError::BadCode),
    ] {
        let mut w = BitWriter::default();
        // 17 + 3 * 18 header bits, 257 + 1 length bits: the bad bit is bit 329 (329 % 8 = 1).
        dynamic_header(&mut w, 257, 1, &LENGTHS_0_OR_1);
        for s in 0..257 {
            w.code(u32::from(s == 256), 1);
        }
        w.code(0, 1); // no distance code
        w.code(1, 1); // not a code
        w.bits(0, left - 1); // ends on a byte boundary: 329 + left is a multiple of 8
        assert_eq!((329 + left) % 8, 0);
        let mut gz = GZIP_HEADER.to_vec();
        gz.extend_from_slice(&w.bytes);
        assert_eq!(err(&gz), expected, "{left} bits left");
    }
}

#[test]
fn symbols_that_are_never_valid() {
    // Literal/length 286 exists in the fixed code but means nothing.
    let gz = member(b"", |w| {
        w.bits(0b011, 3);
        w.fixed_lit(286);
        w.bits(0, 16);
    });
    assert_eq!(err(&gz), GzipError::BadSymbol { symbol: 286 });
    // Distance code 30 likewise.
    let gz = member(b"", |w| {
        w.bits(0b011, 3);
        w.fixed_lit(u32::from(b'x'));
        w.fixed_lit(257); // length 3
        w.code(30, 5);
        w.bits(0, 16);
    });
    assert_eq!(err(&gz), GzipError::BadSymbol { symbol: 30 });
}

#[test]
fn distance_too_far_back() {
    let gz = member(b"abcabc", |w| {
        w.bits(0b011, 3);
        for &c in b"abc" {
            w.fixed_lit(u32::from(c));
        }
        w.fixed_match(3, 4); // only 3 bytes so far
        w.fixed_lit(256);
    });
    assert_eq!(
        err(&gz),
        GzipError::DistanceTooFar {
            distance: 4,
            available: 3
        }
    );
    // Distance 3 is fine: the same stream decodes.
    let gz = member(b"abcabc", |w| {
        w.bits(0b011, 3);
        for &c in b"abc" {
            w.fixed_lit(u32::from(c));
        }
        w.fixed_match(3, 3);
        w.fixed_lit(256);
    });
    assert_eq!(gzip::decompress(&gz).unwrap(), b"abcabc");
}

#[test]
fn truncated_streams() {
    let gz = fixture("text.txt.6.gz");
    for cut in [0, 5, 10, 11, 100, gz.len() / 2, gz.len() - 8, gz.len() - 1] {
        assert_eq!(err(&gz[..cut]), GzipError::Truncated, "cut at {cut}");
    }
}

#[test]
fn crc_and_length_mismatch_and_trailing_data() {
    let gz = fixture("text.txt.9.gz");
    let n = gz.len();
    let mut bad = gz.clone();
    bad[n - 8] ^= 0x40;
    assert!(matches!(err(&bad), GzipError::CrcMismatch { .. }));
    let mut bad = gz.clone();
    bad[n - 4] ^= 0x01;
    assert_eq!(
        err(&bad),
        GzipError::LengthMismatch {
            stored: 30001,
            computed: 30000
        }
    );
    let mut bad = gz.clone();
    bad.push(0);
    assert_eq!(err(&bad), GzipError::TrailingData);
    // A second member is refused the same way.
    let mut two = gz.clone();
    two.extend_from_slice(&gz);
    assert_eq!(err(&two), GzipError::TrailingData);
}

#[test]
fn messages_say_what_was_expected_and_found() {
    let m = GzipError::CrcMismatch {
        stored: 1,
        computed: 2,
    }
    .to_string();
    assert!(m.contains("0x00000001") && m.contains("0x00000002"), "{m}");
    let m = GzipError::DistanceTooFar {
        distance: 9,
        available: 4,
    }
    .to_string();
    assert!(m.contains('9') && m.contains('4'), "{m}");
    let m = GzipError::BadBlockType.to_string();
    assert!(m.contains("block type 3"), "{m}");
}

#[test]
fn back_references_reach_exactly_32_kib() {
    // 32 KiB of noise, repeated: every match reaches exactly 32768 bytes back, the farthest
    // deflate allows, and the output (768 KiB) is long enough for the decoder to drop old
    // output from its buffer several times, each time just before such a match.
    let mut x = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..32768)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    let data = noise.repeat(24);
    let gz = gzip_encode(&data, &[]);
    assert!(
        gz.len() < 100_000,
        "the encoder found the matches: {} bytes",
        gz.len()
    );
    assert!(gzip::decompress(&gz).unwrap() == data);
    assert!(decompress_trickle(&gz).0.unwrap() == data);
}

// ---- against a second encoder --------------------------------------------------------------

fn data_with_repeats() -> impl Strategy<Value = Vec<u8>> {
    // Pieces of fresh bytes and copies of earlier stretches, so that matches at all distances
    // and lengths (runs too) occur.
    prop::collection::vec(
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40).prop_map(Err),
            (1usize..40_000, 1usize..600).prop_map(Ok),
        ],
        0..40,
    )
    .prop_map(|pieces| {
        let mut data: Vec<u8> = Vec::new();
        for p in pieces {
            match p {
                Err(fresh) => data.extend(fresh),
                Ok((back, len)) if !data.is_empty() => {
                    let start = data.len().saturating_sub(back);
                    for k in 0..len {
                        data.push(data[start + k]);
                    }
                }
                Ok(_) => {}
            }
        }
        data
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn round_trip_through_a_second_encoder(
        data in data_with_repeats(),
        plan in prop::collection::vec((0usize..3000, any::<bool>()), 0..6),
    ) {
        let segments: Vec<(usize, BlockKind)> = plan
            .iter()
            .map(|&(len, s)| (len, if s { BlockKind::Stored } else { BlockKind::Fixed }))
            .collect();
        let gz = gzip_encode(&data, &segments);
        prop_assert_eq!(gzip::decompress(&gz).unwrap(), data.clone());
        let (trickled, _) = decompress_trickle(&gz);
        prop_assert_eq!(trickled.unwrap(), data);
    }
}
