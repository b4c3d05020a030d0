//! Our clap tree against the flag table recorded from Fabric v1.4.12's `peer` CLI
//! (tests/vectors/cli/cli-flags.tsv): every command path, every flag with its short and
//! long form, pflag type, default and scope (local, or inherited = "global"), and every
//! subcommand list.

use std::collections::{BTreeMap, BTreeSet};

use clap::Command;
use fabric::cli::flags::{pflag_default, pflag_type};

use crate::support;

use support::vectors_dir as vectors;

/// One row of the table: (command, scope, short, long, type, default).
type Row = (String, String, String, String, String, String);

fn fabric_rows(dir: &std::path::Path) -> BTreeMap<String, BTreeSet<Row>> {
    let path = dir.join("cli/cli-flags.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut by_command: BTreeMap<String, BTreeSet<Row>> = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "malformed row in {}: {line:?}", path.display());
        let row = (f[0], f[1], f[2], f[3], f[4], f[5]);
        let mut row: Row = (
            row.0.into(),
            row.1.into(),
            row.2.into(),
            row.3.into(),
            row.4.into(),
            row.5.into(),
        );
        if row.1 == "subcommands" {
            let mut names: Vec<&str> = row.3.split_whitespace().collect();
            names.sort_unstable();
            row.3 = names.join(" ");
        }
        by_command.entry(row.0.clone()).or_default().insert(row);
    }
    by_command
}

fn walk(
    cmd: &Command,
    path: &str,
    parent: Option<&Command>,
    out: &mut BTreeMap<String, BTreeSet<Row>>,
) {
    let rows = out.entry(path.to_string()).or_default();
    for arg in cmd.get_arguments() {
        if arg.is_positional() || arg.is_hide_set() {
            continue;
        }
        let inherited = arg.is_global_set()
            && parent.is_some_and(|p| p.get_arguments().any(|a| a.get_id() == arg.get_id()));
        rows.insert((
            path.to_string(),
            if inherited { "global" } else { "local" }.to_string(),
            arg.get_short().map(String::from).unwrap_or_default(),
            arg.get_long().unwrap_or_default().to_string(),
            pflag_type(arg).to_string(),
            pflag_default(arg),
        ));
    }
    let mut names: Vec<&str> = cmd.get_subcommands().map(Command::get_name).collect();
    if !names.is_empty() {
        names.sort_unstable();
        rows.insert((
            path.to_string(),
            "subcommands".into(),
            String::new(),
            names.join(" "),
            String::new(),
            String::new(),
        ));
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        walk(sub, &format!("{path} {}", sub.get_name()), Some(cmd), out);
    }
}

fn our_rows() -> BTreeMap<String, BTreeSet<Row>> {
    let mut cmd = fabric::cli::command();
    cmd.build();
    let mut out = BTreeMap::new();
    walk(&cmd, "peer", None, &mut out);
    out
}

fn rebase(rows: &BTreeSet<Row>, command: &str) -> BTreeSet<Row> {
    rows.iter()
        .map(|r| {
            let mut r = r.clone();
            r.0 = command.to_string();
            r
        })
        .collect()
}

#[test]
fn upgrade_dbs_rows_are_cobra_printing_peer_node_help() {
    let dir = vectors();
    let fabric = fabric_rows(&dir);
    let upgrade = fabric
        .get("peer node upgrade-dbs")
        .expect("the table has peer node upgrade-dbs rows");
    assert_eq!(
        &rebase(upgrade, "peer node"),
        fabric.get("peer node").expect("peer node rows"),
        "peer node upgrade-dbs rows differ from peer node's, so it may be a real command"
    );
    assert!(
        !our_rows().contains_key("peer node upgrade-dbs"),
        "peer node upgrade-dbs does not exist in v1.4.12 and must not exist here"
    );
}

#[test]
fn every_command_and_flag_matches_fabric() {
    let dir = vectors();
    let mut fabric = fabric_rows(&dir);
    fabric.remove("peer node upgrade-dbs");
    let ours = our_rows();
    let mut problems = Vec::new();
    let commands: BTreeSet<&String> = fabric.keys().chain(ours.keys()).collect();
    for command in commands {
        let empty = BTreeSet::new();
        let theirs = fabric.get(command).unwrap_or(&empty);
        let mine = ours.get(command).unwrap_or(&empty);
        if !ours.contains_key(command) {
            problems.push(format!("missing command: {command}"));
            continue;
        }
        if !fabric.contains_key(command) {
            problems.push(format!("command not in Fabric: {command}"));
            continue;
        }
        for row in theirs.difference(mine) {
            problems.push(format!("missing or different: {}", row_text(row)));
        }
        for row in mine.difference(theirs).filter(|r| !allowed_extra(r)) {
            problems.push(format!("ours but not Fabric's: {}", row_text(row)));
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Flags we add on purpose beyond Fabric's table (a superset stays a drop-in: every Fabric
/// command line still parses the same).
fn allowed_extra(r: &Row) -> bool {
    // `peer node reset` / `rollback` ask for confirmation (dialoguer); `-y/--yes` answers
    // it for scripts, and is required when stdin is not a terminal.
    matches!(r.0.as_str(), "peer node reset" | "peer node rollback")
        && (
            r.1.as_str(),
            r.2.as_str(),
            r.3.as_str(),
            r.4.as_str(),
            r.5.as_str(),
        ) == ("local", "y", "yes", "bool", "")
}

fn row_text(r: &Row) -> String {
    format!(
        "{} | {} | -{} --{} | {} | default {:?}",
        r.0, r.1, r.2, r.3, r.4, r.5
    )
}
