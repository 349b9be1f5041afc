//! Tests that `cargo mutants` asked for in the program's own files (report, plot, draw, the
//! commands): each one fails on a mutant the other tests let live. Named after what they check;
//! the doc comment of each says which mutants it kills.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use backprop::draw::{self, Shades};
use backprop::plot::{LossCurve, learning_curves_svg, nice_step};
use backprop::report::{self, EvalRow, Progress, Setup, Summary};
use svg_check::{check_well_formed, polyline_points};

mod svg_check;

/// A sink the test can read after handing it to a [`Progress`].
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).unwrap()
    }
}

fn setup<'a>(files: &'a [PathBuf; 4], eval_every: u64, iter_per_epoch: u64) -> Setup<'a> {
    Setup {
        data_dir: Path::new("data/mnist"),
        files,
        train_size: 60000,
        test_size: 10000,
        input_size: 784,
        hidden_size: 50,
        output_size: 10,
        iters: 1,
        batch_size: 100,
        lr: 0.1,
        weight_init_std: 0.01,
        seed: 42,
        threads: 1,
        eval_every,
        iter_per_epoch,
    }
}

fn files() -> [PathBuf; 4] {
    [
        PathBuf::from("data/mnist/train-images-idx3-ubyte.gz"),
        PathBuf::from("data/mnist/train-labels.idx1-ubyte"),
        PathBuf::from("data/mnist/t10k-images-idx3-ubyte"),
        PathBuf::from("t10k-labels-idx1-ubyte.gz"),
    ]
}

/// Killed mutants: `== with !=` in `header`'s test of one evaluation per epoch; `file_names`
/// replaced with `String::new()` or "xyzzy".
#[test]
fn header_says_when_evaluations_fall_on_epochs_and_names_the_files() {
    let files = files();
    let h = report::header(&setup(&files, 600, 600));
    assert!(h.contains("every 600 iterations (one epoch) on all"), "{h}");
    assert!(!h.contains("one epoch is"), "{h}");
    let h = report::header(&setup(&files, 100, 600));
    assert!(h.contains("every 100 iterations (one epoch is 600)"), "{h}");
    assert!(
        h.contains(
            "files       train-images-idx3-ubyte.gz, train-labels.idx1-ubyte, \
             t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.gz\n"
        ),
        "{h}"
    );
}

/// Killed mutant: `> with >=` in `summary`'s guard against a zero training time (the rate
/// would be infinite, printed as 18,446,744,073,709,551,615 images/s).
#[test]
fn summary_of_a_run_with_no_training_time_shows_no_rate() {
    let s = report::summary(&Summary {
        iterations: 1,
        final_test_acc: 0.1,
        total_s: 0.5,
        train_s: 0.0,
        images: 100,
    });
    assert!(s.ends_with("(0 images/s)"), "{s}");
}

/// Killed mutants: `Progress::update` and `Progress::clear` replaced with `()`, and `<` in the
/// five-a-second limit replaced with `==`, `>` or `<=`.
#[test]
fn progress_draws_at_most_every_200_ms_and_clears_its_line() {
    let sink = Shared::default();
    let mut p = Progress::drawing_to(Some(Box::new(sink.clone())));
    // Nothing drawn yet: clearing writes nothing.
    p.clear();
    assert_eq!(sink.take(), "");
    p.update(5, 1000, 1.25);
    let first = sink.take();
    assert!(
        first.starts_with("\r  iteration 5/1000  loss 1.2500"),
        "{first:?}"
    );
    assert!(first.ends_with("\x1b[K"), "{first:?}");
    p.clear();
    assert_eq!(sink.take(), "\r\x1b[K");
    // Cleared once: a second clear writes nothing more.
    p.clear();
    assert_eq!(sink.take(), "");

    let t0 = Instant::now() + Duration::from_secs(1);
    p.update_at(t0, 10, 1000, 1.0);
    assert!(sink.take().contains("iteration 10/1000"));
    p.update_at(t0 + Duration::from_millis(100), 11, 1000, 1.0);
    assert_eq!(sink.take(), "", "drawn again after 100 ms");
    p.update_at(t0 + Duration::from_millis(200), 12, 1000, 1.0);
    assert!(
        sink.take().contains("iteration 12/1000"),
        "not drawn after 200 ms"
    );
    p.update_at(t0 + Duration::from_millis(500), 13, 1000, 1.0);
    assert!(
        sink.take().contains("iteration 13/1000"),
        "not drawn after 300 ms more"
    );
}

/// The `text` of every `<text ...>` element whose opening tag ends with `tag_end`, in order.
fn texts_after(svg: &str, tag_end: &str) -> Vec<String> {
    svg.match_indices(tag_end)
        .map(|(at, _)| {
            let rest = &svg[at + tag_end.len()..];
            rest[..rest.find("</text>").unwrap()].to_string()
        })
        .collect()
}

/// The `y1` of every line in the grid groups, in order.
fn grid_ys(svg: &str) -> Vec<String> {
    let mut ys = Vec::new();
    for group in svg.split(r#"<g class="grid""#).skip(1) {
        let group = &group[..group.find("</g>").unwrap()];
        for line in group.split("<line").skip(1) {
            let at = line.find("y1=\"").unwrap() + 4;
            ys.push(line[at..at + line[at..].find('"').unwrap()].to_string());
        }
    }
    ys
}

fn row(iteration: u64, train_acc: f64, test_acc: f64) -> EvalRow {
    EvalRow {
        epoch: 1,
        iteration,
        loss: 1.0,
        train_acc,
        test_acc,
        elapsed_s: 0.0,
    }
}

/// Killed mutants: the arithmetic of `Frame::px` and `Frame::py` (`+ with -` / `*`, `/ with %`
/// / `*`, `- with /`), of the grid and tick loops' end (`<= with >`, `* with +` / `/`,
/// `+ with -` / `*`), of the x ticks' position (`+ with -` / `*` in `y0 + PANEL_H`), and
/// `tick_label`'s decimals (`>= with <`, the `-` deleted), `> with >=` in `curve` (a space
/// before the first point), the arithmetic of `legend`'s box and rows and of both legends'
/// places, the loss axis' end (`* with +`, `/ with %` / `*`) and its title (`== with !=`).
#[test]
fn the_chart_puts_points_ticks_and_grid_where_the_data_says() {
    let rows = [row(0, 0.25, 0.3), row(500, 0.5, 0.6), row(1000, 0.75, 0.9)];
    let mut loss = LossCurve::new();
    for v in [2.0, 1.0, 0.5] {
        loss.push(v);
    }
    let svg = learning_curves_svg("t", &rows, &loss, 1000);
    check_well_formed(&svg).unwrap();
    // Accuracy panel: x from 70 over 390 px for 0..1000; y from 330 up 270 px for 0..1.
    assert_eq!(
        polyline_points(&svg, "train-acc").unwrap(),
        vec![(70.0, 262.5), (265.0, 195.0), (460.0, 127.5)]
    );
    assert_eq!(
        polyline_points(&svg, "test-acc").unwrap(),
        vec![(70.0, 249.0), (265.0, 168.0), (460.0, 87.0)]
    );
    // Loss panel: x from 550; y for 0..2 (ticks of 0.5).
    assert_eq!(
        polyline_points(&svg, "loss").unwrap(),
        vec![(550.0, 60.0), (550.4, 195.0), (550.8, 262.5)]
    );
    // No space before the first point; the legend's box fits its two entries, 18 px apart.
    assert!(
        svg.contains(r#"points="70.0,262.5 265.0,195.0 460.0,127.5"/>"#),
        "{svg}"
    );
    assert!(
        svg.contains(concat!(
            r##"<rect x="330.0" y="274.0" width="120" height="46.0" fill="white" fill-opacity="0.9" stroke="#999999"/>"##,
            "\n",
            r##"<line x1="338.0" y1="289.0" x2="364.0" y2="289.0" stroke="#1f77b4" stroke-width="2"/><text x="370.0" y="293.0">train acc</text>"##,
            "\n",
            r##"<line x1="338.0" y1="307.0" x2="364.0" y2="307.0" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"/><text x="370.0" y="311.0">test acc</text>"##,
            "\n</g>"
        )),
        "{svg}"
    );
    assert!(
        svg.contains(r##"<rect x="810.0" y="70.0" width="120" height="28.0" fill="white""##),
        "loss legend misplaced: {svg}"
    );
    assert!(svg.contains(">loss (mini-batch)</text>"), "{svg}");
    let y_ticks = texts_after(&svg, r#"text-anchor="end">"#);
    assert_eq!(
        y_ticks,
        [
            "0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "0.0", "0.5", "1.0", "1.5", "2.0"
        ]
    );
    let x_ticks = texts_after(&svg, r#"text-anchor="middle">"#);
    let per_panel = ["0", "200", "400", "600", "800", "1000"];
    assert_eq!(x_ticks, [per_panel, per_panel].concat());
    assert!(
        svg.contains(
            r##"<line x1="148.0" y1="330.0" x2="148.0" y2="335.0" stroke="#333333"/><text x="148.0" y="349.0" text-anchor="middle">200</text>"##
        ),
        "{svg}"
    );
    assert_eq!(
        grid_ys(&svg),
        [
            "330.0", "276.0", "222.0", "168.0", "114.0", "60.0", "330.0", "262.5", "195.0",
            "127.5", "60.0"
        ]
    );
}

/// Killed mutant: `* with +` in the x ticks' loop end (`x_max + 1` draws ticks past 1).
#[test]
fn a_chart_of_one_iteration_has_ticks_from_0_to_1() {
    let mut loss = LossCurve::new();
    loss.push(1.0);
    let svg = learning_curves_svg("t", &[], &loss, 1);
    let per_panel = ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"];
    assert_eq!(
        texts_after(&svg, r#"text-anchor="middle">"#),
        [per_panel, per_panel].concat()
    );
}

/// Killed mutant: `|| with &&` in `nice_step`'s guard.
#[test]
fn nice_step_of_nothing_is_one() {
    assert_eq!(nice_step(0.0, 5), 1.0);
    assert_eq!(nice_step(-3.0, 5), 1.0);
    assert_eq!(nice_step(f64::INFINITY, 5), 1.0);
    assert_eq!(nice_step(f64::NAN, 5), 1.0);
}

/// Killed mutants: in `LossCurve::points`, `/ with %` in `half`, `+ with -` in a full point's
/// middle, and every operator of the partly filled point's middle.
#[test]
fn loss_points_sit_at_the_middle_of_their_iterations() {
    let mut c = LossCurve::new();
    // Loss i at iteration i: each point's mean equals the middle of its run of iterations.
    let n = 2 * LossCurve::CAPACITY + 3;
    for i in 0..n {
        c.push(i as f32);
    }
    assert_eq!(c.per_point(), 4);
    let pts = c.points();
    assert_eq!(pts.len(), LossCurve::CAPACITY / 2 + 1);
    for (k, &(x, y)) in pts.iter().enumerate() {
        assert_eq!(x, y, "point {k}");
    }
    assert_eq!(pts[0], (1.5, 1.5));
    assert_eq!(*pts.last().unwrap(), (2049.0, 2049.0));
    let svg = learning_curves_svg("t", &[], &c, n as u64 - 1);
    assert!(svg.contains(">loss (mean of 4 iterations)</text>"), "{svg}");
}

/// Killed mutants: `Shades::frame` replaced with `['\0'; 6]`; in `digit_compact`, `+ with -` /
/// `*` in `side + c` (the pixel below), and `+ with *`, `/ with %` / `*` in the mean of the two.
#[test]
fn compact_digits_shade_the_mean_of_two_rows_inside_a_frame() {
    // Column 0: 0 over 100, mean 50 ('.'); column 1: 200 over 255, mean 227 ('%').
    let px = [0, 200, 100, 255];
    assert_eq!(
        draw::digit_compact(&px, 2, Shades::Ascii),
        ["+--+", "|.%|", "+--+"]
    );
    assert_eq!(
        draw::digit_compact(&px, 2, Shades::Unicode),
        ["┌──┐", "│ █│", "└──┘"]
    );
    assert_eq!(
        draw::digit(&px, 2, Shades::Unicode),
        ["┌────┐", "│  ▓▓│", "│░░██│", "└────┘"]
    );
}
