//! The slides' `network.accuracy(x_train, t_train)` over a whole data set, in chunks: the
//! images are turned into f32 a chunk at a time and predicted, so evaluating 60000 images needs
//! a few megabytes, not the 188 MB of the whole set in f32. Also the confusion matrix that
//! `backprop eval` prints.
//!
//! Accuracy is counted in integers and divided once, so it is exact (k / n) and the same on
//! every machine.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::matmul;
use crate::mnist::Dataset;
use crate::two_layer_net::TwoLayerNet;

/// set (len images of rows x cols bytes) -> f(index, predicted class) for each of the first
/// `count` images (all of them if `count` is larger), in order, predicted `chunk` images at a
/// time: each chunk is a (chunk x image_len) f32 matrix, its scores (chunk x classes).
/// The scores are `predict`'s, made without writing the layers' caches
/// (`TwoLayerNet::predict_uncached`), so the network is only read and the threads share it.
///
/// With more than one thread (`matmul::threads()`), the chunks are shared out: each thread
/// predicts the chunks it claims, with products of its own on one thread, so that the whole
/// evaluation, not only its products, runs on every core. The predictions do not depend on
/// which thread made them (the product is bit-identical for any thread count), and `f` sees
/// them in order.
#[track_caller]
pub fn classify(
    network: &TwoLayerNet,
    set: &Dataset,
    count: usize,
    chunk: usize,
    mut f: impl FnMut(usize, usize),
) {
    assert!(chunk > 0, "evaluate::classify: chunk size 0");
    let count = count.min(set.len);
    let chunks = count.div_ceil(chunk);
    let threads = matmul::threads().min(chunks);
    if threads <= 1 {
        for c in 0..chunks {
            let start = c * chunk;
            for (k, class) in predict_chunk(network, set, start, count.min(start + chunk)) {
                f(k, class);
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Vec<(usize, usize)>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let next = &next;
                scope.spawn(move || {
                    matmul::set_threads_here(1);
                    let mut mine = Vec::new();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        if c >= chunks {
                            return mine;
                        }
                        let start = c * chunk;
                        let end = count.min(start + chunk);
                        mine.push((c, predict_chunk(network, set, start, end)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("an evaluation thread panicked"))
            .collect()
    });
    done.sort_unstable_by_key(|&(c, _)| c);
    for (_, predictions) in done {
        for (k, class) in predictions {
            f(k, class);
        }
    }
}

/// Images `start..end` of `set` -> (index, predicted class) for each.
fn predict_chunk(
    network: &TwoLayerNet,
    set: &Dataset,
    start: usize,
    end: usize,
) -> Vec<(usize, usize)> {
    let x = set.chunk(start, end);
    let y = network.predict_uncached(&x);
    y.argmax_rows()
        .into_iter()
        .enumerate()
        .map(|(k, class)| (start + k, class))
        .collect()
}

/// set (len images), count -> the fraction of the first `count` images (all if
/// `count >= set.len`) that `network` classifies right: `np.sum(y == t) / float(x.shape[0])`.
pub fn accuracy(network: &TwoLayerNet, set: &Dataset, count: usize, chunk: usize) -> f64 {
    let count = count.min(set.len);
    let mut correct = 0usize;
    classify(network, set, count, chunk, |i, class| {
        if usize::from(set.labels[i]) == class {
            correct += 1;
        }
    });
    correct as f64 / count.max(1) as f64
}

/// `counts[true][predicted]`: how many images of each class went to each class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusion {
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// Images of class `c` (a row's sum).
    pub fn class_total(&self, c: usize) -> usize {
        self.counts[c].iter().sum()
    }

    /// Images of class `c` classified right (the diagonal).
    pub fn class_correct(&self, c: usize) -> usize {
        self.counts[c][c]
    }

    /// All images classified right, over all images.
    pub fn accuracy(&self) -> f64 {
        let total: usize = (0..self.counts.len()).map(|c| self.class_total(c)).sum();
        let right: usize = (0..self.counts.len()).map(|c| self.class_correct(c)).sum();
        right as f64 / total.max(1) as f64
    }
}

/// set (len images) -> the (classes x classes) confusion matrix of `network` on it, and the
/// indices of the first `keep` misclassified images with their predicted class.
pub fn confusion(
    network: &TwoLayerNet,
    set: &Dataset,
    chunk: usize,
    keep: usize,
) -> (Confusion, Vec<(usize, usize)>) {
    let mut counts = vec![vec![0usize; set.classes]; set.classes];
    let mut wrong = Vec::with_capacity(keep.min(set.len));
    classify(network, set, set.len, chunk, |i, class| {
        let t = usize::from(set.labels[i]);
        counts[t][class] += 1;
        if t != class && wrong.len() < keep {
            wrong.push((i, class));
        }
    });
    (Confusion { counts }, wrong)
}
