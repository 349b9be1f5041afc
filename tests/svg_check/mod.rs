//! A tiny std-only XML well-formedness check, enough for the SVG we write: every tag closed in
//! order, quoted attributes, one root element, `&` only in entities; and a reader for the
//! points of a `<polyline id="...">`.

/// `Ok` if `doc` is well-formed in the sense above, else what is wrong and where.
pub fn check_well_formed(doc: &str) -> Result<(), String> {
    let b = doc.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                let end = find_tag_end(b, i).ok_or(format!("tag at {i} never ends"))?;
                let tag = &doc[i + 1..end];
                if let Some(rest) = tag.strip_prefix('?') {
                    if !rest.ends_with('?') || i != 0 {
                        return Err(format!("bad processing instruction at {i}"));
                    }
                } else if tag.starts_with("!--") {
                    if !tag.ends_with("--") {
                        return Err(format!("bad comment at {i}"));
                    }
                } else if let Some(name) = tag.strip_prefix('/') {
                    let open = stack
                        .pop()
                        .ok_or(format!("</{name}> at {i} closes nothing"))?;
                    if open != name.trim() {
                        return Err(format!("</{name}> at {i} closes <{open}>"));
                    }
                } else {
                    let self_closing = tag.ends_with('/');
                    let body = tag.trim_end_matches('/');
                    let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
                    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '-') {
                        return Err(format!("bad tag name {name:?} at {i}"));
                    }
                    check_attributes(&body[name.len()..])
                        .map_err(|e| format!("<{name}> at {i}: {e}"))?;
                    if stack.is_empty() {
                        roots += 1;
                    }
                    if !self_closing {
                        stack.push(name);
                    }
                }
                i = end + 1;
            }
            b'&' => {
                let semi = doc[i..].find(';').ok_or(format!("bare & at {i}"))?;
                let entity = &doc[i + 1..i + semi];
                if !["amp", "lt", "gt", "quot", "apos"].contains(&entity) {
                    return Err(format!("unknown entity &{entity}; at {i}"));
                }
                i += semi + 1;
            }
            b'>' => return Err(format!("stray > at {i}")),
            c => {
                if stack.is_empty() && !c.is_ascii_whitespace() {
                    return Err(format!("text outside the root at {i}"));
                }
                i += 1;
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

/// The index of the `>` ending the tag that starts at `start`, skipping quoted values.
fn find_tag_end(b: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (k, &c) in b.iter().enumerate().skip(start + 1) {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'>') => return Some(k),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

/// `name="value"` pairs separated by whitespace, nothing else.
fn check_attributes(mut s: &str) -> Result<(), String> {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(());
        }
        let eq = s
            .find('=')
            .ok_or(format!("attribute without value: {s:?}"))?;
        let name = &s[..eq];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad attribute name {name:?}"));
        }
        let rest = &s[eq + 1..];
        let q = rest.chars().next().ok_or("attribute value missing")?;
        if q != '"' && q != '\'' {
            return Err(format!("unquoted value of {name}"));
        }
        let close = rest[1..]
            .find(q)
            .ok_or(format!("unclosed value of {name}"))?;
        let value = &rest[1..1 + close];
        if value.contains('<') || (value.contains('&') && !value.contains(';')) {
            return Err(format!("bad character in the value of {name}"));
        }
        s = &rest[close + 2..];
    }
}

/// The `(x, y)` points of `<polyline id="{id}" ... points="...">`, if there is one.
pub fn polyline_points(svg: &str, id: &str) -> Option<Vec<(f64, f64)>> {
    let start = svg.find(&format!("<polyline id=\"{id}\""))?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let at = tag.find("points=\"")? + "points=\"".len();
    let list = &tag[at..at + tag[at..].find('"')?];
    Some(
        list.split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect(),
    )
}
