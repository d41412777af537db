//! A `Stream` over every item of a cursor-paged list.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::Result;
use crate::model::Pagination;

/// Every item of a paged list, fetched page by page as the stream is polled.
///
/// The stream ends after the last page, or after yielding the first error. Consume it with
/// `futures_util::StreamExt` (`next`, `try_collect`, ...).
#[must_use = "streams do nothing unless polled"]
pub struct Paginated<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> fmt::Debug for Paginated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginated").finish_non_exhaustive()
    }
}

impl<T> Stream for Paginated<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

enum Cursor {
    First(Option<String>),
    Next(String),
    Done,
}

impl<T: Send + 'static> Paginated<T> {
    /// Pages with `fetch(cursor)` until a page says there is no more.
    pub(crate) fn new<F, Fut>(first_cursor: Option<String>, fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(Vec<T>, Pagination)>> + Send,
    {
        let state = (fetch, VecDeque::new(), Cursor::First(first_cursor));
        let stream =
            futures_util::stream::unfold(state, |(mut fetch, mut buffer, mut cursor)| async move {
                loop {
                    if let Some(item) = buffer.pop_front() {
                        return Some((Ok(item), (fetch, buffer, cursor)));
                    }
                    let requested = match cursor {
                        Cursor::First(first) => first,
                        Cursor::Next(next) => Some(next),
                        Cursor::Done => return None,
                    };
                    match fetch(requested.clone()).await {
                        Ok((items, pagination)) => {
                            buffer.extend(items);
                            cursor = next_cursor(requested, pagination);
                        }
                        Err(err) => return Some((Err(err), (fetch, buffer, Cursor::Done))),
                    }
                }
            });
        Self {
            inner: Box::pin(stream),
        }
    }
}

/// Where to continue; a page that points back at itself ends the stream instead of looping.
fn next_cursor(requested: Option<String>, pagination: Pagination) -> Cursor {
    match pagination.next_cursor {
        Some(next) if pagination.has_more && requested.as_ref() != Some(&next) => {
            Cursor::Next(next)
        }
        Some(_) if pagination.has_more => {
            tracing::debug!("a page pointed at itself; stopping");
            Cursor::Done
        }
        _ => Cursor::Done,
    }
}
