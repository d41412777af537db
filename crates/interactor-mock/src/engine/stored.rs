//! The compact form history events are kept in.
//!
//! The wire type [`HistoryEvent`] has a slot for every field any event may carry; most of
//! them are empty on any one event, and its strings repeat from event to event (thread
//! ids, state names, subtypes). An instance keeps its events for as long as it lives, so
//! they are stored differently:
//!
//! - the fields every read filters or pages on (id, family, time, thread) and the common
//!   ones (subtype, state) sit inline, names shared through [`Names`];
//! - the rarely present fields are a short list of [`Extra`]s;
//! - JSON values (inputs, changes, `workflow_data` snapshots) are kept as their compact
//!   serialisation ([`Packed`]), which is several times smaller than a `serde_json::Map`.
//!
//! The wire event is built again when a page is read, identical to the one recorded.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use interactor_client::model::{Changes, EventError, HistoryEvent, HistoryEventType, Trigger};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Shared copies of the names events repeat: states, threads, subtypes, families.
///
/// Names come from definitions, imported states and the engine itself, so the set stays
/// small; it is emptied when the engine is reset (names still in use stay valid). Almost
/// every lookup finds its name, so lookups share a read lock.
#[derive(Debug, Default)]
pub(crate) struct Names {
    set: RwLock<HashSet<Arc<str>>>,
}

impl Names {
    /// The shared copy of `name`.
    pub(crate) fn intern(&self, name: &str) -> Arc<str> {
        let known = self.set.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = known.get(name) {
            return Arc::clone(found);
        }
        drop(known);
        let mut set = self.set.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = set.get(name) {
            return Arc::clone(found);
        }
        let shared: Arc<str> = Arc::from(name);
        set.insert(Arc::clone(&shared));
        shared
    }

    /// Forgets every name.
    pub(crate) fn clear(&self) {
        self.set
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// Whether a value holds a floating-point number anywhere: only those can fail to read
/// back from JSON text bit for bit; strings, integers, booleans and nulls always do.
pub(crate) trait HasFloat {
    fn has_float(&self) -> bool;
}

impl HasFloat for Value {
    fn has_float(&self) -> bool {
        match self {
            Value::Number(n) => n.is_f64(),
            Value::Array(items) => items.iter().any(HasFloat::has_float),
            Value::Object(map) => map.has_float(),
            Value::Null | Value::Bool(_) | Value::String(_) => false,
        }
    }
}

impl HasFloat for Map<String, Value> {
    fn has_float(&self) -> bool {
        self.values().any(HasFloat::has_float)
    }
}

impl HasFloat for Changes {
    fn has_float(&self) -> bool {
        self.added.has_float()
            || self.removed.has_float()
            || self
                .updated
                .values()
                .any(|c| c.from.has_float() || c.to.has_float())
    }
}

/// A value kept as its compact JSON text, or as itself when the text would not read back
/// identical (a float that does not survive the round trip).
#[derive(Clone, Debug)]
pub(crate) enum Packed<T> {
    Json(Box<str>),
    Typed(Box<T>),
}

impl<T: Serialize + DeserializeOwned + PartialEq + Clone + Default + HasFloat> Packed<T> {
    pub(crate) fn new(value: T) -> Self {
        if let Ok(text) = serde_json::to_string(&value) {
            // A float is kept as text only when it reads back identical.
            let exact = !value.has_float()
                || serde_json::from_str::<T>(&text).is_ok_and(|back| back == value);
            if exact {
                return Self::Json(text.into_boxed_str());
            }
        }
        Self::Typed(Box::new(value))
    }

    /// The value. Text is only kept when it reads back identical, so the fallback to the
    /// default is never taken.
    pub(crate) fn get(&self) -> T {
        match self {
            Self::Json(text) => serde_json::from_str(text).unwrap_or_default(),
            Self::Typed(value) => (**value).clone(),
        }
    }
}

/// A `workflow_data` snapshot, shared by the consecutive events recorded with it.
pub(crate) type Snapshot = Arc<Packed<Map<String, Value>>>;

/// An event id: the engine's own `evt_` + 12 + 10 hex digits as two numbers, any other
/// (from an imported state) as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EventId {
    Sortable { ms: u64, seq: u64 },
    Other(Box<str>),
}

impl EventId {
    pub(crate) fn new(id: String) -> Self {
        let hex = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                .then(|| u64::from_str_radix(s, 16).ok())
                .flatten()
        };
        let parsed = id
            .strip_prefix("evt_")
            .filter(|rest| rest.len() == 22)
            .and_then(|rest| Some((hex(rest.get(..12)?)?, hex(rest.get(12..)?)?)));
        match parsed {
            Some((ms, seq)) => Self::Sortable { ms, seq },
            None => Self::Other(id.into_boxed_str()),
        }
    }

    /// The id as the wire shows it.
    pub(crate) fn render(&self) -> String {
        match self {
            Self::Sortable { ms, seq } => format!("evt_{ms:012x}{seq:010x}"),
            Self::Other(id) => id.to_string(),
        }
    }
}

/// A field most events do not have.
#[derive(Clone, Debug)]
pub(crate) enum Extra {
    InitialState(Arc<str>),
    FromState(Arc<str>),
    ToState(Arc<str>),
    Trigger(Arc<str>),
    Changes(Packed<Changes>),
    Logic(Arc<str>),
    DurationMs(u64),
    Logs(Box<[String]>),
    HttpStatus(u16),
    Input(Packed<Value>),
    Error(Box<EventError>),
}

/// A history event as the engine keeps it, with the `workflow_data` it was recorded with.
#[derive(Clone, Debug)]
pub(crate) struct StoredEvent {
    pub(crate) id: EventId,
    pub(crate) timestamp: DateTime<Utc>,
    /// The family, as the wire names it.
    kind: Arc<str>,
    pub(crate) thread: Option<Arc<str>>,
    subtype: Option<Arc<str>>,
    state: Option<Arc<str>>,
    extras: Box<[Extra]>,
    data: Snapshot,
}

impl StoredEvent {
    /// Packs `event` (its `workflow_data` is ignored: `data` is the snapshot).
    pub(crate) fn pack(event: HistoryEvent, data: Snapshot, names: &Names) -> Self {
        let HistoryEvent {
            id,
            kind,
            subtype,
            timestamp,
            thread,
            state,
            initial_state,
            from_state,
            to_state,
            trigger,
            changes,
            logic,
            duration_ms,
            logs,
            http_status,
            input,
            error,
            workflow_data: _,
        } = event;
        let name = |s: Option<String>| s.map(|s| names.intern(&s));

        let mut extras = Vec::new();
        extras.extend(name(initial_state).map(Extra::InitialState));
        extras.extend(name(from_state).map(Extra::FromState));
        extras.extend(name(to_state).map(Extra::ToState));
        extras.extend(trigger.map(|t| Extra::Trigger(names.intern(t.as_str()))));
        extras.extend(changes.map(|c| Extra::Changes(Packed::new(c))));
        extras.extend(name(logic).map(Extra::Logic));
        extras.extend(duration_ms.map(Extra::DurationMs));
        if !logs.is_empty() {
            extras.push(Extra::Logs(logs.into_boxed_slice()));
        }
        extras.extend(http_status.map(Extra::HttpStatus));
        extras.extend(input.map(|i| Extra::Input(Packed::new(i))));
        extras.extend(error.map(|e| Extra::Error(Box::new(e))));

        Self {
            id: EventId::new(id),
            timestamp,
            kind: names.intern(kind.as_str()),
            thread: name(thread),
            subtype: name(subtype),
            state: name(state),
            extras: extras.into_boxed_slice(),
            data,
        }
    }

    /// Whether the event is of family `kind`.
    pub(crate) fn is(&self, kind: &HistoryEventType) -> bool {
        *self.kind == *kind.as_str()
    }

    /// The event as the wire shows it, with its `workflow_data` snapshot when asked for.
    pub(crate) fn unpack(&self, include_data: bool) -> HistoryEvent {
        let text = |s: &Option<Arc<str>>| s.as_deref().map(str::to_owned);
        let mut event = blank_event(
            self.id.render(),
            HistoryEventType::from(&*self.kind),
            self.timestamp,
        );
        event.subtype = text(&self.subtype);
        event.thread = text(&self.thread);
        event.state = text(&self.state);
        for extra in &self.extras {
            match extra {
                Extra::InitialState(s) => event.initial_state = Some(s.to_string()),
                Extra::FromState(s) => event.from_state = Some(s.to_string()),
                Extra::ToState(s) => event.to_state = Some(s.to_string()),
                Extra::Trigger(t) => event.trigger = Some(Trigger::from(&**t)),
                Extra::Changes(c) => event.changes = Some(c.get()),
                Extra::Logic(s) => event.logic = Some(s.to_string()),
                Extra::DurationMs(d) => event.duration_ms = Some(*d),
                Extra::Logs(logs) => event.logs = logs.to_vec(),
                Extra::HttpStatus(s) => event.http_status = Some(*s),
                Extra::Input(i) => event.input = Some(i.get()),
                Extra::Error(e) => event.error = Some((**e).clone()),
            }
        }
        if include_data {
            event.workflow_data = Some(Value::Object(self.data.get()));
        }
        event
    }
}

/// An event with only its id, kind and time set.
pub(crate) fn blank_event(
    id: String,
    kind: HistoryEventType,
    timestamp: DateTime<Utc>,
) -> HistoryEvent {
    HistoryEvent {
        id,
        kind,
        subtype: None,
        timestamp,
        thread: None,
        state: None,
        initial_state: None,
        from_state: None,
        to_state: None,
        trigger: None,
        changes: None,
        logic: None,
        duration_ms: None,
        logs: Vec::new(),
        http_status: None,
        input: None,
        error: None,
        workflow_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_event() -> HistoryEvent {
        let mut changes = Changes::default();
        changes
            .added
            .insert("amount".to_owned(), serde_json::json!(0.1 + 0.2));
        changes
            .removed
            .insert("gone".to_owned(), serde_json::json!([1, "x"]));
        HistoryEvent {
            id: "evt_00018f2a3b4c0000000042".to_owned(),
            kind: HistoryEventType::Transition,
            subtype: Some("state_change".to_owned()),
            timestamp: Utc::now(),
            thread: Some("thread_main".to_owned()),
            state: Some("review".to_owned()),
            initial_state: Some("start".to_owned()),
            from_state: Some("review".to_owned()),
            to_state: Some("done".to_owned()),
            trigger: Some(Trigger::Resume),
            changes: Some(changes),
            logic: Some("script".to_owned()),
            duration_ms: Some(12),
            logs: vec!["one".to_owned(), "two".to_owned()],
            http_status: Some(201),
            input: Some(serde_json::json!({ "b": 1, "a": { "z": null, "y": 1e300 } })),
            error: Some(EventError {
                code: "script_error".to_owned(),
                message: "boom".to_owned(),
            }),
            workflow_data: None,
        }
    }

    #[test]
    fn a_packed_event_unpacks_to_the_event_it_was_made_from() {
        let names = Names::default();
        let data = serde_json::json!({ "k": "v", "f": 2.5 });
        let map = data.as_object().cloned().unwrap();
        let event = full_event();
        let stored = StoredEvent::pack(event.clone(), Arc::new(Packed::new(map)), &names);

        assert_eq!(stored.unpack(false), event);
        let with_data = stored.unpack(true);
        assert_eq!(with_data.workflow_data, Some(data));
    }

    #[test]
    fn a_bare_event_unpacks_without_extras() {
        let names = Names::default();
        let mut event = full_event();
        event.id = "evt_imported-elsewhere".to_owned();
        event.kind = HistoryEventType::Unknown("audit".to_owned());
        event.subtype = None;
        event.thread = None;
        event.state = None;
        event.initial_state = None;
        event.from_state = None;
        event.to_state = None;
        event.trigger = Some(Trigger::Unknown("timer".to_owned()));
        event.changes = None;
        event.logic = None;
        event.duration_ms = None;
        event.logs = Vec::new();
        event.http_status = None;
        event.input = None;
        event.error = None;
        let stored = StoredEvent::pack(event.clone(), Arc::new(Packed::new(Map::new())), &names);

        assert_eq!(stored.unpack(false), event);
        assert!(stored.is(&HistoryEventType::Unknown("audit".to_owned())));
    }

    #[test]
    fn engine_event_ids_are_kept_as_numbers_and_render_back_unchanged() {
        let id = "evt_00018f2a3b4c00000000ff";
        let parsed = EventId::new(id.to_owned());
        assert!(matches!(parsed, EventId::Sortable { .. }));
        assert_eq!(parsed.render(), id);
        let upper = "evt_00018F2A3B4C00000000FF";
        assert_eq!(EventId::new(upper.to_owned()).render(), upper);
    }

    #[test]
    fn plain_json_is_kept_as_text() {
        let packed = Packed::new(serde_json::json!({ "id": "req_1", "amount": 5000 }));
        assert!(matches!(packed, Packed::Json(_)));
        assert_eq!(
            packed.get(),
            serde_json::json!({ "id": "req_1", "amount": 5000 })
        );
    }

    #[test]
    fn names_are_shared() {
        let names = Names::default();
        let a = names.intern("thread_main");
        let b = names.intern("thread_main");
        assert!(Arc::ptr_eq(&a, &b));
    }
}
