//! `/oauth/revoke`.

use crate::client::Client;
use crate::model::RevokeRequest;
use crate::request::{Call, Replay, Request, empty};

/// Token management; from [`Client::tokens`].
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    client: &'a Client,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `POST {auth_base_url}/oauth/revoke`: revokes an access or refresh token (RFC 7009;
    /// revoking twice is fine, so the call is retried like a read).
    pub fn revoke(&self, token: impl Into<String>) -> Request<()> {
        let url = format!("{}/oauth/revoke", self.client.transport().auth_base_url);
        let body = RevokeRequest {
            token: token.into(),
            token_type_hint: None,
        };
        let mut call = Call::post("tokens.revoke", url).replay(Replay::Safe);
        call.absolute = true;
        Request::new(self.client, call.json(&body), empty)
    }
}
