//! Real users' timings: each page view's Web Vitals, sent once by the page
//! (`frontend/src/vitals.rs`, both builds) with `navigator.sendBeacon` to
//! `POST /api/vitals`, and kept only as histograms. Nothing of the visitor
//! is stored: the beacon holds numbers, the build and the kind of page.

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use serde::Deserialize;

/// A beacon is a few numbers: anything longer is not one of ours.
const MAX_BEACON_BYTES: usize = 512;
/// Where beacons go, under `/api`.
pub const PATH: &str = "/vitals";
/// Longer than any page view's timing worth keeping (a tab left loading).
const MAX_MILLIS: f64 = 120_000.0;
/// Layout shift scores past this are not a page's.
const MAX_CLS: f64 = 100.0;

/// Seconds: Google's "good" and "poor" bounds of each vital fall on one.
const SECONDS: [f64; 14] = [
    0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.8, 2.5, 3.0, 4.0, 6.0, 10.0, 30.0,
];
/// Layout shift: "good" under 0.1, "poor" over 0.25.
const SHIFTS: [f64; 7] = [0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0];

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, Deserialize, EncodeLabelValue)]
#[serde(rename_all = "lowercase")]
#[allow(non_camel_case_types)]
enum Build {
    islands,
    spa,
}

/// The kind of page, from its route: a fixed set, whatever a client sends.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, Deserialize, EncodeLabelValue)]
#[serde(rename_all = "lowercase")]
#[allow(non_camel_case_types)]
enum Page {
    home,
    article,
    profile,
    editor,
    settings,
    login,
    register,
    other,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
enum Vital {
    ttfb,
    lcp,
    inp,
    tti,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Timed {
    vital: Vital,
    build: Build,
    page: Page,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Viewed {
    build: Build,
    page: Page,
}

/// One page view's beacon, in milliseconds but the layout shift score.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Beacon {
    build: Build,
    page: Page,
    ttfb: Option<f64>,
    lcp: Option<f64>,
    inp: Option<f64>,
    tti: Option<f64>,
    cls: Option<f64>,
}

impl Beacon {
    /// Its timings, each within bounds; `None` when any is not, or when
    /// it holds none at all.
    fn timings(&self) -> Option<Vec<(Vital, f64)>> {
        let given = [
            (Vital::ttfb, self.ttfb),
            (Vital::lcp, self.lcp),
            (Vital::inp, self.inp),
            (Vital::tti, self.tti),
        ];
        let timings: Vec<(Vital, f64)> = given
            .into_iter()
            .filter_map(|(vital, millis)| millis.map(|millis| (vital, millis)))
            .collect();
        let in_bounds = timings
            .iter()
            .all(|(_, millis)| (0.0..=MAX_MILLIS).contains(millis))
            && self.cls.is_none_or(|cls| (0.0..=MAX_CLS).contains(&cls));
        (in_bounds && (!timings.is_empty() || self.cls.is_some())).then_some(timings)
    }
}

/// The histograms the beacons fill.
#[derive(Clone, Debug)]
pub struct WebVitals {
    timings: Family<Timed, Histogram>,
    shifts: Family<Viewed, Histogram>,
}

impl WebVitals {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let timings = Family::<Timed, Histogram>::new_with_constructor(|| Histogram::new(SECONDS));
        let shifts = Family::<Viewed, Histogram>::new_with_constructor(|| Histogram::new(SHIFTS));
        registry.register_with_unit(
            "conduit_web_vitals_duration",
            "Real users' page timings: time to first byte, largest contentful paint, \
             interaction to next paint, and time until the page is interactive",
            Unit::Seconds,
            timings.clone(),
        );
        registry.register(
            "conduit_web_vitals_cls",
            "Real users' cumulative layout shift, per page view",
            shifts.clone(),
        );
        Self { timings, shifts }
    }

    /// `POST /vitals`, to nest under `/api` (where the SPA's requests go).
    pub fn router<S>(&self) -> Router<S> {
        Router::new()
            .route(PATH, post(receive))
            .with_state(self.clone())
    }
}

/// 204 once recorded; 400, recording nothing, for a beacon that is too
/// large, not JSON, or out of bounds.
async fn receive(State(vitals): State<WebVitals>, body: Body) -> Response {
    let Ok(bytes) = to_bytes(body, MAX_BEACON_BYTES).await else {
        return refused("is too large");
    };
    let Ok(beacon) = serde_json::from_slice::<Beacon>(&bytes) else {
        return refused("is malformed");
    };
    let Some(timings) = beacon.timings() else {
        return refused("is out of bounds");
    };
    for (vital, millis) in timings {
        let labels = Timed {
            vital,
            build: beacon.build,
            page: beacon.page,
        };
        vitals
            .timings
            .get_or_create(&labels)
            .observe(millis / 1000.0);
    }
    if let Some(cls) = beacon.cls {
        let labels = Viewed {
            build: beacon.build,
            page: beacon.page,
        };
        vitals.shifts.get_or_create(&labels).observe(cls);
    }
    StatusCode::NO_CONTENT.into_response()
}

fn refused(why: &str) -> Response {
    crate::api::json(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({ "errors": { "beacon": [why] } }),
    )
}
