//! A campaign as data (`campaign.toml`): its tables in order, the references between them,
//! the checks across them, the write-offs it proposes and the tally it reports. The engine
//! knows the kinds of cross-table check (`CrossKind`); which tables, fields, values and
//! words fill them is declared here. `resolve` checks every entry against the tables and
//! turns names into indexes once, so the stages never look a name up.

use serde::Deserialize;
use validator::Validate;

use super::table::{Cond, FieldType, TableId, TableSchema};
use crate::finding::RuleText;

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
    /// Where a run's county is read from when it is not given (`[place]`).
    #[serde(default)]
    pub place: PlaceSpec,
}

/// Where a run's place comes from when `--county` is not given (`[place]`): the part of
/// an identity code that names the county, e.g. the 6-digit county division code inside a
/// building code (`YH` + county + serial).
///
/// ```toml
/// [place]
/// county = { field = "buildings.building_code", start = 2, len = 6 }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSpec {
    /// The part of a code naming the county; None when the campaign's codes name none.
    pub county: Option<CodePart>,
}

/// A part of a `table.field` code: `len` characters from character `start` (0-based).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePart {
    /// The field, as `table.field`.
    pub field: String,
    /// The first character of the part, counted from 0.
    pub start: usize,
    /// How many characters the part has.
    pub len: usize,
    /// The field, resolved (`Campaign::resolve`).
    #[serde(skip)]
    pub ix: Option<(TableId, usize)>,
}

impl CodePart {
    /// The part of `code`, None when the code is too short for it.
    ///
    /// ```
    /// let part = selfbuilt::schema::campaign::CodePart { field: "buildings.building_code".into(), start: 2, len: 6, ix: None };
    /// assert_eq!(part.of("YH500230000064653"), Some("500230"));
    /// assert_eq!(part.of("YH5002"), None);
    /// ```
    pub fn of<'a>(&self, code: &'a str) -> Option<&'a str> {
        let mut at = code.char_indices().map(|(i, _)| i).chain([code.len()]);
        let from = at.nth(self.start)?;
        let to = at.nth(self.len.checked_sub(1)?)?;
        Some(&code[from..to])
    }
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

/// One `[[cross]]` entry as written: the rule's words, its `kind`, and the kind's own keys
/// (`reference`, `table`, `field` …). The schema knows no kind: each kind reads and checks
/// its keys itself (`rules::cross`, when the campaign's rules are compiled, right after
/// the schemas are loaded), so a kind is added in one place.
#[derive(Debug, Clone)]
pub struct CrossRule {
    /// The rule's code, names, docs and message templates.
    pub text: RuleText,
    /// The kind's name (`unknown_parent`, `children` …).
    pub kind: String,
    /// Every key of the entry but the rule's words, `kind` among them.
    pub keys: toml::Table,
}

impl<'de> Deserialize<'de> for CrossRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let entry = toml::Table::deserialize(deserializer)?;
        let (text, keys) = RuleText::split_from(entry).map_err(D::Error::custom)?;
        let kind = match keys.get("kind") {
            Some(toml::Value::String(kind)) => kind.clone(),
            _ => return Err(D::Error::custom(format!("{}: missing `kind`", text.code))),
        };
        Ok(CrossRule { text, kind, keys })
    }
}

impl CrossRule {
    /// Whether it is a rule against a roster (`[coverage]`): its code starts with V (the
    /// kinds check that theirs do, and only theirs).
    pub fn is_coverage(&self) -> bool {
        self.text.code.starts_with('V')
    }
}

impl Validate for CrossRule {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        self.text.validate()
    }
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
    /// The label of the county column of a roll-up (`selfbuilt rollup`).
    #[serde(default = "county_word")]
    pub county: String,
    /// The label of the township column of a roll-up.
    #[serde(default = "township_word")]
    pub township: String,
    /// The label of a roll-up's row summing one county's townships (小计).
    #[serde(default = "subtotal_word")]
    pub subtotal: String,
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

// A campaign.toml written before the roll-up (a user's copy of the schemas) has no words
// for its columns: these stand in, as `found_word` does for `[coverage]`.
// A schema written before the roll-up has none of its words: the columns' keys stand in
// (the shipped schemas give the words; no campaign word lives in Rust).
fn county_word() -> String {
    "county".into()
}

fn township_word() -> String {
    "township".into()
}

fn subtotal_word() -> String {
    "subtotal".into()
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

    /// What the names of this campaign's entries stand for, over its tables.
    pub fn names<'a>(&'a self, tables: &'a [TableSchema]) -> Names<'a> {
        Names {
            tables,
            keys: &self.campaign.tables,
            references: &self.references,
            has_coverage: self.coverage.is_some(),
        }
    }

    /// Check every entry against the tables (in campaign order) and resolve its names.
    /// The error names the entry. A `[[cross]]` entry's own keys are its kind's to check
    /// (`rules::cross`); here only its code and words are.
    pub fn resolve(&mut self, tables: &[TableSchema]) -> Result<(), String> {
        let names = Names {
            tables,
            keys: &self.campaign.tables,
            references: &[],
            has_coverage: self.coverage.is_some(),
        };
        names
            .field(self.main(), &self.campaign.village)
            .map_err(|e| format!("[campaign] village: {e}"))?;
        for (i, reference) in self.references.iter_mut().enumerate() {
            reference.resolve(&names).map_err(|e| {
                let (from, to) = (&reference.from, &reference.to);
                format!("[[references]] #{} ({from} → {to}): {e}", i + 1)
            })?;
        }
        let names = Names {
            tables,
            keys: &self.campaign.tables,
            references: &self.references,
            has_coverage: self.coverage.is_some(),
        };
        if let Some(coverage) = self.coverage.as_mut() {
            coverage.ix = coverage
                .resolve(&names, &self.campaign.village)
                .map_err(|e| format!("[coverage]: {e}"))?;
        }
        check_cross_codes(&self.cross)?;
        check_writeoff_reasons(&self.writeoffs)?;
        for w in self.writeoffs.iter_mut() {
            w.resolve(&names)
                .map_err(|e| format!("[[writeoffs]] {}: {e}", w.reason))?;
        }
        let reasons: Vec<&str> = self.writeoffs.iter().map(|w| w.reason.as_str()).collect();
        self.tally.resolve(&names, &reasons)?;
        let keys: Vec<&str> = self.tally.columns.iter().map(|c| c.key.as_str()).collect();
        self.report.check(&keys)?;
        self.demo.check(&names, &reasons)?;
        if let Some(part) = self.place.county.as_mut() {
            if part.len == 0 {
                return Err("[place] county: `len` must be at least 1".into());
            }
            part.ix = Some(
                names
                    .dotted(&part.field)
                    .map_err(|e| format!("[place] county: {e}"))?,
            );
        }
        Ok(())
    }
}

/// Each write-off reason is given once (a tally column or `[demo]` names it by its key).
fn check_writeoff_reasons(rules: &[WriteoffRule]) -> Result<(), String> {
    for (i, rule) in rules.iter().enumerate() {
        if rules[..i]
            .iter()
            .any(|earlier| earlier.reason == rule.reason)
        {
            return Err(format!(
                "[[writeoffs]] {}: the reason is given twice",
                rule.reason
            ));
        }
    }
    Ok(())
}

/// The codes of the cross-table rules: a letter and digits (X, B; V for a rule against a
/// roster), each used once.
fn check_cross_codes(rules: &[CrossRule]) -> Result<(), String> {
    let mut codes: Vec<&str> = Vec::new();
    for rule in rules {
        let code = rule.text.code.as_str();
        let at = |e: &str| format!("[[cross]] {code}: {e}");
        let mut chars = code.chars();
        let letter = chars.next().unwrap_or(' ');
        let digits = chars.as_str();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(at("a cross-table rule's code is a letter and digits"));
        }
        if !matches!(letter, 'X' | 'B' | 'V') {
            return Err(at(
                "a cross-table rule's code is X or B and digits; a coverage rule's V and digits",
            ));
        }
        if codes.contains(&code) {
            return Err(at("the code is used twice"));
        }
        codes.push(code);
    }
    Ok(())
}

/// What the names in a campaign's entries stand for: tables by key, fields by key,
/// `table.field`, references by their `from`. Every miss is an error saying what there is.
pub struct Names<'a> {
    /// The tables, in campaign order.
    pub tables: &'a [TableSchema],
    /// Their keys, in the same order.
    pub keys: &'a [String],
    /// The references, resolved.
    pub references: &'a [Reference],
    /// Whether the campaign has a `[coverage]` section.
    pub has_coverage: bool,
}

impl Names<'_> {
    /// The table of this key.
    pub fn table(&self, key: &str) -> Result<TableId, String> {
        self.tables
            .iter()
            .position(|t| t.table.key == key)
            .map(|i| TableId(i as u8))
            .ok_or_else(|| format!("no table {key:?} (tables: {})", self.keys.join(", ")))
    }

    /// The schema of a table.
    pub fn schema(&self, table: TableId) -> &TableSchema {
        &self.tables[table.index()]
    }

    /// The index of a table's field of this key.
    pub fn field(&self, table: TableId, key: &str) -> Result<usize, String> {
        let schema = self.schema(table);
        schema
            .field_index(key)
            .ok_or_else(|| format!("table {} has no field {key:?}", schema.table.key))
    }

    /// A `table.field` name's table and field index.
    pub fn dotted(&self, name: &str) -> Result<(TableId, usize), String> {
        let (table, field) = name
            .split_once('.')
            .ok_or_else(|| format!("{name:?} is not table.field"))?;
        let table = self.table(table)?;
        Ok((table, self.field(table, field)?))
    }

    /// The reference whose `from` is this `table.field`: its index and its ends.
    pub fn reference(&self, from: &str) -> Result<(usize, RefIx), String> {
        self.references
            .iter()
            .position(|r| r.from == from)
            .map(|i| (i, self.references[i].ix))
            .ok_or_else(|| format!("{from:?} is not the `from` of a [[references]] entry"))
    }

    /// Check conditions on a table's rows (their fields, their values) and index them.
    /// `what` names them in the error.
    pub fn conds(&self, table: TableId, conds: &mut [Cond], what: &str) -> Result<(), String> {
        let schema = self.schema(table);
        for cond in conds.iter_mut() {
            let field = &schema.fields[self
                .field(table, &cond.field)
                .map_err(|e| format!("{what}: {e}"))?];
            for v in cond.is_in.iter().chain(&cond.not_in) {
                check_value(field, v).map_err(|e| format!("{what}: {e}"))?;
            }
            cond.index(schema);
        }
        Ok(())
    }
}

impl Reference {
    /// Resolve both ends (a table cannot refer to itself).
    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        let (child, child_field) = names.dotted(&self.from)?;
        let (parent, parent_field) = names.dotted(&self.to)?;
        if child == parent {
            return Err("a table cannot refer to itself".into());
        }
        self.ix = RefIx {
            child,
            child_field,
            parent,
            parent_field,
        };
        Ok(())
    }
}

impl CoverageSpec {
    /// Check the roster's fields and match levels against the survey table; the indexes.
    fn resolve(&self, names: &Names, village: &str) -> Result<CoverageIx, String> {
        let table = names.table(&self.table)?;
        if table != TableId(0) {
            return Err(format!(
                "table {:?}: a roster lists the main table's rows ({})",
                self.table, names.keys[0]
            ));
        }
        if names.keys.contains(&self.key) {
            return Err(format!("key {:?} is a table's key", self.key));
        }
        let mut ix = CoverageIx {
            table,
            ..Default::default()
        };
        for (i, f) in self.fields.iter().enumerate() {
            if self.fields[..i].contains(f) {
                return Err(format!("fields: {f:?} is listed twice"));
            }
            ix.fields.push(names.field(table, f)?);
        }
        let roster = |key: &str, what: &str| -> Result<usize, String> {
            self.fields
                .iter()
                .position(|f| f == key)
                .ok_or_else(|| format!("{what}: {key:?} is not one of `fields`"))
        };
        ix.village = (
            roster(village, "the village field")?,
            names.field(table, village)?,
        );
        for key in self.identity.iter().chain(self.aliases.keys()) {
            let what = if self.identity.contains(key) {
                "identity"
            } else {
                "aliases"
            };
            roster(key, what)?;
        }
        for (n, level) in self.matches.iter().enumerate() {
            let mut fields = Vec::new();
            for key in &level.by {
                let r = roster(key, &format!("match #{}", n + 1))?;
                let tail = level.loose
                    && names.schema(table).fields[ix.fields[r]].profile
                        == Some(super::table::Profile::Address);
                fields.push((r, ix.fields[r], tail));
            }
            if fields.iter().all(|x| x.2) {
                return Err(format!(
                    "match #{}: an address alone is too loose a match; add a field",
                    n + 1
                ));
            }
            ix.levels.push(fields);
        }
        Ok(ix)
    }
}

impl WriteoffRule {
    /// Check the table, conditions, `latest` and `none_of` against the tables and the
    /// evidence's placeholders; index them.
    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        let table = names.table(&self.table)?;
        names.conds(table, &mut self.when, "when")?;
        let mut ix = WriteoffIx {
            table,
            ..Default::default()
        };
        let mut latest_table: Option<TableId> = None;
        if let Some(latest) = self.latest.as_mut() {
            let (r, rx) = names.reference(&latest.reference)?;
            if rx.parent != table {
                return Err(format!(
                    "latest {:?} does not refer to {}",
                    latest.reference, self.table
                ));
            }
            let by = names.field(rx.child, &latest.by)?;
            names.conds(rx.child, &mut latest.when, "latest.when")?;
            ix.latest = Some((r, by));
            latest_table = Some(rx.child);
        }
        for n in &self.none_of {
            let (r, rx) = names.reference(n)?;
            if rx.parent != table {
                return Err(format!("none_of {n:?} does not refer to {}", self.table));
            }
            ix.none_of.push(r);
        }
        for p in crate::text::brace_names(&self.evidence) {
            let ok = match p.split_once('.') {
                Some((tk, f)) => latest_table.is_some_and(|c| {
                    let s = names.schema(c);
                    s.table.key == tk && s.field_index(f).is_some()
                }),
                None => names.schema(table).field_index(p).is_some(),
            };
            if !ok {
                return Err(format!("evidence: {{{p}}} names no field"));
            }
        }
        self.ix = ix;
        Ok(())
    }
}

impl TallySpec {
    /// Check every column (one of `table`, `writeoff`, `coverage`; keys once) and the
    /// chart's columns and colours; index them.
    fn resolve(&mut self, names: &Names, reasons: &[&str]) -> Result<(), String> {
        let mut keys: Vec<String> = Vec::new();
        for column in self.columns.iter_mut() {
            let key = column.key.clone();
            let at = |e: String| format!("[[tally.columns]] {key}: {e}");
            if keys.contains(&key) || key == "village" {
                return Err(at("the key is used twice (or is `village`)".into()));
            }
            column.resolve(names, reasons).map_err(at)?;
            keys.push(column.key.clone());
        }
        for k in &self.chart {
            if !keys.contains(k) {
                return Err(format!("[tally] chart: {k:?} is not a column key"));
            }
        }
        check_colours(&self.chart_colours)
    }
}

impl TallyColumn {
    /// What it counts, checked and indexed.
    fn resolve(&mut self, names: &Names, reasons: &[&str]) -> Result<(), String> {
        if self.read && (self.rejected || self.table.is_none()) {
            return Err(
                "`read` counts a table's rows, accepted or not: give `table`, not `rejected`"
                    .into(),
            );
        }
        self.ix = match (&self.table, &self.writeoff, self.coverage) {
            (Some(t), None, None) => {
                let t = names.table(t)?;
                names.conds(t, &mut self.when, "when")?;
                TallyIx::Rows(t)
            }
            (None, Some(w), None) => TallyIx::Writeoff(
                reasons
                    .iter()
                    .position(|r| r == w)
                    .ok_or_else(|| format!("writeoff {w:?} is not a [[writeoffs]] reason"))?,
            ),
            (None, None, Some(k)) if names.has_coverage => TallyIx::Coverage(k),
            (None, None, Some(_)) => return Err("`coverage` needs a [coverage] section".into()),
            _ => return Err("give one of `table`, `writeoff` or `coverage`".into()),
        };
        Ok(())
    }
}

/// Chart colours are `#RRGGBB`.
fn check_colours(colours: &[String]) -> Result<(), String> {
    for c in colours {
        let hex =
            c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            return Err(format!("chart_colours: {c:?} is not a colour #RRGGBB"));
        }
    }
    Ok(())
}

impl ReportSpec {
    /// Check the chart's columns and colours and every line's placeholders and
    /// conditions against the tally's column keys.
    fn check(&self, keys: &[&str]) -> Result<(), String> {
        check_colours(&self.chart_colours)?;
        for k in &self.chart {
            if !keys.contains(&k.as_str()) {
                return Err(format!("[report] chart: {k:?} is not a tally column key"));
            }
        }
        for (i, line) in self.lines.iter().enumerate() {
            let names = crate::text::brace_names(&line.text);
            for n in names
                .iter()
                .copied()
                .chain(line.if_.iter().map(String::as_str))
                .chain(line.unless.iter().map(String::as_str))
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
        Ok(())
    }
}

impl DemoWords {
    /// Check the header groups' fields and the write-off reasons.
    fn check(&self, names: &Names, reasons: &[&str]) -> Result<(), String> {
        for (tk, groups) in &self.groups {
            let t = names.table(tk).map_err(|e| format!("[demo.groups] {e}"))?;
            for (_, keys) in groups {
                for k in keys {
                    names
                        .field(t, k)
                        .map_err(|e| format!("[demo.groups.{tk}] {e}"))?;
                }
            }
        }
        for r in self.writeoffs.keys() {
            if !reasons.contains(&r.as_str()) {
                return Err(format!(
                    "[demo] writeoffs: {r:?} is not a [[writeoffs]] reason"
                ));
            }
        }
        Ok(())
    }
}

/// Whether `v` is a value of `f` (an enum's value, 是/否 of a bool as the lexicon's first
/// forms; anything for other types).
pub fn check_value(f: &super::table::Field, v: &str) -> Result<(), String> {
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
