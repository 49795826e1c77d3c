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
    FormatAlign, Formula, Workbook, Worksheet,
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
pub fn title(table: &TableSchema, village: &str) -> String {
    let name = if village.is_empty() { "XX" } else { village };
    if table.table.title.is_empty() {
        format!("{name} {}", table.table.label)
    } else {
        table.table.title.replace("{village}", name)
    }
}

fn cut(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// What the 填表说明 sheet and the error messages say about a field's allowed values.
pub fn allowed_text(field: &Field, lex: &Lexicon) -> String {
    match field.ty {
        FieldType::Enum => field.values.join("、"),
        FieldType::EnumList => format!("{}（可多选，用顿号“、”分隔）", field.values.join("、")),
        FieldType::Bool => format!("{}、{}", lex.yes(), lex.no()),
        FieldType::Integer | FieldType::Number | FieldType::Lon | FieldType::Lat => {
            let (words, _) = crate::codes::number_range(field.min, field.max, field.min_exclusive);
            if words.is_empty() {
                "数字".into()
            } else {
                words
            }
        }
        FieldType::Date => {
            let earliest = field.min_date.clone().unwrap_or_default();
            let latest = match field.max_date.as_deref() {
                Some("today") => "今天".to_string(),
                Some(date) => date.to_string(),
                None => String::new(),
            };
            match (earliest.is_empty(), latest.is_empty()) {
                (false, false) => format!("日期，{earliest} 至 {latest}"),
                (false, true) => format!("日期，不早于 {earliest}"),
                (true, false) => format!("日期，不晚于 {latest}"),
                _ => "日期，如 2022-05-19".into(),
            }
        }
        FieldType::IdCard => "18位公民身份号码，末位可为X".into(),
        FieldType::Phone => "手机号11位或固定电话（0+区号+号码）".into(),
        FieldType::Code if !field.pattern_hint.is_empty() => field.pattern_hint.clone(),
        FieldType::Plugin(plugin) => plugin.0.hint(),
        _ => match (field.min_len, field.max_len) {
            (Some(min), Some(max)) => format!("{min}–{max}个字"),
            _ => "文本".into(),
        },
    }
}

/// The row rules that name a field, in words.
fn rules_of(table: &TableSchema, key: &str) -> String {
    let placeholder = regex::Regex::new(r"\{[a-z_]+\}").expect("static regex");
    table
        .rules
        .iter()
        .filter(|r| {
            r.then.field == key
                || r.when.iter().any(|c| c.field == key)
                || r.then.other.as_deref() == Some(key)
        })
        .map(|r| {
            format!(
                "{}：{}",
                r.text.code,
                placeholder.replace_all(&r.text.message_zh, "…")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        date.year() as u16,
        date.month() as u8,
        date.day() as u8,
    )?)
}

/// The validation of one column, if its type has one.
fn validation(
    field: &Field,
    lex: &Lexicon,
    list_ref: Option<String>,
    today: NaiveDate,
) -> Result<Option<DataValidation>> {
    let err_title = cut(&format!("{}填写有误", field.label), 32);
    let rule = match field.ty {
        FieldType::Enum => match list_ref {
            Some(formula) => DataValidation::new().allow_list_formula(Formula::new(formula)),
            None => DataValidation::new().allow_list_strings(&field.values)?,
        },
        FieldType::Bool => DataValidation::new().allow_list_strings(&[lex.yes(), lex.no()])?,
        FieldType::Integer => {
            let lowest = field.min.unwrap_or(0.0) as i32;
            let highest = field.max.map(|m| m as i32).unwrap_or(i32::MAX);
            DataValidation::new().allow_whole_number(DataValidationRule::Between(lowest, highest))
        }
        FieldType::Number | FieldType::Lon | FieldType::Lat => {
            match (field.min, field.max) {
                (Some(min), Some(max)) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(min, max)),
                (Some(min), None) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(min)),
                (None, Some(max)) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::LessThanOrEqualTo(max)),
                (None, None) => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-1e15, 1e15)),
            }
        }
        FieldType::Date => {
            let earliest = field
                .min_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today));
            // "today" moves on after the template is made: keep the upper bound open-ended.
            let latest = match field.max_date.as_deref() {
                Some(date) if date != "today" => {
                    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or(today)
                }
                _ => NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or(today),
            };
            DataValidation::new().allow_date(DataValidationRule::Between(
                excel_date(earliest)?,
                excel_date(latest)?,
            ))
        }
        FieldType::Text if field.min_len.is_some() || field.max_len.is_some() => {
            DataValidation::new().allow_text_length(DataValidationRule::Between(
                field.min_len.unwrap_or(0) as u32,
                field.max_len.unwrap_or(32767) as u32,
            ))
        }
        FieldType::IdCard => {
            DataValidation::new().allow_text_length(DataValidationRule::Between(15, 18))
        }
        // Free text, codes, phones and enum lists get a prompt only.
        _ => DataValidation::new().allow_any_value(),
    };
    let mut prompt = field.description.clone();
    if field.ty == FieldType::EnumList {
        prompt = format!(
            "可选：{}。可多选，用顿号“、”分隔。",
            field.values.join("、")
        );
    }
    if !field.example.is_empty() {
        prompt.push_str(&format!("例：{}", field.example));
    }
    let rule = rule
        .set_input_title(cut(
            &format!(
                "{}{}",
                if field.required { "*必填 " } else { "" },
                field.label
            ),
            32,
        ))?
        .set_input_message(cut(&prompt, 255))?
        .set_error_title(err_title)?
        .set_error_message(cut(
            &format!("{}应为：{}", field.label, allowed_text(field, lex)),
            255,
        ))?
        .set_error_style(DataValidationErrorStyle::Stop);
    Ok(Some(rule))
}

/// Write the template for some tables.
pub fn write(
    schemas: &Schemas,
    tables: &[TableId],
    village: &str,
    today: NaiveDate,
    path: &Path,
) -> Result<()> {
    let mut workbook = Workbook::new();
    let mut used = Unique::default();
    let formats = Formats::new();
    let lists = long_lists(schemas, tables);
    for &table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&schemas.table(table).table.label, &mut used))?;
        table_sheet(sheet, schemas, table, village, today, &formats, &lists)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name("填表说明", &mut used))?;
    instructions_sheet(sheet, schemas, tables, &formats.head)?;
    if !lists.is_empty() {
        lists_sheet(workbook.add_worksheet(), &lists)?;
    }
    crate::output::workbook::save_xlsx(&mut workbook, path, today)
}

/// The cell formats of the template.
struct Formats {
    /// The title above a table.
    title: Format,
    /// A header cell.
    head: Format,
    /// A required field's header cell (red).
    required_head: Format,
    /// A text column.
    text: Format,
    /// A date column.
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let head = crate::output::styles::column_head();
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center),
            required_head: head.clone().set_font_color("#C00000"),
            head,
            // Built-in format 49 is Excel's own "Text" (文本), which Excel and WPS both honour.
            text: Format::new().set_num_format_index(49),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// The enum fields' lists too long for a dropdown of their own, by field key, once each:
/// they go to the hidden sheet, one column per field.
fn long_lists(schemas: &Schemas, tables: &[TableId]) -> Vec<(String, Vec<String>)> {
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    for &table in tables {
        for f in &schemas.table(table).fields {
            if f.ty == FieldType::Enum
                && f.values.len() > INLINE_LIST_MAX
                && !lists.iter().any(|(key, _)| key == &f.key)
            {
                lists.push((f.key.clone(), f.values.clone()));
            }
        }
    }
    lists
}

/// The formula naming a field's list on the hidden sheet, when its list is there.
fn list_ref(lists: &[(String, Vec<String>)], key: &str) -> Option<String> {
    let column = lists.iter().position(|(k, _)| k == key)?;
    let letters = crate::text::col_letters(column as u32);
    Some(format!(
        "={LIST_SHEET}!${letters}$2:${letters}${}",
        lists[column].1.len() + 1
    ))
}

/// One table's sheet: title, the unit and date line, the header, column widths and
/// formats, validations, frozen header.
fn table_sheet(
    sheet: &mut Worksheet,
    schemas: &Schemas,
    table: TableId,
    village: &str,
    today: NaiveDate,
    formats: &Formats,
    lists: &[(String, Vec<String>)],
) -> Result<()> {
    let schema = schemas.table(table);
    let width = schema.fields.len() as u16;
    sheet.merge_range(0, 0, 0, width - 1, &title(schema, village), &formats.title)?;
    sheet.set_row_height(0, 28)?;
    let unit = if village.is_empty() {
        "        ".to_string()
    } else {
        village.to_string()
    };
    sheet.write_string(1, 0, format!("填报单位：{unit}（盖章）\u{3000}\u{3000}填报日期：    年  月  日\u{3000}\u{3000}（带*号为必填项）"))?;
    for (column, f) in schema.fields.iter().enumerate() {
        let column = column as u16;
        let label = if f.required {
            format!("*{}", f.label)
        } else {
            f.label.clone()
        };
        sheet.write_string_with_format(
            HEADER_ROW,
            column,
            &label,
            if f.required {
                &formats.required_head
            } else {
                &formats.head
            },
        )?;
        let chars = crate::output::workbook::text_width(&label)
            .max(crate::output::workbook::text_width(&f.example))
            + 3.0;
        sheet.set_column_width(column, chars.clamp(8.0, 40.0))?;
        if f.ty.text_column() {
            sheet.set_column_format(column, &formats.text)?;
        } else if f.ty == FieldType::Date {
            sheet.set_column_format(column, &formats.date)?;
        }
        if let Some(rule) = validation(f, &schemas.lexicon, list_ref(lists, &f.key), today)? {
            sheet.add_data_validation(
                HEADER_ROW + 1,
                column,
                HEADER_ROW + TEMPLATE_ROWS,
                column,
                &rule,
            )?;
        }
    }
    sheet.set_row_height(HEADER_ROW, 32)?;
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    Ok(())
}

/// The 填表说明 sheet: one row per field of each table (required, type, allowed values,
/// rules, example, description), then the notes on filling in.
fn instructions_sheet(
    sheet: &mut Worksheet,
    schemas: &Schemas,
    tables: &[TableId],
    head: &Format,
) -> Result<()> {
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
    for (column, text) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *text, head)?;
    }
    for (column, width) in [12.0, 18.0, 6.0, 10.0, 50.0, 60.0, 24.0, 50.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(column as u16, *width)?;
    }
    let wrap = Format::new().set_text_wrap();
    let lex = &schemas.lexicon;
    let mut row = 1u32;
    for &table in tables {
        let schema = schemas.table(table);
        for f in &schema.fields {
            sheet.write_string(row, 0, &schema.table.label)?;
            sheet.write_string(row, 1, &f.label)?;
            sheet.write_string(row, 2, if f.required { lex.yes() } else { lex.no() })?;
            sheet.write_string(row, 3, f.ty.name_zh())?;
            sheet.write_string_with_format(row, 4, allowed_text(f, lex), &wrap)?;
            sheet.write_string_with_format(row, 5, rules_of(schema, &f.key), &wrap)?;
            sheet.write_string(row, 6, &f.example)?;
            sheet.write_string_with_format(row, 7, &f.description, &wrap)?;
            row += 1;
        }
    }
    row += 1;
    let first = format!(
        "1. {}列已设为“文本”格式，请直接录入，不要改成数字格式，否则长号码的后几位会丢失。",
        text_columns(schemas, tables).join("、")
    );
    for line in [
        first.as_str(),
        "2. 日期请按“2022-05-19”填写；下拉列表中的选项请直接选择，不要自行改写。",
        "3. 可多选的项用顿号“、”分隔；没有内容的可选项留空。",
        "4. 不要合并单元格、不要在数据中间插入合计行；填表人、审核人写在表格下方。",
    ] {
        sheet.write_string(row, 0, line)?;
        row += 1;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The labels of the text-formatted columns of `tables`, once each, in order.
fn text_columns<'a>(schemas: &'a Schemas, tables: &[TableId]) -> Vec<&'a str> {
    let mut labels: Vec<&str> = Vec::new();
    for &table in tables {
        for f in schemas
            .table(table)
            .fields
            .iter()
            .filter(|f| f.ty.text_column())
        {
            if !labels.contains(&f.label.as_str()) {
                labels.push(&f.label);
            }
        }
    }
    labels
}

/// The hidden sheet of long lists: one column per field, its key on top.
fn lists_sheet(sheet: &mut Worksheet, lists: &[(String, Vec<String>)]) -> Result<()> {
    sheet.set_name(LIST_SHEET)?;
    for (column, (key, values)) in lists.iter().enumerate() {
        sheet.write_string(0, column as u16, key)?;
        for (k, value) in values.iter().enumerate() {
            sheet.write_string(k as u32 + 1, column as u16, value)?;
        }
    }
    sheet.set_hidden(true);
    Ok(())
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
