//! `Matrix`: a row-major `rows x cols` grid of `f32`, the numpy array of the slides cut down to
//! what their layers use: `np.dot`, `.T`, broadcasting a bias row, `np.sum(axis=0)`,
//! `np.argmax(axis=1)`, fancy indexing `x[batch_mask]` and `W -= lr * dW`.
//!
//! The slides compute in float64; we compute in f32, as deep-learning frameworks do: half the
//! memory traffic, twice the SIMD lanes, and the gradient check still agrees to ~1e-4 relative.
//!
//! Shape errors are programmer errors: they panic with a message that names the operation and
//! both shapes, pointing at the caller (`#[track_caller]`).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::matmul::{self, NonZeroCache, NonZeros, Operand, PaddedCache};
use crate::rng::Rng;
use crate::transpose;

/// A dense row-major matrix: element (r, c) lives at `data[r * cols + c]`.
///
/// A clone shares the values with the original until one of them is changed, and only then
/// copies them (copy on write, `Arc::make_mut`). That is what numpy's `self.x = x` in a
/// layer's forward does, keeping a reference, and why the layers can keep their inputs for
/// backward without copying a 100 x 784 batch twice a training step (measured: 6% of a step's
/// time went to those copies, which also made the step's data, 313 KB of batch and 157 KB of
/// W1, 313 KB larger than the 512 KB L2 cache could hold with it).
/// Changing a matrix never changes another.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Arc<Stored>,
}

/// A matrix's values, and what is known of them: the lists of its rows' non-zeros that a
/// product made from them (`matmul/nonzeros.rs`: the training loop's second `x · W1` on a
/// batch reads the lists the first one made), a copy of its rows padded to whole cache lines
/// that a product made from them as its B (`matmul/padded.rs`: W1, read by both `x · W1` of
/// a step and by a whole evaluation), and whether they are all finite (`all_finite`). All
/// are forgotten whenever a value changes.
struct Stored {
    values: Vec<f32>,
    nonzeros: NonZeroCache,
    padded: PaddedCache,
    finite: OnceLock<bool>,
}

impl Stored {
    fn new(values: Vec<f32>) -> Stored {
        Stored {
            values,
            nonzeros: NonZeroCache::new(),
            padded: PaddedCache::new(),
            finite: OnceLock::new(),
        }
    }
}

impl Clone for Stored {
    /// A copy of the values, about to be changed (`Arc::make_mut`): what is known of them stays
    /// behind.
    fn clone(&self) -> Stored {
        Stored::new(self.values.clone())
    }
}

/// Two matrices are equal when their values are: what is known of them is only a cache.
impl PartialEq for Stored {
    fn eq(&self, other: &Stored) -> bool {
        self.values == other.values
    }
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.values.fmt(f)
    }
}

impl Matrix {
    /// `np.zeros((rows, cols))`.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix::from_vec(rows, cols, vec![0.0; rows * cols])
    }

    /// A matrix over `data`, read row by row. Panics if `data` does not hold `rows * cols` values.
    #[track_caller]
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f32>) -> Matrix {
        assert_eq!(
            data.len(),
            rows * cols,
            "Matrix::from_vec: {} values cannot fill a {rows}x{cols} matrix",
            data.len()
        );
        Matrix {
            rows,
            cols,
            data: Arc::new(Stored::new(data)),
        }
    }

    /// `std * np.random.randn(rows, cols)`: Gaussian samples, row by row from `rng`.
    pub fn randn(rows: usize, cols: usize, std: f32, rng: &mut Rng) -> Matrix {
        let data = (0..rows * cols)
            .map(|_| std * rng.normal() as f32)
            .collect();
        Matrix::from_vec(rows, cols, data)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`, as numpy's `.shape`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Element (r, c).
    #[track_caller]
    pub fn get(&self, r: usize, c: usize) -> f32 {
        self.check_index("get", r, c);
        self.data.values[r * self.cols + c]
    }

    /// Sets element (r, c).
    #[track_caller]
    pub fn set(&mut self, r: usize, c: usize, value: f32) {
        self.check_index("set", r, c);
        let cols = self.cols;
        self.values_mut()[r * cols + c] = value;
    }

    /// Row `r` as a slice.
    #[track_caller]
    pub fn row(&self, r: usize) -> &[f32] {
        assert!(
            r < self.rows,
            "Matrix::row: row {r} of a {}x{} matrix",
            self.rows,
            self.cols
        );
        &self.data.values[r * self.cols..(r + 1) * self.cols]
    }

    /// Row `r` as a mutable slice.
    #[track_caller]
    pub fn row_mut(&mut self, r: usize) -> &mut [f32] {
        assert!(
            r < self.rows,
            "Matrix::row_mut: row {r} of a {}x{} matrix",
            self.rows,
            self.cols
        );
        let cols = self.cols;
        &mut self.values_mut()[r * cols..(r + 1) * cols]
    }

    /// All elements, row by row.
    pub fn as_slice(&self) -> &[f32] {
        &self.data.values
    }

    /// All elements, row by row, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.values_mut()
    }

    /// The values, to change: this matrix's own, copied first if a clone shares them, and
    /// without what was known of them before (the lists of non-zeros, the padded copy,
    /// whether all are finite).
    fn values_mut(&mut self) -> &mut Vec<f32> {
        &mut self.stored_mut().values
    }

    /// The stored values, to change (see `values_mut`), with what was known of them forgotten.
    fn stored_mut(&mut self) -> &mut Stored {
        let stored = Arc::make_mut(&mut self.data);
        stored.nonzeros.clear();
        stored.padded.clear();
        stored.finite.take();
        stored
    }

    /// Whether every value is finite, neither NaN nor ±∞ (`np.isfinite(m).all()`): the
    /// training loop asks it of each parameter after every update, to stop a run that has
    /// diverged. Remembered until a value changes; after `sub_scaled`, which looks at each
    /// value as it writes it, known without a pass of its own (a pass over W1 after a
    /// two-thread update took 7.0-7.3 µs a step, measured in the training loop: half of W1
    /// had just been written by the other core).
    pub fn all_finite(&self) -> bool {
        *self.data.finite.get_or_init(|| {
            !self
                .data
                .values
                .iter()
                .fold(false, |bad, &v| bad | non_finite(v))
        })
    }

    /// Whether this matrix keeps the lists of its rows' non-zeros, made by a product that
    /// took the sparse path (`matmul/nonzeros.rs`), for the next product to read.
    pub fn keeps_nonzero_lists(&self) -> bool {
        self.data.nonzeros.is_filled()
    }

    /// Whether this matrix keeps a copy of its rows padded to whole cache lines, made by a
    /// sparse product that read it as B (`matmul/padded.rs`), for the next product to read.
    pub fn keeps_padded_rows(&self) -> bool {
        self.data.padded.is_filled()
    }

    /// Keeps `lists`, the non-zero columns of each row, for the products on these values to
    /// read instead of listing them (`matmul/nonzeros.rs`): the data loader hands a
    /// training batch or an evaluation chunk over with the lists it made from the pixels.
    /// Panics if they are made for another shape, and, in a build with debug assertions
    /// (every test build), if they are not exactly the lists of these values: a product
    /// trusts them.
    #[track_caller]
    pub fn keep_nonzero_lists(&self, lists: NonZeros) {
        assert!(
            lists.shape() == (self.rows, self.cols),
            "Matrix::keep_nonzero_lists: lists of a {:?} matrix for a {}x{} one",
            lists.shape(),
            self.rows,
            self.cols
        );
        debug_assert!(
            lists.are_lists_of(&self.data.values),
            "Matrix::keep_nonzero_lists: the lists are not those of the values"
        );
        self.data.nonzeros.keep(lists);
    }

    /// The elements, row by row, giving up the matrix.
    pub fn into_vec(self) -> Vec<f32> {
        Arc::unwrap_or_clone(self.data).values
    }

    /// A new matrix with `f` applied to every element (`np.exp(x)` and friends).
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Matrix {
        let data = self.data.values.iter().map(|&v| f(v)).collect();
        Matrix::from_vec(self.rows, self.cols, data)
    }

    /// Applies `f` to every element in place.
    pub fn map_inplace(&mut self, f: impl Fn(f32) -> f32) {
        for v in self.values_mut().iter_mut() {
            *v = f(*v);
        }
    }

    /// A new matrix with `f(self[i], other[i])` at each position; the shapes must agree.
    #[track_caller]
    pub fn zip_map(&self, other: &Matrix, f: impl Fn(f32, f32) -> f32) -> Matrix {
        self.check_same_shape("zip_map", other);
        let data = self
            .data
            .values
            .iter()
            .zip(other.data.values.iter())
            .map(|(&a, &b)| f(a, b))
            .collect();
        Matrix::from_vec(self.rows, self.cols, data)
    }

    /// Element-wise `self + other`.
    #[track_caller]
    pub fn add(&self, other: &Matrix) -> Matrix {
        self.check_same_shape("add", other);
        self.zip_map(other, |a, b| a + b)
    }

    /// Element-wise `self - other`.
    #[track_caller]
    pub fn sub(&self, other: &Matrix) -> Matrix {
        self.check_same_shape("sub", other);
        self.zip_map(other, |a, b| a - b)
    }

    /// Element-wise (Hadamard) product `self * other`, numpy's `*` on arrays of one shape.
    #[track_caller]
    pub fn mul(&self, other: &Matrix) -> Matrix {
        self.check_same_shape("mul", other);
        self.zip_map(other, |a, b| a * b)
    }

    /// Every element times `s`.
    pub fn scale(&self, s: f32) -> Matrix {
        self.map(|v| v * s)
    }

    /// `x + b` with numpy broadcasting: the `1 x cols` row `b` added to every row, in place.
    #[track_caller]
    pub fn add_row_inplace(&mut self, b: &Matrix) {
        assert!(
            b.rows == 1 && b.cols == self.cols,
            "add_row: cannot broadcast a {}x{} bias over a {}x{} matrix (need 1x{})",
            b.rows,
            b.cols,
            self.rows,
            self.cols,
            self.cols
        );
        let cols = self.cols.max(1);
        for row in self.values_mut().chunks_exact_mut(cols) {
            for (v, &bias) in row.iter_mut().zip(b.data.values.iter()) {
                *v += bias;
            }
        }
    }

    /// `np.sum(x, axis=0)`: the `1 x cols` row of column sums (Affine's `db`).
    pub fn sum_rows(&self) -> Matrix {
        let mut out = vec![0.0f32; self.cols];
        for row in self.data.values.chunks_exact(self.cols.max(1)) {
            for (s, &v) in out.iter_mut().zip(row) {
                *s += v;
            }
        }
        Matrix::from_vec(1, self.cols, out)
    }

    /// `np.argmax(x, axis=1)`: the column of each row's largest element (the first on a tie).
    pub fn argmax_rows(&self) -> Vec<usize> {
        (0..self.rows)
            .map(|r| {
                let row = self.row(r);
                let mut best = 0;
                for (c, &v) in row.iter().enumerate() {
                    if v > row[best] {
                        best = c;
                    }
                }
                best
            })
            .collect()
    }

    /// `x[batch_mask]`: a new matrix made of the rows at `indices`, in that order (repeats allowed).
    #[track_caller]
    pub fn gather_rows(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.cols);
        for &r in indices {
            data.extend_from_slice(self.row(r));
        }
        Matrix::from_vec(indices.len(), self.cols, data)
    }

    /// `self -= lr * g`, in place: one step of gradient descent on a parameter.
    ///
    /// A large matrix (W1, 784 x 50) is cut into parts updated on the products' threads
    /// (`matmul::run_each`); each value is the same whichever thread computes it. Why: after
    /// a two-thread `x.T · dout`, half of dW1 lies in the other core's cache, and W1 in both;
    /// one thread alone waited on those lines. Measured in the training loop (two threads,
    /// blocks of 100 steps in alternation, a timing loop outside the crate, four runs): the
    /// update 9.9-11.1 -> 7.1-8.4 µs on average, the steps 0.981-0.986 of the time.
    ///
    /// If the matrix was a product's B padded to cache lines (`matmul/padded.rs`: W1 in
    /// `x · W1`), each part also writes the rows it has just updated into that copy, which is
    /// then kept for the next product instead of being made again from the values, half of
    /// them in the other core's cache.
    #[track_caller]
    pub fn sub_scaled(&mut self, lr: f32, g: &Matrix) {
        self.check_same_shape("sub_scaled", g);
        let (rows, cols) = (self.rows, self.cols);
        let g = &g.data.values[..];
        let stored = self.stored_mut();
        let (threads, part) = sub_scaled_shares(stored.values.len(), cols);
        let mut padded = stored.padded.take_room();
        if let Some(copy) = padded.as_mut() {
            copy.fit(rows, cols);
        }
        let stride = padded.as_ref().map_or(0, |copy| copy.stride());
        let mut copies = padded
            .as_mut()
            .map(|copy| copy.rows_mut().chunks_mut(part / cols * stride));
        // Each part: its values, their gradient, and their rows in the padded copy.
        type Part<'a> = (&'a mut [f32], &'a [f32], Option<&'a mut [f32]>);
        let jobs: Vec<Part> = stored
            .values
            .chunks_mut(part)
            .zip(g.chunks(part))
            .map(|(w, g)| (w, g, copies.as_mut().and_then(|c| c.next())))
            .collect();
        let bad = AtomicBool::new(false);
        matmul::run_each(threads, jobs, &|(w, g, copy)| {
            let bad_here = sub_scaled_slice(w, lr, g);
            if let Some(copy) = copy {
                matmul::copy_rows(w, cols, cols, copy, stride);
            }
            if bad_here {
                bad.store(true, Ordering::Relaxed);
            }
        });
        // `run_each` has returned: every part is written, and any non-finite value seen.
        let _ = stored.finite.set(!bad.into_inner());
        if let Some(copy) = padded {
            stored.padded.keep(copy);
        }
    }

    /// `np.dot(self, other)`: (m x k) · (k x n) = (m x n), by the blocked product in `matmul`.
    #[track_caller]
    pub fn dot(&self, other: &Matrix) -> Matrix {
        let mut c = Matrix::zeros(0, 0);
        self.product_into("dot", false, other, false, &mut c);
        c
    }

    /// `np.dot(self.T, other)`: (k x m)ᵀ · (k x n) = (m x n), reading `self` through swapped
    /// strides instead of copying its transpose (Affine's `dW = x.T · dout`).
    #[track_caller]
    pub fn t_dot(&self, other: &Matrix) -> Matrix {
        let mut c = Matrix::zeros(0, 0);
        self.product_into("t_dot", true, other, false, &mut c);
        c
    }

    /// `np.dot(self, other.T)`: (m x k) · (n x k)ᵀ = (m x n), reading `other` through swapped
    /// strides (Affine's `dx = dout · W.T`).
    #[track_caller]
    pub fn dot_t(&self, other: &Matrix) -> Matrix {
        let mut c = Matrix::zeros(0, 0);
        self.product_into("dot_t", false, other, true, &mut c);
        c
    }

    /// `.T`: the transpose, as a new matrix, by the cache-blocked transpose.
    pub fn t(&self) -> Matrix {
        let mut data = vec![0.0f32; self.data.values.len()];
        transpose::transpose_blocked(self.rows, self.cols, &self.data.values, &mut data);
        Matrix::from_vec(self.cols, self.rows, data)
    }

    #[track_caller]
    fn check_index(&self, op: &str, r: usize, c: usize) {
        assert!(
            r < self.rows && c < self.cols,
            "Matrix::{op}: index ({r}, {c}) is outside a {}x{} matrix",
            self.rows,
            self.cols
        );
    }

    #[track_caller]
    fn check_same_shape(&self, op: &str, other: &Matrix) {
        assert!(
            self.shape() == other.shape(),
            "{op}: shapes {}x{} and {}x{} differ",
            self.rows,
            self.cols,
            other.rows,
            other.cols
        );
    }

    /// `dot` into `out`, which takes the shape of the product and whose storage is reused:
    /// a training loop that keeps its output matrices allocates nothing per product, and no
    /// zeros are written only to be overwritten.
    #[track_caller]
    pub fn dot_into(&self, other: &Matrix, out: &mut Matrix) {
        self.product_into("dot_into", false, other, false, out);
    }

    /// `t_dot` into `out` (see `dot_into`).
    #[track_caller]
    pub fn t_dot_into(&self, other: &Matrix, out: &mut Matrix) {
        self.product_into("t_dot_into", true, other, false, out);
    }

    /// `dot_t` into `out` (see `dot_into`).
    #[track_caller]
    pub fn dot_t_into(&self, other: &Matrix, out: &mut Matrix) {
        self.product_into("dot_t_into", false, other, true, out);
    }

    /// `out` = `self` (transposed if `self_t`) · `other` (transposed if `other_t`), each read
    /// through its strides; `op` names the caller in the shape-mismatch panic.
    #[track_caller]
    fn product_into(
        &self,
        op: &str,
        self_t: bool,
        other: &Matrix,
        other_t: bool,
        out: &mut Matrix,
    ) {
        let (m, k) = if self_t {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        };
        let (k2, n) = if other_t {
            (other.cols, other.rows)
        } else {
            (other.rows, other.cols)
        };
        let the_t = |t: bool| if t { "the transpose of " } else { "" };
        assert!(
            k == k2,
            "{op}: {}{}x{} and {}{}x{} do not fit",
            the_t(self_t),
            self.rows,
            self.cols,
            the_t(other_t),
            other.rows,
            other.cols
        );
        fn operand(x: &Matrix, t: bool) -> Operand<'_> {
            let stored = if t {
                Operand::transposed(&x.data.values, x.cols)
            } else {
                Operand::row_major(&x.data.values, x.cols)
            };
            stored
                .with_nonzeros(&x.data.nonzeros)
                .with_padded(&x.data.padded)
        }
        out.rows = m;
        out.cols = n;
        out.values_mut().resize(m * n, 0.0);
        matmul::gemm(
            m,
            k,
            n,
            operand(self, self_t),
            operand(other, other_t),
            out.values_mut(),
        );
    }
}

/// `sub_scaled` shares a matrix among threads only if each gets at least this many values:
/// b1, W2 and b2 (50 to 500) take less time than handing them over.
const SUB_SCALED_PER_THREAD: usize = 8192;

/// How `sub_scaled` shares `len` values (rows of `cols`) out: (threads, values per part, whole
/// rows and at least 1). Up to the products' thread count, each thread with at least
/// SUB_SCALED_PER_THREAD values, and `matmul::PARTS_PER_THREAD` parts per thread; one part on
/// one thread.
#[cfg_attr(miri, mutants::skip)] // only how the values are shared out: each is computed the same way whoever computes it
fn sub_scaled_shares(len: usize, cols: usize) -> (usize, usize) {
    let threads = matmul::threads_for_items(len, SUB_SCALED_PER_THREAD);
    let part = if threads == 1 {
        len
    } else {
        len.div_ceil(threads * matmul::PARTS_PER_THREAD)
    };
    (threads, part.next_multiple_of(cols.max(1)).max(1))
}

/// `w -= lr * g`, value by value (`w` and `g` as long as each other); whether any value
/// written is not finite.
fn sub_scaled_slice(w: &mut [f32], lr: f32, g: &[f32]) -> bool {
    let mut bad = false;
    for (p, &d) in w.iter_mut().zip(g) {
        *p -= lr * d;
        bad |= non_finite(*p);
    }
    bad
}

/// Whether `v` is NaN or ±∞: its exponent bits all set. A test of bits, not a branch, so that
/// a pass over many values runs as vector instructions.
#[inline(always)]
fn non_finite(v: f32) -> bool {
    v.to_bits() & 0x7f80_0000 == 0x7f80_0000
}
