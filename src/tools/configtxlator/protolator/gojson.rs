//! JSON text exactly as Go's `encoding/json` encoder writes it with `SetIndent("", "\t")`:
//! object keys sorted, tab indentation, `"key": value`, `<`, `>`, `&`, U+2028 and U+2029
//! escaped, a trailing newline. configtxlator prints its documents this way, so our output is
//! byte-identical to Fabric's.

use serde_json::Value;

/// The document as Go's indenting JSON encoder prints it, newline included.
pub fn to_go_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_value(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                write_value(item, depth + 1, out);
            }
            newline(depth, out);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                write_string(key, out);
                out.push_str(": ");
                write_value(&map[key], depth + 1, out);
            }
            newline(depth, out);
            out.push('}');
        }
    }
}

fn newline(depth: usize, out: &mut String) {
    out.push('\n');
    for _ in 0..depth {
        out.push('\t');
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indents_with_tabs_and_sorts_keys() {
        let doc = json!({"b": [1, {"z": null, "a": "x"}], "a": {}, "c": []});
        let expected = "{\n\t\"a\": {},\n\t\"b\": [\n\t\t1,\n\t\t{\n\t\t\t\"a\": \"x\",\n\t\t\t\"z\": null\n\t\t}\n\t],\n\t\"c\": []\n}\n";
        assert_eq!(to_go_json(&doc), expected);
    }

    #[test]
    fn escapes_like_go() {
        let doc = json!("<a & b>\u{1}\u{2028}\"\\\n");
        assert_eq!(
            to_go_json(&doc),
            "\"\\u003ca \\u0026 b\\u003e\\u0001\\u2028\\\"\\\\\\n\"\n"
        );
    }
}
