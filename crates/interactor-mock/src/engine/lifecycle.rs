//! The namespace quota and the time-to-live of instances.
//!
//! Active instances (running or halted) are counted per namespace as their status
//! changes, so the quota check costs nothing however many instances exist. The TTL sweep
//! cancels instances that have stayed running or halted for longer than allowed, counted
//! from their last change, and runs whenever the clock moves or the server's ticker asks.

use std::sync::PoisonError;

use interactor_client::model::{ErrorCode, InstanceStatus};

use super::{CallContext, Engine, EngineError, read, run};

/// Whether an instance in `status` counts against its namespace's quota.
pub(super) fn is_active(status: &InstanceStatus) -> bool {
    matches!(status, InstanceStatus::Running | InstanceStatus::Halted)
}

impl Engine {
    /// Takes one place in `namespace`'s quota for an instance about to start.
    pub(super) fn reserve_active(&self, namespace: &str) -> Result<(), EngineError> {
        let limit = self.inner.config.max_active_per_namespace;
        let mut active = self
            .inner
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = active.entry(namespace.to_owned()).or_default();
        if *count >= limit {
            return Err(EngineError::new(
                ErrorCode::NamespaceQuotaExceeded,
                format!("Namespace '{namespace}' already has {limit} active instances"),
            )
            .with_details(serde_json::json!({ "namespace": namespace, "limit": limit })));
        }
        *count += 1;
        Ok(())
    }

    /// Adjusts the count after an instance's status changed.
    pub(super) fn track_active(&self, namespace: &str, was: bool, is: bool) {
        if was == is {
            return;
        }
        let mut active = self
            .inner
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = active.entry(namespace.to_owned()).or_default();
        if is {
            *count += 1;
        } else {
            *count = count.saturating_sub(1);
        }
    }

    /// Counts active instances again from scratch (after an import).
    pub(super) fn recount_active(&self) {
        let slots: Vec<_> = read(&self.inner.instances).values().cloned().collect();
        let mut counts = std::collections::HashMap::new();
        for slot in slots {
            let record = slot.lock();
            if is_active(&record.status) {
                *counts.entry(record.namespace.clone()).or_insert(0) += 1;
            }
        }
        *self
            .inner
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = counts;
    }

    /// Active instances in `namespace`.
    pub fn active_instances(&self, namespace: &str) -> usize {
        let active = self
            .inner
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        active.get(namespace).copied().unwrap_or(0)
    }

    /// Cancels every instance that outlived its TTL on the clock; returns how many.
    pub fn sweep_expired(&self) -> usize {
        let now = self.inner.clock.now();
        let slots: Vec<_> = read(&self.inner.instances).values().cloned().collect();
        let mut cancelled = 0;
        for slot in slots {
            let mut record = slot.lock();
            let ttl = match record.status {
                InstanceStatus::Running => self.inner.config.running_ttl,
                InstanceStatus::Halted => self.inner.config.halted_ttl,
                _ => continue,
            };
            if now - record.updated_at < ttl {
                continue;
            }
            tracing::debug!(instance_id = %record.id, "instance outlived its TTL");
            run::cancel(
                &self.inner,
                &mut record,
                "ttl_expired",
                &CallContext::default(),
            );
            let namespace = record.namespace.clone();
            let events = record.take_events();
            slot.bump(None);
            drop(record);

            self.track_active(&namespace, true, false);
            self.emit(events);
            cancelled += 1;
        }
        cancelled
    }
}
