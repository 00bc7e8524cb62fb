//! Per-user rate limits on sending, typing, search and token minting (GCRA: a steady rate
//! with a burst allowance). Checked before anything is stored or published, so a throttled
//! request leaves no trace; one user's limit never touches another's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimitsConfig;
use crate::error::{Error, Result};

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Send,
    Typing,
    Search,
    Token,
}

/// Steady rate and burst of one action.
#[derive(Debug, Clone, Copy)]
struct Rule {
    /// Time between two requests at the steady rate.
    interval: Duration,
    /// How far ahead of the steady rate a burst may run.
    tolerance: Duration,
}

impl Rule {
    /// `per_minute` requests a minute, with bursts of a quarter of that; 0 means unlimited.
    fn per_minute(per_minute: u32) -> Option<Rule> {
        if per_minute == 0 {
            return None;
        }
        let interval = Duration::from_secs(60) / per_minute;
        let burst = (per_minute / 4).max(1);
        Some(Rule {
            interval,
            tolerance: interval * (burst - 1),
        })
    }
}

/// The limiter: the theoretical arrival time per (action, user).
#[derive(Debug)]
pub struct Limiter {
    rules: HashMap<Action, Rule>,
    state: Mutex<HashMap<(Action, i64), Instant>>,
}

impl Limiter {
    pub fn new(config: &RateLimitsConfig) -> Limiter {
        let mut rules = HashMap::new();
        for (action, per_minute) in [
            (Action::Send, config.send_per_minute),
            (Action::Typing, config.typing_per_minute),
            (Action::Search, config.search_per_minute),
            (Action::Token, config.tokens_per_minute),
        ] {
            if let Some(rule) = Rule::per_minute(per_minute) {
                rules.insert(action, rule);
            }
        }
        Limiter {
            rules,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Admits the request or says how long to wait.
    pub fn check(&self, action: Action, user_id: i64) -> Result<()> {
        self.check_at(action, user_id, Instant::now())
    }

    fn check_at(&self, action: Action, user_id: i64, now: Instant) -> Result<()> {
        let Some(rule) = self.rules.get(&action) else {
            return Ok(());
        };
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.len() > 100_000 {
            state.retain(|_, tat| *tat > now);
        }
        let tat = state
            .get(&(action, user_id))
            .copied()
            .filter(|t| *t > now)
            .unwrap_or(now);
        let ahead = tat - now;
        if ahead > rule.tolerance {
            let wait = ahead - rule.tolerance;
            return Err(Error::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            });
        }
        state.insert((action, user_id), tat + rule.interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32) -> Limiter {
        Limiter::new(&RateLimitsConfig {
            send_per_minute: per_minute,
            typing_per_minute: 0,
            search_per_minute: per_minute,
            tokens_per_minute: per_minute,
        })
    }

    #[test]
    fn a_burst_passes_then_the_steady_rate_applies() {
        let l = limiter(60); // one a second, bursts of 15
        let start = Instant::now();
        for _ in 0..15 {
            assert!(l.check_at(Action::Send, 1, start).is_ok());
        }
        match l.check_at(Action::Send, 1, start) {
            Err(Error::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("expected a limit, got {other:?}"),
        }
        assert!(
            l.check_at(Action::Send, 1, start + Duration::from_secs(1))
                .is_ok()
        );
    }

    #[test]
    fn users_and_actions_are_limited_separately() {
        let l = limiter(4); // bursts of 1
        let now = Instant::now();
        assert!(l.check_at(Action::Send, 1, now).is_ok());
        assert!(l.check_at(Action::Send, 1, now).is_err());
        assert!(l.check_at(Action::Send, 2, now).is_ok());
        assert!(l.check_at(Action::Search, 1, now).is_ok());
        // 0 means unlimited.
        for _ in 0..1000 {
            assert!(l.check_at(Action::Typing, 1, now).is_ok());
        }
    }
}
