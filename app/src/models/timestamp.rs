//! Timestamps on the wire: UTC ISO-8601 with milliseconds, e.g. `2026-01-02T03:04:05.678Z` (API.md).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[derive(serde::Serialize)]
    struct At(#[serde(with = "super")] chrono::DateTime<chrono::Utc>);

    #[test]
    fn serializes_with_milliseconds_and_zulu() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
            + chrono::Duration::microseconds(678_901);
        assert_eq!(
            serde_json::to_string(&At(at)).unwrap(),
            "\"2026-01-02T03:04:05.678Z\""
        );
    }
}
