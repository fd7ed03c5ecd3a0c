//! Seeded mutation fuzzing of the three files a family edits: case.toml, contacts.toml and
//! consultpack.toml. Every mutant is run through `check`: it may pass or fail, but it must not
//! panic or die, must not print more than 1 MB, and must never print a planted secret.
//!
//! In the suite it runs for about 25 seconds. For a longer run:
//! `CONSULTPACK_FUZZ_SECONDS=600 CONSULTPACK_FUZZ_SEED=7 cargo test --test cli fuzz -- --nocapture`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: [&str; 3] = ["case.toml", "contacts.toml", "consultpack.toml"];
const SECRET: &str = "PlantedSecret9x";

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces that have broken parsers before: TOML punctuation, full-width punctuation, line
/// ends, control characters, huge and negative numbers, dates, CJK, and secrets.
const TOKENS: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "#",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\u{1b}[2J",
    "\u{0}",
    "“",
    "＝",
    "：",
    "，",
    "［",
    "2021-02-30",
    "0000-01-01",
    "9999-12-31",
    "\"2021-07 early\"",
    "\"2021-07上旬\"",
    "-1",
    "0",
    "1e309",
    "99999999999999999999999999",
    "NaN",
    "inf",
    "\"<0.1 mg/dL\"",
    "\"5.2E+02 IU/mL\"",
    "\"阳性\"",
    "true",
    "[[lab]]",
    "[patient]",
    "[[contact]]",
    "[smtp]",
    "王建明",
    "\u{202e}",
    "\\u0000",
    "\"\"\"",
    "'''",
];

fn secret_line(rng: &mut Rng) -> String {
    let keys = [
        "password",
        "passwd",
        "pasword",
        "pass",
        "smtp_password",
        "token",
        "授权码",
    ];
    let key = keys[rng.below(keys.len())];
    match rng.below(4) {
        0 => format!("{key} = \"{SECRET}\"\n"),
        1 => format!("{key} = {SECRET}\n"),
        2 => format!("{key} = \"{SECRET}\n"),
        _ => format!("\"{key}\" = '{SECRET}'\n"),
    }
}

/// The start of the line holding byte `at` (or the nearest character boundary before it).
fn line_start(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            2 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.below(8);
            }
            3 => {
                // Duplicate a line.
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let line = lines[rng.below(lines.len())];
                    let pos = line_start(&text, at);
                    let mut s = text.clone();
                    s.insert_str(pos, &format!("{line}\n"));
                    bytes = s.into_bytes();
                }
            }
            5 => {
                let token = TOKENS[rng.below(TOKENS.len())].repeat(1 + rng.below(2_000));
                bytes.splice(at..at, token.bytes());
            }
            _ => {
                let end = (at + rng.below(200)).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                bytes.splice(at..at, piece);
            }
        }
    }
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    // Half the mutants carry a secret, planted last (at the start of a line) so that its key
    // still reads as one: a key mangled into another word is no longer a secret's name.
    if rng.below(2) == 0 {
        let pos = line_start(&text, rng.below(text.len() + 1));
        text.insert_str(pos, &secret_line(rng));
    }
    text
}

#[test]
fn mutated_case_files_never_crash_flood_or_leak() {
    let seconds: u64 = std::env::var("CONSULTPACK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let seed: u64 = std::env::var("CONSULTPACK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CA5E);
    let mut rng = Rng(seed | 1);
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case");
    let originals: Vec<String> = FILES
        .iter()
        .map(|f| std::fs::read_to_string(demo.join(f)).unwrap())
        .collect();
    let test = crate::Test::demo();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0;
    while Instant::now() < deadline {
        let which = rng.below(FILES.len());
        let mutant = mutate(&originals[which], &mut rng);
        for (i, file) in FILES.iter().enumerate() {
            let text = if i == which { &mutant } else { &originals[i] };
            std::fs::write(test.path().join(file), text).unwrap();
        }
        let run = |command: &str| {
            Command::new("timeout")
                .args(["-k", "2", "20", crate::BIN, command])
                .current_dir(test.path())
                .env_clear()
                .env("CONSULTPACK_TODAY", crate::TODAY)
                .output()
                .unwrap()
        };
        let mut output = run("check");
        // A mutant that passes goes on to the criteria, which read every value.
        if output.status.success() && rng.below(4) == 0 {
            output = run("criteria");
        }
        runs += 1;
        let printed = [&output.stdout[..], &output.stderr[..]].concat();
        let shown = || format!("seed {seed}, run {runs}, {}:\n{mutant}", FILES[which]);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "exit {:?} (a panic is 101, a timeout 124)\n{}\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr),
            shown()
        );
        assert!(
            printed.len() < 1 << 20,
            "{} bytes printed\n{}",
            printed.len(),
            shown()
        );
        assert!(
            !String::from_utf8_lossy(&printed).contains(SECRET),
            "the planted secret was printed:\n{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            shown()
        );
    }
    eprintln!("fuzz: {runs} mutants checked in {seconds} s (seed {seed})");
    assert!(runs > 50, "only {runs} runs");
}
