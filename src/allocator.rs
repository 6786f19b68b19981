//! The process's allocator: mimalloc, installed by the `roster` binary (and the benches)
//! with `#[global_allocator]`; request handling allocates many small, short-lived objects
//! across threads, where glibc malloc cost a fifth of the CPU.

/// mimalloc, for `#[global_allocator]`.
pub type Allocator = mimalloc::MiMalloc;

/// Sets how the allocator holds memory, first thing in `main`:
///
/// - no transparent huge pages: memory given back and taken again came back as 2 MB pages
///   the kernel zeroes whole, and a huge page partly in use counts whole in the process's
///   memory;
/// - freed memory goes back to the system after 100 ms (mimalloc's default is 10 ms).
///   An import frees on one thread what the next step allocates on another; given back
///   at once, the same memory was faulted in and zeroed again and again.
///
/// Measured on the 100,000-member import flow (benches/imports.rs, SQLite, runs
/// alternated), with SQLite on mimalloc too ([`route_sqlite_allocations`]): given back
/// at once, the first import took 5.44–5.76 s and peaked at 227–229 MB; after 100 ms,
/// 4.53–4.80 s and 275–276 MB (10 ms: 5.10–5.20 s, 243–245 MB). With huge pages and
/// memory given back at once, as before, the SYNC after it peaked at 254–294 MB, against
/// 215–222 MB now.
pub fn configure() {
    // Indexes of mimalloc 2's `mi_option_e`; libmimalloc-sys names no constants for them.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const ALLOW_THP: libmimalloc_sys::mi_option_t = 37;
    const PURGE_DELAY_MS: std::os::raw::c_long = 100;
    // SAFETY: each call sets one integer option of the allocator; any value is valid, and
    // both are read when memory is next mapped or purged, so setting them at any time is
    // safe.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        libmimalloc_sys::mi_option_set(ALLOW_THP, 0);
    }
    // What mimalloc does at its start when MIMALLOC_ALLOW_THP=0: the kernel gives this
    // process no huge pages, also where it would on its own ("always" mode).
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer flag and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Makes SQLite allocate from mimalloc instead of the C library's malloc, once per
/// process, before the first SQLite connection opens (later, SQLite refuses the change
/// and keeps malloc). Reading rows, sqlx copies every column value with SQLite's
/// allocator on the connection's thread and frees the copy on the thread that decoded the
/// row: glibc's malloc spent about 40% of the connection thread's time on it while a
/// preview read 1,000,000 members, where mimalloc frees across threads cheaply. A
/// preview's read of 100,000 members went from 0.77–0.90 s to 0.64–0.68 s, and the
/// SYNC's peak memory from 248–253 MB to 197–201 MB (memory given back at once then).
pub fn route_sqlite_allocations() {
    static ROUTED: std::sync::Once = std::sync::Once::new();
    ROUTED.call_once(|| {
        let methods = sqlite::methods();
        // SAFETY: called before any connection of this process opened (every one goes
        // through here first) and only once; SQLite copies the methods before returning.
        let status = unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MALLOC, &methods) };
        if status != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(status, "SQLite keeps its own allocator: it was initialised already");
        }
    });
}

/// SQLite's memory methods, on mimalloc.
mod sqlite {
    use std::os::raw::{c_int, c_void};

    use libmimalloc_sys as mi;
    use libsqlite3_sys::sqlite3_mem_methods;

    pub(super) fn methods() -> sqlite3_mem_methods {
        sqlite3_mem_methods {
            xMalloc: Some(malloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(size),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: std::ptr::null_mut(),
        }
    }

    /// SQLite asks for positive sizes only; a negative one would get nothing rather than
    /// wrap around.
    fn bytes(n: c_int) -> usize {
        usize::try_from(n).unwrap_or(0)
    }

    // SAFETY (all below): SQLite passes pointers it got from these same functions, as its
    // memory-methods contract requires; mimalloc aligns to 16 bytes (SQLite needs 8).
    unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
        unsafe { mi::mi_malloc(bytes(n)) }
    }

    unsafe extern "C" fn free(p: *mut c_void) {
        unsafe { mi::mi_free(p) }
    }

    unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
        unsafe { mi::mi_realloc(p, bytes(n)) }
    }

    unsafe extern "C" fn size(p: *mut c_void) -> c_int {
        let usable = unsafe { mi::mi_usable_size(p) };
        c_int::try_from(usable).unwrap_or(c_int::MAX)
    }

    unsafe extern "C" fn roundup(n: c_int) -> c_int {
        let rounded = unsafe { mi::mi_good_size(bytes(n)) };
        c_int::try_from(rounded).unwrap_or(n)
    }

    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        libsqlite3_sys::SQLITE_OK
    }

    unsafe extern "C" fn shutdown(_: *mut c_void) {}
}
