//! `TwoLayerNet`: Affine → Relu → Affine → SoftmaxWithLoss, learning by backpropagation.
//! Slides: 誤差逆伝播法の実装(実装イメージ１), its layers from 逆誤差伝播方式(…レイヤ).
//! Chapter: chapters/09-two-layer-net.md.
//!
//! The slide keeps the parameters in a dict `params` and the layers in an `OrderedDict`, and
//! the layers share the parameter arrays with the dict. Rust will not let two owners mutate
//! one matrix, so the layers own the parameters (`affine1.w` is the slide's `params['W1']`)
//! and the layers are named fields, which also lets `gradient()` list them in reverse by hand,
//! line for line as the slide's loop runs. Python names become Rust's: `W1` → `w1`,
//! `lastLayer` → `last_layer`, `grads['W1']` → `grads.w1`.
//!
//! Leaves out: the slide's training script (it is the program's, over this API) and
//! `OrderedDict`'s generality (a net of any depth): the slides build exactly this one.

use crate::gradient::numerical_gradient;
use crate::layers::{Affine, Relu, SoftmaxWithLoss};
use crate::matrix::Matrix;
use crate::rng::Rng;

// ANCHOR: struct
/// The network of the slides: 784-50-10 for MNIST, any sizes for tests.
///
/// Shapes, for a batch of N: x N x input, w1 input x hidden, b1 1 x hidden, w2 hidden x output,
/// b2 1 x output, scores N x output, t N x output (one-hot).
#[derive(Clone, Debug)]
pub struct TwoLayerNet {
    /// `layers['Affine1']`, holding `params['W1']` and `params['b1']`.
    pub affine1: Affine,
    /// `layers['Relu1']`.
    pub relu1: Relu,
    /// `layers['Affine2']`, holding `params['W2']` and `params['b2']`.
    pub affine2: Affine,
    /// `lastLayer`: takes the labels and gives the loss, outside the forward chain of `predict`.
    pub last_layer: SoftmaxWithLoss,
}
// ANCHOR_END: struct

/// The slide's `grads` dict: ∂L/∂ of each parameter, shaped as the parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Grads {
    pub w1: Matrix,
    pub b1: Matrix,
    pub w2: Matrix,
    pub b2: Matrix,
}

impl Grads {
    /// The four gradients with the slide's keys, in the slide's order `('W1', 'b1', 'W2', 'b2')`.
    pub fn named(&self) -> [(&'static str, &Matrix); 4] {
        [
            ("W1", &self.w1),
            ("b1", &self.b1),
            ("W2", &self.w2),
            ("b2", &self.b2),
        ]
    }
}

impl TwoLayerNet {
    // ANCHOR: new
    /// W1 (input x hidden) and W2 (hidden x output) drawn from N(0, weight_init_std²) by `rng`,
    /// W1 first, row by row; b1 and b2 zero. The slides use weight_init_std = 0.01.
    pub fn new(
        input_size: usize,
        hidden_size: usize,
        output_size: usize,
        weight_init_std: f32,
        rng: &mut Rng,
    ) -> TwoLayerNet {
        // self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        let w1 = Matrix::randn(input_size, hidden_size, weight_init_std, rng);
        let b1 = Matrix::zeros(1, hidden_size);
        let w2 = Matrix::randn(hidden_size, output_size, weight_init_std, rng);
        let b2 = Matrix::zeros(1, output_size);
        TwoLayerNet {
            affine1: Affine::new(w1, b1),
            relu1: Relu::new(),
            affine2: Affine::new(w2, b2),
            last_layer: SoftmaxWithLoss::new(),
        }
    }
    // ANCHOR_END: new

    // ANCHOR: predict_loss_accuracy
    /// x (N x input) -> scores (N x output), before the softmax.
    ///
    /// The slide's `for layer in self.layers.values(): x = layer.forward(x)`, unrolled.
    pub fn predict(&mut self, x: &Matrix) -> Matrix {
        let x = self.affine1.forward(x);
        let x = self.relu1.forward(&x);
        self.affine2.forward(&x)
    }

    /// x (N x input), t (N x output, one-hot) -> the mean cross-entropy loss.
    pub fn loss(&mut self, x: &Matrix, t: &Matrix) -> f32 {
        let y = self.predict(x);
        self.last_layer.forward(&y, t)
    }

    /// x (N x input), t (N x output, one-hot) -> the fraction of rows whose highest score is
    /// the labelled class.
    #[track_caller]
    pub fn accuracy(&mut self, x: &Matrix, t: &Matrix) -> f32 {
        let y = self.predict(x).argmax_rows();
        let t = t.argmax_rows();
        assert_eq!(
            y.len(),
            t.len(),
            "accuracy: {} inputs but {} labels",
            y.len(),
            t.len()
        );
        let correct = y.iter().zip(&t).filter(|(y, t)| y == t).count();
        correct as f32 / x.rows() as f32
    }
    // ANCHOR_END: predict_loss_accuracy

    /// x (N x input) -> scores (N x output), as `predict` computes them, without writing the
    /// layers' caches: for an evaluation, which never calls `backward`, and whose threads
    /// can then share one network. Not on the slides, whose `accuracy` calls `predict`.
    pub fn predict_uncached(&self, x: &Matrix) -> Matrix {
        let x = self.affine1.forward_uncached(x);
        let x = Relu::forward_uncached(&x);
        self.affine2.forward_uncached(&x)
    }

    /// x (N x input), labels (N class indices) -> how many rows are classified right.
    ///
    /// `accuracy` for a caller that evaluates a large set in chunks: it adds up the counts of
    /// the chunks and divides once at the end (summing per-chunk fractions would weigh a short
    /// last chunk wrongly), and passes label indices, never building a one-hot matrix.
    #[track_caller]
    pub fn correct(&mut self, x: &Matrix, labels: &[u8]) -> usize {
        let y = self.predict(x).argmax_rows();
        assert_eq!(
            y.len(),
            labels.len(),
            "correct: {} inputs but {} labels",
            y.len(),
            labels.len()
        );
        y.iter()
            .zip(labels)
            .filter(|&(&y, &t)| y == t as usize)
            .count()
    }

    // ANCHOR: numerical_gradient
    /// x (N x input), t (N x output, one-hot) -> ∂L/∂ of every parameter, by central
    /// differences: two full forward passes per parameter element, the slow way the slides
    /// replace by backpropagation and keep only to check it (勾配確認).
    pub fn numerical_gradient(&mut self, x: &Matrix, t: &Matrix) -> Grads {
        Grads {
            w1: self.numerical_gradient_of(|net| &mut net.affine1.w, x, t),
            b1: self.numerical_gradient_of(|net| &mut net.affine1.b, x, t),
            w2: self.numerical_gradient_of(|net| &mut net.affine2.w, x, t),
            b2: self.numerical_gradient_of(|net| &mut net.affine2.b, x, t),
        }
    }

    /// The slide's `numerical_gradient(loss_W, self.params[key])` for the parameter `param`
    /// picks out, with `loss_W = lambda W: self.loss(x, t)`.
    ///
    /// In Python, the lambda reaches the parameter through `self` while `numerical_gradient`
    /// writes into the same array. Rust forbids that aliasing, so the parameter steps out of the
    /// net for the duration, and the closure swaps it back in around each loss evaluation
    /// (`mem::swap` moves three words, never the matrix's data).
    fn numerical_gradient_of(
        &mut self,
        param: fn(&mut TwoLayerNet) -> &mut Matrix,
        x: &Matrix,
        t: &Matrix,
    ) -> Matrix {
        let mut w = std::mem::replace(param(self), Matrix::zeros(0, 0));
        let loss_w = |w: &mut Matrix| {
            std::mem::swap(param(self), w);
            let loss = self.loss(x, t);
            std::mem::swap(param(self), w);
            loss
        };
        let grad = numerical_gradient(loss_w, &mut w);
        *param(self) = w;
        grad
    }
    // ANCHOR_END: numerical_gradient

    // ANCHOR: gradient
    /// x (N x input), t (N x output, one-hot) -> ∂L/∂ of every parameter, by backpropagation:
    /// one forward pass, then dout = 1 through the layers in reverse.
    pub fn gradient(&mut self, x: &Matrix, t: &Matrix) -> Grads {
        // forward
        self.loss(x, t);

        // backward
        let dout = 1.0;
        let dout = self.last_layer.backward(dout);
        // layers.reverse(); for layer in layers: dout = layer.backward(dout)
        let dout = self.affine2.backward(dout);
        let dout = self.relu1.backward(dout);
        // The slide's loop also has affine1 return dx = dout · W1ᵀ, which nothing reads (the
        // input is the data): a quarter of the step's arithmetic, skipped.
        self.affine1.backward_params(&dout);

        // The slide's grads alias the layers' dW and db; ours are copies, so that the layers
        // keep theirs (D·M + M floats each, small next to the products that made them).
        Grads {
            w1: self.affine1.dw.clone(),
            b1: self.affine1.db.clone(),
            w2: self.affine2.dw.clone(),
            b2: self.affine2.db.clone(),
        }
    }
    // ANCHOR_END: gradient

    /// One step of gradient descent: `network.params[key] -= learning_rate * grad[key]` for
    /// each key of `('W1', 'b1', 'W2', 'b2')`.
    #[track_caller]
    pub fn update(&mut self, grads: &Grads, learning_rate: f32) {
        self.affine1.w.sub_scaled(learning_rate, &grads.w1);
        self.affine1.b.sub_scaled(learning_rate, &grads.b1);
        self.affine2.w.sub_scaled(learning_rate, &grads.w2);
        self.affine2.b.sub_scaled(learning_rate, &grads.b2);
    }

    /// The four parameters with the slide's keys, in the slide's order: `network.params`.
    pub fn params(&self) -> [(&'static str, &Matrix); 4] {
        [
            ("W1", &self.affine1.w),
            ("b1", &self.affine1.b),
            ("W2", &self.affine2.w),
            ("b2", &self.affine2.b),
        ]
    }
}
