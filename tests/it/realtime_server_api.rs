//! The embedded server's HTTP API (`/api/publish` ...): Centrifugo's authentication, error
//! envelopes and result shapes, so `chatctl publish` and `cent` work against it unchanged.

use chatctl::centrifugo::api::{ApiClient, ApiFailure, Publication};
use serde_json::{Value, json};

use crate::rt::{API_KEY, Rt};

async fn call(rt: &Rt, method: &str, body: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = rt
        .app
        .client
        .post(format!("{}/api/{method}", rt.app.base))
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn api(rt: &Rt, method: &str, body: Value) -> Value {
    let (status, text) = call(rt, method, &body.to_string(), &[("X-API-Key", API_KEY)]).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_api_key_is_required_where_centrifugo_looks_for_it() {
    let rt = Rt::spawn().await;
    assert_eq!(call(&rt, "info", "{}", &[]).await, (401, String::new()));
    assert_eq!(
        call(&rt, "info", "{}", &[("X-API-Key", "wrong")]).await.0,
        401
    );
    let apikey = format!("apikey {API_KEY}");
    assert_eq!(
        call(&rt, "info", "{}", &[("Authorization", &apikey)])
            .await
            .0,
        200
    );
    assert_eq!(
        call(&rt, &format!("info?api_key={API_KEY}"), "{}", &[])
            .await
            .0,
        200
    );
    let get = rt
        .app
        .client
        .get(format!("{}/api/publish", rt.app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);

    let keyless = Rt::spawn_with(|c| c.centrifugo.api_key = Default::default()).await;
    assert_eq!(
        call(&keyless, "info", "{}", &[("X-API-Key", "")]).await.0,
        401,
        "no key: API off"
    );
}

#[tokio::test]
async fn errors_come_as_centrifugo_sends_them() {
    let rt = Rt::spawn().await;
    let key = ("X-API-Key", API_KEY);
    for body in ["", "nope", r#"{"channel":1}"#] {
        assert_eq!(
            call(&rt, "publish", body, &[key]).await,
            (400, "Bad Request\n".into()),
            "{body:?}"
        );
    }
    let unknown = json!({"error": {"code": 102, "message": "unknown channel"}});
    assert_eq!(
        api(&rt, "publish", json!({"channel": "ns:a", "data": 1})).await,
        unknown
    );
    assert_eq!(
        api(&rt, "publish", json!({"channel": "a"})).await["error"]["code"],
        107,
        "data required"
    );
    let transport = call(
        &rt,
        "publish",
        r#"{"channel":"ns:a","data":1}"#,
        &[key, ("X-Centrifugo-Error-Mode", "transport")],
    )
    .await;
    assert_eq!(
        transport,
        (404, r#"{"code":102,"message":"unknown channel"}"#.into())
    );
}

#[tokio::test]
async fn publish_broadcast_history_and_batch_have_centrifugos_shapes() {
    let rt = Rt::spawn().await;
    let first = api(&rt, "publish", json!({"channel": "a", "data": {"n": 1}})).await;
    let epoch = first["result"]["epoch"].as_str().unwrap().to_string();
    assert_eq!(first, json!({"result": {"offset": 1, "epoch": epoch}}));
    assert_eq!(
        api(&rt, "publish", json!({"channel": "a", "data": null})).await["result"]["offset"],
        2,
        "null is data"
    );
    assert_eq!(
        api(
            &rt,
            "publish",
            json!({"channel": "a", "data": 1, "skip_history": true})
        )
        .await,
        json!({"result": {}})
    );
    let k = json!({"channel": "a", "data": 3, "idempotency_key": "k"});
    assert_eq!(
        api(&rt, "publish", k.clone()).await,
        api(&rt, "publish", k).await,
        "one publication per key"
    );

    let b = api(
        &rt,
        "broadcast",
        json!({"channels": ["a", "", "ns:b"], "data": 4}),
    )
    .await;
    assert_eq!(b["result"]["responses"][0]["result"]["offset"], 4);
    assert_eq!(b["result"]["responses"][1]["error"]["code"], 107);
    assert_eq!(b["result"]["responses"][2]["error"]["code"], 102);

    let h = api(&rt, "history", json!({"channel": "a", "limit": -1})).await;
    let offsets: Vec<&Value> = h["result"]["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["offset"])
        .collect();
    assert_eq!(offsets, [1, 2, 3, 4]);
    assert_eq!(h["result"]["epoch"], epoch);
    assert_eq!(
        api(&rt, "history", json!({"channel": "a"})).await["result"]["publications"],
        json!([])
    );
    let last = api(
        &rt,
        "history",
        json!({"channel": "a", "limit": 1, "reverse": true}),
    )
    .await;
    assert_eq!(
        last["result"]["publications"],
        json!([{"data": 4, "offset": 4}])
    );
    let wrong = api(
        &rt,
        "history",
        json!({"channel": "a", "since": {"offset": 1, "epoch": "x"}, "limit": 5}),
    )
    .await;
    assert_eq!(wrong["error"]["code"], 112);

    let batch = api(
        &rt,
        "batch",
        json!({"commands": [{"publish": {"channel": "b", "data": 1}}, {"nope": {}}, null, {"presence_stats": {"channel": "b"}}]}),
    )
    .await;
    assert_eq!(
        batch["replies"],
        json!([
            {"publish": {"offset": 1, "epoch": batch["replies"][0]["publish"]["epoch"]}},
            {"error": {"code": 104, "message": "not found"}},
            {"error": {"code": 107, "message": "bad request"}},
            {"presence_stats": {"num_clients": 0, "num_users": 0}}
        ])
    );
    assert_eq!(api(&rt, "batch", json!({"commands": []})).await, json!({}));
}

#[tokio::test]
async fn presence_and_info_see_connected_clients() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut c, reply) = rt.client(&anna).await;
    rt.subscribe(&mut c, &anna, "user-1-chats", 2).await;
    let client = reply["connect"]["client"].as_str().unwrap();
    let presence = api(&rt, "presence", json!({"channel": "user-1-chats"})).await;
    assert_eq!(
        presence,
        json!({"result": {"presence": {client: {"user": "1", "client": client}}}})
    );
    let stats = api(&rt, "presence_stats", json!({"channel": "user-1-chats"})).await;
    assert_eq!(stats, json!({"result": {"num_clients": 1, "num_users": 1}}));
    let node = &api(&rt, "info", json!({})).await["result"]["nodes"][0];
    assert_eq!(
        (node["num_clients"].clone(), node["num_users"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        (node["num_channels"].clone(), node["num_subs"].clone()),
        (json!(1), json!(1))
    );
}

#[tokio::test]
async fn chatctls_own_api_client_works_against_the_embedded_server() {
    let rt = Rt::spawn().await;
    let client = ApiClient::new(&rt.app.base, API_KEY, std::time::Duration::from_secs(5));
    let publication = Publication {
        channel: "user-5-chats".into(),
        data: json!("[]"),
        idempotency_key: Some("x".into()),
        skip_history: false,
    };
    let results = client
        .publish_batch(&[publication.clone(), publication])
        .await
        .unwrap();
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0].as_ref().unwrap().offset, Some(1));
    assert_eq!(
        client
            .presence_batch(&["user-5-chats".into()])
            .await
            .unwrap(),
        [Ok(0)]
    );
    let info = client.info().await.unwrap();
    assert!(
        info["nodes"][0]["version"]
            .as_str()
            .unwrap()
            .contains("chatctl")
    );
    let wrong = ApiClient::new(&rt.app.base, "nope", std::time::Duration::from_secs(5));
    assert_eq!(wrong.info().await.unwrap_err(), ApiFailure::Unauthorized);
}
