//! OAuth token endpoint bodies. Every `Debug` here hides secrets and tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

const REDACTED: &str = "[redacted]";

wire_enum! {
    /// How a token is obtained.
    pub enum GrantType {
        /// With a client id and secret.
        ClientCredentials = "client_credentials",
        /// With a refresh token.
        RefreshToken = "refresh_token",
    }
}

/// The body of `POST /oauth/token`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The grant.
    pub grant_type: GrantType,
    /// The client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client's secret (client credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The refresh token (refresh grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Space-separated scopes asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl TokenRequest {
    /// A client-credentials grant.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            grant_type: GrantType::ClientCredentials,
            client_id: Some(client_id.into()),
            client_secret: Some(client_secret.into()),
            refresh_token: None,
            scope: None,
        }
    }

    /// A refresh-token grant.
    pub fn refresh(refresh_token: impl Into<String>) -> Self {
        Self {
            grant_type: GrantType::RefreshToken,
            client_id: None,
            client_secret: None,
            refresh_token: Some(refresh_token.into()),
            scope: None,
        }
    }
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| REDACTED),
            )
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| REDACTED),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

/// A token endpoint's answer.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// A token for the refresh grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Space-separated scopes granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| REDACTED),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

/// The body of `POST /oauth/revoke` (RFC 7009).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RevokeRequest {
    /// The token to revoke (access or refresh).
    pub token: String,
    /// `access_token` or `refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type_hint: Option<String>,
}

impl fmt::Debug for RevokeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevokeRequest")
            .field("token", &REDACTED)
            .field("token_type_hint", &self.token_type_hint)
            .finish()
    }
}

/// A token endpoint error in the plain OAuth form: `{"error", "error_description"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorBody {
    /// The OAuth error code, e.g. `invalid_client`.
    pub error: String,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}
