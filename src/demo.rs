//! The demo town generator (being written).
use std::path::Path;
pub fn write_town(_out: &Path, _seed: u64, _b: usize, _v: usize, _faults: bool) -> anyhow::Result<usize> {
    anyhow::bail!("demo generator not built yet")
}
