//! Row checks: parse every mapped cell of a data row, report cell issues and required
//! fields left empty, record every change in the audit trail, then evaluate the schema's
//! declarative row rules (required-if, empty-if, forbidden combination, comparisons).

use std::sync::Arc;

use crate::cells::memo::Memo;
use crate::cells::{self, Ctx, Val};
use crate::finding::{ChangeLog, Finding, Message, Severity};
use crate::model::Record;
use crate::read::{GridRow, Raw};
use crate::recognise::Column;
use crate::schema::{RowRule, TableSchema};

/// Where a row came from, for findings, and the sheet's column of each field.
pub struct Place<'a> {
    /// Index of the input file in the run.
    pub file_idx: usize,
    /// The file's path, as findings name it.
    pub file: &'a str,
    /// The sheet's name, shared by the sheet's records.
    pub sheet_name: Arc<str>,
    /// The file's path, shared by the audit trail's entries.
    pub file_name: Arc<str>,
    /// Field keys, shared by the audit trail's entries.
    pub keys: Vec<Arc<str>>,
    /// The sheet's column of each field (None when it has none).
    pub cols: Arc<[Option<u32>]>,
}

impl<'a> Place<'a> {
    /// The place of a sheet's rows, from its file and its column mapping.
    pub fn new(
        file_idx: usize,
        file: &'a str,
        sheet: &str,
        t: &TableSchema,
        columns: &[Column],
    ) -> Place<'a> {
        let mut cols = vec![None; t.fields.len()];
        for c in columns {
            if let Some(f) = c.field {
                cols[f] = Some(c.col);
            }
        }
        Place {
            file_idx,
            file,
            sheet_name: Arc::from(sheet),
            file_name: Arc::from(file),
            keys: t.fields.iter().map(|f| Arc::from(f.key.as_str())).collect(),
            cols: cols.into(),
        }
    }
}

/// Parse and check one data row.
pub fn check_row(
    t: &TableSchema,
    row: &GridRow,
    place: &Place,
    ctx: &Ctx,
    findings: &mut Vec<Finding>,
    changes: &mut ChangeLog,
    memo: &mut Memo,
) -> Record {
    let n = t.fields.len();
    let before = findings.len();
    let mut rec = Record {
        table: t.id,
        file: place.file_idx,
        sheet: place.sheet_name.clone(),
        row: row.idx,
        vals: vec![Val::Empty; n],
        cols: place.cols.clone(),
        bad: vec![false; n],
        rejected: false,
        held: false,
        kept: None,
    };
    for (i, field) in t.fields.iter().enumerate() {
        match rec.cols[i] {
            Some(col) => {
                let cell = Cell { field, i, row, col };
                let (clean, parsed) = memo.parse(i, row.get(col), || parse_cell(&cell, ctx));
                check_cell(&cell, clean, parsed, place, &mut rec, findings, changes);
            }
            None => {
                if let Some(d) = &field.default {
                    rec.vals[i] = Val::Text(d.clone().into());
                }
            }
        }
    }
    required_columns_missing(t, &mut rec, place, findings);
    for rule in &t.rules {
        if let Some(f) = eval_rule(t, rule, &rec, place) {
            findings.push(f);
        }
    }
    rec.rejected = findings[before..].iter().any(|f| f.is_error());
    rec
}

/// One cell of a row being checked: its field (the `i`th) and where it is.
struct Cell<'a> {
    field: &'a crate::schema::Field,
    i: usize,
    row: &'a GridRow,
    col: u32,
}

/// The cell as written, with the characters XML cannot carry dropped (an audit line),
/// parsed by its field's type; a text too long for a cell cut (said, unless the cell
/// already has something to say).
fn parse_cell(cell: &Cell, ctx: &Ctx) -> (Option<Raw>, cells::Parsed) {
    let written = cell.row.get(cell.col);
    let clean = match written {
        Raw::Text(s) => crate::text::without_xml_illegal(s).map(|s| Raw::Text(s.into())),
        _ => None,
    };
    let mut parsed = cells::parse(cell.field, clean.as_ref().unwrap_or(written), ctx);
    if let cells::Val::Text(v) = &parsed.val {
        if let Some(cut) = crate::text::cut_to_cell(v) {
            let n = v.encode_utf16().count();
            parsed.val = cells::Val::Text(cut.into());
            if parsed.issue.is_none() {
                let field = cell.field;
                parsed.issue =
                    Some(crate::codes::text_cut(&field.label, &field.label_en, n).into());
            }
        }
    }
    (clean, parsed)
}

/// Take one cell's parsed answer (`parse_cell`'s, perhaps remembered) into the record: its
/// finding if any (an error makes the field unusable), its default when empty, a required value missing, and what cleaning
/// changed in the audit trail.
fn check_cell(
    cell: &Cell,
    clean: Option<Raw>,
    parsed: cells::Parsed,
    place: &Place,
    rec: &mut Record,
    findings: &mut Vec<Finding>,
    changes: &mut ChangeLog,
) {
    let (field, i, idx, col) = (cell.field, cell.i, cell.row.idx, cell.col);
    let written = cell.row.get(col);
    let raw = clean.as_ref().unwrap_or(written);
    // The cell as written, built only when a finding or a change needs it.
    let shown = || -> String {
        match written {
            Raw::Text(s) => s.to_string(),
            other => other.display(),
        }
    };
    let at_cell = |f: Finding| {
        f.at_file(place.file)
            .at_sheet(&place.sheet_name)
            .at_cell(idx, Some(col))
            .field(&field.key)
    };
    if let Some(issue) = &parsed.issue {
        rec.bad[i] |= issue.severity == Severity::Error;
        findings.push(
            at_cell(Finding::rule(issue.code, issue.severity))
                .value(&shown())
                .says(Message {
                    zh: issue.zh.clone(),
                    en: issue.en.clone(),
                    fix_zh: issue.fix_zh.clone(),
                    fix_en: issue.fix_en.clone(),
                }),
        );
    }
    let mut val = parsed.val;
    if val.is_empty() {
        if let Some(d) = &field.default {
            val = Val::Text(d.clone().into());
        }
    }
    if val.is_empty() && field.required && !rec.bad[i] {
        rec.bad[i] = true;
        let shown = shown();
        let (l, le, ex) = (&field.label, &field.label_en, &field.example);
        let said = if raw.is_empty() {
            crate::codes::required_empty(l, le, ex)
        } else {
            crate::codes::required_placeholder(l, le, crate::text::trim(&shown), ex)
        };
        findings.push(at_cell(Finding::new(said)).value(&shown));
    }
    if !rec.bad[i] && !unchanged(written, &val) {
        let same = match written {
            Raw::Text(s) => val.shows(s),
            other => val.shows(&other.display()),
        };
        if !same {
            let (old, new) = (shown(), val.display());
            changes.push(
                &place.file_name,
                &place.sheet_name,
                idx,
                col,
                &place.keys[i],
                &old,
                &new,
            );
        }
    }
    rec.vals[i] = val;
}

/// Required fields whose column is missing altogether: one finding per row so the row is
/// listed as rejected (the sheet-level S001 says why).
fn required_columns_missing(
    t: &TableSchema,
    rec: &mut Record,
    place: &Place,
    findings: &mut Vec<Finding>,
) {
    for (i, field) in t.fields.iter().enumerate() {
        if field.required && rec.cols[i].is_none() && rec.vals[i].is_empty() {
            rec.bad[i] = true;
            findings.push(
                Finding::new(crate::codes::required_column_missing(
                    &field.label,
                    &field.label_en,
                ))
                .at_file(place.file)
                .at_sheet(&place.sheet_name)
                .at_cell(rec.row, None)
                .field(&field.key),
            );
        }
    }
}

/// Cleaning left the value as written (cheap answers for the common cases).
fn unchanged(raw: &Raw, val: &Val) -> bool {
    match (raw, val) {
        (Raw::Empty, Val::Empty) => true,
        (Raw::Text(s), Val::Empty) => crate::text::trim(s).is_empty(),
        (Raw::Text(s), Val::Text(t)) => s == t,
        // A number rounded to the places its field keeps (a coordinate's 6) means the
        // same: 22.70572222222222 and 22.705722 are one place on the map.
        (Raw::Num(f), Val::Num(g)) => f == g || (f - g).abs() < 5.000_001e-7,
        (Raw::Num(f), Val::Int(i)) => f.fract() == 0.0 && *f == *i as f64,
        (Raw::Date { date: Some(d), .. }, Val::Date(e)) => d == e,
        _ => false,
    }
}

/// Fill {field} placeholders with the row's canonical values.
pub fn fill(t: &TableSchema, template: &str, rec: &Record) -> String {
    crate::text::fill_braces(template, |name, out| match t.field_index(name) {
        Some(i) => {
            let v = rec.vals[i].display();
            out.push_str(if v.is_empty() { "（空）" } else { &v });
            true
        }
        None => false,
    })
}

/// Evaluate one declarative rule on a parsed row.
pub fn eval_rule(t: &TableSchema, rule: &RowRule, rec: &Record, place: &Place) -> Option<Finding> {
    if rule.evidence_only || !rule.broken(t, rec)? {
        return None;
    }
    let th = &rule.then;
    let i = t.field_index(&th.field)?;
    let v = &rec.vals[i];

    // The cell to point at: the asserted field's, else the first condition's.
    let col = rec.cols[i].or_else(|| {
        rule.when
            .iter()
            .find_map(|c| t.field_index(&c.field).and_then(|j| rec.cols[j]))
    });
    Some(
        Finding::rule(&rule.text.code, rule.text.severity)
            .at_file(place.file)
            .at_sheet(&place.sheet_name)
            .at_cell(rec.row, col)
            .field(&th.field)
            .value(&v.display())
            .says(Message {
                zh: fill(t, &rule.text.message_zh, rec),
                en: fill(t, &rule.text.message_en, rec),
                fix_zh: rule.text.suggestion_zh.clone(),
                fix_en: rule.text.suggestion_en.clone(),
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::testutil::*;
    use crate::schema::test_tables as T;
    use crate::schema::TableId;

    /// check_row on one grid row: its findings, changes and record.
    fn check(
        s: &TableSchema,
        columns: &[Column],
        row: &GridRow,
    ) -> (Vec<Finding>, ChangeLog, Record) {
        let (mut f, mut c) = (vec![], ChangeLog::default());
        let place = Place::new(0, "f", "s", s, columns);
        let mut memo = Memo::new(s.fields.len());
        let rec = check_row(s, row, &place, &ctx(), &mut f, &mut c, &mut memo);
        (f, c, rec)
    }

    /// A row of (field key, text) for a table, run through check_row.
    fn run(t: TableId, cells: &[(&str, &str)]) -> (Vec<Finding>, Record) {
        let s = schemas().table(t);
        let columns: Vec<Column> = s
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| Column {
                col: i as u32,
                header: f.label.clone(),
                field: Some(i),
                how: crate::recognise::How::Label,
                ..Column::default()
            })
            .collect();
        let mut raw = vec![Raw::Empty; s.fields.len()];
        for (k, v) in cells {
            raw[s.field_index(k).unwrap()] = Raw::Text((*v).into());
        }
        let (f, _, rec) = check(s, &columns, &GridRow { idx: 5, cells: raw });
        (f, rec)
    }

    pub const GOOD_BUILDING: [(&str, &str); 21] = [
        ("building_code", "YH450103003466101"),
        ("village", "那洪村"),
        ("group", "坡头屯"),
        ("address", "那洪村坡头屯1号"),
        ("owner", "顾涛"),
        ("owner_id", "450103196708158643"),
        ("phone", "13812345678"),
        ("longitude", "108.6"),
        ("latitude", "22.7"),
        ("year_built", "1995"),
        ("floors", "3"),
        ("area", "249"),
        ("structure", "砌体结构"),
        ("use", "经营性"),
        ("business_type", "餐饮饭店"),
        ("altered", "否"),
        ("appraised", "是"),
        ("appraisal_grade", "B级"),
        ("survey_date", "2022-08-02"),
        ("surveyor", "杜建平"),
        ("judgement", "未发现安全隐患"),
    ];

    fn with(
        base: &[(&'static str, &'static str)],
        k: &'static str,
        v: &'static str,
    ) -> Vec<(&'static str, &'static str)> {
        base.iter()
            .map(|&(a, b)| if a == k { (a, v) } else { (a, b) })
            .collect()
    }

    fn codes(f: &[Finding]) -> Vec<String> {
        f.iter().map(|x| x.code.clone()).collect()
    }

    #[test]
    fn good_building_has_no_findings() {
        let (f, rec) = run(T::Buildings, &GOOD_BUILDING);
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(rec.vals[0].display(), "YH450103003466101");
    }

    #[test]
    fn required_missing_and_placeholder() {
        let (f, _) = run(T::Buildings, &with(&GOOD_BUILDING, "owner", ""));
        assert_eq!(codes(&f), ["C001"]);
        let (f, _) = run(T::Buildings, &with(&GOOD_BUILDING, "address", "无"));
        assert_eq!(codes(&f), ["C001"]);
        assert!(f[0].message_zh.contains("占位符"));
    }

    #[test]
    fn each_building_row_rule_fails_and_passes() {
        let r101 = with(&GOOD_BUILDING, "business_type", "");
        assert_eq!(codes(&run(T::Buildings, &r101).0), ["R101"]);
        let ok101 = with(&r101, "use", "其他");
        assert!(run(T::Buildings, &ok101).0.is_empty());

        let r102 = with(&GOOD_BUILDING, "appraisal_grade", "");
        assert_eq!(codes(&run(T::Buildings, &r102).0), ["R102"]);
        let r103 = with(&GOOD_BUILDING, "appraised", "否");
        assert_eq!(codes(&run(T::Buildings, &r103).0), ["R103"]);
        assert!(run(T::Buildings, &with(&r103, "appraisal_grade", ""))
            .0
            .is_empty());

        let r104 = with(&GOOD_BUILDING, "appraisal_grade", "C级");
        assert_eq!(codes(&run(T::Buildings, &r104).0), ["R104"]);
        assert!(
            run(T::Buildings, &with(&r104, "judgement", "存在一定安全隐患"))
                .0
                .is_empty()
        );

        let r105 = with(
            &with(&GOOD_BUILDING, "appraisal_grade", "D级"),
            "judgement",
            "存在一定安全隐患",
        );
        assert_eq!(codes(&run(T::Buildings, &r105).0), ["R105"]);
        assert!(
            run(T::Buildings, &with(&r105, "judgement", "存在严重安全隐患"))
                .0
                .is_empty()
        );

        let r106 = with(&GOOD_BUILDING, "year_built", "2023");
        assert_eq!(codes(&run(T::Buildings, &r106).0), ["R106"]);
        assert!(run(T::Buildings, &with(&r106, "year_built", "2022"))
            .0
            .is_empty());
    }

    pub const GOOD_HAZARD: [(&str, &str); 13] = [
        ("hazard_code", "YH450103003466101-01"),
        ("building_code", "YH450103003466101"),
        ("hazard_type", "消防安全"),
        ("description", "杂物"),
        ("level", "一般隐患"),
        ("found_date", "2022-07-01"),
        ("measure", "维修加固"),
        ("responsible", "袁永生"),
        ("deadline", "2022-08-01"),
        ("status", "已整治"),
        ("done_date", "2022-07-20"),
        ("writeoff", "已销号"),
        ("writeoff_reason", "整治完成"),
    ];

    #[test]
    fn each_hazard_row_rule_fails_and_passes() {
        assert!(run(T::Hazards, &GOOD_HAZARD).0.is_empty());
        assert_eq!(
            codes(&run(T::Hazards, &with(&GOOD_HAZARD, "done_date", "")).0),
            ["R201"]
        );
        assert_eq!(
            codes(&run(T::Hazards, &with(&GOOD_HAZARD, "done_date", "2022-06-01")).0),
            ["R202"]
        );
        assert_eq!(
            codes(&run(T::Hazards, &with(&GOOD_HAZARD, "deadline", "2022-06-01")).0),
            ["R203"]
        );
        let r204 = with(&with(&GOOD_HAZARD, "status", "整治中"), "done_date", "");
        assert_eq!(codes(&run(T::Hazards, &r204).0), ["R204"]);
        assert!(run(T::Hazards, &with(&r204, "writeoff_reason", "录入错误"))
            .0
            .is_empty());
        let r205 = with(
            &with(&with(&r204, "level", "严重隐患"), "writeoff", ""),
            "writeoff_reason",
            "",
        );
        assert_eq!(codes(&run(T::Hazards, &r205).0), ["R205"]);
        assert!(
            run(T::Hazards, &with(&r205, "measure", "停止使用、维修加固"))
                .0
                .is_empty()
        );
        assert_eq!(
            codes(&run(T::Hazards, &with(&GOOD_HAZARD, "writeoff_reason", "")).0),
            ["R206"]
        );
    }

    #[test]
    fn changes_are_recorded() {
        let s = schemas().table(T::Buildings);
        let columns = vec![Column {
            col: 0,
            header: "层数".into(),
            field: s.field_index("floors"),
            how: crate::recognise::How::Label,
            ..Column::default()
        }];
        let row = GridRow {
            idx: 3,
            cells: vec![Raw::Text("３层".into())],
        };
        let (_, c, _) = check(s, &columns, &row);
        let c: Vec<_> = c.iter().collect();
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].row, c[0].col, c[0].field), (3, 0, "floors"));
        assert_eq!((c[0].old, c[0].new), ("３层", "3"));
    }
}
