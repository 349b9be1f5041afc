//! The program as a user meets it: exit codes and messages, the up-front checks, a diverging
//! run, and one short real training whose CSV, chart and model are then read back by `eval` and
//! `predict`.

mod program_common;
mod svg_check;

use std::path::PathBuf;
use std::sync::OnceLock;

use program_common::{Run, Scratch, backprop, backprop_in, data_dir};

const TEST_CLASS_COUNTS: [usize; 10] = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

fn data() -> &'static str {
    data_dir().to_str().unwrap()
}

#[test]
fn help_and_version_exit_zero() {
    let r = backprop(&["--help"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Commands:") && r.stdout.contains("--batch-size"));
    assert!(r.stderr.is_empty());
    for c in ["train", "gradcheck", "predict", "eval"] {
        let r = backprop(&[c, "--help"]);
        assert_eq!(r.code, 0);
        assert!(
            r.stdout.starts_with(&format!("backprop {c}:")),
            "{}",
            r.stdout
        );
    }
    let r = backprop(&["--version"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout.trim(),
        format!("backprop {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Asserts a usage error: exit code 2, nothing on stdout, and `parts` in the message.
fn usage_error(args: &[&str], parts: &[&str]) {
    let r = backprop(args);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    for p in parts {
        assert!(r.stderr.contains(p), "{args:?}: {p:?} not in {}", r.stderr);
    }
}

#[test]
fn command_line_mistakes_exit_2_with_a_message() {
    usage_error(&["--itres", "5"], &["--itres", "did you mean `--iters`?"]);
    usage_error(&["--lr", "fast"], &["--lr", "fast", "a finite number > 0"]);
    usage_error(&["--lr", "-1"], &["--lr", "-1", "> 0"]);
    usage_error(&["--lr", "1e-50"], &["--lr", "1e-50", "rounds to 0"]);
    usage_error(&["--lr", "1e39"], &["--lr", "1e39", "at most about 3.4e38"]);
    usage_error(&["--batch-size", "0"], &["--batch-size", "0", "from 1"]);
    usage_error(&["--hidden", "0"], &["--hidden", "0"]);
    usage_error(&["--iters", "0"], &["--iters", "0"]);
    usage_error(&["--iters"], &["--iters needs a value"]);
    usage_error(&["trian"], &["unknown command `trian`", "`train`"]);
    usage_error(&["train", "--model", "m"], &["backprop predict"]);
    usage_error(&["predict", "--index", "3"], &["--model"]);
    usage_error(
        &["predict", "--model", "m.bin", "--index", "-1"],
        &["--index", "-1", "a test image number"],
    );
    usage_error(
        &["--csv", "same.out", "--save", "same.out"],
        &["--csv and --save both name same.out"],
    );
    usage_error(
        &["--csv", "same.out", "--plot", "./same.out"],
        &["--csv and --plot both name ./same.out"],
    );
}

#[test]
fn missing_data_exits_1_naming_the_directory() {
    let dir = Scratch::new("nodata");
    let missing = dir.join("no-mnist-here");
    let r = backprop(&["--data", missing.to_str().unwrap(), "--no-plot"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no-mnist-here"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "trained anyway: {}", r.stdout);
}

#[test]
fn unwritable_outputs_are_refused_before_anything_runs() {
    let dir = Scratch::new("unwritable");
    let csv = dir.join("no-such-dir").join("curve.csv");
    let r = backprop(&["--csv", csv.to_str().unwrap(), "--no-plot"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("--csv")
            && r.stderr.contains("no-such-dir")
            && r.stderr.contains("does not exist"),
        "{}",
        r.stderr
    );
    // Refused before the data was even read: no header, no table.
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    let r = backprop(&["--save", dir.path.to_str().unwrap(), "--no-plot"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("--save") && r.stderr.contains("is a directory"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());

    let plot = dir.join("missing").join("chart.svg");
    let r = backprop(&["--plot", plot.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--plot"), "{}", r.stderr);
    assert!(dir.names().is_empty(), "left {:?}", dir.names());
}

#[test]
fn a_diverging_run_stops_keeps_its_csv_and_saves_no_model() {
    let dir = Scratch::new("diverge");
    let csv = dir.join("curve.csv");
    let model = dir.join("model.bin");
    // A model the user made earlier must survive a run that fails.
    std::fs::write(&model, b"precious").unwrap();
    let r = backprop(&[
        "--data",
        data(),
        "--lr",
        "1e10",
        "--iters",
        "100",
        "--eval-every",
        "2",
        "--csv",
        csv.to_str().unwrap(),
        "--save",
        model.to_str().unwrap(),
        "--no-plot",
    ]);
    assert_eq!(r.code, 1, "stdout {}\nstderr {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("diverged at iteration"), "{}", r.stderr);
    assert!(
        r.stderr.contains("smaller") && r.stderr.contains("--lr 1e9"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&model).unwrap(), b"precious");
    // The CSV holds the rows evaluated before the divergence, whole and parseable.
    let text = std::fs::read_to_string(&csv).expect("the CSV of the rows so far");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("epoch,iteration,loss,train_acc,test_acc,elapsed_s")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
        .collect();
    assert!(!rows.is_empty(), "no row before the divergence");
    assert!(
        rows.iter()
            .all(|r| r.len() == 6 && r.iter().all(|v| v.is_finite()))
    );
    assert!(text.ends_with('\n'));
    // The table printed the same rows; nothing but the two files is left in the directory.
    assert_eq!(dir.names(), vec!["curve.csv", "model.bin"]);
}

/// The directory of the one real training run (`Scratch::kept`: a `static` is never dropped),
/// its outputs and its stdout.
struct Trained {
    dir: PathBuf,
    run: Run,
}

impl Trained {
    fn csv(&self) -> PathBuf {
        self.dir.join("curve.csv")
    }
    fn svg(&self) -> PathBuf {
        self.dir.join("curve.svg")
    }
    fn model(&self) -> PathBuf {
        self.dir.join("model.bin")
    }
    fn model_str(&self) -> String {
        self.model().to_str().unwrap().to_string()
    }
}

/// 300 iterations with 2 evaluations, run once and shared by the tests below.
fn trained() -> &'static Trained {
    static T: OnceLock<Trained> = OnceLock::new();
    T.get_or_init(|| {
        let dir = Scratch::kept("trained");
        let (csv, svg, model) = (
            dir.join("curve.csv"),
            dir.join("curve.svg"),
            dir.join("model.bin"),
        );
        let run = backprop_in(
            &dir,
            &[
                "train",
                "--data",
                data(),
                "--iters",
                "300",
                "--eval-every",
                "150",
                "--seed",
                "3",
                "--csv",
                csv.to_str().unwrap(),
                "--plot",
                svg.to_str().unwrap(),
                "--save",
                model.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, 0, "training failed: {}", run.stderr);
        Trained { dir, run }
    })
}

#[test]
fn training_prints_the_table_and_writes_csv_chart_and_model() {
    let t = trained();
    let out = &t.run.stdout;
    assert!(
        out.contains("x_train (60000, 784)") && out.contains("x_test (10000, 784)"),
        "{out}"
    );
    assert!(out.contains("784-50-10"), "{out}");
    assert!(out.contains("epoch  iteration"), "{out}");
    assert!(out.contains("final test accuracy"), "{out}");
    assert!(out.contains("images/s"), "{out}");
    // stderr is not a terminal here: no progress line.
    assert!(t.run.stderr.is_empty(), "{}", t.run.stderr);

    // One CSV row per evaluation (iterations 0 and 150), the same rows as the table.
    let text = std::fs::read_to_string(t.csv()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "epoch,iteration,loss,train_acc,test_acc,elapsed_s"
    );
    assert_eq!(lines.len(), 3, "{text}");
    let table_rows: Vec<&str> = out
        .lines()
        .filter(|l| l.split_whitespace().count() == 6 && l.trim_start().starts_with('1'))
        .collect();
    assert_eq!(table_rows.len(), 2, "{out}");
    for (csv_line, table_line) in lines[1..].iter().zip(&table_rows) {
        let c: Vec<&str> = csv_line.split(',').collect();
        let t: Vec<&str> = table_line.split_whitespace().collect();
        assert_eq!(c[0], t[0]);
        assert_eq!(c[1], t[1]);
        let (cl, tl): (f64, f64) = (c[2].parse().unwrap(), t[2].parse().unwrap());
        assert!((cl - tl).abs() <= 5e-5, "loss {cl} vs {tl}");
    }

    // The chart: well-formed, with all three curves.
    let svg = std::fs::read_to_string(t.svg()).unwrap();
    svg_check::check_well_formed(&svg).unwrap();
    assert_eq!(
        svg_check::polyline_points(&svg, "train-acc").unwrap().len(),
        2
    );
    assert_eq!(
        svg_check::polyline_points(&svg, "test-acc").unwrap().len(),
        2
    );
    assert_eq!(svg_check::polyline_points(&svg, "loss").unwrap().len(), 300);

    // The model: the documented size of a 784-50-10 network, and it loads.
    assert_eq!(std::fs::metadata(t.model()).unwrap().len(), 159_072);
    backprop::model_file::load(&t.model()).unwrap();
    assert!(
        out.contains(&format!("model: {}", t.model().display())),
        "{out}"
    );
}

/// The rows of the confusion matrix `eval` prints: (true digit, counts, row total).
fn confusion_rows(out: &str) -> Vec<(usize, Vec<usize>, usize)> {
    out.lines()
        .skip_while(|l| !l.contains("true \\ read"))
        .skip(1)
        .take(10)
        .map(|l| {
            let v: Vec<usize> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            assert_eq!(v.len(), 12, "{l}");
            (v[0], v[1..11].to_vec(), v[11])
        })
        .collect()
}

#[test]
fn eval_confusion_rows_sum_to_the_class_counts() {
    let t = trained();
    let r = backprop(&[
        "eval",
        "--model",
        &t.model_str(),
        "--data",
        data(),
        "--show",
        "3",
        "--ascii",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = confusion_rows(&r.stdout);
    assert_eq!(rows.len(), 10, "{}", r.stdout);
    let mut right = 0;
    for (digit, (t, counts, total)) in rows.iter().enumerate() {
        assert_eq!(*t, digit);
        assert_eq!(
            counts.iter().sum::<usize>(),
            TEST_CLASS_COUNTS[digit],
            "row {digit}"
        );
        assert_eq!(*total, TEST_CLASS_COUNTS[digit]);
        right += counts[digit];
    }
    // The accuracy line agrees with the diagonal, and with the training's final figure.
    let line = format!(
        "test accuracy {:.4} ({right} of 10000 right)",
        right as f64 / 10_000.0
    );
    assert!(r.stdout.contains(&line), "{line} not in\n{}", r.stdout);
    let trained_acc = format!("final test accuracy {:.4}", right as f64 / 10_000.0);
    assert!(
        t.run.stdout.contains(&trained_acc),
        "{trained_acc} vs {}",
        t.run.stdout
    );
    // Three misread digits, drawn in ASCII with their labels.
    assert_eq!(r.stdout.matches(" read as ").count(), 3, "{}", r.stdout);
    assert!(!r.stdout.contains('█'));
}

#[test]
fn predict_an_index_and_a_pgm_written_here() {
    let t = trained();
    let r = backprop(&[
        "predict",
        "--model",
        &t.model_str(),
        "--data",
        data(),
        "--index",
        "0",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("test image 0") && r.stdout.contains("(label 7)"),
        "{}",
        r.stdout
    );
    let prediction = |out: &str| -> String {
        let line = out
            .lines()
            .find(|l| l.starts_with("prediction: "))
            .expect(out);
        line["prediction: ".len()..][..1].to_string()
    };
    let by_index = prediction(&r.stdout);
    // A 30-line frame (28 rows and the borders), then three probabilities in falling order.
    assert_eq!(r.stdout.lines().filter(|l| l.starts_with('│')).count(), 28);
    let probs: Vec<f64> = r
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("prediction"))
        .skip(1)
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(probs.len(), 3);
    assert!(probs.windows(2).all(|w| w[0] >= w[1]) && probs[0] <= 1.0);

    // The same digit as a binary PGM, and inverted (dark ink on white) as a plain PGM.
    let mnist = backprop::mnist::load_dir(data_dir()).unwrap();
    let pixels = mnist.test.image(0);
    let dir = Scratch::new("pgm");
    let p5 = dir.join("seven.pgm");
    std::fs::write(&p5, backprop::pgm::encode_p5(pixels)).unwrap();
    let mut p2 = String::from("P2\n# test image 0, inverted\n28 28\n255\n");
    for row in pixels.chunks(28) {
        let line: Vec<String> = row.iter().map(|&p| (255 - p).to_string()).collect();
        p2.push_str(&line.join(" "));
        p2.push('\n');
    }
    let p2_path = dir.join("seven-paper.pgm");
    std::fs::write(&p2_path, p2).unwrap();

    let r = backprop(&[
        "predict",
        "--model",
        &t.model_str(),
        "--image",
        p5.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(prediction(&r.stdout), by_index);
    let r = backprop(&[
        "predict",
        "--model",
        &t.model_str(),
        "--image",
        p2_path.to_str().unwrap(),
        "--invert",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(prediction(&r.stdout), by_index);

    // A PGM of the wrong size, an index past the test set.
    let big = dir.join("big.pgm");
    std::fs::write(&big, b"P5\n32 32\n255\n").unwrap();
    let r = backprop(&[
        "predict",
        "--model",
        &t.model_str(),
        "--image",
        big.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("big.pgm") && r.stderr.contains("32x32"),
        "{}",
        r.stderr
    );
    let r = backprop(&[
        "predict",
        "--model",
        &t.model_str(),
        "--data",
        data(),
        "--index",
        "10000",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--index") && r.stderr.contains("0 to 9999"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_damaged_or_missing_model_is_a_clear_error() {
    let t = trained();
    let dir = Scratch::new("damaged");
    let mut bytes = std::fs::read(t.model()).unwrap();
    bytes[1000] ^= 0x40;
    let damaged = dir.join("damaged.bin");
    std::fs::write(&damaged, &bytes).unwrap();
    let r = backprop(&[
        "eval",
        "--model",
        damaged.to_str().unwrap(),
        "--data",
        data(),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("damaged.bin") && r.stderr.contains("checksum"),
        "{}",
        r.stderr
    );
    let r = backprop(&["eval", "--model", dir.join("nothing.bin").to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no such file") && r.stderr.contains("--save"),
        "{}",
        r.stderr
    );
    let csv = t.csv();
    let r = backprop(&["predict", "--model", csv.to_str().unwrap(), "--index", "0"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not a backprop model"), "{}", r.stderr);
}
