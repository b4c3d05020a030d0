//! `--plot out.svg`: throughput and mean latency per second of the run, as a hand-written
//! SVG (two panels, no dependencies).

use std::fmt::Write;

use super::stats::Second;

const W: f64 = 800.0;
const PANEL_H: f64 = 220.0;
const LEFT: f64 = 70.0;
const TOP: f64 = 30.0;

/// The SVG of `series` (one entry per second of the run).
pub fn svg(series: &[Second], title: &str) -> String {
    let tps: Vec<f64> = series.iter().map(|s| s.finished as f64).collect();
    let lat: Vec<f64> = series
        .iter()
        .map(|s| {
            if s.finished == 0 {
                0.0
            } else {
                s.latency_sum_us as f64 / s.finished as f64 / 1000.0
            }
        })
        .collect();
    let height = TOP + 2.0 * (PANEL_H + 50.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="18" font-size="14">{}</text>"#,
        escape(title)
    );
    panel(&mut out, &tps, TOP, "finished tx/s", "#1f77b4");
    panel(
        &mut out,
        &lat,
        TOP + PANEL_H + 50.0,
        "mean latency (ms)",
        "#d62728",
    );
    out.push_str("</svg>\n");
    out
}

fn panel(out: &mut String, values: &[f64], top: f64, label: &str, color: &str) {
    let right = W - 20.0;
    let bottom = top + PANEL_H;
    let max = values.iter().cloned().fold(0.0f64, f64::max).max(1e-9);
    let n = values.len().max(2) as f64 - 1.0;
    let x = |i: usize| LEFT + (right - LEFT) * i as f64 / n;
    let y = |v: f64| bottom - PANEL_H * v / max;
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{top}" width="{}" height="{PANEL_H}" fill="none" stroke="#888"/>"##,
        right - LEFT
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" x2="{right}" y1="{0:.1}" y2="{0:.1}" stroke="#eee"/><text x="{1}" y="{2:.1}" text-anchor="end">{3}</text>"##,
            y(v),
            LEFT - 5.0,
            y(v) + 4.0,
            short(v)
        );
    }
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let _ = writeln!(
        out,
        r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
        points.join(" ")
    );
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="{:.1}">{label}</text><text x="{right}" y="{:.1}" text-anchor="end">seconds: {}</text>"#,
        top - 6.0,
        bottom + 18.0,
        values.len()
    );
}

fn short(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_both_panels() {
        let series = [
            Second {
                finished: 10,
                latency_sum_us: 50_000,
            },
            Second {
                finished: 20,
                latency_sum_us: 60_000,
            },
        ];
        let svg = svg(&series, "a <run>");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("a &lt;run&gt;"));
        assert!(svg.contains(">20.0<") || svg.contains(">20<"), "{svg}");
    }
}
