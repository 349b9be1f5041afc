//! The trained parameters on disk (`backprop train --save PATH`), in a small binary format of
//! our own, read back by `predict` and `eval`.
//!
//! ```text
//! offset  size           field
//! 0       8              magic: the ASCII bytes "BACKPROP"
//! 8       4              format version, u32 little-endian: 1
//! 12      4              input_size  (784 for MNIST), u32 LE
//! 16      4              hidden_size (50 in the slides), u32 LE
//! 20      4              output_size (10), u32 LE
//! 24      4*i*h          W1, row-major (input_size rows of hidden_size), f32 LE
//! ..      4*h            b1, f32 LE
//! ..      4*h*o          W2, row-major (hidden_size rows of output_size), f32 LE
//! ..      4*o            b2, f32 LE
//! end-8   8              FNV-1a 64-bit hash of every byte before it, u64 LE
//! ```
//!
//! The default model (784-50-10) is 24 + 4 · 39,760 + 8 = 159,072 bytes.
//!
//! Loading checks, in this order and each with its own error: the magic, the version, the
//! shapes (none zero, none absurd), the file length the shapes imply (truncated or with
//! trailing bytes), the checksum, and that every parameter is a finite number. The length is
//! checked before anything is allocated, so a corrupt header cannot ask for gigabytes.
//!
//! The checksum is FNV-1a (Fowler, Noll, Vo) over 64 bits: each step XORs in one byte and
//! multiplies by an odd constant, both invertible, so changing any single byte always changes
//! the hash. It guards against damage, not against tampering.
//!
//! Writing is atomic (see [`crate::atomic_write`]): a crash never leaves half a model.
//! The slides keep their parameters in a Python dict and never save them (the book pickles them).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::Matrix;
use crate::atomic_write::{WriteError, write_bytes_atomic};
use crate::rng::Rng;
use crate::two_layer_net::TwoLayerNet;

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"BACKPROP";
/// The format version this code writes and reads.
pub const VERSION: u32 = 1;
/// Bytes before the parameters: magic, version, three sizes.
pub const HEADER_LEN: usize = 24;
/// Bytes after the parameters: the checksum.
pub const CHECKSUM_LEN: usize = 8;
/// The largest parameter count we accept (far above any network this program trains:
/// 784-10000-10 has under 8 million), so that a damaged header is caught as such.
pub const MAX_PARAMETERS: u64 = 1 << 28;

/// The four parameter matrices of a `TwoLayerNet`: `W1` (input x hidden), `b1` (1 x hidden),
/// `W2` (hidden x output), `b2` (1 x output), the slides' `params` dict.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub w1: Matrix,
    pub b1: Matrix,
    pub w2: Matrix,
    pub b2: Matrix,
}

impl Params {
    /// Checks that the four shapes fit one network and returns them. Panics otherwise: the
    /// caller built them, so a misfit is a programmer error.
    #[track_caller]
    pub fn sizes(&self) -> (usize, usize, usize) {
        let (i, h) = self.w1.shape();
        let o = self.w2.cols();
        assert!(
            self.b1.shape() == (1, h) && self.w2.rows() == h && self.b2.shape() == (1, o),
            "Params: W1 {:?}, b1 {:?}, W2 {:?}, b2 {:?} do not make one network",
            self.w1.shape(),
            self.b1.shape(),
            self.w2.shape(),
            self.b2.shape()
        );
        (i, h, o)
    }

    /// A copy of a network's parameters: `network.params` in the slides.
    pub fn of(network: &TwoLayerNet) -> Params {
        Params {
            w1: network.affine1.w.clone(),
            b1: network.affine1.b.clone(),
            w2: network.affine2.w.clone(),
            b2: network.affine2.b.clone(),
        }
    }

    /// A network holding these parameters, ready to `predict`.
    pub fn into_network(self) -> TwoLayerNet {
        let (i, h, o) = self.sizes();
        // The initial weights are overwritten at once; the seed does not matter.
        let mut network = TwoLayerNet::new(i, h, o, 0.0, &mut Rng::new(0));
        network.affine1.w = self.w1;
        network.affine1.b = self.b1;
        network.affine2.w = self.w2;
        network.affine2.b = self.b2;
        network
    }
}

/// What can be wrong with the bytes of a model file.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// The first bytes are not "BACKPROP": not a model file of ours.
    BadMagic { found: Vec<u8> },
    /// A model file of another format version.
    UnsupportedVersion { found: u32 },
    /// A size of zero, or sizes whose parameter count is absurd.
    BadShape {
        input: u32,
        hidden: u32,
        output: u32,
    },
    /// Fewer bytes than the header and shapes require.
    Truncated { expected: u64, found: u64 },
    /// More bytes than the header and shapes account for.
    TrailingBytes { expected: u64, found: u64 },
    /// The stored checksum does not match the bytes: the file was damaged.
    ChecksumMismatch { stored: u64, computed: u64 },
    /// A parameter is NaN or infinite.
    NonFinite {
        parameter: &'static str,
        index: usize,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::BadMagic { found } => write!(
                f,
                "not a backprop model: expected the bytes \"BACKPROP\" first, found {}",
                show_bytes(found)
            ),
            FormatError::UnsupportedVersion { found } => write!(
                f,
                "model format version {found}, but this program reads version {VERSION}; retrain and save again"
            ),
            FormatError::BadShape {
                input,
                hidden,
                output,
            } => write!(
                f,
                "the header's sizes {input}-{hidden}-{output} make no network (each must be at least 1, at most {MAX_PARAMETERS} parameters in all): the header is damaged"
            ),
            FormatError::Truncated { expected, found } => write!(
                f,
                "truncated: the header promises {expected} bytes, the file has {found}"
            ),
            FormatError::TrailingBytes { expected, found } => write!(
                f,
                "{} unexpected bytes after the end: the header promises {expected} bytes, the file has {found}",
                found - expected
            ),
            FormatError::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:#018x}, computed {computed:#018x}): the file is damaged"
            ),
            FormatError::NonFinite { parameter, index } => write!(
                f,
                "{parameter}[{index}] is not a finite number: the model is unusable"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Up to 8 bytes, printable ones as text, for an error message.
fn show_bytes(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(8)];
    if shown.is_empty() {
        return "an empty file".to_string();
    }
    let text: String = shown
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    format!("\"{text}\"")
}

/// A model file that could not be loaded.
#[derive(Debug)]
pub enum ModelError {
    /// The file could not be read (missing, no permission, ...).
    Io { path: PathBuf, source: io::Error },
    /// The file was read but its content is wrong.
    Format { path: PathBuf, error: FormatError },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Io { path, source } if source.kind() == io::ErrorKind::NotFound => write!(
                f,
                "--model {}: no such file (make one with `backprop train --save {}`)",
                path.display(),
                path.display()
            ),
            ModelError::Io { path, source } => {
                write!(f, "--model {}: cannot read: {source}", path.display())
            }
            ModelError::Format { path, error } => {
                write!(f, "--model {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for ModelError {}

/// FNV-1a over 64 bits.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET_BASIS;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// The file length (bytes) that sizes `i`-`h`-`o` imply, or `None` if they are absurd.
fn expected_len(i: u32, h: u32, o: u32) -> Option<u64> {
    if i == 0 || h == 0 || o == 0 {
        return None;
    }
    // In u128: each size is below 2^32, so no sum of products below can overflow.
    let (i, h, o) = (u128::from(i), u128::from(h), u128::from(o));
    let count = i * h + h + h * o + o;
    if count > u128::from(MAX_PARAMETERS) {
        return None;
    }
    Some(HEADER_LEN as u64 + 4 * count as u64 + CHECKSUM_LEN as u64)
}

/// The bytes of a model file holding `p`.
pub fn encode(p: &Params) -> Vec<u8> {
    let (i, h, o) = p.sizes();
    let size = |n: usize| u32::try_from(n).expect("encode: a size above u32::MAX");
    // The capacity is the exact length when the sizes are sane (0 only reserves nothing).
    let len = expected_len(size(i), size(h), size(o)).map_or(0, |n| n as usize);
    let mut bytes = Vec::with_capacity(len);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    for n in [i, h, o] {
        bytes.extend_from_slice(&size(n).to_le_bytes());
    }
    for m in [&p.w1, &p.b1, &p.w2, &p.b2] {
        for &v in m.as_slice() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let hash = fnv1a64(&bytes);
    bytes.extend_from_slice(&hash.to_le_bytes());
    bytes
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// Reads the parameters back from the bytes of a model file, checking everything the module
/// header lists. Never panics, whatever the bytes.
pub fn decode(bytes: &[u8]) -> Result<Params, FormatError> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] || bytes.is_empty() {
        return Err(FormatError::BadMagic {
            found: bytes[..magic_len].to_vec(),
        });
    }
    let min_len = (HEADER_LEN + CHECKSUM_LEN) as u64;
    if bytes.len() < HEADER_LEN {
        return Err(FormatError::Truncated {
            expected: min_len,
            found: bytes.len() as u64,
        });
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    let (i, h, o) = (u32_at(bytes, 12), u32_at(bytes, 16), u32_at(bytes, 20));
    let Some(expected) = expected_len(i, h, o) else {
        return Err(FormatError::BadShape {
            input: i,
            hidden: h,
            output: o,
        });
    };
    let found = bytes.len() as u64;
    if found < expected {
        return Err(FormatError::Truncated { expected, found });
    }
    if found > expected {
        return Err(FormatError::TrailingBytes { expected, found });
    }
    let body_end = bytes.len() - CHECKSUM_LEN;
    let stored = u64::from_le_bytes(bytes[body_end..].try_into().expect("8 bytes"));
    let computed = fnv1a64(&bytes[..body_end]);
    if stored != computed {
        return Err(FormatError::ChecksumMismatch { stored, computed });
    }
    let (i, h, o) = (i as usize, h as usize, o as usize);
    let mut at = HEADER_LEN;
    let mut take = |name: &'static str, rows: usize, cols: usize| {
        let n = rows * cols;
        let mut data = Vec::with_capacity(n);
        for (index, chunk) in bytes[at..at + 4 * n].chunks_exact(4).enumerate() {
            let v = f32::from_le_bytes(chunk.try_into().expect("4 bytes"));
            if !v.is_finite() {
                return Err(FormatError::NonFinite {
                    parameter: name,
                    index,
                });
            }
            data.push(v);
        }
        at += 4 * n;
        Ok(Matrix::from_vec(rows, cols, data))
    };
    let w1 = take("W1", i, h)?;
    let b1 = take("b1", 1, h)?;
    let w2 = take("W2", h, o)?;
    let b2 = take("b2", 1, o)?;
    Ok(Params { w1, b1, w2, b2 })
}

/// Saves `p` to `path` atomically; an existing file there is replaced (the user named it).
pub fn save(path: &Path, p: &Params) -> Result<(), WriteError> {
    write_bytes_atomic("--save", path, &encode(p))
}

/// Loads a model file.
pub fn load(path: &Path) -> Result<Params, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&bytes).map_err(|error| ModelError::Format {
        path: path.to_path_buf(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;

    fn params(i: usize, h: usize, o: usize) -> Params {
        let mut rng = Rng::new(7);
        Params {
            w1: Matrix::randn(i, h, 0.1, &mut rng),
            b1: Matrix::randn(1, h, 0.1, &mut rng),
            w2: Matrix::randn(h, o, 0.1, &mut rng),
            b2: Matrix::randn(1, o, 0.1, &mut rng),
        }
    }

    #[test]
    fn round_trip_is_exact_and_the_length_is_as_documented() {
        let p = params(784, 50, 10);
        let bytes = encode(&p);
        assert_eq!(bytes.len(), 159_072);
        assert_eq!(&bytes[..8], b"BACKPROP");
        assert_eq!(decode(&bytes).unwrap(), p);
    }

    #[test]
    fn fnv1a_known_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn every_single_byte_flip_is_caught() {
        let p = params(3, 2, 2);
        let bytes = encode(&p);
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x10;
            assert!(decode(&bad).is_err(), "flip at byte {at} went unnoticed");
        }
    }

    #[test]
    fn each_corruption_has_its_own_error() {
        let bytes = encode(&params(4, 3, 2));
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(matches!(decode(&magic), Err(FormatError::BadMagic { .. })));
        let mut version = bytes.clone();
        version[8] = 2;
        assert_eq!(
            decode(&version),
            Err(FormatError::UnsupportedVersion { found: 2 })
        );
        let mut zero = bytes.clone();
        zero[16..20].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(decode(&zero), Err(FormatError::BadShape { .. })));
        let mut huge = bytes.clone();
        huge[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode(&huge), Err(FormatError::BadShape { .. })));
        let n = bytes.len() as u64;
        assert_eq!(
            decode(&bytes[..bytes.len() - 1]),
            Err(FormatError::Truncated {
                expected: n,
                found: n - 1
            })
        );
        assert!(matches!(
            decode(&bytes[..10]),
            Err(FormatError::Truncated { .. })
        ));
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            decode(&long),
            Err(FormatError::TrailingBytes { .. })
        ));
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 5] ^= 1;
        assert!(matches!(
            decode(&flipped),
            Err(FormatError::ChecksumMismatch { .. })
        ));
        assert!(matches!(decode(&[]), Err(FormatError::BadMagic { .. })));
    }

    #[test]
    fn a_nan_with_a_valid_checksum_is_refused() {
        let mut p = params(2, 2, 2);
        p.w2.set(1, 0, f32::NAN);
        let bytes = encode(&p);
        assert_eq!(
            decode(&bytes),
            Err(FormatError::NonFinite {
                parameter: "W2",
                index: 2
            })
        );
    }
}
