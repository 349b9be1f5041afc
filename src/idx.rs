//! The IDX file format, the container of MNIST and of the many datasets that copy its layout
//! (Fashion-MNIST, KMNIST, EMNIST, ...): a big-endian header, then a raw `u8` payload.
//!
//! ```text
//! offset  bytes  meaning
//! 0       4      magic: 0x00 0x00, the element type (0x08 = unsigned byte), the number of dims
//! 4       4×n    the n dimensions, big-endian u32 each
//! 4+4n    ∏dims  the elements, row-major
//! ```
//!
//! MNIST uses two shapes: images (magic 2051 = 0x00000803: count, rows, cols) and labels
//! (magic 2049 = 0x00000801: count). The slides load them through `load_mnist`; this module is
//! the part of `load_mnist` that reads one file. Only the unsigned-byte element type is read:
//! every MNIST-format dataset uses it, and the other IDX types (i8, i16, i32, f32, f64) would
//! each need their own conversion.
//!
//! Every way a file can be wrong is a [`DataError`] naming the file. The header is checked
//! against the size of the file *before* the payload is allocated, so a header that claims
//! 4 billion images costs nothing. A file that starts with the gzip magic bytes (or whose name
//! ends in `.gz`) is decompressed on the fly by [`crate::gzip`], straight into the payload;
//! there the check is against the most the compressed size can hold (1032 bytes per byte),
//! and unless the gzip trailer's length agrees with the header, the payload grows only with
//! the bytes actually decompressed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::gzip::{self, GzDecoder};
use crate::mnist::DataError;

/// Magic number of an IDX file of unsigned bytes with three dims: images.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dim: labels.
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// An images file: `len` images of `rows x cols` pixels, one byte each (0 = background).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Images {
    pub len: usize,
    pub rows: usize,
    pub cols: usize,
    /// `len * rows * cols` bytes, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Reads an images file (magic 2051: count x rows x cols unsigned bytes).
pub fn read_images(path: &Path) -> Result<Images, DataError> {
    read_images_from(open(path)?, path)
}

/// Reads an images file from `source` (a file, or bytes in a `Cursor`); `path` names it in
/// errors.
pub fn read_images_from(source: impl Read + Seek, path: &Path) -> Result<Images, DataError> {
    let (dims, pixels) = read_idx(source, path, IMAGES_MAGIC)?;
    let (len, rows, cols) = (dims[0], dims[1], dims[2]);
    if len == 0 || rows == 0 || cols == 0 {
        return Err(DataError::BadDims {
            path: path.to_path_buf(),
            dims,
            why: "a dataset needs at least one image of at least 1x1 pixels",
        });
    }
    Ok(Images {
        len,
        rows,
        cols,
        pixels,
    })
}

/// Reads a labels file (magic 2049: count unsigned bytes).
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    read_labels_from(open(path)?, path)
}

/// Reads a labels file from `source`; `path` names it in errors.
pub fn read_labels_from(source: impl Read + Seek, path: &Path) -> Result<Vec<u8>, DataError> {
    let (dims, labels) = read_idx(source, path, LABELS_MAGIC)?;
    if dims[0] == 0 {
        return Err(DataError::BadDims {
            path: path.to_path_buf(),
            dims,
            why: "a dataset needs at least one label",
        });
    }
    Ok(labels)
}

/// The largest ratio of output to input deflate can reach: a 258-byte match coded in 2 bits
/// (1-bit length code, 1-bit distance code) gives 258 × 4 = 1032 bytes per input byte.
pub const DEFLATE_MAX_RATIO: u64 = 1032;

/// What the file itself says about how many bytes it holds after decompression, checked
/// against the header before the payload is allocated.
enum Size {
    /// An uncompressed file: its length.
    Exact(u64),
    /// A gzip file of `compressed` bytes whose trailer records the decompressed length
    /// modulo 2^32 (RFC 1952's ISIZE).
    Gzip { compressed: u64, isize: u32 },
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The payload's source: the bytes as stored, or decompressed on the fly.
enum Source<R> {
    Raw(R),
    Gzip(GzDecoder<R>),
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Raw(r) => r.read(buf),
            Source::Gzip(g) => g.read(buf),
        }
    }
}

/// Reads one IDX file of unsigned bytes whose magic must be `magic`; returns its dims and its
/// payload of exactly `∏dims` bytes.
fn read_idx(
    mut source: impl Read + Seek,
    path: &Path,
    magic: u32,
) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let io_err = |source: io::Error| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file_len = source.seek(SeekFrom::End(0)).map_err(io_err)?;
    source.seek(SeekFrom::Start(0)).map_err(io_err)?;

    let mut first = [0u8; 2];
    let got = read_full(&mut source, &mut first).map_err(io_err)?;
    let is_gzip = (got == 2 && first == gzip::MAGIC) || has_gz_extension(path);

    let (mut reader, size) = if is_gzip {
        // ISIZE, the last four bytes: the decompressed length mod 2^32.
        let mut isize = [0u8; 4];
        if file_len >= 4 {
            source.seek(SeekFrom::End(-4)).map_err(io_err)?;
            source.read_exact(&mut isize).map_err(io_err)?;
        }
        source.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let size = Size::Gzip {
            compressed: file_len,
            isize: u32::from_le_bytes(isize),
        };
        (Source::Gzip(GzDecoder::new(source)), size)
    } else {
        source.seek(SeekFrom::Start(0)).map_err(io_err)?;
        (Source::Raw(source), Size::Exact(file_len))
    };
    let err = |e: io::Error| stream_error(path, e);

    // The header: magic, then one big-endian u32 per dim.
    let ndims = (magic & 0xff) as usize;
    let header_len = 4 + 4 * ndims;
    let mut header = vec![0u8; header_len];
    let got = read_full(&mut reader, &mut header).map_err(err)?;
    if got < 4 {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            what: "header",
            needed: header_len as u64,
            found: got as u64,
        });
    }
    let found_magic = be_u32(&header[0..4]);
    if found_magic != magic {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            found: found_magic,
        });
    }
    if got < header_len {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            what: "header",
            needed: header_len as u64,
            found: got as u64,
        });
    }
    let dims32: Vec<u32> = header[4..].chunks(4).map(be_u32).collect();
    let dims: Vec<usize> = dims32.iter().map(|&d| d as usize).collect();

    // The payload size the header claims, in u64 so that no product of u32 dims can overflow
    // unnoticed (three of them can: they saturate, and no file is that large).
    let payload = dims32
        .iter()
        .fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)));
    let total = payload.saturating_add(header_len as u64);

    // Header against file, before allocating. An uncompressed file must be exactly as long
    // as the header says (a file too long is caught after the payload, as for gzip). A gzip
    // file cannot hold more than 1032 bytes per compressed byte; when its trailer's length
    // agrees with the header, the payload is allocated at once, otherwise it grows with the
    // data actually decompressed, and the gzip reader or the checks below say what is wrong.
    let exact = match size {
        Size::Exact(file_len) => {
            if file_len < total {
                return Err(DataError::Truncated {
                    path: path.to_path_buf(),
                    what: "payload",
                    needed: total,
                    found: file_len,
                });
            }
            true
        }
        Size::Gzip { compressed, isize } => {
            if total > compressed.saturating_mul(DEFLATE_MAX_RATIO) {
                return Err(DataError::TooLargeForFile {
                    path: path.to_path_buf(),
                    dims,
                    needed: total,
                    compressed,
                });
            }
            trailer_agrees(total, isize)
        }
    };
    let payload = usize::try_from(payload).map_err(|_| DataError::BadDims {
        path: path.to_path_buf(),
        dims: dims.clone(),
        why: "the payload does not fit in this machine's address space",
    })?;

    let mut data = Vec::with_capacity(if exact { payload } else { 0 });
    (&mut reader)
        .take(payload as u64)
        .read_to_end(&mut data)
        .map_err(err)?;
    if data.len() < payload {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            what: "payload",
            needed: total,
            found: (header_len + data.len()) as u64,
        });
    }
    // The end must come right after the payload. Reading on to the end also makes the gzip
    // decoder check its trailer (CRC-32 and length).
    let mut rest = [0u8; 4096];
    let extra = read_full(&mut reader, &mut rest).map_err(err)?;
    if extra > 0 {
        let mut more = 0u64;
        loop {
            let n = read_full(&mut reader, &mut rest).map_err(err)?;
            if n == 0 {
                break;
            }
            more += n as u64;
        }
        return Err(DataError::TrailingGarbage {
            path: path.to_path_buf(),
            needed: total,
            found: total + extra as u64 + more,
        });
    }
    Ok((dims, data))
}

/// Whether a gzip trailer's ISIZE (the length mod 2^32) agrees with the header's `total`: then
/// the payload is allocated at once. It only sizes that first allocation, never the result.
#[cfg_attr(miri, mutants::skip)] // only picks a Vec capacity: no mutant can change the output
fn trailer_agrees(total: u64, isize: u32) -> bool {
    total as u32 == isize
}

/// Fills `buf` as far as the reader goes; returns how many bytes it got (less only at the end).
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A read error as a `DataError`: a gzip error keeps its own variant, anything else is I/O.
fn stream_error(path: &Path, e: io::Error) -> DataError {
    let path: PathBuf = path.to_path_buf();
    match gzip::GzipError::from_io(e) {
        Ok(source) => DataError::Gzip { path, source },
        Err(source) => DataError::Io { path, source },
    }
}

fn has_gz_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}
