//! The learning curves as CSV: one row per evaluation, the header
//! `epoch,iteration,loss,train_acc,test_acc,elapsed_s`, accuracies as fractions.
//!
//! The slides keep `train_loss_list`, `train_acc_list` and `test_acc_list` in memory and print
//! the accuracies; this file is those lists on disk, for a spreadsheet or a plotting script.
//! The file is rewritten whole, atomically, after every evaluation: at any moment it holds every
//! row so far and nothing half-written, so a run that diverges or is interrupted still leaves a
//! readable CSV.
//!
//! Every column but `elapsed_s` is a pure function of the configuration and the seed, so two
//! runs with the same seed give the same file except for that column.

use std::path::Path;

use crate::atomic_write::{WriteError, write_atomic};
use crate::report::EvalRow;

/// The first line of every CSV we write.
pub const HEADER: &str = "epoch,iteration,loss,train_acc,test_acc,elapsed_s";

/// One CSV line (without the newline). Loss and accuracies with 6 decimals: enough to tell
/// apart two train accuracies (steps of 1/60000), and the same digits on every machine.
pub fn row_line(row: &EvalRow) -> String {
    format!(
        "{},{},{:.6},{:.6},{:.6},{:.3}",
        row.epoch, row.iteration, row.loss, row.train_acc, row.test_acc, row.elapsed_s
    )
}

/// The whole file: the header, then one line per row.
pub fn render(rows: &[EvalRow]) -> String {
    let mut s = String::with_capacity(HEADER.len() + 1 + rows.len() * 48);
    s.push_str(HEADER);
    s.push('\n');
    for row in rows {
        s.push_str(&row_line(row));
        s.push('\n');
    }
    s
}

/// Writes `rows` to `path` atomically (see [`crate::atomic_write`]); `flag` names the option
/// that chose the path, for the error message.
pub fn write(flag: &str, path: &Path, rows: &[EvalRow]) -> Result<(), WriteError> {
    let text = render(rows);
    write_atomic(flag, path, |w| w.write_all(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_then_one_line_per_row() {
        let rows = [
            EvalRow {
                epoch: 1,
                iteration: 0,
                loss: 2.301_25,
                train_acc: 0.0993,
                test_acc: 0.1032,
                elapsed_s: 0.25,
            },
            EvalRow {
                epoch: 2,
                iteration: 600,
                loss: 0.25,
                train_acc: 54_321.0 / 60_000.0,
                test_acc: 0.9,
                elapsed_s: 3.0,
            },
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "epoch,iteration,loss,train_acc,test_acc,elapsed_s"
        );
        assert_eq!(lines[1], "1,0,2.301250,0.099300,0.103200,0.250");
        assert_eq!(lines[2], "2,600,0.250000,0.905350,0.900000,3.000");
        assert_eq!(lines.len(), 3);
        assert!(text.ends_with('\n'));
    }
}
