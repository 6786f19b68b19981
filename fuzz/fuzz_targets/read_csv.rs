//! Any bytes given to the CSV reader end in a sheet or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = roster::imports::text_file::read_csv(data, 10_000, None);
});
