//! The thread pool on its own: this file is its own test binary, so its tests are the only
//! users of the pool, one at a time, and the worker threads really run (in `tests/matmul.rs`
//! the tests run side by side, and a product that finds the pool busy runs its parts on its
//! own thread).

use std::sync::Mutex;

use backprop::Rng;
use backprop::matmul::{self, Kernel, Operand};

/// Held by each test that uses the pool, so that it has the pool to itself: tests run side by
/// side, and a job that finds the pool busy runs all its parts on its caller.
static POOL: Mutex<()> = Mutex::new(());

fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
    (0..len).map(|_| rng.normal() as f32).collect()
}

/// Hundreds of products in a row, the way a training loop calls them, each on 1, 2 and 3
/// threads; then two callers at once. Every result must equal the 1-thread one bit for bit.
#[test]
fn pool_gives_the_one_thread_result_every_time() {
    let _pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(3);
    let shapes = [
        (100, 784, 50),
        (784, 100, 50),
        (100, 50, 784),
        (37, 300, 29),
    ];
    for round in 0..150 {
        let (m, k, n) = shapes[round % shapes.len()];
        assert!(
            matmul::threads_for(3, m, k, n) >= 2,
            "{m}x{k}x{n} must be split"
        );
        let (a, b) = (random(m * k, &mut rng), random(k * n, &mut rng));
        let (a_op, b_op) = (Operand::row_major(&a, k), Operand::row_major(&b, n));
        let mut one = vec![0.0; m * n];
        matmul::gemm_with(Kernel::detect(), 1, m, k, n, a_op, b_op, &mut one);
        for threads in [2, 3] {
            let mut many = vec![f32::NAN; m * n];
            matmul::gemm_with(Kernel::detect(), threads, m, k, n, a_op, b_op, &mut many);
            let same = one
                .iter()
                .zip(&many)
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same,
                "round {round}: {m}x{k}x{n} on {threads} threads differs"
            );
        }
    }

    // Two callers at once: one gets the pool, the other runs its parts itself.
    let (m, k, n) = (300, 400, 60);
    let (a, b) = (random(m * k, &mut rng), random(k * n, &mut rng));
    let mut one = vec![0.0; m * n];
    let (a_op, b_op) = (Operand::row_major(&a, k), Operand::row_major(&b, n));
    matmul::gemm_with(Kernel::detect(), 1, m, k, n, a_op, b_op, &mut one);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..20 {
                    let mut c = vec![f32::NAN; m * n];
                    matmul::gemm_with(Kernel::detect(), 2, m, k, n, a_op, b_op, &mut c);
                    assert!(one.iter().zip(&c).all(|(x, y)| x.to_bits() == y.to_bits()));
                }
            });
        }
    });
}

/// Jobs of 1 to 40 parts on 2 and 3 threads, the caller claiming from the front and the
/// workers from the back: every part runs exactly once, whoever claims it.
#[test]
fn run_each_calls_every_part_exactly_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let _pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    for round in 0..200 {
        let parts = 1 + round % 40;
        let threads = 2 + round % 2;
        let calls: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
        matmul::run_each(threads, (0..parts).collect(), &|part: usize| {
            // Some work, so that the workers have time to join.
            let mut x = part as f32;
            for _ in 0..2000 {
                x = std::hint::black_box(x * 0.999 + 1.0);
            }
            std::hint::black_box(x);
            calls[part].fetch_add(1, Ordering::Relaxed);
        });
        let counts: Vec<usize> = calls.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        assert!(
            counts.iter().all(|&c| c == 1),
            "round {round}: {parts} parts on {threads} threads ran {counts:?} times"
        );
    }
}

/// `set_threads_here` limits this thread's products and nothing else; 0 lifts the limit.
#[test]
fn set_threads_here_is_read_back_on_this_thread_only() {
    let everywhere = backprop::matmul::threads();
    backprop::matmul::set_threads_here(3);
    assert_eq!(backprop::matmul::threads(), 3);
    let other = std::thread::spawn(backprop::matmul::threads)
        .join()
        .unwrap();
    assert_eq!(other, everywhere);
    backprop::matmul::set_threads_here(1);
    assert_eq!(backprop::matmul::threads(), 1);
    backprop::matmul::set_threads_here(0);
    assert_eq!(backprop::matmul::threads(), everywhere);
}
