//! The relay renders the chat lists of all the users of a pass at once
//! (`Service::chat_lists_of`, one statement for the users and one for their lists). Each of
//! those lists must be exactly what the user's own `GET /api/chats` returns: same chats, same
//! order, same cut at `limits.chat_list_max`, same unread counts and last messages.

use crate::common::TestApp;

#[tokio::test]
async fn lists_rendered_together_equal_each_users_own_list() {
    let app = TestApp::spawn_with(|c| c.limits.chat_list_max = 3).await;
    let mut tokens = Vec::new();
    for id in 1..=7 {
        tokens.push(app.user(id, &format!("User {id}")).await);
    }
    // User 1 has five chats (more than the cut of 3), user 2 two, user 6 one, user 7 none.
    let mut chats = Vec::new();
    for companion in 2..=6 {
        chats.push(app.chat(&tokens[0], companion).await);
    }
    let two_three = app.chat(&tokens[1], 3).await;
    // Activity in an order unlike creation, messages from both sides, some left unread.
    app.send(&tokens[0], chats[1], "to 3").await;
    app.send(&tokens[4], chats[3], "from 5").await;
    app.send(&tokens[2], two_three, "3 to 2").await;
    app.send(&tokens[0], chats[0], "to 2").await;
    app.send(&tokens[5], chats[4], "from 6").await;

    let ids = [1, 2, 3, 5, 6, 7, 99];
    let lists = app.service.chat_lists_of(&ids).await.unwrap();
    assert!(!lists.contains_key(&99), "an unknown user has no list");
    assert_eq!(
        lists.len(),
        6,
        "every known user has a list, even an empty one"
    );
    for (index, id) in ids.iter().take(6).enumerate() {
        let token = &tokens[(*id - 1) as usize];
        let (status, own) = app.get("/api/chats", token).await;
        assert!(status.is_success(), "{own}");
        let together = serde_json::to_value(&lists[id]).unwrap();
        assert_eq!(together, own, "user {id} (#{index})");
    }
    assert_eq!(lists[&1].len(), 3, "cut at chat_list_max");
    assert_eq!(lists[&7].len(), 0);
    let first: Vec<i64> = lists[&1].iter().map(|c| c.id).collect();
    assert_eq!(
        first,
        vec![chats[4], chats[0], chats[3]],
        "newest activity first"
    );
}
