//! Online status upkeep: users are marked online by any API call (as in the original) and
//! offline by a sweeper once they have made no call for `presence.idle_after` and have no
//! realtime connection. With Centrifugo the sweeper asks for presence on the user's own
//! `user-{id}-chats` channel, which every client of the original subscribes to. The embedded
//! server knows connections directly: a user's first connection turns them online at once
//! and their last disconnect turns them offline within a second.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::Service;
use crate::db::users;
use crate::error::Result;
use crate::model;
use crate::realtime::UserPresence;

/// Users checked per sweep.
const SWEEP_BATCH: u32 = 500;
/// A reconnect within this time after a disconnect is not an offline period.
const OFFLINE_GRACE: Duration = Duration::from_millis(500);

impl Service {
    /// Runs the sweeper until `stop` turns true.
    pub async fn run_presence_sweeper(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let every = self.config().presence.sweep_every.get();
        while !*stop.borrow() {
            if let Err(e) = self.sweep_presence().await {
                tracing::warn!(error = %e, "presence sweep failed");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// One sweep; returns how many users went offline.
    pub async fn sweep_presence(&self) -> Result<usize> {
        let now = model::now_ms();
        let idle_after = self.config().presence.idle_after.get().as_millis() as i64;
        let idle = users::idle_online(self.db().pool(), now - idle_after, SWEEP_BATCH).await?;
        if idle.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = idle.iter().map(|(id, _)| *id).collect();
        let connected = match self.realtime().connected(&ids).await {
            Ok(connected) => connected,
            Err(e) => {
                // Centrifugo unreachable: its clients cannot be connected either, but we
                // cannot tell, so nobody is marked offline on a guess.
                tracing::debug!(error = %e, "presence check skipped");
                return Ok(0);
            }
        };
        let mut offline = 0;
        for ((user_id, last_active), connected) in idle.into_iter().zip(connected) {
            if connected {
                users::touch(self.db().pool(), user_id, now).await?;
            } else if self.set_offline(user_id, last_active).await? {
                offline += 1;
            }
        }
        Ok(offline)
    }

    /// Embedded server: follows users' first connects and last disconnects.
    pub async fn run_presence_listener(
        &self,
        mut events: UnboundedReceiver<UserPresence>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        while !*stop.borrow() {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = stop.changed() => continue,
            };
            let Some(event) = event else { break };
            let Ok(user_id) = event.user.parse::<i64>() else {
                continue;
            };
            if event.online {
                if let Err(e) = self.set_online(user_id, model::now_ms()).await {
                    tracing::warn!(error = %e, user_id, "marking a connected user online failed");
                }
            } else {
                let service = self.clone();
                tokio::spawn(
                    async move { service.offline_after_grace(user_id, &event.user).await },
                );
            }
        }
    }

    async fn offline_after_grace(&self, user_id: i64, user: &str) {
        tokio::time::sleep(OFFLINE_GRACE).await;
        let still_connected = self
            .realtime()
            .embedded()
            .is_some_and(|hub| hub.user_connections(user) > 0);
        if !still_connected && let Err(e) = self.set_offline(user_id, model::now_ms()).await {
            tracing::warn!(error = %e, user_id, "marking a disconnected user offline failed");
        }
    }
}
