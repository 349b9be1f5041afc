//! # backprop
//!
//! Learning by backpropagation from scratch, in std-only Rust, written to be read beside the
//! slides of the chapter 逆誤差伝播方式 (backpropagation).
//!
//! The house, from the top: the training loop drives [`two_layer_net::TwoLayerNet`], whose
//! layers ([`layers`]) call the [`functions`] and the [`Matrix`], whose products run on the
//! blocked [`matmul`]. Data loading ([`mnist`]) and the random generator ([`rng`]) stand at the
//! bottom and know nothing of the network.

#![deny(unsafe_code)]

pub mod atomic_write;
pub mod cli;
pub mod commands;
pub mod csv;
pub mod draw;
pub mod evaluate;
pub mod exp;
pub mod functions;
pub mod gradient;
pub mod gzip;
pub mod idx;
pub mod layers;
pub mod matmul;
pub mod matrix;
pub mod mnist;
pub mod model_file;
pub mod pgm;
pub mod plot;
pub mod report;
pub mod rng;
pub mod train;
pub mod transpose;
pub mod two_layer_net;

pub use matrix::Matrix;
pub use rng::Rng;
pub use two_layer_net::TwoLayerNet;

// The chapters' ```rust blocks, run as doctests (see chapters/README.md).
#[cfg(doctest)]
mod chapters;
