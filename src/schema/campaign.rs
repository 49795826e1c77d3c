//! A campaign as data (`campaign.toml`): its tables in order, the references between them,
//! the checks across them, the write-offs it proposes and the tally it reports. The engine
//! knows the kinds of cross-table check (`CrossKind`); which tables, fields, values and
//! words fill them is declared here. `resolve` checks every entry against the tables and
//! turns names into indexes once, so the stages never look a name up.

use serde::Deserialize;
use validator::Validate;

use super::{Cond, FieldType, TableId, TableSchema};
use crate::finding::Severity;

/// `campaign.toml` as written.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The campaign's name, its tables in order and the like (`[campaign]`).
    #[validate(nested)]
    pub campaign: Meta,
    /// Fields naming a row of another table (a hazard's building_code).
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The checks across tables (`[[cross]]`).
    #[serde(default)]
    #[validate(nested)]
    pub cross: Vec<CrossRule>,
    /// The write-off (销号) reasons, tried in order (`[[writeoffs]]`).
    #[serde(default)]
    #[validate(nested)]
    pub writeoffs: Vec<WriteoffRule>,
    /// The tally's words and columns (`[tally]`).
    #[validate(nested)]
    pub tally: TallySpec,
    /// The township report's sentences (report.md, the 汇报 sheet).
    #[serde(default)]
    #[validate(nested)]
    pub report: ReportSpec,
    /// Words for `demo` to make a town of this campaign with (see `demo::generate`).
    #[serde(default)]
    pub demo: DemoWords,
    /// The coverage check against a roster (`--roster FILE`), if the campaign has one.
    #[validate(nested)]
    pub coverage: Option<CoverageSpec>,
}

/// Coverage (户不漏房, `[coverage]`): the roster table a `--roster` file is read as — some
/// of the survey table's fields, with their wordings, types and checks — and how a roster
/// entry finds its survey row: the match levels in order, the first whose fields the entry
/// has and some unmatched survey row shares.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CoverageSpec {
    /// The survey table the roster lists (its rows are what the roster's entries find).
    pub table: String,
    /// The roster table's key.
    #[validate(length(min = 1, max = 64))]
    pub key: String,
    /// What a clerk calls the roster (房屋名册).
    #[validate(length(min = 1))]
    pub label: String,
    /// The same in English.
    #[serde(default)]
    pub label_en: String,
    /// The survey table's fields a roster may have (the village field among them).
    #[validate(length(min = 1))]
    pub fields: Vec<String>,
    /// The fields of which a sheet's header must name one to be taken for a roster.
    #[validate(length(min = 1))]
    pub identity: Vec<String>,
    /// Header wordings of rosters only, per field (beside the survey table's).
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, Vec<String>>,
    /// The sheet of errors.xlsx listing the coverage.
    #[validate(length(min = 1, max = 31))]
    pub sheet: String,
    /// What an entry with a row is said to be (已排查, 已检查), and one without (未排查).
    #[serde(default = "found_word")]
    pub found: String,
    /// What an entry without a survey row is said to be (未排查).
    #[serde(default = "missing_word")]
    pub missing: String,
    /// How an entry finds its survey row, tried in order.
    #[serde(rename = "match")]
    #[validate(length(min = 1), nested)]
    pub matches: Vec<MatchLevel>,
    /// The same resolved to table and field indices, when the schemas are loaded.
    #[serde(skip)]
    pub ix: CoverageIx,
}

fn found_word() -> String {
    "已找到".into()
}

fn missing_word() -> String {
    "未找到".into()
}

/// One way a roster entry finds its survey row: every field of `by` present on both and
/// equal. `loose` compares texts as keys (width, case, spaces and marks aside), and a
/// field whose profile is `address` also matches when one address ends with the other
/// (a roster often leaves off the township).
#[derive(Debug, Clone, Deserialize, serde::Serialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct MatchLevel {
    /// The roster fields compared, all of which must agree.
    #[validate(length(min = 1))]
    pub by: Vec<String>,
    /// What the clerk is told it matched by (房屋编码, 户主+地址).
    #[validate(length(min = 1))]
    pub label: String,
    /// The same in English.
    #[serde(default)]
    pub label_en: String,
    /// An address is compared by its tail, so that a roster leaving off the township still
    /// matches.
    #[serde(default)]
    pub loose: bool,
}

/// `[coverage]` resolved: the survey table, each match level's fields as (roster field,
/// survey field, compared by its tail), the village field on both sides.
#[derive(Debug, Clone, Default)]
pub struct CoverageIx {
    /// The survey table.
    pub table: TableId,
    /// Each match level's fields as (roster field, survey field, compared by its tail).
    pub levels: Vec<Vec<(usize, usize, bool)>>,
    /// The village field as (roster field, survey field).
    pub village: (usize, usize),
    /// Each roster field's survey field.
    pub fields: Vec<usize>,
}

/// What a coverage tally column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverCount {
    /// Roster entries (each listed once).
    Listed,
    /// Roster entries that found a survey row.
    Covered,
    /// Roster entries with no survey row.
    Missing,
    /// Survey rows no roster entry lists.
    Unlisted,
}

/// The township report: a title and the sentences a clerk pastes, each a template over
/// the tally's totals (`{column key}`, `{villages}`), written when its `if` columns are
/// not zero.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    /// The report's title (report.md's heading).
    #[serde(default)]
    pub title: String,
    /// The sheet of tally.xlsx holding the same text.
    #[serde(default)]
    #[validate(length(max = 31))]
    pub sheet: String,
    /// The heading above the per-village table.
    #[serde(default)]
    pub villages_heading: String,
    /// Tally columns report.html draws per village beside the tally's own chart.
    #[serde(default)]
    pub chart: Vec<String>,
    /// The chart's colours, one per column (`#RRGGBB`; a neutral palette when not given).
    #[serde(default)]
    pub chart_colours: Vec<String>,
    /// The title of report.html's per-village chart.
    #[serde(default)]
    pub chart_title: String,
    /// The report's sentences, in order.
    #[serde(default)]
    pub lines: Vec<ReportLine>,
}

/// The placeholders a report line may use beside the tally's columns: how many villages
/// sent rows, how many the roster lists that sent none and their names, whether there was
/// a previous round (1 or 0), what changed since it, and the share of the roster covered
/// (`--roster`).
pub const EXTRA_WORDS: &[&str] = &[
    "villages",
    "villages_silent",
    "villages_silent_names",
    "previous",
    "round_fixed",
    "round_open",
    "round_new",
    "round_added",
    "round_removed",
    "round_changed",
    "roster_rate",
];

/// One sentence of the report.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReportLine {
    /// The sentence, a template over the tally's totals (`{column key}`, `{villages}`).
    #[validate(length(min = 1))]
    pub text: String,
    /// Tally columns that must not be zero for the line to be written.
    #[serde(default, rename = "if")]
    pub if_: Vec<String>,
    /// Tally columns that must all be zero for the line to be written (the line said
    /// instead of an `if` line).
    #[serde(default)]
    pub unless: Vec<String>,
}

/// What `demo` writes a campaign's town with: village names, people's names, rows per
/// village, child rows per main row, and sample texts by field (`{village}` and `{n}` in
/// them are filled).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoWords {
    /// Village names the demo town is made of.
    #[serde(default)]
    pub villages: Vec<String>,
    /// Surnames for made-up owners.
    #[serde(default)]
    pub surnames: Vec<String>,
    /// Given names for made-up owners.
    #[serde(default)]
    pub given: Vec<String>,
    /// Child table key → (least, most) rows per main row.
    #[serde(default)]
    pub per_parent: std::collections::BTreeMap<String, (usize, usize)>,
    /// `field` or `table.field` → texts to pick from (the parent row's values are
    /// `{parent.field}`).
    #[serde(default)]
    pub samples: std::collections::BTreeMap<String, Vec<String>>,
    /// Per table, header groups: a parent label over the fields it spans (a two-row
    /// header, as 房屋位置 over 村、组、地址).
    #[serde(default)]
    pub groups: std::collections::BTreeMap<String, Vec<(String, Vec<String>)>>,
    /// Write-off reason → how many main rows of the town realise it (0: none may).
    #[serde(default)]
    pub writeoffs: std::collections::BTreeMap<String, usize>,
    /// Word lists a sample text draws from by name (`{brand}{trade}`): names made of parts
    /// repeat less than whole ones.
    #[serde(default)]
    pub parts: std::collections::BTreeMap<String, Vec<String>>,
}

/// The campaign's name and tables.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The folder's name (`selfbuilt`), what `--campaign` is given.
    #[validate(length(min = 1, max = 64))]
    pub key: String,
    /// What a clerk calls it (自建房安全专项整治).
    #[validate(length(min = 1))]
    pub name: String,
    /// Other names `--campaign` accepts.
    #[serde(default)]
    pub names: Vec<String>,
    /// Table keys in order; the first is the main table the others refer to.
    #[validate(length(min = 1, max = 200))]
    pub tables: Vec<String>,
    /// The main table's field naming each row's village.
    pub village: String,
    /// What the write-off proposals are called where people read them (errors.xlsx's
    /// sheet, report.html, the console): 销号建议.
    #[serde(default)]
    pub writeoffs_title: String,
}

/// A field of one table naming a row of another (`hazards.building_code` →
/// `buildings.building_code`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The referring field, as `table.field` (`hazards.building_code`).
    pub from: String,
    /// The field it names a row by, as `table.field` (`buildings.building_code`).
    pub to: String,
    /// The same resolved to table and field indices, when the schemas are loaded.
    #[serde(skip)]
    pub ix: RefIx,
}

/// A reference resolved: the child table and field, the parent table and field.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefIx {
    /// The referring table (hazards).
    pub child: TableId,
    /// The referring field's index in it.
    pub child_field: usize,
    /// The table referred to (buildings).
    pub parent: TableId,
    /// The field's index in it that the reference matches.
    pub parent_field: usize,
}

/// The kinds of check across tables and files the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossKind {
    /// A child row names no parent row (`reference`).
    UnknownParent,
    /// A child row whose parent row was rejected is held back with it (`reference`).
    HeldBack,
    /// A parent row meeting `when` has child rows (`children`) of which those meeting
    /// `where` are `expect` (none / some); parents with no child rows are not checked.
    Children,
    /// A parent row meeting `when` whose every child row meeting `where` was rejected or
    /// held back is held back itself.
    ChildrenLeft,
    /// A child's `field` stands in `op` to its parent's `other` (`reference`).
    DateOrder,
    /// `field` (table.field) is unique over the batch.
    Unique,
    /// Rows of `table` with the same `fields` under different identities.
    SameValues,
    /// `field`'s first `prefix` characters differ from the batch's dominant prefix.
    PrefixOutlier,
    /// A roster entry finds no survey row (`[coverage]`; run with `--roster`).
    NotSurveyed,
    /// A survey row no roster entry lists (`[coverage]`; run with `--roster`).
    NotOnRoster,
    /// A roster entry listed again (`[coverage]`; run with `--roster`).
    ListedTwice,
}

impl CrossKind {
    /// Whether the coverage stage runs it (against a roster), not the cross-table checks.
    pub fn is_coverage(self) -> bool {
        matches!(
            self,
            CrossKind::NotSurveyed | CrossKind::NotOnRoster | CrossKind::ListedTwice
        )
    }
}

/// What `children` expects of the matching child rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// No matching child row may be there.
    None,
    /// At least one matching child row must be there.
    Some,
}

/// One check across tables, with its documentation and messages (like a row rule's).
#[derive(Debug, Clone, Deserialize, serde::Serialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CrossRule {
    /// The rule's code (X001 …), as its findings carry it.
    #[validate(length(min = 2, max = 8))]
    pub code: String,
    /// What kind of check it is, which decides the other keys it needs.
    pub kind: CrossKind,
    /// A stable English slug.
    #[validate(length(min = 1))]
    pub name: String,
    /// What a person calls it, in a few Chinese words.
    #[validate(length(min = 1))]
    pub title: String,
    /// Whether a row breaking it is rejected or only warned about.
    pub severity: Severity,
    /// What it checks, in a sentence.
    #[validate(length(min = 1))]
    pub what: String,
    /// Why it matters, for `selfbuilt rules`.
    #[serde(default)]
    pub why: String,
    /// An example breaking it.
    #[serde(default)]
    pub bad_example: String,
    /// An example keeping it.
    #[serde(default)]
    pub good_example: String,
    /// The message template in Chinese (`{value}`, `{place}` … are the case's).
    #[validate(length(min = 1))]
    pub message_zh: String,
    /// The message template in English.
    #[validate(length(min = 1))]
    pub message_en: String,
    /// How to fix it, in Chinese.
    #[serde(default)]
    pub suggestion_zh: String,
    /// How to fix it, in English.
    #[serde(default)]
    pub suggestion_en: String,
    /// `child_table.field` of a declared reference.
    pub reference: Option<String>,
    /// The table whose rows are checked (children, children_left, same_values).
    pub table: Option<String>,
    /// The field flagged (children, date_order), or `table.field` (unique, prefix_outlier).
    pub field: Option<String>,
    /// Fields compared (same_values).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Conditions on the checked row.
    #[serde(default)]
    pub when: Vec<Cond>,
    /// `child_table.field` of the reference whose rows are counted.
    pub children: Option<String>,
    /// Conditions on the child rows counted.
    #[serde(default, rename = "where")]
    pub where_: Vec<Cond>,
    /// Whether the matching child rows must be none or some (children).
    pub expect: Option<Expect>,
    /// `<`, `<=`, `>`, `>=` (date_order).
    pub op: Option<String>,
    /// The parent's field compared with (date_order).
    pub other: Option<String>,
    /// Characters compared (prefix_outlier).
    pub prefix: Option<usize>,
    /// The same resolved to table and field indices, when the schemas are loaded.
    #[serde(skip)]
    pub ix: CrossIx,
}

/// Whether `a op b` holds for a `date_order` rule's `op` (`<`, `<=`, `>`; anything else
/// is `>=`, the default).
///
/// ```
/// use selfbuilt::schema::campaign::ordered;
/// assert!(ordered(">=", 2, 2) && !ordered("<", 2, 2));
/// ```
pub fn ordered<T: PartialOrd>(op: &str, a: T, b: T) -> bool {
    match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        _ => a >= b,
    }
}

/// A cross rule's names resolved to indexes.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CrossIx {
    /// The table whose row the finding is on.
    #[serde(skip)]
    pub table: TableId,
    /// The field the finding is on.
    pub field: usize,
    /// The reference (index into `Campaign::references`).
    pub reference: usize,
    /// More fields (same_values; the parent's `other` for date_order).
    pub fields: Vec<usize>,
}

/// A write-off reason and when it is proposed.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct WriteoffRule {
    /// The reason's key (misentry, rectified …), as writeoffs.csv writes it.
    #[validate(length(min = 1, max = 64))]
    pub reason: String,
    /// The key of the table whose rows it writes off.
    pub table: String,
    /// What a clerk calls it (录入错误销号).
    #[validate(length(min = 1))]
    pub label: String,
    /// Conditions the row must meet, all of them.
    #[serde(default)]
    pub when: Vec<Cond>,
    /// A condition on the latest row referring to it (the latest review, by date).
    pub latest: Option<Latest>,
    /// References (`table.field`) none of whose rows may name the row.
    #[serde(default)]
    pub none_of: Vec<String>,
    /// The evidence sentence pasted into the platform: `{field}` is the row's value,
    /// `{table.field}` the `latest` row's.
    #[validate(length(min = 1))]
    pub evidence: String,
    /// The same resolved to table and field indices, when the schemas are loaded.
    #[serde(skip)]
    pub ix: WriteoffIx,
}

/// The latest referring row a write-off rests on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latest {
    /// The reference (`reviews.building_code`) whose rows are looked at.
    pub reference: String,
    /// The field that orders them (a date): the greatest is the latest.
    pub by: String,
    /// Conditions the latest row must meet.
    #[serde(default)]
    pub when: Vec<Cond>,
}

/// A write-off rule resolved.
#[derive(Debug, Clone, Default)]
pub struct WriteoffIx {
    /// The table whose rows it writes off.
    pub table: TableId,
    /// (reference, the child's `by` field) of `latest`.
    pub latest: Option<(usize, usize)>,
    /// References of `none_of`.
    pub none_of: Vec<usize>,
}

/// The tally: its words and columns.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TallySpec {
    /// The label of the total row (合计).
    #[validate(length(min = 1))]
    pub total: String,
    /// The name of tally.xlsx's tally sheet.
    #[validate(length(min = 1, max = 31))]
    pub sheet: String,
    /// The label of the village column.
    pub village: String,
    /// Columns drawn in tally.xlsx's chart (keys).
    #[serde(default)]
    pub chart: Vec<String>,
    /// The chart's colours, one per column (`#RRGGBB`; a neutral palette when not given).
    #[serde(default)]
    pub chart_colours: Vec<String>,
    /// The chart's title.
    #[serde(default)]
    pub chart_title: String,
    /// The chart's x-axis title (the villages).
    #[serde(default)]
    pub chart_x: String,
    /// The chart's y-axis title (what is counted).
    #[serde(default)]
    pub chart_y: String,
    /// The columns, in order.
    #[validate(nested)]
    pub columns: Vec<TallyColumn>,
}

fn yes() -> bool {
    true
}

/// One tally column: rows of `table` meeting `when` (accepted; rejected with `rejected`;
/// every row read with `read`), or the proposals of `writeoff`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TallyColumn {
    /// The column's key, as tally.csv heads it and report sentences name it.
    #[validate(length(min = 1, max = 64))]
    pub key: String,
    /// The column's label, as people read it.
    #[validate(length(min = 1))]
    pub label: String,
    /// The key of the table whose rows it counts.
    pub table: Option<String>,
    /// Conditions the rows counted must meet.
    #[serde(default)]
    pub when: Vec<Cond>,
    /// Count the rejected rows instead of the accepted ones.
    #[serde(default)]
    pub rejected: bool,
    /// Every row read, accepted or not: what was surveyed, as against what goes upstream.
    #[serde(default)]
    pub read: bool,
    /// Whether tally.csv has the column (its header is a fixed contract: a column for
    /// people only says `csv = false`); every other output shows it.
    #[serde(default = "yes")]
    pub csv: bool,
    /// Count the proposals of this write-off reason instead of rows.
    pub writeoff: Option<String>,
    /// What of the coverage it counts (a column only when the run has a roster).
    pub coverage: Option<CoverCount>,
    /// What it counts, resolved when the schemas are loaded.
    #[serde(skip)]
    pub ix: TallyIx,
}

/// What a tally column counts, resolved.
#[derive(Debug, Clone, Copy, Default)]
pub enum TallyIx {
    /// Nothing (a column the run cannot fill).
    #[default]
    Nothing,
    /// Rows of this table.
    Rows(TableId),
    /// Proposals of the write-off rule at this index.
    Writeoff(usize),
    /// This count of the roster's coverage.
    Coverage(CoverCount),
}

impl TallySpec {
    /// A column's label by its key (the key itself when there is none).
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.label.as_str())
            .unwrap_or(key)
    }
}

impl Campaign {
    /// The main table.
    pub fn main(&self) -> TableId {
        TableId(0)
    }

    /// Whether `name` is this campaign's key or one of its names.
    pub fn is_named(&self, name: &str) -> bool {
        let n = name.trim();
        self.campaign.key == n
            || self.campaign.name == n
            || self.campaign.names.iter().any(|x| x == n)
    }

    /// The reference by which rows of `t` name their main row, if any.
    pub fn to_main(&self, t: TableId) -> Option<&RefIx> {
        self.references
            .iter()
            .map(|r| &r.ix)
            .find(|r| r.child == t && r.parent == self.main())
    }

    /// Check every entry against the tables (in campaign order) and resolve its names.
    /// The error names the entry.
    pub fn resolve(&mut self, tables: &[TableSchema]) -> Result<(), String> {
        let table = |k: &str| -> Result<TableId, String> {
            tables
                .iter()
                .position(|t| t.table.key == k)
                .map(|i| TableId(i as u8))
                .ok_or_else(|| {
                    format!(
                        "no table {k:?} (tables: {})",
                        self.campaign.tables.join(", ")
                    )
                })
        };
        let field = |t: TableId, k: &str| -> Result<usize, String> {
            let s = &tables[t.index()];
            s.field_index(k)
                .ok_or_else(|| format!("table {} has no field {k:?}", s.table.key))
        };
        let dotted = |s: &str| -> Result<(TableId, usize), String> {
            let (t, f) = s
                .split_once('.')
                .ok_or_else(|| format!("{s:?} is not table.field"))?;
            let t = table(t)?;
            Ok((t, field(t, f)?))
        };
        let conds = |t: TableId, cs: &[Cond], what: &str| -> Result<(), String> {
            for c in cs {
                let f = &tables[t.index()].fields
                    [field(t, &c.field).map_err(|e| format!("{what}: {e}"))?];
                for v in c.is_in.iter().chain(&c.not_in) {
                    check_value(f, v).map_err(|e| format!("{what}: {e}"))?;
                }
            }
            Ok(())
        };
        let main = self.main();
        field(main, &self.campaign.village).map_err(|e| format!("[campaign] village: {e}"))?;
        for (i, r) in self.references.iter_mut().enumerate() {
            let at = |e: String| format!("[[references]] #{} ({} → {}): {e}", i + 1, r.from, r.to);
            let (child, child_field) = dotted(&r.from).map_err(at)?;
            let (parent, parent_field) = dotted(&r.to).map_err(at)?;
            if child == parent {
                return Err(at("a table cannot refer to itself".into()));
            }
            r.ix = RefIx {
                child,
                child_field,
                parent,
                parent_field,
            };
        }
        if let Some(cv) = self.coverage.as_mut() {
            let at = |e: String| format!("[coverage]: {e}");
            let t = table(&cv.table).map_err(at)?;
            if t != main {
                return Err(at(format!(
                    "table {:?}: a roster lists the main table's rows ({})",
                    cv.table, self.campaign.tables[0]
                )));
            }
            if self.campaign.tables.contains(&cv.key) {
                return Err(at(format!("key {:?} is a table's key", cv.key)));
            }
            let mut ix = CoverageIx {
                table: t,
                ..Default::default()
            };
            for (i, f) in cv.fields.iter().enumerate() {
                if cv.fields[..i].contains(f) {
                    return Err(at(format!("fields: {f:?} is listed twice")));
                }
                ix.fields.push(field(t, f).map_err(at)?);
            }
            let roster = |k: &str, what: &str| -> Result<usize, String> {
                cv.fields
                    .iter()
                    .position(|f| f == k)
                    .ok_or_else(|| at(format!("{what}: {k:?} is not one of `fields`")))
            };
            ix.village = (
                roster(&self.campaign.village, "the village field")?,
                field(t, &self.campaign.village).map_err(at)?,
            );
            for k in &cv.identity {
                roster(k, "identity")?;
            }
            for k in cv.aliases.keys() {
                roster(k, "aliases")?;
            }
            for (n, m) in cv.matches.iter().enumerate() {
                let mut level = Vec::new();
                for k in &m.by {
                    let r = roster(k, &format!("match #{}", n + 1))?;
                    let tail = m.loose
                        && tables[t.index()].fields[ix.fields[r]].profile
                            == Some(super::Profile::Address);
                    level.push((r, ix.fields[r], tail));
                }
                if level.iter().all(|x| x.2) {
                    return Err(at(format!(
                        "match #{}: an address alone is too loose a match; add a field",
                        n + 1
                    )));
                }
                ix.levels.push(level);
            }
            cv.ix = ix;
        }
        let has_coverage = self.coverage.is_some();
        let refs: Vec<(String, RefIx)> = self
            .references
            .iter()
            .map(|r| (r.from.clone(), r.ix))
            .collect();
        let reference = |s: &str| -> Result<usize, String> {
            refs.iter()
                .position(|(f, _)| f == s)
                .ok_or_else(|| format!("{s:?} is not the `from` of a [[references]] entry"))
        };
        let mut codes: Vec<&str> = Vec::new();
        for r in self.cross.iter_mut() {
            let at = |e: String| format!("[[cross]] {}: {e}", r.code);
            let letter = r.code.chars().next().unwrap_or(' ');
            let digits = &r.code[letter.len_utf8().min(r.code.len())..];
            if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
                return Err(at("a cross-table rule's code is a letter and digits".into()));
            }
            if r.kind.is_coverage() != (letter == 'V') || !matches!(letter, 'X' | 'B' | 'V') {
                return Err(at(
                    "a cross-table rule's code is X or B and digits; a coverage rule's V and digits"
                        .into(),
                ));
            }
            if r.kind.is_coverage() && !has_coverage {
                return Err(at(format!("kind {:?} needs a [coverage] section", r.kind)));
            }
            if codes.contains(&r.code.as_str()) {
                return Err(at("the code is used twice".into()));
            }
            let need = |v: &Option<String>, what: &str| -> Result<String, String> {
                v.clone()
                    .ok_or_else(|| at(format!("kind {:?} needs `{what}`", r.kind)))
            };
            let mut ix = CrossIx::default();
            match r.kind {
                CrossKind::UnknownParent | CrossKind::HeldBack | CrossKind::DateOrder => {
                    ix.reference = reference(&need(&r.reference, "reference")?).map_err(at)?;
                    let rx = refs[ix.reference].1;
                    ix.table = rx.child;
                    ix.field = rx.child_field;
                    if r.kind == CrossKind::DateOrder {
                        ix.field = field(rx.child, &need(&r.field, "field")?).map_err(at)?;
                        ix.fields = vec![field(rx.parent, &need(&r.other, "other")?).map_err(at)?];
                        let op = need(&r.op, "op")?;
                        if !["<", "<=", ">", ">="].contains(&op.as_str()) {
                            return Err(at(format!("op {op:?} is not one of < <= > >=")));
                        }
                        for (t, f) in [(rx.child, ix.field), (rx.parent, ix.fields[0])] {
                            if tables[t.index()].fields[f].ty != FieldType::Date {
                                return Err(at(format!(
                                    "{}.{} is not a date",
                                    tables[t.index()].table.key,
                                    tables[t.index()].fields[f].key
                                )));
                            }
                        }
                    }
                }
                CrossKind::Children | CrossKind::ChildrenLeft => {
                    ix.table = table(&need(&r.table, "table")?).map_err(at)?;
                    ix.field = field(ix.table, &need(&r.field, "field")?).map_err(at)?;
                    ix.reference = reference(&need(&r.children, "children")?).map_err(at)?;
                    let rx = refs[ix.reference].1;
                    if rx.parent != ix.table {
                        return Err(at(format!(
                            "children {:?} does not refer to {}",
                            r.children.as_deref().unwrap_or(""),
                            r.table.as_deref().unwrap_or("")
                        )));
                    }
                    conds(ix.table, &r.when, "when").map_err(at)?;
                    conds(rx.child, &r.where_, "where").map_err(at)?;
                    if r.kind == CrossKind::Children && r.expect.is_none() {
                        return Err(at("kind children needs `expect` (none or some)".into()));
                    }
                }
                CrossKind::Unique | CrossKind::PrefixOutlier => {
                    let (t, f) = dotted(&need(&r.field, "field")?).map_err(at)?;
                    ix.table = t;
                    ix.field = f;
                    if r.kind == CrossKind::PrefixOutlier && r.prefix.unwrap_or(0) == 0 {
                        return Err(at("kind prefix_outlier needs `prefix` (characters)".into()));
                    }
                }
                CrossKind::SameValues => {
                    ix.table = table(&need(&r.table, "table")?).map_err(at)?;
                    if r.fields.len() < 2 {
                        return Err(at("kind same_values needs two or more `fields`".into()));
                    }
                    for f in &r.fields {
                        ix.fields.push(field(ix.table, f).map_err(at)?);
                    }
                    ix.field = ix.fields[0];
                }
                CrossKind::NotSurveyed | CrossKind::NotOnRoster | CrossKind::ListedTwice => {
                    ix.table = main;
                }
            }
            for m in [
                &r.message_zh,
                &r.message_en,
                &r.suggestion_zh,
                &r.suggestion_en,
            ] {
                for p in crate::text::brace_names(m) {
                    if !PLACEHOLDERS.contains(&p) {
                        return Err(at(format!(
                            "{{{p}}} is not a placeholder ({})",
                            PLACEHOLDERS.join(", ")
                        )));
                    }
                }
            }
            r.ix = ix;
            codes.push(&r.code);
        }
        let mut reasons: Vec<&str> = Vec::new();
        for w in self.writeoffs.iter_mut() {
            let at = |e: String| format!("[[writeoffs]] {}: {e}", w.reason);
            if reasons.contains(&w.reason.as_str()) {
                return Err(at("the reason is given twice".into()));
            }
            let t = table(&w.table).map_err(at)?;
            conds(t, &w.when, "when").map_err(at)?;
            let mut ix = WriteoffIx {
                table: t,
                ..Default::default()
            };
            let mut prefix: Option<TableId> = None;
            if let Some(l) = &w.latest {
                let r = reference(&l.reference).map_err(at)?;
                let rx = refs[r].1;
                if rx.parent != t {
                    return Err(at(format!(
                        "latest {:?} does not refer to {}",
                        l.reference, w.table
                    )));
                }
                let by = field(rx.child, &l.by).map_err(at)?;
                conds(rx.child, &l.when, "latest.when").map_err(at)?;
                ix.latest = Some((r, by));
                prefix = Some(rx.child);
            }
            for n in &w.none_of {
                let r = reference(n).map_err(at)?;
                if refs[r].1.parent != t {
                    return Err(at(format!("none_of {n:?} does not refer to {}", w.table)));
                }
                ix.none_of.push(r);
            }
            for p in crate::text::brace_names(&w.evidence) {
                let ok = match p.split_once('.') {
                    Some((tk, f)) => prefix.is_some_and(|c| {
                        tables[c.index()].table.key == tk
                            && tables[c.index()].field_index(f).is_some()
                    }),
                    None => tables[t.index()].field_index(p).is_some(),
                };
                if !ok {
                    return Err(at(format!("evidence: {{{p}}} names no field")));
                }
            }
            w.ix = ix;
            reasons.push(&w.reason);
        }
        let mut keys: Vec<&str> = Vec::new();
        for c in self.tally.columns.iter_mut() {
            let at = |e: String| format!("[[tally.columns]] {}: {e}", c.key);
            if keys.contains(&c.key.as_str()) || c.key == "village" {
                return Err(at("the key is used twice (or is `village`)".into()));
            }
            if c.read && (c.rejected || c.table.is_none()) {
                return Err(at(
                    "`read` counts a table's rows, accepted or not: give `table`, not `rejected`"
                        .into(),
                ));
            }
            c.ix = match (&c.table, &c.writeoff, c.coverage) {
                (Some(t), None, None) => {
                    let t = table(t).map_err(at)?;
                    conds(t, &c.when, "when").map_err(at)?;
                    TallyIx::Rows(t)
                }
                (None, Some(w), None) => {
                    TallyIx::Writeoff(reasons.iter().position(|r| r == w).ok_or_else(|| {
                        at(format!("writeoff {w:?} is not a [[writeoffs]] reason"))
                    })?)
                }
                (None, None, Some(k)) if self.coverage.is_some() => TallyIx::Coverage(k),
                (None, None, Some(_)) => {
                    return Err(at("`coverage` needs a [coverage] section".into()))
                }
                _ => return Err(at("give one of `table`, `writeoff` or `coverage`".into())),
            };
            keys.push(&c.key);
        }
        for k in &self.tally.chart {
            if !keys.contains(&k.as_str()) {
                return Err(format!("[tally] chart: {k:?} is not a column key"));
            }
        }
        let hex = |c: &String| {
            c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
        };
        for c in self
            .tally
            .chart_colours
            .iter()
            .chain(&self.report.chart_colours)
        {
            if !hex(c) {
                return Err(format!("chart_colours: {c:?} is not a colour #RRGGBB"));
            }
        }
        for k in &self.report.chart {
            if !keys.contains(&k.as_str()) {
                return Err(format!("[report] chart: {k:?} is not a tally column key"));
            }
        }
        for (i, l) in self.report.lines.iter().enumerate() {
            let names = crate::text::brace_names(&l.text);
            for n in names
                .iter()
                .copied()
                .chain(l.if_.iter().map(String::as_str))
                .chain(l.unless.iter().map(String::as_str))
            {
                if !EXTRA_WORDS.contains(&n) && !keys.contains(&n) {
                    return Err(format!(
                        "[[report.lines]] {}: {{{n}}} is not a tally column key ({})",
                        i + 1,
                        keys.join(", ")
                    ));
                }
            }
        }
        for (tk, groups) in &self.demo.groups {
            let t = table(tk).map_err(|e| format!("[demo.groups] {e}"))?;
            for (_, keys) in groups {
                for k in keys {
                    field(t, k).map_err(|e| format!("[demo.groups.{tk}] {e}"))?;
                }
            }
        }
        for r in self.demo.writeoffs.keys() {
            if !reasons.contains(&r.as_str()) {
                return Err(format!(
                    "[demo] writeoffs: {r:?} is not a [[writeoffs]] reason"
                ));
            }
        }
        self.index_conds(tables);
        Ok(())
    }
}

impl Campaign {
    /// Every condition's field index in its table (after `resolve` has checked them).
    fn index_conds(&mut self, tables: &[TableSchema]) {
        let refs: Vec<RefIx> = self.references.iter().map(|r| r.ix).collect();
        let t = |id: TableId| &tables[id.index()];
        for r in self.cross.iter_mut() {
            let child = refs
                .get(r.ix.reference)
                .map(|x| x.child)
                .unwrap_or_default();
            r.when.iter_mut().for_each(|c| c.index(t(r.ix.table)));
            r.where_.iter_mut().for_each(|c| c.index(t(child)));
        }
        for w in self.writeoffs.iter_mut() {
            w.when.iter_mut().for_each(|c| c.index(t(w.ix.table)));
            if let (Some(l), Some((r, _))) = (w.latest.as_mut(), w.ix.latest) {
                l.when.iter_mut().for_each(|c| c.index(t(refs[r].child)));
            }
        }
        for col in self.tally.columns.iter_mut() {
            if let TallyIx::Rows(id) = col.ix {
                col.when.iter_mut().for_each(|c| c.index(t(id)));
            }
        }
    }
}

/// The placeholders a cross rule's message may use.
pub const PLACEHOLDERS: [&str; 10] = [
    "value", "n", "codes", "matched", "other", "place", "others", "why", "part", "major",
];

/// Whether `v` is a value of `f` (an enum's value, 是/否 of a bool as the lexicon's first
/// forms; anything for other types).
pub fn check_value(f: &super::Field, v: &str) -> Result<(), String> {
    let ok = match f.ty {
        FieldType::Enum | FieldType::EnumList => f.values.iter().any(|x| x == v),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{v:?} is not a value of field {} ({})",
            f.key,
            f.values.join("、")
        ))
    }
}
