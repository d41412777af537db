//! Transition conditions.
//!
//! A condition has five wire forms; [`Condition`] has one variant per form and writes each
//! back in the form it was read:
//!
//! | form | wire |
//! |---|---|
//! | [`Condition::Equals`] | `{"field": "approved", "equals": true}` |
//! | [`Condition::NotEquals`] | `{"field": "status", "not_equals": "rejected"}` |
//! | [`Condition::Compare`] | `{"field": "amount", "operator": "gt", "value": 1000}` |
//! | [`Condition::And`] | `{"and": [...]}` |
//! | [`Condition::Or`] | `{"or": [...]}` |

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// When a transition is taken. Fields are dotted paths into `workflow_data`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The field equals the value.
    Equals {
        /// Dotted path into `workflow_data`.
        field: String,
        /// The value to compare with.
        value: Value,
    },
    /// The field does not equal the value.
    NotEquals {
        /// Dotted path into `workflow_data`.
        field: String,
        /// The value to compare with.
        value: Value,
    },
    /// The field compares with the value by an operator.
    Compare {
        /// Dotted path into `workflow_data`.
        field: String,
        /// How to compare.
        operator: Operator,
        /// The value to compare with.
        value: Value,
    },
    /// Every inner condition holds.
    And(Vec<Condition>),
    /// At least one inner condition holds.
    Or(Vec<Condition>),
}

/// Comparison operators of the `{"field", "operator", "value"}` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// The string field contains the value.
    Contains,
    /// The field is one of the values of an array.
    In,
    /// Exact match (also written in the `{"field", "equals"}` form).
    Equals,
    /// Not equal (also written in the `{"field", "not_equals"}` form).
    NotEquals,
}

impl Operator {
    /// The operator as written on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gt => "gt",
            Self::Gte => "gte",
            Self::Lt => "lt",
            Self::Lte => "lte",
            Self::Contains => "contains",
            Self::In => "in",
            Self::Equals => "equals",
            Self::NotEquals => "not_equals",
        }
    }
}

impl Condition {
    /// `{"field": field, "equals": value}`
    pub fn equals(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::Equals {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `{"field": field, "not_equals": value}`
    pub fn not_equals(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::NotEquals {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `{"field": field, "operator": operator, "value": value}`
    pub fn compare(field: impl Into<String>, operator: Operator, value: impl Into<Value>) -> Self {
        Self::Compare {
            field: field.into(),
            operator,
            value: value.into(),
        }
    }

    /// The field is greater than `value`.
    pub fn gt(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(field, Operator::Gt, value)
    }

    /// The field is greater than or equal to `value`.
    pub fn gte(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(field, Operator::Gte, value)
    }

    /// The field is less than `value`.
    pub fn lt(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(field, Operator::Lt, value)
    }

    /// The field is less than or equal to `value`.
    pub fn lte(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(field, Operator::Lte, value)
    }

    /// The string field contains `value`.
    pub fn contains(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::compare(field, Operator::Contains, value)
    }

    /// The field is one of `values`.
    pub fn one_of<V: Into<Value>>(
        field: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let values = values.into_iter().map(Into::into).collect::<Vec<_>>();
        Self::compare(field, Operator::In, Value::Array(values))
    }

    /// Every condition holds.
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Self::And(conditions.into_iter().collect())
    }

    /// At least one condition holds.
    pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Self::Or(conditions.into_iter().collect())
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Equals { field, value } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("field", field)?;
                map.serialize_entry("equals", value)?;
                map.end()
            }
            Self::NotEquals { field, value } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("field", field)?;
                map.serialize_entry("not_equals", value)?;
                map.end()
            }
            Self::Compare {
                field,
                operator,
                value,
            } => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("field", field)?;
                map.serialize_entry("operator", operator)?;
                map.serialize_entry("value", value)?;
                map.end()
            }
            Self::And(conditions) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("and", conditions)?;
                map.end()
            }
            Self::Or(conditions) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("or", conditions)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Value::Object(mut map) = Value::deserialize(deserializer)? else {
            return Err(D::Error::custom("a condition must be a JSON object"));
        };
        Self::from_map(&mut map).map_err(D::Error::custom)
    }
}

impl Condition {
    fn from_map(map: &mut Map<String, Value>) -> Result<Self, String> {
        if let Some(inner) = map.remove("and") {
            return Ok(Self::And(Self::list(inner, "and")?));
        }
        if let Some(inner) = map.remove("or") {
            return Ok(Self::Or(Self::list(inner, "or")?));
        }

        let field = match map.remove("field") {
            Some(Value::String(field)) => field,
            Some(_) => return Err("condition `field` must be a string".to_owned()),
            None => {
                return Err(
                    "a condition needs `field` (with `equals`, `not_equals` or `operator`), \
                     `and` or `or`"
                        .to_owned(),
                );
            }
        };

        if let Some(operator) = map.remove("operator") {
            let operator = Operator::deserialize(operator)
                .map_err(|err| format!("condition `operator`: {err}"))?;
            let value = map
                .remove("value")
                .ok_or_else(|| "a condition with `operator` needs `value`".to_owned())?;
            return Ok(Self::Compare {
                field,
                operator,
                value,
            });
        }
        if let Some(value) = map.remove("equals") {
            return Ok(Self::Equals { field, value });
        }
        if let Some(value) = map.remove("not_equals") {
            return Ok(Self::NotEquals { field, value });
        }
        Err("a condition on `field` needs `equals`, `not_equals` or `operator`".to_owned())
    }

    fn list(inner: Value, key: &str) -> Result<Vec<Self>, String> {
        Vec::<Self>::deserialize(inner).map_err(|err| format!("condition `{key}`: {err}"))
    }
}
