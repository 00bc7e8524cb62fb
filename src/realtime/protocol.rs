//! Centrifugo client protocol v2, JSON: the commands a client sends, the replies and pushes
//! the server writes, and the documented error and disconnect codes. Replies are rendered
//! to text once; field order follows the protocol's schema, as Centrifugo writes it.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

/// An error in a reply: the client keeps its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyError {
    pub code: u32,
    pub message: &'static str,
    pub temporary: bool,
}

const fn error(code: u32, message: &'static str, temporary: bool) -> ReplyError {
    ReplyError {
        code,
        message,
        temporary,
    }
}

pub const INTERNAL: ReplyError = error(100, "internal server error", true);
pub const UNKNOWN_CHANNEL: ReplyError = error(102, "unknown channel", false);
pub const PERMISSION_DENIED: ReplyError = error(103, "permission denied", false);
/// The server API's 104 (an unknown method in a batch).
pub const NOT_FOUND: ReplyError = error(104, "not found", false);
pub const ALREADY_SUBSCRIBED: ReplyError = error(105, "already subscribed", false);
pub const LIMIT_EXCEEDED: ReplyError = error(106, "limit exceeded", false);
pub const BAD_REQUEST: ReplyError = error(107, "bad request", false);
pub const NOT_AVAILABLE: ReplyError = error(108, "not available", false);
pub const TOKEN_EXPIRED: ReplyError = error(109, "token expired", false);
pub const EXPIRED: ReplyError = error(110, "expired", false);
pub const UNRECOVERABLE_POSITION: ReplyError = error(112, "unrecoverable position", false);

/// Why the server closes a connection: a WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect {
    pub code: u16,
    pub reason: &'static str,
}

const fn disconnect(code: u16, reason: &'static str) -> Disconnect {
    Disconnect { code, reason }
}

pub const SHUTDOWN: Disconnect = disconnect(3001, "shutdown");
pub const CONNECTION_EXPIRED: Disconnect = disconnect(3005, "connection expired");
pub const SLOW: Disconnect = disconnect(3008, "slow");
pub const WRITE_ERROR: Disconnect = disconnect(3009, "write error");
pub const NO_PONG: Disconnect = disconnect(3012, "no pong");
pub const INVALID_TOKEN: Disconnect = disconnect(3500, "invalid token");
pub const BAD_REQUEST_DISCONNECT: Disconnect = disconnect(3501, "bad request");
pub const STALE: Disconnect = disconnect(3502, "stale");
pub const NOT_AVAILABLE_DISCONNECT: Disconnect = disconnect(3508, "not available");
/// WebSocket 1009: a frame above the message size limit (Centrifugo sends no reason).
pub const MESSAGE_TOO_BIG: Disconnect = disconnect(1009, "");

/// Unsubscribe push sent when a subscription's token expired without `sub_refresh`.
pub const UNSUBSCRIBE_EXPIRED: (u32, &str) = (2501, "subscription expired");

/// One command. Unknown fields are ignored; `null` counts as absent.
#[derive(Debug, Default, Deserialize)]
pub struct Command {
    #[serde(default)]
    pub id: u32,
    pub connect: Option<ConnectRequest>,
    pub subscribe: Option<SubscribeRequest>,
    pub unsubscribe: Option<ChannelRequest>,
    pub publish: Option<PublishRequest>,
    pub presence: Option<ChannelRequest>,
    pub presence_stats: Option<ChannelRequest>,
    pub history: Option<ChannelRequest>,
    pub send: Option<IgnoredAny>,
    pub rpc: Option<IgnoredAny>,
    pub refresh: Option<TokenRequest>,
    pub sub_refresh: Option<SubRefreshRequest>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConnectRequest {
    #[serde(default)]
    pub token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SubscribeRequest {
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub recover: bool,
    #[serde(default)]
    pub epoch: String,
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub delta: String,
    #[serde(default)]
    pub flag: i64,
    #[serde(default, rename = "type")]
    pub kind: i32,
    /// A tags filter: not allowed on chatctl's channels.
    pub tf: Option<IgnoredAny>,
}

/// Subscribe flag: fail with 112 instead of answering `recovered: false`.
pub const FLAG_REJECT_UNRECOVERED: i64 = 2;

#[derive(Debug, Default, Deserialize)]
pub struct ChannelRequest {
    #[serde(default)]
    pub channel: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishRequest {
    #[serde(default)]
    pub channel: String,
    pub data: Option<Box<RawValue>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    pub token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SubRefreshRequest {
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub token: String,
}

/// The commands of one frame: newline-separated, at most one trailing newline. Each line is
/// decoded only when reached, so the commands before a bad line still run (as in Centrifugo).
pub fn lines(frame: &str) -> impl Iterator<Item = Result<Command, ()>> + '_ {
    let body = frame.strip_suffix('\n').unwrap_or(frame);
    body.split('\n')
        .map(|line| serde_json::from_str::<Command>(line).map_err(|_| ()))
}

/// `{"id":N,"<kind>":<result>}`.
pub fn reply(id: u32, kind: &str, result: &str) -> String {
    format!(r#"{{"id":{id},"{kind}":{result}}}"#)
}

/// `{"id":N,"error":{...}}`.
pub fn error_reply(id: u32, e: ReplyError) -> String {
    let temporary = if e.temporary {
        r#","temporary":true"#
    } else {
        ""
    };
    format!(
        r#"{{"id":{id},"error":{{"code":{},"message":"{}"{temporary}}}}}"#,
        e.code, e.message
    )
}

/// `{"push":{"channel":"...","unsubscribe":{"code":N,"reason":"..."}}}`.
pub fn unsubscribe_push(channel: &str, code: u32, reason: &str) -> String {
    format!(
        r#"{{"push":{{"channel":{},"unsubscribe":{{"code":{code},"reason":{}}}}}}}"#,
        quote(channel),
        quote(reason)
    )
}

/// A JSON string literal.
pub fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// Appends `,"key":value` when `value` is `Some`.
pub fn push_field(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.push_str(",\"");
        out.push_str(key);
        out.push_str("\":");
        out.push_str(value);
    }
}

/// The server's ping: an empty reply.
pub const PING: &str = "{}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_split_on_newlines_with_one_trailing_newline_allowed() {
        let ok: Vec<_> = lines("{\"id\":1}\n{\"id\":2}\n").collect();
        assert_eq!(ok.len(), 2);
        assert!(ok.iter().all(Result::is_ok));
        let bad: Vec<_> = lines("{\"id\":1}\n\n").collect();
        assert!(bad[0].is_ok() && bad[1].is_err());
        assert!(lines("nope").all(|c| c.is_err()));
        assert!(lines("{\"id\":-1}").all(|c| c.is_err()));
    }

    #[test]
    fn null_fields_count_as_absent_and_unknown_fields_are_ignored() {
        let cmd: Command =
            serde_json::from_str(r#"{"id":3,"connect":null,"send":{},"zzz":1}"#).unwrap();
        assert!(cmd.connect.is_none() && cmd.send.is_some());
    }

    #[test]
    fn replies_render_as_centrifugo_writes_them() {
        assert_eq!(
            error_reply(2, PERMISSION_DENIED),
            r#"{"id":2,"error":{"code":103,"message":"permission denied"}}"#
        );
        assert_eq!(
            error_reply(2, INTERNAL),
            r#"{"id":2,"error":{"code":100,"message":"internal server error","temporary":true}}"#
        );
        assert_eq!(
            unsubscribe_push("a\"b", 2501, "subscription expired"),
            r#"{"push":{"channel":"a\"b","unsubscribe":{"code":2501,"reason":"subscription expired"}}}"#
        );
    }
}
