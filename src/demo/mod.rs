//! The demo town generator: a township's village workbooks as they really arrive (title
//! and 填报单位 lines, two-row merged headers, 序号 columns, 合计 and footer lines, full-width
//! digits, stray spaces, units, dates in every form, enum synonyms, a GBK CSV, a workbook
//! holding all three tables, a township-wide review workbook), with the seed's three
//! misentries (judgement 存在一定安全隐患, no hazard rows, a 回头看 review saying
//! 未发现安全隐患). With `faults`, a handful of realistic errors are injected so that the
//! demo also shows the error report. Deterministic for a seed. `generic` makes a town
//! for any campaign from its schemas alone.

pub mod generic;

use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Days, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};

use crate::cells::idcard::check_char;

/// SplitMix64: a tiny deterministic generator, enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() % 10_000) as f64 / 10_000.0 < p
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const VILLAGES: [&str; 12] = [
    "那洪村",
    "白沙村",
    "龙岗村",
    "上林村",
    "六合村",
    "团结村",
    "柳塘村",
    "金鸡村",
    "那马村",
    "大王滩村",
    "北湖社区",
    "平安村",
];
const GROUPS: [&str; 8] = [
    "坡头屯",
    "江边屯",
    "大村屯",
    "那良屯",
    "1组",
    "2组",
    "3组",
    "新村屯",
];
const SURNAMES: [&str; 20] = [
    "韦", "黄", "李", "梁", "陆", "覃", "莫", "蒙", "谭", "廖", "曹", "顾", "袁", "杜", "沈", "贺",
    "赵", "钟", "姚", "谢",
];
const GIVEN: [&str; 20] = [
    "宝", "建平", "丽伟", "秀华", "志", "亮菊", "珍兰", "莲良", "涛", "永生", "凤磊", "建磊", "英",
    "海", "强", "芳光", "新涛", "敏", "勇娜", "兰清",
];
const STRUCTURES: [(&str, &str); 8] = [
    ("砌体结构", "砖混"),
    ("钢筋混凝土结构", "框架"),
    ("底部框架-抗震墙上部砌体结构", "底框"),
    ("钢结构", "钢结构"),
    ("木（竹）结构", "木结构"),
    ("土木/石木结构", "土木结构"),
    ("混杂结构", "混杂结构"),
    ("其他", "其它"),
];
const USES: [(&str, &str); 3] = [
    ("经营性", "经营性自建房"),
    ("自住兼经营", "自住兼经营性自建房"),
    ("其他", "其他自建房"),
];
const BUSINESS: [&str; 11] = [
    "餐饮饭店",
    "民宿宾馆",
    "批发零售",
    "休闲娱乐",
    "教育设施",
    "医疗卫生",
    "养老服务",
    "生产加工",
    "仓储物流",
    "出租居住",
    "其他",
];
const HTYPES: [(&str, &str); 6] = [
    ("消防安全", "疏散通道堆放杂物"),
    ("燃气安全", "燃气软管老化"),
    ("用电安全", "电线私拉乱接"),
    ("围护结构", "外墙瓷砖空鼓，有脱落风险"),
    ("承重结构", "承重墙体开裂"),
    ("违规改扩建", "擅自加层"),
];

/// One generated building with its hazards and reviews, canonical values.
#[derive(Debug, Clone)]
pub struct Building {
    pub code: String,
    pub village: String,
    pub group: String,
    pub address: String,
    pub owner: String,
    pub owner_id: String,
    pub phone: String,
    pub lon: f64,
    pub lat: f64,
    pub year: i32,
    pub floors: u32,
    pub area: f64,
    pub structure: usize,
    pub use_: usize,
    pub business: Option<&'static str>,
    pub altered: bool,
    pub appraised: bool,
    pub grade: Option<&'static str>,
    pub survey: NaiveDate,
    pub surveyor: String,
    pub judgement: &'static str,
    pub hazards: Vec<Hazard>,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Clone)]
pub struct Hazard {
    pub code: String,
    pub htype: usize,
    pub level: &'static str,
    pub found: NaiveDate,
    pub measure: Vec<&'static str>,
    pub responsible: String,
    pub deadline: NaiveDate,
    pub status: &'static str,
    pub done: Option<NaiveDate>,
    pub writeoff: &'static str,
    pub reason: &'static str,
}

#[derive(Debug, Clone)]
pub struct Review {
    pub date: NaiveDate,
    pub reviewer: String,
    pub judgement: &'static str,
    pub note: String,
}

fn name(r: &mut Rng) -> String {
    format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN))
}

fn id_number(r: &mut Rng) -> String {
    let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default()
        + Days::new(r.below(60 * 365) as u64);
    let first = format!("450103{}{:03}", birth.format("%Y%m%d"), r.below(1000));
    format!("{first}{}", check_char(&first).unwrap_or('0'))
}

/// The name of village `vi`: the real-sounding ones first, then numbered ones.
pub fn village_name(vi: usize) -> String {
    match VILLAGES.get(vi) {
        Some(v) => v.to_string(),
        None => format!("新兴{vi}村"),
    }
}

/// The village of building `i` of `n` spread over `villages`.
pub fn village_of(i: usize, n: usize, villages: usize) -> usize {
    i * villages.max(1) / n.max(1)
}

/// Generate the town's buildings (deterministic). The first three buildings of the
/// first village are the seed's misentries.
pub fn town(seed: u64, n: usize, villages: usize) -> Vec<Building> {
    (0..n)
        .map(|i| building(seed, i, &village_name(village_of(i, n, villages))))
        .collect()
}

/// Building `i` of the town: a pure function of the seed and `i`, so that a village's
/// buildings can be made without the others.
pub fn building(seed: u64, i: usize, v: &str) -> Building {
    let mut r = Rng::new(seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let start = NaiveDate::from_ymd_opt(2022, 5, 1).unwrap_or_default();
    {
        let g = r.pick(&GROUPS).to_string();
        let use_ = if r.chance(0.8) { r.below(2) } else { 2 };
        let appraised = r.chance(0.3);
        let grade = if appraised {
            Some(*r.pick(&["A级", "B级", "B级", "C级"]))
        } else {
            None
        };
        let judgement = match (grade, r.below(10)) {
            (Some("C级"), _) => "存在一定安全隐患",
            (_, 0) => "存在严重安全隐患",
            (_, 1 | 2) => "存在一定安全隐患",
            _ => "未发现安全隐患",
        };
        let survey = start + Days::new(r.below(120) as u64);
        let code = format!("YH450103{:09}", 3_466_100 + i);
        let mut b = Building {
            code: code.clone(),
            village: v.to_string(),
            group: g.clone(),
            address: format!("长塘镇{v}{g}{}号", 1 + r.below(300)),
            owner: name(&mut r),
            owner_id: id_number(&mut r),
            phone: format!("1{}{:09}", 3 + r.below(7), r.next_u64() % 1_000_000_000),
            lon: 108.3 + r.below(40_000) as f64 / 100_000.0,
            lat: 22.7 + r.below(20_000) as f64 / 100_000.0,
            year: 1970 + r.below(52) as i32,
            floors: 1 + r.below(6) as u32,
            area: (100 + r.below(800)) as f64 + if r.chance(0.5) { 0.5 } else { 0.0 },
            structure: r.below(STRUCTURES.len()),
            use_,
            business: if use_ < 2 {
                Some(*r.pick(&BUSINESS))
            } else {
                None
            },
            altered: r.chance(0.2),
            appraised,
            grade,
            survey,
            surveyor: name(&mut r),
            judgement,
            hazards: Vec::new(),
            reviews: Vec::new(),
        };
        let misentry = i < 3;
        if misentry {
            b.judgement = "存在一定安全隐患";
            b.appraised = false;
            b.grade = None;
            b.reviews.push(Review {
                date: survey + Days::new(150),
                reviewer: name(&mut r),
                judgement: "未发现安全隐患",
                note: "经“回头看”复核，该房屋未发现安全隐患，系村干录入错误，申请销号".into(),
            });
        } else if b.judgement != "未发现安全隐患" {
            let k = 1 + r.below(2);
            for j in 0..k {
                let severe = b.judgement == "存在严重安全隐患" && j == 0;
                let (ht, _) = (r.below(HTYPES.len()), 0);
                let found = survey + Days::new(r.below(5) as u64);
                let status = *r.pick(&["待整治", "整治中", "已整治", "已整治"]);
                let done = (status == "已整治").then(|| found + Days::new(10 + r.below(60) as u64));
                let mut measure = vec!["维修加固"];
                if severe && status != "已整治" {
                    measure.insert(0, "停止使用");
                }
                let writeoff = if status == "已整治" && r.chance(0.4) {
                    "已销号"
                } else {
                    ""
                };
                b.hazards.push(Hazard {
                    code: format!("{code}-{:02}", j + 1),
                    htype: ht,
                    level: if severe {
                        "严重隐患"
                    } else {
                        "一般隐患"
                    },
                    found,
                    measure,
                    responsible: b.owner.clone(),
                    deadline: found + Days::new(60),
                    status,
                    done,
                    writeoff,
                    reason: if writeoff.is_empty() {
                        ""
                    } else {
                        "整治完成"
                    },
                });
            }
            if r.chance(0.15) {
                b.reviews.push(Review {
                    date: survey + Days::new(90),
                    reviewer: name(&mut r),
                    judgement: b.judgement,
                    note: "再次复核，隐患属实".into(),
                });
            }
        }
        b
    }
}

/// A messy-writing helper: how a village might have typed a value.
struct Mess<'a> {
    r: &'a mut Rng,
    level: f64,
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

trait Pipe {
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
fn building_cells(b: &Building, m: &mut Mess, style: usize) -> Vec<String> {
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

fn dms(x: f64) -> String {
    let d = x.trunc();
    let mins = (x - d) * 60.0;
    let m = mins.trunc();
    let s = (mins - m) * 60.0;
    format!("{}°{}′{:.1}″", d as i64, m as i64, s)
}

fn hazard_cells(h: &Hazard, bcode: &str, m: &mut Mess, sep: &str) -> Vec<String> {
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

fn review_cells(b: &Building, v: &Review, m: &mut Mess) -> Vec<String> {
    vec![
        b.code.clone(),
        m.date(v.date),
        v.reviewer.clone(),
        v.judgement.to_string(),
        v.note.clone(),
    ]
}

const B_LABELS: [&str; 21] = [
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
const B_PARENTS: [&str; 21] = [
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
const H_LABELS: [&str; 13] = [
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
const R_LABELS: [&str; 5] = ["房屋编码", "复核日期", "复核人", "复核结果", "复核说明"];

/// Write a table with a title, a 填报单位 line, a one- or two-row header (merged
/// parents), a 序号 column, data with a blank row, a 合计 line and a footer.
fn write_sheet(
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
fn inject(rows: &mut [Vec<String>], r: &mut Rng) -> usize {
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

/// Write the town into `out`; returns the number of files written.
pub fn write_town(out: &Path, seed: u64, n: usize, villages: usize, faults: bool) -> Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let villages = villages.clamp(1, n.max(1));
    let mut r = Rng::new(seed.wrapping_add(1));
    let mut files = 0;
    let mut township_reviews: Vec<Vec<String>> = Vec::new();
    let mut first = 0;
    for vi in 0..villages {
        let v = &village_name(vi);
        let mut last = first;
        while last < n && village_of(last, n, villages) == vi {
            last += 1;
        }
        let own: Vec<Building> = (first..last).map(|i| building(seed, i, v)).collect();
        first = last;
        let bs: Vec<&Building> = own.iter().collect();
        let mut m = Mess {
            r: &mut r,
            level: 1.0,
        };
        let style = vi;
        let mut brows: Vec<Vec<String>> = bs
            .iter()
            .map(|b| building_cells(b, &mut m, style))
            .collect();
        let sep = ["、", "，", ";", "/"][vi % 4];
        let hrows: Vec<Vec<String>> = bs
            .iter()
            .flat_map(|b| {
                b.hazards
                    .iter()
                    .map(|h| hazard_cells(h, &b.code, &mut m, sep))
                    .collect::<Vec<_>>()
            })
            .collect();
        let rrows: Vec<Vec<String>> = bs
            .iter()
            .flat_map(|b| {
                b.reviews
                    .iter()
                    .map(|x| review_cells(b, x, &mut m))
                    .collect::<Vec<_>>()
            })
            .collect();
        if faults && vi == 1 {
            inject(&mut brows, m.r);
        }
        if vi == 1 {
            // A GBK CSV pair, as WPS on an old PC saves it.
            let write_csv = |path: &Path, labels: &[&str], rows: &[Vec<String>]| -> Result<()> {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(
                    std::iter::once(format!("长塘镇{v}自建房排查表"))
                        .chain(std::iter::repeat_n(String::new(), labels.len() - 1)),
                )?;
                w.write_record(labels.iter().map(|l| l.replace('\n', "")))?;
                for row in rows {
                    w.write_record(row)?;
                }
                let text = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
                // GBK has no NBSP: a GBK file carries U+3000 instead.
                let text = text.replace('\u{a0}', "\u{3000}");
                let (bytes, _, _) = encoding_rs::GBK.encode(&text);
                crate::output::atomic_write(path, &bytes)
            };
            write_csv(&out.join(format!("{v}房屋信息.csv")), &B_LABELS, &brows)?;
            write_csv(&out.join(format!("{v}隐患台账.csv")), &H_LABELS, &hrows)?;
            township_reviews.extend(rrows);
            files += 2;
            continue;
        }
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("自建房排查")?;
        let two_rows = vi % 2 == 0;
        write_sheet(
            ws,
            &format!("长塘镇{v}经营性自建房安全隐患排查信息表"),
            v,
            &B_LABELS,
            two_rows.then_some(&B_PARENTS[..]),
            &brows,
        )?;
        let ws = wb.add_worksheet();
        ws.set_name("隐患清单")?;
        write_sheet(
            ws,
            &format!("长塘镇{v}自建房安全隐患整治台账"),
            v,
            &H_LABELS,
            None,
            &hrows,
        )?;
        if vi == 0 {
            // The first village keeps its reviews in its own workbook: all three tables.
            let ws = wb.add_worksheet();
            ws.set_name("回头看")?;
            write_sheet(
                ws,
                &format!("长塘镇{v}自建房“回头看”复核情况表"),
                v,
                &R_LABELS,
                None,
                &rrows,
            )?;
        } else {
            township_reviews.extend(rrows);
        }
        let buf = wb.save_to_buffer()?;
        crate::output::atomic_write(&out.join(format!("{v}-自建房安全隐患排查汇总.xlsx")), &buf)?;
        files += 1;
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("复核")?;
    write_sheet(
        ws,
        "长塘镇自建房“回头看”复核汇总表",
        "长塘镇",
        &R_LABELS,
        None,
        &township_reviews,
    )?;
    crate::output::atomic_write(
        &out.join("长塘镇“回头看”复核汇总表.xlsx"),
        &wb.save_to_buffer()?,
    )?;
    Ok(files + 1)
}

/// One plain workbook of `n` valid building rows (21 typed columns under a one-row
/// canonical header), written with a constant-memory worksheet: the benchmark's large
/// inputs. Rows are made one at a time, so any size fits in memory.
pub fn write_plain(path: &Path, seed: u64, n: usize) -> Result<()> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("房屋信息")?;
    let schemas = crate::schema::Schemas::shipped()?;
    let labels: Vec<&str> = schemas
        .table(schemas.campaign.main())
        .fields
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    for (c, l) in labels.iter().enumerate() {
        ws.write_string(0, c as u16, *l)?;
    }
    let per_village = 850;
    for i in 0..n {
        let mut b = building(seed, i, &village_name(i / per_village));
        b.code = format!("YH450103{:09}", i);
        b.reviews.clear();
        if b.judgement == "未发现安全隐患" || i < 3 {
            b.judgement = "未发现安全隐患";
        }
        let r = i as u32 + 1;
        let yesno = |x: bool| if x { "是" } else { "否" };
        ws.write_string(r, 0, &b.code)?;
        ws.write_string(r, 1, &b.village)?;
        ws.write_string(r, 2, &b.group)?;
        ws.write_string(r, 3, &b.address)?;
        ws.write_string(r, 4, &b.owner)?;
        ws.write_string(r, 5, &b.owner_id)?;
        ws.write_string(r, 6, &b.phone)?;
        ws.write_number(r, 7, b.lon)?;
        ws.write_number(r, 8, b.lat)?;
        ws.write_number(r, 9, b.year as f64)?;
        ws.write_number(r, 10, b.floors as f64)?;
        ws.write_number(r, 11, b.area)?;
        ws.write_string(r, 12, STRUCTURES[b.structure].0)?;
        ws.write_string(r, 13, USES[b.use_].0)?;
        if let Some(x) = b.business {
            ws.write_string(r, 14, x)?;
        }
        ws.write_string(r, 15, yesno(b.altered))?;
        ws.write_string(r, 16, yesno(b.appraised))?;
        if let Some(g) = b.grade {
            ws.write_string(r, 17, g)?;
        }
        ws.write_number_with_format(r, 18, crate::cells::date::date_to_serial(b.survey), &date)?;
        ws.write_string(r, 19, &b.surveyor)?;
        ws.write_string(r, 20, b.judgement)?;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    wb.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn town_is_deterministic_and_has_three_misentries() {
        let a = town(7, 100, 4);
        let b = town(7, 100, 4);
        assert_eq!(a.len(), 100);
        assert_eq!(
            a.iter().map(|x| x.owner_id.clone()).collect::<Vec<_>>(),
            b.iter().map(|x| x.owner_id.clone()).collect::<Vec<_>>()
        );
        let mis = a
            .iter()
            .filter(|b| {
                b.judgement != "未发现安全隐患"
                    && b.hazards.is_empty()
                    && b.reviews.iter().any(|r| r.judgement == "未发现安全隐患")
            })
            .count();
        assert_eq!(mis, 3);
    }
}
