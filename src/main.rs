//! The `backprop` program: a thin shell over the library.

fn main() {
    println!("backprop: training comes with the MNIST issue");
}
