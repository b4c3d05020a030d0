//! The generated reference that ships with the project, rendered from the clap tree:
//! shell completions (`completions/`), man pages (`man/`, one per command) and a Markdown
//! reference per command group (`commands/`). `cargo run --example generate-docs` writes
//! them; `tests/it/generated_docs.rs` fails when the committed copies are stale.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Arg, Command};
use clap_complete::Shell;

use super::flags::{pflag_default, pflag_type};

/// One generated file: its path relative to the project root, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the project root, e.g. `man/peer-channel-create.1`.
    pub path: PathBuf,
    /// The file's contents.
    pub contents: Vec<u8>,
}

/// The folders whose contents are generated entirely by [`render_all`].
pub const GENERATED_DIRS: [&str; 3] = ["completions", "man", "commands"];

/// The binaries whose reference is generated, with their clap trees built.
fn built_trees() -> Vec<(&'static str, Command)> {
    let mut peer = super::command();
    peer.build();
    let mut discover = super::discover::command();
    discover.build();
    vec![("peer", peer), ("discover", discover)]
}

/// Every command of the tree with its path ("peer channel create"), root first, without
/// the `help` pseudo-command.
fn commands(cmd: &Command, path: String, out: &mut Vec<(String, Command)>) {
    out.push((path.clone(), cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        commands(sub, format!("{path} {}", sub.get_name()), out);
    }
}

fn completions(tree: &Command, bin: &str) -> Vec<GeneratedFile> {
    [
        (Shell::Bash, format!("completions/{bin}.bash")),
        (Shell::Zsh, format!("completions/_{bin}")),
        (Shell::Fish, format!("completions/{bin}.fish")),
    ]
    .into_iter()
    .map(|(shell, path)| {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut tree.clone(), bin, &mut buf);
        GeneratedFile {
            path: path.into(),
            contents: buf,
        }
    })
    .collect()
}

fn man_pages(all: &[(String, Command)]) -> std::io::Result<Vec<GeneratedFile>> {
    all.iter()
        .map(|(path, cmd)| {
            let name = path.replace(' ', "-");
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd.clone().name(name.clone()))
                .title(name.to_uppercase())
                .source(format!("fabric {}", crate::metadata::FABRIC_VERSION))
                .manual("Hyperledger Fabric (Rust)")
                .render(&mut buf)?;
            Ok(GeneratedFile {
                path: format!("man/{name}.1").into(),
                contents: buf,
            })
        })
        .collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn help_of(arg: &Arg) -> String {
    arg.get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default()
}

fn flag_table(out: &mut String, title: &str, args: &[&Arg]) {
    if args.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {title}\n");
    out.push_str("| Short | Long | Type | Default | Description |\n|---|---|---|---|---|\n");
    for arg in args {
        let short = arg
            .get_short()
            .map(|s| format!("`-{s}`"))
            .unwrap_or_default();
        let long = arg
            .get_long()
            .map(|l| format!("`--{l}`"))
            .unwrap_or_default();
        let default = match pflag_default(arg) {
            d if d.is_empty() => String::new(),
            d => format!("`{}`", cell(&d)),
        };
        let _ = writeln!(
            out,
            "| {short} | {long} | {} | {default} | {} |",
            pflag_type(arg),
            cell(&help_of(arg))
        );
    }
    out.push('\n');
}

fn examples_of(cmd: &Command) -> Option<String> {
    let text = cmd.get_after_long_help()?.to_string();
    let body = text.strip_prefix("Examples:\n")?;
    Some(
        body.lines()
            .map(|l| l.strip_prefix("  ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn command_section(out: &mut String, path: &str, cmd: &Command, parent: Option<&Command>) {
    let _ = writeln!(out, "## {path}\n");
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string());
    if let Some(about) = about {
        let _ = writeln!(out, "{about}\n");
    }
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    let _ = writeln!(out, "```\n{usage}\n```\n");
    let subs: Vec<&Command> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    if !subs.is_empty() {
        out.push_str("### Commands\n\n| Command | Description |\n|---|---|\n");
        for sub in subs {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            let _ = writeln!(out, "| `{path} {}` | {} |", sub.get_name(), cell(&about));
        }
        out.push('\n');
    }
    let positionals: Vec<&Arg> = cmd.get_positionals().collect();
    if !positionals.is_empty() {
        out.push_str("### Arguments\n\n| Argument | Required | Description |\n|---|---|---|\n");
        for arg in positionals {
            let name = arg
                .get_value_names()
                .and_then(|n| n.first())
                .map(|n| n.to_string())
                .unwrap_or_else(|| arg.get_id().to_string());
            let required = if arg.is_required_set() { "yes" } else { "no" };
            let _ = writeln!(
                out,
                "| `{}` | {required} | {} |",
                cell(&name),
                cell(&help_of(arg))
            );
        }
        out.push('\n');
    }
    let inherited = |a: &Arg| {
        a.is_global_set()
            && parent.is_some_and(|p| p.get_arguments().any(|b| b.get_id() == a.get_id()))
    };
    let flags: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .collect();
    let local: Vec<&Arg> = flags.iter().copied().filter(|a| !inherited(a)).collect();
    let global: Vec<&Arg> = flags.iter().copied().filter(|a| inherited(a)).collect();
    flag_table(out, "Flags", &local);
    flag_table(out, "Inherited flags", &global);
    if let Some(examples) = examples_of(cmd) {
        let _ = writeln!(out, "### Examples\n\n```\n{examples}\n```\n");
    }
}

fn markdown(tree: &Command, bin: &str) -> Vec<GeneratedFile> {
    let mut files = Vec::new();
    let mut root = format!(
        "# {bin}\n\n<!-- Generated by `cargo run --example generate-docs`; do not edit. -->\n\n",
    );
    command_section(&mut root, bin, tree, None);
    files.push(GeneratedFile {
        path: format!("commands/{bin}.md").into(),
        contents: (root.trim_end().to_string() + "\n").into_bytes(),
    });
    for group in tree.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{bin} {}", group.get_name());
        let mut text = format!(
            "# {path}\n\n<!-- Generated by `cargo run --example generate-docs`; do not edit. -->\n\n"
        );
        command_section(&mut text, &path, group, Some(tree));
        for sub in group.get_subcommands().filter(|s| s.get_name() != "help") {
            command_section(
                &mut text,
                &format!("{path} {}", sub.get_name()),
                sub,
                Some(group),
            );
        }
        files.push(GeneratedFile {
            path: format!("commands/{bin}-{}.md", group.get_name()).into(),
            contents: (text.trim_end().to_string() + "\n").into_bytes(),
        });
    }
    files
}

/// Renders every generated file in memory.
pub fn render_all() -> std::io::Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    for (bin, tree) in built_trees() {
        let mut all = Vec::new();
        commands(&tree, bin.into(), &mut all);
        files.extend(completions(&tree, bin));
        files.extend(man_pages(&all)?);
        files.extend(markdown(&tree, bin));
    }
    Ok(files)
}

/// Writes every generated file under `root`, replacing the generated folders' contents.
pub fn write_all(root: &Path) -> std::io::Result<Vec<GeneratedFile>> {
    let files = render_all()?;
    for dir in GENERATED_DIRS {
        let dir = root.join(dir);
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
    }
    for file in &files {
        std::fs::write(root.join(&file.path), &file.contents)?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_man_page_per_command_and_one_page_per_group() {
        let files = render_all().unwrap();
        let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        for expected in [
            "man/peer.1",
            "man/peer-chaincode.1",
            "man/peer-chaincode-install.1",
            "man/peer-node-rollback.1",
            "commands/peer-channel.md",
            "commands/peer-version.md",
            "completions/_peer",
            "man/discover-endorsers.1",
            "commands/discover-saveConfig.md",
            "completions/discover.bash",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }

    #[test]
    fn markdown_tables_carry_pflag_types_and_defaults() {
        let files = render_all().unwrap();
        let channel = files
            .iter()
            .find(|f| f.path == Path::new("commands/peer-channel.md"))
            .unwrap();
        let text = String::from_utf8(channel.contents.clone()).unwrap();
        assert!(
            text.contains("| `-t` | `--timeout` | duration | `10s` |"),
            "{text}"
        );
        assert!(
            text.contains("|  | `--connTimeout` | duration | `3s` |"),
            "{text}"
        );
    }
}
