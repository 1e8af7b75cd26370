//! No signal from the library, ever: SIGPIPE stays away from the host process.
//!
//! Writing to a connection the server has closed makes the kernel raise SIGPIPE in the writing
//! thread, and its default action kills the whole process. Rust programs ignore it, but a C or
//! .NET host (or Python embedded in one) may not. Sockets written with `send` and
//! `MSG_NOSIGNAL` are safe; vectored writes (`writev`, which HTTP/1 and TLS use) are not.
//!
//! So the library never lets one reach the host:
//! - the runtime threads it starts block SIGPIPE for their whole life
//!   ([`block_sigpipe_for_this_thread`], from the runtime's `on_thread_start`); a blocked,
//!   thread-directed SIGPIPE stays pending on that thread and is never delivered;
//! - a call that waits on the caller's thread (the blocking client's slow paths, where a TLS
//!   handshake may write) runs inside a [`SigpipeGuard`]: SIGPIPE is blocked for the call, and
//!   one raised meanwhile is taken off the thread (`sigtimedwait`, zero timeout) before the
//!   caller's mask is put back. A SIGPIPE that was already pending, or a mask that already
//!   blocked it, is left as the caller had it.
//!
//! Elsewhere than on Unix these are no-ops.

/// Blocks SIGPIPE on the calling thread for good (the library's own threads).
pub(crate) fn block_sigpipe_for_this_thread() {
    #[cfg(unix)]
    imp::block(None);
}

/// Blocks SIGPIPE on the calling thread while it lives (see the module docs).
#[must_use = "the guard unblocks SIGPIPE when dropped"]
pub(crate) struct SigpipeGuard {
    #[cfg(unix)]
    restore: Option<libc::sigset_t>,
}

impl SigpipeGuard {
    /// Blocks SIGPIPE until the guard drops.
    pub(crate) fn new() -> SigpipeGuard {
        #[cfg(unix)]
        {
            SigpipeGuard { restore: imp::guard() }
        }
        #[cfg(not(unix))]
        {
            SigpipeGuard {}
        }
    }
}

impl Drop for SigpipeGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(old) = self.restore.take() {
            imp::release(&old);
        }
    }
}

#[cfg(unix)]
mod imp {
    use std::mem::MaybeUninit;

    fn sigpipe_set() -> libc::sigset_t {
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigemptyset initialises the set it is given; sigaddset then adds a valid signal.
        unsafe {
            libc::sigemptyset(set.as_mut_ptr());
            libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
            set.assume_init()
        }
    }

    /// Blocks SIGPIPE; stores the previous mask in `old` when given. Returns whether it worked.
    pub(super) fn block(old: Option<&mut MaybeUninit<libc::sigset_t>>) -> bool {
        let set = sigpipe_set();
        let old_ptr = old.map_or(std::ptr::null_mut(), MaybeUninit::as_mut_ptr);
        // SAFETY: `set` is an initialised sigset; `old_ptr` is null or points to writable space.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, old_ptr) == 0 }
    }

    pub(super) fn is_pending() -> bool {
        let mut pending = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigpending fills the set; sigismember reads the initialised set.
        unsafe {
            libc::sigpending(pending.as_mut_ptr()) == 0 && libc::sigismember(pending.as_ptr(), libc::SIGPIPE) == 1
        }
    }

    /// Blocks SIGPIPE for a call; `Some(old mask)` when the guard must undo it on drop.
    pub(super) fn guard() -> Option<libc::sigset_t> {
        let mut old = MaybeUninit::<libc::sigset_t>::uninit();
        if !block(Some(&mut old)) {
            return None;
        }
        // SAFETY: pthread_sigmask succeeded, so it wrote the previous mask.
        let old = unsafe { old.assume_init() };
        // SAFETY: reads an initialised set.
        let was_blocked = unsafe { libc::sigismember(&old, libc::SIGPIPE) == 1 };
        // Already blocked by the caller, or one already pending: leave the thread as it was
        // (mask unchanged, and the caller's pending signal is the caller's).
        if was_blocked {
            return None;
        }
        if is_pending() {
            // SAFETY: restores the mask pthread_sigmask returned.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
            return None;
        }
        Some(old)
    }

    /// Takes a SIGPIPE raised during the call off the thread, then restores `old`.
    pub(super) fn release(old: &libc::sigset_t) {
        let set = sigpipe_set();
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        while is_pending() {
            // SAFETY: `set` and `zero` are initialised; the signal's info is not wanted (null).
            if unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &zero) } != libc::SIGPIPE {
                break;
            }
        }
        // SAFETY: restores the mask pthread_sigmask returned in `guard`.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn blocked() -> bool {
        let mut cur = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: a query of the current mask (null new set) into writable space.
        unsafe {
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), cur.as_mut_ptr());
            libc::sigismember(cur.as_ptr(), libc::SIGPIPE) == 1
        }
    }

    #[test]
    fn a_sigpipe_raised_under_the_guard_never_reaches_the_thread() {
        std::thread::spawn(|| {
            assert!(!blocked());
            {
                let _guard = SigpipeGuard::new();
                assert!(blocked());
                // SAFETY: raises SIGPIPE on this thread, where it is blocked (pending only).
                unsafe { libc::pthread_kill(libc::pthread_self(), libc::SIGPIPE) };
                assert!(imp_pending());
            }
            // Unblocked again with nothing pending: it was taken off the thread, not delivered.
            // (Rust ignores SIGPIPE process-wide, so delivery would not show; Linux keeps a
            // blocked signal pending even when its action is to ignore it, so pending shows.)
            assert!(!blocked());
            assert!(!imp_pending());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn the_library_threads_block_it_for_good() {
        std::thread::spawn(|| {
            block_sigpipe_for_this_thread();
            assert!(blocked());
        })
        .join()
        .unwrap();
    }

    fn imp_pending() -> bool {
        super::imp::is_pending()
    }
}
