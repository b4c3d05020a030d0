//! The library's top-level modules (the `mod` items of src/lib.rs) must form an acyclic
//! graph: module A depends on B when a file under src/A names a `crate::B...` path (in a
//! `use` tree or inline). A cycle fails the test, naming the modules and the paths that
//! close it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// References that close a cycle today and that another change of the same wave removes.
/// Each is `(from module, referenced path prefix)`. The lead empties this list after
/// merging those changes; an entry that no longer matches anything fails the test, so the
/// list cannot go stale. Do not add to it: move the item to where it belongs instead.
const ALLOWED_WHILE_BEING_REMOVED: &[(&str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The names of the `mod` items of src/lib.rs.
fn top_level_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    strip_comments(&lib)
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "mod")?;
            let name = words.get(at + 1)?.strip_suffix(';')?;
            Some(name.to_string())
        })
        .collect()
}

/// Every .rs file of a top-level module (src/name.rs and everything under src/name/).
fn module_files(name: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = src().join(format!("{name}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let dir = src().join(name);
    if dir.is_dir() {
        collect_rs(&dir, &mut files);
    }
    files
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without `//` comments (doc links name paths without depending on them).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A minimal reader of Rust paths and `use` trees: `a::b::{c, d::{e, f}}` gives
/// `a::b::c`, `a::b::d::e`, `a::b::d::f`.
struct PathReader<'a> {
    text: &'a [u8],
    at: usize,
}

impl PathReader<'_> {
    fn skip_space(&mut self) {
        while self.at < self.text.len() && self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        let ok = self.text[self.at..].starts_with(token.as_bytes());
        if ok {
            self.at += token.len();
        }
        ok
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self.at < self.text.len()
            && (self.text[self.at].is_ascii_alphanumeric() || self.text[self.at] == b'_')
        {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.text[start..self.at]).into())
    }

    /// The paths of one tree, each prefixed with `prefix`.
    fn tree(&mut self, prefix: &[String], out: &mut Vec<String>) {
        let mut segments = prefix.to_vec();
        loop {
            if self.eat("{") {
                // A group: trees separated by commas, up to the closing brace.
                while !self.eat("}") {
                    self.tree(&segments, out);
                    if self.eat(",") {
                        continue;
                    }
                    self.eat("}"); // the end of the group (or not a use tree after all)
                    return;
                }
                return;
            }
            match self.ident() {
                Some(segment) => segments.push(segment),
                None => break,
            }
            if !self.eat("::") {
                break;
            }
        }
        if segments.len() > prefix.len() {
            out.push(segments.join("::"));
        }
    }
}

/// Every `crate::...` path named in `text`, without the `crate::`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("crate::") {
        let at = from + found;
        from = at + "crate::".len();
        let standalone = at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b'$');
        if standalone {
            PathReader {
                text: bytes,
                at: from,
            }
            .tree(&[], &mut out);
        }
    }
    out
}

/// A → B → ... → A, the modules of one cycle in `graph`, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Edges `from → to` with, for each, the paths (and files) that make it.
type Edges = BTreeMap<(String, String), Vec<String>>;

fn module_edges(modules: &BTreeSet<String>, used_allowances: &mut BTreeSet<usize>) -> Edges {
    let mut edges = Edges::new();
    for from in modules {
        for file in module_files(from) {
            let text = strip_comments(&std::fs::read_to_string(&file).unwrap());
            for path in crate_paths(&text) {
                let to = path.split("::").next().unwrap_or_default().to_string();
                if &to == from || !modules.contains(&to) {
                    continue;
                }
                let allowed = ALLOWED_WHILE_BEING_REMOVED
                    .iter()
                    .position(|(m, prefix)| m == from && path.starts_with(prefix));
                if let Some(i) = allowed {
                    used_allowances.insert(i);
                    continue;
                }
                let shown = file.strip_prefix(src()).unwrap_or(&file).display();
                edges
                    .entry((from.clone(), to))
                    .or_default()
                    .push(format!("src/{shown}: crate::{path}"));
            }
        }
    }
    edges
}

#[test]
fn the_reader_expands_use_trees() {
    let text = "use crate::a::{b, c::{d, e}};\nlet x = crate::f::g(1);\n$crate::h::i;";
    assert_eq!(crate_paths(text), ["a::b", "a::c::d", "a::c::e", "f::g"]);
}

#[test]
fn a_cycle_is_found_and_named() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn top_level_modules_form_no_cycle() {
    let modules = top_level_modules();
    assert!(
        modules.contains("ledger") && modules.contains("cli"),
        "{modules:?}"
    );
    let mut used = BTreeSet::new();
    let edges = module_edges(&modules, &mut used);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from.clone()).or_default().insert(to.clone());
    }
    if let Some(cycle) = find_cycle(&graph) {
        let evidence: Vec<String> = cycle
            .windows(2)
            .map(|pair| {
                let key = (pair[0].clone(), pair[1].clone());
                format!("{} -> {}: {}", pair[0], pair[1], edges[&key].join(", "))
            })
            .collect();
        panic!(
            "the top-level modules form a cycle {}:\n{}",
            cycle.join(" -> "),
            evidence.join("\n")
        );
    }
    let stale: Vec<_> = ALLOWED_WHILE_BEING_REMOVED
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, entry)| entry)
        .collect();
    assert!(
        stale.is_empty(),
        "these allowed references are gone; remove them from ALLOWED_WHILE_BEING_REMOVED: {stale:?}"
    );
}
