//! Authentication: static tokens, OAuth grants and user-supplied token sources.
//!
//! Tokens that expire are kept by a cache shared by every clone of a client. It refreshes a
//! token shortly before it expires (a margin with random jitter, so that many clients do
//! not refresh at the same instant), lets concurrent callers share one refresh (single
//! flight), and drops a token the API rejected with 401 so that the request can be replayed
//! once with a fresh one.

mod cache;
mod oauth;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::error::{Error, Result};

pub(crate) use cache::TokenCache;
pub(crate) use oauth::OAuthSource;

/// A future returned by [`TokenSource::fetch`].
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken>> + Send + 'a>>;

/// Where tokens come from, for sources the crate does not provide (a vault, a sidecar,
/// another OAuth library). The client caches what `fetch` returns and calls it again
/// shortly before the token expires, or after the API rejected the token.
///
/// ```
/// use interactor_client::{AccessToken, TokenFuture, TokenSource};
/// use std::time::Duration;
///
/// struct FromEnvironment;
///
/// impl TokenSource for FromEnvironment {
///     fn fetch(&self) -> TokenFuture<'_> {
///         Box::pin(async {
///             let token = std::env::var("INTERACTOR_TOKEN")
///                 .map_err(|_| interactor_client::Error::auth("INTERACTOR_TOKEN is not set"))?;
///             Ok(AccessToken::new(token).expires_in(Duration::from_secs(900)))
///         })
///     }
/// }
/// ```
pub trait TokenSource: Send + Sync + 'static {
    /// Obtains a new token. Never called concurrently by one client.
    fn fetch(&self) -> TokenFuture<'_>;
}

/// A bearer token and its lifetime. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    secret: String,
    expires_in: Option<Duration>,
}

impl AccessToken {
    /// A token that does not expire (until the API rejects it).
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            expires_in: None,
        }
    }

    /// Sets the lifetime, counted from now.
    #[must_use]
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// The token itself.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The lifetime, if the token expires.
    #[must_use]
    pub fn lifetime(&self) -> Option<Duration> {
        self.expires_in
    }

    pub(crate) fn header(&self) -> Result<HeaderValue> {
        bearer_header(&self.secret)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

pub(crate) fn bearer_header(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))
        .map_err(|_| Error::auth("the token contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The OAuth client-credentials grant: a client id and secret exchanged for tokens.
#[derive(Clone)]
pub struct ClientCredentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) scope: Option<String>,
    pub(crate) token_url: Option<String>,
}

impl ClientCredentials {
    /// Credentials for `client_id`. Tokens come from `{base_url}/oauth/token` unless
    /// [`token_url`](Self::token_url) says otherwise.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scope: None,
            token_url: None,
        }
    }

    /// Asks for these space-separated scopes.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Gets tokens from this URL.
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scope", &self.scope)
            .field("token_url", &self.token_url)
            .finish()
    }
}

/// The OAuth refresh-token grant: a refresh token exchanged for access tokens (and, when
/// the server rotates them, new refresh tokens).
#[derive(Clone)]
pub struct RefreshTokenGrant {
    pub(crate) refresh_token: String,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) token_url: Option<String>,
}

impl RefreshTokenGrant {
    /// A grant using `refresh_token`.
    pub fn new(refresh_token: impl Into<String>) -> Self {
        Self {
            refresh_token: refresh_token.into(),
            client_id: None,
            client_secret: None,
            token_url: None,
        }
    }

    /// Identifies the client the refresh token was issued to.
    #[must_use]
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Authenticates the client with its secret.
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Gets tokens from this URL (default `{base_url}/oauth/token`).
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
}

impl fmt::Debug for RefreshTokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshTokenGrant")
            .field("refresh_token", &"[redacted]")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("token_url", &self.token_url)
            .finish()
    }
}

/// How the client authenticates, as configured on the builder.
#[derive(Clone, Default)]
pub(crate) enum AuthConfig {
    #[default]
    None,
    Static(String),
    ClientCredentials(ClientCredentials),
    RefreshToken(RefreshTokenGrant),
    Source(Arc<dyn TokenSource>),
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Static(_) => f.write_str("Static([redacted])"),
            Self::ClientCredentials(grant) => grant.fmt(f),
            Self::RefreshToken(grant) => grant.fmt(f),
            Self::Source(_) => f.write_str("Source(..)"),
        }
    }
}

/// The authentication a built client uses.
pub(crate) enum Authenticator {
    None,
    Static(HeaderValue),
    Managed(TokenCache),
}

impl Authenticator {
    /// The `Authorization` header for the next attempt.
    pub(crate) async fn header(&self) -> Result<Option<HeaderValue>> {
        match self {
            Self::None => Ok(None),
            Self::Static(header) => Ok(Some(header.clone())),
            Self::Managed(cache) => cache.header().await.map(Some),
        }
    }

    /// Whether a 401 can be answered by getting a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self, Self::Managed(_))
    }

    /// Forgets `rejected` (if it is still the current token) after a 401.
    pub(crate) fn reject(&self, rejected: &HeaderValue) {
        if let Self::Managed(cache) = self {
            cache.reject(rejected);
        }
    }
}
