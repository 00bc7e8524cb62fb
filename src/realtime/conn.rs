//! One client connection as the hub sees it: its id, who it is, and its outgoing queue.
//! Publishers append rendered messages; the connection's task wakes, joins everything
//! queued into one newline-separated frame and writes it (coalesced writes). A queue that
//! grows past its byte limit closes the connection as slow (3008) instead of growing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde_json::value::RawValue;
use tokio::sync::Notify;

use super::protocol::{self, Disconnect};

/// Who a connection authenticated as.
#[derive(Debug)]
pub struct Identity {
    /// `sub` of the connection token; empty when anonymous.
    pub user: Arc<str>,
    /// `info` of the connection token (presence `conn_info`).
    pub info: Option<Box<RawValue>>,
}

#[derive(Debug, Default)]
struct Outbox {
    items: VecDeque<Arc<str>>,
    bytes: usize,
    close: Option<Disconnect>,
}

/// The shared half of a connection.
#[derive(Debug)]
pub struct Conn {
    pub id: Arc<str>,
    identity: OnceLock<Identity>,
    outbox: Mutex<Outbox>,
    wake: Notify,
    max_bytes: usize,
}

/// What the writer should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Write this frame.
    Frame(String),
    /// Close with this code (after everything queued before it was written).
    Close(Disconnect),
    /// Nothing to do: wait.
    Idle,
}

impl Conn {
    pub fn new(max_bytes: usize) -> Conn {
        Conn {
            id: client_id().into(),
            identity: OnceLock::new(),
            outbox: Mutex::new(Outbox::default()),
            wake: Notify::new(),
            max_bytes,
        }
    }

    fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets who the connection is (once, at connect).
    pub fn authenticate(&self, identity: Identity) {
        let _ = self.identity.set(identity);
    }

    pub fn identity(&self) -> Option<&Identity> {
        self.identity.get()
    }

    /// The user id, empty before connect or when anonymous.
    pub fn user(&self) -> &str {
        self.identity.get().map_or("", |i| &i.user)
    }

    /// Queues a rendered message; a full queue closes the connection as slow.
    pub fn send(&self, message: Arc<str>) {
        let mut outbox = self.outbox();
        if outbox.close.is_some() {
            return;
        }
        if outbox.bytes + message.len() > self.max_bytes {
            outbox.close = Some(protocol::SLOW);
            outbox.items.clear();
            outbox.bytes = 0;
        } else {
            outbox.bytes += message.len() + 1;
            outbox.items.push_back(message);
        }
        drop(outbox);
        self.wake.notify_one();
    }

    /// Asks the writer to close the connection; the first reason wins.
    pub fn close(&self, reason: Disconnect) {
        let mut outbox = self.outbox();
        if outbox.close.is_none() {
            outbox.close = Some(reason);
        }
        drop(outbox);
        self.wake.notify_one();
    }

    /// Takes queued messages as one frame of at most about `max_frame` bytes.
    pub fn next(&self, max_frame: usize) -> Next {
        let mut outbox = self.outbox();
        if outbox.items.is_empty() {
            if outbox.items.capacity() > 64 {
                outbox.items.shrink_to_fit();
            }
            return outbox.close.map_or(Next::Idle, Next::Close);
        }
        let mut frame = String::new();
        while let Some(item) = outbox.items.front() {
            if !frame.is_empty() && frame.len() + item.len() >= max_frame {
                break;
            }
            if !frame.is_empty() {
                frame.push('\n');
            }
            frame.push_str(item);
            outbox.bytes -= item.len() + 1;
            outbox.items.pop_front();
        }
        Next::Frame(frame)
    }

    /// Resolves once something was queued or a close was asked for.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// A random UUID v4 in its text form, as Centrifugo's client ids.
fn client_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_messages_leave_as_one_newline_separated_frame() {
        let conn = Conn::new(1024);
        conn.send("{\"a\":1}".into());
        conn.send("{\"b\":2}".into());
        assert_eq!(
            conn.next(1 << 16),
            Next::Frame("{\"a\":1}\n{\"b\":2}".into())
        );
        assert_eq!(conn.next(1 << 16), Next::Idle);
    }

    #[test]
    fn frames_are_bounded_and_a_close_comes_after_what_was_queued() {
        let conn = Conn::new(1024);
        conn.send("x".repeat(10).into());
        conn.send("y".repeat(10).into());
        conn.close(protocol::SHUTDOWN);
        conn.send("late".into());
        assert_eq!(conn.next(15), Next::Frame("x".repeat(10)));
        assert_eq!(conn.next(15), Next::Frame("y".repeat(10)));
        assert_eq!(conn.next(15), Next::Close(protocol::SHUTDOWN));
    }

    #[test]
    fn a_reader_that_falls_behind_is_closed_as_slow() {
        let conn = Conn::new(100);
        for _ in 0..20 {
            conn.send("0123456789".into());
        }
        assert_eq!(conn.next(1 << 16), Next::Close(protocol::SLOW));
    }

    #[test]
    fn client_ids_look_like_uuids() {
        let id = client_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
