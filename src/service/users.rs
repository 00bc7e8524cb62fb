//! Users: authenticating a bearer token to a stored user (provisioning it just in time when
//! configured), online status, profile and search.

use super::events::{self, Event};
use super::limits::Action;
use super::{Caller, Service};
use crate::auth;
use crate::db::users::{self, Profile, UserRow};
use crate::error::{Error, Result};
use crate::model::{self, StatusPayload, UserInfo};

/// Activity is written at most this often per user (ms), so reads stay reads.
const TOUCH_EVERY_MS: i64 = 15_000;

impl Service {
    /// Resolves a bearer token to its user. Any failure is [`Error::Unauthenticated`].
    /// As in the original, any API call marks the caller online.
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        let verifier = self.inner.verifier.as_ref().ok_or(Error::Unauthenticated)?;
        let identity = verifier.verify(token, auth::now_secs()).map_err(|why| {
            tracing::debug!(%why, "bearer token refused");
            Error::Unauthenticated
        })?;
        let user = match users::find(self.db().pool(), identity.user_id).await? {
            Some(user) => user,
            None if self.config().auth.provision_users => {
                let mut profile = identity.profile.unwrap_or_default();
                if profile.name.trim().is_empty() {
                    profile.name = format!("User {}", identity.user_id);
                }
                self.provision(identity.user_id, &profile).await?
            }
            None => {
                tracing::debug!(user = identity.user_id, "token for an unknown user");
                return Err(Error::Unauthenticated);
            }
        };
        self.note_activity(user).await
    }

    async fn provision(&self, id: i64, profile: &Profile) -> Result<UserRow> {
        let now = model::now_ms();
        users::insert_if_missing(self.db().pool(), id, profile, now).await?;
        users::find(self.db().pool(), id)
            .await?
            .ok_or_else(|| Error::Internal("BUG: provisioned user vanished".into()))
    }

    /// Marks the user online (publishing the change) or refreshes their activity.
    async fn note_activity(&self, mut user: UserRow) -> Result<UserRow> {
        let now = model::now_ms();
        if !user.is_online {
            self.set_online(user.id, now).await?;
            user.is_online = true;
            user.last_seen_at = Some(now);
            user.last_active_at = Some(now);
        } else if user.last_active_at.is_none_or(|t| now - t > TOUCH_EVERY_MS) {
            users::touch(self.db().pool(), user.id, now).await?;
            user.last_active_at = Some(now);
            user.last_seen_at = Some(now);
        }
        Ok(user)
    }

    /// Turns the user online; publishes the status when it changed.
    pub async fn set_online(&self, user_id: i64, now: i64) -> Result<bool> {
        let mut tx = self.db().begin_write().await?;
        let changed = users::mark_online(&mut *tx, user_id, now).await?;
        if changed {
            let status = self.status(user_id, true, now);
            events::record(&mut tx, &[Event::StatusChanged(status)], now).await?;
        }
        tx.commit().await?;
        if changed {
            self.outbox_written();
        }
        Ok(changed)
    }

    /// Turns the user offline as of `last_seen`; publishes the status when it changed.
    pub async fn set_offline(&self, user_id: i64, last_seen: i64) -> Result<bool> {
        let now = model::now_ms();
        let mut tx = self.db().begin_write().await?;
        let changed = users::mark_offline(&mut *tx, user_id, last_seen).await?;
        if changed {
            let status = self.status(user_id, false, last_seen);
            events::record(&mut tx, &[Event::StatusChanged(status)], now).await?;
        }
        tx.commit().await?;
        if changed {
            self.outbox_written();
        }
        Ok(changed)
    }

    fn status(&self, user_id: i64, is_online: bool, at: i64) -> StatusPayload {
        StatusPayload {
            user_id,
            is_online,
            last_seen: Some(self.clock().hhmm(at)),
        }
    }

    /// `GET /api/get-user-info`.
    pub fn user_info(&self, me: &Caller) -> UserInfo {
        UserInfo {
            id: me.id,
            avatar: me.avatar.clone(),
            name: me.name.clone(),
            email: me.email.clone(),
        }
    }

    /// `GET /api/search-users`: case-insensitive substring of the name (any script), the
    /// caller excluded, wildcards matched literally, at most `limits.search_results`.
    pub async fn search_users(
        &self,
        me: &Caller,
        search: Option<&str>,
    ) -> Result<Vec<model::User>> {
        self.throttle(Action::Search, me.id)?;
        let needle = search.map(str::trim).unwrap_or_default();
        if needle.is_empty() {
            return Err(Error::invalid("search", "The search field is required."));
        }
        if needle.contains('\0') {
            return Err(Error::invalid(
                "search",
                "The search field must not contain NUL characters.",
            ));
        }
        if needle.chars().count() > 100 {
            return Err(Error::invalid(
                "search",
                "The search field must not be greater than 100 characters.",
            ));
        }
        let found = users::search(
            self.db().pool(),
            &users::fold(needle),
            me.id,
            self.config().limits.search_results,
        )
        .await?;
        Ok(found.iter().map(|u| self.render_user(u)).collect())
    }

    /// The user with this name, ignoring case (the lowest id when several share it).
    pub async fn user_named(&self, name: &str) -> Result<Option<model::User>> {
        let row = users::find_by_folded_name(self.db().pool(), &users::fold(name.trim())).await?;
        Ok(row.map(|u| self.render_user(&u)))
    }

    /// An id no user has yet (callers creating users concurrently must serialize).
    pub async fn next_user_id(&self) -> Result<i64> {
        Ok(users::max_id(self.db().pool()).await? + 1)
    }

    /// Creates or updates a user (operator provisioning); returns whether it was created.
    pub async fn upsert_user(&self, id: i64, profile: &Profile) -> Result<bool> {
        if id <= 0 {
            return Err(Error::invalid("id", "The id must be a positive integer."));
        }
        if profile.name.trim().is_empty() {
            return Err(Error::invalid("name", "The name field is required."));
        }
        let now = model::now_ms();
        let mut tx = self.db().begin_write().await?;
        let created = users::insert_if_missing(&mut *tx, id, profile, now).await?;
        if !created {
            users::update_profile(&mut *tx, id, profile, now).await?;
        }
        tx.commit().await?;
        Ok(created)
    }
}
