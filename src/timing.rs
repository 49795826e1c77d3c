//! Stage timings: how long each stage of a run took, printed to stderr when the
//! environment variable SELFBUILT_TIMINGS is set (every stage and writer uses it).

/// Print how long a stage took when SELFBUILT_TIMINGS is set.
/// (Each line also says when the stage ended, counted from the first timed stage.)
pub fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    let t0 = std::time::Instant::now();
    let r = f();
    if std::env::var_os("SELFBUILT_TIMINGS").is_some() {
        // Padded by display width: a CJK character takes two columns.
        let width: usize = what
            .chars()
            .map(|c| if (c as u32) < 0x2E80 { 1 } else { 2 })
            .sum();
        let pad = " ".repeat(22usize.saturating_sub(width));
        eprintln!(
            "timing: {what}{pad} {:>8.3} s   (at {:>7.3} s)",
            t0.elapsed().as_secs_f64(),
            start.elapsed().as_secs_f64()
        );
    }
    r
}
