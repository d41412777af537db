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
