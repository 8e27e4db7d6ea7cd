//! The progress bar on standard error: bytes done of the total, rate, files
//! done and an estimate, or a spinner with bytes and rate for standard
//! input. It appears only after a scan has run for a second, and never when
//! standard error is not a terminal, under `--quiet`, or when `CI` is set.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a scan runs before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

pub struct Progress {
    bar: ProgressBar,
    files: u64,
    files_done: AtomicU64,
}

impl Progress {
    /// Creates the bar for `files` inputs of `total_bytes` in all (`None`
    /// when an input's size is unknown, as for standard input).
    pub fn new(total_bytes: Option<u64>, files: u64, quiet: bool) -> Arc<Progress> {
        let wanted = !quiet && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal();
        let bar = match total_bytes {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
                .with_style(
                    ProgressStyle::with_template(
                        "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
                    )
                    .expect("progress template is valid"),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(
                ProgressStyle::with_template("{spinner} {binary_bytes} {binary_bytes_per_sec} {msg}")
                    .expect("spinner template is valid"),
            ),
        };
        let progress = Arc::new(Progress { bar, files, files_done: AtomicU64::new(0) });
        progress.set_files_message(0);
        if wanted {
            let bar = progress.bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(DELAY);
                if !bar.is_finished() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
            });
        }
        progress
    }

    /// A bar that never draws, for library callers and tests.
    pub fn hidden() -> Arc<Progress> {
        Arc::new(Progress { bar: ProgressBar::hidden(), files: 0, files_done: AtomicU64::new(0) })
    }

    pub fn add_bytes(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    pub fn file_done(&self) {
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        self.set_files_message(done);
    }

    fn set_files_message(&self, done: u64) {
        if self.files > 1 {
            self.bar.set_message(format!("{done}/{} files", self.files));
        }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
