//! What the 自建房 demo town holds: its villages, people, buildings with their hazards and
//! 回头看 reviews, in canonical values, each building a pure function of the seed.

use chrono::{Days, NaiveDate};

use super::Rng;
use crate::cells::idcard::check_char;

pub(crate) const VILLAGES: [&str; 12] = [
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
pub(crate) const GROUPS: [&str; 8] = [
    "坡头屯",
    "江边屯",
    "大村屯",
    "那良屯",
    "1组",
    "2组",
    "3组",
    "新村屯",
];
pub(crate) const SURNAMES: [&str; 20] = [
    "韦", "黄", "李", "梁", "陆", "覃", "莫", "蒙", "谭", "廖", "曹", "顾", "袁", "杜", "沈", "贺",
    "赵", "钟", "姚", "谢",
];
pub(crate) const GIVEN: [&str; 20] = [
    "宝", "建平", "丽伟", "秀华", "志", "亮菊", "珍兰", "莲良", "涛", "永生", "凤磊", "建磊", "英",
    "海", "强", "芳光", "新涛", "敏", "勇娜", "兰清",
];
pub(crate) const STRUCTURES: [(&str, &str); 8] = [
    ("砌体结构", "砖混"),
    ("钢筋混凝土结构", "框架"),
    ("底部框架-抗震墙上部砌体结构", "底框"),
    ("钢结构", "钢结构"),
    ("木（竹）结构", "木结构"),
    ("土木/石木结构", "土木结构"),
    ("混杂结构", "混杂结构"),
    ("其他", "其它"),
];
pub(crate) const USES: [(&str, &str); 3] = [
    ("经营性", "经营性自建房"),
    ("自住兼经营", "自住兼经营性自建房"),
    ("其他", "其他自建房"),
];
pub(crate) const BUSINESS: [&str; 11] = [
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
pub(crate) const HTYPES: [(&str, &str); 6] = [
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

pub(crate) fn name(r: &mut Rng) -> String {
    format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN))
}

pub(crate) fn id_number(r: &mut Rng) -> String {
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
