//! The API's enums against the declarations they come from and the dashboard's
//! TypeScript types: a metric, grain or distribution added in one place and not the
//! others fails here.

use kefu_app::Metric;
use serde_json::Value;
use std::collections::BTreeSet;

fn openapi() -> Value {
    serde_json::to_value(super::openapi_document()).unwrap()
}

/// The string literals of `export type NAME = 'a' | 'b' …;` in web/src/types.ts.
fn ts_union(name: &str) -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/src/types.ts");
    let src = std::fs::read_to_string(path).unwrap();
    let start = src
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("web/src/types.ts has no type {name}"));
    let body = &src[start..start + src[start..].find(';').unwrap()];
    body.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an enum: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// The enum of a query parameter of a route.
fn param_enum(doc: &Value, route: &str, param: &str) -> BTreeSet<String> {
    let params = doc["paths"][route]["get"]["parameters"].as_array().unwrap();
    let p = params
        .iter()
        .find(|p| p["name"] == param)
        .unwrap_or_else(|| panic!("{route} has no parameter {param}"));
    let schema = &p["schema"];
    // An Option<enum> may be written as oneOf [null, $ref] or a $ref.
    let resolve = |s: &Value| -> Value {
        match s["$ref"].as_str() {
            Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
            None => s.clone(),
        }
    };
    if schema.get("enum").is_some() {
        return strings(&schema["enum"]);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = schema[key].as_array() {
            for a in alts {
                let a = resolve(a);
                if a.get("enum").is_some() {
                    return strings(&a["enum"]);
                }
            }
        }
    }
    let r = resolve(schema);
    strings(&r["enum"])
}

/// Every metric the series route accepts is in the OpenAPI enum (parameter and
/// response) and in the dashboard's `SeriesMetric`, and nothing else is.
#[test]
fn series_metrics_are_declared_once_and_everywhere() {
    let doc = openapi();
    let accepted: BTreeSet<String> = Metric::ALL
        .iter()
        .map(|m| m.name().to_string())
        .filter(|n| n.parse::<Metric>().is_ok())
        .collect();
    assert_eq!(accepted.len(), Metric::ALL.len());
    assert_eq!(param_enum(&doc, "/api/v1/series", "metric"), accepted);
    assert_eq!(
        strings(&doc["components"]["schemas"]["SeriesOut"]["properties"]["metric"]["enum"]),
        accepted
    );
    assert_eq!(ts_union("SeriesMetric"), accepted);
}

#[test]
fn grains_and_distributions_match_the_dashboard() {
    let doc = openapi();
    let grains: BTreeSet<String> = kefu_app::views::SeriesGrain::ALL
        .iter()
        .map(|g| g.name().to_string())
        .collect();
    assert_eq!(param_enum(&doc, "/api/v1/series", "grain"), grains);
    assert_eq!(ts_union("SeriesGrain"), grains);
    let dist = strings(&doc["components"]["schemas"]["DistributionMetric"]["enum"]);
    assert_eq!(ts_union("DistributionMetric"), dist);
    for d in &dist {
        assert!(d.parse::<kefu_app::views::DistributionMetric>().is_ok());
    }
}
