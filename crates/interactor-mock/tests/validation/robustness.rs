//! Whatever JSON arrives, validation answers without panicking, and whatever it accepts
//! deserialises.

use interactor_mock::validate::{parse_definition, validate_definition};
use serde_json::{Map, Value, json};

use super::support::{minimal, with_review};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }
}

const WORDS: [&str; 24] = [
    "type",
    "action",
    "halting",
    "terminal",
    "logic",
    "script",
    "http",
    "code",
    "transitions",
    "target",
    "key",
    "to",
    "condition",
    "and",
    "or",
    "field",
    "operator",
    "in",
    "selection",
    "parallel",
    "join",
    "presentation",
    "form",
    "start",
];

/// A weird value: scalars of every kind, odd strings, and small nested containers.
fn weird(rng: &mut Rng, depth: usize) -> Value {
    let pick = if depth > 3 {
        rng.below(7)
    } else {
        rng.below(10)
    };
    match pick {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(i64::MIN + i64::try_from(rng.below(3)).expect("small")),
        3 => json!(u64::MAX - rng.next() % 3),
        4 => json!(f64::from(u32::try_from(rng.below(1000)).expect("small")) / 7.0),
        5 => json!(WORDS[rng.below(WORDS.len())]),
        6 => json!(["", "${", "${secrets}", "é\u{0}", "https://", "-1", "[0]"][rng.below(7)]),
        7 => Value::Array((0..rng.below(4)).map(|_| weird(rng, depth + 1)).collect()),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                map.insert(
                    WORDS[rng.below(WORDS.len())].to_owned(),
                    weird(rng, depth + 1),
                );
            }
            Value::Object(map)
        }
    }
}

/// Replaces one node (chosen at random along a random walk) of `value` with `with`.
fn mutate(value: &mut Value, rng: &mut Rng, with: Value) {
    let stop = rng.below(4) == 0;
    match value {
        Value::Object(map) if !map.is_empty() && !stop => {
            let i = rng.below(map.len());
            if let Some(child) = map.values_mut().nth(i) {
                mutate(child, rng, with);
            }
        }
        Value::Array(items) if !items.is_empty() && !stop => {
            let i = rng.below(items.len());
            mutate(&mut items[i], rng, with);
        }
        _ => *value = with,
    }
}

/// Validation never panics, is deterministic, and what it accepts deserialises.
fn check(raw: &Value) {
    let size = raw.to_string().len();
    let problems = validate_definition(raw, size);
    assert_eq!(
        validate_definition(raw, size),
        problems,
        "not deterministic for {raw}"
    );
    match parse_definition(raw, size) {
        Ok(_) => assert!(problems.is_empty()),
        Err(errors) => {
            assert!(!errors.is_empty());
            assert!(
                !problems.is_empty(),
                "valid definition failed to deserialise: {raw}: {errors:?}"
            );
        }
    }
}

#[test]
fn random_values_never_make_validation_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        check(&weird(&mut rng, 0));
    }
}

#[test]
fn mutated_definitions_never_make_validation_panic() {
    let mut rng = Rng(42);
    let bases = [minimal(), with_review()];
    for round in 0..3000 {
        let mut raw = bases[round % bases.len()].clone();
        for _ in 0..=rng.below(3) {
            let with = weird(&mut rng, 2);
            mutate(&mut raw, &mut rng, with);
        }
        check(&raw);
    }
}

#[test]
fn deeply_nested_conditions_do_not_overflow_the_stack() {
    // Built by hand: `json!` would serialise the growing value again at every level.
    let deep = (0..1_000).fold(json!({ "field": "a", "equals": 1 }), |inner, _| {
        let mut or = Map::new();
        or.insert("or".to_owned(), Value::Array(vec![inner]));
        Value::Object(or)
    });
    let raw = super::support::set(minimal(), "/states/start/transitions/0/condition", deep);
    let problems = validate_definition(&raw, 0);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].message,
        "Conditions may be nested at most 32 levels deep"
    );
}
