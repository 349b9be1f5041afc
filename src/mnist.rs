//! MNIST, as the slides' `load_mnist(normalize=True, one_hot_label=True)` hands it over: the
//! training and test images with their labels, and the two ways the training loop reads them,
//! `x_train[batch_mask]` (a mini-batch of rows) and consecutive chunks (for evaluation).
//!
//! The slides keep `x_train` as a float array normalised to [0, 1] and `t_train` one-hot. We
//! keep the pixels as the bytes of the file (60000 × 784 = 47 MB instead of 188 MB of f32) and
//! normalise only the rows a batch or a chunk asks for: `pixel / 255`, the same numbers the
//! slides get. Labels stay bytes; [`Dataset::one_hot`] builds the one-hot rows on demand.
//! Each image's non-zero pixels are listed once, when the set is made, and an evaluation chunk
//! hands its rows' lists to the product with the floats (`PixelLists` below).
//!
//! Nothing here is specific to MNIST beyond the defaults: the image size comes from the IDX
//! header and the number of classes from the labels (largest label + 1), so Fashion-MNIST,
//! KMNIST or EMNIST load the same way from another directory ([`load_dir`]). The four files may
//! use either naming style in circulation (`train-images-idx3-ubyte` or
//! `train-images.idx3-ubyte`) and may be gzip-compressed (`.gz`), as they are downloaded.
//!
//! Every way the data can be wrong is a [`DataError`] that names the file and says what was
//! expected and what was found; nothing here panics on a bad file.

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::Matrix;
use crate::gzip::GzipError;
use crate::idx;
use crate::matmul::{self, BandLists, NonZeros};

/// Where `cargo run` finds MNIST: the crate's own `data/mnist`, as an absolute path fixed at
/// build time, so that the program finds its data from any working directory inside or
/// outside the crate (a binary copied to another machine needs `--data DIR`).
pub const DEFAULT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");

/// The most classes a label file may use: labels must be below it. MNIST uses 10; the largest
/// MNIST-format dataset in common use, EMNIST ByClass, uses 62. A label at or above 62 almost
/// surely means a corrupt or wrong file, so it is refused rather than turned into a network
/// with hundreds of outputs.
pub const MAX_CLASSES: usize = 62;

/// A batch or chunk is converted on more than one thread only if each gets at least this many
/// images: fewer take less time than handing them over.
const MIN_IMAGES_PER_THREAD: usize = 8;

/// A set's images are listed (`PixelLists`) on more than one thread only if each gets at least
/// this many.
const LIST_IMAGES_PER_THREAD: usize = 1000;

/// One half of the data (training or test): `len` images of `rows x cols` bytes and their
/// labels, which lie in `0..classes`.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// `len * rows * cols` pixels, 0 (background) to 255 (ink), image after image. Private,
    /// and never changed: `lists` are made from it.
    images: Vec<u8>,
    /// `len` labels, each below `classes`.
    pub labels: Vec<u8>,
    pub len: usize,
    pub rows: usize,
    pub cols: usize,
    /// The number of classes (the width of a one-hot row): the largest label + 1 over both the
    /// training and test labels, 10 for MNIST.
    pub classes: usize,
    /// The non-zero pixels of each image, if the images are small enough to list them.
    lists: Option<PixelLists>,
}

/// The non-zero pixels of every image of a set, listed once when the set is made.
///
/// Each of the 17 evaluations predicts all 70,000 images, and its `X · W1` (the sparse path
/// of `matmul/sparse.rs`) would list their non-zeros every time. Instead an evaluation chunk
/// is handed over with its rows' lists already kept (`Matrix::keep_nonzero_lists`): a pixel
/// is zero exactly when its value `pixel / 255` is, so they are the lists the product would
/// make, and the product is the same, bit for bit. A pass over all 70,000 images on one
/// thread, as an evaluation makes, went from 63-64 to 48-51 ms at best. Kept as 16-bit places:
/// 21 MB for the 10.5 million non-zero pixels of MNIST's 70,000 images, listed in parts on
/// the products' threads (`matmul::run_each`) when the set is made (about 10 ms).
///
/// A training batch gets its lists too. Its 100 images lie at random, and so do their lists,
/// which must be fetched from memory: fetched after the images, as a first version did, they
/// cost more than listing the rows in the product (a batch 65 µs against 29, the steps 2-5%
/// slower). Now the batch reads a place of every cache line of each image's list with its
/// bytes, before converting anything, so that both are fetched at once (`Dataset::floats`).
/// Measured in one process, blocks of 50 steps alternating with the batch made without lists
/// (a timing loop outside the crate): one thread, the batch 24.8 -> 43.3 µs, the step's first
/// `x · W1` 68.6 -> 45.3, the step 235.5 -> 232.4 (and 229.1 both, a second time); two threads,
/// the batch 32.8 -> 39.3, the first `x · W1` 52.2 -> 33.6, the step 214.4 -> 203.9 (and
/// 216.8 -> 206.8). The default run, twelve alternating pairs with two threads: faster in ten
/// (medians 2.15 -> 2.13 s and 2.35 -> 2.18 s, two sets of six), the same model file.
/// Listing each image's bytes while the batch is converted instead gained nothing: one
/// thread, blocks of 50 steps alternating, the batch took 54-56 instead of 29-30 µs and the
/// first `x · W1` 50-52 instead of 75-77.
#[derive(Clone, Debug)]
struct PixelLists {
    /// Consecutive runs of images, in order, each listed by one thread.
    parts: Vec<ListPart>,
}

/// The lists of the images `first..first + ends.len()`.
#[derive(Clone, Debug)]
struct ListPart {
    first: usize,
    /// Each image's non-zero pixels (their places in the image, in order), image after image.
    places: Vec<u16>,
    /// Where each image's list ends in `places` (it starts where the previous one ends).
    ends: Vec<usize>,
}

impl PixelLists {
    /// The lists of the images in `images` (`image_len` pixels each), or `None` if an image
    /// is too large for a place to fit 16 bits.
    fn list(images: &[u8], image_len: usize) -> Option<PixelLists> {
        if image_len == 0 || image_len > 1 << 16 {
            return None;
        }
        let len = images.len() / image_len;
        let threads = matmul::threads_for_items(len, LIST_IMAGES_PER_THREAD);
        let mut parts: Vec<ListPart> = (0..threads)
            .map(|t| ListPart {
                first: len * t / threads,
                places: Vec::new(),
                ends: Vec::new(),
            })
            .collect();
        let jobs: Vec<(usize, &mut ListPart)> = parts
            .iter_mut()
            .enumerate()
            .map(|(t, part)| (len * (t + 1) / threads, part))
            .collect();
        matmul::run_each(threads, jobs, &|(end, part)| {
            let images = &images[part.first * image_len..end * image_len];
            // Room for a quarter of the pixels (MNIST has a fifth non-zero): the lists grow
            // without moving, and room never written costs no memory.
            part.places.reserve(images.len() / 4);
            part.ends.reserve(end - part.first);
            let mut flags = vec![0; image_len];
            let mut list = vec![0; image_len + matmul::LIST_SPARE];
            for image in images.chunks_exact(image_len) {
                let count = matmul::list_nonzeros(image, &mut flags, &mut list);
                // Each place is below image_len <= 2^16, checked above.
                part.places.extend(list[..count].iter().map(|&p| p as u16));
                part.ends.push(part.places.len());
            }
        });
        Some(PixelLists { parts })
    }

    /// The non-zero pixels of image `i`.
    fn of(&self, i: usize) -> &[u16] {
        let p = self
            .parts
            .partition_point(|part| part.first + part.ends.len() <= i);
        let (part, r) = (&self.parts[p], i - self.parts[p].first);
        let start = if r == 0 { 0 } else { part.ends[r - 1] };
        &part.places[start..part.ends[r]]
    }
}

impl Dataset {
    /// A dataset over `images` (`labels.len()` images of `rows x cols` bytes) and `labels`.
    /// Panics if the sizes disagree or a label is not below `classes` (a programmer error:
    /// files go through [`load_dir`], which reports these as [`DataError`]s).
    #[track_caller]
    pub fn new(images: Vec<u8>, labels: Vec<u8>, rows: usize, cols: usize, classes: usize) -> Self {
        let len = labels.len();
        assert_eq!(
            images.len(),
            len * rows * cols,
            "Dataset::new: {} pixel bytes for {len} images of {rows}x{cols}",
            images.len()
        );
        if let Some(&bad) = labels.iter().find(|&&l| usize::from(l) >= classes) {
            panic!("Dataset::new: label {bad} with only {classes} classes");
        }
        let lists = PixelLists::list(&images, rows * cols);
        Dataset {
            images,
            labels,
            len,
            rows,
            cols,
            classes,
            lists,
        }
    }

    /// All the pixels, `len * rows * cols` bytes, image after image.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    /// Pixels per image, `rows * cols` (784 for MNIST): the input size of the network.
    pub fn image_len(&self) -> usize {
        self.rows * self.cols
    }

    /// The bytes of image `i`.
    #[track_caller]
    pub fn image(&self, i: usize) -> &[u8] {
        assert!(i < self.len, "Dataset::image: image {i} of {}", self.len);
        let n = self.image_len();
        &self.images[i * n..(i + 1) * n]
    }

    /// `x_train[batch_mask]`: (indices.len() x image_len), row k is image `indices[k]` scaled
    /// to [0, 1] (`pixel / 255`, the slides' `normalize=True`). Indices may repeat.
    #[track_caller]
    pub fn batch(&self, indices: &[usize]) -> Matrix {
        // Checked here, before the parts start: `image` would also refuse a bad index, but
        // on the pool's worker its message would come back only as "a worker thread panicked".
        if let Some(&i) = indices.iter().find(|&&i| i >= self.len) {
            panic!("Dataset::batch: image {i} of {}", self.len);
        }
        // The images lie at random in 47 MB, far out of cache, and a row converted as soon as
        // it is reached makes the CPU wait for memory once per image. Reading one byte of
        // every cache line of every image first lets it fetch them all at once (the loads do
        // not depend on one another); the conversion then reads from cache. Measured on
        // batches of 100: 95-133 µs without, 66-81 µs with. The images' lists of non-zeros,
        // as scattered, are read the same way with them (`PixelLists`).
        self.floats(indices.len(), &|k| indices[k], true)
    }

    /// Images `start..end` as a ((end - start) x image_len) matrix scaled to [0, 1]: the
    /// evaluation walks the 60000 training images in such chunks so that memory stays small.
    #[track_caller]
    pub fn chunk(&self, start: usize, end: usize) -> Matrix {
        assert!(
            start <= end && end <= self.len,
            "Dataset::chunk: rows {start}..{end} of {}",
            self.len
        );
        // Adjacent images: the CPU's own prefetching fetches them ahead of the conversion.
        self.floats(end - start, &|k| start + k, false)
    }

    /// `count` images as a (count x image_len) matrix scaled to [0, 1], row k being image
    /// `image_of(k)` (each below `len`), the rows' lists of non-zeros kept with it
    /// (`PixelLists`). For a training `batch` (images at random), each part's images and
    /// their lists are first read a value per cache line.
    ///
    /// The rows are cut into parts and converted on the threads of the products
    /// (`matmul::run_each`), whose second thread is otherwise idle while a training step makes
    /// its batch: two threads wait for memory at once. Each part writes its rows straight into
    /// the matrix's storage, which is not zeroed first: zeroing 313 KB cost as much as the
    /// second thread saved. Measured in the training loop, two threads, blocks of 100 steps
    /// in alternation with the batch made on one thread (40 blocks each, a timing loop outside
    /// the crate): the steps took 0.873-0.890 of the time in a slow phase of the machine (a
    /// batch 108-125 -> 68-78 µs on average) and 0.951-0.966 in a fast one (33-34 -> 24-25
    /// µs, with one part per thread, which against four measured the same: step ratios
    /// 0.988-1.002); zeroing the matrix first, then converting in parts: 0.981-0.984.
    fn floats(
        &self,
        count: usize,
        image_of: &(dyn Fn(usize) -> usize + Sync),
        batch: bool,
    ) -> Matrix {
        let n = self.image_len();
        let len = count * n;
        let (threads, parts) = shares(count);
        let mut x: Vec<f32> = Vec::with_capacity(len);
        // Each part's rows (k in `rows`) and the slice of x's unwritten storage it fills: the
        // slices follow one another and cover the first `len` values exactly.
        let rows_of = |t: usize| matmul::share(count, t, parts);
        // Each part's lists of non-zeros, copied from the set's (`PixelLists`).
        let lists = self.lists.as_ref();
        let mut bands: Vec<BandLists> = match lists {
            Some(_) => (0..parts).map(|t| BandLists::new(rows_of(t), n)).collect(),
            None => Vec::new(),
        };
        let mut band_of = bands.iter_mut();
        let outs = matmul::cut(
            &mut x.spare_capacity_mut()[..len],
            (0..parts).map(|t| rows_of(t).len() * n),
        );
        type Job<'a> = (
            Range<usize>,
            &'a mut [MaybeUninit<f32>],
            Option<&'a mut BandLists>,
        );
        let jobs: Vec<Job> = (0..parts)
            .map(rows_of)
            .zip(outs)
            .map(|(rows, out)| (rows, out, band_of.next()))
            .collect();
        matmul::run_each(threads, jobs, &|(rows, out, band)| {
            if batch {
                let mut touched = 0u8;
                for k in rows.clone() {
                    for &byte in self.image(image_of(k)).iter().step_by(64) {
                        touched |= byte;
                    }
                    if let Some(lists) = lists {
                        for &place in lists.of(image_of(k)).iter().step_by(32) {
                            touched |= place as u8;
                        }
                    }
                }
                std::hint::black_box(touched);
            }
            for (j, k) in rows.clone().enumerate() {
                normalize_into(self.image(image_of(k)), &mut out[j * n..(j + 1) * n]);
            }
            if let (Some(band), Some(lists)) = (band, lists) {
                for k in rows {
                    band.push_row_u16(lists.of(image_of(k)));
                }
            }
        });
        #[allow(unsafe_code)]
        // SAFETY: the first `len` values of x's storage have all been written. The jobs'
        // slices cover them one after another (the parts' `rows` cut 0..count into ranges
        // that follow one another, and each took `rows.len() * n` values); `run_each` calls
        // the closure once on each job and returns only when every call has returned (if one
        // panicked, it panics in turn and this line is never reached); and each call writes
        // every row of its slice whole (`normalize_into` writes each of its n values).
        unsafe {
            x.set_len(len);
        }
        let x = Matrix::from_vec(count, n, x);
        if lists.is_some() {
            x.keep_nonzero_lists(NonZeros::new(count, n, bands));
        }
        x
    }

    /// `t_train[batch_mask]` with `one_hot_label=True`: (indices.len() x classes), row k holds
    /// 1 in column `labels[indices[k]]` and 0 elsewhere.
    #[track_caller]
    pub fn one_hot(&self, indices: &[usize]) -> Matrix {
        // The ones are set in a plain vector, before it becomes a matrix: `Matrix::set` checks
        // that the values are not shared and forgets the lists of non-zeros on every call
        // (a batch of 100, timed alone: 0.80-0.82 µs that way, 0.19-0.20 µs this way).
        let mut t = vec![0.0; indices.len() * self.classes];
        for (k, &i) in indices.iter().enumerate() {
            assert!(i < self.len, "Dataset::one_hot: label {i} of {}", self.len);
            t[k * self.classes + usize::from(self.labels[i])] = 1.0;
        }
        Matrix::from_vec(indices.len(), self.classes, t)
    }

    /// The labels of `indices`, as bytes (what `accuracy` compares the arg-max against).
    #[track_caller]
    pub fn labels_of(&self, indices: &[usize]) -> Vec<u8> {
        indices
            .iter()
            .map(|&i| {
                assert!(
                    i < self.len,
                    "Dataset::labels_of: label {i} of {}",
                    self.len
                );
                self.labels[i]
            })
            .collect()
    }

    /// How many labels of each class: `counts[c]` is the number of images labelled `c`.
    pub fn label_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[usize::from(l)] += 1;
        }
        counts
    }
}

/// How `count` images are shared out for conversion: (threads, parts). Each thread gets at
/// least MIN_IMAGES_PER_THREAD images, and the rows are cut into parts as a product's are
/// (`matmul::parts_of`), claimed as the threads come free.
#[cfg_attr(miri, mutants::skip)] // only how the rows are shared out: each row's values are the same whoever converts it
fn shares(count: usize) -> (usize, usize) {
    let threads = matmul::threads_for_items(count, MIN_IMAGES_PER_THREAD);
    (threads, matmul::parts_of(count, threads))
}

/// `pixels` scaled to [0, 1] and written to `out` (as long as `pixels`), as the slides'
/// `x.astype(np.float32) / 255.0`.
///
/// Written into storage not yet initialized rather than over a zeroed matrix: zeroing first
/// cost a pass of its own. With AVX2 and FMA, the quotient is made without a division
/// (`over_255`), 8 at a time; without them, by dividing. Both give every byte's `p / 255.0`,
/// bit for bit (`tests/mnist.rs` checks all 256 values). One thread, timing loops outside the
/// crate: 100 images already in cache 9.3-13.5 µs dividing 8 at a time, 6.4-6.8 µs with
/// `over_255` (most of what is left is writing the 313 KB of floats); a batch of 100 images
/// drawn at random, which also waits for memory, 21-31 -> 18-19 µs at the 10th percentile; an
/// evaluation of all 70,000 images 64-81 -> 60-62 ms at best. (Before, zeroing the matrix
/// first and dividing 4 at a time, 100 images took about 25 µs.)
#[track_caller]
fn normalize_into(pixels: &[u8], out: &mut [MaybeUninit<f32>]) {
    assert_eq!(
        pixels.len(),
        out.len(),
        "normalize_into: {} pixels into {} values",
        pixels.len(),
        out.len()
    );
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        #[allow(unsafe_code)]
        // SAFETY: `normalize_avx2_fma` is safe Rust compiled with AVX2 and FMA enabled; the
        // only requirement for calling it is that the CPU has both, checked just above.
        unsafe {
            normalize_avx2_fma(pixels, out);
        }
        return;
    }
    normalize_dividing(pixels, out);
}

/// `normalize_into`'s conversion where AVX2 or FMA is missing: one division per pixel.
fn normalize_dividing(pixels: &[u8], out: &mut [MaybeUninit<f32>]) {
    for (out, &p) in out.iter_mut().zip(pixels) {
        out.write(f32::from(p) / 255.0);
    }
}

/// `normalize_into`'s conversion built with AVX2 and FMA, where `over_255`'s multiply-adds
/// are single instructions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn normalize_avx2_fma(pixels: &[u8], out: &mut [MaybeUninit<f32>]) {
    for (out, &p) in out.iter_mut().zip(pixels) {
        out.write(over_255(f32::from(p)));
    }
}

/// x / 255 for x a whole number from 0 to 255, without dividing: the product by 1/255 (which
/// is rounded, and so is off by one unit in the last place for 126 of the 256 bytes), then
/// one correction by the remainder `x - 255·q`, which a fused multiply-add gives exactly. The
/// result is the correctly rounded quotient for each of the 256 bytes (checked for all of
/// them against the division, by the unit test below and by `tests/mnist.rs`). A multiply
/// and two multiply-adds issue every cycle or two, where an 8-wide division takes several.
#[inline(always)]
fn over_255(x: f32) -> f32 {
    const INV: f32 = 1.0 / 255.0;
    let q = x * INV;
    let remainder = (-q).mul_add(255.0, x);
    remainder.mul_add(INV, q)
}

/// The training and test halves, and the four files they came from.
#[derive(Clone, Debug)]
pub struct Mnist {
    pub train: Dataset,
    pub test: Dataset,
    /// The files read: training images, training labels, test images, test labels.
    pub found: [PathBuf; 4],
}

/// The four files of an MNIST-format dataset: what each holds and the stem of its name, in
/// the order of [`Mnist::found`].
pub const FILES: [(&str, &str, &str); 4] = [
    ("training images", "train-images", "idx3-ubyte"),
    ("training labels", "train-labels", "idx1-ubyte"),
    ("test images", "t10k-images", "idx3-ubyte"),
    ("test labels", "t10k-labels", "idx1-ubyte"),
];

/// The names tried for one file, in order: the two naming styles in circulation
/// (`train-images-idx3-ubyte` from the original site, `train-images.idx3-ubyte` from many
/// mirrors and archives), each uncompressed, then gzip-compressed.
pub fn candidate_names(stem: &str, kind: &str) -> [String; 4] {
    [
        format!("{stem}-{kind}"),
        format!("{stem}.{kind}"),
        format!("{stem}-{kind}.gz"),
        format!("{stem}.{kind}.gz"),
    ]
}

/// Finds the four files in `dir` (see [`candidate_names`]): training images, training labels,
/// test images, test labels. The first name that exists wins, so an uncompressed file is
/// preferred to its `.gz`.
pub fn find_files(dir: &Path) -> Result<[PathBuf; 4], DataError> {
    let mut found: [PathBuf; 4] = Default::default();
    for (slot, (what, stem, kind)) in found.iter_mut().zip(FILES) {
        let names = candidate_names(stem, kind);
        match names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
            Some(path) => *slot = path,
            None => {
                return Err(DataError::Missing {
                    dir: dir.to_path_buf(),
                    what,
                    looked_for: names.to_vec(),
                });
            }
        }
    }
    Ok(found)
}

/// Loads an MNIST-format dataset from `dir` (`load_mnist` of the slides): finds the four files
/// ([`find_files`]), reads them, and checks that they agree with each other: as many labels as
/// images, the same image size for training and test, and labels below [`MAX_CLASSES`].
pub fn load_dir(dir: &Path) -> Result<Mnist, DataError> {
    load_files(find_files(dir)?)
}

/// Loads the four files [`find_files`] found, as [`load_dir`] does: for a caller that looks at
/// the paths before reading them (`train` checks that no output would overwrite one).
pub fn load_files(found: [PathBuf; 4]) -> Result<Mnist, DataError> {
    let [train_images, train_labels, test_images, test_labels] = &found;
    let train = read_half(train_images, train_labels)?;
    let test = read_half(test_images, test_labels)?;
    if (train.0.rows, train.0.cols) != (test.0.rows, test.0.cols) {
        return Err(DataError::ImageDimsDiffer {
            train: train_images.clone(),
            test: test_images.clone(),
            train_dims: (train.0.rows, train.0.cols),
            test_dims: (test.0.rows, test.0.cols),
        });
    }
    let max_label = train.1.iter().chain(&test.1).copied().max().unwrap_or(0);
    let classes = usize::from(max_label) + 1;
    let dataset = |(images, labels): (idx::Images, Vec<u8>)| {
        Dataset::new(images.pixels, labels, images.rows, images.cols, classes)
    };
    Ok(Mnist {
        train: dataset(train),
        test: dataset(test),
        found,
    })
}

/// One half: an images file and its labels file, checked to match and labels checked in range.
fn read_half(images: &Path, labels: &Path) -> Result<(idx::Images, Vec<u8>), DataError> {
    let im = idx::read_images(images)?;
    let lb = idx::read_labels(labels)?;
    if im.len != lb.len() {
        return Err(DataError::CountMismatch {
            images: images.to_path_buf(),
            labels: labels.to_path_buf(),
            images_len: im.len,
            labels_len: lb.len(),
        });
    }
    if let Some((index, &label)) = lb
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= MAX_CLASSES)
    {
        return Err(DataError::LabelOutOfRange {
            path: labels.to_path_buf(),
            index,
            label,
            limit: MAX_CLASSES,
        });
    }
    Ok((im, lb))
}

/// Everything that can be wrong with a dataset on disk. Each message names the file, what was
/// expected and what was found.
#[derive(Debug)]
pub enum DataError {
    /// None of the names tried for one of the four files exists in `dir`.
    Missing {
        dir: PathBuf,
        what: &'static str,
        looked_for: Vec<String>,
    },
    /// The file exists but could not be read.
    Io { path: PathBuf, source: io::Error },
    /// The first four bytes are not the expected IDX magic number.
    BadMagic {
        path: PathBuf,
        expected: u32,
        found: u32,
    },
    /// The file ends before the header or the payload the header announces is complete.
    Truncated {
        path: PathBuf,
        what: &'static str,
        needed: u64,
        found: u64,
    },
    /// The file goes on after the payload the header announces.
    TrailingGarbage {
        path: PathBuf,
        needed: u64,
        found: u64,
    },
    /// A gzip file whose header dims need more data than its compressed size could ever
    /// decompress to (1032 bytes per byte at most).
    TooLargeForFile {
        path: PathBuf,
        dims: Vec<usize>,
        needed: u64,
        compressed: u64,
    },
    /// Header dims that make no dataset (zero images, zero-pixel images).
    BadDims {
        path: PathBuf,
        dims: Vec<usize>,
        why: &'static str,
    },
    /// The images file and the labels file disagree on how many there are.
    CountMismatch {
        images: PathBuf,
        labels: PathBuf,
        images_len: usize,
        labels_len: usize,
    },
    /// A label at or above `limit` ([`MAX_CLASSES`]).
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        label: u8,
        limit: usize,
    },
    /// Training and test images of different sizes: one network cannot take both.
    ImageDimsDiffer {
        train: PathBuf,
        test: PathBuf,
        train_dims: (usize, usize),
        test_dims: (usize, usize),
    },
    /// A gzip-compressed file that does not decompress.
    Gzip { path: PathBuf, source: GzipError },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Missing {
                dir,
                what,
                looked_for,
            } => {
                if dir.is_dir() {
                    write!(f, "no {what} in {}: looked for ", dir.display())?;
                } else if dir.exists() {
                    write!(
                        f,
                        "the data directory {} is a file, not a directory; {what} would be one of ",
                        dir.display()
                    )?;
                } else {
                    write!(
                        f,
                        "the data directory {} does not exist; {what} would be one of ",
                        dir.display()
                    )?;
                }
                write!(
                    f,
                    "{}. Put the four MNIST-format files there (see README, section Data) or \
                     pass --data DIR",
                    looked_for.join(", ")
                )
            }
            DataError::Io { path, source } => {
                write!(f, "{}: cannot read: {source}", path.display())
            }
            DataError::BadMagic {
                path,
                expected,
                found,
            } => {
                write!(
                    f,
                    "{}: expected the IDX magic number {expected} ({expected:#010x}, {}), found \
                     {found} ({found:#010x})",
                    path.display(),
                    magic_name(*expected)
                )?;
                match *found {
                    idx::IMAGES_MAGIC | idx::LABELS_MAGIC => {
                        write!(f, ", the magic of {}: files swapped?", magic_name(*found))
                    }
                    _ => write!(f, ": not an IDX file of unsigned bytes"),
                }
            }
            DataError::Truncated {
                path,
                what,
                needed,
                found,
            } => write!(
                f,
                "{}: truncated {what}: the header needs {needed} bytes, the file holds \
                 {found}",
                path.display()
            ),
            DataError::TrailingGarbage {
                path,
                needed,
                found,
            } => write!(
                f,
                "{}: trailing garbage: the header accounts for {needed} bytes, the file holds \
                 {found}",
                path.display()
            ),
            DataError::TooLargeForFile {
                path,
                dims,
                needed,
                compressed,
            } => write!(
                f,
                "{}: the header dims {} need {needed} bytes of data, but {compressed} bytes of \
                 gzip data decompress to at most {} bytes",
                path.display(),
                dims_text(dims),
                compressed.saturating_mul(idx::DEFLATE_MAX_RATIO)
            ),
            DataError::BadDims { path, dims, why } => write!(
                f,
                "{}: header dims {}: {why}",
                path.display(),
                dims_text(dims)
            ),
            DataError::CountMismatch {
                images,
                labels,
                images_len,
                labels_len,
            } => write!(
                f,
                "{} holds {images_len} images but {} holds {labels_len} labels; expected one \
                 label per image",
                images.display(),
                labels.display()
            ),
            DataError::LabelOutOfRange {
                path,
                index,
                label,
                limit,
            } => write!(
                f,
                "{}: label {label} at index {index}; expected labels below {limit} (MNIST uses \
                 0 to 9, the largest MNIST-format dataset 0 to {})",
                path.display(),
                limit - 1
            ),
            DataError::ImageDimsDiffer {
                train,
                test,
                train_dims,
                test_dims,
            } => write!(
                f,
                "{} holds {}x{} images but {} holds {}x{}; expected one image size for training \
                 and test",
                train.display(),
                train_dims.0,
                train_dims.1,
                test.display(),
                test_dims.0,
                test_dims.1
            ),
            DataError::Gzip { path, source } => {
                write!(f, "{}: corrupt gzip data: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } => Some(source),
            DataError::Gzip { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn magic_name(magic: u32) -> &'static str {
    match magic {
        idx::IMAGES_MAGIC => "an images file",
        idx::LABELS_MAGIC => "a labels file",
        _ => "unknown",
    }
}

fn dims_text(dims: &[usize]) -> String {
    dims.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversion a CPU without AVX2 and FMA runs (`tests/mnist.rs` checks the one this
    /// CPU picks): every byte value becomes `p as f32 / 255.0` to the bit.
    #[test]
    fn the_baseline_build_divides_every_byte_value_exactly() {
        let pixels: Vec<u8> = (0..=255).rev().collect();
        let mut out = vec![MaybeUninit::new(9.0f32); 257];
        normalize_dividing(&pixels, &mut out[..256]);
        #[allow(unsafe_code)]
        // SAFETY: every value of `out` is initialized: made by `MaybeUninit::new`, some then
        // overwritten by `write`.
        let out: Vec<f32> = out
            .into_iter()
            .map(|v| unsafe { v.assume_init() })
            .collect();
        assert_eq!(out[256], 9.0);
        for (&p, v) in pixels.iter().zip(&out) {
            assert_eq!(v.to_bits(), (f32::from(p) / 255.0).to_bits(), "{p}");
        }
    }

    /// The quotient without a division is the division's, for every byte; the product by
    /// 1/255 alone is not (it is off for 126 of them), so the correction is needed.
    #[test]
    fn over_255_is_the_division_for_every_byte() {
        let mut uncorrected_off = 0;
        for p in 0..=255u8 {
            let x = f32::from(p);
            assert_eq!(over_255(x).to_bits(), (x / 255.0).to_bits(), "{p}");
            uncorrected_off += usize::from(x * (1.0 / 255.0) != x / 255.0);
        }
        assert_eq!(uncorrected_off, 126);
    }
}
