//! The non-zero columns of each row of A, listed once and kept with the matrix.
//!
//! The sparse path (`sparse.rs`) lists, row by row, the columns where A is not zero, and then
//! adds up only those rows of B. A training step multiplies the same batch by W1 twice: in
//! `gradient`'s forward pass and again in `loss` after the update. The batch has not changed
//! in between, so neither have its lists: the first product keeps them here, and the second
//! reads them instead of listing the 78400 values again (about a quarter of `x · W1`'s time
//! on one thread: the loss's forward pass went from about 78 to 64 µs).
//!
//! The cache belongs to the stored values: a `Matrix` holds one next to its values, hands it to
//! the product with them (`Operand::nonzeros`), and forgets what it holds whenever a value
//! changes (`Matrix::values_mut`). Lists are only ever made from the values themselves, so
//! kept or made afresh they are the same, and so is the product, bit for bit.
//!
//! They may also come with the values: the data loader lists each image's non-zero pixels
//! once, when the data set is made (`mnist.rs`), and hands a training batch or an evaluation
//! chunk over with its rows' lists already kept (`Matrix::keep_nonzero_lists`), so that not even the first
//! product on it lists them. A pixel is zero exactly when its value in [0, 1] is, so these are
//! the same lists again (checked against the values in every test build).

use std::ops::Range;
use std::sync::OnceLock;

/// Where the lists of a row-major matrix's rows are kept between products: empty until the
/// sparse path fills it, then read by every later product on the same values.
#[derive(Debug, Default)]
pub struct NonZeroCache(OnceLock<NonZeros>);

impl NonZeroCache {
    pub const fn new() -> NonZeroCache {
        NonZeroCache(OnceLock::new())
    }

    /// Forgets the lists (the values are about to change).
    pub fn clear(&mut self) {
        self.0.take();
    }

    /// Whether lists are kept.
    pub fn is_filled(&self) -> bool {
        self.0.get().is_some()
    }

    /// The lists, if a product has made them for an `m x k` matrix. Lists made for another
    /// shape (which a `Matrix` never hands over) are not used.
    pub(super) fn get(&self, m: usize, k: usize) -> Option<&NonZeros> {
        self.0.get().filter(|lists| lists.m == m && lists.k == k)
    }

    /// Keeps `lists`, unless some are kept already (they would be the same).
    pub fn keep(&self, lists: NonZeros) {
        let _ = self.0.set(lists);
    }
}

/// The lists of all rows of an `m x k` matrix, in the bands of rows the threads made them in.
#[derive(Debug)]
pub struct NonZeros {
    m: usize,
    k: usize,
    /// Sorted by their first row, covering `0..m` without gaps.
    bands: Vec<BandLists>,
}

impl NonZeros {
    /// Puts together the lists of the bands, which must cover the rows `0..m` in order.
    pub fn new(m: usize, k: usize, bands: Vec<BandLists>) -> NonZeros {
        let mut next = 0;
        for band in &bands {
            assert_eq!(band.rows.start, next, "NonZeros: the bands leave a gap");
            assert_eq!(
                band.ends.len(),
                band.rows.len(),
                "NonZeros: a band is unfinished"
            );
            next = band.rows.end;
        }
        assert_eq!(next, m, "NonZeros: the bands end at row {next}, not {m}");
        NonZeros { m, k, bands }
    }

    /// How many non-zeros the lists hold, all rows together.
    pub fn count(&self) -> usize {
        self.bands.iter().map(|band| band.cols.len()).sum()
    }

    /// (m, k): the shape of the matrix these are the lists of.
    pub fn shape(&self) -> (usize, usize) {
        (self.m, self.k)
    }

    /// The non-zero columns of row `i`, in order.
    pub(super) fn row(&self, i: usize) -> &[u32] {
        let b = self.bands.partition_point(|band| band.rows.end <= i);
        self.bands[b].row(i)
    }

    /// Whether these are exactly the lists of `values` (row-major, `m x k`): each row's
    /// columns that hold a non-zero, in order. For checks: lists handed over with a matrix
    /// are trusted by every product on it.
    pub fn are_lists_of(&self, values: &[f32]) -> bool {
        values.len() == self.m * self.k
            && (0..self.m).all(|i| {
                let row = &values[i * self.k..(i + 1) * self.k];
                let listed = self.row(i).iter().map(|&p| p as usize);
                listed.eq((0..self.k).filter(|&p| row[p] != 0.0))
            })
    }
}

/// The lists of the rows `rows`, one after another.
#[derive(Debug, Default)]
pub struct BandLists {
    rows: Range<usize>,
    /// The listed columns of all rows pushed so far.
    cols: Vec<u32>,
    /// Where each row's list ends in `cols` (it starts where the previous one ends).
    ends: Vec<usize>,
}

impl BandLists {
    /// Empty lists for the rows `rows` of a matrix `k` wide, to be filled row by row with
    /// `push_row`. Room is made for a quarter of the values (an MNIST image has a fifth
    /// non-zero), so that a band of MNIST rows is listed without moving its lists.
    pub fn new(rows: Range<usize>, k: usize) -> BandLists {
        BandLists {
            cols: Vec::with_capacity(rows.len() * k.div_ceil(4)),
            ends: Vec::with_capacity(rows.len()),
            rows,
        }
    }

    /// Appends the list of the next row, and returns it as kept.
    pub(super) fn push_row(&mut self, list: &[u32]) -> &[u32] {
        assert!(
            self.ends.len() < self.rows.len(),
            "BandLists: the band is full"
        );
        let start = self.cols.len();
        self.cols.extend_from_slice(list);
        self.ends.push(self.cols.len());
        &self.cols[start..]
    }

    /// Appends the list of the next row, given as 16-bit columns (as a data set keeps them).
    pub fn push_row_u16(&mut self, list: &[u16]) {
        assert!(
            self.ends.len() < self.rows.len(),
            "BandLists: the band is full"
        );
        self.cols.extend(list.iter().map(|&p| u32::from(p)));
        self.ends.push(self.cols.len());
    }

    /// The list of row `i` (one of `rows`, already pushed).
    fn row(&self, i: usize) -> &[u32] {
        let r = i - self.rows.start;
        let start = if r == 0 { 0 } else { self.ends[r - 1] };
        &self.cols[start..self.ends[r]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of a 3 x 4 matrix, made in two bands.
    fn lists() -> NonZeros {
        let mut top = BandLists::new(0..2, 4);
        top.push_row(&[1, 3]);
        top.push_row(&[]);
        let mut bottom = BandLists::new(2..3, 4);
        bottom.push_row(&[0, 1, 2, 3]);
        NonZeros::new(3, 4, vec![top, bottom])
    }

    #[test]
    fn each_row_is_found_in_its_band() {
        let lists = lists();
        assert_eq!(lists.count(), 6);
        assert_eq!(lists.row(0), [1, 3]);
        assert_eq!(lists.row(1), [] as [u32; 0]);
        assert_eq!(lists.row(2), [0, 1, 2, 3]);
    }

    #[test]
    fn lists_are_used_for_their_own_shape_only() {
        let mut cache = NonZeroCache::new();
        assert!(!cache.is_filled() && cache.get(3, 4).is_none());
        cache.keep(lists());
        assert!(cache.is_filled());
        assert!(cache.get(3, 4).is_some());
        assert!(cache.get(4, 3).is_none() && cache.get(3, 5).is_none());
        assert!(cache.get(2, 4).is_none());
        cache.clear();
        assert!(!cache.is_filled() && cache.get(3, 4).is_none());
    }

    #[test]
    fn lists_given_as_16_bit_columns_are_the_same() {
        let mut band = BandLists::new(0..3, 4);
        band.push_row_u16(&[1, 3]);
        band.push_row_u16(&[]);
        band.push_row_u16(&[0, 1, 2, 3]);
        let lists = NonZeros::new(3, 4, vec![band]);
        for i in 0..3 {
            assert_eq!(lists.row(i), self::lists().row(i), "row {i}");
        }
    }

    #[test]
    fn lists_are_checked_against_the_values() {
        let values = [
            0.0, 0.5, -0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, -1.0, 1e-30,
        ];
        assert!(lists().are_lists_of(&values));
        // A non-zero left out, a zero listed, a row's lists swapped, a wrong shape.
        let mut missing = values;
        missing[2] = 3.0;
        assert!(!lists().are_lists_of(&missing));
        let mut extra = values;
        extra[3] = 0.0;
        assert!(!lists().are_lists_of(&extra));
        let mut moved = values;
        moved.swap(1, 5);
        assert!(!lists().are_lists_of(&moved));
        assert!(!lists().are_lists_of(&values[..8]));
    }

    #[test]
    #[should_panic(expected = "full")]
    fn a_band_takes_no_more_16_bit_rows_than_it_has() {
        let mut band = BandLists::new(0..1, 4);
        band.push_row_u16(&[0]);
        band.push_row_u16(&[1]);
    }

    #[test]
    #[should_panic(expected = "gap")]
    fn bands_must_follow_each_other() {
        let mut band = BandLists::new(1..2, 4);
        band.push_row(&[2]);
        NonZeros::new(2, 4, vec![band]);
    }

    #[test]
    #[should_panic(expected = "unfinished")]
    fn a_band_must_hold_all_its_rows() {
        let band = BandLists::new(0..2, 4);
        NonZeros::new(2, 4, vec![band]);
    }

    #[test]
    #[should_panic(expected = "full")]
    fn a_band_takes_no_more_rows_than_it_has() {
        let mut band = BandLists::new(0..1, 4);
        band.push_row(&[0]);
        band.push_row(&[1]);
    }
}
