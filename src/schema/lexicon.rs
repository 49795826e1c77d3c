//! The language's words that are not fields (`lexicon.toml`): placeholders, yes and no,
//! total and footer markers, units, equivalent spellings, near-synonyms, negations, stage
//! words …, and the same words as lookup keys (`LexKeys`, worked out by `forms::prepare`).

use serde::Deserialize;
use validator::Validate;

use super::stages::{StageLists, StageWords};

/// Words that are not fields: placeholders, boolean forms, total and footer markers.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Cells that mean "nothing written" (无, /, 暂无 …).
    #[validate(length(min = 1))]
    pub placeholders: Vec<String>,
    /// Words for yes (是, 有, √ …).
    #[validate(length(min = 1))]
    pub bool_true: Vec<String>,
    /// Words for no (否, 无, × …).
    #[validate(length(min = 1))]
    pub bool_false: Vec<String>,
    /// Words that mark a total row (合计, 小计): left out, not read as data.
    pub total_markers: Vec<String>,
    /// Words that mark the notes below a table (填表说明, 填表人): the data ends there.
    pub footer_markers: Vec<String>,
    /// Headers of a sequence-number column (序号): not a field.
    pub seq_labels: Vec<String>,
    /// Headers of a notes column (备注): not a field.
    pub note_labels: Vec<String>,
    /// Units a number may be written with (平方米, 层 …): dropped from its end, the longest
    /// first.
    #[serde(default)]
    pub number_units: Vec<String>,
    /// Units a header may end with ("建筑面积m2", "层数(层)"): dropped for the looser of
    /// its lookup keys.
    #[serde(default)]
    pub header_units: Vec<String>,
    /// Words that make a number approximate (约, 左右 …): such a number is rejected.
    #[serde(default)]
    pub approximate: Vec<String>,
    /// The provenance columns cleaned.xlsx writes after the fields (file, sheet, row).
    #[validate(length(equal = 3))]
    pub provenance_labels: Vec<String>,
    /// What a village's name ends with (to find it in a file name).
    pub village_suffixes: Vec<String>,
    /// What a file whose village cannot be told is listed under.
    #[validate(length(min = 1))]
    pub unknown_village: String,
    /// What separates the values of an enum list in a cell (、, ，, ; …).
    #[validate(length(min = 1))]
    pub list_separators: Vec<String>,
    /// Sheets that never hold data (the template's 填表说明 and 选项, an annotated copy's
    /// 问题清单): skipped without a finding.
    #[serde(default)]
    pub ignored_sheets: Vec<String>,
    /// Interchangeable spellings, the first of each group the one kept (它/他, 整改/整治):
    /// applied to both sides when enum forms are compared.
    #[serde(default)]
    pub equivalents: Vec<Vec<String>>,
    /// Words of nearly the same meaning, the first of each group the one kept ("完毕" is
    /// 完成, "库房" is 仓储): tried only when a form maps to nothing without them.
    #[serde(default)]
    pub near_synonyms: Vec<Vec<String>>,
    /// Characters naming the kind of place ("室", "部", "点"): dropped from the end of a
    /// written form in the near-synonym tier.
    #[serde(default)]
    pub kind_suffixes: Vec<String>,
    /// Words that turn a value into its opposite (不, 未, 非 …): a qualifier holding one
    /// never maps a form to the value it negates.
    #[serde(default)]
    pub negations: Vec<String>,
    /// Words that add nothing to an enum value ("燃气隐患" is 燃气安全): dropped before
    /// an abbreviation is looked for.
    #[serde(default)]
    pub neutral_words: Vec<String>,
    /// A line above the header holding one of these ("填报单位：", "填报日期：") is not
    /// part of the header.
    #[serde(default)]
    pub fill_line_markers: Vec<String>,
    /// Header words that say nothing about the field ("情况", "名称"): not counted when
    /// measuring how much of a header its concept words explain.
    #[serde(default)]
    pub header_filler: Vec<String>,
    /// Words an address holds (号, 组, 路 …), for recognising an address column.
    #[serde(default)]
    pub address_markers: Vec<String>,
    /// How place names end (村, 社区, 组, 屯 …), for recognising a village or group column.
    #[serde(default)]
    pub place_suffixes: Vec<String>,
    /// Words that join two parts of a compound value (兼, 及 …): a form naming one part
    /// alone is not the compound ("自住" is not 自住兼经营).
    #[serde(default)]
    pub conjunctions: Vec<String>,
    /// Chinese surnames, compound ones first: a person's name begins with one (for
    /// recognising a person-name column; empty: any name-like text counts).
    #[serde(default)]
    pub surnames: Vec<String>,
    /// The language's aspect words by stage (`stages`): a weak mapping never moves a
    /// state further than its words say.
    #[serde(default)]
    pub stages: StageLists,
    /// `norm_key` of the header filler, neutral words and negations, made once.
    #[serde(skip)]
    pub keys: LexKeys,
}

impl Lexicon {
    /// How a yes is written in the outputs: the first of `bool_true`.
    pub fn yes(&self) -> &str {
        self.bool_true
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }
    /// How a no is written in the outputs: the first of `bool_false`.
    pub fn no(&self) -> &str {
        self.bool_false
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Lexicon words as lookup keys (see `Lexicon::keys`).
#[derive(Debug, Clone, Default)]
pub struct LexKeys {
    /// Header words that carry no meaning (情况, 名称 …), as keys.
    pub header_filler: Vec<String>,
    /// Words too common to tell fields apart (隐患, 问题 …), as keys.
    pub neutral_words: Vec<String>,
    /// Words that turn a meaning round (不, 未, 无 …), as keys.
    pub negations: Vec<String>,
    /// (canonical, variants) of each equivalence group.
    pub equivalents: Vec<(String, Vec<String>)>,
    /// (word, the word kept) of every near-synonym, the kept words included, longest first.
    pub near: Vec<(String, String)>,
    /// The stage words as keys.
    pub stages: StageWords,
    /// `bool_true` and `bool_false` as a yes/no cell is compared with them (trimmed,
    /// NFKC, lower case).
    pub yes_no: (Vec<String>, Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &str = r#"
placeholders = ["none"]
bool_true = ["yes", "y"]
bool_false = ["no", "n"]
total_markers = ["total"]
footer_markers = ["notes"]
seq_labels = ["no."]
note_labels = ["remarks"]
provenance_labels = ["file", "sheet", "row"]
village_suffixes = ["village"]
unknown_village = "unknown"
list_separators = [","]

[stages]
done = ["done"]
"#;

    #[test]
    fn yes_and_no_are_written_as_the_first_of_their_words() {
        let lex: Lexicon = toml::from_str(WORDS).unwrap();
        lex.validate().unwrap();
        assert_eq!((lex.yes(), lex.no()), ("yes", "no"));
        assert_eq!(lex.stages.done, ["done"]);
        assert!(
            lex.keys.negations.is_empty(),
            "keys are made by forms::prepare"
        );
    }

    #[test]
    fn three_provenance_labels_are_needed() {
        let text = WORDS.replace("\"sheet\", ", "");
        let lex: Lexicon = toml::from_str(&text).unwrap();
        let e = lex.validate().unwrap_err();
        assert!(e.to_string().contains("provenance_labels"), "{e}");
    }
}
