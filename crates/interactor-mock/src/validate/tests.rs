use super::logic::url_problem;
use super::*;
use serde_json::json;

fn problems(raw: &Value) -> Vec<(String, String)> {
    validate_definition(raw, raw.to_string().len())
        .into_iter()
        .map(|p| (p.path, p.message))
        .collect()
}

#[test]
fn absolute_http_and_https_urls_are_accepted() {
    for url in [
        "https://api.example.com",
        "http://localhost:8080/x?y=1#z",
        "HTTPS://EXAMPLE.COM/",
        "https://${secrets.HOST}/orders/${workflow_data.id}",
        "${secrets.BASE_URL}/orders",
        "${secrets.BASE_URL}",
        "https://user:pw@example.com/",
    ] {
        assert_eq!(url_problem(url), None, "{url}");
    }
}

#[test]
fn relative_and_foreign_urls_are_rejected() {
    for url in [
        "",
        "/relative/path",
        "example.com/x",
        "ftp://example.com/file",
        "https://",
        "https:///path",
        "https://:80/",
        "https://exa mple.com",
        "https://example.com/\n",
        "mailto:someone@example.com",
        "${unclosed/x",
        "x${secrets.BASE}",
    ] {
        assert!(url_problem(url).is_some(), "{url}");
    }
}

#[test]
fn a_non_object_definition_is_one_problem() {
    for raw in [json!(null), json!(1), json!("x"), json!([])] {
        let found = problems(&raw);
        assert_eq!(found.len(), 1, "{raw}");
        assert_eq!(found[0].0, "");
    }
}

#[test]
fn names_are_checked_for_length_and_characters() {
    let mut report = Report::default();
    check_name(&"a".repeat(64), &mut report);
    check_name("a", &mut report);
    check_name("a-b_c9", &mut report);
    assert!(report.into_problems().is_empty());

    for bad in ["", "A", "9a", "_a", "a b", "aé", "a.b"] {
        let mut report = Report::default();
        check_name(bad, &mut report);
        assert_eq!(report.into_problems().len(), 1, "{bad}");
    }

    let mut report = Report::default();
    check_name(&"a".repeat(65), &mut report);
    let found = report.into_problems();
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .contains("at most 64 characters (found 65)")
    );
}
