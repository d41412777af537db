//! Header names of a delivery, and [`HeaderLookup`]: reading them from any header map.
//!
//! The names are lowercase, the form `http::HeaderName::from_static` requires; HTTP header
//! names are case-insensitive, so they match `X-Interactor-Event` and friends on the wire.

use std::collections::{BTreeMap, HashMap};

/// `X-Interactor-Event`: the event name, e.g. `workflow.instance.halted` (not signed).
pub const EVENT: &str = "x-interactor-event";
/// `X-Interactor-Signature`: `sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub const SIGNATURE: &str = "x-interactor-signature";
/// `X-Interactor-Delivery`: the delivery id, `del_...`, the same for every retry (not signed).
pub const DELIVERY: &str = "x-interactor-delivery";
/// `X-Interactor-Timestamp`: unix time in seconds when this attempt was signed.
pub const TIMESTAMP: &str = "x-interactor-timestamp";
/// `X-Interactor-Retry-Count`: the attempt number, 0 for the first attempt (not signed).
pub const RETRY_COUNT: &str = "x-interactor-retry-count";
/// `Content-Type`, always `application/json` for a delivery.
pub const CONTENT_TYPE: &str = "content-type";
/// The content type of every delivery.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// Read access to request headers, so that [`Verifier::verify`](crate::Verifier::verify)
/// accepts whatever header map a framework hands out.
///
/// Implemented for `http::HeaderMap` (feature `http`, part of `axum`), actix-web's `HeaderMap` (feature
/// `actix`), slices, arrays and vectors of `(name, value)` pairs, string maps and
/// [`DeliveryHeaders`](crate::DeliveryHeaders). Names are compared ASCII
/// case-insensitively; when a header appears more than once, the first value counts.
///
/// # Examples
///
/// ```
/// use interactor_webhook::{header, HeaderLookup};
///
/// let headers = [("X-Interactor-Retry-Count", "2")];
/// assert_eq!(headers.header(header::RETRY_COUNT), Some(&b"2"[..]));
/// assert_eq!(headers.header(header::EVENT), None);
/// ```
pub trait HeaderLookup {
    /// The raw value of the header `name` (given in lowercase), if present.
    fn header(&self, name: &str) -> Option<&[u8]>;
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn header(&self, name: &str) -> Option<&[u8]> {
        (**self).header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, S> HeaderLookup for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }
}

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl HeaderLookup for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.get(name).map(http::HeaderValue::as_bytes)
    }
}

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
impl HeaderLookup for actix_web::http::header::HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.get(name)
            .map(actix_web::http::header::HeaderValue::as_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_looked_up_case_insensitively() {
        let headers = vec![("X-Interactor-Event".to_owned(), "a".to_owned())];

        assert_eq!(headers.header(EVENT), Some(&b"a"[..]));
    }

    #[test]
    fn the_first_of_repeated_headers_wins() {
        let headers = [(TIMESTAMP, "1"), (TIMESTAMP, "2")];

        assert_eq!(headers.header(TIMESTAMP), Some(&b"1"[..]));
    }

    #[test]
    fn string_maps_are_header_sources() {
        let mut headers = HashMap::new();
        headers.insert("X-Interactor-Delivery", "del_1");

        assert_eq!(headers.header(DELIVERY), Some(&b"del_1"[..]));
        assert_eq!(headers.header(SIGNATURE), None);
    }
}
