//! How a written enum form reaches a canonical value when it is not one of the schema's
//! values or synonyms word for word (issue "Recognise any village's workbook").
//!
//! The policy, in order:
//! 1. **Exact**: the form, or the form without any parenthetical ("存在严重安全隐患(…)"),
//!    or the form without the lexicon's neutral words ("燃气隐患" → "燃气"), is a value or
//!    a synonym.
//! 2. **Abbreviation or reordering**: the form is made only of the characters of one
//!    value's (or synonym's) own characters: "混凝土结构" → 钢筋混凝土结构, "零售批发" →
//!    批发零售. When several values fit, the one holding the form whole beats one holding
//!    it in order, which beats one holding its characters in any order; a tie is ambiguous.
//! 3. **Typo**: the form differs from a value or synonym of the same length in exactly one
//!    character ("砌体结沟", "已整冶", "经营姓"): never corrected, an error that suggests it.
//! 4. **Qualifier**: a value or synonym of two or more characters stands whole in the form
//!    and the rest is a qualifier or a note ("A级房屋", "钢结构厂房", "目前未发现安全隐患").
//!    The longest such form wins; it is refused when the rest holds a negation ("不存在…")
//!    or when another value explains more of the form's characters ("住户兼作经营" is nearer
//!    自住兼经营 than 经营性 although "经营" stands whole in it).
//!
//! 5. **Thesaurus**: words from the standards the field's values come from (GB/T 4754 for
//!    kinds of business: 小吃店 is 餐饮饭店, 便利店 批发零售; the appraisal guidance for
//!    grades: 局部危房 is C级): one value's words map the form; two values' are ambiguous.
//!
//! 6. **Near-synonym**: when nothing above maps the form, the lexicon's near-synonyms are
//!    put in on both sides ("完毕" is 完成, "库房" is 仓储, "暂停" is 停止) and the tiers are
//!    tried again; a value found that way is taken. A form with a character foreign to every
//!    value and to every near-synonym stays a typo or unknown.
//!
//! Character equivalents (它/他, 整改/整治) are applied to both sides first. Every word this
//! needs is in the lexicon.
//!
//! 7. **Never a state moved**: a value reached by tiers 2–5 whose stage (not begun, under
//!    way, done: `schema::stages`) is not the one the form's own words say is refused
//!    ("已提交销号申请" is never 已销号): `Resolved::Beyond`, an error that suggests the
//!    values at the form's stage.

pub use crate::schema::forms::{key, make_forms, near_forms, near_key, strip_parens};
use crate::schema::{Field, Lexicon};
use crate::text::norm_key;

/// How a form was mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A value or synonym as written (after normalisation).
    Exact,
    /// Made only of one value's characters.
    Abbreviation,
    /// A value found whole with a qualifier or note around it.
    Qualifier,
    /// A word of the field's thesaurus (a standard's word for one value).
    Thesaurus,
    /// Reached only once the lexicon's near-synonyms were put in.
    NearSynonym,
    /// A yes or a no in a column of states: the done value, or the one not done.
    YesNo,
}

/// The outcome for one written form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Mapped to this value of the field, by this rule (label, synonym, near-synonym …).
    Value(String, Rule),
    /// Several values fit equally: they are named, none is chosen.
    Ambiguous(Vec<String>),
    /// A weak mapping reached `reached`, but that value is further along (or less far) than
    /// the form's own words say (`schema::stages`): not mapped. `instead` holds the values
    /// at the form's own stage, likeliest first.
    Beyond {
        /// The value the weak mapping led to.
        reached: String,
        /// The values at the form's own stage, likeliest first.
        instead: Vec<String>,
    },
    /// One character away from this value: a typo, not corrected.
    Typo(String),
    /// Nothing fits.
    Unknown,
}

/// The key without a trailing kind-of-place character ("…部", "…室"), when two characters
/// or more remain.
fn without_kind_suffix(lex: &Lexicon, k: &str) -> String {
    for s in &lex.kind_suffixes {
        if let Some(stem) = k.strip_suffix(s.as_str()) {
            if stem.chars().count() >= 2 {
                return stem.to_string();
            }
        }
    }
    k.to_string()
}

fn without_neutral(lex: &Lexicon, k: &str) -> String {
    let mut out = k.to_string();
    for w in &lex.keys.neutral_words {
        out = out.replace(w.as_str(), "");
    }
    out
}

/// Borrowed (form, canonical value) pairs.
fn borrow(forms: &[(String, String)]) -> Vec<(&str, &str)> {
    forms
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect()
}

fn distinct(mut v: Vec<&str>) -> Vec<String> {
    v.sort_unstable();
    v.dedup();
    v.into_iter().map(str::to_string).collect()
}

/// Is `small` a subsequence of `big` (characters in order, gaps allowed)?
fn subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

/// A yes or a no written in a column of states ("是否销号：是"): the one value that is
/// done for a yes; the values not done for a no (one of them, or all as ambiguous). None
/// when the form is no yes/no word, or the field has no single done value.
fn yes_no(field: &Field, lex: &Lexicon, written: &str) -> Option<Resolved> {
    use crate::schema::stages::Stage;
    let w = crate::text::nfkc_trim(written).to_lowercase();
    if w.is_empty() || w.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let yes = lex.bool_true.iter().any(|b| b.to_lowercase() == w);
    let no = lex.bool_false.iter().any(|b| b.to_lowercase() == w);
    if !yes && !no {
        return None;
    }
    let stages = &lex.keys.stages;
    let (done, rest): (Vec<&String>, Vec<&String>) = field
        .values
        .iter()
        .filter(|v| stages.of(v).is_some())
        .partition(|v| stages.of(v) == Some(Stage::Done));
    if done.len() != 1 || rest.is_empty() {
        return None;
    }
    Some(if yes {
        Resolved::Value(done[0].clone(), Rule::YesNo)
    } else if rest.len() == 1 {
        Resolved::Value(rest[0].clone(), Rule::YesNo)
    } else {
        Resolved::Ambiguous(rest.into_iter().cloned().collect())
    })
}

/// Resolve a written form (one list item, not a whole list).
pub fn resolve(field: &Field, lex: &Lexicon, written: &str) -> Resolved {
    if let Some(r) = yes_no(field, lex, written) {
        return r;
    }
    match resolve_unguarded(field, lex, written) {
        Resolved::Value(v, rule) if rule != Rule::Exact => {
            guard_stage(field, lex, written, v, rule)
        }
        other => other,
    }
}

/// Tier 7: a weak mapping keeps the stage its form says, or is refused.
fn guard_stage(field: &Field, lex: &Lexicon, written: &str, v: String, rule: Rule) -> Resolved {
    let words = &lex.keys.stages;
    if !crate::schema::stages::moves_state(words, written, &v) {
        return Resolved::Value(v, rule);
    }
    let said = words.of(written);
    let mut instead: Vec<String> = field
        .values
        .iter()
        .filter(|x| said.is_some() && words.of(x) == said)
        .cloned()
        .collect();
    // The value sharing most characters with the form first.
    let shared = |x: &String| x.chars().filter(|c| written.contains(*c)).count();
    instead.sort_by_key(|x| std::cmp::Reverse(shared(x)));
    Resolved::Beyond {
        reached: v,
        instead,
    }
}

fn resolve_unguarded(field: &Field, lex: &Lexicon, written: &str) -> Resolved {
    let k = key(lex, written);
    if k.is_empty() {
        return Resolved::Unknown;
    }
    let first = tiers(&borrow(&field.prepared.forms), lex, &k);
    if matches!(first, Resolved::Value(_, Rule::Exact | Rule::Abbreviation)) {
        return first;
    }
    // 5. The field's thesaurus — words from the standards that mean one value — read
    // before a qualifier is looked for ("砖木结构" is no 木结构 with a note).
    if let Some(r) = thesaurus(field, lex, &k) {
        return r;
    }
    if matches!(first, Resolved::Value(..)) {
        return first;
    }
    // 6. Near-synonyms (and a trailing kind-of-place character), when they change anything.
    let n = without_kind_suffix(lex, &near_key(lex, &k));
    if n != k {
        if let Resolved::Value(v, _) = tiers(&borrow(&field.prepared.near_forms), lex, &n) {
            return Resolved::Value(v, Rule::NearSynonym);
        }
    }
    first
}

/// Tier 5: the field's thesaurus words, and its values' and synonyms' forms, found in the
/// form (a word inside a longer one found counts for nothing). Nothing when no
/// thesaurus word is there. One value's words map the form to it; two values' are
/// ambiguous; a negation outside the words found says nothing is known.
fn thesaurus(field: &Field, lex: &Lexicon, k: &str) -> Option<Resolved> {
    let words = &field.prepared.thesaurus;
    if words.is_empty() || !words.iter().any(|(w, _, _)| k.contains(w.as_str())) {
        return None;
    }
    let chars: Vec<char> = k.chars().collect();
    let mut covered = vec![false; chars.len()];
    // (word, value) of every word found.
    let mut found: Vec<(&str, &str)> = Vec::new();
    let all = words
        .iter()
        .map(|(w, v, _)| (w.as_str(), v.as_str()))
        .chain(
            field
                .prepared
                .forms
                .iter()
                .filter(|(f, _)| f.chars().count() >= 2)
                .map(|(f, c)| (f.as_str(), c.as_str())),
        );
    for (w, v) in all {
        let wc: Vec<char> = w.chars().collect();
        let mut hit = false;
        for i in 0..=chars.len().saturating_sub(wc.len()) {
            if i + wc.len() <= chars.len() && chars[i..i + wc.len()] == wc[..] {
                covered[i..i + wc.len()].iter_mut().for_each(|c| *c = true);
                hit = true;
            }
        }
        if hit {
            found.push((w, v));
        }
    }
    // A word inside a longer word found counts for nothing ("安全" in 严重安全隐患).
    let values: Vec<&str> = found
        .iter()
        .filter(|(w, _)| {
            !found
                .iter()
                .any(|(w2, _)| w2.len() > w.len() && w2.contains(*w))
        })
        .map(|(_, v)| *v)
        .collect();
    let rest: String = chars
        .iter()
        .zip(&covered)
        .filter(|(_, c)| !**c)
        .map(|(ch, _)| *ch)
        .collect();
    if lex.keys.negations.iter().any(|n| rest.contains(n.as_str())) {
        return Some(Resolved::Unknown);
    }
    let values = distinct(values);
    Some(match values.len() {
        1 => Resolved::Value(values[0].clone(), Rule::Thesaurus),
        _ => Resolved::Ambiguous(values),
    })
}

/// Tiers 1–4 on a key against a set of forms.
fn tiers(forms: &[(&str, &str)], lex: &Lexicon, k: &str) -> Resolved {
    let k = k.to_string();
    let exact = |s: &str| forms.iter().find(|(f, _)| *f == s).map(|(_, c)| *c);
    let bare = strip_parens(&k);
    let plain = without_neutral(lex, &bare);
    for cand in [&k, &bare, &plain] {
        if let Some(c) = exact(cand) {
            return Resolved::Value(c.to_string(), Rule::Exact);
        }
    }
    if bare.is_empty() {
        return Resolved::Unknown;
    }
    // 2. Made only of one value's characters (brackets kept first) — unless the form also
    // holds another value's form whole ("框架结构" is a kind of 底部框架结构, and holds 框架),
    // or stands on one side of a value's conjunction ("自住" of 自住兼经营).
    let second_reading = |r: Resolved| -> Resolved {
        match r {
            Resolved::Value(v, rule) => {
                if conjunct_side(forms, lex, &bare, &v) {
                    return Resolved::Unknown;
                }
                // The winner's own forms found whole explain what they cover ("底部框架"
                // holds 框架); once the form holds one of them, another value's form that
                // is part of the winner's own wording is explained too (底框-砌体结构).
                let mine: Vec<&str> = forms
                    .iter()
                    .filter(|(f, c)| *c == v && f.chars().count() >= 2 && bare.contains(*f))
                    .map(|(f, _)| *f)
                    .collect();
                let explained = |f: &str| {
                    mine.iter().any(|m| m.contains(f))
                        || (!mine.is_empty() && forms.iter().any(|(g, c)| *c == v && g.contains(f)))
                };
                let mut other: Vec<&str> = forms
                    .iter()
                    .filter(|(f, c)| {
                        *c != v && f.chars().count() >= 2 && bare.contains(*f) && !explained(f)
                    })
                    .map(|(_, c)| *c)
                    .collect();
                if other.is_empty() {
                    Resolved::Value(v, rule)
                } else {
                    other.push(&v);
                    Resolved::Ambiguous(distinct(other))
                }
            }
            other => other,
        }
    };
    if let Some(r @ Resolved::Value(..)) = abbreviation(forms, &k) {
        return second_reading(r);
    }
    if let Some(r) = abbreviation(forms, if plain.is_empty() { &bare } else { &plain }) {
        return second_reading(r);
    }
    // 3. One character off a form of the same length.
    let n = bare.chars().count();
    if n >= 2 {
        let typos: Vec<&str> = forms
            .iter()
            .filter(|(f, _)| {
                f.chars().count() == n
                    && f.chars().zip(bare.chars()).filter(|(a, b)| a != b).count() == 1
            })
            .map(|(_, c)| *c)
            .collect();
        let typos = distinct(typos);
        if typos.len() == 1 {
            return Resolved::Typo(typos[0].clone());
        }
    }
    qualifier(forms, lex, &bare)
}

/// Does `w` stand wholly on one side of a conjunction (兼, 及 …) in a form of `value`?
/// Then it names one part of a compound value, not the compound.
fn conjunct_side(forms: &[(&str, &str)], lex: &Lexicon, w: &str, value: &str) -> bool {
    let joins = &lex.conjunctions;
    if joins.is_empty() || w.is_empty() {
        return false;
    }
    let holding: Vec<&str> = forms
        .iter()
        .filter(|(f, c)| *c == value && f.contains(w))
        .map(|(f, _)| *f)
        .collect();
    holding.iter().any(|f| {
        joins.iter().any(|j| {
            f.split(j.as_str()).filter(|part| !part.is_empty()).count() >= 2
                && f.split(j.as_str()).any(|part| part.contains(w))
                && !w.contains(j.as_str())
        })
    })
}

/// Tier 2: `w` made only of one form's characters. The form holding it whole beats one
/// holding it in order, which beats one holding its characters in any order.
fn abbreviation(forms: &[(&str, &str)], w: &str) -> Option<Resolved> {
    let mut best_rank = 0;
    let mut ranked: Vec<&str> = Vec::new();
    for (f, c) in forms {
        if !w.chars().all(|ch| f.contains(ch)) {
            continue;
        }
        let rank = if f.contains(w) {
            3
        } else if subsequence(w, f) {
            2
        } else {
            1
        };
        if rank > best_rank {
            best_rank = rank;
            ranked.clear();
        }
        if rank == best_rank {
            ranked.push(c);
        }
    }
    let ranked = distinct(ranked);
    match ranked.len() {
        0 => None,
        1 => Some(Resolved::Value(ranked[0].clone(), Rule::Abbreviation)),
        _ => Some(Resolved::Ambiguous(ranked)),
    }
}

/// Tier 4: a form found in the written one, with a qualifier or note around it. The
/// longest form found wins; found whole beats found in order with gaps ("整治工作中"
/// holds 整治中), which beats found in any order. Refused when the rest negates it, when
/// another value explains more of the written characters, or when the rest holds
/// another value.
fn qualifier(forms: &[(&str, &str)], lex: &Lexicon, bare: &str) -> Resolved {
    let union = |canon: &str| -> Vec<char> {
        forms
            .iter()
            .filter(|(_, c)| *c == canon)
            .flat_map(|(f, _)| f.chars())
            .collect()
    };
    let cover = |canon: &str| {
        let chars = union(canon);
        bare.chars().filter(|ch| chars.contains(ch)).count()
    };
    // (length, kind, canonical, form)
    let mut found: Vec<(usize, u8, &str, &str)> = Vec::new();
    for (f, c) in forms {
        let len = f.chars().count();
        if len < 2 {
            continue;
        }
        let kind = if bare.contains(*f) {
            3
        } else if len >= 3 && subsequence(f, bare) {
            2
        } else if len >= 3 && contains_all(bare, f) {
            1
        } else {
            continue;
        };
        found.push((len, kind, c, f));
    }
    found.sort_by_key(|x| std::cmp::Reverse((x.0, x.1)));
    let Some(&(len, kind, winner, matched)) = found.first() else {
        return Resolved::Unknown;
    };
    let tied = distinct(
        found
            .iter()
            .filter(|x| (x.0, x.1) == (len, kind))
            .map(|x| x.2)
            .collect(),
    );
    if tied.len() > 1 {
        return Resolved::Ambiguous(tied);
    }
    // What is left once the form's characters are taken out.
    let mut rest: Vec<char> = bare.chars().collect();
    if kind == 3 {
        rest = bare.replacen(matched, "", 1).chars().collect();
    } else {
        for ch in matched.chars() {
            if let Some(i) = rest.iter().position(|x| *x == ch) {
                rest.remove(i);
            }
        }
    }
    let rest: String = rest.into_iter().collect();
    let negated = lex
        .keys
        .negations
        .iter()
        .any(|x| rest.contains(x.as_str()) && !matched.contains(x.as_str()));
    if negated {
        return Resolved::Unknown;
    }
    let mine = cover(winner);
    let mut rivals: Vec<&str> = forms
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| *c != winner && cover(c) > mine)
        .collect();
    if !rivals.is_empty() {
        // Likeliest first: the value that explains most of what was written.
        rivals.push(winner);
        rivals.sort_by_key(|c| (std::cmp::Reverse(cover(c)), *c));
        rivals.dedup();
        return Resolved::Ambiguous(rivals.into_iter().map(str::to_string).collect());
    }
    // The rest holding another value whole (with characters of its own) is two values.
    let own = union(winner);
    let other: Vec<&str> = forms
        .iter()
        .filter(|(f, c)| {
            *c != winner
                && f.chars().count() >= 2
                && rest.contains(*f)
                && f.chars().any(|ch| !own.contains(&ch))
        })
        .map(|(_, c)| *c)
        .collect();
    if !other.is_empty() {
        let mut all = other;
        all.push(winner);
        return Resolved::Ambiguous(distinct(all));
    }
    Resolved::Value(winner.to_string(), Rule::Qualifier)
}

/// Does `big` hold every character of `small` (as many times), in any order?
fn contains_all(big: &str, small: &str) -> bool {
    let mut pool: Vec<char> = big.chars().collect();
    small
        .chars()
        .all(|ch| match pool.iter().position(|x| *x == ch) {
            Some(i) => {
                pool.swap_remove(i);
                true
            }
            None => false,
        })
}

/// Split an enum list into its items: any punctuation or `+` between values (brackets
/// excepted: a parenthetical stays with its item). A run of values written with no
/// separator at all ("停止使用封控警示") is cut where values meet, when that covers it.
pub fn split_list(field: &Field, lex: &Lexicon, written: &str) -> Vec<String> {
    let k = crate::text::nfkc_trim(written);
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let explicit: Vec<String> = lex
        .list_separators
        .iter()
        .map(|s| crate::text::nfkc_trim(s).into_owned())
        .filter(|s| !s.is_empty())
        .collect();
    for c in k.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = (depth - 1).max(0),
            _ => {}
        }
        let sep = depth == 0
            && !matches!(c, '(' | ')' | '（' | '）')
            && (is_separator(c) || explicit.iter().any(|s| s.chars().eq(std::iter::once(c))));
        if sep {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| crate::text::nfkc_trim(&p).into_owned())
        .filter(|p| !p.is_empty())
        .collect();
    // One unseparated run: cut it where whole values meet.
    if parts.len() == 1 && !matches!(resolve(field, lex, &parts[0]), Resolved::Value(..)) {
        if let Some(cut) = segment(field, &parts[0]) {
            return cut;
        }
    }
    parts
}

/// A list separator: ASCII punctuation or a symbol, CJK punctuation, full-width forms.
fn is_separator(c: char) -> bool {
    (c.is_ascii_punctuation() && c != '(' && c != ')')
        || ('\u{3000}'..='\u{303F}').contains(&c)
        || ('\u{FF01}'..='\u{FF0F}').contains(&c)
        || ('\u{FF1A}'..='\u{FF20}').contains(&c)
        || c.is_whitespace()
        || matches!(c, '・' | '·' | '／' | '＋')
}

/// Cover a run wholly by values and synonyms, longest first; None when it cannot be.
fn segment(field: &Field, run: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = norm_key(run).chars().collect();
    let forms = borrow(&field.prepared.forms);
    let n = chars.len();
    // best[i]: a cover of chars[i..] with the fewest pieces.
    let mut best: Vec<Option<Vec<String>>> = vec![None; n + 1];
    best[n] = Some(Vec::new());
    for i in (0..n).rev() {
        let mut pick: Option<Vec<String>> = None;
        for (f, _) in &forms {
            let fc: Vec<char> = f.chars().collect();
            if fc.len() < 2 || i + fc.len() > n || chars[i..i + fc.len()] != fc[..] {
                continue;
            }
            if let Some(rest) = &best[i + fc.len()] {
                if pick.as_ref().is_none_or(|p| rest.len() + 1 < p.len()) {
                    let mut v = vec![f.to_string()];
                    v.extend(rest.iter().cloned());
                    pick = Some(v);
                }
            }
        }
        best[i] = pick;
    }
    best[0].take().filter(|v| v.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::testutil::*;
    use crate::schema::test_tables::*;

    fn r(t: crate::schema::TableId, key: &str, s: &str) -> Resolved {
        resolve(field(t, key), &schemas().lexicon, s)
    }
    fn v(s: &str, rule: Rule) -> Resolved {
        Resolved::Value(s.into(), rule)
    }

    #[test]
    fn abbreviation() {
        assert_eq!(
            r(Buildings, "structure", "混凝土"),
            v("钢筋混凝土结构", Rule::Abbreviation)
        );
        assert_eq!(
            r(Buildings, "structure", "底部框架-抗震墙"),
            v("底部框架-抗震墙上部砌体结构", Rule::Abbreviation)
        );
        assert_eq!(
            r(Buildings, "structure", "抗震墙"),
            v("底部框架-抗震墙上部砌体结构", Rule::Abbreviation)
        );
    }

    #[test]
    fn reordering() {
        assert_eq!(
            r(Buildings, "business_type", "零售批发"),
            v("批发零售", Rule::Abbreviation)
        );
        assert_eq!(
            r(Buildings, "business_type", "物流仓储"),
            v("仓储物流", Rule::Abbreviation)
        );
    }

    #[test]
    fn qualifier_and_note() {
        assert_eq!(
            r(Buildings, "appraisal_grade", "A级房屋"),
            v("A级", Rule::Qualifier)
        );
        assert_eq!(
            r(Buildings, "structure", "钢结构厂房"),
            v("钢结构", Rule::Qualifier)
        );
        assert_eq!(
            r(Buildings, "judgement", "目前未发现安全隐患"),
            v("未发现安全隐患", Rule::Qualifier)
        );
        assert_eq!(
            r(Hazards, "level", "一般的隐患"),
            v("一般隐患", Rule::Qualifier)
        );
    }

    #[test]
    fn parenthetical_anywhere() {
        assert_eq!(
            r(Buildings, "judgement", "存在(较)严重安全隐患"),
            v("存在严重安全隐患", Rule::Exact)
        );
        assert_eq!(
            r(Hazards, "status", "已整治（待验收）"),
            v("已整治", Rule::Exact)
        );
    }

    #[test]
    fn near_synonyms_when_nothing_else_fits() {
        let lex = &schemas().lexicon;
        assert_eq!(near_key(lex, "饭馆餐饮"), "餐饮");
        assert_eq!(near_key(lex, "库房"), "仓储");
        assert_eq!(
            r(Buildings, "business_type", "库房"),
            v("仓储物流", Rule::NearSynonym)
        );
        assert!(matches!(
            r(Buildings, "business_type", "卫生院"),
            Resolved::Value(v, _) if v == "医疗卫生"
        ));
        assert!(matches!(
            r(Buildings, "business_type", "卫生站"),
            Resolved::Value(v, _) if v == "医疗卫生"
        ));
        assert_eq!(
            r(Buildings, "business_type", "储物间"),
            v("仓储物流", Rule::NearSynonym)
        );
        assert_eq!(
            r(Hazards, "level", "轻微隐患"),
            v("一般隐患", Rule::NearSynonym)
        );
        assert_eq!(
            r(Hazards, "status", "整治办结"),
            v("已整治", Rule::NearSynonym)
        );
        assert_eq!(
            r(Hazards, "measure", "暂停营业"),
            v("停止经营", Rule::NearSynonym)
        );
        assert_eq!(
            r(Hazards, "hazard_type", "配电线路"),
            v("用电安全", Rule::NearSynonym)
        );
        // A form the earlier tiers map is left to them.
        assert_eq!(
            r(Buildings, "business_type", "饭馆"),
            v("餐饮饭店", Rule::NearSynonym)
        );
        assert_eq!(
            r(Buildings, "business_type", "零售批发"),
            v("批发零售", Rule::Abbreviation)
        );
    }

    #[test]
    fn near_synonyms_do_not_hide_typos() {
        // A character foreign to every value and every near-synonym is still a typo.
        assert_eq!(
            r(Buildings, "business_type", "仓储物留"),
            Resolved::Typo("仓储物流".into())
        );
        assert_eq!(
            r(Hazards, "status", "已整冶"),
            Resolved::Typo("已整治".into())
        );
        // Two values of one field are never joined: 暂停 alone (停止使用 or 停止经营) maps to neither.
        assert!(!matches!(
            r(Hazards, "measure", "暂停"),
            Resolved::Value(..)
        ));
    }

    #[test]
    fn equivalents_and_neutral_words() {
        assert_eq!(r(Buildings, "structure", "其它"), v("其他", Rule::Exact));
        assert_eq!(r(Hazards, "status", "已整改"), v("已整治", Rule::Exact));
        assert!(matches!(
            r(Hazards, "hazard_type", "燃气隐患"),
            Resolved::Value(v, _) if v == "燃气安全"
        ));
    }

    #[test]
    fn typos_are_not_corrected() {
        assert_eq!(
            r(Buildings, "structure", "砌体结沟"),
            Resolved::Typo("砌体结构".into())
        );
        assert_eq!(
            r(Hazards, "status", "已整冶"),
            Resolved::Typo("已整治".into())
        );
        assert_eq!(
            r(Buildings, "use", "经营姓"),
            Resolved::Typo("经营性".into())
        );
    }

    #[test]
    fn ambiguity_and_negation() {
        // 结构 is in nearly every structure value.
        assert!(matches!(
            r(Buildings, "structure", "结构"),
            Resolved::Ambiguous(v) if v.len() > 2
        ));
        // "经营" stands whole, but 自住兼经营 explains more of it.
        assert!(matches!(
            r(Buildings, "use", "住户兼作经营"),
            Resolved::Ambiguous(v) if v.contains(&"自住兼经营".to_string())
        ));
        assert_eq!(
            r(Buildings, "judgement", "不存在安全隐患"),
            Resolved::Unknown
        );
    }

    /// The standards' words reach the values they mean; two values' words, or a negation,
    /// are never mapped.
    #[test]
    fn thesaurus_words_from_the_standards() {
        assert_eq!(
            r(Buildings, "business_type", "沙县小吃店"),
            v("餐饮饭店", Rule::Thesaurus)
        );
        assert_eq!(
            r(Buildings, "business_type", "便利店"),
            v("批发零售", Rule::Thesaurus)
        );
        assert_eq!(
            r(Buildings, "business_type", "青年旅舍"),
            v("民宿宾馆", Rule::Thesaurus)
        );
        assert_eq!(
            r(Buildings, "appraisal_grade", "局部危房"),
            v("C级", Rule::Thesaurus)
        );
        assert_eq!(
            r(Buildings, "structure", "吊脚楼"),
            v("木（竹）结构", Rule::Thesaurus)
        );
        assert!(matches!(
            r(Buildings, "structure", "彩钢木屋"),
            Resolved::Ambiguous(v) if v.len() == 2
        ));
        // Eating and lodging in one form: two values, none chosen.
        assert!(matches!(
            r(Buildings, "business_type", "快餐及客房"),
            Resolved::Ambiguous(v) if v.len() == 2
        ));
        // Not safe is neither A级 nor any other grade the words name.
        assert!(!matches!(
            r(Buildings, "appraisal_grade", "不安全"),
            Resolved::Value(..)
        ));
    }

    /// A yes in a column of states is its done value; a no is the value not done when
    /// there is one, else a question between those not done.
    #[test]
    fn a_yes_or_no_in_a_column_of_states() {
        assert_eq!(r(Hazards, "writeoff", "是"), v("已销号", Rule::YesNo));
        assert_eq!(r(Hazards, "status", "√"), v("已整治", Rule::YesNo));
        assert!(matches!(
            r(Hazards, "status", "否"),
            Resolved::Ambiguous(v) if v == ["待整治", "整治中"]
        ));
        // Not in a column without states.
        assert!(!matches!(
            r(Buildings, "structure", "是"),
            Resolved::Value(..)
        ));
    }

    /// A request made is not a write-off done: a form that says less than the value a
    /// weak tier reaches is refused, with the value at its own stage suggested.
    #[test]
    fn a_state_word_is_never_moved_further() {
        let got = r(Hazards, "writeoff", "销号已上报");
        assert_eq!(
            got,
            Resolved::Beyond {
                reached: "已销号".into(),
                instead: vec!["申请销号".into()]
            }
        );
        let got = r(Hazards, "status", "整治未完成");
        assert!(
            !matches!(&got, Resolved::Value(v, _) if v == "已整治"),
            "{got:?}"
        );
        let got = r(Hazards, "status", "整治完成待验收");
        assert!(
            !matches!(&got, Resolved::Value(v, _) if v == "已整治"),
            "{got:?}"
        );
        assert!(matches!(
            r(Hazards, "writeoff", "已报销号审批"),
            Resolved::Beyond { reached, .. } if reached == "已销号"
        ));
        // Forms that say as far as their value are still taken.
        assert!(
            matches!(r(Hazards, "writeoff", "已提交销号申请"), Resolved::Value(v, _) if v == "申请销号")
        );
        assert!(
            matches!(r(Hazards, "writeoff", "申请销号中"), Resolved::Value(v, _) if v == "申请销号")
        );
        assert!(matches!(r(Hazards, "status", "整治办结"), Resolved::Value(v, _) if v == "已整治"));
        // A listed synonym is the schema's word: 销号审核通过 is 已销号.
        assert_eq!(
            crate::cells::enums::resolve(
                field(Hazards, "writeoff"),
                &schemas().lexicon,
                "销号审核通过"
            ),
            v("已销号", Rule::Exact)
        );
    }

    #[test]
    fn lists_split_on_any_punctuation_and_runs() {
        let f = field(Hazards, "measure");
        let lex = &schemas().lexicon;
        assert_eq!(
            split_list(f, lex, "停止使用+封控警示＋维修加固"),
            vec!["停止使用", "封控警示", "维修加固"]
        );
        assert_eq!(
            split_list(f, lex, "停止使用封控警示"),
            vec!["停止使用", "封控警示"]
        );
        assert_eq!(
            split_list(f, lex, "拆除(部分)；其他"),
            vec!["拆除(部分)", "其他"]
        );
    }
}
