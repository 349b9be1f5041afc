//! The chapters as doctests: each `chapters/*.md` file becomes the documentation of one item
//! here, so `cargo test` compiles and runs every ```rust block in them against the crate's
//! public API, as the Rust book does with its listings.
//!
//! Compiled only when rustdoc collects doctests (`#[cfg(doctest)]` in `lib.rs`): the items
//! exist for nothing else. Quotes of `src/` (```rs blocks) are not Rust to rustdoc; the sync
//! test in `tests/chapters.rs` checks them against the source instead. See
//! chapters/README.md, "How the code in these chapters is kept true".

#[doc = include_str!("../chapters/README.md")]
pub struct Contents;

#[doc = include_str!("../chapters/01-learning-and-gradients.md")]
pub struct Chapter01LearningAndGradients;

#[doc = include_str!("../chapters/02-computation-graph.md")]
pub struct Chapter02ComputationGraph;

#[doc = include_str!("../chapters/03-chain-rule.md")]
pub struct Chapter03ChainRule;

#[doc = include_str!("../chapters/04-network-as-a-graph.md")]
pub struct Chapter04NetworkAsAGraph;

#[doc = include_str!("../chapters/05-sigmoid.md")]
pub struct Chapter05Sigmoid;

#[doc = include_str!("../chapters/06-relu.md")]
pub struct Chapter06Relu;

#[doc = include_str!("../chapters/07-affine.md")]
pub struct Chapter07Affine;

#[doc = include_str!("../chapters/08-softmax-with-loss.md")]
pub struct Chapter08SoftmaxWithLoss;

#[doc = include_str!("../chapters/09-two-layer-net.md")]
pub struct Chapter09TwoLayerNet;

#[doc = include_str!("../chapters/10-training-on-mnist.md")]
pub struct Chapter10TrainingOnMnist;

#[doc = include_str!("../chapters/11-the-matrix.md")]
pub struct Chapter11TheMatrix;
