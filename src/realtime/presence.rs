//! Presence, read from the hub: who is subscribed to a channel (`presence`, with the
//! `conn_info` and `chan_info` their tokens gave), how many clients and users that is
//! (`presence_stats`), and the node's totals for `info`.

use std::sync::Arc;

use super::hub::{Hub, lock};
use super::protocol;

/// One entry of a channel's presence.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub client: Arc<str>,
    pub user: Arc<str>,
    pub conn_info: Option<String>,
    pub chan_info: Option<String>,
}

impl ClientInfo {
    /// `{"user":"..","client":"..","conn_info":..,"chan_info":..}`.
    pub fn json(&self) -> String {
        let mut out = format!(
            r#"{{"user":{},"client":{}"#,
            protocol::quote(&self.user),
            protocol::quote(&self.client)
        );
        protocol::push_field(&mut out, "conn_info", self.conn_info.as_deref());
        protocol::push_field(&mut out, "chan_info", self.chan_info.as_deref());
        out.push('}');
        out
    }
}

/// Node figures for `info`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub clients: usize,
    pub users: usize,
    pub channels: usize,
    pub subs: usize,
}

impl Hub {
    /// `presence`: who is subscribed to the channel.
    pub fn presence(&self, channel: &str) -> Vec<ClientInfo> {
        self.with_channel(channel, false, |c| {
            c.map(|c| {
                c.subs
                    .values()
                    .map(|s| ClientInfo {
                        client: s.conn.id.clone(),
                        user: s.conn.user().into(),
                        conn_info: s
                            .conn
                            .identity()
                            .and_then(|i| i.info.as_ref())
                            .map(|i| i.get().to_string()),
                        chan_info: s.chan_info.as_ref().map(|i| i.get().to_string()),
                    })
                    .collect()
            })
            .unwrap_or_default()
        })
    }

    /// `presence_stats`: (clients, distinct users).
    pub fn presence_stats(&self, channel: &str) -> (usize, usize) {
        self.with_channel(channel, false, |c| {
            c.map_or((0, 0), |c| {
                let mut users: Vec<&str> = c.subs.values().map(|s| s.conn.user()).collect();
                users.sort_unstable();
                users.dedup();
                (c.subs.len(), users.len())
            })
        })
    }

    /// Figures for `info`.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            clients: lock(&self.inner.conns).len(),
            users: lock(&self.inner.users).len(),
            ..Counts::default()
        };
        for shard in &self.inner.shards {
            for channel in lock(shard).values() {
                if !channel.subs.is_empty() {
                    counts.channels += 1;
                    counts.subs += channel.subs.len();
                }
            }
        }
        counts
    }
}
