//! How far along a state a written form says a thing has gone, from the language's aspect
//! words (the lexicon's `[stages]`): not begun (未, 待 …), under way (…中, 正在, and a
//! request made but not granted: 申请, 提交, 报审 …) or done (已, 完成 …; a grant such as
//! 通过 or 批准 completes a request).
//!
//! It guards the enum policy (`cells::enum_policy`): a form mapped by anything weaker than a value or a listed
//! synonym must say as far as its value does. "已提交销号申请" is a request, never 已销号;
//! "整治未完成" is never 已整治. A form whose stage differs from its value's is not mapped:
//! it is an error that suggests the values at the form's own stage.

use serde::Deserialize;

use crate::text::norm_key;

/// The lexicon's `[stages]`: words by how far along they say a thing has gone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageLists {
    /// Not begun: negation and waiting (未, 待, 尚未 …).
    #[serde(default)]
    pub not_begun: Vec<String>,
    /// Under way: in progress, or a request made (…中, 正在, 申请, 提交 …).
    #[serde(default)]
    pub under_way: Vec<String>,
    /// Done (已, 完成, 完毕 …).
    #[serde(default)]
    pub done: Vec<String>,
    /// Words that complete a request (通过, 批准 …).
    #[serde(default)]
    pub granted: Vec<String>,
}

/// How far along: the lexicon's three stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Not begun: negated or waiting (未整治, 待整治, 未销号).
    NotBegun,
    /// Under way: in progress, or requested and not yet granted (整治中, 申请销号).
    UnderWay,
    /// Done (已整治, 已销号, 整治完成).
    Done,
}

/// What one stage word does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    At(Stage),
    /// Completes a request (通过, 批准): done, unless a negation holds the form back.
    Grant,
}

/// The stage words as keys, longest first (待审 is read before 待).
#[derive(Debug, Clone, Default)]
pub struct StageWords(Vec<(String, Word)>);

impl StageWords {
    /// The lexicon's stage words as keys.
    pub fn new(lists: &StageLists) -> StageWords {
        let mut v: Vec<(String, Word)> = Vec::new();
        for (words, w) in [
            (&lists.not_begun, Word::At(Stage::NotBegun)),
            (&lists.under_way, Word::At(Stage::UnderWay)),
            (&lists.done, Word::At(Stage::Done)),
            (&lists.granted, Word::Grant),
        ] {
            for x in words {
                let k = norm_key(x);
                if !k.is_empty() && !v.iter().any(|(y, _)| *y == k) {
                    v.push((k, w));
                }
            }
        }
        v.sort_by_key(|(k, _)| std::cmp::Reverse(k.chars().count()));
        StageWords(v)
    }

    /// The stage a text's words say, None when it holds no stage word. Longest words
    /// first, left to right; a negation or waiting word holds the whole form at not
    /// begun; a grant completes a request; otherwise the least advanced word wins (已 in
    /// "已提交申请" is about the request, not the thing requested).
    pub fn of(&self, text: &str) -> Option<Stage> {
        let chars: Vec<char> = norm_key(text).chars().collect();
        let mut found: Vec<Word> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let hit = self.0.iter().find(|(k, _)| {
                let n = k.chars().count();
                i + n <= chars.len() && k.chars().eq(chars[i..i + n].iter().copied())
            });
            match hit {
                Some((k, w)) => {
                    found.push(*w);
                    i += k.chars().count();
                }
                None => i += 1,
            }
        }
        if found.is_empty() {
            return None;
        }
        if found.contains(&Word::At(Stage::NotBegun)) {
            return Some(Stage::NotBegun);
        }
        if found.contains(&Word::Grant) {
            return Some(Stage::Done);
        }
        found
            .iter()
            .filter_map(|w| match w {
                Word::At(s) => Some(*s),
                Word::Grant => None,
            })
            .min()
    }
}

/// Does mapping `written` to `value` move the state further (or back) than the form's
/// words say? A value with a stage needs the form to say that same stage.
pub fn moves_state(words: &StageWords, written: &str, value: &str) -> bool {
    let Some(v) = words.of(value) else {
        return false;
    };
    // A form that says no stage at all says nothing of how far along: never a value that
    // does (未发现 needs its 未, 已整治 its 已).
    words.of(written) != Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    fn schemas() -> Schemas {
        Schemas::shipped().unwrap()
    }

    fn at(s: &str) -> Option<Stage> {
        StageWords::new(&schemas().lexicon.stages).of(s)
    }

    #[test]
    fn the_stage_a_form_says() {
        assert_eq!(at("未销号"), Some(Stage::NotBegun));
        assert_eq!(at("待整治"), Some(Stage::NotBegun));
        assert_eq!(at("整治中"), Some(Stage::UnderWay));
        assert_eq!(at("申请销号"), Some(Stage::UnderWay));
        assert_eq!(at("已销号"), Some(Stage::Done));
        assert_eq!(at("整治完成"), Some(Stage::Done));
        // A request made is not a request granted …
        assert_eq!(at("已提交销号申请"), Some(Stage::UnderWay));
        assert_eq!(at("销号待审核"), Some(Stage::UnderWay));
        // … until it is granted, unless that is negated.
        assert_eq!(at("销号审核通过"), Some(Stage::Done));
        assert_eq!(at("销号申请未通过"), Some(Stage::NotBegun));
        assert_eq!(at("整治未完成"), Some(Stage::NotBegun));
        assert_eq!(at("砌体结构"), None);
    }

    #[test]
    fn a_weak_mapping_never_moves_a_state() {
        let w = StageWords::new(&schemas().lexicon.stages);
        assert!(moves_state(&w, "已提交销号申请", "已销号"));
        assert!(!moves_state(&w, "已提交销号申请", "申请销号"));
        assert!(moves_state(&w, "整治未完成", "已整治"));
        // A done value needs words that say done.
        assert!(moves_state(&w, "销号情况", "已销号"));
        assert!(!moves_state(&w, "销号办结", "已销号"));
        // Values without stage words are not this guard's business.
        assert!(!moves_state(&w, "砖混房", "砌体结构"));
    }
}
