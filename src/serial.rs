//! Excel's date serial numbers: days since 1899-12-30 in the 1900 system (which counts the
//! 1900-02-29 that never was), or since 1904-01-01 in the 1904 system. Used by the readers
//! (telling the two systems apart), the cell parsers and the writers.

use chrono::NaiveDate;

/// The calendar date of an Excel serial (fraction = time of day, ignored).
pub fn serial_to_date(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(0.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)?.checked_add_days(chrono::Days::new(days as u64))
    } else {
        // Excel's 1900 system counts the non-existent 1900-02-29 (serial 60).
        let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
        let d = if days < 61 { days + 1 } else { days };
        base.checked_add_days(chrono::Days::new(d as u64))
    }
}

/// The Excel serial (1900 system) of a date.
pub fn date_to_serial(d: NaiveDate) -> f64 {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid base");
    (d - base).num_days() as f64
}
