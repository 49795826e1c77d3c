//! Cell types beyond the built-in ones of SPEC §3: the protocol (`plugin::CellType`), one
//! file per type, and this registry, the one place that lists them. A schema names one by
//! `type = "<key>"`. Below the schemas and the cell parsers, which both use them.

pub mod credit_code;
pub mod plugin;

pub use plugin::{CellType, FieldWords};

/// Every registered cell type.
pub static REGISTRY: &[&dyn CellType] = &[&credit_code::CreditCode];

/// The cell type of a schema name.
///
/// ```
/// let t = selfbuilt::types::find("credit_code").unwrap();
/// assert_eq!(t.key(), "credit_code");
/// ```
pub fn find(key: &str) -> Option<&'static dyn CellType> {
    REGISTRY.iter().copied().find(|t| t.key() == key)
}
