//! Centrifugo: the server API client, generated server configs, and the shared HTTP client
//! set-up.

pub mod api;
pub mod client;
pub mod server_config;

/// Installs the process's TLS crypto provider (ring) once; reqwest needs one before any
/// client is built, even for plain HTTP.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client with the given timeout per request.
pub fn http_client(timeout: std::time::Duration) -> reqwest::Client {
    install_tls();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(3)))
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("BUG: the HTTP client configuration is static and valid")
}
