//! The learning curves as a hand-written SVG chart: on the left the train and test accuracy at
//! each evaluation, on the right the mini-batch loss, both against the iteration, with axes,
//! ticks, labels and a legend. Plain SVG 1.1 with no script and no external font, so a browser
//! and GitHub's Markdown both show it.
//!
//! The slides draw the same two pictures with matplotlib from `train_acc_list`,
//! `test_acc_list` and `train_loss_list`. The loss of every iteration is kept in a
//! [`LossCurve`] of bounded size: long runs average neighbouring iterations so that memory
//! stays flat however many iterations run.

use std::fmt::Write as _;

use crate::report::EvalRow;

/// The loss of every iteration, averaged into at most [`LossCurve::CAPACITY`] points: when the
/// points fill up, neighbours are merged in pairs and each point then stands for twice as many
/// iterations. Bounded memory, deterministic, and every point an honest mean of equal-sized runs
/// of iterations.
#[derive(Clone, Debug)]
pub struct LossCurve {
    /// Iterations averaged into each point (a power of two).
    per_point: u64,
    means: Vec<f64>,
    pending_sum: f64,
    pending_count: u64,
}

impl Default for LossCurve {
    fn default() -> Self {
        LossCurve::new()
    }
}

impl LossCurve {
    /// Points kept at most (even, so that merging in pairs empties half).
    pub const CAPACITY: usize = 1024;

    pub fn new() -> LossCurve {
        LossCurve {
            per_point: 1,
            means: Vec::with_capacity(Self::CAPACITY),
            pending_sum: 0.0,
            pending_count: 0,
        }
    }

    /// Records the loss of the next iteration.
    pub fn push(&mut self, loss: f32) {
        self.pending_sum += f64::from(loss);
        self.pending_count += 1;
        if self.pending_count == self.per_point {
            self.means.push(self.pending_sum / self.per_point as f64);
            self.pending_sum = 0.0;
            self.pending_count = 0;
            if self.means.len() == Self::CAPACITY {
                for i in 0..Self::CAPACITY / 2 {
                    self.means[i] = (self.means[2 * i] + self.means[2 * i + 1]) / 2.0;
                }
                self.means.truncate(Self::CAPACITY / 2);
                self.per_point *= 2;
            }
        }
    }

    /// Iterations averaged into each point.
    pub fn per_point(&self) -> u64 {
        self.per_point
    }

    /// `(iteration, mean loss)` pairs, the iteration being the middle of the averaged run;
    /// a last, partly filled point included.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let half = (self.per_point - 1) as f64 / 2.0;
        let mut pts: Vec<(f64, f64)> = self
            .means
            .iter()
            .enumerate()
            .map(|(i, &m)| ((i as u64 * self.per_point) as f64 + half, m))
            .collect();
        if self.pending_count > 0 {
            let start = self.means.len() as u64 * self.per_point;
            pts.push((
                start as f64 + (self.pending_count - 1) as f64 / 2.0,
                self.pending_sum / self.pending_count as f64,
            ));
        }
        pts
    }
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` ticks up to `max`.
pub fn nice_step(max: f64, target: usize) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let rough = max / target.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    let fraction = rough / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// Tick labels without trailing zeros: `0`, `0.2`, `2000`, `1e+06` is never produced for
/// iterations below a trillion.
fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{v:.decimals$}")
}

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 400.0;
const PANEL_W: f64 = 390.0;
const PANEL_H: f64 = 270.0;
const TOP: f64 = 60.0;
const LEFT_PANEL_X: f64 = 70.0;
const RIGHT_PANEL_X: f64 = 550.0;

const TRAIN_COLOR: &str = "#1f77b4";
const TEST_COLOR: &str = "#d62728";
const LOSS_COLOR: &str = "#2ca02c";

/// One panel's plotting frame: data ranges mapped to pixels.
struct Frame {
    x0: f64,
    y0: f64,
    x_max: f64,
    y_max: f64,
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        self.x0 + x / self.x_max * PANEL_W
    }
    fn py(&self, y: f64) -> f64 {
        self.y0 + PANEL_H - (y / self.y_max).clamp(0.0, 1.0) * PANEL_H
    }
}

/// Draws a panel's box, grid, ticks, tick labels and axis titles.
fn axes(svg: &mut String, f: &Frame, x_step: f64, y_step: f64, title: &str, y_title: &str) {
    let (x0, y0) = (f.x0, f.y0);
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="15" font-weight="bold">{title}</text>"##,
        x0 + PANEL_W / 2.0,
        y0 - 14.0
    );
    let _ = writeln!(
        svg,
        r##"<g class="grid" stroke="#dddddd" stroke-width="1">"##
    );
    let mut y = 0.0;
    while y <= f.y_max * (1.0 + 1e-9) {
        let _ = writeln!(
            svg,
            r#"<line x1="{x0:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}"/>"#,
            x0 + PANEL_W,
            py = f.py(y)
        );
        y += y_step;
    }
    let _ = writeln!(svg, "</g>");
    let _ = writeln!(
        svg,
        r##"<rect x="{x0:.1}" y="{y0:.1}" width="{PANEL_W:.1}" height="{PANEL_H:.1}" fill="none" stroke="#333333"/>"##
    );
    let _ = writeln!(svg, r#"<g class="ticks" font-size="11">"#);
    let mut y = 0.0;
    while y <= f.y_max * (1.0 + 1e-9) {
        let py = f.py(y);
        let _ = writeln!(
            svg,
            r##"<line x1="{:.1}" y1="{py:.1}" x2="{x0:.1}" y2="{py:.1}" stroke="#333333"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            x0 - 5.0,
            x0 - 8.0,
            py + 4.0,
            tick_label(y, y_step)
        );
        y += y_step;
    }
    let mut x = 0.0;
    while x <= f.x_max * (1.0 + 1e-9) {
        let px = f.px(x);
        let yb = y0 + PANEL_H;
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{yb:.1}" x2="{px:.1}" y2="{:.1}" stroke="#333333"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            yb + 5.0,
            yb + 19.0,
            tick_label(x, x_step)
        );
        x += x_step;
    }
    let _ = writeln!(svg, "</g>");
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">iteration</text>"#,
        x0 + PANEL_W / 2.0,
        y0 + PANEL_H + 40.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13" transform="rotate(-90 {:.1} {:.1})">{y_title}</text>"#,
        x0 - 45.0,
        y0 + PANEL_H / 2.0,
        x0 - 45.0,
        y0 + PANEL_H / 2.0
    );
}

/// A polyline through `pts` (data coordinates), with an id naming the curve.
fn curve(svg: &mut String, f: &Frame, id: &str, color: &str, dash: &str, pts: &[(f64, f64)]) {
    let mut points = String::with_capacity(pts.len() * 14);
    for (i, &(x, y)) in pts.iter().enumerate() {
        if i > 0 {
            points.push(' ');
        }
        let _ = write!(points, "{:.1},{:.1}", f.px(x), f.py(y));
    }
    let _ = writeln!(
        svg,
        r#"<polyline id="{id}" fill="none" stroke="{color}" stroke-width="2"{dash} points="{points}"/>"#
    );
}

/// Dots at the evaluated points, so that a curve of one or two rows still shows.
fn dots(svg: &mut String, f: &Frame, color: &str, pts: &[(f64, f64)]) {
    let _ = writeln!(svg, r#"<g fill="{color}">"#);
    for &(x, y) in pts {
        let _ = writeln!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.5"/>"#,
            f.px(x),
            f.py(y)
        );
    }
    let _ = writeln!(svg, "</g>");
}

/// A legend box at (x, y): a short line of each curve's colour and its name.
fn legend(svg: &mut String, x: f64, y: f64, entries: &[(&str, &str, &str)]) {
    let h = 10.0 + 18.0 * entries.len() as f64;
    let _ = writeln!(svg, r#"<g class="legend" font-size="12">"#);
    let _ = writeln!(
        svg,
        r##"<rect x="{x:.1}" y="{y:.1}" width="120" height="{h:.1}" fill="white" fill-opacity="0.9" stroke="#999999"/>"##
    );
    for (i, (name, color, dash)) in entries.iter().enumerate() {
        let ly = y + 15.0 + 18.0 * i as f64;
        let _ = writeln!(
            svg,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{name}</text>"#,
            x + 8.0,
            x + 34.0,
            x + 40.0,
            ly + 4.0
        );
    }
    let _ = writeln!(svg, "</g>");
}

/// Escapes the five XML special characters.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole chart as an SVG document. `title` is shown on top (escaped here); `last_iteration`
/// sets the right end of the x axes (the run's last iteration, evaluated or not).
pub fn learning_curves_svg(
    title: &str,
    rows: &[EvalRow],
    loss: &LossCurve,
    last_iteration: u64,
) -> String {
    let loss_pts = loss.points();
    let x_max_data = rows
        .iter()
        .map(|r| r.iteration as f64)
        .chain(loss_pts.iter().map(|p| p.0))
        .fold(last_iteration as f64, f64::max)
        .max(1.0);
    let x_step = nice_step(x_max_data, 5);
    let x_max = (x_max_data / x_step).ceil() * x_step;

    let mut svg = String::with_capacity(16 * 1024 + loss_pts.len() * 16);
    let _ = writeln!(svg, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(svg, "<title>{}</title>", xml_escape(title));
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        WIDTH / 2.0,
        xml_escape(title)
    );

    // Left: accuracy, always on 0..1 so that runs compare at a glance.
    let acc = Frame {
        x0: LEFT_PANEL_X,
        y0: TOP,
        x_max,
        y_max: 1.0,
    };
    axes(&mut svg, &acc, x_step, 0.2, "accuracy", "accuracy");
    let train: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.iteration as f64, r.train_acc))
        .collect();
    let test: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.iteration as f64, r.test_acc))
        .collect();
    let dashed = r#" stroke-dasharray="6 4""#;
    curve(&mut svg, &acc, "train-acc", TRAIN_COLOR, "", &train);
    curve(&mut svg, &acc, "test-acc", TEST_COLOR, dashed, &test);
    dots(&mut svg, &acc, TRAIN_COLOR, &train);
    dots(&mut svg, &acc, TEST_COLOR, &test);
    legend(
        &mut svg,
        acc.x0 + PANEL_W - 130.0,
        acc.y0 + PANEL_H - 56.0,
        &[
            ("train acc", TRAIN_COLOR, ""),
            ("test acc", TEST_COLOR, dashed),
        ],
    );

    // Right: loss, from 0 to a tick above the largest point.
    let loss_max = loss_pts
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-3);
    let y_step = nice_step(loss_max, 5);
    let lossf = Frame {
        x0: RIGHT_PANEL_X,
        y0: TOP,
        x_max,
        y_max: (loss_max / y_step).ceil() * y_step,
    };
    let what = if loss.per_point() == 1 {
        "loss (mini-batch)".to_string()
    } else {
        format!("loss (mean of {} iterations)", loss.per_point())
    };
    axes(&mut svg, &lossf, x_step, y_step, "loss", &what);
    curve(&mut svg, &lossf, "loss", LOSS_COLOR, "", &loss_pts);
    legend(
        &mut svg,
        lossf.x0 + PANEL_W - 130.0,
        lossf.y0 + 10.0,
        &[("train loss", LOSS_COLOR, "")],
    );
    let _ = writeln!(svg, "</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10_000.0, 5), 2000.0);
        assert_eq!(nice_step(1.0, 5), 0.2);
        assert_eq!(nice_step(2.3, 5), 0.5);
        assert_eq!(nice_step(300.0, 5), 100.0);
    }

    #[test]
    fn loss_curve_stays_bounded_and_keeps_the_mean() {
        let mut c = LossCurve::new();
        let n = 10 * LossCurve::CAPACITY as u64 + 3;
        let mut sum = 0.0;
        for i in 0..n {
            let v = (i % 7) as f32;
            sum += f64::from(v);
            c.push(v);
        }
        let pts = c.points();
        assert!(pts.len() <= LossCurve::CAPACITY + 1, "{}", pts.len());
        assert_eq!(c.per_point(), 16);
        // Every full point stands for per_point iterations: the weighted mean is the true mean.
        let full = (n / c.per_point()) as usize;
        let rest = n - full as u64 * c.per_point();
        let total: f64 = pts[..full]
            .iter()
            .map(|p| p.1 * c.per_point() as f64)
            .sum::<f64>()
            + pts[full..].iter().map(|p| p.1 * rest as f64).sum::<f64>();
        assert!((total - sum).abs() < 1e-6 * sum, "{total} vs {sum}");
        // The middles of the runs increase.
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn loss_curve_of_a_few_points_is_exact() {
        let mut c = LossCurve::new();
        for v in [3.0, 2.0, 1.0] {
            c.push(v);
        }
        assert_eq!(c.points(), vec![(0.0, 3.0), (1.0, 2.0), (2.0, 1.0)]);
    }

    #[test]
    fn escapes_markup_in_the_title() {
        assert_eq!(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
