//! The threads of `np.dot`: a small persistent pool, started once and reused by every product.
//!
//! Why persistent: on this machine spawning and joining one scoped thread costs ~100 µs,
//! while the products of a training step (100x784 · 784x50) take ~100 µs each; a spawn per
//! product would eat the gain. Parked workers are woken instead, and they poll for a while
//! after each job, since the next product of a training step follows within microseconds.
//!
//! The data loader borrows it too (`run_each`, from `mnist.rs`): a training step's batch is
//! converted in parts on these threads, whose workers would otherwise sit idle between the
//! step's products. And the training loop runs two different pieces of work side by side on
//! it (`run_both`, from `train.rs`): a step's loss here, the next step's batch on the worker,
//! each with its products on one thread, so that neither starts a job of its own.
//!
//! Why bit-identical for any thread count: a job is a fixed list of parts (bands of C's rows,
//! see `gemm.rs`), and which thread computes a part never changes what it computes.
//!
//! Parts are claimed, not assigned: the caller takes the first unclaimed part and the workers
//! the last, until none is left. With two threads the caller so does the low parts of every
//! job and the worker the high ones, and since a training step's jobs cut their data alike,
//! each core mostly reads what it wrote itself (`Shared::claim`). On a loaded machine a
//! worker may wake late or not at all before the caller has done every part itself; the
//! product then runs at one thread's speed instead of waiting for a core to come free. If a
//! worker does keep the caller waiting (it claimed a part, then lost its core), the next
//! products run on the caller alone for a while.
//!
//! Left out: nested jobs (a job must not start another), work stealing within a part, and
//! thread affinity.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, TryLockError};
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

thread_local! {
    /// This thread's own limit, set by `set_threads_here`; 0 means none.
    static HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Limits the products called from this thread to `n` threads (`0` lifts the limit): for a
/// caller that shares its work among threads of its own, each making its own products (the
/// evaluation's chunks), which would only queue for the pool.
pub fn set_threads_here(n: usize) {
    HERE.set(n);
}

/// This thread's own limit (`set_threads_here`), 0 if none: so that a caller that changes it
/// for a while can put it back.
pub fn threads_here() -> usize {
    HERE.get()
}

/// The thread count products use: this thread's `set_threads_here`, or else the last
/// `set_threads`, or else the number of cores.
pub fn threads() -> usize {
    let here = HERE.get();
    if here > 0 {
        return here;
    }
    // Asked once: `available_parallelism` reads the cgroup limits and the affinity mask,
    // tens of microseconds per call, which every product would otherwise pay (measured: the
    // default run took 14 s instead of 9).
    static CORES: OnceLock<usize> = OnceLock::new();
    match THREADS.load(Ordering::Relaxed) {
        0 => *CORES.get_or_init(|| thread::available_parallelism().map_or(1, |n| n.get())),
        n => n,
    }
}

/// How many threads share `items` pieces of work when each thread should get at least
/// `per_thread` of them to be worth handing over: up to `threads()`, at least 1. For the
/// work the pool is lent besides products (the data loader's conversion and listing,
/// `Matrix::sub_scaled`).
#[cfg_attr(miri, mutants::skip)] // only how work is shared out: each piece is the same whoever computes it
pub fn threads_for_items(items: usize, per_thread: usize) -> usize {
    threads().min(items / per_thread).max(1)
}

/// How long a thread polls (for a new job, or for the end of one) before it sleeps. It polls
/// by yielding its core, not by spinning on it: on a busy machine the thread it waits for may
/// be queued on that very core (measured here under load, a training-like loop of products
/// took 2.75 s on 2 spinning threads, 2.12 s on 2 yielding ones, 2.10 s on one thread).
const SPIN: Duration = Duration::from_micros(50);

/// How long an idle worker waits for the next job before it sleeps: it spins for the first
/// few microseconds (a product's second job, and the next product of a training step, come
/// that fast), then polls by yielding up to a millisecond, since a step's products are
/// separated by the layers' own work. Measured on the default run (2 threads, idle machine):
/// 9.1 s with workers asleep after 50 µs (most jobs had to wake one), 6.5-7.6 s with this.
const WORKER_SPIN: Duration = Duration::from_micros(10);
const WORKER_POLL: Duration = Duration::from_millis(1);

/// A job: a function of the part index, `'static` only as far as the workers can tell (see
/// the SAFETY note in `run`).
type Job = &'static (dyn Fn(usize) + Sync);

/// What the workers read under the lock.
struct State {
    /// The current job and how many workers may join it; `None` once the caller has stopped
    /// admitting workers. (Its parts are in `Shared::unclaimed`.)
    job: Option<(Job, usize)>,
    /// The current job's number; a worker joins each job at most once.
    generation: usize,
    /// Workers asleep on `wake`, so that a job with everyone polling costs no system call.
    sleeping: usize,
}

struct Shared {
    state: Mutex<State>,
    /// `State::generation`, readable without the lock by polling workers.
    generation: AtomicUsize,
    /// The unclaimed parts of the current job, `front..back`, as `back << 32 | front`: the
    /// caller claims from the front and the workers from the back (see `claim`).
    unclaimed: AtomicU64,
    /// Workers inside the current job; the caller returns only once it is back to 0.
    active: AtomicUsize,
    /// Set when a part panicked on a worker; the caller panics in turn.
    panicked: AtomicBool,
    wake: Condvar,
    done: Condvar,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            state: Mutex::new(State {
                job: None,
                generation: 0,
                sleeping: 0,
            }),
            generation: AtomicUsize::new(0),
            unclaimed: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            wake: Condvar::new(),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens while the lock is held, so a poisoned lock is still sound.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Claims and runs parts of `job` until none is left, from the front (the caller) or
    /// from the back (a worker); returns how many it ran.
    fn work(&self, job: &(dyn Fn(usize) + Sync), from_back: bool) -> u32 {
        let mut done = 0;
        while let Some(t) = self.claim(from_back) {
            job(t);
            done += 1;
        }
        done
    }

    /// The first unclaimed part, or the last, now claimed; `None` when every part is taken.
    ///
    /// Why two ends: with two threads the caller takes the low parts and the worker the high
    /// ones, job after job, unless one of them falls behind. The jobs of a training step cut
    /// their work alike (the batch's images and C's rows: low to the caller; `x.T · dout`'s
    /// rows of dW1 and W1's update: the same low rows to the caller), so a thread mostly
    /// reads what it has just written itself, from its own core's cache, rather than what
    /// the other core wrote. Measured against every thread taking the next part (one process
    /// linking both versions, blocks of 100 training steps alternating, two threads): the
    /// steps took 0.925 to 0.962 of the time in six runs of 60 blocks, faster in 38 to 48.
    fn claim(&self, from_back: bool) -> Option<usize> {
        let mut ends = self.unclaimed.load(Ordering::Relaxed);
        loop {
            let (front, back) = (ends & u64::from(u32::MAX), ends >> 32);
            if front >= back {
                return None;
            }
            let (part, rest) = if from_back {
                (back - 1, (back - 1) << 32 | front)
            } else {
                (front, back << 32 | (front + 1))
            };
            match self.unclaimed.compare_exchange_weak(
                ends,
                rest,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(part as usize),
                Err(now) => ends = now,
            }
        }
    }
}

struct Pool {
    shared: Arc<Shared>,
    workers: usize,
    /// Jobs still to run on the caller alone after workers were late (see `run`).
    alone: u32,
    /// Jobs in a row in which a worker was late.
    strikes: u32,
}

/// The pool, created on first use; the `Mutex` admits one product at a time.
static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();

/// Calls `f(0)`, `f(1)`, ..., `f(parts - 1)`, each exactly once, on up to `threads` threads
/// (the caller's included), and returns when all have returned. More parts than threads let
/// a thread that runs fast (or a caller whose worker wakes late) take more of them. If another
/// product holds the pool (two test threads, say), the parts simply run one after another
/// here: the results are the same either way.
pub fn run(threads: usize, parts: usize, f: &(dyn Fn(usize) + Sync)) {
    if threads <= 1 || parts <= 1 {
        (0..parts).for_each(f);
        return;
    }
    let workers = threads.min(parts) - 1;
    let pool = POOL.get_or_init(|| {
        Mutex::new(Pool {
            shared: Arc::new(Shared::new()),
            workers: 0,
            alone: 0,
            strikes: 0,
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
    if pool.alone > 0 {
        pool.alone -= 1;
        (0..parts).for_each(f);
        return;
    }
    while pool.workers < workers {
        let shared = Arc::clone(&pool.shared);
        let name = format!("matmul-{}", pool.workers + 1);
        thread::Builder::new()
            .name(name)
            .spawn(move || worker(&shared))
            .expect("matmul: cannot start a worker thread");
        pool.workers += 1;
    }
    let shared = &*pool.shared;
    #[allow(unsafe_code)]
    // SAFETY: the workers see `f` as `'static`, but it only lives for this call. A worker can
    // only get hold of `f` by joining the job under the lock while `State::job` holds it, and
    // joining raises `active`. `Finish` below (run on return and while unwinding from a panic
    // in `f`) first empties `State::job` under the lock, so that no worker joins any more,
    // then waits until `active` is back to 0, i.e. until every worker that joined has
    // returned from `f` and dropped it. Only then does `run` return and `f` die.
    let job: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(f) };
    shared.panicked.store(false, Ordering::Relaxed);
    let parts_u32 = u32::try_from(parts).expect("matmul: a job of more than 2^32 - 1 parts");
    shared
        .unclaimed
        .store(u64::from(parts_u32) << 32, Ordering::Relaxed);
    // Whether every worker was polling (awake) when the job was posted.
    let polling = {
        let mut state = shared.lock();
        state.job = Some((job, workers));
        state.generation += 1;
        shared.generation.store(state.generation, Ordering::Release);
        if state.sleeping > 0 {
            shared.wake.notify_all();
        }
        state.sleeping == 0
    };
    let start = Instant::now();
    let finish = Finish(shared);
    let mine = shared.work(f, false);
    let own = start.elapsed();
    drop(finish);
    let waited = start.elapsed() - own;
    if shared.panicked.load(Ordering::Relaxed) {
        panic!("matmul: a worker thread panicked");
    }
    // A polling worker that took no part of a job lasting tens of microseconds, or a worker
    // that kept the caller waiting much longer than a part takes, was not running: its core
    // is busy with other work. (A worker that was asleep may well join late: waking costs
    // tens of microseconds here, so that alone is no sign.) Then the next jobs run on the caller
    // alone (2, 4, ... up to 1024 of them while it keeps happening), the pool being tried
    // again after. On an idle machine this does not trigger (a polling worker joins within
    // microseconds); on a busy one it spares each product the cost of waking a worker that
    // will not come, or of waiting milliseconds for one that lost its core. It changes only
    // who computes, never the result.
    let part = own / mine.max(1);
    let absent = polling && mine as usize == parts && own > SPIN / 2;
    if absent || waited > 2 * part + SPIN {
        pool.strikes = (pool.strikes + 1).min(10);
        pool.alone = 1 << pool.strikes;
    } else {
        pool.strikes = 0;
    }
}

/// Closes the current job to latecomers and waits for the workers inside it (on drop, so that
/// it also happens while unwinding).
struct Finish<'a>(&'a Shared);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        shared.lock().job = None;
        let start = Instant::now();
        while shared.active.load(Ordering::Acquire) != 0 {
            if start.elapsed() < SPIN {
                thread::yield_now();
            } else {
                let state = shared.lock();
                if shared.active.load(Ordering::Acquire) != 0 {
                    drop(shared.done.wait_timeout(state, SPIN).unwrap());
                }
            }
        }
    }
}

/// A worker's life: wait for a new job, join it if it is still open, claim parts, leave.
fn worker(shared: &Shared) {
    let mut seen = 0;
    loop {
        let start = Instant::now();
        while shared.generation.load(Ordering::Acquire) == seen {
            let polled = start.elapsed();
            if polled < WORKER_SPIN {
                std::hint::spin_loop();
                continue;
            }
            if polled < WORKER_POLL {
                thread::yield_now();
                continue;
            }
            let mut state = shared.lock();
            if state.generation == seen {
                state.sleeping += 1;
                state = shared.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                state.sleeping -= 1;
            }
        }
        let job = {
            let state = shared.lock();
            seen = state.generation;
            match state.job {
                Some((job, workers)) if shared.active.load(Ordering::Relaxed) < workers => {
                    shared.active.fetch_add(1, Ordering::Relaxed);
                    job
                }
                // The caller has already closed this job (every part is taken), or enough
                // workers are in it (the pool is larger than this job's thread count).
                _ => continue,
            }
        };
        if catch_unwind(AssertUnwindSafe(|| shared.work(job, true))).is_err() {
            shared.panicked.store(true, Ordering::Relaxed);
        }
        if shared.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _state = shared.lock();
            shared.done.notify_all();
        }
    }
}

/// Part `t` of `parts` of `0..len` items, cut as evenly as whole items allow: the parts follow
/// one another and cover `0..len` (bands of C's rows, a batch's rows, shares of B's slivers).
pub fn share(len: usize, t: usize, parts: usize) -> std::ops::Range<usize> {
    len * t / parts..len * (t + 1) / parts
}

/// `data` cut into pieces that follow one another, `lens` long each (in order, from the
/// start): the way to hand each part of `run_each` its own `&mut` slice of one output.
/// Panics (programmer error) if the lengths add up to more than `data` holds.
pub fn cut<T>(data: &mut [T], lens: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    let mut rest = data;
    lens.into_iter()
        .map(|len| {
            let (piece, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            piece
        })
        .collect()
}

/// `a()` and `b()` at the same time, as two parts of one job: `a` on this thread and `b` on
/// the pool's worker (or both here, one after the other, if the worker comes late), each
/// with its own products on one thread. For two different pieces of work that do not wait
/// for each other (a training step's loss and the next step's batch, `train.rs`).
pub fn run_both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    let (a, b) = (Mutex::new(Some(a)), Mutex::new(Some(b)));
    let (a_out, b_out) = (Mutex::new(None), Mutex::new(None));
    run(2, 2, &|part| {
        let here = threads_here();
        set_threads_here(1);
        if part == 0 {
            let a = a.lock().unwrap().take().expect("each part runs once");
            *a_out.lock().unwrap() = Some(a());
        } else {
            let b = b.lock().unwrap().take().expect("each part runs once");
            *b_out.lock().unwrap() = Some(b());
        }
        set_threads_here(here);
    });
    let done = "run returns when both parts have run";
    let a = a_out.into_inner().unwrap().expect(done);
    let b = b_out.into_inner().unwrap().expect(done);
    (a, b)
}

/// Calls `f` on each item, on up to `threads` threads, each item being one part (the way to
/// lend each part its own `&mut` slice, see `cut`), and returns when all calls have returned.
pub fn run_each<T: Send>(threads: usize, items: Vec<T>, f: &(dyn Fn(T) + Sync)) {
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    run(threads, slots.len(), &|t| {
        let item = slots[t]
            .lock()
            .unwrap()
            .take()
            .expect("each item is taken once");
        f(item);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both parts run, each once, with its products on one thread, and the caller's own
    /// limit is as it was afterwards.
    #[test]
    fn run_both_runs_each_part_once_on_one_thread() {
        set_threads_here(2);
        let (a, b) = run_both(|| (7, threads()), || ("b", threads()));
        assert_eq!((a, b), ((7, 1), ("b", 1)));
        assert_eq!(threads_here(), 2);
        set_threads_here(0);
    }

    /// The pieces follow one another from the start, each as long as asked; what is left
    /// over stays out.
    #[test]
    fn cut_hands_out_pieces_in_order() {
        let mut data: Vec<usize> = (0..10).collect();
        let pieces = cut(&mut data, [3, 0, 4]);
        let pieces: Vec<Vec<usize>> = pieces.into_iter().map(|p| p.to_vec()).collect();
        assert_eq!(pieces, [vec![0, 1, 2], vec![], vec![3, 4, 5, 6]]);
    }

    /// The caller's claims come from the front and a worker's from the back, each part once.
    #[test]
    fn parts_are_claimed_from_both_ends_each_once() {
        let shared = Shared::new();
        shared.unclaimed.store(5 << 32, Ordering::Relaxed);
        let order = [false, true, true, false, false, true, false];
        let claimed: Vec<Option<usize>> = order.iter().map(|&back| shared.claim(back)).collect();
        let expected = [Some(0), Some(4), Some(3), Some(1), Some(2), None, None];
        assert_eq!(claimed, expected);
    }
}
