//! `np.dot` from scratch: the matrix product every layer stands on.
//!
//! (Placeholder: the naive loop serves until the blocked BLIS-style product lands.)

mod naive;

pub use naive::gemm_naive;

/// A read-only view of an `rows x cols` operand inside a slice, addressed through strides:
/// element (i, j) is `data[i * row_stride + j * col_stride]`. A transposed operand is the same
/// slice with the strides swapped, so `x.T · dout` needs no copy of `x`.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Operand<'a> {
    /// A row-major `rows x cols` matrix, as stored.
    pub fn row_major(data: &'a [f32], cols: usize) -> Operand<'a> {
        Operand {
            data,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` columns, without moving a byte.
    pub fn transposed(data: &'a [f32], cols: usize) -> Operand<'a> {
        Operand {
            data,
            row_stride: 1,
            col_stride: cols,
        }
    }

    /// Element (i, j).
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.row_stride + j * self.col_stride]
    }
}

/// C (m x n, row-major, overwritten) = A (m x k) · B (k x n).
pub fn gemm(m: usize, k: usize, n: usize, a: Operand, b: Operand, c: &mut [f32]) {
    gemm_naive(m, k, n, a, b, c);
}
