//! The `travel_request` workflow: one halt of every kind.

use interactor_client::model::{
    ChoiceOption, ChoicePresentation, Condition, Field, FieldType, FormPresentation,
    HaltingInstructions, State, WorkflowDefinition,
};
use serde_json::json;

/// The workflow this program deploys and runs.
pub(crate) const WORKFLOW: &str = "travel_request";

/// The workflow: details, a manager's review above $5,000, and a booking choice.
/// Departures can be from today to a year from now (the bounds are literal dates).
pub(crate) fn travel_request() -> WorkflowDefinition {
    let first_day = chrono::Utc::now().date_naive();
    let last_day = first_day + chrono::Days::new(365);

    let details = FormPresentation::new("Trip details")
        .description("Hi ${workflow_data.employee}, tell us about the trip.")
        .field(Field {
            placeholder: Some("Customer workshop in Lisbon, 3 days".to_owned()),
            max_length: Some(280),
            default: Some(json!("${workflow_data.purpose}")),
            ..Field::new("purpose", FieldType::String, "Purpose of the trip")
                .required()
                .multiline()
        })
        .field(Field {
            step: Some(50.0),
            ..Field::new("budget", FieldType::Number, "Budget (USD)")
                .required()
                .range(100.0, 20_000.0)
                .default_value("${workflow_data.budget}")
        })
        .field(
            Field::new("international", FieldType::Boolean, "Outside the country?")
                .default_value("${workflow_data.international}"),
        )
        .field(
            Field::new("travel_class", FieldType::Select, "Travel class")
                .option(ChoiceOption::new("economy", "Economy"))
                .option(ChoiceOption::new("premium", "Premium economy"))
                .option(ChoiceOption {
                    description: Some("flights over 6 hours".to_owned()),
                    ..ChoiceOption::new("business", "Business")
                })
                .default_value("${workflow_data.travel_class}"),
        )
        .field(Field {
            min_date: Some(first_day.format("%Y-%m-%d").to_string()),
            max_date: Some(last_day.format("%Y-%m-%d").to_string()),
            ..Field::new("departure", FieldType::Date, "Departure date")
                .required()
                .default_value("${workflow_data.departure}")
        })
        .field(Field {
            accept: Some(".pdf,image/*".to_owned()),
            max_size: Some(5_000_000),
            ..Field::new("itinerary", FieldType::File, "Itinerary")
                .default_value("${workflow_data.itinerary}")
        });

    let review = ChoicePresentation {
        title: Some("Manager review".to_owned()),
        message: Some(
            "${workflow_data.employee} asks for $${workflow_data.budget} \
             (${workflow_data.travel_class}): ${workflow_data.purpose}"
                .to_owned(),
        ),
        options: vec![
            ChoiceOption {
                description: Some("the trip goes to booking".to_owned()),
                ..ChoiceOption::new("approve", "Approve")
            },
            ChoiceOption {
                description: Some("back to the details form".to_owned()),
                ..ChoiceOption::new("revise", "Ask for changes")
            },
            ChoiceOption::new("reject", "Reject"),
        ],
    };

    let booking_message = "Booking: ${workflow_data.travel_class} travel on \
                           ${workflow_data.departure}, budget $${workflow_data.budget}. \
                           How should it be booked?";

    WorkflowDefinition::builder(WORKFLOW)
        .ai_guidance("Travel requests: details, a manager's review above $5000, booking.")
        .state(
            "submit",
            State::action()
                .script(
                    "const in_two_weeks = new Date(Date.now() + 14 * 86400000);\n\
                     return { ...input, budget: input.estimate, international: false, \
                     travel_class: 'economy', \
                     departure: in_two_weeks.toISOString().slice(0, 10), status: 'draft' }",
                )
                .transition("trip_details"),
        )
        .state(
            "trip_details",
            State::halting()
                .presentation(details)
                .transition_when("manager_review", Condition::gt("budget", 5000))
                .transition("booking"),
        )
        .state(
            "manager_review",
            State::halting()
                .presentation(review)
                .transition_when("booking", Condition::equals("choice", "approve"))
                .transition_when("trip_details", Condition::equals("choice", "revise"))
                .transition("rejected"),
        )
        .state(
            "booking",
            State::halting()
                .halting_instructions(HaltingInstructions::message(booking_message))
                .choice("agency", "booked", "The travel agency books it")
                .choice("self", "booked", "Book it yourself and claim the costs")
                .choice("withdraw", "withdrawn", "Withdraw the request"),
        )
        .state(
            "booked",
            State::action()
                .script(
                    "return { ...workflow_data, status: 'booked', \
                     booked_by: workflow_data.choice }",
                )
                .transition("closed"),
        )
        .state(
            "rejected",
            State::action()
                .script("return { ...workflow_data, status: 'rejected' }")
                .transition("closed"),
        )
        .state(
            "withdrawn",
            State::action()
                .script("return { ...workflow_data, status: 'withdrawn' }")
                .transition("closed"),
        )
        .state("closed", State::terminal())
        .build()
}
