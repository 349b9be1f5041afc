//! A seeded random number generator: std has none, and the slides lean on `np.random` twice,
//! for the Gaussian initial weights (`np.random.randn`) and for drawing mini-batches
//! (`np.random.choice(train_size, batch_size)`).
//!
//! The generator is xoshiro256** (Blackman and Vigna), seeded through SplitMix64 as its authors
//! recommend. Both are pure integer arithmetic, so the same seed gives the same numbers on every
//! machine. We do not reproduce numpy's Mersenne Twister stream: the same seed here and in numpy
//! gives different (equally good) numbers.

/// xoshiro256**: 256 bits of state, period 2^256 − 1, fast and well tested.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        // SplitMix64 spreads any seed (even 0) over the four state words; xoshiro must never
        // start from the all-zero state, and SplitMix64 cannot produce four zero words in a row.
        let mut x = seed;
        let mut s = [0u64; 4];
        for word in s.iter_mut() {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *word = z ^ (z >> 31);
        }
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform `f64` in [0, 1): the top 53 bits, so every value is exactly representable.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n`, without modulo bias (Lemire's multiply-and-reject).
    ///
    /// Panics if `n == 0`: there is nothing to choose from.
    #[track_caller]
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below: the range 0..0 is empty");
        let n = n as u64;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            // Reject the few draws that would make small results more likely than large ones.
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// A standard normal sample (mean 0, std 1), by the Box-Muller transform, computed in f64.
    ///
    /// Box-Muller makes two samples from two uniforms; we use one and draw afresh each time,
    /// so that the stream depends only on how many samples were taken, never on parity.
    pub fn normal(&mut self) -> f64 {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// `np.random.choice(n, size)`: `size` indices drawn from `0..n` with replacement.
    #[track_caller]
    pub fn choice(&mut self, n: usize, size: usize) -> Vec<usize> {
        (0..size).map(|_| self.below(n)).collect()
    }
}
