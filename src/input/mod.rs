//! Inputs: paths expanded into files, each read once as a stream of lines.

mod chunks;
mod decode;
mod mapped;
#[cfg(unix)]
mod sigbus;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::extract::{LineEncoding, Scanner};
use crate::progress::Progress;
use crate::report::labels::group_digits;
use crate::tally::{InputError, Skipped, Tally};
pub use chunks::MAX_LINE_BYTES;
pub use decode::Detected;

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The name used in the report: `<stdin>` or the path as given.
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_owned(),
            Input::File(path) => path.display().to_string(),
        }
    }
}

/// Expands the command-line paths: `-` is standard input, a directory is
/// walked recursively in file-name order. Paths that cannot be opened are
/// returned as errors; the rest are still read.
pub fn expand(paths: &[PathBuf]) -> Expanded {
    let mut walk_skipped = Vec::new();
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    if paths.is_empty() {
        inputs.push(Input::Stdin);
    }
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let (inputs_before, errors_before) = (inputs.len(), errors.len());
                walk(path, &mut inputs, &mut errors, &mut walk_skipped);
                if inputs.len() == inputs_before && errors.len() == errors_before {
                    errors.push(InputError {
                        path: path.display().to_string(),
                        error: "no files in this directory; check the path".to_owned(),
                    });
                }
            }
            Ok(_) => inputs.push(Input::File(path.clone())),
            Err(e) => errors.push(InputError {
                path: path.display().to_string(),
                error: describe_at(path, &e),
            }),
        }
    }
    let (inputs, mut skipped) = remove_duplicates(inputs);
    skipped.append(&mut walk_skipped);
    Expanded { inputs, errors, skipped }
}

/// The inputs to read, and what could not be or need not be read.
pub struct Expanded {
    pub inputs: Vec<Input>,
    pub errors: Vec<InputError>,
    /// Inputs named twice (a file given and also inside a given directory).
    pub skipped: Vec<Skipped>,
}

/// Keeps the first of inputs that are the same file, so no line counts twice.
fn remove_duplicates(inputs: Vec<Input>) -> (Vec<Input>, Vec<Skipped>) {
    let mut seen = std::collections::HashMap::new();
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for input in inputs {
        let identity = match &input {
            Input::Stdin => None,
            Input::File(path) => std::fs::canonicalize(path).ok(),
        };
        let name = input.display_name();
        match seen.entry(identity) {
            std::collections::hash_map::Entry::Occupied(first) => skipped
                .push(Skipped { path: name, reason: format!("already read as {}", first.get()) }),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(name);
                kept.push(input);
            }
        }
    }
    (kept, skipped)
}

fn walk(
    root: &Path,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
    skipped: &mut Vec<Skipped>,
) {
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => inputs.push(Input::File(entry.into_path())),
            Ok(entry) if entry.file_type().is_dir() => {}
            // A FIFO inside a tree could block the scan forever; sockets and
            // devices are not logs. Name them on the command line to read them.
            Ok(entry) => skipped.push(Skipped {
                path: entry.path().display().to_string(),
                reason: "not a regular file (FIFO, socket or device); name it as a PATH to read it"
                    .to_owned(),
            }),
            Err(e) => {
                let at = e.path().unwrap_or(root);
                let path = at.display().to_string();
                // A link back to a directory above it adds no file: the
                // files below that directory are read anyway.
                if let Some(ancestor) = e.loop_ancestor() {
                    let reason = format!(
                        "symbolic link back to {}, a directory already being walked; not \
                         followed",
                        ancestor.display()
                    );
                    skipped.push(Skipped { path, reason });
                    continue;
                }
                let error = match e.io_error() {
                    Some(io) => describe_at(at, io),
                    None => e.to_string(),
                };
                // A link in the tree that leads nowhere is no log; one
                // named as a PATH is an error.
                if std::fs::symlink_metadata(at).is_ok_and(|m| m.file_type().is_symlink()) {
                    skipped.push(Skipped { path, reason: error });
                } else {
                    errors.push(InputError { path, error });
                }
            }
        }
    }
}

/// Describes an error met at `path` as [`describe`] does, naming a broken
/// symbolic link as such.
fn describe_at(path: &Path, error: &io::Error) -> String {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && error.kind() == io::ErrorKind::NotFound {
        return "broken symbolic link: its target does not exist; fix or remove the link"
            .to_owned();
    }
    describe(error)
}

/// A one-line description of an I/O error with what to do about it.
pub fn describe(error: &io::Error) -> String {
    #[cfg(unix)]
    if error.raw_os_error() == Some(libc::ELOOP) {
        return "symbolic link loop: following the link leads back to it; fix or remove the \
                link"
            .to_owned();
    }
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory; check the path".to_owned(),
        io::ErrorKind::PermissionDenied => {
            "permission denied; check the file's read permission".to_owned()
        }
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
            format!("corrupt or truncated data ({error}); events read before the error was detected are counted")
        }
        _ => error.to_string(),
    }
}

/// Counts the bytes read from the underlying file.
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        self.progress.add_bytes(n as u64);
        Ok(n)
    }
}

/// The total size of the inputs, or `None` when one of them (standard
/// input, a pipe) has no size known in advance.
pub fn total_bytes(inputs: &[Input]) -> Option<u64> {
    inputs.iter().try_fold(0u64, |total, input| match input {
        Input::Stdin => None,
        Input::File(path) => {
            let meta = std::fs::metadata(path).ok()?;
            meta.is_file().then(|| total + meta.len())
        }
    })
}

/// Options for reading inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Scan files with NUL bytes as text instead of skipping them.
    pub binary: bool,
    /// Memory-map files of 256 KiB or more in UTF-8 or GB18030, and scan
    /// each on all threads.
    pub mmap: bool,
}

/// Reads one input to the end and returns its tally. Read errors end up in
/// the tally's errors; what was read before them is kept.
pub fn scan(
    input: &Input,
    catalog: &Catalog,
    progress: &Arc<Progress>,
    options: ReadOptions,
) -> Tally {
    let name: Arc<str> = Arc::from(input.display_name());
    // A second handle on a regular file, to see its size after the read.
    let mut probe = None;
    let (raw, size_hint): (Box<dyn Read + Send>, _) = match input {
        Input::Stdin => (Box::new(io::stdin()), None),
        Input::File(path) => match File::open(path) {
            Ok(file) => {
                let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
                if let Some(tally) = size
                    .filter(|_| options.mmap)
                    .and_then(|size| scan_mapped(&file, size, &name, catalog, progress))
                {
                    progress.file_done();
                    return tally;
                }
                probe = file.try_clone().ok();
                (Box::new(file), size)
            }
            Err(e) => {
                let mut tally = Tally::default();
                tally.errors.push(InputError { path: name.to_string(), error: describe(&e) });
                progress.file_done();
                return tally;
            }
        },
    };
    let mut tally = scan_reader(raw, &name, catalog, progress, options.binary, size_hint);
    let read_whole = tally.errors.is_empty() && tally.skipped.is_empty();
    if let Some(size) = size_hint.filter(|&size| read_whole && tally.bytes < size) {
        let now = probe.and_then(|file| file.metadata().ok()).map_or(0, |meta| meta.len());
        let error = format!(
            "the file shrank from {} to {} bytes while it was read (log rotation with \
             copytruncate?); the report covers the {} bytes read, so scan a copy to see it all",
            group_digits(size),
            group_digits(now),
            group_digits(tally.bytes)
        );
        tally.errors.push(InputError { path: name.to_string(), error });
    }
    progress.file_done();
    tally
}

/// Scans a regular file of `size` bytes through a memory map when it is
/// large and in UTF-8 or GB18030. Returns `None` when the file should be
/// read instead: small, compressed, UTF-16 or binary, or not mappable.
fn scan_mapped(
    file: &File,
    size: u64,
    name: &Arc<str>,
    catalog: &Catalog,
    progress: &Progress,
) -> Option<Tally> {
    if size < mapped::MIN_MAP_BYTES {
        return None;
    }
    let map = mapped::map(file).ok()?;
    #[cfg(unix)]
    let _watch = sigbus::watch(&map, name);
    let sample = &map[..map.len().min(decode::SAMPLE_BYTES)];
    let encoding = decode::plain_encoding(sample, catalog.candidates().reads_gb18030())?;
    let mut tally = Tally::default();
    tally.files = 1;
    mapped::scan(&map, encoding, catalog, name, progress, &mut tally);
    Some(tally)
}

/// Reads one stream to the end and returns its tally, as [`scan`] does for
/// an input named `name`.
pub fn scan_reader(
    raw: Box<dyn Read + Send>,
    name: &Arc<str>,
    catalog: &Catalog,
    progress: &Arc<Progress>,
    binary: bool,
    size_hint: Option<u64>,
) -> Tally {
    let mut tally = Tally::default();
    let bytes = Arc::new(AtomicU64::new(0));
    let counted = Box::new(Counting {
        inner: raw,
        bytes: Arc::clone(&bytes),
        progress: Arc::clone(progress),
    });
    let result = read_lines(counted, catalog, name, binary, size_hint, &mut tally);
    tally.bytes = bytes.load(Ordering::Relaxed);
    if let Err(e) = result {
        tally.errors.push(InputError { path: name.to_string(), error: describe(&e) });
    }
    tally
}

fn read_lines(
    raw: Box<dyn Read + Send>,
    catalog: &Catalog,
    name: &Arc<str>,
    binary: bool,
    size_hint: Option<u64>,
    tally: &mut Tally,
) -> io::Result<()> {
    tally.files = 1;
    let decoded = decode::decode(raw, catalog.candidates().reads_gb18030())?;
    // Decompressed or transcoded text has no size known in advance.
    let transcoded = matches!(decoded.detected, Detected::Utf16Le | Detected::Utf16Be)
        || (decoded.detected == Detected::Gb18030 && decoded.encoding == LineEncoding::Utf8);
    let plain = !decoded.gzip && !transcoded;
    let size_hint = size_hint.filter(|_| plain);
    if decoded.detected == Detected::Binary && !binary {
        tally.skipped.push(Skipped {
            path: name.to_string(),
            reason: "binary file (NUL bytes, not UTF-16); pass --binary to scan it as text"
                .to_owned(),
        });
        return Ok(());
    }
    let mut reader = decoded.reader;
    let mut scanner = Scanner::new(catalog).with_encoding(decoded.encoding);
    let mut hits = Vec::new();
    let mut lines = 0;
    let result = chunks::for_each_chunk(&mut reader, size_hint, |chunk| {
        if chunk.truncated {
            tally.long_lines += 1;
        }
        lines += scanner.chunk_parallel(chunk.bytes, lines + 1, &mut hits);
        for hit in hits.drain(..) {
            tally.add(catalog, name, hit);
        }
    });
    scanner.finish(&mut hits);
    for hit in hits.drain(..) {
        tally.add(catalog, name, hit);
    }
    tally.lines = lines;
    result
}
