//! The command line: global options, one subcommand per file (`Opts` + `run`), one
//! exhaustive dispatch, and the mapping of failures to one plain line and a documented exit
//! code.

mod bench_ws;
mod centrifugo;
mod completions;
mod exit;
mod init;
mod inspect;
mod migrate;
mod open;
mod output;
mod publish;
mod serve;
mod subscribe;
mod table;
mod token;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Config, Secret};

pub use exit::{ExitStatus, exit_status};

/// chatctl: the chat backend of the chequite/chat package, in one binary.
///
/// Serves the original's HTTP API with membership checks, delivers realtime events through
/// Centrifugo from a transactional outbox, and gives operators the tools around it.
#[derive(Debug, Parser)]
#[command(
    name = "chatctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalOpts {
    /// Configuration file [default: ./chatctl.toml when it exists].
    #[arg(long, global = true, env = "CHATCTL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up a new installation: write chatctl.toml and a matching Centrifugo config with
    /// fresh secrets, asking for what is needed (or from flags with --yes).
    Init(init::Opts),
    /// Serve the HTTP API (applies pending migrations first unless --no-migrate).
    Serve(serve::Opts),
    /// Apply or list schema migrations.
    Migrate(migrate::Opts),
    /// Mint a Centrifugo connection or subscription token, or an API token for development.
    #[command(alias = "generate-jwt")]
    Token(token::Opts),
    /// Generate a Centrifugo config, or check a running Centrifugo against chatctl's keys.
    Centrifugo(centrifugo::Opts),
    /// Publish a test event on a channel through the realtime server's API.
    Publish(publish::Opts),
    /// Watch a channel as a user's client would, printing each publication.
    Subscribe(subscribe::Opts),
    /// Add, import, list and show users (upsert by the host application's user id).
    Users(users::Opts),
    /// Look into the database: users, chats, messages, the outbox and counts.
    Inspect(inspect::Opts),
    /// Print a shell completion script.
    Completions(completions::Opts),
}

impl GlobalOpts {
    /// Loads the configuration layers and applies the global flags.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let source = config::Source {
            explicit: self.config.clone(),
        };
        let (mut config, _path) = Config::load(&source).map_err(exit::config_error)?;
        if let Some(url) = &self.database_url {
            config.database.url = Secret::new(url.clone());
        }
        for name in config::env::unknown_vars() {
            tracing::warn!(
                "unknown environment variable {name} ignored (see chatctl.toml.example for the names)"
            );
        }
        Ok(config)
    }
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    // A measuring tool, not an operator's command: kept out of --help and completions.
    if std::env::args_os().nth(1).is_some_and(|a| a == "bench-ws") {
        return bench_ws::main();
    }
    let cli = Cli::parse();
    crate::centrifugo::install_tls();
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::UNEXPECTED);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let status = exit_status(&e);
            if !status.quiet {
                eprintln!("error: {}", one_line(&e));
            }
            ExitCode::from(status.code)
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init(opts) => init::run(&cli.global, opts).await,
        Command::Serve(opts) => serve::run(&cli.global, opts).await,
        Command::Migrate(opts) => migrate::run(&cli.global, opts).await,
        Command::Token(opts) => token::run(&cli.global, opts),
        Command::Centrifugo(opts) => centrifugo::run(&cli.global, opts).await,
        Command::Publish(opts) => publish::run(&cli.global, opts).await,
        Command::Subscribe(opts) => subscribe::run(&cli.global, opts).await,
        Command::Users(opts) => users::run(&cli.global, opts).await,
        Command::Inspect(opts) => inspect::run(&cli.global, opts).await,
        Command::Completions(opts) => completions::run(opts),
    }
}

/// An error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}

fn init_logging(cli: &Cli) {
    use std::io::IsTerminal;
    let default = match (&cli.command, cli.global.quiet, cli.global.verbose) {
        (_, true, _) => "error",
        (_, _, 1) => "info",
        (_, _, 2) => "debug",
        (_, _, n) if n >= 3 => "trace",
        (Command::Serve(_), _, _) => "info",
        _ => "warn",
    };
    // An import's statements are long by design; sqlx's slow-statement warning would print
    // each one whole.
    let sqlx = match &cli.command {
        Command::Users(_) => "error",
        _ => "warn",
    };
    let filter = std::env::var("CHATCTL_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| {
            tracing_subscriber::EnvFilter::new(format!(
                "{default},sqlx={sqlx},tower_http=warn,hyper=warn"
            ))
        });
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
