//! Any bytes given to the spreadsheet reader (format told from the content: CSV, XLSX,
//! XLS, ODS) end in a sheet or an error, never a panic, a hang or a huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::imports::sheet::{read_file, Limits};

const LIMITS: Limits = Limits {
    max_rows: 10_000,
    max_unpacked_bytes: 50_000_000,
};

fuzz_target!(|data: &[u8]| {
    let _ = read_file(data, &LIMITS);
});
