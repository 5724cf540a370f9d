//! Importing from pyrra (to be written).

use super::{Imported, Input, Options};

pub(crate) fn import(_inputs: &[Input], _options: &Options, _out: &mut Imported) {}
