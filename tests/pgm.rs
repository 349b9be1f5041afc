//! Reading 28x28 grey PGM files from disk for `predict --image`: both encodings, and an error
//! naming the file for each kind of wrong file.

mod program_common;

use backprop::pgm::{self, PgmError, PgmFormatError};
use program_common::Scratch;

/// A file name, its bytes, the error it must give, and a word the message must contain.
type Case = (
    &'static str,
    &'static [u8],
    fn(&PgmFormatError) -> bool,
    &'static str,
);

fn digit() -> Vec<u8> {
    // A plus sign: ink on rows and columns 12..16.
    (0..784)
        .map(|i| {
            let (r, c) = (i / 28, i % 28);
            if (12..16).contains(&r) || (12..16).contains(&c) {
                255
            } else {
                0
            }
        })
        .collect()
}

#[test]
fn binary_and_plain_files_read_the_same_pixels() {
    let dir = Scratch::new("pgm-read");
    let p5 = dir.join("plus.pgm");
    std::fs::write(&p5, pgm::encode_p5(&digit())).unwrap();
    assert_eq!(pgm::read(&p5).unwrap(), digit());

    let mut text = String::from("P2\n# made by hand\n28 28\n15\n");
    for (i, p) in digit().iter().enumerate() {
        text.push_str(if *p == 255 { "15" } else { "0" });
        text.push(if i % 28 == 27 { '\n' } else { ' ' });
    }
    let p2 = dir.join("plus-plain.pgm");
    std::fs::write(&p2, text).unwrap();
    assert_eq!(pgm::read(&p2).unwrap(), digit());
}

#[test]
fn wrong_files_name_themselves_and_the_fault() {
    let dir = Scratch::new("pgm-bad");
    let cases: [Case; 4] = [
        (
            "colour.ppm",
            b"P6\n28 28\n255\n",
            |e| matches!(e, PgmFormatError::NotPgm { .. }),
            "colour",
        ),
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n",
            |e| matches!(e, PgmFormatError::NotPgm { .. }),
            "P5",
        ),
        (
            "big.pgm",
            b"P5 64 64 255\n",
            |e| {
                matches!(
                    e,
                    PgmFormatError::WrongSize {
                        width: 64,
                        height: 64
                    }
                )
            },
            "64x64",
        ),
        (
            "short.pgm",
            b"P5 28 28 255\n\x00\x01",
            |e| {
                matches!(
                    e,
                    PgmFormatError::Truncated {
                        expected: 784,
                        found: 2
                    }
                )
            },
            "truncated",
        ),
    ];
    for (name, bytes, is, says) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        match pgm::read(&path) {
            Err(e @ PgmError::Format { .. }) => {
                let PgmError::Format { error, .. } = &e else {
                    unreachable!()
                };
                assert!(is(error), "{name}: {error:?}");
                let msg = e.to_string();
                assert!(msg.contains(name) && msg.contains(says), "{msg}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    match pgm::read(&dir.join("absent.pgm")) {
        Err(e @ PgmError::Io { .. }) => assert!(e.to_string().contains("absent.pgm")),
        other => panic!("{other:?}"),
    }
}
