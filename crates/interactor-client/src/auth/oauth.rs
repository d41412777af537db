//! Tokens from an OAuth token endpoint: client credentials and refresh tokens.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::{AccessToken, ClientCredentials, RefreshTokenGrant, TokenFuture, TokenSource};
use crate::error::{Error, Result};
use crate::model::{ApiErrorBody, ErrorCode, OAuthErrorBody, TokenRequest, TokenResponse};
use crate::retry::RetryConfig;

/// Gets tokens from `POST {token_url}` with a JSON body. Answers are accepted both in the
/// platform's `{"data": {...}}` envelope and in the plain OAuth form.
///
/// With a refresh token at hand (configured, or returned with an earlier token) it uses the
/// refresh grant; when that fails and a client secret is known, it falls back to client
/// credentials.
pub(crate) struct OAuthSource {
    http: reqwest::Client,
    token_url: String,
    timeout: Duration,
    retry: RetryConfig,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    refresh_token: Mutex<Option<String>>,
}

impl OAuthSource {
    pub(crate) fn client_credentials(
        http: reqwest::Client,
        token_url: String,
        timeout: Duration,
        retry: RetryConfig,
        grant: ClientCredentials,
    ) -> Self {
        Self {
            http,
            token_url,
            timeout,
            retry,
            client_id: Some(grant.client_id),
            client_secret: Some(grant.client_secret),
            scope: grant.scope,
            refresh_token: Mutex::new(None),
        }
    }

    pub(crate) fn refresh_token(
        http: reqwest::Client,
        token_url: String,
        timeout: Duration,
        retry: RetryConfig,
        grant: RefreshTokenGrant,
    ) -> Self {
        Self {
            http,
            token_url,
            timeout,
            retry,
            client_id: grant.client_id,
            client_secret: grant.client_secret,
            scope: None,
            refresh_token: Mutex::new(Some(grant.refresh_token)),
        }
    }

    async fn obtain(&self) -> Result<AccessToken> {
        let refresh_token = self
            .refresh_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();

        if let Some(refresh_token) = refresh_token {
            let mut request = TokenRequest::refresh(refresh_token);
            request.client_id.clone_from(&self.client_id);
            request.client_secret.clone_from(&self.client_secret);
            match self.exchange(&request).await {
                Ok(token) => return Ok(token),
                Err(err) if self.client_secret.is_some() && self.client_id.is_some() => {
                    tracing::debug!(error = %err, "refresh grant failed; using client credentials");
                }
                Err(err) => return Err(err),
            }
        }

        let (Some(id), Some(secret)) = (&self.client_id, &self.client_secret) else {
            return Err(Error::auth(
                "no refresh token is left and no client credentials are configured",
            ));
        };
        let mut request = TokenRequest::client_credentials(id.clone(), secret.clone());
        request.scope.clone_from(&self.scope);
        self.exchange(&request).await
    }

    async fn exchange(&self, request: &TokenRequest) -> Result<AccessToken> {
        let (status, body) = self.post_with_retries(request).await?;
        if !(200..300).contains(&status) {
            return Err(token_error(status, &body));
        }

        let token = parse_token(&body).ok_or_else(|| Error::Auth {
            message: "token endpoint answered without a usable token".to_owned(),
            status: Some(status),
            code: None,
        })?;
        if let Some(rotated) = &token.refresh_token {
            *self
                .refresh_token
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(rotated.clone());
        }
        Ok(AccessToken::new(token.access_token).expires_in(Duration::from_secs(token.expires_in)))
    }
}

impl OAuthSource {
    /// Posts the token request, retrying unreachable endpoints and 502/503/504 answers
    /// (asking for a token twice is harmless) on the client's retry schedule.
    async fn post_with_retries(&self, request: &TokenRequest) -> Result<(u16, Bytes)> {
        let mut schedule = self.retry.schedule();
        loop {
            let outcome = self.post(request).await;
            let transient = match &outcome {
                Ok((status, _)) => matches!(status, 502..=504),
                Err(_) => true,
            };
            let delay = if transient {
                schedule.next_delay()
            } else {
                None
            };
            let Some(delay) = delay else {
                return outcome
                    .map_err(|err| Error::auth(format!("token endpoint unreachable: {err}")));
            };
            tracing::debug!(?delay, "token endpoint unavailable; retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn post(&self, request: &TokenRequest) -> reqwest::Result<(u16, Bytes)> {
        let response = self
            .http
            .post(&self.token_url)
            .json(request)
            .timeout(self.timeout)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.bytes().await?))
    }
}

impl TokenSource for OAuthSource {
    fn fetch(&self) -> TokenFuture<'_> {
        Box::pin(self.obtain())
    }
}

/// Reads a token answer in either form: `{"data": {...}}` or plain.
fn parse_token(body: &[u8]) -> Option<TokenResponse> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    if let Some(data) = value.get_mut("data").filter(|data| data.is_object()) {
        value = data.take();
    }
    serde_json::from_value(value).ok()
}

/// Reads a token endpoint error in either form: `{"error": {"code", ...}}` or
/// `{"error": "...", "error_description": ...}`.
fn token_error(status: u16, body: &[u8]) -> Error {
    #[derive(serde::Deserialize)]
    struct Enveloped {
        error: ApiErrorBody,
    }

    let (code, message) = if let Ok(enveloped) = serde_json::from_slice::<Enveloped>(body) {
        (enveloped.error.code, enveloped.error.message)
    } else if let Ok(plain) = serde_json::from_slice::<OAuthErrorBody>(body) {
        let message = plain.error_description.unwrap_or_default();
        (ErrorCode::from(plain.error), message)
    } else {
        return Error::Auth {
            message: format!("token endpoint answered HTTP {status}"),
            status: Some(status),
            code: None,
        };
    };
    Error::Auth {
        message: format!("token endpoint answered HTTP {status} {code}: {message}"),
        status: Some(status),
        code: Some(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers_are_read_with_and_without_the_envelope() {
        let plain = br#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#;
        let wrapped = br#"{"data":{"access_token":"a","token_type":"Bearer","expires_in":60}}"#;
        assert_eq!(parse_token(plain).map(|t| t.expires_in), Some(60));
        assert_eq!(
            parse_token(wrapped).map(|t| t.access_token),
            Some("a".to_owned())
        );
        assert!(parse_token(b"{}").is_none());
    }

    #[test]
    fn token_errors_are_read_in_both_forms() {
        let plain = token_error(
            401,
            br#"{"error":"invalid_client","error_description":"no"}"#,
        );
        assert_eq!(plain.code(), Some(&ErrorCode::InvalidClient));
        let wrapped = token_error(
            400,
            br#"{"error":{"code":"invalid_grant","message":"old"}}"#,
        );
        assert_eq!(wrapped.code(), Some(&ErrorCode::InvalidGrant));
        assert_eq!(wrapped.status(), Some(400));
        assert_eq!(token_error(502, b"<html>").code(), None);
    }
}
