//! `chatctl init`: from nothing to a configured chatctl and Centrifugo. Asks for the database
//! (checked by connecting), Centrifugo's address, the web app's origins and how API tokens are
//! verified, then writes `chatctl.toml` and a matching Centrifugo v6 config with fresh secrets
//! and prints the commands to run next. `--yes` takes every answer from flags or defaults.
//! It never overwrites a file without `--force`, and never waits for answers nobody can type.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

mod ask;

use anyhow::Context;
use clap::Args;

use super::exit::config_error;
use super::{GlobalOpts, output};
use crate::auth::api::Verifier;
use crate::centrifugo::server_config::{self, Format, Params, random_secret};
use crate::config::Config;
use crate::config::starter::{self, ApiAuth, Starter};

#[derive(Debug, Args)]
pub struct Opts {
    /// Ask nothing: take every answer from the flags below (and --database-url) or their
    /// defaults. Needed when stdin is not a terminal.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Centrifugo's address as chatctl reaches it [default: http://127.0.0.1:8000]. Its port
    /// is the port the generated Centrifugo config listens on.
    #[arg(long, value_name = "URL")]
    pub centrifugo_url: Option<String>,
    /// A browser origin of your web app, e.g. https://app.example (repeat for several);
    /// allowed by chatctl's CORS and by Centrifugo.
    #[arg(long = "origin", value_name = "URL")]
    pub origins: Vec<String>,
    /// Verify API tokens with this PEM public key (RS256/ES256), e.g. Laravel Passport's
    /// storage/oauth-public.key, instead of a generated HS256 secret.
    #[arg(long, value_name = "FILE")]
    pub auth_public_key: Option<PathBuf>,
    /// An accepted token audience (for Passport: the OAuth client id); repeat for several.
    #[arg(long = "auth-audience", value_name = "ID")]
    pub audiences: Vec<String>,
    /// Directory to write chatctl.toml and centrifugo.json in (created when missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Write the Centrifugo config here instead [default: OUT_DIR/centrifugo.json].
    #[arg(long, value_name = "FILE")]
    pub centrifugo_config: Option<PathBuf>,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let ask = !opts.yes;
    if ask && !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(config_error(
            "chatctl init asks questions but there is no terminal: run it with --yes and the answers as flags (--database-url, --centrifugo-url, --origin, --auth-public-key; see chatctl init --help)".into(),
        ));
    }
    let toml_path = opts.out_dir.join("chatctl.toml");
    let centrifugo_path = opts
        .centrifugo_config
        .clone()
        .unwrap_or_else(|| opts.out_dir.join("centrifugo.json"));
    for path in [&toml_path, &centrifugo_path] {
        if path.exists() && !opts.force {
            return Err(config_error(format!(
                "{} exists: pass --force to overwrite it, or --out-dir to write elsewhere",
                path.display()
            )));
        }
    }
    let from_env = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
    let database_url = ask::database(global.database_url.clone().or(from_env), ask).await?;
    let centrifugo_url = match (&opts.centrifugo_url, ask) {
        (Some(url), _) => starter::check_centrifugo_url(url).map_err(config_error)?,
        (None, false) => "http://127.0.0.1:8000".into(),
        (None, true) => {
            ask::prompt_text(
                "Centrifugo's address (as chatctl reaches it)",
                "http://127.0.0.1:8000",
                false,
                |t| starter::check_centrifugo_url(t).map(drop),
            )
            .await?
        }
    };
    let origins = if !opts.origins.is_empty() || !ask {
        opts.origins
            .iter()
            .map(|o| starter::check_origin(o))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| config_error(format!("--origin: {e}")))?
    } else {
        let answer = ask::prompt_text(
            "Browser origins of your web app, comma-separated (empty: none)",
            "",
            true,
            |t| starter::check_origins(t).map(drop),
        )
        .await?;
        starter::check_origins(&answer).map_err(config_error)?
    };
    let (auth, audiences) = ask::api_auth(&opts, ask).await?;
    let starter = Starter {
        database_url,
        centrifugo_url,
        origins,
        auth,
        audiences,
        centrifugo_api_key: random_secret(),
        centrifugo_secret: random_secret(),
    };
    let text = starter.render();
    let config = Config::from_toml(&text, "chatctl.toml")
        .map_err(|e| anyhow::anyhow!("BUG: init wrote a config chatctl refuses: {e}"))?;
    Verifier::from_config(&config.auth).map_err(config_error)?;
    let mut params = Params::new(
        starter.centrifugo_secret.clone(),
        starter.centrifugo_api_key.clone(),
    );
    params.allowed_origins = starter.origins.clone();
    params.port = starter::centrifugo_port(&starter.centrifugo_url);
    std::fs::create_dir_all(&opts.out_dir)
        .with_context(|| format!("creating {}", opts.out_dir.display()))?;
    write_private(&toml_path, &text, opts.force)?;
    write_private(
        &centrifugo_path,
        &server_config::render(Format::V6, &params),
        opts.force,
    )?;
    next_steps(&opts, &starter, &toml_path, &centrifugo_path)
}

/// Creates the file readable by its owner only (it holds secrets); refuses to replace one
/// unless `force`.
fn write_private(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => config_error(format!(
            "{} exists: pass --force to overwrite it",
            path.display()
        )),
        _ => config_error(format!(
            "cannot write {} ({e}): choose another --out-dir",
            path.display()
        )),
    })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn next_steps(opts: &Opts, s: &Starter, toml: &Path, centrifugo: &Path) -> anyhow::Result<()> {
    let here = opts.out_dir == Path::new(".");
    let centrifugo_arg = match (&opts.centrifugo_config, here) {
        (None, _) => "centrifugo.json".to_string(),
        (Some(p), true) => p.display().to_string(),
        (Some(p), false) => std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string(),
    };
    let mut lines = vec![
        format!(
            "wrote {} (chatctl's settings and secrets, readable by you only)",
            toml.display()
        ),
        format!(
            "wrote {} (Centrifugo v6 config with the same secrets)",
            centrifugo.display()
        ),
        String::new(),
        "next:".to_string(),
    ];
    if !here {
        lines.push(format!("  cd {}", opts.out_dir.display()));
    }
    let steps = [
        (
            format!("centrifugo -c {centrifugo_arg}"),
            "start Centrifugo v6 (https://centrifugal.dev/docs/getting-started/installation)",
        ),
        (
            "chatctl centrifugo check".to_string(),
            "check that chatctl and Centrifugo agree",
        ),
        (
            "chatctl serve".to_string(),
            "apply migrations, serve the API on http://127.0.0.1:8080",
        ),
    ];
    let width = steps.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (command, why) in steps {
        lines.push(format!("  {command:<width$}  # {why}"));
    }
    lines.push(String::new());
    lines.push(match &s.auth {
        ApiAuth::Secret(_) => "API tokens: your application signs them with HS256 and [auth] secret (claim sub = the user id); try one with `chatctl token 1 --api --name Anna`".to_string(),
        ApiAuth::PublicKey(key) => format!("API tokens are verified with {key}"),
    });
    output::line(lines.join("\n"))?;
    Ok(())
}
