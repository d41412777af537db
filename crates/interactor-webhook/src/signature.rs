//! The signature scheme: `sha256=` + hex(HMAC-SHA256(secret, "{timestamp}.{raw body}")).
//!
//! The secret is used as raw bytes (a text secret as its UTF-8 bytes), the timestamp is the
//! decimal unix time in seconds exactly as it appears in the `X-Interactor-Timestamp`
//! header, and the body is the raw request body, byte for byte.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::MalformedSignature;

/// HMAC-SHA256, the MAC behind every signature of this crate.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The prefix that precedes the hexadecimal digest in the signature header.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// Length of an HMAC-SHA256 digest, in bytes.
pub const DIGEST_LEN: usize = 32;

/// Signs a delivery: the value of the `X-Interactor-Signature` header for `body` sent at
/// `timestamp` (unix seconds) under `secret`.
///
/// To sign many deliveries with the same secret, a [`Signer`] keys the MAC only once.
///
/// # Examples
///
/// ```
/// let signature = interactor_webhook::sign(b"whsec_test", 1_705_752_000, br#"{"event":"x"}"#);
/// assert!(signature.to_string().starts_with("sha256="));
/// assert_eq!(signature.to_string().len(), 7 + 64);
/// ```
#[must_use]
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> Signature {
    Signer::new(secret).sign(timestamp, body)
}

/// A signing key: HMAC-SHA256 already keyed with one secret, cheap to clone and reuse.
///
/// [`Verifier`](crate::Verifier) keeps one per configured secret, so verifying does not
/// re-derive the key pads on every delivery.
#[derive(Clone)]
pub struct Signer {
    mac: HmacSha256,
}

impl Signer {
    /// Keys HMAC-SHA256 with `secret` (any length; a text secret as its UTF-8 bytes).
    #[must_use]
    pub fn new(secret: &[u8]) -> Self {
        // HMAC accepts keys of every length (long keys are hashed first), so the only error
        // `new_from_slice` can report does not occur; an empty key is keyed as all zeros.
        let mac = match HmacSha256::new_from_slice(secret) {
            Ok(mac) => mac,
            Err(_) => <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()),
        };
        Self { mac }
    }

    /// Signs `body` sent at `timestamp` (unix seconds).
    #[must_use]
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> Signature {
        self.sign_raw(timestamp.to_string().as_bytes(), body)
    }

    /// Signs with the timestamp given as the exact header bytes.
    pub(crate) fn sign_raw(&self, timestamp: &[u8], body: &[u8]) -> Signature {
        let digest = self.keyed(timestamp, body).finalize().into_bytes();
        Signature(digest.into())
    }

    /// Checks in constant time whether `signature` is the signature of `body` at the
    /// timestamp given as the exact header bytes.
    pub(crate) fn matches(&self, timestamp: &[u8], body: &[u8], signature: &Signature) -> bool {
        self.keyed(timestamp, body)
            .verify_slice(&signature.0)
            .is_ok()
    }

    /// The MAC fed with the signed material `"{timestamp}.{body}"`, without copying the body.
    fn keyed(&self, timestamp: &[u8], body: &[u8]) -> HmacSha256 {
        self.mac_of(&[timestamp, b".", body])
    }

    /// The keyed MAC fed with `parts`, one after the other.
    fn mac_of(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// An HMAC-SHA256 webhook signature.
///
/// `Display` gives the header form `sha256=<64 lowercase hex digits>`; [`FromStr`] and
/// [`Signature::parse`] read it back, reporting a [`MalformedSignature`] otherwise.
/// Comparing two signatures with `==` is not constant-time: verification goes through
/// [`Verifier`](crate::Verifier), which is.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; DIGEST_LEN]);

impl Signature {
    /// Wraps a raw digest.
    #[must_use]
    pub const fn from_bytes(digest: [u8; DIGEST_LEN]) -> Self {
        Self(digest)
    }

    /// The raw digest.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; DIGEST_LEN] {
        &self.0
    }

    /// Parses a header value of the form `sha256=<64 hex digits>` (either letter case).
    ///
    /// # Errors
    ///
    /// [`MalformedSignature::MissingPrefix`] without the `sha256=` prefix,
    /// [`MalformedSignature::WrongLength`] when the digest is not 64 characters long and
    /// [`MalformedSignature::NotHex`] when it contains anything but hexadecimal digits.
    pub fn parse(header: &[u8]) -> Result<Self, MalformedSignature> {
        let digest = header
            .strip_prefix(SIGNATURE_PREFIX.as_bytes())
            .ok_or(MalformedSignature::MissingPrefix)?;

        if digest.len() != DIGEST_LEN * 2 {
            return Err(MalformedSignature::WrongLength { len: digest.len() });
        }

        let mut bytes = [0_u8; DIGEST_LEN];
        hex::decode_to_slice(digest, &mut bytes).map_err(|_| MalformedSignature::NotHex)?;
        Ok(Self(bytes))
    }

    /// The header value, `sha256=` followed by the lowercase hexadecimal digest.
    #[must_use]
    pub fn to_header_value(&self) -> String {
        self.to_string()
    }
}

impl FromStr for Signature {
    type Err = MalformedSignature;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SIGNATURE_PREFIX)?;
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HMAC-SHA-256 test cases 1-4, 6 and 7 of RFC 4231 (case 5 tests truncated output,
    /// which the scheme does not use), computed through the keyed MAC that signs deliveries.
    #[test]
    fn rfc_4231_vectors_hold_for_the_signing_mac() {
        let long_key = [0xaa_u8; 131];
        let cases: [(&[u8], &[u8], &str); 6] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 20],
                &[0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                &[
                    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                    23, 24, 25,
                ],
                &[0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &long_key,
                b"This is a test using a larger than block-size key and a larger than \
                  block-size data. The key needs to be hashed before being used by the \
                  HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];

        for (index, (key, data, expected)) in cases.into_iter().enumerate() {
            let digest = Signer::new(key).mac_of(&[data]).finalize().into_bytes();
            assert_eq!(hex::encode(digest), expected, "vector {index}");
        }
    }

    #[test]
    fn signing_macs_the_timestamp_a_dot_and_the_body() {
        let signer = Signer::new(b"Jefe");

        let signature = signer.sign(1_705_752_000, b"{}");

        let whole = signer.mac_of(&[b"1705752000.{}"]).finalize().into_bytes();
        assert_eq!(signature.as_bytes()[..], whole[..]);
    }

    #[test]
    fn signature_round_trips_through_its_header_form() {
        let signature = sign(b"secret", 1_705_752_000, b"{}");

        let parsed: Signature = signature.to_string().parse().unwrap();

        assert_eq!(parsed, signature);
    }

    #[test]
    fn uppercase_hex_digits_are_accepted() {
        let signature = sign(b"secret", 1, b"body");
        let upper = format!("sha256={}", hex::encode_upper(signature.as_bytes()));

        assert_eq!(upper.parse::<Signature>().unwrap(), signature);
    }

    #[test]
    fn each_kind_of_malformed_signature_is_told_apart() {
        let digest = "ab".repeat(32);

        assert_eq!(
            Signature::parse(format!("sha1={digest}").as_bytes()),
            Err(MalformedSignature::MissingPrefix)
        );
        assert_eq!(
            Signature::parse(b"sha256=abcd"),
            Err(MalformedSignature::WrongLength { len: 4 })
        );
        assert_eq!(
            Signature::parse(format!("sha256={}", "zz".repeat(32)).as_bytes()),
            Err(MalformedSignature::NotHex)
        );
    }

    #[test]
    fn signer_matches_only_its_own_signature() {
        let signer = Signer::new(b"one");
        let signature = signer.sign(42, b"payload");

        assert!(signer.matches(b"42", b"payload", &signature));
        assert!(!signer.matches(b"43", b"payload", &signature));
        assert!(!signer.matches(b"42", b"payload!", &signature));
        assert!(!Signer::new(b"two").matches(b"42", b"payload", &signature));
    }

    #[test]
    fn signer_debug_output_hides_the_secret() {
        let debug = format!("{:?}", Signer::new(b"very-secret-value"));

        assert!(!debug.contains("very-secret-value"));
        assert!(debug.contains("redacted"));
    }
}
