//! The Matrix operations the layers use (everything but the product and the transpose, which
//! have tests of their own): each checked against numpy's meaning, element by element.

use backprop::matmul::{self, Operand, Path};
use backprop::{Matrix, Rng};

fn m(rows: usize, cols: usize, data: &[f32]) -> Matrix {
    Matrix::from_vec(rows, cols, data.to_vec())
}

#[test]
fn construction_and_access() {
    let z = Matrix::zeros(2, 3);
    assert_eq!(z.shape(), (2, 3));
    assert!(z.as_slice().iter().all(|&v| v == 0.0));

    let mut a = m(2, 3, &[1., 2., 3., 4., 5., 6.]);
    assert_eq!((a.rows(), a.cols()), (2, 3));
    assert_eq!(a.get(1, 0), 4.0);
    assert_eq!(a.row(1), &[4., 5., 6.]);
    a.set(0, 2, 9.0);
    a.row_mut(1)[1] = -5.0;
    assert_eq!(a.into_vec(), vec![1., 2., 9., 4., -5., 6.]);
}

#[test]
#[should_panic(expected = "5 values cannot fill a 2x3 matrix")]
fn from_vec_checks_the_shape() {
    Matrix::from_vec(2, 3, vec![0.0; 5]);
}

#[test]
#[should_panic(expected = "index (2, 0) is outside a 2x3 matrix")]
fn get_out_of_range_names_the_index_and_shape() {
    Matrix::zeros(2, 3).get(2, 0);
}

#[test]
fn randn_scales_gaussian_samples_and_follows_the_seed() {
    let a = Matrix::randn(100, 50, 0.01, &mut Rng::new(5));
    let b = Matrix::randn(100, 50, 0.01, &mut Rng::new(5));
    assert_eq!(a, b, "same seed, same weights");
    let n = a.as_slice().len() as f32;
    let mean = a.as_slice().iter().sum::<f32>() / n;
    let std = (a.as_slice().iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
    assert!(mean.abs() < 0.001, "mean {mean}");
    assert!((std - 0.01).abs() < 0.0005, "std {std}, want 0.01");
    assert_ne!(a, Matrix::randn(100, 50, 0.01, &mut Rng::new(6)));
}

#[test]
fn element_wise_operations() {
    let a = m(2, 2, &[1., -2., 3., 4.]);
    let b = m(2, 2, &[0.5, 2., -1., 2.]);
    assert_eq!(a.add(&b).into_vec(), vec![1.5, 0., 2., 6.]);
    assert_eq!(a.sub(&b).into_vec(), vec![0.5, -4., 4., 2.]);
    assert_eq!(a.mul(&b).into_vec(), vec![0.5, -4., -3., 8.]);
    assert_eq!(a.scale(-2.0).into_vec(), vec![-2., 4., -6., -8.]);
    assert_eq!(a.map(|v| v.max(0.0)).into_vec(), vec![1., 0., 3., 4.]);
    assert_eq!(a.zip_map(&b, f32::max).into_vec(), vec![1., 2., 3., 4.]);
    let mut c = a.clone();
    c.map_inplace(|v| v * v);
    assert_eq!(c.into_vec(), vec![1., 4., 9., 16.]);
}

#[test]
#[should_panic(expected = "add: shapes 2x2 and 2x3 differ")]
fn element_wise_shape_mismatch_names_both_shapes() {
    Matrix::zeros(2, 2).add(&Matrix::zeros(2, 3));
}

#[test]
fn add_row_broadcasts_the_bias_over_every_row() {
    let mut x = m(3, 2, &[1., 2., 3., 4., 5., 6.]);
    x.add_row_inplace(&m(1, 2, &[10., 20.]));
    assert_eq!(x.into_vec(), vec![11., 22., 13., 24., 15., 26.]);
}

#[test]
#[should_panic(expected = "add_row: cannot broadcast a 1x3 bias over a 3x2 matrix")]
fn add_row_rejects_a_bias_of_the_wrong_width() {
    Matrix::zeros(3, 2).add_row_inplace(&Matrix::zeros(1, 3));
}

#[test]
fn sum_rows_is_numpy_sum_over_axis_0() {
    let x = m(3, 2, &[1., 2., 3., 4., 5., 6.]);
    assert_eq!(x.sum_rows(), m(1, 2, &[9., 12.]));
    assert_eq!(Matrix::zeros(0, 4).sum_rows(), Matrix::zeros(1, 4));
}

#[test]
fn argmax_rows_picks_the_first_largest() {
    let x = m(3, 3, &[0.1, 0.7, 0.2, 5., -1., 5., -3., -2., -1.]);
    assert_eq!(x.argmax_rows(), vec![1, 0, 2]);
}

#[test]
fn gather_rows_is_fancy_indexing_with_repeats() {
    let x = m(3, 2, &[1., 2., 3., 4., 5., 6.]);
    assert_eq!(
        x.gather_rows(&[2, 0, 2]).into_vec(),
        vec![5., 6., 1., 2., 5., 6.]
    );
    assert_eq!(x.gather_rows(&[]).shape(), (0, 2));
}

#[test]
#[should_panic(expected = "row 3 of a 3x2 matrix")]
fn gather_rows_out_of_range_panics_with_the_row() {
    Matrix::zeros(3, 2).gather_rows(&[0, 3]);
}

#[test]
fn sub_scaled_is_one_gradient_descent_step() {
    let mut w = m(1, 3, &[1., 2., 3.]);
    w.sub_scaled(0.5, &m(1, 3, &[2., -4., 0.]));
    assert_eq!(w.into_vec(), vec![0., 4., 3.]);
}

/// A matrix the size of W1 and one of an odd size, on 1 to 3 threads (cut into parts, each
/// updated by one thread): every value is `w - lr * g`, rounded as numpy's `w -= lr * g` is
/// (the product rounded, then the difference).
#[test]
fn sub_scaled_on_threads_is_the_same_step_everywhere() {
    let mut rng = Rng::new(7);
    for (rows, cols) in [(784, 50), (331, 67)] {
        let w = Matrix::randn(rows, cols, 1.0, &mut rng);
        let g = Matrix::randn(rows, cols, 1.0, &mut rng);
        for threads in [1, 2, 3] {
            matmul::set_threads_here(threads);
            let mut stepped = w.clone();
            stepped.sub_scaled(0.1, &g);
            for (i, ((&s, &w), &g)) in stepped
                .as_slice()
                .iter()
                .zip(w.as_slice())
                .zip(g.as_slice())
                .enumerate()
            {
                let lr_g = 0.1f32 * g;
                assert_eq!(
                    s.to_bits(),
                    (w - lr_g).to_bits(),
                    "value {i}, {threads} threads"
                );
            }
        }
    }
    matmul::set_threads_here(0);
}

/// `all_finite` is `np.isfinite(m).all()`: false for a NaN or an infinity of either sign
/// anywhere, and it follows every change: written through `set` or `as_mut_slice` after it
/// was asked, on a clone that shares the values (the original keeps its answer), and by
/// `sub_scaled` (which tells it without a pass) on one thread and on several.
#[test]
fn all_finite_knows_nan_and_infinity_and_follows_every_change() {
    assert!(m(2, 2, &[1., -2., 0., f32::MAX]).all_finite());
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(!m(1, 3, &[1., bad, 2.]).all_finite(), "{bad}");
    }
    let mut a = m(1, 3, &[1., 2., 3.]);
    assert!(a.all_finite());
    a.set(0, 2, f32::NAN);
    assert!(!a.all_finite());
    let mut b = m(2, 2, &[1., 2., 3., 4.]);
    assert!(b.all_finite());
    b.as_mut_slice()[3] = f32::INFINITY;
    assert!(!b.all_finite());
    let c = m(1, 2, &[1., 2.]);
    assert!(c.all_finite());
    let mut shared = c.clone();
    shared.set(0, 0, f32::NEG_INFINITY);
    assert!(c.all_finite() && !shared.all_finite());

    for threads in [1, 2] {
        matmul::set_threads_here(threads);
        // A W1-sized matrix whose last value overflows to +inf (MAX + MAX), then back to
        // finite values only after a fresh start.
        let mut w = Matrix::zeros(784, 50);
        let mut g = Matrix::zeros(784, 50);
        w.set(783, 49, f32::MAX);
        g.set(783, 49, -f32::MAX);
        assert!(w.all_finite());
        w.sub_scaled(1.0, &g);
        assert_eq!(w.get(783, 49), f32::INFINITY, "{threads} threads");
        assert!(!w.all_finite(), "{threads} threads");
        let mut fine = Matrix::zeros(784, 50);
        fine.sub_scaled(0.5, &Matrix::zeros(784, 50));
        assert!(fine.all_finite(), "{threads} threads");
        // inf - inf = NaN, in a small matrix (one part).
        let mut small = m(1, 3, &[0., f32::INFINITY, 1.]);
        small.sub_scaled(1.0, &m(1, 3, &[0., f32::INFINITY, 0.]));
        assert!(
            small.get(0, 1).is_nan() && !small.all_finite(),
            "{threads} threads"
        );
    }
    matmul::set_threads_here(0);
}

#[test]
#[should_panic(expected = "sub_scaled: shapes 1x3 and 3x1 differ")]
fn sub_scaled_shape_mismatch() {
    Matrix::zeros(1, 3).sub_scaled(0.1, &Matrix::zeros(3, 1));
}

/// A clone shares its values with the original (as numpy's `self.x = x` keeps a reference):
/// no copy is made until one of them changes.
#[test]
fn a_clone_shares_the_values_until_one_changes() {
    let a = Matrix::randn(30, 40, 1.0, &mut Rng::new(5));
    let mut b = a.clone();
    assert_eq!(a.as_slice().as_ptr(), b.as_slice().as_ptr());
    let mut c = Matrix::zeros(2, 2);
    c.clone_from(&a);
    assert_eq!(a.as_slice().as_ptr(), c.as_slice().as_ptr());
    b.set(0, 0, 7.0);
    assert_ne!(a.as_slice().as_ptr(), b.as_slice().as_ptr());
    // A matrix nobody shares is changed where it lies.
    let before = b.as_slice().as_ptr();
    b.set(1, 1, 8.0);
    b.as_mut_slice()[2] = 9.0;
    assert_eq!(b.as_slice().as_ptr(), before);
}

/// Changing a matrix, by any of the methods that change one, never changes a clone of it or
/// the matrix it was cloned from.
#[test]
fn changing_a_clone_leaves_the_original_as_it_was() {
    let original = Matrix::randn(4, 5, 1.0, &mut Rng::new(6));
    let values = original.as_slice().to_vec();
    let bias = Matrix::randn(1, 5, 1.0, &mut Rng::new(7));
    let other = Matrix::randn(5, 3, 1.0, &mut Rng::new(8));
    let step = Matrix::randn(4, 5, 1.0, &mut Rng::new(9));
    type Change<'a> = Box<dyn Fn(&mut Matrix) + 'a>;
    let changes: Vec<(&str, Change)> = vec![
        ("set", Box::new(|m| m.set(1, 2, 42.0))),
        ("row_mut", Box::new(|m| m.row_mut(3)[0] = 42.0)),
        ("as_mut_slice", Box::new(|m| m.as_mut_slice()[7] = 42.0)),
        ("map_inplace", Box::new(|m| m.map_inplace(|v| v * 2.0))),
        ("add_row_inplace", Box::new(|m| m.add_row_inplace(&bias))),
        ("sub_scaled", Box::new(|m| m.sub_scaled(0.5, &step))),
        ("dot_into", Box::new(|m| original.dot_into(&other, m))),
    ];
    for (name, change) in &changes {
        let mut copy = original.clone();
        change(&mut copy);
        assert_ne!(copy.as_slice(), values.as_slice(), "{name} changed nothing");
        assert_eq!(original.as_slice(), values, "{name} changed the original");
        let source = copy.clone();
        let kept = copy.as_slice().to_vec();
        let mut again = source.clone();
        change(&mut again);
        assert_eq!(source.as_slice(), kept, "{name} changed the clone's source");
    }
}

/// A 240 x 256 matrix with 70% zeros (the product takes the sparse path, as for an MNIST
/// batch, and is large enough to be cut into bands for two threads), and a 256 x 16 one to
/// multiply it by.
fn sparse_and_dense(seed: u64) -> (Matrix, Matrix) {
    let mut rng = Rng::new(seed);
    let values = (0..240 * 256)
        .map(|_| {
            let v = rng.normal() as f32;
            if rng.below(10) < 7 { 0.0 } else { v }
        })
        .collect();
    let x = Matrix::from_vec(240, 256, values);
    let w = Matrix::randn(256, 16, 1.0, &mut rng);
    let (a, b) = (
        Operand::row_major(x.as_slice(), 256),
        Operand::row_major(w.as_slice(), 16),
    );
    assert_eq!(matmul::path(240, 256, 16, a, b), Path::Sparse);
    (x, w)
}

/// `x · w` by a matrix that keeps no lists: a copy of `x`'s values.
fn fresh_product(x: &Matrix, w: &Matrix) -> Vec<f32> {
    let copy = Matrix::from_vec(x.rows(), x.cols(), x.as_slice().to_vec());
    assert!(!copy.keeps_nonzero_lists());
    copy.dot(w).into_vec()
}

/// The sparse path keeps the lists of A's non-zeros in the matrix, and the next product reads
/// them: the same bits as lists made afresh, whichever thread count made or reads them (the
/// lists are kept in bands of rows, one per part of the work).
#[test]
fn a_sparse_product_keeps_its_lists_for_the_next_one() {
    let (x, w) = sparse_and_dense(11);
    assert!(!x.keeps_nonzero_lists());
    let expected = fresh_product(&x, &w);
    for (make, read) in [(1, 1), (2, 1), (1, 2), (2, 2)] {
        let x = Matrix::from_vec(240, 256, x.as_slice().to_vec());
        matmul::set_threads_here(make);
        let made = x.dot(&w);
        assert!(x.keeps_nonzero_lists());
        matmul::set_threads_here(read);
        let kept = x.dot(&w);
        assert!(made.as_slice() == expected, "lists made on {make} threads");
        assert!(
            kept.as_slice() == expected,
            "made on {make}, read on {read}"
        );
    }
    matmul::set_threads_here(0);
    // A dense product and a transposed operand keep nothing.
    let dense = Matrix::randn(240, 256, 1.0, &mut Rng::new(12));
    dense.dot(&w);
    assert!(!dense.keeps_nonzero_lists());
    let y = Matrix::from_vec(240, 256, x.as_slice().to_vec());
    y.t_dot(&Matrix::randn(240, 8, 1.0, &mut Rng::new(13)));
    assert!(!y.keeps_nonzero_lists());
}

/// Every method that changes a matrix forgets its lists, so that no product reads lists of
/// values that are gone: after each change the product equals one from lists made afresh.
/// The changes turn zeros into non-zeros where they can, which kept lists would leave out.
#[test]
fn changing_a_matrix_forgets_its_lists() {
    let (x, w) = sparse_and_dense(14);
    let zero = x.as_slice().iter().position(|&v| v == 0.0).unwrap();
    let (r, c) = (zero / 256, zero % 256);
    let mut bias = Matrix::zeros(1, 256);
    bias.set(0, c, 3.0);
    let mut step = Matrix::zeros(240, 256);
    step.set(r, c, -2.0);
    let other = Matrix::randn(256, 256, 1.0, &mut Rng::new(15));
    let sparse = x.clone();
    type Change<'a> = Box<dyn Fn(&mut Matrix) + 'a>;
    let changes: Vec<(&str, Change)> = vec![
        ("set", Box::new(|m| m.set(r, c, 42.0))),
        ("row_mut", Box::new(|m| m.row_mut(r)[c] = 42.0)),
        ("as_mut_slice", Box::new(|m| m.as_mut_slice()[zero] = 42.0)),
        ("map_inplace", Box::new(|m| m.map_inplace(|v| v * 2.0))),
        ("add_row_inplace", Box::new(|m| m.add_row_inplace(&bias))),
        ("sub_scaled", Box::new(|m| m.sub_scaled(1.0, &step))),
        ("dot_into", Box::new(|m| sparse.t().t().dot_into(&other, m))),
    ];
    for (name, change) in &changes {
        // The matrix's own values, and values shared with a clone.
        for shared in [false, true] {
            let mut m = Matrix::from_vec(240, 256, x.as_slice().to_vec());
            let clone = m.clone();
            m.dot(&w);
            assert!(m.keeps_nonzero_lists() && clone.keeps_nonzero_lists());
            if !shared {
                drop(clone);
                change(&mut m);
            } else {
                change(&mut m);
                assert!(clone.keeps_nonzero_lists(), "{name} took the clone's lists");
                let same = clone.dot(&w).into_vec() == fresh_product(&clone, &w);
                assert!(same, "{name}: the clone's product changed");
            }
            assert!(!m.keeps_nonzero_lists(), "{name} kept the lists");
            let same = m.dot(&w).into_vec() == fresh_product(&m, &w);
            assert!(same, "{name}: the product read lists of the old values");
        }
    }
}

/// A matrix multiplied as the B of a sparse product keeps a copy of its rows padded to whole
/// cache lines (`matmul/padded.rs`) for the next product. Every method that changes it
/// forgets the copy, but for `sub_scaled`, which makes it again from the new values as it
/// writes them (on 1 and 2 threads, the values in several parts); a clone that shares the values keeps its copy. After
/// each change the product equals one with a matrix that never had a copy.
#[test]
fn changing_a_matrix_forgets_or_remakes_its_padded_rows() {
    let (x, _) = sparse_and_dense(16);
    // 70 columns: enough values (17,920) for `sub_scaled` to share them out on two threads.
    const N: usize = 70;
    let mut rng = Rng::new(17);
    let w0 = Matrix::randn(256, N, 1.0, &mut rng);
    let bias = Matrix::randn(1, N, 1.0, &mut rng);
    let step = Matrix::randn(256, N, 1.0, &mut rng);
    let other = Matrix::randn(256, 256, 1.0, &mut rng);
    let fresh = |w: &Matrix| x.dot(&Matrix::from_vec(256, N, w.as_slice().to_vec()));
    type Change<'a> = Box<dyn Fn(&mut Matrix) + 'a>;
    let changes: Vec<(&str, Change, bool)> = vec![
        ("set", Box::new(|m| m.set(3, N - 1, 42.0)), false),
        ("row_mut", Box::new(|m| m.row_mut(200)[48] = 42.0), false),
        (
            "as_mut_slice",
            Box::new(|m| m.as_mut_slice()[0] = 42.0),
            false,
        ),
        (
            "map_inplace",
            Box::new(|m| m.map_inplace(|v| v * 2.0)),
            false,
        ),
        (
            "add_row_inplace",
            Box::new(|m| m.add_row_inplace(&bias)),
            false,
        ),
        ("sub_scaled", Box::new(|m| m.sub_scaled(0.5, &step)), true),
        ("dot_into", Box::new(|m| other.dot_into(&w0, m)), false),
    ];
    // A product of fewer rows than PAD_B_FROM_ROWS reads B where it lies, making no copy.
    let few = Matrix::from_vec(8, 256, x.as_slice()[..8 * 256].to_vec());
    let w = Matrix::from_vec(256, N, w0.as_slice().to_vec());
    let _ = few.dot(&w);
    assert!(!w.keeps_padded_rows(), "a copy for {} rows", few.rows());
    for threads in [1, 2] {
        matmul::set_threads_here(threads);
        for (name, change, remade) in &changes {
            for shared in [false, true] {
                let mut w = Matrix::from_vec(256, N, w0.as_slice().to_vec());
                let clone = w.clone();
                let _ = x.dot(&w);
                assert!(w.keeps_padded_rows() && clone.keeps_padded_rows(), "{name}");
                if !shared {
                    drop(clone);
                    change(&mut w);
                } else {
                    change(&mut w);
                    assert!(clone.keeps_padded_rows(), "{name} took the clone's copy");
                    assert_eq!(x.dot(&clone), fresh(&clone), "{name}: the clone changed");
                }
                // A change to shared values copies them first, without the padded rows.
                let kept = *remade && !shared;
                assert_eq!(w.keeps_padded_rows(), kept, "{name}, shared {shared}");
                let same = x.dot(&w).into_vec() == fresh(&w).into_vec();
                assert!(same, "{name}, {threads} threads: the product read old rows");
            }
        }
    }
    matmul::set_threads_here(0);
}

/// `{:?}` shows the shape and the values (the lists a product keeps are not part of it).
#[test]
fn debug_shows_the_shape_and_the_values() {
    let a = m(1, 2, &[1.0, 2.5]);
    assert_eq!(
        format!("{a:?}"),
        "Matrix { rows: 1, cols: 2, data: [1.0, 2.5] }"
    );
}

/// Lists of non-zeros handed to a matrix (as the data loader hands an evaluation chunk its
/// lists) are kept and read by the next product, which is the product without them.
#[test]
fn lists_handed_over_are_kept_and_read() {
    use backprop::matmul::{BandLists, NonZeros};
    let x = m(2, 3, &[0.0, 2.0, 0.0, 1.0, 0.0, -3.0]);
    let mut band = BandLists::new(0..2, 3);
    band.push_row_u16(&[1]);
    band.push_row_u16(&[0, 2]);
    x.keep_nonzero_lists(NonZeros::new(2, 3, vec![band]));
    assert!(x.keeps_nonzero_lists());
    let w = m(
        3,
        8,
        &(0..24).map(|i| i as f32 * 0.5 - 3.0).collect::<Vec<_>>(),
    );
    let bare = m(2, 3, x.as_slice());
    assert_eq!(x.dot(&w).as_slice(), bare.dot(&w).as_slice());
}

/// Lists made for another shape are refused with both shapes named.
#[test]
#[should_panic(expected = "keep_nonzero_lists: lists of a (3, 2) matrix for a 2x3 one")]
fn lists_of_another_shape_are_refused() {
    use backprop::matmul::{BandLists, NonZeros};
    let mut band = BandLists::new(0..3, 2);
    for _ in 0..3 {
        band.push_row_u16(&[0]);
    }
    m(2, 3, &[1.0; 6]).keep_nonzero_lists(NonZeros::new(3, 2, vec![band]));
}

/// Lists that are not those of the values are refused in a test build (a product would trust
/// them): here row 0's non-zero at column 1 is left out.
#[test]
#[should_panic(expected = "the lists are not those of the values")]
fn lists_that_are_not_the_values_are_refused() {
    use backprop::matmul::{BandLists, NonZeros};
    let mut band = BandLists::new(0..2, 3);
    band.push_row_u16(&[]);
    band.push_row_u16(&[0, 2]);
    let x = m(2, 3, &[0.0, 2.0, 0.0, 1.0, 0.0, -3.0]);
    x.keep_nonzero_lists(NonZeros::new(2, 3, vec![band]));
}
