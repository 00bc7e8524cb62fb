//! `chatctl users add|import|list|show`: provisioning users by id (the host application's user
//! id, the `sub` of its tokens) one at a time or from a CSV / JSON lines file, with a progress
//! bar on stderr for people and a summary that names every rejected line.

mod import;

use clap::{ArgGroup, Args, Subcommand};

use super::{GlobalOpts, open, output, table};
use crate::db::users::Profile;

#[derive(Debug, Args)]
pub struct Opts {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Create a user, or update the user with that id.
    Add(AddOpts),
    /// Create or update users from a CSV file (header id,name,email,avatar) or JSON lines,
    /// by id. Bad rows are reported with their line numbers and the others are imported;
    /// exits 6 when any row was rejected. Importing the same file again changes nothing.
    Import(import::Opts),
    /// List users by id, oldest first.
    List(ListOpts),
    /// Show one user: profile, online state, chats and unread messages.
    Show(ShowOpts),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("user_id").required(true).args(["id", "id_flag"])))]
pub struct AddOpts {
    /// The user's id (the host application's user id).
    pub id: Option<i64>,
    /// The user's id, as a flag.
    #[arg(long = "id", value_name = "ID")]
    pub id_flag: Option<i64>,
    /// Display name (required).
    #[arg(long)]
    pub name: String,
    /// Email address.
    #[arg(long, default_value = "")]
    pub email: String,
    /// Avatar URL.
    #[arg(long, value_name = "URL")]
    pub avatar: Option<String>,
    /// Print the stored user as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListOpts {
    /// Only ids above ID: the next page after one that ended at ID.
    #[arg(long, value_name = "ID", default_value_t = 0)]
    pub after: i64,
    /// Users to show at most (1 to 10000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowOpts {
    /// The user's id.
    pub id: i64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let service = open::service(global).await?;
    match opts.action {
        Action::Add(o) => {
            let id = o.id.or(o.id_flag).unwrap_or_default();
            let profile = Profile {
                name: o.name,
                email: o.email,
                avatar: o.avatar,
            };
            let (created, user) = service.add_user(id, profile).await?;
            if o.json {
                output::line(serde_json::to_string_pretty(&user)?)?;
            } else {
                let done = if created { "created" } else { "updated" };
                output::line(format!("{done} user {} ({})", user.id, user.name))?;
            }
        }
        Action::Import(o) => import::run(&service, o, global.quiet).await?,
        Action::List(o) => {
            let users = service.list_users(o.after, o.limit).await?;
            if o.json {
                output::line(serde_json::to_string_pretty(&users)?)?;
            } else if users.is_empty() {
                eprintln!("no users");
            } else {
                output::line(table::users(&users))?;
                if users.len() == o.limit as usize {
                    eprintln!("more: add --after {}", users[users.len() - 1].id);
                }
            }
        }
        Action::Show(o) => {
            let user = service.user_overview(o.id).await?;
            if o.json {
                output::line(serde_json::to_string_pretty(&user)?)?;
            } else {
                output::line(table::user(&user))?;
            }
        }
    }
    service.db().close().await;
    Ok(())
}
