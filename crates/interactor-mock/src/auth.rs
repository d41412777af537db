//! OAuth clients, tokens, scopes and namespaces.
//!
//! Clients are registered through the admin API or the config file. The client
//! credentials grant gives an access token and a refresh token; the refresh grant gives a
//! new pair and retires the refresh token it used (rotation). Tokens are opaque, expire on
//! the mock's clock, and can be revoked. The dev token never expires and may do
//! everything.
//!
//! Every client belongs to an account (`default` unless its registration names one).
//! Idempotency keys and rate limits are counted per account.

use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use chrono::{DateTime, Duration, Utc};
use interactor_client::model::{ErrorCode, TokenRequest, TokenResponse};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::ids;

/// The account of the dev token and of clients that name none.
pub const DEFAULT_ACCOUNT: &str = "default";

/// The longest lifetime a token may be configured with (ten years).
pub const MAX_TOKEN_TTL_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// Lifetime of an access token unless configured otherwise.
pub const DEFAULT_TOKEN_TTL_SECONDS: u64 = 3600;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `workflows:read`: GET endpoints and validation.
    #[serde(rename = "workflows:read")]
    Read,
    /// `workflows:write`: create workflows, versions, publish.
    #[serde(rename = "workflows:write")]
    Write,
    /// `workflows:execute`: create, resume and cancel instances.
    #[serde(rename = "workflows:execute")]
    Execute,
    /// `webhooks:manage`: webhook subscriptions.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
    /// `*`: everything.
    #[serde(rename = "*")]
    All,
}

impl Scope {
    /// The scope's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "workflows:read",
            Self::Write => "workflows:write",
            Self::Execute => "workflows:execute",
            Self::WebhooksManage => "webhooks:manage",
            Self::All => "*",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            Self::Read,
            Self::Write,
            Self::Execute,
            Self::WebhooksManage,
            Self::All,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// An OAuth client, as `POST /_mock/clients` registers it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRegistration {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// The scopes its tokens may carry.
    pub scopes: Vec<Scope>,
    /// The namespaces its tokens may reach (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
    /// The account it belongs to (`default` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .field("namespaces", &self.namespaces)
            .field("account", &self.account)
            .finish()
    }
}

/// Who is calling, and what they may do.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    /// The account, for idempotency and rate limits.
    pub account: String,
    /// The client, or `None` for the dev token.
    pub client_id: Option<String>,
    /// The granted scopes.
    pub scopes: Vec<Scope>,
    /// The namespaces it may reach; `None` for all.
    pub namespaces: Option<Vec<String>>,
}

impl Principal {
    /// Whether the token carries `scope` (or `*`).
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| *s == scope || *s == Scope::All)
    }

    /// Whether the token may reach `namespace`.
    pub fn owns(&self, namespace: &str) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| n == namespace))
    }

    fn everything(account: &str) -> Self {
        Self {
            account: account.to_owned(),
            client_id: None,
            scopes: vec![Scope::All],
            namespaces: None,
        }
    }
}

/// Why a token request or a bearer token was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct AuthError {
    /// `invalid_client`, `invalid_grant`, `invalid_request`, `unsupported_grant_type`,
    /// `invalid_scope`, or `unauthorized` for API calls.
    pub code: ErrorCode,
    /// What went wrong.
    pub message: String,
}

impl AuthError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status of the error.
    pub fn status(&self) -> u16 {
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::Unauthorized => 401,
            _ => 400,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct TokenRecord {
    principal_client: Option<String>,
    account: String,
    scopes: Vec<Scope>,
    namespaces: Option<Vec<String>>,
    expires_at: Option<DateTime<Utc>>,
    refresh: bool,
    revoked: bool,
}

/// Everything auth keeps, for state export and import.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct AuthState {
    clients: Vec<ClientRegistration>,
    tokens: HashMap<String, TokenRecord>,
}

/// Clients and tokens.
#[derive(Debug)]
pub struct Auth {
    clock: Clock,
    dev_token: String,
    token_ttl: Duration,
    clients: RwLock<HashMap<String, ClientRegistration>>,
    tokens: RwLock<HashMap<String, TokenRecord>>,
}

impl Auth {
    /// Auth accepting `dev_token`, issuing tokens that live `token_ttl_seconds`.
    pub fn new(clock: Clock, dev_token: impl Into<String>, token_ttl_seconds: u64) -> Self {
        Self {
            clock,
            dev_token: dev_token.into(),
            // Clamped to ten years, so that no lifetime can overflow the clock's arithmetic.
            token_ttl: Duration::seconds(
                i64::try_from(token_ttl_seconds.min(MAX_TOKEN_TTL_SECONDS)).unwrap_or(0),
            ),
            clients: RwLock::default(),
            tokens: RwLock::default(),
        }
    }

    /// The dev token.
    pub fn dev_token(&self) -> &str {
        &self.dev_token
    }

    /// Registers (or replaces) a client.
    pub fn add_client(&self, client: ClientRegistration) {
        self.clients
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(client.client_id.clone(), client);
    }

    /// Forgets every client and token.
    pub fn reset(&self) {
        self.clients
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn export(&self) -> AuthState {
        AuthState {
            clients: self
                .clients
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .values()
                .cloned()
                .collect(),
            tokens: self
                .tokens
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    pub(crate) fn import(&self, state: AuthState) {
        self.reset();
        for client in state.clients {
            self.add_client(client);
        }
        *self.tokens.write().unwrap_or_else(PoisonError::into_inner) = state.tokens;
    }

    /// Answers a token request.
    ///
    /// # Errors
    ///
    /// The OAuth error codes: `invalid_client` for an unknown client or a wrong secret,
    /// `invalid_grant` for an unknown, expired or revoked refresh token,
    /// `invalid_request` for missing parameters, `unsupported_grant_type`, `invalid_scope`.
    pub fn token(&self, request: &TokenRequest) -> Result<TokenResponse, AuthError> {
        use interactor_client::model::GrantType;

        match &request.grant_type {
            GrantType::ClientCredentials => {
                let (Some(id), Some(secret)) = (&request.client_id, &request.client_secret) else {
                    return Err(AuthError::new(
                        ErrorCode::InvalidRequest,
                        "client_id and client_secret are required",
                    ));
                };
                let client = self
                    .clients
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(id)
                    .cloned()
                    .filter(|c| constant_time_eq(c.client_secret.as_bytes(), secret.as_bytes()))
                    .ok_or_else(|| {
                        AuthError::new(ErrorCode::InvalidClient, "Unknown client or wrong secret")
                    })?;
                let scopes = grant_scopes(&client.scopes, request.scope.as_deref())?;
                let account = client
                    .account
                    .clone()
                    .unwrap_or_else(|| DEFAULT_ACCOUNT.to_owned());
                Ok(self.issue(
                    Some(client.client_id.clone()),
                    account,
                    scopes,
                    client.namespaces.clone(),
                ))
            }
            GrantType::RefreshToken => {
                let Some(refresh) = &request.refresh_token else {
                    return Err(AuthError::new(
                        ErrorCode::InvalidRequest,
                        "refresh_token is required",
                    ));
                };
                let now = self.clock.now();
                let record = {
                    let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
                    let usable = tokens.get(refresh).is_some_and(|t| {
                        t.refresh && !t.revoked && t.expires_at.is_none_or(|e| e > now)
                    });
                    let belongs = tokens.get(refresh).is_some_and(|t| {
                        request.client_id.is_none() || request.client_id == t.principal_client
                    });
                    if !usable || !belongs {
                        return Err(AuthError::new(
                            ErrorCode::InvalidGrant,
                            "The refresh token is unknown, expired or revoked",
                        ));
                    }
                    let record = tokens.get_mut(refresh).map(|t| {
                        t.revoked = true;
                        t.clone()
                    });
                    record.ok_or_else(|| {
                        AuthError::new(ErrorCode::InvalidGrant, "Unknown refresh token")
                    })?
                };
                let scopes = grant_scopes(&record.scopes, request.scope.as_deref())?;
                Ok(self.issue(
                    record.principal_client,
                    record.account,
                    scopes,
                    record.namespaces,
                ))
            }
            other => Err(AuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("Grant type '{}' is not supported", grant_name(other)),
            )),
        }
    }

    fn issue(
        &self,
        client: Option<String>,
        account: String,
        scopes: Vec<Scope>,
        namespaces: Option<Vec<String>>,
    ) -> TokenResponse {
        let now = self.clock.now();
        let access = ids::random_id("itk_", 32);
        let refresh = ids::random_id("irt_", 32);
        let record = TokenRecord {
            principal_client: client,
            account,
            scopes: scopes.clone(),
            namespaces,
            expires_at: Some(now + self.token_ttl),
            refresh: false,
            revoked: false,
        };
        let refresh_record = TokenRecord {
            refresh: true,
            expires_at: Some(now + Duration::days(30)),
            ..record.clone()
        };
        {
            let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
            tokens.insert(access.clone(), record);
            tokens.insert(refresh.clone(), refresh_record);
        }
        TokenResponse {
            access_token: access,
            token_type: "Bearer".to_owned(),
            expires_in: u64::try_from(self.token_ttl.num_seconds()).unwrap_or(0),
            refresh_token: Some(refresh),
            scope: Some(
                scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        }
    }

    /// Revokes a token (access or refresh). Unknown tokens are accepted silently, as
    /// RFC 7009 asks.
    pub fn revoke(&self, token: &str) {
        if let Some(record) = self
            .tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(token)
        {
            record.revoked = true;
        }
    }

    /// The principal behind a bearer token.
    ///
    /// # Errors
    ///
    /// `unauthorized` for unknown, expired, revoked or refresh tokens.
    pub fn authenticate(&self, token: &str) -> Result<Principal, AuthError> {
        if constant_time_eq(token.as_bytes(), self.dev_token.as_bytes()) {
            return Ok(Principal::everything(DEFAULT_ACCOUNT));
        }
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        let record = tokens.get(token).filter(|t| !t.refresh).ok_or_else(|| {
            AuthError::new(ErrorCode::Unauthorized, "The bearer token is not valid")
        })?;
        if record.revoked {
            return Err(AuthError::new(
                ErrorCode::Unauthorized,
                "The bearer token was revoked",
            ));
        }
        if record.expires_at.is_some_and(|e| e <= self.clock.now()) {
            return Err(AuthError::new(
                ErrorCode::Unauthorized,
                "The bearer token has expired",
            ));
        }
        Ok(Principal {
            account: record.account.clone(),
            client_id: record.principal_client.clone(),
            scopes: record.scopes.clone(),
            namespaces: record.namespaces.clone(),
        })
    }
}

fn grant_name(grant: &interactor_client::model::GrantType) -> String {
    serde_json::to_value(grant)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The scopes to grant: all the client's, or those asked for, which must be the client's.
fn grant_scopes(allowed: &[Scope], asked: Option<&str>) -> Result<Vec<Scope>, AuthError> {
    let Some(asked) = asked.filter(|a| !a.trim().is_empty()) else {
        return Ok(allowed.to_vec());
    };
    let mut granted = Vec::new();
    for name in asked.split_whitespace() {
        let scope =
            Scope::parse(name).filter(|s| allowed.contains(s) || allowed.contains(&Scope::All));
        match scope {
            Some(scope) => granted.push(scope),
            None => {
                return Err(AuthError::new(
                    ErrorCode::Unknown("invalid_scope".to_owned()),
                    format!("Scope '{name}' is not available to this client"),
                ));
            }
        }
    }
    Ok(granted)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        let auth = Auth::new(Clock::frozen_at(Utc::now()), "dev", 60);
        auth.add_client(ClientRegistration {
            client_id: "app".into(),
            client_secret: "s3cret".into(),
            scopes: vec![Scope::Read, Scope::Execute],
            namespaces: Some(vec!["user_1".into()]),
            account: None,
        });
        auth
    }

    #[test]
    fn client_credentials_give_a_token_that_expires_on_the_clock() {
        let auth = auth();
        let token = auth
            .token(&TokenRequest::client_credentials("app", "s3cret"))
            .unwrap();

        let principal = auth.authenticate(&token.access_token).unwrap();
        assert!(principal.has(Scope::Read) && !principal.has(Scope::Write));
        assert!(principal.owns("user_1") && !principal.owns("user_2"));

        auth.clock.advance(Duration::seconds(61));
        assert_eq!(
            auth.authenticate(&token.access_token).unwrap_err().code,
            ErrorCode::Unauthorized
        );
    }

    #[test]
    fn a_refresh_token_works_once() {
        let auth = auth();
        let first = auth
            .token(&TokenRequest::client_credentials("app", "s3cret"))
            .unwrap();
        let refresh = first.refresh_token.unwrap();

        let second = auth.token(&TokenRequest::refresh(refresh.clone())).unwrap();
        let again = auth.token(&TokenRequest::refresh(refresh));

        assert!(auth.authenticate(&second.access_token).is_ok());
        assert_eq!(again.unwrap_err().code, ErrorCode::InvalidGrant);
    }

    #[test]
    fn wrong_secrets_and_foreign_scopes_are_refused() {
        let auth = auth();
        let wrong = auth.token(&TokenRequest::client_credentials("app", "nope"));
        let mut greedy = TokenRequest::client_credentials("app", "s3cret");
        greedy.scope = Some("workflows:write".into());

        assert_eq!(wrong.unwrap_err().code, ErrorCode::InvalidClient);
        assert_eq!(
            auth.token(&greedy).unwrap_err().code.as_str(),
            "invalid_scope"
        );
    }

    #[test]
    fn revoked_tokens_stop_working() {
        let auth = auth();
        let token = auth
            .token(&TokenRequest::client_credentials("app", "s3cret"))
            .unwrap();

        auth.revoke(&token.access_token);

        assert!(auth.authenticate(&token.access_token).is_err());
        assert!(auth.authenticate("dev").is_ok());
    }
}
