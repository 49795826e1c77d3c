//! The looks several outputs share: the cell formats of the workbooks for people
//! (errors.xlsx, the annotated copies, the return packages) and the palette of the tally's
//! charts (tally.xlsx, report.html).

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};

/// The header cell of a table a person reads across (tally.xlsx, the roll-up's, the
/// template): bold, light blue, thin border, wrapped and centred.
pub fn column_head() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
}

/// The cell formats errors.xlsx (and the other workbooks for people) write with.
pub struct Styles {
    /// Header row: bold, filled.
    pub head: Format,
    /// An error to fix (red).
    pub error: Format,
    /// A warning to look at (yellow).
    pub warning: Format,
    /// A knock-on: held back because of another row, nothing to fix here (grey).
    pub held: Format,
    /// Long text: wrapped, from the top of the cell.
    pub wrap: Format,
    /// Every other cell: from the top, so that a row reads across beside wrapped text.
    pub top: Format,
    /// A total row: bold.
    pub total: Format,
    /// A label beside wrapped text: bold, from the top.
    pub label: Format,
}

impl Styles {
    /// The formats, made once per workbook.
    pub fn new() -> Styles {
        Styles {
            head: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#DDEBF7")
                .set_border(FormatBorder::Thin),
            error: Format::new()
                .set_align(FormatAlign::Top)
                .set_background_color("#FFC7CE")
                .set_font_color("#9C0006"),
            warning: Format::new()
                .set_align(FormatAlign::Top)
                .set_background_color("#FFEB9C")
                .set_font_color("#9C5700"),
            held: Format::new()
                .set_align(FormatAlign::Top)
                .set_background_color("#EDEDED")
                .set_font_color("#595959"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            top: Format::new().set_align(FormatAlign::Top),
            total: Format::new().set_bold().set_border_top(FormatBorder::Thin),
            label: Format::new().set_bold().set_align(FormatAlign::Top),
        }
    }
}

impl Default for Styles {
    fn default() -> Self {
        Styles::new()
    }
}

/// Bar colours when the campaign gives none (`chart_colours`): neutral, none of them the
/// red that says "wrong".
pub const COLOURS: [&str; 6] = [
    "#4472C4", "#ED7D31", "#7F7F7F", "#FFC000", "#5B9BD5", "#70AD47",
];

/// The colour of a chart's `k`th column: the campaign's, else the neutral palette's.
pub fn colour(given: &[String], k: usize) -> &str {
    given
        .get(k)
        .map(String::as_str)
        .unwrap_or(COLOURS[k % COLOURS.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_campaigns_colours_come_first_then_the_palette_round() {
        let given = vec!["#000000".to_string()];
        assert_eq!(colour(&given, 0), "#000000");
        assert_eq!(colour(&given, 1), COLOURS[1]);
        assert_eq!(colour(&[], COLOURS.len()), COLOURS[0]);
    }
}
