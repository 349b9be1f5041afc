//! Tests that `cargo mutants` asked for in the layers: each one fails on a mutant the other
//! layer tests let through (README, Contributing, says how to run it).

use backprop::Matrix;
use backprop::layers::Affine;

fn seq(rows: usize, cols: usize, start: f32) -> Matrix {
    Matrix::from_vec(
        rows,
        cols,
        (0..rows * cols).map(|i| start + 0.25 * i as f32).collect(),
    )
}

/// `backward_params` (the first layer's backward, which skips dx) must leave in `dw` and `db`
/// exactly what the full `backward` leaves there: `x.T · dout` and the column sums of dout.
/// Killed mutant: `replace Affine::backward_params with ()` (dw, db stay zero).
#[test]
fn backward_params_sets_the_same_dw_and_db_as_backward() {
    let w = seq(3, 2, -0.5);
    let b = seq(1, 2, 0.1);
    let x = seq(4, 3, -1.0);
    let dout = seq(4, 2, 0.3);

    let mut full = Affine::new(w.clone(), b.clone());
    full.forward(&x);
    full.backward(dout.clone());

    let mut params_only = Affine::new(w, b);
    params_only.forward(&x);
    params_only.backward_params(&dout);

    assert_eq!(params_only.dw, x.t_dot(&dout));
    assert_eq!(params_only.db, dout.sum_rows());
    assert_eq!(params_only.dw, full.dw);
    assert_eq!(params_only.db, full.db);
    assert_ne!(
        params_only.dw,
        Matrix::zeros(3, 2),
        "a zero dw would hide a skipped update"
    );
}
