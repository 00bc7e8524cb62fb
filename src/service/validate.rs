//! Laravel-style input rules over loosely typed JSON: the field names and messages a
//! frontend written for the original expects in a 422.

use serde_json::Value;

use crate::error::{Error, Result};

/// Laravel's `required|integer`: an integer, or a string of digits.
pub fn required_integer(body: &Value, field: &str, label: &str) -> Result<i64> {
    match body.get(field) {
        None | Some(Value::Null) => Err(required(field, label)),
        Some(Value::String(s)) if s.trim().is_empty() => Err(required(field, label)),
        Some(value) => integer(value)
            .ok_or_else(|| Error::invalid(field, format!("The {label} field must be an integer."))),
    }
}

/// An integer id from JSON, or `None` (floats, overflow, garbage).
pub fn integer(value: &Value) -> Option<i64> {
    match value {
        // Like Laravel's `integer` rule, 5.0 is the integer 5; 5.5 is not an integer.
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => parse_id(s.trim()),
        _ => None,
    }
}

/// A decimal id as written in a URL or a string field; no signs, no spaces, no overflow.
pub fn parse_id(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Laravel's `required|boolean`: true, false, 1, 0, "1", "0", "true", "false".
pub fn required_bool(body: &Value, field: &str) -> Result<bool> {
    match body.get(field) {
        None | Some(Value::Null) => Err(required(field, field)),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::String(s)) if s == "1" || s == "true" => Ok(true),
        Some(Value::String(s)) if s == "0" || s == "false" => Ok(false),
        Some(_) => Err(Error::invalid(
            field,
            format!("The {field} field must be true or false."),
        )),
    }
}

/// Laravel's `required|string|max:N` plus: not blank after trimming, no NUL characters.
pub fn required_text(body: &Value, field: &str, max_chars: usize) -> Result<String> {
    let text = match body.get(field) {
        None | Some(Value::Null) => return Err(required(field, field)),
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(Error::invalid(
                field,
                format!("The {field} field must be a string."),
            ));
        }
    };
    if text.trim().is_empty() {
        return Err(required(field, field));
    }
    if text.contains('\0') {
        return Err(Error::invalid(
            field,
            format!("The {field} field must not contain NUL characters."),
        ));
    }
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("The {field} field must not be greater than {max_chars} characters."),
        ));
    }
    Ok(text.clone())
}

/// An optional short string (an idempotency key).
pub fn optional_key(body: &Value, field: &str, max_chars: usize) -> Result<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.is_empty() && s.chars().count() <= max_chars && !s.contains('\0') =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(Error::invalid(
            field,
            format!("The {field} field must be a string of 1 to {max_chars} characters."),
        )),
    }
}

fn required(field: &str, label: &str) -> Error {
    Error::invalid(field, format!("The {label} field is required."))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_follow_laravel() {
        let body =
            json!({"a": 5, "b": "7", "c": 1.5, "d": "x", "e": "99999999999999999999", "f": -3.0});
        assert_eq!(required_integer(&body, "a", "a").unwrap(), 5);
        assert_eq!(required_integer(&body, "f", "f").unwrap(), -3);
        assert_eq!(required_integer(&body, "b", "b").unwrap(), 7);
        for f in ["c", "d", "e", "missing"] {
            assert!(required_integer(&body, f, f).is_err(), "{f}");
        }
    }

    #[test]
    fn text_rules() {
        assert!(required_text(&json!({"text": "  "}), "text", 10).is_err());
        assert!(required_text(&json!({"text": "a\u{0}b"}), "text", 10).is_err());
        assert!(required_text(&json!({"text": "ж".repeat(11)}), "text", 10).is_err());
        assert_eq!(
            required_text(&json!({"text": "ж".repeat(10)}), "text", 10)
                .unwrap()
                .chars()
                .count(),
            10
        );
    }

    #[test]
    fn booleans_follow_laravel() {
        assert!(required_bool(&json!({"typing": 1}), "typing").unwrap());
        assert!(!required_bool(&json!({"typing": "false"}), "typing").unwrap());
        assert!(required_bool(&json!({"typing": "yes"}), "typing").is_err());
        assert!(required_bool(&json!({}), "typing").is_err());
    }
}
