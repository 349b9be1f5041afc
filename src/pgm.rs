//! Reading a 28x28 grey image in the PGM format (Netpbm), binary `P5` or plain-text `P2`, for
//! `backprop predict --image FILE`. PGM is the simplest image format a paint program or
//! `convert digit.png -resize 28x28 digit.pgm` (ImageMagick) can write, and it needs no
//! decompression.
//!
//! A PGM file is a header of whitespace-separated ASCII fields (`P5`, width, height, maximum
//! grey value, with `#` comments), then the pixels row by row: for `P5` one byte each (two,
//! big-endian, when the maximum is above 255) after a single whitespace byte; for `P2` decimal
//! numbers. Each sample is scaled to 0..=255, as MNIST's pixels are.
//!
//! Only 28x28 images are accepted: resizing is an image-processing question this project
//! leaves to other tools. Any other file gets an error naming it and saying what was found.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The side of an MNIST image.
pub const SIDE: usize = 28;

/// What can be wrong with the bytes of a PGM file.
#[derive(Clone, Debug, PartialEq)]
pub enum PgmFormatError {
    /// The file does not start with `P5` or `P2`.
    NotPgm { found: String },
    /// A header field is missing or not a number.
    BadHeader { field: &'static str, found: String },
    /// The image is not 28x28.
    WrongSize { width: u64, height: u64 },
    /// The maximum grey value is 0 or above 65535.
    BadMaxval { found: u64 },
    /// Fewer pixels than width x height.
    Truncated { expected: usize, found: usize },
    /// A `P2` sample that is not a number, or is above the maximum.
    BadSample {
        index: usize,
        found: String,
        maxval: u64,
    },
    /// Bytes after the last pixel.
    TrailingData { extra: usize },
}

impl fmt::Display for PgmFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgmFormatError::NotPgm { found } => {
                let hint = match found.as_str() {
                    "P6" | "P3" => " (a colour PPM: convert it to grey first)",
                    "P4" | "P1" => " (a black-and-white PBM: convert it to grey first)",
                    _ => "",
                };
                write!(
                    f,
                    "not a grey PGM image: expected \"P5\" or \"P2\" first, found {found:?}{hint}"
                )
            }
            PgmFormatError::BadHeader { field, found } => {
                write!(f, "bad PGM header: expected the {field}, found {found:?}")
            }
            PgmFormatError::WrongSize { width, height } => write!(
                f,
                "the image is {width}x{height}; expected {SIDE}x{SIDE} (as MNIST's): resize it first"
            ),
            PgmFormatError::BadMaxval { found } => write!(
                f,
                "bad PGM header: the maximum grey value is {found}; expected 1 to 65535"
            ),
            PgmFormatError::Truncated { expected, found } => {
                write!(f, "truncated: expected {expected} pixels, found {found}")
            }
            PgmFormatError::BadSample {
                index,
                found,
                maxval,
            } => write!(
                f,
                "pixel {index}: expected a number from 0 to {maxval} (the header's maximum grey value), found {found:?}"
            ),
            PgmFormatError::TrailingData { extra } => write!(
                f,
                "{extra} unexpected bytes after the last pixel (one image per file, please)"
            ),
        }
    }
}

impl std::error::Error for PgmFormatError {}

/// A PGM file that could not be read.
#[derive(Debug)]
pub enum PgmError {
    Io {
        path: PathBuf,
        source: io::Error,
    },
    Format {
        path: PathBuf,
        error: PgmFormatError,
    },
}

impl fmt::Display for PgmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgmError::Io { path, source } => {
                write!(f, "--image {}: cannot read: {source}", path.display())
            }
            PgmError::Format { path, error } => write!(f, "--image {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for PgmError {}

/// A cursor over the header's ASCII fields.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Fields<'_> {
    /// Skips whitespace and `#` comments (to the end of the line).
    fn skip_space(&mut self) {
        while self.at < self.bytes.len() {
            match self.bytes[self.at] {
                b'#' => {
                    while self.at < self.bytes.len() && self.bytes[self.at] != b'\n' {
                        self.at += 1;
                    }
                }
                b if b.is_ascii_whitespace() => self.at += 1,
                _ => break,
            }
        }
    }

    /// The next whitespace-delimited token (possibly empty at the end of the input).
    fn token(&mut self) -> &str {
        self.skip_space();
        let start = self.at;
        while self.at < self.bytes.len()
            && !self.bytes[self.at].is_ascii_whitespace()
            && self.bytes[self.at] != b'#'
            && self.at - start < 24
        {
            self.at += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("(not text)")
    }

    fn number(&mut self, field: &'static str) -> Result<u64, PgmFormatError> {
        let t = self.token();
        t.parse::<u64>().map_err(|_| PgmFormatError::BadHeader {
            field,
            found: if t.is_empty() {
                "the end of the file".to_string()
            } else {
                t.to_string()
            },
        })
    }
}

/// The 784 pixels (row by row, 0 = black, 255 = white) of a 28x28 PGM file's bytes.
pub fn decode(bytes: &[u8]) -> Result<Vec<u8>, PgmFormatError> {
    let magic: String = String::from_utf8_lossy(&bytes[..bytes.len().min(2)]).into_owned();
    let plain = match magic.as_str() {
        "P5" => false,
        "P2" => true,
        _ => return Err(PgmFormatError::NotPgm { found: magic }),
    };
    let mut fields = Fields { bytes, at: 2 };
    let width = fields.number("width")?;
    let height = fields.number("height")?;
    let maxval = fields.number("maximum grey value")?;
    if width != SIDE as u64 || height != SIDE as u64 {
        return Err(PgmFormatError::WrongSize { width, height });
    }
    if maxval == 0 || maxval > 65535 {
        return Err(PgmFormatError::BadMaxval { found: maxval });
    }
    let n = SIDE * SIDE;
    let scale = |v: u64| ((v * 255 + maxval / 2) / maxval) as u8;
    let mut pixels = Vec::with_capacity(n);
    if plain {
        for index in 0..n {
            let t = fields.token();
            if t.is_empty() {
                return Err(PgmFormatError::Truncated {
                    expected: n,
                    found: index,
                });
            }
            match t.parse::<u64>() {
                Ok(v) if v <= maxval => pixels.push(scale(v)),
                _ => {
                    return Err(PgmFormatError::BadSample {
                        index,
                        found: t.to_string(),
                        maxval,
                    });
                }
            }
        }
        fields.skip_space();
        let extra = bytes.len() - fields.at;
        if extra > 0 {
            return Err(PgmFormatError::TrailingData { extra });
        }
    } else {
        // Exactly one whitespace byte separates the header from the raster.
        let at = fields.at;
        if at >= bytes.len() || !bytes[at].is_ascii_whitespace() {
            return Err(PgmFormatError::Truncated {
                expected: n,
                found: 0,
            });
        }
        let raster = &bytes[at + 1..];
        let per = if maxval > 255 { 2 } else { 1 };
        if raster.len() < n * per {
            return Err(PgmFormatError::Truncated {
                expected: n,
                found: raster.len() / per,
            });
        }
        if raster.len() > n * per {
            return Err(PgmFormatError::TrailingData {
                extra: raster.len() - n * per,
            });
        }
        for (index, s) in raster.chunks_exact(per).enumerate() {
            let v = if per == 2 {
                u64::from(u16::from_be_bytes([s[0], s[1]]))
            } else {
                u64::from(s[0])
            };
            if v > maxval {
                return Err(PgmFormatError::BadSample {
                    index,
                    found: v.to_string(),
                    maxval,
                });
            }
            pixels.push(scale(v));
        }
    }
    Ok(pixels)
}

/// Reads a 28x28 PGM file.
pub fn read(path: &Path) -> Result<Vec<u8>, PgmError> {
    let bytes = std::fs::read(path).map_err(|source| PgmError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&bytes).map_err(|error| PgmError::Format {
        path: path.to_path_buf(),
        error,
    })
}

/// The bytes of a binary (`P5`) 28x28 PGM of `pixels`: what the tests write, and a format to
/// hand to other tools.
pub fn encode_p5(pixels: &[u8]) -> Vec<u8> {
    assert_eq!(pixels.len(), SIDE * SIDE, "encode_p5: need 784 pixels");
    let mut out = format!("P5\n{SIDE} {SIDE}\n255\n").into_bytes();
    out.extend_from_slice(pixels);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Vec<u8> {
        (0..SIDE * SIDE).map(|i| (i % 256) as u8).collect()
    }

    #[test]
    fn p5_round_trip() {
        assert_eq!(decode(&encode_p5(&ramp())).unwrap(), ramp());
    }

    #[test]
    fn p2_with_comments_and_scaling() {
        let mut text = String::from("P2\n# a comment\n28 28 # another\n15\n");
        for i in 0..SIDE * SIDE {
            text.push_str(&format!("{} ", i % 16));
        }
        let px = decode(text.as_bytes()).unwrap();
        assert_eq!(px[0], 0);
        assert_eq!(px[15], 255);
        assert_eq!(px[1], 17);
    }

    #[test]
    fn sixteen_bit_p5() {
        let mut bytes = b"P5 28 28 65535\n".to_vec();
        for _ in 0..SIDE * SIDE {
            bytes.extend_from_slice(&65535u16.to_be_bytes());
        }
        assert!(decode(&bytes).unwrap().iter().all(|&p| p == 255));
    }

    #[test]
    fn each_fault_its_own_error() {
        let good = encode_p5(&ramp());
        assert!(matches!(
            decode(b"P6\n28 28\n255\n"),
            Err(PgmFormatError::NotPgm { .. })
        ));
        assert!(matches!(decode(b""), Err(PgmFormatError::NotPgm { .. })));
        assert!(matches!(
            decode(b"P5\n28 x\n255\n"),
            Err(PgmFormatError::BadHeader {
                field: "height",
                ..
            })
        ));
        assert_eq!(
            decode(b"P5\n32 32\n255\n"),
            Err(PgmFormatError::WrongSize {
                width: 32,
                height: 32
            })
        );
        assert!(matches!(
            decode(b"P5\n28 28\n0\n"),
            Err(PgmFormatError::BadMaxval { found: 0 })
        ));
        assert_eq!(
            decode(&good[..good.len() - 10]),
            Err(PgmFormatError::Truncated {
                expected: 784,
                found: 774
            })
        );
        let mut long = good.clone();
        long.extend_from_slice(b"xyz");
        assert_eq!(
            decode(&long),
            Err(PgmFormatError::TrailingData { extra: 3 })
        );
        let e = decode(b"P2 28 28 255 1 2 300").unwrap_err();
        assert!(
            matches!(e, PgmFormatError::BadSample { index: 2, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("from 0 to 255 "), "{e}");
        assert!(matches!(
            decode(b"P2 28 28 255 1 2 3"),
            Err(PgmFormatError::Truncated { found: 3, .. })
        ));
    }
}
