//! `.T` from scratch: the naive transpose and a cache-blocked one.
//!
//! A naive transpose reads rows and writes columns: every write to the output lands on a new
//! cache line, so for a large matrix each line is fetched, touched once and evicted before its
//! neighbours are written. Cutting the matrix into `TILE x TILE` tiles keeps one tile's source
//! rows and destination rows in L1 together, so every fetched line is used in full.

/// Tile edge, in elements. 32 x 32 f32 tiles are 4 KiB each: source and destination tiles fit
/// L1 (32 KiB on Zen 3) together with room to spare.
pub const TILE: usize = 32;

/// `dst` (cols x rows) = transpose of `src` (rows x cols), one element at a time.
pub fn transpose_naive(rows: usize, cols: usize, src: &[f32], dst: &mut [f32]) {
    assert_eq!(
        src.len(),
        rows * cols,
        "transpose_naive: src is not {rows}x{cols}"
    );
    assert_eq!(
        dst.len(),
        rows * cols,
        "transpose_naive: dst is not {cols}x{rows}"
    );
    for r in 0..rows {
        for c in 0..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

/// `dst` (cols x rows) = transpose of `src` (rows x cols), tile by tile.
// ANCHOR: transpose_blocked
pub fn transpose_blocked(rows: usize, cols: usize, src: &[f32], dst: &mut [f32]) {
    assert_eq!(
        src.len(),
        rows * cols,
        "transpose_blocked: src is not {rows}x{cols}"
    );
    assert_eq!(
        dst.len(),
        rows * cols,
        "transpose_blocked: dst is not {cols}x{rows}"
    );
    for r0 in (0..rows).step_by(TILE) {
        let r1 = (r0 + TILE).min(rows);
        for c0 in (0..cols).step_by(TILE) {
            let c1 = (c0 + TILE).min(cols);
            for r in r0..r1 {
                for c in c0..c1 {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
        }
    }
}
// ANCHOR_END: transpose_blocked
