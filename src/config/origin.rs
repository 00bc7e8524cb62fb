//! What `server.cors_origins` accepts: exact browser origins, `scheme://host[:port]` with an
//! `http` or `https` scheme, as a browser sends them in `Origin`. A wildcard, `null` (sent by
//! sandboxed frames and `file:` pages), a path, a trailing slash, upper case or whitespace
//! would either never match or let any site in, so they are refused when the config loads.

/// Checks one configured origin; the error says what is wrong with it.
pub(crate) fn check(origin: &str) -> Result<(), String> {
    let refuse = |why: String| Err(format!("server.cors_origins: {origin:?} {why}"));
    if origin.contains('*') {
        return refuse("is a wildcard; list exact origins, never \"*\"".into());
    }
    match super::starter::check_origin(origin) {
        Err(e) => refuse(format!("is refused: {e}")),
        // A browser sends the canonical form; anything else would never match.
        Ok(canonical) if canonical != origin => refuse(format!("must be written {canonical:?}")),
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn exact_origins_pass_and_everything_else_is_refused() {
        for good in [
            "https://app.example",
            "http://localhost:8080",
            "https://127.0.0.1:8443",
            "http://[::1]:8080",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for bad in [
            "*",
            "https://*.app.example",
            "null",
            "app.example",
            "https://app.example/",
            "https://app.example/chat",
            "https://App.example",
            " https://app.example",
            "https://",
            "https://app.example:99999",
            "ftp://app.example",
            "https://user@app.example",
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.contains("server.cors_origins"), "{bad}: {err}");
        }
    }
}
