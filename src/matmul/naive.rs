//! The reference product: three plain loops, the definition of matrix multiplication and
//! nothing else. Slow on purpose; the tests hold the fast kernel to it.

use super::Operand;

/// C (m x n, row-major) = A (m x k) · B (k x n), each operand read through its strides.
///
/// Sums each dot product in f64 so that the oracle is closer to the true value than either
/// f32 product it judges.
// ANCHOR: gemm_naive
pub fn gemm_naive(m: usize, k: usize, n: usize, a: Operand, b: Operand, c: &mut [f32]) {
    assert_eq!(c.len(), m * n, "gemm_naive: C must hold m x n");
    for i in 0..m {
        for j in 0..n {
            let mut sum = 0.0f64;
            for p in 0..k {
                sum += a.at(i, p) as f64 * b.at(p, j) as f64;
            }
            c[i * n + j] = sum as f32;
        }
    }
}
// ANCHOR_END: gemm_naive
