//! How the villages write the 自建房 demo town down: values typed every way (full-width
//! digits, units, dates in every form, synonyms), the sheet's title and fill-in lines, a
//! one- or two-row header, 序号, a blank row, 合计 and footer lines; a few faults injected.

use anyhow::Result;
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, Worksheet};

use super::town::*;
use super::Rng;

/// A messy-writing helper: how a village might have typed a value.
pub(crate) struct Mess<'a> {
    pub(crate) r: &'a mut Rng,
    pub(crate) level: f64,
}

impl Mess<'_> {
    fn fullwidth(&mut self, s: &str) -> String {
        if !self.r.chance(self.level * 0.3) {
            return s.to_string();
        }
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    }
    fn space(&mut self, s: &str) -> String {
        if self.r.chance(self.level * 0.2) {
            format!("{s}{}", self.r.pick(&[" ", "\u{3000}", "\u{a0}"]))
        } else {
            s.to_string()
        }
    }
    fn date(&mut self, d: NaiveDate) -> String {
        use chrono::Datelike;
        let (y, m, dd) = (d.year(), d.month(), d.day());
        match self.r.below(5) {
            0 => format!("{y}-{m:02}-{dd:02}"),
            1 => format!("{y}/{m}/{dd}"),
            2 => format!("{y}.{m}.{dd}"),
            3 => format!("{y}年{m}月{dd}日"),
            _ => format!("{y}{m:02}{dd:02}"),
        }
    }
    fn yesno(&mut self, b: bool, style: usize) -> &'static str {
        [
            ("是", "否"),
            ("√", "×"),
            ("有", "无"),
            ("Y", "N"),
            ("1", "0"),
        ][style % 5]
            .pipe(b)
    }
}

pub(crate) trait Pipe {
    fn pipe(self, b: bool) -> &'static str;
}

impl Pipe for (&'static str, &'static str) {
    fn pipe(self, b: bool) -> &'static str {
        if b {
            self.0
        } else {
            self.1
        }
    }
}

/// Cell text of a building's fields in SPEC order, messy.
pub(crate) fn building_cells(b: &Building, m: &mut Mess, style: usize) -> Vec<String> {
    let structure = if m.r.chance(0.4) {
        STRUCTURES[b.structure].1
    } else {
        STRUCTURES[b.structure].0
    };
    let use_ = if m.r.chance(0.5) {
        USES[b.use_].1
    } else {
        USES[b.use_].0
    };
    let judgement = match (b.judgement, m.r.below(3)) {
        ("未发现安全隐患", 0) => "无隐患".to_string(),
        ("存在一定安全隐患", 0) => "存在一定安全隐患(限期整改)".to_string(),
        (j, _) => j.to_string(),
    };
    let code = if m.r.chance(m.level * 0.1) {
        format!("{} {}", &b.code[..6], &b.code[6..])
    } else {
        b.code.clone()
    };
    let placeholder = ["", "无", "/", "—"][m.r.below(4)];
    vec![
        m.space(&code),
        b.village.clone(),
        b.group.clone(),
        m.space(&b.address),
        m.space(&b.owner),
        b.owner_id.clone(),
        m.fullwidth(&b.phone),
        if m.r.chance(0.3) {
            dms(b.lon)
        } else {
            format!("{:.6}", b.lon)
        },
        if m.r.chance(0.3) {
            dms(b.lat)
        } else {
            format!("{:.6}", b.lat)
        },
        if m.r.chance(m.level * 0.3) {
            format!("{}年", b.year)
        } else {
            b.year.to_string()
        },
        if m.r.chance(m.level * 0.3) {
            format!("{}层", b.floors)
        } else {
            m.fullwidth(&b.floors.to_string())
        },
        if m.r.chance(m.level * 0.2) {
            format!("{}平方米", crate::read::fmt_num(b.area))
        } else {
            crate::read::fmt_num(b.area)
        },
        structure.to_string(),
        use_.to_string(),
        b.business
            .map(str::to_string)
            .unwrap_or_else(|| placeholder.to_string()),
        m.yesno(b.altered, style).to_string(),
        m.yesno(b.appraised, style).to_string(),
        b.grade
            .map(|g| {
                if m.r.chance(0.3) {
                    g.trim_end_matches('级').to_string()
                } else {
                    g.to_string()
                }
            })
            .unwrap_or_default(),
        m.date(b.survey),
        b.surveyor.clone(),
        m.space(&judgement),
    ]
}

pub(crate) fn dms(x: f64) -> String {
    let d = x.trunc();
    let mins = (x - d) * 60.0;
    let m = mins.trunc();
    let s = (mins - m) * 60.0;
    format!("{}°{}′{:.1}″", d as i64, m as i64, s)
}

pub(crate) fn hazard_cells(h: &Hazard, bcode: &str, m: &mut Mess, sep: &str) -> Vec<String> {
    vec![
        h.code.clone(),
        bcode.to_string(),
        HTYPES[h.htype].0.to_string(),
        HTYPES[h.htype].1.to_string(),
        h.level.to_string(),
        m.date(h.found),
        h.measure.join(sep),
        h.responsible.clone(),
        m.date(h.deadline),
        if h.status == "待整治" && m.r.chance(0.3) {
            "未整治".into()
        } else {
            h.status.to_string()
        },
        h.done.map(|d| m.date(d)).unwrap_or_default(),
        if h.writeoff == "已销号" && m.r.chance(0.5) {
            "销号审核通过".into()
        } else {
            h.writeoff.to_string()
        },
        h.reason.to_string(),
    ]
}

pub(crate) fn review_cells(b: &Building, v: &Review, m: &mut Mess) -> Vec<String> {
    vec![
        b.code.clone(),
        m.date(v.date),
        v.reviewer.clone(),
        v.judgement.to_string(),
        v.note.clone(),
    ]
}

pub(crate) const B_LABELS: [&str; 21] = [
    "房屋编码",
    "村（社区）",
    "组（屯）",
    "详细地址",
    "户主姓名",
    "身份证号码",
    "联系电话",
    "经度",
    "纬度",
    "建成年份",
    "层数",
    "建筑面积\n（㎡）",
    "结构类型",
    "房屋用途",
    "经营类型",
    "是否改扩建",
    "是否鉴定",
    "鉴定等级",
    "排查日期",
    "排查人",
    "初步判定",
];
/// Parent header of each building column for the two-row header.
pub(crate) const B_PARENTS: [&str; 21] = [
    "",
    "房屋位置",
    "房屋位置",
    "房屋位置",
    "户主信息",
    "户主信息",
    "户主信息",
    "坐标",
    "坐标",
    "房屋基本情况",
    "房屋基本情况",
    "房屋基本情况",
    "房屋基本情况",
    "用途",
    "用途",
    "安全鉴定",
    "安全鉴定",
    "安全鉴定",
    "排查情况",
    "排查情况",
    "排查情况",
];
pub(crate) const H_LABELS: [&str; 13] = [
    "隐患编号",
    "房屋编码",
    "隐患类型",
    "隐患描述",
    "隐患等级",
    "发现日期",
    "整治措施",
    "整治责任人",
    "整治期限",
    "整治状态",
    "完成日期",
    "销号状态",
    "销号原因",
];
pub(crate) const R_LABELS: [&str; 5] = ["房屋编码", "复核日期", "复核人", "复核结果", "复核说明"];

/// Write a table with a title, a 填报单位 line, a one- or two-row header (merged
/// parents), a 序号 column, data with a blank row, a 合计 line and a footer.
pub(crate) fn write_sheet(
    ws: &mut Worksheet,
    title: &str,
    village: &str,
    labels: &[&str],
    parents: Option<&[&str]>,
    rows: &[Vec<String>],
) -> Result<()> {
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let width = labels.len() as u16 + 1;
    ws.merge_range(0, 0, 0, width - 1, title, &bold)?;
    ws.write_string(
        1,
        0,
        format!("填报单位：{village}（盖章）\u{3000}\u{3000}填报日期：2022年9月30日"),
    )?;
    let mut r = 2u32;
    match parents {
        Some(ps) => {
            ws.merge_range(r, 0, r + 1, 0, "序 号", &bold)?;
            let mut c = 0;
            while c < labels.len() {
                let p = ps[c];
                let mut end = c;
                while end + 1 < labels.len() && !p.is_empty() && ps[end + 1] == p {
                    end += 1;
                }
                if p.is_empty() {
                    ws.merge_range(
                        r,
                        c as u16 + 1,
                        r + 1,
                        c as u16 + 1,
                        &format!("*{}", labels[c]),
                        &bold,
                    )?;
                } else {
                    if end > c {
                        ws.merge_range(r, c as u16 + 1, r, end as u16 + 1, p, &bold)?;
                    } else {
                        ws.write_string_with_format(r, c as u16 + 1, p, &bold)?;
                    }
                    for (k, l) in labels.iter().enumerate().take(end + 1).skip(c) {
                        ws.write_string_with_format(r + 1, k as u16 + 1, *l, &bold)?;
                    }
                }
                c = end + 1;
            }
            r += 2;
        }
        None => {
            ws.write_string_with_format(r, 0, "序号", &bold)?;
            for (c, l) in labels.iter().enumerate() {
                ws.write_string_with_format(r, c as u16 + 1, *l, &bold)?;
            }
            r += 1;
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if i == rows.len() / 2 && rows.len() > 4 {
            r += 1; // a blank row in the middle of the data
        }
        ws.write_number(r, 0, (i + 1) as f64)?;
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r, c as u16 + 1, v)?;
            }
        }
        r += 1;
    }
    ws.write_string(r, 0, "合计")?;
    ws.write_string(r, 4, format!("共{}条", rows.len()))?;
    ws.write_string(r + 2, 0, "填表说明：1.房屋编码为“YH”加6位县级区划代码加9位顺序号；2.带*号为必填项；3.整治措施可多选，用顿号分隔。")?;
    ws.write_string(r + 3, 0, "填表人：韦宝\u{3000}\u{3000}审核人：黄英")?;
    for c in 0..width {
        ws.set_column_width(c, 14.0)?;
    }
    Ok(())
}

/// Inject realistic faults (returns how many).
pub(crate) fn inject(rows: &mut [Vec<String>], r: &mut Rng) -> usize {
    if rows.len() < 12 {
        return 0;
    }
    let n = rows.len();
    let picks = [3 + r.below(n - 6), n - 3];
    rows[picks[0]][5] =
        format!("{:e}", rows[picks[0]][5].parse::<f64>().unwrap_or(4.5e17)).replace('e', "E+");
    rows[picks[1]][12] = "砖瓦房".into();
    2
}
