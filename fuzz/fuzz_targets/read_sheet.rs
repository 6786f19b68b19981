//! Any bytes given to the spreadsheet reader (format told from the content: CSV, XLSX,
//! XLS, ODS) end in a sheet or an error, never a panic, a hang or a huge allocation.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use roster::imports::file::{read_file, Limits};

const LIMITS: Limits = Limits {
    max_rows: 10_000,
    max_unpacked_bytes: 50_000_000,
};

static QUIET_PANICS: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // read_file turns a panic inside calamine into an error, as the server relies on; the
    // default hook of libfuzzer-sys would abort on it anyway. A panic escaping read_file
    // still aborts (the fuzz_target! wrapper does), so it is still found.
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = read_file(data, &LIMITS, &Default::default());
});
