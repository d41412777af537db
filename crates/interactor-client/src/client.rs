//! The client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::api::{ErrorEvents, History, Instances, Threads, Tokens, Webhooks, Workflows};
use crate::auth::{
    AuthConfig, Authenticator, ClientCredentials, OAuthSource, RefreshTokenGrant, TokenCache,
    TokenSource, bearer_header,
};
use crate::error::{Error, Result};
use crate::retry::RetryConfig;
use crate::transport::Transport;

/// The API's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://core.interactor.com/api/v1";
/// How long one attempt may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a call may take, retries and waits included, unless configured otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// A client of the Interactor API. Cheap to clone: clones share connections and tokens.
///
/// Build one with [`Client::builder`]; reach the endpoints through the resource groups
/// ([`workflows`](Self::workflows), [`instances`](Self::instances), ...).
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.base_url)
            .field("timeout", &self.transport.timeout)
            .field("deadline", &self.transport.deadline)
            .field("retry", &self.transport.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to, without a trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.transport.base_url
    }

    /// Workflow definitions and versions.
    #[must_use]
    pub fn workflows(&self) -> Workflows<'_> {
        Workflows::new(self)
    }

    /// Instances: create, list, get, resume, cancel, wait.
    #[must_use]
    pub fn instances(&self) -> Instances<'_> {
        Instances::new(self)
    }

    /// Threads of an instance.
    #[must_use]
    pub fn threads(&self) -> Threads<'_> {
        Threads::new(self)
    }

    /// Execution history of an instance.
    #[must_use]
    pub fn history(&self) -> History<'_> {
        History::new(self)
    }

    /// Error events across instances.
    #[must_use]
    pub fn errors(&self) -> ErrorEvents<'_> {
        ErrorEvents::new(self)
    }

    /// Webhook subscriptions.
    #[must_use]
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks::new(self)
    }

    /// Token revocation.
    #[must_use]
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(self)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }
}

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use interactor_client::{Client, ClientCredentials, RetryConfig};
///
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:4747/api/v1/")
///     .client_credentials(
///         ClientCredentials::new("my_client", "my_secret").scope("workflows:read"),
///     )
///     .timeout(Duration::from_secs(10))
///     .deadline(Duration::from_secs(60))
///     .retry(RetryConfig::default().max_retries(5))
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:4747/api/v1");
/// # Ok::<(), interactor_client::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    base_url: String,
    auth_base_url: Option<String>,
    auth: AuthConfig,
    timeout: Duration,
    connect_timeout: Option<Duration>,
    deadline: Duration,
    retry: RetryConfig,
    user_agent: String,
    default_headers: Vec<(String, String)>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            auth_base_url: None,
            auth: AuthConfig::None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: None,
            deadline: DEFAULT_DEADLINE,
            retry: RetryConfig::default(),
            user_agent: concat!("interactor-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            default_headers: Vec::new(),
        }
    }
}

impl ClientBuilder {
    /// The API base URL, e.g. `http://127.0.0.1:4747/api/v1` (a trailing slash is fine).
    /// Defaults to [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Where `/oauth/token` and `/oauth/revoke` live; defaults to the base URL.
    pub fn auth_base_url(mut self, url: impl Into<String>) -> Self {
        self.auth_base_url = Some(url.into());
        self
    }

    /// Sends this token as `Authorization: Bearer ...` on every request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = AuthConfig::Static(token.into());
        self
    }

    /// Gets and refreshes tokens with the client-credentials grant.
    pub fn client_credentials(mut self, credentials: ClientCredentials) -> Self {
        self.auth = AuthConfig::ClientCredentials(credentials);
        self
    }

    /// Gets tokens with the refresh-token grant.
    pub fn refresh_token(mut self, grant: RefreshTokenGrant) -> Self {
        self.auth = AuthConfig::RefreshToken(grant);
        self
    }

    /// Gets tokens from a source of your own; they are cached and refreshed like the
    /// built-in grants' tokens.
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.auth = AuthConfig::Source(Arc::new(source));
        self
    }

    /// Limits each attempt (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Limits connecting to the server (by default only the attempt timeout applies).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Limits a whole call, retries and waits included (default [`DEFAULT_DEADLINE`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header (default `interactor-client/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the base URL is not an `http` or `https` URL, a header name or
    /// value is invalid, a timeout is zero, or the HTTP client cannot be created.
    pub fn build(self) -> Result<Client> {
        let base_url = normalize_url(&self.base_url, "base URL")?;
        let auth_base_url = match &self.auth_base_url {
            Some(url) => normalize_url(url, "auth base URL")?,
            None => base_url.clone(),
        };
        if self.timeout.is_zero() || self.deadline.is_zero() {
            return Err(Error::config(
                "timeout and deadline must be greater than zero",
            ));
        }

        let mut headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::config(format!("invalid header name `{name}`")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|_| Error::config(format!("invalid value for header `{name}`")))?;
            headers.append(name, value);
        }
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent.as_str())
            .default_headers(headers);
        if let Some(connect_timeout) = self.connect_timeout {
            http = http.connect_timeout(connect_timeout);
        }
        let http = http
            .build()
            .map_err(|err| Error::config(format!("cannot create the HTTP client: {err}")))?;

        let token_url = |explicit: &Option<String>| {
            explicit
                .clone()
                .unwrap_or_else(|| format!("{auth_base_url}/oauth/token"))
        };
        let auth = match self.auth {
            AuthConfig::None => Authenticator::None,
            AuthConfig::Static(token) => Authenticator::Static(
                bearer_header(&token).map_err(|_| Error::config("invalid bearer token"))?,
            ),
            AuthConfig::ClientCredentials(grant) => {
                let url = token_url(&grant.token_url);
                let source = OAuthSource::client_credentials(
                    http.clone(),
                    url,
                    self.timeout,
                    self.retry.clone(),
                    grant,
                );
                Authenticator::Managed(TokenCache::new(Arc::new(source)))
            }
            AuthConfig::RefreshToken(grant) => {
                let url = token_url(&grant.token_url);
                let source = OAuthSource::refresh_token(
                    http.clone(),
                    url,
                    self.timeout,
                    self.retry.clone(),
                    grant,
                );
                Authenticator::Managed(TokenCache::new(Arc::new(source)))
            }
            AuthConfig::Source(source) => Authenticator::Managed(TokenCache::new(source)),
        };

        Ok(Client {
            transport: Arc::new(Transport {
                http,
                base_url,
                auth_base_url,
                auth,
                timeout: self.timeout,
                deadline: self.deadline,
                retry: self.retry,
            }),
        })
    }
}

/// Checks that `url` is an absolute http(s) URL and drops trailing slashes.
fn normalize_url(url: &str, what: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|err| Error::config(format!("invalid {what} `{url}`: {err}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "{what} `{url}` must use http or https"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} `{url}` must not have a query or fragment"
        )));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_accepted_with_and_without_a_trailing_slash() {
        for url in [
            "http://127.0.0.1:4747/api/v1",
            "http://127.0.0.1:4747/api/v1/",
        ] {
            let client = Client::builder().base_url(url).build().expect("builds");
            assert_eq!(client.base_url(), "http://127.0.0.1:4747/api/v1");
        }
    }

    #[test]
    fn bad_configuration_is_reported_by_build() {
        let cases = [
            Client::builder().base_url("not a url"),
            Client::builder().base_url("ftp://example.com/api"),
            Client::builder().default_header("bad header", "x"),
            Client::builder().timeout(Duration::ZERO),
            Client::builder().bearer_token("line\nbreak"),
        ];
        for builder in cases {
            assert!(matches!(builder.build(), Err(Error::Config(_))));
        }
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let builder = Client::builder()
            .bearer_token("tok_very_secret")
            .client_credentials(ClientCredentials::new("id", "sec_very_secret"));
        let debug = format!("{builder:?}");
        assert!(!debug.contains("very_secret"), "{debug}");
    }
}
