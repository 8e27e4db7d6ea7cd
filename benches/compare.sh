#!/usr/bin/env bash
# Compares the throughput of miniapp-triage with ripgrep and GNU grep on a
# corpus from examples/gen_corpus.rs, in one hyperfine run.
#
# Usage: [MODE=...] [SIZE=...] benches/compare.sh
#
# Environment:
#   MODE         file (default), dir, gzip, gb18030, utf16 or memory
#   SIZE         corpus size in gen_corpus --size syntax [1GiB]
#   SEED         gen_corpus seed [the generator's default]
#   CORPUS_DIR   directory for corpora, reused between runs [target/corpus]
#   RESULTS_DIR  directory for hyperfine's JSON export [target/bench]
#   RUNS         hyperfine --runs [5]
#   WARMUP       hyperfine --warmup [1]
#   CHECK        1 compares the triage's event counts with the generator's
#                before timing, 0 skips that [1]
#   STDIN_TOTAL  memory mode: bytes piped through standard input [10GiB]
#
# Modes:
#   file     one file of SIZE: the triage with all CPUs and with one thread,
#            rg and grep
#   dir      SIZE split into 200 files: the same four commands on the directory
#   gzip     the file after gzip -k: the triage, rg -z and gzip -dc
#   gb18030  the file converted to GB18030 with iconv: the triage, rg with
#            -E gb18030, and grep on the raw bytes
#   utf16    the file as UTF-16LE with a BOM: the triage and rg, which
#            detects the BOM
#   memory   maximum resident set size (/usr/bin/time -v) and the peak of
#            its anonymous part (heap and stacks, sampled from /proc) for the
#            file, for STDIN_TOTAL bytes of the file repeated through
#            standard input, and for SIZE split into 1000 files
#
# The table gives the mean wall time, the throughput in GB/s (input bytes,
# uncompressed for gzip, divided by the mean) and each mean divided by the
# reference command's mean: rg, or gzip -dc in gzip mode.
#
# Missing tools are installed: hyperfine, jq and time with apt-get (as root),
# and ripgrep 14 or newer with `cargo install ripgrep --locked` into
# target/tools when Debian's ripgrep is older. lnav and agrind join the file
# and dir modes only when they are already installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MODE=${MODE:-file}
SIZE=${SIZE:-1GiB}
SEED=${SEED:-}
CORPUS_DIR=${CORPUS_DIR:-target/corpus}
RESULTS_DIR=${RESULTS_DIR:-target/bench}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
CHECK=${CHECK:-1}
STDIN_TOTAL=${STDIN_TOTAL:-10GiB}

# Lines that contain one of the catalog's Agora codes as a whole word.
# `(?-u:\b)` makes rg's word boundary ASCII-only. GNU grep's `\b` follows the
# locale, so in a UTF-8 locale a code right after a Chinese character matches
# rg but not grep. The generated corpus has no such code, and there both
# count the same lines.
RG_PATTERN='(?-u:\b)(?:401|429|43[0-4]|50[0-3]|90[1-5])(?-u:\b)'
GREP_PATTERN='\b(401|429|43[0-4]|50[0-3]|90[1-5])\b'
GENERATOR_SOURCE=examples/gen_corpus.rs

die() {
  echo "compare.sh: $*" >&2
  exit 1
}

note() {
  echo "compare.sh: $*" >&2
}

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------

apt_updated=0

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    die "missing $*: install it with 'apt-get install $*' as root, then run again"
  fi
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  note "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_command() {
  local command=$1 package=$2
  command -v "$command" >/dev/null 2>&1 || apt_install "$package"
}

# Prints the major version of the rg at $1, or 0 when it cannot run.
rg_major_version() {
  local version
  version=$("$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }') || true
  echo "${version%%.*}" | grep -E '^[0-9]+$' || echo 0
}

# Sets RG to a ripgrep of version 14 or newer.
ensure_ripgrep() {
  local local_rg="$TARGET_DIR/tools/bin/rg" candidate
  if command -v rg >/dev/null 2>&1 && [ "$(rg_major_version rg)" -ge 14 ]; then
    RG=$(command -v rg)
    return
  fi
  if [ -x "$local_rg" ] && [ "$(rg_major_version "$local_rg")" -ge 14 ]; then
    RG=$local_rg
    return
  fi
  if [ "$(id -u)" -eq 0 ]; then
    if [ "$apt_updated" -eq 0 ]; then
      apt-get update -qq
      apt_updated=1
    fi
    candidate=$(apt-cache policy ripgrep | awk '/Candidate:/ { print $2 }')
    if [ "${candidate%%.*}" -ge 14 ] 2>/dev/null; then
      apt_install ripgrep
      RG=$(command -v rg)
      return
    fi
    note "Debian's ripgrep is ${candidate:-not available}, older than 14"
  fi
  note "building ripgrep with cargo install into $TARGET_DIR/tools"
  cargo install ripgrep --locked --quiet --root "$TARGET_DIR/tools"
  RG=$local_rg
}

ensure_tools() {
  ensure_command jq jq
  ensure_command hyperfine hyperfine
  [ -x /usr/bin/time ] || apt_install time
  ensure_command iconv libc-bin
  ensure_command gzip gzip
  ensure_ripgrep
}

build() {
  note "building the release binary and the corpus generator"
  cargo build --release --quiet --bin miniapp-triage --example gen_corpus
  TRIAGE="$TARGET_DIR/release/miniapp-triage"
  GENERATOR="$TARGET_DIR/release/examples/gen_corpus"
}

# ---------------------------------------------------------------------------
# Corpora
# ---------------------------------------------------------------------------

corpus_name() {
  echo "$CORPUS_DIR/corpus-$SIZE${SEED:+-seed$SEED}"
}

# Runs the generator into $1 with any extra arguments, unless $1 and its
# .counts file exist and are newer than the generator source. The .counts
# file keeps the generator's report: lines, bytes and events per code.
generate() {
  local out=$1 counts="$1.counts"
  shift
  if [ -e "$out" ] && [ -e "$counts" ] && [ "$counts" -nt "$GENERATOR_SOURCE" ]; then
    note "reusing $out"
    return
  fi
  rm -rf "$out" "$out.tmp" "$counts"
  mkdir -p "$(dirname "$out")"
  local seed_args=()
  [ -n "$SEED" ] && seed_args=(--seed "$SEED")
  "$GENERATOR" --size "$SIZE" "${seed_args[@]}" "$@" --out "$out.tmp" 2>"$counts.tmp"
  mv "$out.tmp" "$out"
  mv "$counts.tmp" "$counts"
  cat "$counts" >&2
}

# Writes $2 from $1 with the command in the remaining arguments, which reads
# standard input and writes standard output, unless $2 is newer than $1.
derive() {
  local source=$1 out=$2
  shift 2
  if [ -e "$out" ] && [ "$out" -nt "$source" ]; then
    note "reusing $out"
    return
  fi
  note "writing $out"
  "$@" <"$source" >"$out.tmp"
  mv "$out.tmp" "$out"
}

to_gb18030() {
  iconv -f UTF-8 -t GB18030
}

to_utf16le_with_bom() {
  printf '\xff\xfe'
  iconv -f UTF-8 -t UTF-16LE
}

# Prints the size in bytes of a file, or the sum over a directory's files.
input_bytes() {
  if [ -d "$1" ]; then
    find "$1" -type f -printf '%s\n' | awk '{ total += $1 } END { print total + 0 }'
  else
    stat -c %s "$1"
  fi
}

# Reads every byte once so the timed runs start from the page cache.
warm_cache() {
  note "warming the page cache"
  if [ -d "$1" ]; then
    find "$1" -type f -exec cat {} + >/dev/null
  else
    cat "$1" >/dev/null
  fi
}

# Converts a size such as 10GiB, 500MB or 1048576 to bytes.
size_to_bytes() {
  local text=$1 number unit multiplier
  number=${text%%[!0-9]*}
  unit=${text#"$number"}
  case "$unit" in
    "" | B) multiplier=1 ;;
    KiB) multiplier=$((1 << 10)) ;;
    MiB) multiplier=$((1 << 20)) ;;
    GiB) multiplier=$((1 << 30)) ;;
    TiB) multiplier=$((1 << 40)) ;;
    KB | kB) multiplier=1000 ;;
    MB) multiplier=1000000 ;;
    GB) multiplier=1000000000 ;;
    TB) multiplier=1000000000000 ;;
    *) die "invalid size '$text': use bytes or a unit KiB, MiB, GiB, KB, MB, GB" ;;
  esac
  [ -n "$number" ] || die "invalid size '$text': expected a whole number such as 2GiB"
  echo $((number * multiplier))
}

# ---------------------------------------------------------------------------
# Event count check
# ---------------------------------------------------------------------------

# Compares the events per (source, code) in the triage's JSON report on $1
# with the generator's counts in $2. Prints the rows that differ and fails
# when any does.
check_counts() {
  local input=$1 counts=$2 expected actual
  if [ "$CHECK" = 0 ]; then
    return
  fi
  note "checking the triage's event counts on $input against $counts"
  expected=$(awk 'rows { print $1, $2, $4 } /^source code lines events$/ { rows = 1 }' "$counts" | sort)
  actual=$("$TRIAGE" --format json --fail-on never "$input" | jq -r '
      (.codes[] | "\(.source) \(.code) \(.events)"),
      (.findings[] | "finding \(.id) \(.events)")' |
    awk '{ total[$1 " " $2] += $3 } END { for (key in total) print key, total[key] }' | sort)
  if [ "$expected" = "$actual" ]; then
    note "event counts match the generator's: $(wc -l <<<"$expected") codes and findings"
    return
  fi
  echo "source code expected actual" >&2
  join -a 1 -a 2 -e 0 -o 0,1.2,2.2 \
    <(sed 's/ /:/' <<<"$expected" | sort) \
    <(sed 's/ /:/' <<<"$actual" | sort) |
    awk '$2 != $3 { sub(":", " ", $1); print }' >&2
  die "the triage's event counts differ from the generator's (CHECK=0 skips this check)"
}

# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

names=()
commands=()

add_command() {
  names+=("$1")
  commands+=("$2")
}

# Adds lnav and agrind on $1 when they are installed.
add_optional_tools() {
  local input=$1
  # NOTE: the lnav and agrind command lines follow their documentation
  # (lnav 0.11 headless mode, angle-grinder's `parse regex`) and are untested.
  if command -v lnav >/dev/null 2>&1; then
    add_command "lnav filter" "lnav -n -c $(printf '%q' ":filter-in $GREP_PATTERN") $(printf '%q' "$input") > /dev/null"
  else
    note "lnav is not installed: skipped (apt-get install lnav adds it)"
  fi
  if command -v agrind >/dev/null 2>&1; then
    local query="* | parse regex \"\\b(?P<code>401|429|43[0-4]|50[0-3]|90[1-5])\\b\" | count by code"
    add_command "agrind count" "agrind --file $(printf '%q' "$input") $(printf '%q' "$query") > /dev/null"
  else
    note "agrind is not installed: skipped (cargo install ag adds it)"
  fi
}

# Runs hyperfine once over the added commands, then prints the table.
# $1 is the input's byte count for GB/s, $2 the name of the reference command.
run_hyperfine() {
  local bytes=$1 reference=$2 export="$RESULTS_DIR/compare-$MODE.json"
  mkdir -p "$RESULTS_DIR"
  # --output=pipe, because GNU grep (3.8 in Debian 12) stops reading at the
  # first match when its standard output is /dev/null, hyperfine's default.
  local arguments=(--warmup "$WARMUP" --runs "$RUNS" --output=pipe --export-json "$export")
  local i
  for i in "${!names[@]}"; do
    arguments+=(--command-name "${names[i]}" "${commands[i]}")
  done
  hyperfine "${arguments[@]}"
  print_table "$export" "$bytes" "$reference"
}

print_table() {
  local export=$1 bytes=$2 reference=$3
  echo
  echo "mode $MODE: $(printf "%'d" "$bytes") input bytes, $RUNS runs after $WARMUP warmup"
  echo "$(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(uname -sr)"
  echo "$(hyperfine --version), $("$RG" --version | head -n 1), $(grep --version | head -n 1)"
  echo "JSON: $export"
  echo
  jq -r '.results[] | [.command, .mean, .stddev] | @tsv' "$export" |
    awk -F '\t' -v bytes="$bytes" -v reference="$reference" '
      { name[NR] = $1; mean[NR] = $2; sd[NR] = $3; if ($1 == reference) ref = $2 }
      END {
        printf "%-28s %9s %7s %7s %18s\n", "command", "mean (s)", "sd (s)", "GB/s", "vs " reference
        for (i = 1; i <= NR; i++) {
          ratio = ref > 0 ? sprintf("%.2fx", mean[i] / ref) : "-"
          printf "%-28s %9.3f %7.3f %7.3f %18s\n", name[i], mean[i], sd[i], bytes / mean[i] / 1e9, ratio
        }
      }'
}

# Adds the triage on $1 with all CPUs and with one thread.
add_triage() {
  local input
  input=$(printf '%q' "$1")
  add_command "miniapp-triage" "$TRIAGE --format json --fail-on never $input > /dev/null"
  add_command "miniapp-triage --threads 1" "$TRIAGE --format json --fail-on never --threads 1 $input > /dev/null"
}

# ---------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------

mode_file() {
  local corpus
  corpus="$(corpus_name).log"
  generate "$corpus"
  check_counts "$corpus" "$corpus.counts"
  warm_cache "$corpus"
  add_triage "$corpus"
  add_command "rg" "$RG -c '$RG_PATTERN' $(printf '%q' "$corpus")"
  add_command "grep" "grep -c -E '$GREP_PATTERN' $(printf '%q' "$corpus")"
  add_optional_tools "$corpus"
  run_hyperfine "$(input_bytes "$corpus")" rg
}

mode_dir() {
  local corpus
  corpus="$(corpus_name)-200files"
  generate "$corpus" --files 200
  check_counts "$corpus" "$corpus.counts"
  warm_cache "$corpus"
  add_triage "$corpus"
  # --no-ignore, so that no ignore file can hide corpus files from rg: the
  # repository's .gitignore lists target/, where the corpus is by default.
  add_command "rg" "$RG --no-ignore -c '$RG_PATTERN' $(printf '%q' "$corpus")"
  add_command "grep" "grep -r -c -E '$GREP_PATTERN' $(printf '%q' "$corpus")"
  add_optional_tools "$corpus"
  run_hyperfine "$(input_bytes "$corpus")" rg
}

mode_gzip() {
  local corpus
  corpus="$(corpus_name).log"
  generate "$corpus"
  derive "$corpus" "$corpus.gz" gzip -c
  check_counts "$corpus.gz" "$corpus.counts"
  warm_cache "$corpus.gz"
  local input
  input=$(printf '%q' "$corpus.gz")
  add_command "miniapp-triage" "$TRIAGE --format json --fail-on never $input > /dev/null"
  add_command "rg -z" "$RG -z -c '$RG_PATTERN' $input"
  add_command "gzip -dc" "gzip -dc $input > /dev/null"
  run_hyperfine "$(input_bytes "$corpus")" "gzip -dc"
}

mode_gb18030() {
  local corpus
  corpus="$(corpus_name).log"
  generate "$corpus"
  local converted="${corpus%.log}-gb18030.log"
  derive "$corpus" "$converted" to_gb18030
  check_counts "$converted" "$corpus.counts"
  warm_cache "$converted"
  local input
  input=$(printf '%q' "$converted")
  add_command "miniapp-triage" "$TRIAGE --format json --fail-on never $input > /dev/null"
  add_command "rg -E gb18030" "$RG -E gb18030 -c '$RG_PATTERN' $input"
  add_command "grep" "grep -c -E '$GREP_PATTERN' $input"
  run_hyperfine "$(input_bytes "$converted")" "rg -E gb18030"
}

mode_utf16() {
  local corpus
  corpus="$(corpus_name).log"
  generate "$corpus"
  local converted="${corpus%.log}-utf16le.log"
  derive "$corpus" "$converted" to_utf16le_with_bom
  check_counts "$converted" "$corpus.counts"
  warm_cache "$converted"
  local input
  input=$(printf '%q' "$converted")
  add_command "miniapp-triage" "$TRIAGE --format json --fail-on never $input > /dev/null"
  # grep cannot read UTF-16 and is left out.
  add_command "rg" "$RG -c '$RG_PATTERN' $input"
  run_hyperfine "$(input_bytes "$converted")" rg
}

# Prints the peak anonymous resident memory (RssAnon: heap and stacks, not
# the pages of a memory-mapped input) of the running miniapp-triage, in KiB,
# sampled every 10 ms until the process $1 exits. Sampling can miss a peak
# shorter than that.
sample_heap() {
  local waiter=$1 peak=0 pid value
  while kill -0 "$waiter" 2>/dev/null; do
    for pid in $(pgrep -x miniapp-triage); do
      value=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
      if [ "${value:-0}" -gt "$peak" ]; then
        peak=$value
      fi
    done
    sleep 0.01
  done
  echo "$peak"
}

# Runs the triage under /usr/bin/time -v and prints one row: the label,
# input bytes, wall time, maximum resident set size and the peak of its
# anonymous part. With $2 = "-" the input is the file $4 repeated $5 times
# through standard input.
measure_memory() {
  local label=$1 input=$2 bytes=$3 log status=0 waiter heap
  log=$(mktemp)
  if [ "$input" = "-" ]; then
    local file=$4 repeats=$5
    (
      for ((i = 0; i < repeats; i++)); do
        cat "$file"
      done | /usr/bin/time -v -o "$log" "$TRIAGE" --format json --fail-on never - >/dev/null
    ) &
  else
    /usr/bin/time -v -o "$log" "$TRIAGE" --format json --fail-on never "$input" >/dev/null &
  fi
  waiter=$!
  heap=$(sample_heap "$waiter")
  wait "$waiter" || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$log" >&2
    die "miniapp-triage failed with status $status on $label"
  fi
  local rss wall
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$log")
  printf "%-32s %16s %12s %14s %14s\n" "$label" "$(printf "%'d" "$bytes")" "$wall" \
    "$(printf "%'d" "$rss")" "$(printf "%'d" "$heap")"
  rm -f "$log"
}

mode_memory() {
  local corpus files_dir
  corpus="$(corpus_name).log"
  files_dir="$(corpus_name)-1000files"
  generate "$corpus"
  generate "$files_dir" --files 1000
  check_counts "$files_dir" "$files_dir.counts"
  warm_cache "$corpus"
  warm_cache "$files_dir"

  local file_bytes stdin_bytes repeats
  file_bytes=$(input_bytes "$corpus")
  stdin_bytes=$(size_to_bytes "$STDIN_TOTAL")
  # The nearest whole number of copies, at least one.
  repeats=$(((stdin_bytes + file_bytes / 2) / file_bytes))
  [ "$repeats" -ge 1 ] || repeats=1

  echo
  echo "mode memory: /usr/bin/time -v, $(nproc) CPUs, $(uname -sr)"
  echo
  printf "%-32s %16s %12s %14s %14s\n" "input" "bytes" "wall" "max RSS (KiB)" "RssAnon (KiB)"
  measure_memory "one file" "$corpus" "$file_bytes"
  measure_memory "stdin, file repeated $repeats times" - $((file_bytes * repeats)) "$corpus" "$repeats"
  measure_memory "directory of 1000 files" "$files_dir" "$(input_bytes "$files_dir")"
}

main() {
  TARGET_DIR=${CARGO_TARGET_DIR:-target}
  ensure_tools
  build
  case "$MODE" in
    file) mode_file ;;
    dir) mode_dir ;;
    gzip) mode_gzip ;;
    gb18030) mode_gb18030 ;;
    utf16) mode_utf16 ;;
    memory) mode_memory ;;
    *) die "invalid MODE '$MODE': expected file, dir, gzip, gb18030, utf16 or memory" ;;
  esac
}

main "$@"
