//! `/workflows/errors`: error events across instances.

use chrono::{DateTime, Utc};

use crate::client::Client;
use crate::model::{ErrorList, ErrorRecord};
use crate::paginate::Paginated;
use crate::request::{Call, Request, data};

use super::history::timestamp;

/// Filters of an error query. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ErrorQuery {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    workflow_name: Option<String>,
    namespace: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl ErrorQuery {
    /// Every error.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only errors after `since`.
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Only errors before `until`.
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Only errors of one workflow.
    pub fn workflow_name(mut self, name: impl Into<String>) -> Self {
        self.workflow_name = Some(name.into());
        self
    }

    /// Only errors in one namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Errors per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts at this cursor.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    fn call(&self, cursor: Option<&str>) -> Call {
        Call::get("errors.list", "/workflows/errors".to_owned())
            .query_opt("since", self.since.map(timestamp))
            .query_opt("until", self.until.map(timestamp))
            .query_opt("workflow_name", self.workflow_name.as_ref())
            .query_opt("namespace", self.namespace.as_ref())
            .query_opt("limit", self.limit)
            .query_opt("cursor", cursor)
    }
}

/// Error events across instances; from [`Client::errors`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorEvents<'a> {
    client: &'a Client,
}

impl<'a> ErrorEvents<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `GET /workflows/errors`: one page.
    pub fn list(&self, query: &ErrorQuery) -> Request<ErrorList> {
        Request::new(self.client, Ok(query.call(query.cursor.as_deref())), data)
    }

    /// Every error matching `query`, across all pages, as a stream.
    pub fn stream(&self, query: ErrorQuery) -> Paginated<ErrorRecord> {
        let client = self.client.clone();
        let first = query.cursor.clone();
        Paginated::new(first, move |cursor| {
            let request: Request<ErrorList> =
                Request::new(&client, Ok(query.call(cursor.as_deref())), data);
            async move {
                let page = request.send().await?;
                Ok((page.errors, page.pagination))
            }
        })
    }
}
