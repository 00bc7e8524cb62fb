//! Turning one record into an [`Item`]: the CSV header's columns, a CSV row by them, a JSON
//! line by its keys, each checked by [`check_user`].

use std::collections::HashMap;

use serde_json::Value;

use super::{Item, NewUser, ReadError, Reject, check_user};
use crate::db::users::Profile;

/// Where each known field is in a CSV row.
#[derive(Debug, Clone)]
pub(super) struct Columns {
    pub(super) id: usize,
    pub(super) name: usize,
    pub(super) email: Option<usize>,
    pub(super) avatar: Option<usize>,
    pub(super) count: usize,
    pub(super) ignored: Vec<String>,
}

pub(super) fn reject(line: u64, reason: &str) -> Item {
    Item::Reject(Reject {
        line,
        reason: reason.to_string(),
    })
}

fn checked(line: u64, id: i64, profile: Profile) -> Item {
    match check_user(id, profile) {
        Ok((id, profile)) => Item::User(NewUser { line, id, profile }),
        Err((field, why)) => reject(line, &format!("{field}: {why}")),
    }
}

pub(super) fn header(line: u64, fields: &[String]) -> Result<Columns, ReadError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, name) in fields.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        if seen.insert(name.clone(), i).is_some() {
            return Err(ReadError::Header {
                line,
                message: format!("the header names the column {name:?} twice"),
            });
        }
        if !matches!(name.as_str(), "id" | "name" | "email" | "avatar") {
            ignored.push(name);
        }
    }
    let (Some(&id), Some(&name)) = (seen.get("id"), seen.get("name")) else {
        return Err(ReadError::Header {
            line,
            message: format!(
                "the CSV header must name the columns id and name (email and avatar are optional), found {:?}; for JSON lines use --format jsonl",
                fields.join(",")
            ),
        });
    };
    Ok(Columns {
        id,
        name,
        email: seen.get("email").copied(),
        avatar: seen.get("avatar").copied(),
        count: fields.len(),
        ignored,
    })
}

pub(super) fn csv_item(line: u64, columns: &Columns, fields: &[String]) -> Item {
    if fields.len() != columns.count {
        return reject(
            line,
            &format!(
                "has {} fields, the header has {}",
                fields.len(),
                columns.count
            ),
        );
    }
    let text = fields[columns.id].trim();
    let Ok(id) = text.parse::<i64>() else {
        return reject(line, &format!("id: {text:?} is not a positive integer"));
    };
    let field = |i: Option<usize>| i.map(|i| fields[i].clone()).unwrap_or_default();
    let avatar = Some(field(columns.avatar));
    let profile = Profile {
        name: fields[columns.name].clone(),
        email: field(columns.email),
        avatar,
    };
    checked(line, id, profile)
}

pub(super) fn json_item(line: u64, text: &str) -> Item {
    let object = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return reject(line, "is not a JSON object"),
        Err(e) => return reject(line, &format!("is not valid JSON ({e})")),
    };
    let id = match object.get("id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(id) = id else {
        return reject(line, "id: is required and must be a positive integer");
    };
    let mut strings = [String::new(), String::new(), String::new()];
    for (slot, key) in strings.iter_mut().zip(["name", "email", "avatar"]) {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => slot.clone_from(s),
            Some(_) => return reject(line, &format!("{key}: must be a string")),
        }
    }
    let [name, email, avatar] = strings;
    checked(
        line,
        id,
        Profile {
            name,
            email,
            avatar: Some(avatar),
        },
    )
}
