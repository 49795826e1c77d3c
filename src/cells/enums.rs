//! Enums and enum lists: canonical value, synonyms from the schema, a trailing
//! parenthetical ignored ("存在严重安全隐患(…)"), list separators 、,，;/ ; an unknown value
//! names the allowed ones and the closest ("您是否想填：砌体结构").

use super::{Ctx, Issue, Parsed, Val};
use crate::read::Raw;
use crate::schema::Field;
use crate::text::{nfkc_trim, norm_key};

/// The canonical value of one written form, if the schema knows it.
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

fn unknown(field: &Field, s: &str) -> Issue {
    let allowed = field.values.join("、");
    let guess = closest(field, s);
    let (gz, ge) = match &guess {
        Some(g) => (format!("您是否想填：{g}？"), format!("did you mean {g}? ")),
        None => (String::new(), String::new()),
    };
    Issue::error(
        "C002",
        format!("{}“{s}”不是允许的选项", field.label),
        format!("{} “{s}” is not an allowed value", field.label_en),
    )
    .fix(
        format!("{gz}允许的选项：{allowed}"),
        format!("{ge}allowed: {allowed}"),
    )
}

pub fn parse_enum(field: &Field, raw: &Raw) -> Parsed {
    let s = nfkc_trim(&super::raw_text(raw));
    match lookup(field, &s) {
        Some(v) => Parsed::ok(Val::Text(v)),
        None => Parsed::err(unknown(field, &s)),
    }
}

pub fn parse_enum_list(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let s = nfkc_trim(&super::raw_text(raw));
    let mut parts = vec![s.clone()];
    for sep in &ctx.lexicon.list_separators {
        let sep = nfkc_trim(sep);
        if sep.is_empty() {
            continue;
        }
        parts = parts
            .iter()
            .flat_map(|p| {
                p.split(sep.as_str())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        let p = nfkc_trim(&p);
        if p.is_empty() {
            continue;
        }
        match lookup(field, &p) {
            Some(v) => {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            None => return Parsed::err(unknown(field, &p)),
        }
    }
    if out.is_empty() {
        return Parsed::ok(Val::Empty);
    }
    Parsed::ok(Val::List(out))
}

#[cfg(test)]
mod tests {
    use crate::cells::testutil::*;
    use crate::cells::Val;
    use crate::schema::TableKind::*;

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
                Val::List(vec![
                    "停止使用".into(),
                    "封控警示".into(),
                    "维修加固".into()
                ]),
                "{s}"
            );
        }
        assert_eq!(code(&p(Hazards, "measure", "停止使用、刷漆")), Some("C002"));
    }
}
