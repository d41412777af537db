//! Events the engine emits for webhook deliveries.

use interactor_client::model::{EventError, Instance, WebhookEventType};

/// Something that happened to an instance, with the instance as it stood right after.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineEvent {
    /// Which event.
    pub kind: WebhookEventType,
    /// The instance when the event happened.
    pub instance: Instance,
    /// Why the instance failed, on `workflow.instance.failed`.
    pub error: Option<EventError>,
}

/// Receives the engine's events. Called after the operation that caused them committed,
/// outside every engine lock, so an implementation may take its time (but should hand
/// slow work to a task of its own).
pub trait EventSink: Send + Sync {
    /// Takes one event.
    fn publish(&self, event: EngineEvent);

    /// Whether an event of `kind` about an instance in `namespace` would be used. Asked
    /// while the operation runs, so that the engine only takes a snapshot of the instance
    /// for events somebody listens to. Every event is wanted unless this says otherwise.
    fn wants(&self, kind: &WebhookEventType, namespace: &str) -> bool {
        let _ = (kind, namespace);
        true
    }
}
