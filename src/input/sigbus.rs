//! A one-line error instead of a bare "Bus error" when a memory-mapped file
//! shrinks while it is scanned, as when log rotation truncates it in place
//! (copytruncate). Reading a mapped page past the file's new end raises
//! SIGBUS. The handler finds the file whose mapping contains the faulting
//! address, writes which file it was and what to do, and exits with status
//! 2. Nothing of the run is reported then.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Once;

/// Maximum number of mapped files watched at once. A fault in a file mapped
/// while all slots are taken gets the message without a file name. Each
/// scanning thread maps one file at a time, or a few when it scans another
/// file while it waits for the segments of one, and runs allow at most 256
/// threads.
const SLOTS: usize = 1024;

/// One watched mapping: its address range and its message. `start` is 0
/// for a free slot and `usize::MAX` while the slot is being filled.
struct Slot {
    start: AtomicUsize,
    end: AtomicUsize,
    message: AtomicPtr<u8>,
    len: AtomicUsize,
}

static WATCHED: [Slot; SLOTS] = [const {
    Slot {
        start: AtomicUsize::new(0),
        end: AtomicUsize::new(0),
        message: AtomicPtr::new(std::ptr::null_mut()),
        len: AtomicUsize::new(0),
    }
}; SLOTS];

const ANY_FILE: &[u8] = b"miniapp-triage: a memory-mapped input shrank while it was read \
(log rotation with copytruncate?); run again with --no-mmap to read such files\n";

static INSTALL: Once = Once::new();

/// Keeps a mapping watched until dropped.
pub struct Watch {
    slot: Option<usize>,
    _message: Box<[u8]>,
}

/// Watches the mapping `bytes` of the file `name` until the returned guard
/// is dropped, which must happen before the mapping is unmapped.
pub fn watch(bytes: &[u8], name: &str) -> Watch {
    INSTALL.call_once(install);
    let mut message = format!(
        "miniapp-triage: {name}: the file shrank while it was read (log rotation with \
         copytruncate?); run again with --no-mmap to read it\n"
    )
    .into_bytes()
    .into_boxed_slice();
    let range = bytes.as_ptr() as usize..bytes.as_ptr() as usize + bytes.len();
    for (i, slot) in WATCHED.iter().enumerate() {
        let claimed =
            slot.start.compare_exchange(0, usize::MAX, Ordering::SeqCst, Ordering::SeqCst);
        if claimed.is_ok() {
            slot.end.store(range.end, Ordering::SeqCst);
            slot.message.store(message.as_mut_ptr(), Ordering::SeqCst);
            slot.len.store(message.len(), Ordering::SeqCst);
            slot.start.store(range.start, Ordering::SeqCst);
            return Watch { slot: Some(i), _message: message };
        }
    }
    Watch { slot: None, _message: message }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            WATCHED[i].start.store(usize::MAX, Ordering::SeqCst);
            WATCHED[i].message.store(std::ptr::null_mut(), Ordering::SeqCst);
            WATCHED[i].start.store(0, Ordering::SeqCst);
        }
    }
}

fn install() {
    // SAFETY: `sigaction` is called with a zeroed, then filled-in struct and
    // a handler of the signature SA_SIGINFO requires.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

/// Writes the message of the watched mapping that contains the faulting
/// address and exits. For a fault anywhere else it restores the default
/// action and returns, so the fault repeats and ends the process as before.
/// Only async-signal-safe calls are made: atomic loads, `write`, `_exit` and
/// `signal`.
extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for a SA_SIGINFO handler.
    let address = unsafe { (*info).si_addr() } as usize;
    let mut message: Option<(*const u8, usize)> = None;
    for slot in &WATCHED {
        let start = slot.start.load(Ordering::SeqCst);
        if start != 0 && start != usize::MAX {
            let end = slot.end.load(Ordering::SeqCst);
            let text = slot.message.load(Ordering::SeqCst);
            if (start..end).contains(&address) && !text.is_null() {
                message = Some((text, slot.len.load(Ordering::SeqCst)));
            }
        }
    }
    // While any file is mapped, a fault outside the watched ranges is taken
    // for one in a file that found no free slot, or whose slot is being
    // filled or freed: the message without a file name covers it.
    let mapped_anywhere = WATCHED.iter().any(|slot| slot.start.load(Ordering::SeqCst) != 0);
    let (text, len) = match message {
        Some(found) => found,
        None if mapped_anywhere => (ANY_FILE.as_ptr(), ANY_FILE.len()),
        None => {
            // SAFETY: restoring the default action is async-signal-safe.
            unsafe { libc::signal(libc::SIGBUS, libc::SIG_DFL) };
            return;
        }
    };
    // SAFETY: `text` points to `len` bytes that live until the watch is
    // dropped, after the scan of its mapping; `write` and `_exit` are
    // async-signal-safe.
    unsafe {
        libc::write(libc::STDERR_FILENO, text.cast(), len);
        libc::_exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_slots_cover_every_thread() {
        // As many watches as the most threads of a run, each on its own
        // range, all hold a slot and so a file name.
        let bytes = vec![0u8; 256];
        let watches: Vec<Watch> =
            (0..256).map(|i| watch(&bytes[i..=i], &format!("file {i}"))).collect();
        assert!(watches.iter().all(|w| w.slot.is_some()));
        drop(watches);
        assert!(WATCHED.iter().all(|slot| slot.start.load(Ordering::SeqCst) == 0));
    }
}
