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
