//! CSV bytes of any encoding through decoding, parsing and recognition: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selfbuilt::read::{csvfile, Limits};
use selfbuilt::recognise;
use selfbuilt::schema::Schemas;

fuzz_target!(|data: &[u8]| {
    static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    let s = S.get_or_init(|| Schemas::shipped().expect("shipped schemas"));
    let (text, _) = csvfile::decode(data);
    let limits = Limits { max_cells: 10_000, ..Limits::default() };
    if let Ok(g) = csvfile::parse_text(&text, "f.csv", &limits) {
        let _ = recognise::recognise(&g, s, "f.csv", chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    }
    let _ = selfbuilt::read::sniff::sniff(data, "xlsx");
});
