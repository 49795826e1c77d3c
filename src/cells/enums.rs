//! Enums and enum lists: canonical value, synonyms from the schema, and the policy of
//! `enum_policy` for forms that are neither (abbreviations, reorderings, qualifiers,
//! parentheticals anywhere); list items split on any punctuation. A typo, an ambiguous
//! form or an unknown one is an error that names the allowed values and the likeliest
//! ("您是否想填：砌体结构").

use super::enum_policy::{self, Resolved};
use super::{Ctx, Issue, Parsed, Val};
use crate::read::Raw;
use crate::schema::{Field, Lexicon};
use crate::text::{nfkc_trim, norm_key};

/// The canonical value of one written form, if the schema knows it word for word.
pub fn lookup(field: &Field, written: &str) -> Option<String> {
    let key = norm_key(written);
    if key.is_empty() {
        return None;
    }
    let find = |k: &str| field.enum_index.get(k).cloned();
    if let Some(v) = find(&key) {
        return Some(v);
    }
    // A trailing parenthetical: "存在一定安全隐患(限期整改)".
    if key.ends_with(')') {
        if let Some(open) = key.rfind('(') {
            if open > 0 {
                return find(&key[..open]);
            }
        }
    }
    None
}

/// The canonical value of a written form under the whole policy, or why there is none.
pub fn resolve(field: &Field, lex: &Lexicon, written: &str) -> Resolved {
    match lookup(field, written) {
        Some(v) => Resolved::Value(v, enum_policy::Rule::Exact),
        // A person said this form is none of the values: no weaker reading of it.
        None if is_refused(field, written) => Resolved::Unknown,
        None => enum_policy::resolve(field, lex, written),
    }
}

/// Whether a person said this form is none of the field's values (`not_synonyms`).
pub fn is_refused(field: &Field, written: &str) -> bool {
    !field.not_synonyms.is_empty() && {
        let k = norm_key(written);
        field.not_synonyms.iter().any(|n| norm_key(n) == k)
    }
}

/// The allowed value closest to what was written.
pub fn closest(field: &Field, written: &str) -> Option<String> {
    let k = norm_key(written);
    let mut best: Option<(f64, &String)> = None;
    let candidates = field
        .values
        .iter()
        .map(|v| (v, v))
        .chain(field.synonyms.iter());
    for (form, canon) in candidates {
        let s = strsim::normalized_levenshtein(&k, &norm_key(form)).max(
            if norm_key(form).contains(&k) || k.contains(&norm_key(form)) {
                0.5
            } else {
                0.0
            },
        );
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((s, canon));
        }
    }
    best.filter(|(s, _)| *s >= 0.3).map(|(_, c)| c.clone())
}

/// The values the policy would suggest for a form it could not map, best first.
pub fn guesses(field: &Field, lex: &Lexicon, written: &str) -> Vec<String> {
    match resolve(field, lex, written) {
        Resolved::Value(v, _) | Resolved::Typo(v) => vec![v],
        Resolved::Ambiguous(v) | Resolved::Beyond { instead: v, .. } => v,
        Resolved::Unknown => closest(field, written).into_iter().collect(),
    }
}

fn unmapped(field: &Field, s: &str, how: &Resolved) -> Issue {
    let allowed = field.values.join("、");
    let (l, le) = (&field.label, &field.label_en);
    match how {
        Resolved::Typo(g) => crate::codes::enum_typo(l, le, s, g, allowed),
        Resolved::Ambiguous(c) => {
            crate::codes::enum_ambiguous(l, le, s, c.join("或"), c.join(" or "), allowed)
        }
        Resolved::Beyond { reached, instead } if instead.is_empty() => {
            crate::codes::enum_state_unsaid(l, le, s, reached, allowed)
        }
        Resolved::Beyond { reached, instead } => crate::codes::enum_state_beyond(
            l,
            le,
            s,
            reached,
            instead.join("或"),
            instead.join(" or "),
            allowed,
        ),
        _ => match closest(field, s) {
            Some(g) => crate::codes::enum_unknown_near(l, le, s, g, allowed),
            None => crate::codes::enum_unknown(l, le, s, allowed),
        },
    }
    .into()
}

/// Reads an enum cell: the written form mapped to one of the field's values, or an error
/// naming what it could be.
pub fn parse_enum(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let text = super::raw_text(raw);
    let s = nfkc_trim(&text);
    match resolve(field, ctx.lexicon, &s) {
        Resolved::Value(v, _) => Parsed::ok(Val::Text(v.into())),
        how => Parsed::err(unmapped(field, &s, &how)),
    }
}

/// Reads a cell holding several of the field's values (an enum list), each mapped as
/// `parse_enum` maps one.
pub fn parse_enum_list(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let text = super::raw_text(raw);
    let s = nfkc_trim(&text);
    // A value that itself holds punctuation is taken whole first.
    if let Resolved::Value(v, enum_policy::Rule::Exact) = resolve(field, ctx.lexicon, &s) {
        return Parsed::ok(Val::List(Box::new([v.into()])));
    }
    let mut out: Vec<String> = Vec::new();
    for p in enum_policy::split_list(field, ctx.lexicon, &s) {
        if ctx.is_placeholder(&p) {
            continue;
        }
        match resolve(field, ctx.lexicon, &p) {
            Resolved::Value(v, _) => {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            how => return Parsed::err(unmapped(field, &p, &how)),
        }
    }
    if out.is_empty() {
        return Parsed::ok(Val::Empty);
    }
    Parsed::ok(Val::List(out.into_iter().map(Into::into).collect()))
}

#[cfg(test)]
mod tests {
    use crate::cells::testutil::*;
    use crate::cells::Val;
    use crate::schema::test_tables::*;

    #[test]
    fn a_form_a_person_refused_is_read_by_no_weaker_tier() {
        let mut f = field(Buildings, "structure").clone();
        let lex = &ctx().lexicon.clone();
        let form = "砖混结构房屋";
        assert!(matches!(
            super::resolve(&f, lex, form),
            super::Resolved::Value(..)
        ));
        f.not_synonyms.push(form.into());
        assert!(matches!(
            super::resolve(&f, lex, form),
            super::Resolved::Unknown
        ));
        // The listed values and synonyms still read.
        assert!(matches!(
            super::resolve(&f, lex, "砖混"),
            super::Resolved::Value(..)
        ));
    }

    #[test]
    fn synonyms_and_parentheticals() {
        assert_eq!(p(Buildings, "structure", "砖混").val.display(), "砌体结构");
        assert_eq!(
            p(Buildings, "structure", "框架").val.display(),
            "钢筋混凝土结构"
        );
        assert_eq!(
            p(Buildings, "structure", "木(竹)结构").val.display(),
            "木（竹）结构"
        );
        assert_eq!(p(Buildings, "appraisal_grade", "C").val.display(), "C级");
        assert_eq!(
            p(Buildings, "judgement", "无隐患").val.display(),
            "未发现安全隐患"
        );
        assert_eq!(
            p(Buildings, "judgement", "存在严重安全隐患(立即停用)")
                .val
                .display(),
            "存在严重安全隐患"
        );
        assert_eq!(
            p(Buildings, "use", "自住兼经营性自建房").val.display(),
            "自住兼经营"
        );
        assert_eq!(p(Hazards, "status", "未整治").val.display(), "待整治");
        assert_eq!(
            p(Hazards, "writeoff", "销号审核通过").val.display(),
            "已销号"
        );
    }

    #[test]
    fn unknown_names_closest() {
        let r = p(Buildings, "structure", "砌体结果");
        assert_eq!(code(&r), Some("C002"));
        let fix = &r.issue.unwrap().fix_zh;
        assert!(fix.contains("您是否想填：砌体结构"), "{fix}");
    }

    #[test]
    fn lists_any_separator() {
        for s in [
            "停止使用;封控警示;维修加固",
            "停止使用、封控警示，维修加固",
            "停止使用/封控警示,维修加固",
        ] {
            assert_eq!(
                p(Hazards, "measure", s).val,
                Val::List((vec!["停止使用".into(), "封控警示".into(), "维修加固".into()]).into()),
                "{s}"
            );
        }
        assert_eq!(code(&p(Hazards, "measure", "停止使用、刷漆")), Some("C002"));
    }
}
