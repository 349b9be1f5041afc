//! The reference the product is held to, shared by `tests/matmul_sparse.rs` and
//! `tests/mutants_matmul.rs`: the kernels this CPU runs, and C = A · B computed as the kernel
//! promises to (one chain of multiply-adds per element, over p in order, from zero).
#![allow(dead_code)]

use backprop::matmul::{Kernel, Operand};

/// The kernels this CPU can run: always the portable one, the AVX2+FMA one and the AVX-512
/// one where present.
pub fn kernels() -> Vec<Kernel> {
    [Kernel::Portable, Kernel::Avx2Fma, Kernel::Avx512]
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

/// C = A · B by the definition the kernel follows: for each element, one chain over p in
/// order from 0.0, fused (one rounding per step, `mul_add`) or not.
pub fn chain(m: usize, k: usize, n: usize, a: &Operand, b: &Operand, fused: bool) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for p in 0..k {
                let (x, y) = (a.at(i, p), b.at(p, j));
                acc = if fused {
                    x.mul_add(y, acc)
                } else {
                    x * y + acc
                };
            }
            c[i * n + j] = acc;
        }
    }
    c
}
