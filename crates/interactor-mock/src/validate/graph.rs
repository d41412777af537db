//! Which states can be reached: from the initial state, and from the forks.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// Reachability facts about the states of one definition.
#[derive(Debug)]
pub(super) struct Graph<'d> {
    /// States reachable from the initial state; `None` when the initial state is unknown
    /// (its own problem is reported elsewhere, and every state would look unreachable).
    from_initial: Option<HashSet<&'d str>>,
    /// States reachable from the branches of any parallel state.
    after_fork: HashSet<&'d str>,
}

impl<'d> Graph<'d> {
    pub(super) fn new(states: &'d Map<String, Value>, initial_state: Option<&str>) -> Self {
        let from_initial = initial_state
            .filter(|name| states.contains_key(*name))
            .map(|name| reachable(states, [name]));

        let fork_branches: Vec<&str> = states
            .values()
            .filter(|state| {
                state.get("transition_mode").and_then(Value::as_str) == Some("parallel")
            })
            .flat_map(targets)
            .collect();
        let after_fork = reachable(states, fork_branches);

        Self {
            from_initial,
            after_fork,
        }
    }

    /// Whether `state` is reachable from the initial state (`true` when unknown).
    pub(super) fn is_reachable(&self, state: &str) -> bool {
        self.from_initial
            .as_ref()
            .is_none_or(|reachable| reachable.contains(state))
    }

    /// Whether `state` is reachable from some parallel state's branches.
    pub(super) fn follows_a_fork(&self, state: &str) -> bool {
        self.after_fork.contains(state)
    }
}

/// The names a state's transitions lead to, whichever form they are written in.
fn targets(state: &Value) -> impl Iterator<Item = &str> {
    state
        .get("transitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|transition| ["target", "to"].map(|key| transition.get(key)))
        .flatten()
        .filter_map(Value::as_str)
}

/// Every existing state reachable from `starts` (the starts included).
fn reachable<'d, 's>(
    states: &'d Map<String, Value>,
    starts: impl IntoIterator<Item = &'s str>,
) -> HashSet<&'d str> {
    let mut seen = HashSet::new();
    let mut queue: Vec<&str> = Vec::new();
    for start in starts {
        if let Some((name, _)) = states.get_key_value(start)
            && seen.insert(name.as_str())
        {
            queue.push(name);
        }
    }

    while let Some(current) = queue.pop() {
        let Some(state) = states.get(current) else {
            continue;
        };
        for target in targets(state) {
            if let Some((name, _)) = states.get_key_value(target)
                && seen.insert(name.as_str())
            {
                queue.push(name);
            }
        }
    }
    seen
}
