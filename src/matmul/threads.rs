//! The threads of `np.dot`: a small persistent pool, started once and reused by every product.
//!
//! Why persistent: on this machine spawning and joining one scoped thread costs ~100 µs,
//! while the products of a training step (100x784 · 784x50) take ~100 µs each; a spawn per
//! product would eat the gain. Parked workers are woken instead (and spin briefly after a job,
//! since the next product of a training step usually follows within microseconds).
//!
//! Why bit-identical for any thread count: a job is split by bands of rows of C, and every
//! element of C is computed by the same code in the same order whichever band it falls in
//! (see `gemm.rs`). Threads never share a sum.
//!
//! Left out: work stealing, nested jobs (a job must not start another), and affinity.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

/// The thread count set by `set_threads`; 0 means "not set": use every core.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads (the caller included) each product may use, as `--threads N` asks.
/// Results do not depend on it, only speed. Panics if `n` is 0 (programmer error: the CLI
/// validates the flag).
pub fn set_threads(n: usize) {
    assert!(n >= 1, "matmul::set_threads: need at least 1 thread, got 0");
    THREADS.store(n, Ordering::Relaxed);
}

/// The thread count products use: the last `set_threads`, or else the number of cores.
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// How long a worker keeps polling for the next job before it parks.
const SPIN: Duration = Duration::from_micros(50);

/// A job: called once with each part index in `1..parts` by the workers (part 0 is the
/// caller's own).
type Job = &'static (dyn Fn(usize) + Sync);

struct Shared {
    /// Bumped for every new job; a worker runs each generation once.
    generation: AtomicUsize,
    /// The current job, its number of parts and its generation; `None` between jobs.
    job: Mutex<Option<(Job, usize, usize)>>,
    /// Workers still running the current job.
    pending: AtomicUsize,
    /// Set by a worker whose part panicked; the caller panics in turn.
    panicked: AtomicBool,
    /// Parked workers wait on `wake` for a new generation; a parked caller on `done`.
    lock: Mutex<()>,
    wake: Condvar,
    done: Condvar,
}

struct Pool {
    shared: Arc<Shared>,
    workers: usize,
}

/// The pool, created on first use; the `Mutex` admits one product at a time.
static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();

/// Calls `f(0)`, `f(1)`, ..., `f(parts - 1)`, on up to `parts` threads, and returns when all
/// have returned. If another product holds the pool (two test threads, say), the parts simply
/// run one after another here: the results are the same either way.
pub fn run(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    if parts <= 1 {
        if parts == 1 {
            f(0);
        }
        return;
    }
    let pool = POOL.get_or_init(|| {
        Mutex::new(Pool {
            shared: Arc::new(Shared {
                generation: AtomicUsize::new(0),
                job: Mutex::new(None),
                pending: AtomicUsize::new(0),
                panicked: AtomicBool::new(false),
                lock: Mutex::new(()),
                wake: Condvar::new(),
                done: Condvar::new(),
            }),
            workers: 0,
        })
    });
    let mut pool = match pool.try_lock() {
        Ok(pool) => pool,
        // A panic in an earlier product poisoned the lock; the pool itself is intact.
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => {
            (0..parts).for_each(f);
            return;
        }
    };
    while pool.workers < parts - 1 {
        let shared = Arc::clone(&pool.shared);
        let index = pool.workers + 1;
        thread::Builder::new()
            .name(format!("matmul-{index}"))
            .spawn(move || worker(&shared, index))
            .expect("matmul: cannot start a worker thread");
        pool.workers += 1;
    }
    let shared = &*pool.shared;
    #[allow(unsafe_code)]
    // SAFETY: the workers see `f` as `'static`, but it only lives for this call. `Finish`
    // below clears the job slot and waits, even while unwinding from a panic in `f(0)`, until
    // `pending` is back to 0, i.e. until every worker that took `f` out of the slot has
    // returned from it and dropped it; only then does `run` return and `f` die. Workers copy
    // `f` out of the slot only for their own generation, and never after `pending` hits 0.
    let job: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(f) };
    shared.panicked.store(false, Ordering::Relaxed);
    shared.pending.store(parts - 1, Ordering::Relaxed);
    {
        let _guard = shared.lock.lock().unwrap();
        let generation = shared.generation.load(Ordering::Relaxed) + 1;
        *shared.job.lock().unwrap() = Some((job, parts, generation));
        shared.generation.store(generation, Ordering::Release);
        shared.wake.notify_all();
    }
    let finish = Finish(shared);
    f(0);
    drop(finish);
    if shared.panicked.load(Ordering::Relaxed) {
        panic!("matmul: a worker thread panicked");
    }
}

/// Calls `f` on each item, one item per thread (the first on the caller's), and returns when
/// all calls have returned: the way to lend each thread its own `&mut` slice.
pub fn run_each<T: Send>(items: Vec<T>, f: &(dyn Fn(T) + Sync)) {
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    run(slots.len(), &|t| {
        let item = slots[t]
            .lock()
            .unwrap()
            .take()
            .expect("each item is taken once");
        f(item);
    });
}

/// Waits for the workers of the current job, then empties the job slot (on drop, so that it
/// also happens while unwinding).
struct Finish<'a>(&'a Shared);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        let start = Instant::now();
        while shared.pending.load(Ordering::Acquire) != 0 {
            if start.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                let guard = shared.lock.lock().unwrap();
                if shared.pending.load(Ordering::Acquire) != 0 {
                    drop(shared.done.wait_timeout(guard, SPIN).unwrap());
                }
            }
        }
        *shared.job.lock().unwrap() = None;
    }
}

/// A worker's life: wait for a new generation, run its part if the job has one for it, report.
fn worker(shared: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        let start = Instant::now();
        loop {
            let generation = shared.generation.load(Ordering::Acquire);
            if generation != seen {
                seen = generation;
                break;
            }
            if start.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                let guard = shared.lock.lock().unwrap();
                if shared.generation.load(Ordering::Acquire) == seen {
                    drop(shared.wake.wait(guard).unwrap());
                }
            }
        }
        // The slot is the truth: a worker that sat out a job may wake late, when the slot
        // already holds the next one; it then takes that one and counts it as seen.
        let job = match *shared.job.lock().unwrap() {
            Some((job, parts, generation)) => {
                seen = generation;
                if index >= parts {
                    continue;
                }
                job
            }
            None => continue,
        };
        if catch_unwind(AssertUnwindSafe(|| job(index))).is_err() {
            shared.panicked.store(true, Ordering::Relaxed);
        }
        if shared.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _guard = shared.lock.lock().unwrap();
            shared.done.notify_all();
        }
    }
}
