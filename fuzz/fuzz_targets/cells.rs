//! Every cell parser of every field on arbitrary text and numbers: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selfbuilt::cells::{self, Ctx};
use selfbuilt::read::Raw;
use selfbuilt::schema::Schemas;

fuzz_target!(|data: &[u8]| {
    static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    let s = S.get_or_init(|| Schemas::shipped().expect("shipped schemas"));
    let ctx = Ctx { lexicon: &s.lexicon, today: chrono::NaiveDate::from_ymd_opt(2026, 11, 29).expect("date") };
    let text = String::from_utf8_lossy(data);
    let num = data.get(..8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
    for t in &s.tables {
        for f in &t.fields {
            let _ = cells::parse(f, &Raw::Text(text.to_string()), &ctx);
            if let Some(n) = num {
                let _ = cells::parse(f, &Raw::Num(n), &ctx);
                let _ = cells::parse(f, &Raw::Date { serial: n, date: cells::date::serial_to_date(n, false), is_1904: false }, &ctx);
            }
        }
    }
});
