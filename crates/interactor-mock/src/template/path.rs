//! Dotted paths into JSON values, shared by templates and transition conditions.
//!
//! A path is a list of segments separated by dots: `order.items.0.name`. A segment may
//! also carry bracketed array indices, so `order.items[0].name` is the same path. Each
//! segment names an object key, or, when the value reached so far is an array, an index
//! written in plain decimal (`0`, `12`; no sign, no leading zeros).
//!
//! Malformed paths (empty segments as in `a..b`, a trailing dot, an unclosed bracket or a
//! bracket holding something other than digits) never match anything.
//!
//! Limitation: an object key that itself contains `.`, `[` or `]` cannot be addressed,
//! because the reference defines no quoting syntax for paths.

use serde_json::Value;

/// Looks up `dotted` inside `root`; the empty path is `root` itself.
///
/// Segments are separated by dots; a segment may also carry bracketed indices, so
/// `items.0.name` and `items[0].name` are the same path. On an object every segment,
/// numeric or not, is a key; on an array a segment must be a plain decimal index (`0`,
/// `12`: no sign, no leading zeros). Returns `None` when any step is missing, when a
/// step goes through a value that is neither an object nor an array, and when the path
/// is malformed (an empty segment as in `a..b`, a trailing dot, an unclosed bracket, a
/// bracket holding anything but digits).
///
/// An object key that itself contains `.`, `[` or `]` cannot be addressed: the
/// reference defines no quoting for paths.
///
/// ```
/// use interactor_mock::template::lookup_path;
/// use serde_json::json;
///
/// let data = json!({ "order": { "items": [{ "name": "pen" }] } });
/// assert_eq!(lookup_path(&data, "order.items.0.name"), Some(&json!("pen")));
/// assert_eq!(lookup_path(&data, "order.items[0].name"), Some(&json!("pen")));
/// assert_eq!(lookup_path(&data, "order.total"), None);
/// ```
pub fn lookup_path<'a>(root: &'a Value, dotted: &str) -> Option<&'a Value> {
    let segments = segments(dotted)?;
    lookup_segments(root, &segments)
}

/// Whether `dotted` is a well-formed, non-empty path, as [`lookup_path`] reads it.
///
/// ```
/// use interactor_mock::template::is_valid_path;
///
/// assert!(is_valid_path("amount"));
/// assert!(is_valid_path("items[2].price"));
/// assert!(!is_valid_path("items..price"));
/// assert!(!is_valid_path(""));
/// ```
pub fn is_valid_path(dotted: &str) -> bool {
    segments(dotted).is_some_and(|segments| !segments.is_empty())
}

/// Follows already split segments from `root`.
pub(crate) fn lookup_segments<'a>(root: &'a Value, segments: &[&str]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(root, |value, segment| step(value, segment))
}

/// Splits a path into its segments; `None` when it is malformed, empty for `""`.
pub(crate) fn segments(dotted: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    if dotted.is_empty() {
        return Some(out);
    }

    for part in dotted.split('.') {
        let (name, mut brackets) = match part.find('[') {
            Some(open) => (&part[..open], &part[open..]),
            None => (part, ""),
        };
        if name.contains(']') || (name.is_empty() && brackets.is_empty()) {
            return None;
        }
        if !name.is_empty() {
            out.push(name);
        }

        while !brackets.is_empty() {
            let inner = brackets.strip_prefix('[')?;
            let close = inner.find(']')?;
            let index = &inner[..close];
            parse_index(index)?;
            out.push(index);
            brackets = &inner[close + 1..];
        }
    }
    Some(out)
}

fn step<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => items.get(parse_index(segment)?),
        _ => None,
    }
}

/// Parses a plain decimal array index: digits only, no sign, no leading zeros.
fn parse_index(segment: &str) -> Option<usize> {
    let plain = !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    if plain { segment.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "a": { "b": { "c": 1 } },
            "items": [{ "name": "first" }, { "name": "second", "tags": ["x", "y"] }],
            "0": "zero key",
            "with space": true,
            "null": null
        })
    }

    #[test]
    fn dotted_segments_walk_nested_objects() {
        assert_eq!(lookup_path(&sample(), "a.b.c"), Some(&json!(1)));
        assert_eq!(lookup_path(&sample(), "a.b"), Some(&json!({ "c": 1 })));
    }

    #[test]
    fn numeric_segments_and_brackets_index_arrays() {
        let data = sample();
        assert_eq!(lookup_path(&data, "items.1.name"), Some(&json!("second")));
        assert_eq!(lookup_path(&data, "items[1].name"), Some(&json!("second")));
        assert_eq!(lookup_path(&data, "items[1].tags[1]"), Some(&json!("y")));
        assert_eq!(lookup_path(&data, "items.1.tags.0"), Some(&json!("x")));
        assert_eq!(
            lookup_path(&json!([[1, 2], [3]]), "[1][0]"),
            Some(&json!(3))
        );
    }

    #[test]
    fn numeric_segment_on_an_object_is_a_key() {
        assert_eq!(lookup_path(&sample(), "0"), Some(&json!("zero key")));
        assert_eq!(lookup_path(&sample(), "[0]"), Some(&json!("zero key")));
    }

    #[test]
    fn empty_path_is_the_root() {
        assert_eq!(lookup_path(&sample(), ""), Some(&sample()));
    }

    #[test]
    fn null_values_are_found_but_missing_ones_are_not() {
        assert_eq!(lookup_path(&sample(), "null"), Some(&Value::Null));
        assert_eq!(lookup_path(&sample(), "absent"), None);
        assert_eq!(lookup_path(&sample(), "items.7"), None);
        assert_eq!(lookup_path(&sample(), "a.b.c.d"), None);
        assert_eq!(lookup_path(&sample(), "with space"), Some(&json!(true)));
    }

    #[test]
    fn malformed_paths_match_nothing() {
        let data = sample();
        for path in [
            "a..b",
            "a.",
            ".a",
            "items[",
            "items[x]",
            "items[-1]",
            "items[+1]",
            "items[01]",
            "items]0",
            "items[1]x",
            "items[]",
        ] {
            assert_eq!(lookup_path(&data, path), None, "{path}");
            assert!(!is_valid_path(path), "{path}");
        }
    }

    #[test]
    fn array_indices_are_plain_decimals() {
        let data = sample();
        for path in ["items.01", "items.+1", "items.-0", "items. 1"] {
            assert_eq!(lookup_path(&data, path), None, "{path}");
        }
    }

    #[test]
    fn huge_indices_do_not_overflow() {
        assert_eq!(
            lookup_path(&sample(), "items.99999999999999999999999999"),
            None
        );
    }

    #[test]
    fn scalars_cannot_be_walked_into() {
        assert_eq!(lookup_path(&json!("text"), "0"), None);
        assert_eq!(lookup_path(&json!(5), "a"), None);
    }
}
