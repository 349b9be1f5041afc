//! The model file on disk: save then load gives back the very network (identical predictions
//! on real digits), every kind of damage is its own error naming the file, and saving is
//! atomic (no temporary left, an existing file replaced only whole).

mod program_common;

use std::path::Path;

use backprop::model_file::{self, FormatError, ModelError, Params};
use backprop::two_layer_net::TwoLayerNet;
use backprop::{Rng, mnist};
use program_common::{Scratch, data_dir};

/// A 784-50-10 network after a few SGD steps on real digits, so that every parameter
/// (biases included) is non-trivial.
fn trained_net() -> (TwoLayerNet, mnist::Mnist) {
    let data = mnist::load_dir(data_dir()).unwrap();
    let mut rng = Rng::new(9);
    let mut net = TwoLayerNet::new(784, 50, 10, 0.01, &mut rng);
    for _ in 0..20 {
        let mask = rng.choice(data.train.len, 100);
        let (x, t) = (data.train.batch(&mask), data.train.one_hot(&mask));
        let grads = net.gradient(&x, &t);
        net.update(&grads, 0.1);
    }
    (net, data)
}

#[test]
fn save_then_load_predicts_identically() {
    let (mut net, data) = trained_net();
    assert!(net.affine2.b.as_slice().iter().any(|&v| v != 0.0));
    let dir = Scratch::new("roundtrip");
    let path = dir.join("net.bin");
    model_file::save(&path, &Params::of(&net)).unwrap();
    assert_eq!(dir.names(), vec!["net.bin"], "a temporary file was left");

    let loaded = model_file::load(&path).unwrap();
    assert_eq!(loaded, Params::of(&net));
    let mut back = loaded.into_network();
    let x = data.test.chunk(0, 500);
    let (a, b) = (net.predict(&x), back.predict(&x));
    let bits = |m: &backprop::Matrix| m.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));

    // Saving again replaces the file whole.
    std::fs::write(&path, b"an older file").unwrap();
    model_file::save(&path, &Params::of(&net)).unwrap();
    assert_eq!(model_file::load(&path).unwrap(), Params::of(&net));
    assert_eq!(dir.names(), vec!["net.bin"]);
}

fn format_error(path: &Path) -> FormatError {
    match model_file::load(path) {
        Err(ModelError::Format { path: p, error }) => {
            assert_eq!(p, path);
            let msg = ModelError::Format {
                path: p,
                error: error.clone(),
            }
            .to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            error
        }
        other => panic!("{}: {other:?}", path.display()),
    }
}

#[test]
fn every_kind_of_damage_is_its_own_error() {
    let (net, _) = trained_net();
    let dir = Scratch::new("damage");
    let good = model_file::encode(&Params::of(&net));
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };

    let truncated = write("truncated.bin", &good[..good.len() - 100]);
    assert!(matches!(
        format_error(&truncated),
        FormatError::Truncated {
            expected: 159_072,
            found: 158_972
        }
    ));

    let mut flipped = good.clone();
    flipped[50_000] ^= 0x01;
    let flipped = write("flipped.bin", &flipped);
    assert!(matches!(
        format_error(&flipped),
        FormatError::ChecksumMismatch { .. }
    ));

    let mut magic = good.clone();
    magic[..8].copy_from_slice(b"PK\x03\x04zip!");
    let magic = write("magic.bin", &magic);
    let e = format_error(&magic);
    assert!(matches!(e, FormatError::BadMagic { .. }));
    assert!(e.to_string().contains("PK\\x03\\x04zip!"), "{e}");

    let mut version = good.clone();
    version[8..12].copy_from_slice(&2u32.to_le_bytes());
    let version = write("version.bin", &version);
    assert_eq!(
        format_error(&version),
        FormatError::UnsupportedVersion { found: 2 }
    );

    let mut longer = good.clone();
    longer.extend_from_slice(b"junk");
    let longer = write("longer.bin", &longer);
    assert!(matches!(
        format_error(&longer),
        FormatError::TrailingBytes { .. }
    ));

    let empty = write("empty.bin", b"");
    assert!(matches!(format_error(&empty), FormatError::BadMagic { .. }));

    match model_file::load(&dir.join("absent.bin")) {
        Err(e @ ModelError::Io { .. }) => {
            assert!(e.to_string().contains("absent.bin"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}
