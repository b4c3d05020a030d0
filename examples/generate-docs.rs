//! Regenerates the committed reference from the clap tree:
//! `completions/`, `man/` and `commands/`. Run `cargo run --example generate-docs`.

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = fabric::cli::docs::write_all(root)?;
    eprintln!("wrote {} files under {}", files.len(), root.display());
    Ok(())
}
