//! The micro-kernel: the innermost piece of the BLIS loop nest, where all the arithmetic of
//! `np.dot` happens. It multiplies one `MR x kc` sliver of A (packed, or read in place) by
//! one packed `kc x NR` sliver of B into an `MR x NR` tile of C held entirely in registers.
//!
//! One body, compiled three times: a portable build (SSE2, the x86-64 baseline, or whatever
//! the target offers), an AVX2+FMA build and an AVX-512 build, made by `#[target_feature]`
//! and chosen at run time (the widest the CPU has). The binary therefore runs on any x86-64
//! and still uses the fused multiply-add and the widest registers where they exist; no
//! `-C target-cpu=native` is needed. The body is plain Rust over fixed-size arrays, which LLVM
//! turns into vector instructions; there are no intrinsics. That turning is LLVM's choice:
//! the release build (opt-level 3) makes the 12-register loops below, checked in the
//! assembly; the test build (opt-level 2) leaves them scalar, slower but the same arithmetic.
//!
//! Why 6 x 16: an AVX2 register holds 8 f32, so a row of the tile is 2 registers and the
//! tile is 12 accumulators. Zen 3 issues 2 FMAs per cycle with a latency of 4 cycles, so at
//! least 8 independent accumulators are needed to keep both units busy; 12 accumulators, 2
//! registers of B and 1 broadcast of A make 15 of the 16 ymm registers. Each step of the `p`
//! loop loads 22 floats and does 96 multiply-adds. The same body at width 8 (`NR_NARROW`)
//! serves a last sliver of at most 8 columns, so that C's 50 columns cost 56, not 64.
//!
//! With AVX-512 a register holds 16 f32, a whole row of a 6 x 16 tile: 6 accumulators, too
//! few for the latency (a Xeon with AVX-512, square 1024, one thread, both builds in one
//! process: best 80 GFLOP/s with the AVX2 build, 102 with the 6 x 16 tile in 16-lane
//! registers). So the AVX-512 build's tile spans several B slivers side by side: four
//! (`BSliver::Quad`, 6 x 64, 24 of the 32 zmm registers) where they fit, three
//! (`BSliver::Triple`, 6 x 48) or two (`BSliver::Pair`, 6 x 32) for the rest, or a wide and
//! a narrow one (6 x 24); the body reads a row of each (`BRow`): 129-146 best with pairs
//! alone, threes 2-6% faster again, fours 1% faster than threes and twos at square 1024
//! (`gemm.rs`, `b_spans`). Four slivers are packed as one, row p of the four in one piece of
//! 64 values (`pack_b`), so the tile reads one stream of B rather than four: as fast when
//! the core is the process's own, 3-7% faster when the machine is busy (below, `BSliver::Quad`).
//!
//! Every element of C is one chain of multiply-adds over `p` in order, started from zero
//! (or from C's value when a later slice of the sum adds to it): the result depends on
//! whether the build fuses (portable or not) only, never on tiles, blocks, slices, register
//! widths or threads. The AVX2 and AVX-512 builds give the same bits.
//!
//! Left out: alpha/beta scaling (the slides never need it), prefetching, and kernels for
//! other ISAs (the portable build covers them).

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
    /// Compiled with AVX-512F as well (Intel's Xeons since Skylake, AMD's since Zen 4): a
    /// register holds 16 f32, a whole row of a wide sliver, so a tile spans two to four B
    /// slivers (`BSliver::Pair`, 6 x 32; `BSliver::Triple`, 6 x 48; `BSliver::Quad`, 6 x 64)
    /// to keep 12 to 24 accumulators busy. The same fused multiply-adds in the same order as `Avx2Fma`, so
    /// the same bits.
    Avx512,
}

impl Kernel {
    /// The fastest build this CPU can run.
    pub fn detect() -> Kernel {
        [Kernel::Avx512, Kernel::Avx2Fma]
            .into_iter()
            .find(|kernel| kernel.is_available())
            .unwrap_or(Kernel::Portable)
    }

    /// Whether this CPU can run this build.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            Kernel::Avx2Fma => avx2_fma_detected(),
            Kernel::Avx512 => avx2_fma_detected() && avx512_detected(),
        }
    }

    /// Whether the build rounds each multiply-add once (`mul_add`) rather than twice.
    pub fn fused(self) -> bool {
        self != Kernel::Portable
    }

    /// Whether a tile of this build spans several B slivers (NR columns each) side by side:
    /// where a register holds a whole row of a sliver (AVX-512); else a tile is one sliver.
    /// `gemm::b_spans` groups them.
    pub fn groups_slivers(self) -> bool {
        self == Kernel::Avx512
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2_fma_detected() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

#[cfg(target_arch = "x86_64")]
fn avx512_detected() -> bool {
    is_x86_feature_detected!("avx512f")
}

#[cfg(not(target_arch = "x86_64"))]
#[cfg_attr(miri, mutants::skip)] // compiled only off x86-64: no mutant of it is ever built or run here
fn avx2_fma_detected() -> bool {
    false
}

#[cfg(not(target_arch = "x86_64"))]
#[cfg_attr(miri, mutants::skip)] // compiled only off x86-64: no mutant of it is ever built or run here
fn avx512_detected() -> bool {
    false
}

/// Where the kernel finds an MR x kc sliver of A: packed, or read in place through strides.
///
/// Reading A in place saves a copy of every element of A, which matters when each element is
/// used only a few times (C with 50 columns); it is possible whenever one of A's strides is 1,
/// which is always the case for a row-major matrix or its transpose.
#[derive(Clone, Copy, Debug)]
pub enum ASliver<'a> {
    /// The MR values of column `p` are adjacent, at `data[p * step..][..MR]`: a packed sliver
    /// (`step` = MR), or a transposed operand read in place (`step` = its row length).
    Adjacent { data: &'a [f32], step: usize },
    /// Row `i` of the sliver is contiguous along `p`, at `data[i * stride..][..kc]`: a
    /// row-major operand read in place.
    Rows { data: &'a [f32], stride: usize },
}

/// Where the kernel finds a kc x NR sliver of packed B, and how wide it is.
#[derive(Clone, Copy, Debug)]
pub enum BSliver<'a> {
    /// `kc` groups of NR values (row p of the sliver, see `pack_b`).
    Wide(&'a [f32]),
    /// `kc` groups of NR/2 values: the last sliver of a B block with at most NR/2 columns
    /// left (50 = 3 x 16 + 2). Half the padding of a wide sliver, for one AVX register.
    Narrow(&'a [f32]),
    /// Two wide slivers side by side (2·NR columns of C): a tile of the AVX-512 build for two
    /// slivers left after the fours (32; 96 = 64 + 32; 784 = 11 x 64 + 48 + 32).
    Pair(&'a [f32], &'a [f32]),
    /// A wide sliver and the narrow one after it (NR + NR/2 columns): the AVX-512 build's
    /// last tile of a block such as 50 = 2 x 16 + (16 + 2).
    WideNarrow(&'a [f32], &'a [f32]),
    /// Three wide slivers side by side (3·NR columns): the AVX-512 build's tile for three
    /// slivers left after the fours (48 = 3 x 16; 80 = 48 + 32), 18 accumulators.
    Triple(&'a [f32], &'a [f32], &'a [f32]),
    /// Four wide slivers packed as one (`kc` groups of 4·NR values, see `pack_b`): the
    /// AVX-512 build's tile wherever it fits (1024 = 16 x 64; 784 = 11 x 64 + 48 + 32), 24
    /// accumulators. Packed as four slivers one after another, the tile read four streams
    /// of B, 32 KiB apart; as one, it reads one. Square 1024, one thread, on a Xeon shared
    /// with other machines (both packings alternating product by product in one process, the
    /// same bits): level while the core was ours alone (speed ratio 1.00), 3.5-5% faster
    /// while the machine was busy; square 512 +5-7%, `dout · W1.T` +1-2% then.
    Quad(&'a [f32]),
}

impl BSliver<'_> {
    /// Columns of C the tile spans (some may be padding).
    pub fn width(&self) -> usize {
        match self {
            BSliver::Wide(_) => NR,
            BSliver::Narrow(_) => NR_NARROW,
            BSliver::Pair(..) => 2 * NR,
            BSliver::WideNarrow(..) => NR + NR_NARROW,
            BSliver::Triple(..) => 3 * NR,
            BSliver::Quad(..) => 4 * NR,
        }
    }
}

/// Columns of a narrow B sliver.
pub const NR_NARROW: usize = NR / 2;

/// Which steps of the sum over `p` the kernel takes.
///
/// A step whose MR values of A are all zero adds `0 · b` to every accumulator, which changes
/// nothing (see `sparsity.rs`): the kernel may skip it. MNIST images are 81% zeros, and more
/// than half of the steps of `x · W1` and `x.T · dout` are such steps.
#[derive(Clone, Copy, Debug)]
pub enum Steps<'a> {
    /// Every `p` in `0..kc`.
    All,
    /// Only these `p`, increasing, each below `kc`.
    Only(&'a [u32]),
}

/// Which A slivers the kernel multiplies by one B sliver, and where their tiles of C lie.
#[derive(Clone, Copy)]
pub enum Tiles<'a> {
    /// One sliver, wherever it lies; its tile at the start of C.
    One(ASliver<'a>, Steps<'a>),
    /// `count` packed slivers one after another (MR x kc each): LOOP 1 of the nest
    /// (`gemm.rs`), run inside the kernel's build, so that a product with a short sum does
    /// not pay a call and the build's entry for every tile (`dout · W1.T`, 50 steps per
    /// tile: 110 -> 105 us). Tile `s` lies at `c[s * MR * ldc..]` and takes `steps(s)`.
    Packed {
        data: &'a [f32],
        count: usize,
        steps: &'a dyn Fn(usize) -> Steps<'a>,
    },
}

/// C tiles (MR x width, rows `ldc` apart) = or += A slivers (MR x kc) · B sliver (kc x width).
///
/// With `accumulate` false the tiles are overwritten (the first KC slice of a product),
/// otherwise added to. Every element of C is computed the same way whatever the tile, the
/// slicing or the thread: one chain of multiply-adds over `p` in order, starting from zero.
///
/// Panics (programmer error) if `kernel` cannot run on this CPU or a slice is too short.
#[inline(always)]
// ANCHOR: run
pub fn run(
    kernel: Kernel,
    kc: usize,
    a: Tiles,
    b: BSliver,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    match kernel {
        Kernel::Portable => tiles::<false>(kc, a, b, c, ldc, accumulate),
        Kernel::Avx2Fma => {
            assert!(
                avx2_fma_detected(),
                "matmul: the AVX2+FMA kernel was asked for on a CPU without AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `avx2_fma` is safe Rust compiled with AVX2 and FMA enabled; the only
            // requirement for calling it is that the CPU has both, which the assert above has
            // just checked at run time.
            unsafe {
                avx2_fma(kc, a, b, c, ldc, accumulate)
            }
        }
        Kernel::Avx512 => {
            assert!(
                kernel.is_available(),
                "matmul: the AVX-512 kernel was asked for on a CPU without AVX-512F, AVX2 and FMA"
            );
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `avx512` is safe Rust compiled with AVX-512F, AVX2 and FMA enabled; the
            // only requirement for calling it is that the CPU has all three, which the assert
            // above has just checked at run time.
            unsafe {
                avx512(kc, a, b, c, ldc, accumulate)
            }
        }
    }
}
// ANCHOR_END: run

/// The kernel built with AVX2 and FMA: the same Rust as the portable build, but LLVM may use
/// 256-bit registers and `vfmadd` for `mul_add`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_fma(kc: usize, a: Tiles, b: BSliver, c: &mut [f32], ldc: usize, accumulate: bool) {
    tiles::<true>(kc, a, b, c, ldc, accumulate)
}

/// The kernel built with AVX-512F as well: LLVM keeps a row of 16 accumulators in one
/// 512-bit register and broadcasts A's value inside the multiply-add (`{1to16}`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f")]
fn avx512(kc: usize, a: Tiles, b: BSliver, c: &mut [f32], ldc: usize, accumulate: bool) {
    tiles::<true>(kc, a, b, c, ldc, accumulate)
}

/// The tiles one by one (inlined into each build).
#[inline(always)]
fn tiles<const FUSED: bool>(
    kc: usize,
    a: Tiles,
    b: BSliver,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    match a {
        Tiles::One(a, steps) => dispatch::<FUSED>(kc, a, steps, b, c, ldc, accumulate),
        Tiles::Packed { data, count, steps } => {
            for s in 0..count {
                let a = ASliver::Adjacent {
                    data: &data[s * MR * kc..],
                    step: MR,
                };
                let c = &mut c[s * MR * ldc..];
                dispatch::<FUSED>(kc, a, steps(s), b, c, ldc, accumulate);
            }
        }
    }
}

/// Picks the body's instance for these steps, this layout of A and this width of B (inlined
/// into each build).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dispatch<const FUSED: bool>(
    kc: usize,
    a: ASliver,
    steps: Steps,
    b: BSliver,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    match steps {
        Steps::All => dispatch_steps::<FUSED, true, _>(kc, a, 0..kc, b, c, ldc, accumulate),
        Steps::Only(ps) => {
            let steps = ps.iter().map(|&p| p as usize);
            dispatch_steps::<FUSED, false, _>(kc, a, steps, b, c, ldc, accumulate)
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dispatch_steps<const FUSED: bool, const ALL: bool, P: Iterator<Item = usize>>(
    kc: usize,
    a: ASliver,
    steps: P,
    b: BSliver,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    match b {
        BSliver::Wide(b) => {
            let b = One::<NR>(&b.as_chunks().0[..kc]);
            by_a::<FUSED, ALL, NR, _, _>(kc, a, steps, b, c, ldc, accumulate)
        }
        BSliver::Narrow(b) => {
            let b = One::<NR_NARROW>(&b.as_chunks().0[..kc]);
            by_a::<FUSED, ALL, NR_NARROW, _, _>(kc, a, steps, b, c, ldc, accumulate)
        }
        BSliver::Pair(b0, b1) => {
            let b = Two::<NR>(&b0.as_chunks().0[..kc], &b1.as_chunks().0[..kc]);
            by_a::<FUSED, ALL, { 2 * NR }, _, _>(kc, a, steps, b, c, ldc, accumulate)
        }
        BSliver::WideNarrow(b0, b1) => {
            let b = Two::<NR_NARROW>(&b0.as_chunks().0[..kc], &b1.as_chunks().0[..kc]);
            by_a::<FUSED, ALL, { NR + NR_NARROW }, _, _>(kc, a, steps, b, c, ldc, accumulate)
        }
        BSliver::Triple(b0, b1, b2) => {
            let b = Slivers([b0, b1, b2].map(|b| &b.as_chunks().0[..kc]));
            by_a::<FUSED, ALL, { 3 * NR }, _, _>(kc, a, steps, b, c, ldc, accumulate)
        }
        BSliver::Quad(b) => {
            let b = One::<{ 4 * NR }>(&b.as_chunks().0[..kc]);
            by_a::<FUSED, ALL, { 4 * NR }, _, _>(kc, a, steps, b, c, ldc, accumulate)
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn by_a<
    const FUSED: bool,
    const ALL: bool,
    const W: usize,
    B: BRow<W>,
    P: Iterator<Item = usize>,
>(
    kc: usize,
    a: ASliver,
    steps: P,
    b: B,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    match a {
        ASliver::Adjacent { data, step } => {
            let a = Adjacent { data, step };
            let steps = Listed::<_, _, _, W> { steps, a, b };
            body::<FUSED, W>(steps, c, ldc, accumulate)
        }
        ASliver::Rows { data, stride } if ALL => {
            // Every step: A's columns come from walking its MR rows side by side, with no
            // bounds check per step. With an index per row (below), LLVM kept a check per
            // row and step, and then loaded A's values and broadcast them in two
            // instructions rather than one; the broadcasts took the port of one of the two
            // 16-lane multiply-adds (a Xeon with AVX-512, `x · W1` on one thread, 82 -> 102-108
            // GFLOP/s).
            let steps = Rows::new(data, stride, kc).columns().enumerate();
            let steps = steps.map(|(p, column)| (column, b.row(p)));
            body::<FUSED, W>(steps, c, ldc, accumulate)
        }
        ASliver::Rows { data, stride } => {
            let a = Rows::new(data, stride, kc);
            let steps = Listed::<_, _, _, W> { steps, a, b };
            body::<FUSED, W>(steps, c, ldc, accumulate)
        }
    }
}

/// The steps of a tile taken by index: column `p` of A and row `p` of B for each step p
/// (every p, or the listed ones). `steps.map(..)` would do the same, but in the AVX-512
/// build, for a sliver of A read in place by rows and a tile of 32 or 48 columns, LLVM left
/// the map's `next` a call of its own, returned each step's 54 values through the stack and
/// spilled the accumulators. 100x784 · 784x50 on one
/// thread, the Xeon, listed steps forced (`gemm_on`): 70% of A's columns blank, 176 -> 56 µs
/// (every step: 73); 30% blank, 348 -> 90 µs (every step: 74; such a sliver now takes every
/// step, `SKIP_ROWS_FROM` in `sparsity.rs`). `next` always inlined keeps them in registers.
struct Listed<P, A, B, const W: usize> {
    steps: P,
    a: A,
    b: B,
}

impl<P: Iterator<Item = usize>, A: Column, B: BRow<W>, const W: usize> Iterator
    for Listed<P, A, B, W>
{
    type Item = ([f32; MR], [f32; W]);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let p = self.steps.next()?;
        Some((self.a.column(p), self.b.row(p)))
    }
}

/// Row `p` of a B sliver (or of two to four side by side): its W values.
trait BRow<const W: usize> {
    fn row(&self, p: usize) -> [f32; W];
}

/// One packed sliver, W wide (or four packed as one, `BSliver::Quad`).
struct One<'a, const W: usize>(&'a [[f32; W]]);

impl<const W: usize> BRow<W> for One<'_, W> {
    #[inline(always)]
    fn row(&self, p: usize) -> [f32; W] {
        self.0[p]
    }
}

/// A wide sliver and a second one, W2 wide, side by side (`BSliver::Pair`, `WideNarrow`).
struct Two<'a, const W2: usize>(&'a [[f32; NR]], &'a [[f32; W2]]);

impl BRow<{ 2 * NR }> for Two<'_, NR> {
    #[inline(always)]
    fn row(&self, p: usize) -> [f32; 2 * NR] {
        side_by_side(&self.0[p], &self.1[p])
    }
}

impl BRow<{ NR + NR_NARROW }> for Two<'_, NR_NARROW> {
    #[inline(always)]
    fn row(&self, p: usize) -> [f32; NR + NR_NARROW] {
        side_by_side(&self.0[p], &self.1[p])
    }
}

/// S wide slivers side by side (`BSliver::Triple`).
struct Slivers<'a, const S: usize>([&'a [[f32; NR]]; S]);

impl<const S: usize> Slivers<'_, S> {
    /// Row `p` of each sliver, one after another (W = S·NR values).
    #[inline(always)]
    fn side_by_side<const W: usize>(&self, p: usize) -> [f32; W] {
        let mut row = [0.0; W];
        for (part, sliver) in row.chunks_exact_mut(NR).zip(&self.0) {
            part.copy_from_slice(&sliver[p]);
        }
        row
    }
}

impl BRow<{ 3 * NR }> for Slivers<'_, 3> {
    #[inline(always)]
    fn row(&self, p: usize) -> [f32; 3 * NR] {
        self.side_by_side(p)
    }
}

/// The W values of `first` and then `second`.
#[inline(always)]
fn side_by_side<const W: usize>(first: &[f32; NR], second: &[f32]) -> [f32; W] {
    let mut row = [0.0; W];
    row[..NR].copy_from_slice(first);
    row[NR..].copy_from_slice(second);
    row
}

/// Column `p` of an A sliver: its MR values.
trait Column {
    fn column(&self, p: usize) -> [f32; MR];
}

/// `ASliver::Adjacent`.
struct Adjacent<'a> {
    data: &'a [f32],
    step: usize,
}

impl Column for Adjacent<'_> {
    #[inline(always)]
    fn column(&self, p: usize) -> [f32; MR] {
        let at = p * self.step;
        self.data[at..at + MR].try_into().unwrap()
    }
}

/// `ASliver::Rows`, cut into MR row slices of length kc (so that indexing needs no check).
struct Rows<'a>([&'a [f32]; MR]);

impl<'a> Rows<'a> {
    #[inline(always)]
    fn new(data: &'a [f32], stride: usize, kc: usize) -> Rows<'a> {
        Rows(std::array::from_fn(|i| &data[i * stride..i * stride + kc]))
    }
}

impl Column for Rows<'_> {
    #[inline(always)]
    fn column(&self, p: usize) -> [f32; MR] {
        std::array::from_fn(|i| self.0[i][p])
    }
}

impl<'a> Rows<'a> {
    /// Every column `p` in order: the MR rows walked side by side.
    #[inline(always)]
    fn columns(self) -> impl Iterator<Item = [f32; MR]> + 'a {
        let [r0, r1, r2, r3, r4, r5] = self.0;
        let rows = r0.iter().zip(r1).zip(r2).zip(r3).zip(r4).zip(r5);
        rows.map(|(((((a0, a1), a2), a3), a4), a5)| [*a0, *a1, *a2, *a3, *a4, *a5])
    }
}

// ANCHOR: body
/// The one micro-kernel body: `MR x W` accumulators, one rank-1 update per step of `p`.
///
/// `FUSED` picks `mul_add` (one rounding, one instruction where FMA exists) or a separate
/// multiply and add; the portable build must not use `mul_add`, which becomes a slow library
/// call on CPUs without FMA.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn body<const FUSED: bool, const W: usize>(
    steps: impl Iterator<Item = ([f32; MR], [f32; W])>,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    // The accumulators start from C itself when adding to it, so that each element of C is
    // one unbroken chain of multiply-adds over the whole sum, whatever the KC slicing.
    let mut ab = [[0.0f32; W]; MR];
    if accumulate {
        for (i, ab_row) in ab.iter_mut().enumerate() {
            ab_row.copy_from_slice(&c[i * ldc..i * ldc + W]);
        }
    }
    for (ap, bp) in steps {
        for (ab_row, &ai) in ab.iter_mut().zip(&ap) {
            axpy_row::<FUSED, W>(ab_row, ai, &bp);
        }
    }
    for (i, ab_row) in ab.iter().enumerate() {
        c[i * ldc..i * ldc + W].copy_from_slice(ab_row);
    }
}

/// `acc += a · b` for one row of the tile: W lanes, W/8 AVX registers in the AVX2 build,
/// W/16 in the AVX-512 build.
///
/// A separate function (always inlined) rather than a nested loop: written this way LLVM
/// unrolls the rows and keeps all MR x NR accumulators in registers; with the loops nested
/// inline it kept them in memory and ran ~10x slower (checked in the assembly).
#[inline(always)]
pub(super) fn axpy_row<const FUSED: bool, const W: usize>(
    acc: &mut [f32; W],
    a: f32,
    b: &[f32; W],
) {
    for (acc, &bj) in acc.iter_mut().zip(b) {
        *acc = multiply_add::<FUSED>(a, bj, *acc);
    }
}

/// `a · b + acc`: one rounding with FUSED (`mul_add`, one instruction where FMA exists), two
/// without. Shared by this kernel and the edge kernel (`edge.rs`), so both round alike.
#[inline(always)]
pub(super) fn multiply_add<const FUSED: bool>(a: f32, b: f32, acc: f32) -> f32 {
    if FUSED {
        a.mul_add(b, acc)
    } else {
        a * b + acc
    }
}
// ANCHOR_END: body
