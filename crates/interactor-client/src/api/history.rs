//! `/workflows/instances/{id}/history` and `/workflows/instances/{id}/events/{event_id}`.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::client::Client;
use crate::model::{HistoryEvent, HistoryEventType, HistoryPage};
use crate::paginate::Paginated;
use crate::request::{Call, Request, data};

use super::segment;

/// Filters of a history query. All optional; the default asks for everything.
///
/// ```
/// use interactor_client::HistoryQuery;
/// use interactor_client::model::HistoryEventType;
///
/// let query = HistoryQuery::new()
///     .types([HistoryEventType::Transition, HistoryEventType::Error])
///     .thread("thread_main")
///     .include_data(true)
///     .limit(500);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct HistoryQuery {
    types: Vec<HistoryEventType>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    thread: Option<String>,
    include_data: bool,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl HistoryQuery {
    /// Everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only events of these types.
    pub fn types(mut self, types: impl IntoIterator<Item = HistoryEventType>) -> Self {
        self.types = types.into_iter().collect();
        self
    }

    /// Only events after `since`.
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Only events before `until`.
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Only events of one thread.
    pub fn thread(mut self, thread_id: impl Into<String>) -> Self {
        self.thread = Some(thread_id.into());
        self
    }

    /// Includes `workflow_data` snapshots.
    pub fn include_data(mut self, include: bool) -> Self {
        self.include_data = include;
        self
    }

    /// Events per page (1..=1000; the server's default is 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts at this cursor (from an earlier page).
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    fn apply(&self, mut call: Call, cursor: Option<&str>) -> Call {
        if !self.types.is_empty() {
            let types: Vec<&str> = self.types.iter().map(HistoryEventType::as_str).collect();
            call = call.query("types", types.join(","));
        }
        call = call
            .query_opt("since", self.since.map(timestamp))
            .query_opt("until", self.until.map(timestamp))
            .query_opt("thread", self.thread.as_ref())
            .query_opt("limit", self.limit)
            .query_opt("cursor", cursor);
        if self.include_data {
            call = call.query("include_data", "true");
        }
        call
    }
}

pub(crate) fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Execution history of instances; from [`Client::history`].
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    client: &'a Client,
}

impl<'a> History<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `GET /workflows/instances/{id}/history`: one page of events.
    pub fn page(&self, instance_id: &str, query: &HistoryQuery) -> Request<HistoryPage> {
        let call = history_call(instance_id, query, query.cursor.as_deref());
        Request::new(self.client, Ok(call), data)
    }

    /// Every event matching `query`, across all pages, as a stream.
    ///
    /// ```no_run
    /// # async fn example(client: interactor_client::Client) -> interactor_client::Result<()> {
    /// use futures_util::StreamExt;
    /// use interactor_client::HistoryQuery;
    ///
    /// let mut events = client.history().stream("inst_xyz", HistoryQuery::new().limit(200));
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     println!("{} {}", event.id, event.kind);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(&self, instance_id: &str, query: HistoryQuery) -> Paginated<HistoryEvent> {
        let client = self.client.clone();
        let instance_id = instance_id.to_owned();
        let first = query.cursor.clone();
        Paginated::new(first, move |cursor| {
            let call = history_call(&instance_id, &query, cursor.as_deref());
            let request: Request<HistoryPage> = Request::new(&client, Ok(call), data);
            async move {
                let page = request.send().await?;
                Ok((page.events, page.pagination))
            }
        })
    }

    /// `GET /workflows/instances/{id}/events/{event_id}`: one event.
    pub fn event(&self, instance_id: &str, event_id: &str) -> Request<HistoryEvent> {
        Request::new(self.client, Ok(event_call(instance_id, event_id)), data)
    }

    /// Like [`event`](Self::event), with the `workflow_data` snapshot at that point.
    pub fn event_with_data(&self, instance_id: &str, event_id: &str) -> Request<HistoryEvent> {
        let call = event_call(instance_id, event_id).query("include_data", "true");
        Request::new(self.client, Ok(call), data)
    }
}

fn history_call(instance_id: &str, query: &HistoryQuery, cursor: Option<&str>) -> Call {
    let path = format!("/workflows/instances/{}/history", segment(instance_id));
    query.apply(
        Call::get("history.page", path).instance(instance_id),
        cursor,
    )
}

fn event_call(instance_id: &str, event_id: &str) -> Call {
    let path = format!(
        "/workflows/instances/{}/events/{}",
        segment(instance_id),
        segment(event_id)
    );
    Call::get("history.event", path).instance(instance_id)
}
