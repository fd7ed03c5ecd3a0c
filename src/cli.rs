//! The command line, as typed: clap derive types and nothing else. Their doc comments are the
//! `--help` text.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Prepare a patient's case for second opinions: check the case file, compute the clinical
/// criteria, and render the case summary PDF in Chinese or English with the records appended.
#[derive(Debug, Parser)]
#[command(name = "consultpack", version, max_term_width = 100)]
pub struct Cli {
    /// The case folder (holding case.toml) [default: this folder, or the nearest one above
    /// that holds a case.toml]
    #[arg(long = "case", global = true, value_name = "DIR")]
    pub case: Option<PathBuf>,

    /// The language of messages and help: zh or en [default: `ui` in consultpack.toml, else
    /// the locale (LANG), else English]
    #[arg(
        long,
        global = true,
        value_enum,
        ignore_case = true,
        value_name = "LANG"
    )]
    pub ui: Option<LangArg>,

    /// Treat this date as today (for reproducible output and tests)
    #[arg(
        long,
        global = true,
        value_name = "YYYY-MM-DD",
        env = "CONSULTPACK_TODAY",
        hide = true
    )]
    pub today: Option<NaiveDate>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new case folder with an annotated case.toml, records/ and consultpack.toml
    // Its own help: the global --case means nothing here (the folder is the argument).
    #[command(
        help_template = "{about}\n\n{usage-heading} consultpack init <DIR>\n\nArguments:\n{positionals}\n\nOptions:\n  -h, --help  Print help\n"
    )]
    Init {
        /// The folder to create (it may exist, but must not hold a case.toml)
        dir: PathBuf,
    },
    /// Check the case folder and list every problem with file, line and a fix
    Check,
    /// Show the contact list: the shipped hospitals merged with your contacts.toml
    Contacts {
        #[command(subcommand)]
        action: Option<ContactsAction>,
    },
    /// Compute the clinical criteria (liver function, tumour burden, staging, response after
    /// TACE) with the inputs, dates and flags behind each result
    Criteria(CriteriaArgs),
    /// Render the case summary PDF, with the records appended
    Summary(SummaryArgs),
    /// Build each contact's packet in out/<contact>/: an e-mail bundle, a platform pack
    /// (haodf.com, internet hospitals, WeChat) or a portal pack, by the contact's channel
    Build(BuildArgs),
    /// E-mail contacts their packets (built first if missing or older than the case); each
    /// message is recorded in the ledger, and the same packet is never sent twice by accident
    Send(SendArgs),
    /// One line per contact: what was sent when, days waiting, what came back, what to do next
    Status {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Read the inbox over IMAP for replies, auto-replies and bounces to what was sent
    Sync,
    /// Record what happened outside e-mail: a phone call, WeChat, haodf.com or a portal
    Mark(MarkArgs),
    /// List contacts waiting longer than their follow-up days; `--send ID` sends a polite
    /// follow-up in the same e-mail thread
    Followup(FollowupArgs),
    /// The replies side by side, as a PDF for the family to read together
    Opinions(OpinionsArgs),
    /// Print documentation that ships with the program: criteria, packets, sending, tracking
    #[command(
        help_template = "{about}\n\n{usage-heading} consultpack docs [TOPIC]\n\nArguments:\n{positionals}\n\nOptions:\n  -h, --help  Print help\n"
    )]
    Docs {
        /// What to read about
        #[arg(value_enum, default_value = "criteria")]
        topic: DocTopic,
    },
    /// Mail settings: `mail test` logs in to the SMTP (and IMAP) server without sending
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// Print a shell completion script (e.g. `consultpack completions bash >
    /// ~/.local/share/bash-completion/completions/consultpack`)
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the manual page in roff (e.g. `consultpack man > consultpack.1; man ./consultpack.1`)
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
    #[value(name = "powershell")]
    PowerShell,
    Elvish,
}

#[derive(Debug, Subcommand)]
pub enum MailAction {
    /// Log in to the outgoing (and incoming) mail server and say which step fails, if one does
    Test,
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    /// The contact, as in `contacts list`
    pub id: String,
    /// What happened
    #[arg(value_enum)]
    pub state: MarkStateArg,
    /// What was said or done, in your words (shown in `status` and `opinions`)
    #[arg(long, default_value = "")]
    pub note: String,
    /// The day it happened [default: today]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// A file that came with it (a photo of a WeChat message, a portal's PDF); may be given
    /// more than once; copied into replies/<contact>/
    #[arg(long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What the doctor recommended, for the table that opens `opinions` (also for a reply
    /// `sync` found: mark it `replied` with this)
    #[arg(long, value_enum, value_name = "WHAT")]
    pub recommends: Option<RecommendsArg>,
    /// A test or record the doctor asked for (e.g. "ICG-R15", "chest CT"); may be given more
    /// than once
    #[arg(long = "asks-for", value_name = "TEST")]
    pub asks_for: Vec<String>,
}

/// A doctor's recommendation, in English or Chinese words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecommendsArg {
    #[value(name = "re-tace", alias = "再次TACE")]
    ReTace,
    #[value(alias = "消融")]
    Ablation,
    #[value(alias = "手术切除", alias = "切除")]
    Resection,
    #[value(
        name = "transplant-evaluation",
        alias = "transplant",
        alias = "肝移植评估"
    )]
    TransplantEvaluation,
    #[value(name = "systemic-therapy", alias = "systemic", alias = "系统治疗")]
    SystemicTherapy,
    #[value(name = "more-tests-first", alias = "more-tests", alias = "先做检查")]
    MoreTestsFirst,
    #[value(alias = "其他")]
    Other,
}

impl From<RecommendsArg> for crate::ledger::Recommendation {
    fn from(arg: RecommendsArg) -> Self {
        use crate::ledger::Recommendation;
        match arg {
            RecommendsArg::ReTace => Recommendation::ReTace,
            RecommendsArg::Ablation => Recommendation::Ablation,
            RecommendsArg::Resection => Recommendation::Resection,
            RecommendsArg::TransplantEvaluation => Recommendation::TransplantEvaluation,
            RecommendsArg::SystemicTherapy => Recommendation::SystemicTherapy,
            RecommendsArg::MoreTestsFirst => Recommendation::MoreTestsFirst,
            RecommendsArg::Other => Recommendation::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MarkStateArg {
    Replied,
    Acknowledged,
    Declined,
    Appointment,
    Sent,
    NoReply,
}

impl MarkStateArg {
    pub fn word(self) -> &'static str {
        match self {
            MarkStateArg::Replied => "replied",
            MarkStateArg::Acknowledged => "acknowledged",
            MarkStateArg::Declined => "declined",
            MarkStateArg::Appointment => "appointment",
            MarkStateArg::Sent => "sent",
            MarkStateArg::NoReply => "no-reply",
        }
    }
}

impl From<MarkStateArg> for crate::ledger::MarkState {
    fn from(arg: MarkStateArg) -> Self {
        use crate::ledger::MarkState;
        match arg {
            MarkStateArg::Replied => MarkState::Replied,
            MarkStateArg::Acknowledged => MarkState::Acknowledged,
            MarkStateArg::Declined => MarkState::Declined,
            MarkStateArg::Appointment => MarkState::Appointment,
            MarkStateArg::Sent => MarkState::Sent,
            MarkStateArg::NoReply => MarkState::NoReply,
        }
    }
}

#[derive(Debug, Args)]
pub struct FollowupArgs {
    /// Send a follow-up to this contact, in the thread of the packet's e-mail
    #[arg(long, value_name = "ID")]
    pub send: Option<String>,
    /// Send without asking
    #[arg(long, requires = "send")]
    pub yes: bool,
    /// Write out/<contact>/followup.eml and send nothing
    #[arg(long, requires = "send")]
    pub dry_run: bool,
    /// Send even if a follow-up went out less than the contact's follow-up days ago
    #[arg(long, requires = "send")]
    pub force: bool,
    /// Send the first follow-up now, before the contact's expected reply time has passed
    #[arg(long, requires = "send")]
    pub now: bool,
}

#[derive(Debug, Args)]
pub struct OpinionsArgs {
    /// Language of the comparison [default: Chinese]
    #[arg(long, value_enum, ignore_case = true)]
    pub lang: Option<LangArg>,
    /// Where to write the PDF [default: out/<patient-id>_<date>_opinions_<lang>.pdf]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the -o file even if it is not a PDF
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The contacts to send to (e-mail contacts; others are told where their pack is)
    #[arg(value_name = "ID", required = true)]
    pub ids: Vec<String>,
    /// Send without asking (otherwise the recipient, subject, attachments and size are shown
    /// and you are asked on the terminal)
    #[arg(long)]
    pub yes: bool,
    /// Write out/<contact>/message.eml and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send a packet that differs from one already sent (the case changed): only its parts
    /// not yet delivered go out
    #[arg(long)]
    pub force: bool,
    /// Send again parts already delivered, or whose delivery is unknown (the hospital then
    /// holds another copy of each)
    #[arg(long)]
    pub resend: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build only for this contact (may be given more than once; inactive contacts too)
    /// [default: every active contact]
    #[arg(long = "contact", value_name = "ID")]
    pub contacts: Vec<String>,
    /// The folder the packets go into [default: out/ in the case folder]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only some records: `kind=lab,imaging`, `from=2021-08-01`, `to=2021-12-31`
    /// (may be given more than once; all must hold)
    #[arg(long = "records", value_name = "FILTER")]
    pub records: Vec<String>,
    /// Split an e-mail bundle that is over the contact's size limit into numbered parts,
    /// each sent as its own e-mail
    #[arg(long)]
    pub split: bool,
    /// Encrypt the e-mail zip with AES-256 (it opens with 7-Zip; send the passphrase by
    /// another channel)
    #[arg(long)]
    pub encrypt: bool,
    /// With --encrypt: the environment variable holding the passphrase
    #[arg(long, value_name = "VAR", default_value = "CONSULTPACK_ZIP_PASSPHRASE")]
    pub passphrase_env: String,
    /// With --encrypt: a command that prints the passphrase (e.g. "pass show zip")
    #[arg(long, value_name = "CMD")]
    pub passphrase_command: Option<String>,
    /// A font file for characters the built-in font lacks (see `summary --font`)
    #[arg(long, value_name = "FILE")]
    pub font: Vec<PathBuf>,
    /// Build every packet again, even those that are up to date (nothing they are made from
    /// changed since they were built)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CriteriaArgs {
    /// Print JSON instead of a table (always English; its shape: `consultpack docs criteria`)
    #[arg(long)]
    pub json: bool,
    /// Language of the table [default: the interface language]
    #[arg(long, value_enum, ignore_case = true)]
    pub lang: Option<LangArg>,
    /// Use only data dated on or before this date [default: today]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub at: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum ContactsAction {
    /// One line per contact
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Print only the ids, one per line (for scripts and shell completion)
        #[arg(long, conflicts_with = "json")]
        ids: bool,
    },
    /// Everything known about one contact
    Show {
        /// The contact's id, as in `contacts list`
        id: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Chinese (also: cn, chinese, 中文)
    #[value(alias = "cn", alias = "chinese", alias = "中文", alias = "zh-cn")]
    Zh,
    /// English
    #[value(alias = "english", alias = "en-us")]
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocTopic {
    /// Every criterion, its source, and the JSON of `criteria --json`
    Criteria,
    /// The packets `build` makes, packet.json, the manifest and the ledger
    Packets,
    /// Mail settings, providers, `send`, `mail test`, `status`
    Sending,
    /// `sync`, `mark`, `followup`, `opinions`
    Tracking,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Language of the summary [default: the contact's language, else Chinese]
    #[arg(long, value_enum, ignore_case = true)]
    pub lang: Option<LangArg>,
    /// Render for this contact: their language and what they may see of the patient apply
    #[arg(long, value_name = "ID")]
    pub contact: Option<String>,
    /// Leave out the appended records (the summary alone)
    #[arg(long)]
    pub no_records: bool,
    /// Where to write the PDF [default: out/<patient-id>_<date>_summary-and-records_<lang>[_<contact>].pdf
    /// in the case; …_summary_… with --no-records]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the -o file even if it is not a PDF
    #[arg(long)]
    pub force: bool,
    /// A font file (OTF/TTF/TTC) for characters the built-in Noto Sans CJK SC lacks, such as
    /// rare characters in names; may be given more than once
    #[arg(long, value_name = "FILE")]
    pub font: Vec<PathBuf>,
}
