//! The evaluation in chunks, shared among threads, gives each image the class that `predict`
//! gives it on its own, in order, whatever the chunk size and the thread count.

use std::path::Path;

use backprop::Rng;
use backprop::evaluate;
use backprop::matmul;
use backprop::mnist;
use backprop::two_layer_net::TwoLayerNet;

/// (index, class) as `classify` reports them, on `threads` threads.
fn classified(
    net: &TwoLayerNet,
    set: &mnist::Dataset,
    count: usize,
    chunk: usize,
    threads: usize,
) -> Vec<(usize, usize)> {
    matmul::set_threads_here(threads);
    let mut seen = Vec::new();
    evaluate::classify(net, set, count, chunk, |i, class| seen.push((i, class)));
    matmul::set_threads_here(0);
    seen
}

#[test]
fn chunks_and_threads_change_nothing() {
    let data = mnist::load_dir(Path::new(mnist::DEFAULT_DIR)).expect("MNIST in data/mnist");
    let test = &data.test;
    // Weights large enough that the ten classes all come up.
    let mut net = TwoLayerNet::new(test.image_len(), 20, test.classes, 0.1, &mut Rng::new(3));
    let count = 2345;

    // The reference: predict on all the images at once, with no chunks and no threads.
    matmul::set_threads_here(1);
    let indices: Vec<usize> = (0..count).collect();
    let whole = net.predict(&test.batch(&indices)).argmax_rows();
    matmul::set_threads_here(0);
    let expected: Vec<(usize, usize)> = whole.into_iter().enumerate().collect();
    let classes: std::collections::BTreeSet<usize> = expected.iter().map(|&(_, c)| c).collect();
    assert!(classes.len() >= 5, "too few classes to tell: {classes:?}");

    for chunk in [1000, 7, 5000] {
        for threads in [1, 2, 3] {
            assert_eq!(
                classified(&net, test, count, chunk, threads),
                expected,
                "chunk {chunk}, {threads} threads"
            );
        }
    }
    // A count past the end stops at the end.
    let all = classified(&net, test, usize::MAX, 1000, 2);
    assert_eq!(all.len(), test.len);
    assert_eq!(&all[..count], &expected[..]);
}

#[test]
fn accuracy_counts_the_right_ones() {
    let data = mnist::load_dir(Path::new(mnist::DEFAULT_DIR)).expect("MNIST in data/mnist");
    let test = &data.test;
    let net = TwoLayerNet::new(test.image_len(), 20, test.classes, 0.1, &mut Rng::new(4));
    let count = 1500;
    let right = classified(&net, test, count, 100, 1)
        .into_iter()
        .filter(|&(i, class)| usize::from(test.labels[i]) == class)
        .count();
    for threads in [1, 2] {
        matmul::set_threads_here(threads);
        let acc = evaluate::accuracy(&net, test, count, 100);
        matmul::set_threads_here(0);
        assert_eq!(acc, right as f64 / count as f64, "{threads} threads");
    }
}

/// The confusion matrix counts each (label, prediction) pair of `classify`, its rows and
/// diagonal add up to the class totals and the right ones, its accuracy is `accuracy`'s,
/// and the misread images it keeps are the first `keep`, in order.
#[test]
fn confusion_counts_what_classify_says() {
    let data = mnist::load_dir(Path::new(mnist::DEFAULT_DIR)).expect("MNIST in data/mnist");
    let test = &data.test;
    let net = TwoLayerNet::new(test.image_len(), 20, test.classes, 0.1, &mut Rng::new(5));
    let predicted = classified(&net, test, usize::MAX, 1000, 1);
    let mut counts = vec![vec![0usize; test.classes]; test.classes];
    let mut wrong = Vec::new();
    for &(i, class) in &predicted {
        let t = usize::from(test.labels[i]);
        counts[t][class] += 1;
        if t != class {
            wrong.push((i, class));
        }
    }
    let right: usize = (0..test.classes).map(|c| counts[c][c]).sum();
    assert!(
        right > 0 && wrong.len() > 10,
        "need both right and wrong: {right} right"
    );

    for threads in [1, 2] {
        matmul::set_threads_here(threads);
        let (confusion, kept) = evaluate::confusion(&net, test, 1000, 7);
        matmul::set_threads_here(0);
        assert_eq!(confusion.counts, counts, "{threads} threads");
        assert_eq!(kept, wrong[..7], "{threads} threads");
        for (c, row) in counts.iter().enumerate() {
            assert_eq!(confusion.class_total(c), row.iter().sum::<usize>());
            assert_eq!(confusion.class_correct(c), row[c]);
        }
        assert_eq!(confusion.accuracy(), right as f64 / test.len as f64);
    }
    // Keeping more than there are keeps them all; keeping none keeps none.
    assert_eq!(evaluate::confusion(&net, test, 1000, usize::MAX).1, wrong);
    assert!(evaluate::confusion(&net, test, 1000, 0).1.is_empty());
}
