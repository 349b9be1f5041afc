//! The chapters stay true to the code: what `cargo test` checks about `chapters/*.md` besides
//! running their ```rust blocks (that is `src/chapters.rs`, through rustdoc).
//!
//! - **Sync.** A chapter quotes code from `src/` in a ```rs block placed right under a marker
//!   line `<!-- anchor: src/FILE.rs#NAME -->`. In the source, the quoted lines sit between
//!   `// ANCHOR: NAME` and `// ANCHOR_END: NAME` (mdBook's convention). The quote must equal
//!   those lines exactly, with their common indentation removed and any nested anchor lines
//!   dropped. Every ```rs block needs a marker, every marker a block, every anchor in `src/` a
//!   chapter that shows it.
//! - **Links.** Every relative link or image in `chapters/*.md` and in `README.md` points at a
//!   file that exists, and a `#fragment` into a Markdown file names one of its headings (by
//!   GitHub's rule for heading ids). Every `chapters/….md` named in a comment under `src/`
//!   exists. Every chapter is listed in `chapters/README.md` and every figure is used.
//! - **Fences.** Every code fence says what it holds: `rust` (runs as a doctest), `rs` (a quote
//!   from `src/`, checked here), `python` (the slides' code), `text` (output, diagrams). A bare
//!   fence would be compiled as Rust by rustdoc, and `ignore` or `no_run` would hide code from
//!   the run, so both are refused. Each numbered chapter has a ```rust block that asserts.
//!
//! After changing anchored code in `src/`, `BACKPROP_BLESS_CHAPTERS=1 cargo test --test
//! chapters quoted_code` rewrites the quotes from the source; read the chapter's prose around
//! them again. (Name the one test: the others read the chapters while it writes them.)

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Markdown file under `chapters/`, sorted by name.
fn chapter_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("chapters"))
        .expect("chapters/ exists")
        .map(|e| e.expect("readable chapters/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

/// The numbered chapters (`NN-name.md`), i.e. everything but the README.
fn numbered_chapters() -> Vec<PathBuf> {
    chapter_files()
        .into_iter()
        .filter(|p| name_of(p).as_bytes()[0].is_ascii_digit())
        .collect()
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// A fenced code block of a Markdown file.
struct Fence {
    /// The info string after the opening backticks, e.g. `rust` or `rs`.
    info: String,
    /// 1-based line of the opening fence.
    line: usize,
    /// The lines between the fences.
    body: Vec<String>,
    /// 0-based index of the opening fence line and of the closing one.
    open: usize,
    close: usize,
}

/// The fenced code blocks of `text`, in order. Panics on a fence left open.
fn fences(text: &str, file: &str) -> Vec<Fence> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(info) = lines[i].strip_prefix("```") {
            let open = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim_end() != "```" {
                body.push(lines[i].to_string());
                i += 1;
            }
            assert!(
                i < lines.len(),
                "{file}:{}: a code fence opened here is never closed",
                open + 1
            );
            out.push(Fence {
                info: info.trim().to_string(),
                line: open + 1,
                body,
                open,
                close: i,
            });
        }
        i += 1;
    }
    out
}

/// `text` with every fenced block and every inline code span blanked out, line count kept, so
/// that link and marker scans see prose only.
fn prose(text: &str) -> Vec<String> {
    let mut in_fence = false;
    text.lines()
        .map(|line| {
            if line.starts_with("```") {
                in_fence = !in_fence;
                return String::new();
            }
            if in_fence {
                return String::new();
            }
            without_code_spans(line)
        })
        .collect()
}

/// `line` with its inline code spans blanked. As in CommonMark, a span opens with a run of n
/// backticks and closes at the next run of exactly n, so ```` ```rust ```` is one span.
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push(' ');
                i = end;
            }
            None => {
                out.extend(&chars[i..i + n]);
                i += n;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Anchors in src/
// ---------------------------------------------------------------------------------------------

fn anchor_start(line: &str) -> Option<&str> {
    line.trim().strip_prefix("// ANCHOR: ").map(str::trim)
}

fn anchor_end(line: &str) -> Option<&str> {
    line.trim().strip_prefix("// ANCHOR_END: ").map(str::trim)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every anchor of every file under `src/`: (file relative to the root, name) -> the quoted
/// text (common indentation removed, nested anchor lines dropped). Panics on an anchor opened
/// twice, closed without being opened, or never closed.
fn source_anchors() -> BTreeMap<(String, String), String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut anchors = BTreeMap::new();
    for path in files {
        let file = rel(&path);
        let text = read(&path);
        let lines: Vec<&str> = text.lines().collect();
        let mut open: BTreeMap<String, usize> = BTreeMap::new();
        for (i, line) in lines.iter().enumerate() {
            if let Some(name) = anchor_start(line) {
                assert!(
                    open.insert(name.to_string(), i).is_none(),
                    "{file}:{}: anchor `{name}` opened twice",
                    i + 1
                );
                assert!(
                    !anchors.contains_key(&(file.clone(), name.to_string())),
                    "{file}:{}: anchor name `{name}` used twice in one file",
                    i + 1
                );
            } else if let Some(name) = anchor_end(line) {
                let start = open.remove(name).unwrap_or_else(|| {
                    panic!(
                        "{file}:{}: `// ANCHOR_END: {name}` without `// ANCHOR: {name}`",
                        i + 1
                    )
                });
                let body: Vec<&str> = lines[start + 1..i]
                    .iter()
                    .copied()
                    .filter(|l| anchor_start(l).is_none() && anchor_end(l).is_none())
                    .collect();
                anchors.insert((file.clone(), name.to_string()), dedent(&body));
            }
        }
        if let Some((name, line)) = open.into_iter().next() {
            panic!("{file}:{}: anchor `{name}` is never closed", line + 1);
        }
    }
    anchors
}

/// The lines with their common leading whitespace removed, joined by newlines.
fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                &l[indent..]
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `<!-- anchor: src/FILE.rs#NAME -->` marker on this line, if any.
fn marker(line: &str) -> Option<(String, String)> {
    let inner = line
        .trim()
        .strip_prefix("<!-- anchor:")?
        .strip_suffix("-->")?
        .trim();
    let (file, name) = inner.split_once('#')?;
    Some((file.trim().to_string(), name.trim().to_string()))
}

// ---------------------------------------------------------------------------------------------
// The sync test
// ---------------------------------------------------------------------------------------------

/// One problem with one quote, for the failure report.
fn first_difference(quote: &[String], source: &str) -> String {
    let src: Vec<&str> = source.lines().collect();
    for i in 0..quote.len().max(src.len()) {
        let q = quote.get(i).map(String::as_str);
        let s = src.get(i).copied();
        if q != s {
            return format!(
                "first difference at line {} of the quote:\n  chapter: {:?}\n  source:  {:?}",
                i + 1,
                q.unwrap_or("<end of quote>"),
                s.unwrap_or("<end of anchored source>")
            );
        }
    }
    String::from("no difference")
}

#[test]
fn quoted_code_matches_the_anchored_source() {
    let anchors = source_anchors();
    let bless = std::env::var_os("BACKPROP_BLESS_CHAPTERS").is_some();
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();

    for path in chapter_files() {
        let file = rel(&path);
        let text = read(&path);
        let lines: Vec<&str> = text.lines().collect();
        let blocks = fences(&text, &file);
        let mut rewritten: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mut replacements = Vec::new();

        // Markers outside of fences must each sit right above a ```rs block.
        for (i, line) in prose(&text).iter().enumerate() {
            if let Some((src, name)) = marker(lines[i]).filter(|_| !line.trim().is_empty()) {
                let next = blocks.iter().find(|b| b.open == i + 1);
                if next.is_none_or(|b| b.info != "rs") {
                    problems.push(format!(
                        "{file}:{}: marker for {src}#{name} is not followed by a ```rs block",
                        i + 1
                    ));
                }
            }
        }

        for block in blocks.iter().filter(|b| b.info == "rs") {
            let Some((src, name)) = block.open.checked_sub(1).and_then(|i| marker(lines[i])) else {
                problems.push(format!(
                    "{file}:{}: a ```rs block must sit right under `<!-- anchor: src/FILE.rs#NAME -->`",
                    block.line
                ));
                continue;
            };
            let key = (src.clone(), name.clone());
            let Some(source) = anchors.get(&key) else {
                problems.push(format!(
                    "{file}:{}: no anchor `{name}` in {src} (need `// ANCHOR: {name}` … `// ANCHOR_END: {name}`)",
                    block.line
                ));
                continue;
            };
            used.insert(key);
            if block.body.join("\n") != *source {
                if bless {
                    replacements.push((block.open, block.close, source.clone()));
                } else {
                    problems.push(format!(
                        "{file}:{}: the quote of {src}#{name} differs from the source; {}",
                        block.line,
                        first_difference(&block.body, source)
                    ));
                }
            }
        }

        if !replacements.is_empty() {
            for (open, close, source) in replacements.into_iter().rev() {
                rewritten.splice(open + 1..close, source.lines().map(str::to_string));
            }
            let mut out = rewritten.join("\n");
            out.push('\n');
            fs::write(&path, out).unwrap();
            eprintln!("blessed: rewrote quotes in {file}");
        }
    }

    for (file, name) in anchors.keys() {
        if !used.contains(&(file.clone(), name.clone())) {
            problems.push(format!(
                "{file}: anchor `{name}` is shown in no chapter (quote it or remove the anchor lines)"
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "chapters out of sync with src/ ({} problems):\n{}\n\
         hint: BACKPROP_BLESS_CHAPTERS=1 cargo test --test chapters quoted_code rewrites the quotes from src/",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Fences
// ---------------------------------------------------------------------------------------------

#[test]
fn every_fence_says_what_it_holds() {
    let allowed = ["rust", "rust,should_panic", "rs", "python", "text"];
    let mut problems = Vec::new();
    for path in chapter_files() {
        let file = rel(&path);
        for block in fences(&read(&path), &file) {
            if !allowed.contains(&block.info.as_str()) {
                problems.push(format!(
                    "{file}:{}: fence info `{}` is not one of {allowed:?}",
                    block.line, block.info
                ));
            }
        }
        // An indented code block (four spaces after a blank line) would be compiled by
        // rustdoc as Rust without saying so: refuse them; use fences.
        let text = read(&path);
        let outside = prose(&text);
        let lines: Vec<&str> = text.lines().collect();
        for i in 1..lines.len() {
            let indented = lines[i].starts_with("    ") || lines[i].starts_with('\t');
            if indented && !outside[i].trim().is_empty() && lines[i - 1].trim().is_empty() {
                problems.push(format!(
                    "{file}:{}: an indented code block; use a fence with an info string",
                    i + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_chapter_runs_under_cargo_test_and_asserts_something() {
    // src/chapters.rs must include every chapter, or its ```rust blocks would never run.
    let included = read(&root().join("src/chapters.rs"));
    let chapters = chapter_files();
    for path in &chapters {
        let include = format!("include_str!(\"../chapters/{}\")", name_of(path));
        assert!(
            included.contains(&include),
            "src/chapters.rs does not include {}: its code blocks would not run",
            rel(path)
        );
    }
    assert_eq!(
        included.matches("include_str!(").count(),
        chapters.len(),
        "src/chapters.rs includes a file that is not a chapter"
    );
    for path in numbered_chapters() {
        let file = rel(&path);
        let asserts = fences(&read(&path), &file)
            .iter()
            .filter(|b| b.info.starts_with("rust"))
            .any(|b| b.body.iter().any(|l| l.contains("assert")));
        assert!(
            asserts,
            "{file}: no ```rust block that asserts something the chapter claims"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------------

/// The targets of inline links and images, `[text](target)` and `![alt](target)`, and of
/// reference definitions `[label]: target`, with their 1-based line numbers.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in prose(text).iter().enumerate() {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            out.push((i + 1, target.to_string()));
            rest = &after[end..];
        }
        let t = line.trim_start();
        if t.starts_with('[')
            && let Some(close) = t.find("]:")
        {
            let target = t[close + 2..].split_whitespace().next().unwrap_or("");
            out.push((i + 1, target.to_string()));
        }
    }
    out
}

/// GitHub's id for a heading: lower case, letters (any script), digits, `-` and `_` kept,
/// spaces turned into `-`, everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The ids GitHub gives the headings of a Markdown file (repeats get `-1`, `-2`, …).
fn heading_ids(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for line in prose(text) {
        let t = line.trim_start();
        if t.starts_with('#') {
            let title = t.trim_start_matches('#');
            if title.starts_with(' ') {
                let base = slug(title);
                let n = seen.entry(base.clone()).or_insert(0);
                ids.insert(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
        }
    }
    ids
}

/// `base/target` with `.` and `..` resolved lexically.
fn resolve(base: &Path, target: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in base.join(target).components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Problems with the relative links of one Markdown file.
fn check_links(path: &Path, problems: &mut Vec<String>) {
    let file = rel(path);
    let text = read(path);
    let dir = path.parent().unwrap();
    for (line, target) in link_targets(&text) {
        if target.is_empty()
            || target.starts_with("http://")
            || target.starts_with("https://")
            || target.starts_with("mailto:")
        {
            continue;
        }
        let (file_part, fragment) = match target.split_once('#') {
            Some((f, frag)) => (f, Some(frag)),
            None => (target.as_str(), None),
        };
        let dest = if file_part.is_empty() {
            path.to_path_buf()
        } else {
            resolve(dir, file_part)
        };
        if !dest.exists() {
            problems.push(format!(
                "{file}:{line}: link to `{target}`, but {} does not exist",
                rel(&dest)
            ));
            continue;
        }
        if let Some(fragment) = fragment
            && dest.extension().is_some_and(|e| e == "md")
            && !heading_ids(&read(&dest)).contains(fragment)
        {
            problems.push(format!(
                "{file}:{line}: link to `{target}`, but {} has no heading with id `{fragment}`",
                rel(&dest)
            ));
        }
    }
}

#[test]
fn links_in_chapters_and_readme_point_at_files_that_exist() {
    let mut problems = Vec::new();
    for path in chapter_files() {
        check_links(&path, &mut problems);
    }
    check_links(&root().join("README.md"), &mut problems);
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn chapters_named_in_the_source_exist() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut problems = Vec::new();
    for path in files {
        let text = read(&path);
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("chapters/") {
                let tail = &rest[at + "chapters/".len()..];
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                    .collect();
                let name = name.trim_end_matches('.');
                if name.ends_with(".md") && !root().join("chapters").join(name).exists() {
                    problems.push(format!(
                        "{}:{}: names chapters/{name}, which does not exist",
                        rel(&path),
                        i + 1
                    ));
                }
                rest = &tail[name.len().min(tail.len())..];
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_layer_file_names_its_chapter_in_its_header() {
    let mut files = vec![
        root().join("src/functions.rs"),
        root().join("src/gradient.rs"),
    ];
    for entry in fs::read_dir(root().join("src/layers")).unwrap() {
        let path = entry.unwrap().path();
        if name_of(&path) != "mod.rs" {
            files.push(path);
        }
    }
    let net = root().join("src/two_layer_net.rs");
    if net.exists() {
        files.push(net);
    }
    for path in files {
        let header: String = read(&path)
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            header.contains("chapters/") && header.contains(".md"),
            "{}: its //! header names no chapter (e.g. chapters/06-relu.md)",
            rel(&path)
        );
    }
}

#[test]
fn the_contents_list_every_chapter_and_every_figure_is_used() {
    let readme = root().join("chapters/README.md");
    let listed: BTreeSet<PathBuf> = link_targets(&read(&readme))
        .into_iter()
        .map(|(_, t)| resolve(&root().join("chapters"), t.split('#').next().unwrap()))
        .collect();
    for path in numbered_chapters() {
        assert!(
            listed.contains(&path),
            "chapters/README.md does not link to {}",
            rel(&path)
        );
    }

    let mut used = BTreeSet::new();
    for path in chapter_files() {
        for (_, target) in link_targets(&read(&path)) {
            used.insert(resolve(&root().join("chapters"), &target));
        }
    }
    let figures = root().join("chapters/figures");
    for entry in fs::read_dir(&figures).expect("chapters/figures exists") {
        let path = entry.unwrap().path();
        // The training program writes this chart from a real run; it may land before the
        // chapter that shows it (the link test guards the chapter's side).
        if name_of(&path) == "learning-curves.svg" {
            continue;
        }
        assert!(
            used.contains(&path),
            "{} is shown in no chapter",
            rel(&path)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The checkers themselves
// ---------------------------------------------------------------------------------------------

#[test]
fn the_checkers_catch_what_they_should() {
    assert_eq!(slug("計算グラフ(順伝播)"), "計算グラフ順伝播");
    assert_eq!(slug("The chain rule: 連鎖律"), "the-chain-rule-連鎖律");
    assert_eq!(
        heading_ids("# A\n```text\n# not a heading\n```\n## A\n"),
        BTreeSet::from(["a".to_string(), "a-1".to_string()])
    );
    assert_eq!(
        link_targets(
            "see [x](a.md#b) and `[y](code.md)` and ![f](figures/f.svg \"t\")\n[r]: ../src/lib.rs"
        ),
        vec![
            (1, "a.md#b".to_string()),
            (1, "figures/f.svg".to_string()),
            (2, "../src/lib.rs".to_string())
        ]
    );
    assert_eq!(
        marker("<!-- anchor: src/layers/relu.rs#relu_forward -->"),
        Some(("src/layers/relu.rs".into(), "relu_forward".into()))
    );
    assert_eq!(
        dedent(&["    fn f() {", "", "        1", "    }"]),
        "fn f() {\n\n    1\n}"
    );
    assert!(first_difference(&["a".into(), "b".into()], "a\nc").contains("line 2"));
    assert_eq!(
        without_code_spans("a ```` ```rust ```` b `c` [d](e) ``f"),
        "a   b   [d](e) ``f"
    );
    assert_eq!(
        resolve(Path::new("/r/chapters"), "../src/./lib.rs"),
        PathBuf::from("/r/src/lib.rs")
    );
}
