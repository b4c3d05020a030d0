//! Command-line errors as the front ends (peer, cryptogen) report them.

/// The first line of a clap error, without clap's "error: " prefix: the one line a command
/// prints for a bad flag.
pub fn flag_error_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command line");
    first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .trim()
        .to_string()
}
