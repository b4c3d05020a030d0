//! The argument template: `{{key}}`, `{{rand}}` and `{{seq}}` replaced per transaction.

use rand::Rng;

use super::BenchError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Key,
    Rand,
    Seq,
}

/// A parsed argument list.
#[derive(Debug, Clone)]
pub struct Template {
    args: Vec<Vec<Part>>,
    /// Keys are `<run>-<n>`: a fresh run prefix keeps runs from colliding.
    run: String,
    conflict_rate: f64,
}

impl Template {
    /// Parses `args`; an unknown `{{...}}` is an error.
    pub fn new(args: &[String], conflict_rate: f64) -> Result<Self, BenchError> {
        let args = args.iter().map(|a| parse(a)).collect::<Result<_, _>>()?;
        Ok(Template {
            args,
            run: format!("{:08x}", rand::thread_rng().gen::<u32>()),
            conflict_rate,
        })
    }

    /// The arguments of transaction `seq`: a reused key (one of an earlier transaction) on
    /// `conflict_rate` of them, a fresh one otherwise.
    pub fn render(&self, seq: u64) -> Vec<String> {
        let mut rng = rand::thread_rng();
        let key_n = if seq > 0 && self.conflict_rate > 0.0 && rng.gen_bool(self.conflict_rate) {
            rng.gen_range(0..seq)
        } else {
            seq
        };
        self.args
            .iter()
            .map(|parts| {
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.clone(),
                        Part::Key => format!("{}-{key_n}", self.run),
                        Part::Rand => rng.gen::<u32>().to_string(),
                        Part::Seq => seq.to_string(),
                    })
                    .collect()
            })
            .collect()
    }
}

fn parse(arg: &str) -> Result<Vec<Part>, BenchError> {
    let mut parts = Vec::new();
    let mut rest = arg;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        let close = rest[open..].find("}}").ok_or_else(|| {
            BenchError::Config(format!(
                "the argument {arg:?} opens {{{{ without closing it"
            ))
        })? + open;
        parts.push(match rest[open + 2..close].trim() {
            "key" => Part::Key,
            "rand" => Part::Rand,
            "seq" => Part::Seq,
            other => {
                return Err(BenchError::Config(format!(
                    "the argument {arg:?} uses {{{{{other}}}}}; only {{{{key}}}}, {{{{rand}}}} and {{{{seq}}}} exist"
                )))
            }
        });
        rest = &rest[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_without_conflicts() {
        let t = Template::new(&["k{{key}}".into(), "{{seq}}!".into()], 0.0).unwrap();
        let a = t.render(1);
        let b = t.render(2);
        assert_ne!(a[0], b[0]);
        assert_eq!(a[1], "1!");
        assert!(a[0].starts_with('k'));
    }

    #[test]
    fn conflicts_reuse_earlier_keys() {
        let t = Template::new(&["{{key}}".into()], 1.0).unwrap();
        let first = t.render(0)[0].clone();
        assert_eq!(t.render(1)[0], first);
    }

    #[test]
    fn unknown_placeholders_fail() {
        let e = Template::new(&["{{nope}}".into()], 0.0).unwrap_err();
        assert!(e.to_string().contains("{{nope}}"), "{e}");
        assert!(Template::new(&["{{key".into()], 0.0).is_err());
    }
}
