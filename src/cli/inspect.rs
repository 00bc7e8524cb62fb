//! `chatctl inspect users|chats|messages|outbox|stats`: what is in the database, as tables for
//! people or `--json` for scripts (the field names are documented in the README). Read-only:
//! inspecting never marks a message read, never migrates, never creates a database.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{GlobalOpts, open, output, table};
use crate::service::inspect::{ChatsView, Filter, OutboxState};

#[derive(Debug, Args)]
pub struct Opts {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, Subcommand)]
pub enum What {
    /// Users, newest id first: online, last seen, chats and unread messages.
    Users(UsersOpts),
    /// Chats, newest first, with each member's unread count and read cursor and the last
    /// message. With --user, that user's chat list exactly as the app gets it from
    /// GET /api/chats (the JSON is that list).
    Chats(ChatsOpts),
    /// Messages, newest first, with sender and whether the other member has read them.
    Messages(MessagesOpts),
    /// The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters
    /// with the reason Centrifugo refused them.
    Outbox(OutboxOpts),
    /// Counts: users (online), chats, messages, outbox backlog and dead letters by reason.
    Stats(StatsOpts),
}

/// Paging and output, shared by the lists.
#[derive(Debug, Args)]
pub struct PageOpts {
    /// Rows to show at most (1 to 1000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Only ids below ID: the next page after one that ended at ID.
    #[arg(long, value_name = "ID")]
    pub before: Option<i64>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UsersOpts {
    /// Only this user.
    #[arg(long, value_name = "ID")]
    pub user: Option<i64>,
    /// Only the members of this chat.
    #[arg(long, value_name = "ID")]
    pub chat: Option<i64>,
    #[command(flatten)]
    pub page: PageOpts,
}

#[derive(Debug, Args)]
pub struct ChatsOpts {
    /// Show this user's chat list (newest activity first) instead of all chats.
    #[arg(long, value_name = "ID", conflicts_with = "before")]
    pub user: Option<i64>,
    /// Only this chat.
    #[arg(long, value_name = "ID")]
    pub chat: Option<i64>,
    #[command(flatten)]
    pub page: PageOpts,
}

#[derive(Debug, Args)]
pub struct MessagesOpts {
    /// Only messages in the chats of this user.
    #[arg(long, value_name = "ID")]
    pub user: Option<i64>,
    /// Only messages of this chat.
    #[arg(long, value_name = "ID")]
    pub chat: Option<i64>,
    #[command(flatten)]
    pub page: PageOpts,
}

#[derive(Debug, Args)]
pub struct OutboxOpts {
    /// Only events for this user's channels (user-ID-chats, user-ID-status).
    #[arg(long, value_name = "ID")]
    pub user: Option<i64>,
    /// Only events for this chat's channels (user-ID-messages, chat.ID).
    #[arg(long, value_name = "ID")]
    pub chat: Option<i64>,
    /// Only dead letters.
    #[arg(long, conflicts_with = "pending")]
    pub dead: bool,
    /// Only events still waiting to be delivered.
    #[arg(long)]
    pub pending: bool,
    #[command(flatten)]
    pub page: PageOpts,
}

#[derive(Debug, Args)]
pub struct StatsOpts {
    /// Print a JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn filter(user: Option<i64>, chat: Option<i64>, page: &PageOpts) -> Filter {
    Filter {
        user,
        chat,
        limit: page.limit,
        before: page.before,
    }
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let service = open::service(global).await?;
    match opts.what {
        What::Users(o) => {
            let rows = service
                .inspect_users(filter(o.user, o.chat, &o.page))
                .await?;
            show(&o.page, "users", &rows, |r| r.id, table::users)?;
        }
        What::Chats(o) => match service
            .inspect_chats(filter(o.user, o.chat, &o.page))
            .await?
        {
            ChatsView::All(rows) => show(&o.page, "chats", &rows, |r| r.id, table::chats)?,
            ChatsView::OfUser(items) => {
                // Ordered by activity, not id: there is no --before page to suggest.
                let page = PageOpts {
                    limit: u32::MAX,
                    ..o.page
                };
                show(&page, "chats", &items, |r| r.id, table::chat_list)?;
            }
        },
        What::Messages(o) => {
            let rows = service
                .inspect_messages(filter(o.user, o.chat, &o.page))
                .await?;
            show(&o.page, "messages", &rows, |r| r.id, table::messages)?;
        }
        What::Outbox(o) => {
            let state = match (o.dead, o.pending) {
                (true, _) => Some(OutboxState::Dead),
                (_, true) => Some(OutboxState::Pending),
                _ => None,
            };
            let rows = service
                .inspect_outbox(filter(o.user, o.chat, &o.page), state)
                .await?;
            show(&o.page, "outbox rows", &rows, |r| r.id, table::outbox)?;
        }
        What::Stats(o) => {
            let stats = service.stats().await?;
            if o.json {
                output::line(serde_json::to_string_pretty(&stats)?)?;
            } else {
                output::line(table::stats(&stats))?;
            }
        }
    }
    service.db().close().await;
    Ok(())
}

/// Prints rows as JSON or a table; for people, says on stderr when there is nothing or more.
fn show<T: Serialize>(
    page: &PageOpts,
    what: &str,
    rows: &[T],
    id: impl Fn(&T) -> i64,
    render: impl Fn(&[T]) -> comfy_table::Table,
) -> anyhow::Result<()> {
    if page.json {
        output::line(serde_json::to_string_pretty(rows)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        eprintln!("no {what}");
        return Ok(());
    }
    output::line(render(rows))?;
    if rows.len() == page.limit as usize
        && let Some(last) = rows.last()
    {
        eprintln!("more: add --before {}", id(last));
    }
    Ok(())
}
