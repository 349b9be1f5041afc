//! The layers of the slides, one file each, in the order the slides meet them.
//!
//! First the nodes of a computation graph on scalars (計算グラフ), [`MulLayer`] and
//! [`AddLayer`], as the book's `ch05/layer_naive.py`; then the network's layers on matrices,
//! as its `common/layers.py`: [`Sigmoid`], [`Relu`], [`Affine`] and [`SoftmaxWithLoss`].
//!
//! Every layer keeps the slide's shape: `forward` caches exactly what `backward` needs
//! (`x`, `y`, `mask`, `out`, `t`), `backward(dout)` takes the upstream gradient ∂L/∂out and
//! returns ∂L/∂x. There is no `Layer` trait: `TwoLayerNet` names its layers as fields, and
//! `SoftmaxWithLoss` takes the labels and returns a scalar, so it could not share one anyway.
//!
//! Leaves out: the book's later layers (Dropout, BatchNormalization, Convolution, Pooling).

// `let dx = ...; dx` keeps the slides' name for what a function returns.
#![allow(clippy::let_and_return)]

pub mod add_layer;
pub mod affine;
pub mod mul_layer;
pub mod relu;
pub mod sigmoid;
pub mod softmax_with_loss;

pub use add_layer::AddLayer;
pub use affine::Affine;
pub use mul_layer::MulLayer;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax_with_loss::SoftmaxWithLoss;
