//! Helpers shared by the data tests (mnist, gzip, fuzz): a scratch directory that cleans up after itself, IDX
//! files built byte by byte, and a minimal gzip writer (stored blocks only) so that tests can
//! make gzip files without a compressor.

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed (with its content) when dropped.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    /// A unique directory: the process id and a counter keep parallel tests apart.
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("backprop-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An IDX file of unsigned bytes: magic 0x0000_08nn with n = dims.len(), dims, payload.
pub fn idx_bytes(dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(payload);
    v
}

/// An images file: `n` images of `rows x cols`, pixel (i, k) = (i * 7 + k) mod 256.
pub fn images_file(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    idx_bytes(&[n, rows, cols], &pixels(n, rows, cols))
}

pub fn pixels(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let len = (rows * cols) as usize;
    (0..n as usize * len)
        .map(|j| ((j / len) * 7 + j % len) as u8)
        .collect()
}

/// A labels file holding `labels`.
pub fn labels_file(labels: &[u8]) -> Vec<u8> {
    idx_bytes(&[labels.len() as u32], labels)
}

/// Writes a small valid dataset (train: 5 images of 3x2, test: 3 images of 3x2) into `dir`
/// under the original names and returns the expected (train labels, test labels).
pub fn write_small_dataset(dir: &TempDir) -> (Vec<u8>, Vec<u8>) {
    let train_labels = vec![3, 0, 7, 1, 3];
    let test_labels = vec![2, 9, 0];
    dir.write("train-images-idx3-ubyte", &images_file(5, 3, 2));
    dir.write("train-labels-idx1-ubyte", &labels_file(&train_labels));
    dir.write("t10k-images-idx3-ubyte", &images_file(3, 3, 2));
    dir.write("t10k-labels-idx1-ubyte", &labels_file(&test_labels));
    (train_labels, test_labels)
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks of at most
/// `block` bytes. The CRC-32 comes from the crate, which the real-gzip fixtures check.
pub fn gzip_stored(data: &[u8], block: usize) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(block).collect()
    };
    for (i, b) in blocks.iter().enumerate() {
        v.push(u8::from(i + 1 == blocks.len())); // BFINAL, BTYPE 00, then pad to a byte
        let len = b.len() as u16;
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(&(!len).to_le_bytes());
        v.extend_from_slice(b);
    }
    v.extend_from_slice(&backprop::gzip::crc32_update(0, data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

/// The crate's copy of MNIST.
pub fn mnist_dir() -> &'static Path {
    Path::new(backprop::mnist::DEFAULT_DIR)
}

/// Bits written least significant first, as deflate packs them (RFC 1951 §3.1.1).
#[derive(Default)]
pub struct BitWriter {
    pub bytes: Vec<u8>,
    bit: u32,
}

impl BitWriter {
    /// `n` bits of `value`, lowest first (header fields, extra bits).
    pub fn bits(&mut self, value: u32, n: u32) {
        for i in 0..n {
            if self.bit == 0 {
                self.bytes.push(0);
            }
            let last = self.bytes.len() - 1;
            self.bytes[last] |= (((value >> i) & 1) as u8) << self.bit;
            self.bit = (self.bit + 1) % 8;
        }
    }

    /// A Huffman code of `len` bits, most significant bit first.
    pub fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.bits((code >> i) & 1, 1);
        }
    }

    pub fn align(&mut self) {
        self.bit = 0;
    }

    /// Fixed-code literal/length symbol (RFC 1951 §3.2.6).
    pub fn fixed_lit(&mut self, symbol: u32) {
        match symbol {
            0..=143 => self.code(0x30 + symbol, 8),
            144..=255 => self.code(0x190 + symbol - 144, 9),
            256..=279 => self.code(symbol - 256, 7),
            _ => self.code(0xc0 + symbol - 280, 8),
        }
    }

    /// A (length, distance) pair in the fixed code, length 3..=258, distance 1..=32768.
    pub fn fixed_match(&mut self, length: u32, distance: u32) {
        // The RFC's tables, typed again here so that the test does not trust the crate's.
        const LEN: [u32; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
            115, 131, 163, 195, 227, 258,
        ];
        const LEN_EXTRA: [u32; 29] = [
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        ];
        const DIST: [u32; 30] = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
            1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
        ];
        const DIST_EXTRA: [u32; 30] = [
            0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
            12, 13, 13,
        ];
        let l = LEN.iter().rposition(|&b| b <= length).unwrap();
        self.fixed_lit(257 + l as u32);
        self.bits(length - LEN[l], LEN_EXTRA[l]);
        let d = DIST.iter().rposition(|&b| b <= distance).unwrap();
        self.code(d as u32, 5);
        self.bits(distance - DIST[d], DIST_EXTRA[d]);
    }
}

/// The ten-byte gzip header with no optional fields.
pub const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// The gzip trailer of `data`: CRC-32 and length, little-endian.
pub fn gzip_trailer(data: &[u8]) -> Vec<u8> {
    let mut v = backprop::gzip::crc32_update(0, data).to_le_bytes().to_vec();
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

/// How a test encoder codes one segment of the data.
#[derive(Clone, Copy, Debug)]
pub enum BlockKind {
    Stored,
    Fixed,
}

/// A gzip member of `data` cut into `cuts` segments, each a block of the given kind; the
/// fixed blocks use greedy LZ77 matches (found through a table of the last few positions of
/// each 3-byte prefix, across block boundaries). A second, independent encoder: the decoder's
/// round trip against it checks the length and distance tables and the overlapping copy.
pub fn gzip_encode(data: &[u8], segments: &[(usize, BlockKind)]) -> Vec<u8> {
    use std::collections::HashMap;
    let mut w = BitWriter::default();
    w.bytes.extend_from_slice(&GZIP_HEADER);
    let mut seen: HashMap<[u8; 3], Vec<usize>> = HashMap::new();
    let remember = |seen: &mut HashMap<[u8; 3], Vec<usize>>, i: usize| {
        if i + 3 <= data.len() {
            let e = seen.entry([data[i], data[i + 1], data[i + 2]]).or_default();
            e.push(i);
            if e.len() > 8 {
                e.remove(0);
            }
        }
    };
    let mut start = 0;
    let mut plan: Vec<(usize, BlockKind)> = segments.to_vec();
    let planned: usize = plan.iter().map(|p| p.0).sum();
    if planned < data.len() || plan.is_empty() {
        plan.push((data.len().saturating_sub(planned), BlockKind::Fixed));
    }
    let nblocks = plan.len();
    for (b, &(len, kind)) in plan.iter().enumerate() {
        let end = (start + len).min(data.len());
        let last = b + 1 == nblocks;
        let end = if last { data.len() } else { end };
        w.bits(u32::from(last), 1);
        match kind {
            BlockKind::Stored => {
                w.bits(0, 2);
                w.align();
                // A stored block holds at most 65535 bytes; these segments are smaller.
                let n = (end - start) as u16;
                w.bytes.extend_from_slice(&n.to_le_bytes());
                w.bytes.extend_from_slice(&(!n).to_le_bytes());
                w.bytes.extend_from_slice(&data[start..end]);
                for i in start..end {
                    remember(&mut seen, i);
                }
            }
            BlockKind::Fixed => {
                w.bits(1, 2);
                let mut i = start;
                while i < end {
                    let mut best = (0, 0);
                    let candidates = if i + 3 <= end {
                        seen.get(&[data[i], data[i + 1], data[i + 2]])
                    } else {
                        None
                    };
                    for &c in candidates.into_iter().flatten().rev() {
                        let dist = i - c;
                        if dist > 32768 {
                            continue;
                        }
                        let mut l = 0;
                        while l < 258 && i + l < end && data[c + l] == data[i + l] {
                            l += 1;
                        }
                        if l > best.0 {
                            best = (l, dist);
                        }
                    }
                    if best.0 >= 3 {
                        w.fixed_match(best.0 as u32, best.1 as u32);
                        for k in i..i + best.0 {
                            remember(&mut seen, k);
                        }
                        i += best.0;
                    } else {
                        w.fixed_lit(u32::from(data[i]));
                        remember(&mut seen, i);
                        i += 1;
                    }
                }
                w.fixed_lit(256);
            }
        }
        start = end;
    }
    w.align();
    let mut out = w.bytes;
    out.extend_from_slice(&gzip_trailer(data));
    out
}

/// A committed fixture under tests/fixtures/gzip.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gzip")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
