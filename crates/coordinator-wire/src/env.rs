//! Environment overrides of a JSON config file, the convention the coordinator's and the
//! prover's configs share: `<PREFIX><A>__<B>=value` sets field `a.b` (lower-cased, `__` between
//! levels, objects created on the way). The value is parsed as JSON when it is valid JSON (so
//! numbers, booleans and arrays keep their type) and taken as a string otherwise.

use serde_json::Value;

/// Applies every `(key, value)` of `env` whose key starts with `prefix` to `config`.
pub fn apply_env_overrides(
    config: &mut Value,
    prefix: &str,
    env: impl IntoIterator<Item = (String, String)>,
) {
    for (key, raw) in env {
        let Some(path) = key.strip_prefix(prefix) else {
            continue;
        };
        let parsed = serde_json::from_str(&raw).unwrap_or(Value::String(raw));
        set_path(config, &path.to_lowercase(), parsed);
    }
}

/// Parses a JSON config, applies the `prefix` overrides of `env` and deserializes it.
pub fn parse_with_env_overrides<T: serde::de::DeserializeOwned>(
    json: &str,
    prefix: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<T, serde_json::Error> {
    let mut value: Value = serde_json::from_str(json)?;
    apply_env_overrides(&mut value, prefix, env);
    serde_json::from_value(value)
}

/// Sets `a__b__c` in a JSON object tree, creating objects on the way.
fn set_path(value: &mut Value, path: &str, new: Value) {
    let mut cur = value;
    let parts: Vec<&str> = path.split("__").collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let obj = cur.as_object_mut().expect("object");
        if i + 1 == parts.len() {
            obj.insert((*part).to_string(), new);
            return;
        }
        cur = obj.entry((*part).to_string()).or_insert(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_set_typed_values_at_their_paths() {
        let mut config = serde_json::json!({"db": {"dsn": "old"}, "n": 1});
        apply_env_overrides(
            &mut config,
            "APP_",
            [
                ("APP_DB__DSN".to_string(), "postgres://new".to_string()),
                ("APP_N".into(), "7".into()),
                ("APP_NEW__LIST".into(), "[1,2]".into()),
                ("OTHER_N".into(), "9".into()),
            ],
        );
        assert_eq!(
            config,
            serde_json::json!({"db": {"dsn": "postgres://new"}, "n": 7, "new": {"list": [1, 2]}})
        );
    }
}
