//! Inflate speed: decompresses a gzip file with the crate's std-only decoder and prints MB/s.
//!
//! ```text
//! gzip -9 -c data/mnist/train-images-idx3-ubyte > /tmp/train-images-idx3-ubyte.gz
//! cargo run --release --example inflate_speed -- /tmp/train-images-idx3-ubyte.gz
//! ```
//!
//! Streams through `GzDecoder` (as the IDX reader does), so the timing includes reading the
//! file, the CRC-32 and the trailer checks. Prints the best of a few runs.

use std::fs::File;
use std::io::Read;
use std::time::Instant;

use backprop::gzip::GzDecoder;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: inflate_speed FILE.gz [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = std::env::args()
        .nth(2)
        .map_or(3, |r| r.parse().unwrap_or(3));
    let mut best = f64::INFINITY;
    let mut bytes = 0u64;
    for _ in 0..runs.max(1) {
        let file = File::open(&path).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        });
        let compressed = file.metadata().map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        let mut decoder = GzDecoder::new(file);
        let mut buf = vec![0u8; 1 << 20];
        bytes = 0;
        loop {
            match decoder.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => bytes += n as u64,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    std::process::exit(1);
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        best = best.min(secs);
        println!(
            "{path}: {compressed} -> {bytes} bytes in {:.3} s, {:.1} MB/s of output",
            secs,
            bytes as f64 / secs / 1e6
        );
    }
    println!(
        "best: {:.3} s, {:.1} MB/s of output",
        best,
        bytes as f64 / best / 1e6
    );
}
