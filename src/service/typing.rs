//! Typing events: published straight to the realtime server (no outbox: they are worthless a few
//! seconds later), best effort, without the request waiting, and coalesced so a client that
//! repeats the same state within two seconds publishes it once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Service;
use super::events::typing_publication;
use crate::centrifugo::api::Publication;
use crate::model::TypingPayload;

/// Identical typing states within this window publish once.
const COALESCE: Duration = Duration::from_secs(2);

/// The last published typing state per (chat, user).
#[derive(Debug, Default)]
pub(super) struct Coalescer {
    last: Mutex<HashMap<(i64, i64), (bool, Instant)>>,
}

impl Coalescer {
    /// Should this state be published now?
    fn admit(&self, payload: &TypingPayload, now: Instant) -> bool {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.len() > 100_000 {
            last.retain(|_, (_, at)| now.duration_since(*at) < COALESCE);
        }
        let key = (payload.chat_id, payload.user_id);
        match last.get(&key) {
            Some((typing, at))
                if *typing == payload.typing && now.duration_since(*at) < COALESCE =>
            {
                false
            }
            _ => {
                last.insert(key, (payload.typing, now));
                true
            }
        }
    }
}

impl Service {
    /// Publishes a typing event in the background, unless coalesced away.
    pub(super) fn publish_typing(&self, payload: &TypingPayload) -> bool {
        let realtime = self.realtime().clone();
        if !self.inner.typing.admit(payload, Instant::now()) {
            return false;
        }
        let (channel, data) = typing_publication(payload);
        let publication = Publication {
            channel,
            data,
            idempotency_key: None,
            skip_history: true,
        };
        tokio::spawn(async move {
            if let Err(e) = realtime.publish(&publication).await {
                tracing::debug!(error = %e, channel = %publication.channel, "typing event dropped");
            }
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_states_within_two_seconds_publish_once() {
        let c = Coalescer::default();
        let start = Instant::now();
        let on = TypingPayload {
            chat_id: 1,
            user_id: 2,
            typing: true,
        };
        let off = TypingPayload {
            typing: false,
            ..on
        };
        assert!(c.admit(&on, start));
        assert!(!c.admit(&on, start + Duration::from_millis(1900)));
        assert!(c.admit(&off, start + Duration::from_millis(1950)));
        assert!(c.admit(&on, start + Duration::from_millis(2000)));
        assert!(c.admit(&on, start + Duration::from_millis(4100)));
    }
}
