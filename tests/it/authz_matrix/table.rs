//! The matrix's table: each route that names an object, where it takes the id (path, body,
//! channel name), the five states of that object, and the documented answer of each (README,
//! "HTTP API": a foreign chat is the same 404 as a missing one; tokens for channels the caller
//! may not read are 403; malformed ids in paths are 404, in bodies 422).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// One call: who, how, where, with what, and the documented answer.
pub(super) struct Case {
    pub(super) route: &'static str,
    pub(super) state: State,
    pub(super) caller: &'static str,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) body: Option<Value>,
    pub(super) expected: StatusCode,
}

const OVERFLOW: &str = "99999999999999999999";

/// The fixture: chat `ab` (Anna, Boris) with messages, and a message of Mallory and Vera's.
pub(super) struct World {
    pub(super) ab: i64,
    pub(super) ab_message: i64,
    pub(super) mv_message: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Member,
    NonMember,
    Missing,
    Malformed,
    Overflowing,
}

/// Where a route takes its object id.
#[derive(Debug, Clone, Copy)]
enum Slot {
    ChatPath,
    ChatBody,
    ChatChannel,
    MessagePath,
    UserChannel,
    Companion,
}

/// The documented answer of each slot and state (README, "HTTP API").
fn documented(slot: Slot, state: State) -> StatusCode {
    use State::*;
    match (slot, state) {
        (Slot::ChatBody, Malformed | Overflowing) => StatusCode::UNPROCESSABLE_ENTITY,
        (Slot::ChatPath | Slot::ChatBody | Slot::MessagePath, Member) => StatusCode::OK,
        (Slot::ChatPath | Slot::ChatBody | Slot::MessagePath, _) => StatusCode::NOT_FOUND,
        (Slot::ChatChannel | Slot::UserChannel, Member) => StatusCode::OK,
        (Slot::ChatChannel | Slot::UserChannel, _) => StatusCode::FORBIDDEN,
        // Yourself is refused; anyone else (Boris, for Mallory) gets a chat.
        (Slot::Companion, NonMember) => StatusCode::OK,
        (Slot::Companion, _) => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The caller and the id as written, for a slot's kind of object in a state.
fn object(slot: Slot, state: State, w: &World) -> (&'static str, String) {
    let (member, foreign, missing) = match slot {
        Slot::MessagePath => (w.ab_message, w.mv_message, w.mv_message + 1000),
        Slot::UserChannel | Slot::Companion => (1, 2, 77),
        _ => (w.ab, w.ab, w.ab + 1000),
    };
    match state {
        State::Member => ("anna", member.to_string()),
        State::NonMember if matches!(slot, Slot::MessagePath) => ("anna", foreign.to_string()),
        State::NonMember => ("mallory", foreign.to_string()),
        State::Missing => ("anna", missing.to_string()),
        State::Malformed => ("anna", "abc".into()),
        State::Overflowing => ("anna", OVERFLOW.into()),
    }
}

/// Routes by template: `METHOD path [body]`; `{id}` is the object in its state, `{ab}` and
/// `{msg}` are Anna and Boris's chat and Anna's message there; `TOKEN ch` asks for a
/// subscription token for channel `ch`.
const ROUTES: &[(&str, Slot)] = &[
    ("GET /api/chats/{id}/messages", Slot::ChatPath),
    (
        r#"POST /api/chats/{id}/messages {"text":"probe"}"#,
        Slot::ChatPath,
    ),
    ("POST /api/chats/{id}/messages/{msg} {}", Slot::ChatPath),
    ("POST /api/chats/{ab}/messages/{id} {}", Slot::MessagePath),
    (
        r#"POST /api/typing {"chatId":{id},"typing":true}"#,
        Slot::ChatBody,
    ),
    ("TOKEN user-{id}-messages", Slot::ChatChannel),
    ("TOKEN chat.{id}", Slot::ChatChannel),
    ("TOKEN user-{id}-chats", Slot::UserChannel),
    ("TOKEN user-{id}-status", Slot::UserChannel),
    (r#"POST /api/chats {"companionId":{id}}"#, Slot::Companion),
];

/// Routes without ids: the caller's own data only.
const OWN: &[&str] = &[
    "GET /api/get-user-info",
    "GET /api/chats",
    "GET /api/search-users?search=a",
    "GET /api/update-centrifugo-token",
];

/// A template filled in: method, path, body.
fn fill(template: &str, id: &str, w: &World) -> (Method, String, Option<Value>) {
    let (method, rest) = template.split_once(' ').unwrap();
    let (path, body) = rest
        .split_once(' ')
        .map_or((rest, None), |(p, b)| (p, Some(b)));
    let ids = |t: &str, id: &str| {
        t.replace("{ab}", &w.ab.to_string())
            .replace("{msg}", &w.ab_message.to_string())
            .replace("{id}", id)
    };
    let path = match method {
        "TOKEN" => ids(
            &format!("/api/centrifugo/subscription-token?channel={path}"),
            id,
        ),
        _ => ids(path, id),
    };
    // In a JSON body an id is a number when it is one, else the string as sent.
    let json_id = id
        .parse::<i64>()
        .map_or(json!(id).to_string(), |n| n.to_string());
    let body = body.map(|b| serde_json::from_str(&ids(b, &json_id)).unwrap());
    let method = if method == "POST" {
        Method::POST
    } else {
        Method::GET
    };
    (method, path, body)
}

pub(super) fn cases(w: &World) -> Vec<Case> {
    use State::*;
    let mut out = Vec::new();
    for (route, slot) in ROUTES {
        for state in [Member, NonMember, Missing, Malformed, Overflowing] {
            let (caller, id) = object(*slot, state, w);
            let (method, path, body) = fill(route, &id, w);
            let expected = documented(*slot, state);
            out.push(Case {
                route,
                state,
                caller,
                method,
                path,
                body,
                expected,
            });
        }
    }
    for route in OWN {
        let (method, path, _) = fill(route, "", w);
        let (state, caller, body, expected) = (Member, "mallory", None, StatusCode::OK);
        out.push(Case {
            route,
            state,
            caller,
            method,
            path,
            body,
            expected,
        });
    }
    out
}
