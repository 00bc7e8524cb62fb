//! Integration tests: the real server on a free port, called over HTTP, on the backend named
//! by `CHATCTL_TEST_BACKEND` (`sqlite`, the default, or `postgres` with `TEST_POSTGRES_URL`).

mod common;

mod api_basics;
mod chat_lists;
mod cli;
mod cli_admin;
mod cli_bench_ws;
mod cli_import;
mod cli_init;
mod cli_inspect;
mod demo;
mod expect;
mod rate_limits;

mod auth_failures;
mod concurrency;
mod disconnects;
mod error_shapes;
mod http_basics;
mod idempotency;
mod membership;
mod outbox;
mod paging;
mod provisioning;
mod read_state;
mod routes_chats;
mod routes_messages;
mod routes_realtime;
mod routes_users;
mod search;
mod text_rules;

mod realtime_delivery;
mod realtime_differential;
mod realtime_protocol;
mod realtime_server_api;
mod rt;

mod authz_matrix;
mod faults_centrifugo;
mod faults_crash;
mod faults_pool;
mod faults_relay_errors;
mod faults_shutdown;
mod faults_writers;
mod hostile_inputs;
mod log_hygiene;
mod owned_fields;
mod process;
mod response_hygiene;
mod retry_storm;
mod standin;
mod throttling;
mod token_checks;
