//! Real users' timings, the same in both builds: time to first byte,
//! largest contentful paint, interaction to next paint, cumulative layout
//! shift and time until the page is interactive (when the bundle has taken
//! over), measured with the browser's performance entries and sent once per
//! page view, when the page is hidden or left, with `navigator.sendBeacon`
//! (which outlives the page). Only a sample of page views sends them
//! (`<meta name="conduit-vitals-sample">`), and what they send is numbers,
//! the build and the kind of page: never its address or anything of the
//! reader. The server keeps them as histograms (`POST /api/vitals`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Event, PerformanceEntry, PerformanceObserver, PerformanceObserverEntryList,
    PerformanceObserverInit, VisibilityState,
};

/// What one page view measured, in milliseconds but the layout shift
/// (`None` where the browser does not measure layout shifts: a 0 from
/// them would read as a perfect page).
#[derive(Default)]
struct Measured {
    ttfb: Option<f64>,
    lcp: Option<f64>,
    inp: Option<f64>,
    cls: Option<f64>,
    tti: Option<f64>,
    sent: bool,
}

/// Starts measuring this page view, when it is one of the sample; `build`
/// names the bundle (`islands` or `spa`), `endpoint` where the beacon goes.
/// Called once the page is interactive: that moment is its `tti`.
pub fn watch(build: &'static str, endpoint: String) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if js_sys::Math::random() >= sample_rate(&window) {
        return;
    }
    let Some(performance) = window.performance() else {
        return;
    };
    let measured = Rc::new(RefCell::new(Measured {
        tti: Some(performance.now()),
        cls: supported("layout-shift").then_some(0.0),
        ..Measured::default()
    }));
    if let Some(navigation) = performance
        .get_entries_by_type("navigation")
        .get(0)
        .dyn_ref::<PerformanceEntry>()
    {
        measured.borrow_mut().ttfb = number(navigation, "responseStart");
    }
    observe("largest-contentful-paint", &measured, |measured, entry| {
        measured.lcp = Some(entry.start_time());
    });
    observe("layout-shift", &measured, |measured, entry| {
        if Reflect::get(entry, &"hadRecentInput".into())
            .ok()
            .and_then(|v| v.as_bool())
            != Some(true)
        {
            if let Some(cls) = measured.cls.as_mut() {
                *cls += number(entry, "value").unwrap_or(0.0);
            }
        }
    });
    // The slowest interaction stands for them all: a page view has few.
    observe("event", &measured, |measured, entry| {
        if number(entry, "interactionId").unwrap_or(0.0) > 0.0 {
            measured.inp = Some(measured.inp.unwrap_or(0.0).max(entry.duration()));
        }
    });
    let page = page_kind(&window);
    // Once: when the page is hidden (a tab switched or closed, the phone
    // locked), or left.
    let send = {
        let measured = measured.clone();
        Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let Some(window) = web_sys::window() else {
                return;
            };
            let hidden = window
                .document()
                .is_none_or(|document| document.visibility_state() == VisibilityState::Hidden);
            let mut measured = measured.borrow_mut();
            if measured.sent || !(hidden || event.type_() == "pagehide") {
                return;
            }
            measured.sent = true;
            let beacon = beacon(build, page, &measured);
            let _ = window
                .navigator()
                .send_beacon_with_opt_str(&endpoint, Some(&beacon));
        })
    };
    let listener = send.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("pagehide", listener);
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", listener);
    }
    // For the page's lifetime.
    send.forget();
}

/// The share the page was given, 0 when it says nothing readable.
fn sample_rate(window: &web_sys::Window) -> f64 {
    window
        .document()
        .and_then(|document| {
            document
                .query_selector(&format!("meta[name=\"{}\"]", app::VITALS_SAMPLE))
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .and_then(|content| content.parse::<f64>().ok())
        .filter(|rate| (0.0..=1.0).contains(rate))
        .unwrap_or(0.0)
}

/// Calls `record` with each entry of `entry_type`, the ones from before the
/// bundle loaded included.
fn observe(
    entry_type: &str,
    measured: &Rc<RefCell<Measured>>,
    record: fn(&mut Measured, &PerformanceEntry),
) {
    let measured = measured.clone();
    let callback = Closure::<dyn FnMut(PerformanceObserverEntryList)>::new(
        move |entries: PerformanceObserverEntryList| {
            let mut measured = measured.borrow_mut();
            for entry in entries.get_entries().iter() {
                if let Some(entry) = entry.dyn_ref::<PerformanceEntry>() {
                    record(&mut measured, entry);
                }
            }
        },
    );
    let Ok(observer) = PerformanceObserver::new(callback.as_ref().unchecked_ref()) else {
        return;
    };
    // `type` and `buffered` (the entries from before now) with the
    // shortest duration the event timing API reports.
    let options = Object::new();
    let _ = Reflect::set(&options, &"type".into(), &entry_type.into());
    let _ = Reflect::set(&options, &"buffered".into(), &JsValue::TRUE);
    let _ = Reflect::set(&options, &"durationThreshold".into(), &16.into());
    observer.observe(options.unchecked_ref::<PerformanceObserverInit>());
    callback.forget();
}

/// Whether this browser reports performance entries of `entry_type`.
fn supported(entry_type: &str) -> bool {
    let observer = js_sys::global()
        .dyn_into::<Object>()
        .ok()
        .and_then(|global| Reflect::get(&global, &"PerformanceObserver".into()).ok());
    observer
        .and_then(|observer| Reflect::get(&observer, &"supportedEntryTypes".into()).ok())
        .and_then(|types| types.dyn_into::<js_sys::Array>().ok())
        .is_some_and(|types| types.includes(&entry_type.into(), 0))
}

fn number(entry: &JsValue, field: &str) -> Option<f64> {
    Reflect::get(entry, &field.into()).ok()?.as_f64()
}

/// The kind of page, from the path it was loaded at: one of the few the
/// server keeps (`server/src/metrics/vitals.rs`).
fn page_kind(window: &web_sys::Window) -> &'static str {
    let path = window.location().pathname().unwrap_or_default();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "" | "tag" => "home",
        "article" => "article",
        "profile" => "profile",
        "editor" => "editor",
        "settings" => "settings",
        "login" => "login",
        "register" => "register",
        _ => "other",
    }
}

fn beacon(build: &str, page: &str, measured: &Measured) -> String {
    let fields = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&fields, &key.into(), &value);
    };
    set("build", build.into());
    set("page", page.into());
    for (key, value) in [
        ("ttfb", measured.ttfb),
        ("lcp", measured.lcp),
        ("inp", measured.inp),
        ("tti", measured.tti),
    ] {
        if let Some(millis) = value.filter(|millis| millis.is_finite() && *millis >= 0.0) {
            set(key, millis.into());
        }
    }
    if let Some(cls) = measured.cls {
        set("cls", cls.into());
    }
    js_sys::JSON::stringify(&fields)
        .ok()
        .and_then(|json| json.as_string())
        .unwrap_or_default()
}
