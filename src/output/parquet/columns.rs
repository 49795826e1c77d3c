//! Columns of canonical values, typed by their field's type as docs/parquet.md says:
//! integer → Int64, number and coordinates → Float64, date → Date, enum list →
//! List(Utf8), everything else (text, options, yes/no, ID numbers, phones, codes, a
//! registered type) → Utf8 in its canonical text; Empty → null.

use anyhow::Result;
use polars::prelude::{
    Column, DataType, IntoSeries, ListBuilderTrait, ListStringChunkedBuilder, NamedFrom, Series,
    StringChunkedBuilder,
};

use crate::cells::Val;
use crate::schema::FieldType;
use crate::value::CompactString;

/// The days from 1970-01-01 to a date, as Parquet's Date counts them.
fn days(d: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

/// A column of one field's values, in the type its field has. A value of another type
/// than its field's (which the cell stage never makes) is an error, never written wrong.
pub fn values<'a>(
    name: &str,
    ty: FieldType,
    vals: impl ExactSizeIterator<Item = &'a Val>,
) -> Result<Column> {
    let wrong = |v: &Val| -> anyhow::Error {
        anyhow::anyhow!("{name}: a value {v:?} in a column of {ty:?}")
    };
    Ok(match ty {
        FieldType::Integer => {
            let mut out = Vec::with_capacity(vals.len());
            for v in vals {
                out.push(match v {
                    Val::Empty => None,
                    Val::Int(i) => Some(*i),
                    Val::Num(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
                    other => return Err(wrong(other)),
                });
            }
            Column::new(name.into(), out)
        }
        FieldType::Number | FieldType::Lon | FieldType::Lat => {
            let mut out = Vec::with_capacity(vals.len());
            for v in vals {
                out.push(match v {
                    Val::Empty => None,
                    Val::Int(i) => Some(*i as f64),
                    Val::Num(f) => Some(*f),
                    other => return Err(wrong(other)),
                });
            }
            Column::new(name.into(), out)
        }
        FieldType::Date => {
            let mut out = Vec::with_capacity(vals.len());
            for v in vals {
                out.push(match v {
                    Val::Empty => None,
                    Val::Date(d) => Some(days(*d)),
                    other => return Err(wrong(other)),
                });
            }
            Column::new(name.into(), out).cast(&DataType::Date)?
        }
        FieldType::EnumList => {
            let n = vals.len();
            let mut b = ListStringChunkedBuilder::new(name.into(), n, n * 2);
            for v in vals {
                match v {
                    Val::Empty => b.append_null(),
                    Val::List(items) => {
                        b.append_values_iter(items.iter().map(CompactString::as_str))
                    }
                    Val::Text(t) => b.append_values_iter(std::iter::once(t.as_str())),
                    other => return Err(wrong(other)),
                }
            }
            Column::from(b.finish().into_series())
        }
        _ => text(name, vals.map(|v| (!v.is_empty()).then(|| v.text()))),
    })
}

/// A text column, each value copied once into the column (no `String` of its own).
pub fn text<S: AsRef<str>>(name: &str, vals: impl Iterator<Item = Option<S>>) -> Column {
    let mut column = StringChunkedBuilder::new(name.into(), vals.size_hint().0);
    for v in vals {
        match v {
            Some(v) => column.append_value(v.as_ref()),
            None => column.append_null(),
        }
    }
    Column::from(column.finish().into_series())
}

/// A column holding the same text (or null) on each of `n` rows.
pub fn same(name: &str, value: Option<&str>, n: usize) -> Column {
    Column::new(name.into(), Series::new(name.into(), vec![value; n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_type_has_its_column_type_and_empty_is_null() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ints = [Val::Int(3), Val::Empty, Val::Num(4.0)];
        let c = values("floors", FieldType::Integer, ints.iter()).unwrap();
        assert_eq!(c.dtype(), &DataType::Int64);
        assert_eq!(
            c.i64().unwrap().iter().collect::<Vec<_>>(),
            [Some(3), None, Some(4)]
        );
        let dates = [Val::Date(date), Val::Empty];
        let c = values("d", FieldType::Date, dates.iter()).unwrap();
        assert_eq!(c.dtype(), &DataType::Date);
        let lists = [Val::List((vec!["a".into(), "b".into()]).into()), Val::Empty];
        let c = values("l", FieldType::EnumList, lists.iter()).unwrap();
        assert_eq!(c.dtype(), &DataType::List(Box::new(DataType::String)));
        assert_eq!(c.null_count(), 1);
        let texts = [Val::Text("=1+1".into()), Val::Empty];
        let c = values("t", FieldType::Text, texts.iter()).unwrap();
        assert_eq!(c.str().unwrap().get(0), Some("=1+1"));
        assert_eq!(c.str().unwrap().get(1), None);
    }

    #[test]
    fn a_value_of_another_type_is_an_error_not_a_wrong_cell() {
        let half = [Val::Num(2.5)];
        assert!(values("floors", FieldType::Integer, half.iter()).is_err());
        let text = [Val::Text("x".into())];
        assert!(values("d", FieldType::Date, text.iter()).is_err());
    }
}
