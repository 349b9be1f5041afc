//! Load time of an MNIST-format directory: `mnist::load_dir`, the files it found, the shapes.
//!
//! ```text
//! cargo run --release --example load_speed                 # data/mnist
//! cargo run --release --example load_speed -- /tmp/mnist-gz
//! ```

use std::path::PathBuf;
use std::time::Instant;

use backprop::mnist;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(mnist::DEFAULT_DIR), PathBuf::from);
    let start = Instant::now();
    let m = match mnist::load_dir(&dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let secs = start.elapsed().as_secs_f64();
    for p in &m.found {
        println!("read {}", p.display());
    }
    println!(
        "train {} x {}x{}, test {} x {}x{}, {} classes, loaded in {:.3} s",
        m.train.len,
        m.train.rows,
        m.train.cols,
        m.test.len,
        m.test.rows,
        m.test.cols,
        m.train.classes,
        secs
    );
}
