//! Reading history: pages of an instance's events, single events, and the error events
//! of every instance.
//!
//! Events are append-only and their ids sort in creation order, so a cursor is simply the
//! id of the last event a page returned: the next page starts after it. Cursors are
//! hex-encoded so that callers treat them as opaque. `since` is inclusive and `until`
//! exclusive, so that consecutive windows neither overlap nor leave gaps.

use chrono::{DateTime, Utc};
use interactor_client::model::{
    ErrorCode, ErrorList, ErrorRecord, HistoryEvent, HistoryEventType, HistoryPage, Pagination,
};

use super::records::InstanceRecord;
use super::stored::{EventId, StoredEvent};
use super::{Engine, EngineError, read};

/// Events per page unless the caller says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// The most events one page may hold.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Filters and paging of [`Engine::history`].
#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    /// Events per page (1 to 1000; default 100).
    pub limit: Option<usize>,
    /// Where to continue, from a previous page.
    pub cursor: Option<String>,
    /// Only events of these families.
    pub types: Vec<HistoryEventType>,
    /// Only events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only events of this thread.
    pub thread: Option<String>,
    /// Attach the `workflow_data` snapshot to each event.
    pub include_data: bool,
}

/// Filters and paging of [`Engine::errors`].
#[derive(Clone, Debug, Default)]
pub struct ErrorQuery {
    /// Errors per page (1 to 1000; default 100).
    pub limit: Option<usize>,
    /// Where to continue, from a previous page.
    pub cursor: Option<String>,
    /// Only errors at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only errors before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only errors of instances of this workflow.
    pub workflow_name: Option<String>,
    /// Only errors of instances in this namespace.
    pub namespace: Option<String>,
}

/// A cursor for the page after `event_id`.
fn encode_cursor(event_id: &str) -> String {
    hex::encode(event_id)
}

/// The event id a cursor continues after.
///
/// # Errors
///
/// `invalid_request` for anything this module did not make.
pub(crate) fn decode_cursor(cursor: &str) -> Result<String, EngineError> {
    hex::decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|id| id.starts_with("evt_") && id.len() < 64)
        .ok_or_else(|| {
            EngineError::new(
                ErrorCode::InvalidRequest,
                "The cursor is not one this server issued",
            )
            .with_details(serde_json::json!({ "path": "cursor" }))
        })
}

/// The page size to use.
///
/// # Errors
///
/// `invalid_request` outside 1..=1000.
pub(crate) fn page_size(limit: Option<usize>) -> Result<usize, EngineError> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(n) => Err(EngineError::new(
            ErrorCode::InvalidRequest,
            format!("limit must be between 1 and {MAX_PAGE_SIZE}, not {n}"),
        )
        .with_details(serde_json::json!({ "path": "limit" }))),
    }
}

fn in_window(
    event: &StoredEvent,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> bool {
    since.is_none_or(|s| event.timestamp >= s) && until.is_none_or(|u| event.timestamp < u)
}

/// Takes up to `size` items after `after`, and says whether more follow.
fn page<T>(
    items: impl Iterator<Item = (String, T)>,
    after: Option<&str>,
    size: usize,
) -> (Vec<T>, Pagination) {
    let mut items = items
        .skip_while(|(id, _)| after.is_some_and(|a| id.as_str() <= a))
        .peekable();
    let mut taken = Vec::with_capacity(size.min(64));
    let mut last = None;
    while taken.len() < size {
        let Some((id, item)) = items.next() else {
            break;
        };
        last = Some(id);
        taken.push(item);
    }
    let has_more = items.peek().is_some();
    let next_cursor = if has_more {
        last.as_deref().map(encode_cursor)
    } else {
        None
    };
    (
        taken,
        Pagination {
            has_more,
            next_cursor,
        },
    )
}

impl Engine {
    /// One page of an instance's history.
    ///
    /// # Errors
    ///
    /// `instance_not_found`, or `invalid_request` for a bad limit or cursor.
    pub fn history(&self, id: &str, query: &HistoryQuery) -> Result<HistoryPage, EngineError> {
        let size = page_size(query.limit)?;
        let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let slot = self.slot(id)?;
        let record = slot.lock();

        let matching = record.events.iter().filter(|stored| {
            (query.types.is_empty() || query.types.iter().any(|kind| stored.is(kind)))
                && query
                    .thread
                    .as_ref()
                    .is_none_or(|t| stored.thread.as_deref() == Some(t.as_str()))
                && in_window(stored, query.since, query.until)
        });
        // Events are unpacked only once they are on the page.
        let (taken, pagination) = page(
            matching.map(|stored| (stored.id.render(), stored)),
            after.as_deref(),
            size,
        );
        let events = taken
            .into_iter()
            .map(|stored| stored.unpack(query.include_data))
            .collect();
        Ok(HistoryPage {
            instance_id: record.id.clone(),
            workflow_id: Some(record.workflow_id.clone()),
            status: record.status.clone(),
            events,
            pagination,
        })
    }

    /// One event of an instance.
    ///
    /// # Errors
    ///
    /// `instance_not_found` or `event_not_found`.
    pub fn event(
        &self,
        id: &str,
        event_id: &str,
        include_data: bool,
    ) -> Result<HistoryEvent, EngineError> {
        let slot = self.slot(id)?;
        let record = slot.lock();
        let wanted = EventId::new(event_id.to_owned());
        record
            .events
            .iter()
            .find(|stored| stored.id == wanted)
            .map(|stored| stored.unpack(include_data))
            .ok_or_else(|| {
                EngineError::new(
                    ErrorCode::EventNotFound,
                    format!("Event '{event_id}' not found in instance '{id}'"),
                )
            })
    }

    /// Error events of every instance accepted by `visible`, oldest first.
    ///
    /// # Errors
    ///
    /// `invalid_request` for a bad limit or cursor.
    pub fn errors(
        &self,
        query: &ErrorQuery,
        visible: impl Fn(&str) -> bool,
    ) -> Result<ErrorList, EngineError> {
        let size = page_size(query.limit)?;
        let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let slots: Vec<_> = read(&self.inner.instances).values().cloned().collect();

        let mut records = Vec::new();
        for slot in &slots {
            let record = slot.lock();
            let wanted = visible(&record.namespace)
                && query
                    .namespace
                    .as_ref()
                    .is_none_or(|ns| *ns == record.namespace)
                && query
                    .workflow_name
                    .as_ref()
                    .is_none_or(|w| *w == record.workflow_name);
            if wanted {
                records.extend(error_records(&record, query));
            }
        }
        records.sort_by(|a, b| a.event.id.cmp(&b.event.id));

        let (errors, pagination) = page(
            records.into_iter().map(|r| (r.event.id.clone(), r)),
            after.as_deref(),
            size,
        );
        Ok(ErrorList { errors, pagination })
    }
}

fn error_records<'a>(
    record: &'a InstanceRecord,
    query: &'a ErrorQuery,
) -> impl Iterator<Item = ErrorRecord> + 'a {
    record
        .events
        .iter()
        .filter(|stored| stored.is(&HistoryEventType::Error))
        .filter(|stored| in_window(stored, query.since, query.until))
        .map(|stored| ErrorRecord {
            instance_id: record.id.clone(),
            workflow_name: Some(record.workflow_name.clone()),
            namespace: Some(record.namespace.clone()),
            event: stored.unpack(false),
        })
}
