//! The MNIST loader: the real files (counts, first labels, label histograms), a round trip
//! through small IDX files written here, both naming styles and gzip, and one test per error a
//! user can meet, matching the variant and checking that the message names the file.

mod data_common;

use std::path::Path;

use backprop::idx;
use backprop::mnist::{self, DataError, Dataset, MAX_CLASSES};
use data_common::{TempDir, gzip_stored, images_file, labels_file, pixels, write_small_dataset};

fn load(dir: &Path) -> mnist::Mnist {
    mnist::load_dir(dir).unwrap_or_else(|e| panic!("load_dir failed: {e}"))
}

fn load_err(dir: &Path) -> DataError {
    match mnist::load_dir(dir) {
        Ok(_) => panic!("load_dir of {} succeeded, expected an error", dir.display()),
        Err(e) => e,
    }
}

/// The message of `e` names `path` (by its full display form).
fn assert_names(e: &DataError, path: &Path) {
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "message does not name {}: {msg}",
        path.display()
    );
}

// ---- the real files -------------------------------------------------------------------------

#[test]
fn real_mnist_counts_first_labels_and_histograms() {
    let m = load(data_common::mnist_dir());
    assert_eq!((m.train.len, m.test.len), (60000, 10000));
    assert_eq!((m.train.rows, m.train.cols), (28, 28));
    assert_eq!((m.test.rows, m.test.cols), (28, 28));
    assert_eq!(m.train.image_len(), 784);
    assert_eq!((m.train.classes, m.test.classes), (10, 10));
    assert_eq!(m.train.images().len(), 60000 * 784);
    assert_eq!(m.train.labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(m.test.labels[..10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    assert_eq!(
        m.train.label_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        m.test.label_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    let names: Vec<_> = m
        .found
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"
        ]
    );
    // Pixels straight from the file bytes, against the normalised batch and chunk.
    let raw = std::fs::read(data_common::mnist_dir().join("t10k-images-idx3-ubyte")).unwrap();
    let x = m.test.batch(&[9999, 0]);
    let c = m.test.chunk(9998, 10000);
    for k in 0..784 {
        assert_eq!(x.get(0, k), f32::from(raw[16 + 9999 * 784 + k]) / 255.0);
        assert_eq!(x.get(1, k), f32::from(raw[16 + k]) / 255.0);
        assert_eq!(c.get(1, k), x.get(0, k));
    }
    // The first test image is a 7 drawn in ink: some pixels are 1.0, most are 0.
    let ink = x.row(1).iter().filter(|&&v| v > 0.5).count();
    assert!(
        (50..400).contains(&ink),
        "{ink} inked pixels in the first test image"
    );
}

// ---- a round trip through small files -------------------------------------------------------

#[test]
fn small_dataset_round_trip() {
    let dir = TempDir::new("roundtrip");
    let (train_labels, test_labels) = write_small_dataset(&dir);
    let m = load(&dir.path);
    assert_eq!(m.train.images(), pixels(5, 3, 2));
    assert_eq!(m.test.images(), pixels(3, 3, 2));
    assert_eq!(m.train.labels, train_labels);
    assert_eq!(m.test.labels, test_labels);
    assert_eq!((m.train.len, m.train.rows, m.train.cols), (5, 3, 2));
    assert_eq!((m.test.len, m.test.rows, m.test.cols), (3, 3, 2));
    // Classes over both halves: the test labels reach 9.
    assert_eq!((m.train.classes, m.test.classes), (10, 10));
    assert_eq!(m.found[3], dir.join("t10k-labels-idx1-ubyte"));
}

/// Every byte value, in a batch and in a chunk, becomes exactly `byte as f32 / 255.0` (the
/// slides' division, bit for bit), whichever build of the conversion this CPU runs, and on 1
/// to 3 threads (the rows cut into parts, each written by one thread); odd image sizes leave
/// tails after the 8-wide steps.
#[test]
fn every_pixel_value_is_divided_by_255_exactly() {
    for threads in [1, 2, 3] {
        backprop::matmul::set_threads_here(threads);
        every_pixel_value_on_this_thread_count(threads);
    }
    backprop::matmul::set_threads_here(0);
}

fn every_pixel_value_on_this_thread_count(threads: usize) {
    for (rows, cols) in [(16, 16), (3, 5), (1, 1)] {
        let len = rows * cols;
        let images: Vec<u8> = (0..256 * 3).map(|i| (i * 7 % 256) as u8).collect();
        let count = images.len() / len;
        let images = images[..count * len].to_vec();
        let d = Dataset::new(images.clone(), vec![0; count], rows, cols, 1);
        let all: Vec<usize> = (0..count).collect();
        let reversed: Vec<usize> = (0..count).rev().collect();
        let expect = |i: usize| -> Vec<u32> {
            d.image(i)
                .iter()
                .map(|&p| (f32::from(p) / 255.0).to_bits())
                .collect()
        };
        let (x, c) = (d.batch(&reversed), d.chunk(0, count));
        for (k, &i) in reversed.iter().enumerate() {
            let bits: Vec<u32> = x.row(k).iter().map(|v| v.to_bits()).collect();
            assert_eq!(
                bits,
                expect(i),
                "batch row {k} ({rows}x{cols}, {threads} threads)"
            );
        }
        for &i in &all {
            let bits: Vec<u32> = c.row(i).iter().map(|v| v.to_bits()).collect();
            assert_eq!(
                bits,
                expect(i),
                "chunk row {i} ({rows}x{cols}, {threads} threads)"
            );
        }
        let seen: std::collections::BTreeSet<u8> = images.iter().copied().collect();
        assert_eq!(seen.len(), 256.min(count * len));
    }
}

/// Each set lists its images' non-zero pixels once, and every training batch (images at
/// random, some twice) and evaluation chunk comes with its rows' lists kept (in a test build
/// `Matrix::keep_nonzero_lists` checks them against the values, so a wrong list fails here).
/// The product on them, which reads the lists instead of listing the rows, is the product on
/// the same values without lists, bit for bit. The set is listed on 1, 2 or 3 threads (3000
/// images: in one, two or three parts).
#[test]
fn batches_and_chunks_come_with_the_lists_of_their_pixels() {
    use backprop::Matrix;
    use backprop::matmul::{self, Operand, Path};
    let (rows, cols, count) = (5, 7, 3000);
    // About 70% zeros, scattered: the sparse path's kind of operand.
    let images: Vec<u8> = (0..count * rows * cols)
        .map(
            |i| match (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56 {
                h if h < 180 => 0,
                h => h as u8,
            },
        )
        .collect();
    let sets: Vec<Dataset> = [1, 2, 3]
        .iter()
        .map(|&threads| {
            matmul::set_threads_here(threads);
            Dataset::new(images.clone(), vec![0; count], rows, cols, 1)
        })
        .collect();
    let w = Matrix::from_vec(35, 9, (0..315).map(|i| (i as f32 * 0.37).sin()).collect());
    let picks: Vec<usize> = (0..100).map(|k| (k * 2917 + 11) % count).collect();
    for (t, d) in sets.iter().enumerate() {
        matmul::set_threads_here(t + 1);
        for x in [
            d.batch(&picks),
            d.chunk(0, 100),
            d.chunk(1000, 1100),
            d.chunk(count - 50, count),
        ] {
            assert!(x.keeps_nonzero_lists(), "{} threads", t + 1);
            let a = Operand::row_major(x.as_slice(), x.cols());
            let b = Operand::row_major(w.as_slice(), w.cols());
            assert_eq!(matmul::path(x.rows(), 35, 9, a, b), Path::Sparse);
            let bare = Matrix::from_vec(x.rows(), x.cols(), x.as_slice().to_vec());
            assert!(!bare.keeps_nonzero_lists());
            let (kept, made) = (x.dot(&w), bare.dot(&w));
            let bits = |m: &Matrix| m.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&kept), bits(&made), "{} threads", t + 1);
        }
    }
    matmul::set_threads_here(0);
}

/// An image of more than 65,536 pixels has places that do not fit the lists' 16 bits: its
/// set keeps no lists, and its chunks are made all the same.
#[test]
fn images_too_large_to_list_are_chunked_without_lists() {
    let listed = Dataset::new(vec![1; 1 << 16], vec![0], 256, 256, 1);
    assert!(listed.chunk(0, 1).keeps_nonzero_lists());
    let large = Dataset::new(vec![1; 257 * 256], vec![0], 257, 256, 1);
    let x = large.chunk(0, 1);
    assert!(!x.keeps_nonzero_lists());
    assert_eq!(x.shape(), (1, 257 * 256));
    assert!(x.as_slice().iter().all(|&v| v == 1.0 / 255.0));
}

#[test]
fn batch_chunk_one_hot_and_labels() {
    let images = vec![0, 255, 51, 102, 7, 8, 9, 10, 11, 12, 13, 14];
    let d = Dataset::new(images, vec![2, 0, 1], 2, 2, 3);
    let x = d.batch(&[2, 0, 0]);
    assert_eq!(x.shape(), (3, 4));
    assert_eq!(
        x.row(0),
        [11.0 / 255.0, 12.0 / 255.0, 13.0 / 255.0, 14.0 / 255.0]
    );
    assert_eq!(x.row(1), [0.0, 1.0, 0.2, 0.4]);
    assert_eq!(x.row(2), x.row(1));
    let c = d.chunk(1, 3);
    assert_eq!(c.shape(), (2, 4));
    assert_eq!(c.row(0), d.batch(&[1]).row(0));
    assert_eq!(c.row(1), x.row(0));
    assert_eq!(d.chunk(3, 3).shape(), (0, 4));
    let t = d.one_hot(&[0, 1, 2, 0]);
    assert_eq!(t.shape(), (4, 3));
    assert_eq!(t.row(0), [0.0, 0.0, 1.0]);
    assert_eq!(t.row(1), [1.0, 0.0, 0.0]);
    assert_eq!(t.row(2), [0.0, 1.0, 0.0]);
    assert_eq!(t.row(3), t.row(0));
    assert_eq!(d.labels_of(&[2, 2, 0]), [1, 1, 2]);
    assert_eq!(d.label_counts(), [1, 1, 1]);
    assert_eq!(d.image(1), [7, 8, 9, 10]);
}

#[test]
#[should_panic(expected = "label 3 with only 3 classes")]
fn dataset_new_refuses_a_label_beyond_classes() {
    Dataset::new(vec![0; 4], vec![0, 3], 1, 2, 3);
}

#[test]
#[should_panic(expected = "Dataset::batch: image 3 of 3")]
fn batch_past_the_end_panics() {
    Dataset::new(vec![0; 3], vec![0, 0, 0], 1, 1, 1).batch(&[0, 3, 1]);
}

#[test]
#[should_panic(expected = "Dataset::chunk: rows 2..4 of 3")]
fn chunk_past_the_end_panics() {
    Dataset::new(vec![0; 3], vec![0, 0, 0], 1, 1, 1).chunk(2, 4);
}

#[test]
fn dotted_names_and_gzip_are_found() {
    let dir = TempDir::new("names");
    dir.write("train-images.idx3-ubyte", &images_file(4, 2, 3));
    dir.write(
        "train-labels-idx1-ubyte.gz",
        &gzip_stored(&labels_file(&[1, 0, 1, 4]), 3),
    );
    dir.write(
        "t10k-images.idx3-ubyte.gz",
        &gzip_stored(&images_file(2, 2, 3), 1000),
    );
    dir.write("t10k-labels.idx1-ubyte", &labels_file(&[0, 1]));
    let m = load(&dir.path);
    assert_eq!(m.train.labels, [1, 0, 1, 4]);
    assert_eq!(m.train.images(), pixels(4, 2, 3));
    assert_eq!(m.test.images(), pixels(2, 2, 3));
    assert_eq!(m.train.classes, 5);
    let names: Vec<_> = m
        .found
        .iter()
        .map(|p| p.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "train-images.idx3-ubyte",
            "train-labels-idx1-ubyte.gz",
            "t10k-images.idx3-ubyte.gz",
            "t10k-labels.idx1-ubyte"
        ]
    );
}

#[test]
fn uncompressed_is_preferred_to_gzip() {
    let dir = TempDir::new("prefer");
    write_small_dataset(&dir);
    // A broken .gz beside the good file: never opened.
    dir.write("train-images-idx3-ubyte.gz", b"not gzip");
    let m = load(&dir.path);
    assert_eq!(m.found[0], dir.join("train-images-idx3-ubyte"));
}

#[test]
fn gzip_content_without_gz_name_is_decompressed() {
    let dir = TempDir::new("gzname");
    write_small_dataset(&dir);
    let labels = [4, 4, 4, 4, 4];
    dir.write(
        "train-labels-idx1-ubyte",
        &gzip_stored(&labels_file(&labels), 2),
    );
    assert_eq!(load(&dir.path).train.labels, labels);
}

// ---- one test per error ---------------------------------------------------------------------

#[test]
fn missing_file_lists_the_names_looked_for() {
    let dir = TempDir::new("missing");
    write_small_dataset(&dir);
    std::fs::remove_file(dir.join("t10k-images-idx3-ubyte")).unwrap();
    let e = load_err(&dir.path);
    let DataError::Missing {
        what, looked_for, ..
    } = &e
    else {
        panic!("expected Missing, got {e:?}");
    };
    assert_eq!(*what, "test images");
    assert_eq!(looked_for.len(), 4);
    let msg = e.to_string();
    for name in [
        "t10k-images-idx3-ubyte",
        "t10k-images.idx3-ubyte",
        "t10k-images-idx3-ubyte.gz",
        "t10k-images.idx3-ubyte.gz",
    ] {
        assert!(msg.contains(name), "{name} not in: {msg}");
    }
    assert_names(&e, &dir.path);
    assert!(msg.contains("--data"), "{msg}");
}

#[test]
fn missing_directory_says_so() {
    let dir = TempDir::new("nodir");
    let gone = dir.join("no-such-dir");
    let e = load_err(&gone);
    assert!(
        matches!(
            e,
            DataError::Missing {
                what: "training images",
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &gone);
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[test]
fn a_file_given_as_the_data_directory_says_so() {
    let dir = TempDir::new("filedir");
    let file = dir.write("m.bin", b"not a directory");
    let e = load_err(&file);
    assert_names(&e, &file);
    assert!(e.to_string().contains("is a file, not a directory"), "{e}");
}

#[test]
fn wrong_magic() {
    let dir = TempDir::new("magic");
    write_small_dataset(&dir);
    // Labels where the images should be.
    let p = dir.write("train-images-idx3-ubyte", &labels_file(&[1, 2, 3, 4, 5]));
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::BadMagic {
                expected: 2051,
                found: 2049,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    assert!(e.to_string().contains("swapped"), "{e}");
    // Random bytes.
    let p = dir.write("train-images-idx3-ubyte", &[9; 40]);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::BadMagic {
                found: 0x0909_0909,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn truncated_payload() {
    let dir = TempDir::new("trunc");
    write_small_dataset(&dir);
    let mut bytes = images_file(5, 3, 2);
    bytes.pop();
    let p = dir.write("train-images-idx3-ubyte", &bytes);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Truncated {
                what: "payload",
                needed: 46,
                found: 45,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn truncated_header() {
    let dir = TempDir::new("trunchead");
    write_small_dataset(&dir);
    let p = dir.write("t10k-images-idx3-ubyte", &images_file(3, 3, 2)[..10]);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Truncated {
                what: "header",
                needed: 16,
                found: 10,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    let p = dir.write("t10k-images-idx3-ubyte", &[0, 0]);
    let e = load_err(&dir.path);
    assert!(matches!(e, DataError::Truncated { found: 2, .. }), "{e:?}");
    assert_names(&e, &p);
}

#[test]
fn trailing_garbage() {
    let dir = TempDir::new("trailing");
    write_small_dataset(&dir);
    let mut bytes = labels_file(&[0, 1, 2]);
    bytes.extend_from_slice(b"xyz");
    let p = dir.write("t10k-labels-idx1-ubyte", &bytes);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::TrailingGarbage {
                needed: 11,
                found: 14,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn header_claiming_billions_of_images_allocates_nothing() {
    // 4 billion images of 28x28 would be 3 TB: the size check must come first (an attempt to
    // allocate would abort this test process).
    let dir = TempDir::new("huge");
    write_small_dataset(&dir);
    let p = dir.write(
        "train-images-idx3-ubyte",
        &data_common::idx_bytes(&[4_000_000_000, 28, 28], &[0; 784]),
    );
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Truncated {
                needed: 3_136_000_000_016,
                found: 800,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    // The same through gzip: the compressed size bounds the claim.
    let p = dir.write(
        "train-images-idx3-ubyte",
        &gzip_stored(
            &data_common::idx_bytes(&[4_000_000_000, 28, 28], &[0; 784]),
            500,
        ),
    );
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::TooLargeForFile {
                compressed: 828,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    // Even a trailer that agrees with the claim (784,000,016 bytes, mod 2^32) cannot make an
    // 828-byte file decompress to 784 MB: deflate gives at most 1032 bytes per byte.
    let mut gz = gzip_stored(
        &data_common::idx_bytes(&[1_000_000, 28, 28], &[0; 784]),
        500,
    );
    let n = gz.len();
    gz[n - 4..].copy_from_slice(&784_000_016u32.to_le_bytes());
    let p = dir.write("train-images-idx3-ubyte", &gz);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::TooLargeForFile {
                needed: 784_000_016,
                compressed: 828,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    assert!(e.to_string().contains("at most"), "{e}");
    // Dims whose product overflows u64 even.
    let p = dir.write(
        "train-images-idx3-ubyte",
        &data_common::idx_bytes(&[u32::MAX, u32::MAX, u32::MAX], &[]),
    );
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Truncated {
                needed: u64::MAX,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn gzip_payload_shorter_or_longer_than_the_header_says() {
    let dir = TempDir::new("gzsize");
    write_small_dataset(&dir);
    std::fs::remove_file(dir.join("train-images-idx3-ubyte")).unwrap();
    // Valid gzip of an images file whose header claims 6 images over the data of 5.
    let mut bytes = images_file(5, 3, 2);
    bytes[7] = 6;
    let p = dir.write("train-images-idx3-ubyte.gz", &gzip_stored(&bytes, 7));
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Truncated {
                what: "payload",
                needed: 52,
                found: 46,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    // Claiming 4: the fifth image is trailing garbage.
    bytes[7] = 4;
    let p = dir.write("train-images-idx3-ubyte.gz", &gzip_stored(&bytes, 7));
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::TrailingGarbage {
                needed: 40,
                found: 46,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn truncated_gzip_file() {
    // A download cut short: the gzip reader says so (its last four bytes are no trailer).
    let dir = TempDir::new("gzcut");
    write_small_dataset(&dir);
    std::fs::remove_file(dir.join("train-images-idx3-ubyte")).unwrap();
    let gz = gzip_stored(&images_file(5, 3, 2), 7);
    let p = dir.write("train-images-idx3-ubyte.gz", &gz[..gz.len() / 2]);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Gzip {
                source: backprop::gzip::GzipError::Truncated,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn zero_images_or_zero_pixels() {
    let dir = TempDir::new("zero");
    write_small_dataset(&dir);
    let p = dir.write("train-images-idx3-ubyte", &images_file(0, 3, 2));
    let e = load_err(&dir.path);
    assert!(matches!(e, DataError::BadDims { .. }), "{e:?}");
    assert_names(&e, &p);
    let p = dir.write("train-images-idx3-ubyte", &images_file(5, 0, 2));
    let e = load_err(&dir.path);
    assert!(matches!(e, DataError::BadDims { .. }), "{e:?}");
    assert_names(&e, &p);
    let p = dir.write("train-labels-idx1-ubyte", &labels_file(&[]));
    write_small_dataset_images_only(&dir);
    let e = load_err(&dir.path);
    assert!(matches!(e, DataError::BadDims { .. }), "{e:?}");
    assert_names(&e, &p);
}

fn write_small_dataset_images_only(dir: &TempDir) {
    dir.write("train-images-idx3-ubyte", &images_file(5, 3, 2));
}

#[test]
fn image_and_label_counts_differ() {
    let dir = TempDir::new("count");
    write_small_dataset(&dir);
    let p = dir.write("t10k-labels-idx1-ubyte", &labels_file(&[1, 2]));
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::CountMismatch {
                images_len: 3,
                labels_len: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    assert_names(&e, &dir.join("t10k-images-idx3-ubyte"));
}

#[test]
fn label_out_of_range() {
    let dir = TempDir::new("label");
    write_small_dataset(&dir);
    let top = (MAX_CLASSES - 1) as u8;
    dir.write("train-labels-idx1-ubyte", &labels_file(&[0, top, 1, 2, 3]));
    assert_eq!(load(&dir.path).train.classes, MAX_CLASSES);
    let p = dir.write(
        "train-labels-idx1-ubyte",
        &labels_file(&[0, 1, MAX_CLASSES as u8, 2, 255]),
    );
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::LabelOutOfRange {
                index: 2,
                label: 62,
                limit: 62,
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn image_dims_differ_between_train_and_test() {
    let dir = TempDir::new("dims");
    write_small_dataset(&dir);
    let p = dir.write("t10k-images-idx3-ubyte", &images_file(3, 2, 3));
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::ImageDimsDiffer {
                train_dims: (3, 2),
                test_dims: (2, 3),
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    assert_names(&e, &dir.join("train-images-idx3-ubyte"));
}

#[test]
fn corrupt_gzip() {
    let dir = TempDir::new("gzbad");
    write_small_dataset(&dir);
    std::fs::remove_file(dir.join("train-labels-idx1-ubyte")).unwrap();
    let mut gz = gzip_stored(&labels_file(&[3, 0, 7, 1, 3]), 4);
    let crc_at = gz.len() - 8;
    gz[crc_at] ^= 1;
    let p = dir.write("train-labels-idx1-ubyte.gz", &gz);
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Gzip {
                source: backprop::gzip::GzipError::CrcMismatch { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
    assert!(e.to_string().contains("CRC"), "{e}");
    // A .gz name with no gzip inside.
    let p = dir.write("train-labels-idx1-ubyte.gz", &labels_file(&[3, 0, 7, 1, 3]));
    let e = load_err(&dir.path);
    assert!(
        matches!(
            e,
            DataError::Gzip {
                source: backprop::gzip::GzipError::BadMagic { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert_names(&e, &p);
}

#[test]
fn unreadable_file_is_an_io_error() {
    // A directory opens but cannot be read as a file.
    let dir = TempDir::new("io");
    let e = idx::read_images(&dir.path).unwrap_err();
    assert!(matches!(e, DataError::Io { .. }), "{e:?}");
    assert_names(&e, &dir.path);
    assert!(std::error::Error::source(&e).is_some());
}
