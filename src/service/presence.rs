//! Online status upkeep: users are marked online by any API call (as in the original) and
//! offline by this sweeper once they have made no call for `presence.idle_after` and have no
//! realtime connection (Centrifugo presence on their own `user-{id}-chats` channel, which
//! every client of the original subscribes to).

use super::Service;
use super::events::channels;
use crate::centrifugo::api::ApiClient;
use crate::db::users;
use crate::error::Result;
use crate::model;

/// Users checked per sweep.
const SWEEP_BATCH: u32 = 500;

impl Service {
    /// Runs the sweeper until `stop` turns true.
    pub async fn run_presence_sweeper(
        &self,
        api: Option<ApiClient>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let every = self.config().presence.sweep_every.get();
        while !*stop.borrow() {
            if let Err(e) = self.sweep_presence(api.as_ref()).await {
                tracing::warn!(error = %e, "presence sweep failed");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// One sweep; returns how many users went offline.
    pub async fn sweep_presence(&self, api: Option<&ApiClient>) -> Result<usize> {
        let now = model::now_ms();
        let idle_after = self.config().presence.idle_after.get().as_millis() as i64;
        let idle = users::idle_online(self.db().pool(), now - idle_after, SWEEP_BATCH).await?;
        if idle.is_empty() {
            return Ok(0);
        }
        let connected: Vec<u64> = match api {
            None => vec![0; idle.len()],
            Some(api) => {
                let channels: Vec<String> = idle
                    .iter()
                    .map(|(id, _)| channels::chat_list(*id))
                    .collect();
                match api.presence_batch(&channels).await {
                    // A channel without presence data counts as unknown: keep the user online.
                    Ok(results) => results.into_iter().map(|r| r.unwrap_or(1)).collect(),
                    Err(e) => {
                        // Centrifugo unreachable: its clients cannot be connected either, but
                        // we cannot tell, so nobody is marked offline on a guess.
                        tracing::debug!(error = %e, "presence check skipped");
                        return Ok(0);
                    }
                }
            }
        };
        let mut offline = 0;
        for ((user_id, last_active), clients) in idle.into_iter().zip(connected) {
            if clients > 0 {
                users::touch(self.db().pool(), user_id, now).await?;
            } else if self.set_offline(user_id, last_active).await? {
                offline += 1;
            }
        }
        Ok(offline)
    }
}
