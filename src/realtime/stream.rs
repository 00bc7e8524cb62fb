//! A channel's history stream, kept in memory like Centrifugo's memory engine: offsets grow
//! by one per publication, an epoch names the stream's lifetime, at most `size` publications
//! are kept, and all of them are dropped once no publication arrived for `ttl` (the offset
//! and epoch stay, so clients learn that they missed something).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;

use super::protocol::{push_field, quote};

/// One publication as stored and sent.
#[derive(Debug)]
pub struct Pub {
    /// 0 when the publication skipped history.
    pub offset: u64,
    pub data: Box<RawValue>,
    pub tags: Option<BTreeMap<String, String>>,
}

impl Pub {
    /// The Publication object: `{"data":..,"offset":N,"tags":{..},"epoch":".."}`.
    pub fn json(&self, epoch: Option<&str>) -> String {
        let mut out = String::with_capacity(self.data.get().len() + 48);
        out.push_str("{\"data\":");
        out.push_str(self.data.get());
        if self.offset > 0 {
            out.push_str(",\"offset\":");
            out.push_str(&self.offset.to_string());
        }
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.is_empty()) {
            let tags = serde_json::to_string(tags).unwrap_or_else(|_| "{}".into());
            push_field(&mut out, "tags", Some(&tags));
        }
        push_field(&mut out, "epoch", epoch.map(quote).as_deref());
        out.push('}');
        out
    }
}

/// The stream of one channel.
#[derive(Debug)]
pub struct Stream {
    top: u64,
    epoch: Arc<str>,
    items: VecDeque<Arc<Pub>>,
    /// When the kept publications expire (no publication for `ttl`).
    expires: Option<Instant>,
    /// Last time the stream was read or written (its meta expires after long idleness).
    pub touched: Instant,
    /// Highest `version` published, and its epoch (Centrifugo's ordering guard).
    version: (u64, String),
}

impl Stream {
    pub fn new(now: Instant) -> Stream {
        Stream {
            top: 0,
            epoch: new_epoch().into(),
            items: VecDeque::new(),
            expires: None,
            touched: now,
            version: (0, String::new()),
        }
    }

    pub fn top(&self) -> u64 {
        self.top
    }

    pub fn epoch(&self) -> &Arc<str> {
        &self.epoch
    }

    /// Drops the kept publications once their time is up.
    pub fn expire(&mut self, now: Instant) {
        if self.expires.is_some_and(|at| at <= now) {
            self.items = VecDeque::new();
            self.expires = None;
        }
    }

    /// Is a publication with this `version` older than what the stream already has?
    pub fn outdated(&self, version: u64, version_epoch: &str) -> bool {
        version > 0
            && (version_epoch.is_empty() || version_epoch == self.version.1)
            && version <= self.version.0
    }

    /// Appends a publication; returns it with its offset.
    pub fn add(
        &mut self,
        mut publication: Pub,
        size: usize,
        ttl: Duration,
        version: (u64, &str),
        now: Instant,
    ) -> Arc<Pub> {
        self.expire(now);
        self.top += 1;
        publication.offset = self.top;
        let publication = Arc::new(publication);
        self.items.push_back(publication.clone());
        while self.items.len() > size {
            self.items.pop_front();
        }
        self.expires = Some(now + ttl);
        self.touched = now;
        self.version = (version.0, version.1.to_string());
        publication
    }

    /// Publications from `offset` on (or from the start), in either direction, as
    /// Centrifugo's memory stream answers: an offset that is no longer kept reads from the
    /// oldest kept publication forwards, or nothing backwards. `limit < 0`: no limit.
    pub fn get(&self, from: Option<u64>, limit: i64, reverse: bool) -> Vec<Arc<Pub>> {
        if from.is_some_and(|o| o > self.top) || limit == 0 || self.items.is_empty() {
            return Vec::new();
        }
        let first = self.items.front().map_or(0, |p| p.offset);
        let start = match from {
            Some(o) if o >= first => (o - first) as usize,
            Some(_) if reverse => return Vec::new(),
            Some(_) => 0,
            None if reverse => self.items.len() - 1,
            None => 0,
        };
        let take = if limit < 0 {
            usize::MAX
        } else {
            limit as usize
        };
        if reverse {
            self.items
                .range(..=start)
                .rev()
                .take(take)
                .cloned()
                .collect()
        } else {
            self.items.range(start..).take(take).cloned().collect()
        }
    }

    /// Drops the kept publications (`history_remove`); the position stays.
    pub fn clear(&mut self) {
        self.items = VecDeque::new();
        self.expires = None;
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A random 8-letter epoch, as Centrifugo's.
fn new_epoch() -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..8)
        .map(|_| LETTERS[rand::random_range(0..LETTERS.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publication(n: u32) -> Pub {
        Pub {
            offset: 0,
            data: RawValue::from_string(n.to_string()).unwrap(),
            tags: None,
        }
    }

    fn offsets(pubs: &[Arc<Pub>]) -> Vec<u64> {
        pubs.iter().map(|p| p.offset).collect()
    }

    #[test]
    fn offsets_grow_and_the_oldest_publications_fall_out() {
        let now = Instant::now();
        let mut s = Stream::new(now);
        for n in 1..=5 {
            s.add(publication(n), 3, Duration::from_secs(60), (0, ""), now);
        }
        assert_eq!(s.top(), 5);
        assert_eq!(offsets(&s.get(None, -1, false)), [3, 4, 5]);
        assert_eq!(offsets(&s.get(Some(4), -1, false)), [4, 5]);
        assert_eq!(
            offsets(&s.get(Some(1), -1, false)),
            [3, 4, 5],
            "from the oldest kept"
        );
        assert_eq!(offsets(&s.get(Some(6), -1, false)), [] as [u64; 0]);
        assert_eq!(offsets(&s.get(None, 2, true)), [5, 4]);
        assert_eq!(offsets(&s.get(Some(4), -1, true)), [4, 3]);
        assert_eq!(offsets(&s.get(Some(1), -1, true)), [] as [u64; 0]);
        assert_eq!(offsets(&s.get(None, 0, false)), [] as [u64; 0]);
    }

    #[test]
    fn history_expires_but_the_position_stays() {
        let now = Instant::now();
        let mut s = Stream::new(now);
        s.add(publication(1), 10, Duration::from_secs(5), (0, ""), now);
        s.expire(now + Duration::from_secs(6));
        assert!(s.is_empty());
        assert_eq!(s.top(), 1);
    }

    #[test]
    fn publications_render_with_offset_tags_and_first_epoch() {
        let mut p = publication(7);
        p.offset = 1;
        p.tags = Some(BTreeMap::from([("k".to_string(), "v".to_string())]));
        assert_eq!(
            p.json(Some("ab")),
            r#"{"data":7,"offset":1,"tags":{"k":"v"},"epoch":"ab"}"#
        );
    }
}
