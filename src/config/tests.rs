//! Config layering and the shipped example.

use super::*;

#[test]
fn the_example_documents_every_key_at_its_default() {
    let parsed = Config::from_toml(EXAMPLE, "chatctl.toml.example").unwrap();
    assert_eq!(parsed, Config::default());
}

#[test]
fn the_example_names_every_environment_variable() {
    for var in ENV_VARS {
        assert!(
            EXAMPLE.contains(var.name),
            "{} missing from chatctl.toml.example",
            var.name
        );
        let key = var.key.split_once('.').unwrap().1;
        assert!(
            EXAMPLE.contains(&format!("\n{key} = ")),
            "key {} missing",
            var.key
        );
    }
}

#[test]
fn every_variable_the_example_names_is_read() {
    // The example once documented CHATCTL_WRITE_BATCH while serve ignored it.
    for word in EXAMPLE.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("CHATCTL_") || word.starts_with("CENTRIFUGO_") {
            assert!(
                word == "CHATCTL_CONFIG" || ENV_VARS.iter().any(|v| v.name == word),
                "chatctl.toml.example names {word}, which serve does not read"
            );
        }
    }
}

#[test]
fn an_unknown_key_is_an_error_naming_it() {
    let err = Config::from_toml("[server]\nbnid = \"x\"\n", "chatctl.toml").unwrap_err();
    assert!(err.contains("bnid"), "{err}");
    let err = Config::from_toml("[servre]\n", "chatctl.toml").unwrap_err();
    assert!(err.contains("servre"), "{err}");
}

#[test]
fn environment_beats_file_and_reads_the_originals_names() {
    let mut table: toml::Table =
        "[centrifugo]\nurl = \"http://file\"\n[database]\nurl = \"sqlite://file.db\""
            .parse()
            .unwrap();
    let env = |name: &str| match name {
        "CENTRIFUGO_URL" => Some("http://env:8000".to_string()),
        "CENTRIFUGO_SECRET" => Some("12345".to_string()),
        "DATABASE_URL" => Some("postgres://u:p@h/db".to_string()),
        "CHATCTL_AUTH_PROVISION_USERS" => Some("false".to_string()),
        "CHATCTL_CORS_ORIGINS" => Some("https://a.example, https://b.example".to_string()),
        "CHATCTL_PAGE_MAX" => Some("50".to_string()),
        _ => None,
    };
    env::overlay(&mut table, env).unwrap();
    let config = Config::from_table(table, None).unwrap();
    assert_eq!(config.centrifugo.url, "http://env:8000");
    // A numeric-looking secret stays a string.
    assert_eq!(config.centrifugo.secret.expose(), "12345");
    assert_eq!(config.database.url.expose(), "postgres://u:p@h/db");
    assert!(!config.auth.provision_users);
    assert_eq!(
        config.server.cors_origins,
        ["https://a.example", "https://b.example"]
    );
    assert_eq!(config.limits.page_max, 50);
}

#[test]
fn bad_environment_values_name_the_variable() {
    let mut table = toml::Table::new();
    let err = env::overlay(&mut table, |n| {
        (n == "CHATCTL_PAGE_MAX").then(|| "many".into())
    })
    .unwrap_err();
    assert!(err.contains("CHATCTL_PAGE_MAX"), "{err}");
}

#[test]
fn secrets_never_show_in_debug_output() {
    let mut config = Config::default();
    config.auth.secret = Secret::new("super-secret-value");
    config.centrifugo.api_key = Secret::new("api-key-value");
    config.database.url = Secret::new("postgres://u:hunter2@h/db");
    let text = format!("{config:?}");
    for secret in ["super-secret-value", "api-key-value", "hunter2"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[test]
fn validation_names_the_key() {
    let err = Config::from_toml("[auth]\nleeway = \"2m\"\n", "f").unwrap_err();
    assert!(err.contains("auth.leeway"), "{err}");
    for origin in ["*", "https://*.app.example", "null", "https://app.example/"] {
        let text = format!("[server]\ncors_origins = [\"https://ok.example\", {origin:?}]\n");
        let err = Config::from_toml(&text, "f").unwrap_err();
        assert!(err.contains("server.cors_origins"), "{origin}: {err}");
    }
    let err = Config::from_toml("[server]\nrequest_timeout = \"soon\"\n", "f").unwrap_err();
    assert!(err.contains("soon"), "{err}");
}
