//! The committed completions, man pages and Markdown reference must equal what the clap tree
//! renders now; and the bash completion must complete real command names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fabric::cli::docs::{render_all, GENERATED_DIRS};

const FIX: &str = "run `cargo run --example generate-docs` and commit the result";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_reference_is_current() {
    let files = render_all().expect("render the reference");
    let mut problems = Vec::new();
    for file in &files {
        match std::fs::read(root().join(&file.path)) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(_) => problems.push(format!("{} is stale: {FIX}", file.path.display())),
            Err(_) => problems.push(format!("{} is missing: {FIX}", file.path.display())),
        }
    }
    let expected: BTreeSet<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    for dir in GENERATED_DIRS {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = Path::new(dir).join(entry.file_name());
            if !expected.contains(&rel) {
                problems.push(format!("{} is no longer generated: {FIX}", rel.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = root().join("completions/peer.bash");
    let words_q: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let line = words.join(" ");
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _peer peer '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        words_q.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = match std::process::Command::new("bash")
        .arg("-c")
        .arg(&program)
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("bash is needed to check the bash completions: {e}"),
    };
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    found.sort();
    found
}

#[test]
fn bash_completes_chaincode_subcommands() {
    let found = bash_complete(&["peer", "chaincode", "in"]);
    assert_eq!(found, ["install", "instantiate", "invoke"]);
}

#[test]
fn bash_completes_flags() {
    let found = bash_complete(&["peer", "channel", "create", "--out"]);
    assert_eq!(found, ["--outputBlock"]);
}
