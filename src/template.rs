//! The blank input workbook, generated from the same schemas the checks use, so that
//! most findings never happen: one sheet per table (title, canonical header with required
//! columns marked `*`, widths, frozen header), dropdowns for enums (long lists kept in a
//! hidden 选项 sheet), number, whole-number, date and text-length validations with the
//! schema's ranges and Chinese error messages, text format on code, ID and phone columns,
//! input prompts from the field descriptions, and a 填表说明 sheet.

use std::path::Path;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
};

use crate::output::names::{sheet_name, Unique};
use crate::schema::{Field, FieldType, Lexicon, Schemas, TableId, TableSchema};

/// Rows of the data area that carry formats and validations.
pub const TEMPLATE_ROWS: u32 = 1000;
/// The header row (0-based): title, 填报单位 line, then the header.
pub const HEADER_ROW: u32 = 2;
/// A list with more values than this goes to the hidden 选项 sheet.
pub const INLINE_LIST_MAX: usize = 8;
/// Name of the hidden sheet holding long lists.
pub const LIST_SHEET: &str = "选项";

/// The title above a table sheet: the schema's `title` with `{village}` filled (the
/// village's name, or a placeholder for it), else the table's label.
pub fn title(t: &TableSchema, village: &str) -> String {
    let v = if village.is_empty() { "XX" } else { village };
    if t.table.title.is_empty() {
        format!("{v} {}", t.table.label)
    } else {
        t.table.title.replace("{village}", v)
    }
}

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// What the 填表说明 sheet and the error messages say about a field's allowed values.
pub fn allowed_text(f: &Field, lex: &Lexicon) -> String {
    match f.ty {
        FieldType::Enum => f.values.join("、"),
        FieldType::EnumList => format!("{}（可多选，用顿号“、”分隔）", f.values.join("、")),
        FieldType::Bool => format!("{}、{}", lex.yes(), lex.no()),
        FieldType::Integer | FieldType::Number | FieldType::Lon | FieldType::Lat => {
            let (words, _) = crate::codes::number_range(f.min, f.max, f.min_exclusive);
            if words.is_empty() {
                "数字".into()
            } else {
                words
            }
        }
        FieldType::Date => {
            let lo = f.min_date.clone().unwrap_or_default();
            let hi = match f.max_date.as_deref() {
                Some("today") => "今天".to_string(),
                Some(x) => x.to_string(),
                None => String::new(),
            };
            match (lo.is_empty(), hi.is_empty()) {
                (false, false) => format!("日期，{lo} 至 {hi}"),
                (false, true) => format!("日期，不早于 {lo}"),
                (true, false) => format!("日期，不晚于 {hi}"),
                _ => "日期，如 2022-05-19".into(),
            }
        }
        FieldType::IdCard => "18位公民身份号码，末位可为X".into(),
        FieldType::Phone => "手机号11位或固定电话（0+区号+号码）".into(),
        FieldType::Code if !f.pattern_hint.is_empty() => f.pattern_hint.clone(),
        FieldType::Plugin(p) => p.0.hint(),
        _ => match (f.min_len, f.max_len) {
            (Some(a), Some(b)) => format!("{a}–{b}个字"),
            _ => "文本".into(),
        },
    }
}

/// The row rules that name a field, in words.
fn rules_of(t: &TableSchema, key: &str) -> String {
    let re = regex::Regex::new(r"\{[a-z_]+\}").expect("static regex");
    t.rules
        .iter()
        .filter(|r| {
            r.then.field == key
                || r.when.iter().any(|c| c.field == key)
                || r.then.other.as_deref() == Some(key)
        })
        .map(|r| format!("{}：{}", r.code, re.replace_all(&r.message_zh, "…")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        d.year() as u16,
        d.month() as u8,
        d.day() as u8,
    )?)
}

/// The validation of one column, if its type has one.
fn validation(
    f: &Field,
    lex: &Lexicon,
    list_ref: Option<String>,
    today: NaiveDate,
) -> Result<Option<DataValidation>> {
    let err_title = cut(&format!("{}填写有误", f.label), 32);
    let dv =
        match f.ty {
            FieldType::Enum => match list_ref {
                Some(r) => DataValidation::new().allow_list_formula(Formula::new(r)),
                None => DataValidation::new().allow_list_strings(&f.values)?,
            },
            FieldType::Bool => DataValidation::new().allow_list_strings(&[lex.yes(), lex.no()])?,
            FieldType::Integer => {
                let lo = f.min.unwrap_or(0.0) as i32;
                let hi = f.max.map(|m| m as i32).unwrap_or(i32::MAX);
                DataValidation::new().allow_whole_number(DataValidationRule::Between(lo, hi))
            }
            FieldType::Number | FieldType::Lon | FieldType::Lat => match (f.min, f.max) {
                (Some(a), Some(b)) => {
                    DataValidation::new().allow_decimal_number(DataValidationRule::Between(a, b))
                }
                (Some(a), None) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(a)),
                (None, Some(b)) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::LessThanOrEqualTo(b)),
                (None, None) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-1e15, 1e15)),
            },
            FieldType::Date => {
                let lo = f
                    .min_date
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today));
                // "today" moves on after the template is made: keep the upper bound open-ended.
                let hi = match f.max_date.as_deref() {
                    Some(d) if d != "today" => {
                        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or(today)
                    }
                    _ => NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or(today),
                };
                DataValidation::new().allow_date(DataValidationRule::Between(
                    excel_date(lo)?,
                    excel_date(hi)?,
                ))
            }
            FieldType::Text if f.min_len.is_some() || f.max_len.is_some() => DataValidation::new()
                .allow_text_length(DataValidationRule::Between(
                    f.min_len.unwrap_or(0) as u32,
                    f.max_len.unwrap_or(32767) as u32,
                )),
            FieldType::IdCard => {
                DataValidation::new().allow_text_length(DataValidationRule::Between(15, 18))
            }
            // Free text, codes, phones and enum lists get a prompt only.
            _ => DataValidation::new().allow_any_value(),
        };
    let mut prompt = f.description.clone();
    if f.ty == FieldType::EnumList {
        prompt = format!("可选：{}。可多选，用顿号“、”分隔。", f.values.join("、"));
    }
    if !f.example.is_empty() {
        prompt.push_str(&format!("例：{}", f.example));
    }
    let dv = dv
        .set_input_title(cut(
            &format!("{}{}", if f.required { "*必填 " } else { "" }, f.label),
            32,
        ))?
        .set_input_message(cut(&prompt, 255))?
        .set_error_title(err_title)?
        .set_error_message(cut(
            &format!("{}应为：{}", f.label, allowed_text(f, lex)),
            255,
        ))?
        .set_error_style(DataValidationErrorStyle::Stop);
    Ok(Some(dv))
}

/// Write the template for some tables.
pub fn write(
    schemas: &Schemas,
    tables: &[TableId],
    village: &str,
    today: NaiveDate,
    path: &Path,
) -> Result<()> {
    let mut wb = Workbook::new();
    let mut used = Unique::default();
    let bold_title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let req_head = head.clone().set_font_color("#C00000");
    // Built-in format 49 is Excel's own "Text" (文本), which Excel and WPS both honour.
    let text_fmt = Format::new().set_num_format_index(49);
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    // Long lists go to the hidden sheet, one column per field.
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    for &t in tables {
        for f in &schemas.table(t).fields {
            if f.ty == FieldType::Enum
                && f.values.len() > INLINE_LIST_MAX
                && !lists.iter().any(|(k, _)| k == &f.key)
            {
                lists.push((f.key.clone(), f.values.clone()));
            }
        }
    }
    let list_ref = |key: &str| -> Option<String> {
        let i = lists.iter().position(|(k, _)| k == key)?;
        let col = crate::text::col_letters(i as u32);
        Some(format!(
            "={LIST_SHEET}!${col}$2:${col}${}",
            lists[i].1.len() + 1
        ))
    };
    for &t in tables {
        let s = schemas.table(t);
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(sheet_name(&s.table.label, &mut used))?;
        let n = s.fields.len() as u16;
        ws.merge_range(
            0,
            0,
            0,
            n - 1,
            &title(schemas.table(t), village),
            &bold_title,
        )?;
        ws.set_row_height(0, 28)?;
        let unit = if village.is_empty() {
            "        ".to_string()
        } else {
            village.to_string()
        };
        ws.write_string(1, 0, format!("填报单位：{unit}（盖章）\u{3000}\u{3000}填报日期：    年  月  日\u{3000}\u{3000}（带*号为必填项）"))?;
        for (c, f) in s.fields.iter().enumerate() {
            let c = c as u16;
            let label = if f.required {
                format!("*{}", f.label)
            } else {
                f.label.clone()
            };
            ws.write_string_with_format(
                HEADER_ROW,
                c,
                &label,
                if f.required { &req_head } else { &head },
            )?;
            let w = crate::output::workbook::text_width(&label)
                .max(crate::output::workbook::text_width(&f.example))
                + 3.0;
            ws.set_column_width(c, w.clamp(8.0, 40.0))?;
            if f.ty.text_column() {
                ws.set_column_format(c, &text_fmt)?;
            } else if f.ty == FieldType::Date {
                ws.set_column_format(c, &date_fmt)?;
            }
            if let Some(dv) = validation(f, &schemas.lexicon, list_ref(&f.key), today)? {
                ws.add_data_validation(HEADER_ROW + 1, c, HEADER_ROW + TEMPLATE_ROWS, c, &dv)?;
            }
        }
        ws.set_row_height(HEADER_ROW, 32)?;
        ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    }
    // 填表说明
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("填表说明", &mut used))?;
    let heads = [
        "表",
        "列名",
        "必填",
        "类型",
        "允许的值",
        "相关规则",
        "示例",
        "说明",
    ];
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &head)?;
    }
    for (i, w) in [12.0, 18.0, 6.0, 10.0, 50.0, 60.0, 24.0, 50.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(i as u16, *w)?;
    }
    let wrap = Format::new().set_text_wrap();
    let mut r = 1u32;
    for &t in tables {
        let s = schemas.table(t);
        for f in &s.fields {
            ws.write_string(r, 0, &s.table.label)?;
            ws.write_string(r, 1, &f.label)?;
            let lex = &schemas.lexicon;
            ws.write_string(r, 2, if f.required { lex.yes() } else { lex.no() })?;
            ws.write_string(r, 3, f.ty.name_zh())?;
            ws.write_string_with_format(r, 4, allowed_text(f, &schemas.lexicon), &wrap)?;
            ws.write_string_with_format(r, 5, rules_of(s, &f.key), &wrap)?;
            ws.write_string(r, 6, &f.example)?;
            ws.write_string_with_format(r, 7, &f.description, &wrap)?;
            r += 1;
        }
    }
    r += 1;
    let mut text_cols: Vec<&str> = Vec::new();
    for &t in tables {
        for f in schemas
            .table(t)
            .fields
            .iter()
            .filter(|f| f.ty.text_column())
        {
            if !text_cols.contains(&f.label.as_str()) {
                text_cols.push(&f.label);
            }
        }
    }
    let first = format!(
        "1. {}列已设为“文本”格式，请直接录入，不要改成数字格式，否则长号码的后几位会丢失。",
        text_cols.join("、")
    );
    for line in [
        first.as_str(),
        "2. 日期请按“2022-05-19”填写；下拉列表中的选项请直接选择，不要自行改写。",
        "3. 可多选的项用顿号“、”分隔；没有内容的可选项留空。",
        "4. 不要合并单元格、不要在数据中间插入合计行；填表人、审核人写在表格下方。",
    ] {
        ws.write_string(r, 0, line)?;
        r += 1;
    }
    ws.set_freeze_panes(1, 0)?;
    if !lists.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(LIST_SHEET)?;
        for (i, (key, values)) in lists.iter().enumerate() {
            ws.write_string(0, i as u16, key)?;
            for (k, v) in values.iter().enumerate() {
                ws.write_string(k as u32 + 1, i as u16, v)?;
            }
        }
        ws.set_hidden(true);
    }
    crate::output::workbook::save_xlsx(&mut wb, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_texts_follow_the_schema() {
        let s = Schemas::shipped().unwrap();
        let b = s.table(s.id("buildings").unwrap());
        assert_eq!(allowed_text(b.field("floors").unwrap(), &s.lexicon), "1–30");
        assert_eq!(
            allowed_text(b.field("area").unwrap(), &s.lexicon),
            "大于0且不超过100000"
        );
        assert!(allowed_text(b.field("survey_date").unwrap(), &s.lexicon).contains("2022-03-01"));
        assert!(rules_of(b, "business_type").contains("R101"));
    }
}
