//! How well a column fits a field, from its header text and from its values.
//!
//! - **Header** (`header_score`): 1.0 when the header (or parent + header) is the field's
//!   label or an alias; else from the field's concept words (`concepts` in the schema):
//!   every group of interchangeable words found, and how much of the header they explain
//!   (filler words such as 情况 and 名称 aside); else from closeness to a label or alias.
//! - **Content** (`content_score`): the share of the column's sampled values that the
//!   field's own cell parser takes without an error (so ranges, patterns, check digits and
//!   enum values all count), weighed by how telling a fit of that type is: a valid ID
//!   number says much more than a number that could be anything. Text fields use their
//!   `profile` (person name, address, place) with the lexicon's words.
//!
//! Every score carries its evidence in words, for `inspect` and the warnings.

use crate::cells::{self, Ctx, Val};
use crate::read::Raw;
use crate::schema::{Field, FieldType, Lexicon, Profile, TableSchema};
use crate::text::{label_key, norm_key};

/// How a header matched a field.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderHow {
    /// The label or an alias.
    Label,
    /// Concept words: the ones found.
    Concept(Vec<String>),
    /// Close to this label or alias.
    Similar(String),
    /// No match.
    None,
}

/// A header's fit to one field.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderFit {
    /// How well it fits, from 0 to 1.
    pub score: f64,
    /// Why it fits, for the evidence.
    pub how: HeaderHow,
}

impl HeaderFit {
    const NONE: HeaderFit = HeaderFit {
        score: 0.0,
        how: HeaderHow::None,
    };
}

/// A column's header parts as lookup keys, made once and scored against every field.
#[derive(Debug, Clone)]
pub struct HeaderText {
    /// Per part from the lowest up: the keys that may be a label or alias.
    label_keys: Vec<Vec<String>>,
    /// Texts for concept words: the lowest part, then parent + lowest (with a weight).
    concept_texts: Vec<(Vec<char>, f64)>,
    /// `label_key` of the lowest part, for closeness.
    loose: String,
    header_like: bool,
}

impl HeaderText {
    /// A header from its label parts (parent › child), normalised with the lexicon's words.
    pub fn new(parts: &[String], lex: &Lexicon) -> HeaderText {
        let units = &lex.header_units;
        let mut label_keys = Vec::new();
        for (i, p) in parts.iter().enumerate().rev() {
            let mut keys = vec![norm_key(p), label_key(p, units)];
            if i > 0 {
                let joined = format!("{}{}", parts[i - 1], p);
                keys.push(norm_key(&joined));
                keys.push(label_key(&joined, units));
            }
            label_keys.push(keys);
        }
        let leaf = parts.last().map(String::as_str).unwrap_or("");
        let own = norm_key(leaf);
        let mut concept_texts = vec![(own.chars().collect(), 1.0)];
        if parts.len() > 1 {
            let parent = norm_key(&parts[parts.len() - 2]);
            concept_texts.push((format!("{parent}{own}").chars().collect(), 0.9));
        }
        HeaderText {
            label_keys,
            concept_texts,
            loose: label_key(leaf, units),
            header_like: !leaf.is_empty() && header_like(leaf),
        }
    }
}

/// The header parts of a column (top to bottom) against one field.
pub fn header_score(t: &TableSchema, fi: usize, parts: &[String], lex: &Lexicon) -> HeaderFit {
    score_text(t, fi, &HeaderText::new(parts, lex), lex)
}

/// A prepared header against one field.
pub fn score_text(t: &TableSchema, fi: usize, h: &HeaderText, lex: &Lexicon) -> HeaderFit {
    score_text_in(t, fi, h, lex, &concept_places(t, h))
}

/// Where every field's longer concept words (three characters or more) stand in each of a
/// header's concept texts: (start, length, field). Worked out once per header and table,
/// for all its fields (`score_text_in`).
pub fn concept_places(t: &TableSchema, h: &HeaderText) -> Vec<Vec<(usize, usize, usize)>> {
    if !h.header_like {
        return Vec::new();
    }
    h.concept_texts
        .iter()
        .map(|(chars, _)| {
            let mut out = Vec::new();
            for (g, f) in t.fields.iter().enumerate() {
                for w in f.prepared.concepts.iter().flatten() {
                    let wc: Vec<char> = w.chars().collect();
                    if wc.len() < 3 || wc.len() > chars.len() {
                        continue;
                    }
                    for i in 0..=chars.len() - wc.len() {
                        if chars[i..i + wc.len()] == wc[..] {
                            out.push((i, wc.len(), g));
                        }
                    }
                }
            }
            out
        })
        .collect()
}

/// `score_text` with the header's concept places already worked out.
pub fn score_text_in(
    t: &TableSchema,
    fi: usize,
    h: &HeaderText,
    lex: &Lexicon,
    places: &[Vec<(usize, usize, usize)>],
) -> HeaderFit {
    let f = &t.fields[fi];
    // Label or alias: the lowest part, parent + child, then upwards.
    for (up, keys) in h.label_keys.iter().enumerate() {
        if keys.iter().any(|k| t.label_index.get(k) == Some(&fi)) {
            // The lowest part names the column: a parent's label counts a little less.
            return HeaderFit {
                score: 1.0 - 0.01 * up as f64,
                how: HeaderHow::Label,
            };
        }
    }
    let mut best = HeaderFit::NONE;
    // A value, not a header: digits (a code, a date, a number) or a long text.
    if !h.header_like {
        return best;
    }
    // Concept words in the header, then in parent + header (a little less sure).
    for (k, (text, weight)) in h.concept_texts.iter().enumerate() {
        // Other fields' longer words: a word of this field inside one counts for that one.
        let claimed: Vec<(usize, usize)> = places
            .get(k)
            .into_iter()
            .flatten()
            .filter(|p| p.2 != fi)
            .map(|p| (p.0, p.1))
            .collect();
        if let Some((s, words)) = concept_score(f, text, lex, &claimed) {
            let s = s * weight;
            if s > best.score {
                best = HeaderFit {
                    score: s,
                    how: HeaderHow::Concept(words),
                };
            }
        }
    }
    // Closeness to a wording.
    let k = &h.loose;
    if !k.is_empty() {
        let n = k.chars().count();
        for (w, wk) in TableSchema::wordings(f).zip(&f.prepared.wordings) {
            // Closeness of 0.6 needs lengths within 40% of each other.
            let m = wk.chars().count();
            if n.abs_diff(m) * 5 > 2 * n.max(m) {
                continue;
            }
            let s = strsim::normalized_levenshtein(k, wk);
            if s >= 0.6 && 0.75 * s > best.score {
                best = HeaderFit {
                    score: 0.75 * s,
                    how: HeaderHow::Similar(w.clone()),
                };
            }
        }
    }
    best
}

/// Could this cell text be a header at all? Headers hold few digits and are short.
pub fn header_like(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    digits < 4 && s.chars().count() <= 30
}

/// The concept score of a header text: (score, words found), None when no word is.
/// Occurrences inside a longer word of another field (`claimed`: start, length) do not
/// count: "完成" inside 计划完成 is the deadline's, not the done date's.
fn concept_score(
    f: &Field,
    chars: &[char],
    lex: &Lexicon,
    claimed: &[(usize, usize)],
) -> Option<(f64, Vec<String>)> {
    if chars.is_empty() {
        return None;
    }
    let mut covered = vec![false; chars.len()];
    // Filler words explain nothing but need no explaining either.
    let mut filler = vec![false; chars.len()];
    for w in &lex.keys.header_filler {
        mark(chars, w, &mut filler);
    }
    // Brackets' insides are notes (units, 关联, 年月日): they need no explaining.
    let mut depth = 0;
    for (i, c) in chars.iter().enumerate() {
        match c {
            '(' => {
                depth += 1;
                filler[i] = true;
            }
            ')' => {
                depth = 0.max(depth - 1);
                filler[i] = true;
            }
            _ if depth > 0 => filler[i] = true,
            _ => {}
        }
    }
    let mut hit = 0usize;
    let mut words = Vec::new();
    // A label or alias standing whole inside a longer header (a qualifier before 行政村)
    // carries the whole meaning.
    let mut whole = false;
    for w in &f.prepared.wordings {
        if w.chars().count() >= 2 && mark(chars, w, &mut covered) {
            if !whole {
                words.push(w.clone());
            }
            whole = true;
        }
    }
    for group in &f.prepared.concepts {
        let mut found = false;
        for w in group {
            if mark_unclaimed(chars, w, &mut covered, claimed) {
                if !found {
                    words.push(w.clone());
                }
                found = true;
            }
        }
        hit += usize::from(found);
    }
    if whole {
        hit = f.concepts.len();
    }
    if hit == 0 {
        return None;
    }
    let need = (0..chars.len())
        .filter(|&i| !filler[i] || covered[i])
        .count()
        .max(1);
    let got = (0..chars.len()).filter(|&i| covered[i]).count();
    let cov = (got as f64 / need as f64).min(1.0);
    let g = hit as f64 / f.concepts.len().max(1) as f64;
    let s = if hit >= f.concepts.len() {
        0.6 + 0.35 * cov
    } else {
        0.35 * g + 0.2 * cov
    };
    Some((s, words))
}

/// Mark every occurrence of `w` in `chars` not inside a longer `claimed` word; whether
/// there was one.
fn mark_unclaimed(chars: &[char], w: &str, marks: &mut [bool], claimed: &[(usize, usize)]) -> bool {
    let mut any = false;
    for (i, n) in occurrences(chars, w) {
        let inside = claimed
            .iter()
            .any(|&(j, m)| m > n && j <= i && i + n <= j + m);
        if !inside {
            any = true;
            for m in &mut marks[i..i + n] {
                *m = true;
            }
        }
    }
    any
}

/// Mark every occurrence of `w` in `chars`; whether there was one.
fn mark(chars: &[char], w: &str, marks: &mut [bool]) -> bool {
    let mut any = false;
    for (i, n) in occurrences(chars, w) {
        any = true;
        for m in &mut marks[i..i + n] {
            *m = true;
        }
    }
    any
}

/// Where `w` occurs in `chars` (overlapping too), with its length in characters; nothing
/// for an empty `w`. Compared character by character, no copy of `w` made (a sheet's
/// header search meets every filler word and wording for every field of every block).
fn occurrences<'a>(chars: &'a [char], w: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
    let n = w.chars().count();
    let first = w.chars().next();
    let last = (n > 0 && n <= chars.len()).then(|| chars.len() - n);
    last.into_iter().flat_map(move |last| {
        (0..=last).filter_map(move |i| {
            (Some(chars[i]) == first && chars[i..i + n].iter().copied().eq(w.chars()))
                .then_some((i, n))
        })
    })
}

/// A column's values against one field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContentFit {
    /// Values that fit, of those that say anything (placeholders aside).
    pub ok: usize,
    /// Of those, the ones that tell: for an enum a value, a listed synonym or a form of two
    /// characters or more (a lone character the policy stretches to a value fits, but tells
    /// little); for other types every fit.
    pub exact: usize,
    /// Of those, the ones written as a value or a listed synonym (other types: every fit):
    /// between two columns that fit alike, the one written as the schema writes wins.
    pub listed: usize,
    /// Values that say anything (placeholders aside).
    pub n: usize,
    /// How telling a fit of this field's type is (0–1).
    pub weight: f64,
}

impl ContentFit {
    /// Support the values give the field (0 when there are too few to tell).
    pub fn support(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let share = self.ok as f64 / self.n as f64;
        // Few values are less sure than many.
        let sure = (self.n as f64 / 5.0).min(1.0);
        share * self.weight * sure
    }
    /// Support from values that fit this field alone of the table's fields
    /// (`content::specific`): being the only fit is itself evidence, so a few values say
    /// nearly as much as many (one value counts two thirds).
    pub fn support_specific(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let share = self.ok as f64 / self.n as f64;
        share * self.weight * ((self.n as f64 + 1.0) / 3.0).min(1.0)
    }
    /// A small preference (at most 0.05) for values written as the schema lists them: it
    /// settles a tie between a column of values and a column of notes that merely quote one.
    pub fn listed_bonus(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            0.05 * self.listed as f64 / self.n as f64
        }
    }
    /// The values say it is not this field.
    pub fn contradicts(&self) -> bool {
        self.n >= 3 && (self.ok as f64) < 0.2 * self.n as f64 && self.weight >= 0.3
    }
    /// How much a contradiction counts against the field. Enum forms a village wrote its
    /// own way fail the parser without saying the column is something else (they are
    /// what learned.toml is for), so they count little.
    pub fn against(&self, f: &Field) -> f64 {
        match f.ty {
            FieldType::Enum | FieldType::EnumList => 0.2 * self.weight,
            _ => 0.5 * self.weight,
        }
    }
}

/// How telling a fit of the field's type is.
fn type_weight(f: &Field) -> f64 {
    match f.ty {
        FieldType::Code if f.regex.is_some() => 1.0,
        FieldType::Code if f.looks_like_regex.is_some() => 0.9,
        FieldType::Code => 0.3,
        FieldType::IdCard => 1.0,
        FieldType::Phone => 0.8,
        FieldType::Plugin(p) => p.0.weight(),
        FieldType::Lon | FieldType::Lat => 0.8,
        FieldType::Date => 0.7,
        FieldType::Enum | FieldType::EnumList => 0.8,
        FieldType::Bool => 0.5,
        FieldType::Integer => 0.45,
        FieldType::Number => 0.3,
        FieldType::Text => match f.profile {
            Some(Profile::Address) => 0.5,
            Some(Profile::PersonName) => 0.4,
            Some(Profile::Place) => 0.45,
            Some(Profile::FreeText) => 0.2,
            None => 0.05,
        },
    }
}

/// Score sampled values of a column against a field.
pub fn content_score(f: &Field, samples: &[&Raw], ctx: &Ctx) -> ContentFit {
    let mut ok = 0;
    let mut exact = 0;
    let mut listed = 0;
    let mut n = 0;
    for raw in samples {
        let parsed = cells::parse(f, raw, ctx);
        // Any issue, a warning too (a phone that is not one), means the value does not fit.
        let bad = parsed.issue.is_some();
        if !bad && parsed.val.is_empty() {
            continue; // a placeholder says nothing
        }
        n += 1;
        if bad {
            continue;
        }
        let fits = match (&parsed.val, f.ty) {
            (v, _) if f.looks_like_regex.is_some() => f
                .looks_like_regex
                .as_ref()
                .is_some_and(|re| re.is_match(&v.display())),
            (Val::Text(s), FieldType::Text) => profile_fits(f.profile, s, ctx.lexicon),
            // Decimal degrees or 度分秒, not a small whole number.
            (Val::Num(x), FieldType::Lon | FieldType::Lat) => {
                x.fract() != 0.0 || !matches!(raw, Raw::Num(_))
            }
            _ => true,
        };
        ok += usize::from(fits);
        exact += usize::from(fits && (!is_enum(f) || tells(f, raw, ctx)));
        listed += usize::from(fits && (!is_enum(f) || listed_form(f, raw)));
    }
    ContentFit {
        ok,
        exact,
        listed,
        n,
        weight: type_weight(f),
    }
}

fn is_enum(f: &Field) -> bool {
    matches!(f.ty, FieldType::Enum | FieldType::EnumList)
}

/// Is an enum cell written as a value or a listed synonym (an enum list: its whole text)?
fn listed_form(f: &Field, raw: &Raw) -> bool {
    cells::enums::lookup(f, &cells::raw_text(raw)).is_some()
}

/// Does an enum cell that fits say so tellingly: written as a value or a listed synonym,
/// or a form of two characters or more? A single character (有, 是, A) that the policy
/// stretches to a value fits, but could as well be a yes/no or a grade.
fn tells(f: &Field, raw: &Raw, ctx: &Ctx) -> bool {
    let text = cells::raw_text(raw);
    if cells::enums::lookup(f, &text).is_some() || norm_key(&text).chars().count() >= 2 {
        return true;
    }
    f.ty == FieldType::EnumList
        && cells::enum_policy::split_list(f, ctx.lexicon, &text)
            .iter()
            .all(|item| ctx.is_placeholder(item) || cells::enums::lookup(f, item).is_some())
}

/// Does a text value look like the field's profile?
fn profile_fits(p: Option<Profile>, s: &str, lex: &Lexicon) -> bool {
    let n = s.chars().count();
    let has_digit = s.chars().any(|c| c.is_ascii_digit());
    let cjk = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    match p {
        None => true,
        Some(Profile::PersonName) => {
            (2..=5).contains(&n)
                && !has_digit
                && s.chars().all(|c| cjk(c) || c == '·')
                && (lex.surnames.is_empty()
                    || lex
                        .surnames
                        .iter()
                        .any(|x| s.starts_with(x.as_str()) && s.len() > x.len()))
        }
        Some(Profile::Address) => {
            n >= 5 && lex.address_markers.iter().any(|m| s.contains(m.as_str())) && has_digit
        }
        Some(Profile::Place) => {
            n <= 12 && lex.place_suffixes.iter().any(|m| s.ends_with(m.as_str()))
        }
        Some(Profile::FreeText) => n >= 4 && !(2..=4).contains(&n),
    }
}

/// The evidence of a header fit in words.
pub fn header_words(h: &HeaderFit, header: &str, label: &str) -> String {
    match &h.how {
        HeaderHow::Label => format!("表头：“{header}”是“{label}”的标准写法"),
        HeaderHow::Concept(w) => format!("表头：“{header}”≈{label}（含“{}”）", w.join("”“")),
        HeaderHow::Similar(w) => format!("表头：“{header}”与“{w}”相近"),
        HeaderHow::None => format!("表头：“{header}”看不出是{label}"),
    }
}

/// The evidence of a content fit in words.
pub fn content_words(c: &ContentFit, f: &Field) -> String {
    if c.n == 0 {
        return "内容：没有可判断的值".to_string();
    }
    let what = match (f.ty, f.profile) {
        (FieldType::Text, Some(Profile::PersonName)) => "像人名".to_string(),
        (FieldType::Text, Some(Profile::Address)) => "像地址".to_string(),
        (FieldType::Text, Some(Profile::Place)) => "像村组名称".to_string(),
        (FieldType::Text, _) => "是文字".to_string(),
        (FieldType::IdCard, _) => "是有效身份证号".to_string(),
        (FieldType::Enum | FieldType::EnumList, _) => format!("是{}的选项", f.label),
        (ty, _) => format!("是有效的{}", ty.name_zh()),
    };
    format!("内容：{}/{} 个值{what}", c.ok, c.n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::testutil::*;
    use crate::schema::test_tables::{TableKind, *};

    fn h(t: TableKind, key: &str, parts: &[&str]) -> f64 {
        let s = schemas();
        let ts = s.table(t);
        let parts: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        header_score(ts, ts.field_index(key).unwrap(), &parts, &s.lexicon).score
    }

    #[test]
    fn labels_and_aliases_score_one() {
        assert_eq!(h(Buildings, "owner", &["*户主姓名"]), 1.0);
        assert_eq!(h(Buildings, "area", &["建筑面积\n（㎡）"]), 1.0);
        assert_eq!(h(Buildings, "floors", &["房屋基本情况", "层 数"]), 1.0);
    }

    #[test]
    fn concept_words_reach_new_wordings() {
        // Wordings that are in no alias list.
        assert!(h(Buildings, "appraisal_grade", &["房屋鉴定级别"]) > 0.8);
        assert!(h(Buildings, "surveyor", &["入户排查人员"]) > 0.8);
        assert!(h(Buildings, "year_built", &["房屋建造年份"]) > 0.8);
        assert!(h(Hazards, "done_date", &["整治完成的日期"]) > 0.8);
        // The grade column is not the yes/no column, and the other way round.
        assert!(
            h(Buildings, "appraisal_grade", &["鉴定级别"])
                > h(Buildings, "appraised", &["鉴定级别"])
        );
        assert!(
            h(Buildings, "appraised", &["是否做过鉴定"])
                > h(Buildings, "appraisal_grade", &["是否做过鉴定"])
        );
        // A date is not a person.
        assert!(
            h(Buildings, "surveyor", &["排查日期"]) < h(Buildings, "survey_date", &["排查日期"])
        );
    }

    fn c(t: TableKind, key: &str, vals: &[&str]) -> ContentFit {
        let raws: Vec<Raw> = vals.iter().map(|v| Raw::Text((*v).into())).collect();
        let refs: Vec<&Raw> = raws.iter().collect();
        content_score(field(t, key), &refs, &ctx())
    }

    #[test]
    fn content_tells_types_apart() {
        let ids = [
            "450103196708158643",
            "11010519491231002X",
            "450103196708158643",
        ];
        assert!(c(Buildings, "owner_id", &ids).support() > 0.5);
        assert!(c(Buildings, "phone", &ids).contradicts());
        let names = ["张三", "李四光", "欧阳春"];
        assert!(c(Buildings, "owner", &names).support() > 0.2);
        assert!(c(Buildings, "address", &names).contradicts());
        let lat = ["22.8171", "22°47′13″", "22.79"];
        assert!(c(Buildings, "latitude", &lat).support() > 0.4);
        assert!(c(Buildings, "longitude", &lat).contradicts());
        let floors = ["3", "2", "5", "1"];
        assert!(c(Buildings, "floors", &floors).support() > 0.3);
        assert!(c(Buildings, "year_built", &floors).contradicts());
        // Placeholders say nothing either way.
        assert_eq!(c(Buildings, "appraisal_grade", &["/", "无", "—"]).n, 0);
    }
}
