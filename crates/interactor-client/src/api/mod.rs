//! Resource groups, one per part of the endpoint table.

mod errors;
mod history;
mod instances;
mod threads;
mod tokens;
mod webhooks;
mod workflows;

pub use errors::{ErrorEvents, ErrorQuery};
pub use history::{History, HistoryQuery};
pub use instances::{InstanceQuery, Instances};
pub use threads::Threads;
pub use tokens::Tokens;
pub use webhooks::Webhooks;
pub use workflows::Workflows;

/// Percent-encodes one path segment, so that an id can never change the path.
pub(crate) fn segment(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("inst_abc123"), "inst_abc123");
        assert_eq!(segment("a/../b c"), "a%2F..%2Fb%20c");
        assert_eq!(segment("é"), "%C3%A9");
    }
}
