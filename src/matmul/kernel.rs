//! The micro-kernel: the innermost piece of the BLIS loop nest, where all the arithmetic of
//! `np.dot` happens. It multiplies one packed `kc x MR` sliver of A by one packed `kc x NR`
//! sliver of B into an `MR x NR` tile of C held entirely in registers.
//!
//! One body, compiled twice: a portable build (SSE2, the x86-64 baseline, or whatever the
//! target offers) and an AVX2+FMA build made by `#[target_feature]`, chosen at run time. The
//! binary therefore runs on any x86-64 and still uses the fused multiply-add where it exists;
//! no `-C target-cpu=native` is needed. The body is plain Rust over fixed-size arrays, which
//! LLVM turns into vector instructions; there are no intrinsics.
//!
//! Why 6 x 16: an AVX2 register holds 8 f32, so a row of the tile is 2 registers and the
//! tile is 12 accumulators. Zen 3 issues 2 FMAs per cycle with a latency of 4 cycles, so at
//! least 8 independent accumulators are needed to keep both units busy; 12 accumulators, 2
//! registers of B and 1 broadcast of A make 15 of the 16 ymm registers. Each step of the `p`
//! loop loads 22 floats and does 96 multiply-adds.
//!
//! Left out: alpha/beta scaling (the slides never need it) and any other register tile.

/// Rows of the register tile: the height of a packed A sliver.
pub const MR: usize = 6;
/// Columns of the register tile: the width of a packed B sliver (two 8-lane AVX registers).
pub const NR: usize = 16;

/// Which build of the micro-kernel body runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Compiled for the target's baseline: runs everywhere; multiply and add stay separate.
    Portable,
    /// Compiled with AVX2 and FMA enabled: only chosen when the CPU reports both.
    Avx2Fma,
}

impl Kernel {
    /// The fastest build this CPU can run.
    pub fn detect() -> Kernel {
        if Kernel::Avx2Fma.is_available() {
            Kernel::Avx2Fma
        } else {
            Kernel::Portable
        }
    }

    /// Whether this CPU can run this build.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            Kernel::Avx2Fma => avx2_fma_detected(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2_fma_detected() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2_fma_detected() -> bool {
    false
}

/// C tile (MR x NR, rows `ldc` apart) = or += A sliver (kc x MR) · B sliver (kc x NR).
///
/// `a` holds `kc` groups of MR values (column p of the sliver of A, see `pack_a`), `b` holds
/// `kc` groups of NR values (row p of the sliver of B). With `accumulate` false the tile is
/// overwritten (the first KC block of a product), otherwise added to.
///
/// Panics (programmer error) if `kernel` cannot run on this CPU or a slice is too short.
#[inline]
pub fn run(
    kernel: Kernel,
    kc: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    match kernel {
        Kernel::Portable => body::<false>(kc, a, b, c, ldc, accumulate),
        Kernel::Avx2Fma => {
            assert!(
                avx2_fma_detected(),
                "matmul: the AVX2+FMA kernel was asked for on a CPU without AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `body_avx2_fma` is safe Rust compiled with AVX2 and FMA enabled; the only
            // requirement for calling it is that the CPU has both, which the assert above has
            // just checked at run time.
            unsafe {
                body_avx2_fma(kc, a, b, c, ldc, accumulate)
            }
        }
    }
}

/// The body, built with AVX2 and FMA: the same Rust as the portable build, but LLVM may use
/// 256-bit registers and `vfmadd` for `mul_add`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn body_avx2_fma(kc: usize, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, accumulate: bool) {
    body::<true>(kc, a, b, c, ldc, accumulate)
}

/// The one micro-kernel body: `MR x NR` accumulators, one rank-1 update per step of `p`.
///
/// `FUSED` picks `mul_add` (one rounding, one instruction where FMA exists) or a separate
/// multiply and add; the portable build must not use `mul_add`, which becomes a slow library
/// call on CPUs without FMA.
#[inline(always)]
fn body<const FUSED: bool>(
    kc: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    let a: &[[f32; MR]] = &a.as_chunks::<MR>().0[..kc];
    let b: &[[f32; NR]] = &b.as_chunks::<NR>().0[..kc];
    let mut ab = [[0.0f32; NR]; MR];
    for (ap, bp) in a.iter().zip(b) {
        for (ab_row, &ai) in ab.iter_mut().zip(ap) {
            axpy_row::<FUSED>(ab_row, ai, bp);
        }
    }
    for (i, ab_row) in ab.iter().enumerate() {
        let c_row: &mut [f32; NR] = (&mut c[i * ldc..i * ldc + NR]).try_into().unwrap();
        if accumulate {
            for (cv, &v) in c_row.iter_mut().zip(ab_row) {
                *cv += v;
            }
        } else {
            *c_row = *ab_row;
        }
    }
}

/// `acc += a · b` for one row of the tile: NR lanes, two AVX registers in the AVX2 build.
///
/// A separate function (always inlined) rather than a nested loop: written this way LLVM
/// unrolls the rows and keeps all MR x NR accumulators in registers; with the loops nested
/// inline it kept them in memory and ran ~10x slower (checked in the assembly).
#[inline(always)]
fn axpy_row<const FUSED: bool>(acc: &mut [f32; NR], a: f32, b: &[f32; NR]) {
    for (acc, &bj) in acc.iter_mut().zip(b) {
        *acc = if FUSED {
            a.mul_add(bj, *acc)
        } else {
            a * bj + *acc
        };
    }
}
