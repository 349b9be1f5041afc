//! Drawing a 28x28 digit in the terminal with shade characters, for `predict` and `eval`: the
//! reader sees the very pixels the network saw, next to what it made of them.
//!
//! Terminal cells are about twice as tall as wide, so the full-size drawing spends two
//! characters per pixel (56 x 28 cells, a square digit) and the compact one, for several digits
//! side by side, one character per pixel and one line per two pixel rows (28 x 14 cells).
//! Not in the slides, which show the digits with matplotlib.

/// Which characters draw the grey levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shades {
    /// ` ░▒▓█`: five levels, needs a Unicode terminal (nearly all are).
    Unicode,
    /// ` .:-=+*#%@`: ten levels of plain ASCII.
    Ascii,
}

impl Shades {
    fn ramp(self) -> &'static [char] {
        match self {
            Shades::Unicode => &[' ', '░', '▒', '▓', '█'],
            Shades::Ascii => &[' ', '.', ':', '-', '=', '+', '*', '#', '%', '@'],
        }
    }

    /// The character for grey level `v` (0 = background, 255 = ink).
    pub fn glyph(self, v: u8) -> char {
        let ramp = self.ramp();
        ramp[usize::from(v) * ramp.len() / 256]
    }

    fn frame(self) -> [char; 6] {
        // top-left, top-right, bottom-left, bottom-right, horizontal, vertical
        match self {
            Shades::Unicode => ['┌', '┐', '└', '┘', '─', '│'],
            Shades::Ascii => ['+', '+', '+', '+', '-', '|'],
        }
    }
}

/// The full-size drawing of a `side` x `side` image, framed: `side + 2` lines of
/// `2 * side + 2` characters.
#[track_caller]
pub fn digit(pixels: &[u8], side: usize, shades: Shades) -> Vec<String> {
    assert_eq!(
        pixels.len(),
        side * side,
        "draw::digit: need {side}x{side} pixels"
    );
    let [tl, tr, bl, br, h, v] = shades.frame();
    let edge: String = std::iter::repeat_n(h, 2 * side).collect();
    let mut lines = Vec::with_capacity(side + 2);
    lines.push(format!("{tl}{edge}{tr}"));
    for row in pixels.chunks_exact(side) {
        let mut line = String::with_capacity(2 * side + 2);
        line.push(v);
        for &p in row {
            let c = shades.glyph(p);
            line.push(c);
            line.push(c);
        }
        line.push(v);
        lines.push(line);
    }
    lines.push(format!("{bl}{edge}{br}"));
    lines
}

/// The compact drawing, framed: each character stands for one pixel column and two pixel rows
/// (their mean), `side / 2 + 2` lines of `side + 2` characters.
#[track_caller]
pub fn digit_compact(pixels: &[u8], side: usize, shades: Shades) -> Vec<String> {
    assert_eq!(
        pixels.len(),
        side * side,
        "draw::digit_compact: need {side}x{side} pixels"
    );
    let [tl, tr, bl, br, h, v] = shades.frame();
    let edge: String = std::iter::repeat_n(h, side).collect();
    let mut lines = Vec::with_capacity(side / 2 + 3);
    lines.push(format!("{tl}{edge}{tr}"));
    for pair in pixels.chunks(2 * side) {
        let mut line = String::with_capacity(side + 2);
        line.push(v);
        for c in 0..side {
            let top = u16::from(pair[c]);
            let bottom = pair.get(side + c).map_or(top, |&p| u16::from(p));
            line.push(shades.glyph(((top + bottom) / 2) as u8));
        }
        line.push(v);
        lines.push(line);
    }
    lines.push(format!("{bl}{edge}{br}"));
    lines
}

/// Blocks of lines set side by side with `gap` spaces between, each block padded to its widest
/// line (counted in characters: every glyph above is one cell wide).
pub fn side_by_side(blocks: &[Vec<String>], gap: usize) -> Vec<String> {
    let height = blocks.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = blocks
        .iter()
        .map(|b| b.iter().map(|l| l.chars().count()).max().unwrap_or(0))
        .collect();
    (0..height)
        .map(|r| {
            let mut line = String::new();
            for (i, (block, &w)) in blocks.iter().zip(&widths).enumerate() {
                if i > 0 {
                    line.push_str(&" ".repeat(gap));
                }
                let cell = block.get(r).map_or("", String::as_str);
                line.push_str(cell);
                line.push_str(&" ".repeat(w - cell.chars().count()));
            }
            line.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_run_from_blank_to_full() {
        assert_eq!(Shades::Unicode.glyph(0), ' ');
        assert_eq!(Shades::Unicode.glyph(255), '█');
        assert_eq!(Shades::Ascii.glyph(0), ' ');
        assert_eq!(Shades::Ascii.glyph(255), '@');
        let levels: Vec<char> = (0..=255u8).map(|v| Shades::Ascii.glyph(v)).collect();
        let mut distinct = levels.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
    }

    #[test]
    fn full_and_compact_sizes() {
        let px: Vec<u8> = (0..784)
            .map(|i| if i % 29 == 0 { 255 } else { 0 })
            .collect();
        let full = digit(&px, 28, Shades::Unicode);
        assert_eq!(full.len(), 30);
        assert!(full.iter().all(|l| l.chars().count() == 58));
        // The diagonal: row r has ink at columns 2r and 2r+1 (after the frame).
        assert_eq!(full[1].chars().nth(1), Some('█'));
        assert_eq!(full[28].chars().nth(2 * 27 + 1), Some('█'));
        let small = digit_compact(&px, 28, Shades::Ascii);
        assert_eq!(small.len(), 16);
        assert!(small.iter().all(|l| l.chars().count() == 30));
    }

    #[test]
    fn blocks_line_up() {
        let a = vec!["ab".to_string(), "a".to_string()];
        let b = vec!["x".to_string(), "yz".to_string(), "w".to_string()];
        let lines = side_by_side(&[a, b], 1);
        assert_eq!(lines, vec!["ab x", "a  yz", "   w"]);
    }
}
