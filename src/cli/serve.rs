//! `chatctl serve`: the HTTP API (and the embedded realtime server unless an external
//! Centrifugo is configured), after making sure the schema is current.

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use super::GlobalOpts;
use super::exit::config_error;
use crate::db::Db;
use crate::service::Service;

#[derive(Debug, Args)]
pub struct Opts {
    /// Address to listen on [env: CHATCTL_BIND] [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Do not apply pending migrations; refuse to start while any are pending.
    #[arg(long)]
    pub no_migrate: bool,
    /// Also serve the demo web chat at `/`, with a development-only sign-in (never in production).
    #[arg(long)]
    pub demo: bool,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let mut config = global.load_config()?;
    if let Some(bind) = opts.bind {
        config.server.bind = bind;
    }
    if opts.demo {
        crate::http::demo::enable(&mut config).map_err(config_error)?;
    }
    let embedded = crate::realtime::uses_embedded(&config);
    if embedded && config.centrifugo.secret.is_empty() {
        config.centrifugo.secret =
            crate::config::Secret::new(crate::centrifugo::server_config::random_secret());
        tracing::warn!(
            "realtime: centrifugo.secret is empty, so this run signs realtime tokens with a random \
             secret; tokens from `chatctl token` and `chatctl subscribe` only work with \
             CENTRIFUGO_SECRET set"
        );
    }
    let db = Db::connect(&config.database).await?;
    let pending = db.pending_migrations().await?;
    if !pending.is_empty() {
        if opts.no_migrate {
            let list: Vec<String> = pending
                .iter()
                .map(|m| format!("{} {}", m.version, m.description))
                .collect();
            return Err(config_error(format!(
                "{} migration(s) pending ({}): run `chatctl migrate run` or start without --no-migrate",
                pending.len(),
                list.join(", ")
            )));
        }
        db.migrate().await?;
        tracing::info!(applied = pending.len(), "migrations applied");
    }
    let service = Service::new(db.clone(), config.clone(), true)?;
    let listener = TcpListener::bind(&config.server.bind).await.map_err(|e| {
        config_error(format!(
            "cannot listen on {} ({e}): choose another address with --bind or CHATCTL_BIND",
            config.server.bind
        ))
    })?;
    let address = listener.local_addr().context("reading the bound address")?;
    tracing::info!(
        backend = db.backend().name(),
        "chatctl listening on http://{address}"
    );
    if embedded {
        let api = if config.centrifugo.api_key.is_empty() {
            "off (set CENTRIFUGO_API_KEY to use it)"
        } else {
            "on (X-API-Key: CENTRIFUGO_API_KEY)"
        };
        tracing::info!(
            "realtime: embedded server at ws://{address}/connection/websocket; server API at http://{address}/api {api}"
        );
    } else {
        tracing::info!("realtime: Centrifugo at {}", config.centrifugo.url);
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let background = service.spawn_background(stop_rx);
    crate::http::serve(listener, service, shutdown_signal())
        .await
        .context("serving HTTP")?;
    let _ = stop_tx.send(true);
    for task in background {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
