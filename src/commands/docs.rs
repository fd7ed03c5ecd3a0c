//! `consultpack docs [criteria|packets|sending|tracking]`: the documentation, compiled into the
//! program so that it is there wherever the program is.

use super::print_stdout;
use crate::cli::DocTopic;
use crate::error::Result;

pub fn run(topic: DocTopic) -> Result<()> {
    print_stdout(match topic {
        DocTopic::Criteria => include_str!("../../docs/criteria.md"),
        DocTopic::Packets => include_str!("../../docs/packets.md"),
        DocTopic::Sending => include_str!("../../docs/sending.md"),
        DocTopic::Tracking => include_str!("../../docs/tracking.md"),
    })
}
