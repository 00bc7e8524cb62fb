//! Integration tests: the real server on a free port, called over HTTP, on the backend named
//! by `CHATCTL_TEST_BACKEND` (`sqlite`, the default, or `postgres` with `TEST_POSTGRES_URL`).

mod common;

mod api_basics;
mod cli;
mod cli_admin;
mod cli_import;
mod cli_init;
mod cli_inspect;
mod demo;
mod rate_limits;
