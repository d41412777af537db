use super::*;
use serde_json::json;

struct Fixture {
    workflow_data: Value,
    input: Value,
    secrets: Map<String, Value>,
    context: Value,
}

impl Fixture {
    fn new() -> Self {
        let mut secrets = Map::new();
        secrets.insert("API_KEY".into(), json!("k-123"));
        secrets.insert("BASE".into(), json!("https://api.example.com"));
        Self {
            workflow_data: json!({
                "amount": 5000,
                "price": 1.5,
                "whole_float": 5000.0,
                "approved": true,
                "nothing": null,
                "name": "Zoë ☕",
                "order": { "id": "o-1", "lines": [{ "sku": "a", "qty": 2 }] },
                "tags": ["x", "y"],
                "empty": ""
            }),
            input: json!({ "comment": "ok", "items": [10, 20] }),
            secrets,
            context: json!({ "instance_id": "inst_abc", "state_name": "review" }),
        }
    }

    fn scope(&self) -> TemplateScope<'_> {
        TemplateScope::new(
            &self.workflow_data,
            &self.input,
            &self.secrets,
            &self.context,
        )
    }

    fn render(&self, template: &str) -> Value {
        render_str(template, &self.scope())
    }
}

#[test]
fn a_lone_placeholder_keeps_the_json_type() {
    let f = Fixture::new();
    assert_eq!(f.render("${workflow_data.amount}"), json!(5000));
    assert_eq!(f.render("${workflow_data.price}"), json!(1.5));
    assert_eq!(f.render("${workflow_data.approved}"), json!(true));
    assert_eq!(f.render("${workflow_data.name}"), json!("Zoë ☕"));
    assert_eq!(f.render("${workflow_data.tags}"), json!(["x", "y"]));
    assert_eq!(
        f.render("${workflow_data.order}"),
        json!({ "id": "o-1", "lines": [{ "sku": "a", "qty": 2 }] })
    );
    assert_eq!(f.render("${workflow_data.nothing}"), Value::Null);
}

#[test]
fn a_lone_missing_placeholder_is_null() {
    let f = Fixture::new();
    assert_eq!(f.render("${workflow_data.absent}"), Value::Null);
    assert_eq!(f.render("${workflow_data.order.lines.5}"), Value::Null);
    assert_eq!(f.render("${unknown_root.amount}"), Value::Null);
    assert_eq!(f.render("${}"), Value::Null);
}

#[test]
fn a_placeholder_inside_text_is_stringified() {
    let f = Fixture::new();
    assert_eq!(f.render("$${workflow_data.amount}"), json!("$5000"));
    assert_eq!(f.render("${workflow_data.price} EUR"), json!("1.5 EUR"));
    assert_eq!(f.render("ok=${workflow_data.approved}"), json!("ok=true"));
    assert_eq!(f.render("by ${workflow_data.name}"), json!("by Zoë ☕"));
    assert_eq!(
        f.render("tags=${workflow_data.tags}"),
        json!(r#"tags=["x","y"]"#)
    );
    assert_eq!(
        f.render("order: ${workflow_data.order.lines.0}"),
        json!(r#"order: {"sku":"a","qty":2}"#)
    );
}

#[test]
fn whole_floats_print_like_integers() {
    let f = Fixture::new();
    assert_eq!(f.render("n=${workflow_data.whole_float}"), json!("n=5000"));
    assert_eq!(f.render("${workflow_data.whole_float}"), json!(5000.0));
}

#[test]
fn null_and_missing_values_inside_text_are_empty() {
    let f = Fixture::new();
    assert_eq!(f.render("[${workflow_data.nothing}]"), json!("[]"));
    assert_eq!(f.render("[${workflow_data.absent}]"), json!("[]"));
    assert_eq!(f.render("[${nope.x}]"), json!("[]"));
}

#[test]
fn surrounding_spaces_make_a_longer_string() {
    let f = Fixture::new();
    assert_eq!(f.render(" ${workflow_data.amount}"), json!(" 5000"));
    assert_eq!(f.render("${workflow_data.amount} "), json!("5000 "));
}

#[test]
fn spaces_inside_the_braces_are_ignored() {
    let f = Fixture::new();
    assert_eq!(f.render("${ workflow_data.amount }"), json!(5000));
}

#[test]
fn several_placeholders_render_in_order() {
    let f = Fixture::new();
    assert_eq!(
        f.render("${context.instance_id}/${context.state_name}: ${input.comment}"),
        json!("inst_abc/review: ok")
    );
    assert_eq!(f.render("${input.items.0}${input.items[1]}"), json!("1020"));
}

#[test]
fn every_root_resolves() {
    let f = Fixture::new();
    assert_eq!(f.render("${input.items[1]}"), json!(20));
    assert_eq!(f.render("${context.instance_id}"), json!("inst_abc"));
    assert_eq!(f.render("${secrets.API_KEY}"), json!("k-123"));
    assert_eq!(f.render("${workflow_data}"), f.workflow_data);
    assert_eq!(f.render("${input}"), f.input);
}

#[test]
fn the_whole_secrets_map_is_never_rendered() {
    let f = Fixture::new();
    assert_eq!(f.render("${secrets}"), Value::Null);
    assert_eq!(f.render("all: ${secrets}"), json!("all: "));
}

#[test]
fn unset_roots_are_missing() {
    let data = json!({ "a": 1 });
    let scope = TemplateScope::default().with_workflow_data(&data);
    assert_eq!(render_str("${workflow_data.a}", &scope), json!(1));
    assert_eq!(render_str("${input.a}", &scope), Value::Null);
    assert_eq!(render_str("${secrets.A}", &scope), Value::Null);
    assert_eq!(render_str("${context.a}", &scope), Value::Null);
}

#[test]
fn text_without_placeholders_is_unchanged() {
    let f = Fixture::new();
    for text in ["", "plain", "$", "$$", "{}", "}{", "$ {x}", "€${", "100% $"] {
        assert_eq!(f.render(text), json!(text), "{text}");
        assert_eq!(render_string(text, &f.scope()), text, "{text}");
    }
}

#[test]
fn an_unterminated_placeholder_is_literal_text() {
    let f = Fixture::new();
    assert_eq!(
        f.render("${workflow_data.amount"),
        json!("${workflow_data.amount")
    );
    assert_eq!(
        f.render("${workflow_data.amount} and ${input.comment"),
        json!("5000 and ${input.comment")
    );
    assert!(!contains_placeholder("${never closed"));
}

#[test]
fn the_first_closing_brace_ends_a_placeholder() {
    let f = Fixture::new();
    assert_eq!(f.render("${${workflow_data.amount}}"), json!("}"));
    assert_eq!(f.render("${workflow_data.amount}}"), json!("5000}"));
}

#[test]
fn unicode_around_placeholders_is_preserved() {
    let f = Fixture::new();
    assert_eq!(f.render("→${input.comment}←"), json!("→ok←"));
    assert_eq!(
        f.render("日本${workflow_data.name}語"),
        json!("日本Zoë ☕語")
    );
}

#[test]
fn render_value_renders_strings_at_any_depth() {
    let f = Fixture::new();
    let body = json!({
        "amount": "${workflow_data.amount}",
        "label": "Total: $${workflow_data.amount}",
        "nested": { "list": ["${input.items.1}", 3, null, false, "${missing.x}"] },
        "${input.comment}": "keys are not rendered"
    });
    let rendered = render_value(&body, &f.scope());
    assert_eq!(
        rendered,
        json!({
            "amount": 5000,
            "label": "Total: $5000",
            "nested": { "list": [20, 3, null, false, null] },
            "${input.comment}": "keys are not rendered"
        })
    );
}

#[test]
fn render_string_stringifies_even_a_lone_placeholder() {
    let f = Fixture::new();
    let scope = f.scope();
    assert_eq!(render_string("${workflow_data.amount}", &scope), "5000");
    assert_eq!(render_string("${workflow_data.absent}", &scope), "");
    assert_eq!(
        render_string("${secrets.BASE}/orders", &scope),
        "https://api.example.com/orders"
    );
    assert_eq!(
        render_string("${workflow_data.order.lines}", &scope),
        r#"[{"sku":"a","qty":2}]"#
    );
}

#[test]
fn redacting_scopes_hide_secret_values() {
    let f = Fixture::new();
    let scope = f.scope().redacting_secrets();
    assert_eq!(render_str("${secrets.API_KEY}", &scope), json!(REDACTED));
    assert_eq!(
        render_string("Bearer ${secrets.API_KEY}", &scope),
        "Bearer [redacted]"
    );
    assert_eq!(render_str("${secrets.MISSING}", &scope), Value::Null);
    assert_eq!(render_str("${workflow_data.amount}", &scope), json!(5000));
}

#[test]
fn debug_output_names_secrets_without_their_values() {
    let f = Fixture::new();
    let debug = format!("{:?}", f.scope());
    assert!(debug.contains("API_KEY"));
    assert!(!debug.contains("k-123"));
}

#[test]
fn contains_placeholder_needs_a_closed_placeholder() {
    assert!(contains_placeholder("${a}"));
    assert!(contains_placeholder("x ${} y"));
    assert!(!contains_placeholder("$a {b}"));
    assert!(!contains_placeholder(""));
}

#[test]
fn referenced_secrets_lists_each_secret_once() {
    assert_eq!(
        referenced_secrets("${secrets.A} ${ secrets.B } ${secrets.A} ${input.secrets}"),
        ["A", "B"]
    );
    assert!(referenced_secrets("${secrets}").is_empty());
    let body = json!({ "h": ["${secrets.X}", { "y": "${secrets.Y.inner}" }], "z": 1 });
    assert_eq!(referenced_secrets_in_value(&body), ["X", "Y"]);
}

#[test]
fn pieces_cut_text_and_placeholders() {
    assert_eq!(
        pieces("a${b}c${d"),
        [
            Piece::Text("a"),
            Piece::Placeholder("b"),
            Piece::Text("c${d")
        ]
    );
    assert_eq!(
        pieces("${x}${y}"),
        [Piece::Placeholder("x"), Piece::Placeholder("y")]
    );
    assert!(pieces("").is_empty());
}

#[test]
fn odd_input_never_panics() {
    let f = Fixture::new();
    let scope = f.scope();
    let samples = [
        "${",
        "}",
        "${}",
        "$}",
        "${{}}",
        "${.}",
        "${..}",
        "${[}",
        "${]}",
        "${[0]}",
        "${workflow_data[}",
        "${workflow_data.[0]}",
        "${workflow_data.tags[99999999999999999999]}",
        "${workflow_data.tags[-1]}",
        "${secrets.}",
        "${secrets[0]}",
        "\u{0}${\u{0}}",
        "${é}",
        "${workflow_data.amount.deeper}",
        "$$${{${}}}",
        "${input.items.1.x}",
    ];
    for sample in samples {
        let _ = render_str(sample, &scope);
        let _ = render_string(sample, &scope);
        let _ = referenced_secrets(sample);
        let _ = contains_placeholder(sample);
    }
    // Every prefix of a multi-byte template, cut at char boundaries.
    let text = "ä${workflow_data.name}ö${input.comment}☕";
    for (at, _) in text.char_indices() {
        let _ = render_str(&text[..at], &scope);
        let _ = render_str(&text[at..], &scope);
    }
}
