//! Differential test: the same raw protocol and API scripts against a real Centrifugo v6.9.1
//! (started with the config `chatctl centrifugo config` generates) and against the embedded
//! server; the transcripts must be identical once the values that differ by nature (client
//! ids, epochs, versions, token lifetimes) are replaced by placeholders. Runs when
//! CENTRIFUGO_BIN names the binary or `.cache/bin/centrifugo` exists (scripts/centrifugo.sh).

use std::path::PathBuf;
use std::time::Duration;

use chatctl::centrifugo::server_config::{self, Format, Params};

use crate::common::CENTRIFUGO_SECRET;
use crate::rt::scripts::scenarios;
use crate::rt::transcript::{normalize, run};
use crate::rt::{API_KEY, Rt};

fn centrifugo_bin() -> Option<PathBuf> {
    std::env::var_os("CENTRIFUGO_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let cached = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/bin/centrifugo");
            cached.exists().then_some(cached)
        })
}

#[tokio::test]
async fn the_embedded_server_answers_every_script_exactly_like_centrifugo() {
    let Some(bin) = centrifugo_bin() else {
        eprintln!(
            "skipped: no Centrifugo binary (set CENTRIFUGO_BIN or run scripts/centrifugo.sh)"
        );
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("chatctl-diff-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut params = Params::new(CENTRIFUGO_SECRET.into(), API_KEY.into());
    params.port = port;
    std::fs::write(
        dir.join("config.json"),
        server_config::render(Format::V6, &params),
    )
    .unwrap();
    let mut centrifugo = std::process::Command::new(bin)
        .arg("-c")
        .arg(dir.join("config.json"))
        .env_clear()
        .env("CENTRIFUGO_USAGE_STATS_DISABLED", "true")
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start centrifugo");
    let real = format!("http://127.0.0.1:{port}");
    let http = chatctl::centrifugo::http_client(Duration::from_secs(2));
    for _ in 0..100 {
        if http
            .post(format!("{real}/api/info"))
            .header("X-API-Key", API_KEY)
            .body("{}")
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rt = Rt::spawn().await;
    let mut differences = Vec::new();
    for (name, steps) in scenarios() {
        let theirs = normalize(
            run(
                &format!("ws://127.0.0.1:{port}/connection/websocket"),
                &real,
                &steps,
            )
            .await,
        );
        let ours = normalize(run(&rt.ws_url(), &rt.app.base, &steps).await);
        if theirs != ours {
            differences.push(format!(
                "== {name}\nCentrifugo:\n  {}\nembedded:\n  {}",
                theirs.join("\n  "),
                ours.join("\n  ")
            ));
        }
    }
    let _ = centrifugo.kill();
    let _ = centrifugo.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
