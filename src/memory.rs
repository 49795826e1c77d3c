//! Handing memory a stage has freed back to the system. glibc's allocator keeps the small
//! blocks a stage frees (a sheet's cells once its rows are checked, a writer's buffers) for
//! its own reuse, so the process's resident size stays at its highest: one run on a
//! county's million rows held 2.7 GB when the rows needed 1.6 GB. `give_back` asks it to
//! return every whole free page; stages call it where much has just been freed.
//! `settle`, at the start of a command, has blocks of a megabyte or more (a batch's tables,
//! the indexes of the checks across tables) mapped on their own, so that each goes back to
//! the system the moment it is freed (glibc otherwise raises that bound to 32 MB as big
//! blocks are freed, and keeps them).

/// Returns the allocator's free pages to the system (glibc on Linux; nothing elsewhere).
///
/// ```
/// selfbuilt::memory::give_back();
/// ```
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointer
    // of ours and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Blocks of `MAPPED` bytes or more are mapped on their own and returned when freed
/// (glibc on Linux; nothing elsewhere). Called once, at the start of a command.
///
/// ```
/// selfbuilt::memory::settle();
/// ```
pub fn settle() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's own parameter; it takes no pointer.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED);
    }
}

/// Every thread allocates from one arena (glibc on Linux; nothing elsewhere): the reader
/// child calls it before its threads start, since each further arena reserves 64 MB of
/// address space that its memory limit (`RLIMIT_AS`) counts.
///
/// ```
/// selfbuilt::memory::one_arena();
/// ```
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's own parameter; it takes no pointer.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// The size from which a block is mapped on its own (`settle`).
pub const MAPPED: i32 = 1 << 20;

#[cfg(test)]
mod tests {
    #[test]
    fn memory_freed_can_be_given_back_at_any_time() {
        let big: Vec<Vec<u8>> = (0..1000).map(|i| vec![i as u8; 1000]).collect();
        drop(big);
        super::give_back();
        let again = vec![7u8; 1000];
        assert_eq!(again[999], 7);
    }
}
