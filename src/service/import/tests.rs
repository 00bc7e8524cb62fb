//! Unit tests of the import reader: quoting, line numbers, headers and the field rules.

use super::*;

fn read_all(text: &str, format: Format) -> Result<Vec<Item>, ReadError> {
    let mut reader = Reader::new(text.as_bytes(), format);
    let mut items = Vec::new();
    while let Some(item) = reader.next_item()? {
        items.push(item);
    }
    Ok(items)
}

fn user(item: &Item) -> &NewUser {
    match item {
        Item::User(u) => u,
        Item::Reject(r) => panic!("rejected: {r:?}"),
    }
}

fn rejected(item: &Item) -> &Reject {
    match item {
        Item::Reject(r) => r,
        Item::User(u) => panic!("accepted: {u:?}"),
    }
}

#[test]
fn csv_with_quotes_a_bom_and_columns_in_any_order() {
    let text = "\u{feff}name,id,avatar,email\r\n\"Doe, \"\"Jo\"\"\",7,,jo@example.com\r\n\nAnna,8,https://a/x.png,\n";
    let items = read_all(text, Format::Csv).unwrap();
    assert_eq!(items.len(), 2);
    let jo = user(&items[0]);
    assert_eq!((jo.line, jo.id), (2, 7));
    assert_eq!(jo.profile.name, "Doe, \"Jo\"");
    assert_eq!(jo.profile.email, "jo@example.com");
    assert_eq!(jo.profile.avatar, None);
    let anna = user(&items[1]);
    assert_eq!((anna.line, anna.id), (4, 8));
    assert_eq!(anna.profile.avatar.as_deref(), Some("https://a/x.png"));
}

#[test]
fn a_quoted_field_may_span_lines_and_the_next_record_keeps_its_line_number() {
    let text = "id,name,avatar\n1,\"two\nlines\",\n2,Two,\"https://a/\"\"b\"\"\"\nx,Bad,\n";
    let items = read_all(text, Format::Csv).unwrap();
    let multi = rejected(&items[0]);
    assert_eq!(
        (multi.line, multi.reason.as_str()),
        (2, "name: contains control characters")
    );
    let two = user(&items[1]);
    assert_eq!(
        (two.line, two.profile.avatar.as_deref()),
        (4, Some("https://a/\"b\""))
    );
    let bad = rejected(&items[2]);
    assert_eq!(bad.line, 5);
    assert!(bad.reason.starts_with("id:"), "{bad:?}");
}

#[test]
fn csv_rejects_carry_their_line_and_reason() {
    let text = "id,name,email\n1,Anna,anna@example.com\n-3,Neg,\n4,,\n5,Five,not-an-email\n6,Six\n";
    let items = read_all(text, Format::Csv).unwrap();
    let reasons: Vec<(u64, String)> = items[1..]
        .iter()
        .map(|i| {
            let r = rejected(i);
            (r.line, r.reason.clone())
        })
        .collect();
    assert_eq!(reasons[0].0, 3);
    assert!(reasons[0].1.contains("positive"));
    assert_eq!(reasons[1], (4, "name: is required".to_string()));
    assert_eq!(reasons[2].0, 5);
    assert!(reasons[2].1.starts_with("email:"));
    assert_eq!(
        reasons[3],
        (6, "has 2 fields, the header has 3".to_string())
    );
}

#[test]
fn a_header_without_id_or_name_stops_the_read() {
    let err = read_all("user_id,full_name\n1,Anna\n", Format::Csv).unwrap_err();
    assert!(err.to_string().contains("id and name"), "{err}");
    let err = read_all("id,name,id\n", Format::Csv).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn json_lines_accept_numbers_or_numeric_strings_and_ignore_other_keys() {
    let text = "{\"id\": 1, \"name\": \"Anna\", \"created_at\": \"x\"}\n\
                {\"id\": \"2\", \"name\": \"Boris\", \"email\": null, \"avatar\": \"\"}\n\
                [1]\n{\"id\": 3, \"name\": 5}\n{\"id\": 1.5, \"name\": \"x\"}\nnot json\n";
    let items = read_all(text, Format::Jsonl).unwrap();
    assert_eq!(user(&items[0]).id, 1);
    assert_eq!(user(&items[1]).id, 2);
    assert_eq!(user(&items[1]).profile.avatar, None);
    assert_eq!(rejected(&items[2]).reason, "is not a JSON object");
    assert_eq!(rejected(&items[3]).reason, "name: must be a string");
    assert_eq!(rejected(&items[4]).line, 5);
    assert!(rejected(&items[5]).reason.starts_with("is not valid JSON"));
}

#[test]
fn invalid_utf8_rejects_the_line_only() {
    let bytes = b"id,name\n1,Ann\xe9\n2,Boris\n".to_vec();
    let mut reader = Reader::new(&bytes[..], Format::Csv);
    let first = reader.next_item().unwrap().unwrap();
    assert!(rejected(&first).reason.contains("UTF-8"));
    assert_eq!(user(&reader.next_item().unwrap().unwrap()).id, 2);
}

#[test]
fn sniffing_tells_json_lines_from_csv() {
    assert_eq!(Format::sniff(b"  {\"id\":1}"), Format::Jsonl);
    assert_eq!(Format::sniff(b"id,name"), Format::Csv);
}
