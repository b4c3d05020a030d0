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

/// How a binary spells its flags, which decides how its reference names their types and
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    /// cobra/pflag (`peer`, `discover`): pflag's type names and quoted defaults.
    Pflag,
    /// kingpin, Go's `flag` package or plain clap: Rust-side type names, raw defaults.
    Plain,
}

/// One binary whose reference is generated: its name, its clap tree built, its grammar.
struct Tree {
    bin: &'static str,
    cmd: Command,
    grammar: Grammar,
}

impl Tree {
    fn new(bin: &'static str, mut cmd: Command, grammar: Grammar) -> Self {
        cmd.build();
        Tree { bin, cmd, grammar }
    }
}

/// Every binary of the toolchain, in the order the index lists them.
fn built_trees() -> Vec<Tree> {
    use clap::CommandFactory;
    vec![
        Tree::new("peer", super::command(), Grammar::Pflag),
        Tree::new("orderer", crate::orderer::cli::command(), Grammar::Plain),
        Tree::new(
            "configtxgen",
            crate::tools::configtxgen::cmd::command(),
            Grammar::Plain,
        ),
        Tree::new(
            "configtxlator",
            crate::tools::configtxlator::cmd::Cli::command(),
            Grammar::Plain,
        ),
        Tree::new(
            "cryptogen",
            crate::tools::cryptogen::cli::command(),
            Grammar::Plain,
        ),
        Tree::new("discover", super::discover::command(), Grammar::Pflag),
        Tree::new(
            "test-network",
            crate::test_network::cli::Cli::command(),
            Grammar::Plain,
        ),
        Tree::new(
            "fabric-bench",
            crate::bench::cli::Cli::command(),
            Grammar::Plain,
        ),
    ]
}

/// Every command of the tree with its path ("peer channel create"), root first, without
/// the `help` pseudo-command.
fn commands(cmd: &Command, path: String, out: &mut Vec<(String, Command)>) {
    out.push((path.clone(), cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        commands(sub, format!("{path} {}", sub.get_name()), out);
    }
}

/// Works around clap_complete's bash generator for binaries with a hyphen in their name
/// (clap-rs/clap#6421, open in 4.6.11): its loop names the state of `test-network up`
/// `test__network__subcmd__up`, while the case arms that complete it are labelled
/// `test__subcmd__network__subcmd__up`, so nothing after a subcommand completes. The arms
/// are relabelled the way the loop spells them.
fn fix_hyphenated_bash(script: &[u8], bin: &str) -> Vec<u8> {
    if !bin.contains('-') {
        return script.to_vec();
    }
    let text = String::from_utf8_lossy(script);
    let arm = format!("{}__subcmd__", bin.replace('-', "__subcmd__"));
    let state = format!("{}__subcmd__", bin.replace('-', "__"));
    text.replace(&arm, &state).into_bytes()
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
        if shell == Shell::Bash {
            buf = fix_hyphenated_bash(&buf, bin);
        }
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

/// The type a flag's value has, as the reference names it for trees outside pflag.
fn plain_type(arg: &Arg) -> &'static str {
    use std::any::TypeId;
    match arg.get_action() {
        clap::ArgAction::SetTrue
        | clap::ArgAction::SetFalse
        | clap::ArgAction::Help
        | clap::ArgAction::HelpShort
        | clap::ArgAction::HelpLong
        | clap::ArgAction::Version => return "bool",
        clap::ArgAction::Count => return "count",
        clap::ArgAction::Append => return "string, repeatable",
        _ => {}
    }
    let id = arg.get_value_parser().type_id();
    let uint = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
    ];
    if id == TypeId::of::<bool>() {
        "bool"
    } else if uint.iter().any(|t| id == *t) {
        "uint"
    } else if id == TypeId::of::<PathBuf>() {
        "path"
    } else if arg.get_possible_values().is_empty() {
        "string"
    } else {
        "enum"
    }
}

/// A flag's type and default as the reference shows them in `grammar`.
fn type_and_default(arg: &Arg, grammar: Grammar) -> (String, String) {
    match grammar {
        Grammar::Pflag => (pflag_type(arg).to_string(), pflag_default(arg)),
        Grammar::Plain => {
            let kind = plain_type(arg);
            let default = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(",");
            let default = if kind == "bool" && default == "false" {
                String::new()
            } else {
                default
            };
            let kind = match arg.get_possible_values() {
                values if kind == "enum" => values
                    .iter()
                    .map(|v| v.get_name().to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
                _ => kind.to_string(),
            };
            (kind, default)
        }
    }
}

fn flag_table(out: &mut String, title: &str, args: &[&Arg], grammar: Grammar) {
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
        let (kind, default) = type_and_default(arg, grammar);
        let default = match default {
            d if d.is_empty() => String::new(),
            d => format!("`{}`", cell(&d)),
        };
        let _ = writeln!(
            out,
            "| {short} | {long} | {} | {default} | {} |",
            cell(&kind),
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

fn command_section(
    out: &mut String,
    path: &str,
    cmd: &Command,
    parent: Option<&Command>,
    grammar: Grammar,
) {
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
    flag_table(out, "Flags", &local, grammar);
    flag_table(out, "Inherited flags", &global, grammar);
    if let Some(examples) = examples_of(cmd) {
        let _ = writeln!(out, "### Examples\n\n```\n{examples}\n```\n");
    }
}

const GENERATED_NOTE: &str =
    "<!-- Generated by `cargo run --example generate-docs`; do not edit. -->";

/// The subcommands the reference documents (all but clap's `help` pseudo-command).
fn documented_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| s.get_name() != "help")
}

/// One Markdown page for the binary itself, and one per command group (each top-level
/// subcommand with the commands under it).
fn markdown(tree: &Tree) -> Vec<GeneratedFile> {
    let (bin, grammar) = (tree.bin, tree.grammar);
    let mut files = Vec::new();
    let mut root = format!("# {bin}\n\n{GENERATED_NOTE}\n\n");
    command_section(&mut root, bin, &tree.cmd, None, grammar);
    files.push(GeneratedFile {
        path: format!("commands/{bin}.md").into(),
        contents: (root.trim_end().to_string() + "\n").into_bytes(),
    });
    for group in documented_subcommands(&tree.cmd) {
        let path = format!("{bin} {}", group.get_name());
        let mut text = format!("# {path}\n\n{GENERATED_NOTE}\n\n");
        command_section(&mut text, &path, group, Some(&tree.cmd), grammar);
        for sub in documented_subcommands(group) {
            let sub_path = format!("{path} {}", sub.get_name());
            command_section(&mut text, &sub_path, sub, Some(group), grammar);
        }
        files.push(GeneratedFile {
            path: format!("commands/{bin}-{}.md", group.get_name()).into(),
            contents: (text.trim_end().to_string() + "\n").into_bytes(),
        });
    }
    files
}

/// The first line of a command's about text.
fn summary(cmd: &Command) -> String {
    cmd.get_about()
        .map(|a| a.to_string())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `commands/README.md`: every binary with its Markdown pages, man pages and completions.
fn index(rendered: &[(Tree, Vec<GeneratedFile>)]) -> GeneratedFile {
    let mut out = format!(
        "# Command reference\n\n{GENERATED_NOTE}\n\n\
         The reference for every binary of the toolchain, rendered from the clap trees the \
         binaries parse with (configtxgen parses Go's flag grammar by hand; its tree \
         describes every flag in the two-dash spelling, which that grammar also accepts). \
         Regenerate with `cargo run --example generate-docs`; \
         `tests/it/generated_docs.rs` fails when these files are stale.\n\n\
         Man pages: `man -l man/peer-channel-create.1`. Completions: `source \
         completions/peer.bash` (bash), copy `completions/_peer` into a folder of `$fpath` \
         (zsh), or `completions/peer.fish` into `~/.config/fish/completions/` (fish).\n\n\
         | Binary | Description |\n|---|---|\n"
    );
    for (tree, _) in rendered {
        let _ = writeln!(
            out,
            "| [`{0}`](#{0}) | {1} |",
            tree.bin,
            cell(&summary(&tree.cmd))
        );
    }
    for (tree, files) in rendered {
        let bin = tree.bin;
        let _ = writeln!(out, "\n## {bin}\n\n| Page | Description |\n|---|---|");
        let _ = writeln!(out, "| [{bin}]({bin}.md) | {} |", cell(&summary(&tree.cmd)));
        for group in documented_subcommands(&tree.cmd) {
            let name = group.get_name();
            let _ = writeln!(
                out,
                "| [{bin} {name}]({bin}-{name}.md) | {} |",
                cell(&summary(group))
            );
        }
        let links = |dir: &str| -> String {
            files
                .iter()
                .filter(|f| f.path.starts_with(dir))
                .map(|f| {
                    let name = f.path.file_name().unwrap_or_default().to_string_lossy();
                    format!("[{name}](../{})", f.path.display())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "\nMan pages: {}\n", links("man"));
        let _ = writeln!(out, "Completions: {}", links("completions"));
    }
    GeneratedFile {
        path: "commands/README.md".into(),
        contents: out.into_bytes(),
    }
}

/// Renders every generated file in memory.
pub fn render_all() -> std::io::Result<Vec<GeneratedFile>> {
    let mut rendered = Vec::new();
    for tree in built_trees() {
        let mut all = Vec::new();
        commands(&tree.cmd, tree.bin.into(), &mut all);
        let mut files = completions(&tree.cmd, tree.bin);
        files.extend(man_pages(&all)?);
        files.extend(markdown(&tree));
        rendered.push((tree, files));
    }
    let readme = index(&rendered);
    let mut files: Vec<GeneratedFile> = rendered.into_iter().flat_map(|(_, f)| f).collect();
    files.push(readme);
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
            "man/orderer-start.1",
            "commands/orderer-version.md",
            "completions/orderer.fish",
            "man/configtxgen.1",
            "commands/configtxgen.md",
            "completions/_configtxgen",
            "man/configtxlator-compute_update.1",
            "commands/configtxlator-proto_decode.md",
            "man/cryptogen-extend.1",
            "commands/cryptogen-showtemplate.md",
            "completions/cryptogen.bash",
            "man/test-network-deploy.1",
            "commands/test-network-env.md",
            "completions/_test-network",
            "commands/README.md",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }

    #[test]
    fn plain_trees_name_rust_types_and_raw_defaults() {
        let files = render_all().unwrap();
        let page = |path: &str| {
            let file = files.iter().find(|f| f.path == Path::new(path)).unwrap();
            String::from_utf8(file.contents.clone()).unwrap()
        };
        let start = page("commands/configtxlator-start.md");
        assert!(start.contains("|  | `--port` | uint | `7059` |"), "{start}");
        assert!(
            start.contains("|  | `--CORS` | string, repeatable |  |"),
            "{start}"
        );
        let gen = page("commands/configtxgen.md");
        assert!(
            gen.contains("|  | `--profile` | string | `SampleInsecureSolo` |"),
            "{gen}"
        );
        let index = page("commands/README.md");
        assert!(
            index.contains(
                "| [cryptogen generate](cryptogen-generate.md) | Generate key material |"
            ),
            "{index}"
        );
    }

    #[test]
    fn bash_arms_of_hyphenated_binaries_match_the_loop_state() {
        let files = render_all().unwrap();
        let bash = files
            .iter()
            .find(|f| f.path == Path::new("completions/test-network.bash"))
            .unwrap();
        let text = String::from_utf8(bash.contents.clone()).unwrap();
        assert!(text.contains("cmd=\"test__network__subcmd__up\""), "{text}");
        assert!(
            text.contains("        test__network__subcmd__up)\n"),
            "{text}"
        );
        assert!(!text.contains("test__subcmd__network"), "{text}");
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
