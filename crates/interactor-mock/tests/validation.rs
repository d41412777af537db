//! Validation of raw workflow definitions: the reference's examples, every check with
//! its exact path and message, the limits at their boundaries, and robustness.

mod validation {
    pub(crate) mod document;
    pub(crate) mod examples;
    pub(crate) mod logic;
    pub(crate) mod presentation;
    pub(crate) mod robustness;
    pub(crate) mod support;
    pub(crate) mod transitions;
}

#[test]
fn names_that_collide_with_api_routes_are_reserved() {
    for name in interactor_mock::validate::RESERVED_NAMES {
        let definition = serde_json::json!({
            "name": name, "initial_state": "end", "states": { "end": { "type": "terminal" } }
        });

        let problems = interactor_mock::validate::validate_definition(&definition, 100);

        assert_eq!(problems.len(), 1, "{name}: {problems:?}");
        assert_eq!(problems[0].path, "name");
        assert!(problems[0].message.contains("reserved"));
    }
}
