//! `cargo bench --bench matmul`: GFLOP/s of `np.dot` on this network's shapes and on squares,
//! naive against blocked, 1 thread against 2.
//!
//! Std only (`harness = false`). Each figure is the median over the products timed one by one
//! for about a second, and in brackets the best one. Timings on a shared machine are noisy:
//! compare the columns of one run, not runs made at different times.
//!
//! Then it times the full default run of the program (`backprop` with no arguments: the
//! slides' 10000-iteration MNIST experiment), the whole process, once.
//!
//! `cargo bench --bench matmul -- 1024` runs only the shapes whose name contains `1024` (and
//! no training run); `-- --quick` times each for ~0.2 s instead; `-- --no-train` skips the
//! training run; `-- --no-naive` skips the naive loops (`benches/reference/compare_dot.py`
//! runs it so, shape by shape, alternating with OpenBLAS); `-- --kernel=avx2` times the AVX2+FMA
//! build (or `portable`, `avx512`) instead of the fastest this CPU has, as on a processor
//! without AVX-512 (the Zen 3 of issue 6).

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use backprop::Rng;
use backprop::matmul::{self, BandLists, Kernel, NonZeroCache, NonZeros, Operand, PaddedCache};

/// One product to measure: C (m x n) = A (m x k) · B (k x n), with A and/or B stored transposed.
struct Shape {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    a_t: bool,
    b_t: bool,
    naive: bool,
    /// A holds MNIST images (81% zeros) instead of Gaussian noise: the products the training
    /// loop really computes, where `gemm` takes the sparse path (`sparse.rs`) or the kernel
    /// skips A's zero columns (`sparsity.rs`).
    mnist: bool,
    /// A comes with the lists of its stored rows' non-zeros kept, as the batch has them after
    /// a training step's first `x · W1`: the step's second `x · W1` reads them, and its
    /// `x.T · dout` takes the scatter path (`scatter.rs`). B comes with its rows padded to
    /// cache lines kept (`padded.rs`), as W1 has them after the update.
    lists: bool,
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "x·W1       100x784·784x50",
        m: 100,
        k: 784,
        n: 50,
        a_t: false,
        b_t: false,
        naive: true,
        mnist: false,
        lists: false,
    },
    Shape {
        name: "x.T·dout   784x100·100x50",
        m: 784,
        k: 100,
        n: 50,
        a_t: true,
        b_t: false,
        naive: true,
        mnist: false,
        lists: false,
    },
    Shape {
        name: "dout·W1.T  100x50·50x784",
        m: 100,
        k: 50,
        n: 784,
        a_t: false,
        b_t: true,
        naive: true,
        mnist: false,
        lists: false,
    },
    Shape {
        name: "X·W1     60000x784·784x50",
        m: 60000,
        k: 784,
        n: 50,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: false,
        lists: false,
    },
    Shape {
        name: "x·W1 MNIST 100x784·784x50",
        m: 100,
        k: 784,
        n: 50,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: true,
        lists: false,
    },
    Shape {
        name: "x.T·dout MNIST 784x100·100x50",
        m: 784,
        k: 100,
        n: 50,
        a_t: true,
        b_t: false,
        naive: false,
        mnist: true,
        lists: false,
    },
    Shape {
        name: "x·W1 MNIST lists 100x784·784x50",
        m: 100,
        k: 784,
        n: 50,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: true,
        lists: true,
    },
    Shape {
        name: "x.T·dout MNIST lists 784x100·100x50",
        m: 784,
        k: 100,
        n: 50,
        a_t: true,
        b_t: false,
        naive: false,
        mnist: true,
        lists: true,
    },
    Shape {
        name: "X·W1 MNIST 60000x784·784x50",
        m: 60000,
        k: 784,
        n: 50,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: true,
        lists: false,
    },
    // Other hidden sizes (`--hidden`): the sparse path's passes for widths that once fell
    // back to scalar code (sparse.rs, `pass_avx2_fma_of`).
    Shape {
        name: "x·W MNIST 100x784·784x44",
        m: 100,
        k: 784,
        n: 44,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: true,
        lists: false,
    },
    Shape {
        name: "x·W MNIST 100x784·784x100",
        m: 100,
        k: 784,
        n: 100,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: true,
        lists: false,
    },
    Shape {
        name: "square 256",
        m: 256,
        k: 256,
        n: 256,
        a_t: false,
        b_t: false,
        naive: true,
        mnist: false,
        lists: false,
    },
    Shape {
        name: "square 512",
        m: 512,
        k: 512,
        n: 512,
        a_t: false,
        b_t: false,
        naive: true,
        mnist: false,
        lists: false,
    },
    Shape {
        name: "square 1024",
        m: 1024,
        k: 1024,
        n: 1024,
        a_t: false,
        b_t: false,
        naive: false,
        mnist: false,
        lists: false,
    },
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kernel = kernel_from(&args);
    if args.iter().any(|a| a == "--serve") {
        serve(kernel);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let secs = if quick { 0.2 } else { 1.0 };
    let no_naive = args.iter().any(|a| a == "--no-naive");
    println!(
        "matmul GFLOP/s (2·m·k·n / time), median [best] of the products timed one by one; kernel {kernel:?}, \
         MR x NR = {}x{}, MC {} (AVX-512, A packed: {}) KC {} (A in place: {}) NC {}, {} cores",
        matmul::MR,
        matmul::NR,
        matmul::MC,
        matmul::MC_AVX512,
        matmul::KC,
        matmul::KC_IN_PLACE,
        matmul::NC,
        matmul::threads()
    );
    println!(
        "{:<28} {:>16} {:>16} {:>16}",
        "shape", "naive", "ours 1T", "ours 2T"
    );
    let mut rng = Rng::new(42);
    for s in SHAPES {
        if !filter.is_empty() && !filter.iter().any(|f| s.name.contains(f.as_str())) {
            continue;
        }
        let operands = Operands::new(s, &mut rng);
        let (a_op, b_op) = operands.get(s);
        let mut c = vec![0.0f32; s.m * s.n];
        let flop = 2.0 * (s.m * s.k * s.n) as f64;
        let naive = if s.naive && !no_naive {
            measure(flop, secs, || {
                matmul::gemm_naive(s.m, s.k, s.n, a_op, b_op, black_box(&mut c))
            })
        } else {
            "-".to_string()
        };
        let one = measure(flop, secs, || {
            matmul::gemm_with(kernel, 1, s.m, s.k, s.n, a_op, b_op, black_box(&mut c))
        });
        let two = measure(flop, secs, || {
            matmul::gemm_with(kernel, 2, s.m, s.k, s.n, a_op, b_op, black_box(&mut c))
        });
        println!("{:<28} {naive:>16} {one:>16} {two:>16}", s.name);
    }
    if filter.is_empty() && !args.iter().any(|a| a == "--no-train") {
        full_run();
    }
}

/// The build named by `--kernel=NAME` (`portable`, `avx2` or `avx512`), or the fastest this
/// CPU has. Exits with a message if the name is not one of those or the CPU lacks the build.
fn kernel_from(args: &[String]) -> Kernel {
    let fail = |why: String| -> ! {
        eprintln!("matmul bench: {why}");
        std::process::exit(2)
    };
    if args.iter().any(|a| a == "--kernel") {
        fail("--kernel: expected --kernel=NAME, NAME portable, avx2 or avx512".to_string());
    }
    let Some(name) = args.iter().find_map(|a| a.strip_prefix("--kernel=")) else {
        return Kernel::detect();
    };
    let kernel = match name {
        "portable" => Kernel::Portable,
        "avx2" => Kernel::Avx2Fma,
        "avx512" => Kernel::Avx512,
        _ => fail(format!(
            "--kernel={name}: expected portable, avx2 or avx512"
        )),
    };
    if !kernel.is_available() {
        fail(format!(
            "--kernel={name}: this CPU cannot run the {kernel:?} build"
        ));
    }
    kernel
}

/// A shape's operands, with what the product keeps between calls (A's lists of non-zeros,
/// B's padded rows) where the shape asks for it.
struct Operands {
    a: Vec<f32>,
    b: Vec<f32>,
    lists: NonZeroCache,
    padded: PaddedCache,
}

impl Operands {
    /// A from Gaussian noise or MNIST images, B from Gaussian noise, as the shape says.
    fn new(s: &Shape, rng: &mut Rng) -> Operands {
        let a: Vec<f32> = if s.mnist {
            mnist_images(s.m * s.k, rng)
        } else {
            (0..s.m * s.k).map(|_| rng.normal() as f32).collect()
        };
        let b: Vec<f32> = (0..s.k * s.n).map(|_| rng.normal() as f32).collect();
        // A's stored rows: k x m when A is read transposed.
        let (rows, cols) = if s.a_t { (s.k, s.m) } else { (s.m, s.k) };
        let lists = if s.lists {
            kept_lists(rows, cols, &a)
        } else {
            NonZeroCache::new()
        };
        Operands {
            a,
            b,
            lists,
            padded: PaddedCache::new(),
        }
    }

    /// A and B as the product reads them.
    fn get(&self, s: &Shape) -> (Operand<'_>, Operand<'_>) {
        let a = if s.a_t {
            Operand::transposed(&self.a, s.m)
        } else {
            Operand::row_major(&self.a, s.k)
        };
        let b = if s.b_t {
            Operand::transposed(&self.b, s.k)
        } else {
            Operand::row_major(&self.b, s.n)
        };
        if s.lists {
            (a.with_nonzeros(&self.lists), b.with_padded(&self.padded))
        } else {
            (a, b)
        }
    }
}

/// `--serve`: times products on request, for a program that times another library's in
/// between (`benches/reference/compare_dot.py --paired`), so that both see the same phase of
/// a shared machine. Each request is a line `calls<TAB>threads<TAB>shape name`; the answer is
/// a line of the calls' times in seconds, each call timed alone, or a line starting `error`.
/// Ends at the end of the input.
fn serve(kernel: Kernel) {
    let mut rng = Rng::new(42);
    let mut prepared: Vec<(usize, Operands, Vec<f32>)> = Vec::new();
    for line in std::io::stdin().lines() {
        let Ok(line) = line else { break };
        let fields: Vec<&str> = line.splitn(3, '\t').collect();
        let request = match fields[..] {
            [calls, threads, name] => match (calls.parse::<usize>(), threads.parse::<usize>()) {
                (Ok(calls), Ok(threads)) if threads > 0 => SHAPES
                    .iter()
                    .position(|s| s.name == name)
                    .map(|i| (calls, threads, i))
                    .ok_or(format!("no shape named {name:?}")),
                _ => Err(format!(
                    "calls and threads must be counts, got {calls:?}, {threads:?}"
                )),
            },
            _ => Err("expected calls<TAB>threads<TAB>shape name".to_string()),
        };
        let (calls, threads, i) = match request {
            Ok(request) => request,
            Err(why) => {
                println!("error: {why}");
                continue;
            }
        };
        let s = &SHAPES[i];
        let at = match prepared.iter().position(|(j, ..)| *j == i) {
            Some(at) => at,
            None => {
                let operands = Operands::new(s, &mut rng);
                prepared.push((i, operands, vec![0.0f32; s.m * s.n]));
                prepared.len() - 1
            }
        };
        let (_, operands, c) = &mut prepared[at];
        let (a_op, b_op) = operands.get(s);
        let times: Vec<String> = (0..calls)
            .map(|_| {
                let call = Instant::now();
                matmul::gemm_with(kernel, threads, s.m, s.k, s.n, a_op, b_op, black_box(c));
                format!("{:e}", call.elapsed().as_secs_f64())
            })
            .collect();
        println!("{}", times.join(" "));
    }
}

/// The lists of the non-zeros of each row of a `rows x cols` row-major matrix, kept as a
/// product keeps them.
fn kept_lists(rows: usize, cols: usize, values: &[f32]) -> NonZeroCache {
    let mut band = BandLists::new(0..rows, cols);
    for row in values.chunks(cols).take(rows) {
        let list: Vec<u16> = (0..cols)
            .filter(|&p| row[p] != 0.0)
            .map(|p| p as u16)
            .collect();
        band.push_row_u16(&list);
    }
    let cache = NonZeroCache::new();
    cache.keep(NonZeros::new(rows, cols, vec![band]));
    cache
}

/// `len` values of MNIST training images drawn at random (whole images, scaled to [0, 1]), as
/// a mini-batch holds them.
fn mnist_images(len: usize, rng: &mut Rng) -> Vec<f32> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let data =
        backprop::mnist::load_dir(std::path::Path::new(dir)).expect("cannot load data/mnist");
    let train = &data.train;
    let count = len / train.image_len();
    let indices: Vec<usize> = (0..count).map(|_| rng.below(train.len)).collect();
    train.batch(&indices).as_slice().to_vec()
}

/// Times `backprop` with no arguments (the default training run), start to exit.
fn full_run() {
    let exe = env!("CARGO_BIN_EXE_backprop");
    println!("\nfull default run: {exe}");
    let start = Instant::now();
    let out = Command::new(exe)
        .output()
        .expect("cannot start the backprop binary");
    let secs = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text
        .lines()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        println!("  | {line}");
    }
    if out.status.success() {
        println!("full default run: {secs:.2} s wall, whole process");
    } else {
        println!("full default run FAILED ({}) after {secs:.2} s", out.status);
    }
}

/// Times `f` call by call for about `secs` (at least 5 calls): "median [best]" GFLOP/s. On a
/// shared machine the best call is the one least disturbed by other work.
fn measure(flop: f64, secs: f64, mut f: impl FnMut()) -> String {
    f();
    let start = Instant::now();
    let mut rates = Vec::new();
    while rates.len() < 5 || start.elapsed().as_secs_f64() < secs {
        let call = Instant::now();
        f();
        rates.push(flop / call.elapsed().as_secs_f64() / 1e9);
    }
    rates.sort_by(f64::total_cmp);
    format!(
        "{:.1} [{:.1}]",
        rates[rates.len() / 2],
        rates[rates.len() - 1]
    )
}
