//! The SVG chart is well-formed XML (checked by a small std-only tag matcher) and holds both
//! accuracy curves and the loss curve, with their points where the data puts them.

mod svg_check;

use backprop::plot::{LossCurve, learning_curves_svg};
use backprop::report::EvalRow;
use svg_check::{check_well_formed, polyline_points};

fn rows() -> Vec<EvalRow> {
    (0..17)
        .map(|k| EvalRow {
            epoch: k + 1,
            iteration: k * 600,
            loss: 2.3 / (k as f32 + 1.0),
            train_acc: 0.1 + 0.05 * k as f64,
            test_acc: 0.1 + 0.049 * k as f64,
            elapsed_s: k as f64,
        })
        .collect()
}

fn loss_curve(n: u64) -> LossCurve {
    let mut c = LossCurve::new();
    for i in 0..n {
        c.push(2.3 / (1.0 + i as f32 / 100.0));
    }
    c
}

#[test]
fn the_chart_is_well_formed_and_has_every_curve() {
    let svg = learning_curves_svg(
        "784-50-10 <test> & more",
        &rows(),
        &loss_curve(10_000),
        9_999,
    );
    check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(svg.starts_with("<?xml"));
    assert!(svg.contains("&lt;test&gt; &amp; more"), "title not escaped");
    let train = polyline_points(&svg, "train-acc").expect("no train-acc curve");
    let test = polyline_points(&svg, "test-acc").expect("no test-acc curve");
    let loss = polyline_points(&svg, "loss").expect("no loss curve");
    assert_eq!(train.len(), 17);
    assert_eq!(test.len(), 17);
    // 10000 iterations fill the 1024-point curve more than once: 625 points of 16 iterations.
    assert_eq!(loss.len(), 625);
    // Accuracy rises: in SVG coordinates y grows downwards.
    assert!(train.windows(2).all(|w| w[1].1 < w[0].1 && w[1].0 > w[0].0));
    assert!(
        test.last().unwrap().1 > train.last().unwrap().1,
        "test below train at the end"
    );
    // Loss falls: its y grows.
    assert!(loss.first().unwrap().1 < loss.last().unwrap().1);
    // Axes: labels, ticks and a legend.
    for text in [
        ">iteration<",
        ">accuracy<",
        ">train acc<",
        ">test acc<",
        ">train loss<",
        ">0<",
    ] {
        assert!(svg.contains(text), "missing {text}");
    }
    assert!(svg.contains(">10000<"), "no tick at 10000");
}

#[test]
fn a_one_row_run_still_draws_a_valid_chart() {
    let one = &rows()[..1];
    let svg = learning_curves_svg("t", one, &loss_curve(1), 0);
    check_well_formed(&svg).unwrap();
    assert_eq!(polyline_points(&svg, "train-acc").unwrap().len(), 1);
    assert!(
        svg.contains("<circle"),
        "a single point should still be drawn as a dot"
    );
    let svg = learning_curves_svg("t", &[], &LossCurve::new(), 0);
    check_well_formed(&svg).unwrap();
}

#[test]
fn the_checker_catches_broken_markup() {
    assert!(check_well_formed("<svg><g></svg>").is_err());
    assert!(check_well_formed("<svg></g></svg>").is_err());
    assert!(check_well_formed("<svg><g/>").is_err());
    assert!(check_well_formed("<svg a=\"1></svg>").is_err());
    assert!(check_well_formed("<svg>a & b</svg>").is_err());
    assert!(check_well_formed("<svg/><svg/>").is_err());
    check_well_formed("<?xml version=\"1.0\"?>\n<svg><g a=\"x\"/><text>a &amp; b</text></svg>\n")
        .unwrap();
}
