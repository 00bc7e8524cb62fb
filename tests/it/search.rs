//! Search rules of GET /api/search-users: case-insensitive for non-ASCII names, LIKE
//! wildcards matched literally, the caller excluded, at most 20 results.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::TestApp;

async fn search(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app
        .get(&format!("/api/search-users?search={query}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().expect("an array").clone()
}

fn ids(found: &[Value]) -> Vec<i64> {
    let mut ids: Vec<i64> = found.iter().map(|u| u["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn lower_case_cyrillic_finds_a_capitalised_cyrillic_name() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    app.user(2, "Анна Петрова").await;
    app.user(3, "Борис").await;
    // "анна", percent-encoded as a browser would send it.
    let found = search(&app, &me, "%D0%B0%D0%BD%D0%BD%D0%B0").await;
    assert_eq!(ids(&found), vec![2]);
    assert_eq!(found[0]["name"], "Анна Петрова");
    // "ПЕТР" (upper case, middle of the name).
    let found = search(&app, &me, "%D0%9F%D0%95%D0%A2%D0%A0").await;
    assert_eq!(ids(&found), vec![2]);
}

#[tokio::test]
async fn ascii_search_ignores_case_and_matches_substrings() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    app.user(2, "Maria Lopez").await;
    app.user(3, "Rosemary").await;
    app.user(4, "John").await;
    assert_eq!(ids(&search(&app, &me, "MAR").await), vec![2, 3]);
    assert_eq!(ids(&search(&app, &me, "lop").await), vec![2]);
    assert!(search(&app, &me, "xyz").await.is_empty());
}

#[tokio::test]
async fn percent_and_underscore_match_only_themselves() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    app.user(2, "Anna").await;
    app.user(3, "Boris").await;
    // No name contains % or _: a wildcard would match everyone.
    assert!(search(&app, &me, "%25").await.is_empty(), "% is literal");
    assert!(search(&app, &me, "_").await.is_empty(), "_ is literal");
    assert!(search(&app, &me, "%5C").await.is_empty(), "\\ is literal");
    app.user(4, "100% Real").await;
    app.user(5, "snake_case").await;
    assert_eq!(ids(&search(&app, &me, "%25").await), vec![4]);
    assert_eq!(ids(&search(&app, &me, "e_c").await), vec![5]);
    // "n_a" would match "Anna" if "_" were a wildcard.
    assert!(search(&app, &me, "n_a").await.is_empty());
}

#[tokio::test]
async fn the_caller_never_finds_themselves() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Anna Caller").await;
    app.user(2, "Anna Other").await;
    assert_eq!(ids(&search(&app, &me, "anna").await), vec![2]);
    assert!(search(&app, &me, "caller").await.is_empty());
}

#[tokio::test]
async fn at_most_twenty_users_are_returned() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    for id in 2..=26 {
        app.user(id, &format!("Match {id}")).await;
    }
    let found = search(&app, &me, "match").await;
    assert_eq!(found.len(), 20, "25 users match");
    let unique: std::collections::BTreeSet<i64> = ids(&found).into_iter().collect();
    assert_eq!(unique.len(), 20, "no user twice");
    assert!(!unique.contains(&1));
}

#[tokio::test]
async fn a_search_longer_than_one_hundred_characters_is_a_422_on_search() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    let (status, body) = app
        .get(
            &format!("/api/search-users?search={}", "a".repeat(101)),
            &me,
        )
        .await;
    crate::expect::assert_invalid(status, &body, "search");
    assert_eq!(search(&app, &me, &"a".repeat(100)).await.len(), 0);
}
