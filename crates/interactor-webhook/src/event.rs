//! Typed webhook events: the envelope `{"event", "delivery_id", "timestamp", "data"}` and the
//! instance payload inside it.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The names of the events a subscription can ask for.
pub mod names {
    /// A new instance was started.
    pub const INSTANCE_CREATED: &str = "workflow.instance.created";
    /// An instance reached a halting state and waits for input.
    pub const INSTANCE_HALTED: &str = "workflow.instance.halted";
    /// A halted instance was resumed with input.
    pub const INSTANCE_RESUMED: &str = "workflow.instance.resumed";
    /// An instance reached a terminal state.
    pub const INSTANCE_COMPLETED: &str = "workflow.instance.completed";
    /// An instance stopped with an error.
    pub const INSTANCE_FAILED: &str = "workflow.instance.failed";
    /// An instance was cancelled.
    pub const INSTANCE_CANCELLED: &str = "workflow.instance.cancelled";
}

/// The kind of a webhook event, as named in `X-Interactor-Event` and the body's `event`.
///
/// Unknown names are kept in [`EventType::Unknown`] and round-trip unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// `workflow.instance.created`
    InstanceCreated,
    /// `workflow.instance.halted`
    InstanceHalted,
    /// `workflow.instance.resumed`
    InstanceResumed,
    /// `workflow.instance.completed`
    InstanceCompleted,
    /// `workflow.instance.failed`
    InstanceFailed,
    /// `workflow.instance.cancelled`
    InstanceCancelled,
    /// Any other event name.
    Unknown(String),
}

impl EventType {
    /// The six event types the API documents.
    pub const ALL: [EventType; 6] = [
        Self::InstanceCreated,
        Self::InstanceHalted,
        Self::InstanceResumed,
        Self::InstanceCompleted,
        Self::InstanceFailed,
        Self::InstanceCancelled,
    ];

    /// Maps a wire name to its type; names this crate does not know become
    /// [`EventType::Unknown`].
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            names::INSTANCE_CREATED => Self::InstanceCreated,
            names::INSTANCE_HALTED => Self::InstanceHalted,
            names::INSTANCE_RESUMED => Self::InstanceResumed,
            names::INSTANCE_COMPLETED => Self::InstanceCompleted,
            names::INSTANCE_FAILED => Self::InstanceFailed,
            names::INSTANCE_CANCELLED => Self::InstanceCancelled,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The wire name, e.g. `workflow.instance.halted`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::InstanceCreated => names::INSTANCE_CREATED,
            Self::InstanceHalted => names::INSTANCE_HALTED,
            Self::InstanceResumed => names::INSTANCE_RESUMED,
            Self::InstanceCompleted => names::INSTANCE_COMPLETED,
            Self::InstanceFailed => names::INSTANCE_FAILED,
            Self::InstanceCancelled => names::INSTANCE_CANCELLED,
            Self::Unknown(name) => name,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from_name(&name))
    }
}

/// A webhook event, as delivered in the body of a webhook POST.
///
/// The six documented events carry an [`InstanceEvent`]; any other event name parses into
/// [`Event::Unknown`], which keeps the raw JSON, so a new event type on the server never
/// breaks a receiver. Unknown fields are ignored. Serialising produces the wire envelope
/// `{"event", "delivery_id", "timestamp", "data"}`.
///
/// # Examples
///
/// ```
/// use interactor_webhook::Event;
///
/// let body = br#"{
///     "event": "workflow.instance.completed",
///     "delivery_id": "del_1",
///     "timestamp": "2026-01-20T12:05:00Z",
///     "data": {"instance_id": "inst_xyz", "workflow_name": "approval_workflow",
///              "workflow_data": {"amount": 5000}}
/// }"#;
///
/// let event: Event = serde_json::from_slice(body)?;
/// match &event {
///     Event::InstanceCompleted(completed) => {
///         assert_eq!(completed.data.instance_id, "inst_xyz");
///         assert_eq!(completed.data.workflow_data["amount"], 5000);
///     }
///     other => panic!("unexpected event {}", other.name()),
/// }
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `workflow.instance.created`
    InstanceCreated(InstanceEvent),
    /// `workflow.instance.halted`; `data.halting_presentation` describes the input wanted.
    InstanceHalted(InstanceEvent),
    /// `workflow.instance.resumed`
    InstanceResumed(InstanceEvent),
    /// `workflow.instance.completed`
    InstanceCompleted(InstanceEvent),
    /// `workflow.instance.failed`; `data.error` says why.
    InstanceFailed(InstanceEvent),
    /// `workflow.instance.cancelled`
    InstanceCancelled(InstanceEvent),
    /// An event name this crate does not know.
    Unknown(UnknownEvent),
}

/// The envelope and payload shared by the six instance events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InstanceEvent {
    /// The delivery id (`del_...`), the same for every retry of one delivery: the key to
    /// deduplicate business effects on.
    pub delivery_id: String,
    /// When the event happened, RFC 3339 UTC, as sent.
    pub timestamp: String,
    /// The instance the event is about.
    pub data: InstanceData,
}

impl InstanceEvent {
    /// An event envelope around `data`.
    #[must_use]
    pub fn new(
        delivery_id: impl Into<String>,
        timestamp: impl Into<String>,
        data: InstanceData,
    ) -> Self {
        Self {
            delivery_id: delivery_id.into(),
            timestamp: timestamp.into(),
            data,
        }
    }
}

/// The instance an event is about.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InstanceData {
    /// The instance id, `inst_...`.
    pub instance_id: String,
    /// The workflow the instance runs.
    #[serde(default)]
    pub workflow_name: String,
    /// The workflow version the instance runs, `v_...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The namespace the instance belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The state the instance is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// The instance's data at the time of the event.
    #[serde(default)]
    pub workflow_data: Map<String, Value>,
    /// What a halted instance presents to the person who resumes it (form, choice or
    /// message), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halting_presentation: Option<Value>,
    /// Why a failed instance failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<EventError>,
}

impl InstanceData {
    /// Payload for `instance_id` of `workflow_name`; the other fields start empty.
    #[must_use]
    pub fn new(instance_id: impl Into<String>, workflow_name: impl Into<String>) -> Self {
        Self {
            instance_id: instance_id.into(),
            workflow_name: workflow_name.into(),
            ..Self::default()
        }
    }
}

/// The error of a failed instance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventError {
    /// A machine-readable code, e.g. `script_error`.
    #[serde(default)]
    pub code: String,
    /// A description for people.
    #[serde(default)]
    pub message: String,
}

impl EventError {
    /// An error with `code` and `message`.
    #[must_use]
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An event whose name this crate does not know, kept as received (the fields are all
/// there; `event`, `delivery_id`, `timestamp` and `data` come first).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnknownEvent {
    /// The event name.
    pub event: String,
    /// The whole event object, including `event`.
    pub raw: Map<String, Value>,
}

impl UnknownEvent {
    /// The `delivery_id` field, if it is a string.
    #[must_use]
    pub fn delivery_id(&self) -> Option<&str> {
        self.raw.get("delivery_id").and_then(Value::as_str)
    }
}

impl Event {
    /// The event's type.
    #[must_use]
    pub fn event_type(&self) -> EventType {
        EventType::from_name(self.name())
    }

    /// The event's wire name, e.g. `workflow.instance.halted`.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::InstanceCreated(_) => names::INSTANCE_CREATED,
            Self::InstanceHalted(_) => names::INSTANCE_HALTED,
            Self::InstanceResumed(_) => names::INSTANCE_RESUMED,
            Self::InstanceCompleted(_) => names::INSTANCE_COMPLETED,
            Self::InstanceFailed(_) => names::INSTANCE_FAILED,
            Self::InstanceCancelled(_) => names::INSTANCE_CANCELLED,
            Self::Unknown(unknown) => &unknown.event,
        }
    }

    /// The envelope and payload of the six instance events; `None` for unknown events.
    #[must_use]
    pub fn instance_event(&self) -> Option<&InstanceEvent> {
        match self {
            Self::InstanceCreated(event)
            | Self::InstanceHalted(event)
            | Self::InstanceResumed(event)
            | Self::InstanceCompleted(event)
            | Self::InstanceFailed(event)
            | Self::InstanceCancelled(event) => Some(event),
            Self::Unknown(_) => None,
        }
    }

    /// The instance payload of the six instance events; `None` for unknown events.
    #[must_use]
    pub fn data(&self) -> Option<&InstanceData> {
        self.instance_event().map(|event| &event.data)
    }

    /// The delivery id from the body, when it has one.
    #[must_use]
    pub fn delivery_id(&self) -> Option<&str> {
        match self {
            Self::Unknown(unknown) => unknown.delivery_id(),
            known => known
                .instance_event()
                .map(|event| event.delivery_id.as_str()),
        }
    }

    /// Builds the event of type `event_type` around `payload`; `None` for
    /// [`EventType::Unknown`], which has no typed payload.
    #[must_use]
    pub fn from_parts(event_type: &EventType, payload: InstanceEvent) -> Option<Self> {
        Some(match event_type {
            EventType::InstanceCreated => Self::InstanceCreated(payload),
            EventType::InstanceHalted => Self::InstanceHalted(payload),
            EventType::InstanceResumed => Self::InstanceResumed(payload),
            EventType::InstanceCompleted => Self::InstanceCompleted(payload),
            EventType::InstanceFailed => Self::InstanceFailed(payload),
            EventType::InstanceCancelled => Self::InstanceCancelled(payload),
            EventType::Unknown(_) => return None,
        })
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown(unknown) => unknown.raw.serialize(serializer),
            known => {
                let Some(event) = known.instance_event() else {
                    return Err(serde::ser::Error::custom("event without payload"));
                };
                let mut map = serializer.serialize_map(Some(4))?;
                map.serialize_entry("event", known.name())?;
                map.serialize_entry("delivery_id", &event.delivery_id)?;
                map.serialize_entry("timestamp", &event.timestamp)?;
                map.serialize_entry("data", &event.data)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

/// Reads the envelope in one pass. When `event` comes before `data`, as the server sends
/// it, a known event's payload is parsed straight into [`InstanceData`]; otherwise `data` is
/// buffered as a JSON value first.
struct EventVisitor;

/// The `data` field as far as it has been read.
#[expect(
    clippy::large_enum_variant,
    reason = "a short-lived local; boxing would cost an allocation per event"
)]
enum DataSlot {
    Typed(InstanceData),
    Raw(Value),
}

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a webhook event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut event: Option<EventType> = None;
        // Kept as values until the event name says whether they must be strings.
        let mut delivery_id: Option<Value> = None;
        let mut timestamp: Option<Value> = None;
        let mut data: Option<DataSlot> = None;
        // Everything else, kept only in case the event turns out to be unknown.
        let mut rest = Map::new();

        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "event" => {
                    reject_duplicate(event.is_some(), "event")?;
                    event = Some(map.next_value()?);
                }
                "delivery_id" => {
                    reject_duplicate(delivery_id.is_some(), "delivery_id")?;
                    delivery_id = Some(map.next_value()?);
                }
                "timestamp" => {
                    reject_duplicate(timestamp.is_some(), "timestamp")?;
                    timestamp = Some(map.next_value()?);
                }
                "data" => {
                    reject_duplicate(data.is_some(), "data")?;
                    data = Some(match &event {
                        Some(EventType::Unknown(_)) | None => DataSlot::Raw(map.next_value()?),
                        Some(_) => DataSlot::Typed(map.next_value()?),
                    });
                }
                _ if matches!(event, Some(EventType::Unknown(_)) | None) => {
                    rest.insert(key.into_owned(), map.next_value()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }

        let event = event.ok_or_else(|| de::Error::missing_field("event"))?;
        if let EventType::Unknown(name) = event {
            return Ok(Event::Unknown(unknown_event(
                name,
                delivery_id,
                timestamp,
                data,
                rest,
            )));
        }

        let data = match data.ok_or_else(|| de::Error::missing_field("data"))? {
            DataSlot::Typed(data) => data,
            DataSlot::Raw(raw) => InstanceData::deserialize(raw).map_err(de::Error::custom)?,
        };
        let payload = InstanceEvent {
            delivery_id: required_string(delivery_id, "delivery_id")?,
            timestamp: required_string(timestamp, "timestamp")?,
            data,
        };
        Event::from_parts(&event, payload)
            .ok_or_else(|| de::Error::custom("unknown event without payload"))
    }
}

fn reject_duplicate<E: de::Error>(seen: bool, field: &'static str) -> Result<(), E> {
    if seen {
        Err(E::duplicate_field(field))
    } else {
        Ok(())
    }
}

fn required_string<E: de::Error>(value: Option<Value>, field: &'static str) -> Result<String, E> {
    match value {
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(E::custom(format_args!(
            "field `{field}` must be a string, found {other}"
        ))),
        None => Err(E::missing_field(field)),
    }
}

/// Reassembles the object of an event whose name is unknown.
fn unknown_event(
    name: String,
    delivery_id: Option<Value>,
    timestamp: Option<Value>,
    data: Option<DataSlot>,
    rest: Map<String, Value>,
) -> UnknownEvent {
    let mut raw = Map::new();
    raw.insert("event".to_owned(), Value::String(name.clone()));
    if let Some(delivery_id) = delivery_id {
        raw.insert("delivery_id".to_owned(), delivery_id);
    }
    if let Some(timestamp) = timestamp {
        raw.insert("timestamp".to_owned(), timestamp);
    }
    // A typed slot is only filled for a known event name, so unknown events hold raw data.
    if let Some(DataSlot::Raw(data)) = data {
        raw.insert("data".to_owned(), data);
    }
    raw.extend(rest);
    UnknownEvent { event: name, raw }
}
