//! What a halting state shows: presentations (forms, choices, messages) and halting
//! instructions.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::wire_enum::wire_enum;

/// How a halting state asks for input, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Presentation {
    /// A form with fields.
    Form(FormPresentation),
    /// A set of options to pick one from; the pick is resumed as `{"choice": value}`.
    Choice(ChoicePresentation),
    /// A message, with nothing to fill in.
    Message(MessagePresentation),
}

/// A form with fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormPresentation {
    /// Heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text under the heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The inputs, in order.
    #[serde(default)]
    pub fields: Vec<Field>,
}

impl FormPresentation {
    /// An empty form titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            ..Self::default()
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a field.
    #[must_use]
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }
}

impl From<FormPresentation> for Presentation {
    fn from(form: FormPresentation) -> Self {
        Self::Form(form)
    }
}

/// Options to choose from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChoicePresentation {
    /// Heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The options (2..=20).
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
}

impl ChoicePresentation {
    /// A choice asking `message`, with no options yet.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            ..Self::default()
        }
    }

    /// Sets the heading.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds an option.
    #[must_use]
    pub fn option(mut self, option: ChoiceOption) -> Self {
        self.options.push(option);
        self
    }
}

impl From<ChoicePresentation> for Presentation {
    fn from(choice: ChoicePresentation) -> Self {
        Self::Choice(choice)
    }
}

/// A message with nothing to fill in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessagePresentation {
    /// Heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The message.
    pub message: String,
    /// A UI hint to show a progress indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_progress: Option<bool>,
}

impl MessagePresentation {
    /// A message without a heading.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    /// Sets the heading.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

impl From<MessagePresentation> for Presentation {
    fn from(message: MessagePresentation) -> Self {
        Self::Message(message)
    }
}

/// One option of a choice presentation or a select field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The value submitted when picked.
    pub value: String,
    /// What the user sees.
    pub label: String,
    /// Longer text about the option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ChoiceOption {
    /// An option without a description.
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            description: None,
        }
    }

    /// Adds a description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

wire_enum! {
    /// The kind of input a form field takes.
    pub enum FieldType {
        /// Text.
        String = "string",
        /// A number.
        Number = "number",
        /// A checkbox.
        Boolean = "boolean",
        /// One of `options`.
        Select = "select",
        /// A date (`YYYY-MM-DD`).
        Date = "date",
        /// A file upload.
        File = "file",
    }
}

/// One input of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The key the value is submitted under.
    pub name: String,
    /// The kind of input (`"type"` on the wire).
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// What the user sees.
    pub label: String,
    /// Whether a value must be given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// The initial value; may be a `${...}` template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Hint text shown in an empty input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Whether a string input has several lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiline: Option<bool>,
    /// Longest accepted string (`"maxLength"`).
    #[serde(default, rename = "maxLength", skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Smallest accepted number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "number"
    )]
    pub min: Option<f64>,
    /// Largest accepted number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "number"
    )]
    pub max: Option<f64>,
    /// Step between accepted numbers.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "number"
    )]
    pub step: Option<f64>,
    /// Earliest accepted date (`"minDate"`).
    #[serde(default, rename = "minDate", skip_serializing_if = "Option::is_none")]
    pub min_date: Option<String>,
    /// Latest accepted date (`"maxDate"`).
    #[serde(default, rename = "maxDate", skip_serializing_if = "Option::is_none")]
    pub max_date: Option<String>,
    /// Accepted MIME types of a file input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<String>,
    /// Largest accepted file in bytes (`"maxSize"`).
    #[serde(default, rename = "maxSize", skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// The options of a select field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<ChoiceOption>>,
}

impl Field {
    /// A field with a name, a kind and a label, and nothing else set.
    pub fn new(name: impl Into<String>, kind: FieldType, label: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind,
            label: label.into(),
            required: false,
            default: None,
            placeholder: None,
            multiline: None,
            max_length: None,
            min: None,
            max: None,
            step: None,
            min_date: None,
            max_date: None,
            accept: None,
            max_size: None,
            options: None,
        }
    }

    /// Marks the field as required.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the initial value.
    #[must_use]
    pub fn default_value(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Makes a string input span several lines.
    #[must_use]
    pub fn multiline(mut self) -> Self {
        self.multiline = Some(true);
        self
    }

    /// Sets the accepted number range.
    #[must_use]
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Adds an option to a select field.
    #[must_use]
    pub fn option(mut self, option: ChoiceOption) -> Self {
        self.options.get_or_insert_with(Vec::new).push(option);
        self
    }
}

/// Writes a whole number without a fraction (`0`, not `0.0`), so definitions read back as
/// they were written.
fn number<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    match *value {
        Some(number) if number.fract() == 0.0 && number.abs() < EXACT_INTEGER_LIMIT =>
        {
            #[allow(clippy::cast_possible_truncation)]
            serializer.serialize_i64(number as i64)
        }
        Some(number) => serializer.serialize_f64(number),
        None => serializer.serialize_none(),
    }
}

/// How a halting state's instruction is produced. Three wire forms:
///
/// - `{"type": "ai", "config": {"prompt", "model"?, "include_data_paths"?}}`
/// - `{"type": "message", "config": {"title"?, "message"}}`
/// - `{"instruction", "include_data"?}` (no `type`): the instruction is an AI prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum HaltingInstructions {
    /// An instruction generated by a model from a prompt.
    Ai {
        /// The prompt and what data it sees.
        config: AiInstructionConfig,
    },
    /// A static message.
    Message {
        /// The message.
        config: MessageInstructionConfig,
    },
    /// The short form: `instruction` is a prompt, `include_data` the paths it sees.
    Simple {
        /// The prompt.
        instruction: String,
        /// `workflow_data` paths included with the prompt.
        include_data: Vec<String>,
    },
}

impl HaltingInstructions {
    /// A static message instruction.
    pub fn message(message: impl Into<String>) -> Self {
        Self::Message {
            config: MessageInstructionConfig {
                title: None,
                message: message.into(),
            },
        }
    }

    /// The short form: `instruction` is a prompt seeing the given data paths.
    pub fn simple<P: Into<String>>(
        instruction: impl Into<String>,
        include_data: impl IntoIterator<Item = P>,
    ) -> Self {
        Self::Simple {
            instruction: instruction.into(),
            include_data: include_data.into_iter().map(Into::into).collect(),
        }
    }

    /// An AI instruction generated from `prompt`, seeing the given data paths.
    pub fn ai<P: Into<String>>(
        prompt: impl Into<String>,
        include_data_paths: impl IntoIterator<Item = P>,
    ) -> Self {
        Self::Ai {
            config: AiInstructionConfig {
                prompt: prompt.into(),
                model: None,
                include_data_paths: include_data_paths.into_iter().map(Into::into).collect(),
            },
        }
    }
}

/// Configuration of an AI-generated instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiInstructionConfig {
    /// What the model is asked.
    pub prompt: String,
    /// Which model to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `workflow_data` paths included with the prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_data_paths: Vec<String>,
}

/// Configuration of a static message instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageInstructionConfig {
    /// Heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The message.
    pub message: String,
}

/// The wire shape of [`HaltingInstructions`], all three forms in one.
#[derive(Serialize, Deserialize)]
struct RawInstructions {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instruction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    include_data: Option<Vec<String>>,
}

impl Serialize for HaltingInstructions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;

        let raw = match self {
            Self::Ai { config } => RawInstructions {
                kind: Some("ai".to_owned()),
                config: Some(serde_json::to_value(config).map_err(S::Error::custom)?),
                instruction: None,
                include_data: None,
            },
            Self::Message { config } => RawInstructions {
                kind: Some("message".to_owned()),
                config: Some(serde_json::to_value(config).map_err(S::Error::custom)?),
                instruction: None,
                include_data: None,
            },
            Self::Simple {
                instruction,
                include_data,
            } => RawInstructions {
                kind: None,
                config: None,
                instruction: Some(instruction.clone()),
                include_data: (!include_data.is_empty()).then(|| include_data.clone()),
            },
        };
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HaltingInstructions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawInstructions::deserialize(deserializer)?;
        let config = || {
            raw.config
                .clone()
                .ok_or_else(|| D::Error::missing_field("config"))
        };
        match raw.kind.as_deref() {
            Some("ai") => Ok(Self::Ai {
                config: AiInstructionConfig::deserialize(config()?).map_err(D::Error::custom)?,
            }),
            Some("message") => Ok(Self::Message {
                config: MessageInstructionConfig::deserialize(config()?)
                    .map_err(D::Error::custom)?,
            }),
            Some(other) => Err(D::Error::unknown_variant(other, &["ai", "message"])),
            None => match raw.instruction {
                Some(instruction) => Ok(Self::Simple {
                    instruction,
                    include_data: raw.include_data.unwrap_or_default(),
                }),
                None => Err(D::Error::custom(
                    "halting instructions need `type` (`ai` or `message`) or `instruction`",
                )),
            },
        }
    }
}
