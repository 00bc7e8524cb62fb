//! `chatctl completions <shell>`: completion scripts from the same clap definition as the
//! files committed under `completions/` (a test fails when they drift).

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Args)]
pub struct Opts {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

pub fn run(opts: Opts) -> anyhow::Result<()> {
    let mut script = Vec::new();
    write(opts.shell, &mut script);
    super::output::raw(&script)?;
    Ok(())
}

/// Writes the completion script for `shell`.
pub fn write(shell: Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut Cli::command(), "chatctl", out);
}
