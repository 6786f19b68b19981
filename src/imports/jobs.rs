//! Live progress of the imports running in this process (slots, leases and the
//! recovery of jobs a stopped server left half-way are in `running`).

/// Rows processed by jobs running in this process. Progress cannot go through the
/// database: an apply holds its write transaction (SQLite allows one writer) until done.
pub mod progress {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    use uuid::Uuid;

    static RUNNING: LazyLock<Mutex<HashMap<Uuid, i32>>> = LazyLock::new(Default::default);

    pub fn set(job: Uuid, processed: i32) {
        RUNNING.lock().expect("progress lock").insert(job, processed);
    }

    pub fn get(job: Uuid) -> Option<i32> {
        RUNNING.lock().expect("progress lock").get(&job).copied()
    }

    pub fn clear(job: Uuid) {
        RUNNING.lock().expect("progress lock").remove(&job);
    }
}
