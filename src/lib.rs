//! chatctl: a drop-in replacement for the chequite/chat Laravel package.
//!
//! One core ([`service`]) with thin adapters ([`http`] for the API, [`cli`] for the operator).

/// API and Centrifugo tokens: verification of bearer tokens, minting of connection tokens.
pub mod auth;
/// Centrifugo: server API client, generated server configs.
pub mod centrifugo;
/// The command line: one file per subcommand.
pub mod cli;
/// The typed configuration and its layers (defaults, file, environment, flags).
pub mod config;
/// Storage: connections, migrations and the query functions for SQLite and PostgreSQL.
pub mod db;
/// The core's typed errors.
pub mod error;
/// The HTTP API: routes, extractors and the one error mapping.
pub mod http;
/// Wire shapes of the original package and their formatting rules.
pub mod model;
/// Realtime delivery: an external Centrifugo or the embedded Centrifugo-compatible server.
pub mod realtime;
/// The service core: validation, authorization, transactions and domain events.
pub mod service;
