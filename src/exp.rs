//! `exp` for softmax: the exponential of a whole slice at once, in plain arithmetic that the
//! compiler turns into vector instructions. Slide: 逆誤差伝播方式(Softmaxレイヤ), whose
//! forward is `np.exp` of every logit. Chapter: chapters/08-softmax-with-loss.md.
//!
//! Why not `f32::exp`: it calls the C library once per value, and softmax takes 1000 of them
//! per mini-batch, twice per training step (the step's forward and the loss after the update).
//! Here the same 1000 take 1.5 µs four at a time in the x86-64 baseline's SSE2 registers, and
//! 0.8 µs eight at a time where the CPU has AVX2 (`exp_all` picks the build at run time, as the
//! matmul kernel does). Softmax of a 100 x 10 batch went from 5.3 µs to 2.7 with the first,
//! and a further 3.9 -> 3.0 (a slower phase of the machine) with the second, each measured in
//! one process beside the previous version. numpy's own `np.exp` on float32 is likewise its
//! own vectorized code, not the C library's.
//!
//! The method: exp(x) = 2^k · exp(r), with k = x / ln 2 rounded to an integer and
//! r = x − k · ln 2, so that |r| ≤ ln 2 / 2 ≈ 0.35. exp(r) is its Taylor series up to r^7
//! (the first term left out is below 10^-8 of the sum, under a seventh of an f32 unit in the
//! last place); 2^k is written straight into a float's exponent bits. ln 2 is split in two parts,
//! the first with few enough bits that k times it is exact, so that r loses nothing to the
//! cancellation in x − k · ln 2. Checked against the exact value (`tests/exp.rs`, every 211th
//! f32 of its range and random ones): never more than 1 unit in the last place away, and the
//! correctly rounded value itself for 99% of them, subnormal results included.
//!
//! Every operation is a plain f32 multiply or add (never a fused one, and the AVX2 build does
//! not enable FMA), so the result is the same bits on every CPU and in both builds
//! (`tests/exp.rs` holds `exp_all` to `exp` value by value).
//!
//! Left out: the Sigmoid layer keeps `f32::exp` (it is not in the training loop).

/// log2(e): k = round(x · LOG2_E).
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 = LN2_HI + LN2_LO. LN2_HI = 355/512 has 9 significant bits, so k · LN2_HI is exact
/// for every |k| ≤ 150 (at most 17 bits) and x − k · LN2_HI loses nothing.
const LN2_HI: f32 = 355.0 / 512.0;
/// The rest of ln 2: ln 2 − 355/512.
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer (to nearest,
/// ties to even), which then sits in the low bits of the sum's mantissa.
const ROUND: f32 = 12_582_912.0;
/// Below this, exp(x) is nearer 0 than the smallest subnormal f32 (exp(−103.98) ≈ 2^−150).
const LOWEST: f32 = -104.0;
/// Above this, exp(x) is beyond f32::MAX (exp(88.73) ≈ 3.4e38).
const HIGHEST: f32 = 89.0;

/// e^x, within 1 unit in the last place; exp(−∞) = 0, exp(∞) = ∞, exp(NaN) = NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // Beyond these bounds the result is 0 or ∞ anyway; clamping keeps k in range below. A
    // NaN stays NaN (`clamp` returns it unchanged).
    let x = x.clamp(LOWEST, HIGHEST);
    // k = round(x / ln 2), as a float and as an integer (−150 ≤ k ≤ 128).
    let t = x * LOG2_E + ROUND;
    let k_float = t - ROUND;
    let k = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    // r = x − k · ln 2, |r| ≤ 0.35 (a little more where x · LOG2_E rounded up).
    let r = (x - k_float * LN2_HI) - k_float * LN2_LO;
    // exp(r) = 1 + r + r²/2! + ... + r^7/7!, by Horner's rule.
    let mut p = 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2^k in two factors, each a normal float: 2^k alone would not be one for k < −126, where
    // the result is subnormal, nor for k = 128, where it overflows to ∞ as it should.
    let k1 = k >> 1;
    p * two_to_the(k1) * two_to_the(k - k1)
}

/// 2^k for −126 ≤ k ≤ 127: the biased exponent k + 127 in a float's exponent bits.
#[inline(always)]
fn two_to_the(k: i32) -> f32 {
    f32::from_bits(((k + 127) as u32) << 23)
}

/// Every value replaced by its exponential (`np.exp` of an array).
pub fn exp_all(values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: `exp_all_avx2` is safe Rust compiled with AVX2 enabled; the only
        // requirement for calling it is that the CPU has AVX2, checked just above.
        unsafe {
            exp_all_avx2(values);
        }
        return;
    }
    exp_each(values);
}

/// `exp_all`'s loop, inlined into each build.
#[inline(always)]
fn exp_each(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v = exp(*v);
    }
}

/// `exp_all` built with AVX2: 8 values per instruction instead of 4, the same operations
/// (no fused multiply-add), so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn exp_all_avx2(values: &mut [f32]) {
    exp_each(values);
}
