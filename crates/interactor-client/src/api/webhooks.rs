//! `/webhooks/subscriptions`.

use crate::client::Client;
use crate::model::{CreateSubscriptionRequest, Subscription, SubscriptionList};
use crate::request::{Call, Request, data, empty};

use super::segment;

/// Webhook subscriptions; from [`Client::webhooks`].
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    client: &'a Client,
}

impl<'a> Webhooks<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `POST /webhooks/subscriptions`.
    pub fn create(&self, subscription: &CreateSubscriptionRequest) -> Request<Subscription> {
        let path = "/webhooks/subscriptions".to_owned();
        let call = Call::post("webhooks.create", path).json(subscription);
        Request::new(self.client, call, data)
    }

    /// `GET /webhooks/subscriptions`.
    pub fn list(&self) -> Request<Vec<Subscription>> {
        let call = Call::get("webhooks.list", "/webhooks/subscriptions".to_owned());
        Request::new(self.client, Ok(call), |body| {
            data::<SubscriptionList>(body).map(|list| list.subscriptions)
        })
    }

    /// `DELETE /webhooks/subscriptions/{id}`.
    pub fn delete(&self, subscription_id: &str) -> Request<()> {
        let path = format!("/webhooks/subscriptions/{}", segment(subscription_id));
        let call = Call::new("webhooks.delete", http::Method::DELETE, path);
        Request::new(self.client, Ok(call), empty)
    }
}
