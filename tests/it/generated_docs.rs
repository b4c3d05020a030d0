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

/// What the committed bash completion of `words[0]` offers for the last of `words`.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let bin = words[0];
    let script = root().join(format!("completions/{bin}.bash"));
    let words_q: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let line = words.join(" ");
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         fn=$(complete -p '{bin}' | sed -E 's/.*-F ([^ ]+).*/\\1/')\n\
         \"$fn\" '{bin}' '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
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
        "bash failed on {words:?}: {}",
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

/// One completion per binary: a subcommand name, and a flag of that subcommand (for
/// configtxgen, which has no subcommands, a flag of the binary).
#[test]
fn bash_completes_every_binary() {
    let cases: [(&[&str], &[&str]); 14] = [
        (&["orderer", "st"], &["start"]),
        (&["orderer", "v"], &["version"]),
        (&["configtxgen", "--outputB"], &["--outputBlock"]),
        (
            &["configtxgen", "--inspect"],
            &["--inspectBlock", "--inspectChannelCreateTx"],
        ),
        (
            &["configtxlator", "proto_"],
            &["proto_decode", "proto_encode"],
        ),
        (
            &["configtxlator", "compute_update", "--chan"],
            &["--channel_id"],
        ),
        (&["cryptogen", "ext"], &["extend"]),
        (&["cryptogen", "generate", "--out"], &["--output"]),
        (&["discover", "end"], &["endorsers"]),
        (&["discover", "peers", "--chan"], &["--channel"]),
        (&["test-network", "de"], &["deploy"]),
        (&["test-network", "up", "--peers"], &["--peers-per-org"]),
        (
            &["fabric-bench", "--conf"],
            &["--config", "--conflict-rate"],
        ),
        (&["peer", "logging", "getl"], &["getlevel", "getlogspec"]),
    ];
    for (words, expected) in cases {
        assert_eq!(bash_complete(words), expected, "completing {words:?}");
    }
}

#[test]
fn index_lists_every_binary_and_page() {
    let index = std::fs::read_to_string(root().join("commands/README.md"))
        .unwrap_or_else(|e| panic!("commands/README.md: {e}; {FIX}"));
    let mut missing = Vec::new();
    for dir in GENERATED_DIRS {
        for entry in std::fs::read_dir(root().join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let link = if dir == "commands" {
                format!("]({name})")
            } else {
                format!("](../{dir}/{name})")
            };
            if name != "README.md" && !index.contains(&link) {
                missing.push(format!("{dir}/{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in commands/README.md: {missing:?}; {FIX}"
    );
    for bin in [
        "peer",
        "orderer",
        "configtxgen",
        "configtxlator",
        "cryptogen",
        "discover",
        "test-network",
        "fabric-bench",
    ] {
        assert!(
            index.contains(&format!("\n## {bin}\n")),
            "{bin} has no section"
        );
    }
}
